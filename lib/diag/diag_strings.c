/*
** Interned strings for diagnosis: every host name, address, target and
** file name is kept once and named by a small id (0 = ""), so episodes and
** identity tables hold ids, not copies. Strings are cut at 1 KiB.
** Must never return a pointer that moves: each string is its own
** allocation, valid until diag_strings_free(). Also the one FILETIME to
** text helper diagnosis texts use.
*/
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag/diag_internal.h"

static uint64_t hash_bytes(const char *p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)p[i]) * 1099511628211ull;
  return h;
}

static int grow_slots(diag_strings *s) {
  size_t cap = s->slot_cap ? s->slot_cap * 2 : 1024;
  uint32_t *slots = calloc(cap, sizeof *slots);
  if (!slots) return -1;
  for (size_t i = 1; i < s->count; i++) {
    size_t j = hash_bytes(s->items[i], strlen(s->items[i])) & (cap - 1);
    while (slots[j]) j = (j + 1) & (cap - 1);
    slots[j] = (uint32_t)i;
  }
  free(s->slots);
  s->slots = slots;
  s->slot_cap = cap;
  return 0;
}

/* Returns the id of the string, adding it; UINT32_MAX when out of memory. */
uint32_t diag_intern(diag_strings *s, const char *p, size_t len) {
  if (!p || !len) return 0;
  if (len > 1024) len = 1024; /* names longer than this are cut, not kept whole */
  if (s->count == 0) { /* reserve id 0 for "" */
    s->items = calloc(64, sizeof *s->items);
    if (!s->items) return UINT32_MAX;
    s->items[0] = calloc(1, 1);
    s->cap = 64;
    s->count = 1;
  }
  if ((s->count + 1) * 2 > s->slot_cap && grow_slots(s) != 0) return UINT32_MAX;
  size_t j = hash_bytes(p, len) & (s->slot_cap - 1);
  while (s->slots[j]) {
    const char *q = s->items[s->slots[j]];
    if (strlen(q) == len && memcmp(q, p, len) == 0) return s->slots[j];
    j = (j + 1) & (s->slot_cap - 1);
  }
  if (s->count == s->cap) {
    char **items = realloc(s->items, s->cap * 2 * sizeof *items);
    if (!items) return UINT32_MAX;
    s->items = items;
    s->cap *= 2;
  }
  char *copy = malloc(len + 1);
  if (!copy) return UINT32_MAX;
  memcpy(copy, p, len);
  copy[len] = '\0';
  s->items[s->count] = copy;
  s->slots[j] = (uint32_t)s->count;
  return (uint32_t)s->count++;
}

const char *diag_str(const diag_strings *s, uint32_t id) {
  return id < s->count ? s->items[id] : "";
}

void diag_strings_free(diag_strings *s) {
  for (size_t i = 0; i < s->count; i++) free(s->items[i]);
  free(s->items);
  free(s->slots);
  memset(s, 0, sizeof *s);
}

void diag_iso_time(uint64_t ft, char *buf, size_t cap) {
  const uint64_t epoch = 116444736000000000ull; /* 1970 in FILETIME */
  time_t t = (time_t)((ft > epoch ? ft - epoch : 0) / 10000000ull);
  struct tm tm;
  if (!cap) return;
  buf[0] = '\0';
  if (gmtime_r(&t, &tm)) strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
