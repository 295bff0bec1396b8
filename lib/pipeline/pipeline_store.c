/*
** The store as a pipeline sink: a source row per source (resumed when an
** unfinished one of the same path and size exists), described with its
** format and reader flags, its events queued to the store's writer thread,
** committed in batches, and marked complete with counts and SHA-256 at the
** end — or abandoned (left 'ingesting' for a rerun) when the read failed.
** A file the store already holds complete (same size, SHA-256, reader
** flags) is recorded without a read. Also fl_store_ingest_file/_memory, the
** store's one-call ingest, which are this sink in a pipeline of its own.
**
** Must never: mark a source complete after a failed read or batch, or
** insert anything for a reused source.
*/
#include <string.h>

#include "faultline/pipeline.h"

/* A file seen before with the same path, size and identity needs no hash
** (its SHA-256 is the stored one); otherwise one of a size already stored
** complete is hashed before the read, to be recognised by content. */
static int store_wants_sha256(void *self, const fl_pipeline_source *src) {
  fl_pipeline_store *st = self;
  st->stat_sha256[0] = 0;
  if (src->stream) return 0;
  if (fl_store_source_stat_sha256(st->store, src->name, src->size, src->reader_flags,
                                  src->file_stat, st->stat_sha256))
    return 0;
  return fl_store_source_known(st->store, src->size, src->reader_flags);
}

static fl_status store_begin(void *self, const fl_pipeline_source *src,
                             int *have, fl_error *err) {
  fl_pipeline_store *st = self;
  memset(&st->last, 0, sizeof st->last);
  st->last_status = FL_OK;
  st->have = 0;
  st->unchanged = 0;
  const char *sha = src->sha256[0] ? src->sha256 : src->stream ? "" : st->stat_sha256;
  if (sha[0]) {
    fl_status r = fl_store_source_reuse(st->store, src->name, src->size, sha,
                                        src->reader_flags, &st->last, &st->have, err);
    st->last_status = r;
    *have = st->have;
    st->unchanged = st->have && !src->sha256[0];
    if (st->have && (r == FL_OK || r == FL_EPARTIAL)) {
      fl_error e;
      fl_error_clear(&e);
      fl_status n = fl_store_source_note_file(st->store, src->file_stat, &e);
      if (n != FL_OK) {
        *err = e;
        return n;
      }
    }
    if (st->have || r != FL_OK) return r;
  }
  fl_status r = fl_store_source_begin(st->store, src->name, src->size, st->batch_rows, err);
  if (r == FL_OK)
    r = fl_store_source_describe(st->store, src->format, !src->stream,
                                 src->reader_flags, err);
  if (r == FL_OK && !src->stream)
    r = fl_store_source_note_file(st->store, src->file_stat, err);
  return r;
}

static fl_status store_event(void *self, const fl_pipeline_source *src,
                             const fl_evtx_event *rec, const fl_typed_event *t,
                             fl_error *err) {
  (void)src;
  fl_pipeline_store *st = self;
  return fl_store_queue(st->store, rec, t, err);
}

static fl_status store_end(void *self, const fl_pipeline_source *src,
                           fl_status read, const fl_pipeline_stats *ps,
                           fl_error *err) {
  fl_pipeline_store *st = self;
  if (st->have) return FL_OK; /* reused: its row and counts are written */
  if (read != FL_OK && read != FL_EPARTIAL) {
    /* uncommitted rows go; the source stays 'ingesting' for a rerun */
    fl_store_source_abandon(st->store);
    fl_store_source_counts(st->store, &st->last);
    return FL_OK;
  }
  fl_store_ingest_stats counts;
  memset(&counts, 0, sizeof counts);
  fl_pipeline_stats_to_store(ps, &counts);
  fl_status r = fl_store_source_finish(st->store, src->stream ? NULL : ps->sha256,
                                       &counts, err);
  fl_store_source_counts(st->store, &st->last);
  fl_pipeline_stats_to_store(ps, &st->last);
  return r;
}

void fl_pipeline_stats_to_store(const fl_pipeline_stats *ps, fl_store_ingest_stats *out) {
  out->records = ps->records;
  out->records_skipped = ps->records_skipped;
  out->warnings = ps->warnings;
  out->errors = ps->errors;
  out->bytes = ps->bytes;
  memcpy(out->sha256, ps->sha256, sizeof out->sha256);
}

static fl_status store_commit(void *self, fl_error *err) {
  fl_pipeline_store *st = self;
  return fl_store_commit(st->store, err);
}

fl_pipeline_sink fl_pipeline_store_sink(fl_pipeline_store *st) {
  fl_pipeline_sink k = {st, store_wants_sha256, store_begin, store_event,
                        store_end, store_commit};
  return k;
}

/* ---- fl_store_ingest_*: the store alone behind a pipeline ---- */
typedef struct ingest_one {
  const fl_store_ingest_options *opt;
  fl_pipeline_store *sink;
} ingest_one;

static int ingest_progress(const fl_pipeline_progress *pp, void *user) {
  ingest_one *c = user;
  fl_store_progress p = {pp->name, pp->bytes_done, pp->bytes_total,
                         pp->in_scope, 0};
  return c->opt->on_progress(&p, c->opt->user);
}

static void ingest_diag(const fl_evtx_diag *d, void *user) {
  ingest_one *c = user;
  c->opt->on_diag(d, c->opt->user);
}

static fl_status ingest(fl_store *s, const char *path, const void *data,
                        size_t len, const fl_store_ingest_options *opt,
                        fl_store_ingest_stats *stats, fl_error *err) {
  static const fl_store_ingest_options defaults;
  fl_store_ingest_stats local;
  if (!stats) stats = &local;
  memset(stats, 0, sizeof *stats);
  if (!opt) opt = &defaults;
  fl_pipeline_store sink;
  memset(&sink, 0, sizeof sink);
  sink.store = s;
  sink.batch_rows = opt->batch_rows;
  ingest_one c = {opt, &sink};
  fl_pipeline_options po;
  memset(&po, 0, sizeof po);
  po.reader_flags = opt->reader_flags;
  po.threads = opt->threads;
  po.on_diag = opt->on_diag ? ingest_diag : NULL;
  po.on_progress = opt->on_progress ? ingest_progress : NULL;
  po.user = &c;
  fl_pipeline *p = NULL;
  fl_status st = fl_pipeline_new(&po, &p, err);
  fl_pipeline_sink k = fl_pipeline_store_sink(&sink);
  if (st == FL_OK) st = fl_pipeline_add_sink(p, &k, err);
  if (st == FL_OK)
    st = data ? fl_pipeline_read_memory(p, data, len, path, FL_INPUT_UNKNOWN, NULL, err)
              : fl_pipeline_read(p, path, NULL, err);
  fl_pipeline_free(p);
  *stats = sink.last;
  return st;
}

fl_status fl_store_ingest_file(fl_store *s, const char *path,
                               const fl_store_ingest_options *opt,
                               fl_store_ingest_stats *stats, fl_error *err) {
  return ingest(s, path, NULL, 0, opt, stats, err);
}

fl_status fl_store_ingest_memory(fl_store *s, const void *data, size_t len,
                                 const char *name,
                                 const fl_store_ingest_options *opt,
                                 fl_store_ingest_stats *stats, fl_error *err) {
  return ingest(s, name, data, len, opt, stats, err);
}
