/*
** The field extractor's per-template plan (lib/evtx/evtx_replay.c) must give
** exactly what replaying every op gives: every System field and every
** EventData/UserData pair of every record, on generated files of every
** scenario (hostile text included) and on every EVTX file of
** ../shared/evtx-corpus (clean, dirty, truncated, template-less), and on
** hand-built templates whose shapes neither of those has.
**
** Never writes outside a temporary directory; the corpus part is skipped
** with a message when ../shared (FL_SHARED) is absent.
*/
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fl_crc32.h"
#include "evtx/evtx_internal.h"
#include "evtx_event_text.h"
#include "faultline.h"
#include "evtx_files.h"
#include "harness.h"
#include "raw_binxml.h"

/* Every field of every record, as text. */
typedef struct digest {
  fl_buf text;
  uint64_t records;
} digest;

static int on_record(const fl_evtx_event *ev, void *user) {
  digest *d = user;
  fl_test_event_text(&d->text, ev);
  d->records++;
  return 0;
}

static void on_diag(const fl_evtx_diag *dg, void *user) {
  digest *d = user;
  fl_evtx_buf_put(&d->text, "\nDIAG ", 6);
  fl_evtx_buf_put(&d->text, dg->message, strlen(dg->message));
}

static int read_fields(const char *path, int planned, unsigned flags,
                       digest *d) {
  fl_evtx_file *f = NULL;
  fl_error err;
  memset(d, 0, sizeof *d);
  if (fl_evtx_open(path, &f, &err) != FL_OK) return -1;
  fl_evtx_options o;
  memset(&o, 0, sizeof o);
  o.flags = flags;
  o.threads = 1;
  o.format = FL_EVTX_RENDER_NONE;
  o.on_record = on_record;
  o.on_diag = on_diag;
  o.user = d;
  fl_evtx_fields_plan_enabled = planned;
  fl_evtx_read(f, &o, NULL, &err);
  fl_evtx_fields_plan_enabled = 1;
  fl_evtx_close(f);
  return d->text.failed ? -1 : 0;
}

/* 1 when the two replays agree on path (flags: plain and --recover; the
** latter only on files under 8 MB: it reads the same records again plus
** the carved ones). *planned counts the records the plan served. */
static int same_fields(const char *path, uint64_t *records, uint64_t *planned) {
  static const unsigned flag_sets[] = {0, FL_EVTX_RECOVER};
  struct stat st;
  size_t sets = stat(path, &st) == 0 && st.st_size < 8000000 ? 2 : 1;
  for (size_t k = 0; k < sets; k++) {
    digest a, b;
    atomic_store(&fl_evtx_fields_plan_records, 0);
    int ra = read_fields(path, 2, flag_sets[k], &a);
    *planned += atomic_load(&fl_evtx_fields_plan_records);
    int rb = read_fields(path, 0, flag_sets[k], &b);
    int same = ra == rb && a.text.len == b.text.len &&
               (!a.text.len || memcmp(a.text.p, b.text.p, a.text.len) == 0);
    if (!same) printf("  differs: %s (flags %u)\n", path, flag_sets[k]);
    *records += a.records;
    fl_buf_free(&a.text);
    fl_buf_free(&b.text);
    if (!same) return 0;
  }
  return 1;
}

/* fl_test_file_check over same_fields */
typedef struct field_counts {
  uint64_t records, planned;
} field_counts;
static int fields_agree(const char *path, void *user) {
  field_counts *c = user;
  return same_fields(path, &c->records, &c->planned);
}

static void plan_matches_replay_on_generated(void) {
  field_counts c = {0, 0};
  CHECK(fl_test_each_scenario(7, fields_agree, &c) == 0);
  CHECK(c.records > 1000);
  CHECK(c.planned * 2 > c.records); /* the plan is what was compared */
}

/* ---- hand-built templates (raw BinXML: tests/raw_binxml.h) ----
** The writer only writes the System shape Windows uses; these shapes put
** an optional attribute that is not a field after one that is. */
static void rattr(const char *name, uint16_t slot, uint8_t type, int optional) {
  r8(0x06);
  rname(name);
  rsub(slot, type, optional);
}
/* <name>%a%b</name> */
static void rtext2(const char *name, uint16_t a, uint16_t b) {
  ropen(name, 0);
  r8(0x02);
  r8(0x0d); r16(a); r8(0x01);
  r8(0x0d); r16(b); r8(0x01);
  r8(0x04);
}

/* Event/System/{EventID=%3, <elem> a0=%0 a1=%1 a2=%2 (all three optional)}
** then EventData/<Foo>%4%5</Foo>: Foo's two pieces keep its PAIR_OPEN a
** step of its own, the step that appends the item's name to the text. */
static void rtemplate(uint8_t id, const char *elem, const char *const a[3]) {
  uint32_t size_at = rdef_begin(id);
  ropen("Event", 0); r8(0x02);
  ropen("System", 0); r8(0x02);
  ropen("EventID", 0); r8(0x02); r8(0x0d); r16(3); r8(0x06); r8(0x04);
  ropen(elem, 1);
  for (uint16_t i = 0; i < 3; i++) rattr(a[i], i, 0x01, 1);
  r8(0x03);
  r8(0x04);
  ropen("EventData", 0); r8(0x02);
  rtext2("Foo", 4, 5);
  r8(0x04);
  r8(0x04);
  r8(0x00);
  rdef_end(size_at);
}

/* One record of the template whose definition is at *def (0: define it
** here); vals[0..2] are the three attributes' values, each a UTF-16 string
** or a Null when NULL; vals[1] may instead be a GUID (guid set). */
static void rrecord(uint32_t *def, uint8_t tid, const char *elem,
                    const char *const a[3], const char *const vals[3],
                    int guid) {
  uint32_t at = rrec_begin();
  r8(0x0c); r8(1); r32(tid);
  if (!*def) {
    *def = rpos + 4;
    r32(*def);
    rtemplate(tid, elem, a);
  } else {
    r32(*def);
  }
  static const char *const tail[2] = {"ab", "cd"};
  uint16_t len[6];
  uint8_t type[6];
  for (int i = 0; i < 3; i++) {
    type[i] = vals[i] ? 0x01 : 0x00;
    len[i] = vals[i] ? (uint16_t)(2 * strlen(vals[i])) : 0;
  }
  if (guid && vals[1]) type[1] = 0x0f, len[1] = 16;
  type[3] = 0x06, len[3] = 2;
  type[4] = type[5] = 0x01, len[4] = len[5] = 4;
  r32(6);
  for (int i = 0; i < 6; i++) r16(len[i]), r8(type[i]), r8(0);
  for (int i = 0; i < 3; i++) {
    if (!vals[i]) continue;
    if (i == 1 && guid)
      for (int k = 1; k <= 16; k++) r8((uint8_t)k);
    else
      for (const char *p = vals[i]; *p; p++) r16((uint8_t)*p);
  }
  r16(4652);
  for (int i = 0; i < 2; i++)
    for (const char *p = tail[i]; *p; p++) r16((uint8_t)*p);
  rrec_end(at);
}

/* <System><Provider Guid=%0 X=%1/></System>, both optional */
static void rinner_body(void) {
  ropen("System", 0); r8(0x02);
  ropen("Provider", 1);
  rattr("Guid", 0, 0x0f, 1);
  rattr("X", 1, 0x01, 1);
  r8(0x03);
  r8(0x04);
}

/* <Event>%0 tail</Event>, %0 nested BinXML (replayed op by op) */
static void router_body(void) {
  ropen("Event", 0); r8(0x02);
  r8(0x0d); r16(0); r8(0x21);
  r8(0x05); r8(0x01); r16(5);
  for (const char *p = " tail"; *p; p++) r16((uint8_t)*p);
  r8(0x04);
}

/* A record whose System is a nested template (planned) with Guid and X
** (left out unless x), text following it in the outer one. */
static void rnested(uint32_t *outer, uint32_t *inner, int x) {
  uint32_t at = rrec_begin();
  rinstance(10, outer, router_body);
  r32(1);
  uint32_t desc = rpos;
  r32(0x210000);
  uint32_t start = rpos;
  r8(0x0f); r8(1); r8(1); r8(0);
  rinstance(11, inner, rinner_body);
  r32(2);
  r16(16); r8(0x0f); r8(0);
  r16(x ? 2 : 0); r8(x ? 0x01 : 0x00); r8(0);
  for (int k = 1; k <= 16; k++) r8((uint8_t)k);
  if (x) r16('x');
  uint16_t size = (uint16_t)(rpos - start);
  memcpy(RCH + desc, &size, 2);
  rrec_end(at);
}

static size_t count_str(const char *hay, const char *needle) {
  size_t n = 0, len = strlen(needle);
  for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += len) n++;
  return n;
}

/* An optional attribute that is not a field (X, Y), after a System field
** captured from an attribute (Provider Guid, Execution ThreadID), left out
** of the record: the op-by-op replay ends that capture at the element's
** attrs end, and the plan must too; a capture left open takes in what
** comes next: the next item's name (Guid "{...}Foo", ThreadID "0x1fFoo"
** read as 0x1fF), or the outer template's text after a nested one. */
static void plan_matches_replay_after_left_out_attribute(void) {
  static const char *const prov[3] = {"Name", "Guid", "X"};
  static const char *const exec[3] = {"ProcessID", "ThreadID", "Y"};
  static const char *const with_x[3] = {"Prov", "g", "x"};
  static const char *const no_x[3] = {"Prov", "g", NULL};
  static const char *const tid_y[3] = {"7", "0x1f", "y"};
  static const char *const tid_no_y[3] = {"7", "0x1f", NULL};
  raw_begin();
  uint32_t def_p = 0, def_e = 0, def_outer = 0, def_inner = 0;
  rrecord(&def_p, 7, "Provider", prov, with_x, 1);      /* record 1 */
  rrecord(&def_p, 7, "Provider", prov, no_x, 1);        /* 2 */
  rrecord(&def_e, 8, "Execution", exec, tid_y, 0);      /* 3 */
  rrecord(&def_e, 8, "Execution", exec, tid_no_y, 0);   /* 4 */
  rnested(&def_outer, &def_inner, 1);                   /* 5 */
  rnested(&def_outer, &def_inner, 0);                   /* 6 */
  char dir[] = "/tmp/fl-plan-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char path[64];
  snprintf(path, sizeof path, "%s/left-out.evtx", dir);
  CHECK(raw_write(path) == 0);
  uint64_t records = 0, planned = 0;
  CHECK(same_fields(path, &records, &planned));
  /* plain and --recover; records 5 and 6: the nested template planned */
  CHECK(records == 12 && planned == 12);
  /* and what both give is the op-by-op answer */
  static const char guid[] = "|guid=38:{04030201-0605-0807-090A-0B0C0D0E0F10}|";
  for (int planned_run = 0; planned_run <= 1; planned_run++) {
    digest d;
    CHECK(read_fields(path, planned_run, 0, &d) == 0);
    fl_evtx_buf_put(&d.text, "", 1);
    const char *t = d.text.p ? d.text.p : "";
    CHECK(d.records == 6);
    CHECK(count_str(t, guid) == 4);
    CHECK(count_str(t, " th=31 ") == 2);
    CHECK(count_str(t, "|n=3:Foo|v=4:abcd") == 4);
    fl_buf_free(&d.text);
  }
  unlink(path);
  rmdir(dir);
}

static void plan_matches_replay_on_corpus(void) {
  int files = 0;
  field_counts c = {0, 0};
  CHECK(fl_test_each_evtx_below(fl_test_corpus_dir(), fields_agree, &c, &files) == 0);
  CHECK(files >= 10);
  CHECK(c.records > 10000);
  printf("  corpus: %d files, %llu records, %llu through the plan\n", files,
         (unsigned long long)c.records, (unsigned long long)c.planned);
  CHECK(c.planned > c.records / 2);
}

int main(void) {
  RUN(plan_matches_replay_on_generated);
  RUN(plan_matches_replay_after_left_out_attribute);
  if (!fl_test_corpus_dir())
    SKIP(plan_matches_replay_on_corpus, "../shared/evtx-corpus absent (FL_SHARED)");
  else
    RUN(plan_matches_replay_on_corpus);
  TEST_EXIT();
}
