/*
** Reports of a diagnosis: terminal text, JSON, CSV and a self-contained HTML
** page. Every string from an event (host names, principals, addresses) is
** attacker-controlled and is escaped for the output it goes to.
** (Implemented in lib/report/; declarations may grow with it.)
*/
#ifndef FAULTLINE_REPORT_H
#define FAULTLINE_REPORT_H

#include <stdio.h>

#include "faultline/diag.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fl_report_options {
  int colour;          /* ANSI colour (text only); callers decide TTY/NO_COLOR */
  int verbose;         /* text: show evidence lines and benign episodes */
  const char *title;   /* HTML page title; NULL = default */
} fl_report_options;

FL_API fl_status fl_report_text(FILE *out, const fl_diag_result *r,
                         const fl_report_options *opt, fl_error *err);
/* One JSON document, schema in docs/report-json.md. */
FL_API fl_status fl_report_json(FILE *out, const fl_diag_result *r,
                         const fl_report_options *opt, fl_error *err);
/* One row per episode, RFC 4180, formula-injection guarded. */
FL_API fl_status fl_report_csv(FILE *out, const fl_diag_result *r,
                        const fl_report_options *opt, fl_error *err);
/* One self-contained page: inline CSS/JS/SVG, no network assets. */
FL_API fl_status fl_report_html(FILE *out, const fl_diag_result *r,
                         const fl_report_options *opt, fl_error *err);

/* The writers as a registry, one row per faultline/report_formats.def. */
typedef enum fl_report_format {
#define FL_REPORT_FORMAT(id, name, writer, to_stdout, description) FL_REPORT_##id,
#include "faultline/report_formats.def"
#undef FL_REPORT_FORMAT
  FL_REPORT_FORMAT_COUNT
} fl_report_format;

/* The row's name ("text", "json", ...), "" when out of range. */
FL_API const char *fl_report_format_name(fl_report_format f);
/* The row's description, "" when out of range. */
FL_API const char *fl_report_format_description(fl_report_format f);
/* 1 when the form can be written on stdout (--format), 0 for file-only forms. */
FL_API int fl_report_format_to_stdout(fl_report_format f);
/* The format of that name; -1 when there is none (NULL too). */
FL_API int fl_report_format_named(const char *name);
/* Writes r in format f; FL_EUSAGE for an unknown f. */
FL_API fl_status fl_report_write(FILE *out, fl_report_format f, const fl_diag_result *r,
                          const fl_report_options *opt, fl_error *err);

#ifdef __cplusplus
}
#endif

#endif
