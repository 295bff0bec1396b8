/*
** The indexes of catalog_typed_index.h, built once (pthread_once) into
** static arrays sized at compile time by counting the .def tables' rows,
** then only read, so reader worker threads share them without locks.
** Open addressing with at least twice as many slots as entries keeps every
** probe chain short and always ends at an empty slot.
**
** Must never: keep a fact that is not in a table, let a later table row
** shadow an earlier one (the catalog's own lookups return the first match),
** allocate, or compare past a length it was given.
*/
#include <pthread.h>
#include <string.h>

#include "catalog/catalog_typed_index.h"

#define COUNT(a) (sizeof(a) / sizeof *(a))

static const struct {
  fl_event_source source;
  uint32_t id;
  fl_event_kind kind;
} classes[] = {
#define FL_CLASS(src, id, kind) {src, id, kind},
#include "catalog/event_classes.def"
#undef FL_CLASS
};

static const struct { /* name first: no padding */
  const char *name;
  fl_event_source source;
  fl_field_role role;
} source_fields[] = {
#define FL_SOURCE_FIELD(src, name, role) {name, src, role},
#include "catalog/source_fields.def"
#undef FL_SOURCE_FIELD
};

/* Row counts of the tables other files build, for the static arrays. */
enum {
  SEC_EVENTS = 0
#define FL_EVENT_BEGIN(...) +1
#define FL_FIELD(...)
#define FL_EVENT_END(...)
#include "catalog/security_events.def"
#undef FL_EVENT_BEGIN
#undef FL_FIELD
#undef FL_EVENT_END
};
enum {
  SEC_FIELDS = 0
#define FL_EVENT_BEGIN(...)
#define FL_FIELD(...) +1
#define FL_EVENT_END(...)
#include "catalog/security_events.def"
#undef FL_EVENT_BEGIN
#undef FL_FIELD
#undef FL_EVENT_END
};
enum {
  ISCSIPRT_EVENTS = 0
#define FL_ISCSIPRT(...) +1
#include "catalog/iscsiprt_events.def"
#undef FL_ISCSIPRT
};
enum {
  ENUM_INSERTS = 0
#define FL_ENUM_INSERT(...) +1
#include "catalog/enum_inserts.def"
#undef FL_ENUM_INSERT
};
enum {
  ENUM_SYMBOLS = 0
#define FL_ENUM_BEGIN(...)
#define FL_ENUM(...) +1
#define FL_ENUM_END(...)
#include "faultline/wfp_enums.def"
#undef FL_ENUM_BEGIN
#undef FL_ENUM
#undef FL_ENUM_END
};
enum {
  CODES = 0
#define FL_CODE(...) +1
#include "catalog/codes_win32.def"
#include "catalog/codes_ras.def"
#include "catalog/codes_hresult.def"
#include "catalog/codes_ntstatus.def"
#include "catalog/codes_iscsi.def"
#undef FL_CODE
};

/* An open-addressing table of n entries needs at most 4n slots (the power
** of two at or above 2n), 1 when empty. */
#define SLOTS_FOR(n) (4 * (n) + 1)
enum {
  KIND_ENTRIES = (int)COUNT(classes) + ISCSIPRT_EVENTS,
  DEF_ENTRIES = 2 * SEC_EVENTS, /* exact version + highest version */
  NAMES = SEC_FIELDS + (int)COUNT(source_fields),
  FIELD_SETS = SEC_EVENTS + FL_SOURCE_COUNT_,
  GROUPS = ENUM_INSERTS + ENUM_SYMBOLS /* each row could name a new enum */
};

/* Keys carry a tag bit so that 0 can mean an empty slot. */
#define KEY_TAG (1ull << 63)

typedef struct key_map {
  uint64_t *keys;
  uint16_t *vals;
  uint32_t mask;
} key_map;

typedef struct enum_entry {
  const char *text;   /* insert text or SDK symbol; NULL: insert without one */
  size_t len;
  uint32_t insert;    /* %%NNNN id (insert entries only) */
  int64_t value;
} enum_entry;

enum { SLICE_INSERTS, SLICE_SYMBOLS };

typedef struct enum_group {
  const char *name;
  size_t first[2], count[2]; /* slices of inserts[] and symbols[] (SLICE_*) */
} enum_group;

/* Everything the indexes hold; widest members first (no padding). */
static struct {
  uint64_t kind_keys[SLOTS_FOR(KIND_ENTRIES)];  /* (source, id) -> kind */
  uint64_t def_keys[SLOTS_FOR(DEF_ENTRIES)];    /* (id, version) -> sets[] */
  uint64_t insert_keys[SLOTS_FOR(ENUM_INSERTS)]; /* (group, %%NNNN) -> inserts[] */
  key_map kinds, defs, by_insert;
  fl_typed_name names[NAMES + 1];
  fl_typed_fields sets[FIELD_SETS];
  enum_group groups[GROUPS + 1];
  enum_entry inserts[ENUM_INSERTS + 1];
  enum_entry symbols[ENUM_SYMBOLS + 1];
  const fl_code_info *codes[CODES + 1];
  size_t code_len[CODES + 1];
  size_t group_count;
  uint32_t code_mask;
  int complete;
  uint16_t kind_vals[SLOTS_FOR(KIND_ENTRIES)];
  uint16_t def_vals[SLOTS_FOR(DEF_ENTRIES)];
  uint16_t insert_vals[SLOTS_FOR(ENUM_INSERTS)];
  uint16_t name_slots[SLOTS_FOR(NAMES) + FIELD_SETS];
  uint16_t code_slots[SLOTS_FOR(CODES)];  /* message text -> codes[] */
  uint8_t def_version[SEC_EVENTS + 1];
} ix;

static pthread_once_t ix_once = PTHREAD_ONCE_INIT;

static uint32_t slots_for(size_t n) {
  uint32_t cap = 1;
  while (cap < 2 * n) cap <<= 1;
  return cap;
}

static uint32_t mix64(uint64_t k) {
  return (uint32_t)((k * 0x9E3779B97F4A7C15ull) >> 32);
}

/* Names and message texts differ most at their ends: hash the length and
** the first and last eight bytes, never more than len bytes. */
static uint32_t text_hash(const char *p, size_t len) {
  uint64_t a = 0, b = 0;
  if (len >= 8) {
    memcpy(&a, p, 8);
    memcpy(&b, p + len - 8, 8);
  } else {
    for (size_t i = 0; i < len; i++) a = (a << 8) | (unsigned char)p[i];
  }
  return mix64((a * 0xC2B2AE3D27D4EB4Full) ^ b ^ ((uint64_t)len << 56));
}

/* Adds key -> val unless key is there (first row wins), or replaces it. */
static void map_put(key_map *m, uint64_t key, uint16_t val, int replace) {
  uint32_t i = mix64(key) & m->mask;
  while (m->keys[i] && m->keys[i] != key) i = (i + 1) & m->mask;
  if (!m->keys[i] || replace) {
    m->keys[i] = key;
    m->vals[i] = val;
  }
}

static long map_get(const key_map *m, uint64_t key) {
  for (uint32_t i = mix64(key) & m->mask;; i = (i + 1) & m->mask) {
    if (m->keys[i] == key) return m->vals[i];
    if (!m->keys[i]) return -1;
  }
}

static uint64_t kind_key(fl_event_source src, uint32_t id) {
  return KEY_TAG | ((uint64_t)(unsigned)src << 32) | id;
}

/* version + 1 in bits 16..: 0 stands for "the highest version". */
static uint64_t def_key(uint16_t id, int64_t version) {
  return KEY_TAG | ((uint64_t)(version + 1) << 16) | id;
}

static uint64_t insert_key(int group, uint64_t insert) {
  return KEY_TAG | ((uint64_t)(unsigned)group << 32) | insert;
}

static void build_kinds(void) {
  ix.kinds = (key_map){ix.kind_keys, ix.kind_vals, slots_for(KIND_ENTRIES) - 1};
  for (size_t i = 0; i < COUNT(classes); i++)
    map_put(&ix.kinds, kind_key(classes[i].source, classes[i].id),
            (uint16_t)classes[i].kind, 0);
  size_t n = fl_catalog_iscsiprt_count();
  if (n > ISCSIPRT_EVENTS) ix.complete = 0, n = ISCSIPRT_EVENTS;
  for (size_t i = 0; i < n; i++) {
    const fl_iscsiprt_event *e = fl_catalog_iscsiprt_at(i);
    fl_event_kind kind = e->severity == FL_SEVERITY_ERROR ? FL_KIND_ISCSI_ERROR
                                                         : FL_KIND_ISCSI_INFO;
    map_put(&ix.kinds, kind_key(FL_SOURCE_ISCSIPRT, e->id), (uint16_t)kind, 0);
  }
}

/* Fills set from names[first, first + count) and hands it the next free
** slots; a repeated name keeps its first index. */
static void build_set(fl_typed_fields *set, size_t first, size_t count,
                      size_t *slot_used) {
  uint32_t cap = slots_for(count);
  uint16_t *slots = ix.name_slots + *slot_used;
  *slot_used += cap;
  *set = (fl_typed_fields){ix.names + first, count, slots, cap - 1};
  for (size_t j = 0; j < count; j++) {
    const fl_typed_name *nm = &set->names[j];
    uint32_t i = text_hash(nm->name, nm->len) & set->mask;
    while (slots[i]) {
      const fl_typed_name *o = &set->names[slots[i] - 1];
      if (o->len == nm->len && memcmp(o->name, nm->name, nm->len) == 0) break;
      i = (i + 1) & set->mask;
    }
    if (!slots[i]) slots[i] = (uint16_t)(j + 1);
  }
}

static void add_name(size_t *used, const char *name, fl_field_role role) {
  ix.names[(*used)++] = (fl_typed_name){name, strlen(name), role};
}

/* One set per Security event (in catalog order), then one per source. */
static void build_fields(void) {
  size_t used = 0, slot_used = 0, events = fl_catalog_event_count();
  if (events > SEC_EVENTS) ix.complete = 0, events = SEC_EVENTS;
  ix.defs = (key_map){ix.def_keys, ix.def_vals, slots_for(DEF_ENTRIES) - 1};
  for (size_t e = 0; e < events; e++) {
    const fl_event_def *ev = fl_catalog_event_at(e);
    size_t first = used, n = ev->field_count;
    if (n > (size_t)SEC_FIELDS - used) ix.complete = 0, n = SEC_FIELDS - used;
    for (size_t j = 0; j < n; j++)
      add_name(&used, ev->fields[j].name, ev->fields[j].role);
    build_set(&ix.sets[e], first, n, &slot_used);
    ix.def_version[e] = ev->version;
    map_put(&ix.defs, def_key(ev->id, ev->version), (uint16_t)e, 0);
    long best = map_get(&ix.defs, def_key(ev->id, -1));
    if (best < 0 || ev->version > ix.def_version[best])
      map_put(&ix.defs, def_key(ev->id, -1), (uint16_t)e, 1);
  }
  for (int src = 0; src < FL_SOURCE_COUNT_; src++) {
    size_t first = used;
    for (size_t i = 0; i < COUNT(source_fields); i++)
      if (source_fields[i].source == (fl_event_source)src)
        add_name(&used, source_fields[i].name, source_fields[i].role);
    build_set(&ix.sets[SEC_EVENTS + src], first, used - first, &slot_used);
  }
}

static int group_of(const char *enum_name, int create) {
  for (size_t g = 0; g < ix.group_count; g++)
    if (strcmp(ix.groups[g].name, enum_name) == 0) return (int)g;
  if (!create) return -1;
  if (ix.group_count >= GROUPS) {
    ix.complete = 0;
    return -1;
  }
  ix.groups[ix.group_count].name = enum_name;
  return (int)ix.group_count++;
}

/* Counting sort of a table's rows into their enum's slice of one array:
** each group's rows counted (groups made as met), then each slice's start;
** the counts restart at 0 for the caller's fill. */
static size_t size_slices(size_t n, size_t cap, const char *(*enum_at)(size_t), int slice) {
  if (n > cap) ix.complete = 0, n = cap;
  for (size_t i = 0; i < n; i++) {
    int g = group_of(enum_at(i), 1);
    if (g >= 0) ix.groups[g].count[slice]++;
  }
  for (size_t g = 0, at = 0; g < ix.group_count; g++) {
    ix.groups[g].first[slice] = at;
    at += ix.groups[g].count[slice];
    ix.groups[g].count[slice] = 0;
  }
  return n;
}

static const char *insert_enum_at(size_t i) { return fl_catalog_enum_insert_at(i)->enum_name; }
static const char *symbol_enum_at(size_t i) { return fl_catalog_enum_value_at(i)->enum_name; }

/* Gives each group its slice of inserts[], rows in table order. */
static void build_enum_inserts(void) {
  ix.by_insert = (key_map){ix.insert_keys, ix.insert_vals, slots_for(ENUM_INSERTS) - 1};
  size_t n = size_slices(fl_catalog_enum_insert_count(), ENUM_INSERTS, insert_enum_at,
                         SLICE_INSERTS);
  for (size_t i = 0; i < n; i++) {
    const fl_enum_insert *m = fl_catalog_enum_insert_at(i);
    int gi = group_of(m->enum_name, 0);
    if (gi < 0) continue;
    enum_group *g = &ix.groups[gi];
    const fl_insert_info *in = fl_catalog_insert(m->insert);
    size_t at = g->first[SLICE_INSERTS] + g->count[SLICE_INSERTS]++;
    ix.inserts[at] = (enum_entry){in ? in->text : NULL, in ? strlen(in->text) : 0,
                                  m->insert, m->value};
    map_put(&ix.by_insert, insert_key(gi, m->insert), (uint16_t)at, 0);
  }
}

/* The same for symbols[]; groups made by build_enum_inserts keep theirs. */
static void build_enum_symbols(void) {
  size_t n = size_slices(fl_catalog_enum_value_count(), ENUM_SYMBOLS, symbol_enum_at,
                         SLICE_SYMBOLS);
  for (size_t i = 0; i < n; i++) {
    const fl_enum_value *v = fl_catalog_enum_value_at(i);
    int gi = group_of(v->enum_name, 0);
    if (gi < 0) continue;
    enum_group *g = &ix.groups[gi];
    ix.symbols[g->first[SLICE_SYMBOLS] + g->count[SLICE_SYMBOLS]++] =
        (enum_entry){v->symbol, strlen(v->symbol), 0, v->value};
  }
}

static void build_codes(void) {
  size_t n = fl_catalog_code_count();
  if (n > CODES) ix.complete = 0, n = CODES;
  ix.code_mask = slots_for(n) - 1;
  for (size_t c = 0; c < n; c++) {
    ix.codes[c] = fl_catalog_code_at(c);
    ix.code_len[c] = strlen(ix.codes[c]->message);
    uint32_t i = text_hash(ix.codes[c]->message, ix.code_len[c]) & ix.code_mask;
    while (ix.code_slots[i]) {
      size_t o = ix.code_slots[i] - 1u;
      if (ix.code_len[o] == ix.code_len[c] &&
          memcmp(ix.codes[o]->message, ix.codes[c]->message, ix.code_len[c]) == 0)
        break;
      i = (i + 1) & ix.code_mask;
    }
    if (!ix.code_slots[i]) ix.code_slots[i] = (uint16_t)(c + 1);
  }
}

static void build_all(void) {
  ix.complete = 1;
  build_kinds();
  build_fields();
  build_enum_inserts();
  build_enum_symbols();
  build_codes();
}

void fl_typed_index_build(void) { pthread_once(&ix_once, build_all); }

int fl_typed_index_complete(void) {
  fl_typed_index_build();
  return ix.complete;
}

fl_event_kind fl_typed_kind(fl_event_source src, uint32_t id) {
  long k = map_get(&ix.kinds, kind_key(src, id));
  return k < 0 ? FL_KIND_OTHER : (fl_event_kind)k;
}

const fl_typed_fields *fl_typed_security_fields(uint16_t id, int64_t version) {
  long e = version >= 0 && version <= UINT8_MAX
               ? map_get(&ix.defs, def_key(id, version)) : -1;
  if (version < 0) e = map_get(&ix.defs, def_key(id, -1));
  return e < 0 ? NULL : &ix.sets[e];
}

const fl_typed_fields *fl_typed_source_fields(fl_event_source src) {
  unsigned s = (unsigned)src < FL_SOURCE_COUNT_ ? (unsigned)src : 0;
  return &ix.sets[SEC_EVENTS + s];
}

long fl_typed_field_find(const fl_typed_fields *f, fl_evtx_str name) {
  if (!name.ptr) return -1;
  for (uint32_t i = text_hash(name.ptr, name.len) & f->mask; f->slots[i];
       i = (i + 1) & f->mask) {
    const fl_typed_name *nm = &f->names[f->slots[i] - 1];
    if (nm->len == name.len && fl_typed_same(nm->name, name.ptr, name.len))
      return f->slots[i] - 1;
  }
  return -1;
}

int fl_typed_enum_group(const char *enum_name) {
  return enum_name ? group_of(enum_name, 0) : -1;
}

int fl_typed_enum_by_insert(int group, uint64_t insert, int64_t *value) {
  if (group < 0 || insert > UINT32_MAX) return -1;
  long i = map_get(&ix.by_insert, insert_key(group, insert));
  if (i < 0) return -1;
  *value = ix.inserts[i].value;
  return 0;
}

int fl_typed_eq_ci(const char *a, const char *b, size_t len) {
  for (size_t i = 0; i < len; i++) {
    unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
    if (x == y) continue;
    /* Only a letter and its other case differ in bit 0x20 alone. */
    if ((x | 0x20) != (y | 0x20) || (x | 0x20) < 'a' || (x | 0x20) > 'z')
      return 0;
  }
  return 1;
}

int fl_typed_enum_by_text(int group, fl_evtx_str text, int64_t *value) {
  if (group < 0) return -1;
  const enum_group *g = &ix.groups[group];
  const enum_entry *slice = &ix.inserts[g->first[SLICE_INSERTS]];
  for (size_t i = 0; i < g->count[SLICE_INSERTS]; i++) {
    const enum_entry *e = &slice[i];
    if (e->text && e->len == text.len && fl_typed_eq_ci(text.ptr, e->text, e->len)) {
      *value = e->value;
      return 0;
    }
  }
  return -1;
}

int fl_typed_enum_by_symbol(int group, fl_evtx_str symbol, int64_t *value) {
  if (group < 0) return -1;
  const enum_group *g = &ix.groups[group];
  const enum_entry *slice = &ix.symbols[g->first[SLICE_SYMBOLS]];
  for (size_t i = 0; i < g->count[SLICE_SYMBOLS]; i++) {
    const enum_entry *e = &slice[i];
    if (e->len == symbol.len && fl_typed_same(symbol.ptr, e->text, e->len)) {
      *value = e->value;
      return 0;
    }
  }
  return -1;
}

const fl_code_info *fl_typed_code_by_message(const char *text, size_t len) {
  for (uint32_t i = text_hash(text, len) & ix.code_mask; ix.code_slots[i];
       i = (i + 1) & ix.code_mask) {
    size_t c = ix.code_slots[i] - 1u;
    if (ix.code_len[c] == len && fl_typed_same(ix.codes[c]->message, text, len))
      return ix.codes[c];
  }
  return NULL;
}
