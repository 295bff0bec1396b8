/*
** The serve config file: an INI-like text of [serve], [alerts] and
** [receiver NAME] sections with "key = value" lines (# and ; comments).
** Keys are rows of one table (section, key, type, where it goes); durations
** take ms, s, m, h suffixes. docs/serve-config.md is the reference.
**
** Must never: accept a key, section or value it does not know silently
** (each is an error with its line number), or read past a line's end.
*/
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "faultline/serve.h"

typedef enum { T_STR, T_LISTEN, T_LIST, T_DUR, T_NUM, T_CONF, T_KIND } key_type;
typedef enum { S_NONE, S_SERVE, S_ALERTS, S_RECEIVER } section;

typedef struct key_def {
  const char *key;
  size_t off, size; /* in fl_alert_config, or fl_alert_receiver_cfg */
  section sec;
  key_type type;
} key_def;

#define C(f) offsetof(fl_alert_config, f), sizeof(((fl_alert_config *)0)->f)
#define R(f) offsetof(fl_alert_receiver_cfg, f), sizeof(((fl_alert_receiver_cfg *)0)->f)
static const key_def keys[] = {
    {"listen", C(listen), S_SERVE, T_LISTEN},
    {"db", C(db), S_SERVE, T_STR},
    {"store", C(store), S_SERVE, T_STR},
    {"token_file", C(token_file), S_SERVE, T_STR},
    {"tls_cert", C(tls_cert), S_SERVE, T_STR},
    {"tls_key", C(tls_key), S_SERVE, T_STR},
    {"tls_client_ca", C(tls_client_ca), S_SERVE, T_STR},
    {"group_by", C(group_by), S_ALERTS, T_LIST},
    {"group_wait", C(group_wait_ms), S_ALERTS, T_DUR},
    {"group_interval", C(group_interval_ms), S_ALERTS, T_DUR},
    {"repeat_interval", C(repeat_interval_ms), S_ALERTS, T_DUR},
    {"min_confidence", C(min_confidence), S_ALERTS, T_CONF},
    {"generator_url", C(generator_url), S_ALERTS, T_STR},
    {"queue_max", C(queue_max), S_ALERTS, T_NUM},
    {"retries", C(retries), S_ALERTS, T_NUM},
    {"backoff", C(backoff_ms), S_ALERTS, T_DUR},
    {"type", R(kind), S_RECEIVER, T_KIND},
    {"url", R(url), S_RECEIVER, T_STR},
    {"timeout", R(timeout_ms), S_RECEIVER, T_DUR},
};
#undef C
#undef R

static const char *const kind_names[] = {
#define FL_ALERT_RECEIVER(id, name, transport, content_type) name,
#include "alert/alert_receivers.def"
#undef FL_ALERT_RECEIVER
};

const char *fl_alert_kind_name(int kind) {
  return kind >= 0 && kind < FL_ALERT_KIND_COUNT_ ? kind_names[kind] : "?";
}

void fl_alert_config_defaults(fl_alert_config *c) {
  memset(c, 0, sizeof *c);
  snprintf(c->group_by[0], sizeof c->group_by[0], "alertname");
  snprintf(c->group_by[1], sizeof c->group_by[1], "host");
  c->group_by_count = 2;
  c->group_wait_ms = 10000;
  c->group_interval_ms = 300000;
  c->repeat_interval_ms = 4 * 3600000ull;
  c->min_confidence = 0.5;
  c->queue_max = 256;
  c->retries = 5;
  c->backoff_ms = 1000;
}

static void err_at(fl_buf *e, int *n, const char *path, int line, const char *msg,
                   const char *arg) {
  char tmp[768];
  int k = snprintf(tmp, sizeof tmp, "%s:%d: %s%s%s%s\n", path, line, msg,
                   arg ? " '" : "", arg ? arg : "", arg ? "'" : "");
  if (k > 0 && e && fl_buf_reserve(e, (size_t)k + 1) == 0) {
    memcpy(e->p + e->len, tmp, (size_t)k + 1 < sizeof tmp ? (size_t)k : sizeof tmp - 1);
    e->len += (size_t)k < sizeof tmp ? (size_t)k : sizeof tmp - 1;
    e->p[e->len] = '\0';
  }
  (*n)++;
}

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
    s[--n] = '\0';
  return s;
}

static int parse_dur(const char *v, uint64_t *out) {
  static const struct {
    const char *suffix;
    uint64_t ms;
  } units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
  char *end;
  errno = 0;
  unsigned long long n = strtoull(v, &end, 10);
  if (errno || end == v || v[0] == '-') return -1;
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (strcmp(end, units[i].suffix) == 0) {
      if (n > UINT64_MAX / units[i].ms / 4) return -1;
      *out = n * units[i].ms;
      return 0;
    }
  return -1;
}

static const char *set_value(const key_def *k, char *base, char *v) {
  char *dst = base + k->off;
  switch (k->type) {
    case T_STR:
      if (strlen(v) >= k->size) return "value too long";
      memcpy(dst, v, strlen(v) + 1);
      return NULL;
    case T_LISTEN: {
      fl_alert_config *c = (fl_alert_config *)(void *)base;
      if (c->listen_count == FL_ALERT_MAX_LISTEN) return "too many listen lines";
      if (strlen(v) >= sizeof c->listen[0]) return "value too long";
      char sch[32], host[256];
      unsigned port;
      fl_error e;
      if (fl_serve_parse_spec(v, sch, sizeof sch, host, sizeof host, &port, &e) != FL_OK)
        return "not a listen spec this build serves (tcp://, udp://, http://, tls://, https://, lumberjack://, lumberjack+tls:// HOST:PORT)";
      memcpy(c->listen[c->listen_count++], v, strlen(v) + 1);
      return NULL;
    }
    case T_LIST: {
      fl_alert_config *c = (fl_alert_config *)(void *)base;
      fl_alert_item probe;
      memset(&probe, 0, sizeof probe);
      c->group_by_count = 0;
      for (char *save = NULL, *t = strtok_r(v, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        t = trim(t);
        if (!fl_alert_label(&probe, t)) return "unknown label in group_by (alertname, host, peer, severity, keying_module, error)";
        if (c->group_by_count == FL_ALERT_MAX_GROUP_BY) return "too many labels in group_by";
        snprintf(c->group_by[c->group_by_count++], sizeof c->group_by[0], "%s", t);
      }
      return NULL;
    }
    case T_DUR: {
      uint64_t ms;
      if (parse_dur(v, &ms)) return "wants a duration such as 500ms, 10s, 5m, 4h";
      memcpy(dst, &ms, sizeof ms);
      return NULL;
    }
    case T_NUM: {
      char *end;
      errno = 0;
      unsigned long long n = strtoull(v, &end, 10);
      if (errno || *end || end == v || v[0] == '-' || n > 1000000) return "wants a number 0..1000000";
      uint64_t u = n;
      memcpy(dst, &u, sizeof u);
      return NULL;
    }
    case T_CONF: {
      char *end;
      double d = strtod(v, &end);
      if (*end || end == v || !(d >= 0.0 && d <= 1.0)) return "wants a number 0..1";
      memcpy(dst, &d, sizeof d);
      return NULL;
    }
    case T_KIND:
      for (int i = 0; i < FL_ALERT_KIND_COUNT_; i++)
        if (strcmp(v, kind_names[i]) == 0) {
          memcpy(dst, &i, sizeof i);
          return NULL;
        }
      return "unknown receiver type (alertmanager, webhook, slack, teams, cef)";
  }
  return "bad key";
}

static int check_receiver(const char *path, const fl_alert_receiver_cfg *r, fl_buf *e) {
  int n = 0;
  if (r->kind < 0) err_at(e, &n, path, r->line, "receiver has no type:", r->name);
  if (!r->url[0]) err_at(e, &n, path, r->line, "receiver has no url:", r->name);
  if (r->kind == FL_ALERT_KIND_CEF) {
    if (r->url[0] && strncmp(r->url, "udp://", 6) != 0 && strncmp(r->url, "tcp://", 6) != 0)
      err_at(e, &n, path, r->line, "a cef receiver's url is udp://HOST:PORT or tcp://HOST:PORT:", r->url);
  } else if (r->kind >= 0 && r->url[0] && strncmp(r->url, "http://", 7) != 0 &&
             strncmp(r->url, "https://", 8) != 0) {
    err_at(e, &n, path, r->line, "url must start with http:// or https://:", r->url);
  }
  return n;
}

int fl_alert_config_load(const char *path, fl_alert_config *c, fl_buf *errors) {
  fl_alert_config_defaults(c);
  int n = 0;
  FILE *f = fopen(path, "r");
  if (!f) {
    err_at(errors, &n, path, 0, "cannot open", NULL);
    return n;
  }
  char line[2048];
  int lineno = 0;
  section sec = S_NONE;
  fl_alert_receiver_cfg *rc = NULL;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    if (!strchr(line, '\n') && !feof(f)) {
      err_at(errors, &n, path, lineno, "line too long", NULL);
      int ch;
      while ((ch = fgetc(f)) != EOF && ch != '\n') {
      }
      continue;
    }
    char *s = trim(line);
    if (!*s || *s == '#' || *s == ';') continue;
    if (*s == '[') {
      char *close = strchr(s, ']');
      if (!close || close[1]) {
        err_at(errors, &n, path, lineno, "bad section header", s);
        sec = S_NONE;
        continue;
      }
      *close = '\0';
      char *name = trim(s + 1);
      rc = NULL;
      if (strcmp(name, "serve") == 0) sec = S_SERVE;
      else if (strcmp(name, "alerts") == 0) sec = S_ALERTS;
      else if (strncmp(name, "receiver ", 9) == 0 && *trim(name + 9)) {
        sec = S_RECEIVER;
        if (c->recv_count == FL_ALERT_MAX_RECEIVERS) {
          err_at(errors, &n, path, lineno, "too many receivers (at most 8)", NULL);
          sec = S_NONE;
          continue;
        }
        rc = &c->recv[c->recv_count++];
        snprintf(rc->name, sizeof rc->name, "%s", trim(name + 9));
        rc->kind = -1;
        rc->timeout_ms = 5000;
        rc->line = lineno;
      } else {
        err_at(errors, &n, path, lineno, "unknown section (serve, alerts, receiver NAME)", name);
        sec = S_NONE;
      }
      continue;
    }
    char *eq = strchr(s, '=');
    if (!eq) {
      err_at(errors, &n, path, lineno, "expected key = value", s);
      continue;
    }
    *eq = '\0';
    char *key = trim(s), *val = trim(eq + 1);
    if (sec == S_NONE) {
      err_at(errors, &n, path, lineno, "key outside a known section", key);
      continue;
    }
    const key_def *k = NULL;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
      if (keys[i].sec == sec && strcmp(keys[i].key, key) == 0) k = &keys[i];
    if (!k) {
      err_at(errors, &n, path, lineno, "unknown key", key);
      continue;
    }
    const char *msg = set_value(k, sec == S_RECEIVER ? (char *)rc : (char *)c, val);
    if (msg) err_at(errors, &n, path, lineno, msg, key);
  }
  fclose(f);
  for (size_t i = 0; i < c->recv_count; i++) n += check_receiver(path, &c->recv[i], errors);
  if (c->group_interval_ms == 0 || c->repeat_interval_ms == 0)
    err_at(errors, &n, path, 0, "group_interval and repeat_interval must be > 0", NULL);
  return n;
}
