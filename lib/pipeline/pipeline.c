/*
** The ingest pipeline (faultline/pipeline.h): one source at a time, read by
** lib/input with the catalog's in-scope filter, each record typed once and
** handed to every sink that does not hold the source already, the input
** fingerprinted beside the read, and the sinks told how the source ended.
** Pushes (live intake) are the same read over caller bytes, into a stream
** source that stays open until another stream or the end.
**
** Must never: call sinks from two threads at once, hand a sink an event
** after it said it has the source, lose a sink's first error, or report
** FL_OK when the reader skipped something.
*/
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/fl_error.h"
#include "common/fl_sha256.h"
#include "input/input_tap.h"
#include "pipeline/pipeline_internal.h"

struct fl_pipeline {
  fl_pipeline_options opt;
  fl_pipeline_sink sinks[FL_PIPELINE_MAX_SINKS];
  size_t sink_count;
  pthread_mutex_t lock;     /* reader workers hand events under it */
  uint64_t next_id;
  /* the source being read */
  fl_pipeline_source src;
  int have[FL_PIPELINE_MAX_SINKS];
  fl_status failed;         /* a sink's first error; stops the reader */
  fl_error err;
  int stopped;              /* on_progress asked to stop */
  uint64_t in_scope;
  /* the open stream */
  char *stream;             /* its name, NULL: none open */
  fl_pipeline_stats stream_stats;
  uint64_t seq, committed;
};

fl_status fl_pipeline_new(const fl_pipeline_options *opt, fl_pipeline **out,
                          fl_error *err) {
  *out = NULL;
  fl_pipeline *p = calloc(1, sizeof *p);
  if (!p) return fl_error_at(err, FL_ENOMEM, "pipeline", 0, "out of memory");
  if (opt) p->opt = *opt;
  if (pthread_mutex_init(&p->lock, NULL) != 0) {
    free(p);
    return fl_error_at(err, FL_ENOMEM, "pipeline", 0, "cannot create a mutex");
  }
  *out = p;
  return FL_OK;
}

fl_status fl_pipeline_add_sink(fl_pipeline *p, const fl_pipeline_sink *sink,
                               fl_error *err) {
  if (p->sink_count == FL_PIPELINE_MAX_SINKS)
    return fl_error_at(err, FL_ELIMIT, "pipeline", 0, "too many sinks");
  p->sinks[p->sink_count++] = *sink;
  return FL_OK;
}

void fl_pipeline_free(fl_pipeline *p) {
  if (!p) return;
  fl_error ignored;
  fl_pipeline_end_stream(p, &ignored);
  pthread_mutex_destroy(&p->lock);
  free(p);
}

/* ---- reader callbacks ---- */
static int report(fl_pipeline *p, uint64_t at) {
  if (!p->opt.on_progress) return 0;
  fl_pipeline_progress pr = {p->src.name, at, p->src.size, p->in_scope};
  if (p->opt.on_progress(&pr, p->opt.user)) p->stopped = 1;
  return p->stopped;
}

/* Reader thread(s): type, then every sink that wants the source. */
static int on_record(const fl_evtx_event *ev, void *user) {
  fl_pipeline *p = user;
  fl_typed_event t;
  if (fl_catalog_type_event(ev, &t) != 1) return 0;
  pthread_mutex_lock(&p->lock);
  int stop = p->failed != FL_OK || p->stopped;
  for (size_t i = 0; !stop && i < p->sink_count; i++) {
    if (p->have[i]) continue;
    fl_status st = p->sinks[i].event(p->sinks[i].self, &p->src, ev, &t, &p->err);
    if (st != FL_OK) {
      p->failed = st;
      stop = 1;
    }
  }
  if (!stop && (++p->in_scope & 8191) == 0) stop = report(p, ev->file_offset);
  pthread_mutex_unlock(&p->lock);
  return stop;
}

/* Reader diagnostics go to the caller with the caller's user pointer. */
static void on_diag(const fl_evtx_diag *d, void *user) {
  fl_pipeline *p = user;
  if (p->opt.on_diag) p->opt.on_diag(d, p->opt.user);
}

/* The reader's position (main thread), scaled to the input's size (gzip),
** so progress moves on inputs with few in-scope events too. */
static void on_position(uint64_t done, uint64_t total, void *user) {
  fl_pipeline *p = user;
  uint64_t at = total ? (uint64_t)((double)p->src.size * ((double)done / (double)total)) : 0;
  pthread_mutex_lock(&p->lock);
  if (!p->stopped && p->failed == FL_OK) report(p, at);
  pthread_mutex_unlock(&p->lock);
}

/* The reader over a file, bytes, or (tap) standard input, into the sinks. */
static fl_status read_into(fl_pipeline *p, const pipeline_hasher *in,
                           const fl_input_tap *tap, fl_evtx_stats *rs,
                           fl_error *err) {
  fl_evtx_options ro;
  memset(&ro, 0, sizeof ro);
  ro.flags = p->opt.reader_flags;
  ro.threads = p->opt.threads;
  ro.format = FL_EVTX_RENDER_NONE;
  ro.filter.id_count = fl_store_scope_ids(&ro.filter.ids);
  ro.filter.provider_count = fl_store_scope_providers(&ro.filter.providers);
  ro.on_record = on_record;
  ro.on_diag = on_diag;
  ro.on_progress = p->opt.on_progress ? on_position : NULL;
  ro.user = p;
  memset(rs, 0, sizeof *rs);
  fl_error rerr;
  fl_error_clear(&rerr);
  const char *name = p->src.name;
  fl_status st = tap ? fl_input_read_fd_tapped(0, name, tap, &ro, rs, &rerr)
               : in->data ? fl_input_read_memory_as(in->data, in->len, name,
                                                    p->src.format, &ro, rs, &rerr)
                          : fl_input_read(in->path, &ro, rs, &rerr);
  if (p->failed != FL_OK) {
    *err = p->err;
    return p->failed;
  }
  if (p->stopped) return fl_error_at(err, FL_ELIMIT, name, 0, "stopped");
  if (st != FL_OK && st != FL_EPARTIAL) *err = rerr;
  if (st == FL_EPARTIAL)
    fl_error_at(err, st, name, 0, "%llu records skipped, %llu errors",
                (unsigned long long)rs->records_skipped,
                (unsigned long long)rs->errors);
  return st;
}

/* Tells every sink begun so far that the source ended with status. */
static fl_status end_sinks(fl_pipeline *p, size_t begun, fl_status status,
                           const fl_pipeline_stats *st, fl_error *err) {
  fl_status first = FL_OK;
  for (size_t i = 0; i < begun; i++) {
    fl_error e;
    fl_error_clear(&e);
    fl_status r = p->sinks[i].end(p->sinks[i].self, &p->src, status, st, &e);
    if (r != FL_OK && first == FL_OK) {
      first = r;
      *err = e;
    }
  }
  return first;
}

/* Begins the source in every sink. *all_have: none needs a read;
** *partial: a sink holds it as partial (its err is kept in *err). */
static fl_status begin_sinks(fl_pipeline *p, int *all_have, int *partial,
                             fl_error *err) {
  *all_have = p->sink_count > 0;
  *partial = 0;
  for (size_t i = 0; i < p->sink_count; i++) {
    fl_error e;
    fl_error_clear(&e);
    p->have[i] = 0;
    fl_status st = p->sinks[i].begin(p->sinks[i].self, &p->src, &p->have[i], &e);
    if (st == FL_EPARTIAL && p->have[i]) {
      if (!*partial) *err = e;
      *partial = 1;
    } else if (st != FL_OK) {
      *err = e;
      fl_error ignored;
      end_sinks(p, i, st, NULL, &ignored);
      return st;
    }
    if (!p->have[i]) *all_have = 0;
  }
  return FL_OK;
}

static void stats_of(fl_pipeline_stats *out, const fl_evtx_stats *rs,
                     uint64_t in_scope, uint64_t size) {
  memset(out, 0, sizeof *out);
  out->records = rs->records;
  out->records_skipped = rs->records_skipped;
  out->in_scope = in_scope;
  out->warnings = rs->warnings;
  out->errors = rs->errors;
  out->bytes = size;
}

/* A new source's identity; the read's state cleared. */
static void source_reset(fl_pipeline *p, const char *name, const char *file_stat,
                         fl_input_format format, uint64_t size) {
  memset(&p->src, 0, sizeof p->src);
  p->src.id = ++p->next_id;
  p->src.name = name;
  p->src.file_stat = file_stat;
  p->src.format = format;
  p->src.size = size;
  p->src.reader_flags = p->opt.reader_flags & (FL_EVTX_STRICT | FL_EVTX_RECOVER);
  p->src.sha256 = "";
  p->failed = FL_OK;
  p->stopped = 0;
  p->in_scope = 0;
}

/* One whole source: fingerprint (first when a sink asks), begin, read,
** end. */
static fl_status run_source(fl_pipeline *p, const char *name, uint64_t size,
                            fl_input_format format, const char *file_stat,
                            pipeline_hasher *h, fl_pipeline_stats *stats,
                            fl_error *err) {
  source_reset(p, name, file_stat, format, size);
  memset(stats, 0, sizeof *stats);
  stats->bytes = size;
  for (size_t i = 0; i < p->sink_count && !h->done; i++) {
    if (!p->sinks[i].wants_sha256 || !p->sinks[i].wants_sha256(p->sinks[i].self, &p->src))
      continue;
    pipeline_hash_main(h);
    h->done = 1;
    if (!h->failed) p->src.sha256 = h->hex; /* else the read path reports */
  }
  int all_have = 0, partial = 0;
  fl_status st = begin_sinks(p, &all_have, &partial, err);
  if (st != FL_OK) return st;
  if (all_have) {
    memcpy(stats->sha256, h->hex, sizeof h->hex);
    report(p, size);
    fl_status e = end_sinks(p, p->sink_count, FL_OK, stats, err);
    return e != FL_OK ? e : partial ? FL_EPARTIAL : FL_OK;
  }
  pthread_t tid;
  h->background = 1; /* read by the thread: reset only if none started */
  int hashing = !h->done && pthread_create(&tid, NULL, pipeline_hash_main, h) == 0;
  if (!hashing) h->background = 0;
  fl_evtx_stats rs;
  st = read_into(p, h, NULL, &rs, err);
  if (st != FL_OK && st != FL_EPARTIAL) atomic_store(&h->cancel, 1);
  if (hashing) pthread_join(tid, NULL);
  else if (!h->done) pipeline_hash_main(h);
  stats_of(stats, &rs, p->in_scope, size);
  if ((st == FL_OK || st == FL_EPARTIAL) && h->failed)
    st = fl_error_at(err, FL_EIO, name, 0, "cannot read the file to "
                     "fingerprint it: %s", strerror(h->failed > 0 ? h->failed : EIO));
  if (st == FL_OK || st == FL_EPARTIAL) memcpy(stats->sha256, h->hex, sizeof h->hex);
  fl_error end_err;
  fl_error_clear(&end_err);
  fl_status ended = end_sinks(p, p->sink_count, st, stats, &end_err);
  if (ended != FL_OK && (st == FL_OK || st == FL_EPARTIAL)) {
    *err = end_err;
    return ended;
  }
  if (st == FL_OK || st == FL_EPARTIAL) report(p, size);
  return st == FL_OK && partial ? FL_EPARTIAL : st;
}

/* ---- sources ---- */
/* Standard input, streamed: fingerprinted as it is read (a tap on the raw
** bytes), the sinks begun once the reader has found the format, nothing
** kept but the reader's window (EVTX is spooled to a temporary file by
** lib/input). No sink can be asked for the SHA-256 before the read. */
typedef struct stdin_source {
  fl_pipeline *p;
  fl_sha256_ctx sha;
  uint64_t bytes;
  int begun;           /* sinks begun (the format was found) */
  int all_have, partial;
  fl_status begin_st;
  fl_error begin_err;
} stdin_source;

static void stdin_raw(const void *data, size_t n, void *user) {
  stdin_source *in = user;
  fl_sha256_update(&in->sha, data, n);
  in->bytes += n;
}

static int stdin_format(fl_input_format fmt, void *user) {
  stdin_source *in = user;
  if (fmt == FL_INPUT_UNKNOWN) return 0; /* the reader reports it */
  in->p->src.format = fmt;
  fl_error_clear(&in->begin_err);
  in->begin_st = begin_sinks(in->p, &in->all_have, &in->partial, &in->begin_err);
  in->begun = in->begin_st == FL_OK;
  return !in->begun || in->all_have;
}

static fl_status read_stdin(fl_pipeline *p, fl_pipeline_stats *stats,
                            fl_error *err) {
  source_reset(p, "-", "", FL_INPUT_UNKNOWN, 0);
  memset(stats, 0, sizeof *stats);
  stdin_source in;
  memset(&in, 0, sizeof in);
  in.p = p;
  fl_sha256_init(&in.sha);
  fl_input_tap tap = {stdin_raw, stdin_format, &in};
  pipeline_hasher none;
  memset(&none, 0, sizeof none);
  fl_evtx_stats rs;
  fl_status st = read_into(p, &none, &tap, &rs, err);
  if (in.begin_st != FL_OK) {
    *err = in.begin_err;
    return in.begin_st;
  }
  if (!in.begun) { /* no reader knows it: no sink heard of it */
    if (st == FL_OK)
      st = fl_error_at(err, FL_EINPUT, "-", 0, "not a supported input");
    return st;
  }
  stats_of(stats, &rs, p->in_scope, in.bytes);
  uint8_t d[32];
  fl_sha256_final(&in.sha, d);
  if (st == FL_OK || st == FL_EPARTIAL) fl_hex(d, 32, stats->sha256);
  fl_error end_err;
  fl_error_clear(&end_err);
  fl_status ended = end_sinks(p, p->sink_count, st, stats, &end_err);
  if (ended != FL_OK && (st == FL_OK || st == FL_EPARTIAL)) {
    *err = end_err;
    return ended;
  }
  return st == FL_OK && in.partial ? FL_EPARTIAL : st;
}

/* A file's identity for fl_pipeline_source.file_stat, or "" when its times
** are less than two seconds old: a write right after this stat could leave
** them unchanged (coarse file-system clocks), so it will be hashed. */
static void file_identity(const struct stat *sb, char *out, size_t cap) {
  struct timespec now;
  out[0] = 0;
  if (clock_gettime(CLOCK_REALTIME, &now) != 0) return;
  const struct timespec *m = &sb->st_mtim, *c = &sb->st_ctim;
  time_t newest = m->tv_sec > c->tv_sec ? m->tv_sec : c->tv_sec;
  if (now.tv_sec - newest < 2) return;
  snprintf(out, cap, "%llu:%llu:%lld.%09ld:%lld.%09ld",
           (unsigned long long)sb->st_dev, (unsigned long long)sb->st_ino,
           (long long)m->tv_sec, (long)m->tv_nsec, (long long)c->tv_sec,
           (long)c->tv_nsec);
}

/* The format of a file by its first bytes; FL_EINPUT when no row knows it
** (before any sink hears of it). */
static fl_status file_format(const char *path, uint64_t size,
                             fl_input_format *fmt, fl_error *err) {
  enum { HEAD = 65536 }; /* what the XML detector looks through */
  unsigned char *head = malloc(HEAD);
  if (!head) return fl_error_at(err, FL_ENOMEM, path, 0, "out of memory");
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read(fd, head, HEAD);
  int saved = errno;
  if (fd >= 0) close(fd);
  *fmt = n < 0 ? FL_INPUT_UNKNOWN : fl_input_detect(head, (size_t)n);
  free(head);
  if (n < 0) return fl_error_at(err, FL_EIO, path, 0, "%s", strerror(saved));
  if (*fmt == FL_INPUT_UNKNOWN)
    return fl_error_at(err, FL_EINPUT, path, 0, "not a supported input (EVTX,"
                       " event XML, netsh wfp XML or JSON; %llu bytes)",
                       (unsigned long long)size);
  return FL_OK;
}

fl_status fl_pipeline_read_memory(fl_pipeline *p, const void *data,
                                  size_t len, const char *name,
                                  fl_input_format format,
                                  fl_pipeline_stats *stats, fl_error *err) {
  fl_pipeline_stats local;
  if (!stats) stats = &local;
  memset(stats, 0, sizeof *stats);
  fl_error e;
  if (!err) err = &e;
  if (format == FL_INPUT_UNKNOWN) format = fl_input_detect(data, len);
  if (format == FL_INPUT_UNKNOWN)
    return fl_error_at(err, FL_EINPUT, name, 0, "not a supported input");
  fl_status st = fl_pipeline_end_stream(p, err); /* one source at a time */
  if (st != FL_OK) return st;
  pipeline_hasher h;
  memset(&h, 0, sizeof h);
  h.data = data;
  h.len = len;
  return run_source(p, name ? name : "<memory>", len, format, "", &h, stats, err);
}

fl_status fl_pipeline_read(fl_pipeline *p, const char *path,
                           fl_pipeline_stats *stats, fl_error *err) {
  fl_pipeline_stats local;
  if (!stats) stats = &local;
  memset(stats, 0, sizeof *stats);
  fl_error e;
  if (!err) err = &e;
  if (strcmp(path, "-") == 0) {
    fl_status st = fl_pipeline_end_stream(p, err); /* one source at a time */
    return st == FL_OK ? read_stdin(p, stats, err) : st;
  }
  struct stat sb;
  if (stat(path, &sb) != 0)
    return fl_error_at(err, errno == ENOENT ? FL_ENOTFOUND : FL_EIO, path, 0,
                       "%s", strerror(errno));
  if (!S_ISREG(sb.st_mode))
    return fl_error_at(err, FL_EINPUT, path, 0, "not a regular file (give "
                       "the files of a directory, e.g. DIR/*)");
  fl_input_format fmt = FL_INPUT_UNKNOWN;
  fl_status st = file_format(path, (uint64_t)sb.st_size, &fmt, err);
  if (st == FL_OK) st = fl_pipeline_end_stream(p, err);
  if (st != FL_OK) return st;
  char full[PATH_MAX];
  const char *label = realpath(path, full) ? full : path;
  pipeline_hasher h;
  memset(&h, 0, sizeof h);
  h.path = path;
  char id[128];
  file_identity(&sb, id, sizeof id);
  return run_source(p, label, (uint64_t)sb.st_size, fmt, id, &h, stats, err);
}

/* ---- live intake ---- */
static fl_status begin_stream(fl_pipeline *p, const char *name,
                              fl_input_format format, fl_error *err) {
  p->stream = strdup(name);
  if (!p->stream) return fl_error_at(err, FL_ENOMEM, name, 0, "out of memory");
  source_reset(p, p->stream, "", format, 0);
  p->src.stream = 1;
  memset(&p->stream_stats, 0, sizeof p->stream_stats);
  int all_have = 0, partial = 0;
  fl_status st = begin_sinks(p, &all_have, &partial, err);
  if (st != FL_OK) {
    free(p->stream);
    p->stream = NULL;
  }
  return st;
}

fl_status fl_pipeline_push(fl_pipeline *p, const char *stream,
                           fl_input_format format, const void *data,
                           size_t len, uint64_t *seq, fl_error *err) {
  fl_error e;
  if (!err) err = &e;
  if (seq) *seq = 0;
  if (p->stream && strcmp(p->stream, stream) != 0) {
    fl_status st = fl_pipeline_end_stream(p, err);
    if (st != FL_OK) return st;
  }
  if (!p->stream) {
    fl_status st = begin_stream(p, stream, format, err);
    if (st != FL_OK) return st;
  }
  p->failed = FL_OK;
  p->stopped = 0;
  p->in_scope = 0;
  pipeline_hasher in;
  memset(&in, 0, sizeof in);
  in.data = data;
  in.len = len;
  fl_input_format saved = p->src.format;
  if (format != FL_INPUT_UNKNOWN) p->src.format = format;
  fl_evtx_stats rs;
  fl_status st = read_into(p, &in, NULL, &rs, err);
  p->src.format = saved;
  fl_pipeline_stats *t = &p->stream_stats;
  t->records += rs.records;
  t->records_skipped += rs.records_skipped;
  t->in_scope += p->in_scope;
  t->warnings += rs.warnings;
  t->errors += rs.errors;
  t->bytes += len;
  if (p->failed != FL_OK) return st; /* a sink failed: nothing is acknowledged */
  if (seq) *seq = ++p->seq;
  else ++p->seq;
  return st;
}

fl_status fl_pipeline_commit(fl_pipeline *p, uint64_t *committed,
                             fl_error *err) {
  fl_error e;
  if (!err) err = &e;
  uint64_t upto = p->seq;
  for (size_t i = 0; i < p->sink_count; i++) {
    if (!p->sinks[i].commit) continue;
    fl_status st = p->sinks[i].commit(p->sinks[i].self, err);
    if (st != FL_OK) return st;
  }
  p->committed = upto;
  if (committed) *committed = upto;
  if (p->opt.on_committed) p->opt.on_committed(upto, p->opt.user);
  return FL_OK;
}

uint64_t fl_pipeline_committed(const fl_pipeline *p) { return p->committed; }

fl_status fl_pipeline_end_stream(fl_pipeline *p, fl_error *err) {
  if (!p->stream) return FL_OK;
  fl_status st = end_sinks(p, p->sink_count, FL_OK, &p->stream_stats, err);
  if (st == FL_OK) {
    p->committed = p->seq; /* each sink's end commits */
    if (p->opt.on_committed) p->opt.on_committed(p->seq, p->opt.user);
  }
  free(p->stream);
  p->stream = NULL;
  return st;
}

void fl_pipeline_abort_stream(fl_pipeline *p) {
  if (!p->stream) return;
  fl_error ignored;
  fl_error_clear(&ignored);
  end_sinks(p, p->sink_count, FL_EIO, &p->stream_stats, &ignored);
  free(p->stream);
  p->stream = NULL;
}
