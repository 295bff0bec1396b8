/*
** Message text <-> event data (catalog_messages.h). Classic sources go by
** the templates of message_templates.def, Security events by the section and
** label of each field in security_events.def; this file holds no event's
** text of its own.
** Must never: allocate, read past a text's length (texts are not
** NUL-terminated), or let a template match take text the template does not
** cover (a value never swallows the next literal).
*/
#include "catalog/catalog_messages.h"

#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof *(a))

typedef struct message_template {
  const char *provider;
  uint32_t id;
  unsigned code_insert;
  const char *text;
} message_template;

static const message_template templates[] = {
#define FL_MESSAGE(provider, id, code, text, note) {provider, id, code, text},
#include "catalog/message_templates.def"
#undef FL_MESSAGE
};

static const char security_provider[] = "Microsoft-Windows-Security-Auditing";

static int is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static int same_ci(const char *a, size_t an, const char *b, size_t bn) {
  if (an != bn) return 0;
  for (size_t i = 0; i < an; i++)
    if (lower((unsigned char)a[i]) != lower((unsigned char)b[i])) return 0;
  return 1;
}

static fl_evtx_str trimmed(const char *p, size_t n) {
  while (n && is_blank(*p)) p++, n--;
  while (n && is_blank(p[n - 1])) n--;
  return (fl_evtx_str){p, n};
}

static const message_template *template_of(const char *provider, size_t plen,
                                           uint32_t id) {
  for (size_t i = 0; i < COUNT(templates); i++)
    if (templates[i].id == id &&
        same_ci(provider, plen, templates[i].provider, strlen(templates[i].provider)))
      return &templates[i];
  return NULL;
}

/* Does lit[0..ln) match text at p (a blank run in lit matches one or more
** blanks in text)? Returns the end in text, or NULL. */
static const char *lit_at(const char *p, const char *end, const char *lit,
                          size_t ln) {
  size_t i = 0;
  while (i < ln) {
    if (is_blank(lit[i])) {
      if (p >= end || !is_blank(*p)) return NULL;
      while (i < ln && is_blank(lit[i])) i++;
      while (p < end && is_blank(*p)) p++;
      continue;
    }
    if (p >= end || *p != lit[i]) return NULL;
    p++, i++;
  }
  return p;
}

/* The first place at or after p where lit matches; *after gets its end. */
static const char *lit_find(const char *p, const char *end, const char *lit,
                            size_t ln, const char **after) {
  for (; p <= end; p++) {
    const char *e = lit_at(p, end, lit, ln);
    if (e) {
      *after = e;
      return p;
    }
  }
  return NULL;
}

/* The literal run of a template starting at t (up to the next %n or end). */
static size_t lit_len(const char *t) {
  size_t n = 0;
  while (t[n] && !(t[n] == '%' && t[n + 1] >= '1' && t[n + 1] <= '9')) n++;
  return n;
}

/* Where the template's last literal begins when it ends the text exactly;
** a text without the literal's final period also matches. */
static const char *last_lit(const char *p, const char *end, const char *lit,
                            size_t ln) {
  if (!ln) return end;
  for (int pass = 0; pass < 2; pass++) {
    for (const char *s = p; s <= end; s++)
      if (lit_at(s, end, lit, ln) == end) return s;
    if (lit[ln - 1] != '.') break;
    ln--;
    if (!ln) return end;
  }
  return NULL;
}

static void put_item(fl_message_parsed *out, unsigned insert, fl_evtx_str v) {
  while (out->count < insert && out->count < COUNT(out->items))
    out->items[out->count++] = (fl_message_item){"", {"", 0}};
  if (insert >= 1 && insert <= out->count) out->items[insert - 1].value = v;
}

static int template_match(const message_template *m, const char *text,
                          size_t n, fl_message_parsed *out) {
  fl_evtx_str all = trimmed(text, n);
  const char *p = all.ptr, *end = all.ptr + all.len;
  const char *t = m->text;
  out->count = 0;
  size_t ln = lit_len(t);
  p = lit_at(p, end, t, ln);
  if (!p) return 0;
  t += ln;
  while (*t) {
    unsigned insert = (unsigned)(t[1] - '0');
    t += 2;
    ln = lit_len(t);
    const char *vend, *after;
    if (!t[ln]) { /* the last literal ends the text (its final period optional) */
      vend = last_lit(p, end, t, ln);
      if (!vend) return 0;
      after = end;
    } else {
      vend = lit_find(p, end, t, ln, &after);
      if (!vend) return 0;
    }
    put_item(out, insert, trimmed(p, (size_t)(vend - p)));
    p = after;
    t += ln;
  }
  return p == end;
}

/* The last decimal number in text (for a localised template text). */
static fl_evtx_str last_number(const char *text, size_t n) {
  size_t i = n;
  while (i > 0) {
    if (text[i - 1] >= '0' && text[i - 1] <= '9') {
      size_t e = i;
      while (i > 0 && text[i - 1] >= '0' && text[i - 1] <= '9') i--;
      return (fl_evtx_str){text + i, e - i};
    }
    i--;
  }
  return (fl_evtx_str){NULL, 0};
}

/* ---- Security: "Section:" and "Label:<blanks>value" lines ---------------- */

static int is_section(const fl_event_def *ev, fl_evtx_str s) {
  for (size_t i = 0; i < ev->field_count; i++)
    if (same_ci(s.ptr, s.len, ev->fields[i].section, strlen(ev->fields[i].section)))
      return 1;
  return 0;
}

/* Label equal, or the text's label ends with the catalog's (Windows says
** "Local Principal Name" where the catalog says "Principal Name"). */
static int label_is(fl_evtx_str text, const char *label) {
  size_t ln = strlen(label);
  if (!ln || text.len < ln) return 0;
  if (!same_ci(text.ptr + text.len - ln, ln, label, ln)) return 0;
  return text.len == ln || text.ptr[text.len - ln - 1] == ' ';
}

static long field_for(const fl_event_def *ev, fl_evtx_str section,
                      fl_evtx_str label, const unsigned char *taken) {
  long any = -1;
  for (size_t i = 0; i < ev->field_count; i++) {
    const fl_field_def *f = &ev->fields[i];
    if (taken[i] || !label_is(label, f->label)) continue;
    if (same_ci(section.ptr, section.len, f->section, strlen(f->section))) return (long)i;
    if (any < 0) any = (long)i;
  }
  return any;
}

static fl_message_match security_parse(const fl_event_def *ev, const char *text,
                                       size_t n, fl_message_parsed *out) {
  fl_evtx_str vals[64];
  unsigned char taken[64] = {0};
  size_t fields = ev->field_count < COUNT(vals) ? ev->field_count : COUNT(vals);
  fl_evtx_str section = {"", 0};
  const char *p = text, *end = text + n;
  size_t found = 0;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *le = nl ? nl : end;
    fl_evtx_str line = trimmed(p, (size_t)(le - p));
    p = nl ? nl + 1 : end;
    const char *colon = line.len ? memchr(line.ptr, ':', line.len) : NULL;
    if (!colon) continue;
    fl_evtx_str label = trimmed(line.ptr, (size_t)(colon - line.ptr));
    fl_evtx_str value = trimmed(colon + 1, (size_t)(line.ptr + line.len - colon - 1));
    if (!value.len && is_section(ev, label)) {
      section = label;
      continue;
    }
    long f = field_for(ev, section, label, taken);
    if (f < 0 || (size_t)f >= fields) continue;
    taken[f] = 1;
    vals[f] = value;
    found++;
  }
  out->count = 0;
  for (size_t i = 0; i < fields; i++)
    if (taken[i]) out->items[out->count++] = (fl_message_item){ev->fields[i].name, vals[i]};
  return found ? FL_MESSAGE_MATCHED : FL_MESSAGE_UNMATCHED;
}

fl_message_match fl_catalog_message_parse(const char *provider, size_t plen,
                                          uint32_t id, const char *text,
                                          size_t n, fl_message_parsed *out) {
  out->count = 0;
  if (!provider || !text) return FL_MESSAGE_NO_TEMPLATE;
  if (same_ci(provider, plen, security_provider, sizeof security_provider - 1)) {
    const fl_event_def *ev = id <= 0xFFFF ? fl_catalog_event((uint16_t)id, -1) : NULL;
    if (!ev || !ev->field_count) return FL_MESSAGE_NO_TEMPLATE;
    return security_parse(ev, text, n, out);
  }
  const message_template *m = template_of(provider, plen, id);
  if (!m) return FL_MESSAGE_NO_TEMPLATE;
  if (template_match(m, text, n, out)) return FL_MESSAGE_MATCHED;
  out->count = 0;
  if (m->code_insert) {
    fl_evtx_str num = last_number(text, n);
    if (num.len) put_item(out, m->code_insert, num);
  }
  return FL_MESSAGE_UNMATCHED;
}

/* ---- rendering ------------------------------------------------------------ */

static void put(fl_buf *b, const char *s, size_t n) {
  if (!n || fl_buf_reserve(b, n) != 0) return;
  memcpy(b->p + b->len, s, n);
  b->len += n;
}

static void puts_(fl_buf *b, const char *s) { put(b, s, strlen(s)); }

/* A value as Event Viewer shows it: %%NNNN becomes its parameter string. */
static void put_value(fl_buf *b, fl_evtx_str v) {
  if (v.len > 2 && v.len < 12 && v.ptr[0] == '%' && v.ptr[1] == '%') {
    uint32_t id = 0;
    size_t i = 2;
    for (; i < v.len && v.ptr[i] >= '0' && v.ptr[i] <= '9'; i++)
      id = id * 10 + (uint32_t)(v.ptr[i] - '0');
    const fl_insert_info *ins = i == v.len ? fl_catalog_insert(id) : NULL;
    if (ins) {
      puts_(b, ins->text);
      return;
    }
  }
  put(b, v.ptr, v.len);
}

static const fl_evtx_pair *pair_named(const fl_evtx_pair *data, size_t count,
                                      const char *name) {
  size_t ln = strlen(name);
  for (size_t i = 0; i < count; i++)
    if (data[i].name.len == ln && memcmp(data[i].name.ptr, name, ln) == 0) return &data[i];
  return NULL;
}

static void security_render(const fl_event_def *ev, const fl_evtx_pair *data,
                            size_t count, fl_buf *b) {
  puts_(b, ev->title);
  puts_(b, "\n");
  const char *section = NULL;
  for (size_t i = 0; i < ev->field_count; i++) {
    const fl_field_def *f = &ev->fields[i];
    const fl_evtx_pair *v = pair_named(data, count, f->name);
    if (!v) continue;
    if (!section || strcmp(section, f->section) != 0) {
      section = f->section;
      puts_(b, "\n");
      if (section[0]) {
        puts_(b, section);
        puts_(b, ":\n");
      }
    }
    puts_(b, "\t");
    puts_(b, f->label);
    puts_(b, ":\t\t");
    put_value(b, v->value);
    puts_(b, "\n");
  }
}

int fl_catalog_message_render(const char *provider, uint32_t id,
                              const fl_evtx_pair *data, size_t count,
                              fl_buf *b) {
  if (!provider) return -1;
  size_t plen = strlen(provider);
  if (same_ci(provider, plen, security_provider, sizeof security_provider - 1)) {
    const fl_event_def *ev = id <= 0xFFFF ? fl_catalog_event((uint16_t)id, -1) : NULL;
    if (!ev) return -1;
    security_render(ev, data, count, b);
    return 0;
  }
  const message_template *m = template_of(provider, plen, id);
  if (!m) return -1;
  for (const char *t = m->text; *t;) {
    size_t ln = lit_len(t);
    put(b, t, ln);
    t += ln;
    if (!*t) break;
    unsigned insert = (unsigned)(t[1] - '0');
    if (insert >= 1 && insert <= count) put_value(b, data[insert - 1].value);
    t += 2;
  }
  return 0;
}
