/*
** Renders a record's field values from the per-record context, driven by
** gen_sources.def (field source -> context member -> text). Also the record
** arena helpers. Must never allocate: every text lands in the record's
** fixed arena, which is reset per record.
*/
#include <stddef.h>
#include <string.h>

#include "gen/gen_internal.h"

typedef enum gen_kind { GEN_K_LIT, GEN_K_STR, GEN_K_NUM, GEN_K_INS, GEN_K_COOKIE } gen_kind;

typedef struct src_def {
  gen_kind kind;
  size_t offset;
  const char *lit;
} src_def;

static const src_def src_defs[] = {
#define GEN_SRC(sym, kind, member, lit) {kind, offsetof(gen_ctx, member), lit},
#include "gen_sources.def"
#undef GEN_SRC
};

const char *fl_gen_rec_strn(gen_record *r, const char *s, size_t n) {
  size_t room = sizeof r->arena - r->used;
  if (room == 0) return "";
  if (n >= room) n = room - 1;
  char *dst = r->arena + r->used;
  memcpy(dst, s, n);
  dst[n] = '\0';
  r->used += n + 1;
  return dst;
}

const char *fl_gen_rec_str(gen_record *r, const char *s) {
  return fl_gen_rec_strn(r, s ? s : "", s ? strlen(s) : 0);
}

static const char *render_num(gen_record *r, uint64_t v, gen_vtype type) {
  char b[24];
  size_t n;
  if (type == GT_HEX64) {
    static const char d[] = "0123456789abcdef";
    char t[16];
    size_t k = 0;
    do {
      t[k++] = d[v & 15];
      v >>= 4;
    } while (v);
    b[0] = '0';
    b[1] = 'x';
    for (size_t i = 0; i < k; i++) b[2 + i] = t[k - 1 - i];
    n = k + 2;
  } else {
    n = fl_gen_fmt_u64(b, v);
  }
  return fl_gen_rec_strn(r, b, n);
}

static const char *render_insert(gen_record *r, uint64_t id) {
  char b[24] = {'%', '%'};
  size_t n = 2 + fl_gen_fmt_u64(b + 2, id);
  return fl_gen_rec_strn(r, b, n);
}

static const char *render_cookie(gen_record *r, uint64_t v) {
  static const char d[] = "0123456789abcdef";
  char b[16];
  for (int i = 15; i >= 0; i--, v >>= 4) b[i] = d[v & 15];
  return fl_gen_rec_strn(r, b, 16);
}

void fl_gen_fill(gen_record *r, const gen_ctx *ctx) {
  const gen_shape *s = r->shape;
  const char *base = (const char *)ctx;
  for (size_t i = 0; i < s->nfields; i++) {
    const gen_field_spec *f = &s->fields[i];
    const src_def *d = &src_defs[f->src];
    gen_value *v = &r->v[i];
    v->u = 0;
    switch (d->kind) {
    case GEN_K_LIT:
      v->s = d->lit;
      break;
    case GEN_K_STR: {
      const char *str;
      memcpy(&str, base + d->offset, sizeof str);
      v->s = str ? str : "-";
      break;
    }
    case GEN_K_NUM:
      memcpy(&v->u, base + d->offset, sizeof v->u);
      v->s = render_num(r, v->u, f->type);
      break;
    case GEN_K_INS:
      memcpy(&v->u, base + d->offset, sizeof v->u);
      v->s = render_insert(r, v->u);
      break;
    case GEN_K_COOKIE:
      memcpy(&v->u, base + d->offset, sizeof v->u);
      v->s = render_cookie(r, v->u);
      break;
    }
  }
}
