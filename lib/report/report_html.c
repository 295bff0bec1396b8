/*
** HTML report: one self-contained page (inline CSS, a small sorting script,
** inline SVG), strict CSP, summary cards, a sortable table of findings,
** one card per episode, benign episodes, coverage notes and sources.
**
** Must never reference anything outside the page (no network, no fonts)
** and never write event data except HTML-escaped in element text: no event
** string ever reaches the script, a URL or an attribute.
*/
#include "report/report_html.h"

#include <string.h>

#define HTML_CSP                                                           \
  "default-src 'none'; style-src 'unsafe-inline'; "                        \
  "script-src 'unsafe-inline'; img-src data:"

static void page_head(FILE *out, const char *title) {
  fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"" HTML_CSP "\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta name=\"referrer\" content=\"no-referrer\">\n"
        "<meta name=\"generator\" content=\"faultline\">\n<title>", out);
  rp_html_str(out, title);
  fputs("</title>\n<style>\n", out);
  fputs(rp_html_css, out);
  fputs("</style>\n</head>\n<body>\n", out);
}

static void card(FILE *out, const char *cls, unsigned long long v,
                 const char *what) {
  fprintf(out, "<div class=\"card%s\"><div class=\"v\">%llu</div>"
          "<div class=\"k\">%s</div></div>\n", cls, v, what);
}

static void page_summary(FILE *out, const fl_diag_result *r,
                         const char *title) {
  char a[32], b[32];
  size_t findings = rp_count_findings(r), ongoing = 0;
  for (size_t i = 0; i < r->episode_count; i++)
    if (r->episodes[i].finding && r->episodes[i].state == FL_EPISODE_ONGOING)
      ongoing++;
  rp_iso_time(r->first_time, a, sizeof a);
  rp_iso_time(r->last_time, b, sizeof b);
  fputs("<header class=\"top\"><div class=\"wrap\"><h1>", out);
  rp_html_str(out, title);
  fputs("</h1><p class=\"sub\">", out);
  if (a[0])
    fprintf(out, "Events from <span class=\"mono time\">%s</span> to "
            "<span class=\"mono time\">%s</span> (UTC)", a, b[0] ? b : a);
  else
    fputs("No timed events", out);
  fputs(" &middot; faultline ", out);
  rp_html_str(out, fl_version());
  fputs("</p></div></header>\n<main class=\"wrap\">\n<section class=\"cards\" "
        "aria-label=\"Summary\">\n", out);
  card(out, findings ? " alert" : "", findings, "findings");
  card(out, ongoing ? " alert" : "", ongoing, "ongoing");
  card(out, "", r->episode_count - findings, "benign episodes");
  card(out, "", r->failures, "failures");
  card(out, "", r->events_in_scope, "events in scope");
  card(out, "", r->source_count, "sources read");
  card(out, "", r->note_count, "coverage notes");
  fputs("</section>\n", out);
}

void rp_html_table_open(FILE *out, const char *id, const rp_html_col *cols, size_t n) {
  fprintf(out, "<div class=\"tablebox\"><table class=\"sortable\" id=\"%s\">"
          "<thead><tr>", id);
  for (size_t i = 0; i < n; i++)
    fprintf(out, "<th%s scope=\"col\"><button type=\"button\">%s</button></th>",
            cols[i].num ? " class=\"num\"" : "", cols[i].name);
  fputs("</tr></thead>\n<tbody>\n", out);
}

/* ISO time in a table cell: one line on screens (CSS .time; narrow ones
** scroll the table), date and time on two lines only when printed. */
static void html_time(FILE *out, uint64_t ft) { rp_html_time(out, ft); }

static int state_order(fl_episode_state s) {
  /* ongoing, recovered, intermittent, seen once, ended: sort order */
  static const int order[] = {0, 3, 1, 4, 2};
  return (unsigned)s < sizeof order / sizeof *order ? order[s] : 5;
}

static void episode_row(FILE *out, const fl_episode *e, size_t rank) {
  double c = e->confidence == e->confidence ? e->confidence : 0.0;
  fprintf(out, "<tr><td class=\"num\" data-v=\"%zu\">%zu</td>"
          "<td data-v=\"%d\">", rank, rank, state_order(e->state));
  rp_html_badge(out, e);
  fprintf(out, "</td><td class=\"wrapcell\"><a href=\"#ep-%zu\">", rank);
  rp_html_short(out, e->cause_title, 160);
  fputs("</a></td><td class=\"wrapcell\">", out);
  rp_html_pair(out, e, 64);
  fputs("</td><td class=\"errcell\">", out);
  rp_html_error(out, e, 0);
  fprintf(out, "</td><td class=\"num\" data-v=\"%llu\">%llu</td>"
          "<td class=\"mono time\" data-v=\"%llu\">",
          (unsigned long long)e->count, (unsigned long long)e->count,
          (unsigned long long)e->first_seen);
  html_time(out, e->first_seen);
  fprintf(out, "</td><td class=\"mono time\" data-v=\"%llu\">",
          (unsigned long long)e->last_seen);
  html_time(out, e->last_seen);
  fprintf(out, "</td><td class=\"num\" data-v=\"%.3f\">%.0f%%</td></tr>\n",
          c, c * 100.0);
}

/* The sortable table of findings (want_finding = 1) or benign episodes. */
static void episode_table(FILE *out, const fl_diag_result *r, int want_finding,
                          const char *id) {
  static const rp_html_col cols[] = {
      {"#", 1},     {"State", 0},      {"Cause", 0},     {"Host &rarr; peer", 0},
      {"Error", 0}, {"Count", 1},      {"First seen", 0}, {"Last seen", 0},
      {"Confidence", 1}};
  rp_html_table_open(out, id, cols, sizeof cols / sizeof *cols);
  for (size_t i = 0; i < r->episode_count; i++)
    if (!r->episodes[i].finding == !want_finding)
      episode_row(out, &r->episodes[i], i + 1);
  fputs("</tbody></table></div>\n", out);
}

static void episode_sections(FILE *out, const fl_diag_result *r) {
  size_t findings = rp_count_findings(r), benign = r->episode_count - findings;
  fprintf(out, "<section id=\"findings\"><h2>Findings <span class=\"count\">"
          "(%zu, most impact first)</span></h2>\n", findings);
  if (findings)
    episode_table(out, r, 1, "episodes");
  else
    fputs("<p class=\"empty\">No findings: nothing failed that needs "
          "attention in these inputs.</p>\n", out);
  for (size_t i = 0; i < r->episode_count; i++)
    if (r->episodes[i].finding)
      rp_html_episode_card(out, &r->episodes[i], i + 1);
  fputs("</section>\n", out);
  if (!benign) return;
  fprintf(out, "<section id=\"benign\"><h2>Benign, never raised <span "
          "class=\"count\">(%zu)</span></h2>\n<p class=\"muted\">Failures "
          "that are expected in normal operation; listed for completeness."
          "</p>\n", benign);
  episode_table(out, r, 0, "benign-episodes");
  for (size_t i = 0; i < r->episode_count; i++)
    if (!r->episodes[i].finding)
      rp_html_episode_card(out, &r->episodes[i], i + 1);
  fputs("</section>\n", out);
}

static void notes_section(FILE *out, const fl_diag_result *r) {
  fprintf(out, "<section id=\"coverage\"><h2>Coverage notes <span "
          "class=\"count\">(%zu)</span></h2>\n", r->note_count);
  if (!r->note_count)
    fputs("<p class=\"empty\">No gaps in coverage were detected.</p>\n", out);
  for (size_t i = 0; i < r->note_count; i++) {
    const fl_coverage_note *n = &r->notes[i];
    fputs("<div class=\"note\"><div>", out);
    rp_html_str(out, n->text);
    fputs(" <span class=\"muted mono\">[", out);
    rp_html_str(out, n->id);
    fputs("]</span></div>", out);
    if (n->command && n->command[0]) {
      fputs("<code>", out);
      rp_html_str(out, n->command);
      fputs("</code>", out);
    }
    fputs("</div>\n", out);
  }
  fputs("</section>\n", out);
}

static void sources_section(FILE *out, const fl_diag_result *r) {
  fprintf(out, "<section id=\"sources\"><h2>Sources <span class=\"count\">"
          "(%zu)</span></h2>\n", r->source_count);
  if (!r->source_count) {
    fputs("<p class=\"empty\">No sources were recorded.</p></section>\n", out);
    return;
  }
  static const rp_html_col cols[] = {
      {"Path", 0}, {"Format", 0}, {"Records", 1}, {"Skipped", 1}, {"In scope", 1}};
  rp_html_table_open(out, "sources-table", cols, sizeof cols / sizeof *cols);
  for (size_t i = 0; i < r->source_count; i++) {
    const fl_diag_source *s = &r->sources[i];
    fputs("<tr><td class=\"wrapcell mono\">", out);
    rp_html_str(out, s->path);
    fputs("</td><td>", out);
    rp_html_str(out, s->format);
    fprintf(out, "</td><td class=\"num\" data-v=\"%llu\">%llu</td>"
            "<td class=\"num\" data-v=\"%llu\">%llu</td>"
            "<td class=\"num\" data-v=\"%llu\">%llu</td></tr>\n",
            (unsigned long long)s->records, (unsigned long long)s->records,
            (unsigned long long)s->skipped, (unsigned long long)s->skipped,
            (unsigned long long)s->in_scope, (unsigned long long)s->in_scope);
  }
  fputs("</tbody></table></div>\n</section>\n", out);
}

fl_status fl_report_html(FILE *out, const fl_diag_result *r,
                         const fl_report_options *opt, fl_error *err) {
  fl_status st = rp_check_args(out, r, err);
  if (st != FL_OK) return st;
  const char *title = opt && opt->title && opt->title[0]
                          ? opt->title
                          : "faultline: IPsec / IKE / iSCSI diagnosis";
  page_head(out, title);
  page_summary(out, r, title);
  rp_html_filter_box(out);
  rp_html_estate(out, r);
  episode_sections(out, r);
  notes_section(out, r);
  sources_section(out, r);
  fputs("</main>\n<footer>Generated by faultline. Times are UTC. This page is "
        "self-contained and works offline.</footer>\n<script>\n", out);
  fputs(rp_html_js, out);
  fputs("</script>\n</body>\n</html>\n", out);
  return rp_finish(out, "html", err);
}
