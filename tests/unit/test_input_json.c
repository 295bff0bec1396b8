/*
** Unit tests of the JSON reader and of what all readers share: the real
** evtx_dump 4688 and Winlogbeat 4964 samples, NXLog's flat shape, JSON
** lines with a bad line in the middle, truncation, gzip, detection, the
** renderer (XML and JSONL output read back give the same record), and a
** directory walk. Expected values come from the samples' text.
**
** Must never: need the network, or fail (rather than SKIP) without ../shared.
*/
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "test_input_util.h"

static char *ti_sample(const char *name, size_t *n) {
  const char *sh = ti_shared();
  if (!sh) return NULL;
  char path[600];
  snprintf(path, sizeof path, "%s/samples/%s", sh, name);
  return ti_slurp(path, n);
}

static void test_json_evtx_dump_sample(void) {
  size_t n;
  char *x = ti_sample("evtx_dump-json-security-4688.snap", &n);
  if (!x) {
    SKIP(test_json_evtx_dump_sample, "FL_SHARED/samples absent");
    return;
  }
  CHECK(fl_input_detect(x, n) == FL_INPUT_JSON);
  ti_run *r = ti_read_fmt(x, n, FL_EVTX_RENDER_NONE, NULL);
  CHECK(r->st == FL_OK && r->nev == 1);
  CHECK(r->stats.warnings == 4); /* the four insta snapshot header lines */
  ti_event *t = &r->ev[0];
  CHECK(t->ev.event_id == 4688 && t->ev.version == 2 && t->ev.level == 0);
  CHECK(t->ev.task == 13312 && t->ev.opcode == 0);
  CHECK(t->ev.keywords == 0x8020000000000000ull);
  CHECK(t->ev.event_record_id == 1 && t->ev.process_id == 4 && t->ev.thread_id == 32);
  CHECK_STR(t->provider, "Microsoft-Windows-Security-Auditing");
  CHECK_STR(t->guid, "{54849625-5478-4994-A5BA-3E3B0328C30D}");
  CHECK_STR(t->channel, "Security");
  CHECK_STR(t->computer, "WIN-LL0C19JS506");
  CHECK(t->activity[0] == 0); /* "Correlation": null */
  CHECK(t->npairs == 15);
  CHECK_STR(t->names[0], "SubjectUserSid");
  CHECK_STR(ti_val(t, "TokenElevationType"), "%%1936");
  CHECK_STR(ti_val(t, "CommandLine"), "");
  CHECK_STR(ti_val(t, "MandatoryLabel"), "S-1-16-16384");
  free(r);
  /* rendered back, it has the EVTX reader's forms */
  r = ti_read_fmt(x, n, FL_EVTX_RENDER_JSONL, NULL);
  CHECK(strstr(r->out, "\"TimeCreated\":{\"#attributes\":{\"SystemTime\":"
                       "\"2018-07-28T07:24:45.7547870Z\"}}") != NULL);
  CHECK(strstr(r->out, "\"Keywords\":\"0x8020000000000000\"") != NULL);
  free(r);
  free(x);
}

static void test_json_winlogbeat_sample(void) {
  size_t n;
  char *x = ti_sample("winlogbeat-security-4964.golden.json", &n);
  if (!x) {
    SKIP(test_json_winlogbeat_sample, "FL_SHARED/samples absent");
    return;
  }
  ti_run *r = ti_read_fmt(x, n, FL_EVTX_RENDER_NONE, NULL);
  CHECK(r->st == FL_OK && r->nev == 2 && r->ndiag == 0);
  ti_event *t = &r->ev[0];
  CHECK(t->ev.event_id == 4964 && t->ev.event_record_id == 68259);
  CHECK(t->ev.process_id == 788 && t->ev.thread_id == 828);
  CHECK(t->ev.keywords == 0x8020000000000000ull);
  CHECK_STR(t->provider, "Microsoft-Windows-Security-Auditing");
  CHECK_STR(t->guid, "{54849625-5478-4994-A5BA-3E3B0328C30D}");
  CHECK_STR(t->activity, "{AF6B9825-FFD8-0000-2F9A-6BAFD8FFD501}");
  CHECK_STR(t->channel, "Security");
  CHECK_STR(t->computer, "WIN-41OB2LO92CR.wlbeat.local");
  CHECK(!(t->ev.present & FL_EVTX_HAS_TASK)); /* "Special Logon" is a name */
  CHECK(t->npairs == 11);
  CHECK_STR(ti_val(t, "TargetUserName"), "Administrator");
  CHECK_STR(ti_val(t, "SidList"),
            "\n\t\t%{S-1-5-21-101361758-2486510592-3018839910-519}");
  t = &r->ev[1];
  CHECK(t->ev.event_record_id == 68620 && t->ev.thread_id == 2608);
  free(r);
  free(x);
}

static void test_json_nxlog(void) {
  const char *x =
      "{\"EventTime\":\"2024-03-01 10:00:00\",\"Hostname\":\"srv1\","
      "\"Keywords\":-9218868437227405312,\"EventType\":\"AUDIT_FAILURE\","
      "\"SeverityValue\":4,\"Severity\":\"ERROR\",\"EventID\":4653,"
      "\"SourceName\":\"Microsoft-Windows-Security-Auditing\",\"ProviderGuid\":"
      "\"{54849625-5478-4994-A5BA-3E3B0328C30D}\",\"Version\":0,\"Task\":12547,"
      "\"OpcodeValue\":0,\"RecordNumber\":99,\"ExecutionProcessID\":660,"
      "\"ExecutionThreadID\":124,\"Channel\":\"Security\",\"Message\":\"An IPsec"
      " main mode negotiation failed.\",\"LocalAddress\":\"10.0.0.1\","
      "\"RemoteAddress\":\"10.0.0.2\",\"FailureReason\":\"Negotiation timed out\","
      "\"MMFilterID\":\"54919761\",\"EventReceivedTime\":\"2024-03-01 10:00:01\","
      "\"SourceModuleName\":\"in\",\"SourceModuleType\":\"im_msvistalog\"}\n";
  ti_run *r = ti_read(x);
  CHECK(r->st == FL_OK && r->nev == 1);
  ti_event *t = &r->ev[0];
  CHECK(t->ev.event_id == 4653 && t->ev.task == 12547 && t->ev.event_record_id == 99);
  CHECK(t->ev.keywords == 0x8010000000000000ull);
  CHECK(t->ev.process_id == 660 && t->ev.thread_id == 124);
  CHECK(t->ev.time_created == 133537608000000000ull);
  CHECK_STR(t->computer, "srv1");
  CHECK(t->npairs == 4);
  CHECK_STR(ti_val(t, "FailureReason"), "Negotiation timed out");
  CHECK(ti_val(t, "Message") == NULL && ti_val(t, "Severity") == NULL);
  free(r);
}

static void test_json_lines_damaged(void) {
  const char *x =
      "{\"EventID\":1,\"SourceName\":\"A\",\"X\":\"1\"}\n"
      "{\"EventID\":2,\"SourceName\":\"A\",\"X\":}\n"
      "{\"EventID\":3,\"SourceName\":\"A\",\"X\":\"3\"}\n"
      "{\"EventID\":4,\"SourceName\":\"A\",\"X\":\"4\"";
  ti_run *r = ti_read(x);
  CHECK(r->st == FL_EPARTIAL);
  CHECK(r->nev == 2 && r->ev[0].ev.event_id == 1 && r->ev[1].ev.event_id == 3);
  CHECK(r->stats.records == 2 && r->stats.records_skipped == 2);
  CHECK(r->ndiag == 2 && r->dg[0].line == 2 && r->dg[0].column > 30);
  CHECK(r->ndiag == 2 && r->dg[1].line == 4);
  free(r);
  /* a pretty-printed array with a broken element in the middle */
  const char *a = "[\n  {\n    \"EventID\": 1, \"SourceName\": \"A\"\n  },\n"
                  "  {\n    \"EventID\": 2, \"SourceName\": \n  },\n"
                  "  {\n    \"EventID\": 3, \"SourceName\": \"A\"\n  }\n]\n";
  r = ti_read(a);
  CHECK(r->st == FL_EPARTIAL && r->nev == 2 && r->stats.records_skipped == 1);
  CHECK(r->nev == 2 && r->ev[1].ev.event_id == 3);
  free(r);
}

static void test_json_not_events(void) {
  const char *x = "{\"scenario\":\"x\",\"records\":[1,2]}\n";
  ti_run *r = ti_read(x);
  CHECK(r->st == FL_EINPUT && r->nev == 0);
  free(r);
  r = ti_read("just text\n");
  CHECK(r->st == FL_EINPUT);
  free(r);
}

static void test_gzip(void) {
  const char *x = "<Events><Event><System><EventID>4653</EventID></System>"
                  "</Event></Events>";
  unsigned char gz[512];
  z_stream z;
  memset(&z, 0, sizeof z);
  deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  z.next_in = (Bytef *)(uintptr_t)x;
  z.avail_in = (uInt)strlen(x);
  z.next_out = gz;
  z.avail_out = sizeof gz;
  CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
  size_t n = sizeof gz - z.avail_out;
  deflateEnd(&z);
  CHECK(fl_input_detect(gz, n) == FL_INPUT_EVENT_XML);
  ti_run *r = ti_read_fmt(gz, n, FL_EVTX_RENDER_NONE, NULL);
  CHECK(r->st == FL_OK && r->nev == 1 && r->ev[0].ev.event_id == 4653);
  free(r);
  r = ti_read_fmt(gz, n - 12, FL_EVTX_RENDER_NONE, NULL); /* truncated */
  CHECK(r->st != FL_OK);
  free(r);
}

/* Any reader's record, rendered, then read back: the same record. */
static void test_render_round_trip(void) {
  const char *x =
      "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>"
      "<System><Provider Name='P&amp;Q' Guid='54849625-5478-4994-A5BA-"
      "3E3B0328C30D' EventSourceName='src'/><EventID Qualifiers='16384'>4653"
      "</EventID><Version>1</Version><Level>0</Level><Task>12547</Task>"
      "<Opcode>0</Opcode><Keywords>0x8010000000000000</Keywords><TimeCreated "
      "SystemTime='2020-07-10T17:20:06.687103300Z'/><EventRecordID>5"
      "</EventRecordID><Correlation ActivityID='{AF6B9825-FFD8-0000-2F9A-"
      "6BAFD8FFD501}'/><Execution ProcessID='660' ThreadID='124'/><Channel>"
      "Security</Channel><Computer>h</Computer><Security UserID='S-1-5-18'/>"
      "</System><EventData><Data Name='A'>x\"y&lt;z</Data><Data Name='A'>2"
      "</Data><Data>u</Data><Data Name='E'></Data></EventData></Event>";
  for (int f = 0; f < 2; f++) {
    fl_evtx_format fmt = f ? FL_EVTX_RENDER_JSONL : FL_EVTX_RENDER_XML;
    ti_run *a = ti_read_fmt(x, strlen(x), fmt, NULL);
    CHECK(a->nev == 1 && a->outlen > 0);
    ti_run *b = ti_read_fmt(a->out, a->outlen, fmt, NULL);
    CHECK(b->st == FL_OK && b->nev == 1);
    if (a->nev == 1 && b->nev == 1) {
      ti_event *p = &a->ev[0], *q = &b->ev[0];
      CHECK(p->ev.present == q->ev.present && q->ev.qualifiers == 16384);
      CHECK(p->ev.time_created == q->ev.time_created && q->ev.version == 1);
      CHECK(p->ev.keywords == q->ev.keywords && q->ev.thread_id == 124);
      CHECK_STR(q->provider, "P&Q");
      CHECK_STR(q->source, "src");
      CHECK_STR(q->guid, p->guid);
      CHECK_STR(q->user, "S-1-5-18");
      CHECK_STR(q->activity, p->activity);
      CHECK(q->npairs == 4);
      CHECK_STR(q->values[0], "x\"y<z");
      CHECK_STR(q->names[2], "");
      CHECK_STR(q->values[3], "");
      /* JSON keys for the repeated name get _1 (as lib/evtx): not undone */
      CHECK_STR(q->names[1], f ? "A_1" : "A");
      CHECK_STR(a->out, b->out); /* rendering is a fixed point */
    }
    free(a);
    free(b);
  }
}

static void test_render_api(void) {
  fl_evtx_pair pr = {{"N", 1}, {"v<", 2}};
  fl_evtx_event ev;
  memset(&ev, 0, sizeof ev);
  ev.present = FL_EVTX_HAS_EVENT_ID;
  ev.event_id = 7;
  ev.data = &pr;
  ev.data_count = 1;
  char buf[512];
  size_t n = fl_input_render(&ev, FL_EVTX_RENDER_XML, buf, sizeof buf);
  CHECK(n == strlen(buf));
  CHECK_STR(buf, "<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/"
                 "event\"><System><Provider/><EventID>7</EventID><Correlation/>"
                 "<Security/></System><EventData><Data Name=\"N\">v&lt;</Data>"
                 "</EventData></Event>\n");
  char small[8];
  CHECK(fl_input_render(&ev, FL_EVTX_RENDER_JSONL, small, sizeof small) > 7);
  CHECK(strlen(small) == 7);
}

static void test_directory_walk(void) {
  char dir[] = "/tmp/fl_input_test_XXXXXX";
  if (!mkdtemp(dir)) {
    CHECK(0);
    return;
  }
  char p[256];
  FILE *f;
  snprintf(p, sizeof p, "%s/b.xml", dir);
  f = fopen(p, "w");
  fputs("<Event><System><EventID>2</EventID></System></Event>", f);
  fclose(f);
  snprintf(p, sizeof p, "%s/a.jsonl", dir);
  f = fopen(p, "w");
  fputs("{\"EventID\":1,\"SourceName\":\"S\"}\n", f);
  fclose(f);
  snprintf(p, sizeof p, "%s/notes.txt", dir);
  f = fopen(p, "w");
  fputs("hello\n", f);
  fclose(f);
  snprintf(p, sizeof p, "%s/pipe", dir); /* issue 19: never waited on */
  CHECK(mkfifo(p, 0600) == 0);
  snprintf(p, sizeof p, "%s/sub", dir);
  mkdir(p, 0700);
  snprintf(p, sizeof p, "%s/sub/c.xml", dir);
  f = fopen(p, "w");
  fputs("<Event><System><EventID>3</EventID></System></Event>", f);
  fclose(f);
  ti_run *r = calloc(1, sizeof *r);
  fl_evtx_options o = ti_options(r, FL_EVTX_RENDER_NONE);
  fl_error err;
  r->st = fl_input_read(dir, &o, &r->stats, &err);
  /* skipped files make the read partial (issue 19 item 3) */
  CHECK(r->st == FL_EPARTIAL && r->nev == 3);
  CHECK(r->nev == 3 && r->ev[0].ev.event_id == 1 && r->ev[1].ev.event_id == 2 &&
        r->ev[2].ev.event_id == 3);
  CHECK(r->stats.warnings == 2 && r->ndiag == 2 && strstr(r->dg[0].message, "skipped"));
  CHECK(r->ndiag == 2 && strstr(r->dg[1].message, "a FIFO"));
  free(r);
  const char *rm[] = {"sub/c.xml", "sub", "notes.txt", "a.jsonl", "b.xml",
                      "pipe"};
  for (int i = 0; i < 6; i++) {
    snprintf(p, sizeof p, "%s/%s", dir, rm[i]);
    remove(p);
  }
  rmdir(dir);
}

static void test_detect(void) {
  CHECK(fl_input_detect("ElfFile\0xxxxxxx", 16) == FL_INPUT_EVTX);
  CHECK(fl_input_detect("  <?xml version='1.0'?><!-- c --><Events>", 40) ==
        FL_INPUT_EVENT_XML);
  CHECK(fl_input_detect("<wfpdiag><events/></wfpdiag>", 28) == FL_INPUT_NETSH_XML);
  CHECK(fl_input_detect("Record 1\n{\"Event\":{}}", 21) == FL_INPUT_JSON);
  CHECK(fl_input_detect("[{}]", 4) == FL_INPUT_JSON);
  CHECK(fl_input_detect("<html>", 6) == FL_INPUT_UNKNOWN);
  CHECK(fl_input_detect("", 0) == FL_INPUT_UNKNOWN);
  CHECK_STR(fl_input_format_name(FL_INPUT_NETSH_XML), "netsh");
  CHECK(fl_input_format_named("netsh") == FL_INPUT_NETSH_XML);
  CHECK(fl_input_format_named("nope") == FL_INPUT_UNKNOWN);
  CHECK(fl_input_format_named(NULL) == FL_INPUT_UNKNOWN);
}

int main(void) {
  RUN(test_json_evtx_dump_sample);
  RUN(test_json_winlogbeat_sample);
  RUN(test_json_nxlog);
  RUN(test_json_lines_damaged);
  RUN(test_json_not_events);
  RUN(test_gzip);
  RUN(test_render_round_trip);
  RUN(test_render_api);
  RUN(test_directory_walk);
  RUN(test_detect);
  TEST_EXIT();
}
