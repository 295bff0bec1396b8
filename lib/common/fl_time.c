/*
** FILETIME <-> ISO 8601 (see fl_time.h). The formatter runs for every
** record the EVTX reader renders with a time, so it builds the text with
** digit pairs, not snprintf.
**
** Must never write past FL_TIME_ISO_MAX or accept text the header does not
** describe.
*/
#include "common/fl_time.h"

#include <string.h>

int64_t fl_time_days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

/* Inline in fl_time_iso: the reader formats a time per record. */
static inline void civil(int64_t days, int64_t *y, unsigned *m, unsigned *d) {
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void fl_time_civil_from_days(int64_t days, int64_t *y, unsigned *m,
                             unsigned *d) {
  civil(days, y, m, d);
}

static void put2(char *p, unsigned v) {
  p[0] = (char)('0' + v / 10 % 10);
  p[1] = (char)('0' + v % 10);
}

size_t fl_time_iso(uint64_t ft, int digits, char out[FL_TIME_ISO_MAX]) {
  uint64_t secs = ft / FL_TIME_TICKS_PER_SEC;
  unsigned frac = (unsigned)(ft % FL_TIME_TICKS_PER_SEC);
  /* 134774 days from 1601-01-01 to 1970-01-01 */
  int64_t days = (int64_t)(secs / 86400u) - 134774;
  unsigned sod = (unsigned)(secs % 86400u);
  int64_t y;
  unsigned m, d;
  civil(days, &y, &m, &d);
  char *p = out;
  unsigned yy = (unsigned)y; /* 1601..60056 */
  if (yy >= 10000) *p++ = (char)('0' + yy / 10000 % 10);
  put2(p, yy / 100 % 100);
  put2(p + 2, yy % 100);
  p[4] = '-';
  put2(p + 5, m);
  p[7] = '-';
  put2(p + 8, d);
  p[10] = 'T';
  put2(p + 11, sod / 3600);
  p[13] = ':';
  put2(p + 14, sod / 60 % 60);
  p[16] = ':';
  put2(p + 17, sod % 60);
  p += 19;
  if (digits > 9) digits = 9;
  if (digits > 0) {
    *p++ = '.';
    int sig = digits < 7 ? digits : 7; /* FILETIME has 7 */
    for (int i = sig; i < 7; i++) frac /= 10;
    for (int i = sig - 1; i >= 0; i--) {
      p[i] = (char)('0' + frac % 10);
      frac /= 10;
    }
    p += sig;
    for (int i = sig; i < digits; i++) *p++ = '0';
  }
  *p++ = 'Z';
  *p = '\0';
  return (size_t)(p - out);
}

/* Reads min..max digits at s[*i] into *out. */
static int digits_at(const char *s, size_t n, size_t *i, unsigned min,
                     unsigned max, unsigned *out) {
  unsigned v = 0, k = 0;
  while (k < max && *i < n && s[*i] >= '0' && s[*i] <= '9') {
    v = v * 10 + (unsigned)(s[*i] - '0');
    (*i)++;
    k++;
  }
  *out = v;
  return k >= min ? 0 : -1;
}

/* The zone at s[i..n): none, Z, or +/-HH[[:]MM]; applied to *secs. */
static int parse_zone(const char *s, size_t n, size_t i, int64_t *secs) {
  if (i == n) return 0;
  if (s[i] == 'Z' || s[i] == 'z') return i + 1 == n ? 0 : -1;
  if (s[i] != '+' && s[i] != '-') return -1;
  int sign = s[i] == '-' ? -1 : 1;
  unsigned hh, mm = 0;
  i++;
  if (digits_at(s, n, &i, 2, 2, &hh)) return -1;
  if (i < n && s[i] == ':') i++;
  if (i < n && digits_at(s, n, &i, 2, 2, &mm)) return -1;
  if (i != n || hh > 23 || mm > 59) return -1;
  *secs -= sign * (int64_t)(hh * 3600 + mm * 60);
  return 0;
}

/* Fraction digits at s[*i] (after the separator) as 100 ns ticks. */
static int parse_fraction(const char *s, size_t n, size_t *i,
                          unsigned *ticks) {
  unsigned frac = 0, k = 0;
  size_t start = *i;
  for (; *i < n && s[*i] >= '0' && s[*i] <= '9'; (*i)++)
    if (k < 7) {
      frac = frac * 10 + (unsigned)(s[*i] - '0');
      k++;
    }
  if (*i == start) return -1;
  for (; k < 7; k++) frac *= 10;
  *ticks = frac;
  return 0;
}

int fl_time_parse_iso(const char *s, size_t n, unsigned flags,
                      uint64_t *filetime) {
  unsigned lo = (flags & FL_TIME_PARSE_SHORT) ? 1 : 2;
  unsigned y, mo, d, h = 0, mi = 0, se = 0, frac = 0;
  size_t i = 0;
  if (digits_at(s, n, &i, 4, 4, &y) || i >= n || s[i++] != '-' ||
      digits_at(s, n, &i, lo, 2, &mo) || i >= n || s[i++] != '-' ||
      digits_at(s, n, &i, lo, 2, &d))
    return -1;
  int short_ok = (flags & FL_TIME_PARSE_SHORT) != 0;
  if (i < n && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
    i++;
    if (digits_at(s, n, &i, lo, 2, &h) || i >= n || s[i++] != ':' ||
        digits_at(s, n, &i, lo, 2, &mi))
      return -1;
    if (i < n && s[i] == ':') {
      i++;
      if (digits_at(s, n, &i, lo, 2, &se)) return -1;
      if (i < n && (s[i] == '.' || s[i] == ',')) {
        i++;
        if (parse_fraction(s, n, &i, &frac)) return -1;
      }
    } else if (!short_ok) {
      return -1;
    }
  } else if (!short_ok) {
    return -1;
  }
  if (y < 1601 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
      mi > 59 || se > 60)
    return -1;
  int64_t secs = (fl_time_days_from_civil(y, mo, d) + 134774) * 86400 +
                 (int64_t)h * 3600 + mi * 60 + se;
  if (parse_zone(s, n, i, &secs) || secs < 0) return -1;
  *filetime = (uint64_t)secs * FL_TIME_TICKS_PER_SEC + frac;
  return 0;
}
