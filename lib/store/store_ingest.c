/*
** Ingesting one input of any format lib/input reads (EVTX, event XML, netsh
** wfp XML, JSON; detected by content): fingerprint it (SHA-256 on a second thread
** while the reader runs), read only in-scope records (the reader's filter
** holds the catalog's ids and providers, so nothing else is rendered), type
** and insert them in batches, then mark the source complete.
**
** Must never: leave a source marked complete when a batch failed, report
** success when the reader skipped records, or let two threads touch SQLite
** at once (reader workers add under the store's mutex).
*/
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "store/store_internal.h"

fl_status fl_store_source_finish(fl_store *s, const char *sha256_hex,
                                 const fl_store_ingest_stats *counts,
                                 fl_error *err) {
  static const fl_store_ingest_stats none;
  if (!counts) counts = &none;
  fl_status drained = store_pipe_stop(s, err);
  if (drained != FL_OK) return drained;
  if (!s->in_tx) {
    fl_status b = store_exec(s, "BEGIN IMMEDIATE", err);
    if (b != FL_OK) return b;
    s->in_tx = 1;
  }
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db,
                         "UPDATE sources SET status = 'complete', sha256 = ?2,"
                         " records_read = ?3, records_skipped = ?4,"
                         " warnings = ?5, errors = ?6, records_in_scope ="
                         " records_in_scope + ?7, inserted = inserted + ?8,"
                         " duplicates = duplicates + ?9, reader_flags = ?10,"
                         " ingested_at ="
                         " strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?1",
                         -1, &st, NULL) != SQLITE_OK)
    return store_db_error(s, err, FL_EIO, "completing the source");
  const fl_store_ingest_stats *c = &s->counts, *o = &s->saved;
  sqlite3_bind_int64(st, 1, s->source_id);
  if (sha256_hex) sqlite3_bind_text(st, 2, sha256_hex, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, (sqlite3_int64)counts->records);
  sqlite3_bind_int64(st, 4, (sqlite3_int64)counts->records_skipped);
  sqlite3_bind_int64(st, 5, (sqlite3_int64)counts->warnings);
  sqlite3_bind_int64(st, 6, (sqlite3_int64)counts->errors);
  sqlite3_bind_int64(st, 7, (sqlite3_int64)(c->in_scope - o->in_scope));
  sqlite3_bind_int64(st, 8, (sqlite3_int64)(c->inserted - o->inserted));
  sqlite3_bind_int64(st, 9, (sqlite3_int64)(c->duplicates - o->duplicates));
  if (s->reader_flags_known) sqlite3_bind_int64(st, 10, s->reader_flags);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return store_db_error(s, err, FL_EIO, "completing the source");
  fl_status r = store_exec(s, "COMMIT", err);
  if (r != FL_OK) return r;
  s->saved = s->counts;
  s->in_tx = 0;
  s->in_batch = 0;
  return FL_OK;
}

/* ---- fingerprint on a second thread ---- */
typedef struct hasher {
  const char *path;      /* or */
  const uint8_t *data;
  size_t len;
  atomic_int cancel;
  int done;       /* hex is final (hashed before reading) */
  int background; /* runs on its own thread */
  int failed;     /* errno of the failure, or -1 */
  char hex[65];
} hasher;

/* Hashes 1 MiB at a time, stopping when the read is cancelled. With
** release (our own read-only file mapping), each hashed MiB's pages are
** dropped from this process (MADV_DONTNEED; the page cache keeps them for
** the reader): RSS stays flat instead of growing to the file's size. */
static void hash_bytes(hasher *h, fl_sha256_ctx *ctx, const uint8_t *p,
                       size_t len, int release) {
  for (size_t off = 0; off < len && !atomic_load(&h->cancel); off += 1 << 20) {
    size_t n = len - off < (1u << 20) ? len - off : (1u << 20);
    fl_sha256_update(ctx, p + off, n);
    if (release) madvise((void *)(uintptr_t)(p + off), n, MADV_DONTNEED);
  }
}

/* A regular file through a mapping of its own: the page cache the reader
** maps too, with no copy (read() cost the hash thread more than SHA-NI:
** 0.9 s of 1.4 s on a 773 MB file). 0 when it cannot be mapped: read it. */
static int hash_mapped(hasher *h, int fd, fl_sha256_ctx *ctx) {
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
      (uint64_t)st.st_size > SIZE_MAX)
    return 0;
  size_t len = (size_t)st.st_size;
  void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
  if (m == MAP_FAILED) return 0;
  madvise(m, len, MADV_SEQUENTIAL);
  hash_bytes(h, ctx, m, len, 1);
  munmap(m, len);
  return 1;
}

static void *hash_main(void *arg) {
  hasher *h = arg;
  /* the fingerprint is needed only at the end: on two cores it should take
  ** what the reader and the writer leave, not slow the writer down (Linux
  ** applies a nice value to one thread) */
  if (h->background) setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
  fl_sha256_ctx ctx;
  uint8_t d[32];
  fl_sha256_init(&ctx);
  if (h->data) {
    hash_bytes(h, &ctx, h->data, h->len, 0);
  } else if (!h->path) {
    h->failed = EINVAL; /* neither bytes nor a path: nothing to hash */
  } else {
    int fd = open(h->path, O_RDONLY | O_CLOEXEC);
    int mapped = fd >= 0 && hash_mapped(h, fd, &ctx);
    uint8_t *buf = mapped ? NULL : malloc(1 << 20);
    if (fd < 0 || (!mapped && !buf)) h->failed = fd < 0 ? errno : ENOMEM;
    while (!mapped && !h->failed && !atomic_load(&h->cancel)) {
      ssize_t n = read(fd, buf, 1 << 20);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) h->failed = errno ? errno : -1;
      if (n <= 0) break;
      fl_sha256_update(&ctx, buf, (size_t)n);
    }
    free(buf);
    if (fd >= 0) close(fd);
  }
  fl_sha256_final(&ctx, d);
  fl_hex(d, 32, h->hex);
  return NULL;
}

/* ---- reader callbacks ---- */
typedef struct ingest_ctx {
  fl_store *s;
  const fl_store_ingest_options *opt;
  uint64_t size;
  const char *label;
  fl_status failed; /* first store error; stops the reader */
  fl_error err;
  int stopped;      /* on_progress asked to stop */
} ingest_ctx;

static int report(ingest_ctx *c, uint64_t offset) {
  if (!c->opt->on_progress) return 0;
  fl_store_progress p = {c->label, offset, c->size, c->s->pipe.queued,
                         store_pipe_saved_inserted(c->s)};
  if (c->opt->on_progress(&p, c->opt->user)) c->stopped = 1;
  return c->stopped;
}

/* Reader thread(s): type and queue; the store's writer thread inserts. */
static int on_record(const fl_evtx_event *ev, void *user) {
  ingest_ctx *c = user;
  fl_typed_event t;
  if (fl_catalog_type_event(ev, &t) != 1) return 0;
  pthread_mutex_lock(&c->s->lock);
  int stop = c->failed != FL_OK || c->stopped;
  if (!stop) {
    fl_status st = fl_store_queue(c->s, ev, &t, &c->err);
    if (st != FL_OK) {
      c->failed = st;
      stop = 1;
    } else if ((c->s->pipe.queued & 8191) == 0) {
      stop = report(c, ev->file_offset);
    }
  }
  pthread_mutex_unlock(&c->s->lock);
  return stop;
}

/* Reader diagnostics go to the caller with the caller's user pointer (the
** reader's user is this ingest_ctx). */
static void on_diag(const fl_evtx_diag *d, void *user) {
  ingest_ctx *c = user;
  if (c->opt->on_diag) c->opt->on_diag(d, c->opt->user);
}

/* The reader's position (main thread), between the every-8192-events
** reports of on_record, so a progress bar moves on inputs with few
** in-scope events too. done/total is scaled to the file's size (gzip). */
static void on_position(uint64_t done, uint64_t total, void *user) {
  ingest_ctx *c = user;
  uint64_t at = total ? (uint64_t)((double)c->size * ((double)done / (double)total)) : 0;
  pthread_mutex_lock(&c->s->lock);
  if (!c->stopped && c->failed == FL_OK) report(c, at);
  pthread_mutex_unlock(&c->s->lock);
}

static void fill_stats(fl_store_ingest_stats *out, const fl_store *s,
                       const fl_evtx_stats *rs, uint64_t size) {
  *out = s->counts;
  out->records = rs->records;
  out->records_skipped = rs->records_skipped;
  out->warnings = rs->warnings;
  out->errors = rs->errors;
  out->bytes = size;
}

static fl_status read_into(ingest_ctx *c, const hasher *in,
                           fl_evtx_stats *rs, fl_error *err) {
  const fl_store_ingest_options *opt = c->opt;
  fl_evtx_options ro;
  memset(&ro, 0, sizeof ro);
  ro.flags = opt->reader_flags;
  ro.threads = opt->threads;
  ro.format = FL_EVTX_RENDER_NONE;
  ro.filter.id_count = fl_store_scope_ids(&ro.filter.ids);
  ro.filter.provider_count = fl_store_scope_providers(&ro.filter.providers);
  ro.on_record = on_record;
  ro.on_diag = opt->on_diag ? on_diag : NULL;
  ro.on_progress = opt->on_progress ? on_position : NULL;
  ro.user = c;
  memset(rs, 0, sizeof *rs);
  fl_error rerr;
  fl_error_clear(&rerr);
  fl_status st = in->data ? fl_input_read_memory(in->data, in->len, c->label,
                                                 &ro, rs, &rerr)
                          : fl_input_read(in->path, &ro, rs, &rerr);
  if (c->failed != FL_OK) {
    *err = c->err;
    return c->failed;
  }
  if (c->stopped) return fl_error_at(err, FL_ELIMIT, c->label, 0, "stopped");
  if (st != FL_OK && st != FL_EPARTIAL) *err = rerr;
  if (st == FL_EPARTIAL)
    fl_error_at(err, st, c->label, 0, "%llu records skipped, %llu errors",
                (unsigned long long)rs->records_skipped,
                (unsigned long long)rs->errors);
  return st;
}

/* When a complete source could be this very input, fingerprints it first
** (then no second hash runs) and, on a match, records it without reading.
** *reused says whether that happened. */
static fl_status try_reuse(ingest_ctx *c, hasher *h,
                           fl_store_ingest_stats *stats, int *reused,
                           fl_error *err) {
  fl_store *s = c->s;
  *reused = 0;
  if (!store_reuse_candidate(s, c->size, s->reader_flags)) return FL_OK;
  hash_main(h);
  h->done = 1;
  if (h->failed) return FL_OK; /* the read path reports it */
  fl_status st = store_reuse_source(s, c->label, c->size, h->hex,
                                    s->reader_flags, stats, reused, err);
  if (*reused) report(c, c->size);
  return st;
}

/* Source row, read, fingerprint, complete. */
static fl_status ingest_input(fl_store *s, const char *label, uint64_t size, hasher *h,
                                  const fl_store_ingest_options *opt,
                                  fl_store_ingest_stats *stats, fl_error *err) {
  static const fl_store_ingest_options defaults;
  ingest_ctx c = {s, opt ? opt : &defaults, size, label, FL_OK, {0}, 0};
  s->reader_flags = c.opt->reader_flags & (FL_EVTX_STRICT | FL_EVTX_RECOVER);
  int reused = 0;
  fl_status rst = try_reuse(&c, h, stats, &reused, err);
  if (rst != FL_OK || reused) return rst;
  pthread_t tid;
  h->background = 1; /* read by the thread: reset only if none started */
  int hashing = !h->done && pthread_create(&tid, NULL, hash_main, h) == 0;
  if (!hashing) h->background = 0;
  fl_status st = fl_store_source_begin(s, label, size, c.opt->batch_rows, err);
  fl_evtx_stats rs;
  memset(&rs, 0, sizeof rs);
  if (st == FL_OK) st = read_into(&c, h, &rs, err);
  if (st != FL_OK && st != FL_EPARTIAL) atomic_store(&h->cancel, 1);
  if (hashing) pthread_join(tid, NULL);
  else if (!h->done) hash_main(h);
  fl_error werr;
  fl_status written = store_pipe_stop(s, &werr); /* every queued row */
  if (written != FL_OK && (st == FL_OK || st == FL_EPARTIAL)) {
    st = written;
    *err = werr;
  }
  fill_stats(stats, s, &rs, size);
  if (st != FL_OK && st != FL_EPARTIAL) {
    /* uncommitted rows go; the source stays 'ingesting' for a rerun */
    if (s->in_tx) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    s->in_tx = 0;
    return st;
  }
  if (h->failed)
    return fl_error_at(err, FL_EIO, label, 0, "cannot read the file to "
                       "fingerprint it: %s", strerror(h->failed > 0 ? h->failed : EIO));
  memcpy(stats->sha256, h->hex, sizeof h->hex);
  fl_status fin = fl_store_source_finish(s, h->hex, stats, err);
  if (fin != FL_OK) return fin;
  report(&c, size);
  return st;
}

/* Refuses what no reader knows before a source row is made for it. */
static fl_status check_format(const char *path, uint64_t size, fl_error *err) {
  unsigned char head[4096];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fl_error_at(err, FL_EIO, path, 0, "%s", strerror(errno));
  ssize_t n = read(fd, head, sizeof head);
  int saved = errno;
  close(fd);
  if (n < 0) return fl_error_at(err, FL_EIO, path, 0, "%s", strerror(saved));
  if (fl_input_detect(head, (size_t)n) == FL_INPUT_UNKNOWN)
    return fl_error_at(err, FL_EINPUT, path, 0, "not a supported input (EVTX,"
                       " event XML, netsh wfp XML or JSON; %llu bytes)",
                       (unsigned long long)size);
  return FL_OK;
}

fl_status fl_store_ingest_file(fl_store *s, const char *path,
                               const fl_store_ingest_options *opt,
                               fl_store_ingest_stats *stats, fl_error *err) {
  fl_store_ingest_stats local;
  if (!stats) stats = &local;
  memset(stats, 0, sizeof *stats);
  struct stat sb;
  if (stat(path, &sb) != 0)
    return fl_error_at(err, errno == ENOENT ? FL_ENOTFOUND : FL_EIO, path, 0,
                       "%s", strerror(errno));
  if (!S_ISREG(sb.st_mode))
    return fl_error_at(err, FL_EINPUT, path, 0, "not a regular file (give "
                       "the files of a directory, e.g. DIR/*)");
  fl_status st = check_format(path, (uint64_t)sb.st_size, err);
  if (st != FL_OK) return st;
  char full[PATH_MAX];
  const char *label = realpath(path, full) ? full : path;
  hasher h = {.path = path};
  s->reader_flags_known = 1;
  st = ingest_input(s, label, (uint64_t)sb.st_size, &h, opt, stats, err);
  s->reader_flags_known = 0;
  return st;
}

fl_status fl_store_ingest_memory(fl_store *s, const void *data, size_t len,
                                 const char *name,
                                 const fl_store_ingest_options *opt,
                                 fl_store_ingest_stats *stats, fl_error *err) {
  fl_store_ingest_stats local;
  if (!stats) stats = &local;
  memset(stats, 0, sizeof *stats);
  if (fl_input_detect(data, len) == FL_INPUT_UNKNOWN)
    return fl_error_at(err, FL_EINPUT, name, 0, "not a supported input");
  hasher h = {.data = data, .len = len};
  s->reader_flags_known = 1;
  fl_status st = ingest_input(s, name, len, &h, opt, stats, err);
  s->reader_flags_known = 0;
  return st;
}
