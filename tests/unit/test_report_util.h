/*
** Helpers for the report unit tests: render a report into memory, scan the
** bytes for anything that must never reach an output, run a python3 check
** over a temporary file. Test-only; never linked into the library.
*/
#ifndef FL_TEST_REPORT_UTIL_H
#define FL_TEST_REPORT_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "faultline/report.h"
#include "common/fl_utf8.h"
#include "report/report_internal.h"

typedef fl_status (*ru_writer)(FILE *, const fl_diag_result *,
                               const fl_report_options *, fl_error *);

/* The whole report as a malloc'd string (length in *len); NULL on error. */
static inline char *ru_render(ru_writer w, const fl_diag_result *r,
                       const fl_report_options *opt, size_t *len,
                       fl_status *st) {
  char *buf = NULL;
  size_t n = 0;
  FILE *m = open_memstream(&buf, &n);
  if (!m) return NULL;
  fl_error err;
  fl_error_clear(&err);
  *st = w(m, r, opt, &err);
  fclose(m);
  if (len) *len = n;
  return buf;
}

/* 1 when s is valid UTF-8 throughout (the escapers' promise). */
static inline int ru_valid_utf8(const char *s, size_t n) {
  return fl_utf8_valid(s, n);
}

/* Number of bytes < 0x20 other than the allowed ones in `allow`. */
static inline size_t ru_count_controls(const char *s, size_t n, const char *allow) {
  size_t bad = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c < 0x20 || c == 0x7f) && !strchr(allow, c ? c : 1)) bad++;
  }
  return bad;
}

static inline size_t ru_count(const char *hay, const char *needle) {
  size_t n = 0;
  for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++) n++;
  return n;
}

/* Writes data to a fresh temporary file; path in buf (>= 64 bytes). */
static inline int ru_tmpfile(const char *data, size_t n, const char *suffix,
                      char *path, size_t cap) {
  snprintf(path, cap, "/tmp/fl_report_XXXXXX%s", suffix);
  int fd = mkstemps(path, (int)strlen(suffix));
  if (fd < 0) return -1;
  ssize_t w = write(fd, data, n);
  close(fd);
  return w == (ssize_t)n ? 0 : -1;
}

/* Runs python3 with a script (text) and arguments; returns its exit code,
** or -2 when /usr/bin/python3 is missing. */
static inline int ru_python(const char *script, const char *arg1, const char *arg2) {
  if (access("/usr/bin/python3", X_OK) != 0) return -2;
  char sp[128], cmd[512];
  if (ru_tmpfile(script, strlen(script), ".py", sp, sizeof sp) != 0) return -1;
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s %s", sp, arg1,
           arg2 ? arg2 : "");
  int rc = system(cmd);
  unlink(sp);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

#endif
