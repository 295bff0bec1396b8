/*
** TLS for `faultline serve` (OpenSSL through libevent's bufferevent_openssl):
** one server context from --tls-cert/--tls-key, TLS 1.2 at least; with
** --tls-client-ca every client must present a certificate that CA signed.
**
** OpenSSL and libevent_openssl are loaded when a TLS listener is set up,
** not linked (lib/common/fl_dl.h): linked, they were loaded and relocated
** by every faultline run and cost 0.9 of its 2.2 ms start-up.
**
** Must never: start a TLS listener without a certificate, accept TLS below
** 1.2, let a failed handshake affect another connection, or call OpenSSL
** before tls_load succeeded.
*/
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stddef.h>

#include "common/fl_dl.h"
#include "serve/serve_listen.h"

typedef struct tls_api {
  /* libssl */
  const SSL_METHOD *(*server_method)(void);
  SSL_CTX *(*ctx_new)(const SSL_METHOD *method);
  void (*ctx_free)(SSL_CTX *ctx);
  long (*ctx_ctrl)(SSL_CTX *ctx, int cmd, long larg, void *parg);
  int (*use_chain_file)(SSL_CTX *ctx, const char *file);
  int (*use_key_file)(SSL_CTX *ctx, const char *file, int type);
  int (*check_key)(const SSL_CTX *ctx);
  int (*load_verify)(SSL_CTX *ctx, const char *file, const char *path);
  void (*set_verify)(SSL_CTX *ctx, int mode, SSL_verify_cb cb);
  SSL *(*ssl_new)(SSL_CTX *ctx);
  void (*ssl_free)(SSL *ssl);
  /* libcrypto */
  unsigned long (*err_get)(void);
  void (*err_string)(unsigned long e, char *buf, size_t len);
  /* libevent_openssl */
  struct bufferevent *(*bev_new)(struct event_base *base, evutil_socket_t fd,
                                 SSL *ssl, enum bufferevent_ssl_state state,
                                 int options);
  void (*bev_dirty_shutdown)(struct bufferevent *bev, int allow);
} tls_api;

#define SYM(name, member) {name, offsetof(tls_api, member)}
static const fl_dl_sym ssl_syms[] = {
    SYM("TLS_server_method", server_method), SYM("SSL_CTX_new", ctx_new),
    SYM("SSL_CTX_free", ctx_free), SYM("SSL_CTX_ctrl", ctx_ctrl),
    SYM("SSL_CTX_use_certificate_chain_file", use_chain_file),
    SYM("SSL_CTX_use_PrivateKey_file", use_key_file),
    SYM("SSL_CTX_check_private_key", check_key),
    SYM("SSL_CTX_load_verify_locations", load_verify),
    SYM("SSL_CTX_set_verify", set_verify), SYM("SSL_new", ssl_new),
    SYM("SSL_free", ssl_free)};
static const fl_dl_sym crypto_syms[] = {
    SYM("ERR_get_error", err_get), SYM("ERR_error_string_n", err_string)};
static const fl_dl_sym event_ssl_syms[] = {
    SYM("bufferevent_openssl_socket_new", bev_new),
    SYM("bufferevent_openssl_set_allow_dirty_shutdown", bev_dirty_shutdown)};
#undef SYM
#define COUNT(a) (sizeof a / sizeof *a)

static tls_api api;
static const tls_api *loaded;

/* libevent_openssl first: it brings the libssl and libcrypto it was built
** against, so the names below resolve in those very copies. */
static void tls_load(void) {
  tls_api t;
  const char *why = "";
  if (fl_dl_load("libevent_openssl-2.1.so.7", event_ssl_syms, COUNT(event_ssl_syms), &t, &why) &&
      fl_dl_load("libssl.so.3", ssl_syms, COUNT(ssl_syms), &t, &why) &&
      fl_dl_load("libcrypto.so.3", crypto_syms, COUNT(crypto_syms), &t, &why)) {
    api = t;
    loaded = &api;
  }
}

static const tls_api *tls(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, tls_load);
  return loaded;
}

static fl_status tls_error(const tls_api *a, const char *what, const char *file,
                           fl_error *err) {
  char msg[200];
  a->err_string(a->err_get(), msg, sizeof msg);
  return fl_error_at(err, FL_EUSAGE, file ? file : "serve", 0, "%s: %s", what, msg);
}

fl_status serve_tls_setup(fl_serve *s, fl_error *err) {
  int need = 0;
  for (size_t i = 0; i < s->listener_count; i++) need |= s->listeners[i].tls;
  if (!need) return FL_OK;
  if (!s->opt.tls_cert || !s->opt.tls_key)
    return fl_error_at(err, FL_EUSAGE, "serve", 0,
                       "a TLS listener needs --tls-cert and --tls-key");
  const tls_api *a = tls();
  if (!a)
    return fl_error_at(err, FL_EUSAGE, "serve", 0,
                       "a TLS listener needs OpenSSL 3 and libevent_openssl 2.1 (Debian "
                       "packages libssl3, libevent-openssl-2.1-7): cannot load them");
  SSL_CTX *ctx = a->ctx_new(a->server_method());
  if (!ctx) return tls_error(a, "cannot make a TLS context", NULL, err);
  s->tls = ctx;
  a->ctx_ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, NULL);
  if (a->use_chain_file(ctx, s->opt.tls_cert) != 1)
    return tls_error(a, "cannot load the certificate", s->opt.tls_cert, err);
  if (a->use_key_file(ctx, s->opt.tls_key, SSL_FILETYPE_PEM) != 1 || a->check_key(ctx) != 1)
    return tls_error(a, "cannot load the key", s->opt.tls_key, err);
  if (s->opt.tls_client_ca) {
    if (a->load_verify(ctx, s->opt.tls_client_ca, NULL) != 1)
      return tls_error(a, "cannot load the client CA", s->opt.tls_client_ca, err);
    a->set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
  }
  return FL_OK;
}

struct bufferevent *serve_tls_bev(fl_serve *s, evutil_socket_t fd) {
  const tls_api *a = loaded; /* set: s->tls exists only after tls() */
  SSL *ssl = a && s->tls ? a->ssl_new(s->tls) : NULL;
  if (!ssl) return NULL;
  struct bufferevent *b = a->bev_new(s->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                     BEV_OPT_CLOSE_ON_FREE);
  if (!b) a->ssl_free(ssl);
  else a->bev_dirty_shutdown(b, 1); /* EOF without close_notify is EOF */
  return b;
}

void serve_tls_free(fl_serve *s) {
  if (s->tls && loaded) loaded->ctx_free(s->tls);
  s->tls = NULL;
}
