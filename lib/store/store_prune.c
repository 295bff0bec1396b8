/*
** Retention for the SQLite store (`faultline prune --older-than 30d`):
** deletes the events before a time, and the peer buckets (store_peers.c)
** that only such events could have used, in one transaction. Sources stay:
** they say what was read, not what is kept.
**
** Must never: delete an event at or after the cut, build SQL from values
** (the cut is bound), or run on a read-only store.
*/
#include "store/store_internal.h"

#include "common/fl_error.h"

static fl_status run_bound(fl_store *s, const char *sql, int64_t v,
                           uint64_t *changed, fl_error *err) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
    return store_db_error(s, err, FL_EIO, "pruning");
  sqlite3_bind_int64(st, 1, v);
  fl_status status = FL_OK;
  if (sqlite3_step(st) != SQLITE_DONE)
    status = store_db_error(s, err, FL_EIO, "pruning");
  else if (changed)
    *changed = (uint64_t)sqlite3_changes(s->db);
  sqlite3_finalize(st);
  return status;
}

fl_status fl_store_prune(fl_store *s, uint64_t before, uint64_t *removed,
                         fl_error *err) {
  if (removed) *removed = 0;
  if (s->readonly)
    return fl_error_at(err, FL_EUSAGE, s->path, 0, "the store is read-only");
  fl_status st = store_exec(s, "BEGIN IMMEDIATE", err);
  if (st != FL_OK) return st;
  st = run_bound(s, "DELETE FROM events WHERE time < ?1", store_clamp_i64(before),
                 removed, err);
  /* a bucket wholly before the cut holds no event any more */
  if (st == FL_OK)
    st = run_bound(s, "DELETE FROM peer_buckets WHERE bucket < ?1",
                   store_peer_bucket(before), NULL, err);
  if (st == FL_OK) return store_exec(s, "COMMIT", err);
  sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
  return st;
}
