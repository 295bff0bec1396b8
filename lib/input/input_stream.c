/*
** A pull stream of decoded input bytes seen through a bounded window: raw
** bytes from a descriptor (a file, a pipe, a FIFO, standard input) or from
** caller memory; gzip inflated as it is read (every member, no size cap,
** a compression-ratio guard against bombs); UTF-16 transcoded to UTF-8; a
** UTF-8 BOM dropped. Readers see [base, base + len) of the decoded text
** and say which offset they still need; bytes before it are dropped.
**
** Must never: keep more than the reader asked to keep plus one fill, trust
** a size or a length from the input, inflate past the ratio guard, or
** wait on anything but the one descriptor it was given.
*/
#include <errno.h>
#include <stdarg.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include "input/input_internal.h"

#define FL_STREAM_FILL (1u << 20)   /* bytes asked of the source per fill */

size_t fl_input_stream_fill = FL_STREAM_FILL;
#define FL_STREAM_RAW (1u << 16)    /* compressed / UTF-16 staging buffer */

struct fl_input_stream {
  fl_input_view v;          /* first: what readers see */
  char *win;                /* v.p's storage */
  size_t cap;
  /* raw source */
  int fd;                   /* -1: memory */
  const unsigned char *mem;
  size_t mem_len, mem_pos;
  uint64_t raw_in;          /* raw bytes taken from the source */
  int raw_eof;
  /* gzip */
  int gz, gz_done;
  z_stream z;
  unsigned char *zbuf;
  uint64_t gz_in, gz_out;   /* compressed bytes inflated, bytes produced */
  /* UTF-16 */
  int started, u16;         /* u16: 1 = LE, 2 = BE */
  unsigned char *ubuf;
  size_t ulen;
  /* every raw byte taken from the source goes here too (a fingerprint) */
  fl_input_tap_fn tap;
  void *tap_user;
  /* what ended the stream early */
  fl_status st;
  char why[160];
};

const fl_input_view *fl_input_stream_view(const fl_input_stream *s) {
  return &s->v;
}

uint64_t fl_input_stream_raw_read(const fl_input_stream *s) { return s->raw_in; }

fl_status fl_input_stream_status(const fl_input_stream *s, const char **why) {
  if (why) *why = s->why;
  return s->st;
}

int fl_input_stream_inflated(const fl_input_stream *s) { return s->gz; }
int fl_input_stream_transcoded(const fl_input_stream *s) { return s->u16 != 0; }

static void fl_stream_fail(fl_input_stream *s, fl_status st, const char *fmt,
                           ...) FL_PRINTF(3, 4);
static void fl_stream_fail(fl_input_stream *s, fl_status st, const char *fmt,
                           ...) {
  if (s->st != FL_OK) return;
  s->st = st;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->why, sizeof s->why, fmt, ap);
  va_end(ap);
}

/* Raw bytes; 0 at the end of the source or on a read error. */
static size_t fl_stream_raw(fl_input_stream *s, unsigned char *dst, size_t cap) {
  if (s->raw_eof) return 0;
  if (s->fd < 0) {
    size_t n = s->mem_len - s->mem_pos;
    if (n > cap) n = cap;
    memcpy(dst, s->mem + s->mem_pos, n);
    s->mem_pos += n;
    s->raw_in += n;
    if (!n) s->raw_eof = 1;
    return n;
  }
  for (;;) {
    ssize_t r = read(s->fd, dst, cap);
    if (r > 0) {
      s->raw_in += (uint64_t)r;
      if (s->tap) s->tap(dst, (size_t)r, s->tap_user);
      return (size_t)r;
    }
    if (r == 0) break;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      struct pollfd p = {s->fd, POLLIN, 0};
      (void)poll(&p, 1, -1);
      continue;
    }
    fl_stream_fail(s, FL_EIO, "read error after %llu bytes",
                   (unsigned long long)s->raw_in);
    break;
  }
  s->raw_eof = 1;
  return 0;
}

/* The next gzip member's magic after a member's end: 1 when there is one
** (the inflater is reset), 0 at the end (trailing padding is ignored). */
static int fl_stream_next_member(fl_input_stream *s) {
  z_stream *z = &s->z;
  if (z->avail_in < 2) {
    if (z->avail_in) s->zbuf[0] = *z->next_in;
    size_t have = z->avail_in;
    size_t got = fl_stream_raw(s, s->zbuf + have, FL_STREAM_RAW - have);
    z->next_in = s->zbuf;
    z->avail_in = (uInt)(have + got);
  }
  if (z->avail_in < 2 || z->next_in[0] != 0x1f || z->next_in[1] != 0x8b)
    return 0;
  return inflateReset(z) == Z_OK;
}

/* Inflated bytes; 0 at the end, when damaged, or past the ratio guard. */
static size_t fl_stream_gunzip(fl_input_stream *s, unsigned char *dst,
                               size_t cap) {
  z_stream *z = &s->z;
  if (cap > (1u << 30)) cap = 1u << 30;
  while (!s->gz_done) {
    if (!z->avail_in) {
      size_t got = fl_stream_raw(s, s->zbuf, FL_STREAM_RAW);
      if (!got) {
        fl_stream_fail(s, FL_ECORRUPT,
                       "gzip data truncated at compressed offset %llu",
                       (unsigned long long)s->gz_in);
        s->gz_done = 1;
        break;
      }
      z->next_in = s->zbuf;
      z->avail_in = (uInt)got;
    }
    uInt in0 = z->avail_in;
    z->next_out = dst;
    z->avail_out = (uInt)cap;
    int r = inflate(z, Z_NO_FLUSH);
    size_t out = cap - z->avail_out;
    s->gz_in += in0 - z->avail_in;
    s->gz_out += out;
    if (r == Z_STREAM_END) {
      if (!fl_stream_next_member(s)) s->gz_done = 1;
    } else if (r != Z_OK && r != Z_BUF_ERROR) {
      fl_stream_fail(s, FL_ECORRUPT,
                     "gzip data damaged at compressed offset %llu",
                     (unsigned long long)s->gz_in);
      s->gz_done = 1;
    }
    if (s->gz_out > FL_INPUT_INFLATE_FREE &&
        s->gz_out / FL_INPUT_MAX_INFLATE_RATIO > s->gz_in) {
      fl_stream_fail(s, FL_ELIMIT,
                     "gzip data inflates more than %llu:1 (a decompression "
                     "bomb?); reading stopped there",
                     (unsigned long long)FL_INPUT_MAX_INFLATE_RATIO);
      s->gz_done = 1;
    }
    if (out) return out;
  }
  return 0;
}

/* Bytes before transcoding: raw or inflated. */
static size_t fl_stream_bytes(fl_input_stream *s, unsigned char *dst,
                              size_t cap) {
  return s->gz ? fl_stream_gunzip(s, dst, cap) : fl_stream_raw(s, dst, cap);
}

/* 1 = UTF-16LE, 2 = UTF-16BE, 0 = not UTF-16. */
static int fl_stream_utf16_kind(const unsigned char *p, size_t n) {
  if (n >= 2 && p[0] == 0xff && p[1] == 0xfe) return 1;
  if (n >= 2 && p[0] == 0xfe && p[1] == 0xff) return 2;
  if (n >= 4 && p[1] == 0 && p[3] == 0 && p[0] && p[0] < 0x80) return 1;
  if (n >= 4 && p[0] == 0 && p[2] == 0 && p[1] && p[1] < 0x80) return 2;
  return 0;
}

static size_t fl_stream_put_utf8(unsigned char *d, uint32_t c) {
  if (c < 0x80) { d[0] = (unsigned char)c; return 1; }
  if (c < 0x800) {
    d[0] = (unsigned char)(0xc0 | c >> 6);
    d[1] = (unsigned char)(0x80 | (c & 0x3f));
    return 2;
  }
  if (c < 0x10000) {
    d[0] = (unsigned char)(0xe0 | c >> 12);
    d[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
    d[2] = (unsigned char)(0x80 | (c & 0x3f));
    return 3;
  }
  d[0] = (unsigned char)(0xf0 | c >> 18);
  d[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3f));
  d[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
  d[3] = (unsigned char)(0x80 | (c & 0x3f));
  return 4;
}

/* UTF-16 staged in ubuf to UTF-8 in dst (cap >= 8). A unit or a surrogate
** pair cut by the staging buffer's end waits for the next call. */
static size_t fl_stream_utf16(fl_input_stream *s, unsigned char *dst,
                              size_t cap) {
  size_t out = 0;
  while (!out) {
    size_t room = FL_STREAM_RAW - s->ulen, want = cap / 2 * 2 / 3;
    if (want < 4) want = 4;
    if (room > want) room = want;
    size_t got = fl_stream_bytes(s, s->ubuf + s->ulen, room);
    s->ulen += got;
    int end = !got;
    const unsigned char *p = s->ubuf;
    size_t i = 0, n = s->ulen;
    for (; i + 1 < n && out + 4 <= cap; i += 2) {
      uint32_t c = s->u16 == 1 ? (uint32_t)p[i] | (uint32_t)p[i + 1] << 8
                               : (uint32_t)p[i] << 8 | p[i + 1];
      if (c >= 0xd800 && c <= 0xdbff) {
        if (i + 3 >= n && !end) break; /* its low half comes next */
        if (i + 3 < n) {
          uint32_t lo = s->u16 == 1
                            ? (uint32_t)p[i + 2] | (uint32_t)p[i + 3] << 8
                            : (uint32_t)p[i + 2] << 8 | p[i + 3];
          if (lo >= 0xdc00 && lo <= 0xdfff) {
            c = 0x10000u + ((c - 0xd800u) << 10) + (lo - 0xdc00u);
            i += 2;
          }
        }
      }
      if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
      out += fl_stream_put_utf8(dst + out, c);
    }
    memmove(s->ubuf, s->ubuf + i, n - i);
    s->ulen = n - i;
    if (end) {
      s->ulen = 0; /* an odd last byte is dropped */
      break;
    }
  }
  return out;
}

/* The first decoded bytes: looks for gzip, UTF-16 and a BOM. */
static size_t fl_stream_first(fl_input_stream *s, unsigned char *dst,
                              size_t cap) {
  s->started = 1;
  size_t n = 0;
  while (n < 4) {
    size_t g = fl_stream_raw(s, dst + n, 4 - n);
    if (!g) break;
    n += g;
  }
  if (n >= 2 && dst[0] == 0x1f && dst[1] == 0x8b) {
    s->zbuf = malloc(FL_STREAM_RAW);
    if (!s->zbuf || inflateInit2(&s->z, 15 + 16) != Z_OK) {
      fl_stream_fail(s, FL_ENOMEM, "cannot start gzip inflate");
      return 0;
    }
    s->gz = 1;
    memcpy(s->zbuf, dst, n);
    s->z.next_in = s->zbuf;
    s->z.avail_in = (uInt)n;
    n = 0;
    while (n < 4) {
      size_t g = fl_stream_gunzip(s, dst + n, cap - n);
      if (!g) break;
      n += g;
    }
  }
  int kind = fl_stream_utf16_kind(dst, n);
  if (kind) {
    s->ubuf = malloc(FL_STREAM_RAW);
    if (!s->ubuf) {
      fl_stream_fail(s, FL_ENOMEM, "out of memory");
      return 0;
    }
    size_t skip = (dst[0] == 0xff && dst[1] == 0xfe) ||
                          (dst[0] == 0xfe && dst[1] == 0xff)
                      ? 2 : 0; /* the BOM */
    s->u16 = kind;
    memcpy(s->ubuf, dst + skip, n - skip);
    s->ulen = n - skip;
    return fl_stream_utf16(s, dst, cap);
  }
  if (n >= 3 && dst[0] == 0xef && dst[1] == 0xbb && dst[2] == 0xbf) {
    memmove(dst, dst + 3, n - 3);
    n -= 3;
  }
  return n;
}

static size_t fl_stream_decode(fl_input_stream *s, unsigned char *dst,
                               size_t cap) {
  if (!s->started) {
    size_t n = fl_stream_first(s, dst, cap);
    if (n || s->raw_eof || s->gz_done || s->st != FL_OK) return n;
  }
  if (s->u16) return fl_stream_utf16(s, dst, cap);
  return fl_stream_bytes(s, dst, cap);
}

size_t fl_input_stream_more(fl_input_stream *s, size_t keep) {
  if (s->v.eof) return 0;
  if (keep > s->v.base) {
    size_t drop = keep - s->v.base;
    if (drop > s->v.len) drop = s->v.len;
    memmove(s->win, s->win + drop, s->v.len - drop);
    s->v.base += drop;
    s->v.len -= drop;
  }
  size_t fill = fl_input_stream_fill < 16 ? 16 : fl_input_stream_fill;
  int gz_ahead = !s->started && s->mem_len >= 2 && s->mem[0] == 0x1f &&
                 s->mem[1] == 0x8b;
  if (s->fd < 0 && !s->gz && !gz_ahead) { /* memory: no more than is left */
    size_t left = (s->mem_len - s->mem_pos) / 2 * 3 + 16;
    if (fill > left) fill = left;
  }
  if (s->cap - s->v.len < fill) {
    size_t nc = s->v.len + fill;
    char *w = realloc(s->win, nc);
    if (!w) {
      fl_stream_fail(s, FL_ENOMEM, "out of memory after %zu bytes",
                     s->v.base + s->v.len);
      s->v.eof = 1;
      return 0;
    }
    s->win = w;
    s->cap = nc;
  }
  size_t got = fl_stream_decode(s, (unsigned char *)s->win + s->v.len,
                                fill < s->cap - s->v.len ? fill
                                                         : s->cap - s->v.len);
  s->v.p = s->win;
  s->v.len += got;
  if (!got) s->v.eof = 1;
  return got;
}

static fl_input_stream *fl_stream_new(void) {
  fl_input_stream *s = calloc(1, sizeof *s);
  if (s) s->fd = -1;
  return s;
}

fl_input_stream *fl_input_stream_fd(int fd) {
  fl_input_stream *s = fl_stream_new();
  if (s) s->fd = fd;
  return s;
}

void fl_input_stream_tap(fl_input_stream *s, fl_input_tap_fn fn, void *user) {
  s->tap = fn;
  s->tap_user = user;
}

int fl_input_stream_drain(fl_input_stream *s) {
  unsigned char buf[1 << 16];
  while (fl_stream_raw(s, buf, sizeof buf)) {
  }
  return s->st == FL_EIO ? -1 : 0;
}

fl_input_stream *fl_input_stream_memory(const void *data, size_t len) {
  fl_input_stream *s = fl_stream_new();
  if (!s) return NULL;
  s->mem = data;
  s->mem_len = len;
  return s;
}

void fl_input_stream_free(fl_input_stream *s) {
  if (!s) return;
  if (s->gz) inflateEnd(&s->z);
  free(s->zbuf);
  free(s->ubuf);
  free(s->win);
  free(s);
}
