/*
** The text toolkit's escapers (policies in fl_text.h). JSON is on the
** store's per-row path, so it reserves once per string and copies plain
** runs 16 bytes at a time (SSE2); the others are written for clarity.
**
** Must never: let a control character, invalid UTF-8 or (CSV) a formula
** through; read past the given length; write past the reserved room.
*/
#include "common/fl_text.h"

#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/fl_utf8.h"

static const char hexdig[] = "0123456789abcdef";
static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

static void put(fl_buf *b, const void *s, size_t n) {
  if (!n || fl_buf_reserve(b, n)) return;
  memcpy(b->p + b->len, s, n);
  b->len += n;
}

static void putc1(fl_buf *b, char c) {
  if (fl_buf_reserve(b, 1)) return;
  b->p[b->len++] = c;
}

static void put_hex_byte(fl_buf *b, unsigned char c) {
  char e[4] = {'\\', 'x', hexdig[c >> 4], hexdig[c & 15]};
  put(b, e, 4);
}

int fl_utf8_valid(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    size_t k = fl_utf8_decode(p + i, n - i, &cp);
    if (!k) return 0;
    i += k;
  }
  return 1;
}

/* ---- JSON ---------------------------------------------------------------- */

/* 1 for printable ASCII other than " and \ (copied as they are). A table:
** most strings are shorter than the 16-byte vector step, so the scalar
** loop below runs for nearly every byte. */
static const unsigned char json_plain_tab[256] = {
#define P16(a) a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a
    P16(0), P16(0),
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x20: '"' */
    P16(1), P16(1),
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,  /* 0x50: '\\' */
    P16(1),
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,  /* 0x70: DEL */
    P16(0), P16(0), P16(0), P16(0), P16(0), P16(0), P16(0), P16(0),
#undef P16
};

/* How many bytes from p on are plain (json_plain_tab); 16 at a time with
** SSE2. */
static size_t json_plain_run(const unsigned char *p, size_t n) {
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i lo = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7F);
  const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
    /* signed compare: bytes >= 0x80 are negative, so below 0x20 too */
    __m128i bad = _mm_or_si128(
        _mm_or_si128(_mm_cmplt_epi8(v, lo), _mm_cmpeq_epi8(v, del)),
        _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)));
    int mask = _mm_movemask_epi8(bad);
    if (mask) return i + (size_t)__builtin_ctz((unsigned)mask);
  }
#endif
  while (i < n && json_plain_tab[p[i]]) i++;
  return i;
}

/* The part of the plain run p[i..i+k) before a "/" that follows "<". */
static size_t json_script_cut(const unsigned char *p, size_t i, size_t k) {
  const unsigned char *q = p + i, *end = p + i + k;
  while (q < end && (q = memchr(q, '/', (size_t)(end - q))) != NULL) {
    if (q > p && q[-1] == '<') return (size_t)(q - (p + i));
    q++;
  }
  return k;
}

/* The escape of one non-plain character at p (valid UTF-8 of len bytes
** with code point cp, or len 0: an invalid byte) into o; returns the bytes
** written (at most 6, never more than 6 per input byte). */
static size_t json_escape_one(char *o, const unsigned char *p, size_t len,
                              uint32_t cp, unsigned flags) {
  unsigned char c = p[0];
  if (c == '"' || c == '\\' || c == '\n' || c == '\t' || c == '\r') {
    o[0] = '\\';
    o[1] = c == '\n' ? 'n' : c == '\t' ? 't' : c == '\r' ? 'r' : (char)c;
    return 2;
  }
  int as_exported = (flags & FL_TEXT_JSON_AS_EXPORTED) != 0;
  if (len && (as_exported ? cp >= 0x20
                          : !(fl_utf8_is_control(cp) || cp == 0x2028 ||
                              cp == 0x2029 || fl_utf8_is_bidi(cp)))) {
    memcpy(o, p, len);
    return len;
  }
  uint32_t v = len ? cp : 0xFFFD;
  o[0] = '\\';
  o[1] = 'u';
  for (int i = 0; i < 4; i++) o[2 + i] = hexdig[(v >> (12 - 4 * i)) & 15];
  return 6;
}

void fl_text_json(fl_buf *b, const char *s, size_t n, unsigned flags) {
  const unsigned char *p = (const unsigned char *)s;
  /* one reservation: no character grows past 6 bytes per input byte */
  if (n > (SIZE_MAX - 2) / 6 || fl_buf_reserve(b, 6 * n + 2)) return;
  char *o = b->p + b->len;
  *o++ = '"';
  for (size_t i = 0; i < n;) {
    size_t k = json_plain_run(p + i, n - i);
    if (flags & FL_TEXT_JSON_SCRIPT) k = json_script_cut(p, i, k);
    memcpy(o, p + i, k);
    o += k;
    i += k;
    if (i >= n) break;
    if (p[i] == '/') { /* only a cut stops a run at '/': "</" */
      *o++ = '\\';
      *o++ = '/';
      i++;
      continue;
    }
    uint32_t cp = 0;
    size_t len = fl_utf8_decode(p + i, n - i, &cp);
    o += json_escape_one(o, p + i, len, cp, flags);
    i += len ? len : 1;
  }
  *o++ = '"';
  b->len = (size_t)(o - b->p);
}

/* ---- HTML ---------------------------------------------------------------- */

void fl_text_html(fl_buf *b, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    uint32_t cp = 0;
    size_t len = fl_utf8_decode(p + i, n - i, &cp);
    const char *e = NULL;
    if (!len || (fl_utf8_is_control(cp) && cp != '\n' && cp != '\t'))
      e = replacement;
    else if (cp == '&') e = "&amp;";
    else if (cp == '<') e = "&lt;";
    else if (cp == '>') e = "&gt;";
    else if (cp == '"') e = "&quot;";
    else if (cp == '\'') e = "&#39;";
    if (e) put(b, e, strlen(e));
    else put(b, p + i, len);
    i += len ? len : 1;
  }
}

/* ---- CSV ----------------------------------------------------------------- */

int fl_text_csv_guarded(const char *s, size_t n) {
  return n && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
               s[0] == '\t' || s[0] == '\r');
}

static int csv_needs_quotes(const char *s, size_t n) {
  if (!n) return 0;
  if (fl_text_csv_guarded(s, n) || s[0] == ' ' || s[n - 1] == ' ') return 1;
  for (size_t i = 0; i < n; i++)
    if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r') return 1;
  return 0;
}

void fl_text_csv_body(fl_buf *b, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    uint32_t cp = 0;
    size_t len = fl_utf8_decode(p + i, n - i, &cp);
    if (!len || (fl_utf8_is_control(cp) && cp != '\t' && cp != '\n' &&
                 cp != '\r'))
      put(b, replacement, 3);
    else if (cp == '"')
      put(b, "\"\"", 2);
    else
      put(b, p + i, len);
    i += len ? len : 1;
  }
}

void fl_text_csv(fl_buf *b, const char *s, size_t n) {
  int quoted = csv_needs_quotes(s, n);
  if (quoted) putc1(b, '"');
  if (fl_text_csv_guarded(s, n)) putc1(b, '\'');
  fl_text_csv_body(b, s, n);
  if (quoted) putc1(b, '"');
}

/* ---- terminal ------------------------------------------------------------ */

/* What the terminal form does with the character at p[i]: 0 = write its
** len bytes, 1 = \xNN each of its bytes (len 0: the one bad byte), 2 = a
** doubled backslash. */
static int term_class(const unsigned char *p, size_t n, size_t i, size_t len,
                      uint32_t cp, unsigned flags) {
  if (!len) return 1;
  if (cp == '\n') return (flags & FL_TEXT_TERM_NEWLINES) ? 0 : 1;
  if (fl_utf8_is_control(cp) || fl_utf8_is_bidi(cp)) return 1;
  /* only where it could be read as an escape: CORP\SRV-WEB01$ stays */
  if (cp == '\\' && i + 1 < n && p[i + 1] == 'x') return 2;
  return 0;
}

void fl_text_term(fl_buf *b, const char *s, size_t n, unsigned flags) {
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    uint32_t cp = 0;
    size_t len = fl_utf8_decode(p + i, n - i, &cp);
    switch (term_class(p, n, i, len, cp, flags)) {
      case 0: put(b, p + i, len); break;
      case 2: put(b, "\\\\", 2); break;
      default:
        for (size_t k = 0; k < (len ? len : 1); k++) put_hex_byte(b, p[i + k]);
    }
    i += len ? len : 1;
  }
}

size_t fl_text_term_width(const char *s, size_t n, unsigned flags) {
  const unsigned char *p = (const unsigned char *)s;
  size_t w = 0;
  for (size_t i = 0; i < n;) {
    uint32_t cp = 0;
    size_t len = fl_utf8_decode(p + i, n - i, &cp);
    int k = term_class(p, n, i, len, cp, flags);
    w += k == 0 ? 1 : k == 2 ? 2 : 4 * (len ? len : 1);
    i += len ? len : 1;
  }
  return w;
}

/* ---- FILE and array forms ------------------------------------------------ */

typedef void (*escaper)(fl_buf *, const char *, size_t, unsigned);

static void html_f(fl_buf *b, const char *s, size_t n, unsigned flags) {
  (void)flags;
  fl_text_html(b, s, n);
}
static void csv_f(fl_buf *b, const char *s, size_t n, unsigned flags) {
  (void)flags;
  fl_text_csv(b, s, n);
}

static void csv_body_f(fl_buf *b, const char *s, size_t n, unsigned flags) {
  (void)flags;
  fl_text_csv_body(b, s, n);
}

static void to_file(FILE *out, escaper fn, const char *s, size_t n,
                    unsigned flags) {
  fl_buf b = {0};
  fn(&b, s ? s : "", s ? n : 0, flags);
  if (b.len) fwrite(b.p, 1, b.len, out);
  fl_buf_free(&b);
}

void fl_text_json_fputs(FILE *out, const char *s, unsigned flags) {
  to_file(out, fl_text_json, s, s ? strlen(s) : 0, flags);
}
void fl_text_html_fputs(FILE *out, const char *s) {
  to_file(out, html_f, s, s ? strlen(s) : 0, 0);
}
void fl_text_csv_fputs(FILE *out, const char *s) {
  to_file(out, csv_f, s, s ? strlen(s) : 0, 0);
}
void fl_text_csv_body_fputs(FILE *out, const char *s) {
  to_file(out, csv_body_f, s, s ? strlen(s) : 0, 0);
}
void fl_text_term_fputs(FILE *out, const char *s, unsigned flags) {
  to_file(out, fl_text_term, s, s ? strlen(s) : 0, flags);
}
void fl_text_term_fwrite(FILE *out, const char *s, size_t n, unsigned flags) {
  to_file(out, fl_text_term, s, s ? strnlen(s, n) : 0, flags);
}
void fl_text_html_fwrite(FILE *out, const char *s, size_t n) {
  to_file(out, html_f, s, s ? strnlen(s, n) : 0, 0);
}

size_t fl_text_escape(fl_text_kind kind, const char *s, size_t n,
                      unsigned flags, char *out, size_t cap) {
  static const escaper fns[] = {
      [FL_TEXT_JSON] = fl_text_json, [FL_TEXT_HTML] = html_f,
      [FL_TEXT_CSV] = csv_f, [FL_TEXT_TERM] = fl_text_term};
  fl_buf b = {0};
  if ((unsigned)kind < sizeof fns / sizeof *fns) fns[kind](&b, s, n, flags);
  size_t need = b.len;
  if (cap) {
    size_t k = need < cap - 1 ? need : cap - 1;
    if (k) memcpy(out, b.p, k);
    out[k] = '\0';
  }
  fl_buf_free(&b);
  return need;
}
