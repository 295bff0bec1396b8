/*
** JSON-lines renderer sink, in the shape evtx_dump uses: an element with
** only text becomes "Name": value, attributes go under "#attributes", text
** beside children under "#text", EventData's <Data Name="X"> becomes
** "X": value, repeated keys get _1, _2 ... suffixes. Integers, reals and
** booleans print bare when they are an element's or attribute's whole value.
**
** Templates are mostly rendered from pre-rendered plans (evtx_json_plan.c); the
** plans are made by running this sink in a simulation mode, so it stays the
** one definition of the output.
**
** Must never: emit invalid JSON (every string is escaped, every object
** closed), or look further back than the current record.
*/
#include <stdio.h>

#include "evtx/evtx_internal.h"

typedef fl_evtx_json_sink fl_evtx_js;

static int fl_evtx_js_is(const fl_evtx_js *j, unsigned d, const char *lit) {
  const fl_evtx_json_frame *f = &j->frames[d];
  size_t n = strlen(lit);
  return f->name_len == n && memcmp(j->names.p + f->name_off, lit, n) == 0;
}

/* Writes ["key":] for frame d into out, de-duplicating against siblings:
** the key is appended to keys ({u32 len, bytes}) and compared with the
** keys siblings left there. */
static void fl_evtx_js_key(fl_evtx_js *j, unsigned d) {
  fl_evtx_json_frame *f = &j->frames[d], *p = &j->frames[d - 1];
  if (p->members++) fl_evtx_buf_putc(j->out, ',');
  size_t e = j->keys.len;
  uint32_t kn = 0;
  fl_evtx_buf_put(&j->keys, &kn, 4);
  if (f->key_len)
    fl_evtx_buf_put(&j->keys, j->attrs.p + f->key_off, f->key_len);
  else
    fl_evtx_utf8_append(&j->keys, j->names.p + f->name_off, f->name_len,
                        FL_ESC_JSON);
  if (j->keys.failed) return;
  kn = (uint32_t)(j->keys.len - e - 4);
  memcpy(j->keys.p + e, &kn, 4);
  const char *k = j->keys.p + e + 4;
  if (j->sim && kn && memchr(k, 0, kn)) j->sim_failed = 1; /* from a slot */
  unsigned dup = 0, seen = 0;
  for (size_t at = p->keys_off; at + 4 <= e && seen < 256; seen++) {
    uint32_t n;
    memcpy(&n, j->keys.p + at, 4);
    if (n == kn && memcmp(j->keys.p + at + 4, k, kn) == 0) dup++;
    at += 4 + n;
  }
  fl_evtx_buf_putc(j->out, '"');
  fl_evtx_buf_put(j->out, k, kn);
  if (dup) {
    char sfx[16];
    int sn = snprintf(sfx, sizeof sfx, "_%u", dup);
    fl_evtx_buf_put(j->out, sfx, (size_t)sn);
  }
  FL_EVTX_PUTS(j->out, "\":");
  f->keys_off = (uint32_t)j->keys.len;
}

/* A Data element whose only attribute is Name shows no #attributes. */
static int fl_evtx_js_has_attrs(const fl_evtx_js *j, unsigned d) {
  const fl_evtx_json_frame *f = &j->frames[d];
  return f->nattrs && !(f->key_len && f->nattrs == 1);
}

static void fl_evtx_js_attrs(fl_evtx_js *j, unsigned d) {
  const fl_evtx_json_frame *f = &j->frames[d];
  FL_EVTX_PUTS(j->out, "\"#attributes\":{");
  fl_evtx_buf_put(j->out, j->attrs.p + f->attrs_off,
                  j->attrs.len - f->attrs_off);
  fl_evtx_buf_putc(j->out, '}');
}

static void fl_evtx_js_text_value(fl_evtx_js *j) {
  if (j->text_pieces == 1 && j->text_bare) {
    fl_evtx_buf_put(j->out, j->text.p, j->text.len);
  } else {
    fl_evtx_buf_putc(j->out, '"');
    fl_evtx_buf_put(j->out, j->text.p, j->text.len);
    fl_evtx_buf_putc(j->out, '"');
  }
}

/* Frame d gets children: it becomes an object now. */
static void fl_evtx_js_make_object(fl_evtx_js *j, unsigned d) {
  fl_evtx_json_frame *f = &j->frames[d];
  if (f->mode == 1 || d == 0) return;
  fl_evtx_js_key(j, d);
  fl_evtx_buf_putc(j->out, '{');
  if (fl_evtx_js_has_attrs(j, d)) {
    fl_evtx_js_attrs(j, d);
    f->members++;
  }
  if (f->mode == 2) {
    if (f->members++) fl_evtx_buf_putc(j->out, ',');
    FL_EVTX_PUTS(j->out, "\"#text\":");
    fl_evtx_js_text_value(j);
  }
  f->mode = 1;
}

static void fl_evtx_js_attr_done(fl_evtx_js *j) {
  if (!j->in_attr) return;
  j->in_attr = 0;
  fl_evtx_json_frame *f = &j->frames[j->depth];
  fl_evtx_buf *a = &j->attrs;
  uint32_t v = j->attr_val_off; /* the opening quote */
  if (j->attr_pieces == 1 && j->attr_bare) {
    memmove(a->p + v, a->p + v + 1, a->len - v - 1);
    a->len--;
  } else {
    fl_evtx_buf_putc(a, '"');
  }
  if (f->key_off == v + 1 && f->key_len == 0 && !j->attr_bare) {
    f->key_len = (uint32_t)(a->len - 1 - f->key_off); /* Data Name="..." */
    if (f->key_len == 0) f->key_off = 0;
  }
}

static void fl_evtx_js_open(fl_evtx_sink *s, const char *name, size_t n) {
  fl_evtx_js *j = (fl_evtx_js *)s;
  if (j->depth >= FL_EVTX_JSON_MAX_DEPTH) return; /* parser caps first */
  fl_evtx_js_make_object(j, j->depth);
  fl_evtx_json_frame *f = &j->frames[++j->depth];
  memset(f, 0, sizeof *f);
  f->name_off = (uint32_t)j->names.len;
  f->name_len = (uint32_t)n;
  fl_evtx_buf_put(&j->names, name, n);
  f->attrs_off = (uint32_t)j->attrs.len;
  f->keys_off = (uint32_t)j->keys.len;
}

static void fl_evtx_js_attr(fl_evtx_sink *s, const char *name, size_t n) {
  fl_evtx_js *j = (fl_evtx_js *)s;
  fl_evtx_js_attr_done(j);
  fl_evtx_json_frame *f = &j->frames[j->depth];
  if (f->nattrs++) fl_evtx_buf_putc(&j->attrs, ',');
  fl_evtx_buf_putc(&j->attrs, '"');
  fl_evtx_utf8_append(&j->attrs, name, n, FL_ESC_JSON);
  FL_EVTX_PUTS(&j->attrs, "\":");
  j->attr_val_off = (uint32_t)j->attrs.len;
  fl_evtx_buf_putc(&j->attrs, '"');
  j->in_attr = 1;
  j->attr_pieces = 0;
  j->attr_bare = 0;
  if (n == 4 && memcmp(name, "Name", 4) == 0 && j->depth >= 2 &&
      fl_evtx_js_is(j, j->depth, "Data") && f->key_len == 0)
    f->key_off = j->attr_val_off + 1;
}

static void fl_evtx_js_attrs_end(fl_evtx_sink *s) {
  fl_evtx_js_attr_done((fl_evtx_js *)s);
}

static void fl_evtx_js_close(fl_evtx_sink *s) {
  fl_evtx_js *j = (fl_evtx_js *)s;
  fl_evtx_js_attr_done(j);
  if (j->depth == 0) return;
  unsigned d = j->depth;
  fl_evtx_json_frame *f = &j->frames[d];
  if (f->mode == 1) {
    fl_evtx_buf_putc(j->out, '}');
  } else {
    j->keys.len = f->keys_off;
    fl_evtx_js_key(j, d);
    int attrs = fl_evtx_js_has_attrs(j, d);
    if (attrs) {
      fl_evtx_buf_putc(j->out, '{');
      fl_evtx_js_attrs(j, d);
      if (f->mode == 2) FL_EVTX_PUTS(j->out, ",\"#text\":");
    }
    if (f->mode == 2) fl_evtx_js_text_value(j);
    else if (!attrs) FL_EVTX_PUTS(j->out, "null");
    if (attrs) fl_evtx_buf_putc(j->out, '}');
  }
  j->keys.len = j->frames[d].keys_off;
  if (j->keys.len < j->frames[d - 1].keys_off) j->keys.len = j->frames[d - 1].keys_off;
  /* keep this element's own key for its siblings' duplicate check */
  j->attrs.len = f->attrs_off;
  j->names.len = f->name_off;
  j->depth--;
}

/* A value's text; in plan making, a slot's marker ("\0V" + u16 slot: a
** raw NUL is escaped everywhere else). */
static void fl_evtx_js_format(fl_evtx_js *j, fl_evtx_buf *b,
                              const fl_evtx_val *v) {
  if (j->sim && v->p >= j->sim_lo && v->p < j->sim_hi) {
    char m[4] = {0, 'V', (char)v->p[0], (char)v->p[1]};
    fl_evtx_buf_put(b, m, 4);
    return;
  }
  fl_evtx_value_format(b, v, FL_ESC_JSON);
}

static void fl_evtx_js_text_piece(fl_evtx_js *j, const fl_evtx_val *v,
                                  int pieces_fmt) {
  fl_evtx_json_frame *f = &j->frames[j->depth];
  if (j->in_attr) {
    j->attr_pieces++;
    j->attr_bare = j->attr_pieces == 1 && pieces_fmt &&
                   fl_evtx_value_is_json_bare(v->type);
    fl_evtx_js_format(j, &j->attrs, v);
    return;
  }
  if (f->mode == 1 || j->depth == 0) { /* text beside children */
    if (j->depth == 0) return;
    if (f->members++) fl_evtx_buf_putc(j->out, ',');
    FL_EVTX_PUTS(j->out, "\"#text\":\"");
    fl_evtx_js_format(j, j->out, v);
    fl_evtx_buf_putc(j->out, '"');
    return;
  }
  if (f->mode == 0) {
    f->mode = 2;
    j->text.len = 0;
    j->text_pieces = 0;
  }
  j->text_pieces++;
  j->text_bare = j->text_pieces == 1 && pieces_fmt &&
                 fl_evtx_value_is_json_bare(v->type);
  fl_evtx_js_format(j, &j->text, v);
}

static void fl_evtx_js_value(fl_evtx_sink *s, const fl_evtx_val *v) {
  int bare = !(v->type & FL_VT_ARRAY_FLAG) || v->type == FL_VT_UTF8;
  fl_evtx_js_text_piece((fl_evtx_js *)s, v, bare);
}

static void fl_evtx_js_cdata(fl_evtx_sink *s, const fl_evtx_val *v) {
  fl_evtx_js_text_piece((fl_evtx_js *)s, v, 0);
}

static void fl_evtx_js_charref(fl_evtx_sink *s, uint16_t ch) {
  uint8_t u[2] = {(uint8_t)ch, (uint8_t)(ch >> 8)};
  fl_evtx_val v = {FL_VT_STRING, 2, u};
  fl_evtx_js_text_piece((fl_evtx_js *)s, &v, 0);
}

static void fl_evtx_js_entref(fl_evtx_sink *s, const char *name, size_t n) {
  static const char *const ent[5][2] = {
      {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}};
  fl_evtx_val v = {FL_VT_UTF8, 0, NULL};
  for (int i = 0; i < 5; i++)
    if (strlen(ent[i][0]) == n && memcmp(ent[i][0], name, n) == 0) {
      v.p = (const uint8_t *)ent[i][1];
      v.len = 1;
    }
  if (!v.p) { /* unknown entity: keep its name visible */
    v.p = (const uint8_t *)name;
    v.len = (uint32_t)n;
  }
  fl_evtx_js_text_piece((fl_evtx_js *)s, &v, 0);
}

static void fl_evtx_js_pi(fl_evtx_sink *s, const char *t, size_t tn,
                          const fl_evtx_val *data) {
  (void)s; (void)t; (void)tn; (void)data; /* JSON has no place for PIs */
}

const fl_evtx_sink_ops fl_evtx_json_ops = {
    fl_evtx_js_open,  fl_evtx_js_attr,    fl_evtx_js_attrs_end,
    fl_evtx_js_close, fl_evtx_js_value,   fl_evtx_js_cdata,
    fl_evtx_js_charref, fl_evtx_js_entref, fl_evtx_js_pi,
    NULL};

void fl_evtx_json_sink_init(fl_evtx_json_sink *s, fl_evtx_buf *out) {
  memset(s, 0, sizeof *s);
  s->base.ops = &fl_evtx_json_ops;
  s->out = out;
  /* plan classes (evtx_json_plan.c): 1 bare, 2 string, 3 nested BinXML, 4 array */
  for (unsigned t = 0; t < 256; t++)
    s->vclass[t] = t == FL_VT_BINXML ? 3
                   : (t & FL_VT_ARRAY_FLAG) ? 4
                   : fl_evtx_value_is_json_bare((uint8_t)t) ? 1 : 2;
}

void fl_evtx_json_sink_reset(fl_evtx_json_sink *s) {
  s->names.len = s->attrs.len = s->text.len = s->keys.len = 0;
  s->depth = 0;
  s->in_attr = 0;
  memset(&s->frames[0], 0, sizeof s->frames[0]);
  s->frames[0].mode = 1;
  fl_evtx_buf_putc(s->out, '{');
}

void fl_evtx_json_sink_end(fl_evtx_json_sink *s) {
  while (s->depth) fl_evtx_js_close(&s->base);
  FL_EVTX_PUTS(s->out, "}\n");
}

void fl_evtx_json_sink_free(fl_evtx_json_sink *s) {
  fl_buf_free(&s->names);
  fl_buf_free(&s->attrs);
  fl_buf_free(&s->text);
  fl_buf_free(&s->keys);
  fl_buf_free(&s->sig);
  fl_evtx_json_sim_free(s);
}
