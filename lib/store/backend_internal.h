/*
** The store backend interface inside lib/store: each backend is a table of
** operations (store_backend_ops) named by a row of store_backends.def;
** store_backend.c dispatches fl_store_backend_* through it.
**
** Must never: hold backend state here (each backend keeps its own behind
** `self`), or let a backend print (notes go through the note callback).
*/
#ifndef FL_STORE_BACKEND_INTERNAL_H
#define FL_STORE_BACKEND_INTERNAL_H

#include "faultline/store_backend.h"

typedef struct store_backend_ops {
  fl_status (*open)(const char *spec, const fl_store_backend_options *opt,
                    void **self, fl_error *err);
  void (*close)(void *self);
  fl_store *(*sqlite)(void *self);
  fl_pipeline_sink (*sink)(void *self);
  void (*last)(const void *self, fl_store_ingest_stats *out);
  fl_status (*last_status)(const void *self);
  fl_status (*flush)(void *self, uint64_t *spooled, fl_error *err);
  fl_status (*each_source)(void *self, fl_store_source_fn fn, void *user,
                           fl_error *err);
  fl_status (*each_typed)(void *self, const fl_store_filter *f,
                          fl_store_typed_fn fn, void *user, uint64_t *rows,
                          fl_error *err);
  fl_status (*prune)(void *self, uint64_t before, uint64_t *removed,
                     fl_error *err);
  fl_status (*sql)(void *self, const char *sql, fl_store_format fmt,
                   uint64_t limit, uint64_t timeout_ms, FILE *out,
                   uint64_t *rows, fl_error *err);
} store_backend_ops;

#define FL_STORE_BACKEND(name, prefix, ops, form, description) \
  extern const store_backend_ops ops;
#include "store/store_backends.def"
#undef FL_STORE_BACKEND

#endif
