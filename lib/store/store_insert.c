/*
** Writing events: a source row per input, one prepared INSERT OR IGNORE per
** typed record into events, a COMMIT every batch_rows rows that also saves
** the source's running counts, and the final commit that marks the source
** complete. Keys: (host, channel, record_id), or content_hash (SHA-256 of
** the JSON) for records without an EventRecordID.
**
** Must never: mark a source complete before its last row has committed,
** build SQL from data, or allocate per row (the JSON buffer is reused).
*/
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

#define EVENTS_COLUMNS \
  "source_id, record_id, file_offset, content_hash, time, time_ms, host," \
  " channel, provider, event_id, version, kind, source, is_failure," \
  " keying_module, auth_method, failure_point, role, state, state_text," \
  " mode, local_address, local_port, remote_address, remote_port," \
  " local_principal, remote_principal, error_code, error_text, error_raw," \
  " failure_flags, benign, multiple, filter_id, sa_id, spi, protocol," \
  " initiator_cookie, responder_cookie, cert_hash, policy, dos_started," \
  " iscsi_target, iscsi_failure_type, data, layout_id, record_no"
enum { ROW_PARAMS = 47 };
#define INSERT_HEAD "INSERT OR IGNORE INTO events (" EVENTS_COLUMNS ") VALUES "

/* The INSERT of n rows: n tuples of ROW_PARAMS parameters. Several rows per
** statement share one statement run (VDBE start, halt, reset), about a fifth
** of SQLite's cost per row. */
static const char *insert_sql(int n) {
  static char sql[2][sizeof INSERT_HEAD + STORE_ROWS_PER_INSERT * (2 * ROW_PARAMS + 2)];
  char *o = sql[n > 1];
  size_t len = strlen(INSERT_HEAD);
  memcpy(o, INSERT_HEAD, len);
  for (int r = 0; r < n; r++) {
    o[len++] = r ? ',' : '(';
    if (r) o[len++] = '(';
    for (int i = 0; i < ROW_PARAMS; i++) {
      if (i) o[len++] = ',';
      o[len++] = '?';
    }
    o[len++] = ')';
  }
  o[len] = '\0';
  return o;
}

static const char progress_sql[] =
    "UPDATE sources SET records_in_scope = records_in_scope + ?2,"
    " inserted = inserted + ?3, duplicates = duplicates + ?4 WHERE id = ?1";

static fl_status prepare(fl_store *s, int which, const char *sql,
                         fl_error *err) {
  if (s->stmt[which]) return FL_OK;
  if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                         &s->stmt[which], NULL) != SQLITE_OK)
    return store_db_error(s, err, FL_EIO, "preparing a statement");
  return FL_OK;
}

static fl_status step_done(fl_store *s, sqlite3_stmt *st, const char *what,
                           fl_error *err) {
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc == SQLITE_DONE || rc == SQLITE_ROW) return FL_OK;
  return store_db_error(s, err, FL_EIO, what);
}

/* An unfinished source row for this input (resume), else a new one. */
fl_status fl_store_source_begin(fl_store *s, const char *path, uint64_t size,
                                uint32_t batch_rows, fl_error *err) {
  if (s->readonly)
    return fl_error_at(err, FL_EUSAGE, s->path, 0, "store opened read-only");
  fl_status stopped = store_pipe_stop(s, err); /* a source left unfinished */
  if (stopped != FL_OK) return stopped;
  s->pipe.queued = 0;
  memset(&s->counts, 0, sizeof s->counts);
  memset(&s->saved, 0, sizeof s->saved);
  s->batch_rows = batch_rows ? batch_rows : 50000;
  s->in_batch = 0;
  sqlite3_stmt *st = NULL;
  int64_t id = 0;
  if (sqlite3_prepare_v2(s->db,
                         "SELECT id FROM sources WHERE path = ?1 AND size = ?2"
                         " AND status = 'ingesting' ORDER BY id DESC LIMIT 1",
                         -1, &st, NULL) != SQLITE_OK)
    return store_db_error(s, err, FL_EIO, "looking up the source");
  sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)size);
  if (sqlite3_step(st) == SQLITE_ROW) id = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  s->counts.resumed = id != 0;
  if (id) {
    /* The rerun reads the whole input again and adds its counts: start the
    ** row's in-scope count over (else a twice-killed 200,000-event file
    ** says 600,000), and count the rows an earlier run inserted, which the
    ** rerun meets again, out of the duplicates (negative until the rerun
    ** has met them all; exact when the source completes, and never below 0
    ** then: standard input has no size, so a killed `ingest -` is resumed by
    ** the next one whatever it reads). */
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE sources SET records_in_scope = 0,"
                           " duplicates = -inserted WHERE id = ?1",
                           -1, &st, NULL) != SQLITE_OK)
      return store_db_error(s, err, FL_EIO, "resuming the source");
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return store_db_error(s, err, FL_EIO, "resuming the source");
  } else {
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO sources (path, size, started_at)"
                           " VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%SZ',"
                           " 'now'))", -1, &st, NULL) != SQLITE_OK)
      return store_db_error(s, err, FL_EIO, "adding the source");
    sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)size);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return store_db_error(s, err, FL_EIO, "adding the source");
    id = sqlite3_last_insert_rowid(s->db);
  }
  s->source_id = id;
  /* The secondary indexes stay live: they are kept up on the writer thread,
  ** in parallel with the reading, which beats building them after the load
  ** (serial) now that the insert runs on its own thread. */
  fl_status r = prepare(s, STMT_INSERT, insert_sql(1), err);
  if (r == FL_OK)
    r = prepare(s, STMT_INSERT_MANY, insert_sql(STORE_ROWS_PER_INSERT), err);
  for (int m = 0; r == FL_OK && m < 2 && !s->bound[m]; m++) {
    /* all STORE_BOUND_OTHER: nothing known of a new statement's bindings */
    s->bound[m] = calloc((size_t)(m ? STORE_ROWS_PER_INSERT : 1) * ROW_PARAMS + 1,
                         sizeof *s->bound[m]);
    if (!s->bound[m]) r = fl_error_at(err, FL_ENOMEM, s->path, 0, "out of memory");
  }
  if (r == FL_OK) r = prepare(s, STMT_SOURCE_PROGRESS, progress_sql, err);
  if (r == FL_OK)
    r = prepare(s, STMT_LAYOUT_ADD,
                "INSERT OR IGNORE INTO layouts (names) VALUES (?1)", err);
  if (r == FL_OK)
    r = prepare(s, STMT_LAYOUT_ID, "SELECT id FROM layouts WHERE names = ?1", err);
  if (r == FL_OK)
    r = prepare(s, STMT_PEER_BUCKET,
                "INSERT OR IGNORE INTO peer_buckets VALUES (?1, ?2)", err);
  if (r == FL_OK && !s->layouts) s->layouts = store_layouts_new();
  store_layouts_reset(s->layouts); /* ids are per source */
  /* without a map every row sends its pair: slower, still exact */
  if (r == FL_OK && !s->peers) s->peers = store_peers_new();
  store_peers_reset(s->peers); /* an earlier source may have failed */
  if (r == FL_OK && !s->intern) s->intern = store_intern_new(); /* NULL: copies */
  return r;
}

/* Adds the counts since the last commit to the source row. */
static fl_status save_progress(fl_store *s, fl_error *err) {
  fl_store_ingest_stats *c = &s->counts, *o = &s->saved;
  sqlite3_stmt *st = s->stmt[STMT_SOURCE_PROGRESS];
  sqlite3_bind_int64(st, 1, s->source_id);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)(c->in_scope - o->in_scope));
  sqlite3_bind_int64(st, 3, (sqlite3_int64)(c->inserted - o->inserted));
  sqlite3_bind_int64(st, 4, (sqlite3_int64)(c->duplicates - o->duplicates));
  return step_done(s, st, "saving source progress", err);
}

/* Saves the batch's counts in the source row and commits. */
fl_status store_commit_batch(fl_store *s, fl_error *err) {
  if (!s->in_tx) return FL_OK;
  fl_status r = save_progress(s, err);
  if (r == FL_OK) r = store_exec(s, "COMMIT", err);
  if (r != FL_OK) return r;
  s->saved = s->counts;
  s->in_tx = 0;
  s->in_batch = 0;
  return FL_OK;
}

/* A statement's parameters with what each holds (store_bound). */
typedef struct binder {
  sqlite3_stmt *st;
  store_bound *b; /* [1 .. parameter count] */
} binder;

static void bind_null(binder *x, int i) {
  if (x->b[i].state == STORE_BOUND_NULL) return;
  sqlite3_bind_null(x->st, i);
  x->b[i].state = STORE_BOUND_NULL;
}

static void bind_int(binder *x, int i, int64_t v) {
  if (x->b[i].state == STORE_BOUND_INT && x->b[i].value == v) return;
  sqlite3_bind_int64(x->st, i, v);
  x->b[i].state = STORE_BOUND_INT;
  x->b[i].value = v;
}

/* Text that never moves while the store is open (a catalog name, an
** interned string): bound only when the parameter held another address or
** length before. */
static void bind_stable(binder *x, int i, const char *v, size_t n) {
  store_bound *b = &x->b[i];
  if (b->state == STORE_BOUND_STATIC && b->text == v && b->value == (int64_t)n)
    return;
  sqlite3_bind_text(x->st, i, v, (int)n, SQLITE_STATIC);
  b->state = STORE_BOUND_STATIC;
  b->text = v;
  b->value = (int64_t)n;
}

static void bind_blob(binder *x, int i, const void *v, int n) {
  sqlite3_bind_blob(x->st, i, v, n, SQLITE_STATIC);
  x->b[i].state = STORE_BOUND_OTHER;
}

static void bind_str(binder *x, int i, fl_evtx_str v) {
  if (!v.ptr || v.len > INT_MAX) {
    bind_null(x, i);
    return;
  }
  sqlite3_bind_text(x->st, i, v.ptr, (int)v.len, SQLITE_STATIC);
  x->b[i].state = STORE_BOUND_OTHER;
}

/* A typed string that may be interned (bit k of the row's stable). */
static void bind_kept(binder *x, int i, fl_evtx_str v, const store_row *row,
                      int k) {
  if ((row->stable & (1u << k)) && v.ptr) bind_stable(x, i, v.ptr, v.len);
  else bind_str(x, i, v);
}

static void bind_enum(binder *x, int i, int64_t v) {
  if (v < 0) bind_null(x, i);
  else bind_int(x, i, v);
}

static void bind_opt(binder *x, int i, int has, uint64_t v) {
  if (!has) bind_null(x, i);
  else bind_int(x, i, (int64_t)v); /* bit pattern */
}

static void bind_system(fl_store *s, binder *x, int b, const store_row *row,
                        const char *text) {
  static const fl_evtx_str empty = {"", 0};
  const fl_typed_event *t = &row->t;
  sqlite3_int64 ft = store_clamp_i64(t->time);
  bind_int(x, b + 1, s->source_id);
  if (row->keyless) {
    bind_null(x, b + 2);
    bind_blob(x, b + 4, row->hash, 32);
  } else {
    bind_int(x, b + 2, store_clamp_i64(t->record_id));
    bind_null(x, b + 4);
  }
  bind_int(x, b + 3, store_clamp_i64(row->file_offset));
  bind_int(x, b + 5, ft);
  bind_int(x, b + 6, (ft - INT64_C(116444736000000000)) / 10000);
  bind_kept(x, b + 7, t->host.ptr ? t->host : empty, row, STORE_STABLE_HOST);
  bind_kept(x, b + 8, t->channel.ptr ? t->channel : empty, row,
            STORE_STABLE_CHANNEL);
  bind_kept(x, b + 9, t->provider.ptr ? t->provider : empty, row,
            STORE_STABLE_PROVIDER);
  bind_int(x, b + 10, t->event_id);
  bind_opt(x, b + 11, row->has_version, row->version);
  const char *kind = fl_event_kind_name(t->kind);
  const char *source = fl_event_source_name(t->source);
  bind_stable(x, b + 12, kind, strlen(kind));
  bind_stable(x, b + 13, source, strlen(source));
  bind_int(x, b + 14, t->is_failure);
  sqlite3_bind_text(x->st, b + 45, text + row->json_off, (int)row->json_len,
                    SQLITE_STATIC);
  x->b[b + 45].state = STORE_BOUND_OTHER;
  if (row->layout < 0) bind_null(x, b + 46);
  else bind_int(x, b + 46, s->layout_ids[row->layout]);
  /* a keyless record's number in its source (the evidence diagnose cites) */
  if (row->keyless) bind_int(x, b + 47, store_clamp_i64(t->record_id));
  else bind_null(x, b + 47);
}

static void bind_typed(binder *x, int b, const store_row *row) {
  const fl_typed_event *t = &row->t;
  unsigned h = t->has;
  bind_enum(x, b + 15, t->keying_module);
  bind_enum(x, b + 16, t->auth_method);
  bind_enum(x, b + 17, t->failure_point);
  bind_enum(x, b + 18, t->role);
  bind_enum(x, b + 19, t->state);
  bind_kept(x, b + 20, t->state_text, row, STORE_STABLE_STATE_TEXT);
  bind_enum(x, b + 21, t->mode);
  bind_kept(x, b + 22, t->local_address, row, STORE_STABLE_LOCAL_ADDRESS);
  bind_opt(x, b + 23, (h & FL_TE_LOCAL_PORT) != 0, t->local_port);
  bind_str(x, b + 24, t->remote_address);
  bind_opt(x, b + 25, (h & FL_TE_REMOTE_PORT) != 0, t->remote_port);
  bind_str(x, b + 26, t->local_principal);
  bind_str(x, b + 27, t->remote_principal);
  bind_opt(x, b + 28, (h & FL_TE_ERROR_CODE) != 0, t->error_code);
  bind_kept(x, b + 29, t->error_text, row, STORE_STABLE_ERROR_TEXT);
  bind_str(x, b + 30, t->error_raw);
  int ff = (h & FL_TE_FAILURE_FLAGS) != 0;
  bind_opt(x, b + 31, ff, t->failure_flags);
  bind_opt(x, b + 32, ff, (uint64_t)t->benign);
  bind_opt(x, b + 33, ff, (uint64_t)t->multiple);
  bind_opt(x, b + 34, (h & FL_TE_FILTER_ID) != 0, t->filter_id);
  bind_opt(x, b + 35, (h & FL_TE_SA_ID) != 0, t->sa_id);
  bind_opt(x, b + 36, (h & FL_TE_SPI) != 0, t->spi);
  bind_opt(x, b + 37, (h & FL_TE_PROTOCOL) != 0, t->protocol);
  bind_str(x, b + 38, t->initiator_cookie);
  bind_str(x, b + 39, t->responder_cookie);
  bind_str(x, b + 40, t->cert_hash);
  bind_str(x, b + 41, t->policy);
  bind_enum(x, b + 42, t->dos_started);
  bind_str(x, b + 43, t->iscsi_target);
  bind_enum(x, b + 44, t->iscsi_failure_type);
}

void store_row_fill(fl_store *s, store_row *row, const fl_evtx_event *r,
                    const fl_typed_event *t, store_buf *text) {
  row->t = *t;
  row->file_offset = r->file_offset;
  row->has_version = (r->present & FL_EVTX_HAS_VERSION) != 0;
  row->version = r->version;
  row->keyless = !(r->present & FL_EVTX_HAS_EVENT_RECORD_ID);
  row->new_peer_bucket = store_peers_first(
      s->peers, t->remote_address, store_peer_bucket(t->time));
  int is_new = 0;
  store_system sys;
  store_system_of(&sys, r, t);
  row->layout = store_layout_of(s->layouts, r, sys.shape, &is_new);
  row->names_off = text->len;
  if (is_new) store_render_layout_names(text, r, sys.shape);
  row->names_len = text->len - row->names_off;
  row->json_off = text->len;
  if (row->layout >= 0) store_render_row_data(text, r, t, &sys);
  else store_render_event_json(text, r);
  row->json_len = text->len - row->json_off;
  if (row->keyless) { /* keyed by the whole record, as every version did */
    const store_buf *full = text;
    size_t off = row->json_off;
    if (row->layout >= 0) {
      s->scratch.len = 0;
      store_render_event_json(&s->scratch, r);
      full = &s->scratch;
      off = 0;
    }
    if (!full->failed) {
      fl_sha256_ctx h;
      fl_sha256_init(&h);
      fl_sha256_update(&h, full->p + off, full->len - off);
      fl_sha256_final(&h, row->hash);
    }
  }
}

/* Writer: the database id of each layout first used in these rows. */
static fl_status resolve_layouts(fl_store *s, const store_row *rows, int n,
                                 const char *text, fl_error *err) {
  for (int k = 0; k < n; k++) {
    const store_row *row = &rows[k];
    if (row->layout < 0 || !row->names_len) continue;
    if ((size_t)row->layout >= s->layout_ids_cap) {
      size_t cap = s->layout_ids_cap ? s->layout_ids_cap * 2 : 64;
      while (cap <= (size_t)row->layout) cap *= 2;
      int64_t *ids = realloc(s->layout_ids, cap * sizeof *ids);
      if (!ids) return fl_error_at(err, FL_ENOMEM, s->path, 0, "out of memory");
      s->layout_ids = ids;
      s->layout_ids_cap = cap;
    }
    if (row->names_len > INT_MAX)
      return fl_error_at(err, FL_ELIMIT, s->path, row->file_offset,
                         "record too large to store");
    const char *names = text + row->names_off;
    sqlite3_stmt *add = s->stmt[STMT_LAYOUT_ADD], *get = s->stmt[STMT_LAYOUT_ID];
    sqlite3_bind_text(add, 1, names, (int)row->names_len, SQLITE_STATIC);
    fl_status st = step_done(s, add, "adding a layout", err);
    if (st != FL_OK) return st;
    sqlite3_bind_text(get, 1, names, (int)row->names_len, SQLITE_STATIC);
    int rc = sqlite3_step(get);
    int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(get, 0) : 0;
    sqlite3_reset(get);
    if (!id) return store_db_error(s, err, FL_EIO, "reading a layout");
    s->layout_ids[row->layout] = id;
  }
  return FL_OK;
}

/* The (peer, bucket) pairs these rows are the first of, in the rows'
** transaction (store_peers.c: why every stored event's pair is there). */
static fl_status add_peer_buckets(fl_store *s, const store_row *rows, int n,
                                  fl_error *err) {
  sqlite3_stmt *st = s->stmt[STMT_PEER_BUCKET];
  for (int k = 0; k < n; k++) {
    const fl_typed_event *t = &rows[k].t;
    if (!rows[k].new_peer_bucket || !t->remote_address.ptr ||
        t->remote_address.len > INT_MAX)
      continue;
    sqlite3_bind_text(st, 1, t->remote_address.ptr, (int)t->remote_address.len,
                      SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, store_peer_bucket(t->time));
    fl_status r = step_done(s, st, "adding a peer bucket", err);
    if (r != FL_OK) return r;
  }
  return FL_OK;
}

/* Binds n rows (1 or STORE_ROWS_PER_INSERT) as parameter tuples of st. */
static fl_status insert_rows(fl_store *s, int many, const store_row *rows,
                             int n, const char *text, fl_error *err) {
  fl_status lst = resolve_layouts(s, rows, n, text, err);
  if (lst != FL_OK) return lst;
  binder x = {s->stmt[many ? STMT_INSERT_MANY : STMT_INSERT], s->bound[many]};
  for (int k = 0; k < n; k++) {
    if (rows[k].json_len > INT_MAX)
      return fl_error_at(err, FL_ELIMIT, s->path, rows[k].file_offset,
                         "record too large to store");
    bind_system(s, &x, k * ROW_PARAMS, &rows[k], text);
    bind_typed(&x, k * ROW_PARAMS, &rows[k]);
  }
  /* every parameter is bound (a value or NULL) for every row, or holds
  ** that value still: the bindings need no clearing between runs */
  fl_status res = step_done(s, x.st, "inserting events", err);
  if (res != FL_OK) return res;
  uint64_t added = (uint64_t)sqlite3_changes(s->db); /* before the pairs */
  res = add_peer_buckets(s, rows, n, err);
  if (res != FL_OK) return res;
  s->counts.in_scope += (uint64_t)n;
  s->counts.inserted += added;
  s->counts.duplicates += (uint64_t)n - added;
  s->in_batch += (uint32_t)n;
  return FL_OK;
}

fl_status store_write_rows(fl_store *s, const store_row *rows, size_t count,
                           const char *text, fl_error *err) {
  if (!s->stmt[STMT_INSERT])
    return fl_error_at(err, FL_EUSAGE, s->path, 0, "no source begun");
  for (size_t i = 0; i < count;) {
    if (!s->in_tx) {
      fl_status b = store_exec(s, "BEGIN IMMEDIATE", err);
      if (b != FL_OK) return b;
      s->in_tx = 1;
    }
    /* groups of rows while they fit the transaction's batch_rows exactly */
    int n = count - i >= STORE_ROWS_PER_INSERT &&
                    s->in_batch + STORE_ROWS_PER_INSERT <= s->batch_rows
                ? STORE_ROWS_PER_INSERT : 1;
    fl_status st = insert_rows(s, n > 1, rows + i, n, text, err);
    if (st == FL_OK && s->in_batch >= s->batch_rows) st = store_commit_batch(s, err);
    if (st != FL_OK) return st;
    i += (size_t)n;
  }
  return FL_OK;
}

fl_status fl_store_queue(fl_store *s, const fl_evtx_event *rec,
                         const fl_typed_event *t, fl_error *err) {
  fl_typed_event local;
  if (!t) {
    if (fl_catalog_type_event(rec, &local) != 1) return FL_OK;
    t = &local;
  }
  if (!s->stmt[STMT_INSERT])
    return fl_error_at(err, FL_EUSAGE, s->path, 0, "no source begun");
  return store_pipe_queue(s, rec, t, err);
}

fl_status fl_store_add(fl_store *s, const fl_evtx_event *rec, int *added,
                       fl_error *err) {
  fl_typed_event t;
  *added = 0;
  if (fl_catalog_type_event(rec, &t) != 1) return FL_OK;
  /* rows queued before this one are written first: counts are then ours */
  fl_status st = store_pipe_stop(s, err);
  if (st != FL_OK) return st;
  uint64_t before = s->counts.inserted;
  st = fl_store_queue(s, rec, &t, err);
  fl_error stop_err;
  fl_status stopped = store_pipe_stop(s, &stop_err); /* waits for the row */
  if (st == FL_OK && stopped != FL_OK) {
    *err = stop_err;
    st = stopped;
  }
  *added = st == FL_OK && s->counts.inserted > before;
  return st;
}
