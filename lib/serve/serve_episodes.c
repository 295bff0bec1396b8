/*
** The diagnosis of the live feed: the writer thread's pipeline hands every
** typed event (right after the store sink took it) to one incremental
** fl_diag; its open/update/close callbacks keep a bounded table of the
** episodes open now, which the live page and /metrics show, and alerts
** hear of them. An event is seen here before its commit: when a commit
** fails the senders send again and the live counts see those events twice
** (the store keeps each once).
**
** Must never: keep a pointer into an episode snapshot past the callback, or
** write episode text unescaped (it comes from events).
*/
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "common/fl_text.h"
#include "serve/serve_http.h"

enum { EPISODES_MAX = 1024 }; /* open episodes shown; the oldest go first */

typedef struct serve_ep {
  uint64_t id, count, first_seen, last_seen;
  int finding;
  double confidence;
  char cause[64], title[160], host[128], peer[128];
} serve_ep;

struct serve_episodes {
  pthread_mutex_t lock; /* the table: writer thread writes, loop reads */
  fl_diag *diag;        /* writer thread only */
  serve_ep v[EPISODES_MAX];
  size_t n;
  fl_alert *alert;      /* set before the writer runs, cleared after */
};

void serve_episodes_set_alert(serve_episodes *e, fl_alert *a) {
  if (e) e->alert = a;
}

static void copy(char *dst, size_t cap, const char *src) {
  snprintf(dst, cap, "%s", src ? src : "");
}

static void on_episode(fl_episode_change what, const fl_episode *ep, void *user) {
  serve_episodes *e = user;
  fl_alert_episode(e->alert, what, ep);
  pthread_mutex_lock(&e->lock);
  size_t i = 0;
  while (i < e->n && e->v[i].id != ep->id) i++;
  if (what == FL_EPISODE_CLOSED) {
    if (i < e->n) memmove(&e->v[i], &e->v[i + 1], (e->n - i - 1) * sizeof e->v[0]);
    if (i < e->n) e->n--;
  } else {
    if (i == e->n) {
      if (e->n == EPISODES_MAX) {
        memmove(&e->v[0], &e->v[1], (EPISODES_MAX - 1) * sizeof e->v[0]);
        e->n--;
        i = e->n;
      }
      e->n++;
    }
    serve_ep *s = &e->v[i];
    s->id = ep->id;
    s->count = ep->count;
    s->first_seen = ep->first_seen;
    s->last_seen = ep->last_seen;
    s->finding = ep->finding && !ep->benign;
    s->confidence = ep->confidence;
    copy(s->cause, sizeof s->cause, ep->cause_id);
    copy(s->title, sizeof s->title, ep->cause_title);
    copy(s->host, sizeof s->host, ep->host);
    copy(s->peer, sizeof s->peer, ep->peer);
  }
  pthread_mutex_unlock(&e->lock);
}

serve_episodes *serve_episodes_new(void) {
  serve_episodes *e = calloc(1, sizeof *e);
  if (!e) return NULL;
  pthread_mutex_init(&e->lock, NULL);
  fl_diag_options o;
  memset(&o, 0, sizeof o);
  o.on_episode = on_episode;
  o.user = e;
  o.drop_closed = 1;
  fl_error err;
  if (fl_diag_new(&o, &e->diag, &err) != FL_OK) {
    pthread_mutex_destroy(&e->lock);
    free(e);
    return NULL;
  }
  return e;
}

void serve_episodes_free(serve_episodes *e) {
  if (!e) return;
  fl_diag_free(e->diag);
  pthread_mutex_destroy(&e->lock);
  free(e);
}

void serve_episodes_add(serve_episodes *e, const fl_typed_event *t) {
  if (!e) return;
  fl_error err; /* an event the engine cannot place changes no episode */
  fl_diag_add(e->diag, t, "serve", &err);
}

void serve_episodes_metrics(serve_episodes *e, fl_buf *out) {
  size_t open = 0, findings = 0;
  if (e) {
    pthread_mutex_lock(&e->lock);
    open = e->n;
    for (size_t i = 0; i < e->n; i++) findings += (size_t)e->v[i].finding;
    pthread_mutex_unlock(&e->lock);
  }
  char t[400];
  int n = snprintf(t, sizeof t,
                   "# HELP faultline_serve_episodes_open Episodes open now\n"
                   "# TYPE faultline_serve_episodes_open gauge\nfaultline_serve_episodes_open %zu\n"
                   "# HELP faultline_serve_findings_open Open episodes that are findings\n"
                   "# TYPE faultline_serve_findings_open gauge\nfaultline_serve_findings_open %zu\n",
                   open, findings);
  if (n > 0 && fl_buf_reserve(out, (size_t)n) == 0) {
    memcpy(out->p + out->len, t, (size_t)n);
    out->len += (size_t)n;
  }
}

static void cell(fl_buf *out, const char *s) {
  static const char td[] = "<td>", etd[] = "</td>";
  if (fl_buf_reserve(out, 4) == 0) {
    memcpy(out->p + out->len, td, 4);
    out->len += 4;
  }
  fl_text_html(out, s, strlen(s));
  if (fl_buf_reserve(out, 5) == 0) {
    memcpy(out->p + out->len, etd, 5);
    out->len += 5;
  }
}

void serve_episodes_html(serve_episodes *e, fl_buf *out) {
  static const char head[] = "<h2>Episodes open now</h2><table><tr><th>cause</th><th>what</th>"
                             "<th>host</th><th>peer</th><th>failures</th><th>finding</th></tr>";
  if (fl_buf_reserve(out, sizeof head) == 0) {
    memcpy(out->p + out->len, head, sizeof head - 1);
    out->len += sizeof head - 1;
  }
  if (e) {
    pthread_mutex_lock(&e->lock);
    for (size_t i = e->n; i-- > 0;) { /* newest first */
      const serve_ep *s = &e->v[i];
      char num[32];
      if (fl_buf_reserve(out, 4) == 0) {
        memcpy(out->p + out->len, "<tr>", 4);
        out->len += 4;
      }
      cell(out, s->cause);
      cell(out, s->title);
      cell(out, s->host);
      cell(out, s->peer);
      snprintf(num, sizeof num, "%llu", (unsigned long long)s->count);
      cell(out, num);
      cell(out, s->finding ? "yes" : "no");
      if (fl_buf_reserve(out, 5) == 0) {
        memcpy(out->p + out->len, "</tr>", 5);
        out->len += 5;
      }
    }
    pthread_mutex_unlock(&e->lock);
  }
  if (fl_buf_reserve(out, 8) == 0) {
    memcpy(out->p + out->len, "</table>", 8);
    out->len += 8;
  }
}
