/*
** `faultline sql --store clickhouse://…`: one caller-written SELECT run by
** ClickHouse itself (fleet-wide aggregation where the rows are), printed by
** faultline's row printer. ClickHouse enforces read-only (readonly=2: no
** INSERT, ALTER, DROP, CREATE; settings may change per query) and the time
** limit (max_execution_time); unqualified tables are the store's database.
** The result comes as TabSeparatedWithNamesAndTypes: integers and floats
** become numbers, \N NULL, the rest text, and pass through a scratch SQLite
** table (store_scratch.c) so the escaping, the text widths and the CSV
** guards are those of every other result.
**
** Must never: send the statement without readonly, put the caller's text
** anywhere but the request body, or print a row beyond --limit.
*/
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/clickhouse_internal.h"
#include "store/store_internal.h"

enum { COL_TEXT, COL_INT, COL_UINT, COL_FLOAT };

typedef struct sql_reader {
  store_scratch x;
  fl_buf line;
  fl_buf names;      /* the header line, split in place */
  ch_field *fields;  /* n per row */
  int *types;        /* COL_* per column */
  size_t n;
  int stage;         /* 0: names, 1: types, 2: rows */
  int malformed;
  uint64_t lines;    /* lines taken from ClickHouse's answer */
} sql_reader;

/* Int8..Int256 and UInt*, Float32/64, inside Nullable(...) and
** LowCardinality(...); everything else is text. */
static int column_type(const ch_field *f) {
  const char *p = f->p ? f->p : "";
  size_t n = f->n;
  for (;;) {
    if (n > 9 && memcmp(p, "Nullable(", 9) == 0) p += 9, n -= 9;
    else if (n > 15 && memcmp(p, "LowCardinality(", 15) == 0) p += 15, n -= 15;
    else break;
  }
  if (n >= 4 && memcmp(p, "UInt", 4) == 0) return COL_UINT;
  if (n >= 3 && memcmp(p, "Int", 3) == 0) return COL_INT;
  if (n >= 5 && memcmp(p, "Float", 5) == 0) return COL_FLOAT;
  return COL_TEXT;
}

/* An SQLite identifier in double quotes ("" for a quote inside). */
static void put_ident(fl_buf *b, const char *s, size_t n) {
  fl_buf_putc(b, '"');
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"') fl_buf_putc(b, '"');
    fl_buf_putc(b, s[i] ? s[i] : '?');
  }
  fl_buf_putc(b, '"');
}

/* The scratch table r(c0..cN-1), its insert, and the select that names the
** columns as ClickHouse did. */
static fl_status make_table(sql_reader *r) {
  fl_buf create = {0}, ins = {0}, sel = {0};
  fl_buf_puts(&create, "CREATE TABLE r (");
  fl_buf_puts(&ins, "INSERT INTO r VALUES (");
  fl_buf_puts(&sel, "SELECT ");
  for (size_t i = 0; i < r->n; i++) {
    fl_buf_printf(&create, "%sc%zu", i ? ", " : "", i);
    fl_buf_puts(&ins, i ? ", ?" : "?");
    fl_buf_printf(&sel, "%sc%zu AS ", i ? ", " : "", i);
    put_ident(&sel, r->fields[i].p ? r->fields[i].p : "", r->fields[i].n);
  }
  fl_buf_puts(&create, ")");
  fl_buf_putc(&create, '\0');
  fl_buf_puts(&ins, ")");
  fl_buf_putc(&ins, '\0');
  fl_buf_puts(&sel, " FROM r ORDER BY rowid");
  fl_buf_putc(&sel, '\0');
  fl_status st = FL_OK;
  sqlite3 *db = r->x.db->db;
  if (create.failed || ins.failed || sel.failed)
    st = r->x.st = fl_error_at(r->x.err, FL_ENOMEM, "", 0, "out of memory");
  else if (sqlite3_exec(db, create.p, NULL, NULL, NULL) != SQLITE_OK ||
           sqlite3_prepare_v2(db, sel.p, -1, &r->x.select, NULL) != SQLITE_OK)
    st = r->x.st = store_db_error(r->x.db, r->x.err, FL_EIO, "preparing the scratch table");
  else
    st = store_scratch_prepare(&r->x, ins.p, "DELETE FROM r");
  fl_buf_free(&create);
  fl_buf_free(&ins);
  fl_buf_free(&sel);
  return st;
}

static void bind_cell(sqlite3_stmt *st, int i, const ch_field *f, int type) {
  if (!f->p) {
    sqlite3_bind_null(st, i);
    return;
  }
  char num[64];
  if (type != COL_TEXT && f->n && f->n < sizeof num) {
    memcpy(num, f->p, f->n);
    num[f->n] = '\0';
    char *end = NULL;
    errno = 0;
    if (type == COL_INT) {
      long long v = strtoll(num, &end, 10);
      if (!errno && *end == '\0') return (void)sqlite3_bind_int64(st, i, v);
    } else if (type == COL_UINT) {
      unsigned long long v = strtoull(num, &end, 10);
      if (!errno && *end == '\0' && num[0] != '-' && v <= INT64_MAX)
        return (void)sqlite3_bind_int64(st, i, (sqlite3_int64)v);
    } else {
      double v = strtod(num, &end);
      if (!errno && *end == '\0' && v == v && v - v == 0) /* finite */
        return (void)sqlite3_bind_double(st, i, v);
    }
  } /* a number too large for SQLite, nan, inf: its text, exact */
  sqlite3_bind_text(st, i, f->p, (int)f->n, SQLITE_STATIC);
}

/* One line of the result: names, types, then rows. Non-zero stops. */
static int on_line(char *line, size_t len, void *user) {
  sql_reader *r = user;
  r->lines++;
  if (r->stage == 0) { /* the names: kept, split, counted */
    fl_buf_put(&r->names, line, len);
    fl_buf_putc(&r->names, '\0');
    if (r->names.failed) return r->x.st = fl_error_at(r->x.err, FL_ENOMEM, "", 0, "out of memory"), 1;
    size_t n = 1;
    for (size_t i = 0; i < len; i++) n += line[i] == '\t';
    r->fields = calloc(n, sizeof *r->fields);
    r->types = calloc(n, sizeof *r->types);
    if (!r->fields || !r->types) return r->x.st = fl_error_at(r->x.err, FL_ENOMEM, "", 0, "out of memory"), 1;
    r->n = n;
    r->stage = 1;
    return 0;
  }
  if (ch_tsv_split(line, len, r->fields, r->n) != (long)r->n) return r->malformed = 1;
  if (r->stage == 1) {
    for (size_t i = 0; i < r->n; i++) r->types[i] = column_type(&r->fields[i]);
    if (ch_tsv_split(r->names.p, r->names.len - 1, r->fields, r->n) != (long)r->n)
      return r->malformed = 1;
    r->stage = 2;
    return make_table(r) != FL_OK;
  }
  for (size_t i = 0; i < r->n; i++) bind_cell(r->x.insert, (int)i + 1, &r->fields[i], r->types[i]);
  return store_scratch_add(&r->x);
}

static int on_bytes(const char *p, size_t n, void *user) {
  sql_reader *r = user;
  return ch_lines_feed(&r->line, p, n, on_line, r);
}

/* The statement as sent: the caller's text without a trailing ';', then
** the result format on its own line. */
static int statement(fl_buf *q, const char *sql) {
  size_t n = strlen(sql);
  while (n && (sql[n - 1] == ';' || sql[n - 1] == ' ' || sql[n - 1] == '\n' ||
               sql[n - 1] == '\t' || sql[n - 1] == '\r'))
    n--;
  fl_buf_put(q, sql, n);
  fl_buf_puts(q, "\nFORMAT TabSeparatedWithNamesAndTypes");
  fl_buf_putc(q, '\0');
  return n ? 0 : -1;
}

/* After the last byte: what the reader saw wrong, then the last chunk. */
static fl_status reader_end(sql_reader *r, fl_status st, const char *where,
                            uint64_t *rows, fl_error *err) {
  if (st == FL_OK && r->malformed)
    st = fl_error_at(err, FL_EIO, where, 0, "ClickHouse sent a malformed row");
  else if (st == FL_OK && r->x.st == FL_OK && r->line.len && !store_emitter_full(&r->x.out))
    st = fl_error_at(err, FL_EIO, where, 0, "ClickHouse result ended inside a row");
  else if (st == FL_OK && r->x.st == FL_OK && r->stage < 2)
    st = fl_error_at(err, FL_EIO, where, 0, "ClickHouse sent no column header");
  if (r->x.db) st = store_scratch_finish(&r->x, st, rows);
  store_scratch_close(&r->x);
  fl_buf_free(&r->line);
  fl_buf_free(&r->names);
  free(r->fields);
  free(r->types);
  return st;
}

fl_status ch_sql_result_print(const char *data, size_t n, fl_store_format fmt,
                              uint64_t limit, FILE *out, uint64_t *rows, fl_error *err) {
  if (rows) *rows = 0;
  sql_reader r;
  memset(&r, 0, sizeof r);
  fl_status st = store_scratch_open(&r.x, fmt, limit, out, err);
  if (st == FL_OK) on_bytes(data, n, &r);
  return reader_end(&r, st, "(result)", rows, err);
}

fl_status ch_sql_print(ch_http *h, const ch_url *u, size_t *host, const char *sql,
                       fl_store_format fmt, uint64_t limit, uint64_t timeout_ms,
                       FILE *out, uint64_t *rows, fl_error *err) {
  if (rows) *rows = 0;
  fl_buf q = {0};
  if (statement(&q, sql)) {
    fl_buf_free(&q);
    return fl_error_at(err, FL_EUSAGE, "sql", 0, "no statement given");
  }
  char settings[160];
  snprintf(settings, sizeof settings, "readonly=2&database=%s", u->db);
  if (timeout_ms) /* whole seconds; ClickHouse checks between blocks */
    snprintf(settings + strlen(settings), sizeof settings - strlen(settings),
             "&max_execution_time=%" PRIu64, (timeout_ms + 999) / 1000);
  sql_reader r;
  memset(&r, 0, sizeof r);
  fl_status st = q.failed ? fl_error_at(err, FL_ENOMEM, "", 0, "out of memory")
                          : store_scratch_open(&r.x, fmt, limit, out, err);
  if (st == FL_OK) st = ch_http_select(h, host, settings, q.p, on_bytes, &r, &r.line, &r.lines, err);
  if (st != FL_OK && timeout_ms && err && strstr(err->message, "Code: 159"))
    st = fl_error_at(err, FL_ELIMIT, "sql", 0, "stopped after %" PRIu64 " ms (--timeout): %s",
                     timeout_ms, "ClickHouse's max_execution_time");
  fl_buf_free(&q);
  return reader_end(&r, st, u->hosts[*host], rows, err);
}
