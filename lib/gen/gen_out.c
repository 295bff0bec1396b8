/*
** Buffered output for the text writers: raw bytes, decimal and hex numbers,
** ISO-8601 times from FILETIME (lib/common/fl_time.h), XML escaping of
** untrusted text, and JSON through the text toolkit (lib/common/fl_text.h).
** Must never pass generated text through unescaped (every value may hold
** hostile characters) and never call printf-family functions per record:
** this is the hot path of a 2 GiB run.
*/
#include <stdlib.h>
#include <string.h>

#include "common/fl_text.h"
#include "common/fl_time.h"
#include "common/fl_utf8.h"
#include "gen/gen_internal.h"

int fl_gen_out_init(gen_out *o, FILE *fp, size_t cap) {
  memset(o, 0, sizeof *o);
  o->fp = fp;
  o->buf = malloc(cap);
  o->cap = cap;
  return o->buf ? 0 : -1;
}

void fl_gen_out_free(gen_out *o) {
  free(o->buf);
  o->buf = NULL;
  fl_buf_free(&o->esc);
}

int fl_gen_out_flush(gen_out *o) {
  if (o->len && fwrite(o->buf, 1, o->len, o->fp) != o->len) o->failed = 1;
  o->len = 0;
  return o->failed ? -1 : 0;
}

void fl_gen_out_put(gen_out *o, const char *s, size_t n) {
  o->bytes += n;
  while (n) {
    if (o->len == o->cap) fl_gen_out_flush(o);
    size_t k = o->cap - o->len;
    if (k > n) k = n;
    memcpy(o->buf + o->len, s, k);
    o->len += k;
    s += k;
    n -= k;
  }
}

void fl_gen_out_str(gen_out *o, const char *s) { fl_gen_out_put(o, s, strlen(s)); }

void fl_gen_out_ch(gen_out *o, char c) {
  if (o->len == o->cap) fl_gen_out_flush(o);
  o->buf[o->len++] = c;
  o->bytes++;
}

void fl_gen_out_nl(gen_out *o) {
  fl_gen_out_ch(o, '\n');
  o->lines++;
}

size_t fl_gen_fmt_u64(char *buf, uint64_t v) {
  char tmp[20];
  size_t n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  for (size_t i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
  return n;
}

void fl_gen_out_u64(gen_out *o, uint64_t v) {
  char b[20];
  fl_gen_out_put(o, b, fl_gen_fmt_u64(b, v));
}

void fl_gen_out_hex(gen_out *o, const uint8_t *p, size_t n, int upper) {
  const char *d = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    char b[2] = {d[p[i] >> 4], d[p[i] & 15]};
    fl_gen_out_put(o, b, 2);
  }
}

size_t fl_gen_fmt_time(char *buf, uint64_t ft, int digits) {
  char t[FL_TIME_ISO_MAX];
  size_t n = fl_time_iso(ft, digits, t);
  memcpy(buf, t, n);
  return n;
}

void fl_gen_out_time(gen_out *o, uint64_t ft, int digits) {
  char b[40];
  fl_gen_out_put(o, b, fl_gen_fmt_time(b, ft, digits));
}

/* Length of the valid UTF-8 sequence at s (1..4) that XML 1.0 can carry
** (not U+FFFE/U+FFFF), 0 otherwise. s is NUL-terminated: the decoder stops
** at the NUL, a continuation byte never being 0. */
static size_t utf8_len(const unsigned char *s) {
  uint32_t cp = 0;
  size_t n = fl_utf8_decode(s, 4, &cp);
  return cp == 0xFFFE || cp == 0xFFFF ? 0 : n;
}

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

/* Appends escaped text through a sink (out buffer or a char array). */
typedef struct sink {
  gen_out *o;
  char *buf;
  size_t cap, len;
} sink;

static void sink_put(sink *k, const char *s, size_t n) {
  if (k->o) {
    fl_gen_out_put(k->o, s, n);
    return;
  }
  for (size_t i = 0; i < n; i++, k->len++)
    if (k->len + 1 < k->cap) k->buf[k->len] = s[i];
}

static void xml_escape(sink *k, const char *str, int attr) {
  const unsigned char *s = (const unsigned char *)str;
  while (*s) {
    const unsigned char *run = s;
    while (*s >= 0x20 && *s < 0x80 && *s != '<' && *s != '>' && *s != '&' &&
           *s != '"' && *s != '\'')
      s++;
    if (s > run) sink_put(k, (const char *)run, (size_t)(s - run));
    if (!*s) break;
    unsigned c = *s;
    const char *e = NULL;
    if (c == '<') e = "&lt;";
    else if (c == '>') e = "&gt;";
    else if (c == '&') e = "&amp;";
    else if (c == '"') e = attr ? "&quot;" : "\"";
    else if (c == '\'') e = attr ? "&apos;" : "'";
    else if (c == '\t') e = attr ? "&#9;" : "\t";
    else if (c == '\n') e = attr ? "&#10;" : "\n";
    else if (c == '\r') e = "&#13;";
    if (e) {
      sink_put(k, e, strlen(e));
      if (c == '\n' && !attr && k->o) k->o->lines++; /* keep line numbers true */
      s++;
      continue;
    }
    size_t n = c < 0x20 ? 0 : utf8_len(s);
    if (n) sink_put(k, (const char *)s, n);
    else sink_put(k, replacement, 3);
    s += n ? n : 1;
  }
}

void fl_gen_out_xml(gen_out *o, const char *s, int attr) {
  sink k = {o, NULL, 0, 0};
  xml_escape(&k, s, attr);
}

void fl_gen_out_json(gen_out *o, const char *s) {
  o->esc.len = 0; /* reused: no allocation per value once grown */
  fl_text_json(&o->esc, s, strlen(s), FL_TEXT_JSON_AS_EXPORTED);
  if (o->esc.failed) o->failed = 1;
  else fl_gen_out_put(o, o->esc.p, o->esc.len);
}

size_t fl_gen_xml_escape(const char *s, int attr, char *out, size_t cap) {
  sink k = {NULL, out, cap, 0};
  xml_escape(&k, s, attr);
  if (cap) out[k.len < cap ? k.len : cap - 1] = '\0';
  return k.len;
}

void fl_gen_fmt_keywords(char kw[19], uint64_t v) {
  static const char hexd[] = "0123456789abcdef";
  size_t n = 2;
  int started = 0;
  kw[0] = '0', kw[1] = 'x';
  for (int sh = 60; sh >= 0; sh -= 4) {
    unsigned d = (unsigned)(v >> sh) & 15;
    if (d || started || sh == 0) kw[n++] = hexd[d], started = 1;
  }
  kw[n] = '\0';
}
