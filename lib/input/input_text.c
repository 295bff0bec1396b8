/*
** Text helpers of the input readers: the growable buffer, XML/JSON
** escaping, ISO 8601 <-> FILETIME, GUID canonical form, numbers, UTF-16 and
** wchar_t conversion. Canonical forms are the EVTX reader's (7-digit
** fractions with Z, braced upper-case GUIDs).
**
** Must never: read past the length it was given (inputs are not
** NUL-terminated), or write invalid UTF-8 / unescaped markup. Escaping
** follows lib/evtx's renderers byte for byte (raw TAB/LF/CR in XML text).
*/
#include <stdio.h>
#include <stdlib.h>

#include "common/fl_time.h"
#include "common/fl_utf8.h"
#include "input/input_internal.h"

void fl_input_buf_put(fl_input_buf *b, const void *s, size_t n) { fl_buf_put(b, s, n); }

void fl_input_buf_putc(fl_input_buf *b, char c) { fl_input_buf_put(b, &c, 1); }

void fl_input_buf_puts(fl_input_buf *b, const char *s) {
  fl_input_buf_put(b, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s (1..4), 0 when invalid. */
static void fl_input_escape_ascii(fl_input_buf *b, unsigned c,
                                  fl_input_esc e) {
  if (e == FL_IN_ESC_XML) {
    switch (c) {
      case '&': fl_input_buf_puts(b, "&amp;"); return;
      case '<': fl_input_buf_puts(b, "&lt;"); return;
      case '>': fl_input_buf_puts(b, "&gt;"); return;
      case '"': fl_input_buf_puts(b, "&quot;"); return;
      case '\t': case '\n': case '\r': fl_input_buf_putc(b, (char)c); return;
      default: break;
    }
    /* the EVTX renderer's form for other controls, kept identical */
    if (c < 0x20) fl_input_buf_printf(b, "&#x%X;", c);
    else fl_input_buf_putc(b, (char)c);
    return;
  }
  switch (c) {
    case '"': fl_input_buf_puts(b, "\\\""); return;
    case '\\': fl_input_buf_puts(b, "\\\\"); return;
    case '\n': fl_input_buf_puts(b, "\\n"); return;
    case '\r': fl_input_buf_puts(b, "\\r"); return;
    case '\t': fl_input_buf_puts(b, "\\t"); return;
    default: break;
  }
  if (c < 0x20) fl_input_buf_printf(b, "\\u%04x", c);
  else fl_input_buf_putc(b, (char)c);
}

void fl_input_escape(fl_input_buf *b, const char *s, size_t n,
                     fl_input_esc e) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    size_t run = i;
    while (run < n && u[run] >= 0x20 && u[run] < 0x80 && u[run] != '&' &&
           u[run] != '<' && u[run] != '>' && u[run] != '"' && u[run] != '\\')
      run++;
    fl_input_buf_put(b, s + i, run - i);
    i = run;
    if (i >= n) break;
    uint32_t cp;
    size_t k = fl_utf8_decode(u + i, n - i, &cp);
    if (k == 0) {
      fl_input_buf_puts(b, "\xEF\xBF\xBD");
      i++;
    } else if (k == 1) {
      if (e == FL_IN_ESC_XML && cp == '\\') fl_input_buf_putc(b, '\\');
      else fl_input_escape_ascii(b, cp, e);
      i++;
    } else {
      if (cp == 0xfffe || cp == 0xffff) fl_input_buf_puts(b, "\xEF\xBF\xBD");
      else fl_input_buf_put(b, s + i, k);
      i += k;
    }
  }
}

void fl_input_trim(const char **s, size_t *n) {
  while (*n && ((*s)[0] == ' ' || (*s)[0] == '\t' || (*s)[0] == '\r' ||
                (*s)[0] == '\n')) {
    (*s)++;
    (*n)--;
  }
  while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' ||
                (*s)[*n - 1] == '\r' || (*s)[*n - 1] == '\n'))
    (*n)--;
}

int fl_input_hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int fl_input_parse_u64(const char *s, size_t n, uint64_t *v) {
  fl_input_trim(&s, &n);
  if (!n) return -1;
  uint64_t r = 0;
  if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    if (n - 2 > 16) return -1;
    for (size_t i = 2; i < n; i++) {
      int h = fl_input_hexval((unsigned char)s[i]);
      if (h < 0) return -1;
      r = (r << 4) | (unsigned)h;
    }
  } else {
    for (size_t i = 0; i < n; i++) {
      if (s[i] < '0' || s[i] > '9') return -1;
      unsigned d = (unsigned)(s[i] - '0');
      if (r > (UINT64_MAX - d) / 10) return -1;
      r = r * 10 + d;
    }
  }
  *v = r;
  return 0;
}

/* Times are the text toolkit's (lib/common/fl_time.h); these keep the
** readers' names: surrounding blanks allowed, seconds required, a zone
** optional; and the 7-digit form the renderers write. */
int fl_input_parse_time(const char *s, size_t n, uint64_t *filetime) {
  fl_input_trim(&s, &n);
  return fl_time_parse_iso(s, n, 0, filetime);
}

void fl_input_format_time(uint64_t ft, char out[28]) {
  char t[FL_TIME_ISO_MAX];
  fl_time_iso(ft, 7, t);
  memcpy(out, t, 28);
}

int fl_input_guid_parse(const char *s, size_t n, GUID *g) {
  fl_input_trim(&s, &n);
  if (n == 38 && s[0] == '{' && s[37] == '}') {
    s++;
    n -= 2;
  }
  if (n != 36) return -1;
  uint8_t b[16];
  size_t k = 0;
  for (size_t i = 0; i < 36; i++) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return -1;
      continue;
    }
    int hi = fl_input_hexval((unsigned char)s[i]);
    int lo = i + 1 < 36 ? fl_input_hexval((unsigned char)s[i + 1]) : -1;
    if (hi < 0 || lo < 0) return -1;
    b[k++] = (uint8_t)(hi << 4 | lo);
    i++;
  }
  g->Data1 = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
  g->Data2 = (uint16_t)(b[4] << 8 | b[5]);
  g->Data3 = (uint16_t)(b[6] << 8 | b[7]);
  memcpy(g->Data4, b + 8, 8);
  return 0;
}

int fl_input_guid_canon(const char *s, size_t n, char out[38]) {
  GUID g;
  if (fl_input_guid_parse(s, n, &g)) return -1;
  char tmp[48];
  snprintf(tmp, sizeof tmp,
           "{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}",
           (unsigned)g.Data1, (unsigned)g.Data2, (unsigned)g.Data3,
           g.Data4[0], g.Data4[1], g.Data4[2], g.Data4[3], g.Data4[4],
           g.Data4[5], g.Data4[6], g.Data4[7]);
  memcpy(out, tmp, 38);
  return 0;
}

static void fl_input_put_cp(fl_input_buf *b, uint32_t cp) {
  char d[4];
  size_t k;
  if (cp < 0x80) { d[0] = (char)cp; k = 1; }
  else if (cp < 0x800) {
    d[0] = (char)(0xc0 | (cp >> 6)); d[1] = (char)(0x80 | (cp & 0x3f)); k = 2;
  } else if (cp < 0x10000) {
    d[0] = (char)(0xe0 | (cp >> 12)); d[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    d[2] = (char)(0x80 | (cp & 0x3f)); k = 3;
  } else {
    d[0] = (char)(0xf0 | (cp >> 18)); d[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    d[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); d[3] = (char)(0x80 | (cp & 0x3f));
    k = 4;
  }
  fl_input_buf_put(b, d, k);
}

int fl_input_utf16le_to_utf8(fl_input_buf *b, const uint8_t *p, size_t n) {
  size_t mark = b->len;
  for (size_t i = 0; i + 1 < n; i += 2) {
    uint32_t c = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8;
    if (c == 0) return 0;
    if (c >= 0xd800 && c <= 0xdbff && i + 3 < n) {
      uint32_t lo = (uint32_t)p[i + 2] | (uint32_t)p[i + 3] << 8;
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        fl_input_put_cp(b, 0x10000u + ((c - 0xd800u) << 10) + (lo - 0xdc00u));
        i += 2;
        continue;
      }
    }
    if ((c >= 0xd800 && c <= 0xdfff) || (c < 0x20 && c != '\t')) {
      b->len = mark;
      return -1;
    }
    fl_input_put_cp(b, c);
  }
  return 0;
}

size_t fl_input_utf8_to_wchar(const char *s, size_t n, wchar_t *out,
                              size_t cap) {
  size_t k = 0, i = 0;
  const unsigned char *u = (const unsigned char *)s;
  while (i < n) {
    uint32_t cp;
    size_t l = fl_utf8_decode(u + i, n - i, &cp);
    if (!l) { cp = 0xfffd; l = 1; }
    if (cap && k + 1 < cap) out[k] = (wchar_t)cp;
    k++;
    i += l;
  }
  if (cap) out[k < cap ? k : cap - 1] = 0;
  return k;
}
