/*
** XML renderer sink: one record becomes one line of XML, the way Windows
** renders events but without indentation (docs/evtx-output.md). Empty
** elements are self-closed; text and attribute values are escaped.
**
** Must never: emit an unescaped value, or an unbalanced document (every
** open is closed by the parser or the record is dropped whole).
*/
#include <stdio.h>

#include "evtx/evtx_internal.h"

static void fl_evtx_xml_end_start_tag(fl_evtx_xml_sink *x) {
  if (x->in_attr) {
    fl_evtx_buf_putc(x->out, '"');
    x->in_attr = 0;
  }
  if (x->pending) {
    fl_evtx_buf_putc(x->out, '>');
    x->pending = 0;
  }
}

/* The stack keeps each open element's name as written (escaped), so the
** end tag is a copy, not a second escape. */
static void fl_evtx_xml_push(fl_evtx_xml_sink *x, size_t start) {
  uint32_t len = (uint32_t)(x->out->len - start);
  if (len) fl_evtx_buf_put(&x->stack, x->out->p + start, len);
  fl_evtx_buf_put(&x->stack, &len, 4);
}

static void fl_evtx_xml_open(fl_evtx_sink *s, const char *name, size_t n) {
  fl_evtx_xml_sink *x = (fl_evtx_xml_sink *)s;
  fl_evtx_xml_end_start_tag(x);
  fl_evtx_buf_putc(x->out, '<');
  size_t start = x->out->len;
  fl_evtx_utf8_append(x->out, name, n, FL_ESC_XML);
  fl_evtx_xml_push(x, start);
}

void fl_evtx_xml_open_plain(fl_evtx_xml_sink *x, const char *name, size_t n) {
  fl_evtx_xml_end_start_tag(x);
  fl_evtx_buf_putc(x->out, '<');
  fl_evtx_buf_put(x->out, name, n);
  uint32_t len = (uint32_t)n;
  fl_evtx_buf_put(&x->stack, name, n);
  fl_evtx_buf_put(&x->stack, &len, 4);
}

static void fl_evtx_xml_attr(fl_evtx_sink *s, const char *name, size_t n) {
  fl_evtx_xml_sink *x = (fl_evtx_xml_sink *)s;
  if (x->in_attr) fl_evtx_buf_putc(x->out, '"');
  fl_evtx_buf_putc(x->out, ' ');
  fl_evtx_utf8_append(x->out, name, n, FL_ESC_XML);
  FL_EVTX_PUTS(x->out, "=\"");
  x->in_attr = 1;
}

void fl_evtx_xml_attr_plain(fl_evtx_xml_sink *x, const char *name, size_t n) {
  char *d = fl_evtx_buf_room(x->out, n + 4); /* "  name=" */
  if (!d) return;
  if (x->in_attr) *d++ = '"';
  *d++ = ' ';
  memcpy(d, name, n);
  d[n] = '=';
  d[n + 1] = '"';
  x->out->len = (size_t)(d + n + 2 - x->out->p);
  x->in_attr = 1;
}

static void fl_evtx_xml_attrs_end(fl_evtx_sink *s) {
  fl_evtx_xml_sink *x = (fl_evtx_xml_sink *)s;
  if (x->in_attr) fl_evtx_buf_putc(x->out, '"');
  x->in_attr = 0;
  x->pending = 1;
}

/* The length of the innermost open name on the stack (0 when none). */
static uint32_t fl_evtx_xml_top(const fl_evtx_xml_sink *x) {
  uint32_t len = 0;
  if (x->stack.len >= 4) {
    memcpy(&len, x->stack.p + x->stack.len - 4, 4);
    if (len > x->stack.len - 4) len = 0;
  }
  return len;
}

void fl_evtx_xml_pop(fl_evtx_xml_sink *x) {
  uint32_t len = fl_evtx_xml_top(x);
  if (x->stack.len >= 4) x->stack.len -= 4 + len;
}

static void fl_evtx_xml_close(fl_evtx_sink *s) {
  fl_evtx_xml_sink *x = (fl_evtx_xml_sink *)s;
  if (x->in_attr) {
    fl_evtx_buf_putc(x->out, '"');
    x->in_attr = 0;
  }
  uint32_t len = fl_evtx_xml_top(x);
  if (x->pending) {
    FL_EVTX_PUTS(x->out, "/>");
    x->pending = 0;
  } else {
    char *d = fl_evtx_buf_room(x->out, len + 3);
    if (d) {
      d[0] = '<';
      d[1] = '/';
      if (len) memcpy(d + 2, x->stack.p + x->stack.len - 4 - len, len);
      d[len + 2] = '>';
      x->out->len += len + 3;
    }
  }
  if (x->stack.len >= 4) x->stack.len -= 4 + len;
}

static void fl_evtx_xml_value(fl_evtx_sink *s, const fl_evtx_val *v) {
  fl_evtx_xml_sink *x = (fl_evtx_xml_sink *)s;
  if (!x->in_attr && x->pending) {
    fl_evtx_buf_putc(x->out, '>');
    x->pending = 0;
  }
  fl_evtx_value_format(x->out, v, FL_ESC_XML);
}

void fl_evtx_xml_text_plain(fl_evtx_xml_sink *x, const char *s, size_t n) {
  if (!x->in_attr && x->pending) {
    fl_evtx_buf_putc(x->out, '>');
    x->pending = 0;
  }
  fl_evtx_buf_put(x->out, s, n);
}

static void fl_evtx_xml_cdata(fl_evtx_sink *s, const fl_evtx_val *v) {
  fl_evtx_xml_sink *x = (fl_evtx_xml_sink *)s;
  fl_evtx_xml_end_start_tag(x);
  FL_EVTX_PUTS(x->out, "<![CDATA[");
  /* "]]>" inside would end the section early: split it */
  size_t start = x->out->len;
  fl_evtx_value_format(x->out, v, FL_ESC_NONE);
  for (size_t i = start; i + 2 < x->out->len && !x->out->failed; i++) {
    if (memcmp(x->out->p + i, "]]>", 3) == 0) {
      size_t tail = x->out->len - (i + 2);
      if (!fl_evtx_buf_room(x->out, 12)) return;
      memmove(x->out->p + i + 2 + 12, x->out->p + i + 2, tail);
      memcpy(x->out->p + i + 2, "]]><![CDATA[", 12);
      x->out->len += 12;
      i += 13;
    }
  }
  FL_EVTX_PUTS(x->out, "]]>");
}

static void fl_evtx_xml_charref(fl_evtx_sink *s, uint16_t ch) {
  fl_evtx_xml_sink *x = (fl_evtx_xml_sink *)s;
  if (!x->in_attr) fl_evtx_xml_end_start_tag(x);
  char tmp[16];
  int k = snprintf(tmp, sizeof tmp, "&#%u;", ch);
  fl_evtx_buf_put(x->out, tmp, (size_t)k);
}

static void fl_evtx_xml_entref(fl_evtx_sink *s, const char *name, size_t n) {
  fl_evtx_xml_sink *x = (fl_evtx_xml_sink *)s;
  if (!x->in_attr) fl_evtx_xml_end_start_tag(x);
  fl_evtx_buf_putc(x->out, '&');
  fl_evtx_utf8_append(x->out, name, n, FL_ESC_XML);
  fl_evtx_buf_putc(x->out, ';');
}

static void fl_evtx_xml_pi(fl_evtx_sink *s, const char *t, size_t tn,
                           const fl_evtx_val *data) {
  fl_evtx_xml_sink *x = (fl_evtx_xml_sink *)s;
  fl_evtx_xml_end_start_tag(x);
  FL_EVTX_PUTS(x->out, "<?");
  fl_evtx_utf8_append(x->out, t, tn, FL_ESC_XML);
  if (data->len) {
    fl_evtx_buf_putc(x->out, ' ');
    fl_evtx_value_format(x->out, data, FL_ESC_XML);
  }
  FL_EVTX_PUTS(x->out, "?>");
}

const fl_evtx_sink_ops fl_evtx_xml_ops = {
    fl_evtx_xml_open,  fl_evtx_xml_attr,    fl_evtx_xml_attrs_end,
    fl_evtx_xml_close, fl_evtx_xml_value,   fl_evtx_xml_cdata,
    fl_evtx_xml_charref, fl_evtx_xml_entref, fl_evtx_xml_pi,
    NULL};

void fl_evtx_xml_sink_init(fl_evtx_xml_sink *s, fl_evtx_buf *out) {
  memset(s, 0, sizeof *s);
  s->base.ops = &fl_evtx_xml_ops;
  s->out = out;
}

void fl_evtx_xml_sink_reset(fl_evtx_xml_sink *s) {
  s->stack.len = 0;
  s->in_attr = 0;
  s->pending = 0;
}

void fl_evtx_xml_sink_free(fl_evtx_xml_sink *s) {
  fl_buf_free(&s->stack);
}
