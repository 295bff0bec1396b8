/*
** Framing of event streams (RFC 6587 octet counting, newline-delimited
** lines, bare event XML spanning lines) and the payload inside one message
** (bare JSON / event XML, or the MSG part of an RFC 5424 or RFC 3164 syslog
** line). Pure functions over bytes the caller owns.
**
** Must never: read past len, trust a length prefix beyond max_frame, or
** allocate.
*/
#include <string.h>

#include "faultline/serve.h"

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static const char *find_bytes(const char *h, size_t hl, const char *n, size_t nl) {
  if (nl == 0 || hl < nl) return NULL;
  for (size_t i = 0; i + nl <= hl; i++) {
    const char *p = memchr(h + i, n[0], hl - nl + 1 - i);
    if (!p) return NULL;
    i = (size_t)(p - h);
    if (memcmp(p, n, nl) == 0) return p;
  }
  return NULL;
}

static void trim(const char **p, size_t *len) {
  const char *s = *p;
  size_t n = *len;
  if (n >= 3 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
      (unsigned char)s[2] == 0xBF) {
    s += 3;
    n -= 3;
  }
  while (n && is_space(*s)) { s++; n--; }
  while (n && (is_space(s[n - 1]) || s[n - 1] == '\0')) n--;
  *p = s;
  *len = n;
}

/* A bare payload: JSON or event XML (an XML prolog is dropped so runs of
** events concatenate). */
static fl_serve_payload_kind bare(const char *s, size_t n, const char **out,
                                  size_t *out_len) {
  trim(&s, &n);
  if (n && s[0] == '{') {
    *out = s;
    *out_len = n;
    return FL_SERVE_PAYLOAD_JSON;
  }
  if (n >= 5 && memcmp(s, "<?xml", 5) == 0) {
    const char *end = find_bytes(s, n, "?>", 2);
    if (!end) return FL_SERVE_PAYLOAD_NONE;
    n -= (size_t)(end + 2 - s);
    s = end + 2;
    trim(&s, &n);
  }
  if (n >= 6 && memcmp(s, "<Event", 6) == 0 && (n == 6 || s[6] == '>' || s[6] == '/' || is_space(s[6]))) {
    *out = s;
    *out_len = n;
    return FL_SERVE_PAYLOAD_XML;
  }
  return FL_SERVE_PAYLOAD_NONE;
}

/* Skips one space-separated header field; NULL when the line ends. */
static const char *skip_field(const char *p, const char *end) {
  while (p < end && *p != ' ') p++;
  return p < end ? p + 1 : NULL;
}

/* RFC 5424 after "<PRI>1 ": TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG. */
static const char *rfc5424_msg(const char *p, const char *end) {
  for (int i = 0; i < 5 && p; i++) p = skip_field(p, end);
  if (!p || p >= end) return NULL;
  if (*p == '-') {
    p++;
  } else {
    while (p < end && *p == '[') { /* SD-ELEMENTs; '\]' escapes inside */
      p++;
      while (p < end && *p != ']') p += (*p == '\\' && p + 1 < end) ? 2 : 1;
      if (p >= end) return NULL;
      p++;
    }
  }
  if (p < end && *p == ' ') p++;
  return p;
}

fl_serve_payload_kind fl_serve_payload(const char *msg, size_t len,
                                       const char **out, size_t *out_len) {
  const char *s = msg;
  size_t n = len;
  trim(&s, &n);
  *out = NULL;
  *out_len = 0;
  if (n < 3 || s[0] != '<' || !is_digit(s[1])) return bare(s, n, out, out_len);
  /* syslog: <PRI> of 1-3 digits */
  size_t i = 1;
  while (i < n && i < 4 && is_digit(s[i])) i++;
  if (i >= n || s[i] != '>') return FL_SERVE_PAYLOAD_NONE;
  const char *p = s + i + 1, *end = s + n;
  if (end - p >= 2 && p[0] == '1' && p[1] == ' ') {
    const char *m = rfc5424_msg(p + 2, end);
    return m ? bare(m, (size_t)(end - m), out, out_len) : FL_SERVE_PAYLOAD_NONE;
  }
  /* RFC 3164: "Mmm dd hh:mm:ss HOST TAG: MSG"; the tag ends the header, so
  ** the event is the first '{' or '<' after it */
  for (const char *q = p; q < end; q++) {
    if (*q == '{' || *q == '<') {
      fl_serve_payload_kind k = bare(q, (size_t)(end - q), out, out_len);
      if (k != FL_SERVE_PAYLOAD_NONE) return k;
    }
  }
  return FL_SERVE_PAYLOAD_NONE;
}

static fl_serve_frame_result octet_frame(const char *data, size_t len,
                                         size_t max_frame, size_t *used,
                                         const char **msg, size_t *msg_len,
                                         const char **why) {
  size_t i = 0, n = 0;
  while (i < len && is_digit(data[i])) {
    if (i >= 10) break;
    n = n * 10 + (size_t)(data[i] - '0');
    i++;
  }
  if (i == len) return FL_SERVE_FRAME_MORE;
  if (i == 0 || data[i] != ' ') {
    *why = "octet-counted frame without a length";
    return FL_SERVE_FRAME_BAD;
  }
  if (n == 0 || n > max_frame) {
    *why = n ? "frame larger than the maximum" : "empty octet-counted frame";
    return FL_SERVE_FRAME_BAD;
  }
  if (len - i - 1 < n) return FL_SERVE_FRAME_MORE;
  *msg = data + i + 1;
  *msg_len = n;
  *used = i + 1 + n;
  return FL_SERVE_FRAME_OK;
}

static fl_serve_frame_result line_frame(const char *data, size_t len,
                                        size_t max_frame, int at_eof,
                                        size_t *used, const char **msg,
                                        size_t *msg_len, const char **why) {
  const char *s = data;
  size_t n = len;
  size_t lead = 0;
  while (lead < n && is_space(s[lead])) lead++;
  const char *nl = NULL;
  if (n - lead >= 2 && s[lead] == '<' && (s[lead + 1] == '?' || s[lead + 1] == 'E')) {
    /* bare event XML: up to its </Event>, whatever the newlines */
    const char *end = find_bytes(s + lead, n - lead, "</Event>", 8);
    if (end) {
      nl = end + 8;
      while (nl < s + n && *nl != '\n') nl++;
      if (nl == s + n) nl--; /* frame ends with the close tag */
    }
  } else {
    nl = memchr(s + lead, '\n', n - lead);
  }
  size_t frame = nl ? (size_t)(nl - s) + 1 : n;
  if (!nl && !at_eof) {
    if (n > max_frame) {
      *why = "line longer than the maximum frame";
      return FL_SERVE_FRAME_BAD;
    }
    return FL_SERVE_FRAME_MORE;
  }
  if (frame > max_frame + lead + 1) {
    *why = "line longer than the maximum frame";
    return FL_SERVE_FRAME_BAD;
  }
  *msg = s + lead;
  *msg_len = frame - lead;
  *used = frame;
  return FL_SERVE_FRAME_OK;
}

fl_serve_frame_result fl_serve_frame_next(fl_serve_framing *framing,
                                          const char *data, size_t len,
                                          size_t max_frame, int at_eof,
                                          size_t *used, const char **msg,
                                          size_t *msg_len, const char **why) {
  *used = 0;
  *msg = NULL;
  *msg_len = 0;
  *why = NULL;
  if (*framing == FL_SERVE_FRAMING_UNKNOWN) {
    size_t i = 0;
    while (i < len && is_space(data[i])) i++;
    if (i == len) {
      *used = len; /* blank so far: nothing to keep */
      return FL_SERVE_FRAME_MORE;
    }
    *framing = is_digit(data[i]) ? FL_SERVE_FRAMING_OCTET : FL_SERVE_FRAMING_LINE;
  }
  if (*framing == FL_SERVE_FRAMING_OCTET) {
    size_t skip = 0; /* a sender may put a newline between frames */
    while (skip < len && (data[skip] == '\n' || data[skip] == '\r')) skip++;
    if (skip == len) {
      *used = len;
      return FL_SERVE_FRAME_MORE;
    }
    fl_serve_frame_result r = octet_frame(data + skip, len - skip, max_frame,
                                          used, msg, msg_len, why);
    if (r == FL_SERVE_FRAME_OK) *used += skip;
    if (r == FL_SERVE_FRAME_MORE && at_eof) {
      *why = "stream ended inside an octet-counted frame";
      return FL_SERVE_FRAME_BAD;
    }
    return r;
  }
  size_t blank = 0;
  while (blank < len && is_space(data[blank])) blank++;
  if (blank == len) {
    *used = len;
    return FL_SERVE_FRAME_MORE;
  }
  fl_serve_frame_result r = line_frame(data + blank, len - blank, max_frame,
                                       at_eof, used, msg, msg_len, why);
  if (r == FL_SERVE_FRAME_OK) *used += blank;
  return r;
}
