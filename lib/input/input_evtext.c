/*
** Event Viewer's rendered text: "Copy details as text" (Log Name / Source /
** Date / Event ID / ... / Description: then the message, then "Event Xml:"
** and the event's XML on newer Windows), the General tab (message first, the
** labels below it, two to a line when copied off the screen), and several of
** either pasted one after another. Events that carry their XML are read from
** that XML (exact names and UTC time); the others from their labels and
** message text (input_evtext_record.c). Also: which rendered form a text is.
**
** Must never: take text of one event for another's (a block ends where the
** next "Log Name:" begins), or read the XML reader's input from anything but
** a copy of the same length (line:column in diagnostics stay true).
*/
#include <stdlib.h>

#include "input/input_evtext.h"

/* "Label:" at the start of a line (after blanks): its key in forms, and
** where the value starts. */
static fl_evtext_key label_line(const char *p, size_t n, unsigned forms,
                                size_t *value_at) {
  size_t i = 0;
  while (i < n && (p[i] == ' ' || p[i] == '\t')) i++;
  const char *colon = memchr(p + i, ':', n - i);
  if (!colon || colon - (p + i) > 40) return EVK_NONE;
  fl_evtext_key k = fl_evtext_key_of(p + i, (size_t)(colon - (p + i)), forms);
  if (k != EVK_NONE) *value_at = (size_t)(colon - p) + 1;
  return k;
}

/* A value may hold a second "Label:" (two columns copied off the General
** tab): the value ends at two blanks followed by a known label. */
static void put_values(fl_evtext_rec *r, fl_evtext_key k, const char *v,
                       size_t n) {
  if (!v) return;
  for (size_t i = 0; i + 2 < n; i++) {
    if (!(v[i] == ' ' && v[i + 1] == ' ')) continue;
    size_t j = i;
    while (j < n && v[j] == ' ') j++;
    size_t at;
    fl_evtext_key k2 = label_line(v + j, n - j, EVT_T, &at);
    if (k2 == EVK_NONE || k2 == EVK_DESCRIPTION || k2 == EVK_EVENT_XML) continue;
    r->v[k] = (fl_evtx_str){v, i};
    put_values(r, k2, v + j + at, n - j - at);
    return;
  }
  r->v[k] = (fl_evtx_str){v, n};
}

typedef struct evtext_scan {
  fl_input_ctx *c;
  const char *end;
  char *xml;       /* same-length copy holding only the events' XML */
  int xml_events;
} evtext_scan;

/* Keeps [from, to) for the XML pass. */
static void keep_xml(evtext_scan *s, const char *from, const char *to) {
  const char *t = s->c->text;
  if (!s->xml) {
    s->xml = malloc(s->c->text_len ? s->c->text_len : 1);
    if (!s->xml) {
      s->c->nomem = 1;
      return;
    }
    for (size_t i = 0; i < s->c->text_len; i++) s->xml[i] = t[i] == '\n' ? '\n' : ' ';
  }
  memcpy(s->xml + (from - t), from, (size_t)(to - from));
  s->xml_events++;
}

static int is_log_name(const char *p, size_t n) {
  size_t at;
  return label_line(p, n, EVT_T, &at) == EVK_LOG_NAME;
}

/* Reads one block starting at its "Log Name:" line p; pending = text since
** the previous block (the General tab's message). Returns the block's end. */
static const char *evtext_block(evtext_scan *s, const char *p,
                                const char *pending) {
  fl_evtext_rec r;
  memset(&r, 0, sizeof r);
  if (!p) return s->end;
  r.off = (size_t)(p - s->c->text);
  const char *next, *last_label_end = p;
  int described = 0;
  while (p < s->end) {
    size_t n = fl_evtext_line(p, s->end, &next), at = 0;
    fl_evtext_key k = label_line(p, n, EVT_T, &at);
    if (k == EVK_NONE) {
      size_t i = 0;
      while (i < n && (p[i] == ' ' || p[i] == '\t')) i++;
      if (i < n) break; /* text: the labels ended */
      p = next;         /* a blank line between labels */
      continue;
    }
    if (k == EVK_LOG_NAME && r.v[EVK_LOG_NAME].ptr) break; /* the next event */
    if (k == EVK_DESCRIPTION) {
      const char *d = p + at, *q = next;
      while (q < s->end) {
        const char *nq;
        size_t ln = fl_evtext_line(q, s->end, &nq), a2;
        fl_evtext_key k2 = label_line(q, ln, EVT_T, &a2);
        if (k2 == EVK_LOG_NAME || k2 == EVK_EVENT_XML) break;
        q = nq;
      }
      r.v[EVK_DESCRIPTION] = (fl_evtx_str){d, (size_t)(q - d)};
      described = 1;
      last_label_end = p = q;
      continue;
    }
    if (k == EVK_EVENT_XML) {
      const char *q = next;
      while (q < s->end) {
        const char *nq;
        size_t ln = fl_evtext_line(q, s->end, &nq);
        if (is_log_name(q, ln)) break;
        q = nq;
      }
      const char *lt = memchr(next, '<', (size_t)(q - next));
      if (lt) {
        keep_xml(s, lt, q);
        return q;
      }
      last_label_end = p = q;
      continue;
    }
    put_values(&r, k, p + at, n - at);
    last_label_end = p = next;
  }
  if (!described && pending && pending < (const char *)s->c->text + r.off)
    r.v[EVK_DESCRIPTION] = (fl_evtx_str){pending, (size_t)(s->c->text + r.off - pending)};
  fl_evtext_emit(s->c, &r);
  return last_label_end;
}

void fl_input_evtext_read(fl_input_ctx *c, int utf8_forced) {
  fl_evtext_load(c);
  if (!c->text) return;
  evtext_scan s = {c, c->text + c->text_len, NULL, 0};
  const char *p = c->text, *pending = c->text;
  while (p < s.end && !c->stop && !c->nomem) {
    const char *next;
    size_t n = fl_evtext_line(p, s.end, &next);
    if (is_log_name(p, n)) {
      p = pending = evtext_block(&s, p, pending);
      continue;
    }
    p = next;
  }
  if (s.xml && !c->stop && !c->nomem) {
    /* The events that carried their XML, read from it; the copy has the
    ** same length and lines, so diagnostics point into the pasted text. */
    fl_evtext_read_xml_copy(c, s.xml, utf8_forced);
  }
  free(s.xml);
}

/* ---- detection ------------------------------------------------------------ */

/* "- <Event" / "+ <System>": a line of Event Viewer's XML View. */
static int xml_view_line(const char *p, size_t n) {
  size_t i = 0;
  while (i < n && (p[i] == ' ' || p[i] == '\t')) i++;
  if (i >= n || (p[i] != '-' && p[i] != '+')) return 0;
  i++;
  if (i >= n || (p[i] != ' ' && p[i] != '\t')) return 0;
  while (i < n && (p[i] == ' ' || p[i] == '\t')) i++;
  return i + 1 < n && p[i] == '<' &&
         ((p[i + 1] >= 'A' && p[i + 1] <= 'Z') || (p[i + 1] >= 'a' && p[i + 1] <= 'z'));
}

/* "Name : value" with Name a Format-List property of EVT_L. */
static int format_list_line(const char *p, size_t n) {
  size_t i = 0;
  while (i < n && ((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z'))) i++;
  size_t name = i;
  while (i < n && p[i] == ' ') i++;
  if (!name || i >= n || p[i] != ':' || i == name) return 0;
  return fl_evtext_key_of(p, name, EVT_L) != EVK_NONE;
}

/* A header line of an Event Viewer export: delimiter ',' or '\t', and at
** least the source, the event id and the date among its columns. */
static fl_input_format export_header(const char *p, size_t n) {
  size_t tabs = 0, commas = 0;
  for (size_t i = 0; i < n; i++) tabs += p[i] == '\t', commas += p[i] == ',';
  char sep = tabs >= 3 ? '\t' : commas >= 3 ? ',' : 0;
  if (!sep) return FL_INPUT_UNKNOWN;
  unsigned seen = 0;
  for (size_t i = 0; i <= n;) {
    const char *e = memchr(p + i, sep, n - i);
    size_t len = e ? (size_t)(e - (p + i)) : n - i;
    fl_evtext_key k = fl_evtext_key_of(p + i, len, EVT_X | EVT_T);
    /* A header names only columns: any other cell (a JSON line that
    ** quotes a header, say) and it is not one. */
    if (k == EVK_NONE && len) return FL_INPUT_UNKNOWN;
    if (k == EVK_SOURCE || k == EVK_EVENT_ID || k == EVK_DATE) seen |= 1u << k;
    if (!e) break;
    i += len + 1;
  }
  if (seen != ((1u << EVK_SOURCE) | (1u << EVK_EVENT_ID) | (1u << EVK_DATE)))
    return FL_INPUT_UNKNOWN;
  return sep == ',' ? FL_INPUT_EXPORT_CSV : FL_INPUT_EXPORT_TXT;
}

fl_input_format fl_input_detect_rendered(const char *p, size_t n) {
  size_t lead = 0;
  while (lead < n && (p[lead] == ' ' || p[lead] == '\t' || p[lead] == '\r' || p[lead] == '\n')) lead++;
  if (lead < n && (p[lead] == '{' || p[lead] == '[')) return FL_INPUT_UNKNOWN; /* JSON */
  const char *end = p + (n < 65536 ? n : 65536), *next;
  unsigned lines = 0, list_keys = 0, nonblank = 0;
  while (p < end && lines < 200) {
    size_t len = fl_evtext_line(p, end, &next), at;
    lines++;
    size_t i = 0;
    while (i < len && (p[i] == ' ' || p[i] == '\t')) i++;
    if (i < len) {
      nonblank++;
      if (nonblank == 1) {
        fl_input_format f = export_header(p, len);
        if (f != FL_INPUT_UNKNOWN) return f;
      }
      if (nonblank <= 8 && xml_view_line(p, len)) return FL_INPUT_XML_VIEW;
      if (label_line(p, len, EVT_T, &at) == EVK_LOG_NAME) return FL_INPUT_EVENT_TEXT;
      if (format_list_line(p, len) && ++list_keys >= 3) return FL_INPUT_FORMAT_LIST;
    }
    p = next;
  }
  return FL_INPUT_UNKNOWN;
}
