/*
** The store backend registry and dispatch (faultline/store_backend.h), and
** the SQLite backend: a thin wrapper over fl_store and the pipeline's store
** sink, so `--store PATH` does exactly what `--db PATH` always did.
**
** Must never: change how the SQLite store behaves, or pick a backend other
** than by the registry's URL prefixes (store_backends.def).
*/
#include <stdlib.h>
#include <string.h>

#include "common/fl_error.h"
#include "store/backend_internal.h"

typedef struct backend_row {
  const char *name, *prefix;
  const store_backend_ops *ops;
  const char *form, *description;
} backend_row;

static const backend_row backends[] = {
#define FL_STORE_BACKEND(name, prefix, ops, form, description) \
  {name, prefix, &ops, form, description},
#include "store/store_backends.def"
#undef FL_STORE_BACKEND
};
#define BACKEND_COUNT (sizeof backends / sizeof *backends)

struct fl_store_backend {
  const backend_row *row;
  void *self;
};

static const backend_row *row_for(const char *spec) {
  for (size_t i = 0; i < BACKEND_COUNT; i++) {
    size_t n = strlen(backends[i].prefix);
    if (spec && strncmp(spec, backends[i].prefix, n) == 0) return &backends[i];
  }
  return &backends[BACKEND_COUNT - 1];
}

const char *fl_store_backend_kind(const char *spec) { return row_for(spec)->name; }
size_t fl_store_backend_count(void) { return BACKEND_COUNT; }
const char *fl_store_backend_name_at(size_t i) {
  return i < BACKEND_COUNT ? backends[i].name : NULL;
}
const char *fl_store_backend_form_at(size_t i) {
  return i < BACKEND_COUNT ? backends[i].form : NULL;
}
const char *fl_store_backend_description_at(size_t i) {
  return i < BACKEND_COUNT ? backends[i].description : NULL;
}

fl_status fl_store_backend_open(const char *spec,
                                const fl_store_backend_options *opt,
                                fl_store_backend **out, fl_error *err) {
  *out = NULL;
  fl_store_backend_options none;
  memset(&none, 0, sizeof none);
  fl_store_backend *b = calloc(1, sizeof *b);
  if (!b) return fl_error_at(err, FL_ENOMEM, "", 0, "out of memory");
  b->row = row_for(spec);
  fl_status st = b->row->ops->open(spec, opt ? opt : &none, &b->self, err);
  if (st != FL_OK) {
    free(b);
    return st;
  }
  *out = b;
  return FL_OK;
}

void fl_store_backend_close(fl_store_backend *b) {
  if (!b) return;
  b->row->ops->close(b->self);
  free(b);
}

const char *fl_store_backend_name(const fl_store_backend *b) { return b->row->name; }

fl_store *fl_store_backend_sqlite(fl_store_backend *b) {
  return b->row->ops->sqlite ? b->row->ops->sqlite(b->self) : NULL;
}

fl_pipeline_sink fl_store_backend_sink(fl_store_backend *b) {
  return b->row->ops->sink(b->self);
}

void fl_store_backend_last(const fl_store_backend *b, fl_store_ingest_stats *out) {
  b->row->ops->last(b->self, out);
}

fl_status fl_store_backend_last_status(const fl_store_backend *b) {
  return b->row->ops->last_status(b->self);
}

fl_status fl_store_backend_flush(fl_store_backend *b, uint64_t *spooled,
                                 fl_error *err) {
  if (spooled) *spooled = 0;
  return b->row->ops->flush ? b->row->ops->flush(b->self, spooled, err) : FL_OK;
}

fl_status fl_store_backend_each_source(fl_store_backend *b, fl_store_source_fn fn,
                                       void *user, fl_error *err) {
  return b->row->ops->each_source(b->self, fn, user, err);
}

fl_status fl_store_backend_each_typed(fl_store_backend *b, const fl_store_filter *f,
                                      fl_store_typed_fn fn, void *user,
                                      uint64_t *rows, fl_error *err) {
  return b->row->ops->each_typed(b->self, f, fn, user, rows, err);
}

fl_status fl_store_backend_prune(fl_store_backend *b, uint64_t before,
                                 uint64_t *removed, fl_error *err) {
  return b->row->ops->prune(b->self, before, removed, err);
}

fl_status fl_store_backend_sql(fl_store_backend *b, const char *sql, fl_store_format fmt,
                               uint64_t limit, uint64_t timeout_ms, FILE *out,
                               uint64_t *rows, fl_error *err) {
  return b->row->ops->sql(b->self, sql, fmt, limit, timeout_ms, out, rows, err);
}

/* ---- SQLite: fl_store + the pipeline's store sink ---------------------- */

typedef struct sqlite_backend {
  fl_store *store;
  fl_pipeline_store sink;
} sqlite_backend;

static fl_status sq_open(const char *spec, const fl_store_backend_options *opt,
                         void **self, fl_error *err) {
  sqlite_backend *s = calloc(1, sizeof *s);
  if (!s) return fl_error_at(err, FL_ENOMEM, "", 0, "out of memory");
  fl_status st = fl_store_open(spec, opt->flags, &s->store, err);
  if (st != FL_OK) {
    free(s);
    return st;
  }
  s->sink.store = s->store;
  s->sink.batch_rows = opt->batch_rows;
  *self = s;
  return FL_OK;
}

static void sq_close(void *self) {
  sqlite_backend *s = self;
  fl_store_close(s->store);
  free(s);
}

static fl_store *sq_sqlite(void *self) { return ((sqlite_backend *)self)->store; }

static fl_pipeline_sink sq_sink(void *self) {
  return fl_pipeline_store_sink(&((sqlite_backend *)self)->sink);
}

static void sq_last(const void *self, fl_store_ingest_stats *out) {
  *out = ((const sqlite_backend *)self)->sink.last;
}

static fl_status sq_last_status(const void *self) {
  return ((const sqlite_backend *)self)->sink.last_status;
}

static fl_status sq_each_source(void *self, fl_store_source_fn fn, void *user,
                                fl_error *err) {
  return fl_store_each_source(((sqlite_backend *)self)->store, fn, user, err);
}

static fl_status sq_each_typed(void *self, const fl_store_filter *f,
                               fl_store_typed_fn fn, void *user, uint64_t *rows,
                               fl_error *err) {
  return fl_store_each_typed(((sqlite_backend *)self)->store, f, fn, user, rows, err);
}

static fl_status sq_prune(void *self, uint64_t before, uint64_t *removed,
                          fl_error *err) {
  return fl_store_prune(((sqlite_backend *)self)->store, before, removed, err);
}

static fl_status sq_sql(void *self, const char *sql, fl_store_format fmt, uint64_t limit,
                       uint64_t timeout_ms, FILE *out, uint64_t *rows, fl_error *err) {
  fl_store *s = ((sqlite_backend *)self)->store;
  fl_store_set_sql_timeout(s, timeout_ms);
  return fl_store_sql(s, sql, fmt, limit, out, rows, err);
}

const store_backend_ops store_sqlite_ops = {
    sq_open, sq_close, sq_sqlite, sq_sink, sq_last, sq_last_status, NULL,
    sq_each_source, sq_each_typed, sq_prune, sq_sql};
