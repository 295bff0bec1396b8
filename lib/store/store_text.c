/*
** Text shaping for the store: a growable buffer, the JSON / CSV / terminal
** escapers every store output goes through, and the compact JSON rendering
** of a record kept in events.data.
**
** Must never: let an attacker-controlled byte through unescaped (control
** characters, C1, bidi overrides, invalid UTF-8 in JSON or the terminal, a
** CSV cell that a spreadsheet would run as a formula), or allocate except to
** grow a buffer that is then reused.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "store/store_internal.h"

void store_buf_put(store_buf *b, const char *s, size_t n) {
  if (!n || fl_buf_reserve(b, n)) return;
  memcpy(b->p + b->len, s, n);
  b->len += n;
}

void store_buf_u64(store_buf *b, uint64_t v) {
  char tmp[24];
  size_t i = sizeof tmp;
  do {
    tmp[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  store_buf_put(b, tmp + i, sizeof tmp - i);
}

/* Length of the valid UTF-8 sequence at p (1..4) with its code point, or 0
** when the bytes are not valid UTF-8 (overlong, surrogate, > U+10FFFF). */
static size_t utf8_seq(const unsigned char *p, size_t n, uint32_t *cp) {
  unsigned char c = p[0];
  size_t len;
  uint32_t v, min;
  if (c < 0x80) { *cp = c; return 1; }
  if (c >= 0xC2 && c <= 0xDF) { len = 2; v = c & 0x1F; min = 0x80; }
  else if (c >= 0xE0 && c <= 0xEF) { len = 3; v = c & 0x0F; min = 0x800; }
  else if (c >= 0xF0 && c <= 0xF4) { len = 4; v = c & 0x07; min = 0x10000; }
  else return 0;
  if (len > n) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    v = (v << 6) | (p[i] & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return len;
}

/* Characters that reorder or hide text on a terminal (Trojan Source). */
static int is_bidi(uint32_t cp) {
  return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
         cp == 0x200E || cp == 0x200F || cp == 0x061C;
}

static void put_hex_escape(store_buf *b, const char *prefix, unsigned v,
                           int digits) {
  static const char hex[] = "0123456789abcdef";
  char tmp[8];
  store_buf_put(b, prefix, strlen(prefix));
  for (int i = digits - 1; i >= 0; i--) tmp[digits - 1 - i] = hex[(v >> (4 * i)) & 15];
  store_buf_put(b, tmp, (size_t)digits);
}

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

/* How many bytes from p on are printable ASCII other than " and \ (copied
** as they are); 16 at a time with SSE2. */
static size_t json_plain_run(const unsigned char *p, size_t n) {
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i lo = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7F);
  const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
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

/* Writes the escape of one non-plain character at p (valid UTF-8 of len
** bytes with code point cp, or len 0: an invalid byte) to o; returns the
** bytes written (at most 6, never more than 6 per input byte). */
static size_t json_escape_one(char *o, const unsigned char *p, size_t len,
                              uint32_t cp) {
  static const char hex[] = "0123456789abcdef";
  unsigned char c = p[0];
  if (c == '"' || c == '\\' || c == '\n' || c == '\t' || c == '\r') {
    o[0] = '\\';
    o[1] = c == '\n' ? 'n' : c == '\t' ? 't' : c == '\r' ? 'r' : (char)c;
    return 2;
  }
  if (len && !(cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) ||
               cp == 0x2028 || cp == 0x2029 || is_bidi(cp))) {
    memcpy(o, p, len);
    return len;
  }
  uint32_t v = len ? cp : 0xFFFD;
  o[0] = '\\';
  o[1] = 'u';
  for (int i = 0; i < 4; i++) o[2 + i] = hex[(v >> (12 - 4 * i)) & 15];
  return 6;
}

void store_buf_json_str(store_buf *b, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  /* one reservation: no character grows past 6 bytes per input byte */
  if (n > (SIZE_MAX - 2) / 6 || fl_buf_reserve(b, 6 * n + 2)) return;
  char *o = b->p + b->len;
  *o++ = '"';
  for (size_t i = 0; i < n;) {
    size_t k = json_plain_run(p + i, n - i);
    memcpy(o, p + i, k);
    o += k;
    i += k;
    if (i >= n) break;
    uint32_t cp = 0;
    size_t len = utf8_seq(p + i, n - i, &cp);
    o += json_escape_one(o, p + i, len, cp);
    i += len ? len : 1;
  }
  *o++ = '"';
  b->len = (size_t)(o - b->p);
}

void store_buf_term(store_buf *b, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    size_t len = utf8_seq(p + i, n - i, &cp);
    if (!len) {
      put_hex_escape(b, "\\x", p[i], 2);
      i++;
      continue;
    }
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || is_bidi(cp)) {
      for (size_t k = 0; k < len; k++) put_hex_escape(b, "\\x", p[i + k], 2);
    } else if (cp == '\\' && i + 1 < n && p[i + 1] == 'x') {
      /* only where it could be read as an escape: CORP\SRV-WEB01$ stays */
      store_buf_put(b, "\\\\", 2);
    } else {
      store_buf_put(b, (const char *)p + i, len);
    }
    i += len;
  }
}

void store_buf_csv_cell(store_buf *b, const char *s, size_t n) {
  int guard = n && (s[0] == '=' || s[0] == '+' || s[0] == '-' ||
                    s[0] == '@' || s[0] == '\t' || s[0] == '\r');
  int quote = guard;
  for (size_t i = 0; i < n && !quote; i++)
    if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r' ||
        s[i] == '\0')
      quote = 1;
  if (n && (s[0] == ' ' || s[n - 1] == ' ')) quote = 1;
  if (!quote) {
    store_buf_put(b, s, n);
    return;
  }
  store_buf_putc(b, '"');
  if (guard) store_buf_putc(b, '\'');
  size_t start = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] != '"' && s[i] != '\0') continue;
    store_buf_put(b, s + start, i - start);
    if (s[i] == '"') store_buf_put(b, "\"\"", 2);
    else store_buf_put(b, "\xEF\xBF\xBD", 3); /* NUL breaks CSV tools */
    start = i + 1;
  }
  store_buf_put(b, s + start, n - start);
  store_buf_putc(b, '"');
}

typedef void (*escaper)(store_buf *, const char *, size_t);

static size_t escape_to(escaper fn, const char *s, size_t len, char *out,
                        size_t cap) {
  store_buf b = {0};
  fn(&b, s, len);
  size_t need = b.len;
  if (cap) {
    size_t n = need < cap - 1 ? need : cap - 1;
    if (n) memcpy(out, b.p, n);
    out[n] = '\0';
  }
  fl_buf_free(&b);
  return need;
}

size_t fl_store_escape_csv(const char *s, size_t len, char *out, size_t cap) {
  return escape_to(store_buf_csv_cell, s, len, out, cap);
}
size_t fl_store_escape_json(const char *s, size_t len, char *out, size_t cap) {
  return escape_to(store_buf_json_str, s, len, out, cap);
}
size_t fl_store_escape_term(const char *s, size_t len, char *out, size_t cap) {
  return escape_to(store_buf_term, s, len, out, cap);
}

static void json_key(store_buf *b, const char *key, int *first) {
  size_t n = strlen(key); /* a literal: the compiler folds it */
  if (fl_buf_reserve(b, n + 4)) return;
  char *o = b->p + b->len;
  if (!*first) *o++ = ',';
  *first = 0;
  *o++ = '"';
  for (size_t i = 0; i < n; i++) *o++ = key[i];
  *o++ = '"';
  *o++ = ':';
  b->len = (size_t)(o - b->p);
}

static void json_num(store_buf *b, const char *key, uint64_t v, int *first) {
  json_key(b, key, first);
  store_buf_u64(b, v);
}

static void json_text(store_buf *b, const char *key, fl_evtx_str v, int *first) {
  if (!v.ptr) return;
  json_key(b, key, first);
  store_buf_json_str(b, v.ptr, v.len);
}

/* Hex text: 64 bits do not fit a JSON number a double reads. */
void store_buf_keywords(store_buf *b, uint64_t kw) {
  put_hex_escape(b, "\"0x", (unsigned)(kw >> 32), 8);
  put_hex_escape(b, "", (unsigned)kw, 8);
  store_buf_putc(b, '"');
}

static void json_keywords(store_buf *b, uint64_t kw, int *first) {
  json_key(b, "keywords", first);
  store_buf_keywords(b, kw);
}

fl_evtx_str store_value_name(const fl_evtx_event *r, size_t i, char tmp[24]) {
  fl_evtx_str n = r->data[i].name;
  if (!n.len) { /* classic <Data> without a name: its position */
    int k = snprintf(tmp, 24, "#%zu", i);
    n.ptr = tmp;
    n.len = (size_t)k;
  }
  return n;
}

void store_buf_value_name(store_buf *b, const fl_evtx_event *r, size_t i) {
  char tmp[24];
  fl_evtx_str n = store_value_name(r, i, tmp);
  store_buf_json_str(b, n.ptr, n.len);
}

static void render_data(store_buf *b, const fl_evtx_event *r) {
  store_buf_putc(b, '{');
  for (size_t i = 0; i < r->data_count; i++) {
    const fl_evtx_pair *d = &r->data[i];
    if (i) store_buf_putc(b, ',');
    store_buf_value_name(b, r, i);
    store_buf_putc(b, ':');
    store_buf_json_str(b, d->value.ptr ? d->value.ptr : "", d->value.len);
  }
  store_buf_putc(b, '}');
}

void store_render_event_json(store_buf *b, const fl_evtx_event *r) {
  int first = 1;
  unsigned has = r->present;
  store_buf_putc(b, '{');
  json_text(b, "provider", r->provider_name, &first);
  json_text(b, "provider_guid", r->provider_guid, &first);
  json_text(b, "event_source", r->event_source_name, &first);
  if (has & FL_EVTX_HAS_EVENT_ID) json_num(b, "event_id", r->event_id, &first);
  if (has & FL_EVTX_HAS_QUALIFIERS) json_num(b, "qualifiers", r->qualifiers, &first);
  if (has & FL_EVTX_HAS_VERSION) json_num(b, "version", r->version, &first);
  if (has & FL_EVTX_HAS_LEVEL) json_num(b, "level", r->level, &first);
  if (has & FL_EVTX_HAS_TASK) json_num(b, "task", r->task, &first);
  if (has & FL_EVTX_HAS_OPCODE) json_num(b, "opcode", r->opcode, &first);
  if (has & FL_EVTX_HAS_KEYWORDS) json_keywords(b, r->keywords, &first);
  if (has & FL_EVTX_HAS_TIME_CREATED) json_num(b, "time_created", r->time_created, &first);
  if (has & FL_EVTX_HAS_EVENT_RECORD_ID) json_num(b, "event_record_id", r->event_record_id, &first);
  if (has & FL_EVTX_HAS_PROCESS_ID) json_num(b, "process_id", r->process_id, &first);
  if (has & FL_EVTX_HAS_THREAD_ID) json_num(b, "thread_id", r->thread_id, &first);
  json_text(b, "channel", r->channel, &first);
  json_text(b, "computer", r->computer, &first);
  json_text(b, "user_sid", r->user_sid, &first);
  json_text(b, "activity_id", r->activity_id, &first);
  json_text(b, "related_activity_id", r->related_activity_id, &first);
  if (r->recovered) json_num(b, "recovered", 1, &first);
  json_key(b, "data", &first);
  render_data(b, r);
  store_buf_putc(b, '}');
}
