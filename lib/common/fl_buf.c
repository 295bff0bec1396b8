/*
** fl_buf growth: capacity doubles from 256 bytes, with overflow checks.
** Must never leave `p` dangling or `cap` larger than what was allocated.
*/
#include "common/fl_buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
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

void fl_buf_put(fl_buf *b, const void *s, size_t n) {
  if (!n || fl_buf_reserve(b, n)) return;
  memcpy(b->p + b->len, s, n);
  b->len += n;
}

void fl_buf_puts(fl_buf *b, const char *s) { fl_buf_put(b, s, strlen(s)); }

void fl_buf_printf(fl_buf *b, const char *fmt, ...) {
  char tmp[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0 || fl_buf_reserve(b, (size_t)n + 1)) return;
  if ((size_t)n < sizeof tmp) {
    memcpy(b->p + b->len, tmp, (size_t)n + 1);
  } else { /* longer than the stack copy: format again into the buffer */
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
  }
  b->len += (size_t)n;
}

void fl_buf_free(fl_buf *b) {
  free(b->p);
  memset(b, 0, sizeof *b);
}
