/*
** Event XML as the event log renders it (EvtRender EvtRenderEventXml: one
** <Event>, attributes in single or double quotes, no DTD) -> fl_evtx_event,
** so live events take the same JSON writer as every other record. A small
** scanner, not a general XML parser: it knows the <System> elements (one
** table), <EventData>/<Data Name=>, <Binary>, and <UserData><W><X>.
**
** Must never: read past len, resolve anything but the five predefined
** entities and character references, or leave a string pointing outside
** xml (values are decoded in place; decoding only shortens).
*/
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "common/fl_time.h"

enum { XS_STR, XS_NUM, XS_HEX, XS_TIME };

/* <System> children: element, attribute ("" = text), kind, where. */
typedef struct agent_xml_field {
  const char *elem, *attr;
  size_t off;
  int kind;
  unsigned bit;
} agent_xml_field;

#define S(m) offsetof(fl_evtx_event, m)
static const agent_xml_field agent_xml_system[] = {
    {"Provider", "Name", S(provider_name), XS_STR, 0},
    {"Provider", "Guid", S(provider_guid), XS_STR, 0},
    {"Provider", "EventSourceName", S(event_source_name), XS_STR, 0},
    {"EventID", "", S(event_id), XS_NUM, FL_EVTX_HAS_EVENT_ID},
    {"EventID", "Qualifiers", S(qualifiers), XS_NUM, FL_EVTX_HAS_QUALIFIERS},
    {"Version", "", S(version), XS_NUM, FL_EVTX_HAS_VERSION},
    {"Level", "", S(level), XS_NUM, FL_EVTX_HAS_LEVEL},
    {"Task", "", S(task), XS_NUM, FL_EVTX_HAS_TASK},
    {"Opcode", "", S(opcode), XS_NUM, FL_EVTX_HAS_OPCODE},
    {"Keywords", "", S(keywords), XS_HEX, FL_EVTX_HAS_KEYWORDS},
    {"TimeCreated", "SystemTime", S(time_created), XS_TIME, FL_EVTX_HAS_TIME_CREATED},
    {"EventRecordID", "", S(event_record_id), XS_NUM, FL_EVTX_HAS_EVENT_RECORD_ID},
    {"Correlation", "ActivityID", S(activity_id), XS_STR, 0},
    {"Correlation", "RelatedActivityID", S(related_activity_id), XS_STR, 0},
    {"Execution", "ProcessID", S(process_id), XS_NUM, FL_EVTX_HAS_PROCESS_ID},
    {"Execution", "ThreadID", S(thread_id), XS_NUM, FL_EVTX_HAS_THREAD_ID},
    {"Channel", "", S(channel), XS_STR, 0},
    {"Computer", "", S(computer), XS_STR, 0},
    {"Security", "UserID", S(user_sid), XS_STR, 0},
    {NULL, NULL, 0, 0, 0}};
#undef S

/* 32-bit members (ids, pids) vs 64-bit ones (keywords, time, record id). */
static int agent_xml_is64(size_t off) {
  return off == offsetof(fl_evtx_event, keywords) || off == offsetof(fl_evtx_event, time_created) ||
         off == offsetof(fl_evtx_event, event_record_id);
}

static void agent_put_utf8(char **o, unsigned long c) {
  char *p = *o;
  if (c < 0x80) *p++ = (char)c;
  else if (c < 0x800) *p++ = (char)(0xC0 | (c >> 6)), *p++ = (char)(0x80 | (c & 0x3F));
  else if (c < 0x10000)
    *p++ = (char)(0xE0 | (c >> 12)), *p++ = (char)(0x80 | ((c >> 6) & 0x3F)),
    *p++ = (char)(0x80 | (c & 0x3F));
  else
    *p++ = (char)(0xF0 | (c >> 18)), *p++ = (char)(0x80 | ((c >> 12) & 0x3F)),
    *p++ = (char)(0x80 | ((c >> 6) & 0x3F)), *p++ = (char)(0x80 | (c & 0x3F));
  *o = p;
}

/* Decodes entities of s[0..n) in place; returns the new length. */
static size_t agent_xml_decode(char *s, size_t n) {
  static const struct { const char *name; char c; } ents[] = {
      {"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}};
  char *o = s;
  for (size_t i = 0; i < n;) {
    if (s[i] != '&') {
      *o++ = s[i++];
      continue;
    }
    const char *semi = memchr(s + i, ';', n - i < 12 ? n - i : 12);
    size_t k = 0;
    if (semi && s[i + 1] == '#') {
      char *end;
      unsigned long c = s[i + 2] == 'x' ? strtoul(s + i + 3, &end, 16) : strtoul(s + i + 2, &end, 10);
      if (end == semi && c && c <= 0x10FFFF && (c < 0xD800 || c > 0xDFFF)) {
        agent_put_utf8(&o, c);
        i = (size_t)(semi - s) + 1;
        continue;
      }
    }
    for (; semi && k < 5; k++) {
      size_t ln = strlen(ents[k].name);
      if ((size_t)(semi - (s + i + 1)) + 1 == ln && !memcmp(s + i + 1, ents[k].name, ln)) break;
    }
    if (semi && k < 5) {
      *o++ = ents[k].c;
      i = (size_t)(semi - s) + 1;
    } else {
      *o++ = s[i++];
    }
  }
  return (size_t)(o - s);
}

typedef struct agent_xml_tag {
  const char *name;
  size_t nlen;
  const char *attrs; /* between the name and '>' */
  size_t alen;
  int closing, empty;
} agent_xml_tag;

/* The tag starting at *pos ('<'); advances past '>'. -1 when broken. */
static int agent_xml_next_tag(const char *x, size_t len, size_t *pos, agent_xml_tag *t) {
  size_t i = *pos + 1;
  memset(t, 0, sizeof *t);
  if (i < len && (x[i] == '?' || x[i] == '!')) {
    const char *gt = memchr(x + i, '>', len - i);
    if (!gt) return -1;
    *pos = (size_t)(gt - x) + 1;
    t->name = "";
    return 1; /* skipped */
  }
  if (i < len && x[i] == '/') t->closing = 1, i++;
  t->name = x + i;
  while (i < len && x[i] != '>' && x[i] != '/' && x[i] != ' ' && x[i] != '\t' && x[i] != '\r' &&
         x[i] != '\n')
    i++;
  t->nlen = (size_t)(x + i - t->name);
  t->attrs = x + i;
  char q = 0;
  while (i < len && (q || x[i] != '>')) {
    if (q && x[i] == q) q = 0;
    else if (!q && (x[i] == '\'' || x[i] == '"')) q = x[i];
    i++;
  }
  if (i >= len || !t->nlen) return -1;
  t->alen = (size_t)(x + i - t->attrs);
  if (t->alen && t->attrs[t->alen - 1] == '/') t->empty = 1, t->alen--;
  *pos = i + 1;
  return 0;
}

/* Attribute value of name in a tag (decoded in place). */
static int agent_xml_attr(agent_xml_tag *t, const char *name, fl_evtx_str *out) {
  size_t nl = strlen(name);
  char *a = (char *)t->attrs;
  for (size_t i = 0; i + nl + 2 < t->alen; i++) {
    if ((i && a[i - 1] != ' ' && a[i - 1] != '\t' && a[i - 1] != '\n' && a[i - 1] != '\r') ||
        memcmp(a + i, name, nl) != 0)
      continue;
    size_t j = i + nl;
    while (j < t->alen && a[j] == ' ') j++;
    if (j >= t->alen || a[j] != '=') continue;
    j++;
    while (j < t->alen && a[j] == ' ') j++;
    if (j >= t->alen || (a[j] != '\'' && a[j] != '"')) continue;
    char q = a[j++];
    char *end = memchr(a + j, q, t->alen - j);
    if (!end) return -1;
    out->ptr = a + j;
    out->len = agent_xml_decode(a + j, (size_t)(end - (a + j)));
    return 0;
  }
  return -1;
}

static int agent_tag_is(const agent_xml_tag *t, const char *name) {
  /* Namespace prefixes are ignored (the event log writes none). */
  const char *n = t->name;
  size_t k = t->nlen;
  const char *colon = memchr(n, ':', k);
  if (colon) k -= (size_t)(colon + 1 - n), n = colon + 1;
  return strlen(name) == k && !memcmp(n, name, k);
}

static void agent_xml_set(fl_evtx_event *ev, const agent_xml_field *f, fl_evtx_str v) {
  char *base = (char *)ev + f->off;
  if (f->kind == XS_STR) {
    memcpy(base, &v, sizeof v);
    return;
  }
  char tmp[64];
  if (!v.len || v.len >= sizeof tmp) return;
  memcpy(tmp, v.ptr, v.len);
  tmp[v.len] = 0;
  uint64_t x;
  char *end;
  if (f->kind == XS_TIME) {
    if (fl_time_parse_iso(v.ptr, v.len, 0, &x)) return;
  } else {
    x = strtoull(tmp, &end, f->kind == XS_HEX || (tmp[0] == '0' && tmp[1] == 'x') ? 16 : 10);
    if (*end) return;
  }
  if (agent_xml_is64(f->off)) memcpy(base, &x, sizeof x);
  else memcpy(base, &(uint32_t){(uint32_t)x}, sizeof(uint32_t));
  ev->present |= f->bit;
}

int agent_xml_event(char *xml, size_t len, fl_evtx_event *ev, fl_evtx_pair *pairs,
                    size_t max_pairs, fl_evtx_str *wrapper) {
  memset(ev, 0, sizeof *ev);
  *wrapper = (fl_evtx_str){"", 0};
  ev->data = pairs;
  enum { IN_NONE, IN_SYSTEM, IN_EVENTDATA, IN_USERDATA, IN_WRAPPER } where = IN_NONE;
  int depth = 0, seen_event = 0;
  size_t pos = 0;
  agent_xml_tag open_tag = {0};
  int have_open = 0;
  size_t text_at = 0;
  while (pos < len) {
    const char *lt = memchr(xml + pos, '<', len - pos);
    if (!lt) break;
    size_t tag_at = (size_t)(lt - xml);
    agent_xml_tag t;
    pos = tag_at;
    int r = agent_xml_next_tag(xml, len, &pos, &t);
    if (r < 0) return -1;
    if (r > 0) continue;
    if (!t.closing) {
      if (!depth && !agent_tag_is(&t, "Event")) return -1;
      if (!depth) seen_event = 1;
      if (depth == 1) {
        where = agent_tag_is(&t, "System") ? IN_SYSTEM
                : agent_tag_is(&t, "EventData") ? IN_EVENTDATA
                : agent_tag_is(&t, "UserData") ? IN_USERDATA : IN_NONE;
      } else if (depth == 2 && where == IN_USERDATA) {
        where = IN_WRAPPER;
        *wrapper = (fl_evtx_str){t.name, t.nlen};
      } else if (depth == 2 && where == IN_SYSTEM) {
        for (const agent_xml_field *f = agent_xml_system; f->elem; f++) {
          fl_evtx_str v;
          if (f->attr[0] && agent_tag_is(&t, f->elem) && agent_xml_attr(&t, f->attr, &v) == 0)
            agent_xml_set(ev, f, v);
        }
      }
      if (!t.empty) {
        open_tag = t;
        have_open = 1;
        text_at = pos;
        depth++;
      } else if ((depth == 2 && where == IN_EVENTDATA) || (depth == 3 && where == IN_WRAPPER)) {
        /* <Data Name="X"/>: an empty value. */
        if (ev->data_count < max_pairs) {
          fl_evtx_pair *p = &pairs[ev->data_count++];
          memset(p, 0, sizeof *p);
          p->value.ptr = "";
          if (where == IN_WRAPPER) p->name = (fl_evtx_str){t.name, t.nlen};
          else if (!agent_tag_is(&t, "Data") || agent_xml_attr(&t, "Name", &p->name))
            p->name = agent_tag_is(&t, "Data") ? (fl_evtx_str){"", 0} : (fl_evtx_str){t.name, t.nlen};
        }
      }
      continue;
    }
    /* A closing tag: the text since the matching open tag is its value. */
    if (depth <= 0) return -1;
    depth--;
    if (!have_open) continue; /* it closed a parent: no leaf text */
    have_open = 0;
    fl_evtx_str text = {xml + text_at, agent_xml_decode(xml + text_at, tag_at - text_at)};
    if (depth == 2 && where == IN_SYSTEM) {
      for (const agent_xml_field *f = agent_xml_system; f->elem; f++)
        if (!f->attr[0] && agent_tag_is(&open_tag, f->elem)) agent_xml_set(ev, f, text);
    } else if ((depth == 2 && where == IN_EVENTDATA) || (depth == 3 && where == IN_WRAPPER)) {
      if (ev->data_count < max_pairs) {
        fl_evtx_pair *p = &pairs[ev->data_count++];
        p->value = text;
        p->name = (fl_evtx_str){"", 0};
        if (where == IN_WRAPPER || !agent_tag_is(&open_tag, "Data")) {
          p->name = (fl_evtx_str){open_tag.name, open_tag.nlen};
        } else {
          fl_evtx_str nm;
          if (agent_xml_attr(&open_tag, "Name", &nm) == 0) p->name = nm;
        }
      }
    }
  }
  return seen_event && depth == 0 ? 0 : -1;
}
