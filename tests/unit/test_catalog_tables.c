/*
** The catalog's tables agree with each other (issue 12): adding a Security
** event means a row in lib/catalog/security_events.def (its fields) AND in
** lib/catalog/event_classes.def (its kind); an iScsiPrt class needs its
** iscsiprt_events.def row; knowledge.def may only speak of events the
** catalog has. Each failure names the file to edit and the id.
**
** Reads the .def files themselves (X-macros), so it needs no library call
** and can never disagree with what the library compiles.
*/
#include "harness.h"

#include <stdint.h>

#include "faultline.h"

typedef struct { int source; unsigned id; } class_row;

static const class_row classes[] = {
#define FL_CLASS(source, id, kind) {source, id},
#include "catalog/event_classes.def"
#undef FL_CLASS
};

static const unsigned security_ids[] = {
#define FL_EVENT_BEGIN(id, version, sub, outcome, title, onote, note) id,
#define FL_FIELD(id, version, name, type, role, section, label)
#define FL_EVENT_END(id, version)
#include "catalog/security_events.def"
#undef FL_EVENT_BEGIN
#undef FL_FIELD
#undef FL_EVENT_END
};

static const unsigned iscsiprt_ids[] = {
#define FL_ISCSIPRT(id, msgid, severity, text, note) id,
#include "catalog/iscsiprt_events.def"
#undef FL_ISCSIPRT
};

typedef struct { int kind; unsigned long long key; } know_row;
static const know_row knowledge[] = {
#define FL_KNOWLEDGE(kind, key, inferred, cause, check, source) {kind, key},
#include "catalog/knowledge.def"
#undef FL_KNOWLEDGE
};

#define COUNT(a) (sizeof(a) / sizeof *(a))

static int has_id(const unsigned *ids, size_t n, unsigned id) {
  for (size_t i = 0; i < n; i++)
    if (ids[i] == id) return 1;
  return 0;
}

static int has_class(int source, unsigned id) {
  for (size_t i = 0; i < COUNT(classes); i++)
    if (classes[i].source == source && classes[i].id == id) return 1;
  return 0;
}

/* One line per disagreement; the first also becomes the FAIL line's text
** (tests/run shows only that line). */
static void report(const char *what, unsigned id, const char *fix) {
  printf("# event %u: %s -- %s\n", id, what, fix);
  if (!th_failed_checks++)
    snprintf(th_first_failure, sizeof th_first_failure, "event %u: %s -- %s",
             id, what, fix);
}

static void security_events_have_a_class(void) {
  for (size_t i = 0; i < COUNT(security_ids); i++)
    if (!has_class(FL_SOURCE_SECURITY, security_ids[i]))
      report("in security_events.def but has no kind",
                    security_ids[i],
                    "add FL_CLASS(FL_SOURCE_SECURITY, id, FL_KIND_...) to "
                    "lib/catalog/event_classes.def");
}

static void security_classes_have_fields(void) {
  for (size_t i = 0; i < COUNT(classes); i++)
    if (classes[i].source == FL_SOURCE_SECURITY &&
        !has_id(security_ids, COUNT(security_ids), classes[i].id))
      report("classed in event_classes.def but has no fields",
                    classes[i].id,
                    "add its FL_EVENT_BEGIN/FL_FIELD/FL_EVENT_END rows to "
                    "lib/catalog/security_events.def");
}

static void classes_are_unique(void) {
  for (size_t i = 0; i < COUNT(classes); i++)
    for (size_t j = i + 1; j < COUNT(classes); j++)
      if (classes[i].source == classes[j].source && classes[i].id == classes[j].id)
        report("classed twice", classes[i].id,
                      "keep one FL_CLASS row in lib/catalog/event_classes.def");
}

static void iscsiprt_classes_have_rows(void) {
  for (size_t i = 0; i < COUNT(classes); i++)
    if (classes[i].source == FL_SOURCE_ISCSIPRT &&
        !has_id(iscsiprt_ids, COUNT(iscsiprt_ids), classes[i].id))
      report("iScsiPrt class without a catalog row", classes[i].id,
                    "add FL_ISCSIPRT(id, ...) to lib/catalog/iscsiprt_events.def");
}

static void knowledge_names_known_events(void) {
  for (size_t i = 0; i < COUNT(knowledge); i++) {
    unsigned id = (unsigned)knowledge[i].key;
    if (knowledge[i].kind == FL_KNOW_EVENT &&
        !has_id(security_ids, COUNT(security_ids), id))
      report("knowledge.def FL_KNOW_EVENT row for an unknown event", id,
                    "add the event to lib/catalog/security_events.def or fix "
                    "the row");
    if (knowledge[i].kind == FL_KNOW_ISCSIPRT &&
        !has_id(iscsiprt_ids, COUNT(iscsiprt_ids), id))
      report("knowledge.def FL_KNOW_ISCSIPRT row for an unknown event",
                    id, "add it to lib/catalog/iscsiprt_events.def or fix the row");
  }
}

int main(void) {
  printf("# %zu Security events, %zu classes, %zu iScsiPrt events, %zu knowledge rows\n",
         COUNT(security_ids), COUNT(classes), COUNT(iscsiprt_ids), COUNT(knowledge));
  RUN(security_events_have_a_class);
  RUN(security_classes_have_fields);
  RUN(classes_are_unique);
  RUN(iscsiprt_classes_have_rows);
  RUN(knowledge_names_known_events);
  TEST_EXIT();
}
