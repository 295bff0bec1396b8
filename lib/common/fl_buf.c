/*
** fl_buf growth: capacity doubles from 256 bytes, with overflow checks.
** Must never leave `p` dangling or `cap` larger than what was allocated.
*/
#include "common/fl_buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int fl_buf_grow(fl_buf *b, size_t extra) {
  if (b->failed) return -1;
  if (b->p && extra <= b->cap - b->len) return 0;
  size_t need = b->len + extra;
  if (need < b->len) goto fail;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < need) {
    if (cap > SIZE_MAX / 2) goto fail;
    cap *= 2;
  }
  char *p = realloc(b->p, cap);
  if (!p) goto fail;
  b->p = p;
  b->cap = cap;
  return 0;
fail:
  b->failed = 1;
  return -1;
}

void fl_buf_free(fl_buf *b) {
  free(b->p);
  memset(b, 0, sizeof *b);
}
