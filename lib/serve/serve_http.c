/*
** The http:// listener of `faultline serve` (libevent's evhttp): POST
** /ingest (JSON lines / event XML, for NXLog om_http and Fluent Bit http),
** an Elasticsearch-compatible face for Winlogbeat's elasticsearch output
** (GET / version, GET /_license, template/ILM/pipeline setup calls
** acknowledged, POST /_bulk with per-item status, 429 when full), POST
** /v1/logs (OTLP/HTTP JSON, the collector's windowseventlog receiver with
** raw XML bodies), GET /metrics (Prometheus text), GET /healthz and a live
** page. gzip request bodies are inflated (bounded). Routes are a table.
**
** Must never: answer 2xx to an ingest request before its events are
** committed, leave a request unanswered (evhttp frees it only then), accept a
** request without the bearer token when one is set (only /healthz is
** open), or inflate past the body limit.
*/
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>
#include <zlib.h>

#include "serve/serve_http.h"

/* Largest request body, inflated or not. */
enum { HTTP_MAX_BODY = 32 << 20 };

typedef enum http_kind { HK_INGEST, HK_BULK, HK_OTLP } http_kind;

/* A request waiting for its job's commit. evhttp keeps a request whose
** connection failed alive, detached, until it is answered (then frees it),
** so the answer is always sent. */
typedef struct http_wait {
  struct evhttp_request *req;
  http_kind kind;
  fl_buf items; /* _bulk: the per-item statuses, rendered */
  size_t count; /* events / items */
  int item_errors;
} http_wait;

static void reply(struct evhttp_request *req, int code, const char *type,
                  const char *body, size_t len) {
  struct evkeyvalq *h = evhttp_request_get_output_headers(req);
  evhttp_add_header(h, "Content-Type", type);
  /* Elastic's clients refuse a server that does not say it is one */
  evhttp_add_header(h, "X-Elastic-Product", "Elasticsearch");
  struct evbuffer *b = evbuffer_new();
  if (b && len) evbuffer_add(b, body, len);
  evhttp_send_reply(req, code, code == 200 ? "OK" : code == 201 ? "Created"
                             : code == 429 ? "Too Many Requests" : "Error", b);
  if (b) evbuffer_free(b);
}

static void reply_json(struct evhttp_request *req, int code, const char *json) {
  reply(req, code, "application/json", json, strlen(json));
}

static void reply_full(struct evhttp_request *req) {
  reply_json(req, 429, "{\"error\":{\"type\":\"es_rejected_execution_exception\","
                       "\"reason\":\"faultline serve is full: retry later\"},\"status\":429}");
}

/* ---- request bodies ---- */

/* The body, inflated when Content-Encoding is gzip; NULL when too big or
** broken (*why says which). Caller frees *tofree. */
static const char *body_of(struct evhttp_request *req, size_t *len, char **tofree,
                           const char **why) {
  struct evbuffer *in = evhttp_request_get_input_buffer(req);
  size_t n = evbuffer_get_length(in);
  const char *raw = n ? (const char *)evbuffer_pullup(in, -1) : "";
  *tofree = NULL;
  const char *enc = evhttp_find_header(evhttp_request_get_input_headers(req),
                                       "Content-Encoding");
  if (!enc || strcmp(enc, "gzip") != 0) {
    *len = n;
    return raw;
  }
  z_stream z;
  memset(&z, 0, sizeof z);
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
    *why = "cannot inflate";
    return NULL;
  }
  size_t cap = n * 4 + 4096, used = 0;
  char *out = NULL;
  int rc = Z_OK;
  z.next_in = (unsigned char *)(uintptr_t)raw;
  z.avail_in = (uInt)n;
  while (rc == Z_OK) {
    if (cap > HTTP_MAX_BODY) cap = HTTP_MAX_BODY;
    char *o = realloc(out, cap + 1);
    if (!o) break;
    out = o;
    z.next_out = (unsigned char *)out + used;
    z.avail_out = (uInt)(cap - used);
    rc = inflate(&z, Z_NO_FLUSH);
    used = cap - z.avail_out;
    if (rc == Z_OK && used == cap) {
      if (cap == HTTP_MAX_BODY) break;
      cap *= 2;
    } else if (rc == Z_OK || rc == Z_BUF_ERROR) {
      if (z.avail_in == 0) break;
    }
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END) {
    free(out);
    *why = used >= HTTP_MAX_BODY ? "body larger than the limit" : "broken gzip body";
    return NULL;
  }
  *tofree = out;
  *len = used;
  return out;
}

/* ---- waiting for the commit ---- */

static void wait_done(serve_job *job, void *owner) {
  http_wait *w = owner;
  struct evhttp_request *req = w->req;
  if (req) {
    if (job->status != FL_OK) {
      reply_json(req, 503, "{\"error\":{\"type\":\"unavailable\",\"reason\":"
                           "\"the store could not commit; nothing was stored\"},\"status\":503}");
    } else if (w->kind == HK_BULK) {
      fl_buf b = {0};
      char head[96];
      int n = snprintf(head, sizeof head, "{\"took\":1,\"errors\":%s,\"items\":[",
                       w->item_errors ? "true" : "false");
      if (fl_buf_reserve(&b, (size_t)n + w->items.len + 3) == 0) {
        memcpy(b.p, head, (size_t)n);
        if (w->items.len) memcpy(b.p + n, w->items.p, w->items.len);
        b.len = (size_t)n + w->items.len;
        memcpy(b.p + b.len, "]}", 2);
        b.len += 2;
        reply(req, 200, "application/json", b.p, b.len);
      } else {
        reply_json(req, 503, "{\"error\":\"out of memory\",\"status\":503}");
      }
      fl_buf_free(&b);
    } else if (w->kind == HK_OTLP) {
      reply_json(req, 200, "{\"partialSuccess\":{}}");
    } else {
      char msg[64];
      snprintf(msg, sizeof msg, "{\"accepted\":%zu}", w->count);
      reply_json(req, 200, msg);
    }
  }
  fl_buf_free(&w->items);
  free(w);
}

/* Queues job for req (or answers at once when it holds nothing). */
static void submit(fl_serve *s, struct evhttp_request *req, serve_job *j,
                   http_wait *w) {
  w->req = req;
  if (!j->events) {
    serve_job_free(j);
    serve_job z = {0};
    z.status = FL_OK;
    wait_done(&z, w);
    return;
  }
  serve_job_submit(s, j, wait_done, w);
}

/* ---- handlers ---- */

/* A job and its waiter for a request; -1 (503 answered) out of memory. */
static int job_and_wait(struct evhttp_request *req, int kind, serve_job **j, http_wait **w) {
  *j = serve_job_new();
  *w = calloc(1, sizeof **w);
  if (!*j || !*w) {
    serve_job_free(*j);
    free(*w);
    reply_json(req, 503, "{\"error\":\"out of memory\"}");
    return -1;
  }
  (*w)->kind = kind;
  return 0;
}

static void h_ingest(fl_serve *s, struct evhttp_request *req, const char *body,
                     size_t len) {
  serve_job *j;
  http_wait *w;
  if (job_and_wait(req, HK_INGEST, &j, &w)) return;
  fl_serve_framing fr = FL_SERVE_FRAMING_LINE;
  size_t off = 0;
  while (off < len) {
    size_t used, ml;
    const char *msg, *why;
    fl_serve_frame_result r = fl_serve_frame_next(&fr, body + off, len - off, s->opt.max_frame,
                                                  1, &used, &msg, &ml, &why);
    off += used;
    if (r != FL_SERVE_FRAME_OK) {
      if (r == FL_SERVE_FRAME_BAD) {
        serve_job_free(j);
        free(w);
        char m[160];
        snprintf(m, sizeof m, "{\"error\":\"%s\"}", why);
        reply_json(req, 413, m);
        return;
      }
      break;
    }
    serve_job_add(s, j, msg, ml);
  }
  w->count = (size_t)j->events;
  submit(s, req, j, w);
}

static void bulk_item(http_wait *w, const char *action, int status, const char *err) {
  char item[256];
  int n;
  if (status < 300)
    n = snprintf(item, sizeof item, "%s{\"%s\":{\"_index\":\"faultline\",\"_id\":\"%zu\","
                 "\"_version\":1,\"result\":\"created\",\"status\":%d}}",
                 w->count ? "," : "", action, w->count, status);
  else
    n = snprintf(item, sizeof item, "%s{\"%s\":{\"_index\":\"faultline\",\"status\":%d,"
                 "\"error\":{\"type\":\"mapper_parsing_exception\",\"reason\":\"%s\"}}}",
                 w->count ? "," : "", action, status, err);
  if (n > 0 && fl_buf_reserve(&w->items, (size_t)n) == 0) {
    memcpy(w->items.p + w->items.len, item, (size_t)n);
    w->items.len += (size_t)n;
  }
  w->count++;
}

/* The action of a bulk line ({"create":{...}} -> "create"); NULL if none. */
static const char *bulk_action(const char *line, size_t len) {
  static const char *const actions[] = {"create", "index", "update", "delete"};
  for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
    size_t al = strlen(actions[i]);
    const char *q = memchr(line, '"', len);
    if (q && (size_t)(line + len - q) > al + 1 && memcmp(q + 1, actions[i], al) == 0 &&
        q[al + 1] == '"')
      return actions[i];
  }
  return NULL;
}

static void h_bulk(fl_serve *s, struct evhttp_request *req, const char *body,
                   size_t len) {
  serve_job *j;
  http_wait *w;
  if (job_and_wait(req, HK_BULK, &j, &w)) return;
  const char *p = body, *end = body + len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *le = nl ? nl : end;
    const char *action = bulk_action(p, (size_t)(le - p));
    p = nl ? nl + 1 : end;
    if (!action) continue; /* blank line */
    if (strcmp(action, "delete") == 0) {
      bulk_item(w, action, 200, NULL);
      continue;
    }
    const char *dn = memchr(p, '\n', (size_t)(end - p));
    const char *de = dn ? dn : end;
    const char *doc;
    size_t dl;
    if (fl_serve_payload(p, (size_t)(de - p), &doc, &dl) == FL_SERVE_PAYLOAD_JSON) {
      serve_job_add(s, j, doc, dl);
      bulk_item(w, action, 201, NULL);
    } else {
      w->item_errors = 1;
      bulk_item(w, action, 400, "the document is not a JSON object");
    }
    p = dn ? dn + 1 : end;
  }
  submit(s, req, j, w);
}

/* The members of a JSON array (0 when v is not one). */
static size_t items_of(yajl_val v, yajl_val **out) {
  *out = NULL;
  if (!v || !YAJL_IS_ARRAY(v)) return 0;
  *out = v->u.array.values;
  return v->u.array.len;
}

/* OTLP/HTTP JSON: resourceLogs[].scopeLogs[].logRecords[].body.stringValue
** holds the event (raw XML from the windowseventlog receiver, or JSON). */
static void h_otlp(fl_serve *s, struct evhttp_request *req, const char *body,
                   size_t len) {
  char *text = malloc(len + 1);
  serve_job *j = serve_job_new();
  http_wait *w = calloc(1, sizeof *w);
  if (!text || !j || !w) {
    free(text);
    serve_job_free(j);
    free(w);
    reply_json(req, 503, "{\"error\":\"out of memory\"}");
    return;
  }
  memcpy(text, body, len);
  text[len] = '\0';
  char err[128];
  yajl_val root = yajl_tree_parse(text, err, sizeof err);
  free(text);
  static const char *const p_rl[] = {"resourceLogs", NULL};
  static const char *const p_sl[] = {"scopeLogs", NULL};
  static const char *const p_lr[] = {"logRecords", NULL};
  static const char *const p_body[] = {"body", "stringValue", NULL};
  yajl_val rl = root ? yajl_tree_get(root, (const char **)p_rl, yajl_t_array) : NULL;
  if (!rl) {
    yajl_tree_free(root);
    serve_job_free(j);
    free(w);
    reply_json(req, 400, "{\"code\":3,\"message\":\"not an OTLP logs request (JSON)\"}");
    return;
  }
  w->kind = HK_OTLP;
  yajl_val *rv, *sv, *lv;
  for (size_t a = 0, na = items_of(rl, &rv); a < na; a++) {
    yajl_val sl = yajl_tree_get(rv[a], (const char **)p_sl, yajl_t_array);
    for (size_t b = 0, nb = items_of(sl, &sv); b < nb; b++) {
      yajl_val lr = yajl_tree_get(sv[b], (const char **)p_lr, yajl_t_array);
      for (size_t c = 0, nc = items_of(lr, &lv); c < nc; c++) {
        yajl_val v = yajl_tree_get(lv[c], (const char **)p_body, yajl_t_string);
        const char *str = v ? YAJL_GET_STRING(v) : NULL;
        if (str) serve_job_add(s, j, str, strlen(str));
      }
    }
  }
  yajl_tree_free(root);
  w->count = (size_t)j->events;
  submit(s, req, j, w);
}

static void h_es_version(struct evhttp_request *req) {
  reply_json(req, 200,
             "{\"name\":\"faultline\",\"cluster_name\":\"faultline\",\"cluster_uuid\":"
             "\"faultline\",\"version\":{\"number\":\"8.11.0\",\"build_flavor\":\"default\","
             "\"build_type\":\"deb\",\"lucene_version\":\"9.8.0\",\"minimum_wire_compatibility_version\":"
             "\"7.17.0\",\"minimum_index_compatibility_version\":\"7.0.0\"},"
             "\"tagline\":\"You Know, for Search\"}");
}

static void h_license(struct evhttp_request *req) {
  reply_json(req, 200, "{\"license\":{\"status\":\"active\",\"uid\":\"faultline\","
                       "\"type\":\"basic\",\"mode\":\"basic\"}}");
}

static void h_metrics(fl_serve *s, struct evhttp_request *req) {
  fl_buf b = {0};
  serve_metrics_text(s, &b);
  if (b.failed) reply_json(req, 503, "{\"error\":\"out of memory\"}");
  else reply(req, 200, "text/plain; version=0.0.4", b.p, b.len);
  fl_buf_free(&b);
}

static void h_page(fl_serve *s, struct evhttp_request *req) {
  fl_buf b = {0};
  serve_page_html(s, &b);
  if (b.failed) reply_json(req, 503, "{\"error\":\"out of memory\"}");
  else reply(req, 200, "text/html; charset=utf-8", b.p, b.len);
  fl_buf_free(&b);
}

/* ---- routing ---- */

typedef enum route_id {
  R_HEALTH, R_METRICS, R_LICENSE, R_BULK, R_INGEST, R_OTLP, R_ROOT, R_SETUP
} route_id;

/* path match: exact, or a suffix after an index name ("/idx/_bulk"). */
static const struct {
  const char *path;
  int suffix;
  unsigned methods;
  route_id id;
} routes[] = {
    {"/healthz", 0, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, R_HEALTH},
    {"/metrics", 0, EVHTTP_REQ_GET, R_METRICS},
    {"/_license", 0, EVHTTP_REQ_GET, R_LICENSE},
    {"/_bulk", 1, EVHTTP_REQ_POST | EVHTTP_REQ_PUT, R_BULK},
    {"/ingest", 0, EVHTTP_REQ_POST | EVHTTP_REQ_PUT, R_INGEST},
    {"/v1/logs", 0, EVHTTP_REQ_POST, R_OTLP},
    {"/", 0, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, R_ROOT},
};

static int route_of(const char *path, unsigned method, route_id *out) {
  size_t pl = strlen(path);
  for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
    size_t rl = strlen(routes[i].path);
    int hit = strcmp(path, routes[i].path) == 0 ||
              (routes[i].suffix && pl > rl && strcmp(path + pl - rl, routes[i].path) == 0);
    if (!hit) continue;
    if (!(routes[i].methods & method)) return -1;
    *out = routes[i].id;
    return 0;
  }
  /* Beats' setup calls: templates, ILM policies, pipelines, data streams,
  ** aliases (/_index_template/x, /_ilm/policy/x, /x/_alias/...): taken */
  if (strstr(path, "/_")) {
    *out = R_SETUP;
    return 0;
  }
  return 1;
}

static int authorised(const fl_serve *s, struct evhttp_request *req) {
  const char *tok = s->opt.token;
  if (!tok || !tok[0]) return 1;
  const char *h = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
  if (!h || strncmp(h, "Bearer ", 7) != 0) return 0;
  h += 7;
  size_t a = strlen(h), b = strlen(tok);
  unsigned diff = (unsigned)(a ^ b);
  for (size_t i = 0; i < a && i < b; i++) diff |= (unsigned)(h[i] ^ tok[i]);
  return diff == 0;
}

static int wants_html(struct evhttp_request *req) {
  const char *a = evhttp_find_header(evhttp_request_get_input_headers(req), "Accept");
  return a && strstr(a, "text/html");
}

static void on_request(struct evhttp_request *req, void *arg) {
  serve_listener *l = arg;
  fl_serve *s = l->srv;
  const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
  const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
  if (!path || !path[0]) path = "/";
  route_id r;
  int m = route_of(path, (unsigned)evhttp_request_get_command(req), &r);
  if (m > 0) {
    reply_json(req, 404, "{\"error\":\"no such endpoint\",\"status\":404}");
    return;
  }
  if (m < 0) {
    reply_json(req, 405, "{\"error\":\"method not allowed\",\"status\":405}");
    return;
  }
  if (r != R_HEALTH && !authorised(s, req)) {
    evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate", "Bearer");
    reply_json(req, 401, "{\"error\":\"a bearer token is required\",\"status\":401}");
    return;
  }
  switch (r) {
    case R_HEALTH:
      reply(req, s->draining ? 503 : 200, "text/plain", s->draining ? "draining\n" : "ok\n",
            s->draining ? 9 : 3);
      return;
    case R_METRICS: h_metrics(s, req); return;
    case R_LICENSE: h_license(req); return;
    case R_ROOT:
      if (wants_html(req)) h_page(s, req);
      else h_es_version(req);
      return;
    case R_SETUP: reply_json(req, 200, "{\"acknowledged\":true}"); return;
    case R_BULK:
    case R_INGEST:
    case R_OTLP: break;
  }
  serve_count(s, SM_http_requests, 1);
  if (s->draining || serve_full(s)) {
    serve_count(s, SM_http_rejected_full, 1);
    reply_full(req);
    return;
  }
  size_t len;
  char *tofree;
  const char *why = NULL;
  const char *body = body_of(req, &len, &tofree, &why);
  if (!body) {
    char msg[128];
    snprintf(msg, sizeof msg, "{\"error\":\"%s\",\"status\":400}", why);
    reply_json(req, 400, msg);
    return;
  }
  if (r == R_BULK) h_bulk(s, req, body, len);
  else if (r == R_OTLP) h_otlp(s, req, body, len);
  else h_ingest(s, req, body, len);
  free(tofree);
}

static struct bufferevent *https_bev(struct event_base *base, void *arg) {
  (void)base;
  return serve_tls_bev(arg, -1);
}

fl_status serve_http_bind(fl_serve *s, serve_listener *l, struct evconnlistener *lev,
                          fl_error *err) {
  l->http = evhttp_new(s->base);
  if (!l->http) return fl_error_at(err, FL_ENOMEM, l->spec, 0, "cannot start HTTP");
  evhttp_set_max_body_size(l->http, HTTP_MAX_BODY);
  evhttp_set_timeout(l->http, (int)s->opt.idle_timeout);
  evhttp_set_allowed_methods(l->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
                                          EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE);
  evhttp_set_gencb(l->http, on_request, l);
  if (l->tls) evhttp_set_bevcb(l->http, https_bev, s);
  l->bound = evhttp_bind_listener(l->http, lev);
  if (!l->bound) return fl_error_at(err, FL_EIO, l->spec, 0, "cannot serve HTTP");
  return FL_OK;
}

void serve_http_stop_accepting(serve_listener *l) {
  if (l->bound) evconnlistener_disable(evhttp_bound_socket_get_listener(l->bound));
}

void serve_http_free(serve_listener *l) {
  if (l->http) evhttp_free(l->http);
  l->http = NULL;
  l->bound = NULL;
}
