/*
** Store backends: where typed events are kept. The embedded SQLite store
** (faultline/store.h) is the default; a ClickHouse cluster over its HTTP
** interface is the scale-out one (many collectors, one cluster). Which one
** a --store value names is decided by a registry table
** (lib/store/store_backends.def): a URL scheme per backend, anything else is
** a SQLite path. Every backend offers the same four things: a pipeline sink
** (ingest), the sources and the typed events in time order (report and
** diagnose feed lib/diag with them, so a report is the same whatever the
** backend), and retention (prune).
**
** Must never: expose SQLite or libcurl types, print anything (errors go in
** fl_error; a spool warning goes to the caller's callback), or change what
** the SQLite store does when it is the backend.
*/
#ifndef FAULTLINE_STORE_BACKEND_H
#define FAULTLINE_STORE_BACKEND_H

#include <stdint.h>

#include "faultline/base.h"
#include "faultline/pipeline.h"
#include "faultline/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fl_store_backend fl_store_backend;

/* Warnings a backend has to give while it works (the spool nearing its
** bound, batches kept for later); may be NULL. */
typedef void (*fl_store_backend_note_fn)(const char *message, void *user);

typedef struct fl_store_backend_options {
  unsigned flags;                   /* FL_STORE_READONLY | FL_STORE_TEMPORARY */
  uint32_t batch_rows;              /* rows per write; 0 = the backend's */
  fl_store_backend_note_fn on_note; /* may be NULL */
  void *user;
} fl_store_backend_options;

/* The name of the backend a --store value selects ("sqlite" for a path,
** "clickhouse" for clickhouse:// URLs). */
FL_API const char *fl_store_backend_kind(const char *spec);
/* How many backends the registry has, and row i's name, URL form and
** description (for --help and docs). */
FL_API size_t fl_store_backend_count(void);
FL_API const char *fl_store_backend_name_at(size_t i);
FL_API const char *fl_store_backend_form_at(size_t i);
FL_API const char *fl_store_backend_description_at(size_t i);

/* Opens the store spec names (creating and migrating its schema unless
** read-only). FL_EUSAGE: a malformed URL; FL_EIO: unreachable or refused
** (a writable ClickHouse open that cannot reach the server still succeeds
** when a spool is configured: writes go to the spool). */
FL_API fl_status fl_store_backend_open(const char *spec,
                                       const fl_store_backend_options *opt,
                                       fl_store_backend **out, fl_error *err);
/* Writes what is pending (ClickHouse: sends the batch and replays the
** spool when the server answers) and frees b. */
FL_API void fl_store_backend_close(fl_store_backend *b);
FL_API const char *fl_store_backend_name(const fl_store_backend *b);
/* The SQLite store behind b, or NULL for another backend. */
FL_API fl_store *fl_store_backend_sqlite(fl_store_backend *b);

/* The sink that writes into b (valid while b is open). */
FL_API fl_pipeline_sink fl_store_backend_sink(fl_store_backend *b);
/* Counts of the last source the sink finished (inserted = rows written or
** spooled; duplicates only where the backend can tell). */
FL_API void fl_store_backend_last(const fl_store_backend *b,
                                  fl_store_ingest_stats *out);
/* Status of the last source the sink finished (FL_EPARTIAL: reused and
** partial then). */
FL_API fl_status fl_store_backend_last_status(const fl_store_backend *b);

/* Sends what is pending and replays the spool. FL_OK: nothing is left in
** the spool; FL_EIO: the server is still unreachable (rows stay spooled,
** *spooled says how many batches). */
FL_API fl_status fl_store_backend_flush(fl_store_backend *b, uint64_t *spooled,
                                        fl_error *err);

/* The same contracts as fl_store_each_source / fl_store_each_typed. */
FL_API fl_status fl_store_backend_each_source(fl_store_backend *b,
                                              fl_store_source_fn fn,
                                              void *user, fl_error *err);
FL_API fl_status fl_store_backend_each_typed(fl_store_backend *b,
                                             const fl_store_filter *f,
                                             fl_store_typed_fn fn, void *user,
                                             uint64_t *rows, fl_error *err);

/* `query` over any backend: fl_store_query's rows, columns and formats.
** SQLite answers it itself; another backend's matching events are read in
** time order and printed through a scratch SQLite table, so the output is
** the SQLite query's except that id and source_id are numbers of this
** result, version and file_offset are NULL, and a record without an
** EventRecordID is cited by its number in its source (docs/store.md). */
FL_API fl_status fl_store_backend_query(fl_store_backend *b,
                                        const fl_store_filter *f,
                                        fl_store_format fmt, FILE *out,
                                        uint64_t *rows, fl_error *err);

/* `sql`: one caller-written read-only SELECT, its rows printed as fmt (at
** most limit; 0: all), stopped after timeout_ms (0: never; FL_ELIMIT).
** SQLite: fl_store_sql's rules and dialect. ClickHouse: ClickHouse's
** dialect over the store's database, run read-only (readonly=2) by the
** server, numbers as numbers, NULL as null (docs/deployment.md). */
FL_API fl_status fl_store_backend_sql(fl_store_backend *b, const char *sql,
                                      fl_store_format fmt, uint64_t limit,
                                      uint64_t timeout_ms, FILE *out,
                                      uint64_t *rows, fl_error *err);

/* Retention: removes the events older than before (FILETIME). SQLite deletes
** the rows; ClickHouse drops the day partitions that end before it (on
** every node the URL names). *removed gets rows (SQLite) or partitions
** (ClickHouse) removed. */
FL_API fl_status fl_store_backend_prune(fl_store_backend *b, uint64_t before,
                                        uint64_t *removed, fl_error *err);

#ifdef __cplusplus
}
#endif

#endif
