/*
** Helpers for the EVTX writer tests: a temp dir, Security-like sample
** events, running the independent readers (libevtx's evtxexport and
** python-evtx) and an own structural check of written files (CRCs, record
** walk, numbering, string and template tables).
**
** Test code only: never linked into the library, never used by the reader's
** tests as an oracle for the writer (the independent tools are the oracle).
*/
#ifndef TEST_EVTX_WRITER_UTIL_H
#define TEST_EVTX_WRITER_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fl_crc32.h"
#include "evtx/fl_evtx_format.h"
#include "faultline.h"
#include "harness.h"

static char tw_dir[256];

static inline const char *tw_path(const char *name) {
  static char buf[8][512];
  static int k;
  k = (k + 1) % 8;
  snprintf(buf[k], sizeof buf[k], "%s/%s", tw_dir, name);
  return buf[k];
}

static inline int tw_setup(void) {
  snprintf(tw_dir, sizeof tw_dir, "/tmp/fl-evtx-writer-XXXXXX");
  return mkdtemp(tw_dir) ? 0 : -1;
}

static inline void tw_cleanup(void) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tw_dir);
  if (system(cmd) != 0) fprintf(stderr, "cleanup of %s failed\n", tw_dir);
}

/* Output (stdout+stderr) of a shell command; caller frees. */
static inline char *tw_run(const char *cmd) {
  FILE *p = popen(cmd, "r");
  if (!p) return NULL;
  size_t cap = 1 << 16, n = 0;
  char *out = malloc(cap);
  size_t got;
  while (out && (got = fread(out + n, 1, cap - n - 1, p)) > 0) {
    n += got;
    if (cap - n < 4096) {
      char *q = realloc(out, cap *= 2);
      if (!q) {
        free(out);
        out = NULL;
        break;
      }
      out = q;
    }
  }
  pclose(p);
  if (out) out[n] = 0;
  return out;
}

static inline size_t tw_count(const char *hay, const char *needle) {
  size_t n = 0, len = strlen(needle);
  for (const char *p = hay; p && (p = strstr(p, needle)); p += len) n++;
  return n;
}

static inline int tw_have_evtxexport(void) {
  return system("command -v evtxexport >/dev/null 2>&1") == 0;
}

static inline int tw_have_pyevtx(void) {
  return system("/usr/bin/python3 -c 'import Evtx.Evtx' >/dev/null 2>&1") == 0;
}

static const char tw_py[] =
    "import sys\n"
    "import Evtx.Evtx as evtx\n"
    "n = errs = 0\n"
    "with evtx.Evtx(sys.argv[1]) as f:\n"
    "  fh = f.get_file_header()\n"
    "  print('HEADER verify=%d dirty=%d chunks=%d' % (fh.verify(), fh.is_dirty(),"
    " fh.chunk_count()))\n"
    "  for i, ch in enumerate(f.chunks()):\n"
    "    print('CHUNK %d magic=%d verify=%d' % (i, ch.check_magic(), ch.verify()))\n"
    "    try:\n"
    "      for r in ch.records():\n"
    "        try:\n"
    "          x = r.xml()\n"
    "          n += 1\n"
    "          print('RECORD %d' % r.record_num())\n"
    "          print(x)\n"
    "        except Exception as e:\n"
    "          errs += 1\n"
    "          print('ERROR record %d: %r' % (r.record_num(), e))\n"
    "    except Exception as e:\n"
    "      errs += 1\n"
    "      print('ERROR chunk %d: %r' % (i, e))\n"
    "print('COUNT %d ERRORS %d' % (n, errs))\n";

/* python-evtx output for file; caller frees. */
static inline char *tw_pyevtx(const char *file) {
  const char *script = tw_path("dump.py");
  FILE *f = fopen(script, "w");
  if (!f) return NULL;
  fputs(tw_py, f);
  fclose(f);
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' '%s' 2>&1", script, file);
  return tw_run(cmd);
}

static inline char *tw_evtxexport(const char *args, const char *file) {
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "evtxexport %s '%s' 2>&1", args, file);
  return tw_run(cmd);
}

static inline long tw_py_count(const char *out, long *errors) {
  const char *p = out ? strstr(out, "COUNT ") : NULL;
  long n = -1, e = -1;
  if (p && sscanf(p, "COUNT %ld ERRORS %ld", &n, &e) != 2) n = e = -1;
  if (errors) *errors = e;
  return n;
}

/* ---- sample events ---- */

typedef struct tw_sample {
  fl_evtx_w_guid provider_guid, activity;
  fl_evtx_w_sid sid;
  fl_evtx_w_field fields[8];
  char addr[32];
  fl_evtx_w_event ev;
} tw_sample;

#define TW_T0 1594401606 /* 2020-07-10T17:20:06Z */
#define TW_SID "S-1-5-21-1004336348-1177238915-682003330-512"
#define TW_GUID "{54849625-5478-4994-A5BA-3E3B0328C30D}"
#define TW_ACTIVITY "{0D6F3E5B-21A4-4C4F-9A52-7C1E2B3D4F50}"

/* A 4653-like IPsec Main Mode failure; i varies the values and shape. */
static inline void tw_sample_4653(tw_sample *s, unsigned i) {
  memset(s, 0, sizeof *s);
  fl_evtx_w_guid_parse(TW_GUID, &s->provider_guid);
  fl_evtx_w_guid_parse(TW_ACTIVITY, &s->activity);
  fl_evtx_w_sid_parse(TW_SID, &s->sid);
  snprintf(s->addr, sizeof s->addr, "10.0.%u.%u", (i >> 8) & 255, i & 255);
  fl_evtx_w_field *f = s->fields;
  f[0] = (fl_evtx_w_field){"LocalAddress", {FL_EVTX_W_STRING, 0, {.str = s->addr}}};
  f[1] = (fl_evtx_w_field){"LocalKeyModPort", {FL_EVTX_W_STRING, 0, {.str = "500"}}};
  f[2] = (fl_evtx_w_field){"RemoteAddress", {FL_EVTX_W_STRING, 0, {.str = "88.88.88.81"}}};
  f[3] = (fl_evtx_w_field){"FailureReason",
                           {FL_EVTX_W_STRING, 0, {.str = "Negotiation timed out"}}};
  f[4] = (fl_evtx_w_field){"MMFilterID", {FL_EVTX_W_UINT64, 0, {.u = 54919761 + i}}};
  f[5] = (fl_evtx_w_field){"InitiatorCookie",
                           {FL_EVTX_W_STRING, 0, {.str = "db55d3767e51b422"}}};
  size_t nf = 6;
  if (i % 3 == 1) /* a second shape: one more field */
    f[nf++] = (fl_evtx_w_field){"ErrorCode", {FL_EVTX_W_UINT32, 0, {.u = 13805}}};
  fl_evtx_w_event *e = &s->ev;
  e->provider_name = "Microsoft-Windows-Security-Auditing";
  e->provider_guid = &s->provider_guid;
  e->event_id = i % 3 == 2 ? 4654 : 4653;
  e->task = 12547;
  e->keywords = 0x8010000000000000ull;
  e->time_created = fl_evtx_w_filetime(TW_T0 + i, 6871033);
  e->activity_id = i % 2 ? &s->activity : NULL;
  e->process_id = 660;
  e->thread_id = 124 + i % 7;
  e->channel = "Security";
  e->computer = "ipsec-gw01.corp.example";
  e->user_sid = i % 2 ? &s->sid : NULL;
  e->fields = s->fields;
  e->field_count = nf;
}

/* ---- own structural check ---- */

typedef struct tw_layout {
  uint64_t records, chunks, template_defs, first_id, last_id;
  int ok;
  char why[200];
} tw_layout;

static inline uint8_t *tw_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = n > 0 ? malloc((size_t)n) : NULL;
  if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
    free(b);
    b = NULL;
  }
  fclose(f);
  *len = b ? (size_t)n : 0;
  return b;
}

#define TW_FAIL(...)                                          \
  do {                                                        \
    snprintf(L->why, sizeof L->why, __VA_ARGS__);             \
    return;                                                   \
  } while (0)

/* String and template tables of chunk c: every chain stays inside the used
** area, every name sits in the bucket of its hash. */
static inline int tw_check_tables(const uint8_t *c, uint32_t free_off,
                                  char *why, size_t cap) {
  for (unsigned b = 0; b < FL_EVTX_CH_STRING_BUCKETS; b++) {
    uint32_t off = fl_le32(c + FL_EVTX_CH_STRING_TABLE + 4 * b);
    for (int steps = 0; off; steps++) {
      if (off < 512 || off + 8 > free_off || steps > 1000)
        return snprintf(why, cap, "string bucket %u bad offset %u", b, off);
      uint16_t hash = fl_le16(c + off + 4), n = fl_le16(c + off + 6);
      uint32_t h = 0;
      for (unsigned k = 0; k < n; k++) h = h * 65599u + fl_le16(c + off + 8 + 2 * k);
      if ((uint16_t)h != hash || hash % 64 != b)
        return snprintf(why, cap, "name at %u: hash/bucket wrong", off);
      off = fl_le32(c + off);
    }
  }
  for (unsigned b = 0; b < FL_EVTX_CH_TEMPLATE_BUCKETS; b++) {
    uint32_t off = fl_le32(c + FL_EVTX_CH_TEMPLATE_TABLE + 4 * b);
    for (int steps = 0; off; steps++) {
      if (off < 512 + 10 || off + 24 > free_off || steps > 1000 ||
          c[off - 10] != FL_BXML_TEMPLATE_INSTANCE || fl_le32(c + off - 4) != off)
        return snprintf(why, cap, "template bucket %u bad offset %u", b, off);
      off = fl_le32(c + off);
    }
  }
  return 0;
}

/* Walks the records of one chunk; returns the count or -1 (why set). */
static inline void tw_check_chunk(const uint8_t *c, uint64_t *next_id,
                                  tw_layout *L) {
  uint32_t free_off = fl_le32(c + FL_EVTX_CH_FREE_SPACE_OFFSET);
  if (memcmp(c, FL_EVTX_CHUNK_MAGIC, 8)) TW_FAIL("chunk magic");
  uint32_t crc = fl_crc32(fl_crc32(0, c, 120), c + 128, 384);
  if (crc != fl_le32(c + FL_EVTX_CH_HEADER_CHECKSUM)) TW_FAIL("chunk header crc");
  /* <= 65528: Windows never fills the last 8 bytes, and libevtx 20181227
  ** drops a record that ends at 65536 */
  if (free_off < 512 || free_off > FL_EVTX_CHUNK_SIZE - 8) TW_FAIL("free offset");
  if (fl_crc32(0, c + 512, free_off - 512) != fl_le32(c + FL_EVTX_CH_RECORDS_CHECKSUM))
    TW_FAIL("records crc");
  uint64_t first = fl_le64(c + FL_EVTX_CH_FIRST_RECORD_ID);
  if (first != *next_id || fl_le64(c + FL_EVTX_CH_FIRST_RECORD_NUMBER) != first)
    TW_FAIL("chunk first id %llu, expected %llu", (unsigned long long)first,
            (unsigned long long)*next_id);
  uint32_t off = 512, last_off = 0, defs[256];
  unsigned ndefs = 0;
  while (off < free_off) {
    if (fl_le32(c + off) != FL_EVTX_RECORD_MAGIC) TW_FAIL("record magic at %u", off);
    uint32_t size = fl_le32(c + off + 4);
    if (size < 28 || size % 8 || off + size > free_off ||
        fl_le32(c + off + size - 4) != size)
      TW_FAIL("record size at %u", off);
    if (fl_le64(c + off + 8) != *next_id) TW_FAIL("record id at %u", off);
    const uint8_t *x = c + off + 24;
    if (x[0] != 0x0f || x[1] != 1 || x[2] != 1) TW_FAIL("fragment header");
    if (x[4] == FL_BXML_TEMPLATE_INSTANCE) {
      uint32_t def = fl_le32(x + 10), here = off + 24 + 14;
      int known = 0;
      for (unsigned k = 0; k < ndefs; k++) known |= defs[k] == def;
      if (def == here && ndefs < 256) {
        defs[ndefs++] = def;
        L->template_defs++;
      } else if (!known) {
        TW_FAIL("template reference at %u to undefined %u", off, def);
      }
    }
    last_off = off;
    off += size;
    (*next_id)++;
    L->records++;
  }
  if (fl_le32(c + FL_EVTX_CH_LAST_RECORD_OFFSET) != last_off) TW_FAIL("last offset");
  if (fl_le64(c + FL_EVTX_CH_LAST_RECORD_ID) != *next_id - 1) TW_FAIL("last id");
  if (tw_check_tables(c, free_off, L->why, sizeof L->why)) return;
  L->chunks++;
}

/* Checks header, every chunk and the numbering of a clean file. */
static inline tw_layout tw_check_file(const char *path, uint64_t first_id) {
  tw_layout lay = {0}, *L = &lay;
  size_t len = 0;
  uint8_t *b = tw_read_file(path, &len);
  uint64_t next = first_id;
  lay.first_id = first_id;
  if (!b || len < 4096 || (len - 4096) % FL_EVTX_CHUNK_SIZE) {
    snprintf(lay.why, sizeof lay.why, "file size %zu", len);
  } else if (memcmp(b, FL_EVTX_FILE_MAGIC, 8) ||
             fl_crc32(0, b, 120) != fl_le32(b + FL_EVTX_FH_CHECKSUM) ||
             fl_le16(b + FL_EVTX_FH_MAJOR_VERSION) != 3) {
    snprintf(lay.why, sizeof lay.why, "file header");
  } else {
    size_t n = (len - 4096) / FL_EVTX_CHUNK_SIZE;
    for (size_t k = 0; k < n && !lay.why[0]; k++)
      tw_check_chunk(b + 4096 + k * FL_EVTX_CHUNK_SIZE, &next, L);
    if (!lay.why[0] && fl_le16(b + FL_EVTX_FH_CHUNK_COUNT) != n)
      snprintf(lay.why, sizeof lay.why, "header chunk count");
    if (!lay.why[0] && fl_le64(b + FL_EVTX_FH_NEXT_RECORD_ID) != next)
      snprintf(lay.why, sizeof lay.why, "header next record id");
    if (!lay.why[0] && n && fl_le64(b + FL_EVTX_FH_LAST_CHUNK) != n - 1)
      snprintf(lay.why, sizeof lay.why, "header last chunk");
  }
  lay.last_id = next - 1;
  lay.ok = !lay.why[0];
  free(b);
  return lay;
}

#endif
