/*
** EVTX on-disk constants shared by the reader and the writer: header and
** chunk layout, BinXML tokens, value types. evtx-format.md in ../shared has
** the facts and their sources.
**
** Only constants and tiny inline accessors live here; this file must never
** grow logic that the reader and writer could disagree about.
*/
#ifndef FL_EVTX_FORMAT_H
#define FL_EVTX_FORMAT_H

#include <stdint.h>
#include <string.h>

/* ---- file header (first 4096-byte block) ---- */
#define FL_EVTX_FILE_MAGIC "ElfFile"        /* 8 bytes incl. NUL */
#define FL_EVTX_FILE_HEADER_BLOCK 4096
#define FL_EVTX_FILE_HEADER_SIZE 128
#define FL_EVTX_FH_FIRST_CHUNK 8            /* u64 */
#define FL_EVTX_FH_LAST_CHUNK 16            /* u64 */
#define FL_EVTX_FH_NEXT_RECORD_ID 24        /* u64 */
#define FL_EVTX_FH_HEADER_SIZE 32           /* u32, 128 */
#define FL_EVTX_FH_MINOR_VERSION 36         /* u16, 1 or 2 */
#define FL_EVTX_FH_MAJOR_VERSION 38         /* u16, 3 */
#define FL_EVTX_FH_BLOCK_SIZE 40            /* u16, 4096 */
#define FL_EVTX_FH_CHUNK_COUNT 42           /* u16 */
#define FL_EVTX_FH_FLAGS 120                /* u32 */
#define FL_EVTX_FH_CHECKSUM 124             /* u32: CRC32 of bytes 0..119 */
#define FL_EVTX_FILE_FLAG_DIRTY 0x1
#define FL_EVTX_FILE_FLAG_FULL 0x2

/* ---- chunk (64 KiB) ---- */
#define FL_EVTX_CHUNK_MAGIC "ElfChnk"       /* 8 bytes incl. NUL */
#define FL_EVTX_CHUNK_SIZE 65536
#define FL_EVTX_CHUNK_HEADER_SIZE 512       /* records start here */
#define FL_EVTX_CH_FIRST_RECORD_NUMBER 8    /* u64 */
#define FL_EVTX_CH_LAST_RECORD_NUMBER 16    /* u64 */
#define FL_EVTX_CH_FIRST_RECORD_ID 24       /* u64 */
#define FL_EVTX_CH_LAST_RECORD_ID 32        /* u64 */
#define FL_EVTX_CH_HEADER_SIZE 40           /* u32, 128 */
#define FL_EVTX_CH_LAST_RECORD_OFFSET 44    /* u32 */
#define FL_EVTX_CH_FREE_SPACE_OFFSET 48     /* u32 */
#define FL_EVTX_CH_RECORDS_CHECKSUM 52      /* u32: CRC32 of [512, free) */
#define FL_EVTX_CH_FLAGS 120                /* u32 */
#define FL_EVTX_CH_HEADER_CHECKSUM 124      /* u32: CRC32 of 0..119 + 128..511 */
#define FL_EVTX_CH_STRING_TABLE 128         /* 64 x u32 offsets */
#define FL_EVTX_CH_STRING_BUCKETS 64
#define FL_EVTX_CH_TEMPLATE_TABLE 384       /* 32 x u32 offsets */
#define FL_EVTX_CH_TEMPLATE_BUCKETS 32

/* ---- event record ---- */
#define FL_EVTX_RECORD_MAGIC 0x00002a2au    /* "**\0\0" */
#define FL_EVTX_RECORD_HEADER_SIZE 24       /* magic, size, id, time */
#define FL_EVTX_RECORD_MIN_SIZE 28          /* header + trailing size copy */

/* ---- BinXML tokens (low nibble; 0x40 = "has more"/attributes flag) ---- */
enum fl_binxml_token {
  FL_BXML_EOF = 0x00,
  FL_BXML_OPEN_START_ELEMENT = 0x01, /* | 0x40: element has attributes */
  FL_BXML_CLOSE_START_ELEMENT = 0x02,
  FL_BXML_CLOSE_EMPTY_ELEMENT = 0x03,
  FL_BXML_END_ELEMENT = 0x04,
  FL_BXML_VALUE = 0x05,              /* | 0x40: more data follows */
  FL_BXML_ATTRIBUTE = 0x06,          /* | 0x40: another attribute follows */
  FL_BXML_CDATA = 0x07,
  FL_BXML_CHAR_REF = 0x08,
  FL_BXML_ENTITY_REF = 0x09,
  FL_BXML_PI_TARGET = 0x0a,
  FL_BXML_PI_DATA = 0x0b,
  FL_BXML_TEMPLATE_INSTANCE = 0x0c,
  FL_BXML_NORMAL_SUBSTITUTION = 0x0d,
  FL_BXML_OPTIONAL_SUBSTITUTION = 0x0e,
  FL_BXML_FRAGMENT_HEADER = 0x0f
};
#define FL_BXML_FLAG_MORE 0x40

/* ---- value types of substitutions and value tokens ---- */
enum fl_evtx_value_type {
  FL_VT_NULL = 0x00,
  FL_VT_STRING = 0x01,      /* UTF-16LE, length-prefixed in values */
  FL_VT_ANSI_STRING = 0x02,
  FL_VT_INT8 = 0x03,
  FL_VT_UINT8 = 0x04,
  FL_VT_INT16 = 0x05,
  FL_VT_UINT16 = 0x06,
  FL_VT_INT32 = 0x07,
  FL_VT_UINT32 = 0x08,
  FL_VT_INT64 = 0x09,
  FL_VT_UINT64 = 0x0a,
  FL_VT_REAL32 = 0x0b,
  FL_VT_REAL64 = 0x0c,
  FL_VT_BOOL = 0x0d,        /* 32-bit */
  FL_VT_BINARY = 0x0e,
  FL_VT_GUID = 0x0f,
  FL_VT_SIZE_T = 0x10,
  FL_VT_FILETIME = 0x11,
  FL_VT_SYSTEMTIME = 0x12,
  FL_VT_SID = 0x13,
  FL_VT_HEX_INT32 = 0x14,
  FL_VT_HEX_INT64 = 0x15,
  FL_VT_EVT_HANDLE = 0x20,
  FL_VT_BINXML = 0x21,      /* nested BinXML fragment */
  FL_VT_EVT_XML = 0x23
};
#define FL_VT_ARRAY_FLAG 0x80

/* Little-endian loads; callers check bounds first. */
static inline uint16_t fl_le16(const uint8_t *p) {
  return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t fl_le32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v; /* x86/ARM little-endian hosts; see docs/build.md */
}
static inline uint64_t fl_le64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

#endif
