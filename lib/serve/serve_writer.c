/*
** The writer thread of `faultline serve`: the only thread that touches the
** store. It takes every job queued since its last commit (group commit) and
** pushes their JSON lines and event XML into one stream of the library's
** ingest pipeline (one source row per run, same keys as file ingest, each
** event once) whose sinks are the store backend (SQLite or ClickHouse) and
** the live diagnosis; it hands the jobs back to the loop thread only after
** the pipeline's commit, so nothing is acknowledged before it is durable.
**
** Must never: acknowledge a job whose commit failed, block the loop thread
** on the store, parse a payload twice, or hold the queue lock while parsing
** or writing.
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

/* ---- the live sink: counts and the diagnosis ---- */
static fl_status live_begin(void *self, const fl_pipeline_source *src, int *have,
                            fl_error *err) {
  (void)self, (void)src, (void)err;
  *have = 0;
  return FL_OK;
}

static fl_status live_event(void *self, const fl_pipeline_source *src,
                            const fl_evtx_event *rec, const fl_typed_event *t,
                            fl_error *err) {
  fl_serve *s = self;
  (void)src, (void)rec, (void)err;
  s->group_in_scope++;
  serve_episodes_add(s->episodes, t);
  return FL_OK;
}

static fl_status live_end(void *self, const fl_pipeline_source *src, fl_status read,
                          const fl_pipeline_stats *st, fl_error *err) {
  (void)self, (void)src, (void)read, (void)st, (void)err;
  return FL_OK;
}

static void on_note(const char *message, void *user) {
  serve_log(user, FL_SERVE_WARN, "event=store_note msg=\"%.300s\"", message);
}

fl_status serve_writer_open(fl_serve *s, fl_error *err) {
  fl_store_backend_options bo;
  memset(&bo, 0, sizeof bo);
  bo.on_note = on_note;
  bo.user = s;
  const char *spec = s->opt.store ? s->opt.store : s->opt.db_path;
  fl_status st = fl_store_backend_open(spec, &bo, &s->backend, err);
  if (st != FL_OK) return st;
  if (!(s->episodes = serve_episodes_new()))
    return fl_error_at(err, FL_ENOMEM, "serve", 0, "cannot start the diagnosis");
  fl_pipeline_options po;
  memset(&po, 0, sizeof po);
  po.on_diag = on_diag;
  po.user = s;
  st = fl_pipeline_new(&po, &s->pipe, err);
  fl_pipeline_sink store = fl_store_backend_sink(s->backend);
  fl_pipeline_sink live = {s, NULL, live_begin, live_event, live_end, NULL};
  if (st == FL_OK) st = fl_pipeline_add_sink(s->pipe, &store, err);
  if (st == FL_OK) st = fl_pipeline_add_sink(s->pipe, &live, err);
  return st;
}

void serve_writer_close(fl_serve *s) {
  if (s->pipe) {
    fl_error err;
    fl_error_clear(&err);
    if (fl_pipeline_end_stream(s->pipe, &err) != FL_OK) {
      char msg[600];
      fl_error_format(&err, msg, sizeof msg);
      serve_log(s, FL_SERVE_ERROR, "event=stream_end_failed msg=\"%s\"", msg);
    }
    fl_pipeline_free(s->pipe);
    s->pipe = NULL;
  }
  if (s->backend) fl_store_backend_close(s->backend);
  s->backend = NULL;
}

/* SQLite tells new rows from ones it had; other backends store them all. */
static void count_stored(fl_serve *s) {
  fl_store *sq = fl_store_backend_sqlite(s->backend);
  if (!sq) {
    serve_count(s, SM_events_inserted, s->group_in_scope);
    return;
  }
  fl_store_ingest_stats c;
  fl_store_source_counts(sq, &c);
  if (c.inserted < s->seen_inserted || c.duplicates < s->seen_duplicates)
    s->seen_inserted = s->seen_duplicates = 0; /* a new source began */
  serve_count(s, SM_events_inserted, c.inserted - s->seen_inserted);
  serve_count(s, SM_events_duplicate, c.duplicates - s->seen_duplicates);
  s->seen_inserted = c.inserted;
  s->seen_duplicates = c.duplicates;
}

/* Pushes one buffer of a group. FL_EINPUT (no reader recognises it) is not
** a failure of the store: the bytes were not events. */
static fl_status push_buffer(fl_serve *s, const fl_buf *b, int xml) {
  if (!b->len) return FL_OK;
  fl_error err;
  fl_error_clear(&err);
  fl_status r = fl_pipeline_push(s->pipe, "serve", xml ? FL_INPUT_EVENT_XML : FL_INPUT_JSON,
                                 b->p, b->len, NULL, &err);
  if (r == FL_OK || r == FL_EPARTIAL) return FL_OK;
  char msg[600];
  fl_error_format(&err, msg, sizeof msg);
  if (r == FL_EINPUT) {
    serve_count(s, SM_reader_errors, 1);
    serve_log(s, FL_SERVE_WARN, "event=rejected source=serve:%s msg=\"%s\"",
              xml ? "xml" : "json", msg);
    return FL_OK;
  }
  serve_log(s, FL_SERVE_ERROR, "event=commit_failed source=serve:%s msg=\"%s\"",
            xml ? "xml" : "json", msg);
  return FL_EIO;
}

static fl_status commit_group(fl_serve *s) {
  fl_error err;
  fl_error_clear(&err);
  fl_status r = fl_pipeline_commit(s->pipe, NULL, &err);
  if (r == FL_OK) return FL_OK;
  char msg[600];
  fl_error_format(&err, msg, sizeof msg);
  serve_log(s, FL_SERVE_ERROR, "event=commit_failed msg=\"%s\"", msg);
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
    s->group_in_scope = 0;
    for (int xml = 0; xml < 2 && st == FL_OK; xml++) {
      gather(&group, jobs, xml);
      if (group.failed) {
        st = FL_ENOMEM;
        group.failed = 0;
        serve_log(s, FL_SERVE_ERROR, "event=commit_failed msg=\"out of memory\"");
      } else {
        st = push_buffer(s, &group, xml);
      }
    }
    if (st == FL_OK) st = commit_group(s);
    serve_count(s, SM_events_in_scope, s->group_in_scope);
    if (st == FL_OK) {
      serve_count(s, SM_commits, 1);
      count_stored(s);
    } else { /* drop what is not durable; the senders send again */
      serve_count(s, SM_commit_failures, 1);
      fl_pipeline_abort_stream(s->pipe);
      s->seen_inserted = s->seen_duplicates = 0;
    }
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
