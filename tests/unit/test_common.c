/* Unit tests for lib/common: CRC-32 and error formatting. */
#include "harness.h"

#include "common/fl_crc32.h"
#include "common/fl_error.h"

static void crc32_known_vectors(void) {
  CHECK(fl_crc32(0, "", 0) == 0);
  CHECK(fl_crc32(0, "123456789", 9) == 0xCBF43926u);
  /* incremental equals one-shot, across the 8-byte fast path */
  const char *s = "The quick brown fox jumps over the lazy dog";
  uint32_t a = fl_crc32(0, s, strlen(s));
  uint32_t b = fl_crc32(fl_crc32(0, s, 5), s + 5, strlen(s) - 5);
  CHECK(a == 0x414FA339u);
  CHECK(a == b);
}

/* The dispatching fl_crc32 (PCLMULQDQ folding on most x86-64) agrees
** with the table path on random lengths, alignments and seeds, including
** the 64-byte and 16-byte block edges. */
static void crc32_fast_path_matches_portable(void) {
  static uint8_t buf[70000];
  uint64_t s = 0x9E3779B97F4A7C15ull;
  for (size_t i = 0; i < sizeof buf; i++) {
    s ^= s << 13; s ^= s >> 7; s ^= s << 17;
    buf[i] = (uint8_t)s;
  }
  for (size_t len = 0; len < 300; len++)
    for (size_t off = 0; off < 16; off++)
      CHECK(fl_crc32(0x1234u, buf + off, len) ==
            fl_crc32_portable(0x1234u, buf + off, len));
  for (int i = 0; i < 2000; i++) {
    s ^= s << 13; s ^= s >> 7; s ^= s << 17;
    size_t off = (size_t)(s % 64), len = (size_t)((s >> 8) % 65536);
    uint32_t seed = (uint32_t)(s >> 32);
    CHECK(fl_crc32(seed, buf + off, len) ==
          fl_crc32_portable(seed, buf + off, len));
  }
  CHECK(fl_crc32(0, buf, 65024) == fl_crc32_portable(0, buf, 65024));
  CHECK(fl_crc32_portable(0, "123456789", 9) == 0xCBF43926u);
}

static void error_formats_location(void) {
  fl_error e;
  char buf[600];
  fl_error_at(&e, FL_ECORRUPT, "x.evtx", 0x11000, "bad chunk magic");
  fl_error_format(&e, buf, sizeof buf);
  CHECK_STR(buf, "x.evtx: offset 0x11000: corrupt: bad chunk magic");
  fl_error_line(&e, FL_EINPUT, "a.xml", 3, 7, "unclosed tag");
  fl_error_format(&e, buf, sizeof buf);
  CHECK_STR(buf, "a.xml:3:7: input: unclosed tag");
  CHECK(fl_error_at(NULL, FL_EIO, "f", 0, "x") == FL_EIO);
}

static void error_truncates_long_names(void) {
  char name[1000];
  memset(name, 'a', sizeof name - 1);
  name[sizeof name - 1] = 0;
  fl_error e;
  fl_error_at(&e, FL_EIO, name, 1, "%s", name);
  CHECK(strlen(e.file) == sizeof e.file - 1);
  CHECK(strlen(e.message) == sizeof e.message - 1);
}

int main(void) {
  RUN(crc32_known_vectors);
  RUN(crc32_fast_path_matches_portable);
  RUN(error_formats_location);
  RUN(error_truncates_long_names);
  TEST_EXIT();
}
