/*
** The http:// listener of `faultline serve` and the text it serves besides
** ingest answers: Prometheus metrics and the live page.
**
** Must never be used off the loop thread.
*/
#ifndef FL_SERVE_HTTP_H
#define FL_SERVE_HTTP_H

#include "serve/serve_listen.h"

/* Serves HTTP on lev (taken over: freed with the listener). */
fl_status serve_http_bind(fl_serve *s, serve_listener *l, struct evconnlistener *lev,
                          fl_error *err);
void serve_http_stop_accepting(serve_listener *l);
void serve_http_free(serve_listener *l);

/* Prometheus text exposition of serve_metrics.def. */
void serve_metrics_text(fl_serve *s, fl_buf *out);
/* The live page (HTML, escaped). */
void serve_page_html(fl_serve *s, fl_buf *out);

#endif
