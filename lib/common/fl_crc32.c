/*
** CRC-32 (IEEE, reflected): PCLMULQDQ folding when the CPU has it
** (checked once at run time; the function carries its own target
** attribute, so the file builds with the project's plain flags), else
** slice-by-8. Tables are built once (pthread_once) rather than pasted as
** 8 KB of literals.
**
** Must never: read past data + len (the folding path takes whole 16-byte
** blocks only and leaves the tail to the table path), or give a result
** that differs between the two paths (tests/unit/test_common.c).
*/
#include "common/fl_crc32.h"

#include <pthread.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FL_CRC32_CLMUL 1
#include <immintrin.h>
#endif

static uint32_t tables[8][256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;
static int use_clmul;

static void build_tables(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    tables[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; i++)
    for (int t = 1; t < 8; t++)
      tables[t][i] = (tables[t - 1][i] >> 8) ^ tables[0][tables[t - 1][i] & 0xff];
#ifdef FL_CRC32_CLMUL
  __builtin_cpu_init();
  use_clmul = __builtin_cpu_supports("pclmul") != 0;
#endif
}

/* Table path on the inverted register (no pre/post inversion). */
static uint32_t fl_crc32_tables(uint32_t crc, const uint8_t *p, size_t len) {
  while (len >= 8) {
    uint32_t a, b;
    memcpy(&a, p, 4);
    memcpy(&b, p + 4, 4);
    a ^= crc;
    crc = tables[7][a & 0xff] ^ tables[6][(a >> 8) & 0xff] ^
          tables[5][(a >> 16) & 0xff] ^ tables[4][a >> 24] ^
          tables[3][b & 0xff] ^ tables[2][(b >> 8) & 0xff] ^
          tables[1][(b >> 16) & 0xff] ^ tables[0][b >> 24];
    p += 8;
    len -= 8;
  }
  while (len--) crc = tables[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

uint32_t fl_crc32_portable(uint32_t crc, const void *data, size_t len) {
  pthread_once(&tables_once, build_tables);
  return ~fl_crc32_tables(~crc, data, len);
}

#ifdef FL_CRC32_CLMUL
/* Folding with carry-less multiplies (Intel, "Fast CRC Computation for
** Generic Polynomials Using PCLMULQDQ", 2009; the bit-reflected constants
** for 0x04C11DB7 as in zlib and Linux): four 128-bit lanes fold 64 bytes a
** step, then fold to one lane, 16 bytes a step, then reduce to 32 bits with
** Barrett. len is a multiple of 16 and >= 64; crc is the inverted
** register. */
__attribute__((target("pclmul,sse2"))) static uint32_t
fl_crc32_clmul(uint32_t crc, const uint8_t *p, size_t len) {
  const __m128i k1k2 = _mm_set_epi64x(0x01c6e41596LL, 0x0154442bd4LL);
  const __m128i k3k4 = _mm_set_epi64x(0x00ccaa009eLL, 0x01751997d0LL);
  const __m128i k5 = _mm_set_epi64x(0, 0x0163cd6124LL);
  const __m128i poly = _mm_set_epi64x(0x01f7011641LL, 0x01db710641LL);
  const __m128i mask32 = _mm_setr_epi32(~0, 0, ~0, 0);
  __m128i x1 = _mm_loadu_si128((const __m128i *)(const void *)p);
  __m128i x2 = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
  __m128i x3 = _mm_loadu_si128((const __m128i *)(const void *)(p + 32));
  __m128i x4 = _mm_loadu_si128((const __m128i *)(const void *)(p + 48));
  x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128((int)crc));
  p += 64;
  len -= 64;
#define FL_FOLD(x, k, y)                                                    \
  x = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00),         \
                                  _mm_clmulepi64_si128(x, k, 0x11)),        \
                    (y))
  while (len >= 64) {
    FL_FOLD(x1, k1k2, _mm_loadu_si128((const __m128i *)(const void *)p));
    FL_FOLD(x2, k1k2, _mm_loadu_si128((const __m128i *)(const void *)(p + 16)));
    FL_FOLD(x3, k1k2, _mm_loadu_si128((const __m128i *)(const void *)(p + 32)));
    FL_FOLD(x4, k1k2, _mm_loadu_si128((const __m128i *)(const void *)(p + 48)));
    p += 64;
    len -= 64;
  }
  FL_FOLD(x1, k3k4, x2);
  FL_FOLD(x1, k3k4, x3);
  FL_FOLD(x1, k3k4, x4);
  while (len >= 16) {
    FL_FOLD(x1, k3k4, _mm_loadu_si128((const __m128i *)(const void *)p));
    p += 16;
    len -= 16;
  }
#undef FL_FOLD
  /* 128 -> 64 bits */
  x2 = _mm_clmulepi64_si128(x1, k3k4, 0x10);
  x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), x2);
  x2 = _mm_srli_si128(x1, 4);
  x1 = _mm_and_si128(x1, mask32);
  x1 = _mm_xor_si128(_mm_clmulepi64_si128(x1, k5, 0x00), x2);
  /* Barrett reduction to 32 bits */
  x2 = _mm_and_si128(x1, mask32);
  x2 = _mm_clmulepi64_si128(x2, poly, 0x10);
  x2 = _mm_and_si128(x2, mask32);
  x2 = _mm_clmulepi64_si128(x2, poly, 0x00);
  x1 = _mm_xor_si128(x1, x2);
  return (uint32_t)_mm_cvtsi128_si32(_mm_srli_si128(x1, 4));
}
#endif

uint32_t fl_crc32(uint32_t crc, const void *data, size_t len) {
  pthread_once(&tables_once, build_tables);
  const uint8_t *p = data;
  crc = ~crc;
#ifdef FL_CRC32_CLMUL
  if (use_clmul && len >= 64) {
    size_t blocks = len & ~(size_t)15;
    crc = fl_crc32_clmul(crc, p, blocks);
    p += blocks;
    len -= blocks;
  }
#endif
  return ~fl_crc32_tables(crc, p, len);
}
