/*
** Rows of the ClickHouse events table: a typed event as one JSONEachRow
** line (writer) and a TabSeparated result row back into an fl_typed_event
** (reader), both driven by typed_columns.def (store_typed.c) so they cannot disagree,
** and both mapping NULLs exactly as the SQLite store does.
**
** Must never: write a value into JSON other than through ch_json_string or
** a printed number, read past a field, or accept a row whose field count is
** not the select list's (a server exception inside a 200 body ends as one).
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/clickhouse_internal.h"
#include "store/store_internal.h"

typedef store_typed_column column;
#define columns store_typed_columns
#define COLUMN_COUNT store_typed_column_count

/* The fields read after the typed columns, in this order. */
static const char *const tail_fields[] = {"kind", "source", "file", "key"};
#define TAIL_COUNT (sizeof tail_fields / sizeof *tail_fields)

static void put(fl_buf *b, const char *s) {
  size_t n = strlen(s);
  if (fl_buf_reserve(b, n)) return;
  memcpy(b->p + b->len, s, n);
  b->len += n;
}

static void put_u64(fl_buf *b, uint64_t v) {
  char tmp[24];
  snprintf(tmp, sizeof tmp, "%" PRIu64, v);
  put(b, tmp);
}

static void put_i64(fl_buf *b, int64_t v) {
  char tmp[24];
  snprintf(tmp, sizeof tmp, "%" PRId64, v);
  put(b, tmp);
}

static void put_key(fl_buf *b, const char *name, int first) {
  if (!first) put(b, ",");
  put(b, "\"");
  put(b, name);
  put(b, "\":");
}

/* The UTC day of a FILETIME as "YYYY-MM-DD", within ClickHouse's Date
** range (1970-01-01 .. 2105). */
static void put_day(fl_buf *b, uint64_t ft) {
  const uint64_t epoch = UINT64_C(116444736000000000);
  int64_t secs = ft > epoch ? (int64_t)((ft - epoch) / 10000000u) : 0;
  if (secs > INT64_C(4233686400)) secs = INT64_C(4233686400); /* 2104-02-29 */
  time_t tt = (time_t)secs;
  struct tm tm;
  gmtime_r(&tt, &tm);
  char tmp[48];
  snprintf(tmp, sizeof tmp, "\"%04d-%02d-%02d\"", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday);
  put(b, tmp);
}

static void put_column(fl_buf *b, const column *c, const fl_typed_event *t) {
  uint64_t u = 0;
  int64_t i = 0;
  fl_evtx_str v = {NULL, 0};
  switch (store_typed_get(t, c, &u, &i, &v)) {
    case STORE_TV_UNSIGNED: put_u64(b, u); break;
    case STORE_TV_SIGNED: put_i64(b, i); break;
    case STORE_TV_TEXT: ch_json_string(b, v.ptr, v.len); break;
    default: put(b, "null"); break;
  }
}

void ch_row_event(fl_buf *b, const fl_typed_event *t, const char *key,
                  const char *file, uint64_t ord, const char *data,
                  size_t data_len) {
  put(b, "{\"day\":");
  put_day(b, t->time);
  for (size_t i = 0; i < COLUMN_COUNT; i++) {
    put_key(b, columns[i].name, 0);
    put_column(b, &columns[i], t);
  }
  put_key(b, "kind", 0);
  ch_json_string(b, fl_event_kind_name(t->kind), strlen(fl_event_kind_name(t->kind)));
  put_key(b, "source", 0);
  const char *src = fl_event_source_name(t->source);
  ch_json_string(b, src ? src : "", src ? strlen(src) : 0);
  put_key(b, "file", 0);
  ch_json_string(b, file, strlen(file));
  put_key(b, "ord", 0);
  put_u64(b, ord);
  put_key(b, "key", 0);
  ch_json_string(b, key, strlen(key));
  put_key(b, "data", 0);
  ch_json_string(b, data, data_len);
  put(b, "}\n");
}

void ch_row_select_list(fl_buf *b) {
  for (size_t i = 0; i < COLUMN_COUNT; i++) {
    if (i) put(b, ", ");
    put(b, columns[i].name);
  }
  for (size_t i = 0; i < TAIL_COUNT; i++) {
    put(b, ", ");
    put(b, tail_fields[i]);
  }
}

size_t ch_row_field_count(void) { return COLUMN_COUNT + TAIL_COUNT; }

/* Unescapes the field [p, p + n) in place from its first backslash bs;
** returns the new length. A backslash ending the field stays itself. */
static size_t tsv_unescape(char *p, size_t n, char *bs) {
  char *out = bs, *end = p + n;
  for (char *k = bs; k < end; k++) {
    char c = *k;
    if (c == '\\' && k + 1 < end) {
      char e = *++k;
      switch (e) {
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'r': c = '\r'; break;
        case 'n': c = '\n'; break;
        case 't': c = '\t'; break;
        case '0': c = '\0'; break;
        default: c = e; break; /* \\ \' and anything else */
      }
    }
    *out++ = c;
  }
  return (size_t)(out - p);
}

long ch_tsv_split(char *line, size_t n, ch_field *fields, size_t cap) {
  size_t count = 0;
  char *p = line, *e = line + n;
  for (;;) {
    if (count == cap) return -1;
    char *start = p;
    while (p < e && *p != '\t' && *p != '\\') p++; /* most fields: no escape */
    char *bs = p < e && *p == '\\' ? p : NULL;
    if (bs) {
      p = memchr(bs, '\t', (size_t)(e - bs));
      if (!p) p = e;
    }
    size_t len = (size_t)(p - start);
    if (len == 2 && start[0] == '\\' && start[1] == 'N') {
      fields[count].p = NULL; /* only a whole raw field "\N" is NULL */
      fields[count].n = 0;
    } else {
      fields[count].p = start;
      fields[count].n = bs ? tsv_unescape(start, len, bs) : len;
    }
    count++;
    if (p >= e) break;
    p++; /* the tab */
  }
  return (long)count;
}

static int to_u64(const ch_field *f, uint64_t *v) {
  if (!f->p || !f->n || f->n > 20) return -1;
  uint64_t x = 0;
  for (size_t i = 0; i < f->n; i++) {
    if (f->p[i] < '0' || f->p[i] > '9') return -1;
    x = x * 10 + (uint64_t)(f->p[i] - '0');
  }
  *v = x;
  return 0;
}

static int to_i64(const ch_field *f, int64_t *v) {
  if (f->p && f->n && f->p[0] == '-') {
    ch_field rest = {f->p + 1, f->n - 1};
    uint64_t u;
    if (to_u64(&rest, &u)) return -1;
    *v = -(int64_t)u;
    return 0;
  }
  uint64_t u;
  if (to_u64(f, &u)) return -1;
  *v = (int64_t)u;
  return 0;
}

static void set_column(const column *c, const ch_field *f, fl_typed_event *t) {
  char *base = (char *)t;
  void *dst = base + c->off;
  uint64_t u = 0;
  int64_t i = 0;
  switch (c->kind) {
    case STORE_TC_U64: if (!to_u64(f, &u)) *(uint64_t *)dst = u; break;
    case STORE_TC_U32: if (!to_u64(f, &u)) *(uint32_t *)dst = (uint32_t)u; break;
    case STORE_TC_INT: if (!to_i64(f, &i)) *(int *)dst = (int)i; break;
    case STORE_TC_E64: *(int64_t *)dst = to_i64(f, &i) ? -1 : i; break;
    case STORE_TC_EINT: *(int *)dst = to_i64(f, &i) ? -1 : (int)i; break;
    case STORE_TC_O64: case STORE_TC_O32: case STORE_TC_OINT:
      if (!f->p) break; /* NULL: 0 with the bit clear */
      if (f->p[0] == '-') {
        if (to_i64(f, &i)) break;
        u = (uint64_t)i;
      } else {
        if (to_u64(f, &u)) break;
        i = (int64_t)u;
      }
      t->has |= c->has;
      if (c->kind == STORE_TC_O64) *(uint64_t *)dst = u;
      else if (c->kind == STORE_TC_O32) *(uint32_t *)dst = (uint32_t)u;
      else *(int *)dst = (int)i;
      break;
    case STORE_TC_STR: {
      fl_evtx_str *s = dst;
      s->ptr = f->p ? f->p : "";
      s->len = f->p ? f->n : 0;
      break;
    }
    case STORE_TC_NSTR: {
      fl_evtx_str *s = dst;
      s->ptr = f->p;
      s->len = f->p ? f->n : 0;
      break;
    }
    default: break;
  }
}

static fl_event_kind kind_named(const ch_field *f) {
  for (int k = 0; k < FL_KIND_COUNT_; k++) {
    const char *n = fl_event_kind_name((fl_event_kind)k);
    if (f->p && strlen(n) == f->n && memcmp(n, f->p, f->n) == 0) return (fl_event_kind)k;
  }
  return FL_KIND_OTHER;
}

static fl_event_source source_named(const ch_field *f) {
  for (int k = 0; k < FL_SOURCE_COUNT_; k++) {
    const char *n = fl_event_source_name((fl_event_source)k);
    if (n && f->p && strlen(n) == f->n && memcmp(n, f->p, f->n) == 0)
      return (fl_event_source)k;
  }
  return FL_SOURCE_UNKNOWN;
}

size_t ch_row_to_typed(const ch_field *f, fl_typed_event *t) {
  memset(t, 0, sizeof *t);
  for (size_t i = 0; i < COLUMN_COUNT; i++) set_column(&columns[i], &f[i], t);
  t->kind = kind_named(&f[COLUMN_COUNT]);
  t->source = source_named(&f[COLUMN_COUNT + 1]);
  return COLUMN_COUNT + 2;
}
