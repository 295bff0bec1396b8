/*
** The `faultline serve` server: options, listen specs, the libevent loop,
** signals (SIGTERM/SIGINT drain then stop, SIGHUP logged), sd_notify, and
** structured (logfmt) logs.
**
** Must never: return from run while a job is still uncommitted, or start
** reading before every listener is bound.
*/
#include <arpa/inet.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve/serve_internal.h"
#include "serve/serve_listen.h"

/* The schemes this build serves. */
static const struct {
  const char *name;
  serve_transport transport;
  int tls;
} schemes[] = {
    {"tcp", SERVE_TRANSPORT_STREAM, 0},
    {"tls", SERVE_TRANSPORT_STREAM, 1},
    {"udp", SERVE_TRANSPORT_UDP, 0},
    {"http", SERVE_TRANSPORT_HTTP, 0},
    {"https", SERVE_TRANSPORT_HTTP, 1},
    {"lumberjack", SERVE_TRANSPORT_LUMBERJACK, 0},
    {"lumberjack+tls", SERVE_TRANSPORT_LUMBERJACK, 1},
};

static const char *const level_names[] = {"debug", "info", "warn", "error"};

static void default_log(fl_serve_log_level level, const char *line, void *user) {
  (void)user;
  char ts[32];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
  fprintf(stderr, "ts=%s level=%s %s\n", ts, level_names[level], line);
}

void serve_log(fl_serve *s, fl_serve_log_level level, const char *fmt, ...) {
  if (level < s->opt.log_level) return;
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  for (char *p = line; *p; p++) /* one line per entry, whatever a peer sent */
    if ((unsigned char)*p < 0x20) *p = ' ';
  s->opt.on_log(level, line, s->opt.user);
}

fl_status fl_serve_parse_spec(const char *spec, char *scheme, size_t scheme_cap,
                              char *host, size_t host_cap, unsigned *port,
                              fl_error *err) {
  const char *sep = strstr(spec, "://");
  size_t sl = sep ? (size_t)(sep - spec) : 0;
  size_t k = 0;
  while (sep && k < sizeof schemes / sizeof schemes[0] &&
         !(strlen(schemes[k].name) == sl && strncmp(spec, schemes[k].name, sl) == 0))
    k++;
  if (!sep || k == sizeof schemes / sizeof schemes[0] || sl >= scheme_cap)
    return fl_error_at(err, FL_EUSAGE, spec, 0,
                       "listen spec must be tcp://, tls://, udp://, http://, https://, lumberjack:// or lumberjack+tls://HOST:PORT");
  memcpy(scheme, spec, sl);
  scheme[sl] = '\0';
  const char *h = sep + 3, *colon;
  size_t hl;
  if (*h == '[') {
    const char *close = strchr(h, ']');
    if (!close || close[1] != ':')
      return fl_error_at(err, FL_EUSAGE, spec, 0, "IPv6 host must be [ADDR]:PORT");
    hl = (size_t)(close - h - 1);
    h++;
    colon = close + 1;
  } else {
    colon = strrchr(h, ':');
    if (!colon) return fl_error_at(err, FL_EUSAGE, spec, 0, "listen spec needs :PORT");
    hl = (size_t)(colon - h);
  }
  char *end;
  long p = strtol(colon + 1, &end, 10);
  if (*end || end == colon + 1 || p < 0 || p > 65535)
    return fl_error_at(err, FL_EUSAGE, spec, 0, "port must be 0..65535");
  if (hl >= host_cap) return fl_error_at(err, FL_EUSAGE, spec, 0, "host name too long");
  memcpy(host, h, hl);
  host[hl] = '\0';
  *port = (unsigned)p;
  return FL_OK;
}

static void on_wake(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  serve_writer_reap(arg);
}

void serve_check_drained(fl_serve *s) {
  /* a moment for the last answers to leave */
  static const struct timeval flush = {0, 200000};
  if (s->draining && !s->conns && s->jobs_out == 0) event_base_loopexit(s->base, &flush);
}

static void begin_drain(fl_serve *s) {
  if (s->draining) return;
  s->draining = 1;
  serve_sd_notify("STOPPING=1");
  serve_log(s, FL_SERVE_INFO, "event=draining jobs=%zu pending_bytes=%zu", s->jobs_out,
            s->pending);
  serve_listeners_close(s);
  serve_conns_drain(s);
  serve_check_drained(s);
}

static void on_stop_event(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  begin_drain(arg);
}

static void on_signal(evutil_socket_t sig, short what, void *arg) {
  (void)what;
  fl_serve *s = arg;
  if (sig == SIGHUP) {
    serve_alerts_reload(s);
    return;
  }
  serve_log(s, FL_SERVE_INFO, "event=signal signal=%s", sig == SIGTERM ? "TERM" : "INT");
  begin_drain(s);
}

static fl_status fill_listeners(fl_serve *s, fl_error *err) {
  s->listeners = calloc(s->opt.listen_count ? s->opt.listen_count : 1, sizeof *s->listeners);
  if (!s->listeners) return fl_error_at(err, FL_ENOMEM, "serve", 0, "out of memory");
  s->listener_count = s->opt.listen_count;
  for (size_t i = 0; i < s->listener_count; i++) {
    serve_listener *l = &s->listeners[i];
    l->srv = s;
    l->fd = -1;
    snprintf(l->spec, sizeof l->spec, "%s", s->opt.listen[i]);
    fl_status st = fl_serve_parse_spec(l->spec, l->scheme, sizeof l->scheme, l->host,
                                       sizeof l->host, &l->port, err);
    if (st != FL_OK) return st;
    for (size_t k = 0; k < sizeof schemes / sizeof schemes[0]; k++)
      if (strcmp(schemes[k].name, l->scheme) == 0) {
        l->transport = schemes[k].transport;
        l->tls = schemes[k].tls;
      }
  }
  return FL_OK;
}

/* 127.0.0.0/8, ::1, "localhost", or no host (127.0.0.1). A name is taken
** as reaching beyond this machine (it may resolve anywhere). */
static int loopback(const char *host) {
  unsigned char a[16];
  if (!host[0] || strcmp(host, "localhost") == 0) return 1;
  if (inet_pton(AF_INET, host, a) == 1) return a[0] == 127;
  static const unsigned char one[16] = {[15] = 1};
  return inet_pton(AF_INET6, host, a) == 1 && memcmp(a, one, 16) == 0;
}

/* Beyond loopback a listener must know who sends: HTTP by bearer token or
** client certificates, streams by client certificates; UDP cannot. Unless
** the operator says the network is trusted (allow_unauthenticated). */
static fl_status check_exposure(const fl_serve *s, fl_error *err) {
  for (size_t i = 0; i < s->listener_count && !s->opt.allow_unauthenticated; i++) {
    const serve_listener *l = &s->listeners[i];
    int certs = l->tls && s->opt.tls_client_ca;
    int ok = loopback(l->host) || certs ||
             (l->transport == SERVE_TRANSPORT_HTTP && s->opt.token);
    if (!ok)
      return fl_error_at(err, FL_EUSAGE, l->spec, 0,
                         "listens beyond this machine but cannot tell who sends: %s, or "
                         "--allow-unauthenticated on a trusted network",
                         l->transport == SERVE_TRANSPORT_HTTP
                             ? "give --token-file, or https:// with --tls-client-ca"
                         : l->transport == SERVE_TRANSPORT_UDP
                             ? "UDP has no authentication (listen on 127.0.0.1 behind a relay)"
                             : "use its TLS form with --tls-client-ca");
  }
  return FL_OK;
}

fl_status fl_serve_new(const fl_serve_options *opt, fl_serve **out, fl_error *err) {
  *out = NULL;
  if (!opt || !opt->db_path || !opt->listen_count)
    return fl_error_at(err, FL_EUSAGE, "serve", 0, "serve needs --db and at least one --listen");
  static int threads_ready;
  if (!threads_ready && evthread_use_pthreads() != 0)
    return fl_error_at(err, FL_ENOMEM, "serve", 0, "libevent has no pthreads support");
  threads_ready = 1;
  fl_serve *s = calloc(1, sizeof *s);
  if (!s) return fl_error_at(err, FL_ENOMEM, "serve", 0, "out of memory");
  s->opt = *opt;
  if (!s->opt.max_frame) s->opt.max_frame = 1 << 20;
  if (!s->opt.max_pending) s->opt.max_pending = 64u << 20;
  if (!s->opt.max_connections) s->opt.max_connections = 256;
  if (!s->opt.idle_timeout) s->opt.idle_timeout = 300;
  if (!s->opt.on_log) s->opt.on_log = default_log;
  pthread_mutex_init(&s->lock, NULL);
  pthread_cond_init(&s->cond, NULL);
  s->todo_tail = &s->todo;
  s->finished_tail = &s->finished;
  fl_status st = fill_listeners(s, err);
  if (st == FL_OK) st = check_exposure(s, err);
  if (st == FL_OK) {
    s->base = event_base_new();
    s->wake = s->base ? event_new(s->base, -1, EV_PERSIST, on_wake, s) : NULL;
    if (!s->wake) st = fl_error_at(err, FL_ENOMEM, "serve", 0, "cannot start the event loop");
  }
  if (st == FL_OK) st = serve_tls_setup(s, err);
  if (st == FL_OK) st = serve_writer_open(s, err);
  if (st == FL_OK) st = serve_alerts_start(s, err);
  if (st == FL_OK) st = serve_listeners_open(s, err);
  if (st != FL_OK) {
    fl_serve_free(s);
    return st;
  }
  *out = s;
  return FL_OK;
}

fl_status fl_serve_run(fl_serve *s, fl_error *err) {
  static const int sigs[3] = {SIGTERM, SIGINT, SIGHUP};
  if (s->opt.handle_signals) {
    signal(SIGPIPE, SIG_IGN);
    for (int i = 0; i < 3; i++) {
      s->signals[i] = evsignal_new(s->base, sigs[i], on_signal, s);
      if (s->signals[i]) event_add(s->signals[i], NULL);
    }
  }
  fl_status st = serve_writer_start(s, err);
  if (st != FL_OK) return st;
  serve_sd_notify("READY=1");
  serve_log(s, FL_SERVE_INFO, "event=ready store=%s db=%s",
            fl_store_backend_name(s->backend), s->opt.store ? "-" : s->opt.db_path);
  event_base_loop(s->base, EVLOOP_NO_EXIT_ON_EMPTY);
  serve_writer_stop(s);
  serve_writer_reap(s); /* the last commits' callbacks */
  serve_log(s, FL_SERVE_INFO, "event=stopped events_inserted=%llu",
            (unsigned long long)atomic_load(&s->metric[SM_events_inserted]));
  return FL_OK;
}

void fl_serve_stop(fl_serve *s) {
  event_base_once(s->base, -1, EV_TIMEOUT, on_stop_event, s, NULL);
}

unsigned fl_serve_port(const fl_serve *s, size_t i) {
  return i < s->listener_count ? s->listeners[i].port : 0;
}

void fl_serve_stats_get(fl_serve *s, fl_serve_stats *out) {
#define FL_SERVE_METRIC(field, type, help) \
  out->field = atomic_load_explicit(&s->metric[SM_##field], memory_order_relaxed);
#include "faultline/serve_metrics.def"
#undef FL_SERVE_METRIC
}

void fl_serve_free(fl_serve *s) {
  if (!s) return;
  serve_writer_stop(s);
  serve_listeners_free(s);
  serve_conns_free(s);
  for (int i = 0; i < 3; i++)
    if (s->signals[i]) event_free(s->signals[i]);
  if (s->wake) event_free(s->wake);
  while (s->todo) {
    serve_job *j = s->todo;
    s->todo = j->next;
    serve_job_free(j);
  }
  while (s->finished) {
    serve_job *j = s->finished;
    s->finished = j->next;
    serve_job_free(j);
  }
  if (s->base) event_base_free(s->base);
  serve_writer_close(s);
  serve_alerts_stop(s);
  serve_episodes_free(s->episodes);
  serve_tls_free(s);
  pthread_mutex_destroy(&s->lock);
  pthread_cond_destroy(&s->cond);
  free(s->listeners);
  free(s);
}
