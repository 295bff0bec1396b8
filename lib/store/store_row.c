/*
** What a stored row's `data` holds (schema 3) and the layouts that name its
** values. The columns already hold provider, event id, version, time,
** record id, channel and host, and the EventData names repeat for every
** record of an event, so `data` keeps only the rest: the System fields no
** column holds, the EventData/UserData values as a JSON array, and
** layout_id naming them (layouts.names, one row per distinct list of
** names). A row is about 40 % smaller, which is what the writer thread
** spends its time on (the kernel copying pages). The view events_json
** (store_schema.c) rebuilds the whole record: json_patch of the columns
** with `data` (a key set to null there deletes a column's key: the record
** did not have that field), then the values zipped with the names.
**
** Must never: let events_json give anything but the record's full JSON
** (store_render_event_json: tests/unit/test_store.c compares them), share
** the layout table across threads (the producer owns it; the writer gets a
** new layout's names in the row that first uses it), or grow without
** bound (past STORE_LAYOUTS_MAX layouts a source's rows keep the full JSON).
*/
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

enum { LAYOUT_SLOTS = 2 * STORE_LAYOUTS_MAX }; /* power of two, half full */

struct store_layouts {
  struct {
    uint64_t hash;
    uint32_t key_off, key_len;
    int32_t id; /* -1: empty slot */
  } slot[LAYOUT_SLOTS];
  uint32_t count;
  store_buf keys;    /* every layout's packed names */
};

static void put_u32(store_buf *b, uint32_t v) {
  store_buf_put(b, (const char *)&v, sizeof v);
}

/* A hash of the name list, 8 bytes a step (it runs for every record). */
static uint64_t hash_names(const fl_evtx_event *r) {
  uint64_t h = 0x9e3779b97f4a7c15ull ^ r->data_count;
  char tmp[24];
  for (size_t i = 0; i < r->data_count; i++) {
    fl_evtx_str n = store_value_name(r, i, tmp);
    h = (h ^ n.len) * 0xff51afd7ed558ccdull;
    size_t k = 0;
    for (; k + 8 <= n.len; k += 8) {
      uint64_t w;
      memcpy(&w, n.ptr + k, 8);
      h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
      h ^= h >> 29;
    }
    uint64_t w = 0;
    memcpy(&w, n.ptr + k, n.len - k);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 29;
  }
  return h;
}

/* 1 when the packed key (u32 length + bytes per name) is r's name list. */
static int same_names(const char *key, uint32_t len, const fl_evtx_event *r) {
  size_t at = 0;
  char tmp[24];
  for (size_t i = 0; i < r->data_count; i++) {
    fl_evtx_str n = store_value_name(r, i, tmp);
    uint32_t k;
    if (len - at < sizeof k) return 0;
    memcpy(&k, key + at, sizeof k);
    at += sizeof k;
    if (k != n.len || len - at < k || (k && memcmp(key + at, n.ptr, k) != 0))
      return 0;
    at += k;
  }
  return at == len;
}

static void pack_names(store_buf *b, const fl_evtx_event *r) {
  char tmp[24];
  for (size_t i = 0; i < r->data_count; i++) {
    fl_evtx_str n = store_value_name(r, i, tmp);
    put_u32(b, (uint32_t)n.len);
    store_buf_put(b, n.ptr, n.len);
  }
}

void store_layouts_reset(store_layouts *l) {
  if (!l) return;
  for (size_t i = 0; i < LAYOUT_SLOTS; i++) l->slot[i].id = -1;
  l->count = 0;
  l->keys.len = 0;
}

store_layouts *store_layouts_new(void) {
  store_layouts *l = calloc(1, sizeof *l);
  store_layouts_reset(l);
  return l;
}

void store_layouts_free(store_layouts *l) {
  if (!l) return;
  fl_buf_free(&l->keys);
  free(l);
}

int32_t store_layout_of(store_layouts *l, const fl_evtx_event *r, int *is_new) {
  *is_new = 0;
  if (!l) return -1;
  uint64_t h = hash_names(r);
  for (size_t i = h & (LAYOUT_SLOTS - 1);; i = (i + 1) & (LAYOUT_SLOTS - 1)) {
    if (l->slot[i].id < 0) { /* not seen: a new layout, while there is room */
      if (l->count >= STORE_LAYOUTS_MAX || l->keys.len > UINT32_MAX / 2) return -1;
      size_t off = l->keys.len;
      pack_names(&l->keys, r);
      if (l->keys.failed || l->keys.len - off > UINT32_MAX / 2) return -1;
      l->slot[i].hash = h;
      l->slot[i].key_off = (uint32_t)off;
      l->slot[i].key_len = (uint32_t)(l->keys.len - off);
      l->slot[i].id = (int32_t)l->count++;
      *is_new = 1;
      return l->slot[i].id;
    }
    if (l->slot[i].hash == h &&
        same_names(l->keys.p ? l->keys.p + l->slot[i].key_off : "",
                   l->slot[i].key_len, r))
      return l->slot[i].id;
  }
}

/* ["name", ...] of r's values, as the layouts table keeps them. */
void store_render_layout_names(store_buf *b, const fl_evtx_event *r) {
  store_buf_putc(b, '[');
  for (size_t i = 0; i < r->data_count; i++) {
    if (i) store_buf_putc(b, ',');
    store_buf_value_name(b, r, i);
  }
  store_buf_putc(b, ']');
}

/* ---- the slim `data` ---- */

static void key(store_buf *b, const char *k, int *first) {
  if (!*first) store_buf_putc(b, ',');
  *first = 0;
  store_buf_putc(b, '"');
  store_buf_put(b, k, strlen(k));
  store_buf_put(b, "\":", 2);
}

/* A text field a column also holds (col; "" when unknown): nothing when
** they agree, null when the record lacks it, else the record's own. */
static void patch_text(store_buf *b, const char *k, fl_evtx_str rec,
                       fl_evtx_str col, int *first) {
  if (rec.ptr && rec.len == col.len &&
      (!rec.len || memcmp(rec.ptr, col.ptr, rec.len) == 0))
    return;
  key(b, k, first);
  if (!rec.ptr) store_buf_put(b, "null", 4);
  else store_buf_json_str(b, rec.ptr, rec.len);
}

/* The same for a number whose column is never NULL. */
static void patch_num(store_buf *b, const char *k, int has, uint64_t rec,
                      uint64_t col, int *first) {
  if (has && rec == col) return;
  key(b, k, first);
  if (!has) store_buf_put(b, "null", 4);
  else store_buf_u64(b, rec);
}

/* Typed text columns a value may be stored as a reference to (an integer
** in the values array: the index here). The order is fl_event_json's
** parameters ?10... and must never change once written. */
static const size_t column_refs[] = {
    offsetof(fl_typed_event, state_text),
    offsetof(fl_typed_event, local_address),
    offsetof(fl_typed_event, remote_address),
    offsetof(fl_typed_event, local_principal),
    offsetof(fl_typed_event, remote_principal),
    offsetof(fl_typed_event, error_text),
    offsetof(fl_typed_event, error_raw),
    offsetof(fl_typed_event, initiator_cookie),
    offsetof(fl_typed_event, responder_cookie),
    offsetof(fl_typed_event, cert_hash),
    offsetof(fl_typed_event, policy),
    offsetof(fl_typed_event, iscsi_target),
};
#define COLUMN_REFS (sizeof column_refs / sizeof *column_refs)

/* The column holding exactly this value (the typer points its strings into
** the record, so the same bytes are the same pointer), or -1. */
static int column_of(const fl_typed_event *t, fl_evtx_str v) {
  if (!v.ptr || !v.len) return -1;
  for (size_t k = 0; k < COLUMN_REFS; k++) {
    const fl_evtx_str *c = (const fl_evtx_str *)((const char *)t + column_refs[k]);
    if (c->ptr == v.ptr && c->len == v.len) return (int)k;
  }
  return -1;
}

void store_render_row_data(store_buf *b, const fl_evtx_event *r,
                           const fl_typed_event *t) {
  static const fl_evtx_str empty = {"", 0};
  unsigned has = r->present;
  int first = 1;
  store_buf_putc(b, '{');
  patch_text(b, "provider", r->provider_name, t->provider.ptr ? t->provider : empty, &first);
  patch_num(b, "event_id", (has & FL_EVTX_HAS_EVENT_ID) != 0, r->event_id, t->event_id, &first);
  /* version: the column is the record's or NULL, so never patched */
  patch_num(b, "time_created", (has & FL_EVTX_HAS_TIME_CREATED) != 0,
            r->time_created, (uint64_t)store_clamp_i64(t->time), &first);
  if (has & FL_EVTX_HAS_EVENT_RECORD_ID) /* else the column is NULL too */
    patch_num(b, "event_record_id", 1, r->event_record_id,
              (uint64_t)store_clamp_i64(t->record_id), &first);
  patch_text(b, "channel", r->channel, t->channel.ptr ? t->channel : empty, &first);
  patch_text(b, "computer", r->computer, t->host.ptr ? t->host : empty, &first);
  store_render_system_rest(b, r, &first);
  key(b, "data", &first);
  store_buf_putc(b, '[');
  for (size_t i = 0; i < r->data_count; i++) {
    if (i) store_buf_putc(b, ',');
    const fl_evtx_pair *d = &r->data[i];
    int k = column_of(t, d->value); /* stored once: the column has it */
    if (k >= 0) store_buf_u64(b, (uint64_t)k);
    else store_buf_json_str(b, d->value.ptr ? d->value.ptr : "", d->value.len);
  }
  store_buf_put(b, "]}", 2);
}

/* ---- fl_event_json(): the whole record of a row with a layout ----
** SQL function for the events_json view. SQLite 3.40 lets no JSON function
** run inside a view when the schema is not trusted (faultline never trusts
** it), so the view calls this innocuous function, which runs the JSON
** work as a statement of its own: the columns' object patched with `data`
** (null there deletes a key), then the values zipped with the names.
** Arguments: names, provider, event_id, version, time, record_id, channel,
** host, data, then the columns of column_refs (a value stored as the
** integer k is column k's text). */
void store_fn_event_json(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  static const char sql[] =
      "SELECT json_set(json_patch(json_patch('{}', json_object('provider', ?2,"
      " 'event_id', ?3, 'version', ?4, 'time_created', ?5, 'event_record_id',"
      " ?6, 'channel', ?7, 'computer', ?8)), ?9), '$.data', json((SELECT"
      " json_group_object(n.value, CASE v.type WHEN 'integer' THEN CASE"
      " v.value WHEN 0 THEN ?10 WHEN 1 THEN ?11 WHEN 2 THEN ?12 WHEN 3 THEN ?13"
      " WHEN 4 THEN ?14 WHEN 5 THEN ?15 WHEN 6 THEN ?16 WHEN 7 THEN ?17 WHEN 8"
      " THEN ?18 WHEN 9 THEN ?19 WHEN 10 THEN ?20 WHEN 11 THEN ?21 END ELSE"
      " v.value END) FROM json_each(?1) n JOIN json_each(?9, '$.data') v"
      " ON v.key = n.key)))";
  if (argc != STORE_EVENT_JSON_ARGS) return;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) { /* the row has it all */
    sqlite3_result_value(ctx, argv[8]);
    return;
  }
  /* prepared once per connection (finalized by fl_store_close); a call
  ** nested in another's statement gets one of its own */
  fl_store *s = sqlite3_user_data(ctx);
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  sqlite3_stmt *st = s->stmt[STMT_EVENT_JSON], *own = NULL;
  if (!st || sqlite3_stmt_busy(st)) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &own, NULL) !=
        SQLITE_OK) {
      sqlite3_result_error(ctx, "fl_event_json: cannot prepare", -1);
      return;
    }
    if (!st) s->stmt[STMT_EVENT_JSON] = own, own = NULL;
    st = own ? own : s->stmt[STMT_EVENT_JSON];
  }
  for (int i = 0; i < argc; i++) sqlite3_bind_value(st, i + 1, argv[i]);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) sqlite3_result_value(ctx, sqlite3_column_value(st, 0));
  else sqlite3_result_error(ctx, sqlite3_errmsg(db), -1);
  sqlite3_reset(st);
  sqlite3_finalize(own);
}
