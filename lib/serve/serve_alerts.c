/*
** serve's side of alerts (lib/alert): reads the config file named by
** fl_serve_options.config_path, starts the alert sender with serve's
** alerts_* counters, hands it the live diagnosis's episode changes, and
** re-reads the file on SIGHUP (a bad file keeps the old config).
**
** Must never: stop serving because alerts fail (a receiver down only
** counts failures), or block the writer thread (fl_alert_episode never
** blocks).
*/
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "serve/serve_internal.h"

static void on_alert_log(int warn, const char *line, void *user) {
  serve_log(user, warn ? FL_SERVE_WARN : FL_SERVE_INFO, "%s", line);
}

fl_status serve_alerts_start(fl_serve *s, fl_error *err) {
  if (!s->opt.config_path) return FL_OK;
  fl_alert_config *c = malloc(sizeof *c);
  if (!c) return fl_error_at(err, FL_ENOMEM, "serve", 0, "out of memory");
  fl_buf e = {0};
  int bad = fl_alert_config_load(s->opt.config_path, c, &e);
  if (bad) {
    if (e.p) e.p[strcspn(e.p, "\n")] = '\0';
    fl_status st = fl_error_at(err, FL_EUSAGE, "serve", 0, "%s", e.p ? e.p : "bad config");
    fl_buf_free(&e);
    free(c);
    return st;
  }
  fl_buf_free(&e);
  fl_alert_counters k = {&s->metric[SM_alerts_sent], &s->metric[SM_alerts_failed],
                         &s->metric[SM_alerts_dropped]};
  if (c->recv_count) s->alert = fl_alert_new(c, &k, on_alert_log, s);
  size_t n = c->recv_count;
  free(c);
  if (n && !s->alert) return fl_error_at(err, FL_ENOMEM, "serve", 0, "cannot start the alert sender");
  serve_episodes_set_alert(s->episodes, s->alert);
  serve_log(s, FL_SERVE_INFO, "event=alerts receivers=%zu config=%s", n, s->opt.config_path);
  return FL_OK;
}

void serve_alerts_reload(fl_serve *s) {
  if (!s->opt.config_path) {
    serve_log(s, FL_SERVE_INFO, "event=reload msg=\"no --config: nothing to reload\"");
    return;
  }
  fl_alert_config *c = malloc(sizeof *c);
  if (!c) return;
  fl_buf e = {0};
  int bad = fl_alert_config_load(s->opt.config_path, c, &e);
  if (bad) {
    if (e.p) e.p[strcspn(e.p, "\n")] = '\0';
    serve_log(s, FL_SERVE_WARN, "event=reload_failed errors=%d first=\"%s\" msg=\"old config kept\"",
              bad, e.p ? e.p : "");
  } else if (!s->alert) {
    serve_log(s, FL_SERVE_WARN, "event=reload msg=\"alerts were off at start; restart to add receivers\"");
  } else {
    fl_alert_reload(s->alert, c);
    serve_log(s, FL_SERVE_INFO, "event=reload receivers=%zu", c->recv_count);
  }
  fl_buf_free(&e);
  free(c);
}

void serve_alerts_stop(fl_serve *s) {
  serve_episodes_set_alert(s->episodes, NULL);
  fl_alert_free(s->alert);
  s->alert = NULL;
}
