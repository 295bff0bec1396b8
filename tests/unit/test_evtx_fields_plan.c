/*
** The field extractor's per-template plan (lib/evtx/evtx_replay.c) must give
** exactly what replaying every op gives: every System field and every
** EventData/UserData pair of every record, on generated files of every
** scenario (hostile text included) and on every EVTX file of
** ../shared/evtx-corpus (clean, dirty, truncated, template-less).
**
** Never writes outside a temporary directory; the corpus part is skipped
** with a message when ../shared (FL_SHARED) is absent.
*/
#include <dirent.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evtx/evtx_internal.h"
#include "faultline.h"
#include "harness.h"

/* Every field of every record, as text. */
typedef struct digest {
  fl_buf text;
  uint64_t records;
} digest;

static void put_str(fl_buf *b, const char *tag, fl_evtx_str s) {
  char head[48];
  int n = snprintf(head, sizeof head, "|%s%c%zu:", tag, s.ptr ? '=' : '-', s.len);
  fl_evtx_buf_put(b, head, (size_t)n);
  if (s.ptr && s.len) fl_evtx_buf_put(b, s.ptr, s.len);
}

static int on_record(const fl_evtx_event *ev, void *user) {
  digest *d = user;
  char line[512];
  int n = snprintf(line, sizeof line,
                   "\n%llu %llu %x id=%u q=%u v=%u l=%u t=%u o=%u k=%llx tc=%llu"
                   " rid=%llu p=%u th=%u rec=%d",
                   (unsigned long long)ev->record_id,
                   (unsigned long long)ev->file_offset, ev->present, ev->event_id,
                   ev->qualifiers, ev->version, ev->level, ev->task, ev->opcode,
                   (unsigned long long)ev->keywords,
                   (unsigned long long)ev->time_created,
                   (unsigned long long)ev->event_record_id, ev->process_id,
                   ev->thread_id, ev->recovered);
  fl_evtx_buf_put(&d->text, line, (size_t)n);
  put_str(&d->text, "prov", ev->provider_name);
  put_str(&d->text, "guid", ev->provider_guid);
  put_str(&d->text, "src", ev->event_source_name);
  put_str(&d->text, "chan", ev->channel);
  put_str(&d->text, "comp", ev->computer);
  put_str(&d->text, "user", ev->user_sid);
  put_str(&d->text, "act", ev->activity_id);
  put_str(&d->text, "rel", ev->related_activity_id);
  for (size_t i = 0; i < ev->data_count; i++) {
    put_str(&d->text, "n", ev->data[i].name);
    put_str(&d->text, "v", ev->data[i].value);
  }
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

static void plan_matches_replay_on_generated(void) {
  char dir[] = "/tmp/fl-plan-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  uint64_t records = 0, planned = 0;
  for (size_t i = 0; i < fl_gen_scenario_count(); i++) {
    fl_gen_options o;
    memset(&o, 0, sizeof o);
    o.scenario = fl_gen_scenario_at(i)->name;
    o.seed = 7;
    o.format = FL_GEN_EVTX;
    o.hostile = 1;
    o.no_manifest = 1;
    char path[256];
    snprintf(path, sizeof path, "%s/%s.evtx", dir, o.scenario);
    fl_error err;
    fl_gen_result res;
    CHECK(fl_gen_run(&o, path, &res, &err) == FL_OK);
    CHECK(same_fields(path, &records, &planned));
    unlink(path);
  }
  rmdir(dir);
  CHECK(records > 1000);
  CHECK(planned * 2 > records); /* the plan is what was compared */
}

/* Every *.evtx below dir. */
static void walk_corpus(const char *dir, int *files, int *bad, uint64_t *records,
                        uint64_t *planned) {
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
      walk_corpus(path, files, bad, records, planned);
    } else if (n > 5 && strcmp(e->d_name + n - 5, ".evtx") == 0) {
      (*files)++;
      if (!same_fields(path, records, planned)) (*bad)++;
    }
  }
  closedir(d);
}

static char corpus_dir[512];

static void plan_matches_replay_on_corpus(void) {
  int files = 0, bad = 0;
  uint64_t records = 0, planned = 0;
  walk_corpus(corpus_dir, &files, &bad, &records, &planned);
  CHECK(files >= 10);
  CHECK(bad == 0);
  CHECK(records > 10000);
  printf("  corpus: %d files, %llu records, %llu through the plan\n", files,
         (unsigned long long)records, (unsigned long long)planned);
  CHECK(planned > records / 2);
}

int main(void) {
  RUN(plan_matches_replay_on_generated);
  const char *shared = getenv("FL_SHARED");
  snprintf(corpus_dir, sizeof corpus_dir, "%s/evtx-corpus",
           shared && *shared ? shared : "../shared");
  struct stat st;
  if (stat(corpus_dir, &st) != 0)
    SKIP(plan_matches_replay_on_corpus, "../shared/evtx-corpus absent (FL_SHARED)");
  else
    RUN(plan_matches_replay_on_corpus);
  TEST_EXIT();
}
