/*
** The store's schema as data: an ordered list of migrations, each an array
** of SQL steps applied in one transaction together with its schema_version
** row, so a database is always at exactly one version. docs/store.md
** explains every column.
**
** Must never: edit a migration that has shipped (add a new one), run a step
** outside its migration's transaction, or touch a database newer than the
** last migration listed here.
*/
#include <string.h>

#include "store/store_internal.h"

/* Version 1: sources, events (typed columns + evidence + full JSON). */
static const char *const v1_steps[] = {
    "CREATE TABLE sources ("
    " id INTEGER PRIMARY KEY,"
    " path TEXT NOT NULL,"
    " size INTEGER NOT NULL,"
    " sha256 TEXT,"                       /* lowercase hex, set when complete */
    " status TEXT NOT NULL DEFAULT 'ingesting'," /* ingesting|complete|partial */
    " records_read INTEGER NOT NULL DEFAULT 0,"
    " records_skipped INTEGER NOT NULL DEFAULT 0,"
    " records_in_scope INTEGER NOT NULL DEFAULT 0,"
    " inserted INTEGER NOT NULL DEFAULT 0,"
    " duplicates INTEGER NOT NULL DEFAULT 0,"
    " warnings INTEGER NOT NULL DEFAULT 0,"
    " errors INTEGER NOT NULL DEFAULT 0,"
    " started_at TEXT NOT NULL,"
    " ingested_at TEXT)",                 /* UTC ISO 8601 when complete */
    "CREATE INDEX sources_path ON sources(path, size)",
    "CREATE TABLE events ("
    " id INTEGER PRIMARY KEY,"
    " source_id INTEGER NOT NULL REFERENCES sources(id),"
    " record_id INTEGER,"                 /* EventRecordID; NULL: none */
    " file_offset INTEGER,"               /* of the record in the source */
    " content_hash BLOB,"                 /* key when record_id is NULL */
    " time INTEGER NOT NULL,"             /* FILETIME, 100 ns since 1601 */
    " time_ms INTEGER NOT NULL,"          /* Unix epoch milliseconds */
    " host TEXT NOT NULL,"
    " channel TEXT NOT NULL,"
    " provider TEXT NOT NULL,"
    " event_id INTEGER NOT NULL,"
    " version INTEGER,"
    " kind TEXT NOT NULL,"                /* event_kinds.def name */
    " source TEXT NOT NULL,"              /* event_sources.def name */
    " is_failure INTEGER NOT NULL,"
    " keying_module INTEGER, auth_method INTEGER, failure_point INTEGER,"
    " role INTEGER, state INTEGER, state_text TEXT, mode INTEGER,"
    " local_address TEXT, local_port INTEGER,"
    " remote_address TEXT, remote_port INTEGER,"
    " local_principal TEXT, remote_principal TEXT,"
    " error_code INTEGER, error_text TEXT, error_raw TEXT,"
    " failure_flags INTEGER, benign INTEGER, multiple INTEGER,"
    " filter_id INTEGER, sa_id INTEGER, spi INTEGER, protocol INTEGER,"
    " initiator_cookie TEXT, responder_cookie TEXT, cert_hash TEXT,"
    " policy TEXT, dos_started INTEGER,"
    " iscsi_target TEXT, iscsi_failure_type INTEGER,"
    " data TEXT NOT NULL)",               /* the whole record as JSON */
    "CREATE UNIQUE INDEX events_key ON events(host, channel, record_id)"
    " WHERE record_id IS NOT NULL",
    "CREATE UNIQUE INDEX events_content ON events(content_hash)"
    " WHERE record_id IS NULL",
    "CREATE INDEX events_time ON events(time)",
    "CREATE INDEX events_peer ON events(remote_address, time)",
    /* readable view: names instead of numbers, the evidence spelled out */
    "CREATE VIEW events_view AS SELECT e.id, fl_time(e.time) AS time_utc,"
    " e.host, e.channel, e.provider, e.event_id, e.kind, e.source,"
    " e.is_failure, fl_enum('IKEEXT_KEY_MODULE_TYPE', e.keying_module)"
    " AS keying_module, fl_enum('IKEEXT_AUTHENTICATION_METHOD_TYPE',"
    " e.auth_method) AS auth_method, fl_enum('IPSEC_FAILURE_POINT',"
    " e.failure_point) AS failure_point, fl_enum('IKEEXT_SA_ROLE', e.role)"
    " AS role, e.state_text, e.local_address, e.local_port, e.remote_address,"
    " e.remote_port, e.local_principal, e.remote_principal, e.error_code,"
    " fl_code(e.error_code) AS error, e.error_text, e.failure_flags,"
    " e.benign, e.multiple, e.filter_id, e.sa_id, e.initiator_cookie,"
    " e.responder_cookie, e.policy, e.iscsi_target,"
    " fl_enum('ISCSI_INITIATOR_FAILURE_TYPE', e.iscsi_failure_type)"
    " AS iscsi_failure_type, s.path AS source_path, e.record_id,"
    " e.file_offset FROM events e JOIN sources s ON s.id = e.source_id",
};

/* Version 2: the reader flags a source was read with, so a complete source
** can stand for a byte-identical input read the same way (store_reuse.c). */
static const char *const v2_steps[] = {
    "ALTER TABLE sources ADD COLUMN reader_flags INTEGER", /* NULL: unknown */
    "CREATE INDEX sources_size ON sources(size, status)",
};

/* Version 3: events_key leads with the record id; rows keep only what no
** column holds (store_row.c): `data` has
** the remaining System fields and the values as an array, layout_id names
** them; rows written before keep their whole record in `data` (layout_id
** NULL). events_json gives every row's whole record either way (through
** faultline's fl_event_json, so not in a plain sqlite3 shell). */
static const char *const v3_steps[] = {
    "CREATE TABLE layouts (id INTEGER PRIMARY KEY, names TEXT NOT NULL UNIQUE)",
    "ALTER TABLE events ADD COLUMN layout_id INTEGER REFERENCES layouts(id)",
    /* the same key, record id first: an insert compares an integer, not
    ** host and channel text, on its way down (record ids rarely repeat) */
    "DROP INDEX events_key",
    "CREATE UNIQUE INDEX events_key ON events(record_id, host, channel)"
    " WHERE record_id IS NOT NULL",
    /* fl_event_json: SQLite 3.40 runs no JSON function in a view of an
    ** untrusted schema, so faultline's own function does it (store_row.c) */
    "CREATE VIEW events_json AS SELECT e.id AS id, fl_event_json((SELECT"
    " l.names FROM layouts l WHERE l.id = e.layout_id), e.provider,"
    " e.event_id, e.version, e.time, e.record_id, e.channel, e.host, e.data,"
    " e.state_text, e.local_address, e.remote_address, e.local_principal,"
    " e.remote_principal, e.error_text, e.error_raw, e.initiator_cookie,"
    " e.responder_cookie, e.cert_hash, e.policy, e.iscsi_target)"
    " AS json FROM events e",
};

/* Version 4 changes no table: rows written from now on keep their System
** members by position too (layouts.names {"system":[...],"data":[...]},
** `data` one array; store_row.c). The version says so, so a faultline that
** knows only schema-3 rows refuses the database instead of misreading it. */

/* Version 5: the peer index, a fifth of the insert's cost per row (its
** entries go into the middle of the tree), gives way to peer_buckets: one
** row per peer per 10-minute bucket that has its events, written once per
** bucket. A peer lookup seeks its buckets, then reads those stretches of
** the time index, which now carries the peer (store_query.c). */
static const char *const v5_steps[] = {
    "CREATE TABLE peer_buckets (remote_address TEXT NOT NULL,"
    " bucket INTEGER NOT NULL, PRIMARY KEY (remote_address, bucket))"
    " WITHOUT ROWID",
    "INSERT OR IGNORE INTO peer_buckets SELECT remote_address, time / "
    STORE_PEER_BUCKET_SQL " FROM events WHERE remote_address IS NOT NULL",
    "DROP INDEX IF EXISTS events_peer",
    "DROP INDEX IF EXISTS events_time",
    "CREATE INDEX " STORE_EVENTS_TIME_INDEX,
};

/* Version 6: what a source was (sources.format, the input_formats.def name;
** NULL: unknown, a row from before), and the reader's number of a record
** that has no EventRecordID (events.record_no: netsh and JSON records keyed
** by their content), so a report from the database cites the same evidence
** as `diagnose` did. */
static const char *const v6_steps[] = {
    "ALTER TABLE sources ADD COLUMN format TEXT",
    "ALTER TABLE events ADD COLUMN record_no INTEGER",
};

/* Version 7: the file's identity when it was read (sources.file_stat:
** "dev:inode:mtime:ctime", nanoseconds; NULL: not a file, or changed too
** recently to trust its times), so an unchanged file is recognised by its
** path, size and identity without being hashed again (store_reuse.c). */
static const char *const v7_steps[] = {
    "ALTER TABLE sources ADD COLUMN file_stat TEXT",
};

typedef struct migration {
  int version;
  const char *description;
  const char *const *steps;
  size_t step_count;
} migration;

#define STEPS(a) a, sizeof(a) / sizeof *(a)
static const migration migrations[] = {
    {1, "sources, events with typed columns, evidence and JSON", STEPS(v1_steps)},
    {2, "sources.reader_flags: re-ingest of a complete input skips the read",
     STEPS(v2_steps)},
    {3, "layouts: rows keep values and the fields no column holds; events_json",
     STEPS(v3_steps)},
    {4, "rows keep System members by position (layouts.names system + data)",
     NULL, 0},
    {5, "peer_buckets instead of the peer index; events_time carries the peer",
     STEPS(v5_steps)},
    {6, "sources.format and events.record_no (evidence of keyless records)",
     STEPS(v6_steps)},
    {7, "sources.file_stat: an unchanged file is recognised without a re-hash",
     STEPS(v7_steps)},
};
#define MIGRATION_COUNT (sizeof migrations / sizeof *migrations)

int fl_store_schema_latest(void) {
  return migrations[MIGRATION_COUNT - 1].version;
}

/* 0 when the schema_version table does not exist yet. */
static int current_version(fl_store *s) {
  sqlite3_stmt *st = NULL;
  int v = 0;
  if (sqlite3_prepare_v2(s->db, "SELECT max(version) FROM schema_version", -1,
                         &st, NULL) != SQLITE_OK) {
    sqlite3_finalize(st);
    return 0;
  }
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  return v;
}

int fl_store_schema_version(fl_store *s) { return current_version(s); }

static fl_status apply(fl_store *s, const migration *m, fl_error *err) {
  fl_status st = store_exec(s, "BEGIN IMMEDIATE", err);
  if (st != FL_OK) return st;
  st = store_exec(s, "CREATE TABLE IF NOT EXISTS schema_version ("
                     " version INTEGER PRIMARY KEY, description TEXT NOT NULL,"
                     " applied_at TEXT NOT NULL)", err);
  /* a concurrent ingest may have migrated while we waited for the lock */
  if (st == FL_OK && current_version(s) >= m->version)
    return store_exec(s, "COMMIT", err);
  for (size_t i = 0; st == FL_OK && i < m->step_count; i++)
    st = store_exec(s, m->steps[i], err);
  if (st == FL_OK) {
    sqlite3_stmt *ins = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO schema_version VALUES (?1, ?2,"
                           " strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
                           -1, &ins, NULL) != SQLITE_OK) {
      st = store_db_error(s, err, FL_EIO, "recording the schema version");
    } else {
      sqlite3_bind_int(ins, 1, m->version);
      sqlite3_bind_text(ins, 2, m->description, -1, SQLITE_STATIC);
      if (sqlite3_step(ins) != SQLITE_DONE)
        st = store_db_error(s, err, FL_EIO, "recording the schema version");
    }
    sqlite3_finalize(ins);
  }
  if (st == FL_OK) return store_exec(s, "COMMIT", err);
  sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
  return st;
}

fl_status store_ensure_indexes(fl_store *s, fl_error *err) {
  return store_exec(s, "CREATE INDEX IF NOT EXISTS " STORE_EVENTS_TIME_INDEX, err);
}

fl_status store_migrate(fl_store *s, fl_error *err) {
  int have = current_version(s);
  if (have > fl_store_schema_latest())
    return fl_error_at(err, FL_EINPUT, s->path, 0,
                       "database schema version %d is newer than this "
                       "faultline (%d)", have, fl_store_schema_latest());
  for (size_t i = 0; i < MIGRATION_COUNT; i++) {
    if (migrations[i].version <= have) continue;
    fl_status st = apply(s, &migrations[i], err);
    if (st != FL_OK) return st;
  }
  return FL_OK;
}
