/*
** The writer thread of `faultline serve`: the only thread that touches the
** store. It takes every job queued since its last commit (group commit),
** has the library's readers parse their JSON lines and event XML, stores
** them through the same ingest as files (same keys, each event once), and
** hands the jobs back to the loop thread only after the commit, so nothing
** is acknowledged before it is durable.
**
** Must never: acknowledge a job whose commit failed, block the loop thread
** on SQLite, or hold the queue lock while parsing or writing.
*/
#include <stdlib.h>
#include <string.h>

#include "serve/serve_internal.h"

serve_job *serve_job_new(void) { return calloc(1, sizeof(serve_job)); }

void serve_job_free(serve_job *j) {
  if (!j) return;
  fl_buf_free(&j->json);
  fl_buf_free(&j->xml);
  free(j);
}

static int put(fl_buf *b, const char *p, size_t n, int flatten) {
  if (fl_buf_reserve(b, n + 1)) return -1;
  char *o = b->p + b->len;
  memcpy(o, p, n);
  /* JSON lines: a newline outside a string is whitespace, and a raw one
  ** inside a string is invalid anyway, so a pretty document becomes a line */
  for (size_t i = 0; flatten && i < n; i++)
    if (o[i] == '\n' || o[i] == '\r') o[i] = ' ';
  o[n] = '\n';
  b->len += n + 1;
  return 0;
}

int serve_job_add(fl_serve *s, serve_job *j, const char *msg, size_t len) {
  const char *p;
  size_t n;
  fl_serve_payload_kind k = fl_serve_payload(msg, len, &p, &n);
  serve_count(s, SM_frames, 1);
  serve_count(s, SM_bytes, len);
  if (k == FL_SERVE_PAYLOAD_NONE) {
    serve_count(s, SM_frames_not_event, 1);
    return 0;
  }
  if (put(k == FL_SERVE_PAYLOAD_JSON ? &j->json : &j->xml, p, n,
          k == FL_SERVE_PAYLOAD_JSON))
    return -1;
  j->bytes += n + 1;
  j->events++;
  return 0;
}

int serve_full(const fl_serve *s) { return s->pending >= s->opt.max_pending; }

void serve_job_submit(fl_serve *s, serve_job *j, serve_job_done_fn done,
                      void *owner) {
  j->done = done;
  j->owner = owner;
  j->next = NULL;
  s->pending += j->bytes;
  s->jobs_out++;
  serve_gauge(s, SM_pending_bytes, s->pending);
  pthread_mutex_lock(&s->lock);
  *s->todo_tail = j;
  s->todo_tail = &j->next;
  pthread_cond_signal(&s->cond);
  pthread_mutex_unlock(&s->lock);
}

/* ---- writer thread ---- */

static void on_diag(const fl_evtx_diag *d, void *user) {
  fl_serve *s = user;
  if (d->severity != FL_EVTX_ERROR) return;
  serve_count(s, SM_reader_errors, 1);
  serve_log(s, FL_SERVE_DEBUG, "event=reader_error source=%s offset=%llu msg=\"%.120s\"",
            d->file, (unsigned long long)d->offset, d->message);
}

/* Stores one buffer of a group. FL_EINPUT (no reader recognises it) commits
** nothing and is not a failure of the store: the bytes were not events. */
static fl_status store_buffer(fl_serve *s, const fl_buf *b, const char *label) {
  if (!b->len) return FL_OK;
  fl_store_ingest_options o;
  memset(&o, 0, sizeof o);
  o.on_diag = on_diag;
  o.user = s;
  fl_store_ingest_stats st;
  fl_error err;
  fl_error_clear(&err);
  fl_status r = fl_store_ingest_memory(s->store, b->p, b->len, label, &o, &st, &err);
  serve_count(s, SM_events_in_scope, st.in_scope);
  serve_count(s, SM_events_inserted, st.inserted);
  serve_count(s, SM_events_duplicate, st.duplicates);
  if (r == FL_OK || r == FL_EPARTIAL) {
    serve_count(s, SM_commits, 1);
    return FL_OK;
  }
  char msg[600];
  fl_error_format(&err, msg, sizeof msg);
  if (r == FL_EINPUT) {
    serve_count(s, SM_reader_errors, 1);
    serve_log(s, FL_SERVE_WARN, "event=rejected source=%s msg=\"%s\"", label, msg);
    return FL_OK;
  }
  serve_count(s, SM_commit_failures, 1);
  serve_log(s, FL_SERVE_ERROR, "event=commit_failed source=%s msg=\"%s\"", label, msg);
  return FL_EIO;
}

static void gather(fl_buf *dst, serve_job *jobs, int xml) {
  dst->len = 0;
  for (serve_job *j = jobs; j; j = j->next) {
    const fl_buf *b = xml ? &j->xml : &j->json;
    if (b->len && fl_buf_reserve(dst, b->len) == 0) {
      memcpy(dst->p + dst->len, b->p, b->len);
      dst->len += b->len;
    }
  }
}

/* Takes the queued jobs, up to SERVE_GROUP_MAX bytes (at least one). */
static serve_job *take(fl_serve *s) {
  serve_job *head = s->todo, **tail = &s->todo;
  size_t bytes = 0;
  while (*tail && (bytes == 0 || bytes + (*tail)->bytes <= SERVE_GROUP_MAX)) {
    bytes += (*tail)->bytes;
    tail = &(*tail)->next;
  }
  s->todo = *tail;
  if (!s->todo) s->todo_tail = &s->todo;
  *tail = NULL;
  return head;
}

static void *writer_main(void *arg) {
  fl_serve *s = arg;
  fl_buf group = {0};
  for (;;) {
    pthread_mutex_lock(&s->lock);
    while (!s->todo && !s->writer_stop) pthread_cond_wait(&s->cond, &s->lock);
    if (!s->todo) {
      pthread_mutex_unlock(&s->lock);
      break;
    }
    serve_job *jobs = take(s);
    pthread_mutex_unlock(&s->lock);
    fl_status st = FL_OK;
    for (int xml = 0; xml < 2; xml++) {
      gather(&group, jobs, xml);
      if (group.failed) {
        st = FL_ENOMEM;
        group.failed = 0;
        break;
      }
      const char *label = xml ? "serve:xml" : "serve:json";
      if (store_buffer(s, &group, label) != FL_OK) st = FL_EIO;
      else serve_episodes_feed(s->episodes, group.p, group.len, label);
    }
    if (st == FL_ENOMEM) serve_log(s, FL_SERVE_ERROR, "event=commit_failed msg=\"out of memory\"");
    serve_job *last = jobs;
    for (serve_job *j = jobs; j; j = j->next) {
      j->status = st == FL_OK ? FL_OK : FL_EIO;
      last = j;
    }
    pthread_mutex_lock(&s->lock);
    *s->finished_tail = jobs; /* in order: ACKs of a stream go in order */
    s->finished_tail = &last->next;
    pthread_mutex_unlock(&s->lock);
    event_active(s->wake, EV_READ, 0);
  }
  fl_buf_free(&group);
  return NULL;
}

fl_status serve_writer_start(fl_serve *s, fl_error *err) {
  if (pthread_create(&s->writer, NULL, writer_main, s) != 0)
    return fl_error_at(err, FL_ENOMEM, "serve", 0, "cannot start the writer thread");
  s->writer_started = 1;
  return FL_OK;
}

void serve_writer_stop(fl_serve *s) {
  if (!s->writer_started) return;
  pthread_mutex_lock(&s->lock);
  s->writer_stop = 1;
  pthread_cond_signal(&s->cond);
  pthread_mutex_unlock(&s->lock);
  pthread_join(s->writer, NULL);
  s->writer_started = 0;
}

void serve_writer_reap(fl_serve *s) {
  pthread_mutex_lock(&s->lock);
  serve_job *j = s->finished;
  s->finished = NULL;
  s->finished_tail = &s->finished;
  pthread_mutex_unlock(&s->lock);
  while (j) {
    serve_job *next = j->next;
    s->pending -= j->bytes;
    s->jobs_out--;
    j->done(j, j->owner);
    serve_job_free(j);
    j = next;
  }
  serve_gauge(s, SM_pending_bytes, s->pending);
  if (!serve_full(s)) serve_resume_readers(s);
  if (s->draining) serve_check_drained(s);
}
