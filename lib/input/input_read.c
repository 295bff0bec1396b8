/*
** The one entry point for every input: fl_input_read opens a path (file,
** "-" or a directory walked in name order), finds the format by content,
** and hands EVTX to lib/evtx and everything else to the text readers, with
** the caller's options, so all records and diagnostics look alike.
**
** Must never: choose a reader by file name, follow directory symlinks (no
** loops), or return FL_OK when a record or a file was skipped.
*/
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "input/input_internal.h"

#define FL_INPUT_MAX_DIR_DEPTH 32

const char *fl_input_format_name(fl_input_format format) {
  switch (format) {
    case FL_INPUT_EVTX: return "evtx";
    case FL_INPUT_EVENT_XML: return "event-xml";
    case FL_INPUT_NETSH_XML: return "netsh-xml";
    case FL_INPUT_JSON: return "json";
    default: return "unknown";
  }
}

static fl_status fl_input_read_evtx(fl_input_src *src, const char *name,
                                    const fl_evtx_options *opt,
                                    fl_evtx_stats *stats, fl_error *err) {
  fl_evtx_file *f = NULL;
  /* Our own read-only file mapping lets the reader drop processed chunks'
  ** pages (RSS bounded by the chunks in flight); heap bytes (stdin,
  ** inflated gzip) must stay as they are. */
  fl_status st =
      src->map && src->data == src->map
          ? fl_evtx_open_mapped(src->data, src->len, name, &f, err)
          : fl_evtx_open_memory(src->data, src->len, name, &f, err);
  if (st != FL_OK) return st;
  fl_evtx_stats s;
  memset(&s, 0, sizeof s);
  st = fl_evtx_read(f, opt, &s, err);
  fl_evtx_close(f);
  fl_evtx_stats_add(stats, &s);
  return st;
}

static fl_status fl_input_read_text(fl_input_src *src, fl_input_format fmt,
                                    const char *name,
                                    const fl_evtx_options *opt,
                                    fl_evtx_stats *stats, fl_error *err) {
  fl_evtx_stats s;
  memset(&s, 0, sizeof s);
  fl_input_ctx c;
  fl_input_ctx_init(&c, opt, &s, name, src->data, src->len, fmt);
  if (src->gzip_damaged)
    fl_input_diag_emit(&c, FL_EVTX_ERROR, src->len,
                       "gzip data damaged at compressed offset %llu; what "
                       "inflated before it was read",
                       (unsigned long long)src->gzip_damaged);
  if (fmt == FL_INPUT_JSON) fl_input_json_read(&c);
  else fl_input_xml_read(&c, src->utf8_forced);
  int nomem = c.nomem, not_events = c.not_events;
  if (opt->on_progress && !c.stop) opt->on_progress(src->len, src->len, opt->user);
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

static fl_status fl_input_read_src(fl_input_src *src, const char *name,
                                   const fl_evtx_options *opt,
                                   fl_evtx_stats *stats, fl_error *err) {
  fl_status st = fl_input_src_decode(src, name, err);
  if (st != FL_OK) return st;
  if (src->len >= 8 && memcmp(src->data, "ElfFile", 8) == 0)
    return fl_input_read_evtx(src, name, opt, stats, err);
  fl_input_format fmt = fl_input_detect_text(src->data, src->len);
  if (fmt == FL_INPUT_UNKNOWN)
    return fl_error_at(err, FL_EINPUT, name, 0,
                       "not an EVTX file, Windows event XML, netsh wfp XML "
                       "or JSON of events");
  return fl_input_read_text(src, fmt, name, opt, stats, err);
}

fl_status fl_input_read_memory(const void *data, size_t len, const char *name,
                               const fl_evtx_options *opt,
                               fl_evtx_stats *stats, fl_error *err) {
  fl_evtx_stats local;
  if (!stats) stats = &local;
  memset(stats, 0, sizeof *stats);
  fl_input_src src;
  fl_input_src_memory(&src, data, len);
  fl_status st = fl_input_read_src(&src, name ? name : "<memory>", opt, stats,
                                   err);
  fl_input_src_close(&src);
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
  size_t n = 0, cap = 0;
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
  return st;
}

static fl_status fl_input_read_path(const char *path, const fl_evtx_options *o,
                                    fl_evtx_stats *stats, fl_error *err,
                                    int depth) {
  fl_input_src src;
  fl_status st;
  if (strcmp(path, "-") == 0) {
    st = fl_input_src_stdin(&src, err);
  } else {
    struct stat sb;
    if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
      return fl_input_walk(path, o, stats, err, depth);
    if (depth == 0 && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
      return fl_input_walk(path, o, stats, err, depth); /* named symlink */
    if (depth > 0 && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
      return fl_error_at(err, FL_EINPUT, path, 0, "symlink to a directory");
    st = fl_input_src_file(&src, path, err);
  }
  if (st != FL_OK) return st;
  st = fl_input_read_src(&src, path, o, stats, err);
  fl_input_src_close(&src);
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
