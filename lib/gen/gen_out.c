/*
** Buffered output for the text writers: raw bytes, decimal and hex numbers,
** ISO-8601 times from FILETIME, and XML/JSON escaping of untrusted text.
** Must never pass generated text through unescaped (every value may hold
** hostile characters) and never call printf-family functions per record:
** this is the hot path of a 2 GiB run.
*/
#include <stdlib.h>
#include <string.h>

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

/* Days since 1970-01-01 to civil date (H. Hinnant's algorithm). */
static void civil(int64_t z, int *y, unsigned *m, unsigned *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t yy = (int64_t)yoe + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int)(yy + (*m <= 2));
}

static void put2(char *p, unsigned v) {
  p[0] = (char)('0' + v / 10 % 10);
  p[1] = (char)('0' + v % 10);
}

size_t fl_gen_fmt_time(char *buf, uint64_t ft, int digits) {
  uint64_t ticks = ft % 10000000u;
  int64_t secs = (int64_t)(ft / 10000000u) - 11644473600ll;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  unsigned sod = (unsigned)(secs - days * 86400);
  int y;
  unsigned m, d;
  civil(days, &y, &m, &d);
  char *p = buf;
  put2(p, (unsigned)y / 100);
  put2(p + 2, (unsigned)y % 100);
  p[4] = '-';
  put2(p + 5, m);
  p[7] = '-';
  put2(p + 8, d);
  p[10] = 'T';
  put2(p + 11, sod / 3600);
  p[13] = ':';
  put2(p + 14, sod / 60 % 60);
  p[16] = ':';
  put2(p + 17, sod % 60);
  p += 19;
  if (digits > 0) {
    /* 100-ns ticks as 7 digits, then cut or pad with zeros */
    char f[9];
    uint64_t t = ticks;
    for (int i = 6; i >= 0; i--) {
      f[i] = (char)('0' + t % 10);
      t /= 10;
    }
    f[7] = f[8] = '0';
    *p++ = '.';
    for (int i = 0; i < digits && i < 9; i++) *p++ = f[i];
  }
  *p++ = 'Z';
  return (size_t)(p - buf);
}

void fl_gen_out_time(gen_out *o, uint64_t ft, int digits) {
  char b[40];
  fl_gen_out_put(o, b, fl_gen_fmt_time(b, ft, digits));
}

/* Length of the valid UTF-8 sequence at s (1..4), 0 when invalid. */
static size_t utf8_len(const unsigned char *s) {
  unsigned c = s[0];
  if (c < 0x80) return 1;
  size_t n = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (!n || (n == 2 && c < 0xC2) || (n == 4 && c > 0xF4)) return 0;
  for (size_t i = 1; i < n; i++)
    if ((s[i] & 0xC0) != 0x80) return 0;
  if (n == 3) {
    unsigned cp = ((c & 0x0F) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
    if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF) return 0;
  }
  if (n == 4) {
    unsigned cp = ((c & 0x07) << 18) | ((s[1] & 0x3Fu) << 12);
    if (cp < 0x10000 || cp > 0x10FFFF) return 0;
  }
  return n;
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

static void json_escape(sink *k, const char *str) {
  static const char hexd[] = "0123456789abcdef";
  const unsigned char *s = (const unsigned char *)str;
  while (*s) {
    const unsigned char *run = s;
    while (*s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\') s++;
    if (s > run) sink_put(k, (const char *)run, (size_t)(s - run));
    if (!*s) break;
    unsigned c = *s;
    if (c == '"' || c == '\\') {
      char b[2] = {'\\', (char)c};
      sink_put(k, b, 2);
      s++;
    } else if (c < 0x20) {
      const char *e = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : NULL;
      if (e) sink_put(k, e, 2);
      else {
        char b[6] = {'\\', 'u', '0', '0', hexd[c >> 4], hexd[c & 15]};
        sink_put(k, b, 6);
      }
      s++;
    } else {
      size_t n = utf8_len(s);
      if (n) sink_put(k, (const char *)s, n);
      else sink_put(k, "\\ufffd", 6);
      s += n ? n : 1;
    }
  }
}

void fl_gen_out_xml(gen_out *o, const char *s, int attr) {
  sink k = {o, NULL, 0, 0};
  xml_escape(&k, s, attr);
}

void fl_gen_out_json(gen_out *o, const char *s) {
  sink k = {o, NULL, 0, 0};
  fl_gen_out_ch(o, '"');
  json_escape(&k, s);
  fl_gen_out_ch(o, '"');
}

size_t fl_gen_xml_escape(const char *s, int attr, char *out, size_t cap) {
  sink k = {NULL, out, cap, 0};
  xml_escape(&k, s, attr);
  if (cap) out[k.len < cap ? k.len : cap - 1] = '\0';
  return k.len;
}

size_t fl_gen_json_escape(const char *s, char *out, size_t cap) {
  sink k = {NULL, out, cap, 0};
  json_escape(&k, s);
  if (cap) out[k.len < cap ? k.len : cap - 1] = '\0';
  return k.len;
}
