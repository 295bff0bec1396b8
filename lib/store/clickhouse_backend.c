/*
** The ClickHouse store backend (store_clickhouse_ops, a row of
** store_backends.def): a pipeline sink that batches events as gzip
** JSONEachRow inserts (keyed like the SQLite store, so a re-sent batch
** collapses: clickhouse_schema.c says why), a spool when the cluster cannot
** take a batch (clickhouse_spool.c), and the reads report needs: sources
** and typed events in time order, deduplicated (FINAL). Nodes of the URL
** are tried in order; the schema is created on each of them.
**
** Must never: drop a batch the server did not take (it is spooled, or the
** ingest fails), send a spooled batch out of order, put a value into SQL
** except through ch_sql_string, or print (notes go to the caller).
*/
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/fl_error.h"
#include "common/fl_sha256.h"
#include "store/backend_internal.h"
#include "store/clickhouse_internal.h"
#include "store/store_internal.h"

enum { CH_BATCH_DEFAULT = 20000, CH_RETRY_MS = 1000 };

typedef struct ch_backend {
  ch_url url;
  ch_http *http;
  ch_spool spool;
  int has_spool, readonly;
  size_t host;                 /* the node that answered last */
  fl_store_backend_options opt;
  uint32_t batch_rows, in_batch;
  fl_buf rows, gz, record, sql;
  uint64_t retry_at_ms;        /* after a failure: spool until then */
  uint64_t spooled_batches;    /* this run */
  int flushed;                 /* ch_flush ran and nothing came after */
  int schema_pending;          /* a node was out of reach at open */
  /* the source being written */
  char *src_name;
  fl_input_format src_format;
  uint64_t ord;
  fl_store_ingest_stats counts, last;
  fl_status last_status;
} ch_backend;

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void note(ch_backend *c, const char *fmt, ...) FL_PRINTF(2, 3);
static void note(ch_backend *c, const char *fmt, ...) {
  if (!c->opt.on_note) return;
  char msg[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  c->opt.on_note(msg, c->opt.user);
}

static const char *settings(const ch_backend *c) {
  /* a Distributed insert answers only when every shard has its rows, so an
  ** acknowledged batch is stored and a failed one is spooled whole */
  return c->url.cluster[0] ? "insert_distributed_sync=1" : "";
}

/* Sends one gzip batch to the first node that answers. */
static fl_status send_gz(ch_backend *c, const char *table, const void *gz, size_t n,
                         int *transient, fl_error *err) {
  fl_status st = FL_EIO;
  *transient = 1;
  if (c->schema_pending) { /* every node needs its tables before a write */
    st = ch_schema_ensure(c->http, &c->url, transient, err);
    if (st != FL_OK) return st;
    c->schema_pending = 0;
  }
  for (size_t k = 0; k < c->url.host_count; k++) {
    size_t host = (c->host + k) % c->url.host_count;
    st = ch_http_insert(c->http, host, table, settings(c), gz, n, transient, err);
    if (st == FL_OK) {
      c->host = host;
      return FL_OK;
    }
    if (!*transient) return st;
  }
  return st;
}

typedef struct replay_ctx {
  ch_backend *c;
  fl_error *err;
  int failed_transient;
  fl_status st;
} replay_ctx;

static int replay_one(const char *table, const void *gz, size_t n, void *user) {
  replay_ctx *r = user;
  int transient = 0;
  r->st = send_gz(r->c, table, gz, n, &transient, r->err);
  r->failed_transient = r->st != FL_OK && transient;
  return r->st != FL_OK;
}

/* Sends the spool, oldest first. *left: batches still spooled. A server
** still down is not an error here (FL_OK with *left > 0). */
static fl_status replay(ch_backend *c, uint64_t *left, fl_error *err) {
  *left = 0;
  if (!c->has_spool) return FL_OK;
  fl_error e;
  fl_error_clear(&e);
  replay_ctx r = {c, &e, 0, FL_OK};
  fl_status st = ch_spool_replay(&c->spool, replay_one, &r, left, err);
  if (st != FL_OK) return st;
  if (r.st != FL_OK && !r.failed_transient) {
    *err = e;
    return r.st;
  }
  if (*left) c->retry_at_ms = now_ms() + CH_RETRY_MS;
  return FL_OK;
}

static fl_status spool(ch_backend *c, const char *table, fl_error *err) {
  int near = 0;
  fl_status st = ch_spool_put(&c->spool, table, c->gz.p, c->gz.len, &near, err);
  if (st != FL_OK) return st;
  if (!c->spooled_batches)
    note(c, "ClickHouse unreachable: batches are kept in %s and sent when it answers",
         c->spool.dir);
  c->spooled_batches++;
  if (near && !c->spool.warned) {
    c->spool.warned = 1;
    note(c, "warning: the spool %s is past 80%% of its bound (%" PRIu64
         " bytes); ingest stops when it is full", c->spool.dir, c->spool.max_bytes);
  }
  return FL_OK;
}

/* Delivers the body in c->rows to table: after the spool (order), or into
** it when the cluster cannot take it now. */
static fl_status deliver(ch_backend *c, const char *table, fl_error *err) {
  if (!c->rows.len) return FL_OK;
  if (c->rows.failed || ch_gzip(&c->gz, c->rows.p, c->rows.len) != 0)
    return fl_error_at(err, FL_ENOMEM, "", 0, "out of memory (a batch)");
  c->rows.len = 0;
  fl_status st;
  if (c->has_spool && ch_spool_count(&c->spool)) {
    uint64_t left = 0;
    if (now_ms() < c->retry_at_ms) return spool(c, table, err);
    st = replay(c, &left, err);
    if (st != FL_OK) return st;
    if (left) return spool(c, table, err);
  }
  int transient = 0;
  fl_error e;
  fl_error_clear(&e);
  st = send_gz(c, table, c->gz.p, c->gz.len, &transient, &e);
  if (st == FL_OK) return FL_OK;
  if (!transient || !c->has_spool) {
    *err = e;
    return st;
  }
  c->retry_at_ms = now_ms() + CH_RETRY_MS;
  return spool(c, table, err);
}

/* ---- the sink -------------------------------------------------------- */

static fl_status k_begin(void *self, const fl_pipeline_source *src, int *have,
                         fl_error *err) {
  ch_backend *c = self;
  *have = 0;
  if (c->readonly) return fl_error_at(err, FL_EUSAGE, "", 0, "the store is read-only");
  free(c->src_name);
  c->src_name = strdup(src->name);
  if (!c->src_name) return fl_error_at(err, FL_ENOMEM, "", 0, "out of memory");
  c->src_format = src->format;
  c->ord = 0;
  memset(&c->counts, 0, sizeof c->counts);
  return FL_OK;
}

static fl_status k_event(void *self, const fl_pipeline_source *src,
                         const fl_evtx_event *rec, const fl_typed_event *t,
                         fl_error *err) {
  ch_backend *c = self;
  (void)src;
  c->record.len = 0;
  store_render_event_json(&c->record, rec);
  if (c->record.failed) return fl_error_at(err, FL_ENOMEM, "", 0, "out of memory");
  char key[72];
  if (rec->present & FL_EVTX_HAS_EVENT_RECORD_ID) {
    snprintf(key, sizeof key, "r%" PRIu64, t->record_id);
  } else { /* keyed by the whole record, as the SQLite store keys it */
    key[0] = 'h';
    fl_sha256_hex(c->record.p, c->record.len, key + 1);
  }
  ch_row_event(&c->rows, t, key, c->src_name ? c->src_name : "", c->ord++,
               c->record.p, c->record.len);
  c->counts.in_scope++;
  c->counts.inserted++;
  c->flushed = 0;
  if (++c->in_batch >= c->batch_rows) {
    c->in_batch = 0;
    return deliver(c, "events", err);
  }
  return FL_OK;
}

static fl_status k_commit(void *self, fl_error *err) {
  ch_backend *c = self;
  c->in_batch = 0;
  return deliver(c, "events", err);
}

static fl_status k_end(void *self, const fl_pipeline_source *src, fl_status read,
                       const fl_pipeline_stats *stt, fl_error *err) {
  ch_backend *c = self;
  if (read != FL_OK && read != FL_EPARTIAL) { /* drop what is not sent */
    c->rows.len = 0;
    c->in_batch = 0;
    return FL_OK;
  }
  fl_status st = k_commit(c, err);
  if (st != FL_OK) return st;
  fl_pipeline_stats_to_store(stt, &c->counts);
  const char *fmt = fl_input_format_name(src->format);
  const char *name = c->src_name ? c->src_name : "";
  fl_buf *b = &c->rows;
  char num[200];
  store_buf_put(b, "{\"path\":", 8);
  ch_json_string(b, name, strlen(name));
  store_buf_put(b, ",\"format\":", 10);
  ch_json_string(b, fmt ? fmt : "", fmt ? strlen(fmt) : 0);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  snprintf(num, sizeof num,
           ",\"records\":%" PRIu64 ",\"skipped\":%" PRIu64 ",\"in_scope\":%" PRIu64
           ",\"status\":\"%s\",\"written\":%" PRIu64 "}\n",
           stt->records, stt->records_skipped, c->counts.in_scope,
           read == FL_OK ? "complete" : "partial",
           (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
  store_buf_put(b, num, strlen(num));
  st = deliver(c, "sources", err);
  c->last = c->counts;
  c->last_status = FL_OK;
  return st;
}

static fl_pipeline_sink ch_sink(void *self) {
  fl_pipeline_sink k;
  memset(&k, 0, sizeof k);
  k.self = self;
  k.begin = k_begin;
  k.event = k_event;
  k.end = k_end;
  k.commit = k_commit;
  return k;
}

/* ---- open / close ---------------------------------------------------- */

static void ch_free(ch_backend *c) {
  ch_http_free(c->http);
  fl_buf_free(&c->rows);
  fl_buf_free(&c->gz);
  fl_buf_free(&c->record);
  fl_buf_free(&c->sql);
  free(c->src_name);
  free(c);
}

static fl_status ch_open(const char *spec, const fl_store_backend_options *opt,
                         void **self, fl_error *err) {
  ch_backend *c = calloc(1, sizeof *c);
  if (!c) return fl_error_at(err, FL_ENOMEM, "", 0, "out of memory");
  c->opt = *opt;
  c->readonly = (opt->flags & FL_STORE_READONLY) != 0;
  c->batch_rows = opt->batch_rows ? opt->batch_rows : CH_BATCH_DEFAULT;
  fl_status st = ch_url_parse(spec, &c->url, err);
  if (st == FL_OK) st = ch_http_new(&c->url, &c->http, err);
  if (st == FL_OK && !c->readonly) {
    st = ch_spool_init(&c->spool, c->url.spool, c->url.spool_max, err);
    c->has_spool = st == FL_OK;
  }
  if (st == FL_OK && !c->readonly) {
    fl_error e;
    fl_error_clear(&e);
    /* an unreachable cluster still takes writes: into the spool */
    int transient = 0;
    if (ch_schema_ensure(c->http, &c->url, &transient, &e) != FL_OK) {
      if (!transient) {
        *err = e;
        st = e.status;
      } else {
        char msg[700];
        fl_error_format(&e, msg, sizeof msg);
        note(c, "%s (writing to the spool)", msg);
        c->retry_at_ms = now_ms() + CH_RETRY_MS;
        c->schema_pending = 1;
      }
    }
  }
  if (st != FL_OK) {
    ch_free(c);
    return st;
  }
  *self = c;
  return FL_OK;
}

static fl_status ch_flush(void *self, uint64_t *spooled, fl_error *err) {
  ch_backend *c = self;
  c->in_batch = 0;
  fl_status st = deliver(c, "events", err);
  uint64_t left = 0;
  if (st == FL_OK && c->has_spool && ch_spool_count(&c->spool)) {
    c->retry_at_ms = 0;
    st = replay(c, &left, err);
    if (st == FL_OK && left)
      st = fl_error_at(err, FL_EIO, c->spool.dir, 0,
                       "ClickHouse still unreachable: %" PRIu64
                       " batches stay in the spool", left);
  }
  if (spooled) *spooled = left;
  c->flushed = 1;
  return st;
}

static void ch_close(void *self) {
  ch_backend *c = self;
  if (!c->readonly && !c->flushed) {
    fl_error e;
    fl_error_clear(&e);
    uint64_t left = 0;
    if (ch_flush(c, &left, &e) != FL_OK) {
      char msg[700];
      fl_error_format(&e, msg, sizeof msg);
      note(c, "%s", msg);
    }
  }
  ch_free(c);
}

static void ch_last(const void *self, fl_store_ingest_stats *out) {
  *out = ((const ch_backend *)self)->last;
}

static fl_status ch_last_status(const void *self) {
  return ((const ch_backend *)self)->last_status;
}

/* ---- reads ----------------------------------------------------------- */

typedef struct reader {
  fl_buf line;
  ch_field *fields;
  size_t nfields;
  int (*row)(struct reader *r, const ch_field *f, size_t n);
  void *user;
  uint64_t rows;
  int malformed, stopped;
  /* each_typed */
  fl_store_typed_fn typed_fn;
  /* each_source */
  fl_store_source_fn source_fn;
} reader;

static int on_line(char *line, size_t len, void *user) {
  reader *r = user;
  long got = ch_tsv_split(line, len, r->fields, r->nfields);
  if (got != (long)r->nfields) {
    r->malformed = 1;
    return 1;
  }
  r->rows++;
  if (r->row(r, r->fields, r->nfields)) {
    r->stopped = 1;
    return 1;
  }
  return 0;
}

static int on_bytes(const char *p, size_t n, void *user) {
  reader *r = user;
  return ch_lines_feed(&r->line, p, n, on_line, r);
}

/* Runs a SELECT on the first node that answers and feeds its rows. */
static fl_status run_select(ch_backend *c, const char *sql, reader *r, fl_error *err) {
  r->rows = 0;
  fl_status st = ch_http_select(c->http, &c->host, "", sql, on_bytes, r, &r->line, &r->rows, err);
  if (st == FL_OK && r->malformed) {
    size_t n = r->line.len > 200 ? 200 : r->line.len;
    st = fl_error_at(err, FL_EIO, c->url.hosts[c->host], 0,
                     "ClickHouse sent a malformed row: %.*s", (int)n,
                     r->line.p ? r->line.p : "");
  } else if (st == FL_OK && r->line.len && !r->stopped) {
    st = fl_error_at(err, FL_EIO, c->url.hosts[c->host], 0,
                     "ClickHouse result ended inside a row");
  }
  return st;
}

static int typed_row(reader *r, const ch_field *f, size_t n) {
  fl_typed_event t;
  size_t next = ch_row_to_typed(f, &t);
  (void)n;
  const ch_field *file = &f[next];
  /* file is NUL-terminated in place by the split (tab or line end) */
  char *name = (char *)(file->p ? file->p : "");
  if (file->p) name[file->n] = '\0';
  return r->typed_fn(&t, name, r->user);
}

static void sql_put(fl_buf *b, const char *s) { store_buf_put(b, s, strlen(s)); }

static void sql_literal(fl_buf *q, const char *col, const char *value) {
  sql_put(q, col);
  ch_sql_string(q, value, strlen(value));
}

/* " FROM db.events WHERE" the time range [lo, hi) and the rest of the
** filter: `report` gives host only, `query` any field. Each value is a
** number printed here or a string literal ch_sql_string escapes. */
static void events_where(fl_buf *q, const ch_backend *c, const fl_store_filter *f,
                         uint64_t lo, uint64_t hi) {
  char tmp[200];
  snprintf(tmp, sizeof tmp, " FROM %s.events WHERE time >= %" PRIu64 " AND time < %" PRIu64,
           c->url.db, lo, hi);
  sql_put(q, tmp);
  if (!f) return;
  if (f->host) {
    sql_literal(q, " AND lower(host) = lower(", f->host);
    sql_put(q, ")");
  }
  if (f->peer) sql_literal(q, " AND remote_address = ", f->peer);
  for (size_t i = 0; i < f->event_id_count && i < FL_STORE_MAX_IDS; i++) {
    snprintf(tmp, sizeof tmp, "%s%" PRIu32, i ? ", " : " AND event_id IN (", f->event_ids[i]);
    sql_put(q, tmp);
  }
  if (f->event_id_count) sql_put(q, ")");
  if (f->has_code) {
    snprintf(tmp, sizeof tmp, " AND error_code = %" PRIu32, f->code);
    sql_put(q, tmp);
  }
  if (f->kind) sql_literal(q, " AND kind = ", f->kind);
  if (f->source) sql_literal(q, " AND source = ", f->source);
  if (f->failures_only) sql_put(q, " AND is_failure = 1");
}

/* ---- reads in time slices ----
** A fleet-wide read is sorted by time, and ClickHouse 18.16 sorts a query's
** whole result at once (20M rows: over 4 GB, and its external sort then
** asks for 128 PiB; one node at its 1 GB limit fails on a million rows).
** So a read goes in slices of at most read_rows rows (URL parameter,
** default 1M; a minute holding more is one slice), planned from row counts
** per minute that ClickHouse aggregates on its side. A slice the server
** refuses for memory (it sorts before it sends, so nothing was read) is
** read again in halves: smaller slices cost more scans of the day's part
** (the table is sorted by key, not time), so they are made only when needed.
** Slices are disjoint time ranges taken in order, and the copies of an
** event share its time, so LIMIT 1 BY inside a slice removes every copy. */
static const uint64_t ch_bucket = 600000000ull; /* a minute in FILETIME ticks */

typedef struct slice_plan {
  uint64_t *bucket, *count; /* minutes and their rows */
  size_t n, cap;
} slice_plan;

static int plan_row(reader *r, const ch_field *f, size_t n) {
  slice_plan *p = r->user;
  (void)n;
  if (p->n == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 256;
    uint64_t *h = realloc(p->bucket, cap * sizeof *h);
    if (h) p->bucket = h;
    uint64_t *k = h ? realloc(p->count, cap * sizeof *k) : NULL;
    if (!k) return 1;
    p->count = k;
    p->cap = cap;
  }
  p->bucket[p->n] = strtoull(f[0].p ? f[0].p : "0", NULL, 10);
  p->count[p->n] = strtoull(f[1].p ? f[1].p : "0", NULL, 10);
  p->n++;
  return 0;
}

static fl_status plan_slices(ch_backend *c, const fl_store_filter *f, uint64_t lo,
                             uint64_t hi, slice_plan *plan, fl_error *err) {
  fl_buf *q = &c->sql;
  q->len = 0;
  sql_put(q, "SELECT intDiv(time, 600000000) AS m, count() AS n");
  events_where(q, c, f, lo, hi);
  sql_put(q, " GROUP BY m ORDER BY m FORMAT TabSeparated");
  store_buf_put(q, "", 1);
  if (q->failed) return fl_error_at(err, FL_ENOMEM, "", 0, "out of memory");
  ch_field fields[2];
  reader r;
  memset(&r, 0, sizeof r);
  r.nfields = 2;
  r.fields = fields;
  r.row = plan_row;
  r.user = plan;
  fl_status st = run_select(c, q->p, &r, err);
  fl_buf_free(&r.line);
  if (st == FL_OK && r.stopped) st = fl_error_at(err, FL_ENOMEM, "", 0, "out of memory");
  return st;
}

/* The events of [lo, hi) in time order, each once, to r's row callback. */
static fl_status read_slice(ch_backend *c, const fl_store_filter *f, uint64_t lo,
                            uint64_t hi, reader *r, fl_error *err) {
  fl_buf *q = &c->sql;
  q->len = 0;
  sql_put(q, "SELECT ");
  ch_row_select_list(q);
  events_where(q, c, f, lo, hi);
  /* LIMIT 1 BY the key, not FINAL: FINAL reads every part at once (on
  ** 18.16 a buffer per column per part: 20 fresh parts pass 1 GB); copies
  ** of an event sit on one shard, so each shard's LIMIT BY removes them */
  sql_put(q, " ORDER BY time, file, ord LIMIT 1 BY host, channel, key"
             " FORMAT TabSeparated");
  store_buf_put(q, "", 1);
  if (q->failed) return fl_error_at(err, FL_ENOMEM, "", 0, "out of memory");
  return run_select(c, q->p, r, err);
}

/* ClickHouse refused a query for its memory limit (MEMORY_LIMIT_EXCEEDED). */
static int memory_refused(const fl_error *err) {
  return err && strstr(err->message, "Code: 241") != NULL;
}

static fl_status ch_each_typed(void *self, const fl_store_filter *f,
                               fl_store_typed_fn fn, void *user, uint64_t *rows,
                               fl_error *err) {
  ch_backend *c = self;
  uint64_t lo = f && f->has_since ? f->since : 0;
  uint64_t hi = f && f->has_until ? f->until : (uint64_t)INT64_MAX;
  if (rows) *rows = 0;
  slice_plan plan;
  memset(&plan, 0, sizeof plan);
  fl_status st = plan_slices(c, f, lo, hi, &plan, err);
  reader r;
  memset(&r, 0, sizeof r);
  r.nfields = ch_row_field_count();
  r.fields = calloc(r.nfields, sizeof *r.fields);
  if (!r.fields && st == FL_OK) st = fl_error_at(err, FL_ENOMEM, "", 0, "out of memory");
  r.row = typed_row;
  r.typed_fn = fn;
  r.user = user;
  uint64_t cap = c->url.read_rows; /* rows a slice may hold; halved on a memory refusal */
  for (size_t i = 0; i < plan.n && st == FL_OK && !r.stopped;) {
    size_t j = i;
    uint64_t n = plan.count[i];
    while (j + 1 < plan.n && n + plan.count[j + 1] <= cap) n += plan.count[++j];
    uint64_t s_lo = plan.bucket[i] * ch_bucket, s_hi = (plan.bucket[j] + 1) * ch_bucket;
    st = read_slice(c, f, s_lo > lo ? s_lo : lo, s_hi < hi ? s_hi : hi, &r, err);
    if (rows) *rows += r.rows;
    if (st != FL_OK && !r.rows && j > i && memory_refused(err)) {
      cap = n / 2; /* ClickHouse sorts before it sends: nothing came, retry smaller */
      note(c, "a %" PRIu64 "-row slice was over the server's memory limit; reading %" PRIu64
              " rows a slice", n, cap);
      st = FL_OK;
      continue;
    }
    i = j + 1;
  }
  free(r.fields);
  fl_buf_free(&r.line);
  free(plan.bucket);
  free(plan.count);
  return st;
}

static int source_row(reader *r, const ch_field *f, size_t n) {
  (void)n;
  char *path = (char *)(f[0].p ? f[0].p : "");
  char *fmt = (char *)(f[4].p ? f[4].p : "");
  if (f[0].p) path[f[0].n] = '\0';
  if (f[4].p) fmt[f[4].n] = '\0';
  fl_store_source_info info;
  memset(&info, 0, sizeof info);
  info.path = path;
  info.format = fl_input_format_named(fmt);
  info.records = strtoull(f[1].p ? f[1].p : "0", NULL, 10);
  info.skipped = strtoull(f[2].p ? f[2].p : "0", NULL, 10);
  info.in_scope = strtoull(f[3].p ? f[3].p : "0", NULL, 10);
  return r->source_fn(&info, r->user);
}

static fl_status ch_each_source(void *self, fl_store_source_fn fn, void *user,
                                fl_error *err) {
  ch_backend *c = self;
  char sql[300];
  /* path order: a report over several collectors' sources is the same
  ** whichever finished first; the latest row of each path */
  snprintf(sql, sizeof sql,
           "SELECT path, records, skipped, in_scope, format, written FROM %s.sources"
           " ORDER BY path, written DESC LIMIT 1 BY path FORMAT TabSeparated",
           c->url.db);
  ch_field fields[6];
  reader r;
  memset(&r, 0, sizeof r);
  r.fields = fields;
  r.nfields = 6;
  r.row = source_row;
  r.source_fn = fn;
  r.user = user;
  fl_status st = run_select(c, sql, &r, err);
  fl_buf_free(&r.line);
  return st;
}

/* ---- retention ------------------------------------------------------- */

typedef struct parts {
  fl_buf list; /* partition names, one a line */
} parts;

static int on_parts(const char *p, size_t n, void *user) {
  parts *x = user;
  store_buf_put(&x->list, p, n);
  return x->list.failed;
}

static fl_status prune_host(ch_backend *c, size_t host, const char *cut,
                            uint64_t *removed, fl_error *err) {
  char local[80];
  ch_table_local(&c->url, "events", local, sizeof local);
  fl_buf *q = &c->sql;
  q->len = 0;
  sql_put(q, "SELECT DISTINCT partition FROM system.parts WHERE active AND database = ");
  ch_sql_string(q, c->url.db, strlen(c->url.db));
  sql_put(q, " AND table = ");
  ch_sql_string(q, local, strlen(local));
  sql_put(q, " AND max_date < toDate(");
  ch_sql_string(q, cut, strlen(cut));
  sql_put(q, ") ORDER BY partition FORMAT TabSeparated");
  store_buf_put(q, "", 1);
  parts x;
  memset(&x, 0, sizeof x);
  int transient = 0;
  fl_status st = ch_http_run(c->http, host, q->p, on_parts, &x, &transient, err);
  for (size_t i = 0; st == FL_OK && i < x.list.len;) {
    const char *nl = memchr(x.list.p + i, '\n', x.list.len - i);
    size_t n = nl ? (size_t)(nl - x.list.p - i) : x.list.len - i;
    q->len = 0;
    char head[200];
    snprintf(head, sizeof head, "ALTER TABLE %s.%s DROP PARTITION ", c->url.db, local);
    sql_put(q, head);
    ch_sql_string(q, x.list.p + i, n);
    store_buf_put(q, "", 1);
    st = ch_http_run(c->http, host, q->p, NULL, NULL, &transient, err);
    if (st == FL_OK) (*removed)++;
    i += n + 1;
  }
  fl_buf_free(&x.list);
  return st;
}

static fl_status ch_prune(void *self, uint64_t before, uint64_t *removed,
                          fl_error *err) {
  ch_backend *c = self;
  *removed = 0;
  const uint64_t epoch = UINT64_C(116444736000000000);
  time_t tt = (time_t)(before > epoch ? (before - epoch) / 10000000u : 0);
  struct tm tm;
  gmtime_r(&tt, &tm);
  char cut[40];
  snprintf(cut, sizeof cut, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday);
  fl_status st = FL_OK;
  /* every node holds its own day partitions */
  for (size_t h = 0; st == FL_OK && h < c->url.host_count; h++)
    st = prune_host(c, h, cut, removed, err);
  return st;
}

static fl_status ch_sql(void *self, const char *sql, fl_store_format fmt, uint64_t limit,
                       uint64_t timeout_ms, FILE *out, uint64_t *rows, fl_error *err) {
  ch_backend *c = self;
  return ch_sql_print(c->http, &c->url, &c->host, sql, fmt, limit, timeout_ms, out, rows, err);
}

const store_backend_ops store_clickhouse_ops = {
    ch_open, ch_close, NULL, ch_sink, ch_last, ch_last_status, ch_flush,
    ch_each_source, ch_each_typed, ch_prune, ch_sql};
