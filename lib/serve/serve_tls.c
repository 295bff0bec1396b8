/*
** TLS for `faultline serve` (OpenSSL through libevent's bufferevent_openssl):
** one server context from --tls-cert/--tls-key, TLS 1.2 at least; with
** --tls-client-ca every client must present a certificate that CA signed.
**
** Must never: start a TLS listener without a certificate, accept TLS below
** 1.2, or let a failed handshake affect another connection.
*/
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "serve/serve_listen.h"

static fl_status tls_error(const char *what, const char *file, fl_error *err) {
  char msg[200];
  ERR_error_string_n(ERR_get_error(), msg, sizeof msg);
  return fl_error_at(err, FL_EUSAGE, file ? file : "serve", 0, "%s: %s", what, msg);
}

fl_status serve_tls_setup(fl_serve *s, fl_error *err) {
  int need = 0;
  for (size_t i = 0; i < s->listener_count; i++) need |= s->listeners[i].tls;
  if (!need) return FL_OK;
  if (!s->opt.tls_cert || !s->opt.tls_key)
    return fl_error_at(err, FL_EUSAGE, "serve", 0,
                       "a TLS listener needs --tls-cert and --tls-key");
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) return tls_error("cannot make a TLS context", NULL, err);
  s->tls = ctx;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (SSL_CTX_use_certificate_chain_file(ctx, s->opt.tls_cert) != 1)
    return tls_error("cannot load the certificate", s->opt.tls_cert, err);
  if (SSL_CTX_use_PrivateKey_file(ctx, s->opt.tls_key, SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1)
    return tls_error("cannot load the key", s->opt.tls_key, err);
  if (s->opt.tls_client_ca) {
    if (SSL_CTX_load_verify_locations(ctx, s->opt.tls_client_ca, NULL) != 1)
      return tls_error("cannot load the client CA", s->opt.tls_client_ca, err);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
  }
  return FL_OK;
}

struct bufferevent *serve_tls_bev(fl_serve *s, evutil_socket_t fd) {
  SSL *ssl = SSL_new(s->tls);
  if (!ssl) return NULL;
  struct bufferevent *b = bufferevent_openssl_socket_new(
      s->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
  if (!b) SSL_free(ssl);
  else bufferevent_openssl_set_allow_dirty_shutdown(b, 1); /* EOF without close_notify is EOF */
  return b;
}
