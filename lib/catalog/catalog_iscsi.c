/*
** iScsiPrt System-log event catalog, built from iscsiprt_events.def. The
** message texts live only in that table.
*/
#include "faultline.h"

#define COUNT(a) (sizeof(a) / sizeof *(a))

static const fl_iscsiprt_event iscsiprt[] = {
#define FL_ISCSIPRT(id, msgid, sev, text, note) {id, msgid, sev, text, note},
#include "catalog/iscsiprt_events.def"
#undef FL_ISCSIPRT
};

size_t fl_catalog_iscsiprt_count(void) { return COUNT(iscsiprt); }

const fl_iscsiprt_event *fl_catalog_iscsiprt_at(size_t index) {
  return index < COUNT(iscsiprt) ? &iscsiprt[index] : NULL;
}

const fl_iscsiprt_event *fl_catalog_iscsiprt(uint16_t id) {
  for (size_t i = 0; i < COUNT(iscsiprt); i++)
    if (iscsiprt[i].id == id) return &iscsiprt[i];
  return NULL;
}
