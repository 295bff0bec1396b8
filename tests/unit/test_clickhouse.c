/*
** Unit tests of the ClickHouse backend's pure parts: the store URL, the
** escaping of string literals and JSON strings (event fields are
** attacker-controlled), TabSeparated splitting, a typed event as a JSON
** row, and the spool's order and bound. Never talks to a server
** (tests/cli/test_clickhouse.sh does).
*/
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "store/clickhouse_internal.h"

static void test_url(void) {
  ch_url u;
  fl_error e;
  CHECK(ch_url_parse("clickhouse://a:b%40c@h1.example:8123,[::1]:9/db_1?cluster=c2&spool=/x%20y&spool_max=2M",
                     &u, &e) == FL_OK);
  CHECK_STR(u.user, "a");
  CHECK_STR(u.password, "b@c");
  CHECK(u.host_count == 2);
  CHECK_STR(u.hosts[0], "h1.example:8123");
  CHECK_STR(u.hosts[1], "[::1]:9");
  CHECK_STR(u.db, "db_1");
  CHECK_STR(u.cluster, "c2");
  CHECK_STR(u.spool, "/x y");
  CHECK(u.spool_max == 2u * 1024 * 1024);
  CHECK(u.read_rows == 1000000); /* the default */
  CHECK(ch_url_parse("clickhouse://h:1/d?read_rows=4K", &u, &e) == FL_OK && u.read_rows == 4096);
  CHECK(ch_url_parse("clickhouse://h:1/d?read_rows=0", &u, &e) == FL_EUSAGE);
  CHECK(ch_url_parse("clickhouses://h:1/d", &u, &e) == FL_OK && u.https);
  /* what must never reach a URL or SQL text */
  CHECK(ch_url_parse("clickhouse://h:1/d;DROP", &u, &e) == FL_EUSAGE);
  CHECK(ch_url_parse("clickhouse://h/d", &u, &e) == FL_EUSAGE);
  CHECK(ch_url_parse("clickhouse://h:99999/d", &u, &e) == FL_EUSAGE);
  CHECK(ch_url_parse("clickhouse://h?x:1/d", &u, &e) == FL_EUSAGE);
  CHECK(ch_url_parse("clickhouse://h:1/d?cluster=a)b", &u, &e) == FL_EUSAGE);
  CHECK(ch_url_parse("clickhouse://h:1/d?other=1", &u, &e) == FL_EUSAGE);
  CHECK(ch_url_parse("clickhouse://u:%00@h:1/d", &u, &e) == FL_EUSAGE);
  CHECK(ch_url_parse("clickhouse://h:1/", &u, &e) == FL_EUSAGE);
}

static void test_escaping(void) {
  fl_buf b = {0};
  const char hostile[] = "a'b\\c\n\td\x01\x7f\xc3\xa9";
  ch_sql_string(&b, hostile, sizeof hostile - 1);
  CHECK(b.len == strlen("'a\\'b\\\\c\\x0a\\x09d\\x01\\x7f\xc3\xa9'") &&
        memcmp(b.p, "'a\\'b\\\\c\\x0a\\x09d\\x01\\x7f\xc3\xa9'", b.len) == 0);
  b.len = 0;
  const char js[] = "q\"b\\\n\x1f\xff";
  ch_json_string(&b, js, sizeof js - 1);
  CHECK(b.len == strlen("\"q\\\"b\\\\\\u000a\\u001f\xff\"") &&
        memcmp(b.p, "\"q\\\"b\\\\\\u000a\\u001f\xff\"", b.len) == 0);
  fl_buf_free(&b);
}

static void test_tsv(void) {
  char line[] = "12\t\\N\ta\\tb\\\\N\\n\t\t\\\\N";
  ch_field f[8];
  long n = ch_tsv_split(line, strlen(line), f, 8);
  CHECK(n == 5);
  CHECK(f[0].n == 2 && memcmp(f[0].p, "12", 2) == 0);
  CHECK(f[1].p == NULL);
  CHECK(f[2].n == 6 && memcmp(f[2].p, "a\tb\\N\n", 6) == 0);
  CHECK(f[3].p != NULL && f[3].n == 0);
  CHECK(f[4].p != NULL && f[4].n == 2 && memcmp(f[4].p, "\\N", 2) == 0);
  char small[] = "a\tb\tc";
  CHECK(ch_tsv_split(small, strlen(small), f, 2) == -1);
  char tail[] = "x\\\ty\\";  /* a backslash ending a field stays itself */
  CHECK(ch_tsv_split(tail, strlen(tail), f, 8) == 2);
  CHECK(f[0].n == 2 && memcmp(f[0].p, "x\\", 2) == 0);
  CHECK(f[1].n == 2 && memcmp(f[1].p, "y\\", 2) == 0);
  char one[] = "";
  CHECK(ch_tsv_split(one, 0, f, 8) == 1 && f[0].n == 0 && f[0].p);
}

static int contains(fl_buf *b, const char *s) {
  if (fl_buf_reserve(b, 1)) return 0;
  b->p[b->len] = '\0';
  return strstr(b->p, s) != NULL;
}

/* A typed event as a JSON row: NULLs where the SQLite store binds NULL,
** "" kept apart from NULL, 64-bit values whole, the day partition key. */
static void test_typed_row(void) {
  fl_typed_event t;
  memset(&t, 0, sizeof t);
  t.kind = FL_KIND_OTHER;
  t.time = 133000000000000000u;
  t.record_id = 42;
  t.host.ptr = "H";
  t.host.len = 1;
  t.channel.ptr = "Security";
  t.channel.len = 8;
  t.provider.ptr = "";
  t.event_id = 4653;
  t.is_failure = 1;
  t.keying_module = 1;
  t.auth_method = -1;
  t.failure_point = -1;
  t.role = 0;
  t.state = -1;
  t.mode = -1;
  t.dos_started = -1;
  t.iscsi_failure_type = -1;
  t.has = FL_TE_ERROR_CODE | FL_TE_FILTER_ID;
  t.error_code = 13801;
  t.filter_id = UINT64_MAX;
  t.remote_address.ptr = "10.0.0.1";
  t.remote_address.len = 8;
  t.policy.ptr = "";
  /* the reader's fields, in select-list order */
  fl_buf sel = {0};
  ch_row_select_list(&sel);
  CHECK(sel.len > 0 && ch_row_field_count() > 30);
  fl_buf row = {0};
  ch_row_event(&row, &t, "r42", "f.evtx", 7, "{}", 2);
  CHECK(row.len > 0 && row.p[row.len - 1] == '\n');
  CHECK(contains(&row, "\"filter_id\":18446744073709551615"));
  CHECK(contains(&row, "\"auth_method\":null"));
  CHECK(contains(&row, "\"policy\":\"\""));
  CHECK(contains(&row, "\"local_address\":null"));
  CHECK(contains(&row, "\"day\":\"2022-06-18\""));
  fl_buf_free(&sel);
  fl_buf_free(&row);
}

static int sent_count;
static char sent_tables[8][16];
static int refuse_after = 100;

static int record_send(const char *table, const void *gz, size_t n, void *user) {
  (void)user;
  (void)gz;
  (void)n;
  if (sent_count >= refuse_after) return 1;
  snprintf(sent_tables[sent_count++ & 7], sizeof sent_tables[0], "%s", table);
  return 0;
}

static void test_spool(void) {
  char dir[] = "/tmp/fl-spool-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  ch_spool sp;
  fl_error e;
  int near = 0;
  CHECK(ch_spool_init(&sp, dir, 100, &e) == FL_OK);
  CHECK(ch_spool_put(&sp, "events", "0123456789", 10, &near, &e) == FL_OK && !near);
  CHECK(ch_spool_put(&sp, "sources", "0123456789012345678901234567890123456789"
                     "0123456789012345678901234567890", 71, &near, &e) == FL_OK && near);
  CHECK(ch_spool_put(&sp, "events", "0123456789012345678901", 22, &near, &e) == FL_ELIMIT);
  CHECK(ch_spool_put(&sp, "events", "x", 1, &near, &e) == FL_OK);
  CHECK(ch_spool_count(&sp) == 3);
  uint64_t left = 0;
  refuse_after = 1; /* the server takes one batch, then is gone again */
  CHECK(ch_spool_replay(&sp, record_send, NULL, &left, &e) == FL_OK && left == 2);
  refuse_after = 100;
  CHECK(ch_spool_replay(&sp, record_send, NULL, &left, &e) == FL_OK && left == 0);
  CHECK(sent_count == 3);
  CHECK_STR(sent_tables[0], "events");
  CHECK_STR(sent_tables[1], "sources");
  CHECK_STR(sent_tables[2], "events");
  CHECK(ch_spool_count(&sp) == 0);
  char lock[64];
  snprintf(lock, sizeof lock, "%s/.lock", dir);
  unlink(lock);
  rmdir(dir);
}

/* A `sql --store clickhouse://` result printed: names and types from the
** two header lines, integers and floats as JSON numbers, \N as null, a
** UInt64 beyond SQLite's range and nan as text, control bytes escaped;
** --limit; a row of the wrong width or no header is an error. */
static void print_result(const char *data, fl_store_format fmt, uint64_t limit,
                         char *out, size_t cap, fl_status *st) {
  FILE *f = tmpfile();
  fl_error err;
  fl_error_clear(&err);
  *st = ch_sql_result_print(data, strlen(data), fmt, limit, f, NULL, &err);
  rewind(f);
  size_t n = fread(out, 1, cap - 1, f);
  out[n] = '\0';
  fclose(f);
}

static void test_sql_result(void) {
  char out[1024];
  fl_status st;
  const char *res =
      "h\tn\tbig\tf\tz\n"
      "String\tUInt64\tUInt64\tFloat64\tNullable(Int32)\n"
      "a\\tb\\n\x1b[31m\t5\t18446744073709551615\tnan\t\\N\n"
      "x\t6\t1\t0.25\t-3\n";
  print_result(res, FL_STORE_JSONL, 0, out, sizeof out, &st);
  CHECK(st == FL_OK);
  CHECK_STR(out, "{\"h\":\"a\\tb\\n\\u001b[31m\",\"n\":5,\"big\":\"18446744073709551615\","
                 "\"f\":\"nan\",\"z\":null}\n"
                 "{\"h\":\"x\",\"n\":6,\"big\":1,\"f\":0.25,\"z\":-3}\n");
  print_result(res, FL_STORE_CSV, 1, out, sizeof out, &st);
  CHECK(st == FL_OK && strncmp(out, "h,n,big,f,z\r\n", 13) == 0 && !strstr(out, "x,6"));
  print_result("a\tb\nString\tString\nonly-one\n", FL_STORE_JSONL, 0, out, sizeof out, &st);
  CHECK(st == FL_EIO);
  print_result("", FL_STORE_TEXT, 0, out, sizeof out, &st);
  CHECK(st == FL_EIO);
  print_result("a\nString\n", FL_STORE_TEXT, 0, out, sizeof out, &st);
  CHECK(st == FL_OK && strstr(out, "a\n-") == out); /* a header, no rows */
}

int main(void) {
  RUN(test_sql_result);
  RUN(test_url);
  RUN(test_escaping);
  RUN(test_tsv);
  RUN(test_typed_row);
  RUN(test_spool);
  TEST_EXIT();
}
