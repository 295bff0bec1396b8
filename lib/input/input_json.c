/*
** JSON reader (yajl, event-driven): one document, a top-level array, JSON
** lines, or evtx_dump's "Record N" separated documents. Each object at the
** record level becomes a flat list of (dotted key path, scalar) leaves in
** reused buffers; input_json_map.c turns the leaves into a record. The
** input is fed one line at a time (a line longer than FL_JSON_PIECE in
** pieces) so every error has a line and column and memory stays bounded.
**
** Must never: build a DOM or allocate per record, follow nesting deeper
** than FL_JSON_MAX_DEPTH, or lose the records after a bad line: the broken
** record is reported and skipped and parsing resumes at the next line that
** opens an object.
*/
#include <stdio.h>
#include <stdlib.h>
#include <yajl/yajl_parse.h>

#include "input/input_json.h"

#define FL_JSON_MAX_DEPTH 64
#define FL_JSON_PIECE (1u << 20)      /* longest piece handed to yajl */
#define FL_JSON_KEEP_MAX (8u << 20)   /* an open record kept in view up to */

typedef struct fl_json {
  fl_input_ctx *c;
  yajl_handle h;
  unsigned depth;
  uint32_t plen[FL_JSON_MAX_DEPTH + 2];
  unsigned rec_depth;  /* depth of record objects (1 or 2), 0 = undecided */
  int in_rec;
  size_t line_off;     /* offset of the line being fed */
  size_t rec_off;      /* offset of the line the open record began on */
  const char *abort_msg;
  fl_input_buf path;
  fl_json_leaves lv;
} fl_json;

static void fl_json_put(fl_json *j, int type, const char *s, size_t n) {
  if (!j->in_rec || j->depth < j->rec_depth) {
    fl_input_diag_emit(j->c, FL_EVTX_WARNING, j->line_off,
                       "JSON value outside an object; ignored");
    return;
  }
  fl_json_leaf_add(&j->lv, j->path.p ? j->path.p : "", j->path.len, s, n,
                   type);
}

static int fl_json_null(void *ud) {
  fl_json_put(ud, FL_JSON_NULL, "", 0);
  return 1;
}

static int fl_json_bool(void *ud, int b) {
  fl_json_put(ud, FL_JSON_SCALAR, b ? "true" : "false", b ? 4 : 5);
  return 1;
}

static int fl_json_number(void *ud, const char *s, size_t n) {
  fl_json_put(ud, FL_JSON_SCALAR, s, n);
  return 1;
}

static int fl_json_string(void *ud, const unsigned char *s, size_t n) {
  fl_json_put(ud, FL_JSON_STRING, (const char *)s, n);
  return 1;
}

static int fl_json_key(void *ud, const unsigned char *s, size_t n) {
  fl_json *j = ud;
  if (j->depth <= FL_JSON_MAX_DEPTH + 1) j->path.len = j->plen[j->depth];
  if (j->path.len) fl_input_buf_putc(&j->path, '.');
  fl_input_buf_put(&j->path, s, n);
  return 1;
}

static int fl_json_open(fl_json *j, int is_map) {
  if (j->depth >= FL_JSON_MAX_DEPTH) {
    j->abort_msg = "JSON nested too deep";
    return 0;
  }
  if (j->depth == 0) j->rec_depth = is_map ? 1 : 2;
  j->depth++;
  if (is_map && j->depth == j->rec_depth && !j->in_rec) {
    j->in_rec = 1;
    j->path.len = 0;
    j->lv.n = 0;
    j->lv.text.len = j->lv.idx.len = 0;
    j->rec_off = j->line_off;
    fl_input_rec_begin(j->c, j->line_off);
  } else if (!is_map && j->depth == j->rec_depth && !j->in_rec) {
    fl_input_diag_emit(j->c, FL_EVTX_WARNING, j->line_off,
                       "JSON array where an event object was expected; "
                       "its contents are ignored");
  }
  j->plen[j->depth] = (uint32_t)j->path.len;
  return 1;
}

static int fl_json_start_map(void *ud) { return fl_json_open(ud, 1); }
static int fl_json_start_array(void *ud) { return fl_json_open(ud, 0); }

static int fl_json_close(void *ud) {
  fl_json *j = ud;
  if (j->in_rec && j->depth == j->rec_depth) {
    j->in_rec = 0;
    fl_input_json_map(j->c, &j->lv);
    if (j->c->stop || j->c->not_events) {
      j->abort_msg = NULL;
      j->depth--;
      return 0;
    }
  }
  j->path.len = j->plen[j->depth];
  j->depth--;
  return 1;
}

static const yajl_callbacks fl_json_cb = {
    fl_json_null, fl_json_bool, NULL, NULL, fl_json_number, fl_json_string,
    fl_json_start_map, fl_json_key, fl_json_close, fl_json_start_array,
    fl_json_close};

static int fl_json_new_handle(fl_json *j) {
  if (j->h) yajl_free(j->h);
  j->h = yajl_alloc(&fl_json_cb, NULL, j);
  if (!j->h) return -1;
  yajl_config(j->h, yajl_allow_multiple_values, 1);
  yajl_config(j->h, yajl_dont_validate_strings, 0);
  j->depth = 0;
  j->in_rec = 0;
  j->path.len = 0;
  return 0;
}

/* A parse error on the line at line_off; re-arms the parser. Returns 1 when
** the next lines are to be skipped up to one that opens an object. */
static int fl_json_error(fl_json *j, const char *line, size_t len) {
  fl_input_ctx *c = j->c;
  char msg[160];
  size_t at = yajl_get_bytes_consumed(j->h);
  if (j->abort_msg) {
    snprintf(msg, sizeof msg, "%s", j->abort_msg);
  } else {
    unsigned char *e = yajl_get_error(j->h, 0, (const unsigned char *)line, len);
    snprintf(msg, sizeof msg, "%s", e ? (const char *)e : "JSON parse error");
    if (e) yajl_free_error(j->h, e);
    char *nl = strchr(msg, '\n');
    if (nl) *nl = 0;
  }
  size_t off = j->line_off + (at < len ? at : len);
  if (j->in_rec && j->rec_off < j->line_off) {
    unsigned ln, col;
    fl_input_locate(c, j->rec_off, &ln, &col);
    char m2[200];
    snprintf(m2, sizeof m2, "the event from line %u: %s", ln, msg);
    fl_input_rec_skip(c, off, m2);
  } else if (j->in_rec) {
    fl_input_rec_skip(c, off, msg);
  } else {
    fl_input_diag_emit(c, FL_EVTX_ERROR, off, "%s", msg);
  }
  unsigned rd = j->rec_depth;
  j->abort_msg = NULL;
  if (fl_json_new_handle(j)) {
    c->nomem = 1;
    return 0;
  }
  if (rd == 2) { /* back inside the top-level array */
    yajl_parse(j->h, (const unsigned char *)"[", 1);
  }
  return 1;
}

static int fl_json_is_separator(const char *s, size_t n) {
  /* evtx_dump -o json writes "Record <id>" before each document */
  if (n < 8 || memcmp(s, "Record ", 7) != 0) return 0;
  for (size_t i = 7; i < n; i++)
    if ((s[i] < '0' || s[i] > '9') && s[i] != '\r') return 0;
  return 1;
}

/* The next piece to feed at pos: a whole line when it is in view (read
** more up to FL_JSON_PIECE), else FL_JSON_PIECE bytes of a long line.
** Returns its length, 0 at the end; *whole says it ends a line. */
static size_t fl_json_piece(fl_json *j, size_t pos, int *whole) {
  fl_input_ctx *c = j->c;
  size_t scanned = pos;
  for (;;) {
    size_t end = fl_input_end(c);
    if (scanned < end) {
      const char *nl = memchr(c->text + (scanned - c->text_base), '\n',
                              end - scanned);
      if (nl) {
        *whole = 1;
        return (size_t)(nl - c->text) + c->text_base + 1 - pos;
      }
      scanned = end;
    }
    if (end - pos >= FL_JSON_PIECE || c->text_eof) break;
    size_t keep = pos;
    if (j->in_rec && j->rec_off < pos && pos - j->rec_off < FL_JSON_KEEP_MAX)
      keep = j->rec_off; /* its line is told when it breaks */
    if (!fl_input_more(c, keep)) break;
  }
  size_t n = fl_input_end(c) - pos;
  *whole = c->text_eof;
  if (n > FL_JSON_PIECE) {
    n = FL_JSON_PIECE;
    *whole = 0;
  }
  return n;
}

static void fl_json_feed(fl_json *j) {
  fl_input_ctx *c = j->c;
  size_t pos = c->text_base;
  int resync = 0, mid_line = 0;
  while (!c->stop && !c->nomem && !c->not_events) {
    int whole = 0;
    size_t len = fl_json_piece(j, pos, &whole);
    if (!len) break;
    const char *line = c->text + (pos - c->text_base);
    int starts_line = !mid_line;
    mid_line = !whole;
    j->line_off = pos;
    pos += len;
    const char *t = line;
    size_t tn = len;
    fl_input_trim(&t, &tn);
    if (starts_line && (j->depth == 0 || resync)) {
      if (!tn) continue;
      if (t[0] != '{' && t[0] != '[') {
        if (!resync && !fl_json_is_separator(t, tn))
          fl_input_diag_emit(c, FL_EVTX_WARNING, j->line_off,
                             "line is not JSON; skipped");
        if (mid_line) resync = 1; /* the rest of a long line too */
        continue;
      }
      resync = 0;
    } else if (resync) {
      continue; /* the rest of a skipped long line */
    }
    yajl_status st = yajl_parse(j->h, (const unsigned char *)line, len);
    if (st != yajl_status_ok) {
      if (c->stop || c->not_events) break;
      /* an unfinished record, then a line opening the next one (JSON
      ** lines): the next one is read again from a fresh parser */
      int again = starts_line && j->in_rec && j->rec_off < j->line_off &&
                  tn && t[0] == '{';
      resync = fl_json_error(j, line, len);
      if (again) {
        pos = j->line_off;
        mid_line = 0;
        resync = 0;
      }
    }
  }
}

void fl_input_json_read(fl_input_ctx *c) {
  fl_json j;
  memset(&j, 0, sizeof j);
  j.c = c;
  if (fl_json_new_handle(&j)) {
    c->nomem = 1;
    return;
  }
  fl_json_feed(&j);
  if (!c->stop && !c->nomem && !c->not_events) {
    size_t end = fl_input_end(c);
    j.line_off = end;
    yajl_complete_parse(j.h); /* what matters is what is still open */
    if (j.in_rec) fl_input_rec_skip(c, end, "truncated JSON");
    else if (j.depth)
      fl_input_diag_emit(c, FL_EVTX_ERROR, end,
                         "truncated JSON: %u arrays/objects not closed",
                         j.depth);
  }
  c->in_record = 0;
  yajl_free(j.h);
  fl_buf_free(&j.path);
  fl_buf_free(&j.lv.idx);
  fl_buf_free(&j.lv.text);
}
