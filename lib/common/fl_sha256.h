/*
** SHA-256 (FIPS 180-4): the store's source fingerprints and the content
** key of events without a record id. SHA-NI where the CPU has it, portable
** code otherwise (same digests; tests/unit/test_common.c checks both).
**
** Must never be used for secrecy (no constant-time claims) and never
** allocates. A context belongs to one thread at a time.
*/
#ifndef FL_COMMON_SHA256_H
#define FL_COMMON_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct fl_sha256_ctx {
  uint32_t h[8];
  uint64_t total;
  uint8_t buf[64];
  size_t used;
} fl_sha256_ctx;

void fl_sha256_init(fl_sha256_ctx *s);
void fl_sha256_update(fl_sha256_ctx *s, const void *data, size_t len);
void fl_sha256_final(fl_sha256_ctx *s, uint8_t out[32]);
/* SHA-256 of a buffer as lowercase hex. */
void fl_sha256_hex(const void *data, size_t len, char hex[65]);
/* n bytes as 2n lowercase hex digits and a NUL. */
void fl_hex(const uint8_t *d, size_t n, char *hex);
/* Tests: 1 = portable code only, 0 = the fastest the CPU has (the default).
** Returns 1 when SHA-NI is now in use. */
int fl_sha256_use_portable(int portable);

#endif
