/*
** Alerts from `faultline serve` (issue 16 item 3): the serve config file,
** Alertmanager-style grouping of the live diagnosis's episodes, and a
** sender thread that posts them to the receivers of alert_receivers.def
** (Alertmanager API v2, generic webhook, Slack, Teams, syslog CEF) with
** libcurl, retrying with exponential backoff. docs/serve-config.md
** describes the file and the semantics.
**
** Must never: block the caller of fl_alert_episode (a full queue drops and
** counts), alert on a benign episode or one below min_confidence, or write
** an episode field unescaped into a payload (every field comes from the
** wire: JSON through fl_text_json, CEF through the CEF escaping rules).
*/
#ifndef FL_ALERT_H
#define FL_ALERT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "common/fl_buf.h"
#include "faultline/diag.h"

enum {
  FL_ALERT_MAX_RECEIVERS = 8,
  FL_ALERT_MAX_LISTEN = 32,
  FL_ALERT_MAX_GROUP_BY = 8,
  FL_ALERT_PATH = 512
};

/* The receiver kinds (alert_receivers.def), in table order. */
typedef enum fl_alert_kind {
#define FL_ALERT_RECEIVER(id, name, transport, content_type) FL_ALERT_KIND_##id,
#include "alert/alert_receivers.def"
#undef FL_ALERT_RECEIVER
  FL_ALERT_KIND_COUNT_
} fl_alert_kind;

typedef struct fl_alert_receiver_cfg {
  char name[64];
  int kind;                  /* fl_alert_kind; -1 until "type =" is read */
  char url[FL_ALERT_PATH];   /* http(s)://... ; CEF: udp://HOST:PORT or tcp:// */
  uint64_t timeout_ms;       /* one attempt; default 5 s */
  int line;                  /* where its section starts (errors) */
} fl_alert_receiver_cfg;

/* The whole config file: [serve], [alerts] and [receiver NAME] sections. */
typedef struct fl_alert_config {
  char listen[FL_ALERT_MAX_LISTEN][256];
  size_t listen_count;
  char db[FL_ALERT_PATH], store[FL_ALERT_PATH], token_file[FL_ALERT_PATH];
  char tls_cert[FL_ALERT_PATH], tls_key[FL_ALERT_PATH], tls_client_ca[FL_ALERT_PATH];
  char group_by[FL_ALERT_MAX_GROUP_BY][32];
  size_t group_by_count;
  uint64_t group_wait_ms, group_interval_ms, repeat_interval_ms;
  double min_confidence;
  char generator_url[256];   /* generatorURL / links; "" = none */
  uint64_t queue_max;        /* notifications waiting to be sent */
  uint64_t retries;          /* attempts after the first */
  uint64_t backoff_ms;       /* first retry delay; doubles each time */
  fl_alert_receiver_cfg recv[FL_ALERT_MAX_RECEIVERS];
  size_t recv_count;
} fl_alert_config;

/* Defaults: group_by alertname,host; group_wait 10 s; group_interval 5 min;
** repeat_interval 4 h; min_confidence 0.5; queue 256; 5 retries from 1 s. */
void fl_alert_config_defaults(fl_alert_config *c);
/* Reads FILE into c (defaults first). Each problem is one line
** "FILE:LINE: message\n" appended to errors; returns how many. */
int fl_alert_config_load(const char *path, fl_alert_config *c, fl_buf *errors);
const char *fl_alert_kind_name(int kind);

/* ---- one alert: the labels and annotations of an episode ---- */
typedef struct fl_alert_item {
  uint64_t id;               /* the episode id */
  char alertname[64], host[128], peer[128], severity[16], keying[16], error[64];
  char summary[256], description[1024], check[512];
  double confidence;
  uint64_t count;
  uint64_t starts_ms, ends_ms; /* Unix ms; ends_ms 0 while firing */
} fl_alert_item;

/* The labels, in order: FL_ALERT_LABEL(name, field). */
#define FL_ALERT_LABELS                 \
  FL_ALERT_LABEL(alertname, alertname)  \
  FL_ALERT_LABEL(host, host)            \
  FL_ALERT_LABEL(peer, peer)            \
  FL_ALERT_LABEL(severity, severity)    \
  FL_ALERT_LABEL(keying_module, keying) \
  FL_ALERT_LABEL(error, error)
/* The label value of it named name, or NULL when no label has that name. */
const char *fl_alert_label(const fl_alert_item *it, const char *name);

/* 1 when the episode should alert under c (finding, not benign, confident
** enough); fills it. now_ms is the wall clock (Unix ms). */
int fl_alert_item_from(const fl_alert_config *c, const fl_episode *ep,
                       uint64_t now_ms, fl_alert_item *it);

/* ---- grouping (Alertmanager semantics; pure, the caller gives time) ---- */
typedef struct fl_alert_groups fl_alert_groups;
typedef void (*fl_alert_notice_fn)(const fl_alert_item *items, size_t n, void *user);
fl_alert_groups *fl_alert_groups_new(void);
void fl_alert_groups_free(fl_alert_groups *g);
/* A firing item (ends_ms 0) joins or replaces its alert; a resolved one
** (ends_ms set) marks a known alert resolved and is ignored otherwise. */
int fl_alert_groups_update(fl_alert_groups *g, const fl_alert_config *c,
                           const fl_alert_item *it, uint64_t mono_ms);
/* Calls fn for each group due at mono_ms (group_wait after it formed,
** group_interval after a change, repeat_interval while firing); resolved
** alerts leave their group once notified. Returns the ms until the next
** group is due (UINT64_MAX: none). */
uint64_t fl_alert_groups_due(fl_alert_groups *g, const fl_alert_config *c,
                             uint64_t mono_ms, fl_alert_notice_fn fn, void *user);
size_t fl_alert_groups_count(const fl_alert_groups *g);
/* Calls fn with each group's alerts (firing and not yet notified resolved). */
void fl_alert_groups_each(const fl_alert_groups *g, fl_alert_notice_fn fn, void *user);

/* ---- payloads ---- */
/* The body receiver kind sends for these alerts. */
void fl_alert_format(int kind, const fl_alert_config *c, const fl_alert_item *items,
                     size_t n, fl_buf *out);
/* CEF header (escape_header 1: | and \) or extension value (= \ and
** newlines) escaping, appended to out. */
void fl_alert_cef_escape(fl_buf *out, const char *s, int header);

/* ---- the sender ---- */
typedef struct fl_alert fl_alert;
typedef void (*fl_alert_log_fn)(int warn, const char *line, void *user);
typedef struct fl_alert_counters {
  atomic_uint_fast64_t *sent, *failed, *dropped; /* NULL: kept inside */
} fl_alert_counters;
/* Starts the sender thread; NULL when out of memory or no thread. */
fl_alert *fl_alert_new(const fl_alert_config *c, const fl_alert_counters *k,
                       fl_alert_log_fn log, void *user);
/* From the diagnosis's callback; never blocks (a full inbox drops). */
void fl_alert_episode(fl_alert *a, fl_episode_change what, const fl_episode *ep);
/* New config (SIGHUP): receivers and timings change, open alerts stay. */
void fl_alert_reload(fl_alert *a, const fl_alert_config *c);
/* Stops the thread: what is due is sent, but no attempt starts after 3 s
** (plus one receiver timeout at most); what is left counts as dropped. */
void fl_alert_free(fl_alert *a);

#endif
