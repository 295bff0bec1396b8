/*
** Small helpers shared by every report writer: UTC time text from FILETIME,
** state names, error-code descriptions from the catalog, argument and
** stream checks.
**
** Must never depend on the C library's time zone (reports are UTC whatever
** TZ says) and never print anything itself.
*/
#include "report/report_internal.h"

#include "common/fl_error.h"

#define FILETIME_PER_SEC 10000000ULL
#define FILETIME_UNIX_EPOCH_SEC 11644473600ULL /* 1601-01-01 .. 1970-01-01 */

/* Gregorian date of a day count since 1970-01-01 (proleptic calendar, days
** >= 0 here because FILETIME starts in 1601 and we shift by 400 years). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468; /* days from 0000-03-01 */
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void rp_iso_time(uint64_t filetime, char *buf, size_t cap) {
  if (!cap) return;
  if (filetime == 0) {
    buf[0] = '\0';
    return;
  }
  int64_t secs = (int64_t)(filetime / FILETIME_PER_SEC) -
                 (int64_t)FILETIME_UNIX_EPOCH_SEC;
  int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  int64_t rem = secs - days * 86400;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  unsigned ms = (unsigned)(filetime % FILETIME_PER_SEC / 10000);
  char frac[8] = "";
  if (ms) snprintf(frac, sizeof frac, ".%03u", ms); /* whole seconds stay short */
  snprintf(buf, cap, "%04lld-%02u-%02uT%02u:%02u:%02u%sZ", (long long)y, m, d,
           (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60),
           (unsigned)(rem % 60), frac);
}

const char *rp_state_name(fl_episode_state s) { return fl_episode_state_name(s); }

void rp_describe_error(uint32_t code, const char *episode_symbol,
                       rp_error_desc *d) {
  const fl_code_info *ci = code ? fl_catalog_code_by_value(code) : NULL;
  d->symbol = episode_symbol && episode_symbol[0] ? episode_symbol
              : ci                                ? rp_s(ci->symbol)
                                                  : "";
  d->message = ci ? rp_s(ci->message) : "";
  d->family = ci ? fl_code_family_name(ci->family) : "";
  snprintf(d->hex, sizeof d->hex, "0x%08X", (unsigned)code);
  int decimal = ci ? (ci->family == FL_CODE_WIN32 || ci->family == FL_CODE_RAS) : code < 0x10000u;
  if (decimal)
    snprintf(d->code, sizeof d->code, "%u", (unsigned)code);
  else
    snprintf(d->code, sizeof d->code, "0x%08X", (unsigned)code);
}

fl_status rp_check_args(FILE *out, const fl_diag_result *r, fl_error *err) {
  if (!out || !r)
    return fl_error_at(err, FL_EUSAGE, "report", 0,
                       "report needs an output stream and a result");
  if ((r->episode_count && !r->episodes) || (r->note_count && !r->notes) ||
      (r->source_count && !r->sources))
    return fl_error_at(err, FL_EUSAGE, "report", 0,
                       "result has counts without arrays");
  return FL_OK;
}

fl_status rp_finish(FILE *out, const char *what, fl_error *err) {
  if (fflush(out) != 0 || ferror(out))
    return fl_error_at(err, FL_EIO, what, 0, "writing the %s report failed",
                       what);
  return FL_OK;
}

size_t rp_count_findings(const fl_diag_result *r) {
  size_t n = 0;
  for (size_t i = 0; i < r->episode_count; i++)
    if (r->episodes[i].finding) n++;
  return n;
}
