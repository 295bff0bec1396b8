/*
** Escaping of untrusted strings for the terminal, JSON, HTML and CSV.
**
** One place for each output language so no writer prints event text raw.
** Must never pass through a byte sequence that the target could interpret
** (terminal escapes, markup, formulas) and never read past a string's NUL.
*/
#include "report/report_internal.h"

#include <string.h>

size_t rp_utf8_seq(const unsigned char *p, uint32_t *cp) {
  if (p[0] < 0xC2 || p[0] > 0xF4) return 0;
  size_t n = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : 2;
  uint32_t v = p[0] & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xC0) != 0x80) return 0; /* also stops at NUL */
    v = (v << 6) | (p[i] & 0x3F);
  }
  if (n == 3 && (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))) return 0;
  if (n == 4 && (v < 0x10000 || v > 0x10FFFF)) return 0;
  if (cp) *cp = v;
  return n;
}

static const char hexdig[] = "0123456789abcdef";

static void put_hex_byte(FILE *out, unsigned char b) {
  char buf[4] = {'\\', 'x', hexdig[b >> 4], hexdig[b & 15]};
  fwrite(buf, 1, 4, out);
}

/* Terminal: length of the run at p printable as is, 0 = escape the byte.
** Stops at end (sequences never cross it: spans are cut at ASCII bytes). */
static size_t term_safe_len(const unsigned char *p, const unsigned char *end,
                            int keep_newlines) {
  if (*p >= 0x80) {
    uint32_t cp = 0;
    size_t n = rp_utf8_seq(p, &cp);
    if (n > (size_t)(end - p)) return 0;
    if (n && cp >= 0x80 && cp <= 0x9F) return 0; /* C1 control */
    return n;
  }
  if (*p == '\n') return keep_newlines ? 1 : 0;
  if (*p < 0x20 || *p == 0x7f) return 0;
  return 1;
}

void rp_term_strn(FILE *out, const char *s, size_t n, int keep_newlines) {
  const unsigned char *p = (const unsigned char *)rp_s(s), *end = p + n;
  while (p < end && *p) {
    size_t k = term_safe_len(p, end, keep_newlines);
    if (k) {
      fwrite(p, 1, k, out);
      p += k;
    } else {
      put_hex_byte(out, *p++);
    }
  }
}

void rp_term_str(FILE *out, const char *s, int keep_newlines) {
  rp_term_strn(out, s, strlen(rp_s(s)), keep_newlines);
}

size_t rp_term_widthn(const char *s, size_t n, int keep_newlines) {
  const unsigned char *p = (const unsigned char *)rp_s(s), *end = p + n;
  size_t w = 0;
  while (p < end && *p) {
    size_t k = term_safe_len(p, end, keep_newlines);
    w += k ? 1 : 4;
    p += k ? k : 1;
  }
  return w;
}

size_t rp_term_width(const char *s, int keep_newlines) {
  return rp_term_widthn(s, strlen(rp_s(s)), keep_newlines);
}

static void put_utf8_replacement(FILE *out) { fputs("\xEF\xBF\xBD", out); }

void rp_json_str(FILE *out, const char *s) {
  const unsigned char *p = (const unsigned char *)rp_s(s);
  fputc('"', out);
  while (*p) {
    unsigned char c = *p;
    if (c >= 0x80) {
      uint32_t cp = 0;
      size_t n = rp_utf8_seq(p, &cp);
      if (!n) {
        put_utf8_replacement(out);
        p++;
      } else if (cp == 0x2028 || cp == 0x2029) {
        fprintf(out, "\\u%04x", (unsigned)cp); /* JS line terminators */
        p += n;
      } else {
        fwrite(p, 1, n, out);
        p += n;
      }
      continue;
    }
    switch (c) {
      case '"': fputs("\\\"", out); break;
      case '\\': fputs("\\\\", out); break;
      case '\n': fputs("\\n", out); break;
      case '\r': fputs("\\r", out); break;
      case '\t': fputs("\\t", out); break;
      case '/': /* "<\/" keeps "</script" out of a page embedding this */
        fputs(p > (const unsigned char *)rp_s(s) && p[-1] == '<' ? "\\/" : "/",
              out);
        break;
      default:
        if (c < 0x20 || c == 0x7f)
          fprintf(out, "\\u%04x", c);
        else
          fputc(c, out);
    }
    p++;
  }
  fputc('"', out);
}

void rp_html_str(FILE *out, const char *s) {
  rp_html_strn(out, s, strlen(rp_s(s)));
}

void rp_html_strn(FILE *out, const char *s, size_t len) {
  const unsigned char *p = (const unsigned char *)rp_s(s), *end = p + len;
  while (p < end && *p) {
    unsigned char c = *p;
    if (c >= 0x80) {
      uint32_t cp = 0;
      size_t n = rp_utf8_seq(p, &cp);
      if (n > (size_t)(end - p)) n = 0;
      if (!n || (cp >= 0x80 && cp <= 0x9F)) {
        put_utf8_replacement(out);
        p += n ? n : 1;
      } else {
        fwrite(p, 1, n, out);
        p += n;
      }
      continue;
    }
    switch (c) {
      case '&': fputs("&amp;", out); break;
      case '<': fputs("&lt;", out); break;
      case '>': fputs("&gt;", out); break;
      case '"': fputs("&quot;", out); break;
      case '\'': fputs("&#39;", out); break;
      case '\n': case '\t': fputc(c, out); break;
      default:
        if (c < 0x20 || c == 0x7f)
          put_utf8_replacement(out);
        else
          fputc(c, out);
    }
    p++;
  }
}

int rp_csv_needs_guard(const char *s) {
  unsigned char c = (unsigned char)rp_s(s)[0];
  return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' ||
         c == '\r';
}

static int csv_needs_quotes(const unsigned char *p, int guarded) {
  if (guarded) return 1; /* a quoted guard survives more spreadsheet parsers */
  if (!*p) return 0;
  if (p[0] == ' ' || p[strlen((const char *)p) - 1] == ' ') return 1;
  return strpbrk((const char *)p, ",\"\r\n") != NULL;
}

void rp_csv_body(FILE *out, const char *s) {
  const unsigned char *p = (const unsigned char *)rp_s(s);
  while (*p) {
    if (*p >= 0x80) {
      size_t n = rp_utf8_seq(p, NULL);
      if (!n) {
        put_utf8_replacement(out);
        p++;
      } else {
        fwrite(p, 1, n, out);
        p += n;
      }
      continue;
    }
    if (*p == '"') fputc('"', out);
    fputc(*p++, out);
  }
}

void rp_csv_cell(FILE *out, const char *s) {
  const unsigned char *p = (const unsigned char *)rp_s(s);
  int guarded = rp_csv_needs_guard(s);
  int quoted = csv_needs_quotes(p, guarded);
  if (quoted) fputc('"', out);
  if (guarded) fputc('\'', out);
  rp_csv_body(out, s);
  if (quoted) fputc('"', out);
}
