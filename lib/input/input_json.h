/*
** Between the JSON reader and its shape mapper: a record object flattened to
** leaves (dotted key path, scalar text, kind) in two reused buffers.
**
** Must never: hold pointers into the buffers across an append (offsets
** only), or carry anything from one record to the next.
*/
#ifndef FL_INPUT_JSON_H
#define FL_INPUT_JSON_H

#include "input/input_internal.h"

enum { FL_JSON_NULL = 0, FL_JSON_SCALAR, FL_JSON_STRING };

typedef struct fl_json_leaf {
  uint32_t path_off, path_len, val_off, val_len;
  int type;
} fl_json_leaf;

typedef struct fl_json_leaves {
  fl_input_buf idx;  /* fl_json_leaf[] */
  fl_input_buf text; /* paths and values */
  size_t n;
} fl_json_leaves;

void fl_json_leaf_add(fl_json_leaves *lv, const char *path, size_t pn,
                      const char *val, size_t vn, int type);
/* Maps one record's leaves onto the record begun in c and finishes or
** skips it (unknown shape). */
void fl_input_json_map(fl_input_ctx *c, fl_json_leaves *lv);

#endif
