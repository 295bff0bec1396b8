/*
** Printing a statement's rows: an aligned text table (widths from the first
** rows, cells escaped for the terminal and capped), JSON lines (numbers as
** numbers, text escaped, blobs as hex) or CSV (RFC 4180, CRLF, formula
** cells guarded with a leading ').
**
** An emitter spans statements: a result read in chunks (a backend's events
** passed through a scratch table, store_query_backend.c) prints as one.
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
typedef store_table table;

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
  /* the buffer exists even when every cell so far is empty ("" as a column
  ** name): cells.p + start must not be arithmetic on NULL */
  if (fl_buf_reserve(&t->cells, n + 1)) return -1;
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
  t->cols = sqlite3_column_count(st);
  t->width = calloc((size_t)t->cols + 1, sizeof *t->width);
  if (!t->width) return -1;
  for (int i = 0; i < t->cols; i++) {
    const char *name = sqlite3_column_name(st, i);
    if (table_add(t, name ? name : "", name ? strlen(name) : 0, 1)) return -1;
  }
  return 0;
}

/* ---- the emitter: one output over one or more statements ---- */

void store_emitter_init(store_emitter *e, fl_store_format fmt, uint64_t limit,
                        FILE *out) {
  memset(e, 0, sizeof *e);
  e->fmt = fmt;
  e->limit = limit;
  e->out = out;
}

int store_emitter_full(const store_emitter *e) {
  return e->limit && e->rows >= e->limit;
}

/* One row into the text table: the header and the first TEXT_SAMPLE rows
** decide the widths, then every TEXT_SAMPLE rows are printed. */
static int emit_text_row(store_emitter *e, sqlite3_stmt *st) {
  if (table_add_row(&e->table, st)) return -1;
  if (++e->rows % TEXT_SAMPLE == 0) {
    table_flush(&e->table, e->out, !e->started);
    e->started = 1;
  }
  return 0;
}

static int emit_line_row(store_emitter *e, sqlite3_stmt *st, int cols) {
  store_buf *b = &e->line;
  if (e->fmt == FL_STORE_CSV || e->fmt == FL_STORE_TIMELINE) row_csv(b, st, cols, 0);
  else if (e->fmt == FL_STORE_ECS) row_ecs(b, st, cols);
  else row_jsonl(b, st, cols);
  ++e->rows;
  if (b->failed) return -1;
  if (b->len >= 1 << 16) {
    fwrite(b->p, 1, b->len, e->out);
    b->len = 0;
  }
  return 0;
}

fl_status store_emitter_rows(store_emitter *e, fl_store *s, sqlite3_stmt *st,
                             fl_error *err) {
  int text = e->fmt == FL_STORE_TEXT, cols = sqlite3_column_count(st);
  int nomem = 0;
  if (!e->headed) { /* the first statement names the columns */
    e->headed = 1;
    if (text) nomem = table_header(&e->table, st) != 0;
    else if (e->fmt == FL_STORE_CSV || e->fmt == FL_STORE_TIMELINE)
      row_csv(&e->line, st, cols, 1);
  }
  int rc = SQLITE_DONE;
  while (!nomem && !store_emitter_full(e) && (rc = sqlite3_step(st)) == SQLITE_ROW)
    nomem = text ? emit_text_row(e, st) : emit_line_row(e, st, cols);
  if (nomem || e->line.failed) {
    e->failed = 1;
    return fl_error_at(err, FL_ENOMEM, s->path, 0, "out of memory");
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    e->failed = text; /* lines already made are still written */
    return store_db_error(s, err, FL_EIO, "reading rows");
  }
  return FL_OK;
}

fl_status store_emitter_end(store_emitter *e, fl_error *err) {
  if (!e->failed) {
    if (e->fmt == FL_STORE_TEXT && e->table.cols) table_flush(&e->table, e->out, !e->started);
  }
  if (e->line.len && !e->line.failed) fwrite(e->line.p, 1, e->line.len, e->out);
  fl_buf_free(&e->line);
  fl_buf_free(&e->table.cells);
  free(e->table.ends);
  free(e->table.width);
  memset(&e->table, 0, sizeof e->table);
  if (fflush(e->out) != 0 || ferror(e->out))
    return fl_error_at(err, FL_EIO, "(output)", 0, "writing output failed");
  return FL_OK;
}

fl_status store_emit(fl_store *s, sqlite3_stmt *st, fl_store_format fmt,
                     uint64_t limit, FILE *out, uint64_t *rows, fl_error *err) {
  store_emitter e;
  store_emitter_init(&e, fmt, limit, out);
  fl_status res = store_emitter_rows(&e, s, st, err);
  fl_status end = store_emitter_end(&e, err);
  if (rows) *rows = e.rows;
  return res != FL_OK ? res : end;
}
