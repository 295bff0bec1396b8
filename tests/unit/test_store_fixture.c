/*
** Test-data writer for the store's CLI tests (tests/cli/test_store.sh):
**   test_store_fixture write PATH COUNT [corrupt]
**   test_store_fixture ids        (the in-scope ids, for bench/ingest.sh)
** writes an EVTX file with COUNT in-scope IPsec main mode failures (4653)
** over three hosts and fifty peers, an out-of-scope logon (4624) after every
** fourth, one iScsiPrt error, and hostile text (escape sequences, a CSV
** formula) in the first event's peer principal name; `corrupt` damages the
** second chunk so the reader skips it. Run with no arguments it checks
** itself and prints PASS/FAIL lines for tests/run.
** Never writes anywhere but PATH; uses only the public API.
*/
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"

#include "faultline.h"

#define F_STR(n, s) {n, {FL_EVTX_W_STRING, 0, {.str = s}}}

static fl_status add_mm_failure(fl_evtx_writer *w, uint64_t i, fl_error *err) {
  char host[32], peer[32], principal[64];
  snprintf(host, sizeof host, "HOST%u.corp.example", (unsigned)(i % 3) + 1);
  snprintf(peer, sizeof peer, "198.51.100.%u", (unsigned)(i % 50) + 1);
  snprintf(principal, sizeof principal, "%s",
           i == 0 ? "=HYPERLINK(\"x\")\x1b[31mred\r\n" : "CORP\\peer");
  fl_evtx_w_field f[] = {
      F_STR("LocalMMPrincipalName", "CORP\\host"),
      F_STR("RemoteMMPrincipalName", principal),
      F_STR("LocalAddress", "10.0.0.5"), F_STR("LocalKeyModPort", "500"),
      F_STR("RemoteAddress", peer), F_STR("RemoteKeyModPort", "500"),
      F_STR("KeyModName", "%%8222"), F_STR("FailurePoint", "%%8200"),
      F_STR("FailureReason", i % 2 ? "Negotiation timed out"
                                   : "IKE authentication credentials are unacceptable"),
      F_STR("MMAuthMethod", "%%8194"), F_STR("State", "%%8202"),
      F_STR("Role", "%%8205"), F_STR("MMImpersonationState", "%%8217"),
      F_STR("MMFilterID", "54919761"),
      F_STR("InitiatorCookie", "db55d3767e51b422"),
      F_STR("ResponderCookie", "0000000000000000")};
  fl_evtx_w_event e = {0};
  e.provider_name = "Microsoft-Windows-Security-Auditing";
  e.event_id = 4653;
  e.keywords = 0x8010000000000000ull;
  e.task = 12547;
  e.time_created = fl_evtx_w_filetime(1714564800 + (int64_t)i, 0);
  e.channel = "Security";
  e.computer = host;
  e.fields = f;
  e.field_count = sizeof f / sizeof *f;
  return fl_evtx_writer_add(w, &e, err);
}

static fl_status add_other(fl_evtx_writer *w, uint64_t i, int iscsi,
                           fl_error *err) {
  fl_evtx_w_field logon[] = {F_STR("TargetUserName", "alice"),
                             F_STR("LogonType", "3")};
  fl_evtx_w_field dump[] = {F_STR("", "\\Device\\RaidPort1"),
                            F_STR("", "iqn.1991-05.com.example:target1")};
  fl_evtx_w_event e = {0};
  e.time_created = fl_evtx_w_filetime(1714564800 + (int64_t)i, 5000);
  e.computer = "HOST1.corp.example";
  if (iscsi) {
    e.provider_name = "iScsiPrt";
    e.event_id = 1;
    e.has_qualifiers = 1;
    e.qualifiers = 0xC000;
    e.channel = "System";
    e.body = FL_EVTX_W_BODY_CLASSIC;
    e.fields = dump;
    e.field_count = 2;
  } else {
    e.provider_name = "Microsoft-Windows-Security-Auditing";
    e.event_id = 4624;
    e.channel = "Security";
    e.fields = logon;
    e.field_count = 2;
  }
  return fl_evtx_writer_add(w, &e, err);
}

static int write_fixture(const char *path, uint64_t count, int corrupt) {
  fl_evtx_writer_options o = {0};
  if (corrupt) {
    o.corrupt = FL_EVTX_W_CORRUPT_MAGIC;
    o.corrupt_chunk = 1;
  }
  fl_evtx_writer *w = NULL;
  fl_error err;
  fl_error_clear(&err);
  fl_status st = fl_evtx_writer_open(path, &o, &w, &err);
  for (uint64_t i = 0; st == FL_OK && i < count; i++) {
    st = add_mm_failure(w, i, &err);
    if (st == FL_OK && i % 4 == 3) st = add_other(w, i, 0, &err);
    if (st == FL_OK && i == count / 2) st = add_other(w, i, 1, &err);
  }
  if (w) {
    fl_status c = fl_evtx_writer_close(w, st == FL_OK ? &err : NULL);
    if (st == FL_OK) st = c;
  }
  if (st != FL_OK) {
    char msg[600];
    fl_error_format(&err, msg, sizeof msg);
    fprintf(stderr, "test_store_fixture: %s\n", msg);
    return 1;
  }
  return 0;
}

static char self_path[64];

static int count_matching(const fl_evtx_event *ev, void *user) {
  fl_typed_event t;
  *(uint64_t *)user += (uint64_t)fl_catalog_type_event(ev, &t);
  return 0;
}

static void fixture_roundtrip(void) {
  CHECK(write_fixture(self_path, 40, 0) == 0);
  fl_evtx_file *f = NULL;
  fl_error err;
  CHECK(fl_evtx_open(self_path, &f, &err) == FL_OK);
  uint64_t in_scope = 0;
  fl_evtx_options o = {0};
  o.on_record = count_matching;
  o.user = &in_scope;
  fl_evtx_stats st;
  CHECK(f && fl_evtx_read(f, &o, &st, &err) == FL_OK);
  CHECK(in_scope == 41); /* 40 failures + the iScsiPrt error */
  CHECK(st.records == 51);
  fl_evtx_close(f);
  unlink(self_path);
}

/* The ids the store keeps, comma-separated (for bench/ingest.sh). */
static int print_ids(void) {
  const uint32_t *ids;
  size_t n = fl_store_scope_ids(&ids);
  for (size_t i = 0; i < n; i++) printf("%s%u", i ? "," : "", (unsigned)ids[i]);
  putchar('\n');
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 2 && !strcmp(argv[1], "ids")) return print_ids();
  if (argc >= 4 && !strcmp(argv[1], "write"))
    return write_fixture(argv[2], strtoull(argv[3], NULL, 10),
                         argc > 4 && !strcmp(argv[4], "corrupt"));
  snprintf(self_path, sizeof self_path, "/tmp/fl_fixture_%d.evtx", (int)getpid());
  RUN(fixture_roundtrip);
  TEST_EXIT();
}
