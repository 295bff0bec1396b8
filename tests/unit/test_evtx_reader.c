/*
** Unit tests of the EVTX reader on hand-built files: BinXML tokens (element,
** attribute, CDATA, char/entity refs, PI), template instances with inline
** definitions, value types, optional substitutions, filters, and hostile
** input (out-of-bounds offsets, deep nesting, short records, non-EVTX).
** Never reads ../shared; every byte is built here.
*/
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/fl_crc32.h"
#include "evtx/fl_evtx_format.h"
#include "faultline.h"
#include "harness.h"

static uint8_t file[4096 + 65536];
static uint32_t pos; /* chunk-relative write position */
#define CH (file + 4096)

static void put8(uint8_t v) { CH[pos++] = v; }
static void put16(uint16_t v) { put8((uint8_t)v); put8((uint8_t)(v >> 8)); }
static void put32(uint32_t v) { put16((uint16_t)v); put16((uint16_t)(v >> 16)); }
static void put64(uint64_t v) { put32((uint32_t)v); put32((uint32_t)(v >> 32)); }
static void putname(const char *s) { /* name offset + inline name */
  put32(pos + 4);
  put32(0);
  put16(0);
  put16((uint16_t)strlen(s));
  for (const char *p = s; *p; p++) put16((uint8_t)*p);
  put16(0);
}
static void putstr16(const char *s) {
  put16((uint16_t)strlen(s));
  for (const char *p = s; *p; p++) put16((uint8_t)*p);
}
static void open_el(const char *name, int attrs, int tdef) {
  put8(attrs ? 0x41 : 0x01);
  if (tdef) put16(0xffff);
  put32(0); /* data size: not relied on */
  putname(name);
  if (attrs) put32(0);
}

static void begin(void) {
  memset(file, 0, sizeof file);
  memcpy(file, "ElfFile", 8);
  file[32] = 128;
  file[36] = 1;
  file[38] = 3;
  file[41] = 0x10;
  file[42] = 1;
  memcpy(CH, "ElfChnk", 8);
  CH[40] = 128;
  pos = 512;
}
static void finish(uint32_t chunk_flags) {
  memcpy(CH + 48, &pos, 4);
  memcpy(CH + 120, &chunk_flags, 4);
  uint32_t crc = fl_crc32(0, CH + 512, pos - 512);
  memcpy(CH + 52, &crc, 4);
  crc = fl_crc32(fl_crc32(0, CH, 120), CH + 128, 384);
  memcpy(CH + 124, &crc, 4);
  crc = fl_crc32(0, file, 120);
  memcpy(file + 124, &crc, 4);
}
static uint32_t rec_start(uint64_t id) {
  uint32_t at = pos;
  put32(FL_EVTX_RECORD_MAGIC);
  put32(0);
  put64(id);
  put64(132000000000000000ULL);
  return at;
}
static void rec_end(uint32_t at) {
  uint32_t size = pos + 4 - at;
  memcpy(CH + at + 4, &size, 4);
  put32(size);
}

static char out[65536];
static size_t out_len;
static int diags, errors;
static char last_diag[256];

static int on_out(const char *b, size_t n, void *u) {
  (void)u;
  if (out_len + n < sizeof out) {
    memcpy(out + out_len, b, n);
    out_len += n;
    out[out_len] = 0;
  }
  return 0;
}
static void on_diag(const fl_evtx_diag *d, void *u) {
  (void)u;
  diags++;
  errors += d->severity == FL_EVTX_ERROR;
  snprintf(last_diag, sizeof last_diag, "chunk %lld off %llx rec %llu: %s",
           (long long)d->chunk, (unsigned long long)d->offset,
           (unsigned long long)d->record_id, d->message);
}

static fl_status run(fl_evtx_format fmt, const uint32_t *ids, size_t nids) {
  out_len = 0;
  out[0] = 0;
  diags = errors = 0;
  fl_evtx_file *f;
  fl_error err;
  fl_status st = fl_evtx_open_memory(file, sizeof file, "t.evtx", &f, &err);
  if (st != FL_OK) return st;
  fl_evtx_options o;
  memset(&o, 0, sizeof o);
  o.format = fmt;
  o.threads = 1;
  o.filter.ids = ids;
  o.filter.id_count = nids;
  o.on_output = on_out;
  o.on_diag = on_diag;
  fl_evtx_stats s;
  st = fl_evtx_read(f, &o, &s, &err);
  fl_evtx_close(f);
  return st;
}

static void test_templateless_tokens(void) {
  begin();
  uint32_t r = rec_start(1);
  put8(0x0f); put8(1); put8(1); put8(0);
  open_el("Event", 1, 0);
  put8(0x06); putname("a"); put8(0x05); put8(0x01); putstr16("x<y");
  put8(0x02);
  open_el("System", 0, 0);
  put8(0x02);
  open_el("EventID", 0, 0);
  put8(0x02); put8(0x05); put8(0x01); putstr16("4652"); put8(0x04);
  put8(0x04);
  open_el("T", 0, 0);
  put8(0x02);
  put8(0x07); putstr16("c]]>d");
  put8(0x08); put16(0x41);
  put8(0x09); putname("amp");
  put8(0x0a); putname("pi"); put8(0x0b); putstr16("data");
  put8(0x04);
  put8(0x04);
  put8(0x00);
  rec_end(r);
  finish(0);
  CHECK(run(FL_EVTX_RENDER_XML, NULL, 0) == FL_OK);
  CHECK_STR(out, "<Event a=\"x&lt;y\"><System><EventID>4652</EventID></System>"
                 "<T><![CDATA[c]]]]><![CDATA[>d]]>&#65;&amp;<?pi data?></T>"
                 "</Event>\n");
  uint32_t id = 4652, other = 1;
  CHECK(run(FL_EVTX_RENDER_XML, &id, 1) == FL_OK && out_len > 0);
  CHECK(run(FL_EVTX_RENDER_XML, &other, 1) == FL_OK && out_len == 0);
}

/* Event/System/{Provider Name=%1(optional), EventID=%0} EventData/Data=%2..
** with the definition inline in the first record, referenced by the second. */
static uint32_t def_at;
static void put_instance(int inline_def, const uint8_t *vals, size_t vlen,
                         const uint8_t *desc, uint32_t n) {
  put8(0x0f); put8(1); put8(1); put8(0);
  put8(0x0c); put8(1); put32(7);
  if (inline_def) {
    def_at = pos + 4;
    put32(def_at);
    put32(0);
    for (int i = 0; i < 16; i++) put8((uint8_t)i);
    uint32_t size_at = pos;
    put32(0);
    uint32_t start = pos;
    put8(0x0f); put8(1); put8(1); put8(0);
    open_el("Event", 0, 1); put8(0x02);
    open_el("System", 0, 1); put8(0x02);
    open_el("Provider", 1, 1);
    put8(0x06); putname("Name"); put8(0x0e); put16(1); put8(0x01);
    put8(0x03);
    open_el("EventID", 0, 1); put8(0x02); put8(0x0d); put16(0); put8(0x06);
    put8(0x04);
    put8(0x04);
    open_el("EventData", 0, 1); put8(0x02);
    for (uint16_t i = 2; i < 9; i++) {
      open_el("Data", 0, 1); put8(0x02); put8(0x0d); put16(i); put8(0);
      put8(0x04);
    }
    put8(0x04);
    put8(0x04);
    put8(0x00);
    uint32_t size = pos - start;
    memcpy(CH + size_at, &size, 4);
  } else {
    put32(def_at);
  }
  put32(n);
  for (uint32_t i = 0; i < 4 * n; i++) put8(desc[i]);
  for (size_t i = 0; i < vlen; i++) put8(vals[i]);
}

static void test_template_values(void) {
  begin();
  static const uint8_t v1[] = {
      0x6c, 0x12,                                     /* u16 4716 */
      'P', 0, 'x', 0,                                 /* "Px" */
      0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /* GUID */
      0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
      1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0,            /* SID S-1-5-18 */
      0xe7, 0x03, 0, 0, 0, 0, 0, 0,                   /* HexInt64 0x3e7 */
      0xde, 0xad,                                     /* binary */
      'a', 0, 0, 0, 'b', 0, 0, 0,                     /* string array */
      0x00, 0x80, 0x3e, 0xd5, 0xde, 0xb1, 0x9d, 0x01, /* FILETIME 1970 */
  };
  static const uint8_t d1[] = {2, 0, 0x06, 0, 4, 0, 0x01, 0, 16, 0, 0x0f, 0,
                               12, 0, 0x13, 0, 8, 0, 0x15, 0, 2, 0, 0x0e, 0,
                               8, 0, 0x81, 0, 8, 0, 0x11, 0};
  uint32_t r = rec_start(1);
  put_instance(1, v1, sizeof v1, d1, 8);
  rec_end(r);
  static const uint8_t v2[] = {0x6d, 0x12};
  static const uint8_t d2[] = {2, 0, 0x06, 0, 0, 0, 0x00, 0};
  r = rec_start(2);
  put_instance(0, v2, sizeof v2, d2, 2); /* Provider Name null: omitted */
  rec_end(r);
  finish(0);
  CHECK(run(FL_EVTX_RENDER_XML, NULL, 0) == FL_OK);
  CHECK(strstr(out, "<Provider Name=\"Px\"/><EventID>4716</EventID>") != NULL);
  CHECK(strstr(out, "<Data>{04030201-0605-0807-090A-0B0C0D0E0F10}</Data>"));
  CHECK(strstr(out, "<Data>S-1-5-18</Data><Data>0x3e7</Data><Data>DEAD</Data>"));
  CHECK(strstr(out, "<Data>a</Data><Data>b</Data>"));
  CHECK(strstr(out, "<Data>1970-01-01T00:00:00.0000000Z</Data>"));
  CHECK(strstr(out, "<Provider/><EventID>4717</EventID>"));
  uint32_t id = 4717;
  CHECK(run(FL_EVTX_RENDER_JSONL, &id, 1) == FL_OK);
  CHECK_STR(out, "{\"Event\":{\"System\":{\"Provider\":null,\"EventID\":4717},"
                 "\"EventData\":{\"Data\":null,\"Data_1\":null,\"Data_2\":null,"
                 "\"Data_3\":null,\"Data_4\":null,\"Data_5\":null,"
                 "\"Data_6\":null}}}\n");
}

static void test_bad_input(void) {
  begin();
  uint32_t r = rec_start(1); /* name offset far outside the chunk */
  put8(0x0f); put8(1); put8(1); put8(0);
  put8(0x01); put32(0); put32(0xfffffff0u); put8(0x03); put8(0);
  rec_end(r);
  r = rec_start(2); /* 300 nested elements */
  put8(0x0f); put8(1); put8(1); put8(0);
  for (int i = 0; i < 300; i++) { open_el("a", 0, 0); put8(0x02); }
  rec_end(r);
  r = rec_start(3); /* template definition offset outside the chunk */
  put8(0x0f); put8(1); put8(1); put8(0);
  put8(0x0c); put8(1); put32(1); put32(0x7fffffff); put32(0);
  rec_end(r);
  uint32_t bad = pos; /* a zero-size record ends the chunk */
  put32(FL_EVTX_RECORD_MAGIC); put32(0); put64(4);
  finish(0);
  (void)bad;
  CHECK(run(FL_EVTX_RENDER_XML, NULL, 0) == FL_EPARTIAL);
  CHECK(out_len == 0);
  CHECK(errors == 4);
  CHECK(strstr(last_diag, "below 28") != NULL);
  /* CRC damage is a warning, records still read */
  begin();
  r = rec_start(9);
  put8(0x0f); put8(1); put8(1); put8(0);
  open_el("E", 0, 0); put8(0x03); put8(0);
  rec_end(r);
  finish(0);
  CH[60] ^= 1; /* inside the header CRC range */
  CHECK(run(FL_EVTX_RENDER_XML, NULL, 0) == FL_EPARTIAL);
  CHECK_STR(out, "<E/>\n");
  CHECK(errors == 0 && diags >= 1);
}

/* A template that references one 40 KB value 900 times would render to
** ~18 MB: the record is dropped with a located error (the output cap), the
** next record is still read. */
static void test_output_cap(void) {
  begin();
  uint32_t r = rec_start(1);
  put8(0x0f); put8(1); put8(1); put8(0);
  put8(0x0c); put8(1); put32(7);
  put32(pos + 4); put32(0);
  for (int i = 0; i < 16; i++) put8((uint8_t)(0xa0 + i));
  uint32_t size_at = pos;
  put32(0);
  uint32_t start = pos;
  put8(0x0f); put8(1); put8(1); put8(0);
  open_el("Event", 0, 1); put8(0x02);
  uint32_t name_at = pos + 11; /* after token, dependency id, size, offset */
  open_el("Data", 0, 1);
  put8(0x02); put8(0x0d); put16(0); put8(0x01); put8(0x04);
  for (int i = 1; i < 900; i++) { /* the same name, by reference */
    put8(0x01); put16(0xffff); put32(0); put32(name_at);
    put8(0x02); put8(0x0d); put16(0); put8(0x01); put8(0x04);
  }
  put8(0x04);
  put8(0x00);
  uint32_t size = pos - start;
  memcpy(CH + size_at, &size, 4);
  put32(1);
  put16(40000); put8(0x01); put8(0);
  for (int i = 0; i < 20000; i++) put16('A');
  rec_end(r);
  r = rec_start(2);
  put8(0x0f); put8(1); put8(1); put8(0);
  open_el("E", 0, 0); put8(0x03); put8(0);
  rec_end(r);
  finish(0);
  CHECK(run(FL_EVTX_RENDER_XML, NULL, 0) == FL_EPARTIAL);
  CHECK_STR(out, "<E/>\n");
  CHECK(errors == 1);
  CHECK(strstr(last_diag, "chunk 0 off 1200 rec 1: record skipped: record "
                          "renders to more than 16 MiB") != NULL);
  CHECK(run(FL_EVTX_RENDER_JSONL, NULL, 0) == FL_EPARTIAL);
  CHECK_STR(out, "{\"E\":null}\n");
  CHECK(errors == 1);
}

static void test_not_evtx(void) {
  fl_evtx_file *f;
  fl_error err;
  static const uint8_t junk[5000] = {'M', 'Z'};
  CHECK(fl_evtx_open_memory(junk, sizeof junk, "j", &f, &err) == FL_EINPUT);
  CHECK(fl_evtx_open_memory(junk, 0, "j", &f, &err) == FL_EINPUT);
  CHECK(fl_evtx_open("/nonexistent/x.evtx", &f, &err) == FL_EIO);
  begin(); /* header only plus a zero chunk: nothing, no error */
  pos = 512;
  out_len = 0;
  fl_evtx_file *g;
  CHECK(fl_evtx_open_memory(file, 4096 + 65536, "z", &g, &err) == FL_OK);
  memset(CH, 0, 65536);
  fl_evtx_options o;
  memset(&o, 0, sizeof o);
  fl_evtx_stats s;
  CHECK(fl_evtx_read(g, &o, &s, &err) != FL_ENOMEM);
  CHECK(s.chunks_empty == 1 && s.records == 0);
  fl_evtx_close(g);
}

int main(void) {
  RUN(test_templateless_tokens);
  RUN(test_template_values);
  RUN(test_bad_input);
  RUN(test_output_cap);
  RUN(test_not_evtx);
  TEST_EXIT();
}
