/*
** faultline-agent: the Windows agent's internal interfaces (issue 18).
** Platform-independent parts (config, log, spool, serialisation, HTTP
** framing, replay) are plain C11 and compile for Linux too, where
** tests/unit/test_agent.c drives them; the Windows parts (agent/win/: WFP
** net events, EvtSubscribe, WMI, the service) only for mingw-w64.
**
** Must never: include <windows.h> (only agent/win/ and agent_net.c do), or
** declare anything the library already has (events are fl_evtx_event, the
** JSON writer is lib/input's, the event lists come from the catalog).
*/
#ifndef FL_AGENT_H
#define FL_AGENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "faultline/evtx.h"

/* mingw-w64 builds with __USE_MINGW_ANSI_STDIO (C99 printf: %zu, %llu). */
#ifdef _WIN32
#define AGENT_PRINTF(f, a) __attribute__((format(gnu_printf, f, a)))
#else
#define AGENT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#endif

#define AGENT_PATH_MAX 1024
#define AGENT_MAX_CHANNELS 16
#define AGENT_NAME_MAX 128

/* ---- config (agent_config.c) ------------------------------------------- */
typedef struct agent_config {
  char collector[AGENT_PATH_MAX];   /* http://host:port/ingest or https:// */
  char token[256];                  /* bearer token, "" = none */
  char spool_dir[AGENT_PATH_MAX];
  char log_file[AGENT_PATH_MAX];    /* "" = stderr only */
  char state_file[AGENT_PATH_MAX];  /* bookmarks, saved after acks */
  char host[AGENT_NAME_MAX];        /* Computer override, "" = the event's */
  char channels[AGENT_MAX_CHANNELS][AGENT_NAME_MAX];
  size_t channel_count;
  int wfp;                          /* WFP net events on/off */
  int wmi_iscsi;                    /* MSiSCSI_InitiatorNodeFailureEvent */
  int tls_verify;                   /* https: check the certificate (off: tests) */
  uint64_t spool_max_bytes;
  uint32_t batch_events;
  uint32_t batch_bytes;
  uint32_t retry_ms;                /* first wait after a failed send */
  uint32_t timeout_ms;              /* connect/send/receive */
  uint32_t pace_ms;                 /* pause between batches (0 = none) */
  int log_level;                    /* 0 debug, 1 info, 2 warn, 3 error */
} agent_config;

/* Defaults (for the file next to the executable on Windows, ./ elsewhere). */
void agent_config_defaults(agent_config *c);
/* Reads "key = value" lines ('#' comments). On error returns -1 with
** "file:line: message" in err. Unknown keys are errors (a typo must not
** silently change behaviour). */
int agent_config_load(agent_config *c, const char *path, char *err, size_t errcap);
int agent_config_parse(agent_config *c, const char *text, size_t len,
                       const char *name, char *err, size_t errcap);
/* Writes the effective configuration (what --self-test prints). */
void agent_config_print(const agent_config *c, FILE *out);

/* ---- log (agent_log.c) -------------------------------------------------- */
enum { AGENT_DEBUG, AGENT_INFO, AGENT_WARN, AGENT_ERROR };
int agent_log_open(const char *path, int level);
void agent_log(int level, const char *fmt, ...) AGENT_PRINTF(2, 3);
void agent_log_close(void);
/* Size past which the log file is rotated (default 16 MiB; tests lower it). */
void agent_log_limit(long bytes);

/* ---- spool (agent_spool.c) ----------------------------------------------
** Events are appended to an open batch file; a sealed batch is sent as one
** POST and deleted only after the collector acknowledged it. Cursors
** (bookmarks, replay offsets) travel with the batch and are saved to the
** state file after its ack. Survives a killed agent (an open batch is
** sealed at the next start, a torn last line dropped) and a killed
** collector (unacknowledged batches are resent; serve dedups by key). */
typedef struct agent_spool agent_spool;

typedef struct agent_spool_stats {
  uint64_t sealed_batches, sealed_bytes;
  uint64_t dropped_batches, dropped_events;  /* over spool_max_bytes */
  uint64_t acked_batches, acked_events;
  uint64_t rejected_batches, rejected_events;  /* refused for good (HTTP 400/413) */
} agent_spool_stats;

agent_spool *agent_spool_open(const char *dir, uint64_t max_bytes,
                              uint32_t batch_events, uint32_t batch_bytes,
                              char *err, size_t errcap);
void agent_spool_close(agent_spool *s);
/* Appends one JSON line (without '\n'); seals the batch when it is full.
** Thread-safe. Returns -1 on a write error. */
int agent_spool_add(agent_spool *s, const char *line, size_t len);
/* Records the cursor of a source ("Security", "replay") as of the last
** added event; saved with the batch that holds that event. */
void agent_spool_cursor(agent_spool *s, const char *source, const char *value);
int agent_spool_seal(agent_spool *s);
/* 1 when the sealed batches take spool_max_bytes or more. */
int agent_spool_full(agent_spool *s);
/* The oldest sealed batch: its events (JSON lines, '\n' after each) in a
** malloc'd buffer and its id; 0 when there is none. */
int agent_spool_peek(agent_spool *s, char **body, size_t *len, uint32_t *events,
                     uint64_t *id);
/* The collector acknowledged batch id: its cursors go to the state file,
** the batch is deleted. */
int agent_spool_ack(agent_spool *s, uint64_t id, const char *state_file);
/* The collector refused batch id for good (it will never accept it): the
** same as an ack, but the file is kept as DIR/<id>.rejected. */
int agent_spool_reject(agent_spool *s, uint64_t id, const char *state_file);
void agent_spool_stats_get(agent_spool *s, agent_spool_stats *st);

/* ---- one agent per spool (agent_lock.c): an exclusive lock on DIR/lock;
** -1 when another process holds it. */
intptr_t agent_dir_lock(const char *dir);
void agent_dir_unlock(intptr_t lock);

/* ---- state (agent_state.c): "source<TAB>value" lines, replaced whole. */
int agent_state_get(const char *path, const char *source, char *value, size_t cap);
int agent_state_set(const char *path, const char *source, const char *value);

/* ---- HTTP framing (agent_http.c) ---------------------------------------- */
typedef struct agent_url {
  int tls;                /* https:// */
  int insecure;           /* https without certificate checks (tls_verify = off) */
  char host[256];
  char port[8];
  char path[512];
} agent_url;

int agent_url_parse(const char *s, agent_url *u);
/* The request head for POSTing len bytes of JSON lines to u. */
size_t agent_http_request_head(const agent_url *u, const char *token, size_t len,
                               char *out, size_t cap);
/* From a response read so far: 1 complete (status set), 0 need more, -1
** malformed. A response is complete after its head and Content-Length
** bytes (or at close when it has none; then call with at_close=1). */
int agent_http_response(const char *buf, size_t len, int at_close, int *status);

/* ---- network (agent_net.c: Winsock or POSIX sockets; WinHTTP for https) */
int agent_net_init(void);
/* POSTs body to u; returns the HTTP status, or -1 with err set. */
int agent_net_post(const agent_url *u, const char *token, const char *body,
                   size_t len, uint32_t timeout_ms, char *err, size_t errcap);
void agent_sleep_ms(uint32_t ms);
uint64_t agent_now_ms(void);

/* ---- serialisation (agent_event.c) --------------------------------------
** An event as the library's JSON line (lib/input/input_render.c, the shape
** of dump --format jsonl; wrapper: the UserData element, empty for
** EventData), '\n' stripped, into a reused buffer. */
typedef struct agent_line {
  char *p;
  size_t len, cap;
} agent_line;
int agent_event_json(const fl_evtx_event *ev, fl_evtx_str wrapper, agent_line *out);
void agent_line_free(agent_line *l);
/* A JSON line read back from a recording: 1 if it looks like one event
** object ({"Event":...}, Winlogbeat or NXLog object), else 0. */
int agent_json_line_ok(const char *s, size_t n);
/* Event XML as EvtRender(EvtRenderEventXml) writes it -> fl_evtx_event
** (strings point into xml, decoded in place; pairs into the caller's
** array; *wrapper the UserData element's name or empty). Returns -1 for
** XML it cannot read. */
int agent_xml_event(char *xml, size_t len, fl_evtx_event *ev,
                    fl_evtx_pair *pairs, size_t max_pairs, fl_evtx_str *wrapper);

/* ---- WMI iSCSI failures (agent_iscsi.c) --------------------------------
** MSiSCSI_InitiatorNodeFailureEvent's properties -> the record the catalog
** classifies as an iSCSI login failure (provider = the class name, id 0).
** failure_time: FILETIME (0 = absent); failure_type: -1 = absent. */
#define AGENT_ISCSI_PAIRS 8
typedef struct agent_iscsi_record {
  fl_evtx_event ev;
  fl_evtx_pair pairs[AGENT_ISCSI_PAIRS];
  char text[1024];
  size_t used;
} agent_iscsi_record;
/* A CIM DATETIME ("20240304153724.128000+000", what WMI gives for a
** WmiTimeStamp property) as FILETIME; -1 when s is not one. */
int agent_cim_datetime(const char *s, uint64_t *filetime);
void agent_iscsi_record_make(uint64_t failure_time, int failure_type, const char *target_name,
                             const char *target_addr, const char *computer,
                             agent_iscsi_record *out);

/* ---- catalog use (agent_scope.c) ----------------------------------------
** The XPath query for a channel: the catalog's in-scope ids (Security
** audit events, iScsiPrt on System), "*" for other channels. */
size_t agent_scope_query(const char *channel, char *out, size_t cap);

/* ---- the run loop (agent_run.c) ----------------------------------------- */
typedef struct agent {
  agent_config cfg;
  agent_spool *spool;
  agent_url url;
  volatile int stop;
} agent;

int agent_start(agent *a, char *err, size_t errcap);
/* Sends sealed batches until none is left or a send fails; returns the
** number sent, -1 after a failure. */
int agent_flush(agent *a);
/* --replay FILE: every line as a live event, then flush until delivered
** (or stop). A JSON line is sent as it is; an <Event> line (event XML,
** one per line) goes through the live event-log path (agent_xml_event,
** agent_event_json). Resumes after the offset saved in the state file. */
int agent_replay(agent *a, const char *path);
void agent_finish(agent *a);

/* ---- live sources (agent/win/; stubs elsewhere) ------------------------ */
/* Prints what the agent would subscribe to and checks the APIs answer. */
int agent_live_self_test(const agent_config *c, FILE *out);
/* Subscribes to everything configured and runs until a->stop. */
int agent_live_run(agent *a);
/* Service control: install/uninstall/run as the service. */
int agent_service_install(const char *config_path);
int agent_service_uninstall(void);
int agent_service_run(const char *config_path);

#endif
