/*
** BinXML token walker: turns a fragment of a chunk (record body, nested
** 0x21 value, or template definition) into sink calls. Handles every token
** of [MS-EVEN6] 2.2.12: elements and attributes, text, CDATA, char and
** entity references, processing instructions, substitutions and template
** instances.
**
** Must never: read a byte without checking it lies inside the chunk and the
** fragment, recurse past the depth caps, or keep going after the first
** error of a record (the record is reported and dropped, not guessed at).
*/
#include <stdarg.h>
#include <stdio.h>

#include "evtx/evtx_internal.h"

typedef struct fl_evtx_bx {
  fl_evtx_ctx *c;
  const uint8_t *b; /* chunk */
  uint32_t pos, end;
  int tdef;
  fl_evtx_sink *sink;
} fl_evtx_bx;

void fl_evtx_ctx_fail(fl_evtx_ctx *c, uint32_t off, const char *fmt, ...) {
  if (c->failed) return;
  c->failed = 1;
  c->err_off = off;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->errmsg, sizeof c->errmsg, fmt, ap);
  va_end(ap);
}

int fl_evtx_ctx_fail_limit(fl_evtx_ctx *c, uint32_t off) {
  fl_evtx_ctx_fail(c, off, "record renders to more than %u MiB (values or "
                   "names referenced over and over); dropped",
                   FL_EVTX_MAX_RECORD_OUTPUT >> 20);
  return 1;
}

static int fl_evtx_bx_need(fl_evtx_bx *x, uint32_t n, const char *what) {
  if (x->pos <= x->end && x->end - x->pos >= n) return 0;
  fl_evtx_ctx_fail(x->c, x->pos, "BinXML %s runs past its end", what);
  return -1;
}

int fl_evtx_name_read(fl_evtx_ctx *c, uint32_t noff) {
  if (noff > c->chunk_len || c->chunk_len - noff < 8) return -1;
  uint32_t n = fl_le16(c->chunk + noff + 6);
  if ((c->chunk_len - noff - 8) / 2 < n) return -1;
  c->names.len = 0;
  fl_evtx_utf16_append_plain(&c->names, c->chunk + noff + 8, 2u * n);
  return c->names.failed ? -1 : (int)n;
}

/* Reads a u32 name offset at pos and the name (skipping it when inline);
** leaves the UTF-8 name in c->names. */
static int fl_evtx_bx_name(fl_evtx_bx *x) {
  if (fl_evtx_bx_need(x, 4, "name offset")) return -1;
  uint32_t noff = fl_le32(x->b + x->pos);
  x->pos += 4;
  int n = fl_evtx_name_read(x->c, noff);
  if (n < 0) {
    fl_evtx_ctx_fail(x->c, x->pos - 4, "name offset 0x%x outside the chunk",
                     noff);
    return -1;
  }
  if (noff == x->pos) {
    uint32_t skip = 10u + 2u * (uint32_t)n;
    if (fl_evtx_bx_need(x, skip, "inline name")) return -1;
    x->pos += skip;
  } else if (x->tdef && (noff < x->c->def_lo || noff >= x->c->def_hi)) {
    /* a name outside the definition: remembered so a cached compile is
    ** only reused in chunks where that offset holds the same name */
    uint32_t rec[2] = {noff, (uint32_t)n};
    fl_evtx_buf_put(&x->c->cext, rec, sizeof rec);
    fl_evtx_buf_put(&x->c->cext, x->c->chunk + noff + 8, 2u * (uint32_t)n);
    while (x->c->cext.len % 4) fl_evtx_buf_putc(&x->c->cext, 0);
  }
  return 0;
}

/* u16 char count + UTF-16 at pos, as a value */
static int fl_evtx_bx_utf16(fl_evtx_bx *x, fl_evtx_val *v, const char *what) {
  if (fl_evtx_bx_need(x, 2, what)) return -1;
  uint32_t n = 2u * fl_le16(x->b + x->pos);
  x->pos += 2;
  if (fl_evtx_bx_need(x, n, what)) return -1;
  v->type = FL_VT_STRING;
  v->p = x->b + x->pos;
  v->len = n;
  x->pos += n;
  return 0;
}

static int fl_evtx_bx_fragment(fl_evtx_bx *x);

/* One value-ish token (text, substitution, char/entity ref); returns 1 when
** the token at pos is not one of them. */
static int fl_evtx_bx_value_token(fl_evtx_bx *x, int in_attr) {
  uint8_t t = x->b[x->pos];
  fl_evtx_sink *s = x->sink;
  fl_evtx_val v;
  switch (t & 0xbf) {
    case FL_BXML_VALUE: {
      x->pos++;
      if (fl_evtx_bx_need(x, 1, "value")) return -1;
      uint8_t vt = x->b[x->pos++];
      if (vt != FL_VT_STRING && vt != FL_VT_ANSI_STRING) {
        fl_evtx_ctx_fail(x->c, x->pos - 1, "value token of type 0x%02x", vt);
        return -1;
      }
      if (fl_evtx_bx_utf16(x, &v, "value text")) return -1;
      s->ops->value(s, &v);
      return 0;
    }
    case FL_BXML_NORMAL_SUBSTITUTION:
    case FL_BXML_OPTIONAL_SUBSTITUTION: {
      if (fl_evtx_bx_need(x, 4, "substitution")) return -1;
      if (!x->tdef || !s->ops->sub) {
        fl_evtx_ctx_fail(x->c, x->pos, "substitution outside a template");
        return -1;
      }
      s->ops->sub(s, fl_le16(x->b + x->pos + 1), x->b[x->pos + 3],
                  (t & 0xbf) == FL_BXML_OPTIONAL_SUBSTITUTION);
      x->pos += 4;
      return 0;
    }
    case FL_BXML_CHAR_REF:
      if (fl_evtx_bx_need(x, 3, "char ref")) return -1;
      s->ops->charref(s, fl_le16(x->b + x->pos + 1));
      x->pos += 3;
      return 0;
    case FL_BXML_ENTITY_REF:
      x->pos++;
      if (fl_evtx_bx_name(x)) return -1;
      s->ops->entref(s, x->c->names.p, x->c->names.len);
      return 0;
    case FL_BXML_CDATA:
      if (in_attr) return 1;
      x->pos++;
      if (fl_evtx_bx_utf16(x, &v, "CDATA")) return -1;
      s->ops->cdata(s, &v);
      return 0;
    default:
      return 1;
  }
}

static int fl_evtx_bx_pi(fl_evtx_bx *x) {
  x->pos++; /* 0x0A */
  if (fl_evtx_bx_name(x)) return -1;
  fl_evtx_ctx *c = x->c;
  size_t mark = c->names.len;
  fl_evtx_val data = {FL_VT_STRING, 0, NULL};
  if (x->pos < x->end && x->b[x->pos] == FL_BXML_PI_DATA) {
    x->pos++;
    if (fl_evtx_bx_utf16(x, &data, "PI data")) return -1;
  }
  x->sink->ops->pi(x->sink, c->names.p, mark, &data);
  return 0;
}

static int fl_evtx_bx_element(fl_evtx_bx *x);

static int fl_evtx_bx_content(fl_evtx_bx *x) {
  for (;;) {
    if (fl_evtx_bx_need(x, 1, "element content")) return -1;
    uint8_t t = x->b[x->pos];
    if (t == FL_BXML_END_ELEMENT) {
      x->pos++;
      return 0;
    }
    if ((t & 0xbf) == FL_BXML_OPEN_START_ELEMENT) {
      if (fl_evtx_bx_element(x)) return -1;
    } else if (t == FL_BXML_PI_TARGET) {
      if (fl_evtx_bx_pi(x)) return -1;
    } else if (t == FL_BXML_TEMPLATE_INSTANCE && !x->tdef) {
      if (fl_evtx_bx_fragment(x)) return -1;
    } else {
      int r = fl_evtx_bx_value_token(x, 0);
      if (r < 0) return -1;
      if (r > 0) {
        fl_evtx_ctx_fail(x->c, x->pos, "unexpected token 0x%02x in content",
                         t);
        return -1;
      }
    }
    if (x->c->failed || fl_evtx_ctx_over_limit(x->c, x->pos)) return -1;
  }
}

static int fl_evtx_bx_attributes(fl_evtx_bx *x) {
  while (x->pos < x->end && (x->b[x->pos] & 0xbf) == FL_BXML_ATTRIBUTE) {
    x->pos++;
    if (fl_evtx_bx_name(x)) return -1;
    x->sink->ops->attr(x->sink, x->c->names.p, x->c->names.len);
    for (;;) {
      if (fl_evtx_bx_need(x, 1, "attribute")) return -1;
      int r = fl_evtx_bx_value_token(x, 1);
      if (r < 0) return -1;
      if (r > 0) break;
    }
  }
  return 0;
}

static int fl_evtx_bx_element(fl_evtx_bx *x) {
  fl_evtx_ctx *c = x->c;
  if (++c->elem_depth > FL_EVTX_MAX_ELEMENT_DEPTH) {
    fl_evtx_ctx_fail(c, x->pos, "elements nested deeper than %d",
                     FL_EVTX_MAX_ELEMENT_DEPTH);
    return -1;
  }
  uint8_t t = x->b[x->pos];
  uint32_t hdr = 1u + (x->tdef ? 2u : 0u) + 4u;
  if (fl_evtx_bx_need(x, hdr, "element start")) return -1;
  x->pos += hdr; /* token, [dependency id], data size */
  if (fl_evtx_bx_name(x)) return -1;
  x->sink->ops->open(x->sink, c->names.p, c->names.len);
  if (t & FL_BXML_FLAG_MORE) {
    if (fl_evtx_bx_need(x, 4, "attribute list size")) return -1;
    x->pos += 4;
    if (fl_evtx_bx_attributes(x)) return -1;
  }
  if (fl_evtx_bx_need(x, 1, "element start end")) return -1;
  uint8_t close = x->b[x->pos++];
  x->sink->ops->attrs_end(x->sink);
  if (close == FL_BXML_CLOSE_START_ELEMENT) {
    if (fl_evtx_bx_content(x)) return -1;
  } else if (close != FL_BXML_CLOSE_EMPTY_ELEMENT) {
    fl_evtx_ctx_fail(c, x->pos - 1, "token 0x%02x where an element start "
                     "should end", close);
    return -1;
  }
  x->sink->ops->close(x->sink);
  c->elem_depth--;
  return 0;
}

/* Top of a fragment: header, then a template instance or an element. */
static int fl_evtx_bx_fragment(fl_evtx_bx *x) {
  fl_evtx_ctx *c = x->c;
  while (x->pos < x->end) {
    uint8_t t = x->b[x->pos];
    if (t == FL_BXML_EOF) {
      x->pos++;
      return 0;
    } else if (t == FL_BXML_FRAGMENT_HEADER) {
      if (fl_evtx_bx_need(x, 4, "fragment header")) return -1;
      x->pos += 4;
    } else if (t == FL_BXML_TEMPLATE_INSTANCE && !x->tdef) {
      fl_evtx_instance inst;
      uint32_t next;
      if (c->qinst_off == x->pos && c->qinst_end == x->end) {
        inst = c->qinst; /* read already by this record's quick filter */
        next = c->qinst_next;
      } else if (fl_evtx_instance_read(c, x->pos, x->end, &inst, &next)) {
        return -1;
      }
      if (fl_evtx_template_replay(c, &inst, x->sink)) return -1;
      x->pos = next;
      return 0; /* an instance is the whole fragment */
    } else if ((t & 0xbf) == FL_BXML_OPEN_START_ELEMENT) {
      if (fl_evtx_bx_element(x)) return -1;
      if (!x->tdef) return 0;
    } else if (t == FL_BXML_PI_TARGET) {
      if (fl_evtx_bx_pi(x)) return -1;
    } else {
      fl_evtx_ctx_fail(c, x->pos, "unexpected token 0x%02x at fragment level",
                       t);
      return -1;
    }
  }
  return 0;
}

int fl_evtx_binxml_parse(fl_evtx_ctx *c, uint32_t off, uint32_t end,
                         int in_template, fl_evtx_sink *sink) {
  if (end > c->chunk_len || off > end) {
    fl_evtx_ctx_fail(c, off, "BinXML range outside the chunk");
    return -1;
  }
  if (++c->nesting > FL_EVTX_MAX_NESTING) {
    c->nesting--;
    fl_evtx_ctx_fail(c, off, "BinXML nested deeper than %d",
                     FL_EVTX_MAX_NESTING);
    return -1;
  }
  fl_evtx_bx x = {c, c->chunk, off, end, in_template, sink};
  unsigned depth = c->elem_depth;
  int r = fl_evtx_bx_fragment(&x);
  c->elem_depth = depth;
  c->nesting--;
  return r || c->failed ? -1 : 0;
}

int fl_evtx_instance_read(fl_evtx_ctx *c, uint32_t off, uint32_t end,
                          fl_evtx_instance *inst, uint32_t *next) {
  const uint8_t *b = c->chunk;
  if (end > c->chunk_len || off > end || end - off < 10) {
    fl_evtx_ctx_fail(c, off, "template instance runs past its end");
    return -1;
  }
  uint32_t def_off = fl_le32(b + off + 6);
  uint32_t p = off + 10;
  if (def_off == p) { /* definition inline: skip it */
    if (end - p < 24 || end - p - 24 < fl_le32(b + p + 20)) {
      fl_evtx_ctx_fail(c, p, "inline template definition runs past its end");
      return -1;
    }
    p += 24 + fl_le32(b + p + 20);
  }
  if (end - p < 4) {
    fl_evtx_ctx_fail(c, p, "template values run past their end");
    return -1;
  }
  uint32_t n = fl_le32(b + p);
  p += 4;
  if (n > FL_EVTX_MAX_VALUES || n > (end - p) / 4) {
    fl_evtx_ctx_fail(c, p - 4, "%u template values do not fit", n);
    return -1;
  }
  inst->nvalues = n;
  inst->desc = b + p;
  p += 4 * n;
  uint64_t total = 0;
  for (uint32_t i = 0; i < n; i++) total += fl_le16(inst->desc + 4 * i);
  if (total > end - p) {
    fl_evtx_ctx_fail(c, p, "template values (%llu bytes) run past the record",
                     (unsigned long long)total);
    return -1;
  }
  inst->data = b + p;
  *next = p + (uint32_t)total;
  inst->tmpl = fl_evtx_template_get(c, def_off);
  return inst->tmpl ? 0 : -1;
}

void fl_evtx_instance_value(const fl_evtx_instance *inst, uint32_t i,
                            fl_evtx_val *v) {
  v->type = FL_VT_NULL;
  v->len = 0;
  v->p = inst->data;
  if (i >= inst->nvalues) return;
  /* offsets are re-summed per lookup only for random access (filters);
  ** replay walks the table once */
  uint32_t at = 0;
  for (uint32_t k = 0; k < i; k++) at += fl_le16(inst->desc + 4 * k);
  v->p = inst->data + at;
  v->len = fl_le16(inst->desc + 4 * i);
  v->type = inst->desc[4 * i + 2];
}
