/*
** Unit tests for lib/common: CRC-32, error formatting, and the text toolkit
** (JSON/HTML/CSV/terminal escaping policies of fl_text.h, UTF-8, FILETIME
** <-> ISO 8601, FNV-1a, SHA-256 against the FIPS 180-2 vectors), fl_buf.
*/
#include "harness.h"

#include "common/fl_buf.h"
#include "common/fl_crc32.h"
#include "common/fl_error.h"
#include "common/fl_hash.h"
#include "common/fl_sha256.h"
#include "common/fl_text.h"
#include "common/fl_time.h"
#include "common/fl_utf8.h"

static size_t json(const char *s, size_t n, char *out, size_t cap) {
  return fl_text_escape(FL_TEXT_JSON, s, n, 0, out, cap);
}
static size_t csv(const char *s, size_t n, char *out, size_t cap) {
  return fl_text_escape(FL_TEXT_CSV, s, n, 0, out, cap);
}
static size_t term(const char *s, size_t n, char *out, size_t cap) {
  return fl_text_escape(FL_TEXT_TERM, s, n, 0, out, cap);
}
static size_t html(const char *s, size_t n, char *out, size_t cap) {
  return fl_text_escape(FL_TEXT_HTML, s, n, 0, out, cap);
}

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

static void sha256_vectors_on(void) {
  char hex[65];
  fl_sha256_hex("", 0, hex);
  CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  fl_sha256_hex("abc", 3, hex);
  CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  fl_sha256_hex(m, strlen(m), hex);
  CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  /* one million 'a', fed in uneven pieces to cross block boundaries */
  static char a[1000];
  memset(a, 'a', sizeof a);
  fl_sha256_ctx s;
  uint8_t d[32];
  fl_sha256_init(&s);
  size_t done = 0, step = 1;
  while (done < 1000000) {
    size_t n = step % 997 + 1;
    if (n > 1000000 - done) n = 1000000 - done;
    fl_sha256_update(&s, a, n);
    done += n;
    step += 63;
  }
  fl_sha256_final(&s, d);
  fl_hex(d, 32, hex);
  CHECK_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  /* 55/56/64-byte messages: the padding edge cases */
  fl_sha256_hex(a, 55, hex);
  CHECK_STR(hex, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  fl_sha256_hex(a, 56, hex);
  CHECK_STR(hex, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  fl_sha256_hex(a, 64, hex);
  CHECK_STR(hex, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

/* Digests of pseudo-random data of every length 0..600 and a 1 MiB + 17
** message in uneven pieces, on the current implementation. */
static void sha256_random_digests(char out[602][65]) {
  static uint8_t buf[(1 << 20) + 17];
  uint32_t x = 2463534242u;
  for (size_t i = 0; i < sizeof buf; i++) {
    x ^= x << 13; x ^= x >> 17; x ^= x << 5;
    buf[i] = (uint8_t)x;
  }
  for (size_t n = 0; n <= 600; n++) fl_sha256_hex(buf + n, n, out[n]);
  fl_sha256_ctx s;
  uint8_t d[32];
  fl_sha256_init(&s);
  for (size_t off = 0, step = 1; off < sizeof buf; step += 129) {
    size_t n = step % 5000;
    if (n > sizeof buf - off) n = sizeof buf - off;
    fl_sha256_update(&s, buf + off, n);
    off += n;
  }
  fl_sha256_final(&s, d);
  fl_hex(d, 32, out[601]);
}

/* The FIPS vectors on both implementations (SHA-NI when the CPU has it,
** and the portable code), and the two agree on random data. */
static void sha256_vectors(void) {
  static char fast[602][65], portable[602][65];
  int ni = fl_sha256_use_portable(0);
  printf("# sha256: %s\n", ni ? "SHA-NI and portable" : "portable only");
  sha256_vectors_on();
  sha256_random_digests(fast);
  fl_sha256_use_portable(1);
  sha256_vectors_on();
  sha256_random_digests(portable);
  fl_sha256_use_portable(0);
  int same = 1;
  for (int i = 0; i < 602; i++) same &= strcmp(fast[i], portable[i]) == 0;
  CHECK(same);
}

static void escaping_hostile_text(void) {
  char out[256];
  CHECK(csv("plain", 5, out, sizeof out) == 5);
  CHECK_STR(out, "plain");
  csv("=1+2", 4, out, sizeof out);
  CHECK_STR(out, "\"'=1+2\"");
  csv("@SUM(A1)", 8, out, sizeof out);
  CHECK_STR(out, "\"'@SUM(A1)\"");
  csv("-5", 2, out, sizeof out);
  CHECK_STR(out, "\"'-5\"");
  csv("+x", 2, out, sizeof out);
  CHECK_STR(out, "\"'+x\"");
  csv("a,b", 3, out, sizeof out);
  CHECK_STR(out, "\"a,b\"");
  csv("say \"hi\"\r\n", 10, out, sizeof out);
  CHECK_STR(out, "\"say \"\"hi\"\"\r\n\"");
  json("q\"b\\\n\x01\x7f", 7, out, sizeof out);
  CHECK_STR(out, "\"q\\\"b\\\\\\n\\u0001\\u007f\"");
  json("\xff\xc3(", 3, out, sizeof out); /* invalid UTF-8 */
  CHECK_STR(out, "\"\\ufffd\\ufffd(\"");
  json("\xe2\x80\xae\xe2\x80\xa8\xc3\xa9", 8, out, sizeof out);
  CHECK_STR(out, "\"\\u202e\\u2028\xc3\xa9\"");
  json("\xed\xa0\x80", 3, out, sizeof out); /* a surrogate */
  CHECK_STR(out, "\"\\ufffd\\ufffd\\ufffd\"");
  term("\x1b[31mred\xc2\x9b\xff\xe2\x80\xae.", 15, out, sizeof out);
  CHECK_STR(out, "\\x1b[31mred\\xc2\\x9b\\xff\\xe2\\x80\\xae.");
  CHECK(json("a\0b", 3, out, sizeof out) == 10);
  CHECK_STR(out, "\"a\\u0000b\"");
  CHECK(csv("abcdef,", 7, out, 4) == 9); /* truncation */
  CHECK_STR(out, "\"ab");
}

/* Every single byte, alone and inside text long enough for the vector
** step, escapes as JSON's rules and ours say: printable ASCII as itself
** (but " and \), controls and DEL as \u00XX or a short escape, every byte
** >= 0x80 alone as \ufffd (never valid UTF-8 on its own). */
static void json_escape_every_byte(void) {
  char in[40], out[128], want[128];
  for (int c = 0; c < 256; c++) {
    const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n"
                      : c == '\t' ? "\\t" : c == '\r' ? "\\r" : NULL;
    char one[8];
    if (esc) snprintf(one, sizeof one, "%s", esc);
    else if (c >= 0x20 && c < 0x7F) snprintf(one, sizeof one, "%c", c);
    else snprintf(one, sizeof one, "\\u%04x", c < 0x80 ? c : 0xFFFD);
    memset(in, 'a', sizeof in);
    in[20] = (char)c; /* after 20 plain bytes: past one 16-byte step */
    snprintf(want, sizeof want, "\"%.20s%s%.19s\"", in, one, in);
    json(in, sizeof in, out, sizeof out);
    if (strcmp(out, want) != 0) {
      CHECK_STR(out, want);
      return;
    }
    char b = (char)c;
    snprintf(want, sizeof want, "\"%s\"", one);
    json(&b, 1, out, sizeof out);
    if (strcmp(out, want) != 0) {
      CHECK_STR(out, want);
      return;
    }
  }
  CHECK(1);
}

/* No output form lets a control byte through: C0 (ESC, BEL...), DEL and
** the C1 controls (CSI U+009B) alone, inside text and at the ends. */
static void controls_never_pass(void) {
  char in[8], out[64];
  for (uint32_t cp = 0; cp < 0xA0; cp++) {
    if (cp >= 0x20 && cp < 0x7F) continue;
    size_t n = 0;
    in[n++] = 'a';
    if (cp < 0x80) in[n++] = (char)cp;
    else { in[n++] = (char)(0xC0 | (cp >> 6)); in[n++] = (char)(0x80 | (cp & 0x3F)); }
    in[n++] = 'b';
    fl_text_kind kinds[] = {FL_TEXT_JSON, FL_TEXT_HTML, FL_TEXT_CSV, FL_TEXT_TERM};
    for (size_t k = 0; k < 4; k++) {
      size_t len = fl_text_escape(kinds[k], in, n, 0, out, sizeof out);
      for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)out[i];
        int allowed = (kinds[k] == FL_TEXT_HTML && (c == '\n' || c == '\t')) ||
                      (kinds[k] == FL_TEXT_CSV && (c == '\n' || c == '\t' || c == '\r'));
        if ((c < 0x20 && !allowed) || c == 0x7F ||
            (c == 0xC2 && (unsigned char)out[i + 1] < 0xA0)) {
          CHECK(!"a control passed");
          printf("# kind %zu cp %02x -> %s\n", k, (unsigned)cp, out);
          return;
        }
      }
    }
  }
  /* a newline is a line break only when asked for */
  CHECK(fl_text_escape(FL_TEXT_TERM, "a\nb", 3, FL_TEXT_TERM_NEWLINES, out, sizeof out) == 3);
  term("a\nb\x1b]0;x\x07", 9, out, sizeof out);
  CHECK_STR(out, "a\\x0ab\\x1b]0;x\\x07");
  CHECK(fl_text_term_width("a\nb\x1b", 4, 0) == 4 + 4 + 2);
  CHECK(fl_text_term_width("caf\xc3\xa9", 5, 0) == 4);
  term("CORP\\SRV \\x41", 13, out, sizeof out);
  CHECK_STR(out, "CORP\\SRV \\\\x41");
  CHECK(fl_text_term_width("CORP\\SRV \\x41", 13, 0) == 14);
}

static void html_and_csv_policies(void) {
  char out[128];
  html("<a href='x'>&\"\x01\xff\xc2\x85\n", 19, out, sizeof out);
  CHECK_STR(out, "&lt;a href=&#39;x&#39;&gt;&amp;&quot;\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\n");
  csv("a\x1b[2J\xff", 6, out, sizeof out);
  CHECK_STR(out, "a\xEF\xBF\xBD[2J\xEF\xBF\xBD");
  csv(" lead", 5, out, sizeof out);
  CHECK_STR(out, "\" lead\"");
  csv("\tcmd", 4, out, sizeof out);
  CHECK_STR(out, "\"'\tcmd\"");
  CHECK(csv("", 0, out, sizeof out) == 0);
  /* JSON inside an HTML <script>: "</" cannot close it */
  fl_text_escape(FL_TEXT_JSON, "a</script><//", 13, FL_TEXT_JSON_SCRIPT, out, sizeof out);
  CHECK_STR(out, "\"a<\\/script><\\//\"");
  json("a</b", 4, out, sizeof out);
  CHECK_STR(out, "\"a</b\"");
  /* as exporting tools write it: only C0, quote, backslash; bad bytes \ufffd */
  fl_text_escape(FL_TEXT_JSON, "\x7f\xc2\x85\xe2\x80\xae\x01\"\xff", 9,
                 FL_TEXT_JSON_AS_EXPORTED, out, sizeof out);
  CHECK_STR(out, "\"\x7f\xc2\x85\xe2\x80\xae\\u0001\\\"\\ufffd\"");
}

static void utf8_decoding(void) {
  uint32_t cp = 0;
  CHECK(fl_utf8_decode((const unsigned char *)"\xc3\xa9", 2, &cp) == 2 && cp == 0xE9);
  CHECK(fl_utf8_decode((const unsigned char *)"\xc3\xa9", 1, &cp) == 0);
  CHECK(fl_utf8_decode((const unsigned char *)"\xf0\x9f\x98\x80", 4, &cp) == 4 && cp == 0x1F600);
  CHECK(fl_utf8_decode((const unsigned char *)"\xc0\xaf", 2, &cp) == 0);     /* overlong */
  CHECK(fl_utf8_decode((const unsigned char *)"\xe0\x80\xaf", 3, &cp) == 0); /* overlong */
  CHECK(fl_utf8_decode((const unsigned char *)"\xed\xa0\x80", 3, &cp) == 0); /* surrogate */
  CHECK(fl_utf8_decode((const unsigned char *)"\xf4\x90\x80\x80", 4, &cp) == 0);
  CHECK(fl_utf8_decode((const unsigned char *)"", 0, &cp) == 0);
  CHECK(fl_utf8_valid("caf\xc3\xa9", 5));
  CHECK(!fl_utf8_valid("caf\xc3", 4));
}

static void filetime_iso_round_trip(void) {
  char t[FL_TIME_ISO_MAX];
  uint64_t ft = 133589760001234567ull; /* 2024-04-29T... */
  CHECK(fl_time_iso(ft, 7, t) == 28);
  uint64_t back = 0;
  CHECK(fl_time_parse_iso(t, strlen(t), 0, &back) == 0 && back == ft);
  CHECK(fl_time_iso(0, 0, t) == 20);
  CHECK_STR(t, "1601-01-01T00:00:00Z");
  CHECK(fl_time_iso(116444736000000000ull, 3, t) == 24);
  CHECK_STR(t, "1970-01-01T00:00:00.000Z");
  fl_time_iso(116444736001234567ull, 9, t);
  CHECK_STR(t, "1970-01-01T00:00:00.123456700Z");
  fl_time_iso(UINT64_MAX, 7, t);
  CHECK_STR(t, "60056-05-28T05:36:10.9551615Z");
  CHECK(fl_time_parse_iso("1970-01-01T01:00:00+01:00", 25, 0, &back) == 0 &&
        back == 116444736000000000ull);
  CHECK(fl_time_parse_iso("1970-01-01 00:00:00,5z", 22, 0, &back) == 0 &&
        back == 116444736005000000ull);
  CHECK(fl_time_parse_iso("1970-01-01", 10, 0, &back) == -1);
  CHECK(fl_time_parse_iso("1970-1-1", 8, FL_TIME_PARSE_SHORT, &back) == 0 &&
        back == 116444736000000000ull);
  CHECK(fl_time_parse_iso("1970-01-01T00:30", 16, FL_TIME_PARSE_SHORT, &back) == 0 &&
        back == 116444736000000000ull + 1800ull * 10000000u);
  CHECK(fl_time_parse_iso("1600-12-31T23:59:59Z", 20, 0, &back) == -1);
  CHECK(fl_time_parse_iso("2024-01-01T00:00:00Zx", 21, 0, &back) == -1);
  CHECK(fl_time_parse_iso("2024-13-01T00:00:00Z", 20, 0, &back) == -1);
  /* every day boundary of a few centuries survives the round trip */
  int ok = 1;
  for (uint64_t d = 0; d < 400 * 366; d += 7) {
    uint64_t f = d * 864000000000ull + 9999999u;
    fl_time_iso(f, 7, t);
    ok &= fl_time_parse_iso(t, strlen(t), 0, &back) == 0 && back == f;
  }
  CHECK(ok);
}

static void fnv1a_vectors(void) {
  CHECK(fl_fnv1a64("", 0) == 0xcbf29ce484222325ull);
  CHECK(fl_fnv1a64("a", 1) == 0xaf63dc4c8601ec8cull);
  CHECK(fl_fnv1a64("foobar", 6) == 0x85944171f73967e8ull);
  CHECK(fl_fnv1a64_add(fl_fnv1a64("foo", 3), "bar", 3) == fl_fnv1a64("foobar", 6));
}

/* fl_buf appends: printf output whole however long (no fixed cut), a NUL
** after the content, nothing after a failed growth. */
static void buf_appends(void) {
  fl_buf b = {0};
  fl_buf_puts(&b, "ab");
  fl_buf_putc(&b, 'c');
  fl_buf_put(&b, "dxx", 1);
  fl_buf_printf(&b, "-%d-", 42);
  CHECK(b.len == 8 && memcmp(b.p, "abcd-42-", 8) == 0 && b.p[b.len] == '\0');
  char big[3000];
  memset(big, 'z', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  fl_buf_printf(&b, "<%s>", big);
  CHECK(b.len == 8 + 2 + sizeof big - 1 && b.p[8] == '<' && b.p[b.len - 1] == '>' &&
        b.p[b.len] == '\0' && b.p[9 + 2998] == 'z');
  b.failed = 1;
  size_t len = b.len;
  fl_buf_printf(&b, "%s", "more");
  fl_buf_puts(&b, "more");
  CHECK(b.len == len);
  fl_buf_free(&b);
}

int main(void) {
  RUN(buf_appends);
  RUN(crc32_known_vectors);
  RUN(crc32_fast_path_matches_portable);
  RUN(error_formats_location);
  RUN(error_truncates_long_names);
  RUN(sha256_vectors);
  RUN(escaping_hostile_text);
  RUN(json_escape_every_byte);
  RUN(controls_never_pass);
  RUN(html_and_csv_policies);
  RUN(utf8_decoding);
  RUN(filetime_iso_round_trip);
  RUN(fnv1a_vectors);
  TEST_EXIT();
}
