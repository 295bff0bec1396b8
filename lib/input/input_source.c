/*
** Where input bytes come from and what they are: a mapped file, standard
** input, or caller memory; gzip inflated (all members, capped at
** FL_INPUT_MAX_INFLATE), UTF-16 transcoded to UTF-8, a UTF-8 BOM dropped;
** and the format found by looking at the content, never at the name.
**
** Must never: trust a size from the input, inflate without a cap, or read
** past the buffer while sniffing.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "input/input_internal.h"

static const char fl_evtx_magic[8] = {'E', 'l', 'f', 'F', 'i', 'l', 'e', 0};

void fl_input_src_memory(fl_input_src *s, const void *data, size_t len) {
  memset(s, 0, sizeof *s);
  s->data = data;
  s->len = len;
}

fl_status fl_input_src_file(fl_input_src *s, const char *path, fl_error *e) {
  memset(s, 0, sizeof *s);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fl_error_at(e, FL_EIO, path, 0, "cannot open: %s", strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return fl_error_at(e, FL_EIO, path, 0, "not a regular file");
  }
  if (st.st_size > 0) {
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
      close(fd);
      return fl_error_at(e, FL_EIO, path, 0, "cannot map: %s", strerror(errno));
    }
    s->map = m;
    s->map_len = (size_t)st.st_size;
    s->data = m;
    s->len = (size_t)st.st_size;
  }
  close(fd);
  return FL_OK;
}

fl_status fl_input_src_stdin(fl_input_src *s, fl_error *err) {
  memset(s, 0, sizeof *s);
  fl_input_buf b = {0};
  for (;;) {
    if (fl_buf_reserve(&b, 1u << 16)) {
      fl_buf_free(&b);
      return fl_error_at(err, FL_ENOMEM, "-", 0, "out of memory reading stdin");
    }
    size_t got = fread(b.p + b.len, 1, b.cap - b.len, stdin);
    b.len += got;
    if (got == 0) break;
  }
  if (ferror(stdin)) {
    fl_buf_free(&b);
    return fl_error_at(err, FL_EIO, "-", 0, "cannot read standard input");
  }
  s->heap = b.p;
  s->data = b.p;
  s->len = b.len;
  return FL_OK;
}

void fl_input_src_close(fl_input_src *s) {
  if (s->map) munmap(s->map, s->map_len);
  free(s->heap);
  memset(s, 0, sizeof *s);
}

static void fl_input_src_own(fl_input_src *s, fl_input_buf *b) {
  if (s->map) munmap(s->map, s->map_len);
  free(s->heap);
  s->map = NULL;
  s->heap = b->p;
  s->data = b->p;
  s->len = b->len;
}

static fl_status fl_input_inflate(fl_input_src *s, const char *name,
                                  fl_error *e) {
  fl_input_buf b = {0};
  z_stream z;
  memset(&z, 0, sizeof z);
  if (inflateInit2(&z, 15 + 16) != Z_OK)
    return fl_error_at(e, FL_ENOMEM, name, 0, "cannot start gzip inflate");
  z.next_in = (Bytef *)(uintptr_t)s->data;
  size_t left = s->len;
  fl_status st = FL_OK;
  for (;;) {
    if (fl_buf_reserve(&b, 1u << 18)) { st = FL_ENOMEM; break; }
    uInt in = left > (1u << 30) ? (1u << 30) : (uInt)left;
    z.avail_in = in;
    z.next_out = (Bytef *)b.p + b.len;
    z.avail_out = (uInt)(b.cap - b.len > (1u << 30) ? (1u << 30) : b.cap - b.len);
    uInt out0 = z.avail_out;
    int r = inflate(&z, Z_NO_FLUSH);
    left -= in - z.avail_in;
    b.len += out0 - z.avail_out;
    if ((uint64_t)b.len > FL_INPUT_MAX_INFLATE) { st = FL_ELIMIT; break; }
    if (r == Z_STREAM_END) {
      const unsigned char *nx = z.next_in;
      if (left < 2 || nx[0] != 0x1f || nx[1] != 0x8b) break; /* padding */
      if (inflateReset(&z) != Z_OK) { st = FL_ECORRUPT; break; }
      continue; /* next gzip member */
    }
    if (r == Z_BUF_ERROR && !left) { st = FL_ECORRUPT; break; }
    if (r != Z_OK && r != Z_BUF_ERROR) { st = FL_ECORRUPT; break; }
  }
  uint64_t at = z.total_in;
  inflateEnd(&z);
  if (st == FL_OK || (st == FL_ECORRUPT && b.len)) {
    if (st != FL_OK) s->gzip_damaged = at ? at : 1; /* keep what inflated */
    fl_input_src_own(s, &b);
    return FL_OK;
  }
  fl_buf_free(&b);
  if (st == FL_ELIMIT)
    return fl_error_at(e, st, name, at, "gzip input inflates past %llu bytes",
                       (unsigned long long)FL_INPUT_MAX_INFLATE);
  if (st == FL_ENOMEM) return fl_error_at(e, st, name, at, "out of memory");
  return fl_error_at(e, FL_EINPUT, name, at, "gzip data is damaged or truncated");
}

/* 1 = UTF-16LE, 2 = UTF-16BE, 0 = not UTF-16. */
static int fl_input_utf16_kind(const unsigned char *p, size_t n) {
  if (n >= 2 && p[0] == 0xff && p[1] == 0xfe) return 1;
  if (n >= 2 && p[0] == 0xfe && p[1] == 0xff) return 2;
  if (n >= 4 && p[1] == 0 && p[3] == 0 && p[0] && p[0] < 0x80) return 1;
  if (n >= 4 && p[0] == 0 && p[2] == 0 && p[1] && p[1] < 0x80) return 2;
  return 0;
}

static fl_status fl_input_utf16(fl_input_src *s, int kind, const char *name,
                                fl_error *e) {
  const unsigned char *p = (const unsigned char *)s->data;
  size_t n = s->len & ~(size_t)1, i = 0;
  if (n >= 2 && ((p[0] == 0xff && p[1] == 0xfe) || (p[0] == 0xfe && p[1] == 0xff)))
    i = 2;
  fl_input_buf b = {0};
  if (fl_buf_reserve(&b, n / 2 * 3 + 16))
    return fl_error_at(e, FL_ENOMEM, name, 0, "out of memory");
  for (; i + 1 < n; i += 2) {
    uint32_t c = kind == 1 ? (uint32_t)p[i] | (uint32_t)p[i + 1] << 8
                           : (uint32_t)p[i] << 8 | p[i + 1];
    if (c >= 0xd800 && c <= 0xdbff && i + 3 < n) {
      uint32_t lo = kind == 1 ? (uint32_t)p[i + 2] | (uint32_t)p[i + 3] << 8
                              : (uint32_t)p[i + 2] << 8 | p[i + 3];
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        c = 0x10000u + ((c - 0xd800u) << 10) + (lo - 0xdc00u);
        i += 2;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    char d[4];
    size_t k;
    if (c < 0x80) { d[0] = (char)c; k = 1; }
    else if (c < 0x800) { d[0] = (char)(0xc0 | c >> 6); d[1] = (char)(0x80 | (c & 0x3f)); k = 2; }
    else if (c < 0x10000) {
      d[0] = (char)(0xe0 | c >> 12); d[1] = (char)(0x80 | ((c >> 6) & 0x3f));
      d[2] = (char)(0x80 | (c & 0x3f)); k = 3;
    } else {
      d[0] = (char)(0xf0 | c >> 18); d[1] = (char)(0x80 | ((c >> 12) & 0x3f));
      d[2] = (char)(0x80 | ((c >> 6) & 0x3f)); d[3] = (char)(0x80 | (c & 0x3f)); k = 4;
    }
    fl_input_buf_put(&b, d, k);
  }
  if (b.failed) {
    fl_buf_free(&b);
    return fl_error_at(e, FL_ENOMEM, name, 0, "out of memory");
  }
  fl_input_src_own(s, &b);
  s->utf8_forced = 1;
  return FL_OK;
}

fl_status fl_input_src_decode(fl_input_src *s, const char *name, fl_error *e) {
  const unsigned char *p = (const unsigned char *)s->data;
  if (s->len >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
    fl_status st = fl_input_inflate(s, name, e);
    if (st != FL_OK) return st;
    p = (const unsigned char *)s->data;
  }
  int kind = fl_input_utf16_kind(p, s->len);
  if (kind) return fl_input_utf16(s, kind, name, e);
  if (s->len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
    s->data += 3;
    s->len -= 3;
  }
  return FL_OK;
}

/* The name of the first element, skipping the prolog (decl, comments,
** PIs, DOCTYPE): n bytes copied into out. */
static size_t fl_input_first_element(const char *p, size_t n, char *out,
                                     size_t cap) {
  size_t i = 0;
  while (i < n) {
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) i++;
    if (i >= n || p[i] != '<') return 0;
    if (i + 1 < n && (p[i + 1] == '?' || p[i + 1] == '!')) {
      const char *end = memchr(p + i, '>', n - i);
      if (!end) return 0;
      i = (size_t)(end - p) + 1;
      continue;
    }
    i++;
    size_t k = 0;
    while (i < n && k + 1 < cap && p[i] != '>' && p[i] != '/' && p[i] != ' ' &&
           p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
      out[k++] = p[i++];
    out[k] = 0;
    return k;
  }
  return 0;
}

fl_input_format fl_input_detect_text(const char *p, size_t n) {
  size_t i = 0;
  while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) i++;
  if (i >= n) return FL_INPUT_UNKNOWN;
  if (p[i] == '<') {
    char name[64];
    size_t look = n - i < 65536 ? n - i : 65536;
    if (!fl_input_first_element(p + i, look, name, sizeof name))
      return FL_INPUT_EVENT_XML; /* malformed: the XML reader will say where */
    const char *colon = strrchr(name, ':');
    const char *nm = colon ? colon + 1 : name;
    if (!strcmp(nm, "netEvents") || !strcmp(nm, "netEvent") ||
        !strcmp(nm, "wfpdiag") || !strcmp(nm, "wfpstate"))
      return FL_INPUT_NETSH_XML;
    if (!strcmp(nm, "Events") || !strcmp(nm, "Event"))
      return FL_INPUT_EVENT_XML;
    return FL_INPUT_UNKNOWN;
  }
  if (p[i] == '{' || p[i] == '[') return FL_INPUT_JSON;
  /* evtx_dump -o json puts "Record N" lines between documents; snapshots
  ** and logs may have a few header lines: a line starting a JSON value in
  ** the first 16 lines still makes it JSON. */
  unsigned lines = 0;
  while (i < n && lines < 16) {
    const char *nl = memchr(p + i, '\n', n - i);
    if (!nl) break;
    i = (size_t)(nl - p) + 1;
    lines++;
    while (i < n && (p[i] == ' ' || p[i] == '\t')) i++;
    if (i < n && (p[i] == '{' || p[i] == '[')) return FL_INPUT_JSON;
  }
  return FL_INPUT_UNKNOWN;
}

fl_input_format fl_input_detect(const void *data, size_t len) {
  if (len >= 8 && memcmp(data, fl_evtx_magic, 8) == 0) return FL_INPUT_EVTX;
  fl_input_src s;
  fl_input_src_memory(&s, data, len);
  fl_error e;
  fl_error_clear(&e);
  if (fl_input_src_decode(&s, "<memory>", &e) != FL_OK) {
    fl_input_src_close(&s);
    return FL_INPUT_UNKNOWN;
  }
  fl_input_format f = s.len >= 8 && memcmp(s.data, fl_evtx_magic, 8) == 0
                          ? FL_INPUT_EVTX
                          : fl_input_detect_text(s.data, s.len);
  fl_input_src_close(&s);
  return f;
}
