/*
** Reading stored events back as typed events, so `faultline report` can
** diagnose the database alone, exactly as `diagnose` does from files: the
** same fl_typed_event the catalog makes from a record, rebuilt from the
** typed columns (strings point into SQLite's row and live for the callback).
**
** Must never write to the database or build SQL from caller text (the
** filter is bound as parameters).
*/
#include <string.h>

#include "store/store_internal.h"

/* The record id as diagnose saw it: EventRecordID, else (schema 6) the
** reader's number of a keyless record; a read-only open of an older
** database has no record_no column. */
#define REPLAY_SQL(record_id)                                                  \
    "SELECT e.time, " record_id ", e.host, e.channel, e.provider, e.event_id," \
    " e.kind, e.is_failure, e.keying_module, e.auth_method, e.failure_point," \
    " e.role, e.state, e.state_text, e.mode, e.local_address, e.local_port," \
    " e.remote_address, e.remote_port, e.local_principal, e.remote_principal," \
    " e.error_code, e.error_text, e.error_raw, e.failure_flags, e.benign," \
    " e.multiple, e.filter_id, e.sa_id, e.spi, e.protocol, e.initiator_cookie," \
    " e.responder_cookie, e.cert_hash, e.policy, e.dos_started, e.iscsi_target," \
    " e.iscsi_failure_type, e.source, s.path" \
    " FROM events e JOIN sources s ON s.id = e.source_id" \
    " WHERE e.time >= ?1 AND e.time < ?2 AND (?3 IS NULL OR e.host = ?3 COLLATE NOCASE)" \
    " ORDER BY e.time, e.id"
static const char replay_sql[] = REPLAY_SQL("coalesce(e.record_id, e.record_no)");
static const char replay_sql_v5[] = REPLAY_SQL("e.record_id");

enum {
  C_TIME, C_RECORD_ID, C_HOST, C_CHANNEL, C_PROVIDER, C_EVENT_ID, C_KIND,
  C_IS_FAILURE, C_KEYMOD, C_AUTH, C_FPOINT, C_ROLE, C_STATE, C_STATE_TEXT,
  C_MODE, C_LADDR, C_LPORT, C_RADDR, C_RPORT, C_LPRIN, C_RPRIN, C_ERROR,
  C_ERROR_TEXT, C_ERROR_RAW, C_FFLAGS, C_BENIGN, C_MULTIPLE, C_FILTER, C_SA,
  C_SPI, C_PROTOCOL, C_ICOOKIE, C_RCOOKIE, C_CERT, C_POLICY, C_DOS,
  C_ISCSI_TARGET, C_ISCSI_FAILURE, C_SOURCE, C_PATH
};

static fl_evtx_str text(sqlite3_stmt *st, int col) {
  const char *p = (const char *)sqlite3_column_text(st, col);
  fl_evtx_str s = {p, p ? (size_t)sqlite3_column_bytes(st, col) : 0};
  return s;
}

/* An integer column, or fallback when NULL; sets bit in *has when present. */
static int64_t num(sqlite3_stmt *st, int col, int64_t fallback, unsigned *has,
                   unsigned bit) {
  if (sqlite3_column_type(st, col) == SQLITE_NULL) return fallback;
  if (has) *has |= bit;
  return sqlite3_column_int64(st, col);
}

static fl_event_kind kind_named(fl_evtx_str name) {
  for (int k = 0; k < FL_KIND_COUNT_; k++) {
    const char *n = fl_event_kind_name((fl_event_kind)k);
    if (strlen(n) == name.len && memcmp(n, name.ptr, name.len) == 0)
      return (fl_event_kind)k;
  }
  return FL_KIND_OTHER;
}

static fl_event_source source_named(fl_evtx_str name) {
  for (int k = 0; k < FL_SOURCE_COUNT_; k++) {
    const char *n = fl_event_source_name((fl_event_source)k);
    if (strlen(n) == name.len && memcmp(n, name.ptr, name.len) == 0)
      return (fl_event_source)k;
  }
  return FL_SOURCE_UNKNOWN;
}

static void row_to_typed(sqlite3_stmt *st, fl_typed_event *t) {
  memset(t, 0, sizeof *t);
  unsigned *h = &t->has;
  t->time = (uint64_t)sqlite3_column_int64(st, C_TIME);
  t->record_id = (uint64_t)num(st, C_RECORD_ID, 0, NULL, 0);
  t->host = text(st, C_HOST);
  t->channel = text(st, C_CHANNEL);
  t->provider = text(st, C_PROVIDER);
  t->event_id = (uint32_t)sqlite3_column_int64(st, C_EVENT_ID);
  t->kind = kind_named(text(st, C_KIND));
  t->source = source_named(text(st, C_SOURCE));
  t->is_failure = sqlite3_column_int(st, C_IS_FAILURE);
  t->keying_module = num(st, C_KEYMOD, -1, NULL, 0);
  t->auth_method = num(st, C_AUTH, -1, NULL, 0);
  t->failure_point = num(st, C_FPOINT, -1, NULL, 0);
  t->role = num(st, C_ROLE, -1, NULL, 0);
  t->state = num(st, C_STATE, -1, NULL, 0);
  t->state_text = text(st, C_STATE_TEXT);
  t->mode = num(st, C_MODE, -1, NULL, 0);
  t->local_address = text(st, C_LADDR);
  t->local_port = (uint32_t)num(st, C_LPORT, 0, h, FL_TE_LOCAL_PORT);
  t->remote_address = text(st, C_RADDR);
  t->remote_port = (uint32_t)num(st, C_RPORT, 0, h, FL_TE_REMOTE_PORT);
  t->local_principal = text(st, C_LPRIN);
  t->remote_principal = text(st, C_RPRIN);
  t->error_code = (uint32_t)num(st, C_ERROR, 0, h, FL_TE_ERROR_CODE);
  t->error_text = text(st, C_ERROR_TEXT);
  t->error_raw = text(st, C_ERROR_RAW);
  t->failure_flags = (uint32_t)num(st, C_FFLAGS, 0, h, FL_TE_FAILURE_FLAGS);
  t->benign = (int)num(st, C_BENIGN, 0, NULL, 0);
  t->multiple = (int)num(st, C_MULTIPLE, 0, NULL, 0);
  t->filter_id = (uint64_t)num(st, C_FILTER, 0, h, FL_TE_FILTER_ID);
  t->sa_id = (uint64_t)num(st, C_SA, 0, h, FL_TE_SA_ID);
  t->spi = (uint32_t)num(st, C_SPI, 0, h, FL_TE_SPI);
  t->protocol = (uint32_t)num(st, C_PROTOCOL, 0, h, FL_TE_PROTOCOL);
  t->initiator_cookie = text(st, C_ICOOKIE);
  t->responder_cookie = text(st, C_RCOOKIE);
  t->cert_hash = text(st, C_CERT);
  t->policy = text(st, C_POLICY);
  t->dos_started = (int)num(st, C_DOS, -1, NULL, 0);
  t->iscsi_target = text(st, C_ISCSI_TARGET);
  t->iscsi_failure_type = num(st, C_ISCSI_FAILURE, -1, NULL, 0);
}

fl_status fl_store_each_typed(fl_store *s, const fl_store_filter *f,
                              fl_store_typed_fn fn, void *user,
                              uint64_t *rows, fl_error *err) {
  sqlite3_stmt *st = NULL;
  if (rows) *rows = 0;
  const char *sql = fl_store_schema_version(s) >= 6 ? replay_sql : replay_sql_v5;
  if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
    return store_db_error(s, err, FL_EIO, "reading events");
  sqlite3_bind_int64(st, 1, f && f->has_since ? (sqlite3_int64)f->since : 0);
  sqlite3_bind_int64(st, 2, f && f->has_until ? (sqlite3_int64)f->until : INT64_MAX);
  if (f && f->host) sqlite3_bind_text(st, 3, f->host, -1, SQLITE_STATIC);
  else sqlite3_bind_null(st, 3);
  int rc;
  fl_status status = FL_OK;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    fl_typed_event t;
    row_to_typed(st, &t);
    const char *path = (const char *)sqlite3_column_text(st, C_PATH);
    if (rows) (*rows)++;
    if (fn(&t, path ? path : "", user) != 0) break;
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    status = store_db_error(s, err, FL_EIO, "reading events");
  sqlite3_finalize(st);
  return status;
}

fl_status fl_store_each_source(fl_store *s, fl_store_source_fn fn, void *user,
                               fl_error *err) {
  sqlite3_stmt *st = NULL;
  /* sources.format is schema 6; an older database read-only has none */
  static const char sql[] =
      "SELECT path, records_read, records_skipped, records_in_scope, format"
      " FROM sources WHERE id IN (SELECT max(id) FROM sources GROUP BY path)"
      " ORDER BY id";
  static const char sql_v5[] =
      "SELECT path, records_read, records_skipped, records_in_scope, NULL"
      " FROM sources WHERE id IN (SELECT max(id) FROM sources GROUP BY path)"
      " ORDER BY id";
  if (sqlite3_prepare_v2(s->db, fl_store_schema_version(s) >= 6 ? sql : sql_v5,
                         -1, &st, NULL) != SQLITE_OK)
    return store_db_error(s, err, FL_EIO, "reading sources");
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *path = (const char *)sqlite3_column_text(st, 0);
    fl_store_source_info info;
    memset(&info, 0, sizeof info);
    info.path = path ? path : "";
    info.records = (uint64_t)sqlite3_column_int64(st, 1);
    info.skipped = (uint64_t)sqlite3_column_int64(st, 2);
    info.in_scope = (uint64_t)sqlite3_column_int64(st, 3);
    info.format = fl_input_format_named((const char *)sqlite3_column_text(st, 4));
    if (fn(&info, user) != 0) break;
  }
  fl_status status = FL_OK;
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    status = store_db_error(s, err, FL_EIO, "reading sources");
  sqlite3_finalize(st);
  return status;
}
