/*
** The rendered event forms (Event Viewer text, Format-List, .csv/.txt
** exports, XML View paste): what their readers share. A reader collects an
** event's labelled values (evtext_keys.def) and its message text into an
** fl_evtext_rec; fl_evtext_emit turns that into the one record model
** (fl_evtx_event) with the catalog's message templates.
**
** Must never: keep pointers into a record after emitting it, drop the
** message text of an event whose data it could not read from the text, or
** present a local time as if it were UTC without saying so.
*/
#ifndef FL_INPUT_EVTEXT_H
#define FL_INPUT_EVTEXT_H

#include "input/input_internal.h"

enum { EVT_T = 1, EVT_L = 2, EVT_X = 4 };

typedef enum fl_evtext_key {
  EVK_NONE = 0,
  EVK_LOG_NAME, EVK_SOURCE, EVK_DATE, EVK_EVENT_ID, EVK_TASK, EVK_LEVEL,
  EVK_OPCODE, EVK_KEYWORDS, EVK_USER, EVK_COMPUTER, EVK_MORE_INFO,
  EVK_DESCRIPTION, EVK_EVENT_XML, EVK_RECORD_ID, EVK_VERSION, EVK_QUALIFIERS,
  EVK_PROVIDER_ID, EVK_PROCESS_ID, EVK_THREAD_ID, EVK_IGNORED,
  EVK_COUNT
} fl_evtext_key;

typedef struct fl_evtext_rec {
  fl_evtx_str v[EVK_COUNT]; /* labelled values; .ptr NULL = absent */
  size_t off;               /* where the event begins in the text */
} fl_evtext_rec;

/* The key a label names in the given forms (EVT_*), or EVK_NONE. */
fl_evtext_key fl_evtext_key_of(const char *s, size_t n, unsigned forms);

/* Emits one record from r (message text in r->v[EVK_DESCRIPTION]). */
void fl_evtext_emit(fl_input_ctx *c, const fl_evtext_rec *r);

/* Reads the rest of a streamed input so that c->text is all of it (base 0):
** these forms are small and are read whole. */
void fl_evtext_load(fl_input_ctx *c);

/* Runs the event XML reader over xml, a copy of c->text of the same length
** and lines (diagnostics stay true), then restores c->text. */
void fl_evtext_read_xml_copy(fl_input_ctx *c, const char *xml, int utf8_forced);

/* Readers. utf8_forced as for fl_input_xml_read. */
void fl_input_evtext_read(fl_input_ctx *c, int utf8_forced);
void fl_input_format_list_read(fl_input_ctx *c);
void fl_input_export_read(fl_input_ctx *c);
void fl_input_xml_view_read(fl_input_ctx *c, int utf8_forced);

/* Which rendered form p starts with (FL_INPUT_UNKNOWN: none of them). */
fl_input_format fl_input_detect_rendered(const char *p, size_t n);

/* Line helpers: the line at p (without CR/LF) and where the next begins. */
size_t fl_evtext_line(const char *p, const char *end, const char **next);

#endif
