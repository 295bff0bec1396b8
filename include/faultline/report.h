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

#ifdef __cplusplus
}
#endif

#endif
