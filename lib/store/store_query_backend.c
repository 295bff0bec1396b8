/*
** `query` over any store backend: SQLite answers it itself (store_query.c);
** another backend (ClickHouse) hands over its matching events, time-ordered,
** as typed events, and they pass through a scratch SQLite table in chunks
** (store_scratch.c),
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

typedef struct query_scratch {
  store_scratch x;
  sqlite3_stmt *find_source, *add_source;
  char *last_path; /* the source of the previous event, and its id */
  sqlite3_int64 last_source;
} query_scratch;

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

static fl_status fail(query_scratch *q, const char *what) {
  return q->x.st = store_db_error(q->x.db, q->x.err, FL_EIO, what);
}

/* The scratch id of a source path: one row per path, made when first seen. */
static fl_status source_id(query_scratch *q, const char *path, sqlite3_int64 *id) {
  if (q->last_path && strcmp(q->last_path, path) == 0) {
    *id = q->last_source;
    return FL_OK;
  }
  sqlite3_reset(q->find_source);
  sqlite3_bind_text(q->find_source, 1, path, -1, SQLITE_STATIC);
  if (sqlite3_step(q->find_source) == SQLITE_ROW) {
    *id = sqlite3_column_int64(q->find_source, 0);
  } else {
    sqlite3_reset(q->add_source);
    sqlite3_bind_text(q->add_source, 1, path, -1, SQLITE_STATIC);
    if (sqlite3_step(q->add_source) != SQLITE_DONE) return fail(q, "adding a scratch source");
    *id = sqlite3_last_insert_rowid(q->x.db->db);
  }
  sqlite3_reset(q->find_source);
  free(q->last_path);
  q->last_path = strdup(path);
  q->last_source = *id;
  if (!q->last_path) return q->x.st = fl_error_at(q->x.err, FL_ENOMEM, "", 0, "out of memory");
  return FL_OK;
}

static int on_typed(const fl_typed_event *t, const char *file, void *user) {
  query_scratch *q = user;
  sqlite3_int64 src = 0;
  if (source_id(q, file ? file : "", &src) != FL_OK) return 1;
  sqlite3_stmt *st = q->x.insert;
  sqlite3_bind_int64(st, 1, src);
  sqlite3_bind_int64(st, 2, (store_clamp_i64(t->time) - INT64_C(116444736000000000)) / 10000);
  const char *kind = fl_event_kind_name(t->kind), *source = fl_event_source_name(t->source);
  sqlite3_bind_text(st, 3, kind ? kind : "", -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, source ? source : "", -1, SQLITE_STATIC);
  for (size_t i = 0; i < store_typed_column_count; i++)
    bind_typed(st, 5 + (int)i, &store_typed_columns[i], t);
  return store_scratch_add(&q->x);
}

/* The store's schema in the scratch database, without the indexes on
** events: the unique keys (the backend already holds each event once, and
** keyless records of two sources may share host, channel and number) and
** the time index (a chunk is a few hundred rows; upkeep would cost more
** than the sort). Then the query's statement. */
static fl_status query_open(query_scratch *q, const fl_store_filter *f,
                            fl_store_format fmt, FILE *out, fl_error *err) {
  fl_status st = store_scratch_open(&q->x, fmt, f->limit, out, err);
  if (st != FL_OK) return st;
  char ins[2048];
  if (insert_sql(ins, sizeof ins)) return fl_error_at(err, FL_ELIMIT, "", 0, "scratch insert too long");
  sqlite3 *db = q->x.db->db;
  if (sqlite3_exec(db, "DROP INDEX IF EXISTS events_key; DROP INDEX IF EXISTS events_content;"
                   " DROP INDEX IF EXISTS events_time",
                   NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "SELECT id FROM sources WHERE path = ?", -1,
                         &q->find_source, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "INSERT INTO sources (path, size, status, started_at)"
                         " VALUES (?, 0, 'complete', '')", -1, &q->add_source, NULL) != SQLITE_OK)
    return fail(q, "preparing the scratch table");
  st = store_scratch_prepare(&q->x, ins, "DELETE FROM events");
  /* the backend applied the filter; the statement applies it again, so a
  ** backend that applies only part of it still gives the exact rows */
  if (st == FL_OK) st = store_query_prepare(q->x.db, f, fmt, 0, &q->x.select, err);
  return st;
}

fl_status fl_store_backend_query(fl_store_backend *b, const fl_store_filter *f,
                                 fl_store_format fmt, FILE *out, uint64_t *rows,
                                 fl_error *err) {
  fl_store *own = fl_store_backend_sqlite(b);
  if (own) return fl_store_query(own, f, fmt, out, rows, err);
  if (rows) *rows = 0;
  query_scratch q;
  memset(&q, 0, sizeof q);
  fl_status st = query_open(&q, f, fmt, out, err);
  if (st == FL_OK) st = fl_store_backend_each_typed(b, f, on_typed, &q, NULL, err);
  if (q.x.db) st = store_scratch_finish(&q.x, st, rows);
  sqlite3_finalize(q.find_source);
  sqlite3_finalize(q.add_source);
  free(q.last_path);
  store_scratch_close(&q.x);
  return st;
}
