/*
** serve's use of libsystemd (readiness notification and socket activation),
** with the library loaded when serve starts rather than by every faultline
** run (common/fl_dl.h). Without libsystemd, notifications are not sent and
** no socket counts as passed in: serve binds its own, as outside systemd.
**
** Must never: block, or fail serve because libsystemd is missing.
*/
#include <pthread.h>
#include <stddef.h>

#include "common/fl_dl.h"
#include "serve/serve_internal.h"

typedef struct sd_api {
  int (*notify)(int unset_environment, const char *state);
  int (*listen_fds)(int unset_environment);
  int (*is_socket_inet)(int fd, int family, int type, int listening, uint16_t port);
} sd_api;

static sd_api api;
static int loaded;

static void load(void) {
  static const fl_dl_sym syms[] = {
      {"sd_notify", offsetof(sd_api, notify)},
      {"sd_listen_fds", offsetof(sd_api, listen_fds)},
      {"sd_is_socket_inet", offsetof(sd_api, is_socket_inet)},
  };
  const char *why = "";
  loaded = fl_dl_load("libsystemd.so.0", syms, sizeof syms / sizeof syms[0], &api, &why) != NULL;
}

static const sd_api *sd(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, load);
  return loaded ? &api : NULL;
}

void serve_sd_notify(const char *state) {
  if (sd()) sd()->notify(0, state);
}

int serve_sd_listen_fds(void) {
  return sd() ? sd()->listen_fds(1) : 0; /* 1: serve's children do not see them */
}

int serve_sd_is_socket_inet(int fd, int family, int type, int listening, uint16_t port) {
  return sd() ? sd()->is_socket_inet(fd, family, type, listening, port) : 0;
}
