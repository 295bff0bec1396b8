/*
** Interned strings for the typed columns that repeat from row to row (host,
** channel, provider, local address, state and error text): one copy each,
** at an address that stays put while the store is open. The writer thread
** binds such a value only when a parameter held something else before
** (store_insert.c), so a column that is the same in every row costs no
** bind at all; a value copied into a batch moves with every batch and must
** be bound every time.
**
** Must never: move or free a string before fl_store_close (rows queued to
** the writer and the writer's record of its bindings hold the address),
** hand out an address for different bytes, grow past INTERN_BYTES (full,
** it interns nothing more: the values go into the batches as before), or
** be used by two threads (the producer owns it; the writer only reads the
** bytes, after the batch holding the address was handed over under the
** pipe's mutex).
*/
#include <stdlib.h>
#include <string.h>

#include "common/fl_hash.h"
#include "store/store_internal.h"

enum {
  INTERN_SLOTS = 1u << 12, /* power of two */
  INTERN_LIMIT = INTERN_SLOTS / 2,
  INTERN_BYTES = 1u << 20, /* one block, allocated when first needed */
  INTERN_MAX_LEN = 512     /* longer values are not worth keeping */
};

struct store_intern {
  struct {
    uint64_t hash;
    const char *p;
    size_t len;
  } slot[INTERN_SLOTS];
  uint32_t count;
  char *block;
  size_t used;
  fl_evtx_str last[STORE_STABLE_FIELDS]; /* each field's last value */
};

store_intern *store_intern_new(void) { return calloc(1, sizeof(store_intern)); }

void store_intern_free(store_intern *t) {
  if (!t) return;
  free(t->block);
  free(t);
}

static uint64_t text_hash(const char *p, size_t n) {
  uint64_t h = fl_fnv1a64_add(FL_FNV1A64_OFFSET ^ n, p, n);
  return h ^ (h >> 29);
}

static const char *lookup_or_add(store_intern *t, fl_evtx_str v) {
  uint64_t h = text_hash(v.ptr, v.len);
  size_t i = h & (INTERN_SLOTS - 1);
  for (; t->slot[i].p; i = (i + 1) & (INTERN_SLOTS - 1))
    if (t->slot[i].hash == h && t->slot[i].len == v.len &&
        memcmp(t->slot[i].p, v.ptr, v.len) == 0)
      return t->slot[i].p;
  if (t->count >= INTERN_LIMIT || INTERN_BYTES - t->used < v.len + 1) return NULL;
  if (!t->block && !(t->block = malloc(INTERN_BYTES))) return NULL;
  char *p = t->block + t->used;
  memcpy(p, v.ptr, v.len);
  p[v.len] = '\0';
  t->used += v.len + 1;
  t->slot[i].hash = h;
  t->slot[i].p = p;
  t->slot[i].len = v.len;
  t->count++;
  return p;
}

const char *store_intern_str(store_intern *t, int field, fl_evtx_str v) {
  if (!t || !v.ptr || v.len > INTERN_MAX_LEN || field < 0 ||
      field >= STORE_STABLE_FIELDS)
    return NULL;
  fl_evtx_str *last = &t->last[field];
  /* most rows repeat the previous row's value: no hashing then */
  if (last->ptr && last->len == v.len && memcmp(last->ptr, v.ptr, v.len) == 0)
    return last->ptr;
  const char *p = lookup_or_add(t, v);
  if (p) {
    last->ptr = p;
    last->len = v.len;
  }
  return p;
}
