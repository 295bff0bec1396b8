/*
** The bodies the receivers of alert_receivers.def send: Alertmanager API v2
** (a JSON array of alerts), a generic webhook (Alertmanager's webhook
** shape), Slack incoming webhook text, a Teams Workflows message holding an
** Adaptive Card, and syslog CEF lines. One builder per receiver, in table
** order.
**
** Must never: put an alert field into a body without its escaping (JSON:
** fl_text_json; Slack text also &, <, >; CEF: header | and \, extension =
** \ and line ends), or emit an empty label value to Alertmanager (it
** treats it as absent, so empty labels are left out).
*/
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alert/alert.h"
#include "common/fl_error.h"
#include "common/fl_text.h"

/* Appends s; the buffer stays a C string (the senders use it as one). */
static void put(fl_buf *b, const char *s) { fl_buf_printf(b, "%s", s); }

static void js(fl_buf *b, const char *s) {
  fl_text_json(b, s, strlen(s), FL_TEXT_JSON_SCRIPT);
  if (!b->failed && fl_buf_reserve(b, 1) == 0) b->p[b->len] = '\0';
}

static void rfc3339(fl_buf *b, uint64_t ms) {
  time_t t = (time_t)(ms / 1000);
  struct tm tm;
  char s[40];
  if (!gmtime_r(&t, &tm) || !strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm)) s[0] = '\0';
  fl_buf_printf(b, "\"%s.%03uZ\"", s, (unsigned)(ms % 1000));
}

static const char *status(const fl_alert_item *it) { return it->ends_ms ? "resolved" : "firing"; }

static void labels(fl_buf *b, const fl_alert_item *it) {
  put(b, "{");
  int first = 1;
#define FL_ALERT_LABEL(n, f)            \
  if (it->f[0]) {                       \
    put(b, first ? "\"" #n "\":" : ",\"" #n "\":"); \
    js(b, it->f);                       \
    first = 0;                          \
  }
  FL_ALERT_LABELS
#undef FL_ALERT_LABEL
  put(b, "}");
}

static void annotations(fl_buf *b, const fl_alert_item *it) {
  put(b, "{\"summary\":");
  js(b, it->summary);
  put(b, ",\"description\":");
  js(b, it->description);
  put(b, ",\"check\":");
  js(b, it->check);
  fl_buf_printf(b, ",\"confidence\":\"%.2f\",\"count\":\"%llu\"}", it->confidence,
       (unsigned long long)it->count);
}

static void am_alert(fl_buf *b, const fl_alert_config *c, const fl_alert_item *it, int with_status) {
  put(b, "{");
  if (with_status) fl_buf_printf(b, "\"status\":\"%s\",", status(it));
  put(b, "\"labels\":");
  labels(b, it);
  put(b, ",\"annotations\":");
  annotations(b, it);
  put(b, ",\"startsAt\":");
  rfc3339(b, it->starts_ms);
  if (it->ends_ms) {
    put(b, ",\"endsAt\":");
    rfc3339(b, it->ends_ms);
  }
  if (c->generator_url[0]) {
    put(b, ",\"generatorURL\":");
    js(b, c->generator_url);
  }
  put(b, "}");
}

static void fmt_alertmanager(const fl_alert_config *c, const fl_alert_item *v, size_t n, fl_buf *b) {
  put(b, "[");
  for (size_t i = 0; i < n; i++) {
    if (i) put(b, ",");
    am_alert(b, c, &v[i], 0);
  }
  put(b, "]");
}

static int all_resolved(const fl_alert_item *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!v[i].ends_ms) return 0;
  return 1;
}

static void fmt_webhook(const fl_alert_config *c, const fl_alert_item *v, size_t n, fl_buf *b) {
  fl_buf_printf(b, "{\"version\":\"4\",\"receiver\":\"faultline\",\"status\":\"%s\",\"groupLabels\":{",
       all_resolved(v, n) ? "resolved" : "firing");
  for (size_t i = 0; n && i < c->group_by_count; i++) {
    const char *val = fl_alert_label(&v[0], c->group_by[i]);
    if (i) put(b, ",");
    js(b, c->group_by[i]);
    put(b, ":");
    js(b, val ? val : "");
  }
  put(b, "},\"alerts\":[");
  for (size_t i = 0; i < n; i++) {
    if (i) put(b, ",");
    am_alert(b, c, &v[i], 1);
  }
  put(b, "]}");
}

/* Slack mrkdwn: & < > are control characters; then JSON. */
static void slack_text(fl_buf *t, const char *s) {
  for (; *s; s++) {
    if (*s == '&') put(t, "&amp;");
    else if (*s == '<') put(t, "&lt;");
    else if (*s == '>') put(t, "&gt;");
    else {
      char ch[2] = {*s, '\0'};
      put(t, ch);
    }
  }
}

static void fmt_slack(const fl_alert_config *c, const fl_alert_item *v, size_t n, fl_buf *b) {
  (void)c;
  fl_buf t = {0};
  for (size_t i = 0; i < n; i++) {
    put(&t, v[i].ends_ms ? "*RESOLVED* " : "*FIRING* ");
    slack_text(&t, v[i].alertname);
    put(&t, " on ");
    slack_text(&t, v[i].host);
    if (v[i].peer[0]) {
      put(&t, " peer ");
      slack_text(&t, v[i].peer);
    }
    put(&t, ": ");
    slack_text(&t, v[i].summary);
    fl_buf_printf(&t, " (confidence %.2f, %llu failures)\n", v[i].confidence, (unsigned long long)v[i].count);
  }
  put(b, "{\"text\":");
  js(b, t.p ? t.p : "");
  put(b, "}");
  fl_buf_free(&t);
}

static void fact(fl_buf *b, const char *title, const char *value, int first) {
  put(b, first ? "{\"title\":" : ",{\"title\":");
  js(b, title);
  put(b, ",\"value\":");
  js(b, value);
  put(b, "}");
}

static void fmt_teams(const fl_alert_config *c, const fl_alert_item *v, size_t n, fl_buf *b) {
  (void)c;
  put(b, "{\"type\":\"message\",\"attachments\":[{\"contentType\":"
         "\"application/vnd.microsoft.card.adaptive\",\"contentUrl\":null,\"content\":{"
         "\"$schema\":\"http://adaptivecards.io/schemas/adaptive-card.json\","
         "\"type\":\"AdaptiveCard\",\"version\":\"1.4\",\"body\":[");
  for (size_t i = 0; i < n; i++) {
    if (i) put(b, ",");
    fl_buf h = {0};
    put(&h, v[i].ends_ms ? "RESOLVED: " : "FIRING: ");
    put(&h, v[i].summary);
    put(b, "{\"type\":\"TextBlock\",\"weight\":\"Bolder\",\"wrap\":true,\"text\":");
    js(b, h.p ? h.p : "");
    fl_buf_free(&h);
    put(b, "},{\"type\":\"TextBlock\",\"wrap\":true,\"text\":");
    js(b, v[i].description);
    put(b, "},{\"type\":\"FactSet\",\"facts\":[");
    fact(b, "cause", v[i].alertname, 1);
    fact(b, "host", v[i].host, 0);
    fact(b, "peer", v[i].peer, 0);
    fact(b, "severity", v[i].severity, 0);
    fact(b, "check", v[i].check, 0);
    put(b, "]}");
  }
  put(b, "]}}]}");
}

void fl_alert_cef_escape(fl_buf *out, const char *s, int header) {
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '\\') put(out, "\\\\");
    else if (header && ch == '|') put(out, "\\|");
    else if (!header && ch == '=') put(out, "\\=");
    else if (!header && ch == '\n') put(out, "\\n");
    else if (!header && ch == '\r') put(out, "\\r");
    else if (ch < 0x20 || ch == 0x7f) put(out, " ");
    else {
      char c1[2] = {(char)ch, '\0'};
      put(out, c1);
    }
  }
}

static void ext(fl_buf *b, const char *key, const char *value) {
  if (!value[0]) return;
  fl_buf_printf(b, " %s=", key);
  fl_alert_cef_escape(b, value, 0);
}

/* One RFC 5424 line per alert, its MSG a CEF record. */
static void fmt_cef(const fl_alert_config *c, const fl_alert_item *v, size_t n, fl_buf *b) {
  (void)c;
  for (size_t i = 0; i < n; i++) {
    const fl_alert_item *it = &v[i];
    int sev = it->ends_ms ? 1 : strcmp(it->severity, "critical") == 0 ? 9 : 6;
    fl_buf_printf(b, "<%d>1 - - faultline - - - CEF:0|faultline|faultline|" FL_VERSION "|", 8 * 4 + 4);
    fl_alert_cef_escape(b, it->alertname, 1);
    put(b, "|");
    fl_alert_cef_escape(b, it->summary, 1);
    fl_buf_printf(b, "|%d|act=%s rt=%llu", sev, status(it), (unsigned long long)it->starts_ms);
    if (it->ends_ms) fl_buf_printf(b, " end=%llu", (unsigned long long)it->ends_ms);
    fl_buf_printf(b, " cnt=%llu cfp1=%.2f cfp1Label=confidence", (unsigned long long)it->count, it->confidence);
    ext(b, "shost", it->host);
    ext(b, "dhost", it->peer);
    if (it->error[0]) {
      put(b, " cs1Label=error");
      ext(b, "cs1", it->error);
    }
    ext(b, "msg", it->description);
    put(b, "\n");
  }
}

typedef void (*format_fn)(const fl_alert_config *, const fl_alert_item *, size_t, fl_buf *);
static const format_fn formats[FL_ALERT_KIND_COUNT_] = {
    fmt_alertmanager, fmt_webhook, fmt_slack, fmt_teams, fmt_cef,
};

void fl_alert_format(int kind, const fl_alert_config *c, const fl_alert_item *items, size_t n,
                     fl_buf *out) {
  if (kind >= 0 && kind < FL_ALERT_KIND_COUNT_) formats[kind](c, items, n, out);
}
