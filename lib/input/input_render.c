/*
** Renders an fl_evtx_event (from any reader) in the EVTX reader's output
** forms: one line of XML, or one JSON line shaped like evtx_dump, System
** elements in Windows order, numbers bare in JSON System fields, EventData
** values as strings, repeated JSON keys suffixed _1, _2 (as lib/evtx does).
**
** Must never: emit an unescaped value or an unbalanced document, or read a
** string past its length (event strings are not NUL-terminated).
*/
#include <stddef.h>
#include <stdio.h>

#include "input/input_internal.h"

#define FL_EVENT_NS "http://schemas.microsoft.com/win/2004/08/events/event"

/* ---- the <System> element, walked from faultline/system_fields.def ----
** One row per element, then its values. An element is written when its
** text value is present, or, having none, when any attribute is; Provider,
** Correlation and Security (text attributes only) always, as Windows
** writes them even empty. Keywords is hex, as Windows shows it. */
enum { SYS_ELEMENT, SYS_TEXT, SYS_NUMBER, SYS_TIME };

typedef struct sys_row {
  int type;
  const char *name; /* element name, or the value's attribute ("" = text) */
  size_t off;       /* of the value in fl_evtx_event */
  int width;        /* numbers: 32 or 64 */
  unsigned bit;     /* numbers and times: FL_EVTX_HAS_* */
} sys_row;

static const sys_row sys_rows[] = {
#define FL_SYSTEM_ELEMENT(sym, name) {SYS_ELEMENT, name, 0, 0, 0},
#define FL_SYSTEM_TEXT(sym, el, attr, member) \
  {SYS_TEXT, attr, offsetof(fl_evtx_event, member), 0, 0},
#define FL_SYSTEM_NUMBER(sym, el, attr, member, width, bit) \
  {SYS_NUMBER, attr, offsetof(fl_evtx_event, member), width, bit},
#define FL_SYSTEM_TIME(sym, el, attr, member, bit) \
  {SYS_TIME, attr, offsetof(fl_evtx_event, member), 64, bit},
#include "faultline/system_fields.def"
};
#define SYS_ROWS (sizeof sys_rows / sizeof *sys_rows)

static int sys_present(const fl_evtx_event *ev, const sys_row *r) {
  if (r->type == SYS_TEXT)
    return ((const fl_evtx_str *)((const char *)ev + r->off))->ptr != NULL;
  return (ev->present & r->bit) != 0;
}

static uint64_t sys_number(const fl_evtx_event *ev, const sys_row *r) {
  const char *p = (const char *)ev + r->off;
  return r->width == 32 ? *(const uint32_t *)p : *(const uint64_t *)p;
}

/* The value rows of the element at e: [e + 1, end). Whether it is written
** and where its text value is (NULL: none). */
static int sys_element(const fl_evtx_event *ev, size_t e, size_t *end,
                       const sys_row **text) {
  int any = 0, only_text_attrs = 1;
  *text = NULL;
  size_t i = e + 1;
  for (; i < SYS_ROWS && sys_rows[i].type != SYS_ELEMENT; i++) {
    const sys_row *r = &sys_rows[i];
    if (!r->name[0]) *text = r;
    else if (r->type != SYS_TEXT) only_text_attrs = 0;
    any |= sys_present(ev, r);
  }
  *end = i;
  if (*text) return sys_present(ev, *text);
  return any || only_text_attrs;
}

/* A value as XML text, or as a JSON value (numbers bare, the rest quoted). */
static void sys_value(fl_input_buf *b, const fl_evtx_event *ev,
                      const sys_row *r, int json) {
  if (r->type == SYS_TEXT) {
    const fl_evtx_str *v = (const fl_evtx_str *)((const char *)ev + r->off);
    if (json) fl_input_buf_putc(b, '"');
    fl_input_escape(b, v->ptr, v->len, json ? FL_IN_ESC_JSON : FL_IN_ESC_XML);
    if (json) fl_input_buf_putc(b, '"');
  } else if (r->type == SYS_TIME) {
    char t[28];
    fl_input_format_time(sys_number(ev, r), t);
    if (json) fl_input_buf_putc(b, '"');
    fl_input_buf_put(b, t, sizeof t);
    if (json) fl_input_buf_putc(b, '"');
  } else if (r->bit == FL_EVTX_HAS_KEYWORDS) {
    fl_input_buf_printf(b, json ? "\"0x%llx\"" : "0x%llx",
                        (unsigned long long)sys_number(ev, r));
  } else {
    fl_input_buf_printf(b, "%llu", (unsigned long long)sys_number(ev, r));
  }
}

static void fl_input_xml_system(fl_input_buf *b, const fl_evtx_event *ev) {
  fl_input_buf_puts(b, "<System>");
  for (size_t e = 0, end; e < SYS_ROWS; e = end) {
    const sys_row *text;
    if (!sys_element(ev, e, &end, &text)) continue;
    fl_input_buf_putc(b, '<');
    fl_input_buf_puts(b, sys_rows[e].name);
    for (size_t i = e + 1; i < end; i++) {
      if (!sys_rows[i].name[0] || !sys_present(ev, &sys_rows[i])) continue;
      fl_input_buf_putc(b, ' ');
      fl_input_buf_puts(b, sys_rows[i].name);
      fl_input_buf_puts(b, "=\"");
      sys_value(b, ev, &sys_rows[i], 0);
      fl_input_buf_putc(b, '"');
    }
    if (!text) {
      fl_input_buf_puts(b, "/>");
      continue;
    }
    fl_input_buf_putc(b, '>');
    sys_value(b, ev, text, 0);
    fl_input_buf_puts(b, "</");
    fl_input_buf_puts(b, sys_rows[e].name);
    fl_input_buf_putc(b, '>');
  }
  fl_input_buf_puts(b, "</System>");
}

static int fl_input_is_binary(fl_evtx_str n) {
  return n.len == 6 && memcmp(n.ptr, "Binary", 6) == 0;
}

static void fl_input_xml_data(fl_input_buf *b, const fl_evtx_event *ev,
                              const char *wrapper, size_t wn) {
  if (!ev->data_count) return;
  if (wn) {
    fl_input_buf_puts(b, "<UserData><");
    fl_input_escape(b, wrapper, wn, FL_IN_ESC_XML);
    fl_input_buf_putc(b, '>');
  } else {
    fl_input_buf_puts(b, "<EventData>");
  }
  for (size_t i = 0; i < ev->data_count; i++) {
    const fl_evtx_pair *p = &ev->data[i];
    int elem = wn || fl_input_is_binary(p->name);
    if (elem && p->name.len) {
      fl_input_buf_putc(b, '<');
      fl_input_escape(b, p->name.ptr, p->name.len, FL_IN_ESC_XML);
    } else {
      fl_input_buf_puts(b, "<Data");
      if (p->name.len) {
        fl_input_buf_puts(b, " Name=\"");
        fl_input_escape(b, p->name.ptr, p->name.len, FL_IN_ESC_XML);
        fl_input_buf_putc(b, '"');
      }
    }
    if (!p->value.len) {
      fl_input_buf_puts(b, "/>");
      continue;
    }
    fl_input_buf_putc(b, '>');
    fl_input_escape(b, p->value.ptr, p->value.len, FL_IN_ESC_XML);
    if (elem && p->name.len) {
      fl_input_buf_puts(b, "</");
      fl_input_escape(b, p->name.ptr, p->name.len, FL_IN_ESC_XML);
      fl_input_buf_putc(b, '>');
    } else {
      fl_input_buf_puts(b, "</Data>");
    }
  }
  if (wn) {
    fl_input_buf_puts(b, "</");
    fl_input_escape(b, wrapper, wn, FL_IN_ESC_XML);
    fl_input_buf_puts(b, "></UserData>");
  } else {
    fl_input_buf_puts(b, "</EventData>");
  }
}

/* ---- JSON --------------------------------------------------------------- */

static void fl_input_json_str(fl_input_buf *b, const char *s, size_t n) {
  fl_input_buf_putc(b, '"');
  fl_input_escape(b, s, n, FL_IN_ESC_JSON);
  fl_input_buf_putc(b, '"');
}

/* {"#attributes":{...}} of the element's present attributes (null when
** none), with "#text" beside them when it has a text value; a bare value
** when it has only its text. */
static void fl_input_json_element(fl_input_buf *b, const fl_evtx_event *ev,
                                  size_t e, size_t end, const sys_row *text) {
  int attrs = 0;
  for (size_t i = e + 1; i < end; i++) {
    if (!sys_rows[i].name[0] || !sys_present(ev, &sys_rows[i])) continue;
    fl_input_buf_puts(b, attrs ? "," : "{\"#attributes\":{");
    attrs = 1;
    fl_input_buf_putc(b, '"');
    fl_input_buf_puts(b, sys_rows[i].name);
    fl_input_buf_puts(b, "\":");
    sys_value(b, ev, &sys_rows[i], 1);
  }
  if (text && attrs) {
    fl_input_buf_puts(b, "},\"#text\":");
    sys_value(b, ev, text, 1);
    fl_input_buf_putc(b, '}');
  } else if (text) {
    sys_value(b, ev, text, 1);
  } else {
    fl_input_buf_puts(b, attrs ? "}}" : "null");
  }
}

static void fl_input_json_system(fl_input_buf *b, const fl_evtx_event *ev) {
  fl_input_buf_puts(b, "\"System\":{");
  int first = 1;
  for (size_t e = 0, end; e < SYS_ROWS; e = end) {
    const sys_row *text;
    if (!sys_element(ev, e, &end, &text)) continue;
    fl_input_buf_puts(b, first ? "\"" : ",\"");
    fl_input_buf_puts(b, sys_rows[e].name);
    fl_input_buf_puts(b, "\":");
    first = 0;
    fl_input_json_element(b, ev, e, end, text);
  }
  fl_input_buf_putc(b, '}');
}

/* The key of pair i with _N when an earlier pair (of the last 256) had it. */
static void fl_input_json_key(fl_input_buf *b, const fl_evtx_event *ev,
                              size_t i) {
  fl_evtx_str n = ev->data[i].name;
  if (!n.len) {
    n.ptr = "Data";
    n.len = 4;
  }
  unsigned dup = 0;
  for (size_t j = i > 256 ? i - 256 : 0; j < i; j++) {
    fl_evtx_str m = ev->data[j].name;
    if (!m.len) {
      m.ptr = "Data";
      m.len = 4;
    }
    if (m.len == n.len && memcmp(m.ptr, n.ptr, n.len) == 0) dup++;
  }
  fl_input_buf_putc(b, '"');
  fl_input_escape(b, n.ptr, n.len, FL_IN_ESC_JSON);
  if (dup) fl_input_buf_printf(b, "_%u", dup);
  fl_input_buf_puts(b, "\":");
}

static void fl_input_json_data(fl_input_buf *b, const fl_evtx_event *ev,
                               const char *wrapper, size_t wn) {
  if (!ev->data_count) return;
  if (wn) {
    fl_input_buf_puts(b, ",\"UserData\":{");
    fl_input_json_str(b, wrapper, wn);
    fl_input_buf_puts(b, ":{");
  } else {
    fl_input_buf_puts(b, ",\"EventData\":{");
  }
  for (size_t i = 0; i < ev->data_count; i++) {
    if (i) fl_input_buf_putc(b, ',');
    fl_input_json_key(b, ev, i);
    fl_input_json_str(b, ev->data[i].value.ptr, ev->data[i].value.len);
  }
  fl_input_buf_puts(b, wn ? "}}" : "}");
}

void fl_input_render_event(fl_input_buf *b, const fl_evtx_event *ev,
                           const char *wrapper, size_t wn,
                           fl_evtx_format fmt) {
  if (fmt == FL_EVTX_RENDER_XML) {
    fl_input_buf_puts(b, "<Event xmlns=\"" FL_EVENT_NS "\">");
    fl_input_xml_system(b, ev);
    fl_input_xml_data(b, ev, wrapper, wn);
    fl_input_buf_puts(b, "</Event>\n");
  } else if (fmt == FL_EVTX_RENDER_JSONL) {
    fl_input_buf_puts(b, "{\"Event\":{\"#attributes\":{\"xmlns\":\"" FL_EVENT_NS
                         "\"},");
    fl_input_json_system(b, ev);
    fl_input_json_data(b, ev, wrapper, wn);
    fl_input_buf_puts(b, "}}\n");
  }
}

size_t fl_input_render(const fl_evtx_event *ev, fl_evtx_format format,
                       char *out, size_t cap) {
  fl_input_buf b = {0};
  fl_input_render_event(&b, ev, NULL, 0, format);
  size_t need = b.failed ? 0 : b.len;
  if (cap) {
    size_t k = need < cap - 1 ? need : cap - 1;
    if (k) memcpy(out, b.p, k);
    out[k] = 0;
  }
  fl_buf_free(&b);
  return need;
}
