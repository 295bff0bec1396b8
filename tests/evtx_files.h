/*
** The EVTX files the comparison tests run over: every generated scenario
** (hostile text, one seed) written to a temporary directory, and every
** *.evtx below ../shared/evtx-corpus. Each file goes to check(path, user),
** which says 1 when the file passed.
**
** Header-only for tests; never used by the library, never writes outside
** its temporary directory (removed afterwards) and never into ../shared.
*/
#ifndef FL_TEST_EVTX_FILES_H
#define FL_TEST_EVTX_FILES_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "faultline.h"

typedef int (*fl_test_file_check)(const char *path, void *user);

/* Files that could not be written or failed check; -1 without a temp dir. */
static inline int fl_test_each_scenario(uint64_t seed, fl_test_file_check check,
                                        void *user) {
  char dir[] = "/tmp/fl-scenarios-XXXXXX";
  if (!mkdtemp(dir)) return -1;
  int bad = 0;
  for (size_t i = 0; i < fl_gen_scenario_count(); i++) {
    fl_gen_options o;
    memset(&o, 0, sizeof o);
    o.scenario = fl_gen_scenario_at(i)->name;
    o.seed = seed;
    o.format = FL_GEN_EVTX;
    o.hostile = 1;
    o.no_manifest = 1;
    char path[256];
    snprintf(path, sizeof path, "%s/%s.evtx", dir, o.scenario);
    fl_error err;
    fl_gen_result res;
    if (fl_gen_run(&o, path, &res, &err) != FL_OK || !check(path, user)) bad++;
    unlink(path);
  }
  rmdir(dir);
  return bad;
}

/* The corpus directory ($FL_SHARED, else ../shared), or NULL when absent. */
static inline const char *fl_test_corpus_dir(void) {
  static char dir[512];
  const char *shared = getenv("FL_SHARED");
  snprintf(dir, sizeof dir, "%s/evtx-corpus", shared && *shared ? shared : "../shared");
  struct stat st;
  return stat(dir, &st) == 0 ? dir : NULL;
}

/* Every *.evtx below dir: counts them into *files, returns how many failed. */
static inline int fl_test_each_evtx_below(const char *dir, fl_test_file_check check,
                                          void *user, int *files) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  int bad = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char path[1024];
    int k = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    struct stat st;
    if (k < 0 || (size_t)k >= sizeof path || stat(path, &st) != 0) continue;
    size_t n = strlen(e->d_name);
    if (S_ISDIR(st.st_mode)) {
      bad += fl_test_each_evtx_below(path, check, user, files);
    } else if (n > 5 && strcmp(e->d_name + n - 5, ".evtx") == 0) {
      (*files)++;
      if (!check(path, user)) bad++;
    }
  }
  closedir(d);
  return bad;
}

#endif
