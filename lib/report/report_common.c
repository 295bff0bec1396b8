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
#include "common/fl_time.h"

void rp_iso_time(uint64_t filetime, char *buf, size_t cap) {
  if (!cap) return;
  buf[0] = '\0';
  if (filetime == 0) return;
  /* milliseconds only when not whole seconds: whole seconds stay short */
  unsigned ms = (unsigned)(filetime % FL_TIME_TICKS_PER_SEC / 10000);
  char t[FL_TIME_ISO_MAX];
  size_t n = fl_time_iso(filetime, ms ? 3 : 0, t);
  if (n >= cap) n = cap - 1;
  memcpy(buf, t, n);
  buf[n] = '\0';
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
