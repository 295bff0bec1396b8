/*
** Listeners and connections of `faultline serve`: tcp:// streams (framing
** decided per connection: octet counting or lines, see serve_frame.c) and
** udp:// syslog datagrams. A connection is read while the server has room;
** when pending bytes reach the limit every reader stops (TCP's window then
** slows the sender: backpressure, not loss) and starts again as commits
** free room.
**
** Must never: let one connection's malformed, oversized or slow input
** close another, read from a socket while the server is full, or free a
** connection whose jobs are still with the writer.
*/
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "serve/serve_internal.h"
#include "serve/serve_http.h"
#include "serve/serve_listen.h"
#include "serve/serve_lumberjack.h"

struct serve_conn {
  fl_serve *srv;
  serve_listener *l;
  struct bufferevent *bev;
  serve_conn *prev, *next;
  fl_serve_framing framing;
  serve_lj lj;
  char peer[64];
  unsigned inflight;
  size_t inflight_bytes;
  time_t partial_since; /* a frame began and has not ended (0: none) */
  int eof, paused, closed;
};

static void peer_name(const struct sockaddr *sa, char *out, size_t cap) {
  char host[INET6_ADDRSTRLEN] = "?";
  unsigned port = 0;
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    port = ntohs(in->sin_port);
  } else if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *in = (const struct sockaddr_in6 *)(const void *)sa;
    inet_ntop(AF_INET6, &in->sin6_addr, host, sizeof host);
    port = ntohs(in->sin6_port);
  }
  snprintf(out, cap, "%s:%u", host, port);
}

/* ---- connections ---- */

static void conn_free(serve_conn *c) {
  fl_serve *s = c->srv;
  if (c->bev) bufferevent_free(c->bev);
  c->bev = NULL;
  if (c->prev) c->prev->next = c->next;
  else s->conns = c->next;
  if (c->next) c->next->prev = c->prev;
  serve_count(s, SM_connections_open, (uint64_t)-1);
  free(c);
  if (s->draining) serve_check_drained(s);
}

/* Stops reading; the connection goes when its last job has committed. */
static void conn_close(serve_conn *c) {
  c->closed = 1;
  if (c->bev) bufferevent_free(c->bev);
  c->bev = NULL;
  if (c->inflight == 0) conn_free(c);
}

static void conn_job_done(serve_job *j, void *owner) {
  serve_conn *c = owner;
  c->inflight--;
  c->inflight_bytes -= j->bytes;
  if (j->status != FL_OK && !c->closed) {
    serve_log(c->srv, FL_SERVE_WARN, "event=closed peer=%s reason=\"commit failed\"", c->peer);
    conn_close(c);
    return;
  }
  if (j->has_ack && c->bev) {
    /* Lumberjack: every event up to ack_seq is committed */
    unsigned char ack[6] = {'2', 'A', (unsigned char)(j->ack_seq >> 24),
                            (unsigned char)(j->ack_seq >> 16), (unsigned char)(j->ack_seq >> 8),
                            (unsigned char)j->ack_seq};
    bufferevent_write(c->bev, ack, sizeof ack);
  }
  if ((c->closed || c->eof) && c->inflight == 0) conn_free(c);
}

static void conn_pause(serve_conn *c) {
  if (c->paused || !c->bev) return;
  c->paused = 1;
  serve_count(c->srv, SM_backpressure_pauses, 1);
  bufferevent_disable(c->bev, EV_READ);
}

static void conn_bad(serve_conn *c, const char *why) {
  serve_count(c->srv, SM_connections_closed_bad, 1);
  serve_log(c->srv, FL_SERVE_WARN, "event=closed peer=%s listener=%s reason=\"%s\"",
            c->peer, c->l->spec, why);
  conn_close(c);
}

/* One job from the frames in the input buffer. Returns 1 when it made
** progress and more may follow, 0 when it needs more input, -1 when the
** connection was closed. */
static int conn_take(serve_conn *c) {
  fl_serve *s = c->srv;
  struct evbuffer *in = bufferevent_get_input(c->bev);
  size_t len = evbuffer_get_length(in);
  if (!len) return 0;
  const char *data = (const char *)evbuffer_pullup(in, -1);
  if (!data) return 0;
  serve_job *j = serve_job_new();
  if (!j) {
    conn_bad(c, "out of memory");
    return -1;
  }
  size_t off = 0;
  const char *why = NULL;
  int more = 0;
  while (off < len) {
    size_t used;
    const char *msg;
    size_t ml;
    fl_serve_frame_result r;
    if (c->l->transport == SERVE_TRANSPORT_LUMBERJACK) {
      r = serve_lj_next(s, &c->lj, (const unsigned char *)data + off, len - off, 0, j,
                        &used, &why);
      off += used;
      if (r == FL_SERVE_FRAME_MORE && c->eof && off < len)
        why = "stream ended inside a Lumberjack frame";
      if (r != FL_SERVE_FRAME_OK) break;
      if (j->bytes >= SERVE_JOB_MAX) {
        more = 1;
        break;
      }
      continue;
    }
    r = fl_serve_frame_next(&c->framing, data + off, len - off, s->opt.max_frame, c->eof,
                            &used, &msg, &ml, &why);
    off += used;
    if (r == FL_SERVE_FRAME_BAD) break;
    if (r == FL_SERVE_FRAME_MORE) break;
    if (serve_job_add(s, j, msg, ml) != 0) {
      why = "out of memory";
      break;
    }
    if (j->bytes >= SERVE_JOB_MAX) {
      more = 1;
      break;
    }
  }
  evbuffer_drain(in, off);
  c->partial_since = evbuffer_get_length(in) ? (c->partial_since ? c->partial_since : time(NULL)) : 0;
  if (j->events || j->has_ack) {
    c->inflight++;
    c->inflight_bytes += j->bytes;
    serve_job_submit(s, j, conn_job_done, c);
  } else {
    serve_job_free(j);
  }
  if (why) {
    conn_bad(c, why);
    return -1;
  }
  return more;
}

static void conn_pump(serve_conn *c) {
  while (c->bev && !c->closed) {
    if (!c->srv->draining &&
        (serve_full(c->srv) || c->inflight_bytes >= SERVE_CONN_INFLIGHT)) {
      conn_pause(c);
      return;
    }
    int r = conn_take(c);
    if (r < 0) return;
    if (r == 0) break;
  }
  if (c->partial_since && time(NULL) - c->partial_since > (time_t)c->srv->opt.idle_timeout) {
    conn_bad(c, "frame not finished within the idle timeout");
    return;
  }
  if (c->eof && !c->closed) {
    if (c->bev) bufferevent_free(c->bev);
    c->bev = NULL;
    c->closed = 1;
    if (c->inflight == 0) conn_free(c);
  }
}

static void conn_read_cb(struct bufferevent *bev, void *arg) {
  (void)bev;
  conn_pump(arg);
}

static void conn_event_cb(struct bufferevent *bev, short what, void *arg) {
  (void)bev;
  serve_conn *c = arg;
  if (what & BEV_EVENT_TIMEOUT) {
    conn_bad(c, "idle timeout");
    return;
  }
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
    c->eof = 1;
    if (what & BEV_EVENT_ERROR) {
      serve_log(c->srv, FL_SERVE_DEBUG, "event=conn_error peer=%s err=\"%s\"", c->peer,
                evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    }
    conn_pump(c);
  }
}

static void accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
                      struct sockaddr *sa, int socklen, void *arg) {
  (void)lev;
  (void)socklen;
  serve_listener *l = arg;
  fl_serve *s = l->srv;
  uint64_t open_now = atomic_load(&s->metric[SM_connections_open]);
  if (s->draining || open_now >= s->opt.max_connections) {
    serve_count(s, SM_connections_refused, 1);
    evutil_closesocket(fd);
    return;
  }
  serve_conn *c = calloc(1, sizeof *c);
  struct bufferevent *bev = !c ? NULL
                            : l->tls ? serve_tls_bev(s, fd)
                                     : bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
  if (!bev) {
    free(c);
    evutil_closesocket(fd);
    serve_count(s, SM_connections_refused, 1);
    return;
  }
  c->srv = s;
  c->l = l;
  c->bev = bev;
  peer_name(sa, c->peer, sizeof c->peer);
  c->next = s->conns;
  if (s->conns) s->conns->prev = c;
  s->conns = c;
  serve_count(s, SM_connections_accepted, 1);
  serve_count(s, SM_connections_open, 1);
  bufferevent_setcb(bev, conn_read_cb, NULL, conn_event_cb, c);
  /* at most one frame past what a job takes waits in memory per connection */
  bufferevent_setwatermark(bev, EV_READ, 0, s->opt.max_frame + SERVE_JOB_MAX);
  struct timeval tv = {(time_t)s->opt.idle_timeout, 0};
  bufferevent_set_timeouts(bev, &tv, NULL);
  if (serve_full(s)) conn_pause(c);
  else bufferevent_enable(bev, EV_READ);
  serve_log(s, FL_SERVE_DEBUG, "event=accepted peer=%s listener=%s", c->peer, l->spec);
}

/* ---- UDP ---- */

static void udp_job_done(serve_job *j, void *owner) {
  (void)j;
  (void)owner; /* syslog over UDP has no acknowledgement */
}

static void udp_read_cb(evutil_socket_t fd, short what, void *arg) {
  (void)what;
  serve_listener *l = arg;
  fl_serve *s = l->srv;
  static char buf[65536];
  serve_job *j = serve_job_new();
  if (!j) return;
  for (int i = 0; i < 512 && j->bytes < SERVE_JOB_MAX; i++) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    serve_count(s, SM_datagrams, 1);
    if (serve_job_add(s, j, buf, (size_t)n) != 0) break;
  }
  if (j->events) serve_job_submit(s, j, udp_job_done, l);
  else serve_job_free(j);
  if (serve_full(s) && !l->paused) {
    /* the socket's kernel buffer holds what comes meanwhile */
    l->paused = 1;
    serve_count(s, SM_backpressure_pauses, 1);
    event_del(l->udp_ev);
  }
}

void serve_resume_readers(fl_serve *s) {
  if (s->draining) return;
  for (size_t i = 0; i < s->listener_count; i++) {
    serve_listener *l = &s->listeners[i];
    if (l->paused && l->udp_ev) {
      l->paused = 0;
      event_add(l->udp_ev, NULL);
    }
  }
  for (serve_conn *c = s->conns, *next; c && !serve_full(s); c = next) {
    next = c->next;
    if (!c->paused || !c->bev || c->inflight_bytes >= SERVE_CONN_INFLIGHT) continue;
    c->paused = 0;
    bufferevent_enable(c->bev, EV_READ);
    conn_pump(c);
  }
}

/* ---- binding ---- */

enum { INHERITED_MAX = 64 };

/* systemd socket activation: the socket passed in (LISTEN_FDS) that has
** the listener's type and port, taken once; -1 when none. A listener on
** port 0 (any free port) never takes one. */
static evutil_socket_t inherited(fl_serve *s, const serve_listener *l) {
  int udp = l->transport == SERVE_TRANSPORT_UDP;
  if (!l->port) return -1;
  for (int i = 0; i < s->inherited_fds && i < INHERITED_MAX; i++) {
    int fd = SD_LISTEN_FDS_START + i;
    if (s->inherited_used & (1ull << i)) continue;
    if (serve_sd_is_socket_inet(fd, AF_UNSPEC, udp ? SOCK_DGRAM : SOCK_STREAM, udp ? -1 : 1,
                          (uint16_t)l->port) > 0) {
      s->inherited_used |= 1ull << i;
      return fd;
    }
  }
  return -1;
}

/* The socket of a listener: passed in by systemd, or bound here. */
static fl_status listen_socket(fl_serve *s, serve_listener *l, evutil_socket_t *out,
                               fl_error *err) {
  *out = inherited(s, l);
  if (*out >= 0) {
    serve_log(s, FL_SERVE_INFO, "event=socket_activated spec=%s fd=%d", l->spec, (int)*out);
    return evutil_make_socket_nonblocking(*out) == 0 && evutil_make_socket_closeonexec(*out) == 0
               ? FL_OK
               : fl_error_at(err, FL_EIO, l->spec, 0, "passed socket: %s", strerror(errno));
  }
  int udp = l->transport == SERVE_TRANSPORT_UDP;
  struct evutil_addrinfo hints, *ai = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = udp ? SOCK_DGRAM : SOCK_STREAM;
  hints.ai_flags = EVUTIL_AI_PASSIVE | EVUTIL_AI_ADDRCONFIG;
  char port[16];
  snprintf(port, sizeof port, "%u", l->port);
  const char *host = l->host[0] ? l->host : "127.0.0.1";
  int gai = evutil_getaddrinfo(host, port, &hints, &ai);
  if (gai != 0 || !ai)
    return fl_error_at(err, FL_EUSAGE, l->spec, 0, "cannot resolve %s: %s", host,
                       evutil_gai_strerror(gai));
  evutil_socket_t fd = socket(ai->ai_family, hints.ai_socktype, 0);
  fl_status st = FL_OK;
  if (fd < 0 || evutil_make_socket_nonblocking(fd) < 0 || evutil_make_socket_closeonexec(fd) < 0 ||
      evutil_make_listen_socket_reuseable(fd) < 0 ||
      bind(fd, ai->ai_addr, (socklen_t)ai->ai_addrlen) != 0 || (!udp && listen(fd, 128) != 0))
    st = fl_error_at(err, FL_EIO, l->spec, 0, "cannot %s: %s", udp ? "bind" : "listen",
                     strerror(errno));
  if (st != FL_OK && fd >= 0) evutil_closesocket(fd);
  evutil_freeaddrinfo(ai);
  *out = st == FL_OK ? fd : -1;
  return st;
}

static fl_status bind_one(fl_serve *s, serve_listener *l, fl_error *err) {
  evutil_socket_t fd;
  fl_status st = listen_socket(s, l, &fd, err);
  if (st != FL_OK) return st;
  const unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC;
  if (l->transport == SERVE_TRANSPORT_UDP) {
    int rcv = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    l->fd = fd;
    l->udp_ev = event_new(s->base, fd, EV_READ | EV_PERSIST, udp_read_cb, l);
    if (!l->udp_ev || event_add(l->udp_ev, NULL) != 0) {
      if (!l->udp_ev) evutil_closesocket(fd);
      return fl_error_at(err, FL_ENOMEM, l->spec, 0, "cannot watch the socket");
    }
  } else if (l->transport == SERVE_TRANSPORT_HTTP) {
    struct evconnlistener *lev = evconnlistener_new(s->base, NULL, NULL, flags, -1, fd);
    if (!lev) {
      evutil_closesocket(fd);
      return fl_error_at(err, FL_ENOMEM, l->spec, 0, "cannot watch the socket");
    }
    l->fd = fd;
    st = serve_http_bind(s, l, lev, err);
    if (st != FL_OK && !l->bound) evconnlistener_free(lev);
    if (st != FL_OK) return st;
  } else {
    l->lev = evconnlistener_new(s->base, accept_cb, l, flags, -1, fd);
    if (!l->lev) {
      evutil_closesocket(fd);
      return fl_error_at(err, FL_ENOMEM, l->spec, 0, "cannot watch the socket");
    }
    l->fd = fd;
  }
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  if (getsockname(l->fd, (struct sockaddr *)&ss, &sl) == 0) {
    if (ss.ss_family == AF_INET)
      l->port = ntohs(((const struct sockaddr_in *)(const void *)&ss)->sin_port);
    else if (ss.ss_family == AF_INET6)
      l->port = ntohs(((const struct sockaddr_in6 *)(const void *)&ss)->sin6_port);
  }
  serve_log(s, FL_SERVE_INFO, "event=listening spec=%s://%s:%u", l->scheme,
            l->host[0] ? l->host : "127.0.0.1", l->port);
  return FL_OK;
}


fl_status serve_listeners_open(fl_serve *s, fl_error *err) {
  int n = serve_sd_listen_fds();
  s->inherited_fds = n > 0 ? n : 0;
  for (size_t i = 0; i < s->listener_count; i++) {
    fl_status st = bind_one(s, &s->listeners[i], err);
    if (st != FL_OK) return st;
  }
  for (int i = 0; i < s->inherited_fds; i++)
    if (i >= INHERITED_MAX || !(s->inherited_used & (1ull << i)))
      serve_log(s, FL_SERVE_WARN, "event=socket_unused fd=%d reason=\"no --listen with its "
                "type and port\"", SD_LISTEN_FDS_START + i);
  return FL_OK;
}

void serve_listeners_close(fl_serve *s) {
  for (size_t i = 0; i < s->listener_count; i++) {
    serve_listener *l = &s->listeners[i];
    if (l->lev) evconnlistener_free(l->lev);
    l->lev = NULL;
    if (l->udp_ev) {
      event_free(l->udp_ev);
      evutil_closesocket(l->fd);
    }
    l->udp_ev = NULL;
    serve_http_stop_accepting(l);
  }
}

void serve_listeners_free(fl_serve *s) {
  serve_listeners_close(s);
  for (size_t i = 0; i < s->listener_count; i++) serve_http_free(&s->listeners[i]);
}

void serve_conns_drain(fl_serve *s) {
  for (serve_conn *c = s->conns, *next; c; c = next) {
    next = c->next;
    if (!c->bev) continue;
    bufferevent_disable(c->bev, EV_READ);
    c->eof = 1; /* what was already read is committed, then it closes */
    conn_pump(c);
  }
}

void serve_conns_free(fl_serve *s) {
  while (s->conns) {
    serve_conn *c = s->conns;
    s->conns = c->next;
    if (c->bev) bufferevent_free(c->bev);
    free(c);
  }
}
