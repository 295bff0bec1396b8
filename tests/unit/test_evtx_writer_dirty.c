/*
** Tests of the EVTX writer's damage options, the kinds of damage real files
** have: dirty header with a stale (low) chunk count, truncated tail, a
** corrupt chunk (bad magic / bad CRCs), template-less records, and deleted
** records left in chunk slack. Each file is checked against what libevtx's
** evtxexport and python-evtx are known to do with such real files.
*/
#include "test_evtx_writer_util.h"

#define N 450 /* 4 chunks */

static fl_evtx_writer_stats write_with(const char *path,
                                       const fl_evtx_writer_options *o,
                                       unsigned n, unsigned tl_every) {
  fl_evtx_writer *w;
  fl_error err;
  fl_evtx_writer_stats st = {0};
  CHECK(fl_evtx_writer_open(path, o, &w, &err) == FL_OK);
  for (unsigned i = 0; i < n; i++) {
    tw_sample s;
    tw_sample_4653(&s, i);
    s.ev.no_template = tl_every && (i + 1) % tl_every == 0;
    CHECK(fl_evtx_writer_add(w, &s.ev, &err) == FL_OK);
  }
  CHECK(fl_evtx_writer_finish(w, &st, &err) == FL_OK);
  return st;
}

/* Records held by the complete chunks of a file, from their headers. */
static long records_in_full_chunks(const char *path, long *nchunks) {
  size_t len;
  uint8_t *b = tw_read_file(path, &len);
  long n = 0, k = 0;
  for (; b && 4096 + (size_t)(k + 1) * FL_EVTX_CHUNK_SIZE <= len; k++) {
    const uint8_t *c = b + 4096 + (size_t)k * FL_EVTX_CHUNK_SIZE;
    n += (long)(fl_le64(c + FL_EVTX_CH_LAST_RECORD_ID) -
                fl_le64(c + FL_EVTX_CH_FIRST_RECORD_ID) + 1);
  }
  free(b);
  *nchunks = k;
  return n;
}

static void dirty_header_low_chunk_count(void) {
  const char *path = tw_path("dirty.evtx");
  fl_evtx_writer_options o = {.dirty = 1, .header_chunk_delta = -2};
  fl_evtx_writer_stats st = write_with(path, &o, N, 0);
  size_t len;
  uint8_t *b = tw_read_file(path, &len);
  CHECK(b && len == 4096 + st.chunks * FL_EVTX_CHUNK_SIZE);
  if (b) {
    CHECK(fl_le32(b + FL_EVTX_FH_FLAGS) & FL_EVTX_FILE_FLAG_DIRTY);
    CHECK(fl_le16(b + FL_EVTX_FH_CHUNK_COUNT) == st.chunks - 2);
    CHECK(fl_le64(b + FL_EVTX_FH_LAST_CHUNK) == st.chunks - 3);
    /* stale next-record-id: the first id of the first unclaimed chunk */
    const uint8_t *c = b + 4096 + (st.chunks - 2) * FL_EVTX_CHUNK_SIZE;
    CHECK(fl_le64(b + FL_EVTX_FH_NEXT_RECORD_ID) ==
          fl_le64(c + FL_EVTX_CH_FIRST_RECORD_ID));
    CHECK(fl_crc32(0, b, 120) == fl_le32(b + FL_EVTX_FH_CHECKSUM));
  }
  free(b);
  if (tw_have_evtxexport()) { /* libevtx scans past the header's count */
    char *out = tw_evtxexport("-f xml", path);
    CHECK(out && tw_count(out, "<Event xmlns=") == N);
    free(out);
  }
  if (tw_have_pyevtx()) { /* python-evtx counts chunks from the file size */
    char *out = tw_pyevtx(path);
    CHECK(tw_py_count(out, NULL) == N);
    CHECK(out && strstr(out, "dirty=1") != NULL);
    free(out);
  }
}

static void truncated_tail(void) {
  const char *path = tw_path("truncated.evtx");
  fl_evtx_writer_options o = {.truncate_tail = 1000};
  fl_evtx_writer_stats st = write_with(path, &o, N, 0);
  struct stat sb;
  CHECK(stat(path, &sb) == 0 && (uint64_t)sb.st_size == st.bytes - 1000);
  long full_chunks, whole = records_in_full_chunks(path, &full_chunks);
  CHECK(full_chunks == (long)st.chunks - 1);
  CHECK(whole > 0 && whole < N);
  if (tw_have_pyevtx()) { /* reads every complete chunk, skips the cut one */
    char *out = tw_pyevtx(path);
    long errs;
    CHECK(tw_py_count(out, &errs) == whole && errs == 0);
    free(out);
  }
  if (tw_have_evtxexport()) { /* every record before the cut is read */
    char *out = tw_evtxexport("-f xml", path);
    CHECK(out && (long)tw_count(out, "<Event xmlns=") >= whole);
    CHECK(out && strstr(out, "<EventRecordID>1</EventRecordID>"));
    free(out);
  }
}

static long chunk_records(const char *path, unsigned k) {
  size_t len;
  uint8_t *b = tw_read_file(path, &len);
  long n = -1;
  if (b && len >= 4096 + (k + 1) * (size_t)FL_EVTX_CHUNK_SIZE) {
    const uint8_t *c = b + 4096 + (size_t)k * FL_EVTX_CHUNK_SIZE;
    n = (long)(fl_le64(c + 32) - fl_le64(c + 24) + 1);
  }
  free(b);
  return n;
}

static void corrupt_chunk_magic(void) {
  const char *path = tw_path("badmagic.evtx");
  fl_evtx_writer_options o = {.corrupt = FL_EVTX_W_CORRUPT_MAGIC, .corrupt_chunk = 1};
  write_with(path, &o, N, 0);
  long lost = chunk_records(path, 1);
  CHECK(lost > 0);
  if (tw_have_evtxexport()) { /* the bad chunk is skipped, the rest read */
    char *out = tw_evtxexport("-f xml", path);
    CHECK(out && (long)tw_count(out, "<Event xmlns=") == N - lost);
    free(out);
  }
  if (tw_have_pyevtx()) { /* python-evtx does not check the magic */
    char *out = tw_pyevtx(path);
    CHECK(out && strstr(out, "CHUNK 1 magic=0") && strstr(out, "CHUNK 2 magic=1"));
    free(out);
  }
}

static void corrupt_chunk_crcs(void) {
  static const fl_evtx_w_corrupt kinds[2] = {FL_EVTX_W_CORRUPT_HEADER_CRC,
                                             FL_EVTX_W_CORRUPT_DATA_CRC};
  for (int k = 0; k < 2; k++) {
    const char *path = tw_path(k ? "baddata.evtx" : "badheader.evtx");
    fl_evtx_writer_options o = {.corrupt = kinds[k], .corrupt_chunk = 2};
    write_with(path, &o, N, 0);
    tw_layout lay = tw_check_file(path, 1);
    CHECK_STR(lay.why, k ? "records crc" : "chunk header crc");
    CHECK(lay.chunks == 2); /* own check stops at the damaged chunk */
    if (tw_have_evtxexport()) { /* a CRC mismatch is only a flag */
      char *out = tw_evtxexport("-f xml", path);
      CHECK(out && tw_count(out, "<Event xmlns=") == N);
      free(out);
    }
    if (tw_have_pyevtx()) {
      char *out = tw_pyevtx(path);
      CHECK(tw_py_count(out, NULL) == N);
      CHECK(out && strstr(out, "CHUNK 2 magic=1 verify=0") &&
            strstr(out, "CHUNK 1 magic=1 verify=1"));
      free(out);
    }
  }
}

/* Finds a UTF-16LE rendering of ascii inside [p, p+n). */
static int has_utf16(const uint8_t *p, size_t n, const char *ascii) {
  size_t m = strlen(ascii);
  for (size_t i = 0; i + 2 * m <= n; i++) {
    size_t k = 0;
    while (k < m && p[i + 2 * k] == (uint8_t)ascii[k] && p[i + 2 * k + 1] == 0) k++;
    if (k == m) return 1;
  }
  return 0;
}

static void template_less_records(void) {
  const char *path = tw_path("templateless.evtx");
  fl_evtx_writer_options o = {.template_less = 1};
  write_with(path, &o, 300, 0);
  tw_layout lay = tw_check_file(path, 1);
  CHECK_STR(lay.why, "");
  CHECK(lay.records == 300 && lay.template_defs == 0);
  size_t len;
  uint8_t *b = tw_read_file(path, &len);
  if (b) { /* as in the WEC corpus file: 0F 01 01 00 41, names inline */
    const uint8_t *r = b + 4096 + 512;
    uint32_t size = fl_le32(r + 4);
    CHECK(!memcmp(r + 24, "\x0f\x01\x01\x00\x41", 5));
    CHECK(fl_le32(r + 24 + 9) == 512 + 24 + 13); /* "Event" name inline */
    CHECK(has_utf16(r, size, "4653") && has_utf16(r, size, "Negotiation timed out"));
    CHECK(has_utf16(r, size, "2020-07-10T17:20:06.687103300Z"));
  }
  free(b);
  if (tw_have_evtxexport()) { /* the same failure as on real such files */
    char *out = tw_evtxexport("-f xml", path);
    CHECK(out && strstr(out, "unsupported type: 0x05"));
    free(out);
  }
  if (tw_have_pyevtx()) {
    char *out = tw_pyevtx(path);
    long errs;
    CHECK(tw_py_count(out, &errs) == 0 && errs > 0);
    free(out);
  }
}

static void mixed_template_less(void) {
  const char *path = tw_path("mixed.evtx");
  write_with(path, NULL, 60, 20); /* records 20, 40, 60 template-less */
  tw_layout lay = tw_check_file(path, 1);
  CHECK_STR(lay.why, "");
  if (tw_have_pyevtx()) {
    char *out = tw_pyevtx(path);
    long errs;
    CHECK(tw_py_count(out, &errs) == 57 && errs == 3);
    CHECK(out && strstr(out, "ERROR record 20:") && strstr(out, "RECORD 21\n"));
    free(out);
  }
}

static void records_in_slack(void) {
  const char *path = tw_path("slack.evtx");
  fl_evtx_writer_options o = {.slack_records = 3};
  fl_evtx_writer_stats st = write_with(path, &o, N, 0);
  CHECK(st.slack_records == 3 * st.chunks);
  CHECK(st.records + st.slack_records == N);
  size_t len;
  uint8_t *b = tw_read_file(path, &len);
  uint64_t live = 0;
  for (uint64_t k = 0; b && k < st.chunks; k++) { /* live ids per chunk */
    const uint8_t *c = b + 4096 + k * FL_EVTX_CHUNK_SIZE;
    uint32_t free_off = fl_le32(c + FL_EVTX_CH_FREE_SPACE_OFFSET);
    live += fl_le64(c + 32) - fl_le64(c + 24) + 1;
    CHECK(fl_le32(c + free_off) == FL_EVTX_RECORD_MAGIC); /* deleted record */
    CHECK(fl_le64(c + free_off + 8) == fl_le64(c + 32) + 1);
    CHECK(fl_crc32(0, c + 512, free_off - 512) == fl_le32(c + 52));
  }
  free(b);
  CHECK(live == st.records);
  if (tw_have_evtxexport()) {
    char *out = tw_evtxexport("-f xml", path);
    CHECK(out && tw_count(out, "<Event xmlns=") == st.records);
    free(out);
    out = tw_evtxexport("-f xml -m recovered", path); /* carved from slack */
    CHECK(out && tw_count(out, "<Event xmlns=") == st.slack_records);
    free(out);
  }
  if (tw_have_pyevtx()) {
    char *out = tw_pyevtx(path);
    long errs;
    CHECK(tw_py_count(out, &errs) == (long)st.records && errs == 0);
    free(out);
  }
}

static void minor_version_2(void) {
  const char *path = tw_path("v32.evtx");
  fl_evtx_writer_options o = {.minor_version = 2, .first_record_id = 1000};
  write_with(path, &o, 10, 0);
  tw_layout lay = tw_check_file(path, 1000);
  CHECK_STR(lay.why, "");
  CHECK(lay.last_id == 1009);
  if (tw_have_evtxexport()) {
    char *out = tw_evtxexport("-f xml", path);
    CHECK(out && tw_count(out, "<Event xmlns=") == 10);
    CHECK(out && strstr(out, "<EventRecordID>1009</EventRecordID>"));
    free(out);
  }
}

int main(void) {
  if (tw_setup()) {
    printf("FAIL setup: mkdtemp\n");
    return 1;
  }
  if (!tw_have_evtxexport()) SKIP(evtxexport_checks, "evtxexport not installed");
  if (!tw_have_pyevtx()) SKIP(python_evtx_checks, "python-evtx not installed");
  RUN(dirty_header_low_chunk_count);
  RUN(truncated_tail);
  RUN(corrupt_chunk_magic);
  RUN(corrupt_chunk_crcs);
  RUN(template_less_records);
  RUN(mixed_template_less);
  RUN(records_in_slack);
  RUN(minor_version_2);
  tw_cleanup();
  TEST_EXIT();
}
