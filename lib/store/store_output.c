/*
** Printing a statement's rows: an aligned text table (widths from the first
** rows, cells escaped for the terminal and capped), JSON lines (numbers as
** numbers, text escaped, blobs as hex) or CSV (RFC 4180, CRLF, formula
** cells guarded with a leading ').
**
** Must never: write a byte of a cell unescaped, hold more than the first
** TEXT_SAMPLE rows in memory, or stop silently on a write error.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

#define TEXT_SAMPLE 1000 /* rows that decide column widths */
#define TEXT_CAP 60      /* widest cell in a table; jsonl/csv show all */

static void cell_hex(store_buf *b, sqlite3_stmt *st, int i) {
  const uint8_t *p = sqlite3_column_blob(st, i);
  int n = sqlite3_column_bytes(st, i);
  static const char d[] = "0123456789abcdef";
  for (int k = 0; p && k < n; k++) {
    store_buf_putc(b, d[p[k] >> 4]);
    store_buf_putc(b, d[p[k] & 15]);
  }
}

static void cell_number(store_buf *b, sqlite3_stmt *st, int i, int json) {
  char tmp[40];
  if (sqlite3_column_type(st, i) == SQLITE_INTEGER) {
    snprintf(tmp, sizeof tmp, "%lld", (long long)sqlite3_column_int64(st, i));
  } else {
    double v = sqlite3_column_double(st, i);
    if (json && !isfinite(v)) snprintf(tmp, sizeof tmp, "null");
    else snprintf(tmp, sizeof tmp, "%.17g", v);
  }
  store_buf_put(b, tmp, strlen(tmp));
}

static void row_jsonl(store_buf *b, sqlite3_stmt *st, int n) {
  store_buf_putc(b, '{');
  for (int i = 0; i < n; i++) {
    const char *name = sqlite3_column_name(st, i);
    if (i) store_buf_putc(b, ',');
    fl_text_json(b, name ? name : "", name ? strlen(name) : 0, 0);
    store_buf_putc(b, ':');
    switch (sqlite3_column_type(st, i)) {
      case SQLITE_NULL: store_buf_put(b, "null", 4); break;
      case SQLITE_INTEGER: case SQLITE_FLOAT: cell_number(b, st, i, 1); break;
      case SQLITE_BLOB:
        store_buf_putc(b, '"');
        cell_hex(b, st, i);
        store_buf_putc(b, '"');
        break;
      default: {
        const char *t = (const char *)sqlite3_column_text(st, i);
        fl_text_json(b, t ? t : "", (size_t)sqlite3_column_bytes(st, i), 0);
      }
    }
  }
  store_buf_putc(b, '}');
  store_buf_putc(b, '\n');
}

/* Length of the first dotted component of name (all of it when none). */
static size_t ecs_part(const char *name) {
  const char *dot = strchr(name, '.');
  return dot ? (size_t)(dot - name) : strlen(name);
}

/* One row as nested JSON: a column "a.b.c" is {"a":{"b":{"c":..}}}; NULL
** columns are left out (ECS has no nulls) and an object is opened only
** for a value, so none is empty. Columns of one object must be adjacent
** (the query lists them so); open[] holds the names of the open objects. */
static void row_ecs(store_buf *b, sqlite3_stmt *st, int n) {
  enum { DEPTH = 4 };
  const char *open[DEPTH];
  size_t open_len[DEPTH], depth = 0;
  int first = 1;
  store_buf_putc(b, '{');
  for (int i = 0; i < n; i++) {
    if (sqlite3_column_type(st, i) == SQLITE_NULL) continue;
    const char *name = sqlite3_column_name(st, i);
    if (!name) continue;
    size_t keep = 0; /* open objects this name shares */
    const char *p = name;
    while (keep < depth && strchr(p, '.') && ecs_part(p) == open_len[keep] &&
           memcmp(p, open[keep], open_len[keep]) == 0) {
      p += open_len[keep] + 1;
      keep++;
    }
    for (; depth > keep; depth--) store_buf_putc(b, '}');
    if (!first) store_buf_putc(b, ','); /* an open object has a member */
    for (const char *dot; (dot = strchr(p, '.')) && depth < DEPTH; p = dot + 1) {
      fl_text_json(b, p, (size_t)(dot - p), 0);
      store_buf_put(b, ":{", 2);
      open[depth] = p;
      open_len[depth++] = (size_t)(dot - p);
    }
    fl_text_json(b, p, strlen(p), 0);
    store_buf_putc(b, ':');
    if (sqlite3_column_type(st, i) == SQLITE_TEXT) {
      const char *t = (const char *)sqlite3_column_text(st, i);
      fl_text_json(b, t ? t : "", (size_t)sqlite3_column_bytes(st, i), 0);
    } else {
      cell_number(b, st, i, 1);
    }
    first = 0;
  }
  for (; depth; depth--) store_buf_putc(b, '}');
  store_buf_put(b, "}\n", 2);
}

static void row_csv(store_buf *b, sqlite3_stmt *st, int n, int header) {
  for (int i = 0; i < n; i++) {
    if (i) store_buf_putc(b, ',');
    if (header) {
      const char *name = sqlite3_column_name(st, i);
      fl_text_csv(b, name ? name : "", name ? strlen(name) : 0);
      continue;
    }
    switch (sqlite3_column_type(st, i)) {
      case SQLITE_NULL: break;
      case SQLITE_INTEGER: case SQLITE_FLOAT: cell_number(b, st, i, 0); break;
      case SQLITE_BLOB: cell_hex(b, st, i); break;
      default: {
        const char *t = (const char *)sqlite3_column_text(st, i);
        fl_text_csv(b, t ? t : "", (size_t)sqlite3_column_bytes(st, i));
      }
    }
  }
  store_buf_put(b, "\r\n", 2);
}

/* ---- text table ---- */
typedef struct table {
  int cols;
  store_buf cells;  /* escaped cell text, back to back */
  size_t *ends;     /* end offset of each cell */
  size_t count, cap;
  size_t *width;    /* display width per column */
} table;

static size_t display_width(const char *s, size_t n) {
  size_t w = 0;
  for (size_t i = 0; i < n; i++) w += ((unsigned char)s[i] & 0xC0) != 0x80;
  return w;
}

/* Byte length of the first `cols` display columns of s. */
static size_t clip(const char *s, size_t n, size_t cols) {
  size_t w = 0, i = 0;
  for (; i < n; i++) {
    if (((unsigned char)s[i] & 0xC0) != 0x80 && w++ == cols) break;
  }
  return i;
}

static int table_add(table *t, const char *s, size_t n, int escape) {
  if (t->count == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 256;
    size_t *e = realloc(t->ends, cap * sizeof *e);
    if (!e) return -1;
    t->ends = e;
    t->cap = cap;
  }
  size_t start = t->cells.len;
  if (escape) fl_text_term(&t->cells, s, n, 0);
  else store_buf_put(&t->cells, s, n);
  if (t->cells.failed) return -1;
  size_t w = display_width(t->cells.p + start, t->cells.len - start);
  size_t col = t->count % (size_t)t->cols;
  if (w > t->width[col]) t->width[col] = w < TEXT_CAP ? w : TEXT_CAP;
  t->ends[t->count++] = t->cells.len;
  return 0;
}

static int table_add_row(table *t, sqlite3_stmt *st) {
  store_buf tmp = {0};
  int rc = 0;
  for (int i = 0; i < t->cols && !rc; i++) {
    int type = sqlite3_column_type(st, i);
    tmp.len = 0;
    if (type == SQLITE_INTEGER || type == SQLITE_FLOAT) cell_number(&tmp, st, i, 0);
    else if (type == SQLITE_BLOB) cell_hex(&tmp, st, i);
    else if (type == SQLITE_TEXT)
      fl_text_term(&tmp, (const char *)sqlite3_column_text(st, i),
                   (size_t)sqlite3_column_bytes(st, i), 0);
    rc = tmp.failed ? -1 : table_add(t, tmp.p ? tmp.p : "", tmp.len, 0);
  }
  fl_buf_free(&tmp);
  return rc;
}

static void table_rule(const table *t, FILE *out) {
  for (int i = 0; i < t->cols; i++) {
    for (size_t k = 0; k < t->width[i]; k++) fputc('-', out);
    fputs(i + 1 < t->cols ? "  " : "\n", out);
  }
}

/* Prints the buffered cells; the first row is the header when asked. */
static void table_flush(table *t, FILE *out, int with_header) {
  for (size_t k = 0; k < t->count; k++) {
    size_t col = k % (size_t)t->cols;
    size_t start = k ? t->ends[k - 1] : 0;
    const char *s = t->cells.p + start;
    size_t n = t->ends[k] - start, w = display_width(s, n);
    if (w > TEXT_CAP) {
      fwrite(s, 1, clip(s, n, TEXT_CAP - 3), out);
      fputs("...", out);
      w = TEXT_CAP;
    } else {
      fwrite(s, 1, n, out);
    }
    if (col + 1 < (size_t)t->cols) {
      for (size_t p = w; p < t->width[col] + 2; p++) fputc(' ', out);
      continue;
    }
    fputc('\n', out);
    if (with_header && k + 1 == (size_t)t->cols) table_rule(t, out);
  }
  t->count = 0;
  t->cells.len = 0;
}

static int table_header(table *t, sqlite3_stmt *st) {
  for (int i = 0; i < t->cols; i++) {
    const char *name = sqlite3_column_name(st, i);
    if (table_add(t, name ? name : "", name ? strlen(name) : 0, 1)) return -1;
  }
  return 0;
}

/* Header + first TEXT_SAMPLE rows decide the widths; then stream. */
static fl_status emit_text(fl_store *s, sqlite3_stmt *st, uint64_t limit,
                           FILE *out, uint64_t *rows, fl_error *err) {
  table t = {0};
  fl_status res = FL_OK;
  t.cols = sqlite3_column_count(st);
  t.width = calloc((size_t)t.cols + 1, sizeof *t.width);
  if (!t.width || table_header(&t, st)) res = FL_ENOMEM;
  int rc = SQLITE_DONE, started = 0;
  while (res == FL_OK && (!limit || *rows < limit) &&
         (rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (table_add_row(&t, st)) res = FL_ENOMEM;
    if (++*rows % TEXT_SAMPLE == 0) {
      table_flush(&t, out, !started);
      started = 1;
    }
  }
  if (res == FL_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
    res = store_db_error(s, err, FL_EIO, "reading rows");
  if (res == FL_OK) table_flush(&t, out, !started);
  if (res == FL_ENOMEM) fl_error_at(err, res, s->path, 0, "out of memory");
  fl_buf_free(&t.cells);
  free(t.ends);
  free(t.width);
  return res;
}

fl_status store_emit(fl_store *s, sqlite3_stmt *st, fl_store_format fmt,
                     uint64_t limit, FILE *out, uint64_t *rows, fl_error *err) {
  uint64_t n = 0;
  fl_status res = FL_OK;
  if (!rows) rows = &n;
  *rows = 0;
  if (fmt == FL_STORE_TEXT) {
    res = emit_text(s, st, limit, out, rows, err);
  } else {
    store_buf b = {0};
    int cols = sqlite3_column_count(st), rc = SQLITE_ROW;
    int csv = fmt == FL_STORE_CSV || fmt == FL_STORE_TIMELINE;
    if (csv) row_csv(&b, st, cols, 1);
    while ((!limit || *rows < limit) && (rc = sqlite3_step(st)) == SQLITE_ROW) {
      if (csv) row_csv(&b, st, cols, 0);
      else if (fmt == FL_STORE_ECS) row_ecs(&b, st, cols);
      else row_jsonl(&b, st, cols);
      ++*rows;
      if (b.len >= 1 << 16 || b.failed) {
        if (b.failed) break;
        fwrite(b.p, 1, b.len, out);
        b.len = 0;
      }
    }
    if (b.failed) res = fl_error_at(err, FL_ENOMEM, s->path, 0, "out of memory");
    else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
      res = store_db_error(s, err, FL_EIO, "reading rows");
    if (b.len) fwrite(b.p, 1, b.len, out);
    fl_buf_free(&b);
  }
  if (res == FL_OK && (fflush(out) != 0 || ferror(out)))
    res = fl_error_at(err, FL_EIO, "(output)", 0, "writing output failed");
  return res;
}
