/*
** Internals shared by the pieces of the HTML report (page frame, episode
** cards and timelines, inline assets).
**
** Never put an event-derived string anywhere but through rp_html_str, and
** never into a script, a style or an unquoted attribute.
*/
#ifndef FL_REPORT_HTML_H
#define FL_REPORT_HTML_H

#include "report/report_internal.h"

extern const char rp_html_css[];
extern const char rp_html_js[];

/* Opens a sortable table: its box, the header row (num: a numeric column)
** and <tbody>. Headings are the writer's own text, not event data. */
typedef struct rp_html_col {
  const char *name;
  int num;
} rp_html_col;
void rp_html_table_open(FILE *out, const char *id, const rp_html_col *cols, size_t n);
/* "<span class=\"badge st-...\">state</span>" (benign episodes: "benign"). */
void rp_html_badge(FILE *out, const fl_episode *e);
/* Error as "<code>SYMBOL</code> code" (and the message when with_message). */
void rp_html_error(FILE *out, const fl_episode *e, int with_message);
/* "host → peer" with "+N" when more hosts/peers are involved; each name
** cut after max bytes (0 = whole). */
void rp_html_pair(FILE *out, const fl_episode *e, size_t max);
/* s escaped, cut after max bytes at a character boundary with a note of
** how much was left out (tables stay readable; cards show it whole). */
void rp_html_short(FILE *out, const char *s, size_t max);
/* An identifier such as ERROR_IPSEC_IKE_AUTH_FAIL, escaped, with <wbr>
** after each '_' so narrow columns break it there. */
void rp_html_symbol(FILE *out, const char *s);
/* One episode card (anchor id "ep-<rank>"), timeline included. */
void rp_html_episode_card(FILE *out, const fl_episode *e, size_t rank);
/* The inline SVG timeline of an episode's failures. */
void rp_html_timeline(FILE *out, const fl_episode *e);

/* The estate view: one time axis, a lane per host, then a table per host
** (nothing when there are no episodes). */
void rp_html_estate(FILE *out, const fl_diag_result *r);
/* An ISO time as <span>date</span><span>Ttime</span>: never broken inside
** either part; CSS keeps the two together except in print. */
void rp_html_time(FILE *out, uint64_t ft);
/* The filter box; hidden until the script shows it. */
void rp_html_filter_box(FILE *out);

#endif
