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
** skipped, and parsing resumes at the next event start tag.
*/
#include <expat.h>
#include <stdio.h>

#include "input/input_internal.h"

#define FL_XML_MAX_DEPTH 256
#define FL_XML_NAME_STACK 8
#define FL_XML_CHUNK (1u << 30)

enum { SEC_NONE = 0, SEC_SYSTEM, SEC_EVENTDATA, SEC_USERDATA, SEC_OTHER };
enum { /* System leaves captured as text */
  FX_NONE = 0, FX_EVENT_ID, FX_VERSION, FX_LEVEL, FX_TASK, FX_OPCODE,
  FX_KEYWORDS, FX_RECORD_ID, FX_CHANNEL, FX_COMPUTER
};

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
} fl_xml;

static const char *fl_xml_local(const char *name) {
  const char *c = strrchr(name, ':');
  return c ? c + 1 : name;
}

static size_t fl_xml_pos(const fl_xml *x) {
  XML_Index i = XML_GetCurrentByteIndex(x->p);
  return x->base + (i > 0 ? (size_t)i : 0);
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

static void fl_xml_str_attr(fl_xml *x, const char **attrs, const char *name,
                            int field) {
  const char *v = fl_xml_attr(attrs, name);
  if (v) fl_input_rec_str(x->c, field, v, strlen(v));
}

static void fl_xml_num_attr(fl_xml *x, const char **attrs, const char *name,
                            unsigned bit) {
  const char *v = fl_xml_attr(attrs, name);
  if (v) fl_input_rec_num_text(x->c, bit, v, strlen(v), fl_xml_pos(x));
}

static void fl_xml_system_start(fl_xml *x, const char *n, const char **a) {
  static const struct { const char *name; int field; } leaves[] = {
      {"EventID", FX_EVENT_ID}, {"Version", FX_VERSION}, {"Level", FX_LEVEL},
      {"Task", FX_TASK}, {"Opcode", FX_OPCODE}, {"Keywords", FX_KEYWORDS},
      {"EventRecordID", FX_RECORD_ID}, {"Channel", FX_CHANNEL},
      {"Computer", FX_COMPUTER}};
  if (!strcmp(n, "Provider")) {
    fl_xml_str_attr(x, a, "Name", FL_IN_PROVIDER);
    fl_xml_str_attr(x, a, "Guid", FL_IN_GUID);
    fl_xml_str_attr(x, a, "EventSourceName", FL_IN_SOURCE);
  } else if (!strcmp(n, "TimeCreated")) {
    const char *v = fl_xml_attr(a, "SystemTime");
    if (v) fl_input_rec_time_text(x->c, v, strlen(v), fl_xml_pos(x));
  } else if (!strcmp(n, "Correlation")) {
    fl_xml_str_attr(x, a, "ActivityID", FL_IN_ACTIVITY);
    fl_xml_str_attr(x, a, "RelatedActivityID", FL_IN_RELATED);
  } else if (!strcmp(n, "Execution")) {
    fl_xml_num_attr(x, a, "ProcessID", FL_EVTX_HAS_PROCESS_ID);
    fl_xml_num_attr(x, a, "ThreadID", FL_EVTX_HAS_THREAD_ID);
  } else if (!strcmp(n, "Security")) {
    fl_xml_str_attr(x, a, "UserID", FL_IN_USER);
  }
  if (!strcmp(n, "EventID"))
    fl_xml_num_attr(x, a, "Qualifiers", FL_EVTX_HAS_QUALIFIERS);
  for (size_t i = 0; i < sizeof leaves / sizeof *leaves; i++)
    if (!strcmp(n, leaves[i].name)) {
      x->field = leaves[i].field;
      x->cap_depth = x->depth;
      x->text.len = 0;
    }
}

static void fl_xml_system_end(fl_xml *x) {
  static const unsigned bits[] = {
      0, FL_EVTX_HAS_EVENT_ID, FL_EVTX_HAS_VERSION, FL_EVTX_HAS_LEVEL,
      FL_EVTX_HAS_TASK, FL_EVTX_HAS_OPCODE, FL_EVTX_HAS_KEYWORDS,
      FL_EVTX_HAS_EVENT_RECORD_ID};
  fl_input_ctx *c = x->c;
  const char *t = x->text.p ? x->text.p : "";
  if (x->field == FX_CHANNEL || x->field == FX_COMPUTER) {
    fl_input_rec_str(c, x->field == FX_CHANNEL ? FL_IN_CHANNEL : FL_IN_COMPUTER,
                     t, x->text.len);
  } else if (x->field > FX_NONE && x->field <= FX_RECORD_ID) {
    fl_input_rec_num_text(c, bits[x->field], t, x->text.len, fl_xml_pos(x));
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

static void XMLCALL fl_xml_start(void *ud, const char *name,
                                 const char **attrs) {
  fl_xml *x = ud;
  if (++x->depth > FL_XML_MAX_DEPTH) {
    fl_xml_abort(x, "elements nested too deep");
    return;
  }
  const char *n = fl_xml_local(name);
  if (x->depth <= FL_XML_NAME_STACK)
    snprintf(x->names[x->depth - 1], sizeof x->names[0], "%s", n);
  if (x->ns_depth) {
    fl_input_netsh_start(x->ns, n, attrs);
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
}

/* The next event start tag at or after from, or text_len. */
static size_t fl_xml_next_start(const fl_input_ctx *c, size_t from) {
  static const char *const tags[] = {"<Event", "<netEvent", "<item"};
  const char *t = c->text;
  size_t n = c->text_len;
  for (size_t i = from; i < n;) {
    const char *lt = memchr(t + i, '<', n - i);
    if (!lt) break;
    i = (size_t)(lt - t);
    for (size_t k = 0; k < 3; k++) {
      size_t L = strlen(tags[k]);
      if (k == 2 && c->format != FL_INPUT_NETSH_XML) continue;
      if (n - i > L && memcmp(t + i, tags[k], L) == 0 &&
          (t[i + L] == '>' || t[i + L] == '/' || t[i + L] == ' ' ||
           t[i + L] == '\t' || t[i + L] == '\r' || t[i + L] == '\n'))
        return i;
    }
    i++;
  }
  return n;
}

/* Handles a parse error at off; returns where to resume (text_len: stop). */
static size_t fl_xml_recover(fl_xml *x, size_t off) {
  fl_input_ctx *c = x->c;
  enum XML_Error code = XML_GetErrorCode(x->p);
  const char *why = x->abort_msg ? x->abort_msg : XML_ErrorString(code);
  int open = c->in_record || fl_input_netsh_active(x->ns);
  if (!open && !x->abort_msg) {
    size_t i = off;
    while (i < c->text_len && (c->text[i] == ' ' || c->text[i] == '\t' ||
                               c->text[i] == '\r' || c->text[i] == '\n'))
      i++;
    if (i > 0 && i < c->text_len && c->text[i] == '/' && c->text[i - 1] == '<')
      i--; /* expat points at the '/' of a stray end tag */
    int lt = i + 1 < c->text_len && c->text[i] == '<';
    if (code == XML_ERROR_JUNK_AFTER_DOC_ELEMENT && lt && c->text[i + 1] != '/')
      return i; /* another root element: events one after another */
    if (x->resynced && lt && c->text[i + 1] == '/') {
      const char *gt = memchr(c->text + i, '>', c->text_len - i);
      /* the wrapper's end tag after a resync: not an error */
      if (gt) return fl_xml_next_start(c, (size_t)(gt - c->text) + 1);
    }
  }
  if (c->in_record) fl_input_rec_skip(c, off, why);
  else if (fl_input_netsh_active(x->ns)) {
    c->in_record = 1;
    fl_input_rec_skip(c, off, why);
  } else
    fl_input_diag_emit(c, FL_EVTX_ERROR, off, "XML not well-formed: %s", why);
  x->resynced = 1;
  return fl_xml_next_start(c, off + 1);
}

/* Parses from start to the end; 0 when done, else where it failed. */
static int fl_xml_run(fl_xml *x, size_t start, size_t *fail_at) {
  fl_input_ctx *c = x->c;
  x->base = start;
  size_t pos = start;
  for (;;) {
    size_t n = c->text_len - pos;
    int final = 1;
    if (n > FL_XML_CHUNK) {
      n = FL_XML_CHUNK;
      final = 0;
    }
    if (XML_Parse(x->p, c->text + pos, (int)n, final) == XML_STATUS_ERROR) {
      *fail_at = fl_xml_pos(x);
      return -1;
    }
    pos += n;
    if (final) return 0;
  }
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
  size_t start = 0;
  while (start < c->text_len && !c->stop) {
    fl_xml_setup(&x, utf8_forced || start > 0);
    size_t fail_at = 0;
    if (fl_xml_run(&x, start, &fail_at) == 0) break;
    if (c->stop) break;
    start = fl_xml_recover(&x, fail_at);
  }
  if (c->in_record) c->in_record = 0; /* stopped by a callback */
done:
  if (x.p) XML_ParserFree(x.p);
  fl_input_netsh_free(x.ns);
  fl_buf_free(&x.text);
  fl_buf_free(&x.name);
}
