/*
** Lookup indexes behind typed events (catalog_typed.c), built once from the
** catalog's tables: the kind of each (source, event id), the field names
** and roles of each Security event and record source, the values of each
** enum by %%NNNN number, insert text and SDK symbol, and the error code of
** each message text. They exist because fl_catalog_type_event() runs for
** every in-scope record and scanning the tables with strcmp/strlen each
** time cost more than reading the record.
**
** Must never: hold a fact of its own (every entry is copied from a .def
** table or a catalog accessor, first entry wins as in the tables' own
** lookups), change after fl_typed_index_build() returned, allocate, or read
** a name or text past the length it was given.
*/
#ifndef FL_CATALOG_TYPED_INDEX_H
#define FL_CATALOG_TYPED_INDEX_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "faultline.h"

/* One data field an event or source defines. */
typedef struct fl_typed_name {
  const char *name;
  size_t len;
  fl_field_role role;
} fl_typed_name;

/* The fields of one Security event version or one record source: names in
** table order plus an open-addressing table over them (slot = index + 1 of
** the first field with that name, 0 = empty). */
typedef struct fl_typed_fields {
  const fl_typed_name *names;
  size_t count;
  const uint16_t *slots;
  uint32_t mask;
} fl_typed_fields;

/* Builds every index; thread-safe, cheap after the first call. Everything
** below may be called only after it. */
void fl_typed_index_build(void);
/* 1 when every catalog entry fitted the index (the tables' sizes are known
** at compile time, so this is for the unit test to prove it). */
int fl_typed_index_complete(void);

/* The kind of an event: event_classes.def, else an iScsiPrt message's
** severity, else FL_KIND_OTHER. */
fl_event_kind fl_typed_kind(fl_event_source src, uint32_t id);

/* The fields of Security event id in version (as fl_catalog_event: the
** exact version, or the highest defined when version < 0); NULL if none. */
const fl_typed_fields *fl_typed_security_fields(uint16_t id, int64_t version);
/* The fields records of src carry (source_fields.def); never NULL. */
const fl_typed_fields *fl_typed_source_fields(fl_event_source src);
/* The index of the first field called name, or -1. */
long fl_typed_field_find(const fl_typed_fields *f, fl_evtx_str name);

/* An enum by name: a small number, or -1 when no table names it. */
int fl_typed_enum_group(const char *enum_name);
/* 0 and *value when group has an entry for the %%NNNN number / insert text
** (ASCII case-insensitive) / SDK symbol; -1 otherwise (also for group -1). */
int fl_typed_enum_by_insert(int group, uint64_t insert, int64_t *value);
int fl_typed_enum_by_text(int group, fl_evtx_str text, int64_t *value);
int fl_typed_enum_by_symbol(int group, fl_evtx_str symbol, int64_t *value);

/* The first code whose message is exactly these len bytes, or NULL. */
const fl_code_info *fl_typed_code_by_message(const char *text, size_t len);

/* memcmp(a, b, len) == 0 for the short names and texts compared here, a
** word at a time and inline: a libc call per field name cost more than
** the comparison. */
static inline int fl_typed_same(const char *a, const char *b, size_t len) {
  uint64_t x, y;
  if (len < 8) {
    for (size_t i = 0; i < len; i++)
      if (a[i] != b[i]) return 0;
    return 1;
  }
  for (size_t i = 0; i + 8 < len; i += 8) {
    memcpy(&x, a + i, 8);
    memcpy(&y, b + i, 8);
    if (x != y) return 0;
  }
  memcpy(&x, a + len - 8, 8);
  memcpy(&y, b + len - 8, 8);
  return x == y;
}

/* ASCII-only equality ignoring case: what tolower() does in the C locale
** the CLI runs in, without a locale lookup per byte. */
int fl_typed_eq_ci(const char *a, const char *b, size_t len);

#endif
