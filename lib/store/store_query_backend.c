/*
** `query` over any store backend: SQLite answers it itself (store_query.c);
** another backend (ClickHouse) hands over its matching events, time-ordered,
** as typed events, and they pass through a scratch SQLite table in chunks,
** where the very statement `query` runs on SQLite selects and names the
** columns, and one emitter prints every chunk's rows as one result. So the
** columns, their functions (fl_time, fl_code, fl_cause, ...), the escaping
** and the text widths are the SQLite query's, written once.
**
** What differs from a SQLite store, because the backend does not keep it:
** e.id is the row's number in the scratch table, e.source_id a scratch
** number per source path, e.version and e.file_offset are NULL, and a record
** without an EventRecordID is cited by its number in its source (as `report`
** cites it) instead of its byte offset.
**
** Must never: hold more than one chunk of events in memory (the scratch
** table lives in SQLite's temporary file), print a row twice or out of
** time order, or write to the backend.
*/
#include <stdlib.h>
#include <string.h>

#include "faultline/store_backend.h"
#include "store/store_internal.h"

#define QUERY_CHUNK 512 /* events per scratch round (a round costs a DELETE) */

typedef struct scratch {
  fl_store *db;
  sqlite3_stmt *insert, *query, *find_source, *add_source, *clear;
  store_emitter out;
  char *last_path; /* the source of the previous event, and its id */
  sqlite3_int64 last_source;
  size_t in_chunk;
  fl_status st;
  fl_error *err;
} scratch;

/* "INSERT INTO events (source_id, time_ms, kind, source, data, <typed
** columns>) VALUES (?, ...)" */
static int insert_sql(char *buf, size_t cap) {
  size_t n = (size_t)snprintf(buf, cap, "INSERT INTO events (source_id, time_ms,"
                              " kind, source, data");
  for (size_t i = 0; i < store_typed_column_count && n < cap; i++)
    n += (size_t)snprintf(buf + n, cap - n, ", %s", store_typed_columns[i].name);
  if (n < cap) n += (size_t)snprintf(buf + n, cap - n, ") VALUES (?, ?, ?, ?, ''");
  for (size_t i = 0; i < store_typed_column_count && n < cap; i++)
    n += (size_t)snprintf(buf + n, cap - n, ", ?");
  if (n < cap) n += (size_t)snprintf(buf + n, cap - n, ")");
  return n < cap ? 0 : -1;
}

/* A typed column as the SQLite store binds it: a count (time, record id)
** clamped to SQLite's integer range, an optional 64-bit id by its bits. */
static void bind_typed(sqlite3_stmt *st, int i, const store_typed_column *c,
                       const fl_typed_event *t) {
  uint64_t u = 0;
  int64_t v = 0;
  fl_evtx_str s = {NULL, 0};
  switch (store_typed_get(t, c, &u, &v, &s)) {
    case STORE_TV_UNSIGNED:
      sqlite3_bind_int64(st, i, c->kind == STORE_TC_U64 ? store_clamp_i64(u) : (int64_t)u);
      break;
    case STORE_TV_SIGNED: sqlite3_bind_int64(st, i, v); break;
    case STORE_TV_TEXT: sqlite3_bind_text(st, i, s.ptr, (int)s.len, SQLITE_STATIC); break;
    default: sqlite3_bind_null(st, i); break;
  }
}

static fl_status fail(scratch *x, fl_status code, const char *what) {
  x->st = store_db_error(x->db, x->err, code, what);
  return x->st;
}

/* The scratch id of a source path: one row per path, made when first seen. */
static fl_status source_id(scratch *x, const char *path, sqlite3_int64 *id) {
  if (x->last_path && strcmp(x->last_path, path) == 0) {
    *id = x->last_source;
    return FL_OK;
  }
  sqlite3_reset(x->find_source);
  sqlite3_bind_text(x->find_source, 1, path, -1, SQLITE_STATIC);
  int rc = sqlite3_step(x->find_source);
  if (rc == SQLITE_ROW) {
    *id = sqlite3_column_int64(x->find_source, 0);
  } else {
    sqlite3_reset(x->add_source);
    sqlite3_bind_text(x->add_source, 1, path, -1, SQLITE_STATIC);
    if (sqlite3_step(x->add_source) != SQLITE_DONE)
      return fail(x, FL_EIO, "adding a scratch source");
    *id = sqlite3_last_insert_rowid(x->db->db);
  }
  sqlite3_reset(x->find_source);
  free(x->last_path);
  x->last_path = strdup(path);
  x->last_source = *id;
  if (!x->last_path) return x->st = fl_error_at(x->err, FL_ENOMEM, "", 0, "out of memory");
  return FL_OK;
}

/* The query over the chunk in the scratch table, printed; then emptied. */
static fl_status run_chunk(scratch *x) {
  sqlite3_reset(x->query);
  fl_status st = store_emitter_rows(&x->out, x->db, x->query, x->err);
  sqlite3_reset(x->query);
  if (st != FL_OK) return x->st = st;
  if (sqlite3_step(x->clear) != SQLITE_DONE) return fail(x, FL_EIO, "clearing the scratch table");
  sqlite3_reset(x->clear);
  x->in_chunk = 0;
  return FL_OK;
}

static int on_typed(const fl_typed_event *t, const char *file, void *user) {
  scratch *x = user;
  sqlite3_int64 src = 0;
  if (source_id(x, file ? file : "", &src) != FL_OK) return 1;
  sqlite3_stmt *st = x->insert;
  sqlite3_reset(st);
  sqlite3_bind_int64(st, 1, src);
  sqlite3_bind_int64(st, 2, (store_clamp_i64(t->time) - INT64_C(116444736000000000)) / 10000);
  const char *kind = fl_event_kind_name(t->kind), *source = fl_event_source_name(t->source);
  sqlite3_bind_text(st, 3, kind ? kind : "", -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, source ? source : "", -1, SQLITE_STATIC);
  for (size_t i = 0; i < store_typed_column_count; i++) bind_typed(st, 5 + (int)i, &store_typed_columns[i], t);
  if (sqlite3_step(st) != SQLITE_DONE) return fail(x, FL_EIO, "filling the scratch table"), 1;
  sqlite3_reset(st);
  if (++x->in_chunk >= QUERY_CHUNK && run_chunk(x) != FL_OK) return 1;
  return store_emitter_full(&x->out); /* enough rows: stop reading */
}

/* The scratch database: the store's schema in SQLite's temporary file,
** without the unique keys (the backend already holds each event once, and
** keyless records of two sources may share host, channel and number). */
static fl_status scratch_open(scratch *x, const fl_store_filter *f,
                              fl_store_format fmt) {
  fl_status st = fl_store_open(NULL, FL_STORE_TEMPORARY, &x->db, x->err);
  if (st != FL_OK) return st;
  char ins[2048];
  if (insert_sql(ins, sizeof ins)) return fl_error_at(x->err, FL_ELIMIT, "", 0, "scratch insert too long");
  sqlite3 *db = x->db->db;
  if (sqlite3_exec(db, "DROP INDEX IF EXISTS events_key; DROP INDEX IF EXISTS events_content;"
                   " BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, ins, -1, &x->insert, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "SELECT id FROM sources WHERE path = ?", -1,
                         &x->find_source, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "INSERT INTO sources (path, size, status, started_at)"
                         " VALUES (?, 0, 'complete', '')", -1, &x->add_source, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "DELETE FROM events", -1, &x->clear, NULL) != SQLITE_OK)
    return fail(x, FL_EIO, "preparing the scratch table");
  /* the backend applied the filter; the statement applies it again, so a
  ** backend that applies only part of it still gives the exact rows */
  return store_query_prepare(x->db, f, fmt, 0, &x->query, x->err);
}

static void scratch_close(scratch *x) {
  sqlite3_finalize(x->insert);
  sqlite3_finalize(x->query);
  sqlite3_finalize(x->find_source);
  sqlite3_finalize(x->add_source);
  sqlite3_finalize(x->clear);
  free(x->last_path);
  fl_store_close(x->db);
}

fl_status fl_store_backend_query(fl_store_backend *b, const fl_store_filter *f,
                                 fl_store_format fmt, FILE *out, uint64_t *rows,
                                 fl_error *err) {
  fl_store *own = fl_store_backend_sqlite(b);
  if (own) return fl_store_query(own, f, fmt, out, rows, err);
  if (rows) *rows = 0;
  scratch x;
  memset(&x, 0, sizeof x);
  x.err = err;
  store_emitter_init(&x.out, fmt, f->limit, out);
  fl_status st = scratch_open(&x, f, fmt);
  if (st == FL_OK) {
    st = fl_store_backend_each_typed(b, f, on_typed, &x, NULL, err);
    if (x.st != FL_OK) st = x.st; /* the scratch side stopped the read */
  }
  /* the last chunk; also the only one when nothing matched: the header */
  if (st == FL_OK && !store_emitter_full(&x.out)) st = run_chunk(&x);
  fl_status end = store_emitter_end(&x.out, err);
  if (rows) *rows = x.out.rows;
  scratch_close(&x);
  return st != FL_OK ? st : end;
}
