/*
** The estate view of the HTML report: every episode on one time axis with
** one lane per host (bars from first to last seen, coloured by state, the
** ones that recovered or had successes marked), a table per host, and the
** filter box (shown only when the page's script runs; without it the page
** is complete, just unfiltered).
**
** Must never write an event string except through rp_html_str (element
** text and quoted title attributes), and never put one into a style or the
** script: positions are numbers computed here.
*/
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report/report_html.h"

typedef struct host_row {
  const char *name;
  size_t findings, ongoing;
  uint64_t failures, successes, first, last;
} host_row;

/* Distinct hosts of the episodes (case-insensitive), in first-seen order. */
static size_t collect_hosts(const fl_diag_result *r, host_row *rows) {
  size_t n = 0;
  for (size_t i = 0; i < r->episode_count; i++) {
    const fl_episode *e = &r->episodes[i];
    const char *h = e->host && e->host[0] ? e->host : "(unknown host)";
    size_t k = 0;
    while (k < n && strcasecmp(rows[k].name, h) != 0) k++;
    if (k == n) {
      memset(&rows[n], 0, sizeof rows[n]);
      rows[n++].name = h;
    }
    host_row *row = &rows[k];
    row->findings += e->finding != 0;
    row->ongoing += e->finding && e->state == FL_EPISODE_ONGOING;
    row->failures += e->count;
    row->successes += e->successes;
    if (e->first_seen && (!row->first || e->first_seen < row->first)) row->first = e->first_seen;
    if (e->last_seen > row->last) row->last = e->last_seen;
  }
  return n;
}

static int by_first_seen(const void *a, const void *b) {
  const host_row *x = a, *y = b;
  return (x->first > y->first) - (x->first < y->first);
}

static double pct(uint64_t t, uint64_t t0, uint64_t t1) {
  if (t1 <= t0 || t <= t0) return 0;
  if (t >= t1) return 100;
  return (double)(t - t0) * 100.0 / (double)(t1 - t0);
}

static void time_text(FILE *out, uint64_t ft) {
  char iso[32];
  rp_iso_time(ft, iso, sizeof iso);
  fputs(iso, out);
}

void rp_html_time(FILE *out, uint64_t ft) {
  char iso[32];
  rp_iso_time(ft, iso, sizeof iso);
  const char *t = strchr(iso, 'T');
  if (!t) {
    fputs(iso, out);
    return;
  }
  fprintf(out, "<span>%.*s</span><span>%s</span>", (int)(t - iso), iso, t);
}

/* One bar: a link to the episode card; its (visually hidden) text says
** what it is, for screen readers, the filter and print. */
static void lane_bar(FILE *out, const fl_episode *e, size_t rank, uint64_t t0,
                     uint64_t t1) {
  double left = pct(e->first_seen, t0, t1), right = pct(e->last_seen, t0, t1);
  double width = right - left < 1.0 ? 1.0 : right - left; /* >= 3 px at 400 */
  if (left + width > 100) left = 100 - width;
  const char *cls = e->finding ? rp_state_name(e->state) : "benign";
  fprintf(out, "<a class=\"bar st-%s%s\" href=\"#ep-%zu\" style=\"left:%.2f%%;"
          "width:%.2f%%\"><span class=\"sr\">#%zu ", cls, e->successes ? " ok" : "",
          rank, left, width, rank);
  /* element text, not a title attribute: no event string in an attribute */
  rp_html_str(out, e->cause_title);
  fputs(": ", out);
  rp_html_short(out, e->host, 80);
  fputs(" &#8594; ", out);
  rp_html_short(out, e->peer && e->peer[0] ? e->peer : "(none)", 80);
  fprintf(out, ", %llu failures, %llu successes, ", (unsigned long long)e->count,
          (unsigned long long)e->successes);
  time_text(out, e->first_seen);
  fputs(" .. ", out);
  time_text(out, e->last_seen);
  fputs("</span></a>", out);
}

static void estate_timeline(FILE *out, const fl_diag_result *r, host_row *hosts,
                            size_t nh) {
  uint64_t t0 = r->first_time, t1 = r->last_time;
  fputs("<section id=\"estate\"><h2>Estate timeline <span class=\"count\">"
        "(all episodes, one lane per host)</span></h2>\n"
        "<p class=\"muted legend\"><span><span class=\"key st-ongoing\"></span>ongoing</span> "
        "<span><span class=\"key st-intermittent\"></span>intermittent</span> "
        "<span><span class=\"key st-recovered\"></span>recovered</span> "
        "<span><span class=\"key st-ended\"></span>ended</span> "
        "<span><span class=\"key st-seen-once\"></span>seen once</span> "
        "<span><span class=\"key st-benign\"></span>benign</span> "
        "<span><span class=\"key ok\"></span>successes seen</span></p>\n"
        "<div class=\"estate\" role=\"list\">\n", out);
  for (size_t h = 0; h < nh; h++) {
    fputs("<div class=\"lane\" role=\"listitem\"><div class=\"lane-host\">", out);
    rp_html_str(out, hosts[h].name);
    fputs("</div><div class=\"track\">", out);
    for (size_t i = 0; i < r->episode_count; i++) {
      const fl_episode *e = &r->episodes[i];
      const char *eh = e->host && e->host[0] ? e->host : "(unknown host)";
      if (strcasecmp(eh, hosts[h].name) == 0) lane_bar(out, e, i + 1, t0, t1);
    }
    fputs("</div></div>\n", out);
  }
  fputs("<div class=\"lane axis\"><div class=\"lane-host\"></div><div class=\"ticks\">"
        "<span class=\"time\">", out);
  time_text(out, t0);
  fputs("</span><span class=\"time\">", out);
  time_text(out, t1);
  fputs("</span></div></div>\n</div>\n</section>\n", out);
}

static void host_table(FILE *out, const host_row *hosts, size_t nh) {
  fputs("<section id=\"hosts\"><h2>Hosts <span class=\"count\">", out);
  fprintf(out, "(%zu)</span></h2>\n", nh);
  static const rp_html_col cols[] = {
      {"Host", 0},      {"Findings", 1},   {"Ongoing", 1},  {"Failures", 1},
      {"Successes", 1}, {"First seen", 0}, {"Last seen", 0}};
  rp_html_table_open(out, "hosts-table", cols, sizeof cols / sizeof *cols);
  for (size_t h = 0; h < nh; h++) {
    const host_row *x = &hosts[h];
    fputs("<tr><td class=\"host\">", out);
    rp_html_str(out, x->name);
    fprintf(out, "</td><td class=\"num\" data-v=\"%zu\">%zu</td>"
            "<td class=\"num\" data-v=\"%zu\">%zu</td>"
            "<td class=\"num\" data-v=\"%llu\">%llu</td>"
            "<td class=\"num\" data-v=\"%llu\">%llu</td>"
            "<td class=\"time\" data-v=\"%llu\">", x->findings, x->findings,
            x->ongoing, x->ongoing,
            (unsigned long long)x->failures, (unsigned long long)x->failures,
            (unsigned long long)x->successes, (unsigned long long)x->successes,
            (unsigned long long)x->first);
    rp_html_time(out, x->first);
    fprintf(out, "</td><td class=\"time\" data-v=\"%llu\">", (unsigned long long)x->last);
    rp_html_time(out, x->last);
    fputs("</td></tr>\n", out);
  }
  fputs("</tbody></table></div>\n</section>\n", out);
}

void rp_html_filter_box(FILE *out) {
  fputs("<div class=\"filter\" id=\"filter-box\" hidden><label for=\"filter\">"
        "Filter</label> <input type=\"search\" id=\"filter\" autocomplete=\"off\" "
        "placeholder=\"host, peer, cause, error...\"> <span id=\"filter-count\" "
        "class=\"muted\"></span></div>\n", out);
}

void rp_html_estate(FILE *out, const fl_diag_result *r) {
  if (!r->episode_count) return;
  host_row *hosts = malloc(r->episode_count * sizeof *hosts);
  if (!hosts) return; /* the rest of the page still says everything */
  size_t nh = collect_hosts(r, hosts);
  qsort(hosts, nh, sizeof *hosts, by_first_seen);
  estate_timeline(out, r, hosts, nh);
  host_table(out, hosts, nh);
  free(hosts);
}
