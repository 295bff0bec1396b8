/*
** Unit tests for lib/store: SHA-256 against the FIPS 180-2 vectors, schema
** and migrations, idempotent adds of hand-built records (with and without
** an EventRecordID), read-only SQL refusals, and escaping of hostile text
** for CSV, JSON and the terminal. Databases live in /tmp and are removed.
*/
#include <unistd.h>

#include "harness.h"

#include "faultline.h"
#include "store/store_internal.h"

#define S(lit) ((fl_evtx_str){lit, sizeof(lit) - 1})
#define PAIR(n, v) {S(n), S(v)}

static char db_path[128];

static void remove_db(void) {
  char p[160];
  unlink(db_path);
  snprintf(p, sizeof p, "%s-wal", db_path);
  unlink(p);
  snprintf(p, sizeof p, "%s-shm", db_path);
  unlink(p);
}

static void sha256_vectors_on(void) {
  char hex[65];
  fl_store_sha256_hex("", 0, hex);
  CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  fl_store_sha256_hex("abc", 3, hex);
  CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  fl_store_sha256_hex(m, strlen(m), hex);
  CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  /* one million 'a', fed in uneven pieces to cross block boundaries */
  static char a[1000];
  memset(a, 'a', sizeof a);
  fl_store_sha256 s;
  uint8_t d[32];
  fl_store_sha256_init(&s);
  size_t done = 0, step = 1;
  while (done < 1000000) {
    size_t n = step % 997 + 1;
    if (n > 1000000 - done) n = 1000000 - done;
    fl_store_sha256_update(&s, a, n);
    done += n;
    step += 63;
  }
  fl_store_sha256_final(&s, d);
  fl_store_hex(d, 32, hex);
  CHECK_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  /* 55/56/64-byte messages: the padding edge cases */
  fl_store_sha256_hex(a, 55, hex);
  CHECK_STR(hex, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  fl_store_sha256_hex(a, 56, hex);
  CHECK_STR(hex, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  fl_store_sha256_hex(a, 64, hex);
  CHECK_STR(hex, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

/* Digests of pseudo-random data of every length 0..600 and a 1 MiB + 17
** message in uneven pieces, on the current implementation. */
static void sha256_random_digests(char out[602][65]) {
  static uint8_t buf[(1 << 20) + 17];
  uint32_t x = 2463534242u;
  for (size_t i = 0; i < sizeof buf; i++) {
    x ^= x << 13; x ^= x >> 17; x ^= x << 5;
    buf[i] = (uint8_t)x;
  }
  for (size_t n = 0; n <= 600; n++) fl_store_sha256_hex(buf + n, n, out[n]);
  fl_store_sha256 s;
  uint8_t d[32];
  fl_store_sha256_init(&s);
  for (size_t off = 0, step = 1; off < sizeof buf; step += 129) {
    size_t n = step % 5000;
    if (n > sizeof buf - off) n = sizeof buf - off;
    fl_store_sha256_update(&s, buf + off, n);
    off += n;
  }
  fl_store_sha256_final(&s, d);
  fl_store_hex(d, 32, out[601]);
}

/* The FIPS vectors on both implementations (SHA-NI when the CPU has it,
** and the portable code), and the two agree on random data. */
static void sha256_vectors(void) {
  static char fast[602][65], portable[602][65];
  int ni = store_sha256_use_portable(0);
  printf("# sha256: %s\n", ni ? "SHA-NI and portable" : "portable only");
  sha256_vectors_on();
  sha256_random_digests(fast);
  store_sha256_use_portable(1);
  sha256_vectors_on();
  sha256_random_digests(portable);
  store_sha256_use_portable(0);
  int same = 1;
  for (int i = 0; i < 602; i++) same &= strcmp(fast[i], portable[i]) == 0;
  CHECK(same);
}

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

static void escaping_hostile_text(void) {
  char out[256];
  CHECK(fl_store_escape_csv("plain", 5, out, sizeof out) == 5);
  CHECK_STR(out, "plain");
  fl_store_escape_csv("=1+2", 4, out, sizeof out);
  CHECK_STR(out, "\"'=1+2\"");
  fl_store_escape_csv("@SUM(A1)", 8, out, sizeof out);
  CHECK_STR(out, "\"'@SUM(A1)\"");
  fl_store_escape_csv("-5", 2, out, sizeof out);
  CHECK_STR(out, "\"'-5\"");
  fl_store_escape_csv("+x", 2, out, sizeof out);
  CHECK_STR(out, "\"'+x\"");
  fl_store_escape_csv("a,b", 3, out, sizeof out);
  CHECK_STR(out, "\"a,b\"");
  fl_store_escape_csv("say \"hi\"\r\n", 10, out, sizeof out);
  CHECK_STR(out, "\"say \"\"hi\"\"\r\n\"");
  fl_store_escape_json("q\"b\\\n\x01\x7f", 7, out, sizeof out);
  CHECK_STR(out, "\"q\\\"b\\\\\\n\\u0001\\u007f\"");
  fl_store_escape_json("\xff\xc3(", 3, out, sizeof out); /* invalid UTF-8 */
  CHECK_STR(out, "\"\\ufffd\\ufffd(\"");
  fl_store_escape_json("\xe2\x80\xae\xe2\x80\xa8\xc3\xa9", 8, out, sizeof out);
  CHECK_STR(out, "\"\\u202e\\u2028\xc3\xa9\"");
  fl_store_escape_json("\xed\xa0\x80", 3, out, sizeof out); /* a surrogate */
  CHECK_STR(out, "\"\\ufffd\\ufffd\\ufffd\"");
  fl_store_escape_term("\x1b[31mred\xc2\x9b\xff\xe2\x80\xae.", 15, out, sizeof out);
  CHECK_STR(out, "\\x1b[31mred\\xc2\\x9b\\xff\\xe2\\x80\\xae.");
  CHECK(fl_store_escape_json("a\0b", 3, out, sizeof out) == 10);
  CHECK_STR(out, "\"a\\u0000b\"");
  CHECK(fl_store_escape_csv("abcdef,", 7, out, 4) == 9); /* truncation */
  CHECK_STR(out, "\"ab");
}

/* Every single byte, alone and inside text long enough for the vector
** step, escapes as JSON's rules and ours say: printable ASCII as itself
** (but " and \), controls and DEL as \u00XX or a short escape, every byte
** >= 0x80 alone as \ufffd (never valid UTF-8 on its own). */
static void json_escape_every_byte(void) {
  char in[40], out[128], want[128];
  for (int c = 0; c < 256; c++) {
    const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n"
                      : c == '\t' ? "\\t" : c == '\r' ? "\\r" : NULL;
    char one[8];
    if (esc) snprintf(one, sizeof one, "%s", esc);
    else if (c >= 0x20 && c < 0x7F) snprintf(one, sizeof one, "%c", c);
    else snprintf(one, sizeof one, "\\u%04x", c < 0x80 ? c : 0xFFFD);
    memset(in, 'a', sizeof in);
    in[20] = (char)c; /* after 20 plain bytes: past one 16-byte step */
    snprintf(want, sizeof want, "\"%.20s%s%.19s\"", in, one, in);
    fl_store_escape_json(in, sizeof in, out, sizeof out);
    if (strcmp(out, want) != 0) {
      CHECK_STR(out, want);
      return;
    }
    char b = (char)c;
    snprintf(want, sizeof want, "\"%s\"", one);
    fl_store_escape_json(&b, 1, out, sizeof out);
    if (strcmp(out, want) != 0) {
      CHECK_STR(out, want);
      return;
    }
  }
  CHECK(1);
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
  CHECK(fl_store_scope_providers(&prov) == 4);
}

int main(void) {
  snprintf(db_path, sizeof db_path, "/tmp/fl_test_store_%d.db", (int)getpid());
  RUN(sha256_vectors);
  RUN(schema_and_migrations);
  RUN(foreign_files_refused);
  RUN(idempotent_adds);
  RUN(interned_strings_stay_right);
  RUN(sql_is_read_only);
  RUN(escaping_hostile_text);
  RUN(json_escape_every_byte);
  RUN(event_json_is_valid);
  RUN(scope_from_catalog);
  TEST_EXIT();
}
