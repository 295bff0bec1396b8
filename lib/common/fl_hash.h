/*
** FNV-1a 64-bit, the one non-cryptographic hash of the library (interned
** strings, peer de-duplication, the EVTX writer's name and template
** indexes). Inline: it runs per record on those paths.
**
** Must never be used where an attacker gains from collisions beyond a
** slower probe (tables using it bound their probe length), nor as a
** fingerprint that is stored: that is SHA-256 (fl_sha256.h).
*/
#ifndef FL_COMMON_HASH_H
#define FL_COMMON_HASH_H

#include <stddef.h>
#include <stdint.h>

#define FL_FNV1A64_OFFSET 0xcbf29ce484222325ull
#define FL_FNV1A64_PRIME 0x100000001b3ull

/* h continued over n bytes at p (start with FL_FNV1A64_OFFSET, or a seed
** mixed into it). */
static inline uint64_t fl_fnv1a64_add(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = (const unsigned char *)p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * FL_FNV1A64_PRIME;
  return h;
}

static inline uint64_t fl_fnv1a64(const void *p, size_t n) {
  return fl_fnv1a64_add(FL_FNV1A64_OFFSET, p, n);
}

#endif
