/*
** Internals of the EVTX reader shared by the lib/evtx sources (not installed):
** growable output buffers, typed value references into the mapped file,
** the sink interface BinXML is parsed into, compiled templates and the
** per-worker parse context.
**
** Must never: hold a pointer into a chunk past that chunk's processing,
** allocate per record in steady state (buffers only grow), or expose these
** types through include/.
*/
#ifndef FL_EVTX_INTERNAL_H
#define FL_EVTX_INTERNAL_H

#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "common/fl_buf.h"
#include "evtx/fl_evtx_format.h"
#include "faultline.h"

/* Safety caps against crafted input. */
#define FL_EVTX_MAX_ELEMENT_DEPTH 256 /* open elements, all levels */
#define FL_EVTX_MAX_NESTING 64        /* nested BinXML / template instances */
#define FL_EVTX_MAX_VALUES 4096       /* substitution values per instance */
/* One record's rendering (output plus a sink's pending text) past this is
** dropped with an error: templates and names are referenced, not copied,
** so a crafted record could otherwise render to hundreds of MB. */
#ifdef FL_FUZZING
/* Fuzz builds take the same drop path sooner: under ASan a crafted file of
** many 16 MiB records spends seconds on rendering alone and trips the
** fuzzer's timeout instead of exploring (fuzz/fuzz.mk defines FL_FUZZING). */
#define FL_EVTX_MAX_RECORD_OUTPUT (1u << 20)
#else
#define FL_EVTX_MAX_RECORD_OUTPUT (16u << 20)
#endif

/* ---- growable byte buffer; failed is sticky so callers check once ---- */
typedef fl_buf fl_evtx_buf; /* lib/common/fl_buf.h */

/* Room for n more bytes at p + len, or NULL (failed set). */
static inline char *fl_evtx_buf_room(fl_evtx_buf *b, size_t n) {
  if ((b->cap - b->len < n || !b->p) && fl_buf_reserve(b, n)) return NULL;
  return b->p + b->len;
}
static inline void fl_evtx_buf_put(fl_evtx_buf *b, const void *s, size_t n) {
  char *d = fl_evtx_buf_room(b, n);
  if (!d) return;
  if (n) memcpy(d, s, n); /* s may be NULL when n is 0 (empty names) */
  b->len += n;
}
static inline void fl_evtx_buf_putc(fl_evtx_buf *b, char c) {
  char *d = fl_evtx_buf_room(b, 1);
  if (!d) return;
  *d = c;
  b->len++;
}
#define FL_EVTX_PUTS(b, lit) fl_evtx_buf_put((b), (lit), sizeof(lit) - 1)

/* ---- values ---- */
typedef enum fl_evtx_esc { FL_ESC_NONE, FL_ESC_XML, FL_ESC_JSON } fl_evtx_esc;

/* Internal type: bytes are UTF-8 already (template literals, names). */
#define FL_VT_UTF8 0xfe

typedef struct fl_evtx_val {
  uint8_t type;
  uint32_t len;
  const uint8_t *p;
} fl_evtx_val;

void fl_evtx_utf16_append(fl_evtx_buf *out, const uint8_t *p, size_t nbytes,
                          fl_evtx_esc esc);
/* fl_evtx_utf16_append(out, p, nbytes, FL_ESC_NONE), faster when the text
** is all ASCII (the field extractor's values, names). */
void fl_evtx_utf16_append_plain(fl_evtx_buf *out, const uint8_t *p,
                                size_t nbytes);
void fl_evtx_utf8_append(fl_evtx_buf *out, const char *s, size_t n,
                         fl_evtx_esc esc);
/* 1 when fl_evtx_utf8_append(s, n, esc) would copy s unchanged. */
int fl_evtx_utf8_is_plain(const char *s, size_t n, fl_evtx_esc esc);
/* Appends v as text (docs/evtx-output.md); arrays are joined with ",". */
void fl_evtx_value_format(fl_evtx_buf *out, const fl_evtx_val *v,
                          fl_evtx_esc esc);
/* 1 when JSON may print the value bare (integers, reals, bool). */
int fl_evtx_value_is_json_bare(uint8_t type);
/* Numeric value of an integer-typed value (any width, hex types too). */
int fl_evtx_value_u64(const fl_evtx_val *v, uint64_t *out);
/* Width of one item of a fixed-width array type, 0 when variable. */
unsigned fl_evtx_value_item_size(uint8_t base_type, uint32_t total_len);
/* Splits array value v into item *item starting at *pos; 0 when done. */
int fl_evtx_array_next(const fl_evtx_val *v, uint32_t *pos,
                       fl_evtx_val *item);
void fl_evtx_filetime_format(fl_evtx_buf *out, uint64_t ft);

/* ---- sink: where parsed BinXML goes (renderers, field extractor,
** template compiler). Element names are UTF-8 and valid only for the call. */
typedef struct fl_evtx_sink fl_evtx_sink;
typedef struct fl_evtx_sink_ops {
  void (*open)(fl_evtx_sink *s, const char *name, size_t len);
  void (*attr)(fl_evtx_sink *s, const char *name, size_t len);
  void (*attrs_end)(fl_evtx_sink *s);
  void (*close)(fl_evtx_sink *s);
  void (*value)(fl_evtx_sink *s, const fl_evtx_val *v);
  void (*cdata)(fl_evtx_sink *s, const fl_evtx_val *v);
  void (*charref)(fl_evtx_sink *s, uint16_t ch);
  void (*entref)(fl_evtx_sink *s, const char *name, size_t len);
  void (*pi)(fl_evtx_sink *s, const char *target, size_t tlen,
             const fl_evtx_val *data);
  /* Only the compiler gets substitutions (template definitions). */
  void (*sub)(fl_evtx_sink *s, uint16_t index, uint8_t type, int optional);
} fl_evtx_sink_ops;
struct fl_evtx_sink {
  const fl_evtx_sink_ops *ops;
};

/* ---- compiled templates ---- */
enum fl_evtx_opcode {
  FL_OP_OPEN,      /* name a/n; jump = index of matching CLOSE */
  FL_OP_ATTR,      /* name a/n; jump = first op after its value */
  FL_OP_ATTRS_END,
  FL_OP_CLOSE,
  FL_OP_TEXT,      /* UTF-8 literal a/n */
  FL_OP_SUB,       /* substitution sub; flags FL_OPF_OPTIONAL */
  FL_OP_CDATA,     /* UTF-8 literal a/n */
  FL_OP_CHARREF,   /* sub = the character */
  FL_OP_ENTREF,    /* name a/n */
  FL_OP_PI         /* target a/n; data in the next FL_OP_TEXT */
};
#define FL_OPF_OPTIONAL 0x1 /* SUB: optional substitution */
#define FL_OPF_SOLE_SUB 0x2 /* OPEN/ATTR: value is exactly one SUB */
#define FL_OPF_XML_PLAIN 0x4 /* OPEN/ATTR/TEXT: a/n needs no XML escaping */
#define FL_OPF_XLIT 0x8 /* first op of a pre-rendered XML run; sub = index */

typedef struct fl_evtx_op {
  uint8_t code, flags;
  uint16_t sub;
  uint32_t a, n, jump;
} fl_evtx_op;

/* Where a System field comes from in a template: a substitution slot, a
** literal, or not known (the record must be parsed in full). */
typedef struct fl_evtx_field_src {
  int kind; /* 0 absent, 1 slot, 2 literal, 3 unknown */
  uint16_t slot;
  uint32_t a, n; /* literal in pool */
} fl_evtx_field_src;

/* A run of fixed ops rendered to XML at compile time (evtx_xml_runs.c): valid
** when the sink is in the entry state; replay copies a/n (a/tail_n and
** goes on at tail_end when the optional last attribute's value is empty),
** pops `pops` stack entries and pushes push_a/push_n. */
typedef struct fl_evtx_xml_run {
  uint32_t a, n, tail_n, end, tail_end, push_a, push_n;
  uint16_t pops, chk, tail_slot;
  uint8_t has_chk, has_tail; /* chk: slot that must not be an array */
  uint8_t in_attr, pending, out_in_attr, out_pending, tail_in_attr,
      tail_pending;
} fl_evtx_xml_run;

/* One step of a template's fields plan: what the field extractor does,
** with the structure (paths, element names) already resolved. */
enum {
  FL_FS_END = 1, FL_FS_START, FL_FS_PAIR_OPEN, FL_FS_PAIR_CLOSE,
  FL_FS_VALUE_SLOT, FL_FS_VALUE_LIT,
  /* fused by fl_evtx_fplan_fuse: one step for a whole START, value, END
  ** (FIELD) or a whole EventData/UserData item (PAIR) */
  FL_FS_FIELD, FL_FS_PAIR
};
#define FL_FS_NO_COND 0xFFFF
#define FL_VT_SLOT_MARK 0xfd /* planning only: a value naming slot len */
/* FIELD/PAIR value: none, slot `slot`, or the pool literal a/n */
enum { FL_FS_PIECE_NONE, FL_FS_PIECE_SLOT, FL_FS_PIECE_LIT };
typedef struct fl_evtx_fstep {
  uint8_t op;
  uint8_t id;     /* FIELD: the field id */
  uint8_t piece;  /* FIELD/PAIR: FL_FS_PIECE_* */
  uint8_t named;  /* PAIR: the name came from a Name attribute */
  uint16_t cond;  /* skipped when this slot is Null/empty (optional attr) */
  uint16_t slot;  /* FL_FS_VALUE_SLOT, FIELD/PAIR piece */
  uint32_t a, n;  /* START: a = field id; PAIR_OPEN / VALUE_LIT / piece:
                  ** pool text */
  uint32_t b, m;  /* PAIR: its name in the pool */
} fl_evtx_fstep;

typedef struct fl_evtx_tmpl {
  struct fl_evtx_tmpl *next_owned;
  uint8_t guid[16];
  uint32_t def_size;
  uint32_t hash;
  uint32_t def_copy;   /* pool offset of a copy of the definition bytes */
  uint32_t next_ext;   /* external name refs: pool offset of the first */
  uint32_t n_ext;      /* names outside the definition, checked per chunk */
  int root_is_event;   /* field sources below are meaningful */
  fl_evtx_field_src event_id, provider, channel;
  /* the field extractor's plan (evtx_replay.c), made at first use:
  ** state 0 not yet, 1 made, -1 this template is replayed op by op */
  int fplan_state;
  uint32_t fplan_count;
  fl_evtx_fstep *fplan;
  /* the extractor's path where the plan was made: it holds only there
  ** (a nested EventData template starts at depth 2 below Event/EventData) */
  unsigned fplan_depth;
  int fplan_name[3];
  uint32_t nops, pool_len, nlits;
  /* pre-rendered JSON (evtx_json_plan.c), made at first JSON use */
  struct fl_evtx_jplans *jplans;
  fl_evtx_op *ops;
  fl_evtx_xml_run *lits;
  char *pool;
} fl_evtx_tmpl;

/* ---- diagnostics collected per chunk, delivered in order ---- */
typedef struct fl_evtx_diaglist {
  fl_evtx_diag *items;
  size_t count, cap;
  uint64_t warnings, errors;
} fl_evtx_diaglist;

/* A template instance's pieces once its header was read. */
typedef struct fl_evtx_instance {
  fl_evtx_tmpl *tmpl;
  uint32_t nvalues;
  const uint8_t *desc;   /* nvalues x {u16 size, u8 type, u8 0} */
  const uint8_t *data;   /* packed values */
} fl_evtx_instance;

/* ---- per-worker context ---- */
#define FL_EVTX_CHUNK_TCACHE 64   /* per-chunk template slots (power of 2) */
#define FL_EVTX_GLOBAL_TCACHE 1024 /* cross-chunk slots (power of 2) */

typedef struct fl_evtx_ctx {
  const char *file_name;
  const uint8_t *chunk;       /* current chunk bytes */
  uint32_t chunk_len;
  uint32_t chunk_index;
  uint64_t chunk_file_off;
  uint64_t record_id;
  int has_record;
  uint64_t record_off;        /* chunk-relative */
  /* first parse error of the current record */
  int failed;
  char errmsg[160];
  uint32_t err_off;
  unsigned nesting, elem_depth;
  /* template caches */
  uint32_t chunk_gen;
  struct { uint32_t gen, off; fl_evtx_tmpl *t; } ctab[FL_EVTX_CHUNK_TCACHE];
  fl_evtx_tmpl *gtab[FL_EVTX_GLOBAL_TCACHE];
  size_t gcount;
  fl_evtx_tmpl *owned;        /* every compiled template, for freeing */
  size_t owned_count;
  /* compile scratch */
  fl_evtx_op *cops;
  size_t cops_len, cops_cap;
  fl_evtx_buf cpool;
  fl_evtx_buf cext;           /* external name refs while compiling */
  fl_evtx_buf clits;          /* fl_evtx_xml_run while compiling */
  int want_xml_runs;              /* output is XML: pre-render fixed runs */
  uint32_t def_lo, def_hi;    /* definition being compiled */
  fl_evtx_buf names;          /* decoded names of record-level BinXML */
  fl_evtx_buf vstack;         /* u32 value offsets of active replays */
  fl_evtx_buf scratch;        /* filter comparisons */
  /* buffers the current record renders into, and their lengths at its
  ** start (the output cap); unused entries are NULL */
  fl_evtx_buf *lim[3];         /* lim[2] is set whenever lim[1] is */
  size_t lim_end;              /* lim[0]'s length at the start + the cap */
  /* bytes the field extractor referenced in a template's pool instead of
  ** copying them into lim[0]: they count toward the cap as if copied */
  size_t lim_extra;
  /* the current record's top template instance, read by the quick filter
  ** at qinst_off (0: none) and taken again by the full parse */
  uint32_t qinst_off, qinst_end, qinst_next;
  fl_evtx_instance qinst;
} fl_evtx_ctx;

/* Fails the record (located at off) for rendering past the cap. */
int fl_evtx_ctx_fail_limit(fl_evtx_ctx *c, uint32_t off);
/* 1 (and the record failed) when the current record's rendering has grown
** past FL_EVTX_MAX_RECORD_OUTPUT. */
static inline int fl_evtx_ctx_over_limit(fl_evtx_ctx *c, uint32_t off) {
  if (!c->lim[0]) return 0;
  size_t n = c->lim[0]->len + c->lim_extra;
  if (c->lim[1]) n += c->lim[1]->len + c->lim[2]->len;
  return n > c->lim_end ? fl_evtx_ctx_fail_limit(c, off) : 0;
}

void fl_evtx_ctx_init(fl_evtx_ctx *c, const char *file_name);
void fl_evtx_ctx_free(fl_evtx_ctx *c);
/* Chunk switch: invalidates the per-chunk template table. */
void fl_evtx_ctx_set_chunk(fl_evtx_ctx *c, const uint8_t *chunk,
                           uint32_t len, uint32_t index, uint64_t file_off);
/* Records the first error of the current record. */
void fl_evtx_ctx_fail(fl_evtx_ctx *c, uint32_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- BinXML ---- */
/* Parses the BinXML fragment [off, end) of the current chunk into sink.
** Everything BinXML points at (names, template definitions, nested values)
** lives in the chunk, so offsets are chunk-relative. in_template: a
** template definition (element starts carry a dependency id, substitutions
** allowed). Returns 0, or -1 with ctx->failed set. */
int fl_evtx_binxml_parse(fl_evtx_ctx *c, uint32_t off, uint32_t end,
                         int in_template, fl_evtx_sink *sink);
/* Decodes the name at chunk offset noff into c->names (UTF-8); returns its
** UTF-16 length in chars, or -1. */
int fl_evtx_name_read(fl_evtx_ctx *c, uint32_t noff);

/* Reads the TemplateInstance at chunk offset off (token 0x0C), compiling
** or finding its template. *next = offset after the values. */
int fl_evtx_instance_read(fl_evtx_ctx *c, uint32_t off, uint32_t end,
                          fl_evtx_instance *inst, uint32_t *next);
/* Finds or compiles the template whose definition is at def_off. */
fl_evtx_tmpl *fl_evtx_template_get(fl_evtx_ctx *c, uint32_t def_off);
/* The value of slot i of inst whose value offsets are the u32s at voff
** (fl_evtx_template_replay's table); Null when out of range. */
static inline void fl_evtx_slot_value(const fl_evtx_instance *inst,
                                      const char *voff, uint32_t i,
                                      fl_evtx_val *v) {
  if (i >= inst->nvalues) {
    v->type = FL_VT_NULL;
    v->len = 0;
    v->p = inst->data;
    return;
  }
  uint32_t off, d = fl_le32(inst->desc + 4 * i); /* u16 size, u8 type */
  memcpy(&off, voff + 4u * i, 4);
  v->p = inst->data + off;
  v->len = d & 0xffff;
  v->type = (uint8_t)(d >> 16);
}
/* The value of substitution slot i (Null when out of range). */
void fl_evtx_instance_value(const fl_evtx_instance *inst, uint32_t i,
                            fl_evtx_val *v);
/* Replays a compiled template with the instance's values into sink. */
int fl_evtx_template_replay(fl_evtx_ctx *c, const fl_evtx_instance *inst,
                            fl_evtx_sink *sink);
void fl_evtx_template_free_all(fl_evtx_ctx *c);
/* Flags XML-plain names and pre-renders the compile scratch's fixed runs
** (into cpool and clits); a failed allocation just leaves runs out. */
void fl_evtx_xml_runs_build(fl_evtx_ctx *c);

/* ---- renderers and the field extractor ---- */
typedef struct fl_evtx_xml_sink {
  fl_evtx_sink base;
  fl_evtx_buf *out;
  fl_evtx_buf stack;     /* open element names, each followed by u32 len */
  int in_attr, pending;  /* inside an attribute value; start tag open */
} fl_evtx_xml_sink;
void fl_evtx_xml_sink_init(fl_evtx_xml_sink *s, fl_evtx_buf *out);
/* The XML sink's ops: replay calls the _plain entry points below directly
** when the sink is this one and the op's text needs no escaping
** (FL_OPF_XML_PLAIN); the output is the same as through ops. */
extern const fl_evtx_sink_ops fl_evtx_xml_ops;
void fl_evtx_xml_open_plain(fl_evtx_xml_sink *x, const char *name, size_t n);
void fl_evtx_xml_attr_plain(fl_evtx_xml_sink *x, const char *name, size_t n);
void fl_evtx_xml_text_plain(fl_evtx_xml_sink *x, const char *s, size_t n);
/* Drops the innermost open element name (a pre-rendered end tag). */
void fl_evtx_xml_pop(fl_evtx_xml_sink *x);
void fl_evtx_xml_sink_reset(fl_evtx_xml_sink *s);
void fl_evtx_xml_sink_free(fl_evtx_xml_sink *s);

#define FL_EVTX_JSON_MAX_DEPTH FL_EVTX_MAX_ELEMENT_DEPTH
typedef struct fl_evtx_json_frame {
  uint32_t name_off, name_len;   /* in names */
  uint32_t attrs_off;            /* in attrs: start of this frame's attrs */
  uint32_t key_off, key_len;     /* Data Name="..." value, JSON-escaped */
  uint32_t keys_off;             /* in keys: start of children's keys */
  uint8_t mode;                  /* 0 undecided, 1 object, 2 text */
  uint8_t nattrs;
  uint32_t members;
} fl_evtx_json_frame;

typedef struct fl_evtx_json_sink fl_evtx_json_sink;
struct fl_evtx_json_sink {
  fl_evtx_sink base;
  fl_evtx_buf *out;
  fl_evtx_buf names, attrs, text, keys;
  fl_evtx_json_frame frames[FL_EVTX_JSON_MAX_DEPTH + 1];
  unsigned depth;
  int in_attr;
  unsigned text_pieces;          /* pieces in text */
  int text_bare;                 /* the single piece may print bare */
  unsigned attr_pieces;
  int attr_bare;
  uint32_t attr_val_off;
  /* pre-rendered templates (evtx_json_plan.c): plan_used is set when a record
  ** took one (its rendering is redone op by op when it fails or grows
  ** large), no_plan makes every template play op by op */
  int plan_used, no_plan;
  uint8_t vclass[256];          /* value type -> plan class */
  fl_evtx_buf sig;              /* the current instance's classes */
  struct fl_evtx_jsim *jsim;    /* plan-making scratch, made at first use */
  /* set only in that scratch's sink: values whose bytes lie in
  ** [sim_lo, sim_hi) render as slot markers, nested BinXML as a hole */
  int sim, sim_failed;
  const uint8_t *sim_lo, *sim_hi;
  unsigned sim_entry;
  fl_evtx_buf *sim_holes;
};
void fl_evtx_json_sink_init(fl_evtx_json_sink *s, fl_evtx_buf *out);
/* reset starts a record ("{"), end closes it ("}\n"). */
void fl_evtx_json_sink_reset(fl_evtx_json_sink *s);
void fl_evtx_json_sink_end(fl_evtx_json_sink *s);
void fl_evtx_json_sink_free(fl_evtx_json_sink *s);
extern const fl_evtx_sink_ops fl_evtx_json_ops;
/* 1 (the default): JSON records replay a template's pre-rendered plan when
** it fits. Tests and the fuzz harness set 0 to compare with the op-by-op
** replay, or 2 to also count in fl_evtx_json_plan_runs the template
** instances a plan rendered; nothing else may change it, and never while a
** read runs. */
extern int fl_evtx_json_plan_enabled;
extern atomic_ulong fl_evtx_json_plan_runs;
/* A record that took a plan and rendered past this is rendered again op by
** op, so the output cap (which counts the op-by-op sink's buffers) decides
** exactly as without plans. */
#define FL_EVTX_JSON_PLAN_MAX_OUT (FL_EVTX_MAX_RECORD_OUTPUT / 8)
/* Replays inst (value offsets at c->vstack + vbase) into j from its
** template's plan: 1 when no plan fits (the caller plays op by op), else
** 0 or -1 with c->failed set. */
int fl_evtx_jplan_replay(fl_evtx_ctx *c, const fl_evtx_instance *inst,
                         fl_evtx_json_sink *j, size_t vbase);
/* Plan making: nested BinXML value `slot` met by the scratch sink;
** next_is_close: the template's next op closes the element. */
void fl_evtx_json_sim_hole(fl_evtx_json_sink *j, uint16_t slot,
                           int next_is_close);
void fl_evtx_json_sim_free(fl_evtx_json_sink *j);
void fl_evtx_jplans_free(struct fl_evtx_jplans *p);

typedef struct fl_evtx_fields_sink {
  fl_evtx_sink base;
  fl_evtx_event *ev;
  fl_evtx_buf text;              /* all captured strings */
  fl_evtx_buf pairs;             /* fl_evtx_fs_pair each */
  fl_evtx_buf pairv;             /* fl_evtx_pair, built by finish */
  int name[3];                   /* element name codes at depth 1..3 */
  unsigned depth;
  int capture;                   /* field id values currently go to */
  unsigned capture_depth;
  uint32_t cap_off;              /* start of the current capture */
  uint32_t pair[4];
  const char *pair_name;         /* the open pair's name in a pool, or NULL */
  int pair_open;
  uint32_t str_off[32], str_len[32];
  uint32_t lit;                  /* bit per field id whose string is lit_p */
  const char *lit_p[32];         /* in a template's pool, not in text */
  uint32_t seen;                 /* bit per field id captured */
  uint32_t direct;               /* bit per numeric id kept as num[] */
  uint64_t num[32];
  int pend;                      /* 0, 1: pend_val held, 2: text */
  uint64_t pend_val;
  fl_evtx_val pend_first;
  uint64_t filetime;             /* TimeCreated as a typed value */
  int filetime_ok;
  /* recording a template's plan (evtx_replay.c): steps go to rec */
  fl_evtx_buf *rec;
  const char *rec_pool;          /* the template's pool: literals, names */
  uint32_t rec_pool_len;
  uint16_t rec_cond;             /* slot the steps depend on, or NONE */
  int rec_failed;                /* the template cannot be planned */
} fl_evtx_fields_sink;
/* One EventData/UserData item while parsing: its name is name (in a
** template's pool, for as long as the record is delivered) when not NULL,
** else q[0]/q[1] in text; the value is q[2]/q[3] in text. */
typedef struct fl_evtx_fs_pair {
  const char *name;
  uint32_t q[4];
} fl_evtx_fs_pair;
extern const fl_evtx_sink_ops fl_evtx_fs_ops;
/* 1 (the default): records replay their template's field plan when it
** fits. Tests set 0 to compare against the op-by-op replay, or 2 to also
** count the planned records in fl_evtx_fields_plan_records; nothing else
** may change it, and never while a read runs. */
extern int fl_evtx_fields_plan_enabled;
extern atomic_ulong fl_evtx_fields_plan_records;
void fl_evtx_fields_sink_init(fl_evtx_fields_sink *s);
void fl_evtx_fields_sink_begin(fl_evtx_fields_sink *s, fl_evtx_event *ev);
/* Turns captured offsets into pointers once parsing is done. */
void fl_evtx_fields_sink_finish(fl_evtx_fields_sink *s);
/* Runs a template's fields plan (steps, count) for the record's instance
** whose value offsets are voff; pool = the template's. 0, or -1 with
** c->failed set. */
int fl_evtx_fs_run(fl_evtx_fields_sink *f, fl_evtx_ctx *c,
                   const fl_evtx_fstep *steps, uint32_t count,
                   const char *pool, const fl_evtx_instance *inst,
                   const char *voff);
/* Rewrites a recorded plan in place, fusing step runs into FL_FS_FIELD /
** FL_FS_PAIR steps with the same effect; returns the new count. */
uint32_t fl_evtx_fplan_fuse(fl_evtx_fstep *st, uint32_t count,
                            const char *pool);
void fl_evtx_fields_sink_free(fl_evtx_fields_sink *s);

/* ---- diagnostics ---- */
void fl_evtx_diag_add(fl_evtx_diaglist *l, const char *file,
                      fl_evtx_severity sev, int64_t chunk, uint64_t offset,
                      int has_record, uint64_t record_id, const char *fmt,
                      ...) __attribute__((format(printf, 8, 9)));
void fl_evtx_diaglist_free(fl_evtx_diaglist *l);

/* ---- chunk processing (evtx_chunk.c), shared with evtx_file.c ---- */
typedef struct fl_evtx_idset { /* open-addressing set of record ids */
  uint64_t *slots;
  size_t cap, count;
  int has_zero;
} fl_evtx_idset;
int fl_evtx_idset_add(fl_evtx_idset *s, uint64_t id); /* 1 new, 0 dup, -1 */
int fl_evtx_idset_has(const fl_evtx_idset *s, uint64_t id);
void fl_evtx_idset_free(fl_evtx_idset *s);

/* Live record ids for --recover as sorted, merged [lo, hi] runs: ids are
** sequential in practice, so a 2 GiB file costs a few runs, not a set
** entry per record (worst case, ids in no order: 16 bytes per record). */
typedef struct fl_evtx_idranges {
  uint64_t (*r)[2];
  size_t count, cap;
} fl_evtx_idranges;
void fl_evtx_idranges_add(fl_evtx_idranges *s, uint64_t lo, uint64_t hi);
/* Sorts and merges once all runs are in; has() needs it. */
void fl_evtx_idranges_finish(fl_evtx_idranges *s);
int fl_evtx_idranges_has(const fl_evtx_idranges *s, uint64_t id);
void fl_evtx_idranges_free(fl_evtx_idranges *s);

typedef struct fl_evtx_job {   /* the result of one chunk */
  fl_evtx_buf out;
  fl_evtx_diaglist diags;
  fl_evtx_stats stats;
  int stop;                    /* on_record asked to stop */
} fl_evtx_job;

/* The last name value (raw bytes and type) a filter list was checked
** against, and the answer: records repeat their provider and channel. */
#define FL_EVTX_NAME_MEMO_MAX 128
typedef struct fl_evtx_name_memo {
  int valid, verdict;
  uint8_t type;
  uint32_t len;
  uint8_t key[FL_EVTX_NAME_MEMO_MAX];
} fl_evtx_name_memo;

typedef struct fl_evtx_worker {
  fl_evtx_ctx ctx;
  /* the filter's event ids below 65536 as bits (the rest: the list) */
  uint64_t id_bits[1024];
  fl_evtx_name_memo provider_memo, channel_memo;
  fl_evtx_xml_sink xml;
  fl_evtx_json_sink json;
  fl_evtx_fields_sink fields;
  fl_evtx_event ev;
  fl_evtx_job *job;            /* where output currently goes */
  fl_evtx_buf dummy;
  const fl_evtx_options *opt;
  fl_evtx_idranges *live;      /* --recover de-duplication (1 thread) */
  fl_evtx_idset *carved;
  int crc_pending;             /* records CRC not checked yet (lazy) */
  uint32_t crc_free_off;
} fl_evtx_worker;

void fl_evtx_worker_init(fl_evtx_worker *w, const char *name,
                         const fl_evtx_options *opt);
void fl_evtx_worker_free(fl_evtx_worker *w);
/* Processes chunk slot idx of the file bytes into w->job. */
void fl_evtx_chunk_process(fl_evtx_worker *w, const uint8_t *file,
                           uint64_t size, uint64_t idx);
/* One record at chunk offset pos (size already checked to fit): filter,
** render, callback. Returns 1 when delivered. */
int fl_evtx_record_process(fl_evtx_worker *w, uint32_t pos, uint32_t size,
                           int recovered);
/* Checks the current chunk's records CRC if not done yet: called before
** the first record of a chunk is delivered. */
void fl_evtx_chunk_records_crc(fl_evtx_worker *w);
/* Adds the ids of chunk idx's live records to set (for --recover). */
void fl_evtx_chunk_live_ids(const uint8_t *file, uint64_t size, uint64_t idx,
                            fl_evtx_idranges *set);

#endif
