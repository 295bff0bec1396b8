/*
** HTML report pieces for one episode: state badge, error text, the episode
** card (facts, what to check, evidence) and its inline SVG timeline.
**
** Must never write an event-derived string unescaped; the SVG holds only
** numbers computed here and escaped text (no event data in attributes).
*/
#include "report/report_html.h"

#include <string.h>

#define TL_W 760
#define TL_H 150
#define TL_X0 44
#define TL_X1 (TL_W - 14)
#define TL_Y0 14
#define TL_Y1 (TL_H - 40)
#define TL_MAX_BUCKETS 60

void rp_html_badge(FILE *out, const fl_episode *e) {
  const char *name = e->finding ? rp_state_name(e->state) : "benign";
  fprintf(out, "<span class=\"badge st-%s\">%s</span>", name, name);
}

void rp_html_short(FILE *out, const char *s, size_t max) {
  s = rp_s(s);
  size_t n = strlen(s);
  if (!max || n <= max) {
    rp_html_str(out, s);
    return;
  }
  size_t cut = max;
  while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80) cut--;
  rp_html_strn(out, s, cut);
  fprintf(out, "&hellip;<span class=\"muted\"> (+%zu bytes)</span>", n - cut);
}

void rp_html_symbol(FILE *out, const char *s) {
  s = rp_s(s);
  while (*s) {
    size_t n = strcspn(s, "_");
    rp_html_strn(out, s, n);
    s += n;
    if (*s == '_') {
      fputs("_<wbr>", out);
      s++;
    }
  }
}

void rp_html_error(FILE *out, const fl_episode *e, int with_message) {
  if (!e->error_code && !(e->error_symbol && e->error_symbol[0])) {
    fputs("<span class=\"muted\">none recorded</span>", out);
    return;
  }
  rp_error_desc d;
  rp_describe_error(e->error_code, e->error_symbol, &d);
  if (d.symbol[0]) {
    fputs("<code>", out);
    rp_html_symbol(out, d.symbol);
    fputs("</code> ", out);
  }
  fprintf(out, "<span class=\"mono muted\">%s</span>", d.code);
  if (with_message && d.message[0]) {
    fputs("<br>", out);
    rp_html_str(out, d.message);
  }
}

void rp_html_pair(FILE *out, const fl_episode *e, size_t max) {
  rp_html_short(out, e->host, max);
  if (rp_n_hosts(e) > 1)
    fprintf(out, " <span class=\"muted\">+%zu</span>", rp_n_hosts(e) - 1);
  fputs(" &rarr; ", out);
  if (e->peer && e->peer[0])
    rp_html_short(out, e->peer, max);
  else
    fputs("<span class=\"muted\">(none)</span>", out);
  if (rp_n_peers(e) > 1)
    fprintf(out, " <span class=\"muted\">+%zu</span>", rp_n_peers(e) - 1);
}

/* Bucket counts of the episode's failure times over [t0, t1]. */
static size_t bucketize(const fl_episode *e, uint64_t t0, uint64_t t1,
                        uint64_t *counts, size_t nb) {
  size_t n = rp_n_times(e), total = 0;
  const uint64_t *tv = e->times;
  size_t ne = rp_n_evidence(e);
  for (size_t i = 0; i < (n ? n : ne); i++) {
    uint64_t t = n ? tv[i] : e->evidence[i].time;
    if (!t) continue;
    if (t < t0) t = t0;
    if (t > t1) t = t1;
    size_t b = t1 > t0 ? (size_t)((double)(t - t0) / (double)(t1 - t0) * (double)nb) : nb / 2;
    if (b >= nb) b = nb - 1;
    counts[b]++;
    total++;
  }
  return total;
}

static void time_range(const fl_episode *e, uint64_t *t0, uint64_t *t1) {
  *t0 = e->first_seen;
  *t1 = e->last_seen;
  for (size_t i = 0; i < rp_n_times(e); i++) {
    if (e->times[i] && (!*t0 || e->times[i] < *t0)) *t0 = e->times[i];
    if (e->times[i] > *t1) *t1 = e->times[i];
  }
  if (*t1 < *t0) *t1 = *t0;
}

static void axis_label(FILE *out, int x, const char *anchor, uint64_t ft) {
  char iso[32];
  rp_iso_time(ft, iso, sizeof iso);
  fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\">%s</text>", x,
          TL_Y1 + 18, anchor, iso);
}

static void timeline_bars(FILE *out, const uint64_t *counts, size_t nb,
                          uint64_t max, uint64_t t0, uint64_t t1,
                          const char *fill) {
  double bw = (double)(TL_X1 - TL_X0) / (double)nb;
  double x_shift = 0;
  if (nb == 1) { /* one instant: a slim bar in the middle, not a slab */
    x_shift = bw / 2 - 8;
    bw = 16;
  }
  char a[32], b[32];
  for (size_t i = 0; i < nb; i++) {
    if (!counts[i]) continue;
    double h = (double)counts[i] / (double)max * (TL_Y1 - TL_Y0);
    if (h < 2) h = 2;
    uint64_t span = t1 - t0;
    rp_iso_time(t0 + (uint64_t)((double)span * (double)i / (double)nb), a, sizeof a);
    rp_iso_time(t0 + (uint64_t)((double)span * (double)(i + 1) / (double)nb), b, sizeof b);
    fprintf(out,
            "<rect fill=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
            "height=\"%.1f\" rx=\"1.5\"><title>%llu failure%s, %s .. %s</title></rect>\n",
            fill, TL_X0 + x_shift + bw * (double)i + 1, TL_Y1 - h, bw > 3 ? bw - 2 : bw, h,
            (unsigned long long)counts[i], counts[i] == 1 ? "" : "s", a, b);
  }
}

static const char *state_colour(const fl_episode *e) {
  /* ongoing, recovered, intermittent, seen once, ended */
  static const char *const colour[] = {"#c8372d", "#2f9e58", "#d38b00", "#7b8494", "#5b7fa6"};
  if (!e->finding || (unsigned)e->state >= sizeof colour / sizeof *colour) return "#7b8494";
  return colour[e->state];
}

void rp_html_timeline(FILE *out, const fl_episode *e) {
  uint64_t t0, t1, counts[TL_MAX_BUCKETS] = {0};
  time_range(e, &t0, &t1);
  size_t nb = t1 > t0 ? TL_MAX_BUCKETS : 1;
  size_t total = t0 ? bucketize(e, t0, t1, counts, nb) : 0;
  if (!total) {
    fputs("<p class=\"empty\">No failure times kept for a timeline.</p>\n", out);
    return;
  }
  uint64_t max = 1;
  for (size_t i = 0; i < nb; i++) if (counts[i] > max) max = counts[i];
  fprintf(out,
          "<figure class=\"timeline\"><svg viewBox=\"0 0 %d %d\" role=\"img\" "
          "aria-label=\"Failures over time\" xmlns=\"http://www.w3.org/2000/svg\">\n",
          TL_W, TL_H);
  fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#e3e7ee\" "
          "stroke-dasharray=\"3 3\"/>\n", TL_X0, TL_Y0, TL_X1, TL_Y0);
  fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%llu</text>"
          "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n",
          TL_X0 - 6, TL_Y0 + 4, (unsigned long long)max, TL_X0 - 6, TL_Y1 + 4);
  timeline_bars(out, counts, nb, max, t0, t1, state_colour(e));
  fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#8a94a6\"/>\n",
          TL_X0, TL_Y1, TL_X1, TL_Y1);
  if (t1 > t0)
    axis_label(out, TL_X0, "start", t0);
  else
    axis_label(out, (TL_X0 + TL_X1) / 2, "middle", t0);
  if (t1 > t0) {
    axis_label(out, (TL_X0 + TL_X1) / 2, "middle", t0 + (t1 - t0) / 2);
    axis_label(out, TL_X1, "end", t1);
  }
  fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">UTC, %zu bucket%s"
          "</text>\n</svg><figcaption>%zu failure time%s plotted%s; bar height "
          "= failures per bucket (max %llu).</figcaption></figure>\n",
          (TL_X0 + TL_X1) / 2, TL_H - 4, nb, nb == 1 ? "" : "s", total,
          total == 1 ? "" : "s",
          rp_n_times(e) ? "" : " (from the evidence kept)",
          (unsigned long long)max);
}

static void fact_time(FILE *out, const char *name, uint64_t ft) {
  char iso[32];
  rp_iso_time(ft, iso, sizeof iso);
  fprintf(out, "<dt>%s</dt><dd class=\"mono\">%s</dd>\n", name,
          iso[0] ? iso : "unknown");
}

static void fact_list(FILE *out, const char *name, const char *const *v,
                      size_t n) {
  if (n < 2) return;
  fprintf(out, "<dt>%s</dt><dd>", name);
  for (size_t i = 0; i < n; i++) {
    if (i) fputs(", ", out);
    rp_html_str(out, v[i]);
  }
  fputs("</dd>\n", out);
}

static void card_facts(FILE *out, const fl_episode *e) {
  fputs("<dl class=\"facts\">\n<dt>Host &rarr; peer</dt><dd>", out);
  rp_html_pair(out, e, 0);
  fputs("</dd>\n", out);
  fact_list(out, "Hosts", e->hosts, rp_n_hosts(e));
  fact_list(out, "Peers", e->peers, rp_n_peers(e));
  fputs("<dt>Keying module</dt><dd>", out);
  if (e->keying_module && e->keying_module[0])
    rp_html_str(out, e->keying_module);
  else
    fputs("<span class=\"muted\">-</span>", out);
  fputs("</dd>\n<dt>Error</dt><dd>", out);
  rp_html_error(out, e, 1);
  fputs("</dd>\n", out);
  fact_time(out, "First seen", e->first_seen);
  fact_time(out, "Last seen", e->last_seen);
  fprintf(out, "<dt>Count</dt><dd>%llu failure%s, %llu success%s</dd>\n",
          (unsigned long long)e->count, e->count == 1 ? "" : "s",
          (unsigned long long)e->successes, e->successes == 1 ? "" : "es");
  if (e->cause_id && e->cause_id[0]) {
    fputs("<dt>Cause id</dt><dd class=\"mono\">", out);
    rp_html_str(out, e->cause_id);
    fputs("</dd>\n", out);
  }
  fputs("</dl>\n", out);
}

static void card_evidence(FILE *out, const fl_episode *e) {
  size_t n = rp_n_evidence(e);
  char iso[32];
  fprintf(out, "<h4>Evidence (%zu kept)</h4>\n", n);
  if (!n) {
    fputs("<p class=\"empty\">No evidence kept.</p>\n", out);
    return;
  }
  fputs("<ol class=\"evidence\">\n", out);
  for (size_t i = 0; i < n; i++) {
    const fl_evidence *v = &e->evidence[i];
    rp_iso_time(v->time, iso, sizeof iso);
    fputs("<li><code>", out);
    rp_html_str(out, v->file);
    if (v->event_name) {
      fprintf(out, "#record %llu</code> netsh ", (unsigned long long)v->record_id);
      rp_html_str(out, v->event_name);
      fprintf(out, " <span class=\"muted mono time\">%s</span>", iso);
    } else {
      fprintf(out, "#record %llu</code> event %u <span class=\"muted mono time\">%s</span>",
              (unsigned long long)v->record_id, (unsigned)v->event_id, iso);
    }
    if (v->peer && v->peer[0]) { /* the key fields: which peer, port, principal */
      fputs(" <span class=\"mono kf\">&rarr; ", out);
      rp_html_str(out, v->peer);
      if (v->remote_port) fprintf(out, ":%u", (unsigned)v->remote_port);
      fputs("</span>", out);
    }
    if (v->principal && v->principal[0]) {
      fputs(" <span class=\"mono kf\">", out);
      rp_html_str(out, v->principal);
      fputs("</span>", out);
    }
    if (v->error_code)
      fprintf(out, " <span class=\"mono\">0x%08X</span>", (unsigned)v->error_code);
    fputs("</li>\n", out);
  }
  fputs("</ol>\n", out);
}

static void card_text(FILE *out, const char *heading, const char *cls,
                      const char *tag, const char *text) {
  if (!text || !text[0]) return;
  fprintf(out, "<h4>%s</h4><%s class=\"%s\">", heading, tag, cls);
  rp_html_str(out, text);
  fprintf(out, "</%s>\n", tag);
}

void rp_html_episode_card(FILE *out, const fl_episode *e, size_t rank) {
  const char *cls = e->finding ? rp_state_name(e->state) : "benign";
  double c = e->confidence == e->confidence ? e->confidence : 0.0;
  fprintf(out, "<article class=\"episode %s\" id=\"ep-%zu\">\n<header>"
          "<span class=\"rank\">#%zu</span><h3>", cls, rank, rank);
  rp_html_str(out, e->cause_title);
  fputs("</h3>", out);
  rp_html_badge(out, e);
  fprintf(out, "<span class=\"conf\">%.0f%% confidence</span></header>\n",
          c < 0 ? 0.0 : c > 1 ? 100.0 : c * 100.0);
  card_facts(out, e);
  rp_html_timeline(out, e);
  card_text(out, "Why", "why", "p", e->explanation);
  if (e->inference && e->inference[0]) card_text(out, "Inferred", "why", "p", e->inference);
  if (e->not_seen && e->not_seen[0]) card_text(out, "Not seen", "why", "p", e->not_seen);
  card_text(out, "What to check", "check", "pre", e->check);
  card_evidence(out, e);
  card_text(out, "Knowledge source", "why muted", "p", e->source);
  fputs("</article>\n", out);
}
