/*
** netsh wfp net events (<netEvent>, or <item> under <netEvents>) flattened
** into one record of the synthetic WFP provider: pairs named after the SDK
** members (header members bare, header flags as "headerFlags", the type
** body's members bare, anything else by its dotted path), SDK symbols
** mapped to their values through the catalog, flag item lists to their
** bits, FWP_BYTE_BLOB <data> hex decoded, timeStamp in canonical form.
** docs/inputs.md lists the naming rules.
**
** Must never: keep more nesting state than its fixed frame stack, guess a
** flag set across MM and EM failures (their bits are swapped), or drop a
** member it does not understand (it is kept as given).
*/
#include <stdio.h>
#include <stdlib.h>

#include "input/input_internal.h"

#define FL_NS_MAX_FRAMES 48

typedef struct fl_ns_frame {
  uint32_t path_len;   /* path length before this element's component */
  uint32_t lst_off;    /* start of this list's items in lst */
  uint8_t has_child, is_list, is_item, in_path;
  char name[40];
} fl_ns_frame;

struct fl_input_netsh {
  fl_input_ctx *c;
  unsigned depth;      /* 0 = the root's own level */
  fl_ns_frame fr[FL_NS_MAX_FRAMES];
  fl_input_buf path, text, lst, val;
  int type;            /* FWPM_NET_EVENT_TYPE, -1 unknown */
  int body;            /* 1 MM, 2 QM, 3 EM failure body open, else 0 */
  int active;
  int identified;      /* a <header> or <type> child seen */
  size_t off;
};

static const char *const fl_ns_bodies[] = {
#define FL_NET_EVENT_TYPE(value, name, id) [value] = name,
#include "faultline/wfp_net_event_types.def"
#undef FL_NET_EVENT_TYPE
};

fl_input_netsh *fl_input_netsh_new(fl_input_ctx *c) {
  fl_input_netsh *n = calloc(1, sizeof *n);
  if (n) n->c = c;
  return n;
}

void fl_input_netsh_free(fl_input_netsh *n) {
  if (!n) return;
  fl_buf_free(&n->path);
  fl_buf_free(&n->text);
  fl_buf_free(&n->lst);
  fl_buf_free(&n->val);
  free(n);
}

int fl_input_netsh_active(const fl_input_netsh *n) { return n && n->active; }

void fl_input_netsh_begin(fl_input_netsh *n, size_t off) {
  fl_input_ctx *c = n->c;
  n->depth = 0;
  n->type = -1;
  n->body = 0;
  n->active = 1;
  n->identified = 0;
  n->off = off;
  n->path.len = n->text.len = n->lst.len = 0;
  memset(&n->fr[0], 0, sizeof n->fr[0]);
  fl_input_rec_begin(c, off);
  fl_input_rec_str(c, FL_IN_PROVIDER, FL_INPUT_WFP_PROVIDER,
                   strlen(FL_INPUT_WFP_PROVIDER));
  fl_input_rec_str(c, FL_IN_CHANNEL, FL_INPUT_WFP_CHANNEL,
                   strlen(FL_INPUT_WFP_CHANNEL));
}

static int fl_ns_is_flags(const char *name) {
  size_t k = strlen(name);
  return !strcmp(name, "flags") || (k > 5 && !strcmp(name + k - 5, "Flags"));
}

void fl_input_netsh_start(fl_input_netsh *n, const char *name,
                          const char **attrs) {
  fl_ns_frame *parent = &n->fr[n->depth < FL_NS_MAX_FRAMES ? n->depth : FL_NS_MAX_FRAMES - 1];
  parent->has_child = 1;
  n->depth++;
  if (n->depth >= FL_NS_MAX_FRAMES) return; /* too deep: counted, ignored */
  fl_ns_frame *f = &n->fr[n->depth];
  memset(f, 0, sizeof *f);
  fl_input_copy_name(f->name, sizeof f->name, name);
  f->path_len = (uint32_t)n->path.len;
  f->lst_off = (uint32_t)n->lst.len;
  if (!strcmp(name, "item") && n->depth > 1) {
    f->is_item = 1;
    parent->is_list = 1;
  }
  for (size_t i = 0; attrs[i] && attrs[i + 1]; i += 2)
    if (!strcmp(attrs[i], "numItems")) f->is_list = 1;
  int skip = f->is_item;
  if (n->depth == 1) {
    if (!strcmp(name, "header") || !strcmp(name, "type")) n->identified = 1;
    if (!strcmp(name, "header")) skip = 1;
    for (size_t i = 0; i < sizeof fl_ns_bodies / sizeof *fl_ns_bodies; i++)
      if (!strcmp(name, fl_ns_bodies[i])) {
        skip = 1;
        n->body = i < 3 ? (int)i + 1 : 0;
      }
  }
  if (!skip) {
    if (n->path.len) fl_input_buf_putc(&n->path, '.');
    fl_input_buf_puts(&n->path, name);
    f->in_path = 1;
  }
  n->text.len = 0;
}

void fl_input_netsh_text(fl_input_netsh *n, const char *s, size_t len) {
  if (n->depth < FL_NS_MAX_FRAMES) fl_input_buf_put(&n->text, s, len);
}

/* A catalog symbol: upper-case letters, digits and '_' with at least one '_'. */
static int fl_ns_symbolic(const char *s, size_t k) {
  int us = 0;
  if (!k || k > 120 || !(s[0] >= 'A' && s[0] <= 'Z')) return 0;
  for (size_t i = 0; i < k; i++) {
    char ch = s[i];
    if (ch == '_') us = 1;
    else if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))) return 0;
  }
  return us;
}

static int fl_ns_flag_bit(const char *set, const char *sym, size_t k,
                          uint64_t *bit) {
  for (size_t i = 0; i < fl_catalog_flag_count(); i++) {
    const fl_flag_bit *fb = fl_catalog_flag_at(i);
    if (set && strcmp(fb->set, set) != 0) continue;
    if (strlen(fb->symbol) == k && !memcmp(fb->symbol, sym, k)) {
      *bit = fb->bit;
      return 1;
    }
  }
  return 0;
}

static const char *fl_ns_flag_set(const fl_input_netsh *n) {
  if (n->depth == 2 && !strcmp(n->fr[1].name, "header")) return "FWPM_NET_EVENT_FLAG";
  if (n->body == 1) return "MM_FAILURE_FLAG";
  if (n->body == 3) return "EM_FAILURE_FLAG";
  return NULL;
}

/* Items (separated by sep in s) to "0x.." when every one is a known flag
** of set (or a number); otherwise the items joined with '|'. */
static void fl_ns_flags_value(fl_input_netsh *n, const char *set,
                              const char *s, size_t k, fl_input_buf *out) {
  uint64_t v = 0;
  int known = 1;
  size_t i = 0;
  while (i < k) {
    while (i < k && (s[i] == '|' || s[i] == ' ' || s[i] == '\n' || s[i] == ',')) i++;
    size_t j = i;
    while (j < k && s[j] != '|' && s[j] != ' ' && s[j] != '\n' && s[j] != ',') j++;
    if (j == i) break;
    uint64_t b;
    if (fl_input_parse_u64(s + i, j - i, &b) && !fl_ns_flag_bit(set, s + i, j - i, &b))
      known = 0;
    v |= b;
    i = j;
  }
  (void)n;
  if (known) {
    fl_input_buf_printf(out, "0x%llx", (unsigned long long)v);
    return;
  }
  for (i = 0; i < k; i++)
    fl_input_buf_putc(out, s[i] == ',' || s[i] == '\n' ? '|' : s[i]);
}

/* Hex digits of s upper-cased, separators dropped; s as given if not hex. */
static void fl_ns_blob_hex(const char *s, size_t k, fl_input_buf *out) {
  for (size_t i = 0; i < k; i++)
    if (fl_input_hexval((unsigned char)s[i]) < 0 && s[i] != ' ' && s[i] != ':') {
      fl_input_buf_put(out, s, k);
      return;
    }
  for (size_t i = 0; i < k; i++) {
    int h = fl_input_hexval((unsigned char)s[i]);
    if (h >= 0) fl_input_buf_putc(out, "0123456789ABCDEF"[h]);
  }
}

/* FWP_BYTE_BLOB <data>: UTF-16LE text when it is text, else upper-case hex. */
static void fl_ns_blob_value(const char *s, size_t k, fl_input_buf *out) {
  fl_input_buf bytes = {0};
  size_t digits = 0;
  for (size_t i = 0; i < k; i++) {
    if (fl_input_hexval((unsigned char)s[i]) >= 0) digits++;
    else if (s[i] != ' ' && s[i] != '\n' && s[i] != '\r' && s[i] != '\t') {
      fl_input_buf_put(out, s, k); /* not hex: as given */
      return;
    }
  }
  if (digits % 2 == 0 && fl_buf_reserve(&bytes, digits / 2 + 1) == 0) {
    int hi = -1;
    for (size_t i = 0; i < k; i++) {
      int h = fl_input_hexval((unsigned char)s[i]);
      if (h < 0) continue;
      if (hi < 0) hi = h;
      else {
        bytes.p[bytes.len++] = (char)(hi << 4 | h);
        hi = -1;
      }
    }
    size_t mark = out->len;
    if (bytes.len >= 2 && bytes.len % 2 == 0 &&
        fl_input_utf16le_to_utf8(out, (const uint8_t *)bytes.p, bytes.len) == 0 &&
        out->len > mark) {
      fl_buf_free(&bytes);
      return;
    }
    out->len = mark;
  }
  fl_buf_free(&bytes);
  fl_ns_blob_hex(s, k, out);
}

/* A leaf's value in canonical form into n->val. */
static void fl_ns_leaf_value(fl_input_netsh *n, const char *leaf,
                             const char *s, size_t k) {
  fl_input_buf *v = &n->val;
  v->len = 0;
  uint64_t ft, u;
  int64_t ev;
  char sym[128];
  if (!strcmp(leaf, "timeStamp") && fl_input_parse_time(s, k, &ft) == 0) {
    char t[28];
    fl_input_format_time(ft, t);
    fl_input_buf_put(v, t, sizeof t);
    if (n->depth == 2) fl_input_rec_num(n->c, FL_EVTX_HAS_TIME_CREATED, ft);
  } else if (!strcmp(leaf, "endCertHash")) {
    fl_ns_blob_hex(s, k, v); /* binary: upper-case hex (evtx-output.md) */
  } else if (fl_ns_is_flags(leaf)) {
    fl_ns_flags_value(n, fl_ns_flag_set(n), s, k, v);
  } else if (fl_ns_symbolic(s, k)) {
    memcpy(sym, s, k);
    sym[k] = 0;
    if (fl_catalog_enum_value(sym, &ev) == 0) fl_input_buf_printf(v, "%lld", (long long)ev);
    else fl_input_buf_put(v, s, k);
  } else if ((!strcmp(leaf, "localAddrV4") || !strcmp(leaf, "remoteAddrV4")) &&
             fl_input_parse_u64(s, k, &u) == 0 && u <= 0xffffffffu) {
    fl_input_buf_printf(v, "%u.%u.%u.%u", (unsigned)(u >> 24) & 255,
                        (unsigned)(u >> 16) & 255, (unsigned)(u >> 8) & 255,
                        (unsigned)u & 255);
  } else {
    fl_input_buf_put(v, s, k);
  }
}

static void fl_ns_set_type(fl_input_netsh *n, const char *s, size_t k) {
  fl_input_ctx *c = n->c;
  int64_t v = -1;
  uint64_t u;
  char sym[128];
  if (fl_input_parse_u64(s, k, &u) == 0 && u < 256) v = (int64_t)u;
  else if (k < sizeof sym) {
    memcpy(sym, s, k);
    sym[k] = 0;
    if (fl_catalog_enum_value(sym, &v) || !fl_catalog_enum_symbol("FWPM_NET_EVENT_TYPE", v))
      v = -1;
  }
  if (v < 0 || v > 254) {
    fl_input_diag_emit(c, FL_EVTX_WARNING, n->off,
                       "net event type '%.*s' unknown; kept as event id %u",
                       (int)(k > 60 ? 60 : k), s, FL_INPUT_WFP_ID_BASE + 255);
    v = 255;
  }
  n->type = (int)v;
  uint32_t id = v == 0 ? FL_INPUT_WFP_ID_MM_FAILURE
                : v == 1 ? FL_INPUT_WFP_ID_QM_FAILURE
                : v == 2 ? FL_INPUT_WFP_ID_EM_FAILURE
                         : FL_INPUT_WFP_ID_BASE + (uint32_t)v;
  fl_input_rec_num(c, FL_EVTX_HAS_EVENT_ID, id);
  if (!fl_input_rec_filter(c)) c->rejected = 1; /* skip the body cheaply */
  char num[8];
  int nn = snprintf(num, sizeof num, "%d", (int)v);
  fl_input_rec_pair(c, "type", 4, num, (size_t)nn);
}

static void fl_ns_leaf(fl_input_netsh *n, fl_ns_frame *f) {
  fl_input_ctx *c = n->c;
  const char *s = n->text.p ? n->text.p : "";
  size_t k = n->text.len;
  fl_input_trim(&s, &k);
  fl_ns_frame *parent = &n->fr[n->depth - 1];
  if (n->depth == 1 && !strcmp(f->name, "type")) {
    fl_ns_set_type(n, s, k);
    return;
  }
  if (f->is_item && parent->is_list) { /* one item of a list of values */
    if (n->lst.len > parent->lst_off) fl_input_buf_putc(&n->lst, ',');
    fl_input_buf_put(&n->lst, s, k);
    return;
  }
  if (!strcmp(f->name, "asString")) return; /* <data>'s rendering */
  const char *name = n->path.p ? n->path.p : "";
  size_t nn = n->path.len;
  if (!strcmp(f->name, "data") && f->in_path && n->depth > 1) {
    nn = f->path_len; /* the blob's own name */
    n->val.len = 0;
    fl_ns_blob_value(s, k, &n->val);
  } else {
    fl_ns_leaf_value(n, f->name, s, k);
  }
  if (n->depth == 2 && !strcmp(n->fr[1].name, "header") &&
      !strcmp(f->name, "flags")) {
    name = "headerFlags";
    nn = 11;
  }
  fl_input_rec_pair(c, name, nn, n->val.p ? n->val.p : "", n->val.len);
}

static void fl_ns_list_end(fl_input_netsh *n, fl_ns_frame *f) {
  const char *s = n->lst.p ? n->lst.p + f->lst_off : "";
  size_t k = n->lst.len - f->lst_off;
  n->val.len = 0;
  if (fl_ns_is_flags(f->name)) fl_ns_flags_value(n, fl_ns_flag_set(n), s, k, &n->val);
  else fl_input_buf_put(&n->val, s, k);
  const char *name = n->path.p ? n->path.p : "";
  size_t nn = n->path.len;
  if (n->depth == 2 && !strcmp(n->fr[1].name, "header") && !strcmp(f->name, "flags")) {
    name = "headerFlags";
    nn = 11;
  }
  fl_input_rec_pair(n->c, name, nn, n->val.p ? n->val.p : "", n->val.len);
  n->lst.len = f->lst_off;
}

int fl_input_netsh_end(fl_input_netsh *n, size_t off) {
  (void)off;
  if (n->depth == 0) { /* the root closed */
    n->active = 0;
    if (!n->identified) {
      /* not a net event: after a skipped event (nested too deep) the
      ** reader resumes at a start tag inside it, and its inner <item>s
      ** would come out as empty phantom records (event id 65535) */
      fl_input_diag_emit(n->c, FL_EVTX_WARNING, n->off,
                         "an <item> with neither <header> nor <type> is not"
                         " a net event; ignored");
      n->c->in_record = 0;
      return 1;
    }
    if (n->type < 0) {
      fl_input_diag_emit(n->c, FL_EVTX_WARNING, n->off,
                         "net event without <type>; kept as event id %u",
                         FL_INPUT_WFP_ID_BASE + 255);
      fl_input_rec_num(n->c, FL_EVTX_HAS_EVENT_ID, FL_INPUT_WFP_ID_BASE + 255);
    }
    fl_input_rec_finish(n->c);
    return 1;
  }
  if (n->depth < FL_NS_MAX_FRAMES) {
    fl_ns_frame *f = &n->fr[n->depth];
    /* a list of values gathered items in lst; a list of structures did
    ** not (its members became pairs of their own); an empty list is "" */
    if (f->is_list && (!f->has_child || n->lst.len > f->lst_off))
      fl_ns_list_end(n, f);
    else if (!f->has_child) fl_ns_leaf(n, f);
    n->path.len = f->path_len;
    if (n->depth == 1 && n->body && strcmp(f->name, "header") != 0 &&
        strcmp(f->name, "type") != 0)
      n->body = 0;
  }
  n->text.len = 0;
  n->depth--;
  return 0;
}
