/*
** XML reader (expat) for Windows event XML and netsh wfp XML: every <Event>
** at any depth is a record (System fields, EventData <Data>/<Binary>,
** UserData leaves); every <netEvent>, or <item> directly under
** <netEvents>, goes to input_netsh.c. Documents may be <Events> wrappers,
** single events, or several root elements one after another.
**
** Must never: expand a DTD (a DOCTYPE ends the parse there), recurse on the
** input's nesting (depth is counted and capped), or stop at the first
** malformed event: the error is reported with line and column, the event
** skipped, and parsing resumes at the next event start tag (also when the
** broken event is cut off by the next <Event> start tag).
*/
#include <expat.h>
#include <stdio.h>

#include "input/input_internal.h"

#define FL_XML_MAX_DEPTH 256
#define FL_XML_NAME_STACK 8
#define FL_XML_FEED_MAX (1u << 20) /* largest piece handed to expat */
#define FL_XML_FEED_MIN (1u << 12) /* first piece after a (re)start */
#define FL_XML_PROLOG_MAX (1u << 20)
#define FL_XML_KEEP_MAX (8u << 20) /* an open event kept in view up to this */

/* The reader's own root element (never in a record: its depth is 0). */
static const char fl_xml_wrap_open[] = "<fl-wrap>";
static const char fl_xml_wrap_close[] = "</fl-wrap>";

enum { SEC_NONE = 0, SEC_SYSTEM, SEC_EVENTDATA, SEC_USERDATA, SEC_OTHER };
/* The <System> children and the values read from them, from
** faultline/system_fields.def. */
enum {
#define FL_SYSTEM_ELEMENT(sym, name) SE_##sym,
#include "faultline/system_fields.def"
  SE_COUNT_
};
static const char *const fl_xml_system_elements[SE_COUNT_] = {
#define FL_SYSTEM_ELEMENT(sym, name) name,
#include "faultline/system_fields.def"
};
enum { SV_TEXT, SV_NUMBER, SV_TIME };
typedef struct fl_xml_sys_value {
  const char *attr; /* "": the element's text */
  int element;      /* SE_* */
  int kind;         /* SV_* */
  int field;        /* FL_IN_* of a text value */
  unsigned bit;     /* FL_EVTX_HAS_* of a number or time */
} fl_xml_sys_value;
static const fl_xml_sys_value fl_xml_sys_values[] = {
#define FL_SYSTEM_TEXT(sym, el, attr, member) {attr, SE_##el, SV_TEXT, FL_IN_##sym, 0},
#define FL_SYSTEM_NUMBER(sym, el, attr, member, width, bit) {attr, SE_##el, SV_NUMBER, 0, bit},
#define FL_SYSTEM_TIME(sym, el, attr, member, bit) {attr, SE_##el, SV_TIME, 0, bit},
#include "faultline/system_fields.def"
};
enum { FX_NONE = 0 }; /* else 1 + the index of the value being captured */

typedef struct fl_xml {
  fl_input_ctx *c;
  XML_Parser p;
  size_t base;          /* offset of the current parser's first byte */
  unsigned depth;
  char names[FL_XML_NAME_STACK][32];
  unsigned ev_depth;    /* depth of the open <Event>, 0 = none */
  int section;
  int field;            /* FX_* being captured */
  unsigned cap_depth;   /* element whose text is captured (0 = none) */
  int pair_open;
  fl_input_buf text, name;
  fl_input_netsh *ns;
  unsigned ns_depth;    /* depth of the open net event root, 0 = none */
  const char *abort_msg;
  int resynced;
  size_t wrap_at;       /* parser byte index where the wrapper went in */
  size_t wrap_len;      /* its length, 0 = no wrapper in this segment */
  int wrap_seen;        /* its start tag was reported */
  size_t resume_at;     /* restart here (an <Event> cut the open one) */
} fl_xml;

static const char *fl_xml_local(const char *name) {
  const char *c = strrchr(name, ':');
  return c ? c + 1 : name;
}

static size_t fl_xml_pos(const fl_xml *x) {
  XML_Index i = XML_GetCurrentByteIndex(x->p);
  size_t k = i > 0 ? (size_t)i : 0;
  if (x->wrap_len && k >= x->wrap_at)
    k = k >= x->wrap_at + x->wrap_len ? k - x->wrap_len : x->wrap_at;
  size_t pos = x->base + k, end = fl_input_end(x->c);
  return pos < end ? pos : end;
}

static void fl_xml_abort(fl_xml *x, const char *why) {
  if (!x->abort_msg) x->abort_msg = why;
  XML_StopParser(x->p, XML_FALSE);
}

static const char *fl_xml_attr(const char **attrs, const char *name) {
  for (size_t i = 0; attrs[i] && attrs[i + 1]; i += 2)
    if (!strcmp(fl_xml_local(attrs[i]), name)) return attrs[i + 1];
  return NULL;
}

/* A System value's text (an attribute's or the element's) into the record. */
static void fl_xml_sys_put(fl_xml *x, const fl_xml_sys_value *v, const char *t,
                           size_t n) {
  if (v->kind == SV_TEXT) fl_input_rec_str(x->c, v->field, t, n);
  else if (v->kind == SV_NUMBER) fl_input_rec_num_text(x->c, v->bit, t, n, fl_xml_pos(x));
  else fl_input_rec_time_text(x->c, t, n, fl_xml_pos(x));
}

static void fl_xml_system_start(fl_xml *x, const char *n, const char **a) {
  int e = 0;
  /* first letters before strcmp: this runs for every System member */
  while (e < SE_COUNT_ && (fl_xml_system_elements[e][0] != n[0] ||
                           strcmp(n, fl_xml_system_elements[e]) != 0))
    e++;
  if (e == SE_COUNT_) return;
  for (size_t i = 0; i < sizeof fl_xml_sys_values / sizeof *fl_xml_sys_values; i++) {
    const fl_xml_sys_value *v = &fl_xml_sys_values[i];
    if (v->element != e) continue;
    if (!v->attr[0]) { /* the element's text, read at its end */
      x->field = (int)i + 1;
      x->cap_depth = x->depth;
      x->text.len = 0;
      continue;
    }
    const char *t = fl_xml_attr(a, v->attr);
    if (t) fl_xml_sys_put(x, v, t, strlen(t));
  }
}

static void fl_xml_system_end(fl_xml *x) {
  if (x->field > FX_NONE) {
    const char *t = x->text.p ? x->text.p : "";
    fl_xml_sys_put(x, &fl_xml_sys_values[x->field - 1], t, x->text.len);
  }
  x->field = FX_NONE;
  x->cap_depth = 0;
}

/* A child of EventData (d = ev+2) or a leaf of UserData (d = ev+3). */
static void fl_xml_pair_start(fl_xml *x, const char *n, const char **a) {
  x->pair_open = 1;
  x->cap_depth = x->depth;
  x->text.len = x->name.len = 0;
  if (!strcmp(n, "Data")) {
    const char *nm = fl_xml_attr(a, "Name");
    if (nm) fl_input_buf_puts(&x->name, nm);
  } else {
    fl_input_buf_puts(&x->name, n);
  }
}

static void fl_xml_event_start(fl_xml *x, const char *n, const char **a) {
  unsigned rel = x->depth - x->ev_depth;
  if (rel == 1) {
    x->section = !strcmp(n, "System") ? SEC_SYSTEM
                 : !strcmp(n, "EventData") ? SEC_EVENTDATA
                 : !strcmp(n, "UserData") ? SEC_USERDATA : SEC_OTHER;
    return;
  }
  if (x->c->rejected || x->cap_depth) return; /* nested text: captured */
  if (x->section == SEC_SYSTEM && rel == 2) fl_xml_system_start(x, n, a);
  else if (x->section == SEC_EVENTDATA && rel == 2) fl_xml_pair_start(x, n, a);
  else if (x->section == SEC_USERDATA && rel == 2)
    fl_input_rec_wrapper(x->c, n, strlen(n));
  else if (x->section == SEC_USERDATA && rel == 3) fl_xml_pair_start(x, n, a);
}

static void fl_xml_event_end(fl_xml *x) {
  unsigned rel = x->depth - x->ev_depth;
  fl_input_ctx *c = x->c;
  if (x->cap_depth == x->depth) {
    if (x->pair_open) {
      fl_input_rec_pair(c, x->name.p ? x->name.p : "", x->name.len,
                        x->text.p ? x->text.p : "", x->text.len);
      x->pair_open = 0;
      x->cap_depth = 0;
    } else {
      fl_xml_system_end(x);
    }
  }
  if (rel == 1) {
    if (x->section == SEC_SYSTEM && !fl_input_rec_filter(c)) c->rejected = 1;
    x->section = SEC_NONE;
  }
}

static int fl_xml_is_net_event(const fl_xml *x, const char *n) {
  if (!strcmp(n, "netEvent")) return 1;
  if (strcmp(n, "item") != 0) return 0;
  if (x->depth == 1) /* resumed inside <netEvents> after an error */
    return x->resynced && x->c->format == FL_INPUT_NETSH_XML;
  return x->depth - 1 <= FL_XML_NAME_STACK &&
         !strcmp(x->names[x->depth - 2], "netEvents");
}

/* An <Event> start tag inside the open event: the open one was cut off
** (a truncated event in the middle of a file). It is skipped, located at
** its own start, and parsing restarts at the new tag. */
static void fl_xml_cut_off(fl_xml *x) {
  fl_input_ctx *c = x->c;
  size_t at = fl_xml_pos(x);
  unsigned line, col;
  fl_input_locate(c, at, &line, &col);
  char why[96];
  snprintf(why, sizeof why,
           "cut off: a new <Event> begins at line %u before it ends", line);
  fl_input_rec_skip(c, c->ev.file_offset, why);
  x->ev_depth = 0;
  x->resume_at = at;
  x->resynced = 1;
  XML_StopParser(x->p, XML_FALSE);
}

static void XMLCALL fl_xml_start(void *ud, const char *name,
                                 const char **attrs) {
  fl_xml *x = ud;
  if (x->wrap_len && !x->wrap_seen) { /* ours: depth stays 0 */
    x->wrap_seen = 1;
    return;
  }
  if (++x->depth > FL_XML_MAX_DEPTH) {
    fl_xml_abort(x, "elements nested too deep");
    return;
  }
  const char *n = fl_xml_local(name);
  if (x->depth <= FL_XML_NAME_STACK)
    fl_input_copy_name(x->names[x->depth - 1], sizeof x->names[0], n);
  if (x->ns_depth) {
    fl_input_netsh_start(x->ns, n, attrs);
  } else if (x->ev_depth && !strcmp(n, "Event")) {
    fl_xml_cut_off(x); /* no event holds an <Event>: the open one is cut */
    return;
  } else if (x->ev_depth) {
    fl_xml_event_start(x, n, attrs);
  } else if (!strcmp(n, "Event")) {
    x->ev_depth = x->depth;
    x->section = SEC_NONE;
    x->cap_depth = 0;
    x->pair_open = 0;
    fl_input_rec_begin(x->c, fl_xml_pos(x));
  } else if (fl_xml_is_net_event(x, n)) {
    x->ns_depth = x->depth;
    fl_input_netsh_begin(x->ns, fl_xml_pos(x));
  }
  if (x->c->stop) fl_xml_abort(x, NULL);
}

static void XMLCALL fl_xml_end(void *ud, const char *name) {
  fl_xml *x = ud;
  (void)name;
  if (!x->depth) return; /* the reader's wrapper */
  if (x->ns_depth) {
    fl_input_netsh_end(x->ns, fl_xml_pos(x));
    if (x->depth == x->ns_depth) x->ns_depth = 0;
  } else if (x->ev_depth) {
    if (x->depth == x->ev_depth) {
      x->ev_depth = 0;
      fl_input_rec_finish(x->c);
    } else {
      fl_xml_event_end(x);
    }
  }
  if (x->depth) x->depth--;
  if (x->c->stop) fl_xml_abort(x, NULL);
}

static void XMLCALL fl_xml_chars(void *ud, const char *s, int len) {
  fl_xml *x = ud;
  if (len <= 0) return;
  if (x->ns_depth) fl_input_netsh_text(x->ns, s, (size_t)len);
  else if (x->ev_depth && x->cap_depth) fl_input_buf_put(&x->text, s, (size_t)len);
  else if (!x->depth) /* between root elements: only blanks belong here */
    for (int i = 0; i < len; i++)
      if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') {
        fl_xml_abort(x, "text outside any element");
        return;
      }
}

static void XMLCALL fl_xml_doctype(void *ud, const char *name, const char *sys,
                                   const char *pub, int has_internal) {
  (void)name; (void)sys; (void)pub; (void)has_internal;
  fl_xml_abort(ud, "a DOCTYPE is not accepted in event XML");
}

static void fl_xml_setup(fl_xml *x, int utf8) {
  XML_ParserReset(x->p, utf8 ? "UTF-8" : NULL);
  XML_SetUserData(x->p, x);
  XML_SetElementHandler(x->p, fl_xml_start, fl_xml_end);
  XML_SetCharacterDataHandler(x->p, fl_xml_chars);
  XML_SetStartDoctypeDeclHandler(x->p, fl_xml_doctype);
  XML_SetParamEntityParsing(x->p, XML_PARAM_ENTITY_PARSING_NEVER);
  x->depth = x->ev_depth = x->ns_depth = 0;
  x->cap_depth = 0;
  x->pair_open = 0;
  x->abort_msg = NULL;
  x->wrap_at = x->wrap_len = 0;
  x->wrap_seen = 0;
  x->resume_at = (size_t)-1;
}

/* The next event start tag at or after from, or the end of the input. */
static size_t fl_xml_next_start(fl_input_ctx *c, size_t from) {
  static const char *const tags[] = {"<Event", "<netEvent", "<item"};
  enum { LONGEST = 10 }; /* "<netEvent" and the byte after it */
  size_t i = from < c->text_base ? c->text_base : from;
  for (;;) {
    size_t end = fl_input_end(c);
    while (i < end) {
      const char *lt = memchr(c->text + (i - c->text_base), '<', end - i);
      if (!lt) {
        i = end;
        break;
      }
      i = (size_t)(lt - c->text) + c->text_base;
      if (end - i < LONGEST && !c->text_eof) break; /* read more first */
      const char *t = lt;
      for (size_t k = 0; k < 3; k++) {
        size_t L = strlen(tags[k]);
        if (k == 2 && c->format != FL_INPUT_NETSH_XML) continue;
        if (end - i > L && memcmp(t, tags[k], L) == 0 &&
            (t[L] == '>' || t[L] == '/' || t[L] == ' ' || t[L] == '\t' ||
             t[L] == '\r' || t[L] == '\n'))
          return i;
      }
      i++;
    }
    if (!fl_input_more(c, i)) return fl_input_end(c);
  }
}

/* Handles a parse error at off; returns where to resume (the end: stop).
** seg is where the failed segment began: resuming there again would loop. */
static size_t fl_xml_recover(fl_xml *x, size_t off, size_t seg) {
  fl_input_ctx *c = x->c;
  if (x->resume_at != (size_t)-1) return x->resume_at; /* reported */
  enum XML_Error code = XML_GetErrorCode(x->p);
  const char *why = x->abort_msg ? x->abort_msg : XML_ErrorString(code);
  int open = c->in_record || fl_input_netsh_active(x->ns);
  if (off < c->text_base) off = c->text_base; /* a long token's start */
  if (!open && !x->abort_msg) {
    size_t i = off;
    int ch;
    while ((ch = fl_input_byte(c, i)) == ' ' || ch == '\t' || ch == '\r' ||
           ch == '\n')
      i++;
    if (i > c->text_base && ch == '/' && fl_input_byte(c, i - 1) == '<')
      i--; /* expat points at the '/' of a stray end tag */
    else if (i > c->text_base + 1 && fl_input_byte(c, i - 1) == '/' &&
             fl_input_byte(c, i - 2) == '<')
      i -= 2; /* or at its name (a mismatched one) */
    int lt = fl_input_byte(c, i) == '<';
    int next = lt ? fl_input_byte(c, i + 1) : -1;
    if (code == XML_ERROR_JUNK_AFTER_DOC_ELEMENT && lt && next != '/' &&
        next != -1)
      return i; /* another root element: events one after another */
    if (code == XML_ERROR_MISPLACED_XML_PI && lt && !x->depth && i > seg)
      return i; /* the next document's <?xml?> (files concatenated) */
    if (x->resynced && lt && next == '/') {
      /* the wrapper's end tag after a resync: not an error */
      size_t k = i + 2;
      while ((ch = fl_input_byte(c, k)) != -1 && ch != '>') k++;
      if (ch == '>') return fl_xml_next_start(c, k + 1);
    }
  }
  if (c->in_record) {
    unsigned l0, l1, col;
    fl_input_locate(c, c->ev.file_offset, &l0, &col);
    fl_input_locate(c, off, &l1, &col);
    char m[200];
    if (l0 != l1) snprintf(m, sizeof m, "the event from line %u: %s", l0, why);
    fl_input_rec_skip(c, off, l0 != l1 ? m : why);
  } else if (fl_input_netsh_active(x->ns)) {
    c->in_record = 1;
    fl_input_rec_skip(c, off, why);
  } else {
    fl_input_diag_emit(c, FL_EVTX_ERROR, off, "XML not well-formed: %s", why);
  }
  x->resynced = 1;
  /* the error may sit on the next event's own start tag (a cut-off
  ** attribute value runs into it): resume there, unless that is where
  ** this segment began */
  return fl_xml_next_start(c, off > seg ? off : off + 1);
}

enum { PROLOG_NONE = -1, PROLOG_MORE = -2 };

/* Where the prolog (blanks, <?...?>, comments) ends and the first element
** starts in what has been read; PROLOG_NONE when there is none to put a
** wrapper before (a DOCTYPE, text), PROLOG_MORE when more is needed. */
static long long fl_xml_prolog_scan(const fl_input_ctx *c, size_t from) {
  const char *t = c->text;
  size_t n = c->text_len, i = from - c->text_base;
  while (i < n) {
    char ch = t[i];
    if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') { i++; continue; }
    if (ch != '<') return PROLOG_NONE;
    if (i + 4 > n) return PROLOG_MORE;
    const char *end = NULL;
    if (t[i + 1] == '?') {
      for (size_t k = i + 2; k + 1 < n && !end; k++)
        if (t[k] == '?' && t[k + 1] == '>') end = t + k + 2;
    } else if (!memcmp(t + i, "<!--", 4)) {
      for (size_t k = i + 4; k + 2 < n && !end; k++)
        if (!memcmp(t + k, "-->", 3)) end = t + k + 3;
    } else if (t[i + 1] == '!') {
      return PROLOG_NONE; /* DOCTYPE: expat's handler refuses it */
    } else {
      size_t at = i + c->text_base;
      return (long long)at;
    }
    if (!end) return PROLOG_MORE;
    i = (size_t)(end - t);
  }
  return PROLOG_MORE;
}

static long long fl_xml_prolog_end(fl_input_ctx *c, size_t from) {
  for (;;) {
    long long r = fl_xml_prolog_scan(c, from);
    if (r != PROLOG_MORE) return r;
    if (c->text_eof || fl_input_end(c) - from > FL_XML_PROLOG_MAX ||
        !fl_input_more(c, from))
      return PROLOG_NONE;
  }
}

static int fl_xml_feed(fl_xml *x, const char *s, size_t n, int final) {
  return XML_Parse(x->p, s, (int)n, final) != XML_STATUS_ERROR;
}

/* What the window must keep before pos: the last piece (an error lies in
** it), and the open event's start while that is near (its line is told). */
static size_t fl_xml_keep(const fl_xml *x, size_t piece_at) {
  const fl_input_ctx *c = x->c;
  size_t keep = piece_at;
  if (c->in_record && c->ev.file_offset < keep &&
      keep - c->ev.file_offset < FL_XML_KEEP_MAX)
    keep = (size_t)c->ev.file_offset;
  return keep;
}

/* Parses from start to the end; 0 when done, else where it failed. The
** wrapper goes in where the prolog ends; pieces grow from FL_XML_FEED_MIN
** so that a segment ended early by an error copies little. */
static int fl_xml_run(fl_xml *x, size_t start, size_t *fail_at) {
  fl_input_ctx *c = x->c;
  x->base = start;
  size_t pos = start, piece = FL_XML_FEED_MIN, piece_at = start;
  long long el = fl_xml_prolog_end(c, start);
  int ok = 1;
  if (el >= 0) {
    ok = fl_xml_feed(x, c->text + (start - c->text_base),
                     (size_t)el - start, 0);
    x->wrap_at = (size_t)el - start;
    x->wrap_len = sizeof fl_xml_wrap_open - 1;
    ok = ok && fl_xml_feed(x, fl_xml_wrap_open, x->wrap_len, 0);
    pos = (size_t)el;
  }
  while (ok) {
    if (pos >= fl_input_end(c) && fl_input_more(c, fl_xml_keep(x, piece_at)))
      continue;
    size_t n = fl_input_end(c) - pos;
    if (!n) {
      /* the end; still inside an element: let expat say what is unclosed */
      ok = !x->wrap_len || x->depth
               ? fl_xml_feed(x, "", 0, 1)
               : fl_xml_feed(x, fl_xml_wrap_close,
                             sizeof fl_xml_wrap_close - 1, 1);
      if (ok) return 0;
      break;
    }
    if (n > piece) n = piece;
    piece_at = pos;
    ok = fl_xml_feed(x, c->text + (pos - c->text_base), n, 0);
    pos += n;
    if (piece < FL_XML_FEED_MAX) piece *= 2;
  }
  *fail_at = fl_xml_pos(x);
  return -1;
}

void fl_input_xml_read(fl_input_ctx *c, int utf8_forced) {
  fl_xml x;
  memset(&x, 0, sizeof x);
  x.c = c;
  x.p = XML_ParserCreate(utf8_forced ? "UTF-8" : NULL);
  x.ns = fl_input_netsh_new(c);
  if (!x.p || !x.ns) {
    c->nomem = 1;
    goto done;
  }
  size_t start = c->text_base;
  while (!c->stop && (start < fl_input_end(c) || fl_input_byte(c, start) >= 0)) {
    fl_xml_setup(&x, utf8_forced || start > 0);
    size_t fail_at = 0;
    if (fl_xml_run(&x, start, &fail_at) == 0) break;
    if (c->stop) break;
    start = fl_xml_recover(&x, fail_at, start);
  }
  if (c->in_record) c->in_record = 0; /* stopped by a callback */
done:
  if (x.p) XML_ParserFree(x.p);
  fl_input_netsh_free(x.ns);
  fl_buf_free(&x.text);
  fl_buf_free(&x.name);
}
