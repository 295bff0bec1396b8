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
  RUN(error_formats_location);
  RUN(error_truncates_long_names);
  TEST_EXIT();
}
