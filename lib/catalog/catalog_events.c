/*
** Security audit event catalog: subcategories, events and their fields, the
** auditpol command that turns an event's auditing on, and the IDs people ask
** about that are not IPsec events. Facts come from security_events.def and
** subcategories.def; this file never names a field itself.
*/
#include <stdio.h>
#include <string.h>

#include "faultline.h"

enum {
#define FL_SUBCATEGORY(sym, task, name, category, guid) sym,
#include "catalog/subcategories.def"
#undef FL_SUBCATEGORY
  FL_SUB_COUNT_
};

static const fl_subcategory subcategories[] = {
#define FL_SUBCATEGORY(sym, task, name, category, guid) {task, name, category, guid},
#include "catalog/subcategories.def"
#undef FL_SUBCATEGORY
};

/* One static field array per (event, version). */
#define FL_EVENT_BEGIN(id, ver, sub, outcome, title, onote, note) \
  static const fl_field_def fields_##id##_v##ver[] = {
#define FL_FIELD(id, ver, name, type, role, section, label) \
  {#name, type, role, section, label},
#define FL_EVENT_END(id, ver) {NULL, FL_FIELD_STR, FL_ROLE_OTHER, "", ""}};
#include "catalog/security_events.def"
#undef FL_EVENT_BEGIN
#undef FL_FIELD
#undef FL_EVENT_END

/* The sentinel keeps field-less events' arrays non-empty (ISO C forbids
** zero-length arrays); it is not counted. */
#define FL_EVENT_BEGIN(id, ver, sub, outcome, title, onote, note)        \
  {id, ver, outcome, title, &subcategories[sub], onote,                   \
   sizeof fields_##id##_v##ver / sizeof *fields_##id##_v##ver - 1,        \
   fields_##id##_v##ver, note},
#define FL_FIELD(id, ver, name, type, role, section, label)
#define FL_EVENT_END(id, ver)
static const fl_event_def events[] = {
#include "catalog/security_events.def"
};
#undef FL_EVENT_BEGIN
#undef FL_FIELD
#undef FL_EVENT_END

#define COUNT(a) (sizeof(a) / sizeof *(a))

size_t fl_catalog_event_count(void) { return COUNT(events); }

const fl_event_def *fl_catalog_event_at(size_t index) {
  return index < COUNT(events) ? &events[index] : NULL;
}

const fl_event_def *fl_catalog_event(uint16_t id, int version) {
  const fl_event_def *best = NULL;
  for (size_t i = 0; i < COUNT(events); i++) {
    if (events[i].id != id) continue;
    if (version >= 0 && events[i].version == version) return &events[i];
    if (version < 0 && (!best || events[i].version > best->version))
      best = &events[i];
  }
  return best;
}

int fl_catalog_auditpol_command(const fl_event_def *ev, char *buf, size_t cap) {
  if (!ev || !buf) return 0;
  return snprintf(buf, cap,
                  "auditpol /set /subcategory:\"%s\" /success:enable "
                  "/failure:enable",
                  ev->subcategory->name);
}

/* Asked about, but not IPsec events (windows-events.md §3.2 notes). */
static const struct {
  uint16_t id;
  const char *why;
} not_in_scope[] = {
    {4964, "4964 is \"Special groups have been assigned to a new logon\" "
           "(Special Logon, Task 12548), a logon event, not an IPsec event"},
    {5469, "5469 does not exist in any Security-Auditing manifest or "
           "adtschema.dll message table (Windows 7 .. 11)"},
    {5470, "5470 does not exist in any Security-Auditing manifest or "
           "adtschema.dll message table (Windows 7 .. 11)"},
    {5475, "5475 does not exist in any manifest or message table examined"},
    {5476, "5476 does not exist in any manifest or message table examined"},
    {5481, "5481 does not exist in any manifest or message table examined"},
    {5482, "5482 does not exist in any manifest or message table examined"},
};

const char *fl_catalog_event_not_in_scope(uint16_t id) {
  for (size_t i = 0; i < COUNT(not_in_scope); i++)
    if (not_in_scope[i].id == id) return not_in_scope[i].why;
  return NULL;
}
