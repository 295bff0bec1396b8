/*
** Re-ingest without re-reading: an input whose size, SHA-256 and reader
** flags (--strict, --recover) equal those of a source already ingested
** complete holds exactly the events already stored, so a new source row is
** written with that source's counts (all of its in-scope events counted as
** already stored) and the input is not parsed again.
**
** An input whose path, size, reader flags and file identity (device,
** inode, mtime and ctime to the nanosecond: sources.file_stat, recorded
** only when the times were not within a second of the read) equal a
** complete source's is that source's bytes without hashing them again
** (store_source_stat_sha256); anything else is hashed.
**
** Must never: match on anything weaker than the whole file's SHA-256 and
** size (or the full file identity at the same path), match a source that is not complete or whose reader flags differ
** (or are unknown: rows from before migration 2, or from the low-level
** fl_store_source_* API), or insert events.
*/
#include <string.h>

#include "store/store_internal.h"

int store_reuse_candidate(fl_store *s, uint64_t size, unsigned flags) {
  sqlite3_stmt *st = NULL;
  int found = 0;
  if (sqlite3_prepare_v2(s->db,
                         "SELECT 1 FROM sources WHERE size = ?1 AND status ="
                         " 'complete' AND reader_flags = ?2 AND sha256 IS NOT"
                         " NULL LIMIT 1", -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
    sqlite3_bind_int64(st, 2, flags);
    found = sqlite3_step(st) == SQLITE_ROW;
  }
  sqlite3_finalize(st);
  return found;
}

static const char copy_sql[] =
    "INSERT INTO sources (path, size, sha256, status, records_read,"
    " records_skipped, records_in_scope, inserted, duplicates, warnings,"
    " errors, started_at, ingested_at, reader_flags, format)"
    " SELECT ?1, size, sha256, 'complete', records_read, records_skipped,"
    " records_in_scope, 0, records_in_scope, warnings, errors,"
    " strftime('%Y-%m-%dT%H:%M:%SZ','now'), strftime('%Y-%m-%dT%H:%M:%SZ',"
    "'now'), reader_flags, format FROM sources WHERE size = ?2 AND sha256 = ?3 AND"
    " status = 'complete' AND reader_flags = ?4 ORDER BY id DESC LIMIT 1"
    " RETURNING records_read, records_skipped, records_in_scope, warnings,"
    " errors, id";

fl_status store_reuse_source(fl_store *s, const char *label, uint64_t size,
                             const char *sha_hex, unsigned flags,
                             fl_store_ingest_stats *stats, int *reused,
                             fl_error *err) {
  *reused = 0;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db, copy_sql, -1, &st, NULL) != SQLITE_OK)
    return store_db_error(s, err, FL_EIO, "looking up the source");
  sqlite3_bind_text(st, 1, label, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)size);
  sqlite3_bind_text(st, 3, sha_hex, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, flags);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    memset(stats, 0, sizeof *stats);
    stats->records = (uint64_t)sqlite3_column_int64(st, 0);
    stats->records_skipped = (uint64_t)sqlite3_column_int64(st, 1);
    stats->in_scope = (uint64_t)sqlite3_column_int64(st, 2);
    stats->duplicates = stats->in_scope;
    stats->warnings = (uint64_t)sqlite3_column_int64(st, 3);
    stats->errors = (uint64_t)sqlite3_column_int64(st, 4);
    s->source_id = sqlite3_column_int64(st, 5); /* fl_store_source_note_file */
    stats->bytes = size;
    memcpy(stats->sha256, sha_hex, 65);
    *reused = 1;
    rc = sqlite3_step(st);
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    *reused = 0;
    return store_db_error(s, err, FL_EIO, "adding the source");
  }
  if (*reused && (stats->records_skipped || stats->errors))
    return fl_error_at(err, FL_EPARTIAL, label, 0,
                       "%llu records skipped, %llu errors (as when it was "
                       "ingested)", (unsigned long long)stats->records_skipped,
                       (unsigned long long)stats->errors);
  return FL_OK;
}

int fl_store_source_stat_sha256(fl_store *s, const char *path, uint64_t size,
                                unsigned reader_flags, const char *file_stat,
                                char sha256_hex[65]) {
  sqlite3_stmt *st = NULL;
  int found = 0;
  sha256_hex[0] = 0;
  if (!file_stat || !file_stat[0] || fl_store_schema_version(s) < 7) return 0;
  if (sqlite3_prepare_v2(s->db,
                         "SELECT sha256 FROM sources WHERE path = ?1 AND size = ?2"
                         " AND status = 'complete' AND reader_flags = ?3 AND"
                         " file_stat = ?4 AND length(sha256) = 64"
                         " ORDER BY id DESC LIMIT 1", -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)size);
    sqlite3_bind_int64(st, 3, reader_flags & (FL_EVTX_STRICT | FL_EVTX_RECOVER));
    sqlite3_bind_text(st, 4, file_stat, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
      const unsigned char *h = sqlite3_column_text(st, 0);
      if (h) {
        memcpy(sha256_hex, h, 64);
        sha256_hex[64] = 0;
        found = 1;
      }
    }
  }
  sqlite3_finalize(st);
  return found;
}

fl_status fl_store_source_note_file(fl_store *s, const char *file_stat,
                                    fl_error *err) {
  if (!file_stat || !file_stat[0] || !s->source_id) return FL_OK;
  fl_status r = store_pipe_stop(s, err); /* the connection must be ours */
  if (r != FL_OK) return r;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db, "UPDATE sources SET file_stat = ?2 WHERE id = ?1",
                         -1, &st, NULL) != SQLITE_OK)
    return store_db_error(s, err, FL_EIO, "describing the source");
  sqlite3_bind_int64(st, 1, s->source_id);
  sqlite3_bind_text(st, 2, file_stat, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? FL_OK
                           : store_db_error(s, err, FL_EIO, "describing the source");
}
