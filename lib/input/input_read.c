/*
** The one entry point for every input: fl_input_read opens a path (file,
** "-" or a directory walked in name order), finds the format by content,
** and hands EVTX to lib/evtx and everything else to the text readers, with
** the caller's options, so all records and diagnostics look alike.
**
** Every input is streamed (input_stream.c): text formats read in bounded
** windows; EVTX mapped in place when it is a plain file, else spooled to a
** temporary file first.
**
** Must never: choose a reader by file name, follow directory symlinks (no
** loops), open a FIFO, socket or device found in a directory (one named on
** its own is read), wait on an open, or return FL_OK when a record or a
** file was skipped.
*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input/input_evtext.h"

#define FL_INPUT_MAX_DIR_DEPTH 32

/* EVTX through a read-only mapping of fd: the reader drops processed
** chunks' pages (RSS bounded by the chunks in flight). */
static fl_status fl_input_evtx_fd(int fd, uint64_t size, const char *name,
                                  const fl_evtx_options *opt,
                                  fl_evtx_stats *stats, fl_error *err) {
  if (size > SIZE_MAX || size < 8)
    return fl_error_at(err, FL_EINPUT, name, 0, "EVTX file too small");
  void *m = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (m == MAP_FAILED)
    return fl_error_at(err, FL_EIO, name, 0, "cannot map: %s", strerror(errno));
  fl_evtx_file *f = NULL;
  fl_status st = fl_evtx_open_mapped(m, (size_t)size, name, &f, err);
  if (st == FL_OK) {
    fl_evtx_stats s;
    memset(&s, 0, sizeof s);
    st = fl_evtx_read(f, opt, &s, err);
    fl_evtx_close(f);
    fl_evtx_stats_add(stats, &s);
  }
  munmap(m, (size_t)size);
  return st;
}

/* An unlinked temporary file (TMPDIR or /tmp), or -1. */
static int fl_input_tmpfile(void) {
  const char *dir = getenv("TMPDIR");
  if (!dir || !*dir) dir = "/tmp";
#ifdef O_TMPFILE
  int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
#endif
  char path[4096];
  snprintf(path, sizeof path, "%s/faultline-spool-XXXXXX", dir);
  int t = mkstemp(path);
  if (t >= 0) unlink(path);
  return t;
}

/* EVTX that is no plain file (gzip, standard input, a pipe): the decoded
** bytes are spooled to a temporary file, which is then mapped, so memory
** stays bounded whatever the size. */
static fl_status fl_input_evtx_spool(fl_input_stream *s, const char *name,
                                     const fl_evtx_options *opt,
                                     fl_evtx_stats *stats, fl_error *err) {
  int fd = fl_input_tmpfile();
  if (fd < 0)
    return fl_error_at(err, FL_EIO, name, 0,
                       "cannot create a temporary file for EVTX from a "
                       "stream: %s", strerror(errno));
  const fl_input_view *v = fl_input_stream_view(s);
  uint64_t size = 0;
  fl_status st = FL_OK;
  do {
    for (size_t off = 0; off < v->len;) {
      ssize_t w = write(fd, v->p + off, v->len - off);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        st = fl_error_at(err, FL_EIO, name, 0,
                         "cannot write the temporary copy: %s",
                         strerror(errno));
        break;
      }
      off += (size_t)w;
    }
    size = v->base + v->len;
  } while (st == FL_OK && fl_input_stream_more(s, v->base + v->len));
  if (st == FL_OK) {
    const char *why;
    fl_status sst = fl_input_stream_status(s, &why);
    st = fl_input_evtx_fd(fd, size, name, opt, stats, err);
    if (sst != FL_OK && (st == FL_OK || st == FL_EPARTIAL)) {
      stats->errors++;
      if (opt->on_diag) {
        fl_evtx_diag d;
        memset(&d, 0, sizeof d);
        d.file = name;
        d.severity = FL_EVTX_ERROR;
        d.chunk = -1;
        d.offset = size;
        snprintf(d.message, sizeof d.message, "%s; what came before it was read", why);
        opt->on_diag(&d, opt->user);
      }
      st = fl_error_at(err, FL_EPARTIAL, name, size, "%s", why);
    }
  }
  close(fd);
  return st;
}

static fl_status fl_input_read_text(fl_input_stream *src, fl_input_format fmt,
                                    fl_input_parse_fn parse,
                                    uint64_t raw_size, const char *name,
                                    const fl_evtx_options *opt,
                                    fl_evtx_stats *stats, fl_error *err) {
  fl_evtx_stats s;
  memset(&s, 0, sizeof s);
  fl_input_ctx c;
  fl_input_ctx_init(&c, opt, &s, name, "", 0, fmt);
  fl_input_ctx_stream(&c, src, raw_size);
  parse(&c, src);
  const char *why;
  fl_status sst = fl_input_stream_status(src, &why);
  if (sst != FL_OK && !c.stop)
    fl_input_diag_emit(&c, FL_EVTX_ERROR, fl_input_end(&c),
                       "%s; what came before it was read", why);
  int nomem = c.nomem || sst == FL_ENOMEM, not_events = c.not_events;
  if (opt->on_progress && !c.stop)
    opt->on_progress(raw_size, raw_size, opt->user);
  fl_input_ctx_end(&c);
  fl_evtx_stats_add(stats, &s);
  if (nomem) return fl_error_at(err, FL_ENOMEM, name, 0, "out of memory");
  if (not_events)
    return fl_error_at(err, FL_EINPUT, name, 0,
                       "JSON, but not events in a known shape");
  if (s.records_skipped || s.errors)
    return fl_error_at(err, FL_EPARTIAL, name, 0,
                       "%llu records skipped, %llu errors",
                       (unsigned long long)s.records_skipped,
                       (unsigned long long)s.errors);
  return FL_OK;
}

/* Reads what s yields as fmt, or as what the format registry detects when
** fmt is FL_INPUT_UNKNOWN. fd >= 0 with a regular file's size lets EVTX be
** mapped in place; anything else that turns out to be EVTX is spooled. */
static fl_status fl_input_read_stream(fl_input_stream *s, int fd,
                                      uint64_t file_size, const char *name,
                                      fl_input_format fmt,
                                      const fl_input_tap *tap,
                                      const fl_evtx_options *opt,
                                      fl_evtx_stats *stats, fl_error *err) {
  const fl_input_view *v = fl_input_stream_view(s);
  while (v->len < FL_INPUT_SNIFF && fl_input_stream_more(s, 0)) {
  }
  const char *why;
  fl_status sst = fl_input_stream_status(s, &why);
  if (!v->len && sst != FL_OK)
    return fl_error_at(err, sst == FL_ECORRUPT ? FL_EINPUT : sst, name, 0,
                       "%s", why);
  if (fmt == FL_INPUT_UNKNOWN) fmt = fl_input_detect_text(v->p ? v->p : "", v->len);
  if (tap && tap->format && tap->format(fmt, tap->user)) return FL_OK;
  if (fmt == FL_INPUT_UNKNOWN)
    return fl_error_at(err, FL_EINPUT, name, 0,
                       "not an EVTX file, Windows event XML, netsh wfp XML, "
                       "JSON of events, Event Viewer text/XML View/export or "
                       "Format-List output");
  fl_input_parse_fn parse = fl_input_format_parser(fmt);
  if (parse) return fl_input_read_text(s, fmt, parse, file_size, name, opt, stats, err);
  if (fd >= 0 && file_size && !fl_input_stream_inflated(s) &&
      !fl_input_stream_transcoded(s))
    return fl_input_evtx_fd(fd, file_size, name, opt, stats, err);
  return fl_input_evtx_spool(s, name, opt, stats, err);
}

fl_status fl_input_read_memory(const void *data, size_t len, const char *name,
                               const fl_evtx_options *opt,
                               fl_evtx_stats *stats, fl_error *err) {
  return fl_input_read_memory_as(data, len, name, FL_INPUT_UNKNOWN, opt, stats,
                                 err);
}

fl_status fl_input_read_memory_as(const void *data, size_t len,
                                  const char *name, fl_input_format format,
                                  const fl_evtx_options *opt,
                                  fl_evtx_stats *stats, fl_error *err) {
  fl_evtx_stats local;
  if (!stats) stats = &local;
  memset(stats, 0, sizeof *stats);
  if (!name) name = "<memory>";
  if (len >= 8 && memcmp(data, "ElfFile", 8) == 0) {
    fl_evtx_file *f = NULL;
    fl_status st = fl_evtx_open_memory(data, len, name, &f, err);
    if (st != FL_OK) return st;
    fl_evtx_stats s;
    memset(&s, 0, sizeof s);
    st = fl_evtx_read(f, opt, &s, err);
    fl_evtx_close(f);
    fl_evtx_stats_add(stats, &s);
    return st;
  }
  fl_input_stream *s = fl_input_stream_memory(data, len);
  if (!s) return fl_error_at(err, FL_ENOMEM, name, 0, "out of memory");
  fl_status st = fl_input_read_stream(s, -1, len, name, format, NULL, opt, stats, err);
  fl_input_stream_free(s);
  return st;
}

static int fl_input_name_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Emits a warning for a file a directory walk could not use. */
static void fl_input_walk_warn(const fl_evtx_options *opt,
                               fl_evtx_stats *stats, const fl_error *e) {
  stats->warnings++;
  if (!opt->on_diag) return;
  fl_evtx_diag d;
  memset(&d, 0, sizeof d);
  d.file = e->file;
  d.severity = FL_EVTX_WARNING;
  d.chunk = -1;
  snprintf(d.message, sizeof d.message, "file skipped: %.170s", e->message);
  opt->on_diag(&d, opt->user);
}

static fl_status fl_input_read_path(const char *path, const fl_evtx_options *o,
                                    fl_evtx_stats *stats, fl_error *err,
                                    int depth);

static fl_status fl_input_walk(const char *dir, const fl_evtx_options *o,
                               fl_evtx_stats *stats, fl_error *err,
                               int depth) {
  if (depth > FL_INPUT_MAX_DIR_DEPTH)
    return fl_error_at(err, FL_ELIMIT, dir, 0, "directories nested too deep");
  DIR *d = opendir(dir);
  if (!d) return fl_error_at(err, FL_EIO, dir, 0, "cannot open directory");
  char **names = NULL;
  size_t n = 0, cap = 0, skipped = 0;
  fl_status st = FL_OK;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.') continue; /* ., .., hidden files */
    if (n == cap) {
      size_t nc = cap ? cap * 2 : 64;
      char **nn = realloc(names, nc * sizeof *nn);
      if (!nn) { st = FL_ENOMEM; break; }
      names = nn;
      cap = nc;
    }
    size_t need = strlen(dir) + strlen(de->d_name) + 2;
    names[n] = malloc(need);
    if (!names[n]) { st = FL_ENOMEM; break; }
    snprintf(names[n], need, "%s/%s", dir, de->d_name);
    n++;
  }
  closedir(d);
  if (n) qsort(names, n, sizeof *names, fl_input_name_cmp);
  for (size_t i = 0; i < n && st != FL_ENOMEM; i++) {
    fl_error e;
    fl_error_clear(&e);
    fl_status one = fl_input_read_path(names[i], o, stats, &e, depth + 1);
    if (one == FL_EINPUT || one == FL_EIO) {
      fl_input_walk_warn(o, stats, &e);
      if (st == FL_OK || st == FL_EPARTIAL) {
        skipped++;
        st = FL_EPARTIAL;
      }
      continue;
    }
    if (one != FL_OK && (st == FL_OK || one == FL_ENOMEM)) {
      st = one;
      *err = e;
    }
  }
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
  if (st == FL_ENOMEM) fl_error_at(err, st, dir, 0, "out of memory");
  else if (st == FL_EPARTIAL && skipped)
    fl_error_at(err, st, dir, 0, "%zu files skipped", skipped);
  return st;
}

/* What a file that is no regular file or directory is, for messages. */
static const char *fl_input_kind(mode_t m) {
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISSOCK(m)) return "a socket";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  return "not a regular file";
}

static fl_status fl_input_read_fd(int fd, const char *path,
                                  const fl_evtx_options *o,
                                  fl_evtx_stats *stats, fl_error *err) {
  struct stat sb;
  uint64_t size = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)
                      ? (uint64_t)sb.st_size : 0;
  fl_input_stream *s = fl_input_stream_fd(fd);
  if (!s) return fl_error_at(err, FL_ENOMEM, path, 0, "out of memory");
  fl_status st = fl_input_read_stream(s, size ? fd : -1, size, path, FL_INPUT_UNKNOWN,
                                      NULL, o, stats, err);
  fl_input_stream_free(s);
  return st;
}

fl_status fl_input_read_fd_tapped(int fd, const char *name,
                                  const fl_input_tap *tap,
                                  const fl_evtx_options *opt,
                                  fl_evtx_stats *stats, fl_error *err) {
  fl_evtx_stats local;
  if (!stats) stats = &local;
  memset(stats, 0, sizeof *stats);
  fl_input_stream *s = fl_input_stream_fd(fd);
  if (!s) return fl_error_at(err, FL_ENOMEM, name, 0, "out of memory");
  fl_input_stream_tap(s, tap ? tap->raw : NULL, tap ? tap->user : NULL);
  fl_status st = fl_input_read_stream(s, -1, 0, name, FL_INPUT_UNKNOWN, tap,
                                      opt, stats, err);
  if ((st == FL_OK || st == FL_EPARTIAL) && fl_input_stream_drain(s) != 0)
    st = fl_error_at(err, FL_EIO, name, 0, "read error after %llu bytes",
                     (unsigned long long)fl_input_stream_raw_read(s));
  fl_input_stream_free(s);
  return st;
}

static fl_status fl_input_read_path(const char *path, const fl_evtx_options *o,
                                    fl_evtx_stats *stats, fl_error *err,
                                    int depth) {
  if (strcmp(path, "-") == 0 && depth == 0)
    return fl_input_read_fd(0, "-", o, stats, err);
  struct stat sb;
  if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
    return fl_input_walk(path, o, stats, err, depth);
  if (depth == 0 && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
    return fl_input_walk(path, o, stats, err, depth); /* named symlink */
  if (depth > 0) {
    /* found in a directory: only regular files, and never a wait */
    if (stat(path, &sb) != 0)
      return fl_error_at(err, FL_EIO, path, 0, "%s",
                         errno == ENOENT || errno == ELOOP
                             ? "dangling or looping symbolic link"
                             : strerror(errno));
    if (S_ISDIR(sb.st_mode))
      return fl_error_at(err, FL_EINPUT, path, 0, "symlink to a directory");
    if (!S_ISREG(sb.st_mode))
      return fl_error_at(err, FL_EINPUT, path, 0,
                         "%s (name it on its own to read it)",
                         fl_input_kind(sb.st_mode));
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
                          (depth > 0 ? O_NONBLOCK : 0));
  if (fd < 0)
    return fl_error_at(err, FL_EIO, path, 0, "cannot open: %s",
                       strerror(errno));
  if (depth > 0 && (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))) {
    close(fd); /* replaced since it was looked at */
    return fl_error_at(err, FL_EINPUT, path, 0, "not a regular file");
  }
  fl_status st = fl_input_read_fd(fd, path, o, stats, err);
  close(fd);
  return st;
}

fl_status fl_input_read(const char *path, const fl_evtx_options *opt,
                        fl_evtx_stats *stats, fl_error *err) {
  fl_evtx_stats local;
  if (!stats) stats = &local;
  memset(stats, 0, sizeof *stats);
  fl_error e;
  if (!err) err = &e;
  fl_error_clear(err);
  return fl_input_read_path(path, opt, stats, err, 0);
}
