/*
** The report-writer registry (faultline/report_formats.def) made code: the
** names, descriptions and the one dispatch to a writer, so the CLI (and any
** caller) picks a writer by name from a table, never with a chain of ifs.
**
** Must never: write anything itself (the rows' writers do), or accept a
** format number outside the table.
*/
#include "common/fl_error.h"
#include "faultline/report.h"

#include <string.h>

typedef fl_status (*report_writer)(FILE *, const fl_diag_result *,
                                   const fl_report_options *, fl_error *);

static const struct {
  const char *name;
  report_writer write;
  int to_stdout;
  const char *description;
} writers[] = {
#define FL_REPORT_FORMAT(id, name, writer, to_stdout, description) \
  {name, writer, to_stdout, description},
#include "faultline/report_formats.def"
#undef FL_REPORT_FORMAT
};
_Static_assert(sizeof writers / sizeof *writers == FL_REPORT_FORMAT_COUNT,
               "one row per fl_report_format");

const char *fl_report_format_name(fl_report_format f) {
  return (unsigned)f < FL_REPORT_FORMAT_COUNT ? writers[f].name : "";
}

const char *fl_report_format_description(fl_report_format f) {
  return (unsigned)f < FL_REPORT_FORMAT_COUNT ? writers[f].description : "";
}

int fl_report_format_to_stdout(fl_report_format f) {
  return (unsigned)f < FL_REPORT_FORMAT_COUNT && writers[f].to_stdout;
}

int fl_report_format_named(const char *name) {
  for (int f = 0; name && f < FL_REPORT_FORMAT_COUNT; f++)
    if (strcmp(writers[f].name, name) == 0) return f;
  return -1;
}

fl_status fl_report_write(FILE *out, fl_report_format f, const fl_diag_result *r,
                          const fl_report_options *opt, fl_error *err) {
  if ((unsigned)f >= FL_REPORT_FORMAT_COUNT)
    return fl_error_at(err, FL_EUSAGE, "report", 0, "no report format %d", (int)f);
  return writers[f].write(out, r, opt, err);
}
