/*
** Input readers for everything that is not an EVTX file: Windows event XML
** (wevtutil, Get-WinEvent .ToXml(), Event Viewer "Save as XML"), netsh wfp
** XML (show netevents, wfpdiag.xml), JSON / JSON lines (evtx_dump,
** Winlogbeat/ECS, NXLog), Event Viewer's rendered forms (details text,
** XML View paste, .csv/.txt exports) and Get-WinEvent | Format-List, each
** optionally gzip-compressed, found by content.
** Every reader yields the EVTX reader's record model (fl_evtx_event,
** fl_evtx_diag, fl_evtx_stats through fl_evtx_options), so nothing
** downstream knows where an event came from. docs/inputs.md has the shapes.
**
** Must never: decide a format by file name, trust a length or a nesting
** depth in the input, drop a record without a diagnostic, or keep a pointer
** into a record after its callback returned.
*/
#ifndef FAULTLINE_INPUT_H
#define FAULTLINE_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "faultline/base.h"
#include "faultline/evtx.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One value per row of faultline/input_formats.def (the registry). */
typedef enum fl_input_format {
  FL_INPUT_UNKNOWN = 0,
#define FL_INPUT_FORMAT(id, name, detect, parse, description) FL_INPUT_##id,
#include "faultline/input_formats.def"
#undef FL_INPUT_FORMAT
  FL_INPUT_FORMAT_COUNT
} fl_input_format;

/* The row's short name ("evtx", "xml", "netsh", "json"), "unknown" else. */
FL_API const char *fl_input_format_name(fl_input_format format);
/* The format of that name; FL_INPUT_UNKNOWN for NULL or no such row. */
FL_API fl_input_format fl_input_format_named(const char *name);
/* The row's one-line description, "" for FL_INPUT_UNKNOWN. */
FL_API const char *fl_input_format_description(fl_input_format format);

/* The format of bytes as they would be read: gzip is looked through, a
** UTF-16 text is recognised by its BOM or its zero bytes. */
FL_API fl_input_format fl_input_detect(const void *data, size_t len);

/* Diagnostics from the text readers carry chunk == FL_INPUT_TEXT_CHUNK,
** offset = byte offset in the (decompressed, UTF-8) text, and are the
** first member of an fl_input_diag that adds the 1-based line/column. */
#define FL_INPUT_TEXT_CHUNK (-2)

typedef struct fl_input_diag {
  fl_evtx_diag diag;
  unsigned line;
  unsigned column;
  fl_input_format format;
} fl_input_diag;

/* The extension of d, or NULL when d did not come from a text reader. */
FL_API const fl_input_diag *fl_input_diag_from(const fl_evtx_diag *d);

/* Reads path: a file of any supported format, "-" for standard input, or a
** directory (walked recursively, entries in byte order of their names;
** unrecognised files there are a warning). The options, callbacks, filter
** and rendering behave as in fl_evtx_read; stats add up over all files.
** Returns FL_OK, FL_EPARTIAL (something was skipped, see diagnostics),
** FL_EINPUT (path is not a supported format), FL_EIO, FL_ENOMEM or
** FL_ELIMIT (gzip past FL_INPUT_MAX_INFLATE_RATIO; the records before it
** were delivered). */
FL_API fl_status fl_input_read(const char *path, const fl_evtx_options *opt,
                        fl_evtx_stats *stats, fl_error *err);

/* The same over caller-owned bytes; name is used in diagnostics. */
FL_API fl_status fl_input_read_memory(const void *data, size_t len, const char *name,
                               const fl_evtx_options *opt,
                               fl_evtx_stats *stats, fl_error *err);

/* gzip is inflated as it is read, with no size cap; past 64 MiB of output,
** input that inflates more than this many times its compressed size stops
** there (a decompression bomb) with FL_ELIMIT, keeping what was read. */
#define FL_INPUT_MAX_INFLATE_RATIO 250u

/* The same read as format (FL_INPUT_UNKNOWN: detected), for a caller that
** knows what it was sent (live intake); gzip and UTF-16 are still undone. */
FL_API fl_status fl_input_read_memory_as(const void *data, size_t len,
                                  const char *name, fl_input_format format,
                                  const fl_evtx_options *opt,
                                  fl_evtx_stats *stats, fl_error *err);

/* Renders ev in the EVTX reader's XML (one line) or JSON-lines form, with
** '\n'. Writes at most cap bytes (NUL-terminated when cap > 0) and returns
** the length the whole rendering needs, without the NUL. EventData values
** render as strings; UserData pairs render under EventData. */
FL_API size_t fl_input_render(const fl_evtx_event *ev, fl_evtx_format format,
                       char *out, size_t cap);

/* netsh wfp net events: the synthetic provider and ids below; decoding a
** record into the SDK's structs is in the opt-in header faultline/wfp.h. */
#define FL_INPUT_WFP_PROVIDER "Microsoft-Windows-WFP"
#define FL_INPUT_WFP_CHANNEL "WFP-NetEvents"
enum {
  FL_INPUT_WFP_ID_MM_FAILURE = 1005,
  FL_INPUT_WFP_ID_QM_FAILURE = 1007,
  FL_INPUT_WFP_ID_EM_FAILURE = 1009,
  FL_INPUT_WFP_ID_BASE = 65280
};

#ifdef __cplusplus
}
#endif

#endif
