/*
** FILETIME (100 ns ticks since 1601-01-01 UTC, what Windows stores) to and
** from ISO 8601 text, the one copy the library and CLI use. Proleptic
** Gregorian, always UTC; no locale, no time zone database, no libc time
** functions (their range and time_t width vary).
**
** Must never: write more than FL_TIME_ISO_MAX bytes, accept trailing text,
** or depend on the local time zone.
*/
#ifndef FL_COMMON_TIME_H
#define FL_COMMON_TIME_H

#include <stddef.h>
#include <stdint.h>

#define FL_TIME_TICKS_PER_SEC 10000000u
/* Seconds from 1601-01-01 to 1970-01-01. */
#define FL_TIME_UNIX_EPOCH_SECS 11644473600LL
/* Largest text with its NUL: a 5-digit year (FILETIME ends in 60056) and 9
** fraction digits. */
#define FL_TIME_ISO_MAX 36

/* "YYYY-MM-DDTHH:MM:SS[.f…]Z" with `digits` fraction digits (0..9; the 8th
** and 9th are always 0, FILETIME counting 100 ns; out-of-range is clamped).
** The year has at least 4 digits. NUL-terminated; returns the length. */
size_t fl_time_iso(uint64_t filetime, int digits, char out[FL_TIME_ISO_MAX]);

enum {
  /* Also the short forms a person types: a date alone ("2024-05-01"),
  ** minutes without seconds ("2024-05-01 12:30"), 1-digit month, day,
  ** hour, minute or second ("2024-5-1"). */
  FL_TIME_PARSE_SHORT = 1u,
};
/* Parses exactly n bytes: date, 'T' / 't' / ' ', time, an optional
** fraction ('.' or ','; digits past the 7th are dropped) and an optional
** zone (Z, z, +HH, +HH:MM, +HHMM, -…). Returns 0 and the FILETIME, or -1
** (bad text, a year before 1601, a field out of range). */
int fl_time_parse_iso(const char *s, size_t n, unsigned flags,
                      uint64_t *filetime);

/* Days from 1970-01-01 to the civil date, and back. */
int64_t fl_time_days_from_civil(int64_t y, unsigned m, unsigned d);
void fl_time_civil_from_days(int64_t days, int64_t *y, unsigned *m,
                             unsigned *d);

#endif
