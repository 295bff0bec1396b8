/*
** Store: the embedded SQLite database typed events live in. Ingest is
** idempotent (an event is stored once, keyed by host + channel + event record
** id, or by a content hash when it has no record id) and crash-safe (WAL,
** batched transactions, a source marked complete only when its last batch
** has committed; a rerun resumes). Query and read-only SQL print rows as an
** aligned table, JSON lines or CSV. docs/store.md describes the schema.
**
** This header must never expose SQLite types or let a caller run SQL that
** writes through the read-only paths (fl_store_sql refuses anything but a
** single read-only SELECT, ATTACH included).
*/
#ifndef FAULTLINE_STORE_H
#define FAULTLINE_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "faultline/base.h"
#include "faultline/evtx.h"
#include "faultline/input.h"
#include "faultline/typed.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fl_store fl_store;

enum {
  FL_STORE_READONLY = 1u << 0, /* SQLITE_OPEN_READONLY, no migrations */
  FL_STORE_TEMPORARY = 1u << 1 /* path ignored: a private database SQLite
                               ** deletes when it is closed (or the process
                               ** dies); `diagnose --no-db` works in one */
};

/* Opens (creating unless read-only) the database at path and, read-write,
** applies pending migrations in one transaction each. FL_ENOTFOUND: a
** read-only open of a missing file; FL_EINPUT: not a faultline database or
** one newer than this build; FL_EIO: SQLite failed. */
FL_API fl_status fl_store_open(const char *path, unsigned flags, fl_store **out,
                        fl_error *err);
FL_API void fl_store_close(fl_store *s);

/* The schema version this build writes, and the one the database has. */
FL_API int fl_store_schema_latest(void);
FL_API int fl_store_schema_version(fl_store *s);

/* ---- ingest ---------------------------------------------------------- */

typedef struct fl_store_progress {
  const char *path;
  uint64_t bytes_done, bytes_total; /* position in the input, its size */
  uint64_t records_in_scope;        /* typed and offered to the store */
  uint64_t inserted;                /* new rows committed so far */
} fl_store_progress;

/* Called on the ingesting thread at most every few thousand records and at
** each commit; must be cheap. Returning non-zero stops the ingest. */
typedef int (*fl_store_progress_fn)(const fl_store_progress *p, void *user);

typedef struct fl_store_ingest_options {
  uint32_t batch_rows;          /* rows per transaction; 0 = 50000 */
  unsigned threads;             /* reader threads; 0 or 1 = inline */
  unsigned reader_flags;        /* FL_EVTX_STRICT | FL_EVTX_RECOVER */
  fl_store_progress_fn on_progress;
  fl_evtx_diag_fn on_diag;      /* reader problems, may be NULL */
  void *user;
} fl_store_ingest_options;

typedef struct fl_store_ingest_stats {
  uint64_t records;          /* well-formed records the reader saw */
  uint64_t records_skipped;  /* lost to damage */
  uint64_t in_scope;         /* typed as in scope */
  uint64_t inserted;         /* new rows */
  uint64_t duplicates;       /* already stored (same key) */
  uint64_t warnings, errors; /* reader diagnostics */
  uint64_t bytes;            /* input size */
  int resumed;               /* an unfinished source row was continued */
  char sha256[65];           /* of the input, lowercase hex */
} fl_store_ingest_stats;

/* Ingests one input file (EVTX, event XML, netsh XML, JSON; lib/input
** detects it) through the ingest pipeline (faultline/pipeline.h) with this
** store as its one sink. FL_OK: complete; FL_EPARTIAL: the
** reader skipped something (the rest is stored and the source is complete);
** FL_EINPUT/FL_EIO: unreadable (nothing stored); FL_EIO also when the
** database failed. stats may be NULL. (Implemented in lib/pipeline.) */
FL_API fl_status fl_store_ingest_file(fl_store *s, const char *path,
                               const fl_store_ingest_options *opt,
                               fl_store_ingest_stats *stats, fl_error *err);
/* The same over caller-owned bytes (standard input); name labels the source. */
FL_API fl_status fl_store_ingest_memory(fl_store *s, const void *data, size_t len,
                                 const char *name,
                                 const fl_store_ingest_options *opt,
                                 fl_store_ingest_stats *stats, fl_error *err);

/* Low-level ingest, for other readers and tests: open a source row, add
** records (each typed here; out-of-scope ones are ignored and *added says
** so), then finish it. Rows commit every batch_rows adds and at finish. */
FL_API fl_status fl_store_source_begin(fl_store *s, const char *path, uint64_t size,
                                uint32_t batch_rows, fl_error *err);
/* Adds a record without waiting for SQLite: typed here when t is NULL
** (out-of-scope records are ignored), copied, and inserted by the store's
** writer thread in batches, so reading overlaps writing. An error of an
** earlier row is returned by a later call or by fl_store_source_finish. */
FL_API fl_status fl_store_queue(fl_store *s, const fl_evtx_event *rec,
                         const fl_typed_event *t, fl_error *err);
/* Adds one record and waits for it (slow: for tests and one-off use).
** *added: 1 new row, 0 duplicate or out of scope. */
FL_API fl_status fl_store_add(fl_store *s, const fl_evtx_event *rec, int *added,
                       fl_error *err);
/* Writes what is queued, commits the last batch and marks the source complete with these counts
** (sha256 may be NULL). */
FL_API fl_status fl_store_source_finish(fl_store *s, const char *sha256_hex,
                                 const fl_store_ingest_stats *counts,
                                 fl_error *err);

/* Records what the begun source is: its input format (stored in
** sources.format; FL_INPUT_UNKNOWN leaves it NULL) and, when known, the
** reader flags it is read with (a complete source with known flags can
** stand for a byte-identical input later: fl_store_source_reuse). */
FL_API fl_status fl_store_source_describe(fl_store *s, fl_input_format format,
                                   int reader_flags_known, unsigned reader_flags,
                                   fl_error *err);
/* Writes every queued row and commits, leaving the source open (more rows
** may follow): after FL_OK every row queued before the call is durable.
** The acknowledgement point of live intake. */
FL_API fl_status fl_store_commit(fl_store *s, fl_error *err);
/* After a failed read: drops what is not committed; the source row stays
** 'ingesting' so a rerun of the same input resumes it. */
FL_API void fl_store_source_abandon(fl_store *s);
/* The begun source's counts so far (in_scope, inserted, duplicates,
** resumed); records, skipped, bytes and sha256 are the caller's. */
FL_API void fl_store_source_counts(const fl_store *s, fl_store_ingest_stats *out);
/* 1 when a complete source of this size and reader flags exists: an input
** of that size is worth fingerprinting before it is read. */
FL_API int fl_store_source_known(fl_store *s, uint64_t size, unsigned reader_flags);
/* When a complete source has this size, SHA-256 and reader flags: records
** path as a new complete source with its counts (nothing is read or
** inserted), *reused = 1 and stats filled. FL_EPARTIAL when that source
** had skipped records (as it had then). */
FL_API fl_status fl_store_source_reuse(fl_store *s, const char *path, uint64_t size,
                                const char *sha256_hex, unsigned reader_flags,
                                fl_store_ingest_stats *stats, int *reused,
                                fl_error *err);
/* When a complete source at path of this size and reader flags was read
** when the file had this identity (file_stat as fl_pipeline_source gives
** it): 1 and its SHA-256 in sha256_hex (the file need not be hashed again);
** 0 when none (hash it). */
FL_API int fl_store_source_stat_sha256(fl_store *s, const char *path, uint64_t size,
                                       unsigned reader_flags, const char *file_stat,
                                       char sha256_hex[65]);
/* Records the file identity of the source just begun or reused (NULL or ""
** records nothing: it will be hashed next time). */
FL_API fl_status fl_store_source_note_file(fl_store *s, const char *file_stat,
                                           fl_error *err);

/* The event ids the store keeps (in-scope ids of every source), derived
** from the catalog; for the reader's filter. */
FL_API size_t fl_store_scope_ids(const uint32_t **ids);
/* The providers in scope (event_sources.def). */
FL_API size_t fl_store_scope_providers(const char *const **names);

/* Retention (`faultline prune`): deletes the events before `before`
** (FILETIME) and the peer buckets only they used, in one transaction;
** *removed = rows deleted. Sources stay. */
FL_API fl_status fl_store_prune(fl_store *s, uint64_t before, uint64_t *removed,
                                fl_error *err);

/* ---- query and SQL ---------------------------------------------------- */

typedef enum fl_store_format {
  FL_STORE_TEXT = 0, /* aligned table, control characters escaped */
  FL_STORE_JSONL,    /* one JSON object per row */
  FL_STORE_CSV,      /* RFC 4180, formula cells prefixed with ' */
  FL_STORE_TIMELINE, /* query only: CSV for Timesketch / Timeline Explorer
                     ** (datetime, timestamp_desc, message, ...) */
  FL_STORE_ECS       /* query only: ECS-shaped JSON lines (@timestamp,
                     ** event.code, host.name, source.ip, ...) */
} fl_store_format;

#define FL_STORE_MAX_IDS 64

typedef struct fl_store_filter {
  int has_since, has_until;
  uint64_t since, until;       /* FILETIME, inclusive / exclusive */
  const char *host;            /* case-insensitive exact */
  const char *peer;            /* remote address, exact */
  uint32_t event_ids[FL_STORE_MAX_IDS];
  size_t event_id_count;
  int has_code;
  uint32_t code;
  const char *kind;            /* event_kinds.def name, e.g. "mm_failure" */
  const char *source;          /* event_sources.def name, e.g. "wfp" */
  int failures_only;
  uint64_t limit;              /* 0 = no limit */
} fl_store_filter;

/* Prints the events matching f. *rows gets the row count. */
FL_API fl_status fl_store_query(fl_store *s, const fl_store_filter *f,
                         fl_store_format fmt, FILE *out, uint64_t *rows,
                         fl_error *err);
/* Runs one read-only SELECT and prints its rows. FL_EUSAGE: the statement
** writes, attaches, is not a single statement, does not compile or calls a
** function on the deny-list (fts3_tokenizer, load_extension, ...: see
** docs/store.md). FL_ELIMIT: it ran past the time limit. */
FL_API fl_status fl_store_sql(fl_store *s, const char *sql, fl_store_format fmt,
                       uint64_t limit, FILE *out, uint64_t *rows,
                       fl_error *err);
/* Stops later fl_store_sql statements after ms milliseconds of running
** (0, the default: no limit). */
FL_API void fl_store_set_sql_timeout(fl_store *s, uint64_t ms);

/* ---- reading back, for diagnosis --------------------------------------- */

/* Called once per stored event, in time order; t's strings live for the
** call. file is the source path; t->record_id is the EventRecordID, or the
** reader's number of a record without one (schema 6 on). Return non-zero
** to stop. */
typedef int (*fl_store_typed_fn)(const fl_typed_event *t, const char *file,
                                 void *user);
/* Every stored event (within f's since/until/host, when given) as the typed
** event it was made from. *rows gets the count. */
FL_API fl_status fl_store_each_typed(fl_store *s, const fl_store_filter *f,
                              fl_store_typed_fn fn, void *user,
                              uint64_t *rows, fl_error *err);

typedef struct fl_store_source_info {
  const char *path;              /* as stored: a real path, "-" or a name */
  fl_input_format format;        /* FL_INPUT_UNKNOWN: stored before schema 6 */
  uint64_t records, skipped, in_scope;
} fl_store_source_info;
typedef int (*fl_store_source_fn)(const fl_store_source_info *src, void *user);
/* Every ingested source (the latest run of each path), oldest first. */
FL_API fl_status fl_store_each_source(fl_store *s, fl_store_source_fn fn, void *user,
                               fl_error *err);

#ifdef __cplusplus
}
#endif

#endif
