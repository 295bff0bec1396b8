/*
** Internals shared by the non-EVTX readers (lib/input): a growable buffer,
** the record builder every reader fills (strings in one reused arena, pairs
** as offsets until the record is finished), diagnostics located by line and
** column, and the text helpers (times, GUIDs, numbers, escaping).
**
** Must never: allocate per record once the buffers have grown to the
** largest record, hand out pointers into a buffer that may still grow, or
** let a reader deliver a record without going through fl_input_rec_finish.
*/
#ifndef FL_INPUT_INTERNAL_H
#define FL_INPUT_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/fl_buf.h"
#include "common/fl_error.h"
#include "faultline.h"
#include "faultline/input.h"
#include "faultline/wfp.h" /* the SDK types: input_wfp.c, GUID parsing */
#include "input/input_tap.h"

/* ---- buffer ------------------------------------------------------------ */
typedef fl_buf fl_input_buf; /* lib/common/fl_buf.h */

void fl_input_buf_put(fl_input_buf *b, const void *s, size_t n);
void fl_input_buf_putc(fl_input_buf *b, char c);
void fl_input_buf_puts(fl_input_buf *b, const char *s);
#define fl_input_buf_printf fl_buf_printf /* lib/common/fl_buf.h */

/* ---- text helpers (input_text.c) ---------------------------------------- */
typedef enum fl_input_esc { FL_IN_ESC_XML, FL_IN_ESC_JSON } fl_input_esc;
/* Appends s escaped; invalid UTF-8 and controls XML cannot carry become
** U+FFFD (XML) or \u escapes (JSON). */
void fl_input_escape(fl_input_buf *b, const char *s, size_t n, fl_input_esc e);
/* ISO 8601 ("2020-07-10T17:20:06.6871033Z", "+02:00", or a space instead of
** T; no zone = UTC) to FILETIME. 0 on success. */
int fl_input_parse_time(const char *s, size_t n, uint64_t *filetime);
/* "YYYY-MM-DDTHH:MM:SS.fffffffZ", 28 bytes, no NUL. */
void fl_input_format_time(uint64_t filetime, char out[28]);
/* A GUID with or without braces, any case, to "{XXXXXXXX-...}" (38 bytes,
** no NUL). 0 on success. */
int fl_input_guid_canon(const char *s, size_t n, char out[38]);
int fl_input_guid_parse(const char *s, size_t n, GUID *g);
/* Decimal or 0x-hex unsigned number, surrounding blanks allowed. 0 ok. */
int fl_input_parse_u64(const char *s, size_t n, uint64_t *v);
/* Trims ASCII blanks on both ends. */
void fl_input_trim(const char **s, size_t *n);
int fl_input_hexval(int c);
/* Appends UTF-16LE bytes as UTF-8 (stops at a NUL); -1 when not text. */
int fl_input_utf16le_to_utf8(fl_input_buf *b, const uint8_t *p, size_t n);
/* UTF-8 to wchar_t; writes at most cap-1 and a NUL; returns chars needed. */
size_t fl_input_utf8_to_wchar(const char *s, size_t n, wchar_t *out,
                              size_t cap);

/* ---- record builder and delivery (input_record.c) ----------------------- */
enum { /* string fields of fl_evtx_event: FL_IN_PROVIDER, _GUID, _CHANNEL, ... */
#define FL_SYSTEM_TEXT(sym, element, attr, member) FL_IN_##sym,
#include "faultline/system_fields.def"
  FL_IN_STR_COUNT
};

#define FL_INPUT_MAX_PAIRS 65536u
#define FL_INPUT_OUT_FLUSH (256u * 1024u)

typedef struct fl_input_ctx {
  const fl_evtx_options *opt;
  fl_evtx_stats *stats;
  fl_input_format format;
  const char *file;
  /* The decoded input seen so far: text[0] is at offset text_base, and
  ** every offset a reader or a diagnostic uses counts from the input's
  ** start. Readers given the whole input see base 0 and text_eof set;
  ** streamed ones call fl_input_more for the rest. */
  const char *text;
  size_t text_len;
  size_t text_base;
  int text_eof;
  struct fl_input_stream *stream; /* NULL: text is the whole input */
  /* location cache for line/column lookups: bytes before loc_scan are
  ** counted, loc_bol is where line loc_line begins; base_* the same at
  ** text_base, for lookups behind loc_scan */
  size_t loc_scan, loc_bol, base_bol;
  unsigned loc_line, base_line;
  /* record under construction */
  fl_evtx_event ev;
  int in_record;
  int rejected;  /* the filter said no: skip the rest cheaply */
  int pairs_capped;
  uint32_t str_off[FL_IN_STR_COUNT], str_len[FL_IN_STR_COUNT];
  unsigned str_seen;
  fl_input_buf arena;  /* record strings */
  fl_input_buf pairs;  /* uint32_t[4] per pair: name off/len, value off/len */
  fl_input_buf pairv;  /* fl_evtx_pair[] at finish */
  fl_input_buf wrapper;/* UserData wrapper element name, "" for EventData */
  fl_input_buf out;    /* rendered output not yet handed to on_output */
  uint64_t ordinal;    /* records begun in this input */
  size_t progress_at;  /* text offset last told to on_progress */
  uint64_t raw_size;   /* the source's size when known (progress), or 0 */
  int stop;            /* a callback asked to stop */
  int nomem;
  int recognised;      /* at least one record shape was understood */
  int not_events;      /* JSON whose first object is no known event shape */
  int local_time_told; /* rendered text: the local-time warning was given */
} fl_input_ctx;

void fl_input_ctx_init(fl_input_ctx *c, const fl_evtx_options *opt,
                       fl_evtx_stats *stats, const char *file,
                       const char *text, size_t len, fl_input_format fmt);
/* Reads the input from s instead (text starts empty). */
void fl_input_ctx_stream(fl_input_ctx *c, struct fl_input_stream *s,
                         uint64_t raw_size);
/* Drops text before keep and reads more of a streamed input: the bytes
** added; 0 at its end (text_eof). text may move. */
size_t fl_input_more(fl_input_ctx *c, size_t keep);
/* Offset one past the last byte seen so far. */
static inline size_t fl_input_end(const fl_input_ctx *c) {
  return c->text_base + c->text_len;
}
/* The byte at off, reading more when needed (keeping from off); -1 past
** the end of the input. */
int fl_input_byte(fl_input_ctx *c, size_t off);
/* Flushes pending output; frees buffers. */
void fl_input_ctx_end(fl_input_ctx *c);

void fl_input_locate(fl_input_ctx *c, size_t off, unsigned *line,
                     unsigned *col);
void fl_input_diag_emit(fl_input_ctx *c, fl_evtx_severity sev, size_t off,
                        const char *fmt, ...) FL_PRINTF(4, 5);

void fl_input_rec_begin(fl_input_ctx *c, size_t off);
void fl_input_rec_str(fl_input_ctx *c, int field, const char *s, size_t n);
/* Sets a numeric System field (FL_EVTX_HAS_* bit); text form parses
** decimal or 0x-hex and reports a warning when it does not parse. */
void fl_input_rec_num(fl_input_ctx *c, unsigned bit, uint64_t v);
void fl_input_rec_num_text(fl_input_ctx *c, unsigned bit, const char *s,
                           size_t n, size_t off);
void fl_input_rec_time_text(fl_input_ctx *c, const char *s, size_t n,
                            size_t off);
void fl_input_rec_pair(fl_input_ctx *c, const char *name, size_t nn,
                       const char *val, size_t vn);
/* Appends ",val" (sep) to the last pair called name, or adds the pair. */
void fl_input_rec_pair_join(fl_input_ctx *c, const char *name, size_t nn,
                            const char *val, size_t vn, char sep);
void fl_input_rec_wrapper(fl_input_ctx *c, const char *name, size_t n);
/* 0 when what is known so far already fails the filter (id/provider/
** channel: call once those fields are in). */
int fl_input_rec_filter(fl_input_ctx *c);
/* Ends the record: filter, render, callbacks, stats. */
void fl_input_rec_finish(fl_input_ctx *c);
/* Ends the record as lost: stats and an error diagnostic at off. */
void fl_input_rec_skip(fl_input_ctx *c, size_t off, const char *why);

/* Renders the current record (ev + wrapper) into b. */
void fl_input_render_event(fl_input_buf *b, const fl_evtx_event *ev,
                           const char *wrapper, size_t wrapper_len,
                           fl_evtx_format fmt);

/* ---- readers ------------------------------------------------------------- */
void fl_input_xml_read(fl_input_ctx *c, int utf8_forced);
void fl_input_json_read(fl_input_ctx *c);

/* netsh netEvent flattening (input_netsh.c), driven by input_xml.c. */
typedef struct fl_input_netsh fl_input_netsh;
fl_input_netsh *fl_input_netsh_new(fl_input_ctx *c);
void fl_input_netsh_free(fl_input_netsh *n);
void fl_input_netsh_begin(fl_input_netsh *n, size_t off);
void fl_input_netsh_start(fl_input_netsh *n, const char *name,
                          const char **attrs);
void fl_input_netsh_text(fl_input_netsh *n, const char *s, size_t len);
/* Returns 1 when the net event's root closed (record delivered). */
int fl_input_netsh_end(fl_input_netsh *n, size_t off);
int fl_input_netsh_active(const fl_input_netsh *n);

/* snprintf(dst, cap, "%s", src) without the printf machinery (it ran once
** per element: ~8 % of XML reading). */
static inline void fl_input_copy_name(char *dst, size_t cap, const char *src) {
  size_t n = strnlen(src, cap - 1);
  memcpy(dst, src, n);
  dst[n] = 0;
}

/* ---- streams (input_stream.c) -------------------------------------------- */
/* What a reader sees: decoded text bytes [base, base + len) at p; eof when
** nothing more will come. p moves when the stream is asked for more. */
typedef struct fl_input_view {
  const char *p;
  size_t len;
  size_t base;
  int eof;
} fl_input_view;

typedef struct fl_input_stream fl_input_stream;
/* Sees every raw byte read from the source (input_tap.h); NULL: none. */
void fl_input_stream_tap(fl_input_stream *s, fl_input_tap_fn fn, void *user);
/* Reads the source to its end through the tap; -1 on a read error. */
int fl_input_stream_drain(fl_input_stream *s);
/* fd is read, never closed; memory is not copied until decoded. NULL when
** out of memory. */
fl_input_stream *fl_input_stream_fd(int fd);
fl_input_stream *fl_input_stream_memory(const void *data, size_t len);
void fl_input_stream_free(fl_input_stream *s);
const fl_input_view *fl_input_stream_view(const fl_input_stream *s);
/* Drops the bytes before keep and reads one fill more; the bytes added, 0
** at the end (then view->eof) or when the stream stopped early. */
size_t fl_input_stream_more(fl_input_stream *s, size_t keep);
uint64_t fl_input_stream_raw_read(const fl_input_stream *s);
/* FL_OK, or why the stream ended early (damaged or truncated gzip:
** FL_ECORRUPT; past the ratio guard: FL_ELIMIT; FL_EIO; FL_ENOMEM). */
fl_status fl_input_stream_status(const fl_input_stream *s, const char **why);
int fl_input_stream_inflated(const fl_input_stream *s);
int fl_input_stream_transcoded(const fl_input_stream *s);
/* Decoded bytes looked at to find the format. */
#define FL_INPUT_SNIFF 65536u
/* Bytes decoded per fill (1 MiB). Internal toggle: the fuzz harness makes
** it tiny to move every window boundary through the input. */
extern size_t fl_input_stream_fill;
/* Output a gzip stream may produce before the ratio guard looks at it. */
#define FL_INPUT_INFLATE_FREE ((uint64_t)64 << 20)

/* ---- the format registry (input_formats.c, faultline/input_formats.def) ---- */
/* The format of decoded bytes (no gzip, UTF-8): the first row whose
** detector claims them. */
fl_input_format fl_input_detect_text(const char *p, size_t n);
/* A row's reader of decoded text; NULL for EVTX (lib/evtx) and UNKNOWN. */
typedef void (*fl_input_parse_fn)(fl_input_ctx *c, fl_input_stream *src);
fl_input_parse_fn fl_input_format_parser(fl_input_format format);
/* Every row's detector, declared from the table. */
#define FL_INPUT_FORMAT(id, name, detect, parse, description) \
  int detect(const char *text, size_t len);
#include "faultline/input_formats.def"
#undef FL_INPUT_FORMAT
void fl_input_xml_parse(fl_input_ctx *c, fl_input_stream *src);
void fl_input_json_parse(fl_input_ctx *c, fl_input_stream *src);
void fl_input_event_text_parse(fl_input_ctx *c, fl_input_stream *src);
void fl_input_format_list_parse(fl_input_ctx *c, fl_input_stream *src);
void fl_input_xml_view_parse(fl_input_ctx *c, fl_input_stream *src);
void fl_input_export_parse(fl_input_ctx *c, fl_input_stream *src);

#endif
