/*
** UTF-16 to UTF-8 (lib/evtx/evtx_value.c): the all-ASCII fast path for
** unescaped text reads in wide, overlapping steps, so every length around
** the step sizes, with one non-ASCII unit (or a trailing NUL) at every
** position, must give exactly what a plain one-unit-at-a-time conversion
** gives, and never read past the value (each input sits at the end of its
** own allocation, so ASan catches an over-read).
**
** Must never: depend on files or write anywhere.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evtx/evtx_internal.h"
#include "harness.h"

/* The reference: one unit at a time (BMP only; no surrogates here). */
static size_t ref_utf8(const uint16_t *u, size_t n, char *out) {
  while (n && u[n - 1] == 0) n--;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned c = u[i];
    if (c < 0x80) {
      out[k++] = (char)c;
    } else if (c < 0x800) {
      out[k++] = (char)(0xc0 | (c >> 6));
      out[k++] = (char)(0x80 | (c & 0x3f));
    } else {
      out[k++] = (char)(0xe0 | (c >> 12));
      out[k++] = (char)(0x80 | ((c >> 6) & 0x3f));
      out[k++] = (char)(0x80 | (c & 0x3f));
    }
  }
  return k;
}

/* units as little-endian bytes at the very end of a fresh allocation */
static int same_as_ref(const uint16_t *u, size_t n) {
  uint8_t *p = malloc(2 * n + 1);
  if (!p) return 0;
  for (size_t i = 0; i < n; i++) {
    p[2 * i] = (uint8_t)u[i];
    p[2 * i + 1] = (uint8_t)(u[i] >> 8);
  }
  char want[3 * 64 + 1];
  size_t wn = ref_utf8(u, n, want);
  fl_evtx_buf out = {0};
  FL_EVTX_PUTS(&out, "x"); /* an append lands after what is there */
  fl_evtx_utf16_append_plain(&out, p, 2 * n);
  int ok = !out.failed && out.len == wn + 1 && out.p[0] == 'x' &&
           memcmp(out.p + 1, want, wn) == 0;
  fl_buf_free(&out);
  free(p);
  return ok;
}

static void ascii_path_matches_reference(void) {
  uint16_t u[64] = {0};
  int bad = 0;
  for (size_t n = 0; n <= 40; n++) {
    for (size_t i = 0; i < n; i++) u[i] = (uint16_t)('a' + i % 26);
    if (!same_as_ref(u, n)) bad++;
    for (size_t at = 0; at < n; at++) {
      static const uint16_t odd[] = {0x80, 0xe9, 0x100, 0x7ff, 0x800, 0x20ac, 0};
      for (size_t k = 0; k < sizeof odd / sizeof *odd; k++) {
        u[at] = odd[k];
        if (odd[k] == 0) /* NULs: only trailing ones are dropped */
          for (size_t j = at; j < n; j++) u[j] = 0;
        if (!same_as_ref(u, n)) {
          if (bad++ < 5)
            printf("  length %zu, unit %zu = 0x%x differs\n", n, at, odd[k]);
        }
        for (size_t j = 0; j < n; j++) u[j] = (uint16_t)('a' + j % 26);
      }
    }
  }
  CHECK(bad == 0);
}

int main(void) {
  RUN(ascii_path_matches_reference);
  TEST_EXIT();
}
