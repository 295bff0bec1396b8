/*
** EVTX value formatting: UTF-16LE/ANSI to UTF-8 with XML or JSON escaping
** fused in, integers, GUIDs, SIDs, FILETIMEs and arrays written straight
** from the mapped bytes into an output buffer (docs/evtx-output.md).
**
** Must never: read outside [p, p + len) of a value, allocate except by
** growing the output buffer, or emit invalid UTF-8 (bad UTF-16 becomes
** U+FFFD).
*/
#include <stdio.h>
#include <stdlib.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/fl_time.h"
#include "evtx/evtx_internal.h"

static const char fl_evtx_hex_lc[] = "0123456789abcdef";
static const char fl_evtx_hex_uc[] = "0123456789ABCDEF";

/* Escapes one code point below 0x80 that needs it; returns 1 if written. */
static int fl_evtx_escape_ascii(fl_evtx_buf *out, unsigned c,
                                fl_evtx_esc esc) {
  if (esc == FL_ESC_XML) {
    switch (c) {
      case '&': FL_EVTX_PUTS(out, "&amp;"); return 1;
      case '<': FL_EVTX_PUTS(out, "&lt;"); return 1;
      case '>': FL_EVTX_PUTS(out, "&gt;"); return 1;
      case '"': FL_EVTX_PUTS(out, "&quot;"); return 1;
      case '\t': case '\n': case '\r': return 0;
      default: break;
    }
    if (c < 0x20) {
      char *d = fl_evtx_buf_room(out, 8);
      if (d) out->len += (size_t)snprintf(d, 8, "&#x%X;", c);
      return 1;
    }
    return 0;
  }
  if (esc == FL_ESC_JSON) {
    switch (c) {
      case '"': FL_EVTX_PUTS(out, "\\\""); return 1;
      case '\\': FL_EVTX_PUTS(out, "\\\\"); return 1;
      case '\n': FL_EVTX_PUTS(out, "\\n"); return 1;
      case '\r': FL_EVTX_PUTS(out, "\\r"); return 1;
      case '\t': FL_EVTX_PUTS(out, "\\t"); return 1;
      default: break;
    }
    if (c < 0x20) {
      char *d = fl_evtx_buf_room(out, 6);
      if (!d) return 1;
      d[0] = '\\';
      d[1] = 'u';
      d[2] = '0';
      d[3] = '0';
      d[4] = fl_evtx_hex_lc[c >> 4];
      d[5] = fl_evtx_hex_lc[c & 15];
      out->len += 6;
      return 1;
    }
  }
  return 0;
}

/* Bit 1: XML must escape the byte, bit 2: JSON must (ASCII only; bytes
** from 0x80 pass through). A table keeps the per-character test one load. */
static const uint8_t fl_evtx_esc_tab[128] = {
    3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 3, 3, 2, 3, 3, /* \t \n \r: JSON only */
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* " & */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, /* < > */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, /* \\ */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

/* The table bit for esc (FL_ESC_NONE: 0, nothing escapes). */
static inline unsigned fl_evtx_esc_bit(fl_evtx_esc esc) {
  return esc == FL_ESC_XML ? 1u : esc == FL_ESC_JSON ? 2u : 0u;
}

/* 1 when ASCII c needs escaping; the tab, newline and CR that XML keeps
** are "needs escape" for the caller too, which then writes them as is
** (fl_evtx_escape_ascii returns 0), exactly as before the table. */
static inline int fl_evtx_needs_escape(unsigned c, fl_evtx_esc esc) {
  if (esc == FL_ESC_NONE) return 0;
  if (c < 0x20) return 1;
  return (fl_evtx_esc_tab[c & 0x7f] & fl_evtx_esc_bit(esc)) != 0;
}

static void fl_evtx_put_cp(fl_evtx_buf *out, uint32_t cp) {
  char *d = fl_evtx_buf_room(out, 4);
  if (!d) return;
  if (cp < 0x800) {
    d[0] = (char)(0xc0 | (cp >> 6));
    d[1] = (char)(0x80 | (cp & 0x3f));
    out->len += 2;
  } else if (cp < 0x10000) {
    d[0] = (char)(0xe0 | (cp >> 12));
    d[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    d[2] = (char)(0x80 | (cp & 0x3f));
    out->len += 3;
  } else {
    d[0] = (char)(0xf0 | (cp >> 18));
    d[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    d[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    d[3] = (char)(0x80 | (cp & 0x3f));
    out->len += 4;
  }
}

/* One UTF-16 unit at p[2i] that the ASCII fast path did not take:
** escapes, multi-byte UTF-8, surrogate pairs, U+FFFD for lone surrogates.
** Returns how many units it used. */
static size_t fl_evtx_utf16_slow(fl_evtx_buf *out, const uint8_t *p, size_t i,
                                 size_t n, fl_evtx_esc esc) {
  unsigned c = fl_le16(p + 2 * i);
  if (c < 0x80) {
    if (!fl_evtx_needs_escape(c, esc) || !fl_evtx_escape_ascii(out, c, esc))
      fl_evtx_buf_putc(out, (char)c);
    return 1;
  }
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < n &&
      fl_le16(p + 2 * i + 2) >= 0xdc00 && fl_le16(p + 2 * i + 2) <= 0xdfff) {
    unsigned lo = fl_le16(p + 2 * i + 2);
    fl_evtx_put_cp(out, 0x10000u + ((c - 0xd800u) << 10) + (lo - 0xdc00u));
    return 2;
  }
  fl_evtx_put_cp(out, c >= 0xd800 && c <= 0xdfff ? 0xfffd : c);
  return 1;
}

#define FL_EVTX_LANES16(x) (0x0001000100010001ull * (uint64_t)(x))

/* 1 when 4 UTF-16 units, all ASCII, hold one that esc must escape: a
** control character or one of the escape's specials (per 16-bit lane
** "has zero" tests; a lane below 0x80 cannot borrow into its neighbour's
** verdict except when a lane before it already matched). */
static inline int fl_evtx_lanes_need_escape(uint64_t x, unsigned bit) {
  const uint64_t hi = FL_EVTX_LANES16(0x8000), one = FL_EVTX_LANES16(1);
#define FL_EVTX_HASZERO(v) (((v) - one) & ~(v) & hi)
  uint64_t m = (x - FL_EVTX_LANES16(0x20)) & ~x & hi; /* < 0x20 */
  if (bit == 1) {
    m |= FL_EVTX_HASZERO(x ^ FL_EVTX_LANES16('&')) |
         FL_EVTX_HASZERO(x ^ FL_EVTX_LANES16('<')) |
         FL_EVTX_HASZERO(x ^ FL_EVTX_LANES16('>')) |
         FL_EVTX_HASZERO(x ^ FL_EVTX_LANES16('"'));
  } else {
    m |= FL_EVTX_HASZERO(x ^ FL_EVTX_LANES16('"')) |
         FL_EVTX_HASZERO(x ^ FL_EVTX_LANES16('\\'));
  }
#undef FL_EVTX_HASZERO
  return m != 0;
}

#if defined(__SSE2__)
/* 8 UTF-16 units at p narrowed to bytes at d (8 bytes written, room is the
** caller's); returns how many leading ones are ASCII that esc leaves as is.
** ASCII is tested on the 16-bit units (narrowing saturates, and treats
** units from 0x8000 as negative: they would become 0x00). */
static inline unsigned fl_evtx_ascii8(const uint8_t *p, unsigned bit,
                                      char *d) {
  __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
  __m128i ascii = _mm_cmpeq_epi16(
      _mm_and_si128(v, _mm_set1_epi16((short)0xff80)), _mm_setzero_si128());
  __m128i b = _mm_packus_epi16(v, v);
  _mm_storel_epi64((__m128i *)(void *)d, b);
  unsigned m = ~(unsigned)_mm_movemask_epi8(_mm_packs_epi16(ascii, ascii));
  __m128i bad = _mm_setzero_si128();
  if (bit == 1)
    bad = _mm_or_si128(
        _mm_or_si128(_mm_cmplt_epi8(b, _mm_set1_epi8(0x20)),
                     _mm_cmpeq_epi8(b, _mm_set1_epi8('&'))),
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8('<')),
                                  _mm_cmpeq_epi8(b, _mm_set1_epi8('>'))),
                     _mm_cmpeq_epi8(b, _mm_set1_epi8('"'))));
  else if (bit == 2)
    bad = _mm_or_si128(_mm_cmplt_epi8(b, _mm_set1_epi8(0x20)),
                       _mm_or_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8('"')),
                                    _mm_cmpeq_epi8(b, _mm_set1_epi8('\\'))));
  m = (m | (unsigned)_mm_movemask_epi8(bad)) & 0xffu;
  return m ? (unsigned)__builtin_ctz(m) : 8u;
}
#endif

#if defined(__SSE2__)
/* 1 when the 8 units at p are all ASCII; their low bytes go to d either
** way (8 bytes, room is the caller's). */
static inline int fl_evtx_ascii8_plain(const uint8_t *p, char *d) {
  __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
  _mm_storel_epi64((__m128i *)(void *)d, _mm_packus_epi16(v, v));
  __m128i hi = _mm_and_si128(v, _mm_set1_epi16((short)0xff80));
  return _mm_movemask_epi8(_mm_cmpeq_epi16(hi, _mm_setzero_si128())) == 0xffff;
}
#endif

/* The low bytes of 4 UTF-16 units (each below 0x100) side by side. */
static inline uint32_t fl_evtx_narrow4(uint64_t x) {
  x = (x | (x >> 8)) & 0x0000ffff0000ffffull;
  return (uint32_t)(x | (x >> 16));
}

/* Unescaped text (the field extractor, names) is nearly always ASCII: all
** n units at p written as bytes to d (room for n) in a few wide steps, the
** last one overlapping the one before, never reading past p + 2n; 0 when
** one is not ASCII (d then holds garbage; the caller starts over). */
static int fl_evtx_utf16_ascii_plain(const uint8_t *p, size_t n, char *d) {
#if defined(__SSE2__)
  if (n >= 8) {
    int ok = 1;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) ok &= fl_evtx_ascii8_plain(p + 2 * i, d + i);
    if (i < n) ok &= fl_evtx_ascii8_plain(p + 2 * (n - 8), d + n - 8);
    return ok;
  }
#endif
  if (n >= 4) {
    uint64_t x = fl_le64(p), y = fl_le64(p + 2 * (n - 4));
    if ((x | y) & FL_EVTX_LANES16(0xff80)) return 0;
    uint32_t a = fl_evtx_narrow4(x), b = fl_evtx_narrow4(y);
    memcpy(d + n - 4, &b, 4); /* little-endian host (fl_le32) */
    memcpy(d, &a, 4);
    return 1;
  }
  for (size_t i = 0; i < n; i++) {
    unsigned c = fl_le16(p + 2 * i);
    if (c >= 0x80) return 0;
    d[i] = (char)c;
  }
  return 1;
}

void fl_evtx_utf16_append_plain(fl_evtx_buf *out, const uint8_t *p,
                                size_t nbytes) {
  size_t n = nbytes / 2;
  while (n && p[2 * n - 2] == 0 && p[2 * n - 1] == 0) n--; /* trailing NULs */
  char *room = fl_evtx_buf_room(out, n);
  if (!room) return;
  if (fl_evtx_utf16_ascii_plain(p, n, room)) out->len += n;
  else fl_evtx_utf16_append(out, p, 2 * n, FL_ESC_NONE);
}

void fl_evtx_utf16_append(fl_evtx_buf *out, const uint8_t *p, size_t nbytes,
                          fl_evtx_esc esc) {
  size_t n = nbytes / 2;
  while (n && p[2 * n - 2] == 0 && p[2 * n - 1] == 0) n--; /* trailing NULs */
  /* room even for n == 0: callers rely on out->p being allocated after a
  ** successful append (an empty name is passed on as a pointer) */
  if (!fl_evtx_buf_room(out, n)) return;
  unsigned bit = fl_evtx_esc_bit(esc);
  size_t i = 0;
  while (i < n) {
    /* ASCII run written straight into reserved room: 4 units per step
    ** while they are plain, then one at a time */
    char *d = fl_evtx_buf_room(out, n - i);
    if (!d) return;
    size_t k = 0;
#if defined(__SSE2__)
    while (n - i >= 8) {
      unsigned good = fl_evtx_ascii8(p + 2 * i, bit, d + k);
      k += good;
      i += good;
      if (good < 8) break;
    }
#endif
    while (n - i >= 4) {
      uint64_t x;
      memcpy(&x, p + 2 * i, 8);
      x = fl_le64((const uint8_t *)&x);
      if ((x & FL_EVTX_LANES16(0xff80)) ||
          (bit && fl_evtx_lanes_need_escape(x, bit)))
        break;
      d[k] = (char)x;
      d[k + 1] = (char)(x >> 16);
      d[k + 2] = (char)(x >> 32);
      d[k + 3] = (char)(x >> 48);
      k += 4;
      i += 4;
    }
    while (i < n) {
      unsigned c = fl_le16(p + 2 * i);
      if (c >= 0x80 || (bit && (c < 0x20 || (fl_evtx_esc_tab[c] & bit))))
        break;
      d[k++] = (char)c;
      i++;
    }
    out->len += k;
    if (i >= n) break;
    i += fl_evtx_utf16_slow(out, p, i, n, esc);
    if (out->failed) return;
  }
}

/* Windows-1252 0x80..0x9F; other high bytes are Latin-1. */
static const uint16_t fl_evtx_cp1252[32] = {
    0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
    0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
    0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
    0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178};

static void fl_evtx_ansi_append(fl_evtx_buf *out, const uint8_t *p, size_t n,
                                fl_evtx_esc esc) {
  while (n && p[n - 1] == 0) n--;
  for (size_t i = 0; i < n; i++) {
    unsigned c = p[i];
    if (c < 0x80) {
      if (!fl_evtx_needs_escape(c, esc) || !fl_evtx_escape_ascii(out, c, esc))
        fl_evtx_buf_putc(out, (char)c);
    } else {
      fl_evtx_put_cp(out, c < 0xa0 ? fl_evtx_cp1252[c - 0x80] : c);
    }
  }
}

void fl_evtx_utf8_append(fl_evtx_buf *out, const char *s, size_t n,
                         fl_evtx_esc esc) {
  if (!n) return; /* s may be NULL: no arithmetic on it */
  unsigned bit = fl_evtx_esc_bit(esc);
  size_t start = 0;
  for (size_t i = 0; bit && i < n; i++) {
    unsigned c = (unsigned char)s[i];
    if (c < 0x80 && (c < 0x20 || (fl_evtx_esc_tab[c] & bit))) {
      fl_evtx_buf_put(out, s + start, i - start);
      if (!fl_evtx_escape_ascii(out, c, esc)) fl_evtx_buf_putc(out, (char)c);
      start = i + 1;
    }
  }
  fl_evtx_buf_put(out, s + start, n - start);
}

int fl_evtx_utf8_is_plain(const char *s, size_t n, fl_evtx_esc esc) {
  unsigned bit = fl_evtx_esc_bit(esc);
  for (size_t i = 0; bit && i < n; i++) {
    unsigned c = (unsigned char)s[i];
    if (c < 0x80 && (c < 0x20 || (fl_evtx_esc_tab[c] & bit))) return 0;
  }
  return 1;
}

static void fl_evtx_put_u64(fl_evtx_buf *out, uint64_t v) {
  char tmp[24];
  int i = 24;
  do {
    tmp[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  fl_evtx_buf_put(out, tmp + i, (size_t)(24 - i));
}

static void fl_evtx_put_i64(fl_evtx_buf *out, int64_t v) {
  if (v < 0) {
    fl_evtx_buf_putc(out, '-');
    fl_evtx_put_u64(out, (uint64_t)0 - (uint64_t)v);
  } else {
    fl_evtx_put_u64(out, (uint64_t)v);
  }
}

static void fl_evtx_put_hex(fl_evtx_buf *out, uint64_t v) {
  char tmp[18];
  int i = 18;
  do {
    tmp[--i] = fl_evtx_hex_lc[v & 15];
    v >>= 4;
  } while (v);
  tmp[--i] = 'x';
  tmp[--i] = '0';
  fl_evtx_buf_put(out, tmp + i, (size_t)(18 - i));
}

void fl_evtx_filetime_format(fl_evtx_buf *out, uint64_t ft) {
  char *p = fl_evtx_buf_room(out, FL_TIME_ISO_MAX);
  if (p) out->len += fl_time_iso(ft, 7, p); /* 7 digits: FILETIME's 100 ns */
}

static void fl_evtx_guid_format(fl_evtx_buf *out, const uint8_t *g) {
  static const int8_t order[16] = {3, 2, 1, 0, 5, 4, 7, 6,
                                   8, 9, 10, 11, 12, 13, 14, 15};
  char *d = fl_evtx_buf_room(out, 38);
  if (!d) return;
  int k = 0;
  d[k++] = '{';
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) d[k++] = '-';
    uint8_t b = g[order[i]];
    d[k++] = fl_evtx_hex_uc[b >> 4];
    d[k++] = fl_evtx_hex_uc[b & 15];
  }
  d[k++] = '}';
  out->len += (size_t)k;
}

static void fl_evtx_binary_format(fl_evtx_buf *out, const uint8_t *p,
                                  size_t n) {
  char *d = fl_evtx_buf_room(out, 2 * n);
  if (!d) return;
  for (size_t i = 0; i < n; i++) {
    d[2 * i] = fl_evtx_hex_uc[p[i] >> 4];
    d[2 * i + 1] = fl_evtx_hex_uc[p[i] & 15];
  }
  out->len += 2 * n;
}

/* S-1-<authority>-<sub>...; a malformed SID prints as binary hex. */
static void fl_evtx_sid_format(fl_evtx_buf *out, const uint8_t *p,
                               size_t n) {
  if (n < 8 || (size_t)8 + 4u * p[1] > n) {
    fl_evtx_binary_format(out, p, n);
    return;
  }
  uint64_t auth = 0;
  for (int i = 2; i < 8; i++) auth = (auth << 8) | p[i];
  FL_EVTX_PUTS(out, "S-");
  fl_evtx_put_u64(out, p[0]);
  fl_evtx_buf_putc(out, '-');
  fl_evtx_put_u64(out, auth);
  for (unsigned i = 0; i < p[1]; i++) {
    fl_evtx_buf_putc(out, '-');
    fl_evtx_put_u64(out, fl_le32(p + 8 + 4 * i));
  }
}

static void fl_evtx_systemtime_format(fl_evtx_buf *out, const uint8_t *p) {
  char tmp[40];
  int k = snprintf(tmp, sizeof tmp, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ",
                   fl_le16(p) % 10000u, fl_le16(p + 2) % 100u,
                   fl_le16(p + 6) % 100u, fl_le16(p + 8) % 100u,
                   fl_le16(p + 10) % 100u, fl_le16(p + 12) % 100u,
                   fl_le16(p + 14) % 1000u);
  fl_evtx_buf_put(out, tmp, (size_t)k);
}

static void fl_evtx_real_format(fl_evtx_buf *out, double v, int digits) {
  char tmp[40];
  int k = snprintf(tmp, sizeof tmp, "%.*g", digits, v);
  if (k > 0) fl_evtx_buf_put(out, tmp, (size_t)k < sizeof tmp ? (size_t)k : sizeof tmp - 1);
}

/* Formats one scalar; returns 0 when the length does not fit the type. */
static int fl_evtx_scalar_format(fl_evtx_buf *out, const fl_evtx_val *v,
                                 fl_evtx_esc esc) {
  const uint8_t *p = v->p;
  uint32_t n = v->len;
  switch (v->type) {
    case FL_VT_NULL: return 1;
    case FL_VT_STRING: case FL_VT_EVT_XML:
      fl_evtx_utf16_append(out, p, n, esc); return 1;
    case FL_VT_ANSI_STRING: fl_evtx_ansi_append(out, p, n, esc); return 1;
    case FL_VT_UTF8: fl_evtx_utf8_append(out, (const char *)p, n, esc); return 1;
    case FL_VT_INT8: if (n < 1) return 0; fl_evtx_put_i64(out, (int8_t)p[0]); return 1;
    case FL_VT_UINT8: if (n < 1) return 0; fl_evtx_put_u64(out, p[0]); return 1;
    case FL_VT_INT16: if (n < 2) return 0; fl_evtx_put_i64(out, (int16_t)fl_le16(p)); return 1;
    case FL_VT_UINT16: if (n < 2) return 0; fl_evtx_put_u64(out, fl_le16(p)); return 1;
    case FL_VT_INT32: if (n < 4) return 0; fl_evtx_put_i64(out, (int32_t)fl_le32(p)); return 1;
    case FL_VT_UINT32: if (n < 4) return 0; fl_evtx_put_u64(out, fl_le32(p)); return 1;
    case FL_VT_INT64: if (n < 8) return 0; fl_evtx_put_i64(out, (int64_t)fl_le64(p)); return 1;
    case FL_VT_UINT64: if (n < 8) return 0; fl_evtx_put_u64(out, fl_le64(p)); return 1;
    case FL_VT_REAL32: {
      if (n < 4) return 0;
      float f;
      memcpy(&f, p, 4);
      fl_evtx_real_format(out, f, 9);
      return 1;
    }
    case FL_VT_REAL64: {
      if (n < 8) return 0;
      double d;
      memcpy(&d, p, 8);
      fl_evtx_real_format(out, d, 17);
      return 1;
    }
    case FL_VT_BOOL:
      if (n < 1) return 0;
      if (n >= 4 ? fl_le32(p) != 0 : p[0] != 0) FL_EVTX_PUTS(out, "true");
      else FL_EVTX_PUTS(out, "false");
      return 1;
    case FL_VT_GUID: if (n < 16) return 0; fl_evtx_guid_format(out, p); return 1;
    case FL_VT_SIZE_T: case FL_VT_HEX_INT32: case FL_VT_HEX_INT64:
      if (n >= 8) fl_evtx_put_hex(out, fl_le64(p));
      else if (n >= 4) fl_evtx_put_hex(out, fl_le32(p));
      else return 0;
      return 1;
    case FL_VT_FILETIME: if (n < 8) return 0; fl_evtx_filetime_format(out, fl_le64(p)); return 1;
    case FL_VT_SYSTEMTIME: if (n < 16) return 0; fl_evtx_systemtime_format(out, p); return 1;
    case FL_VT_SID: fl_evtx_sid_format(out, p, n); return 1;
    default: fl_evtx_binary_format(out, p, n); return 1; /* binary, handles */
  }
}

unsigned fl_evtx_value_item_size(uint8_t t, uint32_t total) {
  switch (t) {
    case FL_VT_INT8: case FL_VT_UINT8: return 1;
    case FL_VT_INT16: case FL_VT_UINT16: return 2;
    case FL_VT_INT32: case FL_VT_UINT32: case FL_VT_REAL32: case FL_VT_BOOL:
    case FL_VT_HEX_INT32: return 4;
    case FL_VT_INT64: case FL_VT_UINT64: case FL_VT_REAL64: case FL_VT_FILETIME:
    case FL_VT_HEX_INT64: return 8;
    case FL_VT_SIZE_T: return total % 8 == 0 ? 8 : 4;
    case FL_VT_GUID: case FL_VT_SYSTEMTIME: return 16;
    default: return 0;
  }
}

int fl_evtx_array_next(const fl_evtx_val *v, uint32_t *pos,
                       fl_evtx_val *item) {
  uint8_t t = v->type & 0x7f;
  uint32_t i = *pos;
  if (i >= v->len) return 0;
  item->type = t;
  item->p = v->p + i;
  if (t == FL_VT_STRING) {
    uint32_t j = i;
    while (j + 1 < v->len && (v->p[j] | v->p[j + 1])) j += 2;
    item->len = j - i;
    *pos = j + 2;
    if (j + 1 >= v->len) *pos = v->len;
  } else if (t == FL_VT_ANSI_STRING) {
    uint32_t j = i;
    while (j < v->len && v->p[j]) j++;
    item->len = j - i;
    *pos = j + 1;
  } else if (t == FL_VT_SID) {
    uint32_t need = v->len - i >= 8 ? 8u + 4u * v->p[i + 1] : v->len - i;
    item->len = need <= v->len - i ? need : v->len - i;
    *pos = i + item->len;
  } else {
    unsigned w = fl_evtx_value_item_size(t, v->len);
    if (!w) {
      item->type = FL_VT_BINARY;
      item->len = v->len - i;
    } else {
      item->len = v->len - i < w ? v->len - i : w;
    }
    *pos = i + item->len;
  }
  return 1;
}

void fl_evtx_value_format(fl_evtx_buf *out, const fl_evtx_val *v,
                          fl_evtx_esc esc) {
  if (v->type & FL_VT_ARRAY_FLAG && v->type != FL_VT_UTF8) {
    uint32_t pos = 0;
    fl_evtx_val item;
    int first = 1;
    while (fl_evtx_array_next(v, &pos, &item)) {
      if (!first) fl_evtx_buf_putc(out, ',');
      first = 0;
      if (!fl_evtx_scalar_format(out, &item, esc))
        fl_evtx_binary_format(out, item.p, item.len);
    }
    return;
  }
  if (!fl_evtx_scalar_format(out, v, esc))
    fl_evtx_binary_format(out, v->p, v->len);
}

int fl_evtx_value_is_json_bare(uint8_t t) {
  return (t >= FL_VT_INT8 && t <= FL_VT_BOOL);
}

int fl_evtx_value_u64(const fl_evtx_val *v, uint64_t *out) {
  const uint8_t *p = v->p;
  switch (v->type) {
    case FL_VT_INT8: case FL_VT_UINT8:
      if (v->len < 1) return 0;
      *out = p[0];
      return 1;
    case FL_VT_INT16: case FL_VT_UINT16:
      if (v->len < 2) return 0;
      *out = fl_le16(p);
      return 1;
    case FL_VT_INT32: case FL_VT_UINT32: case FL_VT_HEX_INT32: case FL_VT_BOOL:
      if (v->len < 4) return 0;
      *out = fl_le32(p);
      return 1;
    case FL_VT_INT64: case FL_VT_UINT64: case FL_VT_HEX_INT64: case FL_VT_FILETIME:
      if (v->len < 8) return 0;
      *out = fl_le64(p);
      return 1;
    case FL_VT_SIZE_T:
      if (v->len >= 8) *out = fl_le64(p);
      else if (v->len >= 4) *out = fl_le32(p);
      else return 0;
      return 1;
    default: return 0;
  }
}
