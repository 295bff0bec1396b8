/*
** Listen specs of `faultline serve`: the schemes this build serves (one
** table) and the listener each spec becomes.
**
** Must never: bind an address the spec does not name (no host = 127.0.0.1).
*/
#ifndef FL_SERVE_LISTEN_H
#define FL_SERVE_LISTEN_H

#include <event2/listener.h>

#include "serve/serve_internal.h"

typedef enum serve_transport {
  SERVE_TRANSPORT_STREAM = 0, /* TCP: framing detected per connection */
  SERVE_TRANSPORT_UDP,        /* one syslog message per datagram */
  SERVE_TRANSPORT_HTTP,       /* evhttp: serve_http.c */
  SERVE_TRANSPORT_LUMBERJACK  /* Lumberjack v2: serve_lumberjack.c */
} serve_transport;

struct serve_listener {
  fl_serve *srv;
  char spec[300];
  char scheme[16];
  char host[256];
  unsigned port;
  serve_transport transport;
  struct evconnlistener *lev;
  evutil_socket_t fd;
  struct event *udp_ev;
  struct evhttp *http;
  struct evhttp_bound_socket *bound;
  int paused;
  int tls; /* TLS on top (tls://, https://, lumberjack+tls://) */
};

#endif
