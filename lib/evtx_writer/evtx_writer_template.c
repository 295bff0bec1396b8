/*
** EVTX writer: template shapes. Finds or builds the template for an event
** (one per provider, event id, version, body kind and field names/types),
** interns element names, and writes the template definition or, for
** template-less records, the element tree with the values inline.
**
** Templates and names are built once per writer; per chunk only their bytes
** are emitted again (names and definitions must be inline on first use in
** each chunk). Nothing here may allocate on the per-record path except when
** a new shape appears.
*/
#include "evtx_writer/evtx_writer_internal.h"

#include <stdlib.h>

#include "common/fl_error.h"
#include "common/fl_hash.h"

/* FNV-1a from a seed of its own: template GUIDs are made from these hashes,
** so the seed is part of the files the writer makes (keep it). */
#define WRITER_HASH_SEED 1469598103934665603ull
static uint64_t fnv64(const void *p, size_t n) {
  return fl_fnv1a64_add(WRITER_HASH_SEED, p, n);
}

static int grow(void **p, uint32_t *cap, uint32_t need, size_t elem) {
  if (need <= *cap) return 0;
  uint32_t n = *cap ? *cap : 16;
  while (n < need) n *= 2;
  void *q = realloc(*p, (size_t)n * elem);
  if (!q) return -1;
  *p = q;
  *cap = n;
  return 0;
}

/* ---- names ---- */

/* Open-addressing index (slot = entry + 1, linear probing) of the writer's
** names and templates. Before entry id goes in, the index is rebuilt twice
** as large when it would pass half full; hash_of(w, k) gives entry k's hash
** for the rebuild (entries 0..n-1 except id). */
typedef uint64_t (*index_hash_fn)(const fl_evtx_writer *w, uint32_t k);

static void index_put(uint32_t *idx, uint32_t cap, uint64_t h, uint32_t id) {
  uint32_t s = (uint32_t)h & (cap - 1);
  while (idx[s]) s = (s + 1) & (cap - 1);
  idx[s] = id + 1;
}

static int index_add(const fl_evtx_writer *w, uint32_t **idx, uint32_t *cap, uint32_t n,
                     uint32_t id, uint64_t h, index_hash_fn hash_of) {
  if ((n + 1) * 2 > *cap) {
    uint32_t ncap = *cap ? *cap * 2 : 64;
    uint32_t *nidx = calloc(ncap, sizeof *nidx);
    if (!nidx) return -1;
    free(*idx);
    *idx = nidx;
    *cap = ncap;
    for (uint32_t k = 0; k < n; k++)
      if (k != id) index_put(nidx, ncap, hash_of(w, k), k);
  }
  index_put(*idx, *cap, h, id);
  return 0;
}

static uint64_t name_hash(const fl_evtx_writer *w, uint32_t k) {
  return fnv64(w->names[k].utf8, strlen(w->names[k].utf8));
}

static int name_index_put(fl_evtx_writer *w, uint32_t id) {
  return index_add(w, &w->name_index, &w->name_index_cap, w->nnames, id,
                   name_hash(w, id), name_hash);
}

/* The id of name (UTF-8), interning it; -1 when out of memory or invalid. */
static long intern(fl_evtx_writer *w, const char *name) {
  size_t len = strlen(name);
  if (w->name_index_cap) {
    uint32_t s = (uint32_t)fnv64(name, len) & (w->name_index_cap - 1);
    for (; w->name_index[s]; s = (s + 1) & (w->name_index_cap - 1))
      if (!strcmp(w->names[w->name_index[s] - 1].utf8, name))
        return (long)w->name_index[s] - 1;
  }
  if (len == 0 || len > 0x7FFF) return -1;
  if (grow((void **)&w->names, &w->names_cap, w->nnames + 1, sizeof *w->names))
    return -1;
  fl_evtx_w_name *n = &w->names[w->nnames];
  memset(n, 0, sizeof *n);
  n->utf8 = malloc(len + 1);
  n->u16le = malloc(4 * len);
  if (!n->utf8 || !n->u16le) {
    free(n->utf8);
    free(n->u16le);
    return -1;
  }
  memcpy(n->utf8, name, len + 1);
  long units = fl_evtx_w_utf16(name, len, n->u16le, 2 * len);
  n->nchars = (uint16_t)units;
  n->hash = fl_evtx_w_name_hash(n->u16le, (size_t)units);
  w->nnames++;
  if (name_index_put(w, w->nnames - 1)) return -1;
  return (long)w->nnames - 1;
}

/* ---- shape key ---- */

static int key_put(fl_evtx_writer *w, size_t *len, const void *p, size_t n) {
  if (*len + n > w->key_cap) {
    size_t cap = w->key_cap ? w->key_cap : 256;
    while (cap < *len + n) cap *= 2;
    uint8_t *k = realloc(w->key, cap);
    if (!k) return -1;
    w->key = k;
    w->key_cap = cap;
  }
  memcpy(w->key + *len, p, n);
  *len += n;
  return 0;
}

static int key_str(fl_evtx_writer *w, size_t *len, const char *s) {
  if (!s) s = "";
  return key_put(w, len, s, strlen(s) + 1);
}

/* Serializes the shape of ev into w->key; returns its length or 0. */
static size_t build_key(fl_evtx_writer *w, const fl_evtx_w_event *ev) {
  size_t len = 0;
  uint8_t head[8] = {(uint8_t)ev->body, (uint8_t)ev->event_id,
                     (uint8_t)(ev->event_id >> 8), ev->version,
                     ev->body == FL_EVTX_W_BODY_CLASSIC && ev->binary};
  uint32_t nf = (uint32_t)ev->field_count;
  memcpy(head + 4, &nf, 4);
  int bad = key_put(w, &len, head, 8) || key_str(w, &len, ev->provider_name);
  if (ev->body == FL_EVTX_W_BODY_USERDATA)
    bad = bad || key_str(w, &len, ev->userdata_name) ||
          key_str(w, &len, ev->userdata_xmlns);
  for (size_t k = 0; k < ev->field_count && !bad; k++) {
    uint8_t ty = (uint8_t)ev->fields[k].value.type;
    bad = key_put(w, &len, &ty, 1);
    if (ev->body != FL_EVTX_W_BODY_CLASSIC)
      bad = bad || key_str(w, &len, ev->fields[k].name);
  }
  return bad ? 0 : len;
}

/* ---- template builder ---- */

typedef struct tb {
  fl_evtx_writer *w;
  fl_evtx_w_template *t;
  uint32_t ecap, acap, tcap, scap;
  int bad;
} tb;

static int32_t tb_text(tb *b, const char *s) {
  fl_evtx_w_template *t = b->t;
  size_t len = strlen(s);
  if (b->bad || len > 0x7FFF ||
      grow((void **)&t->texts, &b->tcap, t->ntexts + 1, sizeof *t->texts)) {
    b->bad = 1;
    return -1;
  }
  fl_evtx_w_text *x = &t->texts[t->ntexts];
  x->u16le = malloc(2 * len + 2);
  if (!x->u16le) {
    b->bad = 1;
    return -1;
  }
  x->nchars = (uint16_t)fl_evtx_w_utf16(s, len, x->u16le, 2 * len + 1);
  return (int32_t)t->ntexts++;
}

static int32_t tb_sub(tb *b, uint8_t type) {
  fl_evtx_w_template *t = b->t;
  if (b->bad || t->nsubs >= 0xFFFF ||
      grow((void **)&t->sub_types, &b->scap, t->nsubs + 1, 1)) {
    b->bad = 1;
    return -1;
  }
  t->sub_types[t->nsubs] = type;
  return (int32_t)t->nsubs++;
}

/* Adds element name under parent (-1: root) with content sub or text. */
static int32_t tb_elem(tb *b, int32_t parent, const char *name, int32_t sub,
                       int32_t text) {
  fl_evtx_w_template *t = b->t;
  long id = b->bad ? -1 : intern(b->w, name);
  if (id < 0 ||
      grow((void **)&t->elems, &b->ecap, t->nelems + 1, sizeof *t->elems)) {
    b->bad = 1;
    return -1;
  }
  int32_t me = (int32_t)t->nelems++;
  fl_evtx_w_elem *e = &t->elems[me];
  *e = (fl_evtx_w_elem){.name = (uint32_t)id, .dep = 0xFFFF, .sub = sub,
                        .text = text, .attr_first = t->nattrs,
                        .first_child = -1, .next_sibling = -1};
  if (sub >= 0) e->dep = (uint16_t)sub;
  if (parent >= 0) {
    int32_t *link = &t->elems[parent].first_child;
    while (*link >= 0) link = &t->elems[*link].next_sibling;
    *link = me;
  }
  return me;
}

/* Adds an attribute to elem, which must be the last element added. */
static void tb_attr(tb *b, int32_t elem, const char *name, int32_t sub,
                    int32_t text) {
  fl_evtx_w_template *t = b->t;
  long id = b->bad ? -1 : intern(b->w, name);
  if (id < 0 || elem < 0 ||
      grow((void **)&t->attrs, &b->acap, t->nattrs + 1, sizeof *t->attrs)) {
    b->bad = 1;
    return;
  }
  t->attrs[t->nattrs++] = (fl_evtx_w_attr){(uint32_t)id, sub, text};
  t->elems[elem].attr_count++;
}

/* <System>: slot numbers follow fl_evtx_w_sys_slot. */
static void build_system(tb *b, int32_t root) {
  static const uint8_t types[FL_EVTX_W_S_COUNT] = {
      FL_VT_UINT8,  FL_VT_UINT8,    FL_VT_UINT16,   FL_VT_UINT16,
      FL_VT_UINT16, FL_VT_HEX_INT64, FL_VT_FILETIME, FL_VT_GUID,
      FL_VT_UINT32, FL_VT_UINT32,   FL_VT_UINT64,   FL_VT_UINT8,
      FL_VT_SID,    FL_VT_GUID,     FL_VT_STRING,   FL_VT_GUID,
      FL_VT_STRING, FL_VT_STRING};
  for (int k = 0; k < FL_EVTX_W_S_COUNT; k++) tb_sub(b, types[k]);
  int32_t sys = tb_elem(b, root, "System", -1, -1), e;
  e = tb_elem(b, sys, "Provider", -1, -1);
  tb_attr(b, e, "Name", FL_EVTX_W_S_PROVIDER_NAME, -1);
  tb_attr(b, e, "Guid", FL_EVTX_W_S_PROVIDER_GUID, -1);
  e = tb_elem(b, sys, "EventID", FL_EVTX_W_S_EVENTID, -1);
  tb_attr(b, e, "Qualifiers", FL_EVTX_W_S_QUALIFIERS, -1);
  tb_elem(b, sys, "Version", FL_EVTX_W_S_VERSION, -1);
  tb_elem(b, sys, "Level", FL_EVTX_W_S_LEVEL, -1);
  tb_elem(b, sys, "Task", FL_EVTX_W_S_TASK, -1);
  tb_elem(b, sys, "Opcode", FL_EVTX_W_S_OPCODE, -1);
  tb_elem(b, sys, "Keywords", FL_EVTX_W_S_KEYWORDS, -1);
  e = tb_elem(b, sys, "TimeCreated", -1, -1);
  tb_attr(b, e, "SystemTime", FL_EVTX_W_S_TIMECREATED, -1);
  tb_elem(b, sys, "EventRecordID", FL_EVTX_W_S_RECORDID, -1);
  e = tb_elem(b, sys, "Correlation", -1, -1);
  tb_attr(b, e, "ActivityID", FL_EVTX_W_S_ACTIVITYID, -1);
  tb_attr(b, e, "RelatedActivityID", FL_EVTX_W_S_RELATEDACTIVITYID, -1);
  e = tb_elem(b, sys, "Execution", -1, -1);
  tb_attr(b, e, "ProcessID", FL_EVTX_W_S_PROCESSID, -1);
  tb_attr(b, e, "ThreadID", FL_EVTX_W_S_THREADID, -1);
  tb_elem(b, sys, "Channel", FL_EVTX_W_S_CHANNEL, -1);
  tb_elem(b, sys, "Computer", FL_EVTX_W_S_COMPUTER, -1);
  e = tb_elem(b, sys, "Security", -1, -1);
  tb_attr(b, e, "UserID", FL_EVTX_W_S_USERID, -1);
}

static void build_body(tb *b, int32_t root, const fl_evtx_w_event *ev) {
  if (ev->body == FL_EVTX_W_BODY_NONE) return;
  int classic = ev->body == FL_EVTX_W_BODY_CLASSIC;
  int32_t parent;
  if (ev->body == FL_EVTX_W_BODY_USERDATA) {
    int32_t ud = tb_elem(b, root, "UserData", -1, -1);
    parent = tb_elem(b, ud, ev->userdata_name ? ev->userdata_name : "Data",
                     -1, -1);
    if (ev->userdata_xmlns)
      tb_attr(b, parent, "xmlns", -1, tb_text(b, ev->userdata_xmlns));
  } else {
    if (ev->field_count == 0 && !(classic && ev->binary)) return;
    parent = tb_elem(b, root, "EventData", -1, -1);
  }
  for (size_t k = 0; k < ev->field_count && !b->bad; k++) {
    const fl_evtx_w_field *f = &ev->fields[k];
    int32_t sub = tb_sub(b, (uint8_t)f->value.type);
    if (ev->body == FL_EVTX_W_BODY_USERDATA) {
      tb_elem(b, parent, f->name ? f->name : "Data", sub, -1);
    } else {
      int32_t d = tb_elem(b, parent, "Data", sub, -1);
      if (!classic) tb_attr(b, d, "Name", -1, tb_text(b, f->name ? f->name : ""));
    }
  }
  if (classic && ev->binary)
    tb_elem(b, parent, "Binary", tb_sub(b, FL_VT_BINARY), -1);
}

static void template_free(fl_evtx_w_template *t) {
  if (!t) return;
  for (uint32_t k = 0; k < t->ntexts; k++) free(t->texts[k].u16le);
  free(t->texts);
  free(t->elems);
  free(t->attrs);
  free(t->sub_types);
  free(t->key);
  free(t);
}

static fl_evtx_w_template *template_new(fl_evtx_writer *w,
                                        const fl_evtx_w_event *ev,
                                        size_t key_len, uint64_t hash) {
  fl_evtx_w_template *t = calloc(1, sizeof *t);
  tb b = {.w = w, .t = t, .bad = !t};
  if (t && !(t->key = malloc(key_len))) b.bad = 1;
  if (b.bad) {
    template_free(t);
    return NULL;
  }
  memcpy(t->key, w->key, key_len);
  t->key_len = key_len;
  t->hash = hash;
  uint64_t h2 = fnv64(t->key, key_len) ^ 0x9e3779b97f4a7c15ull;
  memcpy(t->guid, &hash, 8); /* deterministic per shape */
  memcpy(t->guid + 8, &h2, 8);
  int32_t root = tb_elem(&b, -1, "Event", -1, -1);
  tb_attr(&b, root, "xmlns",
          -1, tb_text(&b, "http://schemas.microsoft.com/win/2004/08/events/event"));
  build_system(&b, root);
  build_body(&b, root, ev);
  if (b.bad) {
    template_free(t);
    return NULL;
  }
  return t;
}

static uint64_t tpl_hash(const fl_evtx_writer *w, uint32_t k) { return w->tpls[k]->hash; }

static int tpl_index_put(fl_evtx_writer *w, fl_evtx_w_template *t, uint32_t id) {
  return index_add(w, &w->tpl_index, &w->tpl_index_cap, w->ntpls, id, t->hash, tpl_hash);
}

fl_status fl_evtx_w_template_for(fl_evtx_writer *w, const fl_evtx_w_event *ev,
                                 fl_evtx_w_template **out, fl_error *err) {
  size_t len = build_key(w, ev);
  if (!len) return fl_error_at(err, FL_ENOMEM, w->name, 0, "out of memory");
  uint64_t h = fnv64(w->key, len);
  if (w->tpl_index_cap) {
    uint32_t mask = w->tpl_index_cap - 1;
    for (uint32_t s = (uint32_t)h & mask; w->tpl_index[s]; s = (s + 1) & mask) {
      fl_evtx_w_template *t = w->tpls[w->tpl_index[s] - 1];
      if (t->hash == h && t->key_len == len && !memcmp(t->key, w->key, len)) {
        *out = t;
        return FL_OK;
      }
    }
  }
  fl_evtx_w_template *t = template_new(w, ev, len, h);
  if (!t || grow((void **)&w->tpls, &w->tpls_cap, w->ntpls + 1,
                 sizeof(fl_evtx_w_template *))) { /* NOLINT(bugprone-sizeof-expression) */
    template_free(t);
    return fl_error_at(err, FL_ENOMEM, w->name, 0,
                       "out of memory building a template");
  }
  w->tpls[w->ntpls] = t;
  if (tpl_index_put(w, t, w->ntpls)) {
    template_free(t);
    return fl_error_at(err, FL_ENOMEM, w->name, 0, "out of memory");
  }
  w->ntpls++;
  if (grow((void **)&w->rec_names, &w->rec_names_cap, w->nnames,
           sizeof *w->rec_names) ||
      grow((void **)&w->vals, &w->vals_cap, t->nsubs, sizeof *w->vals))
    return fl_error_at(err, FL_ENOMEM, w->name, 0, "out of memory");
  *out = t;
  return FL_OK;
}

void fl_evtx_w_templates_free(fl_evtx_writer *w) {
  for (uint32_t k = 0; k < w->ntpls; k++) template_free(w->tpls[k]);
  free(w->tpls);
  free(w->tpl_index);
  for (uint32_t k = 0; k < w->nnames; k++) {
    free(w->names[k].utf8);
    free(w->names[k].u16le);
  }
  free(w->names);
  free(w->name_index);
}

/* ---- emission ---- */

static void save_tables(fl_evtx_writer *w) {
  if (w->rec_tables_saved) return;
  memcpy(w->rec_tables, w->chunk + FL_EVTX_CH_STRING_TABLE,
         sizeof w->rec_tables);
  w->rec_tables_saved = 1;
}

/* A name reference; the name itself follows inline on first use in the
** chunk and is linked into its string-table bucket. */
static void put_name(fl_evtx_writer *w, fl_evtx_w_cur *c, uint32_t id) {
  fl_evtx_w_name *n = &w->names[id];
  if (n->epoch == w->epoch) {
    fl_evtx_w_u32(c, n->off);
    return;
  }
  uint32_t here = c->pos + 4;
  uint32_t slot = FL_EVTX_CH_STRING_TABLE + 4u * (n->hash % 64u);
  fl_evtx_w_u32(c, here);
  fl_evtx_w_u32(c, fl_le32(w->chunk + slot)); /* next in bucket */
  fl_evtx_w_u16(c, n->hash);
  fl_evtx_w_u16(c, n->nchars);
  fl_evtx_w_put(c, n->u16le, 2u * n->nchars);
  fl_evtx_w_u16(c, 0);
  if (c->bad) return;
  save_tables(w);
  memcpy(w->chunk + slot, &here, 4);
  n->epoch = w->epoch;
  n->off = here;
  w->rec_names[w->rec_nnames++] = id;
}

static void put_text(fl_evtx_w_cur *c, const fl_evtx_w_text *x) {
  fl_evtx_w_u8(c, FL_BXML_VALUE);
  fl_evtx_w_u8(c, FL_VT_STRING);
  fl_evtx_w_u16(c, x->nchars);
  fl_evtx_w_put(c, x->u16le, 2u * x->nchars);
}

/* Substitution token (definition) or the value as text (inline). */
static void put_slot(fl_evtx_w_cur *c, const fl_evtx_w_template *t,
                     int32_t sub, const fl_evtx_w_value *vals) {
  if (vals) {
    fl_evtx_w_value_text(c, &vals[sub]);
    return;
  }
  fl_evtx_w_u8(c, FL_BXML_OPTIONAL_SUBSTITUTION);
  fl_evtx_w_u16(c, (uint16_t)sub);
  fl_evtx_w_u8(c, t->sub_types[sub]);
}

static int attr_shown(const fl_evtx_w_attr *a, const fl_evtx_w_value *vals) {
  return !vals || a->sub < 0 || !vals[a->sub].is_null;
}

static void put_attrs(fl_evtx_writer *w, fl_evtx_w_cur *c,
                      const fl_evtx_w_template *t, const fl_evtx_w_elem *e,
                      const fl_evtx_w_value *vals) {
  uint32_t at = c->pos;
  fl_evtx_w_u32(c, 0);
  uint32_t last = 0;
  for (uint32_t k = 0; k < e->attr_count; k++)
    if (attr_shown(&t->attrs[e->attr_first + k], vals)) last = k;
  for (uint32_t k = 0; k < e->attr_count; k++) {
    const fl_evtx_w_attr *a = &t->attrs[e->attr_first + k];
    if (!attr_shown(a, vals)) continue;
    fl_evtx_w_u8(c, FL_BXML_ATTRIBUTE | (k < last ? FL_BXML_FLAG_MORE : 0));
    put_name(w, c, a->name);
    if (a->sub >= 0)
      put_slot(c, t, a->sub, vals);
    else
      put_text(c, &t->texts[a->text]);
  }
  fl_evtx_w_patch32(c, at, c->pos - at - 4);
}

/* One element and its subtree. vals NULL: template definition form (with
** dependency ids and substitution tokens); else template-less form. */
static void put_elem(fl_evtx_writer *w, fl_evtx_w_cur *c,
                     const fl_evtx_w_template *t, int32_t idx,
                     const fl_evtx_w_value *vals, unsigned depth) {
  const fl_evtx_w_elem *e = &t->elems[idx];
  int nattr = 0;
  for (uint32_t k = 0; k < e->attr_count; k++)
    nattr += attr_shown(&t->attrs[e->attr_first + k], vals);
  fl_evtx_w_u8(c, FL_BXML_OPEN_START_ELEMENT | (nattr ? FL_BXML_FLAG_MORE : 0));
  if (!vals) fl_evtx_w_u16(c, e->dep);
  uint32_t size_at = c->pos;
  fl_evtx_w_u32(c, 0);
  put_name(w, c, e->name);
  if (nattr) put_attrs(w, c, t, e, vals);
  int content = e->first_child >= 0 || e->text >= 0 ||
                (e->sub >= 0 && !(vals && vals[e->sub].is_null));
  if (!content) {
    fl_evtx_w_u8(c, FL_BXML_CLOSE_EMPTY_ELEMENT);
  } else {
    fl_evtx_w_u8(c, FL_BXML_CLOSE_START_ELEMENT);
    if (e->text >= 0) put_text(c, &t->texts[e->text]);
    if (e->sub >= 0) put_slot(c, t, e->sub, vals);
    for (int32_t ch = e->first_child; ch >= 0 && depth < 64;
         ch = t->elems[ch].next_sibling)
      put_elem(w, c, t, ch, vals, depth + 1);
    fl_evtx_w_u8(c, FL_BXML_END_ELEMENT);
  }
  fl_evtx_w_patch32(c, size_at, c->pos - size_at - 4);
}

void fl_evtx_w_template_def(fl_evtx_writer *w, fl_evtx_w_cur *c,
                            fl_evtx_w_template *t) {
  uint32_t id;
  memcpy(&id, t->guid, 4);
  uint32_t slot = FL_EVTX_CH_TEMPLATE_TABLE + 4u * (id % 32u);
  uint32_t at = c->pos;
  fl_evtx_w_u32(c, fl_le32(w->chunk + slot)); /* next in bucket */
  fl_evtx_w_put(c, t->guid, 16);
  uint32_t size_at = c->pos;
  fl_evtx_w_u32(c, 0);
  static const uint8_t frag[4] = {FL_BXML_FRAGMENT_HEADER, 1, 1, 0};
  fl_evtx_w_put(c, frag, 4);
  put_elem(w, c, t, 0, NULL, 0);
  fl_evtx_w_u8(c, FL_BXML_EOF);
  fl_evtx_w_patch32(c, size_at, c->pos - size_at - 4);
  if (c->bad) return;
  save_tables(w);
  memcpy(w->chunk + slot, &at, 4);
  t->epoch = w->epoch;
  t->def_off = at;
  w->rec_tpl = t;
}

void fl_evtx_w_template_inline(fl_evtx_writer *w, fl_evtx_w_cur *c,
                               const fl_evtx_w_template *t,
                               const fl_evtx_w_value *vals) {
  put_elem(w, c, t, 0, vals, 0);
  fl_evtx_w_u8(c, FL_BXML_EOF);
}
