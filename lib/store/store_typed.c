/*
** The typed columns of a stored event (typed_columns.def) as one table, and
** a column's value read from an fl_typed_event with the NULL rules both
** stores use: the ClickHouse writer (clickhouse_rows.c) and the scratch
** rows of a query over another backend (store_query_backend.c) read values
** here, so they cannot disagree on what is NULL.
**
** Must never: read a field at an offset the table does not name, or call
** a value present that the rules say is absent.
*/
#include <stddef.h>

#include "store/store_internal.h"

const store_typed_column store_typed_columns[] = {
#define CH_COL(name, type, kind, field, has) \
  {#name, offsetof(fl_typed_event, field), STORE_TC_##kind, has},
#include "store/typed_columns.def"
#undef CH_COL
};
const size_t store_typed_column_count =
    sizeof store_typed_columns / sizeof *store_typed_columns;

store_tv store_typed_get(const fl_typed_event *t, const store_typed_column *c,
                         uint64_t *u, int64_t *i, fl_evtx_str *s) {
  const void *f = (const char *)t + c->off;
  switch (c->kind) {
    case STORE_TC_U64: *u = *(const uint64_t *)f; return STORE_TV_UNSIGNED;
    case STORE_TC_U32: *u = *(const uint32_t *)f; return STORE_TV_UNSIGNED;
    case STORE_TC_INT: *i = *(const int *)f; return STORE_TV_SIGNED;
    case STORE_TC_E64: *i = *(const int64_t *)f; return *i < 0 ? STORE_TV_NULL : STORE_TV_SIGNED;
    case STORE_TC_EINT: *i = *(const int *)f; return *i < 0 ? STORE_TV_NULL : STORE_TV_SIGNED;
    case STORE_TC_O64: case STORE_TC_O32: case STORE_TC_OINT:
      if (!(t->has & c->has)) return STORE_TV_NULL;
      if (c->kind == STORE_TC_OINT) {
        *i = *(const int *)f;
        return STORE_TV_SIGNED;
      }
      *u = c->kind == STORE_TC_O64 ? *(const uint64_t *)f : *(const uint32_t *)f;
      return STORE_TV_UNSIGNED;
    case STORE_TC_STR: case STORE_TC_NSTR: {
      const fl_evtx_str *v = f;
      if (!v->ptr && c->kind == STORE_TC_NSTR) return STORE_TV_NULL;
      s->ptr = v->ptr ? v->ptr : "";
      s->len = v->ptr ? v->len : 0;
      return STORE_TV_TEXT;
    }
    default: return STORE_TV_NULL;
  }
}
