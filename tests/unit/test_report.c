/*
** Unit tests for lib/report/: the escapers, UTC times, and the text, JSON
** and CSV reports over hand-made results full of hostile strings. JSON and
** CSV are parsed back with python3 (json, csv modules) and compared cell by
** cell. Never depends on lib/diag (results are built by hand).
*/
#include "harness.h"
#include "test_report_fixture.h"
#include "test_report_util.h"

static char *esc(void (*fn)(FILE *, const char *), const char *s) {
  char *buf = NULL;
  size_t n = 0;
  FILE *m = open_memstream(&buf, &n);
  fn(m, s);
  fclose(m);
  return buf;
}

static void term_keep(FILE *o, const char *s) { rp_term_str(o, s, 1); }
static void term_line(FILE *o, const char *s) { rp_term_str(o, s, 0); }

static void escapers_exact(void) {
  char *s;
  s = esc(term_line, "a\x1b[31mb\n\t\x7f\xc2\x9b\xff\xc3(é");
  CHECK_STR(s, "a\\x1b[31mb\\x0a\\x09\\x7f\\xc2\\x9b\\xff\\xc3(é"); free(s);
  s = esc(term_keep, "x\ny");
  CHECK_STR(s, "x\ny"); free(s);
  s = esc(rp_json_str, "q\"b\\s</script>\x01\xff\xe2\x80\xa8ok");
  CHECK_STR(s, "\"q\\\"b\\\\s<\\/script>\\u0001\\ufffd\\u2028ok\""); free(s);
  s = esc(rp_html_str, "<a href='x'>&\"\x1b\xff");
  CHECK_STR(s, "&lt;a href=&#39;x&#39;&gt;&amp;&quot;\xEF\xBF\xBD\xEF\xBF\xBD"); free(s);
  s = esc(rp_csv_cell, FX_FORMULA);
  CHECK_STR(s, "\"'=cmd|' /C calc'!A0\""); free(s);
  s = esc(rp_csv_cell, "-1+2");
  CHECK_STR(s, "\"'-1+2\""); free(s);
  s = esc(rp_csv_cell, "a,\"b\"");
  CHECK_STR(s, "\"a,\"\"b\"\"\""); free(s);
  s = esc(rp_csv_cell, "plain");
  CHECK_STR(s, "plain"); free(s);
  s = esc(rp_csv_cell, "\tx");
  CHECK_STR(s, "\"'\tx\""); free(s);
  CHECK(rp_term_width("a\x1b" "b\xc3\xa9", 0) == 7);
}

static void times_are_utc_iso(void) {
  char b[32];
  rp_iso_time(FX_T0, b, sizeof b);
  CHECK_STR(b, "2024-03-05T10:00:00Z");
  rp_iso_time(133537247990000000ULL, b, sizeof b);
  CHECK_STR(b, "2024-02-29T23:59:59Z");
  rp_iso_time(1, b, sizeof b);
  CHECK_STR(b, "1601-01-01T00:00:00Z");
  rp_iso_time(0, b, sizeof b);
  CHECK_STR(b, "");
  rp_iso_time(UINT64_MAX, b, sizeof b);
  CHECK(strlen(b) > 19 && b[strlen(b) - 1] == 'Z');
}

static void text_summary_findings_notes(void) {
  const fl_diag_result *r = fx_build();
  fl_report_options o = {0, 0, NULL};
  fl_status st;
  size_t n;
  char *t = ru_render(fl_report_text, r, &o, &n, &st);
  CHECK(st == FL_OK && t);
  if (!t) return;
  CHECK(ru_valid_utf8(t, n));
  CHECK(ru_count_controls(t, n, "\n") == 0);       /* no ESC, BEL, ... */
  CHECK(strstr(t, "srv\\x1b[31mRED\\x1b[0m\\x07"));
  CHECK(strstr(t, "c1\\xc2\\x9b2J"));               /* C1 CSI escaped */
  CHECK(strstr(t, "bad\\xff\\xfeutf8\\xc3("));
  CHECK(strstr(t, "2024-03-05T10:00:00Z .. 2024-03-05T14:10:00Z"));
  CHECK(strstr(t, "Security.evtx"));
  CHECK(strstr(t, "120345        3       812"));
  CHECK(strstr(t, "3 raised, 1 benign"));
  const char *f1 = strstr(t, "[1] Peer does not trust");
  const char *f2 = strstr(t, "[2] =cmd");
  const char *bn = strstr(t, "Benign, never raised");
  const char *cv = strstr(t, "Coverage notes");
  CHECK(f1 && f2 && bn && cv && f1 < f2 && f2 < bn && bn < cv);
  CHECK(strstr(t, "ERROR_IPSEC_IKE_AUTH_FAIL (13801)"));
  CHECK(strstr(t, "ISDSC_AUTHENTICATION_FAILURE (0xEFFF0009)"));
  CHECK(strstr(t, "+3 more"));                       /* 6 kept, 3 shown */
  CHECK(strstr(t, "fix: auditpol /set"));
  CHECK(strstr(t, "ongoing") && strstr(t, "intermittent"));
  CHECK(strstr(t, "Host -> peer   <script>alert(1)</script> (+1 more) -> "));
  CHECK(strstr(t, "long-aaaa") && strstr(t, "...[+4880 bytes]"));
  for (const char *p = t; *p;) { /* wrapped text stays within 78 columns */
    size_t len = strcspn(p, "\n");
    int raw_field = 0; /* event strings are cut, not wrapped */
    for (size_t i = 0; i < len; i++) raw_field |= p[i] == ':' || p[i] == '>';
    if (len > 78 && !raw_field)
      CHECK(rp_term_widthn(p, len, 0) <= 78);
    p += len + (p[len] ? 1 : 0);
  }
  const char *msg = strstr(t, "IKE failed to find valid machine certificate.");
  CHECK(msg && strcspn(msg, "\n") + 19 <= 78);
  free(t);
}

static void text_colour_only_when_asked(void) {
  const fl_diag_result *r = fx_build();
  fl_report_options o = {1, 1, NULL};
  fl_status st;
  size_t n;
  char *t = ru_render(fl_report_text, r, &o, &n, &st);
  CHECK(st == FL_OK && t);
  if (!t) return;
  CHECK(strstr(t, "\x1b[1;31mongoing\x1b[0m"));
  CHECK(strstr(t, "\x1b[1;33mintermittent\x1b[0m"));
  CHECK(strstr(t, "\x1b[1;32mrecovered\x1b[0m"));
  /* every ESC is one of ours: ESC [ digits/; m */
  for (const char *p = t; (p = strchr(p, 0x1b)) != NULL; p++) {
    size_t k = strspn(p + 2, "0123456789;");
    CHECK(p[1] == '[' && p[2 + k] == 'm');
  }
  CHECK(strstr(t, "Why "));                          /* verbose extras */
  CHECK(!strstr(t, "+3 more"));
  free(t);
}

static const char json_check_py[] =
    "import json, sys\n"
    "raw = open(sys.argv[1], 'rb').read()\n"
    "assert b'</' not in raw, 'unescaped </'\n"
    "d = json.loads(raw.decode('utf-8'))\n"
    "assert d['schema_version'] == 1\n"
    "s = d['summary']\n"
    "assert s['episodes'] == 4 and s['findings'] == 3 and s['benign'] == 1, s\n"
    "assert s['first_time'] == '2024-03-05T10:00:00Z'\n"
    "assert s['first_time_filetime'] == 133541064000000000\n"
    "e = d['episodes']\n"
    "assert e[0]['host'] == '<script>alert(1)</script>'\n"
    "assert e[0]['peer'] == '\"><img src=x onerror=alert(2)>'\n"
    "assert e[0]['hosts'][1] == 'srv02.corp.example' and len(e[0]['peers']) == 3\n"
    "assert e[0]['check'].startswith('Run certutil -verify.\\n</script>')\n"
    "assert e[0]['error']['symbol'] == 'ERROR_IPSEC_IKE_AUTH_FAIL'\n"
    "assert e[0]['error']['code'] == 13801 and e[0]['error']['family'] == 'win32'\n"
    "assert len(e[0]['evidence']) == 6 and e[0]['evidence'][2]['file'].startswith('=cmd')\n"
    "assert len(e[0]['times_filetime']) == 200\n"
    "assert e[0]['state'] == 'ongoing' and e[0]['finding'] is True\n"
    "assert e[1]['host'] == 'srv\\x1b[31mRED\\x1b[0m\\x07'\n"
    "assert e[1]['peer'] == b'bad\\xff\\xfeutf8\\xc3('.decode('utf-8', 'replace')\n"
    "assert e[1]['keying_module'] == 'c1\\x9b2J'\n"
    "assert e[1]['cause_title'] == '=cmd|\\' /C calc\\'!A0'\n"
    "assert e[2]['host'].startswith('long-') and len(e[2]['host']) == 5000\n"
    "assert e[2]['error']['hex'] == '0xEFFF0009'\n"
    "assert e[3]['benign'] is True and e[3]['finding'] is False\n"
    "assert e[3]['error'] is None and e[3]['evidence'] == []\n"
    "assert d['notes'][0]['command'].startswith('auditpol')\n"
    "assert d['sources'][1]['path'] == '<script>alert(1)</script>.xml'\n"
    "assert d['sources'][0]['records'] == 120345\n";

static void json_parses_and_round_trips(void) {
  const fl_diag_result *r = fx_build();
  fl_status st;
  size_t n;
  char *j = ru_render(fl_report_json, r, NULL, &n, &st);
  CHECK(st == FL_OK && j);
  if (!j) return;
  CHECK(ru_valid_utf8(j, n));
  CHECK(ru_count_controls(j, n, "\n") == 0);
  char path[128];
  CHECK(ru_tmpfile(j, n, ".json", path, sizeof path) == 0);
  char cmd[256];
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 -m json.tool %s >/dev/null", path);
  if (access("/usr/bin/python3", X_OK) == 0) {
    CHECK(system(cmd) == 0);
    CHECK(ru_python(json_check_py, path, NULL) == 0);
  }
  unlink(path);
  free(j);
}

/* python: parse the CSV, and compare the cells named in the expectations
** file (row col hex-of-raw-bytes) after the documented transformation:
** invalid UTF-8 -> U+FFFD, leading = + - @ TAB CR -> "'" prefix. */
static const char csv_check_py[] =
    "import csv, sys\n"
    "rows = list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))\n"
    "assert len(rows) == 5, len(rows)\n"
    "assert all(len(r) == len(rows[0]) for r in rows), [len(r) for r in rows]\n"
    "col = {name: i for i, name in enumerate(rows[0])}\n"
    "for line in open(sys.argv[2]):\n"
    "    row, name, hx = line.split()\n"
    "    v = bytes.fromhex(hx).decode('utf-8', 'replace') if hx != '-' else ''\n"
    "    v = ''.join('\\ufffd' if (ord(ch) < 32 and ch not in '\\t\\n\\r')\n"
    "                or 0x7f <= ord(ch) <= 0x9f else ch for ch in v)  # controls\n"
    "    if v[:1] in ('=', '+', '-', '@', '\\t', '\\r'): v = \"'\" + v\n"
    "    got = rows[int(row)][col[name]]\n"
    "    assert got == v, (row, name, got[:80], v[:80])\n"
    "assert rows[1][col['evidence']].startswith('Security.evtx#record 1000; ')\n"
    "assert rows[1][col['state']] == 'ongoing' and rows[4][col['benign']] == '1'\n";

static void expect_cell(FILE *f, int row, const char *name, const char *v) {
  fprintf(f, "%d %s ", row, name);
  if (!v || !*v) fputc('-', f);
  for (const unsigned char *p = (const unsigned char *)v; p && *p; p++)
    fprintf(f, "%02x", *p);
  fputc('\n', f);
}

static void csv_parses_to_same_cells(void) {
  const fl_diag_result *r = fx_build();
  fl_status st;
  size_t n;
  char *c = ru_render(fl_report_csv, r, NULL, &n, &st);
  CHECK(st == FL_OK && c);
  if (!c) return;
  CHECK(ru_valid_utf8(c, n));
  CHECK(strstr(c, "\"'=cmd|' /C calc'!A0\""));
  CHECK(!strstr(c, ",=cmd") && !strstr(c, "\"=cmd"));
  char path[128], exp[128];
  CHECK(ru_tmpfile(c, n, ".csv", path, sizeof path) == 0);
  char *ebuf = NULL;
  size_t elen = 0;
  FILE *ef = open_memstream(&ebuf, &elen);
  for (size_t i = 0; i < r->episode_count; i++) {
    const fl_episode *e = &r->episodes[i];
    expect_cell(ef, (int)i + 1, "host", e->host);
    expect_cell(ef, (int)i + 1, "peer", e->peer);
    expect_cell(ef, (int)i + 1, "cause_title", e->cause_title);
    expect_cell(ef, (int)i + 1, "keying_module", e->keying_module);
    expect_cell(ef, (int)i + 1, "check", e->check);
  }
  expect_cell(ef, 1, "first_seen", "2024-03-05T10:00:00Z");
  expect_cell(ef, 2, "error_symbol", "ERROR_IPSEC_IKE_NO_CERT");
  expect_cell(ef, 1, "peers", FX_XSS_PEER "; 10.0.0.6; " FX_FORMULA);
  fclose(ef);
  CHECK(ru_tmpfile(ebuf, elen, ".txt", exp, sizeof exp) == 0);
  int rc = ru_python(csv_check_py, path, exp);
  CHECK(rc == 0 || rc == -2);
  unlink(path);
  unlink(exp);
  free(ebuf);
  free(c);
}

static void empty_result_and_errors(void) {
  fl_diag_result empty;
  memset(&empty, 0, sizeof empty);
  ru_writer w[] = {fl_report_text, fl_report_json, fl_report_csv, fl_report_html};
  for (size_t i = 0; i < 4; i++) {
    fl_status st;
    size_t n;
    char *s = ru_render(w[i], &empty, NULL, &n, &st);
    CHECK(st == FL_OK && s && n > 0);
    free(s);
    fl_error err;
    CHECK(w[i](NULL, &empty, NULL, &err) == FL_EUSAGE);
    CHECK(w[i](stdout, NULL, NULL, &err) == FL_EUSAGE);
    FILE *full = fopen("/dev/full", "w");
    if (full) {
      CHECK(w[i](full, fx_build(), NULL, &err) == FL_EIO);
      fclose(full);
    }
  }
  fl_episode bad = {0};
  fl_diag_result r = {0};
  r.episode_count = 1;
  r.episodes = &bad; /* NULL strings, NULL arrays with counts */
  bad.host_count = 3;
  bad.evidence_count = 9;
  bad.confidence = 0.0 / 0.0;
  for (size_t i = 0; i < 4; i++) {
    fl_status st;
    char *s = ru_render(w[i], &r, NULL, NULL, &st);
    CHECK(st == FL_OK && s);
    free(s);
  }
  r.episodes = NULL;
  fl_error err;
  CHECK(fl_report_json(stdout, &r, NULL, &err) == FL_EUSAGE);
}

static void json_empty_is_valid(void) {
  fl_diag_result empty;
  memset(&empty, 0, sizeof empty);
  fl_status st;
  size_t n;
  char *j = ru_render(fl_report_json, &empty, NULL, &n, &st);
  if (!j) { CHECK(0); return; }
  char path[128];
  CHECK(ru_tmpfile(j, n, ".json", path, sizeof path) == 0);
  int rc = ru_python("import json,sys\nd=json.load(open(sys.argv[1]))\n"
                     "assert d['episodes']==[] and d['summary']['first_time'] is None\n",
                     path, NULL);
  CHECK(rc == 0 || rc == -2);
  unlink(path);
  free(j);
}

int main(void) {
  RUN(escapers_exact);
  RUN(times_are_utc_iso);
  RUN(text_summary_findings_notes);
  RUN(text_colour_only_when_asked);
  RUN(json_parses_and_round_trips);
  RUN(json_empty_is_valid);
  RUN(csv_parses_to_same_cells);
  RUN(empty_result_and_errors);
  TEST_EXIT();
}
