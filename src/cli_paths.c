/*
** Expanding input arguments into files: a directory becomes the regular
** files below it, sorted by name, so evidence names the file an event came
** from and runs are deterministic. Symbolic links to directories are not
** followed (no loops); depth is capped. FIFOs, sockets and devices found
** in a directory are never opened (a FIFO would wait for ever): skipped
** with a note, like dangling links, and counted (cli_paths_skipped) so the
** command exits "partial".
*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

static size_t skipped_inputs; /* files a walk left out, for the exit code */

size_t cli_paths_skipped(void) { return skipped_inputs; }

/* A file found in a directory that is not read: said, and counted. */
static void skipped_note(const char *cmd, const char *path, const char *why) {
  skipped_inputs++;
  fprintf(stderr, "faultline %s: ", cmd);
  cli_term_name(stderr, path);
  fprintf(stderr, ": skipped: %s\n", why);
}

/* A file found in a directory is read only when its content is a format
** faultline reads; others (a README beside the logs) are skipped with a
** note. A file named on the command line is always tried, so its error
** is reported. */
static int readable_log(const char *cmd, const char *path) {
  static unsigned char head[65536];
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return 1; /* the reader reports why it cannot be opened */
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) { /* replaced meanwhile */
    close(fd);
    skipped_note(cmd, path, "not a regular file");
    return 0;
  }
  ssize_t n = read(fd, head, sizeof head);
  close(fd);
  if (fl_input_detect(head, n > 0 ? (size_t)n : 0) != FL_INPUT_UNKNOWN) return 1;
  skipped_note(cmd, path, "not a log format faultline reads");
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
    const char *item = names.items[i];
    if (lstat(item, &st) != 0) {
      skipped_note(cmd, item, strerror(errno));
      continue;
    }
    if (S_ISDIR(st.st_mode)) rc = walk(cmd, l, item, depth + 1);
    else if (S_ISLNK(st.st_mode) && stat(item, &st) != 0)
      skipped_note(cmd, item, "dangling or looping symbolic link");
    else if (S_ISLNK(st.st_mode) && S_ISDIR(st.st_mode))
      skipped_note(cmd, item, "symbolic link to a directory (not followed)");
    else if (!S_ISREG(st.st_mode))
      skipped_note(cmd, item, S_ISFIFO(st.st_mode) ? "a FIFO (name it on its own to read it)"
                              : S_ISSOCK(st.st_mode) ? "a socket"
                                                     : "a device (name it on its own to read it)");
    else if (readable_log(cmd, item)) rc = add(l, item);
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
