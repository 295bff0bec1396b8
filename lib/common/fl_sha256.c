/*
** SHA-256 (FIPS 180-4), written from the standard, for the sources table's
** file fingerprint and the content key of events without a record id. On
** x86-64 CPUs with the SHA extensions (cpuid, checked once at run time) the
** compression runs on SHA-NI instructions (~5x the portable code); the
** portable code stays for every other CPU. Both are tested against the
** FIPS/NIST vectors and each other in tests/unit/test_common.c.
**
** Must never: allocate, read past the caller's buffer, give a different
** digest on the two paths, or be used for anything needing secrecy (no
** constant-time claims are made).
*/
#include <stdatomic.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FL_SHA_NI 1
#include <cpuid.h>
#include <immintrin.h>
#endif

#include "common/fl_sha256.h"

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t rotr(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

static void sha256_block(uint32_t h[8], const uint8_t *p) {
  uint32_t w[64];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
           (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
  uint32_t e = h[4], f = h[5], g = h[6], k = h[7];
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) +
                  ((e & f) ^ (~e & g)) + K[i] + w[i];
    uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) +
                  ((a & b) ^ (a & c) ^ (b & c));
    k = g; g = f; f = e; e = d + t1;
    d = c; c = b; b = a; a = t1 + t2;
  }
  h[0] += a; h[1] += b; h[2] += c; h[3] += d;
  h[4] += e; h[5] += f; h[6] += g; h[7] += k;
}

static void sha256_blocks_portable(uint32_t h[8], const uint8_t *p,
                                   size_t blocks) {
  for (; blocks; blocks--, p += 64) sha256_block(h, p);
}

#ifdef FL_SHA_NI
#define RNDS(i)                                                           \
  do {                                                                    \
    msg = _mm_add_epi32(m[(i) & 3],                                       \
                        _mm_loadu_si128((const __m128i *)&K[4 * (i)]));   \
    st1 = _mm_sha256rnds2_epu32(st1, st0, msg);                           \
  } while (0)

/* Four rounds i (of 16) with the message schedule of the rounds ahead. */
__attribute__((target("sha,sse4.1,ssse3"), always_inline)) static inline void
ni_rounds(__m128i *state0, __m128i *state1, __m128i m[4], int i) {
  __m128i st0 = *state0, st1 = *state1, msg;
  RNDS(i);
  if (i >= 3 && i <= 14) { /* W[4(i+1)..] = msg2(W[4(i-3)..] + ...) */
    __m128i t = _mm_alignr_epi8(m[i & 3], m[(i - 1) & 3], 4);
    m[(i + 1) & 3] = _mm_add_epi32(m[(i + 1) & 3], t);
    m[(i + 1) & 3] = _mm_sha256msg2_epu32(m[(i + 1) & 3], m[i & 3]);
  }
  msg = _mm_shuffle_epi32(msg, 0x0E);
  st0 = _mm_sha256rnds2_epu32(st0, st1, msg);
  if (i >= 1 && i <= 12)
    m[(i - 1) & 3] = _mm_sha256msg1_epu32(m[(i - 1) & 3], m[i & 3]);
  *state0 = st0;
  *state1 = st1;
}
#undef RNDS

__attribute__((target("sha,sse4.1,ssse3"))) static void
sha256_blocks_ni(uint32_t h[8], const uint8_t *p, size_t blocks) {
  const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL,
                                       0x0405060700010203ULL);
  __m128i t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[0]), 0xB1);
  __m128i st1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[4]), 0x1B);
  __m128i st0 = _mm_alignr_epi8(t, st1, 8);  /* ABEF */
  st1 = _mm_blend_epi16(st1, t, 0xF0);      /* CDGH */
  for (; blocks; blocks--, p += 64) {
    __m128i abef = st0, cdgh = st1, m[4];
    for (int j = 0; j < 4; j++)
      m[j] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * j)),
                              bswap);
    /* spelled out so each call's i is a constant: no branches, m[] in
    ** registers */
#define R4(i) ni_rounds(&st0, &st1, m, i); ni_rounds(&st0, &st1, m, i + 1); \
  ni_rounds(&st0, &st1, m, i + 2); ni_rounds(&st0, &st1, m, i + 3)
    R4(0); R4(4); R4(8); R4(12);
#undef R4
    st0 = _mm_add_epi32(st0, abef);
    st1 = _mm_add_epi32(st1, cdgh);
  }
  t = _mm_shuffle_epi32(st0, 0x1B);          /* FEBA */
  st1 = _mm_shuffle_epi32(st1, 0xB1);        /* DCHG */
  _mm_storeu_si128((__m128i *)&h[0], _mm_blend_epi16(t, st1, 0xF0));
  _mm_storeu_si128((__m128i *)&h[4], _mm_alignr_epi8(st1, t, 8));
}

static int cpu_has_sha_ni(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
  if (!(c & (1u << 19)) || !(c & (1u << 9))) return 0; /* SSE4.1, SSSE3 */
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
  return (b & (1u << 29)) != 0;                        /* SHA */
}
#endif

typedef void (*blocks_fn)(uint32_t h[8], const uint8_t *p, size_t blocks);
static _Atomic(blocks_fn) blocks_impl;

static blocks_fn pick_blocks(void) {
  blocks_fn f = atomic_load_explicit(&blocks_impl, memory_order_relaxed);
  if (f) return f;
  f = sha256_blocks_portable;
#ifdef FL_SHA_NI
  if (cpu_has_sha_ni()) f = sha256_blocks_ni;
#endif
  atomic_store_explicit(&blocks_impl, f, memory_order_relaxed);
  return f;
}

int fl_sha256_use_portable(int portable) {
  blocks_fn f = sha256_blocks_portable;
#ifdef FL_SHA_NI
  if (!portable && cpu_has_sha_ni()) f = sha256_blocks_ni;
#endif
  atomic_store_explicit(&blocks_impl, f, memory_order_relaxed);
  return f != sha256_blocks_portable;
}

void fl_sha256_init(fl_sha256_ctx *s) {
  static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
                                 0xa54ff53a, 0x510e527f, 0x9b05688c,
                                 0x1f83d9ab, 0x5be0cd19};
  memcpy(s->h, iv, sizeof iv);
  s->total = 0;
  s->used = 0;
}

void fl_sha256_update(fl_sha256_ctx *s, const void *data, size_t len) {
  const uint8_t *p = data;
  s->total += len;
  if (s->used) {
    size_t take = 64 - s->used < len ? 64 - s->used : len;
    memcpy(s->buf + s->used, p, take);
    s->used += take;
    p += take;
    len -= take;
    if (s->used < 64) return;
    pick_blocks()(s->h, s->buf, 1);
    s->used = 0;
  }
  if (len >= 64) {
    pick_blocks()(s->h, p, len / 64);
    p += len & ~(size_t)63;
    len &= 63;
  }
  memcpy(s->buf, p, len);
  s->used = len;
}

void fl_sha256_final(fl_sha256_ctx *s, uint8_t out[32]) {
  uint64_t bits = s->total * 8;
  uint8_t pad[72] = {0x80};
  size_t padlen = (s->used < 56 ? 56 : 120) - s->used;
  for (int i = 0; i < 8; i++) pad[padlen + (size_t)i] = (uint8_t)(bits >> (56 - 8 * i));
  fl_sha256_update(s, pad, padlen + 8);
  for (int i = 0; i < 8; i++) {
    out[4 * i] = (uint8_t)(s->h[i] >> 24);
    out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
    out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
    out[4 * i + 3] = (uint8_t)s->h[i];
  }
}

void fl_sha256_hex(const void *data, size_t len, char hex[65]) {
  fl_sha256_ctx s;
  uint8_t d[32];
  fl_sha256_init(&s);
  fl_sha256_update(&s, data, len);
  fl_sha256_final(&s, d);
  fl_hex(d, 32, hex);
}

void fl_hex(const uint8_t *d, size_t n, char *hex) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    hex[2 * i] = digits[d[i] >> 4];
    hex[2 * i + 1] = digits[d[i] & 15];
  }
  hex[2 * n] = '\0';
}
