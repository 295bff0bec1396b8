/*
** The ingest pipeline: the one way events get in. A source (a file, "-",
** caller bytes, or a named stream fed by pushes) is read by lib/input (its
** format found by content through the registry, or given), its records are
** typed by the catalog, only in-scope ones go on, and each typed event is
** handed, in the source's order, to every sink: the store
** (fl_pipeline_store_sink), or any other consumer (a live engine, another
** backend). `ingest`, `diagnose` and `serve` all read through here.
**
** A sink hears: begin (source identity; it may say it holds the source
** already), event (typed event + record; t->record_id is the EventRecordID
** or the reader's record number), end (read status and counts), commit
** (make everything so far durable). Files are fingerprinted (SHA-256) on a
** second thread while they are read.
**
** Threads: one fl_pipeline is used from one thread at a time. With reader
** threads > 1 (EVTX), sinks' event calls come from worker threads, one at a
** time (the pipeline serialises them), unordered across chunks.
** Must never: hand a sink an out-of-scope record, call a sink's event after
** it said it has the source, or report FL_OK when a record was skipped.
*/
#ifndef FAULTLINE_PIPELINE_H
#define FAULTLINE_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "faultline/base.h"
#include "faultline/evtx.h"
#include "faultline/input.h"
#include "faultline/store.h"
#include "faultline/typed.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fl_pipeline fl_pipeline;

/* Who a sink is hearing about. Strings live until the source's end. */
typedef struct fl_pipeline_source {
  uint64_t id;             /* 1, 2, ... in the order sources begin */
  const char *name;        /* a file's real path, "-", or the caller's name */
  fl_input_format format;  /* detected (files) or given (pushes) */
  uint64_t size;           /* bytes as given (compressed); 0 for a stream */
  unsigned reader_flags;   /* FL_EVTX_STRICT | FL_EVTX_RECOVER */
  int stream;              /* 1: a named stream fed by fl_pipeline_push */
  const char *sha256;      /* lowercase hex when known before the read
                           ** (a sink asked for it), else "" */
  /* A regular file's identity when it was opened, "dev:inode:mtime:ctime"
  ** (times in ns): the same path, size and identity later means the same
  ** bytes. "" when unknown or when the file changed within a second of
  ** being opened (its times might not show a change that followed). */
  const char *file_stat;
} fl_pipeline_source;

typedef struct fl_pipeline_stats {
  uint64_t records;          /* well-formed records the reader saw */
  uint64_t records_skipped;  /* lost to damage */
  uint64_t in_scope;         /* typed as in scope and handed to sinks */
  uint64_t warnings, errors; /* reader diagnostics */
  uint64_t bytes;            /* input size */
  char sha256[65];           /* of the input ("" for a stream) */
} fl_pipeline_stats;

typedef struct fl_pipeline_sink {
  void *self;
  /* Optional, before begin: 1 when the sink wants src->sha256 known at
  ** begin (the input is then fingerprinted before it is read). */
  int (*wants_sha256)(void *self, const fl_pipeline_source *src);
  /* A source starts. *have = 1: this sink holds every event of it already
  ** (no event calls follow; end still does). An error stops the source. */
  fl_status (*begin)(void *self, const fl_pipeline_source *src, int *have,
                     fl_error *err);
  /* One in-scope event; rec and t live for the call only. An error stops
  ** the read; the source ends with it. */
  fl_status (*event)(void *self, const fl_pipeline_source *src,
                     const fl_evtx_event *rec, const fl_typed_event *t,
                     fl_error *err);
  /* The source ended: read is FL_OK, FL_EPARTIAL (the rest is good), or the
  ** failure (drop what is not committed). st->sha256 is final. */
  fl_status (*end)(void *self, const fl_pipeline_source *src, fl_status read,
                   const fl_pipeline_stats *st, fl_error *err);
  /* Optional: every event handed so far is durable when this returns FL_OK. */
  fl_status (*commit)(void *self, fl_error *err);
} fl_pipeline_sink;

typedef struct fl_pipeline_progress {
  const char *name;
  uint64_t bytes_done, bytes_total; /* position in the input, its size */
  uint64_t in_scope;                /* typed and handed to sinks */
} fl_pipeline_progress;

typedef struct fl_pipeline_options {
  unsigned reader_flags;   /* FL_EVTX_STRICT | FL_EVTX_RECOVER */
  unsigned threads;        /* EVTX reader threads; 0 or 1 = inline */
  fl_evtx_diag_fn on_diag; /* reader problems, may be NULL */
  /* Every few thousand events and as the reader moves; non-zero stops. */
  int (*on_progress)(const fl_pipeline_progress *p, void *user);
  /* After fl_pipeline_commit: every push up to seq is durable in every sink. */
  void (*on_committed)(uint64_t seq, void *user);
  void *user;
} fl_pipeline_options;

enum { FL_PIPELINE_MAX_SINKS = 8 };

FL_API fl_status fl_pipeline_new(const fl_pipeline_options *opt, fl_pipeline **out,
                          fl_error *err);
/* Adds a sink (copied; its self must outlive the pipeline). FL_ELIMIT past
** FL_PIPELINE_MAX_SINKS. */
FL_API fl_status fl_pipeline_add_sink(fl_pipeline *p, const fl_pipeline_sink *sink,
                               fl_error *err);
/* Ends an open stream (as fl_pipeline_end_stream) and frees p. */
FL_API void fl_pipeline_free(fl_pipeline *p);

/* Reads one input: a regular file or "-" (standard input, streamed in
** bounded memory and fingerprinted as it is read; its source has size 0 and
** no sink can ask for its SHA-256 before the read; EVTX is spooled to a
** temporary file).
** FL_OK; FL_EPARTIAL: something was skipped (the rest went to the sinks);
** FL_EINPUT: no reader knows it (no sink heard of it); FL_EIO, FL_ENOMEM;
** a sink's error; FL_ELIMIT "stopped" when on_progress stopped it.
** stats may be NULL. */
FL_API fl_status fl_pipeline_read(fl_pipeline *p, const char *path,
                           fl_pipeline_stats *stats, fl_error *err);
/* The same over caller-owned bytes; name labels the source; format
** FL_INPUT_UNKNOWN = detect. */
FL_API fl_status fl_pipeline_read_memory(fl_pipeline *p, const void *data,
                                  size_t len, const char *name,
                                  fl_input_format format,
                                  fl_pipeline_stats *stats, fl_error *err);

/* ---- live intake: pushes into named streams ------------------------------
** A push is one payload (an event XML document, JSON lines, a batch) of a
** stream: the stream's source begins at its first push and stays open
** (a push to another name ends the open one first). *seq gets the push's
** number (1, 2, ...). Events are handed to the sinks at once but are
** durable only after fl_pipeline_commit: acknowledge a sender then. */
FL_API fl_status fl_pipeline_push(fl_pipeline *p, const char *stream,
                           fl_input_format format, const void *data,
                           size_t len, uint64_t *seq, fl_error *err);
/* Commits every sink; *committed (may be NULL) gets the last push now
** durable, and on_committed is called with it. */
FL_API fl_status fl_pipeline_commit(fl_pipeline *p, uint64_t *committed,
                             fl_error *err);
/* The last push known durable (0: none). */
FL_API uint64_t fl_pipeline_committed(const fl_pipeline *p);
/* Commits and ends the open stream, if any (its sinks' end with its counts). */
FL_API fl_status fl_pipeline_end_stream(fl_pipeline *p, fl_error *err);
/* Ends the open stream, if any, as failed: every sink drops what is not
** committed (the SQLite source row stays 'ingesting'); the next push begins
** a new source. For a push or commit that failed, whose senders will send
** again. */
FL_API void fl_pipeline_abort_stream(fl_pipeline *p);

/* ---- the store as a sink ---------------------------------------------- */
/* State of one store sink; the caller owns it (no allocation). */
typedef struct fl_pipeline_store {
  fl_store *store;
  uint32_t batch_rows;          /* rows per transaction; 0 = 50000 */
  fl_store_ingest_stats last;   /* the last source's counts, after its end */
  fl_status last_status;        /* FL_EPARTIAL when a reused source was partial */
  int have;                     /* the current source was reused */
  int unchanged;                /* ... recognised by its file identity
                                ** (path, size, inode, times), not hashed */
  char stat_sha256[65];         /* internal: that source's SHA-256 */
} fl_pipeline_store;

/* A sink that stores every event once (idempotent, resumable), a source
** row per source with its format, counts and SHA-256; a byte-identical
** input already complete is recorded without a read. */
FL_API fl_pipeline_sink fl_pipeline_store_sink(fl_pipeline_store *st);

/* Copies what the reading counted (records, skipped, warnings, errors,
** bytes, SHA-256) into a store's counts; what the store counted (in scope,
** inserted, duplicates) stays. For a store sink's end callback. */
FL_API void fl_pipeline_stats_to_store(const fl_pipeline_stats *ps,
                                       fl_store_ingest_stats *out);

#ifdef __cplusplus
}
#endif

#endif
