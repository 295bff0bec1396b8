/*
** EVTX writer: substitution values. Encodes API values into their BinXML
** byte form (UTF-16LE strings, SIDs, GUIDs, times), renders them as text for
** template-less records, and parses GUID/SID text for callers.
**
** Runs once per value of every record, so it must never allocate; text is
** built in fixed stack buffers and strings are converted straight into the
** chunk buffer.
*/
#include "evtx_writer/evtx_writer_internal.h"

#include "common/fl_time.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

/* Decodes one UTF-8 sequence at s[*i]; invalid input gives U+FFFD. */
static uint32_t next_cp(const unsigned char *s, size_t len, size_t *i) {
  unsigned c = s[*i];
  if (c < 0x80) {
    (*i)++;
    return c;
  }
  int n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : -1;
  uint32_t cp = n == 3 ? c & 7 : n == 2 ? c & 15 : c & 31;
  if (n < 0 || c >= 0xF8 || *i + (size_t)n >= len) { /* stray or cut */
    (*i)++;
    return 0xFFFD;
  }
  for (int k = 1; k <= n; k++) {
    unsigned cc = s[*i + (size_t)k];
    if ((cc & 0xC0) != 0x80) {
      *i += (size_t)k;
      return 0xFFFD;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  *i += (size_t)n + 1;
  static const uint32_t min[4] = {0, 0x80, 0x800, 0x10000};
  if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000))
    return 0xFFFD;
  return cp;
}

static inline void put_unit(uint8_t *out, size_t n, uint32_t u) {
  out[2 * n] = (uint8_t)u;
  out[2 * n + 1] = (uint8_t)(u >> 8);
}

long fl_evtx_w_utf16(const char *str, size_t len, uint8_t *out, size_t cap) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0, n = 0;
  while (i < len) {
    if (s[i] < 0x80) { /* ASCII fast path */
      if (n >= cap) return -1;
      put_unit(out, n++, s[i++]);
      continue;
    }
    uint32_t cp = next_cp(s, len, &i);
    if (cp >= 0x10000) {
      if (n + 2 > cap) return -1;
      cp -= 0x10000;
      put_unit(out, n++, 0xD800 | (cp >> 10));
      put_unit(out, n++, 0xDC00 | (cp & 0x3FF));
    } else {
      if (n >= cap) return -1;
      put_unit(out, n++, cp);
    }
  }
  return (long)n;
}

/* UTF-16 unit count of a UTF-8 string. */
static size_t utf16_units(const char *str, size_t len) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0, n = 0;
  while (i < len) {
    if (s[i] < 0x80) {
      i++;
      n++;
      continue;
    }
    n += next_cp(s, len, &i) >= 0x10000 ? 2 : 1;
  }
  return n;
}

uint16_t fl_evtx_w_name_hash(const uint8_t *u16le, size_t n) {
  uint32_t h = 0; /* the hash Windows stores: h * 65599 + unit, low 16 bits */
  for (size_t i = 0; i < n; i++)
    h = h * 65599u + (uint32_t)(u16le[2 * i] | u16le[2 * i + 1] << 8);
  return (uint16_t)h;
}

long fl_evtx_w_value_size(const fl_evtx_w_value *v) {
  if (v->is_null) return 0;
  size_t n;
  switch (v->type) {
  case FL_EVTX_W_STRING:
    n = v->v.str ? 2 * utf16_units(v->v.str, strlen(v->v.str)) : 0;
    break;
  case FL_EVTX_W_UINT8: return 1;
  case FL_EVTX_W_UINT16: return 2;
  case FL_EVTX_W_INT32:
  case FL_EVTX_W_UINT32:
  case FL_EVTX_W_BOOL:
  case FL_EVTX_W_HEXINT32: return 4;
  case FL_EVTX_W_UINT64:
  case FL_EVTX_W_FILETIME:
  case FL_EVTX_W_HEXINT64: return 8;
  case FL_EVTX_W_GUID:
  case FL_EVTX_W_SYSTIME: return 16;
  case FL_EVTX_W_SID:
    if (v->v.sid.subauth_count > FL_EVTX_W_SID_MAX_SUBAUTH) return -1;
    return 8 + 4 * (long)v->v.sid.subauth_count;
  case FL_EVTX_W_BINARY:
    n = v->v.bin.data ? v->v.bin.len : 0;
    break;
  default: return -1;
  }
  return n > 0xFFFF ? -1 : (long)n;
}

static void put_guid(fl_evtx_w_cur *c, const fl_evtx_w_guid *g) {
  fl_evtx_w_u32(c, g->data1);
  fl_evtx_w_u16(c, g->data2);
  fl_evtx_w_u16(c, g->data3);
  fl_evtx_w_put(c, g->data4, 8);
}

static void put_sid(fl_evtx_w_cur *c, const fl_evtx_w_sid *s) {
  uint8_t head[8] = {s->revision, s->subauth_count};
  for (int k = 0; k < 6; k++) /* 48-bit authority, big-endian */
    head[2 + k] = (uint8_t)(s->authority >> (8 * (5 - k)));
  fl_evtx_w_put(c, head, 8);
  for (unsigned k = 0; k < s->subauth_count && k < FL_EVTX_W_SID_MAX_SUBAUTH;
       k++)
    fl_evtx_w_u32(c, s->subauth[k]);
}

/* UTF-8 string straight into the cursor as UTF-16LE. */
static void put_str16(fl_evtx_w_cur *c, const char *s) {
  if (!s || c->bad) return;
  size_t len = strlen(s);
  uint32_t room = (c->cap - c->pos) / 2;
  long n = fl_evtx_w_utf16(s, len, c->buf + c->pos, room);
  if (n < 0) {
    c->bad = 1;
    return;
  }
  c->pos += (uint32_t)n * 2;
}

void fl_evtx_w_value_put(fl_evtx_w_cur *c, const fl_evtx_w_value *v) {
  if (v->is_null) return;
  const fl_evtx_w_systime *t = &v->v.st;
  switch (v->type) {
  case FL_EVTX_W_STRING: put_str16(c, v->v.str); break;
  case FL_EVTX_W_UINT8: fl_evtx_w_u8(c, (uint8_t)v->v.u); break;
  case FL_EVTX_W_UINT16: fl_evtx_w_u16(c, (uint16_t)v->v.u); break;
  case FL_EVTX_W_INT32: fl_evtx_w_u32(c, (uint32_t)v->v.i); break;
  case FL_EVTX_W_UINT32:
  case FL_EVTX_W_HEXINT32: fl_evtx_w_u32(c, (uint32_t)v->v.u); break;
  case FL_EVTX_W_BOOL: fl_evtx_w_u32(c, v->v.u ? 1 : 0); break;
  case FL_EVTX_W_UINT64:
  case FL_EVTX_W_FILETIME:
  case FL_EVTX_W_HEXINT64: fl_evtx_w_u64(c, v->v.u); break;
  case FL_EVTX_W_GUID: put_guid(c, &v->v.guid); break;
  case FL_EVTX_W_SID: put_sid(c, &v->v.sid); break;
  case FL_EVTX_W_BINARY:
    if (v->v.bin.data) fl_evtx_w_put(c, v->v.bin.data, v->v.bin.len);
    break;
  case FL_EVTX_W_SYSTIME: {
    uint16_t f[8] = {t->year, t->month, t->day_of_week, t->day,
                     t->hour, t->minute, t->second, t->millisecond};
    fl_evtx_w_put(c, f, sizeof f);
    break;
  }
  default: c->bad = 1;
  }
}

/* Windows writes 9 fraction digits (the last two always 0). */
static int filetime_text(uint64_t ft, char *buf, size_t cap) {
  char t[FL_TIME_ISO_MAX];
  size_t n = fl_time_iso(ft, 9, t);
  if (cap) {
    size_t k = n < cap - 1 ? n : cap - 1;
    memcpy(buf, t, k);
    buf[k] = '\0';
  }
  return (int)n;
}

static int sid_text(const fl_evtx_w_sid *s, char *buf, size_t cap) {
  int n = snprintf(buf, cap, "S-%u-%" PRIu64, s->revision, s->authority);
  for (unsigned k = 0; k < s->subauth_count && k < FL_EVTX_W_SID_MAX_SUBAUTH &&
                       n > 0 && (size_t)n < cap;
       k++)
    n += snprintf(buf + n, cap - (size_t)n, "-%" PRIu32, s->subauth[k]);
  return n;
}

/* Renders a non-string value as ASCII text; returns its length. */
static size_t value_ascii(const fl_evtx_w_value *v, char *b, size_t cap) {
  const fl_evtx_w_guid *g = &v->v.guid;
  const fl_evtx_w_systime *t = &v->v.st;
  int n = 0;
  switch (v->type) {
  case FL_EVTX_W_INT32: n = snprintf(b, cap, "%" PRId64, v->v.i); break;
  case FL_EVTX_W_BOOL: n = snprintf(b, cap, v->v.u ? "true" : "false"); break;
  case FL_EVTX_W_HEXINT32:
  case FL_EVTX_W_HEXINT64: n = snprintf(b, cap, "0x%" PRIx64, v->v.u); break;
  case FL_EVTX_W_FILETIME: n = filetime_text(v->v.u, b, cap); break;
  case FL_EVTX_W_SID: n = sid_text(&v->v.sid, b, cap); break;
  case FL_EVTX_W_GUID:
    n = snprintf(b, cap, "{%08" PRIX32 "-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}",
                 g->data1, g->data2, g->data3, g->data4[0], g->data4[1],
                 g->data4[2], g->data4[3], g->data4[4], g->data4[5],
                 g->data4[6], g->data4[7]);
    break;
  case FL_EVTX_W_SYSTIME:
    n = snprintf(b, cap, "%04u-%02u-%02uT%02u:%02u:%02u.%03u000000Z", t->year,
                 t->month, t->day, t->hour, t->minute, t->second,
                 t->millisecond);
    break;
  default: n = snprintf(b, cap, "%" PRIu64, v->v.u); break;
  }
  return n < 0 ? 0 : (size_t)n >= cap ? cap - 1 : (size_t)n;
}

void fl_evtx_w_value_text(fl_evtx_w_cur *c, const fl_evtx_w_value *v) {
  fl_evtx_w_u8(c, FL_BXML_VALUE);
  fl_evtx_w_u8(c, FL_VT_STRING);
  uint32_t len_at = c->pos;
  fl_evtx_w_u16(c, 0);
  uint32_t start = c->pos;
  if (v->is_null) {
    /* empty text */
  } else if (v->type == FL_EVTX_W_STRING) {
    put_str16(c, v->v.str);
  } else if (v->type == FL_EVTX_W_BINARY) {
    static const char hex[] = "0123456789ABCDEF";
    const uint8_t *p = v->v.bin.data;
    for (size_t k = 0; p && k < v->v.bin.len; k++) {
      fl_evtx_w_u16(c, (uint16_t)hex[p[k] >> 4]);
      fl_evtx_w_u16(c, (uint16_t)hex[p[k] & 15]);
    }
  } else {
    char buf[160];
    size_t n = value_ascii(v, buf, sizeof buf);
    for (size_t k = 0; k < n; k++) fl_evtx_w_u16(c, (uint8_t)buf[k]);
  }
  uint32_t units = (c->pos - start) / 2;
  if (units > 0xFFFF) c->bad = 1;
  if (!c->bad) {
    uint16_t u = (uint16_t)units;
    memcpy(c->buf + len_at, &u, 2);
  }
}

static int hexval(int ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

int fl_evtx_w_guid_parse(const char *text, fl_evtx_w_guid *out) {
  static const int groups[5] = {8, 4, 4, 4, 12};
  uint8_t raw[16];
  int nb = 0;
  const char *p = text;
  if (!p) return -1;
  int brace = *p == '{';
  p += brace;
  for (int g = 0; g < 5; g++) {
    if (g && *p++ != '-') return -1;
    for (int k = 0; k < groups[g]; k += 2) {
      int hi = hexval(p[0]), lo = hi < 0 ? -1 : hexval(p[1]);
      if (hi < 0 || lo < 0) return -1;
      raw[nb++] = (uint8_t)(hi << 4 | lo);
      p += 2;
    }
  }
  if (brace && *p++ != '}') return -1;
  if (*p) return -1;
  out->data1 = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 |
               (uint32_t)raw[2] << 8 | raw[3];
  out->data2 = (uint16_t)(raw[4] << 8 | raw[5]);
  out->data3 = (uint16_t)(raw[6] << 8 | raw[7]);
  memcpy(out->data4, raw + 8, 8);
  return 0;
}

/* Parses a decimal number; returns the end or NULL. */
static const char *parse_dec(const char *p, uint64_t max, uint64_t *out) {
  if (*p < '0' || *p > '9') return NULL;
  uint64_t v = 0;
  while (*p >= '0' && *p <= '9') {
    v = v * 10 + (uint64_t)(*p++ - '0');
    if (v > max) return NULL;
  }
  *out = v;
  return p;
}

int fl_evtx_w_sid_parse(const char *text, fl_evtx_w_sid *out) {
  uint64_t v;
  const char *p = text;
  if (!p || (p[0] != 'S' && p[0] != 's') || p[1] != '-') return -1;
  memset(out, 0, sizeof *out);
  if (!(p = parse_dec(p + 2, 255, &v))) return -1;
  out->revision = (uint8_t)v;
  if (*p++ != '-' || !(p = parse_dec(p, 0xFFFFFFFFFFFFull, &v))) return -1;
  out->authority = v;
  while (*p == '-') {
    if (out->subauth_count >= FL_EVTX_W_SID_MAX_SUBAUTH) return -1;
    if (!(p = parse_dec(p + 1, 0xFFFFFFFFu, &v))) return -1;
    out->subauth[out->subauth_count++] = (uint32_t)v;
  }
  return *p ? -1 : 0;
}

uint64_t fl_evtx_w_filetime(int64_t unix_seconds, uint32_t ticks) {
  return (uint64_t)(unix_seconds + 11644473600LL) * 10000000u + ticks;
}
