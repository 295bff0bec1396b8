/*
** Minimal unit-test harness shared by tests/unit/test_*.c.
**
** Each test prints one line, "PASS name" or "FAIL name: file:line: what",
** which tests/run counts. A check failing does not abort the test binary,
** so one run reports every broken case. Never used by the library itself.
*/
#ifndef FL_TEST_HARNESS_H
#define FL_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int th_failed_checks;
static int th_total_failed;
static const char *th_current;
static char th_first_failure[512];

#define CHECK(cond)                                                          \
  do {                                                                       \
    if (!(cond)) {                                                           \
      if (!th_failed_checks++)                                               \
        snprintf(th_first_failure, sizeof th_first_failure, "%s:%d: %s",     \
                 __FILE__, __LINE__, #cond);                                 \
    }                                                                        \
  } while (0)

#define CHECK_STR(a, b)                                                      \
  do {                                                                       \
    const char *th_a = (a), *th_b = (b);                                     \
    if (!th_a || !th_b || strcmp(th_a, th_b) != 0) {                         \
      if (!th_failed_checks++)                                               \
        snprintf(th_first_failure, sizeof th_first_failure,                  \
                 "%s:%d: \"%.200s\" != \"%.200s\"", __FILE__, __LINE__,              \
                 th_a ? th_a : "(null)", th_b ? th_b : "(null)");            \
    }                                                                        \
  } while (0)

#define RUN(fn)                                                              \
  do {                                                                       \
    th_failed_checks = 0;                                                    \
    th_current = #fn;                                                        \
    fn();                                                                    \
    if (th_failed_checks) {                                                  \
      th_total_failed++;                                                     \
      printf("FAIL %s: %s (%d failed checks)\n", th_current,                 \
             th_first_failure, th_failed_checks);                            \
    } else {                                                                 \
      printf("PASS %s\n", th_current);                                       \
    }                                                                        \
    fflush(stdout);                                                          \
  } while (0)

#define SKIP(fn, why) printf("SKIP %s: %s\n", #fn, why)

#define TEST_EXIT() return th_total_failed ? 1 : 0

/* Removes a SQLite database and its -wal and -shm files. */
#include <unistd.h>
static inline void th_remove_sqlite(const char *path) {
  char p[600];
  unlink(path);
  snprintf(p, sizeof p, "%s-wal", path);
  unlink(p);
  snprintf(p, sizeof p, "%s-shm", path);
  unlink(p);
}

#endif
