/*
** Reading the store: `query` (events filtered by time, host, peer, event
** id, code, kind, source; SQL assembled from constant fragments, every value
** bound) and `sql` (one caller-written statement, allowed only when SQLite
** itself says it is read-only and an authorizer sees nothing but reads).
**
** Must never: paste a caller's value into SQL text, run a statement that
** writes, attaches a database, changes a pragma or opens a transaction,
** call a function of the deny-list, run past its time limit, or run more
** than the first statement of the text.
*/
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/store_internal.h"

static int is_readonly_pragma(const char *name) {
  static const char *const ok[] = {"table_info", "table_xinfo", "index_list",
                                   "index_info", "index_xinfo", "table_list",
                                   "foreign_key_list", "integrity_check",
                                   "quick_check"};
  for (size_t i = 0; name && i < sizeof ok / sizeof *ok; i++)
    if (sqlite3_stricmp(name, ok[i]) == 0) return 1;
  return 0;
}

/* Functions a caller's SELECT may not call: they hand out pointers
** (fts3_tokenizer returns one and, with two arguments, installs one),
** load code or touch files, or exist only to build huge values. */
static const char *const denied_functions[] = {
    "fts3_tokenizer", "load_extension", "readfile",  "writefile",
    "edit",           "fts5",           "zeroblob",  "randomblob",
    "sqlite_offset",  "fts5_source_id", "fts5_decode", "fts5_decode_none"};

static int function_denied(const char *name) {
  for (size_t i = 0; name && i < sizeof denied_functions / sizeof *denied_functions; i++)
    if (sqlite3_stricmp(name, denied_functions[i]) == 0) return 1;
  return 0;
}

/* Allows reads only: everything else fails the prepare. */
static int authorize(void *user, int action, const char *a1, const char *a2,
                     const char *db, const char *trigger) {
  (void)db; (void)trigger;
  switch (action) {
    case SQLITE_FUNCTION:
      if (!function_denied(a2)) return SQLITE_OK;
      if (user) snprintf(user, 64, "%s", a2);
      return SQLITE_DENY;
    case SQLITE_SELECT: case SQLITE_READ: case SQLITE_RECURSIVE:
      return SQLITE_OK;
    case SQLITE_PRAGMA:
      return is_readonly_pragma(a1) ? SQLITE_OK : SQLITE_DENY;
    default:
      return SQLITE_DENY;
  }
}

static int only_space(const char *p) {
  for (; p && *p; p++)
    if (!isspace((unsigned char)*p) && *p != ';') return 0;
  return 1;
}

void fl_store_set_sql_timeout(fl_store *s, uint64_t ms) {
  if (s) s->sql_timeout_ms = ms;
}

static uint64_t now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

/* SQLite's progress handler: non-zero interrupts the statement. */
static int past_deadline(void *user) {
  return now_ms() >= *(const uint64_t *)user;
}

/* The longest string or blob a caller's statement may build (printf with a
** huge width, replace() loops): memory stays bounded. */
#define SQL_MAX_LENGTH (64 << 20)

fl_status fl_store_sql(fl_store *s, const char *sql, fl_store_format fmt,
                       uint64_t limit, FILE *out, uint64_t *rows,
                       fl_error *err) {
  sqlite3_stmt *st = NULL;
  const char *tail = NULL;
  char denied[64] = "";
  sqlite3_set_authorizer(s->db, authorize, denied);
  int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, &tail);
  sqlite3_set_authorizer(s->db, NULL, NULL);
  fl_status res = FL_OK;
  if (rc != SQLITE_OK && denied[0]) {
    res = fl_error_at(err, FL_EUSAGE, "sql", 0,
                      "the function %s() is not allowed", denied);
  } else if (rc != SQLITE_OK) {
    res = fl_error_at(err, FL_EUSAGE, "sql", 0, "%s", sqlite3_errmsg(s->db));
  } else if (!st) {
    res = fl_error_at(err, FL_EUSAGE, "sql", 0, "no statement given");
  } else if (!only_space(tail)) {
    res = fl_error_at(err, FL_EUSAGE, "sql", 0,
                      "one statement only (text follows the first ';')");
  } else if (!sqlite3_stmt_readonly(st)) {
    res = fl_error_at(err, FL_EUSAGE, "sql", 0,
                      "only read-only SELECT statements are allowed");
  }
  uint64_t deadline = s->sql_timeout_ms ? now_ms() + s->sql_timeout_ms : 0;
  int old_len = sqlite3_limit(s->db, SQLITE_LIMIT_LENGTH, SQL_MAX_LENGTH);
  if (deadline) sqlite3_progress_handler(s->db, 4096, past_deadline, &deadline);
  if (res == FL_OK) res = store_emit(s, st, fmt, limit, out, rows, err);
  if (deadline) sqlite3_progress_handler(s->db, 0, NULL, NULL);
  sqlite3_limit(s->db, SQLITE_LIMIT_LENGTH, old_len);
  if (res != FL_OK && deadline && now_ms() >= deadline)
    res = fl_error_at(err, FL_ELIMIT, "sql", 0,
                      "stopped after %llu ms (--timeout)",
                      (unsigned long long)s->sql_timeout_ms);
  sqlite3_finalize(st);
  return res;
}

/* Columns for a table a person reads; jsonl/csv get every typed column. */
static const char text_columns[] =
    "SELECT fl_time(e.time) AS time, e.host,"
    " coalesce('netsh ' || fl_net_event(e.channel, e.event_id), e.event_id) AS event, e.kind,"
    " e.local_address AS local, e.remote_address AS remote,"
    " e.remote_port AS port, fl_code(e.error_code) AS error,"
    " fl_enum('IKEEXT_KEY_MODULE_TYPE', e.keying_module) AS module,"
    " fl_enum('IPSEC_FAILURE_POINT', e.failure_point) AS point,"
    " e.remote_principal AS peer_principal, e.iscsi_target,"
    " " STORE_EVIDENCE_SQL " AS evidence";
static const char all_columns[] =
    "SELECT e.id, e.time, CAST(e.time AS TEXT) AS time_str, e.time_ms,"
    " fl_time(e.time, 7) AS time_utc, e.host,"
    " e.channel, e.provider, e.event_id,"
    " fl_net_event(e.channel, e.event_id) AS event_name, e.version, e.kind, e.source,"
    " e.is_failure, e.keying_module, fl_enum('IKEEXT_KEY_MODULE_TYPE',"
    " e.keying_module) AS keying_module_name, e.auth_method,"
    " fl_enum('IKEEXT_AUTHENTICATION_METHOD_TYPE', e.auth_method)"
    " AS auth_method_name, e.failure_point, fl_enum('IPSEC_FAILURE_POINT',"
    " e.failure_point) AS failure_point_name, e.role, e.state, e.state_text,"
    " e.mode, e.local_address, e.local_port, e.remote_address, e.remote_port,"
    " e.local_principal, e.remote_principal, e.error_code,"
    " fl_code(e.error_code) AS error, e.error_text, e.error_raw,"
    " e.failure_flags, e.benign, e.multiple, e.filter_id, e.sa_id, e.spi,"
    " e.protocol, e.initiator_cookie, e.responder_cookie, e.cert_hash,"
    " e.policy, e.dos_started, e.iscsi_target, e.iscsi_failure_type,"
    " s.path AS source_path, e.source_id, e.record_id, e.file_offset";
/* Timesketch's mandatory columns (message, datetime as ISO 8601 with an
** offset, timestamp_desc; timestamp in microseconds) first, then the fields
** an analyst filters on. Timeline Explorer reads any CSV. */
static const char timeline_columns[] =
    "SELECT e.host || ': ' || coalesce('netsh ' || fl_net_event(e.channel, e.event_id),"
    " 'event ' || e.event_id) || ' ' || e.kind"
    " || coalesce(' ' || e.local_address, '')"
    " || coalesce(' -> ' || e.remote_address"
    "             || coalesce(':' || e.remote_port, ''), '')"
    " || coalesce(' ' || fl_code(e.error_code), '')"
    " || coalesce(' peer ' || nullif(nullif(e.remote_principal, '-'), ''), '')"
    " || coalesce(' target ' || e.iscsi_target, '') AS message,"
    " replace(fl_time(e.time, 6), 'Z', '+00:00') AS datetime,"
    " 'Event Logged' AS timestamp_desc,"
    " (e.time - 116444736000000000) / 10 AS timestamp,"
    " e.host, coalesce(fl_net_event(e.channel, e.event_id), e.event_id) AS event_id,"
    " e.kind, e.is_failure AS failure,"
    " e.local_address AS local_ip, e.remote_address AS remote_ip,"
    " e.remote_port, nullif(e.remote_principal, '-') AS remote_principal,"
    " fl_code(e.error_code) AS error,"
    " fl_cause(e.source, e.event_id, e.error_code, e.iscsi_failure_type)"
    " AS cause, e.iscsi_target, " STORE_EVIDENCE_SQL " AS evidence";
/* ECS field names, dotted: store_emit nests them ("source.ip" ->
** {"source":{"ip":..}}), so each object's fields must be adjacent. The
** source is the side that started the exchange: the peer when this host
** was the IKE responder (role 1), this host otherwise. */
#define ECS_SIDE(local, remote) \
  "CASE WHEN e.role = 1 THEN " remote " ELSE " local " END"
static const char ecs_columns[] =
    "SELECT fl_time(e.time, 7) AS \"@timestamp\","
    " coalesce(fl_net_event(e.channel, e.event_id), CAST(e.event_id AS TEXT))"
    " AS \"event.code\", 'event' AS \"event.kind\","
    " e.kind AS \"event.action\","
    " CASE e.is_failure WHEN 1 THEN 'failure' WHEN 0 THEN 'success' END"
    " AS \"event.outcome\", e.provider AS \"event.provider\","
    " e.host AS \"host.name\","
    " " ECS_SIDE("e.local_address", "e.remote_address") " AS \"source.ip\","
    " " ECS_SIDE("e.local_port", "e.remote_port") " AS \"source.port\","
    " nullif(" ECS_SIDE("e.local_principal", "e.remote_principal") ", '-')"
    " AS \"source.user.name\","
    " " ECS_SIDE("e.remote_address", "e.local_address") " AS \"destination.ip\","
    " " ECS_SIDE("e.remote_port", "e.local_port") " AS \"destination.port\","
    " nullif(" ECS_SIDE("e.remote_principal", "e.local_principal") ", '-')"
    " AS \"destination.user.name\","
    " CASE WHEN coalesce(e.error_code, 0) = 0 THEN NULL"
    " WHEN e.error_code < 65536 THEN CAST(e.error_code AS TEXT)"
    " ELSE printf('0x%08X', e.error_code) END AS \"error.code\","
    " e.error_text AS \"error.message\", fl_code(e.error_code) AS \"error.type\","
    " s.path AS \"log.file.path\","
    " e.channel AS \"winlog.channel\", e.record_id AS \"winlog.record_id\","
    " fl_cause(e.source, e.event_id, e.error_code, e.iscsi_failure_type)"
    " AS \"faultline.cause\", e.source AS \"faultline.source\","
    " e.iscsi_target AS \"faultline.iscsi_target\","
    " CAST(e.time AS TEXT) AS \"faultline.filetime\","
    " " STORE_EVIDENCE_SQL " AS \"faultline.evidence\"";
static const char from_where[] =
    " FROM events e JOIN sources s ON s.id = e.source_id WHERE 1";
/* A peer's events: its buckets in peer_buckets (a key seek), and in each
** bucket's stretch of the time index the entries of that peer (the index
** carries it, so other peers' rows are never read). Exact, because every
** stored event's (peer, bucket) is in peer_buckets (store_peers.c). */
static const char from_peer_where[] =
    " FROM peer_buckets b JOIN events e INDEXED BY events_time"
    " ON e.time >= b.bucket * " STORE_PEER_BUCKET_SQL
    " AND e.time < (b.bucket + 1) * " STORE_PEER_BUCKET_SQL
    " AND e.remote_address = b.remote_address"
    " JOIN sources s ON s.id = e.source_id WHERE b.remote_address = ?";

typedef struct sqlb {
  char text[4096];
  size_t len;
  int overflow;
} sqlb;

static void sqlb_add(sqlb *q, const char *frag) {
  size_t n = strlen(frag);
  if (q->len + n >= sizeof q->text) {
    q->overflow = 1;
    return;
  }
  memcpy(q->text + q->len, frag, n + 1);
  q->len += n;
}

/* Builds the WHERE clause; parameters are bound in the same order. */
/* buckets: the database has peer_buckets (schema 5; a database opened
** read-only is not migrated, so an older one is read the older way). */
static void build_where(sqlb *q, const fl_store_filter *f, int buckets) {
  sqlb_add(q, f->peer && buckets ? from_peer_where : from_where);
  if (f->peer && !buckets) sqlb_add(q, " AND e.remote_address = ?");
  if (f->has_since) sqlb_add(q, " AND e.time >= ?");
  if (f->has_until) sqlb_add(q, " AND e.time < ?");
  if (f->host) sqlb_add(q, " AND e.host = ? COLLATE NOCASE");
  if (f->event_id_count) {
    sqlb_add(q, " AND e.event_id IN (?");
    for (size_t i = 1; i < f->event_id_count; i++) sqlb_add(q, ",?");
    sqlb_add(q, ")");
  }
  if (f->has_code) sqlb_add(q, " AND e.error_code = ?");
  if (f->kind) sqlb_add(q, " AND e.kind = ?");
  if (f->source) sqlb_add(q, " AND e.source = ?");
  if (f->failures_only) sqlb_add(q, " AND e.is_failure = 1");
  sqlb_add(q, " ORDER BY e.time, e.id");
}

static void bind_filter(sqlite3_stmt *st, const fl_store_filter *f) {
  int i = 1;
  if (f->peer) sqlite3_bind_text(st, i++, f->peer, -1, SQLITE_STATIC);
  if (f->has_since) sqlite3_bind_int64(st, i++, (sqlite3_int64)f->since);
  if (f->has_until) sqlite3_bind_int64(st, i++, (sqlite3_int64)f->until);
  if (f->host) sqlite3_bind_text(st, i++, f->host, -1, SQLITE_STATIC);
  for (size_t k = 0; k < f->event_id_count; k++)
    sqlite3_bind_int64(st, i++, f->event_ids[k]);
  if (f->has_code) sqlite3_bind_int64(st, i++, f->code);
  if (f->kind) sqlite3_bind_text(st, i++, f->kind, -1, SQLITE_STATIC);
  if (f->source) sqlite3_bind_text(st, i++, f->source, -1, SQLITE_STATIC);
}

fl_status store_query_prepare(fl_store *s, const fl_store_filter *f,
                              fl_store_format fmt, int buckets,
                              sqlite3_stmt **out, fl_error *err) {
  sqlb q = {{0}, 0, 0};
  *out = NULL;
  sqlb_add(&q, fmt == FL_STORE_TEXT       ? text_columns
              : fmt == FL_STORE_TIMELINE ? timeline_columns
              : fmt == FL_STORE_ECS      ? ecs_columns
                                         : all_columns);
  if (f->event_id_count > FL_STORE_MAX_IDS)
    return fl_error_at(err, FL_EUSAGE, "query", 0, "too many event ids");
  build_where(&q, f, buckets);
  if (q.overflow) return fl_error_at(err, FL_EUSAGE, "query", 0, "filter too long");
  if (sqlite3_prepare_v2(s->db, q.text, -1, out, NULL) != SQLITE_OK)
    return store_db_error(s, err, FL_EIO, "preparing the query");
  bind_filter(*out, f);
  return FL_OK;
}

fl_status fl_store_query(fl_store *s, const fl_store_filter *f,
                         fl_store_format fmt, FILE *out, uint64_t *rows,
                         fl_error *err) {
  sqlite3_stmt *st = NULL;
  fl_status res = store_query_prepare(s, f, fmt, fl_store_schema_version(s) >= 5,
                                      &st, err);
  if (res == FL_OK) res = store_emit(s, st, fmt, f->limit, out, rows, err);
  sqlite3_finalize(st);
  return res;
}
