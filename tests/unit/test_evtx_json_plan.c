/*
** JSON lines from pre-rendered template plans (lib/evtx/evtx_jlit.c) must be
** byte for byte what the op-by-op JSON sink writes, diagnostics included:
** on generated files of every scenario (hostile text included) and on every
** EVTX file of ../shared/evtx-corpus (clean, dirty, truncated), plain, with
** --recover and with an event id filter.
**
** Never writes outside a temporary directory; the corpus part is skipped
** with a message when ../shared (FL_SHARED) is absent.
*/
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evtx/evtx_internal.h"
#include "faultline.h"
#include "harness.h"

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

static void plan_matches_replay_on_generated(void) {
  char dir[] = "/tmp/fl-jplan-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  uint64_t bytes = 0;
  for (size_t i = 0; i < fl_gen_scenario_count(); i++) {
    fl_gen_options o;
    memset(&o, 0, sizeof o);
    o.scenario = fl_gen_scenario_at(i)->name;
    o.seed = 11;
    o.format = FL_GEN_EVTX;
    o.hostile = 1;
    o.no_manifest = 1;
    char path[256];
    snprintf(path, sizeof path, "%s/%s.evtx", dir, o.scenario);
    fl_error err;
    fl_gen_result res;
    CHECK(fl_gen_run(&o, path, &res, &err) == FL_OK);
    CHECK(same_json(path, &bytes));
    unlink(path);
  }
  rmdir(dir);
  CHECK(bytes > 100000);
}

/* Every *.evtx below dir. */
static void walk_corpus(const char *dir, int *files, int *bad,
                        uint64_t *bytes) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    struct stat st;
    if (stat(path, &st) != 0) continue;
    size_t n = strlen(e->d_name);
    if (S_ISDIR(st.st_mode)) {
      walk_corpus(path, files, bad, bytes);
    } else if (n > 5 && strcmp(e->d_name + n - 5, ".evtx") == 0) {
      (*files)++;
      if (!same_json(path, bytes)) (*bad)++;
    }
  }
  closedir(d);
}

static char corpus_dir[512];

static void plan_matches_replay_on_corpus(void) {
  int files = 0, bad = 0;
  uint64_t bytes = 0;
  walk_corpus(corpus_dir, &files, &bad, &bytes);
  CHECK(files >= 10);
  CHECK(bad == 0);
  printf("  corpus: %d files, %llu bytes of JSON compared\n", files,
         (unsigned long long)bytes);
}

int main(void) {
  RUN(plan_matches_replay_on_generated);
  const char *shared = getenv("FL_SHARED");
  snprintf(corpus_dir, sizeof corpus_dir, "%s/evtx-corpus",
           shared && *shared ? shared : "../shared");
  struct stat st;
  if (stat(corpus_dir, &st) != 0)
    SKIP(plan_matches_replay_on_corpus,
         "../shared/evtx-corpus absent (FL_SHARED)");
  else
    RUN(plan_matches_replay_on_corpus);
  TEST_EXIT();
}
