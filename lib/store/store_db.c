/*
** Opening and closing the store: connection settings (16 KiB pages for a
** new file, WAL, synchronous = NORMAL, defensive mode), schema migration,
** secondary indexes a dead bulk load left out, the SQL functions the views
** and query use (fl_time, fl_enum, fl_code), and SQLite errors turned into
** fl_error.
**
** Must never: open read-write when asked for read-only, adopt a database
** that faultline did not create, or build SQL from data (only constants and
** bound parameters).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/fl_time.h"
#include "store/store_internal.h"

fl_status store_db_error(fl_store *s, fl_error *err, fl_status status,
                         const char *what) {
  const char *msg = s && s->db ? sqlite3_errmsg(s->db) : "cannot open";
  return fl_error_at(err, status, s ? s->path : "", 0, "%s: %s", what, msg);
}

fl_status store_exec(fl_store *s, const char *sql, fl_error *err) {
  char *msg = NULL;
  if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK) return FL_OK;
  int code = sqlite3_extended_errcode(s->db);
  fl_status st = (code & 0xff) == SQLITE_NOTADB ? FL_EINPUT : FL_EIO;
  fl_error_at(err, st, s->path, 0, "%s", msg ? msg : sqlite3_errstr(code));
  sqlite3_free(msg);
  return st;
}

/* fl_time(filetime [, digits]) -> "2024-05-01T12:00:00.123Z": 3 fraction
** digits, or `digits` (0..7; FILETIME counts 100 ns), NULL for NULL. */
static void fn_time(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
  int digits = argc > 1 ? sqlite3_value_int(argv[1]) : 3;
  if (digits < 0 || digits > 7) digits = 3;
  char buf[FL_TIME_ISO_MAX];
  size_t n = fl_time_iso((uint64_t)sqlite3_value_int64(argv[0]), digits, buf);
  sqlite3_result_text(ctx, buf, (int)n, SQLITE_TRANSIENT);
}

/* fl_cause(source, event_id, error_code, iscsi_failure_type) -> the first
** sentence of the catalog's known cause (knowledge.def) for the error code,
** else the iScsiPrt event or failure type, else the event id; NULL when the
** catalog knows none. A per-event hint for exports, not the diagnosis. */
static void fn_cause(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  const char *source = (const char *)sqlite3_value_text(argv[0]);
  int iscsiprt = source && strcmp(source, "iscsiprt") == 0;
  struct { fl_knowledge_kind kind; int arg; } order[] = {
      {FL_KNOW_CODE, 2}, {FL_KNOW_ISCSI_FAILURE_TYPE, 3},
      {iscsiprt ? FL_KNOW_ISCSIPRT : FL_KNOW_EVENT, 1}};
  for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
    sqlite3_value *v = argv[order[i].arg];
    const fl_knowledge *k = NULL;
    if (sqlite3_value_type(v) == SQLITE_NULL ||
        !fl_catalog_knowledge(order[i].kind, (uint32_t)sqlite3_value_int64(v), &k, 1) ||
        !k->cause)
      continue;
    const char *end = strstr(k->cause, ". ");
    sqlite3_result_text(ctx, k->cause, end ? (int)(end - k->cause + 1) : -1, SQLITE_STATIC);
    return;
  }
}

/* fl_net_event(channel, event_id) -> netsh's name of a record built from a
** netsh net event ("ikeMmFailure"; its event id is faultline's), else NULL. */
static void fn_net_event(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  const char *ch = (const char *)sqlite3_value_text(argv[0]);
  if (!ch || sqlite3_value_type(argv[1]) == SQLITE_NULL) return;
  const char *name = fl_catalog_net_event_name(ch, (size_t)sqlite3_value_bytes(argv[0]),
                                               (uint32_t)sqlite3_value_int64(argv[1]));
  if (name) sqlite3_result_text(ctx, name, -1, SQLITE_STATIC);
}

/* fl_enum(enum_name, value) -> SDK symbol, the number when unknown. */
static void fn_enum(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  const char *name = (const char *)sqlite3_value_text(argv[0]);
  if (!name || sqlite3_value_type(argv[1]) == SQLITE_NULL) return;
  const char *sym = fl_catalog_enum_symbol(name, sqlite3_value_int64(argv[1]));
  if (sym) sqlite3_result_text(ctx, sym, -1, SQLITE_STATIC);
  else sqlite3_result_value(ctx, argv[1]);
}

/* fl_code(value) -> "ERROR_IPSEC_IKE_AUTH_FAIL", or 0x.. when unknown. */
static void fn_code(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
  uint32_t v = (uint32_t)sqlite3_value_int64(argv[0]);
  const fl_code_info *c = fl_catalog_code_by_value(v);
  if (c) {
    sqlite3_result_text(ctx, c->symbol, -1, SQLITE_STATIC);
    return;
  }
  char buf[16];
  snprintf(buf, sizeof buf, "0x%08X", (unsigned)v);
  sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}

int store_register_functions(fl_store *s) {
  sqlite3 *db = s->db;
  int f = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  if (sqlite3_create_function(db, "fl_time", 1, f, NULL, fn_time, NULL, NULL) ||
      sqlite3_create_function(db, "fl_time", 2, f, NULL, fn_time, NULL, NULL) ||
      sqlite3_create_function(db, "fl_cause", 4, f, NULL, fn_cause, NULL, NULL) ||
      sqlite3_create_function(db, "fl_enum", 2, f, NULL, fn_enum, NULL, NULL) ||
      sqlite3_create_function(db, "fl_code", 1, f, NULL, fn_code, NULL, NULL) ||
      sqlite3_create_function(db, "fl_net_event", 2, f, NULL, fn_net_event, NULL, NULL) ||
      sqlite3_create_function(db, "fl_event_json", STORE_EVENT_JSON_ARGS, f, s,
                              store_fn_event_json, NULL, NULL))
    return -1;
  return 0;
}

/* page_size only takes on a new, empty file (before WAL and the first
** table): 16 KiB pages hold ~10 event rows each, a quarter of the page
** writes and B-tree splits of 4 KiB. synchronous=NORMAL in WAL: a commit is
** durable after the next checkpoint's fsync, never torn (docs/store.md).
** cache_size 16 MiB keeps ingest and diagnose under 64 MB peak RSS: rows go
** in key order per host, so a larger cache bought no speed (128 MiB: 400k
** dense events 1.80 s / 160 MB; 16 MiB: 1.34 s / 39 MB; docs/performance.md). */
static const char *const rw_pragmas =
    "PRAGMA page_size=16384;"
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    /* Debian builds SQLite with secure_delete on, which zeroes the space
    ** cells leave when a page splits; the store never deletes an event */
    "PRAGMA secure_delete=OFF;"
    "PRAGMA temp_store=MEMORY;"
    "PRAGMA cache_size=-16384;"
    "PRAGMA wal_autocheckpoint=4096;";

/* Refuses a SQLite file with tables but no schema_version. */
static fl_status check_ours(fl_store *s, fl_error *err) {
  if (fl_store_schema_version(s) > 0) return FL_OK;
  sqlite3_stmt *st = NULL;
  int n = -1;
  if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master", -1, &st,
                         NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  if (n < 0) {
    int code = sqlite3_errcode(s->db);
    return store_db_error(s, err, code == SQLITE_NOTADB ? FL_EINPUT : FL_EIO,
                          "reading the database");
  }
  if (n > 0 || s->readonly)
    return fl_error_at(err, FL_EINPUT, s->path, 0,
                       "not a faultline database (no schema_version table)");
  return FL_OK;
}

static fl_status open_db(fl_store *s, const char *path, fl_error *err) {
  int flags = s->readonly ? SQLITE_OPEN_READONLY
                          : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (s->readonly && access(path, F_OK) != 0)
    return fl_error_at(err, FL_ENOTFOUND, path, 0,
                       "no database here (run 'faultline ingest' first)");
  if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) !=
      SQLITE_OK)
    return store_db_error(s, err, FL_EIO, "opening the database");
  sqlite3_extended_result_codes(s->db, 1);
  sqlite3_busy_timeout(s->db, 10000);
  sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
  sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
  sqlite3_db_config(s->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
  if (store_register_functions(s))
    return store_db_error(s, err, FL_EIO, "registering functions");
  if (s->readonly) {
    sqlite3_limit(s->db, SQLITE_LIMIT_ATTACHED, 0);
    return store_exec(s, "PRAGMA query_only=1", err);
  }
  fl_status st = store_exec(s, rw_pragmas, err);
  /* a temporary database is this run's scratch: nothing to make durable,
  ** and a smaller page cache (SQLite spills to its temp file) */
  if (st == FL_OK && s->temporary)
    st = store_exec(s, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                       " PRAGMA cache_size=-16384;", err);
  return st;
}

fl_status fl_store_open(const char *path, unsigned flags, fl_store **out,
                        fl_error *err) {
  *out = NULL;
  if (!path) path = "";
  fl_store *s = calloc(1, sizeof *s);
  if (!s) return fl_error_at(err, FL_ENOMEM, path, 0, "out of memory");
  int temporary = (flags & FL_STORE_TEMPORARY) != 0;
  snprintf(s->path, sizeof s->path, "%s", temporary ? "(temporary database)" : path);
  s->readonly = !temporary && (flags & FL_STORE_READONLY) != 0;
  s->temporary = temporary;
  if (pthread_mutex_init(&s->lock, NULL) != 0) {
    free(s);
    return fl_error_at(err, FL_ENOMEM, path, 0, "cannot create a mutex");
  }
  store_pipe_init(&s->pipe);
  /* "": SQLite's private on-disk temporary, unlinked as it is created */
  fl_status st = open_db(s, temporary ? "" : path, err);
  if (st == FL_OK) st = check_ours(s, err);
  if (st == FL_OK && !s->readonly) st = store_migrate(s, err);
  if (st == FL_OK && !s->readonly) st = store_ensure_indexes(s, err);
  if (st == FL_OK && s->readonly &&
      fl_store_schema_version(s) > fl_store_schema_latest())
    st = fl_error_at(err, FL_EINPUT, path, 0,
                     "database schema is newer than this faultline");
  if (st != FL_OK) {
    fl_store_close(s);
    return st;
  }
  *out = s;
  return FL_OK;
}

void fl_store_close(fl_store *s) {
  if (!s) return;
  fl_error ignored_err;
  store_pipe_stop(s, &ignored_err); /* the connection is ours alone again */
  if (s->in_tx) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
  for (int i = 0; i < STMT_COUNT_; i++) sqlite3_finalize(s->stmt[i]);
  sqlite3_close(s->db);
  store_pipe_free(&s->pipe);
  store_layouts_free(s->layouts);
  store_peers_free(s->peers);
  store_intern_free(s->intern); /* after the statements: they bound its text */
  free(s->layout_ids);
  free(s->bound[0]);
  free(s->bound[1]);
  fl_buf_free(&s->scratch);
  pthread_mutex_destroy(&s->lock);
  free(s);
}
