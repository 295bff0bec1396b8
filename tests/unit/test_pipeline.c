/*
** Unit tests for lib/pipeline's live intake (what `faultline serve` uses):
** pushes into one named stream, commit, end, and abort of a stream whose
** commit failed. The store sink writes into a SQLite database in /tmp
** (removed); a counting sink checks what every sink hears.
*/
#include <unistd.h>

#include "harness.h"

#include "faultline.h"

static char db_path[128];

static void remove_db(void) { th_remove_sqlite(db_path); }

/* One in-scope Security event (4653: IPsec main mode failed), record id rid. */
static size_t event_xml(char *out, size_t cap, unsigned rid) {
  int n = snprintf(out, cap,
      "<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"><System>"
      "<Provider Name=\"Microsoft-Windows-Security-Auditing\" "
      "Guid=\"{54849625-5478-4994-A5BA-3E3B0328C30D}\"/><EventID>4653</EventID>"
      "<Version>0</Version><Level>0</Level><Task>12547</Task><Opcode>0</Opcode>"
      "<Keywords>0x8010000000000000</Keywords>"
      "<TimeCreated SystemTime=\"2024-03-04T08:24:%02u.000000000Z\"/>"
      "<EventRecordID>%u</EventRecordID><Correlation/>"
      "<Execution ProcessID=\"628\" ThreadID=\"1172\"/><Channel>Security</Channel>"
      "<Computer>HOST1.corp.example.org</Computer><Security/></System><EventData>"
      "<Data Name=\"LocalAddress\">10.0.0.1</Data><Data Name=\"RemoteAddress\">10.0.0.2</Data>"
      "<Data Name=\"FailureReason\">%%%%13833</Data></EventData></Event>\n",
      rid % 60, rid);
  return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

typedef struct counter {
  unsigned begins, events, ends;
  fl_status last_end;
} counter;

static fl_status c_begin(void *self, const fl_pipeline_source *src, int *have, fl_error *err) {
  (void)src, (void)err;
  ((counter *)self)->begins++;
  *have = 0;
  return FL_OK;
}
static fl_status c_event(void *self, const fl_pipeline_source *src, const fl_evtx_event *rec,
                         const fl_typed_event *t, fl_error *err) {
  (void)src, (void)rec, (void)t, (void)err;
  ((counter *)self)->events++;
  return FL_OK;
}
static fl_status c_end(void *self, const fl_pipeline_source *src, fl_status read,
                       const fl_pipeline_stats *st, fl_error *err) {
  (void)src, (void)st, (void)err;
  counter *c = self;
  c->ends++;
  c->last_end = read;
  return FL_OK;
}

typedef struct rig {
  fl_store *store;
  fl_pipeline_store sink;
  counter count;
  fl_pipeline *p;
} rig;

static int rig_open(rig *r) {
  memset(r, 0, sizeof *r);
  remove_db();
  fl_error err;
  if (fl_store_open(db_path, 0, &r->store, &err) != FL_OK) return -1;
  r->sink.store = r->store;
  fl_pipeline_options o;
  memset(&o, 0, sizeof o);
  if (fl_pipeline_new(&o, &r->p, &err) != FL_OK) return -1;
  fl_pipeline_sink s = fl_pipeline_store_sink(&r->sink);
  fl_pipeline_sink c = {&r->count, NULL, c_begin, c_event, c_end, NULL};
  if (fl_pipeline_add_sink(r->p, &s, &err) != FL_OK) return -1;
  return fl_pipeline_add_sink(r->p, &c, &err) == FL_OK ? 0 : -1;
}

static void rig_close(rig *r) {
  fl_pipeline_free(r->p);
  fl_store_close(r->store);
  remove_db();
}

static long long scalar(fl_store *s, const char *sql) {
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  fl_error err;
  uint64_t rows = 0;
  fl_status st = fl_store_sql(s, sql, FL_STORE_CSV, 0, out, &rows, &err);
  fclose(out);
  long long v = -1;
  const char *nl = buf ? strchr(buf, '\n') : NULL;
  if (st == FL_OK && nl) v = atoll(nl + 1);
  free(buf);
  return v;
}

/* Pushes events first..last (record ids) as one payload. */
static fl_status push(rig *r, unsigned first, unsigned last, uint64_t *seq) {
  static char buf[1 << 16];
  size_t n = 0;
  for (unsigned i = first; i <= last; i++) n += event_xml(buf + n, sizeof buf - n, i);
  fl_error err;
  return fl_pipeline_push(r->p, "serve", FL_INPUT_EVENT_XML, buf, n, seq, &err);
}

static void push_commit_end(void) {
  rig r;
  CHECK(rig_open(&r) == 0);
  uint64_t seq = 0, done = 0;
  fl_error err;
  CHECK(push(&r, 1, 3, &seq) == FL_OK && seq == 1);
  CHECK(fl_pipeline_committed(r.p) == 0);
  CHECK(fl_pipeline_commit(r.p, &done, &err) == FL_OK && done == 1);
  CHECK(push(&r, 3, 5, &seq) == FL_OK && seq == 2); /* 3 again: stored once */
  CHECK(fl_pipeline_commit(r.p, &done, &err) == FL_OK && done == 2);
  CHECK(r.count.begins == 1 && r.count.events == 6 && r.count.ends == 0);
  CHECK(scalar(r.store, "SELECT count(*) FROM events") == 5);
  CHECK(fl_pipeline_end_stream(r.p, &err) == FL_OK);
  CHECK(r.count.ends == 1 && r.count.last_end == FL_OK);
  CHECK(scalar(r.store, "SELECT count(*) FROM sources") == 1);
  CHECK(scalar(r.store, "SELECT count(*) FROM sources WHERE status = 'complete'") == 1);
  CHECK(r.sink.last.inserted == 5 && r.sink.last.duplicates == 1);
  rig_close(&r);
}

/* A failed commit's senders send again: abort drops what was not committed
** and the next push begins a new source. */
static void abort_drops_uncommitted(void) {
  rig r;
  CHECK(rig_open(&r) == 0);
  fl_error err;
  CHECK(push(&r, 1, 2, NULL) == FL_OK);
  CHECK(fl_pipeline_commit(r.p, NULL, &err) == FL_OK);
  CHECK(push(&r, 3, 4, NULL) == FL_OK);
  fl_pipeline_abort_stream(r.p);
  CHECK(r.count.ends == 1 && r.count.last_end != FL_OK);
  CHECK(scalar(r.store, "SELECT count(*) FROM events") == 2);
  fl_pipeline_abort_stream(r.p); /* no stream open: nothing happens */
  CHECK(r.count.ends == 1);
  CHECK(push(&r, 3, 4, NULL) == FL_OK); /* the resend */
  CHECK(r.count.begins == 2);
  CHECK(fl_pipeline_end_stream(r.p, &err) == FL_OK);
  CHECK(scalar(r.store, "SELECT count(*) FROM events") == 4);
  /* SQLite resumes the 'ingesting' row of the same name */
  CHECK(scalar(r.store, "SELECT count(*) FROM sources") == 1);
  CHECK(scalar(r.store, "SELECT count(*) FROM sources WHERE status = 'complete'") == 1);
  rig_close(&r);
}

/* Bytes no reader knows are not events: the stream stays open. */
static void garbage_push_keeps_stream(void) {
  rig r;
  CHECK(rig_open(&r) == 0);
  fl_error err;
  CHECK(push(&r, 1, 1, NULL) == FL_OK);
  fl_status st = fl_pipeline_push(r.p, "serve", FL_INPUT_EVENT_XML, "<<<\x01", 4, NULL, &err);
  CHECK(st != FL_OK);
  CHECK(push(&r, 2, 2, NULL) == FL_OK);
  CHECK(fl_pipeline_commit(r.p, NULL, &err) == FL_OK);
  CHECK(r.count.begins == 1);
  CHECK(scalar(r.store, "SELECT count(*) FROM events") == 2);
  rig_close(&r);
}

int main(void) {
  snprintf(db_path, sizeof db_path, "/tmp/fl_test_pipeline_%d.db", (int)getpid());
  RUN(push_commit_end);
  RUN(abort_drops_uncommitted);
  RUN(garbage_push_keeps_stream);
  TEST_EXIT();
}
