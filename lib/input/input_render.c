/*
** Renders an fl_evtx_event (from any reader) in the EVTX reader's output
** forms: one line of XML, or one JSON line shaped like evtx_dump, System
** elements in Windows order, numbers bare in JSON System fields, EventData
** values as strings, repeated JSON keys suffixed _1, _2 (as lib/evtx does).
**
** Must never: emit an unescaped value or an unbalanced document, or read a
** string past its length (event strings are not NUL-terminated).
*/
#include <stdio.h>

#include "input/input_internal.h"

#define FL_EVENT_NS "http://schemas.microsoft.com/win/2004/08/events/event"

static void fl_input_xml_attr(fl_input_buf *b, const char *name,
                              fl_evtx_str v) {
  if (!v.ptr) return;
  fl_input_buf_printf(b, " %s=\"", name);
  fl_input_escape(b, v.ptr, v.len, FL_IN_ESC_XML);
  fl_input_buf_putc(b, '"');
}

static void fl_input_xml_num(fl_input_buf *b, const fl_evtx_event *ev,
                             unsigned bit, const char *name, uint64_t v) {
  if (!(ev->present & bit)) return;
  if (bit == FL_EVTX_HAS_KEYWORDS)
    fl_input_buf_printf(b, "<%s>0x%llx</%s>", name, (unsigned long long)v, name);
  else
    fl_input_buf_printf(b, "<%s>%llu</%s>", name, (unsigned long long)v, name);
}

static void fl_input_xml_text(fl_input_buf *b, const char *name,
                              fl_evtx_str v) {
  if (!v.ptr) return;
  fl_input_buf_printf(b, "<%s>", name);
  fl_input_escape(b, v.ptr, v.len, FL_IN_ESC_XML);
  fl_input_buf_printf(b, "</%s>", name);
}

static void fl_input_xml_system(fl_input_buf *b, const fl_evtx_event *ev) {
  fl_input_buf_puts(b, "<System><Provider");
  fl_input_xml_attr(b, "Name", ev->provider_name);
  fl_input_xml_attr(b, "Guid", ev->provider_guid);
  fl_input_xml_attr(b, "EventSourceName", ev->event_source_name);
  fl_input_buf_puts(b, "/>");
  if (ev->present & FL_EVTX_HAS_EVENT_ID) {
    if (ev->present & FL_EVTX_HAS_QUALIFIERS)
      fl_input_buf_printf(b, "<EventID Qualifiers=\"%u\">", ev->qualifiers);
    else
      fl_input_buf_puts(b, "<EventID>");
    fl_input_buf_printf(b, "%u</EventID>", ev->event_id);
  }
  fl_input_xml_num(b, ev, FL_EVTX_HAS_VERSION, "Version", ev->version);
  fl_input_xml_num(b, ev, FL_EVTX_HAS_LEVEL, "Level", ev->level);
  fl_input_xml_num(b, ev, FL_EVTX_HAS_TASK, "Task", ev->task);
  fl_input_xml_num(b, ev, FL_EVTX_HAS_OPCODE, "Opcode", ev->opcode);
  fl_input_xml_num(b, ev, FL_EVTX_HAS_KEYWORDS, "Keywords", ev->keywords);
  if (ev->present & FL_EVTX_HAS_TIME_CREATED) {
    char t[28];
    fl_input_format_time(ev->time_created, t);
    fl_input_buf_puts(b, "<TimeCreated SystemTime=\"");
    fl_input_buf_put(b, t, sizeof t);
    fl_input_buf_puts(b, "\"/>");
  }
  fl_input_xml_num(b, ev, FL_EVTX_HAS_EVENT_RECORD_ID, "EventRecordID",
                   ev->event_record_id);
  fl_input_buf_puts(b, "<Correlation");
  fl_input_xml_attr(b, "ActivityID", ev->activity_id);
  fl_input_xml_attr(b, "RelatedActivityID", ev->related_activity_id);
  fl_input_buf_puts(b, "/>");
  if (ev->present & (FL_EVTX_HAS_PROCESS_ID | FL_EVTX_HAS_THREAD_ID)) {
    fl_input_buf_puts(b, "<Execution");
    if (ev->present & FL_EVTX_HAS_PROCESS_ID)
      fl_input_buf_printf(b, " ProcessID=\"%u\"", ev->process_id);
    if (ev->present & FL_EVTX_HAS_THREAD_ID)
      fl_input_buf_printf(b, " ThreadID=\"%u\"", ev->thread_id);
    fl_input_buf_puts(b, "/>");
  }
  fl_input_xml_text(b, "Channel", ev->channel);
  fl_input_xml_text(b, "Computer", ev->computer);
  fl_input_buf_puts(b, "<Security");
  fl_input_xml_attr(b, "UserID", ev->user_sid);
  fl_input_buf_puts(b, "/></System>");
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

/* {"#attributes":{...}} for the present attributes, or null. */
static void fl_input_json_attrs(fl_input_buf *b, const char *const *an,
                                const fl_evtx_str *av, size_t count) {
  int any = 0;
  for (size_t i = 0; i < count; i++) {
    if (!av[i].ptr) continue;
    fl_input_buf_puts(b, any ? "," : "{\"#attributes\":{");
    any = 1;
    fl_input_buf_printf(b, "\"%s\":", an[i]);
    fl_input_json_str(b, av[i].ptr, av[i].len);
  }
  fl_input_buf_puts(b, any ? "}}" : "null");
}

static void fl_input_json_num(fl_input_buf *b, const fl_evtx_event *ev,
                              unsigned bit, const char *name, uint64_t v) {
  if (ev->present & bit)
    fl_input_buf_printf(b, ",\"%s\":%llu", name, (unsigned long long)v);
}

static void fl_input_json_system(fl_input_buf *b, const fl_evtx_event *ev) {
  static const char *const pn[] = {"Name", "Guid", "EventSourceName"};
  fl_evtx_str pv[3] = {ev->provider_name, ev->provider_guid,
                       ev->event_source_name};
  fl_input_buf_puts(b, "\"System\":{\"Provider\":");
  fl_input_json_attrs(b, pn, pv, 3);
  if (ev->present & FL_EVTX_HAS_EVENT_ID) {
    if (ev->present & FL_EVTX_HAS_QUALIFIERS)
      fl_input_buf_printf(b, ",\"EventID\":{\"#attributes\":{\"Qualifiers\":%u},"
                          "\"#text\":%u}", ev->qualifiers, ev->event_id);
    else
      fl_input_buf_printf(b, ",\"EventID\":%u", ev->event_id);
  }
  fl_input_json_num(b, ev, FL_EVTX_HAS_VERSION, "Version", ev->version);
  fl_input_json_num(b, ev, FL_EVTX_HAS_LEVEL, "Level", ev->level);
  fl_input_json_num(b, ev, FL_EVTX_HAS_TASK, "Task", ev->task);
  fl_input_json_num(b, ev, FL_EVTX_HAS_OPCODE, "Opcode", ev->opcode);
  if (ev->present & FL_EVTX_HAS_KEYWORDS)
    fl_input_buf_printf(b, ",\"Keywords\":\"0x%llx\"",
                        (unsigned long long)ev->keywords);
  if (ev->present & FL_EVTX_HAS_TIME_CREATED) {
    char t[28];
    fl_input_format_time(ev->time_created, t);
    fl_input_buf_puts(b, ",\"TimeCreated\":{\"#attributes\":{\"SystemTime\":\"");
    fl_input_buf_put(b, t, sizeof t);
    fl_input_buf_puts(b, "\"}}");
  }
  fl_input_json_num(b, ev, FL_EVTX_HAS_EVENT_RECORD_ID, "EventRecordID",
                    ev->event_record_id);
  static const char *const cn[] = {"ActivityID", "RelatedActivityID"};
  fl_evtx_str cv[2] = {ev->activity_id, ev->related_activity_id};
  fl_input_buf_puts(b, ",\"Correlation\":");
  fl_input_json_attrs(b, cn, cv, 2);
  if (ev->present & (FL_EVTX_HAS_PROCESS_ID | FL_EVTX_HAS_THREAD_ID)) {
    fl_input_buf_puts(b, ",\"Execution\":{\"#attributes\":{");
    if (ev->present & FL_EVTX_HAS_PROCESS_ID)
      fl_input_buf_printf(b, "\"ProcessID\":%u", ev->process_id);
    if (ev->present & FL_EVTX_HAS_THREAD_ID)
      fl_input_buf_printf(b, "%s\"ThreadID\":%u",
                          ev->present & FL_EVTX_HAS_PROCESS_ID ? "," : "",
                          ev->thread_id);
    fl_input_buf_puts(b, "}}");
  }
  if (ev->channel.ptr) {
    fl_input_buf_puts(b, ",\"Channel\":");
    fl_input_json_str(b, ev->channel.ptr, ev->channel.len);
  }
  if (ev->computer.ptr) {
    fl_input_buf_puts(b, ",\"Computer\":");
    fl_input_json_str(b, ev->computer.ptr, ev->computer.len);
  }
  static const char *const sn[] = {"UserID"};
  fl_input_buf_puts(b, ",\"Security\":");
  fl_input_json_attrs(b, sn, &ev->user_sid, 1);
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
