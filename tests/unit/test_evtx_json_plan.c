/*
** JSON lines from pre-rendered template plans (lib/evtx/evtx_json_plan.c) must be
** byte for byte what the op-by-op JSON sink writes, diagnostics included:
** on generated files of every scenario (hostile text included) and on every
** EVTX file of ../shared/evtx-corpus (clean, dirty, truncated), plain, with
** --recover and with an event id filter; and on hand-built templates of the
** shapes the plans must refuse or treat with care (non-empty arrays, nested
** BinXML not last in its element, keys from substituted values, keys that
** collide with the entry object's, more than 256 keys at one level, more
** signatures than a template keeps plans for), whose path is asserted too.
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
#include "faultline.h"
#include "evtx_files.h"
#include "harness.h"
#include "raw_binxml.h"

static int on_output(const char *buf, size_t len, void *user) {
  fl_evtx_buf_put(user, buf, len);
  return 0;
}

static void on_diag(const fl_evtx_diag *dg, void *user) {
  fl_evtx_buf_put(user, "\nDIAG ", 6);
  fl_evtx_buf_put(user, dg->message, strlen(dg->message));
}

static int render(const char *path, int planned, unsigned flags, int filter,
                  fl_buf *out) {
  static const uint32_t ids[] = {4652, 4653, 5453};
  fl_evtx_file *f = NULL;
  fl_error err;
  memset(out, 0, sizeof *out);
  if (fl_evtx_open(path, &f, &err) != FL_OK) return -1;
  fl_evtx_options o;
  memset(&o, 0, sizeof o);
  o.flags = flags;
  o.threads = 1;
  o.format = FL_EVTX_RENDER_JSONL;
  if (filter) {
    o.filter.ids = ids;
    o.filter.id_count = 3;
  }
  o.on_output = on_output;
  o.on_diag = on_diag;
  o.user = out;
  fl_evtx_json_plan_enabled = planned;
  fl_status st = fl_evtx_read(f, &o, NULL, &err);
  fl_evtx_json_plan_enabled = 1;
  fl_evtx_close(f);
  return out->failed ? -1 : (int)st;
}

/* 1 when planned and op-by-op output agree on path; adds the bytes. */
static int same_json(const char *path, uint64_t *bytes) {
  static const unsigned flag_sets[][2] = {{0, 0}, {FL_EVTX_RECOVER, 0}, {0, 1}};
  for (size_t k = 0; k < 3; k++) {
    fl_buf a, b;
    int ra = render(path, 1, flag_sets[k][0], (int)flag_sets[k][1], &a);
    int rb = render(path, 0, flag_sets[k][0], (int)flag_sets[k][1], &b);
    int same = ra == rb && a.len == b.len &&
               (!a.len || memcmp(a.p, b.p, a.len) == 0);
    if (!same) printf("  differs: %s (set %zu)\n", path, k);
    *bytes += a.len;
    fl_buf_free(&a);
    fl_buf_free(&b);
    if (!same) return 0;
  }
  return 1;
}

/* fl_test_file_check over same_json */
static int json_agrees(const char *path, void *user) {
  return same_json(path, user);
}

static void plan_matches_replay_on_generated(void) {
  uint64_t bytes = 0;
  CHECK(fl_test_each_scenario(11, json_agrees, &bytes) == 0);
  CHECK(bytes > 100000);
}

/* ---- hand-built templates (raw BinXML: tests/raw_binxml.h, plus values of
** any type and nested BinXML) ----
** Neither the generator nor the corpus has these shapes. */
/* <name>%slot</name>, <name Name="key">%slot</name> when key */
static void relem_sub(const char *name, const char *key, uint16_t slot,
                      uint8_t type) {
  ropen(name, key != NULL);
  if (key) {
    r8(0x06); rname("Name"); rtext(key);
  }
  r8(0x02);
  rsub(slot, type, 1);
  r8(0x04);
}
/* <System><EventID>4652</EventID></System>: the entry object gets a member
** before what follows (a plan's hole needs its element to be an object) */
static void rsystem(void) {
  ropen("System", 0); r8(0x02);
  ropen("EventID", 0); r8(0x02); rtext("4652"); r8(0x04);
  r8(0x04);
}

/* A substitution value: type 0x00 Null, 0x01 string s, 0x08 UInt32 s,
** 0x81 string array s ('|' between items; "" is an empty array), 0x21
** nested BinXML written by bx. */
typedef struct rv {
  uint8_t type;
  const char *s;
  void (*bx)(void);
} rv;

static void rvalues(size_t n, const rv *v) {
  r32((uint32_t)n);
  uint32_t desc = rpos;
  for (size_t i = 0; i < n; i++) r16(0), r8(v[i].type), r8(0);
  for (size_t i = 0; i < n; i++) {
    uint32_t start = rpos;
    if (v[i].type == 0x01) {
      rutf16(v[i].s);
    } else if (v[i].type == 0x08) {
      r32((uint32_t)strtoul(v[i].s, NULL, 10));
    } else if (v[i].type == 0x81) {
      for (const char *p = v[i].s; *p; p++) r16(*p == '|' ? 0 : (uint8_t)*p);
      if (*v[i].s) r16(0);
    } else if (v[i].type == 0x21) {
      r8(0x0f); r8(1); r8(1); r8(0);
      v[i].bx();
    }
    uint16_t size = (uint16_t)(rpos - start);
    memcpy(RCH + desc + 4 * i, &size, 2);
  }
}

/* One record: an instance of template tid, then its n values. */
static void rrecord(uint8_t tid, uint32_t *def, void (*body)(void), size_t n,
                    const rv *v) {
  uint32_t at = rrec_begin();
  rinstance(tid, def, body);
  rvalues(n, v);
  rrec_end(at);
}

/* The hand-built file rendered with plans (counting the instances a plan
** rendered into *runs) and op by op: 1 when byte for byte the same. The
** op-by-op output stays in *out (NUL-terminated) for the caller's checks. */
static int raw_same(const char *name, unsigned long *runs, fl_buf *out) {
  char dir[] = "/tmp/fl-jplan-XXXXXX", path[96];
  memset(out, 0, sizeof *out);
  if (!mkdtemp(dir)) return 0;
  snprintf(path, sizeof path, "%s/%s.evtx", dir, name);
  int same = 0;
  if (raw_write(path) == 0) {
    fl_buf a;
    atomic_store(&fl_evtx_json_plan_runs, 0);
    int ra = render(path, 2, 0, 0, &a);
    *runs = atomic_load(&fl_evtx_json_plan_runs);
    int rb = render(path, 0, 0, 0, out);
    same = ra == rb && a.len == out->len &&
           (!a.len || memcmp(a.p, out->p, a.len) == 0);
    if (!same)
      printf("  %s differs:\n  plan: %.*s\n  ops:  %.*s\n", name, (int)a.len,
             a.p ? a.p : "", (int)out->len, out->p ? out->p : "");
    fl_buf_free(&a);
    fl_evtx_buf_put(out, "", 1);
  }
  unlink(path);
  rmdir(dir);
  return same;
}

static const char *outp(const fl_buf *b) { return b->p ? b->p : ""; }

/* <Event><System/><EventData> A=%0 A=%1 Data=%2 Data=%3 </EventData></Event> */
static void body_dedup(void) {
  ropen("Event", 0); r8(0x02);
  rsystem();
  ropen("EventData", 0); r8(0x02);
  relem_sub("Data", "A", 0, 0x01);
  relem_sub("Data", "A", 1, 0x01);
  relem_sub("Data", NULL, 2, 0x01);
  relem_sub("Data", NULL, 3, 0x01);
  r8(0x04);
  r8(0x04);
}

/* Repeated keys get _1, _2 ... from the plan as op by op, whatever each
** value's class (left out, bare, string); every record takes the plan. */
static void json_plan_dedups_keys_like_ops(void) {
  raw_begin();
  uint32_t def = 0;
  const rv s1[4] = {{0x01, "x", NULL}, {0x01, "y", NULL}, {0x01, "p", NULL},
                    {0x01, "q", NULL}};
  const rv s2[4] = {{0x08, "5", NULL}, {0x00, "", NULL}, {0x01, "", NULL},
                    {0x08, "7", NULL}};
  rrecord(1, &def, body_dedup, 4, s1);
  rrecord(1, &def, body_dedup, 4, s2);
  rrecord(1, &def, body_dedup, 4, s1);
  unsigned long runs = 0;
  fl_buf out;
  CHECK(raw_same("dedup", &runs, &out));
  CHECK(runs == 3);
  CHECK(strstr(outp(&out), "\"A\":\"x\",\"A_1\":\"y\",\"Data\":\"p\",\"Data_1\":\"q\"") != NULL);
  CHECK(strstr(outp(&out), "\"A\":5,\"A_1\":null,\"Data\":null,\"Data_1\":7") != NULL);
  fl_buf_free(&out);
}

/* <Event><EventData> L=%0 M=%1 </EventData></Event> */
static void body_array(void) {
  ropen("Event", 0); r8(0x02);
  ropen("EventData", 0); r8(0x02);
  relem_sub("Data", "L", 0, 0x81);
  relem_sub("Data", "M", 1, 0x01);
  r8(0x04);
  r8(0x04);
}

/* A non-empty array repeats its element: op by op; an empty one or a Null
** is left out like any value, and the plan holds. */
static void json_plan_leaves_arrays_to_ops(void) {
  raw_begin();
  uint32_t def = 0;
  const rv full[2] = {{0x81, "u|v|w", NULL}, {0x01, "m", NULL}};
  const rv empty[2] = {{0x81, "", NULL}, {0x01, "m", NULL}};
  const rv null[2] = {{0x00, "", NULL}, {0x01, "m", NULL}};
  rrecord(2, &def, body_array, 2, full);
  rrecord(2, &def, body_array, 2, empty);
  rrecord(2, &def, body_array, 2, null);
  rrecord(2, &def, body_array, 2, full);
  unsigned long runs = 0;
  fl_buf out;
  CHECK(raw_same("array", &runs, &out));
  CHECK(runs == 2);
  CHECK(strstr(outp(&out), "\"L\":\"u\",\"L_1\":\"v\",\"L_2\":\"w\",\"M\":\"m\"") != NULL);
  fl_buf_free(&out);
}

/* nested templates: <EventData> A=%0 </EventData>, and two Data named K */
static uint32_t def_inner, def_k, def_j, def_kk, def_e;
static void body_inner(void) {
  ropen("EventData", 0); r8(0x02);
  relem_sub("Data", "A", 0, 0x01);
  r8(0x04);
}
static void bx_inner(void) {
  rinstance(10, &def_inner, body_inner);
  const rv v[1] = {{0x01, "in", NULL}};
  rvalues(1, v);
}
/* <Event><System/>%0<After>t</After></Event>: the hole not last */
static void body_not_last(void) {
  ropen("Event", 0); r8(0x02);
  rsystem();
  rsub(0, 0x21, 1);
  ropen("After", 0); r8(0x02); rtext("t"); r8(0x04);
  r8(0x04);
}
/* <Event><System/>%0</Event>: the hole last, as Windows writes it */
static void body_last(void) {
  ropen("Event", 0); r8(0x02);
  rsystem();
  rsub(0, 0x21, 1);
  r8(0x04);
}

/* Nested BinXML last in its element is a hole the plan leaves to the real
** sink; anywhere else the outer template plays op by op. The nested
** template takes its own plan either way. */
static void json_plan_nested_binxml_not_last_is_ops(void) {
  raw_begin();
  uint32_t def_nl = 0, def_l = 0;
  def_inner = 0;
  const rv v[1] = {{0x21, NULL, bx_inner}};
  rrecord(3, &def_nl, body_not_last, 1, v);
  rrecord(3, &def_nl, body_not_last, 1, v);
  unsigned long runs = 0;
  fl_buf out;
  CHECK(raw_same("not-last", &runs, &out));
  CHECK(runs == 2); /* the inner template only */
  CHECK(strstr(outp(&out), "\"EventData\":{\"A\":\"in\"},\"After\":\"t\"") != NULL);
  fl_buf_free(&out);

  raw_begin();
  def_inner = 0;
  rrecord(4, &def_l, body_last, 1, v);
  rrecord(4, &def_l, body_last, 1, v);
  CHECK(raw_same("last", &runs, &out));
  CHECK(runs == 4); /* outer and inner */
  CHECK(strstr(outp(&out), "\"EventID\":\"4652\"},\"EventData\":{\"A\":\"in\"}}}") != NULL);
  fl_buf_free(&out);
}

/* <Event><EventData><Data Name=%0>%1</Data></EventData></Event> */
static void body_named_by_value(void) {
  ropen("Event", 0); r8(0x02);
  ropen("EventData", 0); r8(0x02);
  ropen("Data", 1);
  r8(0x06); rname("Name"); rsub(0, 0x01, 1);
  r8(0x02);
  rsub(1, 0x01, 1);
  r8(0x04);
  ropen("Data", 1);
  r8(0x06); rname("Name"); rtext("k");
  r8(0x02); rtext("lit"); r8(0x04);
  r8(0x04);
  r8(0x04);
}

/* A key that comes from a value cannot be pre-rendered (nor de-duplicated
** ahead): op by op, escaping and _1 included. */
static void json_plan_key_from_value_is_ops(void) {
  raw_begin();
  uint32_t def = 0;
  const rv k[2] = {{0x01, "k", NULL}, {0x01, "v", NULL}};
  const rv q[2] = {{0x01, "a\"b", NULL}, {0x01, "w", NULL}};
  rrecord(5, &def, body_named_by_value, 2, k);
  rrecord(5, &def, body_named_by_value, 2, q);
  unsigned long runs = 0;
  fl_buf out;
  CHECK(raw_same("key-from-value", &runs, &out));
  CHECK(runs == 0);
  CHECK(strstr(outp(&out), "\"k\":\"v\",\"k_1\":\"lit\"") != NULL);
  CHECK(strstr(outp(&out), "\"a\\\"b\":\"w\",\"k\":\"lit\"") != NULL);
  fl_buf_free(&out);
}

/* inner templates put under an EventData that has Data K already */
static void body_k(void) { relem_sub("Data", "K", 0, 0x01); }
static void body_j(void) { relem_sub("Data", "J", 0, 0x01); }
static void body_kk(void) {
  relem_sub("Data", "K", 0, 0x01);
  relem_sub("Data", "K", 1, 0x01);
}
static void bx_k(void) {
  rinstance(11, &def_k, body_k);
  const rv v[1] = {{0x01, "b", NULL}};
  rvalues(1, v);
}
static void bx_j(void) {
  rinstance(12, &def_j, body_j);
  const rv v[1] = {{0x01, "c", NULL}};
  rvalues(1, v);
}
static void bx_kk(void) {
  rinstance(13, &def_kk, body_kk);
  const rv v[2] = {{0x01, "d", NULL}, {0x01, "e", NULL}};
  rvalues(2, v);
}
/* <Event><System/><EventData><Data Name="K">a</Data>%0</EventData></Event> */
static void body_has_k(void) {
  ropen("Event", 0); r8(0x02);
  rsystem();
  ropen("EventData", 0); r8(0x02);
  ropen("Data", 1); r8(0x06); rname("Name"); rtext("K");
  r8(0x02); rtext("a"); r8(0x04);
  rsub(0, 0x21, 1);
  r8(0x04);
  r8(0x04);
}

/* A nested template whose top-level key is already in the object it lands
** in plays op by op (K_1 counts the sibling before it); one whose keys are
** new takes its plan, its own repeats de-duplicated by the plan. */
static void json_plan_colliding_keys_are_ops(void) {
  raw_begin();
  uint32_t def = 0;
  def_k = def_j = def_kk = 0;
  const rv k[1] = {{0x21, NULL, bx_k}};
  const rv j[1] = {{0x21, NULL, bx_j}};
  const rv kk[1] = {{0x21, NULL, bx_kk}};
  rrecord(6, &def, body_has_k, 1, k);
  unsigned long runs = 0;
  fl_buf out;
  CHECK(raw_same("collide", &runs, &out));
  CHECK(runs == 1); /* the outer template only */
  CHECK(strstr(outp(&out), "\"K\":\"a\",\"K_1\":\"b\"}") != NULL);
  fl_buf_free(&out);

  raw_begin();
  def = def_k = def_j = def_kk = 0;
  rrecord(6, &def, body_has_k, 1, j);
  rrecord(6, &def, body_has_k, 1, kk);
  CHECK(raw_same("collide-2", &runs, &out));
  CHECK(runs == 3); /* both outer, J's inner; KK collides */
  CHECK(strstr(outp(&out), "\"K\":\"a\",\"J\":\"c\"}") != NULL);
  CHECK(strstr(outp(&out), "\"K\":\"a\",\"K_1\":\"d\",\"K_2\":\"e\"}") != NULL);
  fl_buf_free(&out);
}

/* <E>%0</E><E>%1</E> under an EventData with many keys */
static unsigned many_keys;
static void body_e(void) {
  relem_sub("E", NULL, 0, 0x01);
  relem_sub("E", NULL, 1, 0x01);
}
static void bx_e(void) {
  rinstance(14, &def_e, body_e);
  const rv v[2] = {{0x01, "x", NULL}, {0x01, "y", NULL}};
  rvalues(2, v);
}
static void body_many(void) {
  ropen("Event", 0); r8(0x02);
  rsystem();
  ropen("EventData", 0); r8(0x02);
  for (unsigned i = 0; i < many_keys; i++) {
    ropen("D", 0);
    r8(0x03);
  }
  rsub(0, 0x21, 1);
  r8(0x04);
  r8(0x04);
}

/* The sink de-duplicates a key against its first 256 siblings only; a
** plan's keys de-duplicated among themselves hold only while the object's
** keys and the plan's fit that window: past it, op by op. With 256 keys
** before them, the second E's twin is past the window and it keeps its
** plain name, which the plan (E_1) would not. */
static void json_plan_past_256_keys_is_ops(void) {
  static const unsigned counts[3] = {254, 255, 256};
  static const char *const tails[3] = {
      "\"D_253\":null,\"E\":\"x\",\"E_1\":\"y\"}",
      "\"D_254\":null,\"E\":\"x\",\"E_1\":\"y\"}",
      "\"D_255\":null,\"E\":\"x\",\"E\":\"y\"}"};
  for (int k = 0; k < 3; k++) {
    raw_begin();
    uint32_t def = 0;
    def_e = 0;
    many_keys = counts[k];
    const rv v[1] = {{0x21, NULL, bx_e}};
    rrecord(7, &def, body_many, 1, v);
    unsigned long runs = 0;
    fl_buf out;
    char name[16];
    snprintf(name, sizeof name, "%u-keys", counts[k]);
    CHECK(raw_same(name, &runs, &out));
    CHECK(runs == (k ? 1u : 2u)); /* only 254 + 2 keys fit the window */
    CHECK(strstr(outp(&out), tails[k]) != NULL);
    fl_buf_free(&out);
  }
}

/* <Event><EventData> A=%0 B=%1 C=%2 </EventData></Event> */
static void body_three(void) {
  ropen("Event", 0); r8(0x02);
  ropen("EventData", 0); r8(0x02);
  relem_sub("Data", "A", 0, 0x01);
  relem_sub("Data", "B", 1, 0x01);
  relem_sub("Data", "C", 2, 0x01);
  r8(0x04);
  r8(0x04);
}

/* 27 class signatures cycled three times: more than the plans a template
** keeps (they are replaced in turn) and than it makes (then op by op). */
static void json_plan_many_signatures_match_ops(void) {
  raw_begin();
  uint32_t def = 0;
  static const rv cls[3] = {{0x00, "", NULL}, {0x08, "42", NULL},
                            {0x01, "s", NULL}};
  unsigned n = 0;
  for (int round = 0; round < 3; round++)
    for (int sig = 0; sig < 27; sig++, n++) {
      const rv v[3] = {cls[sig % 3], cls[sig / 3 % 3], cls[sig / 9]};
      rrecord(8, &def, body_three, 3, v);
    }
  unsigned long runs = 0;
  fl_buf out;
  CHECK(raw_same("signatures", &runs, &out));
  CHECK(runs >= 8 && runs < n);
  CHECK(strstr(outp(&out), "{\"A\":null,\"B\":42,\"C\":\"s\"}") != NULL);
  fl_buf_free(&out);
}

/* <Event><System/><A>%1</A><B>%2</B>%0</Event>, %0 nested BinXML: the
** same template again, nest_left more times */
static uint32_t def_self;
static unsigned nest_left, nest_combo;
static void body_self(void) {
  ropen("Event", 0); r8(0x02);
  rsystem();
  relem_sub("A", NULL, 1, 0x01);
  relem_sub("B", NULL, 2, 0x01);
  rsub(0, 0x21, 1);
  r8(0x04);
}
static const rv self_cls[3] = {{0x00, "", NULL}, {0x08, "9", NULL},
                               {0x01, "s", NULL}};
static void bx_self(void) {
  rinstance(15, &def_self, body_self);
  unsigned c = nest_combo++ % 9;
  rv v[3] = {{0x00, "", NULL}, self_cls[c % 3], self_cls[c / 3]};
  if (nest_left && nest_left--) v[0] = (rv){0x21, NULL, bx_self};
  rvalues(3, v);
}

/* A template nested in its own hole, each level with a class signature
** of its own, after other records filled the template's plans: the inner
** levels make plans while the outer one's is still being played, so the
** plans they replace must not be one in use. */
static void json_plan_nested_in_itself_match_ops(void) {
  raw_begin();
  def_self = 0;
  uint32_t def = 0;
  for (unsigned c = 0; c < 8; c++) { /* 8 plans, %0 left out */
    const rv v[3] = {{0x00, "", NULL}, self_cls[c % 3], self_cls[c / 3]};
    rrecord(15, &def, body_self, 3, v);
  }
  def_self = def;
  nest_left = 9;
  nest_combo = 0;
  const rv v[3] = {{0x21, NULL, bx_self}, self_cls[2], self_cls[2]};
  rrecord(15, &def, body_self, 3, v);
  unsigned long runs = 0;
  fl_buf out;
  CHECK(raw_same("nested-in-itself", &runs, &out));
  CHECK(runs >= 9);
  CHECK(strstr(outp(&out), "\"Event\":{\"System\":{\"EventID\":\"4652\"},\"A\":\"s\",\"B\":\"s\",\"Event\"") != NULL);
  fl_buf_free(&out);
}

static void plan_matches_replay_on_corpus(void) {
  int files = 0;
  uint64_t bytes = 0;
  CHECK(fl_test_each_evtx_below(fl_test_corpus_dir(), json_agrees, &bytes, &files) == 0);
  CHECK(files >= 10);
  printf("  corpus: %d files, %llu bytes of JSON compared\n", files,
         (unsigned long long)bytes);
}

int main(void) {
  RUN(plan_matches_replay_on_generated);
  RUN(json_plan_dedups_keys_like_ops);
  RUN(json_plan_leaves_arrays_to_ops);
  RUN(json_plan_nested_binxml_not_last_is_ops);
  RUN(json_plan_key_from_value_is_ops);
  RUN(json_plan_colliding_keys_are_ops);
  RUN(json_plan_past_256_keys_is_ops);
  RUN(json_plan_many_signatures_match_ops);
  RUN(json_plan_nested_in_itself_match_ops);
  if (!fl_test_corpus_dir())
    SKIP(plan_matches_replay_on_corpus,
         "../shared/evtx-corpus absent (FL_SHARED)");
  else
    RUN(plan_matches_replay_on_corpus);
  TEST_EXIT();
}
