/*
** Internals of lib/serve shared by its files: the server handle, jobs (the
** parsed payloads of one connection's read, committed by the writer
** thread), connections and the counters.
**
** Must never be included outside lib/serve, and never let the loop thread
** touch the store (only the writer thread does).
*/
#ifndef FL_SERVE_INTERNAL_H
#define FL_SERVE_INTERNAL_H

#include <event2/event.h>
#include <pthread.h>
#include <stdatomic.h>

#include "common/fl_buf.h"
#include "common/fl_error.h"
#include "faultline/serve.h"
#include "faultline/pipeline.h"
#include "faultline/store_backend.h"

enum serve_metric {
#define FL_SERVE_METRIC(field, type, help) SM_##field,
#include "faultline/serve_metrics.def"
#undef FL_SERVE_METRIC
  SM_COUNT_
};

/* Bytes of payload in one job, and what one connection may have waiting
** for commits before it is not read any more. */
enum { SERVE_JOB_MAX = 1 << 20, SERVE_CONN_INFLIGHT = 4 << 20 };
/* Bytes one commit gathers from the queue at most. */
enum { SERVE_GROUP_MAX = 16 << 20 };

typedef struct serve_job serve_job;
/* Runs on the loop thread once the job's events are committed (status
** FL_OK) or could not be (FL_EIO: the client must not be acknowledged). */
typedef void (*serve_job_done_fn)(serve_job *job, void *owner);

struct serve_job {
  serve_job *next;
  fl_buf json; /* JSON documents, one a line */
  fl_buf xml;  /* <Event> elements, one after another */
  size_t bytes;
  uint64_t events; /* messages carrying an event */
  uint32_t ack_seq; /* Lumberjack: the last sequence number in the job */
  int has_ack;
  fl_status status;
  serve_job_done_fn done;
  void *owner;
};

typedef struct serve_listener serve_listener;
typedef struct serve_episodes serve_episodes;
typedef struct serve_conn serve_conn;

struct fl_serve {
  fl_serve_options opt;
  struct event_base *base;
  fl_store_backend *backend; /* the store (--db path or --store URL) */
  fl_pipeline *pipe;          /* writer thread only: one stream "serve" */
  uint64_t group_in_scope;    /* writer: in-scope events of this group */
  uint64_t seen_inserted, seen_duplicates; /* writer: SQLite counts so far */
  serve_listener *listeners;
  size_t listener_count;
  int inherited_fds;          /* sockets systemd passed (LISTEN_FDS) */
  uint64_t inherited_used;    /* ... taken by a listener, bit per fd */
  struct event *signals[3];
  struct event *wake; /* the writer finished jobs */
  serve_conn *conns;  /* open connections */
  /* writer thread */
  pthread_t writer;
  int writer_started;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  serve_job *todo, **todo_tail; /* under lock */
  serve_job *finished, **finished_tail; /* under lock */
  int writer_stop;              /* under lock */
  /* loop thread */
  size_t pending;               /* bytes of unfinished jobs */
  size_t jobs_out;              /* unfinished jobs */
  int draining;
  fl_status run_status;
  serve_episodes *episodes; /* the live diagnosis (serve_episodes.c) */
  struct fl_alert *alert;   /* alerts, with --config (serve_alerts.c) */
  struct ssl_ctx_st *tls;   /* when a listener speaks TLS (serve_tls.c) */
  atomic_uint_fast64_t metric[SM_COUNT_];
};

static inline void serve_count(fl_serve *s, enum serve_metric m, uint64_t n) {
  atomic_fetch_add_explicit(&s->metric[m], n, memory_order_relaxed);
}
static inline void serve_gauge(fl_serve *s, enum serve_metric m, uint64_t v) {
  atomic_store_explicit(&s->metric[m], v, memory_order_relaxed);
}

void serve_log(fl_serve *s, fl_serve_log_level level, const char *fmt, ...)
    FL_PRINTF(3, 4);

/* ---- jobs (serve_writer.c) ---- */
serve_job *serve_job_new(void);
void serve_job_free(serve_job *j);
/* Appends one message's payload; returns 0, or -1 out of memory. */
int serve_job_add(fl_serve *s, serve_job *j, const char *msg, size_t len);
/* Queues j for the writer (loop thread); j->done runs when committed. */
void serve_job_submit(fl_serve *s, serve_job *j, serve_job_done_fn done,
                      void *owner);
/* 1 when pending bytes are at the limit: readers must wait. */
int serve_full(const fl_serve *s);
/* Opens the store and the pipeline into it and the live diagnosis. */
fl_status serve_writer_open(fl_serve *s, fl_error *err);
/* Ends the stream (its source row complete) and closes the store. */
void serve_writer_close(fl_serve *s);
/* Starts / stops (after draining the queue) the writer thread. */
fl_status serve_writer_start(fl_serve *s, fl_error *err);
void serve_writer_stop(fl_serve *s);
/* Loop thread: runs the done callbacks of finished jobs. */
void serve_writer_reap(fl_serve *s);

/* ---- systemd (serve_systemd.c; no-ops without libsystemd) ---- */
void serve_sd_notify(const char *state);
int serve_sd_listen_fds(void);
int serve_sd_is_socket_inet(int fd, int family, int type, int listening, uint16_t port);

/* ---- TLS (serve_tls.c) ---- */
/* The server context when a listener needs TLS: certificate, key, and with
** tls_client_ca client certificates required. */
fl_status serve_tls_setup(fl_serve *s, fl_error *err);
/* A bufferevent doing the server side of TLS over fd (NULL on failure). */
struct bufferevent *serve_tls_bev(fl_serve *s, evutil_socket_t fd);
/* Frees the TLS context, when there is one. */
void serve_tls_free(fl_serve *s);

/* ---- the live diagnosis (serve_episodes.c) ---- */
serve_episodes *serve_episodes_new(void);
void serve_episodes_free(serve_episodes *e);
/* Writer thread: one typed event of the feed goes to the engine. */
void serve_episodes_add(serve_episodes *e, const fl_typed_event *t);
void serve_episodes_metrics(serve_episodes *e, fl_buf *out);
void serve_episodes_html(serve_episodes *e, fl_buf *out);
/* Episode changes also go to a (NULL: none). */
void serve_episodes_set_alert(serve_episodes *e, struct fl_alert *a);

/* ---- alerts (serve_alerts.c) ---- */
fl_status serve_alerts_start(fl_serve *s, fl_error *err);
void serve_alerts_reload(fl_serve *s); /* SIGHUP */
void serve_alerts_stop(fl_serve *s);

/* ---- listeners and connections (serve_conn.c) ---- */
fl_status serve_listeners_open(fl_serve *s, fl_error *err);
void serve_listeners_close(fl_serve *s); /* stop accepting */
void serve_listeners_free(fl_serve *s);
/* Room came free: paused connections and datagram sockets read again. */
void serve_resume_readers(fl_serve *s);
/* Stops reading; every open connection closes once its jobs committed. */
void serve_conns_drain(fl_serve *s);
void serve_conns_free(fl_serve *s);
/* The drain finished (no connection, no job left). */
void serve_check_drained(fl_serve *s);

#endif
