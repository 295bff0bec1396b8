/*
** The ClickHouse schema as data: migrations, each a list of DDL steps with
** {db}, {events}, {sources} (the local tables) and {cluster} filled in from
** validated identifiers, applied on every node the store URL names and
** recorded in {db}.schema_version there.
**
** Why ReplacingMergeTree and not insert deduplication: on 18.16
** insert_deduplicate works only for Replicated* tables and only for a
** byte-identical block; a batch re-sent from the spool, or re-read after a
** crash, is cut differently. Rows with the same sorting key (host, channel,
** key: the EventRecordID, or the SHA-256 of a keyless record, as the SQLite
** store keys them) collapse into one when parts merge, and every read uses
** FINAL, so a re-sent event counts once before the merge too. The Distributed
** table shards by a hash of that key, so copies of an event land on the same
** shard and FINAL sees them together. Partitions are days (retention drops
** them: `faultline prune`).
**
** Must never: edit a migration that has shipped (add one), or put anything
** but an identifier into the placeholders.
*/
#include <stdio.h>
#include <string.h>

#include "common/fl_error.h"
#include "store/clickhouse_internal.h"

typedef struct ch_step {
  int cluster_only; /* 1: only when a cluster is configured */
  const char *sql;
} ch_step;

static const ch_step v1_steps[] = {
    {0, "CREATE TABLE IF NOT EXISTS {db}.{events} ({columns})"
        " ENGINE = ReplacingMergeTree PARTITION BY day"
        " ORDER BY (host, channel, key)"},
    {0, "CREATE TABLE IF NOT EXISTS {db}.{sources} (path String, format String,"
        " records UInt64, skipped UInt64, in_scope UInt64, status String,"
        " written UInt64) ENGINE = ReplacingMergeTree(written) ORDER BY path"},
    {1, "CREATE TABLE IF NOT EXISTS {db}.events AS {db}.events_local ENGINE ="
        " Distributed({cluster}, {db}, events_local, cityHash64(host, channel, key))"},
    {1, "CREATE TABLE IF NOT EXISTS {db}.sources AS {db}.sources_local ENGINE ="
        " Distributed({cluster}, {db}, sources_local, cityHash64(path))"},
};

typedef struct ch_migration {
  int version;
  const char *description;
  const ch_step *steps;
  size_t step_count;
} ch_migration;

static const ch_migration migrations[] = {
    {1, "events by day (ReplacingMergeTree on host, channel, key), sources",
     v1_steps, sizeof v1_steps / sizeof *v1_steps},
};
#define MIGRATION_COUNT (sizeof migrations / sizeof *migrations)

static void put(fl_buf *b, const char *s, size_t n) {
  if (fl_buf_reserve(b, n)) return;
  memcpy(b->p + b->len, s, n);
  b->len += n;
}

static void event_columns(fl_buf *b) {
  static const char *const cols[] = {
#define CH_COL(name, type, kind, field, has) #name " " type,
#include "store/typed_columns.def"
#undef CH_COL
  };
  const char *head = "day Date";
  put(b, head, strlen(head));
  for (size_t i = 0; i < sizeof cols / sizeof *cols; i++) {
    put(b, ", ", 2);
    put(b, cols[i], strlen(cols[i]));
  }
  const char *tail = ", kind String, source String, file String, ord UInt64,"
                     " key String, data String";
  put(b, tail, strlen(tail));
}

const char *ch_table_local(const ch_url *u, const char *table, char *buf,
                           size_t cap) {
  snprintf(buf, cap, "%s%s", table, u->cluster[0] ? "_local" : "");
  return buf;
}

/* The step with its placeholders filled (NUL-terminated in b). */
static void fill(fl_buf *b, const ch_url *u, const char *sql) {
  b->len = 0;
  char ev[80], so[80];
  ch_table_local(u, "events", ev, sizeof ev);
  ch_table_local(u, "sources", so, sizeof so);
  for (const char *p = sql; *p;) {
    const char *open = strchr(p, '{');
    if (!open) {
      put(b, p, strlen(p));
      break;
    }
    put(b, p, (size_t)(open - p));
    const char *close = strchr(open, '}');
    size_t n = close ? (size_t)(close - open - 1) : 0;
    const char *v = NULL;
    if (n == 2 && memcmp(open + 1, "db", 2) == 0) v = u->db;
    else if (n == 6 && memcmp(open + 1, "events", 6) == 0) v = ev;
    else if (n == 7 && memcmp(open + 1, "sources", 7) == 0) v = so;
    else if (n == 7 && memcmp(open + 1, "cluster", 7) == 0) v = u->cluster;
    if (n == 7 && memcmp(open + 1, "columns", 7) == 0) event_columns(b);
    else if (v) put(b, v, strlen(v));
    p = close ? close + 1 : open + 1;
  }
  put(b, "", 1);
}

typedef struct version_read {
  int version;
} version_read;

static int on_version(const char *p, size_t n, void *user) {
  version_read *v = user;
  for (size_t i = 0; i < n; i++)
    if (p[i] >= '0' && p[i] <= '9') v->version = v->version * 10 + (p[i] - '0');
  return 0;
}

static fl_status ensure_host(ch_http *h, size_t host, const ch_url *u, fl_buf *b,
                             int *transient, fl_error *err) {
  fill(b, u, "CREATE DATABASE IF NOT EXISTS {db}");
  fl_status st = ch_http_run(h, host, b->p, NULL, NULL, transient, err);
  if (st == FL_OK) {
    fill(b, u, "CREATE TABLE IF NOT EXISTS {db}.schema_version (version UInt32,"
               " description String, applied_at DateTime) ENGINE = TinyLog");
    st = ch_http_run(h, host, b->p, NULL, NULL, transient, err);
  }
  version_read have = {0};
  if (st == FL_OK) {
    fill(b, u, "SELECT max(version) FROM {db}.schema_version");
    st = ch_http_run(h, host, b->p, on_version, &have, transient, err);
  }
  for (size_t m = 0; st == FL_OK && m < MIGRATION_COUNT; m++) {
    if (migrations[m].version <= have.version) continue;
    for (size_t i = 0; st == FL_OK && i < migrations[m].step_count; i++) {
      const ch_step *s = &migrations[m].steps[i];
      if (s->cluster_only && !u->cluster[0]) continue;
      fill(b, u, s->sql);
      st = ch_http_run(h, host, b->p, NULL, NULL, transient, err);
    }
    if (st != FL_OK) break;
    char row[300];
    snprintf(row, sizeof row, "INSERT INTO %s.schema_version VALUES (%d, ", u->db,
             migrations[m].version);
    b->len = 0;
    put(b, row, strlen(row));
    ch_sql_string(b, migrations[m].description, strlen(migrations[m].description));
    put(b, ", now())", strlen(", now())") + 1);
    st = ch_http_run(h, host, b->p, NULL, NULL, transient, err);
  }
  return st;
}

fl_status ch_schema_ensure(ch_http *h, const ch_url *u, int *transient,
                           fl_error *err) {
  fl_buf b = {0};
  fl_status st = FL_OK;
  *transient = 0;
  for (size_t i = 0; st == FL_OK && i < u->host_count; i++)
    st = ensure_host(h, i, u, &b, transient, err);
  if (st == FL_OK && b.failed) st = fl_error_at(err, FL_ENOMEM, "", 0, "out of memory");
  fl_buf_free(&b);
  return st;
}
