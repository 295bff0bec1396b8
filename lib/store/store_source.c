/*
** A source's life in the store, as the ingest pipeline (lib/pipeline) drives
** it: its row is begun (fl_store_source_begin, store_insert.c) and
** described (format, reader flags), rows are queued, commits make them
** durable (every batch_rows, and fl_store_commit when a caller must
** acknowledge), and finish marks it complete with its counts and SHA-256 —
** or abandon drops what is not committed and leaves it 'ingesting' for a
** rerun to resume. A complete source of the same bytes can stand for a new
** input without a read (store_reuse.c).
**
** Must never: leave a source marked complete when a batch failed, or touch
** SQLite while the writer thread runs (store_pipe_stop first).
*/
#include <string.h>

#include "store/store_internal.h"


fl_status fl_store_source_finish(fl_store *s, const char *sha256_hex,
                                 const fl_store_ingest_stats *counts,
                                 fl_error *err) {
  static const fl_store_ingest_stats none;
  if (!counts) counts = &none;
  fl_status drained = store_pipe_stop(s, err);
  if (drained != FL_OK) return drained;
  if (!s->in_tx) {
    fl_status b = store_exec(s, "BEGIN IMMEDIATE", err);
    if (b != FL_OK) return b;
    s->in_tx = 1;
  }
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db,
                         "UPDATE sources SET status = 'complete', sha256 = ?2,"
                         " records_read = ?3, records_skipped = ?4,"
                         " warnings = ?5, errors = ?6, records_in_scope ="
                         " records_in_scope + ?7, inserted = inserted + ?8,"
                         " duplicates = max(duplicates + ?9, 0), reader_flags = ?10,"
                         " ingested_at ="
                         " strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?1",
                         -1, &st, NULL) != SQLITE_OK)
    return store_db_error(s, err, FL_EIO, "completing the source");
  const fl_store_ingest_stats *c = &s->counts, *o = &s->saved;
  sqlite3_bind_int64(st, 1, s->source_id);
  if (sha256_hex) sqlite3_bind_text(st, 2, sha256_hex, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, (sqlite3_int64)counts->records);
  sqlite3_bind_int64(st, 4, (sqlite3_int64)counts->records_skipped);
  sqlite3_bind_int64(st, 5, (sqlite3_int64)counts->warnings);
  sqlite3_bind_int64(st, 6, (sqlite3_int64)counts->errors);
  sqlite3_bind_int64(st, 7, (sqlite3_int64)(c->in_scope - o->in_scope));
  sqlite3_bind_int64(st, 8, (sqlite3_int64)(c->inserted - o->inserted));
  sqlite3_bind_int64(st, 9, (sqlite3_int64)(c->duplicates - o->duplicates));
  if (s->reader_flags_known) sqlite3_bind_int64(st, 10, s->reader_flags);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return store_db_error(s, err, FL_EIO, "completing the source");
  fl_status r = store_exec(s, "COMMIT", err);
  if (r != FL_OK) return r;
  s->saved = s->counts;
  s->in_tx = 0;
  s->in_batch = 0;
  return FL_OK;
}


fl_status fl_store_source_describe(fl_store *s, fl_input_format format,
                                   int reader_flags_known, unsigned reader_flags,
                                   fl_error *err) {
  s->reader_flags_known = reader_flags_known;
  s->reader_flags = reader_flags & (FL_EVTX_STRICT | FL_EVTX_RECOVER);
  fl_status st = store_pipe_stop(s, err); /* the connection must be ours */
  if (st != FL_OK) return st;
  sqlite3_stmt *q = NULL;
  if (sqlite3_prepare_v2(s->db, "UPDATE sources SET format = ?2 WHERE id = ?1",
                         -1, &q, NULL) != SQLITE_OK)
    return store_db_error(s, err, FL_EIO, "describing the source");
  sqlite3_bind_int64(q, 1, s->source_id);
  if (format != FL_INPUT_UNKNOWN)
    sqlite3_bind_text(q, 2, fl_input_format_name(format), -1, SQLITE_STATIC);
  int rc = sqlite3_step(q);
  sqlite3_finalize(q);
  return rc == SQLITE_DONE ? FL_OK
                           : store_db_error(s, err, FL_EIO, "describing the source");
}

fl_status fl_store_commit(fl_store *s, fl_error *err) {
  fl_status st = store_pipe_stop(s, err); /* every queued row written */
  if (st != FL_OK || !s->in_tx) return st;
  st = store_commit_batch(s, err);
  return st;
}

void fl_store_source_abandon(fl_store *s) {
  fl_error ignored;
  store_pipe_stop(s, &ignored);
  if (s->in_tx) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
  s->in_tx = 0;
  s->in_batch = 0;
  s->counts = s->saved; /* what was committed is what the row says */
}

void fl_store_source_counts(const fl_store *s, fl_store_ingest_stats *out) {
  *out = s->counts;
}

int fl_store_source_known(fl_store *s, uint64_t size, unsigned reader_flags) {
  return store_reuse_candidate(s, size, reader_flags & (FL_EVTX_STRICT | FL_EVTX_RECOVER));
}

fl_status fl_store_source_reuse(fl_store *s, const char *path, uint64_t size,
                                const char *sha256_hex, unsigned reader_flags,
                                fl_store_ingest_stats *stats, int *reused,
                                fl_error *err) {
  fl_store_ingest_stats local;
  if (!stats) stats = &local;
  return store_reuse_source(s, path, size, sha256_hex,
                            reader_flags & (FL_EVTX_STRICT | FL_EVTX_RECOVER),
                            stats, reused, err);
}
