/*
** Symbol tables of the catalog: %%NNNN inserts, SDK enum values and their
** names, flag bits, the enum -> insert mapping events use, and the names of
** field types, roles and severities. Built from the .def tables (the enum
** and flag tables are the same files that make the public C enums, so the
** names printed here and the values compiled there cannot drift apart).
*/
#include <stdio.h>
#include <string.h>

#include "faultline.h"
#include "faultline/wfp.h"

#define COUNT(a) (sizeof(a) / sizeof *(a))

static const fl_insert_info inserts[] = {
#define FL_INSERT(id, text, note) {id, text, note},
#include "catalog/inserts.def"
#undef FL_INSERT
};

static const fl_enum_value enum_values[] = {
#define FL_ENUM_BEGIN(tag, type)
#define FL_ENUM(type, sym, val) {#type, #sym, val},
#define FL_ENUM_END(type)
#include "faultline/wfp_enums.def"
#undef FL_ENUM_BEGIN
#undef FL_ENUM
#undef FL_ENUM_END
};

static const fl_flag_bit flags[] = {
#define FL_FLAG(set, sym, bit) {#set, #sym, bit},
#include "faultline/wfp_flags.def"
#undef FL_FLAG
};

static const fl_enum_insert enum_inserts[] = {
#define FL_ENUM_INSERT(kind, type, sym, insert, inferred) \
  {kind, #type, sym, insert, inferred},
#include "catalog/enum_inserts.def"
#undef FL_ENUM_INSERT
};

size_t fl_catalog_insert_count(void) { return COUNT(inserts); }

const fl_insert_info *fl_catalog_insert_at(size_t index) {
  return index < COUNT(inserts) ? &inserts[index] : NULL;
}

const fl_insert_info *fl_catalog_insert(uint32_t id) {
  /* The table is dense from %%8192; index directly, then verify. */
  if (id >= inserts[0].id && id - inserts[0].id < COUNT(inserts) &&
      inserts[id - inserts[0].id].id == id)
    return &inserts[id - inserts[0].id];
  for (size_t i = 0; i < COUNT(inserts); i++)
    if (inserts[i].id == id) return &inserts[i];
  return NULL;
}

size_t fl_catalog_enum_value_count(void) { return COUNT(enum_values); }

const fl_enum_value *fl_catalog_enum_value_at(size_t index) {
  return index < COUNT(enum_values) ? &enum_values[index] : NULL;
}

const char *fl_catalog_enum_symbol(const char *enum_name, int64_t value) {
  if (!enum_name) return NULL;
  for (size_t i = 0; i < COUNT(enum_values); i++)
    if (enum_values[i].value == value &&
        strcmp(enum_values[i].enum_name, enum_name) == 0)
      return enum_values[i].symbol;
  return NULL;
}

int fl_catalog_enum_value(const char *symbol, int64_t *value) {
  if (!symbol) return -1;
  for (size_t i = 0; i < COUNT(enum_values); i++)
    if (strcmp(enum_values[i].symbol, symbol) == 0) {
      if (value) *value = enum_values[i].value;
      return 0;
    }
  return -1;
}

size_t fl_catalog_enum_insert_count(void) { return COUNT(enum_inserts); }

const fl_enum_insert *fl_catalog_enum_insert_at(size_t index) {
  return index < COUNT(enum_inserts) ? &enum_inserts[index] : NULL;
}

uint32_t fl_catalog_insert_for_enum(const char *enum_name, int64_t value) {
  if (!enum_name) return 0;
  for (size_t i = 0; i < COUNT(enum_inserts); i++)
    if (enum_inserts[i].value == value &&
        strcmp(enum_inserts[i].enum_name, enum_name) == 0)
      return enum_inserts[i].insert;
  return 0;
}

size_t fl_catalog_flag_count(void) { return COUNT(flags); }

const fl_flag_bit *fl_catalog_flag_at(size_t index) {
  return index < COUNT(flags) ? &flags[index] : NULL;
}

int fl_catalog_flags_format(const char *set, uint64_t value, char *buf,
                            size_t cap) {
  if (!buf || cap == 0) return 0;
  size_t used = 0;
  buf[0] = '\0';
  uint64_t left = value;
  for (size_t i = 0; set && i < COUNT(flags); i++) {
    if (strcmp(flags[i].set, set) != 0 || !(value & flags[i].bit)) continue;
    int n = snprintf(buf + used, cap - used, "%s%s", used ? "|" : "",
                     flags[i].symbol);
    if (n < 0 || (size_t)n >= cap - used) return (int)(used + (n > 0 ? n : 0));
    used += (size_t)n;
    left &= ~flags[i].bit;
  }
  if (left || value == 0) {
    int n = snprintf(buf + used, cap - used, "%s0x%llx", used ? "|" : "",
                     (unsigned long long)left);
    if (n > 0) used += (size_t)n;
  }
  return (int)used;
}

const char *fl_field_role_name(fl_field_role role) {
  static const char *const names[] = {
#define FL_ROLE(sym, name, text) name,
#include "faultline/field_roles.def"
#undef FL_ROLE
  };
  return (unsigned)role < COUNT(names) ? names[role] : "unknown";
}

const char *fl_field_type_name(fl_field_type type) {
  static const char *const names[] = {"str", "u32", "u64"};
  return (unsigned)type < COUNT(names) ? names[type] : "unknown";
}

const char *fl_severity_name(fl_severity sev) {
  static const char *const names[] = {"Success", "Informational", "Warning",
                                      "Error"};
  return (unsigned)sev < COUNT(names) ? names[sev] : "unknown";
}
