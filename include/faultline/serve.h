/*
** Live intake: `faultline serve`. Listeners (tcp:// with per-connection
** framing detection, udp:// syslog) take events from the forwarders Windows
** shops already run, the library's readers parse them, and the store keeps
** each once with the same keys as file ingest. An event is acknowledged
** (an HTTP answer, a Lumberjack ACK, the next read of its connection) only
** after the transaction holding it has committed. docs/serve.md describes
** the listeners, framing and limits.
**
** Must never: drop an event silently (overload stops reading: that is the
** backpressure), let one client's bad or slow bytes affect another
** connection, grow memory past the configured bounds, or bind anything but
** the address the listen spec names.
*/
#ifndef FAULTLINE_SERVE_H
#define FAULTLINE_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include "faultline/base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fl_serve fl_serve;

typedef enum fl_serve_log_level {
  FL_SERVE_DEBUG = 0,
  FL_SERVE_INFO,
  FL_SERVE_WARN,
  FL_SERVE_ERROR
} fl_serve_log_level;

/* One structured log line: line is logfmt ("event=listening spec=..."),
** without time or level (the callback adds them). */
typedef void (*fl_serve_log_fn)(fl_serve_log_level level, const char *line,
                                void *user);

typedef struct fl_serve_options {
  const char *db_path;            /* the SQLite store (created when missing) */
  const char *store;              /* NULL, or a store URL (store_backend.h:
                                     clickhouse://...) used instead of db_path */
  const char *const *listen;      /* specs: tcp://, udp://, http://HOST:PORT */
  size_t listen_count;
  size_t max_frame;               /* bytes of one message; 0 = 1 MiB */
  size_t max_pending;             /* bytes parsed but not yet committed,
                                     over all connections; 0 = 64 MiB */
  unsigned max_connections;       /* 0 = 256 */
  unsigned idle_timeout;          /* seconds a connection may send nothing
                                     (or never finish a frame); 0 = 300 */
  const char *token;              /* HTTP: "Authorization: Bearer TOKEN"
                                     required (not on /healthz); NULL: none */
  const char *tls_cert, *tls_key; /* PEM, for tls://, https://,
                                     lumberjack+tls:// */
  const char *tls_client_ca;      /* PEM CAs: client certificates required */
  int handle_signals;             /* SIGTERM/SIGINT drain and stop, SIGHUP
                                     logs a reload (run's own loop) */
  fl_serve_log_fn on_log;         /* NULL: logfmt lines on stderr */
  fl_serve_log_level log_level;   /* lines below are not produced */
  void *user;
  int allow_unauthenticated;      /* 1: a listener beyond loopback may run
                                     without a token or client certificates
                                     (a trusted network); 0: refused */
  const char *config_path;        /* the serve config file (docs/serve-config.md):
                                     its [alerts] and [receiver NAME] sections
                                     start alerts; SIGHUP re-reads them. NULL:
                                     no alerts */
} fl_serve_options;

/* Counters, for /metrics and tests: a snapshot (serve_metrics.def). */
typedef struct fl_serve_stats {
#define FL_SERVE_METRIC(field, type, help) uint64_t field;
#include "faultline/serve_metrics.def"
#undef FL_SERVE_METRIC
} fl_serve_stats;

/* Splits "tcp://HOST:PORT" into scheme, host and port (host "" for
** "tcp://:PORT", meaning 127.0.0.1). FL_EUSAGE with a message when the
** spec is not one this build serves. IPv6 hosts are written [::1]. */
FL_API fl_status fl_serve_parse_spec(const char *spec, char *scheme, size_t scheme_cap,
                              char *host, size_t host_cap, unsigned *port,
                              fl_error *err);

/* Opens the store and binds every listener (port 0 picks a free one; the
** "listening" log line names the real port). Nothing is read until run. */
FL_API fl_status fl_serve_new(const fl_serve_options *opt, fl_serve **out,
                       fl_error *err);
/* Runs the loop until fl_serve_stop or, with handle_signals, SIGTERM/SIGINT;
** then stops accepting, commits what was taken and returns. */
FL_API fl_status fl_serve_run(fl_serve *s, fl_error *err);
/* Asks a running loop to drain and return; callable from any thread. */
FL_API void fl_serve_stop(fl_serve *s);
/* The port listener i is bound to (0 when i is out of range). */
FL_API unsigned fl_serve_port(const fl_serve *s, size_t i);
FL_API void fl_serve_stats_get(fl_serve *s, fl_serve_stats *out);
FL_API void fl_serve_free(fl_serve *s);

/* ---- framing (exposed for tests and fuzzing) ---------------------------- */

typedef enum fl_serve_payload_kind {
  FL_SERVE_PAYLOAD_NONE = 0, /* not an event (plain syslog text) */
  FL_SERVE_PAYLOAD_JSON,     /* one JSON document */
  FL_SERVE_PAYLOAD_XML       /* one <Event> (prolog removed) */
} fl_serve_payload_kind;

/* The event inside one message: a bare JSON document or event XML, or the
** MSG of an RFC 5424 / RFC 3164 syslog line carrying one. *out points into
** msg. */
FL_API fl_serve_payload_kind fl_serve_payload(const char *msg, size_t len,
                                       const char **out, size_t *out_len);

typedef enum fl_serve_framing {
  FL_SERVE_FRAMING_UNKNOWN = 0, /* decided by the first byte */
  FL_SERVE_FRAMING_OCTET,       /* RFC 6587 octet counting: "LEN SP MSG" */
  FL_SERVE_FRAMING_LINE         /* newline-delimited; bare event XML may
                                   span lines up to its </Event> */
} fl_serve_framing;

typedef enum fl_serve_frame_result {
  FL_SERVE_FRAME_MORE = 0,  /* no complete frame yet */
  FL_SERVE_FRAME_OK,        /* msg and msg_len set, used bytes consumed */
  FL_SERVE_FRAME_BAD        /* malformed or past max: close the stream */
} fl_serve_frame_result;

/* Takes the next frame of a stream from data[0..len). *framing is decided
** on the first call and kept. at_eof: data is all there will be (a last
** line without newline is a frame). why gets a reason on FL_SERVE_FRAME_BAD. */
FL_API fl_serve_frame_result fl_serve_frame_next(fl_serve_framing *framing,
                                          const char *data, size_t len,
                                          size_t max_frame, int at_eof,
                                          size_t *used, const char **msg,
                                          size_t *msg_len, const char **why);

#ifdef __cplusplus
}
#endif

#endif
