/*
** Event message text <-> event data, from the catalog's tables: the classic
** sources' message templates (message_templates.def) and the Security
** events' "Section:" / "Label: value" layout (security_events.def). The text
** readers (Event Viewer text, Format-List, exports) parse with it, and
** `faultline gen` renders with it, so both agree by construction.
**
** Must never: allocate (the parse fills caller arrays; render appends to the
** caller's buffer), guess a value the text does not show, or lose the text:
** what does not match is reported as such so the caller keeps it raw.
*/
#ifndef FL_CATALOG_MESSAGES_H
#define FL_CATALOG_MESSAGES_H

#include <stddef.h>
#include <stdint.h>

#include "common/fl_buf.h"
#include "faultline.h"

#define FL_MESSAGE_MAX_INSERTS 9

/* Parse results. */
typedef enum fl_message_match {
  FL_MESSAGE_NO_TEMPLATE = 0, /* nothing known about this event's text */
  FL_MESSAGE_MATCHED,         /* out holds the event's data items */
  FL_MESSAGE_UNMATCHED        /* a template exists but the text differs
                                 (another language?): out holds what could
                                 be recovered (the code insert), if anything */
} fl_message_match;

typedef struct fl_message_item {
  const char *name;  /* Data Name ("" for classic sources' unnamed items) */
  fl_evtx_str value; /* points into the parsed text */
} fl_message_item;

typedef struct fl_message_parsed {
  fl_message_item items[64];
  size_t count;
} fl_message_parsed;

/* Reads the data items of event (provider, id) from its rendered message
** text. Classic sources: the items in insert order (an unmatched text gives
** items up to the code insert, empty except that one, when a number is
** found). Security events: the fields whose label was found, manifest order. */
fl_message_match fl_catalog_message_parse(const char *provider, size_t plen,
                                          uint32_t id, const char *text,
                                          size_t n, fl_message_parsed *out);

/* Appends the message text of an event with these data items (names as in
** the XML; classic sources by position) to b: the template with its inserts
** filled, or the Security layout. Returns 0, or -1 when nothing is known about
** the event's text (b unchanged). */
int fl_catalog_message_render(const char *provider, uint32_t id,
                              const fl_evtx_pair *data, size_t count,
                              fl_buf *b);

#endif
