/*
** Unit tests for lib/store: schema and migrations, idempotent adds of
** hand-built records (with and without an EventRecordID), read-only SQL
** refusals (SHA-256 and escaping: tests/unit/test_common.c). Databases
** live in /tmp and are removed.
*/
#include <unistd.h>

#include "harness.h"

#include "faultline.h"
#include "store/store_internal.h"

#define S(lit) ((fl_evtx_str){lit, sizeof(lit) - 1})
#define PAIR(n, v) {S(n), S(v)}

static char db_path[128];

static void remove_db(void) { th_remove_sqlite(db_path); }

static void schema_and_migrations(void) {
  remove_db();
  fl_store *s = NULL;
  fl_error err;
  CHECK(fl_store_open(db_path, FL_STORE_READONLY, &s, &err) == FL_ENOTFOUND);
  CHECK(fl_store_open(db_path, 0, &s, &err) == FL_OK);
  CHECK(s && fl_store_schema_version(s) == fl_store_schema_latest());
  fl_store_close(s);
  s = NULL;
  CHECK(fl_store_open(db_path, 0, &s, &err) == FL_OK); /* reopen: no-op */
  CHECK(s && fl_store_schema_version(s) == fl_store_schema_latest());
  fl_store_close(s);
  s = NULL;
  CHECK(fl_store_open(db_path, FL_STORE_READONLY, &s, &err) == FL_OK);
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  uint64_t rows = 0;
  CHECK(s && fl_store_sql(s, "SELECT version FROM schema_version",
                          FL_STORE_CSV, 0, out, &rows, &err) == FL_OK);
  fclose(out);
  CHECK(rows == (uint64_t)fl_store_schema_latest()); /* one per migration */
  CHECK(buf && strstr(buf, "version\r\n1\r\n2\r\n") != NULL);
  free(buf);
  fl_store_close(s);
  /* a database from the future is refused */
  sqlite3 *db = NULL;
  sqlite3_open(db_path, &db);
  sqlite3_exec(db, "INSERT INTO schema_version VALUES (999, 'x', 'now')", 0, 0, 0);
  sqlite3_close(db);
  s = NULL;
  CHECK(fl_store_open(db_path, 0, &s, &err) == FL_EINPUT && !s);
  remove_db();
}

static void foreign_files_refused(void) {
  remove_db();
  sqlite3 *db = NULL;
  sqlite3_open(db_path, &db);
  sqlite3_exec(db, "CREATE TABLE t(x)", 0, 0, 0);
  sqlite3_close(db);
  fl_store *s = NULL;
  fl_error err;
  CHECK(fl_store_open(db_path, 0, &s, &err) == FL_EINPUT && !s);
  CHECK(strstr(err.message, "not a faultline database") != NULL);
  remove_db();
  FILE *f = fopen(db_path, "wb");
  fputs("this is not SQLite at all, just text long enough to be a header....", f);
  fclose(f);
  CHECK(fl_store_open(db_path, 0, &s, &err) == FL_EINPUT && !s);
  CHECK(fl_store_open(db_path, FL_STORE_READONLY, &s, &err) == FL_EINPUT && !s);
  remove_db();
}

static fl_evtx_event mm_failure(uint64_t record_id, int with_id,
                                const fl_evtx_pair *d, size_t n) {
  fl_evtx_event r;
  memset(&r, 0, sizeof r);
  r.provider_name = S("Microsoft-Windows-Security-Auditing");
  r.event_id = 4653;
  r.present = FL_EVTX_HAS_EVENT_ID | FL_EVTX_HAS_TIME_CREATED |
              (with_id ? FL_EVTX_HAS_EVENT_RECORD_ID : 0);
  r.time_created = 133000000000000000ull;
  r.event_record_id = record_id;
  r.record_id = record_id;
  r.computer = S("HOST1.corp.example");
  r.channel = S("Security");
  r.data = d;
  r.data_count = n;
  return r;
}

static uint64_t count_rows(fl_store *s, const char *sql) {
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  fl_error err;
  uint64_t rows = 0;
  fl_store_sql(s, sql, FL_STORE_JSONL, 0, out, &rows, &err);
  fclose(out);
  free(buf);
  return rows;
}

static void idempotent_adds(void) {
  static const fl_evtx_pair d1[] = {PAIR("RemoteAddress", "198.51.100.7"),
                                    PAIR("FailureReason", "Negotiation timed out")};
  static const fl_evtx_pair d2[] = {PAIR("RemoteAddress", "198.51.100.8")};
  remove_db();
  fl_store *s = NULL;
  fl_error err;
  int added = -1;
  CHECK(fl_store_open(db_path, 0, &s, &err) == FL_OK);
  if (!s) return;
  CHECK(fl_store_source_begin(s, "synthetic", 0, 2, &err) == FL_OK);
  fl_evtx_event a = mm_failure(42, 1, d1, 2), b = mm_failure(43, 1, d1, 2);
  fl_evtx_event k1 = mm_failure(0, 0, d1, 2), k2 = mm_failure(0, 0, d2, 1);
  fl_evtx_event other = mm_failure(44, 1, d1, 2);
  other.event_id = 4624; /* a logon: out of scope */
  CHECK(fl_store_add(s, &a, &added, &err) == FL_OK && added == 1);
  CHECK(fl_store_add(s, &a, &added, &err) == FL_OK && added == 0);
  CHECK(fl_store_add(s, &b, &added, &err) == FL_OK && added == 1);
  CHECK(fl_store_add(s, &other, &added, &err) == FL_OK && added == 0);
  CHECK(fl_store_add(s, &k1, &added, &err) == FL_OK && added == 1);
  CHECK(fl_store_add(s, &k1, &added, &err) == FL_OK && added == 0);
  CHECK(fl_store_add(s, &k2, &added, &err) == FL_OK && added == 1);
  a.computer = S("HOST2.corp.example"); /* same id, other host: new */
  CHECK(fl_store_add(s, &a, &added, &err) == FL_OK && added == 1);
  CHECK(fl_store_source_finish(s, NULL, NULL, &err) == FL_OK);
  CHECK(count_rows(s, "SELECT * FROM events") == 5);
  CHECK(count_rows(s, "SELECT * FROM events WHERE error_code = 13805"
                      " AND remote_address = '198.51.100.7'") == 4);
  CHECK(count_rows(s, "SELECT * FROM sources WHERE status = 'complete'"
                      " AND inserted = 5 AND duplicates = 2"
                      " AND records_in_scope = 7") == 1);
  CHECK(count_rows(s, "SELECT * FROM events WHERE json_valid(data)") == 5);
  fl_store_close(s);
  remove_db();
}

/* Typed strings interned (host, channel, provider, local address, state
** and error text: store_intern.c) and copied ones side by side, past the
** intern table's limit (thousands of distinct hosts), queued through the
** writer thread (many rows per INSERT): every row keeps its own values. */
static void interned_strings_stay_right(void) {
  static const fl_evtx_pair d[] = {PAIR("RemoteAddress", "198.51.100.7"),
                                   PAIR("LocalAddress", "10.0.0.5"),
                                   PAIR("FailureReason", "Negotiation timed out")};
  enum { ROWS = 6000 };
  remove_db();
  fl_store *s = NULL;
  fl_error err;
  CHECK(fl_store_open(db_path, 0, &s, &err) == FL_OK);
  if (!s) return;
  CHECK(fl_store_source_begin(s, "synthetic", 0, 1000, &err) == FL_OK);
  char host[64];
  for (int i = 0; i < ROWS; i++) {
    fl_evtx_event r = mm_failure((uint64_t)i + 1, 1, d, 3);
    int n = i % 7 == 0 ? snprintf(host, sizeof host, "same.example")
                       : snprintf(host, sizeof host, "h%05d.example", i);
    r.computer = (fl_evtx_str){host, (size_t)n};
    if (i % 5 == 0) r.channel = S("Microsoft-Windows-Other/Operational");
    CHECK(fl_store_queue(s, &r, NULL, &err) == FL_OK);
  }
  CHECK(fl_store_source_finish(s, NULL, NULL, &err) == FL_OK);
  CHECK(count_rows(s, "SELECT * FROM events") == ROWS);
  CHECK(count_rows(s, "SELECT * FROM events WHERE host = CASE WHEN"
                      " (record_id - 1) % 7 = 0 THEN 'same.example' ELSE"
                      " printf('h%05d.example', record_id - 1) END") == ROWS);
  CHECK(count_rows(s, "SELECT * FROM events WHERE channel = CASE WHEN"
                      " (record_id - 1) % 5 = 0 THEN"
                      " 'Microsoft-Windows-Other/Operational' ELSE 'Security'"
                      " END AND local_address = '10.0.0.5' AND error_text ="
                      " 'Negotiation timed out'") == ROWS);
  fl_store_close(s);
  remove_db();
}

static void sql_is_read_only(void) {
  remove_db();
  fl_store *s = NULL;
  fl_error err;
  CHECK(fl_store_open(db_path, 0, &s, &err) == FL_OK);
  fl_store_close(s);
  s = NULL;
  CHECK(fl_store_open(db_path, FL_STORE_READONLY, &s, &err) == FL_OK);
  if (!s) return;
  static const char *const refused[] = {
      "INSERT INTO sources(path, size, started_at) VALUES ('x', 1, 'y')",
      "DROP TABLE events", "DELETE FROM events",
      "ATTACH DATABASE '/tmp/fl_attach.db' AS x", "DETACH DATABASE main",
      "PRAGMA journal_mode=DELETE", "PRAGMA query_only=0", "BEGIN",
      "SELECT 1; DELETE FROM events", "CREATE TEMP TABLE t(x)",
      "VACUUM", "SELECT load_extension('x')", "", "SELEC 1"};
  FILE *out = fopen("/dev/null", "w");
  for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
    fl_status st = fl_store_sql(s, refused[i], FL_STORE_TEXT, 0, out, NULL, &err);
    CHECK(st == FL_EUSAGE);
    if (st != FL_EUSAGE) printf("  accepted: %s\n", refused[i]);
  }
  CHECK(fl_store_sql(s, "SELECT count(*) FROM events;", FL_STORE_TEXT, 0, out,
                     NULL, &err) == FL_OK);
  CHECK(fl_store_sql(s, "PRAGMA table_info(events)", FL_STORE_TEXT, 0, out,
                     NULL, &err) == FL_OK);
  fclose(out);
  CHECK(access("/tmp/fl_attach.db", F_OK) != 0);
  fl_store_close(s);
  remove_db();
}

static void event_json_is_valid(void) {
  static const fl_evtx_pair d[] = {PAIR("", "\x1b\xff"), PAIR("N\"x", "v")};
  fl_evtx_event r = mm_failure(1, 1, d, 2);
  r.present |= FL_EVTX_HAS_KEYWORDS;
  r.keywords = 0x8010000000000000ull;
  store_buf b = {0};
  store_render_event_json(&b, &r);
  store_buf_putc(&b, '\0');
  CHECK(b.p && strstr(b.p, "\"keywords\":\"0x8010000000000000\"") != NULL);
  CHECK(b.p && strstr(b.p, "\"#0\":\"\\u001b\\ufffd\"") != NULL);
  CHECK(b.p && strstr(b.p, "\"N\\\"x\":\"v\"") != NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  sqlite3_open(":memory:", &db);
  sqlite3_prepare_v2(db, "SELECT json_valid(?1)", -1, &st, NULL);
  sqlite3_bind_text(st, 1, b.p ? b.p : "", -1, SQLITE_STATIC);
  CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1);
  sqlite3_finalize(st);
  sqlite3_close(db);
  fl_buf_free(&b);
}

static void scope_from_catalog(void) {
  const uint32_t *ids;
  size_t n = fl_store_scope_ids(&ids);
  int has4653 = 0, has1005 = 0, has4624 = 0, has4964 = 0, has5049 = 0;
  for (size_t i = 0; i < n; i++) {
    has4653 |= ids[i] == 4653;
    has1005 |= ids[i] == 1005;
    has5049 |= ids[i] == 5049;
    has4624 |= ids[i] == 4624;
    has4964 |= ids[i] == 4964;
  }
  CHECK(has4653 && has1005 && has5049 && !has4624 && !has4964);
  const char *const *prov;
  CHECK(fl_store_scope_providers(&prov) == 6); /* + RasClient, RemoteAccess */
}

int main(void) {
  snprintf(db_path, sizeof db_path, "/tmp/fl_test_store_%d.db", (int)getpid());
  RUN(schema_and_migrations);
  RUN(foreign_files_refused);
  RUN(idempotent_adds);
  RUN(interned_strings_stay_right);
  RUN(sql_is_read_only);
  RUN(event_json_is_valid);
  RUN(scope_from_catalog);
  TEST_EXIT();
}
