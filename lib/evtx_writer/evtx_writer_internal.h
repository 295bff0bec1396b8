/*
** EVTX writer internals shared by evtx_writer*.c: the byte cursor over the
** chunk being filled, interned element/attribute names, template shapes and
** the writer state.
**
** Only the writer includes this file. It must never be used by the reader:
** what the two share on disk lives in fl_evtx_format.h, nowhere else.
*/
#ifndef FL_EVTX_WRITER_INTERNAL_H
#define FL_EVTX_WRITER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "evtx/fl_evtx_format.h"
#include "faultline.h"

#define FL_EVTX_W_MAX_SLACK 64
/* Records end at most here. Windows never fills a chunk's last 8 bytes
** (corpus maximum free offset: 65528), and libevtx 20181227 drops a record
** that ends exactly at 65536. */
#define FL_EVTX_W_CHUNK_USABLE (FL_EVTX_CHUNK_SIZE - 8)
/* Substitution slots of the System part, in the order Windows uses. */
enum fl_evtx_w_sys_slot {
  FL_EVTX_W_S_LEVEL = 0,
  FL_EVTX_W_S_OPCODE,
  FL_EVTX_W_S_TASK,
  FL_EVTX_W_S_EVENTID,
  FL_EVTX_W_S_QUALIFIERS,
  FL_EVTX_W_S_KEYWORDS,
  FL_EVTX_W_S_TIMECREATED,
  FL_EVTX_W_S_ACTIVITYID,
  FL_EVTX_W_S_PROCESSID,
  FL_EVTX_W_S_THREADID,
  FL_EVTX_W_S_RECORDID,
  FL_EVTX_W_S_VERSION,
  FL_EVTX_W_S_USERID,
  FL_EVTX_W_S_RELATEDACTIVITYID,
  FL_EVTX_W_S_PROVIDER_NAME,
  FL_EVTX_W_S_PROVIDER_GUID,
  FL_EVTX_W_S_CHANNEL,
  FL_EVTX_W_S_COMPUTER,
  FL_EVTX_W_S_COUNT /* first field slot */
};

/* Bounds-checked writer over one chunk buffer. A write past cap sets bad
** and is dropped, so a record that does not fit is detected once, at its
** end, instead of at every call site. */
typedef struct fl_evtx_w_cur {
  uint8_t *buf;
  uint32_t pos;
  uint32_t cap;
  int bad;
} fl_evtx_w_cur;

static inline void fl_evtx_w_put(fl_evtx_w_cur *c, const void *p, size_t n) {
  if (c->bad || n > (size_t)(c->cap - c->pos)) {
    c->bad = 1;
    return;
  }
  memcpy(c->buf + c->pos, p, n);
  c->pos += (uint32_t)n;
}
static inline void fl_evtx_w_u8(fl_evtx_w_cur *c, uint8_t v) {
  fl_evtx_w_put(c, &v, 1);
}
static inline void fl_evtx_w_u16(fl_evtx_w_cur *c, uint16_t v) {
  fl_evtx_w_put(c, &v, 2); /* little-endian hosts, as fl_evtx_format.h */
}
static inline void fl_evtx_w_u32(fl_evtx_w_cur *c, uint32_t v) {
  fl_evtx_w_put(c, &v, 4);
}
static inline void fl_evtx_w_u64(fl_evtx_w_cur *c, uint64_t v) {
  fl_evtx_w_put(c, &v, 8);
}
static inline void fl_evtx_w_patch32(fl_evtx_w_cur *c, uint32_t at,
                                     uint32_t v) {
  if (!c->bad && at + 4 <= c->cap) memcpy(c->buf + at, &v, 4);
}

/* An element or attribute name, interned once per writer. Its place in the
** current chunk is valid while epoch equals the writer's chunk epoch. */
typedef struct fl_evtx_w_name {
  char *utf8;
  uint8_t *u16le;
  uint16_t nchars;
  uint16_t hash;
  uint32_t epoch;
  uint32_t off;
} fl_evtx_w_name;

typedef struct fl_evtx_w_text {
  uint8_t *u16le;
  uint16_t nchars;
} fl_evtx_w_text;

typedef struct fl_evtx_w_attr {
  uint32_t name;
  int32_t sub;  /* substitution slot, or -1 */
  int32_t text; /* literal text index, or -1 */
} fl_evtx_w_attr;

typedef struct fl_evtx_w_elem {
  uint32_t name;
  uint16_t dep;        /* dependency id: the optional slot it hangs on */
  int32_t sub;         /* content substitution slot, or -1 */
  int32_t text;        /* content literal text, or -1 */
  uint32_t attr_first;
  uint32_t attr_count;
  int32_t first_child; /* element index, or -1 */
  int32_t next_sibling;
} fl_evtx_w_elem;

/* One template shape: the element tree with its substitution slots. */
typedef struct fl_evtx_w_template {
  uint8_t *key;
  size_t key_len;
  uint64_t hash;
  uint8_t guid[16];
  fl_evtx_w_elem *elems;
  uint32_t nelems;
  fl_evtx_w_attr *attrs;
  uint32_t nattrs;
  fl_evtx_w_text *texts;
  uint32_t ntexts;
  uint8_t *sub_types; /* declared type per slot */
  uint32_t nsubs;
  uint32_t epoch;     /* chunk in which def_off is valid */
  uint32_t def_off;
} fl_evtx_w_template;

/* Chunk state saved before a record, to leave records in slack. */
typedef struct fl_evtx_w_snap {
  uint32_t free_off;
  uint32_t last_off;
  uint64_t nrecords;
  uint64_t last_id;
  uint8_t tables[FL_EVTX_CHUNK_HEADER_SIZE - FL_EVTX_CH_STRING_TABLE];
} fl_evtx_w_snap;

struct fl_evtx_writer {
  FILE *fp;
  int own_fp;
  char name[256];
  fl_evtx_writer_options opt;
  uint8_t *chunk;        /* FL_EVTX_CHUNK_SIZE bytes being filled */
  uint32_t epoch;        /* bumped whenever the chunk is (re)started */
  uint32_t free_off;
  uint32_t last_off;
  uint64_t chunk_nrecords;
  uint64_t chunk_first_id;
  uint64_t chunk_last_id;
  uint64_t next_id;
  uint64_t last_id;
  uint64_t *chunk_first_ids; /* per written chunk, for stale headers */
  uint64_t nchunks;
  uint64_t chunk_ids_cap;
  uint64_t live_records;
  uint64_t slack_records;
  uint64_t bytes;
  /* names */
  fl_evtx_w_name *names;
  uint32_t nnames, names_cap;
  uint32_t *name_index; /* open addressing: name id + 1, 0 = empty */
  uint32_t name_index_cap;
  /* templates */
  fl_evtx_w_template **tpls;
  uint32_t ntpls, tpls_cap;
  uint32_t *tpl_index;
  uint32_t tpl_index_cap;
  /* per-record scratch, grown only when a larger template appears */
  uint8_t *key;
  size_t key_cap;
  fl_evtx_w_value *vals;
  uint32_t vals_cap;
  uint32_t *rec_names; /* names defined by the record being written */
  uint32_t rec_nnames, rec_names_cap;
  fl_evtx_w_template *rec_tpl; /* template defined by it, or NULL */
  int rec_tables_saved;
  uint8_t rec_tables[FL_EVTX_CHUNK_HEADER_SIZE - FL_EVTX_CH_STRING_TABLE];
  fl_evtx_w_snap snaps[FL_EVTX_W_MAX_SLACK];
};

/* evtx_writer_value.c */
/* UTF-8 to UTF-16LE bytes into out (cap units); returns the unit count, or -1 if
** it does not fit. Invalid UTF-8 becomes U+FFFD. */
long fl_evtx_w_utf16(const char *s, size_t len, uint8_t *out, size_t cap);
/* Encoded size of a value in bytes (what its descriptor says), or -1 when
** it is too long for the 16-bit descriptor. */
long fl_evtx_w_value_size(const fl_evtx_w_value *v);
void fl_evtx_w_value_put(fl_evtx_w_cur *c, const fl_evtx_w_value *v);
/* Value rendered as text (UTF-16LE) for template-less records, written as
** a BinXML value-text token. */
void fl_evtx_w_value_text(fl_evtx_w_cur *c, const fl_evtx_w_value *v);
uint16_t fl_evtx_w_name_hash(const uint8_t *u16le, size_t n);

/* evtx_writer_template.c */
fl_status fl_evtx_w_template_for(fl_evtx_writer *w, const fl_evtx_w_event *ev,
                                 fl_evtx_w_template **out, fl_error *err);
/* The template definition (definition header + body) at the cursor. */
void fl_evtx_w_template_def(fl_evtx_writer *w, fl_evtx_w_cur *c,
                            fl_evtx_w_template *t);
/* The element tree written out with values inline (no template). */
void fl_evtx_w_template_inline(fl_evtx_writer *w, fl_evtx_w_cur *c,
                               const fl_evtx_w_template *t,
                               const fl_evtx_w_value *vals);
void fl_evtx_w_templates_free(fl_evtx_writer *w);

#endif
