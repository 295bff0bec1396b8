/*
** Time values on the command line (--since/--until of diagnose, report and
** query): an ISO 8601 UTC time ("2024-05-01", "2024-05-01T12:30",
** "2024-05-01T12:30:00.250Z", "2024-05-01 12:30:00") or a time relative to
** now ("-7d", "-12h", "-30m", "-90s", "-2w"), as a FILETIME.
**
** ISO text goes to lib/common's fl_time_parse_iso (the one parser); this
** file adds only the relative forms.
**
** Must never depend on the local time zone (everything is UTC) or accept
** trailing text (a typo must be a usage error, not a silent midnight).
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "common/fl_time.h"

#define FT_PER_SEC INT64_C(10000000)
#define FT_UNIX_EPOCH INT64_C(116444736000000000)

/* Unit letters of a relative time and their seconds. */
static const struct {
  char unit;
  int64_t seconds;
} units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 604800}};

static int parse_relative(const char *s, uint64_t now, uint64_t *ft) {
  char *end;
  long long n = strtoll(s + 1, &end, 10);
  if (end == s + 1 || n < 0 || n > 100000 * 366LL || end[0] == '\0' || end[1])
    return -1;
  for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
    if (units[i].unit != *end) continue;
    int64_t back = n * units[i].seconds * FT_PER_SEC;
    *ft = (uint64_t)back > now ? 0 : now - (uint64_t)back;
    return 0;
  }
  return -1;
}

uint64_t cli_now_filetime(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)((int64_t)ts.tv_sec * FT_PER_SEC + ts.tv_nsec / 100 + FT_UNIX_EPOCH);
}

int cli_parse_time(const char *s, uint64_t now, uint64_t *ft) {
  if (!s || !*s) return -1;
  return s[0] == '-' ? parse_relative(s, now, ft)
                     : fl_time_parse_iso(s, strlen(s), FL_TIME_PARSE_SHORT, ft);
}
