/*
** Hand-built EVTX files for tests: one chunk of raw BinXML written byte by
** byte (templates, substitutions, records), for the shapes neither the
** generator nor the corpus has (tests/unit/test_evtx_fields_plan.c,
** test_evtx_json_plan.c). raw_write() adds the file and chunk headers with
** their CRCs, so the reader takes the file as clean.
**
** Header-only with static state: one test program includes it once. Never
** used by the library; never writes past the chunk (tests stay far below
** 64 KiB and ASan would see it).
*/
#ifndef FL_TEST_RAW_BINXML_H
#define FL_TEST_RAW_BINXML_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/fl_crc32.h"
#include "evtx/evtx_internal.h"

static uint8_t raw[4096 + 65536];
static uint32_t rpos;     /* chunk-relative */
static uint64_t rrecords; /* written so far; records are numbered 1.. */
#define RCH (raw + 4096)

static inline void r8(uint8_t v) { RCH[rpos++] = v; }
static inline void r16(uint16_t v) { r8((uint8_t)v); r8((uint8_t)(v >> 8)); }
static inline void r32(uint32_t v) { r16((uint16_t)v); r16((uint16_t)(v >> 16)); }
static inline void r64(uint64_t v) { r32((uint32_t)v); r32((uint32_t)(v >> 32)); }
static inline void rutf16(const char *s) {
  for (const char *p = s; *p; p++) r16((uint8_t)*p);
}
static inline void rname(const char *s) { /* name offset + the name inline */
  r32(rpos + 4);
  r32(0);
  r16(0);
  r16((uint16_t)strlen(s));
  rutf16(s);
  r16(0);
}
/* <name (attributes follow when attrs) in a template definition */
static inline void ropen(const char *name, int attrs) {
  r8(attrs ? 0x41 : 0x01);
  r16(0xffff);
  r32(0);
  rname(name);
  if (attrs) r32(0);
}
/* substitution %slot of a value type (optional: left out when empty) */
static inline void rsub(uint16_t slot, uint8_t type, int optional) {
  r8(optional ? 0x0e : 0x0d);
  r16(slot);
  r8(type);
}
static inline void rtext(const char *s) {
  r8(0x05); r8(0x01); r16((uint16_t)strlen(s)); rutf16(s);
}

/* A template definition's header (next, GUID from tid, size to patch);
** returns where the size goes. */
static inline uint32_t rdef_begin(uint8_t tid) {
  r32(0);
  for (int i = 0; i < 16; i++) r8((uint8_t)(tid + i));
  uint32_t size_at = rpos;
  r32(0);
  r8(0x0f); r8(1); r8(1); r8(0);
  return size_at;
}
static inline void rdef_end(uint32_t size_at) {
  uint32_t size = rpos - size_at - 4;
  memcpy(RCH + size_at, &size, 4);
}

/* Template tid's instance; its definition (body, then the fragment's end)
** written here the first time (*def 0), referred to after. */
static inline void rinstance(uint8_t tid, uint32_t *def, void (*body)(void)) {
  r8(0x0c); r8(1); r32(tid);
  if (*def) {
    r32(*def);
    return;
  }
  *def = rpos + 4;
  r32(*def);
  uint32_t size_at = rdef_begin(tid);
  body();
  r8(0x00);
  rdef_end(size_at);
}

/* The next record's header and fragment header; returns where it starts. */
static inline uint32_t rrec_begin(void) {
  uint32_t at = rpos;
  r32(FL_EVTX_RECORD_MAGIC);
  r32(0);
  r64(++rrecords);
  r64(132000000000000000ULL);
  r8(0x0f); r8(1); r8(1); r8(0);
  return at;
}
static inline void rrec_end(uint32_t at) {
  uint32_t size = rpos + 4 - at;
  memcpy(RCH + at + 4, &size, 4);
  r32(size);
}

static inline void raw_begin(void) {
  memset(raw, 0, sizeof raw);
  rpos = 512;
  rrecords = 0;
}

static inline int raw_write(const char *path) {
  memcpy(raw, "ElfFile", 8);
  raw[32] = 128;
  raw[36] = 1;
  raw[38] = 3;
  raw[41] = 0x10;
  raw[42] = 1;
  memcpy(RCH, "ElfChnk", 8);
  RCH[40] = 128;
  uint64_t first = 1, last = rrecords;
  memcpy(RCH + 8, &first, 8); /* first/last record numbers */
  memcpy(RCH + 16, &last, 8);
  memcpy(RCH + 24, &first, 8);
  memcpy(RCH + 32, &last, 8);
  memcpy(RCH + 48, &rpos, 4);
  uint32_t crc = fl_crc32(0, RCH + 512, rpos - 512);
  memcpy(RCH + 52, &crc, 4);
  crc = fl_crc32(fl_crc32(0, RCH, 120), RCH + 128, 384);
  memcpy(RCH + 124, &crc, 4);
  crc = fl_crc32(0, raw, 120);
  memcpy(raw + 124, &crc, 4);
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  size_t n = fwrite(raw, 1, sizeof raw, f);
  return fclose(f) == 0 && n == sizeof raw ? 0 : -1;
}

#endif
