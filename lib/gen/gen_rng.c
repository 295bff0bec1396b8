/*
** The generator's own PRNG: xoshiro256** seeded through splitmix64, so a
** seed gives the same stream on every platform and libc.
** Must never call rand(), read the clock or any other outside entropy:
** determinism per seed is a promise of `faultline gen`.
*/
#include "gen/gen_internal.h"

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void fl_gen_rng_seed(gen_rng *r, uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

uint64_t fl_gen_rng_next(gen_rng *r) {
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

uint64_t fl_gen_rng_below(gen_rng *r, uint64_t n) {
  if (n <= 1) return 0;
  /* Lemire-style multiply; the tiny bias is irrelevant for test data but
  ** the result must stay identical everywhere, so no rejection loop on
  ** platform-dependent state. */
  unsigned __int128 m = (unsigned __int128)fl_gen_rng_next(r) * n;
  return (uint64_t)(m >> 64);
}

uint64_t fl_gen_rng_range(gen_rng *r, uint64_t lo, uint64_t hi) {
  if (hi <= lo) return lo;
  return lo + fl_gen_rng_below(r, hi - lo + 1);
}
