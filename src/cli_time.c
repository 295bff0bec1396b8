/*
** Time values on the command line (--since/--until of diagnose, report and
** query): an ISO 8601 UTC time ("2024-05-01", "2024-05-01T12:30",
** "2024-05-01T12:30:00.250Z", "2024-05-01 12:30:00") or a time relative to
** now ("-7d", "-12h", "-30m", "-90s", "-2w"), as a FILETIME.
**
** Must never depend on the local time zone (everything is UTC) or accept
** trailing text (a typo must be a usage error, not a silent midnight).
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define FT_PER_SEC INT64_C(10000000)
#define FT_UNIX_EPOCH INT64_C(116444736000000000)

/* 1..width decimal digits at *p (no sign, no blanks) into *out; then the
** separator sep (0: none). Advances *p; -1 when either is missing. */
static int take_num(const char **p, int width, char sep, int *out) {
  const char *s = *p;
  int v = 0, k = 0;
  for (; k < width && s[k] >= '0' && s[k] <= '9'; k++) v = v * 10 + (s[k] - '0');
  if (k == 0 || (sep && s[k] != sep)) return -1;
  *out = v;
  *p = s + k + (sep ? 1 : 0);
  return 0;
}

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

static int parse_iso(const char *s, uint64_t *ft) {
  int y, mo, d, h = 0, mi = 0, sec = 0;
  int64_t frac = 0;
  const char *p = s;
  if (take_num(&p, 4, '-', &y) || take_num(&p, 2, '-', &mo) || take_num(&p, 2, 0, &d))
    return -1;
  if (*p == 'T' || *p == ' ') {
    p++;
    if (take_num(&p, 2, ':', &h) || take_num(&p, 2, 0, &mi)) return -1;
    if (*p == ':') {
      p++;
      if (take_num(&p, 2, 0, &sec)) return -1;
      if (*p == '.' || *p == ',') { /* fraction: up to 100 ns kept */
        int64_t scale = FT_PER_SEC / 10;
        if (!(p[1] >= '0' && p[1] <= '9')) return -1;
        for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10) frac += (*p - '0') * scale;
      }
    }
  }
  if (*p == 'Z') p++;
  else if (!strcmp(p, "+00:00")) p += 6;
  if (*p || y < 1601 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
      mi > 59 || sec > 60)
    return -1;
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  int64_t t = (int64_t)timegm(&tm);
  *ft = (uint64_t)(t * FT_PER_SEC + FT_UNIX_EPOCH + frac);
  return 0;
}

uint64_t cli_now_filetime(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)((int64_t)ts.tv_sec * FT_PER_SEC + ts.tv_nsec / 100 + FT_UNIX_EPOCH);
}

int cli_parse_time(const char *s, uint64_t now, uint64_t *ft) {
  if (!s || !*s) return -1;
  return s[0] == '-' ? parse_relative(s, now, ft) : parse_iso(s, ft);
}
