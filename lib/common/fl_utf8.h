/*
** UTF-8 decoding, the one copy the library uses (escapers, readers, the
** report). Inline because the store's JSON escaper and the readers call it
** for every non-ASCII character they meet.
**
** Must never: accept overlong forms, surrogates (U+D800..U+DFFF) or code
** points past U+10FFFF, or read past the n bytes it is given.
*/
#ifndef FL_COMMON_UTF8_H
#define FL_COMMON_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length (1..4) of the valid UTF-8 sequence at p with its code point in
** *cp, or 0 when the bytes are not valid UTF-8 or n is 0 or too short.
** ASCII (including NUL) is a 1-byte sequence. */
static inline size_t fl_utf8_decode(const unsigned char *p, size_t n,
                                    uint32_t *cp) {
  if (!n) return 0;
  unsigned char c = p[0];
  size_t len;
  uint32_t v, min;
  if (c < 0x80) { *cp = c; return 1; }
  if (c >= 0xC2 && c <= 0xDF) { len = 2; v = c & 0x1Fu; min = 0x80; }
  else if (c >= 0xE0 && c <= 0xEF) { len = 3; v = c & 0x0Fu; min = 0x800; }
  else if (c >= 0xF0 && c <= 0xF4) { len = 4; v = c & 0x07u; min = 0x10000; }
  else return 0;
  if (len > n) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    v = (v << 6) | (p[i] & 0x3Fu);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return len;
}

/* 1 when all n bytes at s are valid UTF-8. */
int fl_utf8_valid(const char *s, size_t n);

/* C0 controls, DEL and C1 controls (U+0080..U+009F): what a terminal may
** obey and no output should carry raw. */
static inline int fl_utf8_is_control(uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

/* Characters that reorder or hide text on a terminal (Trojan Source). */
static inline int fl_utf8_is_bidi(uint32_t cp) {
  return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
         cp == 0x200E || cp == 0x200F || cp == 0x061C;
}

#endif
