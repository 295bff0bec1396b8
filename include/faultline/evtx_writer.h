/*
** EVTX writer: produces Windows XML Event Log (EVTX v3) files from event
** descriptions, so the reader, the catalog and the diagnosis can be tested on
** IPsec/PAStore/iSCSI events for which no public EVTX sample exists.
**
** The output is shaped like files Windows writes (one System template per
** event shape, names and templates defined inline on first use in a chunk),
** and can on request carry the damage real files have (dirty header, wrong
** chunk count, truncated tail, corrupt chunk, template-less records, deleted
** records in chunk slack). docs/evtx-writer.md describes it.
**
** This header must never expose on-disk layout details or allocate behind
** the caller's back: all memory is owned by the fl_evtx_writer handle and
** released by fl_evtx_writer_close().
*/
#ifndef FAULTLINE_EVTX_WRITER_H
#define FAULTLINE_EVTX_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "faultline/base.h" /* fl_status, fl_error */

#ifdef __cplusplus
extern "C" {
#endif

/* Value types; the numbers are the on-disk BinXML value types. */
typedef enum fl_evtx_w_type {
  FL_EVTX_W_STRING = 0x01,   /* v.str: UTF-8, NUL-terminated; written UTF-16LE */
  FL_EVTX_W_UINT8 = 0x04,    /* v.u */
  FL_EVTX_W_UINT16 = 0x06,   /* v.u */
  FL_EVTX_W_INT32 = 0x07,    /* v.i */
  FL_EVTX_W_UINT32 = 0x08,   /* v.u */
  FL_EVTX_W_UINT64 = 0x0a,   /* v.u */
  FL_EVTX_W_BOOL = 0x0d,     /* v.u: 0 or 1, written as 32 bits */
  FL_EVTX_W_BINARY = 0x0e,   /* v.bin */
  FL_EVTX_W_GUID = 0x0f,     /* v.guid */
  FL_EVTX_W_FILETIME = 0x11, /* v.u: 100 ns since 1601-01-01 UTC */
  FL_EVTX_W_SYSTIME = 0x12,  /* v.st */
  FL_EVTX_W_SID = 0x13,      /* v.sid */
  FL_EVTX_W_HEXINT32 = 0x14, /* v.u */
  FL_EVTX_W_HEXINT64 = 0x15  /* v.u */
} fl_evtx_w_type;

typedef struct fl_evtx_w_guid {
  uint32_t data1;
  uint16_t data2;
  uint16_t data3;
  uint8_t data4[8];
} fl_evtx_w_guid;

#define FL_EVTX_W_SID_MAX_SUBAUTH 15
typedef struct fl_evtx_w_sid {
  uint8_t revision;          /* 1 */
  uint8_t subauth_count;     /* <= 15 */
  uint64_t authority;        /* 48 bits, e.g. 5 for NT AUTHORITY */
  uint32_t subauth[FL_EVTX_W_SID_MAX_SUBAUTH];
} fl_evtx_w_sid;

typedef struct fl_evtx_w_systime {
  uint16_t year, month, day_of_week, day, hour, minute, second, millisecond;
} fl_evtx_w_systime;

typedef struct fl_evtx_w_value {
  fl_evtx_w_type type; /* the declared type, also for a null value */
  int is_null;         /* write NullType: readers drop the Data text */
  union {
    const char *str;
    uint64_t u;
    int64_t i;
    fl_evtx_w_guid guid;
    fl_evtx_w_sid sid;
    fl_evtx_w_systime st;
    struct {
      const void *data;
      size_t len;
    } bin;
  } v;
} fl_evtx_w_value;

/* One <Data Name='name'>value</Data> (EventData), <Data>value</Data>
** (classic; name ignored) or <name>value</name> (UserData child). */
typedef struct fl_evtx_w_field {
  const char *name;
  fl_evtx_w_value value;
} fl_evtx_w_field;

typedef enum fl_evtx_w_body {
  FL_EVTX_W_BODY_EVENTDATA = 0, /* <EventData><Data Name='X'>v</Data>... */
  FL_EVTX_W_BODY_CLASSIC,       /* <EventData><Data>v</Data>...<Binary>HEX</Binary> */
  FL_EVTX_W_BODY_USERDATA,      /* <UserData><Elem xmlns='..'><X>v</X>...</Elem> */
  FL_EVTX_W_BODY_NONE           /* System only */
} fl_evtx_w_body;

/* One event. Pointers are only read during fl_evtx_writer_add(). */
typedef struct fl_evtx_w_event {
  const char *provider_name;           /* required */
  const fl_evtx_w_guid *provider_guid; /* NULL: no Guid attribute (classic) */
  uint16_t event_id;
  int has_qualifiers;                  /* classic sources: EventID Qualifiers */
  uint16_t qualifiers;
  uint8_t version;
  uint8_t level;
  uint16_t task;
  uint8_t opcode;
  uint64_t keywords;                   /* rendered as HexInt64 */
  uint64_t time_created;               /* FILETIME; also the record's time */
  const fl_evtx_w_guid *activity_id;   /* NULL: <Correlation/> */
  uint32_t process_id;
  uint32_t thread_id;
  const char *channel;                 /* required, e.g. "Security" */
  const char *computer;                /* required */
  const fl_evtx_w_sid *user_sid;       /* NULL: <Security/> */
  fl_evtx_w_body body;
  const char *userdata_name;           /* BODY_USERDATA: child element name */
  const char *userdata_xmlns;          /* BODY_USERDATA: its xmlns, or NULL */
  const fl_evtx_w_field *fields;
  size_t field_count;
  const void *binary;                  /* BODY_CLASSIC: <Binary> data, or NULL */
  size_t binary_len;
  int no_template;                     /* write this record template-less */
} fl_evtx_w_event;

typedef enum fl_evtx_w_corrupt {
  FL_EVTX_W_CORRUPT_NONE = 0,
  FL_EVTX_W_CORRUPT_MAGIC,       /* "ElfChnk" signature damaged */
  FL_EVTX_W_CORRUPT_HEADER_CRC,  /* chunk header checksum wrong */
  FL_EVTX_W_CORRUPT_DATA_CRC     /* event records checksum wrong */
} fl_evtx_w_corrupt;

/* All-zero (or a NULL pointer) means: a clean v3.1 file, ids from 1. */
typedef struct fl_evtx_writer_options {
  uint16_t minor_version;       /* 1 (default) or 2 */
  uint64_t first_record_id;     /* 0 means 1 */
  int template_less;            /* every record template-less */
  /* damage, for reader tests */
  int dirty;                    /* file header flag 0x1 (IS_DIRTY) */
  int header_chunk_delta;       /* header claims this many chunks more (<0:
                                   fewer); its last-chunk and next-record-id
                                   are stale to match */
  uint64_t truncate_tail;       /* cut this many bytes off the end at close */
  fl_evtx_w_corrupt corrupt;    /* damage chunk number corrupt_chunk */
  uint32_t corrupt_chunk;
  uint32_t slack_records;       /* in every chunk holding more, the last N
                                   records are left deleted in the slack
                                   after the free-space offset (max 64) */
} fl_evtx_writer_options;

typedef struct fl_evtx_writer_stats {
  uint64_t records;        /* live records written */
  uint64_t slack_records;  /* records left deleted in chunk slack */
  uint64_t chunks;         /* chunks written out so far (the one being
                              filled counts after close/finish) */
  uint64_t templates;      /* distinct template shapes */
  uint64_t next_record_id; /* the id the next record would get */
  uint64_t last_record_id; /* the id of the last record added, 0 if none */
  uint64_t bytes;          /* file size before truncate_tail */
} fl_evtx_writer_stats;

typedef struct fl_evtx_writer fl_evtx_writer;

/* Creates (truncates) path. */
FL_API fl_status fl_evtx_writer_open(const char *path,
                              const fl_evtx_writer_options *opts,
                              fl_evtx_writer **out, fl_error *err);
/* Writes to fp, which must be seekable (the file header is written last);
** name is used in error messages. fp is flushed, not closed, at close. */
FL_API fl_status fl_evtx_writer_open_file(FILE *fp, const char *name,
                                   const fl_evtx_writer_options *opts,
                                   fl_evtx_writer **out, fl_error *err);
/* Appends one event record. On error nothing of the event is written and
** the writer stays usable. */
FL_API fl_status fl_evtx_writer_add(fl_evtx_writer *w, const fl_evtx_w_event *ev,
                             fl_error *err);
FL_API void fl_evtx_writer_get_stats(const fl_evtx_writer *w,
                              fl_evtx_writer_stats *out);
/* Flushes the last chunk, writes the file header, applies the damage
** options, and frees w (always, also on error). */
FL_API fl_status fl_evtx_writer_close(fl_evtx_writer *w, fl_error *err);
/* The same, and stats (may be NULL) gets the final numbers, the last chunk
** and the records it leaves in slack included. */
FL_API fl_status fl_evtx_writer_finish(fl_evtx_writer *w, fl_evtx_writer_stats *stats,
                                fl_error *err);

/* Parsers for test and tool code: "{54849625-5478-4994-A5BA-3E3B0328C30D}"
** (braces optional) and "S-1-5-21-1-2-3-500". Return 0 on success, -1 on
** malformed text. */
FL_API int fl_evtx_w_guid_parse(const char *text, fl_evtx_w_guid *out);
FL_API int fl_evtx_w_sid_parse(const char *text, fl_evtx_w_sid *out);
/* FILETIME of a Unix time (seconds, 100-ns ticks within the second). */
FL_API uint64_t fl_evtx_w_filetime(int64_t unix_seconds, uint32_t ticks);

#ifdef __cplusplus
}
#endif

#endif
