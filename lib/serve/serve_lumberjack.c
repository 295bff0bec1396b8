/*
** Lumberjack v2, as Winlogbeat's Logstash output (go-lumber) speaks it:
** '2''W' + u32 window, then the window's events as '2''J' + u32 seq + u32
** length + JSON, optionally wrapped in '2''C' + u32 length + zlib of those
** frames. The server answers '2''A' + u32 seq: every event up to seq is
** safe. serve sends that ACK only when the job holding seq has committed
** (serve_conn.c), so the client's window is the backpressure.
**
** Must never: trust a length past the limits (a compressed frame inflates
** to at most SERVE_LJ_INFLATE_MAX), read past the bytes given, or ACK.
*/
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "serve/serve_lumberjack.h"

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Inflates a 'C' frame's payload; NULL (why set) when broken or too big. */
static unsigned char *inflate_frame(const unsigned char *p, size_t n, size_t *out_len,
                                    const char **why) {
  z_stream z;
  memset(&z, 0, sizeof z);
  if (inflateInit(&z) != Z_OK) {
    *why = "cannot inflate";
    return NULL;
  }
  size_t cap = n * 4 + 4096, used = 0;
  unsigned char *out = NULL;
  int rc = Z_OK;
  z.next_in = (unsigned char *)(uintptr_t)p;
  z.avail_in = (uInt)n;
  while (rc == Z_OK) {
    if (cap > SERVE_LJ_INFLATE_MAX) cap = SERVE_LJ_INFLATE_MAX;
    unsigned char *o = realloc(out, cap);
    if (!o) break;
    out = o;
    z.next_out = out + used;
    z.avail_out = (uInt)(cap - used);
    rc = inflate(&z, Z_NO_FLUSH);
    used = cap - z.avail_out;
    if (rc == Z_OK && used == cap) {
      if (cap == SERVE_LJ_INFLATE_MAX) break;
      cap *= 2;
    } else if (rc == Z_OK && z.avail_in == 0) {
      break;
    }
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END) {
    free(out);
    *why = used >= SERVE_LJ_INFLATE_MAX ? "compressed frame inflates past the limit"
                                        : "broken compressed frame";
    return NULL;
  }
  *out_len = used;
  return out;
}

fl_serve_frame_result serve_lj_next(fl_serve *s, serve_lj *st, const unsigned char *d,
                                    size_t len, int inner, serve_job *j, size_t *used,
                                    const char **why) {
  *used = 0;
  if (len < 2) return FL_SERVE_FRAME_MORE;
  if (d[0] != '2') {
    *why = "not Lumberjack v2 (version byte is not '2')";
    return FL_SERVE_FRAME_BAD;
  }
  if (d[1] == 'W') {
    if (len < 6) return FL_SERVE_FRAME_MORE;
    st->window = be32(d + 2);
    *used = 6;
    return FL_SERVE_FRAME_OK;
  }
  if (d[1] == 'J') {
    if (len < 10) return FL_SERVE_FRAME_MORE;
    uint32_t seq = be32(d + 2), n = be32(d + 6);
    if (n > s->opt.max_frame) {
      *why = "Lumberjack event larger than the maximum frame";
      return FL_SERVE_FRAME_BAD;
    }
    if (len - 10 < n) return FL_SERVE_FRAME_MORE;
    if (serve_job_add(s, j, (const char *)d + 10, n) != 0) {
      *why = "out of memory";
      return FL_SERVE_FRAME_BAD;
    }
    j->ack_seq = seq;
    j->has_ack = 1;
    *used = 10 + (size_t)n;
    return FL_SERVE_FRAME_OK;
  }
  if (d[1] == 'C' && !inner) {
    if (len < 6) return FL_SERVE_FRAME_MORE;
    uint32_t n = be32(d + 2);
    if (n > SERVE_LJ_INFLATE_MAX) {
      *why = "compressed frame larger than the limit";
      return FL_SERVE_FRAME_BAD;
    }
    if (len - 6 < n) return FL_SERVE_FRAME_MORE;
    size_t il = 0;
    unsigned char *in = inflate_frame(d + 6, n, &il, why);
    if (!in) return FL_SERVE_FRAME_BAD;
    size_t off = 0;
    fl_serve_frame_result r = FL_SERVE_FRAME_OK;
    while (off < il && r == FL_SERVE_FRAME_OK) {
      size_t u = 0;
      r = serve_lj_next(s, st, in + off, il - off, 1, j, &u, why);
      off += u;
    }
    free(in);
    if (r != FL_SERVE_FRAME_OK) {
      if (r == FL_SERVE_FRAME_MORE) *why = "compressed frame ends inside a frame";
      return FL_SERVE_FRAME_BAD;
    }
    *used = 6 + (size_t)n;
    return FL_SERVE_FRAME_OK;
  }
  *why = "unknown Lumberjack frame type";
  return FL_SERVE_FRAME_BAD;
}
