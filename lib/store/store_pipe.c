/*
** The store's writer thread: records are typed, rendered to JSON and copied
** into batches by the caller (the reader's thread), and a second thread
** binds and inserts them into SQLite. On two cores the reading, typing and
** rendering overlap the SQLite work instead of adding to it (docs/store.md,
** "Pipeline").
**
** Must never: let two threads use the SQLite connection at once (the
** caller's thread touches it only when the writer is stopped:
** store_pipe_stop joins it), keep a pointer into a record after
** store_pipe_queue returns (every string is copied into the batch), hold
** more than PIPE_BATCHES batches (the producer waits: memory stays bounded
** whatever the input size), or lose the writer's first error.
*/
#define _GNU_SOURCE /* pthread_setname_np: the thread shows in top and perf */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

enum {
  PIPE_BATCHES = 4,            /* filling + queued + being written */
  PIPE_ROWS = 2048,            /* rows per batch */
  PIPE_TEXT = 2u << 20         /* or this many bytes of copied text */
};

/* Every string member of fl_typed_event: interned (stable: a
** STORE_STABLE_* field) or copied into the batch (-1), because the record
** it points into is gone when the writer binds it. A string member missing
** here would dangle (ASan in the test build catches it). */
static const struct {
  size_t off;
  int stable;
} typed_strings[] = {
    {offsetof(fl_typed_event, host), STORE_STABLE_HOST},
    {offsetof(fl_typed_event, channel), STORE_STABLE_CHANNEL},
    {offsetof(fl_typed_event, provider), STORE_STABLE_PROVIDER},
    {offsetof(fl_typed_event, error_text), STORE_STABLE_ERROR_TEXT},
    {offsetof(fl_typed_event, error_raw), -1},
    {offsetof(fl_typed_event, state_text), STORE_STABLE_STATE_TEXT},
    {offsetof(fl_typed_event, local_address), STORE_STABLE_LOCAL_ADDRESS},
    {offsetof(fl_typed_event, remote_address), -1},
    {offsetof(fl_typed_event, local_principal), -1},
    {offsetof(fl_typed_event, remote_principal), -1},
    {offsetof(fl_typed_event, initiator_cookie), -1},
    {offsetof(fl_typed_event, responder_cookie), -1},
    {offsetof(fl_typed_event, cert_hash), -1},
    {offsetof(fl_typed_event, policy), -1},
    {offsetof(fl_typed_event, iscsi_target), -1},
};
#define TYPED_STRING_COUNT (sizeof typed_strings / sizeof *typed_strings)

static fl_evtx_str *typed_string(store_row *r, size_t i) {
  return (fl_evtx_str *)((char *)&r->t + typed_strings[i].off);
}

struct store_batch {
  store_row *rows;
  size_t count, cap;
  store_buf text;              /* copied strings and JSON of these rows */
  store_batch *next;
};

static void batch_free(store_batch *b) {
  if (!b) return;
  free(b->rows);
  fl_buf_free(&b->text);
  free(b);
}

/* Writer side: string offsets (+1; 0 = NULL) become pointers into text,
** which no longer grows; interned strings are pointers already. */
static void row_rebase(store_row *r, const char *base) {
  for (size_t i = 0; i < TYPED_STRING_COUNT; i++) {
    int k = typed_strings[i].stable;
    if (k >= 0 && (r->stable & (1u << k))) continue;
    fl_evtx_str *s = typed_string(r, i);
    s->ptr = s->ptr ? base + ((uintptr_t)s->ptr - 1) : NULL;
  }
}

static void *writer_main(void *arg) {
  fl_store *s = arg;
  store_pipe *p = &s->pipe;
  for (;;) {
    pthread_mutex_lock(&p->mu);
    while (!p->work && !p->stop) pthread_cond_wait(&p->cv_work, &p->mu);
    store_batch *b = p->work;
    if (!b) { /* stop asked and nothing left */
      pthread_mutex_unlock(&p->mu);
      return NULL;
    }
    p->work = b->next;
    if (!p->work) p->work_tail = NULL;
    int failed = p->failed != FL_OK;
    pthread_mutex_unlock(&p->mu);
    fl_error err;
    fl_status st = FL_OK;
    if (!failed) {
      for (size_t i = 0; i < b->count; i++) row_rebase(&b->rows[i], b->text.p);
      st = store_write_rows(s, b->rows, b->count, b->text.p, &err);
    }
    b->count = 0;
    b->text.len = 0;
    pthread_mutex_lock(&p->mu);
    if (st != FL_OK && p->failed == FL_OK) {
      p->failed = st;
      p->err = err;
    }
    b->next = p->free;
    p->free = b;
    atomic_store(&p->saved_inserted, s->saved.inserted);
    pthread_cond_broadcast(&p->cv_free);
    pthread_mutex_unlock(&p->mu);
  }
}

/* Producer side: a batch to fill, waiting for the writer when all are in
** use. NULL when out of memory. */
static store_batch *batch_get(store_pipe *p) {
  pthread_mutex_lock(&p->mu);
  while (!p->free && p->batches >= PIPE_BATCHES && p->failed == FL_OK)
    pthread_cond_wait(&p->cv_free, &p->mu);
  store_batch *b = p->free;
  if (b) p->free = b->next;
  else if (p->failed == FL_OK) p->batches++;
  pthread_mutex_unlock(&p->mu);
  if (b || p->failed != FL_OK) return b;
  b = calloc(1, sizeof *b);
  if (b) b->rows = malloc(PIPE_ROWS * sizeof *b->rows);
  if (!b || !b->rows) {
    batch_free(b);
    pthread_mutex_lock(&p->mu);
    p->batches--;
    pthread_mutex_unlock(&p->mu);
    return NULL;
  }
  b->cap = PIPE_ROWS;
  return b;
}

static void batch_submit(store_pipe *p, store_batch *b) {
  pthread_mutex_lock(&p->mu);
  b->next = NULL;
  if (p->work_tail) p->work_tail->next = b;
  else p->work = b;
  p->work_tail = b;
  pthread_cond_signal(&p->cv_work);
  pthread_mutex_unlock(&p->mu);
}

void store_pipe_init(store_pipe *p) {
  memset(p, 0, sizeof *p);
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv_work, NULL);
  pthread_cond_init(&p->cv_free, NULL);
  p->failed = FL_OK;
}

/* The writer's first error, if any, into err. */
static fl_status pipe_failed(store_pipe *p, fl_error *err) {
  pthread_mutex_lock(&p->mu);
  fl_status st = p->failed;
  if (st != FL_OK && err) *err = p->err;
  pthread_mutex_unlock(&p->mu);
  return st;
}

static fl_status pipe_start(fl_store *s, fl_error *err) {
  store_pipe *p = &s->pipe;
  if (p->running) return FL_OK;
  p->stop = 0;
  p->failed = FL_OK;
  atomic_store(&p->saved_inserted, s->saved.inserted);
  if (pthread_create(&p->thread, NULL, writer_main, s) != 0)
    return fl_error_at(err, FL_ENOMEM, s->path, 0,
                       "cannot start the store's writer thread");
  pthread_setname_np(p->thread, "fl-store-writer");
  p->running = 1;
  return FL_OK;
}

fl_status store_pipe_stop(fl_store *s, fl_error *err) {
  store_pipe *p = &s->pipe;
  if (p->filling) {
    store_batch *b = p->filling;
    p->filling = NULL;
    if (b->count && p->running) batch_submit(p, b);
    else batch_free(b), p->batches--;
  }
  if (p->running) {
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_signal(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    p->running = 0;
  }
  fl_status st = pipe_failed(p, err);
  p->failed = FL_OK;
  return st;
}

void store_pipe_free(store_pipe *p) {
  for (store_batch *b = p->free, *n; b; b = n) {
    n = b->next;
    batch_free(b);
  }
  for (store_batch *b = p->work, *n; b; b = n) {
    n = b->next;
    batch_free(b);
  }
  batch_free(p->filling);
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->cv_work);
  pthread_cond_destroy(&p->cv_free);
}

uint64_t store_pipe_saved_inserted(const fl_store *s) {
  return s->pipe.running ? atomic_load(&s->pipe.saved_inserted)
                         : s->saved.inserted;
}

/* Copies a string into the batch; the row keeps its offset + 1. */
static void copy_str(store_buf *text, fl_evtx_str *v) {
  if (!v->ptr) return;
  size_t off = text->len;
  store_buf_put(text, v->ptr, v->len);
  v->ptr = (const char *)(uintptr_t)(off + 1);
}

fl_status store_pipe_queue(fl_store *s, const fl_evtx_event *r,
                           const fl_typed_event *t, fl_error *err) {
  store_pipe *p = &s->pipe;
  fl_status st = pipe_start(s, err);
  if (st != FL_OK) return st;
  /* a writer error is seen when the next batch is needed (batch_get), not
  ** under the lock for every row */
  store_batch *b = p->filling;
  if (!b && !(b = p->filling = batch_get(p)))
    return pipe_failed(p, err) != FL_OK
               ? p->failed
               : fl_error_at(err, FL_ENOMEM, s->path, 0, "out of memory");
  store_row *row = &b->rows[b->count];
  store_row_fill(s, row, r, t, &b->text);
  row->stable = 0;
  for (size_t i = 0; i < TYPED_STRING_COUNT; i++) {
    fl_evtx_str *v = typed_string(row, i);
    int k = typed_strings[i].stable;
    const char *kept = k >= 0 ? store_intern_str(s->intern, k, *v) : NULL;
    if (kept) {
      v->ptr = kept;
      row->stable |= 1u << k;
    } else {
      copy_str(&b->text, v);
    }
  }
  if (b->text.failed)
    return fl_error_at(err, FL_ENOMEM, s->path, r->file_offset, "out of memory");
  p->queued++;
  if (++b->count == b->cap || b->text.len >= PIPE_TEXT) {
    p->filling = NULL;
    batch_submit(p, b);
  }
  return FL_OK;
}
