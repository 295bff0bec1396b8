/*
** CRC-32 slice-by-8. Tables are built once (thread-safe via pthread_once)
** rather than pasted as 8 KB of literals.
*/
#include "common/fl_crc32.h"

#include <pthread.h>
#include <string.h>

static uint32_t tables[8][256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void build_tables(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    tables[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; i++)
    for (int t = 1; t < 8; t++)
      tables[t][i] = (tables[t - 1][i] >> 8) ^ tables[0][tables[t - 1][i] & 0xff];
}

uint32_t fl_crc32(uint32_t crc, const void *data, size_t len) {
  pthread_once(&tables_once, build_tables);
  const uint8_t *p = data;
  crc = ~crc;
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
  return ~crc;
}
