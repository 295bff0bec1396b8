/*
** The one growable byte buffer of the library (the EVTX reader's output,
** the input readers' records, the store's rows). Allocation happens only on
** growth, so a buffer reused across records costs nothing per record.
**
** Must never: abort or grow past SIZE_MAX on hostile sizes. A failed growth
** sets `failed`; later appends are dropped, and callers check the flag once.
*/
#ifndef FL_COMMON_BUF_H
#define FL_COMMON_BUF_H

#include <stddef.h>

typedef struct fl_buf {
  char *p;
  size_t len, cap;
  int failed; /* a growth failed; the content is truncated */
} fl_buf;

/* Grows the buffer for extra more bytes (the slow path of fl_buf_reserve). */
int fl_buf_grow(fl_buf *b, size_t extra);

/* Room for extra more bytes; 0, or -1 (failed set) when it cannot grow.
** Inline because hot loops call it for every few bytes they append. */
static inline int fl_buf_reserve(fl_buf *b, size_t extra) {
  if (!b->failed && b->p && extra <= b->cap - b->len) return 0;
  return fl_buf_grow(b, extra);
}
void fl_buf_free(fl_buf *b);

/* Appends n bytes / a C string / one byte (dropped when growth fails). */
void fl_buf_put(fl_buf *b, const void *s, size_t n);
void fl_buf_puts(fl_buf *b, const char *s);
static inline void fl_buf_putc(fl_buf *b, char c) {
  if (!fl_buf_reserve(b, 1)) b->p[b->len++] = c;
}
/* Appends printf output, whole (no fixed limit); a NUL follows the content
** (not counted in len), so a buffer built only of such calls is a string. */
void fl_buf_printf(fl_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
