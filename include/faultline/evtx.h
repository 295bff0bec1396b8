/*
** EVTX reader public API: open a Windows .evtx file (mapped, never read
** whole into the heap), walk its chunks and records, get each record's
** System fields and EventData/UserData pairs, and/or render it as XML or
** JSON lines, optionally on several threads with the output kept in order.
**
** Must never: trust a header field, crash or hang on hostile bytes, allocate
** per record, or report a problem without its file, chunk, offset and
** record id. Output forms are specified in docs/evtx-output.md.
*/
#ifndef FAULTLINE_EVTX_H
#define FAULTLINE_EVTX_H

#include <stddef.h>
#include <stdint.h>

#include "faultline/base.h" /* fl_status, fl_error */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fl_evtx_file fl_evtx_file;

/* A UTF-8 string owned by the reader; valid during the callback only. Not
** NUL-terminated unless said so. len 0 with ptr NULL = absent. */
typedef struct fl_evtx_str {
  const char *ptr;
  size_t len;
} fl_evtx_str;

/* One EventData/UserData item. name is the Data Name attribute (or the
** element name inside UserData); empty for a classic <Data> without Name. */
typedef struct fl_evtx_pair {
  fl_evtx_str name;
  fl_evtx_str value;
} fl_evtx_pair;

/* Bits of fl_evtx_event.present: which System fields the record carried. */
enum {
  FL_EVTX_HAS_EVENT_ID = 1u << 0,
  FL_EVTX_HAS_QUALIFIERS = 1u << 1,
  FL_EVTX_HAS_VERSION = 1u << 2,
  FL_EVTX_HAS_LEVEL = 1u << 3,
  FL_EVTX_HAS_TASK = 1u << 4,
  FL_EVTX_HAS_OPCODE = 1u << 5,
  FL_EVTX_HAS_KEYWORDS = 1u << 6,
  FL_EVTX_HAS_TIME_CREATED = 1u << 7,
  FL_EVTX_HAS_EVENT_RECORD_ID = 1u << 8,
  FL_EVTX_HAS_PROCESS_ID = 1u << 9,
  FL_EVTX_HAS_THREAD_ID = 1u << 10
};

/* A record as the reader saw it. Strings are rendered text (the forms of
** docs/evtx-output.md), e.g. provider_guid "{54849625-...}". */
typedef struct fl_evtx_event {
  uint64_t record_id;          /* record header id */
  uint64_t written_time;       /* record header FILETIME */
  uint32_t chunk_index;
  uint64_t file_offset;        /* of the record header */
  int recovered;               /* carved from chunk slack (--recover) */
  unsigned present;            /* FL_EVTX_HAS_* */
  uint32_t event_id;
  uint32_t qualifiers;
  uint32_t version, level, task, opcode;
  uint64_t keywords;
  uint64_t time_created;       /* FILETIME, 100 ns since 1601 */
  uint64_t event_record_id;    /* <EventRecordID> */
  uint32_t process_id, thread_id;
  fl_evtx_str provider_name, provider_guid, event_source_name;
  fl_evtx_str channel, computer, user_sid;
  fl_evtx_str activity_id, related_activity_id;
  size_t data_count;           /* EventData/UserData items */
  const fl_evtx_pair *data;
  /* The rendered record (XML or one JSON line incl. '\n') when a format was
  ** asked for; otherwise empty. */
  fl_evtx_str rendered;
} fl_evtx_event;

typedef enum fl_evtx_severity {
  FL_EVTX_WARNING = 0, /* something was odd; nothing was lost */
  FL_EVTX_ERROR = 1    /* something was skipped */
} fl_evtx_severity;

/* A problem found while reading. chunk is -1 for the file header;
** has_record says whether record_id is known. */
typedef struct fl_evtx_diag {
  const char *file;
  fl_evtx_severity severity;
  int64_t chunk;
  uint64_t offset;             /* file offset */
  int has_record;
  uint64_t record_id;
  char message[192];
} fl_evtx_diag;

typedef void (*fl_evtx_diag_fn)(const fl_evtx_diag *diag, void *user);
/* Called once per record that passed the filter, in file order when
** threads == 1. Return non-zero to stop reading. */
typedef int (*fl_evtx_record_fn)(const fl_evtx_event *ev, void *user);
/* Receives rendered output in file order (whole chunks at a time). */
typedef int (*fl_evtx_write_fn)(const char *buf, size_t len, void *user);
/* How far the reader is in one input: bytes done of total (the decoded
** size for gzip and UTF-16 text). Main thread, in order, at most once per
** EVTX chunk or per MiB of text; for progress bars, so it must be cheap. */
typedef void (*fl_evtx_progress_fn)(uint64_t done, uint64_t total, void *user);

typedef enum fl_evtx_format {
  FL_EVTX_RENDER_NONE = 0,
  FL_EVTX_RENDER_XML,
  FL_EVTX_RENDER_JSONL
} fl_evtx_format;

enum {
  FL_EVTX_STRICT = 1u << 0,    /* CRC mismatch skips the chunk */
  FL_EVTX_RECOVER = 1u << 1    /* carve deleted records from chunk slack */
};

/* Filter applied before rendering. Empty lists match everything. Event id
** matches <EventID> alone (not Qualifiers<<16|id). Names compare ASCII
** case-insensitively. */
typedef struct fl_evtx_filter {
  const uint32_t *ids;
  size_t id_count;
  const char *const *providers;
  size_t provider_count;
  const char *const *channels;
  size_t channel_count;
} fl_evtx_filter;

typedef struct fl_evtx_options {
  unsigned flags;              /* FL_EVTX_STRICT | FL_EVTX_RECOVER */
  unsigned threads;            /* 0 or 1 = inline; N = N worker threads */
  fl_evtx_format format;
  fl_evtx_filter filter;
  fl_evtx_record_fn on_record; /* may be NULL; with threads > 1 it runs on
                                  worker threads, unordered across chunks */
  fl_evtx_write_fn on_output;  /* may be NULL; ordered */
  fl_evtx_diag_fn on_diag;     /* may be NULL; ordered, main thread */
  void *user;
  fl_evtx_progress_fn on_progress; /* may be NULL; main thread */
} fl_evtx_options;

typedef struct fl_evtx_stats {
  uint64_t chunks;             /* chunk slots scanned */
  uint64_t chunks_skipped;     /* bad chunks */
  uint64_t chunks_empty;       /* all-zero chunks (not an error) */
  uint64_t records;            /* well-formed records seen */
  uint64_t records_matched;    /* passed the filter */
  uint64_t records_skipped;    /* records lost to damage */
  uint64_t records_recovered;  /* carved from slack */
  uint64_t warnings;
  uint64_t errors;
} fl_evtx_stats;

/* Adds add's counts to total (several files read as one input). */
FL_API void fl_evtx_stats_add(fl_evtx_stats *total, const fl_evtx_stats *add);

/* Opens path (mapped read-only). FL_EINPUT: not an EVTX file (no ElfFile
** magic, or shorter than one header); FL_EIO: unreadable. */
FL_API fl_status fl_evtx_open(const char *path, fl_evtx_file **out, fl_error *err);
/* The same over caller-owned bytes that must outlive the handle. */
FL_API fl_status fl_evtx_open_memory(const void *data, size_t len, const char *name,
                              fl_evtx_file **out, fl_error *err);
/* As fl_evtx_open_memory, for bytes that are a read-only MAP_PRIVATE
** mapping of a file, kept and unmapped by the caller: the reader drops the
** pages of chunks it is done with (madvise MADV_DONTNEED; they fault back
** in from the file if touched), so RSS stays bounded on large files.
** Never for heap memory. fl_evtx_open does this for its own mapping. */
FL_API fl_status fl_evtx_open_mapped(const void *data, size_t len, const char *name,
                              fl_evtx_file **out, fl_error *err);
FL_API void fl_evtx_close(fl_evtx_file *f);

/* Chunk slots the file's size holds (the header's count is not trusted). */
FL_API uint64_t fl_evtx_chunk_slots(const fl_evtx_file *f);
/* The header's claims, for display only. */
FL_API uint16_t fl_evtx_header_chunk_count(const fl_evtx_file *f);
FL_API uint16_t fl_evtx_version_major(const fl_evtx_file *f);
FL_API uint16_t fl_evtx_version_minor(const fl_evtx_file *f);

/* Reads every record. Returns FL_OK when nothing was skipped, FL_EPARTIAL
** when something was (see stats and diagnostics), FL_ENOMEM, or the status
** a callback's stop produced (FL_OK). stats may be NULL. */
FL_API fl_status fl_evtx_read(fl_evtx_file *f, const fl_evtx_options *opt,
                       fl_evtx_stats *stats, fl_error *err);

/* Default worker count for --threads 0: the online CPU count, capped. */
FL_API unsigned fl_evtx_default_threads(void);

#ifdef __cplusplus
}
#endif

#endif
