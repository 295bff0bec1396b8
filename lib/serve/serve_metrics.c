/*
** What `faultline serve` shows about itself: the Prometheus text of GET
** /metrics (one table, serve_metrics.def) and the live page of GET / for a
** browser (counters and the episodes open now).
**
** Must never: write event text unescaped (episode fields come from events,
** so from attackers), or take the store's lock (only counters and the
** loop thread's episode list are read).
*/
#include <stdio.h>
#include <string.h>

#include "common/fl_text.h"
#include "serve/serve_http.h"


static const struct {
  const char *name, *type, *help;
} metrics[] = {
#define FL_SERVE_METRIC(field, type, help) {#field, #type, help},
#include "faultline/serve_metrics.def"
#undef FL_SERVE_METRIC
};

void serve_metrics_text(fl_serve *s, fl_buf *out) {
  for (size_t i = 0; i < SM_COUNT_; i++) {
    unsigned long long v = (unsigned long long)atomic_load(&s->metric[i]);
    fl_buf_printf(out, "# HELP faultline_serve_%s %s\n# TYPE faultline_serve_%s %s\n"
              "faultline_serve_%s %llu\n",
         metrics[i].name, metrics[i].help, metrics[i].name, metrics[i].type,
         metrics[i].name, v);
  }
  serve_episodes_metrics(s->episodes, out);
}

void serve_page_html(fl_serve *s, fl_buf *out) {
  static const char head[] =
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta http-equiv=\"refresh\" content=\"10\">"
      "<meta name=\"viewport\" content=\"width=device-width\">"
      "<title>faultline serve</title><style>body{font:14px system-ui,sans-serif;"
      "margin:1em}table{border-collapse:collapse}td,th{border-bottom:1px solid #ccc;"
      "padding:.2em .6em;text-align:left;vertical-align:top}</style></head><body>"
      "<h1>faultline serve</h1>";
  fl_buf_put(out, head, sizeof head - 1);
  serve_episodes_html(s->episodes, out);
  fl_buf_put(out, "<h2>Intake</h2><table>", 21);
  for (size_t i = 0; i < SM_COUNT_; i++) {
    fl_buf_printf(out, "<tr><th>%s</th><td>%llu</td></tr>", metrics[i].help,
         (unsigned long long)atomic_load(&s->metric[i]));
  }
  fl_buf_put(out, "</table></body></html>\n", 23);
}
