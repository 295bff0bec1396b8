/*
** Unit tests of lib/alert: grouping and timing (group_wait, group_interval,
** repeat_interval, resolved notices, benign and low-confidence episodes
** never alert), the config file (errors with line numbers), and the
** escaping of hostile fields into JSON and CEF. Never opens sockets.
*/
#include <string.h>
#include <time.h>

#include "alert/alert.h"
#include "harness.h"

typedef struct seen {
  size_t calls, items, resolved;
  char last_host[128];
} seen;

static void on_notice(const fl_alert_item *v, size_t n, void *user) {
  seen *s = user;
  s->calls++;
  s->items += n;
  for (size_t i = 0; i < n; i++)
    if (v[i].ends_ms) s->resolved++;
  if (n) snprintf(s->last_host, sizeof s->last_host, "%s", v[0].host);
}

static fl_episode episode(uint64_t id, const char *cause, const char *host, double conf) {
  fl_episode ep;
  memset(&ep, 0, sizeof ep);
  ep.id = id;
  ep.cause_id = cause;
  ep.cause_title = "title";
  ep.explanation = "why";
  ep.check = "check";
  ep.host = host;
  ep.peer = "10.0.0.9";
  ep.keying_module = "IKEv1";
  ep.error_symbol = "";
  ep.confidence = conf;
  ep.finding = 1;
  ep.count = 3;
  return ep;
}

static void grouping_timing(void) {
  fl_alert_config c;
  fl_alert_config_defaults(&c);
  c.group_wait_ms = 1000;
  c.group_interval_ms = 5000;
  c.repeat_interval_ms = 60000;
  fl_alert_groups *g = fl_alert_groups_new();
  fl_alert_item a, b;
  fl_episode e1 = episode(1, "cert-untrusted", "H1", 0.9);
  fl_episode e2 = episode(2, "cert-untrusted", "H1", 0.9);
  CHECK(fl_alert_item_from(&c, &e1, 1000000, &a) == 1);
  CHECK(fl_alert_item_from(&c, &e2, 1000000, &b) == 1);
  seen s = {0};
  CHECK(fl_alert_groups_update(g, &c, &a, 0) == 0);
  CHECK(fl_alert_groups_due(g, &c, 500, on_notice, &s) == 500); /* group_wait */
  CHECK(s.calls == 0);
  CHECK(fl_alert_groups_update(g, &c, &b, 600) == 0); /* same group */
  CHECK(fl_alert_groups_count(g) == 1);
  fl_alert_groups_due(g, &c, 1000, on_notice, &s);
  CHECK(s.calls == 1 && s.items == 2);
  CHECK_STR(s.last_host, "H1");
  /* nothing new: next is the repeat */
  CHECK(fl_alert_groups_due(g, &c, 2000, on_notice, &s) == 59000);
  CHECK(s.calls == 1);
  /* resolved: waits for group_interval, then the notice carries endsAt */
  b.ends_ms = 1005000;
  fl_alert_groups_update(g, &c, &b, 3000);
  CHECK(fl_alert_groups_due(g, &c, 3000, on_notice, &s) == 3000);
  fl_alert_groups_due(g, &c, 6000, on_notice, &s);
  CHECK(s.calls == 2 && s.resolved == 1);
  /* the resolved alert left; the firing one repeats */
  fl_alert_groups_due(g, &c, 66000, on_notice, &s);
  CHECK(s.calls == 3 && s.items == 5 && s.resolved == 1);
  /* a resolved alert never seen firing is not notified */
  fl_alert_item x = a;
  x.id = 99;
  x.ends_ms = 1;
  fl_alert_groups_update(g, &c, &x, 70000);
  fl_alert_groups_due(g, &c, 200000, on_notice, &s);
  CHECK(s.resolved == 1);
  /* last alert resolved: the group goes away */
  a.ends_ms = 2000000;
  fl_alert_groups_update(g, &c, &a, 200000);
  fl_alert_groups_due(g, &c, 300000, on_notice, &s);
  CHECK(s.resolved == 2);
  CHECK(fl_alert_groups_count(g) == 0);
  fl_alert_groups_free(g);
}

static void group_by_labels(void) {
  fl_alert_config c;
  fl_alert_config_defaults(&c);
  c.group_wait_ms = 0;
  fl_alert_groups *g = fl_alert_groups_new();
  fl_alert_item a, b;
  fl_episode e1 = episode(1, "cert-untrusted", "H1", 0.9);
  fl_episode e2 = episode(2, "cert-untrusted", "H2", 0.9);
  fl_alert_item_from(&c, &e1, 1, &a);
  fl_alert_item_from(&c, &e2, 1, &b);
  fl_alert_groups_update(g, &c, &a, 0);
  fl_alert_groups_update(g, &c, &b, 0);
  CHECK(fl_alert_groups_count(g) == 2); /* alertname,host */
  fl_alert_groups_free(g);
  snprintf(c.group_by[0], sizeof c.group_by[0], "alertname");
  c.group_by_count = 1;
  g = fl_alert_groups_new();
  fl_alert_groups_update(g, &c, &a, 0);
  fl_alert_groups_update(g, &c, &b, 0);
  CHECK(fl_alert_groups_count(g) == 1);
  seen s = {0};
  fl_alert_groups_due(g, &c, 0, on_notice, &s);
  CHECK(s.calls == 1 && s.items == 2);
  fl_alert_groups_free(g);
}

static void gates(void) {
  fl_alert_config c;
  fl_alert_config_defaults(&c);
  c.min_confidence = 0.7;
  fl_alert_item it;
  fl_episode ep = episode(1, "cert-untrusted", "H1", 0.6);
  CHECK(fl_alert_item_from(&c, &ep, 1, &it) == 0); /* low confidence */
  ep.confidence = 0.9;
  ep.benign = 1;
  CHECK(fl_alert_item_from(&c, &ep, 1, &it) == 0); /* BENIGN never alerts */
  ep.benign = 0;
  ep.finding = 0;
  CHECK(fl_alert_item_from(&c, &ep, 1, &it) == 0); /* not a finding */
  ep.finding = 1;
  CHECK(fl_alert_item_from(&c, &ep, 1, &it) == 1);
  CHECK_STR(fl_alert_label(&it, "alertname"), "cert-untrusted");
  CHECK_STR(fl_alert_label(&it, "severity"), "critical");
  CHECK(fl_alert_label(&it, "nope") == NULL);
}

static void hostile_fields(void) {
  fl_alert_config c;
  fl_alert_config_defaults(&c);
  fl_episode ep = episode(1, "cert|untrusted", "H\"1\n<x>", 0.9);
  ep.peer = "a=b\\c\r\nCEF:0|evil";
  fl_alert_item it;
  fl_alert_item_from(&c, &ep, 1700000000000ull, &it);
  fl_buf b = {0};
  fl_alert_format(FL_ALERT_KIND_ALERTMANAGER, &c, &it, 1, &b);
  CHECK(b.p && strstr(b.p, "\"host\":\"H\\\"1\\n<x>\""));
  CHECK(b.p && strstr(b.p, "\"startsAt\":\"2023-11-14T22:13:20.000Z\""));
  CHECK(b.p && !strstr(b.p, "endsAt"));
  fl_buf_free(&b);
  memset(&b, 0, sizeof b);
  fl_alert_format(FL_ALERT_KIND_CEF, &c, &it, 1, &b);
  CHECK(b.p && strstr(b.p, "|cert\\|untrusted|"));
  CHECK(b.p && strstr(b.p, "dhost=a\\=b\\\\c\\r\\nCEF:0|evil"));
  CHECK(b.p && strchr(b.p, '\n') == b.p + b.len - 1); /* one line */
  fl_buf_free(&b);
  memset(&b, 0, sizeof b);
  fl_alert_format(FL_ALERT_KIND_SLACK, &c, &it, 1, &b);
  CHECK(b.p && strstr(b.p, "&lt;x&gt;") && !strstr(b.p, "<x>"));
  fl_buf_free(&b);
  memset(&b, 0, sizeof b);
  it.ends_ms = 1700000001000ull;
  fl_alert_format(FL_ALERT_KIND_TEAMS, &c, &it, 1, &b);
  CHECK(b.p && strstr(b.p, "AdaptiveCard") && strstr(b.p, "RESOLVED: title"));
  fl_buf_free(&b);
  memset(&b, 0, sizeof b);
  fl_alert_format(FL_ALERT_KIND_WEBHOOK, &c, &it, 1, &b);
  CHECK(b.p && strstr(b.p, "\"status\":\"resolved\"") && strstr(b.p, "\"endsAt\":\"2023-11-14T22:13:21.000Z\""));
  fl_buf_free(&b);
}

static void config_file(void) {
  char path[] = "/tmp/fl_alert_cfgXXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  FILE *f = fdopen(fd, "w");
  fputs("# serve\n[serve]\nlisten = tcp://127.0.0.1:5514\ndb = /tmp/x.db\n\n[alerts]\n"
        "group_by = alertname, peer\ngroup_wait = 2s\nmin_confidence = 0.75\n"
        "[receiver am]\ntype = alertmanager\nurl = http://127.0.0.1:9093/api/v2/alerts\n",
        f);
  fclose(f);
  fl_alert_config c;
  fl_buf e = {0};
  CHECK(fl_alert_config_load(path, &c, &e) == 0);
  CHECK(c.listen_count == 1 && c.recv_count == 1 && c.group_wait_ms == 2000);
  CHECK(c.group_by_count == 2);
  CHECK_STR(c.group_by[1], "peer");
  CHECK(c.min_confidence > 0.74 && c.min_confidence < 0.76);
  CHECK(c.recv[0].kind == FL_ALERT_KIND_ALERTMANAGER);
  f = fopen(path, "w");
  fputs("[alerts]\ngroup_wait = soon\nfoo = 1\n[receiver x]\ntype = pager\n[serve]\nlisten = ftp://x:1\n", f);
  fclose(f);
  CHECK(fl_alert_config_load(path, &c, &e) == 6); /* 4 lines + no type, no url */
  CHECK(e.p && strstr(e.p, ":2: wants a duration"));
  CHECK(e.p && strstr(e.p, ":3: unknown key 'foo'"));
  CHECK(e.p && strstr(e.p, ":5: unknown receiver type"));
  CHECK(e.p && strstr(e.p, ":7: not a listen spec"));
  CHECK(e.p && strstr(e.p, ":4: receiver has no url"));
  fl_buf_free(&e);
  remove(path);
}

/* The sender thread: a receiver that refuses connections (127.0.0.1:1) is
** retried `retries` times then counted failed; a queue of 0 drops. */
static void sender_counts(void) {
  fl_alert_config c;
  fl_alert_config_defaults(&c);
  c.group_wait_ms = 0;
  c.retries = 2;
  c.backoff_ms = 20;
  c.recv_count = 1;
  c.recv[0].kind = FL_ALERT_KIND_WEBHOOK;
  c.recv[0].timeout_ms = 1000;
  snprintf(c.recv[0].url, sizeof c.recv[0].url, "http://127.0.0.1:1/");
  atomic_uint_fast64_t sent = 0, failed = 0, dropped = 0;
  fl_alert_counters k = {&sent, &failed, &dropped};
  fl_alert *a = fl_alert_new(&c, &k, NULL, NULL);
  CHECK(a != NULL);
  fl_episode ep = episode(7, "cert-untrusted", "H1", 0.9);
  fl_alert_episode(a, FL_EPISODE_OPENED, &ep);
  for (int i = 0; i < 100 && atomic_load(&failed) == 0; i++) nanosleep(&(struct timespec){0, 50000000}, NULL);
  CHECK(atomic_load(&failed) == 1 && atomic_load(&sent) == 0);
  fl_alert_free(a);
  c.queue_max = 0;
  a = fl_alert_new(&c, &k, NULL, NULL);
  fl_alert_episode(a, FL_EPISODE_OPENED, &ep);
  for (int i = 0; i < 100 && atomic_load(&dropped) == 0; i++) nanosleep(&(struct timespec){0, 20000000}, NULL);
  CHECK(atomic_load(&dropped) == 1);
  /* benign: nothing queued at all */
  ep.benign = 1;
  ep.id = 8;
  fl_alert_episode(a, FL_EPISODE_OPENED, &ep);
  nanosleep(&(struct timespec){0, 100000000}, NULL);
  CHECK(atomic_load(&dropped) == 1);
  fl_alert_free(a);
}

int main(void) {
  RUN(grouping_timing);
  RUN(group_by_labels);
  RUN(gates);
  RUN(hostile_fields);
  RUN(config_file);
  RUN(sender_counts);
  TEST_EXIT();
}
