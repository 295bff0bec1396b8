/*
** Internal model of the scenario generator (lib/gen): the PRNG, the output
** buffer, the format-agnostic record the engine fills, event shapes, the
** scenario tables and the writer interface.
**
** Nothing here may be exposed through include/: the record layout and the
** tables change freely. No function here may allocate per record: records
** live in one reusable struct, text goes into its arena.
*/
#ifndef FL_GEN_INTERNAL_H
#define FL_GEN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "faultline.h"
#include "faultline/gen.h"
#include "common/fl_buf.h"

/* ---------------- PRNG: xoshiro256** seeded by splitmix64 ---------------- */
typedef struct gen_rng {
  uint64_t s[4];
} gen_rng;

void fl_gen_rng_seed(gen_rng *r, uint64_t seed);
uint64_t fl_gen_rng_next(gen_rng *r);
/* uniform in [0, n), n > 0 */
uint64_t fl_gen_rng_below(gen_rng *r, uint64_t n);
/* uniform in [lo, hi] */
uint64_t fl_gen_rng_range(gen_rng *r, uint64_t lo, uint64_t hi);

/* ---------------- buffered output ---------------- */
typedef struct gen_out {
  FILE *fp;
  char *buf;
  size_t len, cap;
  uint64_t bytes; /* flushed + buffered */
  uint64_t lines; /* newlines written through fl_gen_out_nl() */
  int failed;     /* a write failed */
  fl_buf esc;     /* scratch for escaped values, reused */
} gen_out;

int fl_gen_out_init(gen_out *o, FILE *fp, size_t cap);
void fl_gen_out_free(gen_out *o);
int fl_gen_out_flush(gen_out *o);
void fl_gen_out_put(gen_out *o, const char *s, size_t n);
void fl_gen_out_str(gen_out *o, const char *s);
void fl_gen_out_ch(gen_out *o, char c);
void fl_gen_out_nl(gen_out *o);
void fl_gen_out_u64(gen_out *o, uint64_t v);
void fl_gen_out_hex(gen_out *o, const uint8_t *p, size_t n, int upper);
void fl_gen_out_xml(gen_out *o, const char *s, int attr);
void fl_gen_out_json(gen_out *o, const char *s); /* with quotes */
/* FILETIME as ISO-8601 UTC with `digits` fractional digits (3, 6, 7, 9). */
void fl_gen_out_time(gen_out *o, uint64_t filetime, int digits);
size_t fl_gen_fmt_time(char *buf, uint64_t filetime, int digits);
/* The XML escaper of the writers, into a caller's array (NUL-terminated
** when cap > 0); returns the full length the escaped text needs. Invalid
** UTF-8 and characters XML 1.0 cannot carry become U+FFFD. attr = 1 also
** escapes quotes and CR/LF/TAB for attributes. */
size_t fl_gen_xml_escape(const char *s, int attr, char *out, size_t cap);
size_t fl_gen_fmt_u64(char *buf, uint64_t v); /* no NUL; returns length */
/* Keywords as Windows writes them: "0x" and lower-case hex without leading
** zeros, NUL-terminated (kw holds 19 bytes). */
void fl_gen_fmt_keywords(char kw[19], uint64_t v);

/* ---------------- event shapes ---------------- */
typedef enum gen_vtype {
  GT_STR = 0,
  GT_U32,
  GT_U64,
  GT_HEX64, /* rendered 0x... lower-case */
  GT_SID,   /* rendered S-1-... */
  GT_GUID   /* rendered {...} */
} gen_vtype;

/* Where a field's value comes from; gen_values.c fills by this. */
typedef enum gen_src {
#define GEN_SRC(sym, kind, member, lit) sym,
#include "gen_sources.def"
#undef GEN_SRC
  GEN_SRC_COUNT_
} gen_src;

typedef enum gen_body {
  GEN_BODY_EVENTDATA = 0, /* <Data Name='X'> */
  GEN_BODY_CLASSIC,       /* <Data> without Name + <Binary> */
  GEN_BODY_NONE           /* no EventData at all */
} gen_body;

typedef enum gen_wfp_kind {
  GEN_WFP_NONE = 0,     /* no netsh representation */
  GEN_WFP_MM_FAILURE,
  GEN_WFP_QM_FAILURE,
  GEN_WFP_EM_FAILURE,
  GEN_WFP_CLASSIFY_DROP,
  GEN_WFP_CLASSIFY_ALLOW
} gen_wfp_kind;

#define GEN_MAX_FIELDS 32

typedef struct gen_field_spec {
  const char *name;
  gen_vtype type;
  gen_src src;
} gen_field_spec;

typedef struct gen_shape {
  uint16_t event_id;
  uint8_t version, level, opcode;
  uint16_t task;
  uint64_t keywords;
  const char *provider;
  const char *guid;      /* "{...}" upper-case, NULL for classic sources */
  const char *channel;
  int channel_index;     /* 0 Security, 1 System */
  int has_qualifiers;
  uint16_t qualifiers;
  gen_body body;
  const char *task_name; /* Winlogbeat winlog.task */
  const char *title;     /* Winlogbeat message */
  const char *outcome;   /* "success", "failure" or NULL */
  gen_wfp_kind wfp;
  size_t nfields;
  gen_field_spec fields[GEN_MAX_FIELDS];
} gen_shape;

/* ---------------- records ---------------- */
typedef struct gen_value {
  uint64_t u;
  const char *s; /* text form for every type; points into the arena */
} gen_value;

/* WFP net-event view of a record, for the netsh writer. */
typedef struct gen_wfp {
  gen_wfp_kind kind;
  uint32_t code;
  int fpoint, keymod, state, role, auth, traffic;
  uint32_t flags;
  uint8_t cert_hash[20];
  int has_hash;
  uint64_t mm_id, filter_id, qm_filter_id;
  uint32_t local_ip, remote_ip;
  uint16_t local_port, remote_port;
  uint8_t protocol;
  int inbound;
  uint16_t layer_id;
  const char *local_principal, *remote_principal; /* "" when none */
  const char *app_path;                           /* "" when none */
  const char *user_sid;                           /* "" when none */
} gen_wfp;

typedef struct gen_record {
  const gen_shape *shape;
  uint64_t time;       /* FILETIME */
  uint64_t record_id;  /* per host and channel */
  uint32_t pid, tid;
  unsigned host;
  const char *computer;
  int in_scope;
  int episode;         /* index into episodes, -1 for background */
  gen_value v[GEN_MAX_FIELDS];
  uint8_t bin[192];
  size_t bin_len;
  gen_wfp wfp;
  char arena[4096];
  size_t used;
} gen_record;

/* Copies s into the record's arena (truncating if full). */
const char *fl_gen_rec_str(gen_record *r, const char *s);
const char *fl_gen_rec_strn(gen_record *r, const char *s, size_t n);


/* Per-record values the engine chooses; gen_sources.def maps fields here. */
typedef struct gen_ctx {
  uint64_t zero;
  /* IPsec */
  const char *local_principal, *remote_principal, *local_addr, *remote_addr;
  const char *fail_reason, *local_hash, *remote_hash, *local_issuer;
  const char *local_root, *remote_issuer, *remote_root, *policy, *pa_error;
  const char *local_em_principal, *remote_em_principal;
  uint64_t local_port, remote_port, mm_filter, qm_filter, mm_sa, message_id;
  uint64_t mm_lifetime, qm_limit, icookie, rcookie;
  uint64_t ins_keymod, ins_fail_point, ins_auth, ins_state, ins_role;
  uint64_t ins_impers, ins_cipher, ins_integrity, ins_dh, ins_notification;
  uint64_t ins_mode;
  /* background */
  const char *subject_sid, *subject_user, *subject_domain, *target_sid;
  const char *target_user, *target_domain, *logon_process, *auth_package;
  const char *workstation, *logon_guid, *lm_package, *process_name, *ip_addr;
  const char *ip_port, *new_process_name, *cmdline, *parent_name, *label;
  const char *sidlist, *app_path, *src_addr, *dst_addr, *svc_name;
  const char *svc_state, *raidport;
  uint64_t subject_logon, target_logon, logon_type, process_id;
  uint64_t new_process_id, wfp_pid, src_port, dst_port, protocol;
  uint64_t filter_rtid, layer_rtid;
  uint64_t ins_elevated, ins_token_elev, ins_direction, ins_layer;
} gen_ctx;

/* Renders every field of r->shape from ctx into r->v (gen_values.c). */
void fl_gen_fill(gen_record *r, const gen_ctx *ctx);

/* ---------------- writers ---------------- */
typedef struct gen_pos {
  uint64_t record_id; /* as the reader will see it (EVTX: file-wide) */
  uint64_t line;      /* 1-based line where the record starts, 0: none */
  uint64_t index;     /* 1-based ordinal of the record in the file */
} gen_pos;

typedef struct gen_writer gen_writer;
struct gen_writer {
  const fl_gen_options *opts;
  gen_out out;
  void *impl;     /* EVTX writer handle */
  uint64_t count; /* records written */
  fl_status (*begin)(gen_writer *w, const char *path, fl_error *err);
  fl_status (*write)(gen_writer *w, const gen_record *r, gen_pos *pos,
                     fl_error *err);
  fl_status (*end)(gen_writer *w, fl_error *err);
  uint64_t (*bytes)(const gen_writer *w);
};

void fl_gen_writer_xml(gen_writer *w);
/* The <System> element and the body of r as event XML (gen_xml.c), on one
** line (lines 0: wevtutil, Get-WinEvent) or as Event Viewer's XML View
** shows them (lines 1, gen_text.c). */
typedef struct gen_xml_style {
  char q;            /* attribute quote */
  const char *empty; /* how an element without content ends: "/>", " />" */
  int lines;         /* XML View: an element a line, text escaped as attributes */
} gen_xml_style;
void fl_gen_xml_system(gen_out *o, const gen_record *r, const gen_xml_style *st);
void fl_gen_xml_body(gen_out *o, const gen_record *r, const gen_xml_style *st);
void fl_gen_writer_jsonl(gen_writer *w);
void fl_gen_writer_netsh(gen_writer *w);
void fl_gen_writer_evtx(gen_writer *w);
/* The rendered text forms (gen_text.c). */
void fl_gen_writer_event_text(gen_writer *w);
void fl_gen_writer_format_list(gen_writer *w);
void fl_gen_writer_xml_view(gen_writer *w);
void fl_gen_writer_export_csv(gen_writer *w);
void fl_gen_writer_export_txt(gen_writer *w);
/* Shared by the text writers: open path for writing with a big buffer. */
fl_status fl_gen_text_begin(gen_writer *w, const char *path, fl_error *err);
fl_status fl_gen_text_end(gen_writer *w, fl_error *err);
uint64_t fl_gen_text_bytes(const gen_writer *w);

/* ---------------- shapes registry ---------------- */
/* The shape of a catalog Security event (built once) or a background event;
** NULL when unknown. */
const gen_shape *fl_gen_shape(uint16_t event_id);
const gen_shape *fl_gen_shape_iscsiprt(uint16_t event_id);
const gen_shape *fl_gen_shape_wfp(gen_wfp_kind kind);
int fl_gen_shapes_init(fl_error *err);

#endif
