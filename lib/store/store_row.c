/*
** What a stored row's `data` holds and the layouts that describe it. The
** columns already hold provider, event id, version, time, record id,
** channel and host, and the key names repeat for every record of an event,
** so a row keeps only values: `data` is a JSON array, and layout_id names
** its members (layouts.names, one row per distinct shape). Rows written
** since schema 4 have names {"system":[keys...],"data":[names...]} and
** `data` = [system values..., event values...]: the System fields no
** column holds, then any field that disagrees with its column (its own
** value, or null: the record lacks it), then the EventData/UserData values
** (an integer k there: the k-th text column of column_refs holds it).
** Schema-3 rows (names a plain array, `data` an object) stay readable:
** store_row_json.c rebuilds both. The writer thread spends its time on
** bytes (SQLite records, the kernel copying pages): a row is about half
** the size of the record's JSON.
**
** Must never: let events_json give anything but the record's full JSON
** (store_render_event_json: tests/unit/test_store_json.c compares them),
** share the layout table across threads (the producer owns it; the writer
** gets a new layout's names in the row that first uses it), or grow
** without bound (past STORE_LAYOUTS_MAX layouts a source's rows keep the
** full JSON).
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
  int32_t last;      /* the slot the previous record matched, or -1 */
  store_buf keys;    /* every layout's packed names */
};

static void put_u32(store_buf *b, uint32_t v) {
  store_buf_put(b, (const char *)&v, sizeof v);
}

/* ---- a row's System members: which keys, their values ---- */

/* Bit k of a row's shape: key k is in its `data`. The order is stored in
** every layout's names and must never change for a written layout, but a
** new key may be added at the end. The first six a column holds (present
** when the record disagrees); no column holds the rest. */
#define SYSTEM_KEYS(X)                                                        \
  X(PROVIDER, "provider") X(EVENT_ID, "event_id")                             \
  X(TIME_CREATED, "time_created") X(EVENT_RECORD_ID, "event_record_id")       \
  X(CHANNEL, "channel") X(COMPUTER, "computer")                               \
  X(PROVIDER_GUID, "provider_guid") X(EVENT_SOURCE, "event_source")           \
  X(QUALIFIERS, "qualifiers") X(LEVEL, "level") X(TASK, "task")               \
  X(OPCODE, "opcode") X(KEYWORDS, "keywords") X(PROCESS_ID, "process_id")     \
  X(THREAD_ID, "thread_id") X(USER_SID, "user_sid")                           \
  X(ACTIVITY_ID, "activity_id") X(RELATED_ACTIVITY_ID, "related_activity_id") \
  X(RECOVERED, "recovered")
#define SYSTEM_KEY_ENUM(id, name) SK_##id,
enum { SYSTEM_KEYS(SYSTEM_KEY_ENUM) SYSTEM_KEY_COUNT };
#define SYSTEM_KEY_NAME(id, name) name,
static const char *const system_keys[] = {SYSTEM_KEYS(SYSTEM_KEY_NAME)};
_Static_assert((int)SYSTEM_KEY_COUNT == (int)STORE_SYSTEM_KEYS,
               "store_internal.h sizes store_system for every key");

static void text_member(store_system *m, int k, fl_evtx_str v) {
  if (!v.ptr) return;
  m->shape |= 1u << k;
  m->v[k].type = STORE_SYS_TEXT;
  m->v[k].text = v;
}

static void num_member(store_system *m, int k, int has, uint64_t v) {
  if (!has) return;
  m->shape |= 1u << k;
  m->v[k].type = STORE_SYS_NUM;
  m->v[k].num = v;
}

/* A field a column holds (col; "" when unknown): nothing when they agree,
** null when the record lacks it, else the record's own. */
static void text_patch(store_system *m, int k, fl_evtx_str rec, fl_evtx_str col) {
  if (rec.ptr && rec.len == col.len &&
      (!rec.len || memcmp(rec.ptr, col.ptr, rec.len) == 0))
    return;
  m->shape |= 1u << k;
  m->v[k].type = rec.ptr ? STORE_SYS_TEXT : STORE_SYS_NULL;
  m->v[k].text = rec;
}

/* The same for a number whose column is never NULL. */
static void num_patch(store_system *m, int k, int has, uint64_t rec, uint64_t col) {
  if (has && rec == col) return;
  m->shape |= 1u << k;
  m->v[k].type = has ? STORE_SYS_NUM : STORE_SYS_NULL;
  m->v[k].num = rec;
}

void store_system_of(store_system *m, const fl_evtx_event *r,
                     const fl_typed_event *t) {
  static const fl_evtx_str empty = {"", 0};
  unsigned has = r->present;
  m->shape = 0;
  text_patch(m, SK_PROVIDER, r->provider_name, t->provider.ptr ? t->provider : empty);
  num_patch(m, SK_EVENT_ID, (has & FL_EVTX_HAS_EVENT_ID) != 0, r->event_id,
            t->event_id);
  /* version: the column is the record's or NULL, so never patched */
  num_patch(m, SK_TIME_CREATED, (has & FL_EVTX_HAS_TIME_CREATED) != 0,
            r->time_created, (uint64_t)store_clamp_i64(t->time));
  if (has & FL_EVTX_HAS_EVENT_RECORD_ID) /* else the column is NULL too */
    num_patch(m, SK_EVENT_RECORD_ID, 1, r->event_record_id,
              (uint64_t)store_clamp_i64(t->record_id));
  text_patch(m, SK_CHANNEL, r->channel, t->channel.ptr ? t->channel : empty);
  text_patch(m, SK_COMPUTER, r->computer, t->host.ptr ? t->host : empty);
  text_member(m, SK_PROVIDER_GUID, r->provider_guid);
  text_member(m, SK_EVENT_SOURCE, r->event_source_name);
  num_member(m, SK_QUALIFIERS, (has & FL_EVTX_HAS_QUALIFIERS) != 0, r->qualifiers);
  num_member(m, SK_LEVEL, (has & FL_EVTX_HAS_LEVEL) != 0, r->level);
  num_member(m, SK_TASK, (has & FL_EVTX_HAS_TASK) != 0, r->task);
  num_member(m, SK_OPCODE, (has & FL_EVTX_HAS_OPCODE) != 0, r->opcode);
  num_member(m, SK_KEYWORDS, (has & FL_EVTX_HAS_KEYWORDS) != 0, r->keywords);
  if (m->shape & (1u << SK_KEYWORDS)) m->v[SK_KEYWORDS].type = STORE_SYS_KEYWORDS;
  num_member(m, SK_PROCESS_ID, (has & FL_EVTX_HAS_PROCESS_ID) != 0, r->process_id);
  num_member(m, SK_THREAD_ID, (has & FL_EVTX_HAS_THREAD_ID) != 0, r->thread_id);
  text_member(m, SK_USER_SID, r->user_sid);
  text_member(m, SK_ACTIVITY_ID, r->activity_id);
  text_member(m, SK_RELATED_ACTIVITY_ID, r->related_activity_id);
  num_member(m, SK_RECOVERED, r->recovered != 0, 1);
}

/* A hash of the name list, 8 bytes a step (it runs for every record). */
static uint64_t hash_names(const fl_evtx_event *r, uint32_t shape) {
  uint64_t h = (0x9e3779b97f4a7c15ull ^ r->data_count ^ ((uint64_t)shape << 32)) *
               0xff51afd7ed558ccdull;
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

/* 1 when the packed key (u32 shape, then u32 length + bytes per name) is
** r's shape and name list. */
static int same_names(const char *key, uint32_t len, const fl_evtx_event *r,
                      uint32_t shape) {
  size_t at = sizeof shape;
  char tmp[24];
  if (len < sizeof shape || memcmp(key, &shape, sizeof shape) != 0) return 0;
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

static void pack_names(store_buf *b, const fl_evtx_event *r, uint32_t shape) {
  char tmp[24];
  put_u32(b, shape);
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
  l->last = -1;
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

int32_t store_layout_of(store_layouts *l, const fl_evtx_event *r,
                        uint32_t shape, int *is_new) {
  *is_new = 0;
  if (!l) return -1;
  /* records of one event come in runs: the previous layout, compared
  ** byte for byte, answers most of them without hashing the names */
  if (l->last >= 0 && same_names(l->keys.p + l->slot[l->last].key_off,
                                 l->slot[l->last].key_len, r, shape))
    return l->slot[l->last].id;
  uint64_t h = hash_names(r, shape);
  for (size_t i = h & (LAYOUT_SLOTS - 1);; i = (i + 1) & (LAYOUT_SLOTS - 1)) {
    if (l->slot[i].id < 0) { /* not seen: a new layout, while there is room */
      if (l->count >= STORE_LAYOUTS_MAX || l->keys.len > UINT32_MAX / 2) return -1;
      size_t off = l->keys.len;
      pack_names(&l->keys, r, shape);
      if (l->keys.failed || l->keys.len - off > UINT32_MAX / 2) return -1;
      l->slot[i].hash = h;
      l->slot[i].key_off = (uint32_t)off;
      l->slot[i].key_len = (uint32_t)(l->keys.len - off);
      l->slot[i].id = (int32_t)l->count++;
      l->last = (int32_t)i;
      *is_new = 1;
      return l->slot[i].id;
    }
    if (l->slot[i].hash == h &&
        same_names(l->keys.p ? l->keys.p + l->slot[i].key_off : "",
                   l->slot[i].key_len, r, shape)) {
      l->last = (int32_t)i;
      return l->slot[i].id;
    }
  }
}

/* {"system":[keys of the shape],"data":["name", ...]}: what layouts.names
** keeps for the rows of this shape and these value names. */
void store_render_layout_names(store_buf *b, const fl_evtx_event *r,
                               uint32_t shape) {
  store_buf_put(b, "{\"system\":[", 11);
  int first = 1;
  for (int k = 0; k < STORE_SYSTEM_KEYS; k++) {
    if (!(shape & (1u << k))) continue;
    if (!first) store_buf_putc(b, ',');
    first = 0;
    fl_text_json(b, system_keys[k], strlen(system_keys[k]), 0);
  }
  store_buf_put(b, "],\"data\":[", 10);
  for (size_t i = 0; i < r->data_count; i++) {
    if (i) store_buf_putc(b, ',');
    store_buf_value_name(b, r, i);
  }
  store_buf_put(b, "]}", 2);
}

/* ---- the slim `data` ---- */

/* Typed text columns a value may be stored as a reference to (an integer
** in the values array: the index here). The order is fl_event_json's
** parameters ?10... and must never change once written (store_row_json.c). */
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
_Static_assert(COLUMN_REFS <= 20, "a reference is written as one or two digits");

/* The text columns that hold something, with their numbers: a value is
** looked for among these only (most rows fill about half of them). */
typedef struct column_set {
  fl_evtx_str text[COLUMN_REFS];
  uint8_t ref[COLUMN_REFS];
  size_t count;
} column_set;

static void columns_of(column_set *c, const fl_typed_event *t) {
  c->count = 0;
  for (size_t k = 0; k < COLUMN_REFS; k++) {
    const fl_evtx_str *v = (const fl_evtx_str *)((const char *)t + column_refs[k]);
    if (!v->ptr || !v->len) continue;
    c->text[c->count] = *v;
    c->ref[c->count++] = (uint8_t)k;
  }
}

/* The column holding exactly this value (the typer points its strings into
** the record, so the same bytes are the same pointer), or -1. */
static int column_of(const column_set *c, fl_evtx_str v) {
  for (size_t i = 0; i < c->count; i++)
    if (c->text[i].ptr == v.ptr && c->text[i].len == v.len) return c->ref[i];
  return -1;
}

static void put_system_value(store_buf *b, const store_system_value *v) {
  switch (v->type) {
  case STORE_SYS_NULL: store_buf_put(b, "null", 4); break;
  case STORE_SYS_NUM: store_buf_u64(b, v->num); break;
  case STORE_SYS_KEYWORDS: store_buf_keywords(b, v->num); break;
  default: fl_text_json(b, v->text.ptr, v->text.len, 0); break;
  }
}

void store_render_row_data(store_buf *b, const fl_evtx_event *r,
                           const fl_typed_event *t, const store_system *m) {
  int first = 1;
  column_set cols;
  columns_of(&cols, t);
  store_buf_putc(b, '[');
  for (uint32_t bits = m->shape; bits; bits &= bits - 1) {
    if (!first) store_buf_putc(b, ',');
    first = 0;
    put_system_value(b, &m->v[__builtin_ctz(bits)]);
  }
  for (size_t i = 0; i < r->data_count; i++) {
    if (!first) store_buf_putc(b, ',');
    first = 0;
    const fl_evtx_pair *d = &r->data[i];
    int k = d->value.len ? column_of(&cols, d->value) : -1;
    if (k >= 10) store_buf_putc(b, '1'); /* stored once: the column has it */
    if (k >= 0) store_buf_putc(b, (char)('0' + k % 10));
    else fl_text_json(b, d->value.ptr ? d->value.ptr : "", d->value.len, 0);
  }
  store_buf_putc(b, ']');
}
