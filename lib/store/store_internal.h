/*
** Internals of lib/store shared by its files: the fl_store handle, the
** growable output buffer, SHA-256 state, the event JSON renderer and the
** escaping appenders.
**
** Must never be included outside lib/store (the public API is
** faultline/store.h) and never hold a pointer into a record past the
** record callback.
*/
#ifndef FL_STORE_INTERNAL_H
#define FL_STORE_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>

#include "common/fl_buf.h"
#include "common/fl_error.h"
#include "common/fl_text.h" /* escaping: fl_text_json/csv/term */
#include "faultline/store.h"

#include "common/fl_sha256.h" /* SHA-256 lives in lib/common */

/* ---- growable buffer: allocation only on growth, reused across rows ---- */
typedef fl_buf store_buf; /* lib/common/fl_buf.h */

void store_buf_put(store_buf *b, const char *s, size_t n);
/* inline: the row renderer puts a separator between every two values */
static inline void store_buf_putc(store_buf *b, char c) {
  if (fl_buf_reserve(b, 1)) return;
  b->p[b->len++] = c;
}
void store_buf_u64(store_buf *b, uint64_t v);
/* Event keywords as the JSON string "0x%016X" (a double cannot hold 64 bits). */
void store_buf_keywords(store_buf *b, uint64_t kw);

/* The record as one compact JSON object: System fields + "data" pairs
** (what events_json gives back; the content hash of a keyless record). */
void store_render_event_json(store_buf *b, const fl_evtx_event *rec);
/* The name of value i of r: its own, or "#i" for a classic <Data> without
** one (tmp holds that text). The one rule for record JSON and layouts. */
fl_evtx_str store_value_name(const fl_evtx_event *r, size_t i, char tmp[24]);
/* The same as a JSON string. */
void store_buf_value_name(store_buf *b, const fl_evtx_event *r, size_t i);

/* ---- the row's data and layouts (store_row.c) ---- */
enum { STORE_LAYOUTS_MAX = 4096 }; /* per source; more keep the full JSON */
typedef struct store_layouts store_layouts;
store_layouts *store_layouts_new(void); /* NULL when out of memory */
void store_layouts_reset(store_layouts *l);
void store_layouts_free(store_layouts *l);

/* The System members a row's `data` carries: the fields no column holds
** and those that disagree with their column. shape bit k: key k is there. */
enum { STORE_SYSTEM_KEYS = 19 };
enum { STORE_SYS_NULL, STORE_SYS_NUM, STORE_SYS_TEXT, STORE_SYS_KEYWORDS };
typedef struct store_system_value {
  int type;          /* STORE_SYS_* */
  uint64_t num;
  fl_evtx_str text;
} store_system_value;
typedef struct store_system {
  uint32_t shape;
  store_system_value v[STORE_SYSTEM_KEYS]; /* the bits of shape only */
} store_system;
void store_system_of(store_system *m, const fl_evtx_event *r,
                     const fl_typed_event *t);

/* The layout id (0.. per source) of this shape and r's value names,
** *is_new when first seen; -1 when there is none (no memory, or the table
** is full). */
int32_t store_layout_of(store_layouts *l, const fl_evtx_event *r,
                        uint32_t shape, int *is_new);
void store_render_layout_names(store_buf *b, const fl_evtx_event *r,
                               uint32_t shape);
/* `data` of a row with a layout: the System members of m, then the values. */
void store_render_row_data(store_buf *b, const fl_evtx_event *r,
                           const fl_typed_event *t, const store_system *m);

/* ---- (peer, bucket) pairs already sent to peer_buckets (store_peers.c) ---- */
typedef struct store_peers store_peers;
store_peers *store_peers_new(void); /* NULL when out of memory */
void store_peers_reset(store_peers *p);
void store_peers_free(store_peers *p);
/* 1 when the pair must be added (first seen; or p is NULL), 0 when it was
** sent already; a NULL peer has no pair (0). */
int store_peers_first(store_peers *p, fl_evtx_str peer, int64_t bucket);

/* SQL fl_event_json(names, provider, event_id, version, time, record_id,
** channel, host, data, state_text, local_address, remote_address,
** local_principal, remote_principal, error_text, error_raw,
** initiator_cookie, responder_cookie, cert_hash, policy, iscsi_target):
** the whole record (the events_json view). */
#define STORE_EVENT_JSON_ARGS 21
void store_fn_event_json(sqlite3_context *ctx, int argc, sqlite3_value **argv);

static inline int64_t store_clamp_i64(uint64_t v) {
  return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

/* ---- schema pieces used outside the migrations ---- */
/* The secondary index of events as migration 5 creates it ("CREATE INDEX "
** + this): time order for every time-bounded read, and the peer beside it
** so a peer filter is checked in the index, not in the row. Earlier builds
** dropped indexes for a bulk load and built them when the source
** completed; a load that died left them out. */
#define STORE_EVENTS_TIME_INDEX "events_time ON events(time, remote_address)"
/* peer_buckets.bucket: time / this, FILETIME units (10 minutes). A peer
** lookup reads the time index only within its buckets (store_peers.c).
** The SQL of migration 5 and of query --peer spells it as text. */
#define STORE_PEER_BUCKET_SQL "6000000000"
/* Where an event came from, for people: "Security.evtx#record 4711" (a
** record id, not a line number), "x.xml@offset 512" when it has none. */
#define STORE_EVIDENCE_SQL \
  "s.path || coalesce('#record ' || e.record_id, '@offset ' || e.file_offset)"
#define STORE_PEER_BUCKET INT64_C(6000000000)
static inline int64_t store_peer_bucket(uint64_t time) {
  return store_clamp_i64(time) / STORE_PEER_BUCKET;
}
/* Recreates it when missing (such a dead load); no-op otherwise. */
fl_status store_ensure_indexes(fl_store *s, fl_error *err);

/* ---- interned typed strings (store_intern.c) ---- */
/* The typed strings interned, as bits of store_row.stable. */
enum {
  STORE_STABLE_HOST, STORE_STABLE_CHANNEL, STORE_STABLE_PROVIDER,
  STORE_STABLE_LOCAL_ADDRESS, STORE_STABLE_STATE_TEXT, STORE_STABLE_ERROR_TEXT,
  STORE_STABLE_FIELDS
};
typedef struct store_intern store_intern;
store_intern *store_intern_new(void); /* NULL when out of memory */
void store_intern_free(store_intern *t);
/* v's interned copy (NUL-terminated; the same address for the same bytes
** until the table is freed), or NULL: not interned (full, too long, NULL). */
const char *store_intern_str(store_intern *t, int field, fl_evtx_str v);

/* ---- rows on their way to SQLite (store_pipe.c) ---- */
/* One typed record, self-contained: its strings and JSON live in the
** batch's text (as offset + 1 until the writer rebases them). */
typedef struct store_row {
  fl_typed_event t;
  uint64_t file_offset;
  uint32_t version;
  int has_version;
  int keyless;                 /* no EventRecordID: keyed by hash */
  uint8_t hash[32];            /* SHA-256 of the JSON when keyless */
  size_t json_off, json_len;   /* `data`, into the batch's text */
  int32_t layout;              /* per-source layout id, -1: full JSON */
  size_t names_off, names_len; /* a new layout's names (len 0: known) */
  int new_peer_bucket;         /* first of its (peer, bucket): add the pair */
  unsigned stable;             /* 1 << STORE_STABLE_*: the string is interned */
} store_row;

typedef struct store_batch store_batch;

typedef struct store_pipe {
  pthread_t thread;
  int running;
  pthread_mutex_t mu;
  pthread_cond_t cv_work, cv_free;
  store_batch *work, *work_tail; /* full batches, oldest first */
  store_batch *free;             /* written, ready to refill */
  store_batch *filling;          /* the producer's, not shared */
  int batches;                   /* allocated */
  int stop;
  fl_status failed;              /* the writer's first error */
  fl_error err;
  uint64_t queued;               /* producer's count this source */
  _Atomic uint64_t saved_inserted; /* committed rows, for progress */
} store_pipe;

/* Renders the record's JSON (and its hash when keyless) into text and
** fills the row; the typed strings are still the record's. */
void store_row_fill(fl_store *s, store_row *row, const fl_evtx_event *r,
                    const fl_typed_event *t, store_buf *text);
/* Writer thread: INSERTs of these rows (several per statement), a COMMIT
** every batch_rows. */
fl_status store_write_rows(fl_store *s, const store_row *rows, size_t count,
                           const char *text, fl_error *err);
enum { STORE_ROWS_PER_INSERT = 32 };
void store_pipe_init(store_pipe *p);
fl_status store_pipe_queue(fl_store *s, const fl_evtx_event *r,
                           const fl_typed_event *t, fl_error *err);
/* Writes what is queued and joins the writer; returns its first error.
** The caller's thread may use the connection afterwards. */
fl_status store_pipe_stop(fl_store *s, fl_error *err);
void store_pipe_free(store_pipe *p);
uint64_t store_pipe_saved_inserted(const fl_store *s);

/* ---- the handle ---- */
enum {
  STMT_INSERT, STMT_INSERT_MANY, STMT_SOURCE_PROGRESS, STMT_LAYOUT_ADD,
  STMT_LAYOUT_ID, STMT_PEER_BUCKET, STMT_EVENT_JSON3, STMT_EVENT_JSON4,
  STMT_COUNT_
};

/* What an INSERT parameter holds since its last bind (store_insert.c):
** bindings outlive each run, so a NULL, an integer or a string that never
** moves (a catalog name, an interned string) already there is not bound
** again. Text from a batch is always bound (its buffer is reused). */
typedef struct store_bound {
  int64_t value;       /* STORE_BOUND_INT; the length for STORE_BOUND_STATIC */
  const char *text;    /* STORE_BOUND_STATIC: a string that never moves */
  uint8_t state;       /* STORE_BOUND_* */
} store_bound;
enum { STORE_BOUND_OTHER, STORE_BOUND_NULL, STORE_BOUND_INT, STORE_BOUND_STATIC };

struct fl_store {
  sqlite3 *db;
  int readonly;
  int temporary;          /* FL_STORE_TEMPORARY: scratch, not durable */
  sqlite3_stmt *stmt[STMT_COUNT_];
  store_bound *bound[2];  /* per parameter of STMT_INSERT, STMT_INSERT_MANY */
  pthread_mutex_t lock;   /* reader worker threads add under it */
  /* the source being ingested */
  int64_t source_id;
  uint32_t batch_rows, in_batch;
  int in_tx;
  int reader_flags_known; /* fl_store_ingest_*: reader_flags is recorded */
  unsigned reader_flags;  /* FL_EVTX_STRICT | FL_EVTX_RECOVER of this read */
  fl_store_ingest_stats counts; /* this run */
  fl_store_ingest_stats saved;  /* counts at the last commit */
  store_pipe pipe;
  store_layouts *layouts;   /* the producer's, reset per source */
  store_peers *peers;       /* the producer's, reset per source */
  store_intern *intern;     /* the producer's; its strings live until close */
  int64_t *layout_ids;      /* the writer's: layout id -> layouts.id */
  size_t layout_ids_cap;
  store_buf scratch;        /* the producer's full JSON of a keyless row */
  uint64_t sql_timeout_ms;  /* fl_store_sql's limit, 0 = none */
  char path[256];
};

/* Fills err from the connection's last error. Returns status. */
fl_status store_db_error(fl_store *s, fl_error *err, fl_status status,
                         const char *what);
fl_status store_exec(fl_store *s, const char *sql, fl_error *err);
fl_status store_migrate(fl_store *s, fl_error *err);
/* Saves the source's counts since the last commit and commits (no-op
** outside a transaction); the writer thread's, or the caller's when the
** writer is stopped. */
fl_status store_commit_batch(fl_store *s, fl_error *err);
/* store_reuse.c: 1 when a complete source of this size and reader flags
** exists (worth fingerprinting the input before reading it). */
int store_reuse_candidate(fl_store *s, uint64_t size, unsigned flags);
/* *reused = 1 with stats filled and a new complete source row when a
** complete source has this size, SHA-256 and reader flags. */
fl_status store_reuse_source(fl_store *s, const char *label, uint64_t size,
                             const char *sha_hex, unsigned flags,
                             fl_store_ingest_stats *stats, int *reused,
                             fl_error *err);
int store_register_functions(fl_store *s);
/* The typed columns (typed_columns.def) as a table, and a column's value
** in t by the stores' NULL rules (store_typed.c). */
enum { STORE_TC_U64, STORE_TC_U32, STORE_TC_INT, STORE_TC_E64, STORE_TC_EINT,
       STORE_TC_O64, STORE_TC_O32, STORE_TC_OINT, STORE_TC_STR, STORE_TC_NSTR };
typedef struct store_typed_column {
  const char *name;
  size_t off;    /* of the field in fl_typed_event */
  int kind;      /* STORE_TC_* */
  unsigned has;  /* O64/O32/OINT: the FL_TE_* bit that says it is present */
} store_typed_column;
extern const store_typed_column store_typed_columns[];
extern const size_t store_typed_column_count;
typedef enum store_tv {
  STORE_TV_NULL, STORE_TV_UNSIGNED, STORE_TV_SIGNED, STORE_TV_TEXT
} store_tv;
store_tv store_typed_get(const fl_typed_event *t, const store_typed_column *c,
                         uint64_t *u, int64_t *i, fl_evtx_str *s);

/* `query`'s statement for f over s (store_query.c), parameters bound;
** buckets: s has peer_buckets (schema 5) to find a peer's events by. */
fl_status store_query_prepare(fl_store *s, const fl_store_filter *f,
                              fl_store_format fmt, int buckets,
                              sqlite3_stmt **out, fl_error *err);
/* Printing rows (store_output.c): an emitter is one output (a header, the
** text table's widths, one limit) over the rows of one or more statements
** of the same columns, so a result read in chunks prints as one. */
typedef struct store_table {
  int cols;
  store_buf cells; /* escaped cell text, back to back */
  size_t *ends;    /* end offset of each cell */
  size_t count, cap;
  size_t *width;   /* display width per column */
} store_table;
typedef struct store_emitter {
  fl_store_format fmt;
  FILE *out;
  uint64_t limit, rows;
  int headed, started, failed;
  store_table table; /* text */
  store_buf line;    /* jsonl, csv, ecs: rows not yet written */
} store_emitter;
void store_emitter_init(store_emitter *e, fl_store_format fmt, uint64_t limit,
                        FILE *out);
/* st's rows until it ends or the limit is reached. */
fl_status store_emitter_rows(store_emitter *e, fl_store *s, sqlite3_stmt *st,
                             fl_error *err);
int store_emitter_full(const store_emitter *e);
/* Prints what is left and frees; FL_EIO when writing failed. */
fl_status store_emitter_end(store_emitter *e, fl_error *err);
/* Rows from elsewhere through a scratch table (store_scratch.c): open,
** prepare the insert and the clear, set select, then bind insert and
** store_scratch_add per row (non-zero: stop reading, an error in x->st or
** the limit reached), and store_scratch_finish with the read's status. */
typedef struct store_scratch {
  fl_store *db;
  sqlite3_stmt *insert, *select, *clear;
  store_emitter out;
  size_t in_chunk;
  fl_status st;
  fl_error *err;
} store_scratch;
fl_status store_scratch_open(store_scratch *x, fl_store_format fmt, uint64_t limit,
                             FILE *out, fl_error *err);
fl_status store_scratch_prepare(store_scratch *x, const char *insert_sql,
                                const char *clear_sql);
int store_scratch_add(store_scratch *x);
fl_status store_scratch_finish(store_scratch *x, fl_status read, uint64_t *rows);
void store_scratch_close(store_scratch *x);
/* Prints a prepared statement's rows. */
fl_status store_emit(fl_store *s, sqlite3_stmt *st, fl_store_format fmt,
                     uint64_t limit, FILE *out, uint64_t *rows, fl_error *err);

#endif
