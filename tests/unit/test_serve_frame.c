/*
** Unit tests of serve's framing (RFC 6587 octet counting, lines, bare XML
** over lines) and of the payload inside syslog messages (RFC 5424 with and
** without structured data, RFC 3164, bare JSON / XML). Never opens sockets.
*/
#include <string.h>

#include "faultline/serve.h"
#include "harness.h"

/* All frames of a stream as "kind:payload|" (J json, X xml, N none). */
static int frames(const char *in, size_t max, char *out, size_t cap) {
  fl_serve_framing fr = FL_SERVE_FRAMING_UNKNOWN;
  size_t off = 0, len = strlen(in);
  out[0] = '\0';
  for (;;) {
    size_t used;
    const char *msg, *why, *p;
    size_t ml, pl;
    fl_serve_frame_result r = fl_serve_frame_next(&fr, in + off, len - off, max, 1,
                                                  &used, &msg, &ml, &why);
    off += used;
    if (r == FL_SERVE_FRAME_BAD) return -1;
    if (r == FL_SERVE_FRAME_MORE) return 0;
    fl_serve_payload_kind k = fl_serve_payload(msg, ml, &p, &pl);
    size_t n = strlen(out);
    snprintf(out + n, cap - n, "%c:%.*s|", "NJX"[k], (int)pl, p ? p : "");
  }
}

static void test_octet_counting(void) {
  char out[512];
  const char *m1 = "<13>1 2026-12-03T07:00:00Z h app - - - {\"a\":1}";
  char in[256];
  snprintf(in, sizeof in, "%zu %s%zu %s", strlen(m1), m1, strlen("{\"b\":2}"), "{\"b\":2}");
  CHECK(frames(in, 1024, out, sizeof out) == 0);
  CHECK_STR(out, "J:{\"a\":1}|J:{\"b\":2}|");
  /* a length past the maximum, a length without its space */
  CHECK(frames("99999 {}", 100, out, sizeof out) == -1);
  CHECK(frames("12x{}", 100, out, sizeof out) == -1);
  /* cut short at the end of the stream */
  CHECK(frames("10 {}", 100, out, sizeof out) == -1);
}

static void test_partial_octet_frame_waits(void) {
  fl_serve_framing fr = FL_SERVE_FRAMING_UNKNOWN;
  size_t used, ml;
  const char *msg, *why;
  CHECK(fl_serve_frame_next(&fr, "7 {\"a\":", 7, 100, 0, &used, &msg, &ml, &why) ==
        FL_SERVE_FRAME_MORE);
  CHECK(fr == FL_SERVE_FRAMING_OCTET);
  CHECK(fl_serve_frame_next(&fr, "12", 2, 100, 0, &used, &msg, &ml, &why) ==
        FL_SERVE_FRAME_MORE);
}

static void test_lines(void) {
  char out[512];
  CHECK(frames("{\"a\":1}\n\n<14>Dec  3 07:00:00 host winlogbeat: {\"b\":2}\r\nplain text\n",
               1024, out, sizeof out) == 0);
  CHECK_STR(out, "J:{\"a\":1}|J:{\"b\":2}|N:|");
  /* the last line without a newline counts at the end of the stream */
  CHECK(frames("{\"a\":1}\n{\"c\":3}", 1024, out, sizeof out) == 0);
  CHECK_STR(out, "J:{\"a\":1}|J:{\"c\":3}|");
  /* too long a line */
  CHECK(frames("{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\":1}\n", 10, out, sizeof out) == -1);
}

static void test_xml_over_lines(void) {
  char out[512];
  CHECK(frames("<?xml version=\"1.0\"?>\n<Event xmlns=\"x\">\n <System/>\n</Event>\n"
               "<Event><System/></Event>\n",
               1024, out, sizeof out) == 0);
  CHECK_STR(out, "X:<Event xmlns=\"x\">\n <System/>\n</Event>|X:<Event><System/></Event>|");
}

static void test_syslog_payloads(void) {
  const char *p;
  size_t n;
  /* RFC 5424 with structured data holding a ']' escape and braces */
  const char *m = "<165>1 2026-12-03T07:00:00.1Z host app 12 ID47 [x@1 a=\"{\\]\"][y@2] <Event><System/></Event>";
  CHECK(fl_serve_payload(m, strlen(m), &p, &n) == FL_SERVE_PAYLOAD_XML);
  CHECK(n == strlen("<Event><System/></Event>"));
  /* RFC 5424 MSG with a BOM */
  const char *b = "<13>1 - - - - - - \xEF\xBB\xBF{\"k\":\"v\"}";
  CHECK(fl_serve_payload(b, strlen(b), &p, &n) == FL_SERVE_PAYLOAD_JSON);
  CHECK(n == 9);
  /* RFC 3164 with an XML event, and one with no event */
  const char *c = "<13>Dec  3 07:00:00 WIN01 nxlog[12]: <?xml version=\"1.0\"?><Event/>";
  CHECK(fl_serve_payload(c, strlen(c), &p, &n) == FL_SERVE_PAYLOAD_XML);
  const char *d = "<13>Dec  3 07:00:00 host sshd[1]: Accepted publickey";
  CHECK(fl_serve_payload(d, strlen(d), &p, &n) == FL_SERVE_PAYLOAD_NONE);
  /* not syslog, not an event */
  CHECK(fl_serve_payload("<Events>", 8, &p, &n) == FL_SERVE_PAYLOAD_NONE);
  CHECK(fl_serve_payload("<9999>x", 7, &p, &n) == FL_SERVE_PAYLOAD_NONE);
}

static void test_spec(void) {
  char scheme[16], host[64];
  unsigned port;
  fl_error err;
  CHECK(fl_serve_parse_spec("tcp://127.0.0.1:5514", scheme, sizeof scheme, host,
                            sizeof host, &port, &err) == FL_OK);
  CHECK_STR(scheme, "tcp");
  CHECK_STR(host, "127.0.0.1");
  CHECK(port == 5514);
  CHECK(fl_serve_parse_spec("udp://[::1]:0", scheme, sizeof scheme, host, sizeof host,
                            &port, &err) == FL_OK);
  CHECK_STR(host, "::1");
  CHECK(fl_serve_parse_spec("tcp://:514", scheme, sizeof scheme, host, sizeof host,
                            &port, &err) == FL_OK);
  CHECK_STR(host, "");
  CHECK(fl_serve_parse_spec("ftp://x:1", scheme, sizeof scheme, host, sizeof host,
                            &port, &err) == FL_EUSAGE);
  CHECK(fl_serve_parse_spec("tcp://x:70000", scheme, sizeof scheme, host, sizeof host,
                            &port, &err) == FL_EUSAGE);
  CHECK(fl_serve_parse_spec("tcp://x", scheme, sizeof scheme, host, sizeof host,
                            &port, &err) == FL_EUSAGE);
}

int main(void) {
  RUN(test_octet_counting);
  RUN(test_partial_octet_frame_waits);
  RUN(test_lines);
  RUN(test_xml_over_lines);
  RUN(test_syslog_payloads);
  RUN(test_spec);
  TEST_EXIT();
}
