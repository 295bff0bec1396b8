/*
** Expanding input arguments into files: a directory becomes the regular
** files below it, sorted by name, so evidence names the file an event came
** from and runs are deterministic. Symbolic links to directories are not
** followed (no loops); depth is capped.
*/
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define MAX_DEPTH 32

typedef struct path_list {
  char **items;
  size_t n, cap;
} path_list;

static int add(path_list *l, const char *p) {
  if (l->n + 1 >= l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16;
    char **items = realloc(l->items, cap * sizeof *items);
    if (!items) return -1;
    l->items = items;
    l->cap = cap;
  }
  l->items[l->n] = strdup(p);
  if (!l->items[l->n]) return -1;
  l->items[++l->n] = NULL;
  return 0;
}

/* A file found in a directory is read only when its content is a format
** faultline reads; others (a README beside the logs) are skipped with a
** note. A file named on the command line is always tried, so its error
** is reported. */
static int readable_log(const char *cmd, const char *path) {
  static unsigned char head[65536];
  FILE *f = fopen(path, "rb");
  if (!f) return 1; /* the reader reports why it cannot be opened */
  size_t n = fread(head, 1, sizeof head, f);
  fclose(f);
  if (fl_input_detect(head, n) != FL_INPUT_UNKNOWN) return 1;
  fprintf(stderr, "faultline %s: ", cmd);
  cli_term_string(stderr, path);
  fputs(": skipped: not a log format faultline reads\n", stderr);
  return 0;
}

static void free_list(path_list *l) {
  for (size_t i = 0; i < l->n; i++) free(l->items[i]);
  free(l->items);
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(const char *cmd, path_list *l, const char *dir, int depth) {
  if (depth > MAX_DEPTH) return 0;
  DIR *d = opendir(dir);
  if (!d) return 0; /* unreadable: the reader reports it when opened */
  path_list names = {0};
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    size_t dlen = strlen(dir);
    while (dlen > 1 && dir[dlen - 1] == '/') dlen--; /* "samples/" + "/x" */
    size_t len = dlen + strlen(e->d_name) + 2;
    char *p = malloc(len);
    if (!p || (snprintf(p, len, "%.*s/%s", (int)dlen, dir, e->d_name), add(&names, p) != 0)) {
      free(p);
      closedir(d);
      free_list(&names);
      return -1;
    }
    free(p);
  }
  closedir(d);
  if (names.n) qsort(names.items, names.n, sizeof *names.items, by_name);
  int rc = 0;
  for (size_t i = 0; i < names.n && rc == 0; i++) {
    struct stat st;
    if (lstat(names.items[i], &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) rc = walk(cmd, l, names.items[i], depth + 1);
    else if (S_ISREG(st.st_mode) && readable_log(cmd, names.items[i])) rc = add(l, names.items[i]);
  }
  free_list(&names);
  return rc;
}

/* A path named on the command line that cannot be read is an error before
** anything is read: a typo must not turn into an empty "no findings" report. */
static int readable_arg(const char *cmd, const char *path) {
  if (strcmp(path, "-") == 0) return 1;
  struct stat st;
  const char *why = NULL;
  if (stat(path, &st) != 0) why = strerror(errno);
  else if (S_ISDIR(st.st_mode) ? access(path, R_OK | X_OK) != 0 : access(path, R_OK) != 0)
    why = strerror(errno);
  if (!why) return 1;
  fprintf(stderr, "faultline %s: ", cmd);
  cli_term_string(stderr, path);
  fprintf(stderr, ": cannot read: %s\n", why);
  return 0;
}

int cli_expand_paths(const char *cmd, char *const *args, int count, char ***out) {
  path_list l = {0};
  int unreadable = 0;
  for (int i = 0; i < count; i++) unreadable += !readable_arg(cmd, args[i]);
  if (unreadable) return -1;
  for (int i = 0; i < count; i++) {
    struct stat st;
    int rc = (strcmp(args[i], "-") != 0 && stat(args[i], &st) == 0 && S_ISDIR(st.st_mode))
                 ? walk(cmd, &l, args[i], 0)
                 : add(&l, args[i]);
    if (rc != 0) {
      fprintf(stderr, "faultline %s: out of memory listing inputs\n", cmd);
      cli_free_paths(l.items);
      return -1;
    }
  }
  if (!l.items) l.items = calloc(1, sizeof *l.items); /* an empty list */
  if (!l.items) {
    fprintf(stderr, "faultline %s: out of memory listing inputs\n", cmd);
    return -1;
  }
  *out = l.items;
  return 0;
}

void cli_free_paths(char **paths) {
  if (!paths) return;
  for (char **p = paths; *p; p++) free(*p);
  free(paths);
}
