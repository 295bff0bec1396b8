/*
** Opening an EVTX file (mmap, never a heap copy) and reading it: file
** header checks, chunk count from the file size, chunks on N worker
** threads with a bounded reorder window so output and diagnostics come out
** in file order, stats.
**
** Must never: trust the header's chunk count, hold more than 2 x threads
** chunk results at once, or call on_output/on_diag from a worker thread.
*/
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fl_crc32.h"
#include "common/fl_error.h"
#include "evtx/evtx_internal.h"

struct fl_evtx_file {
  const uint8_t *data;
  uint64_t size;
  int mapped;            /* ours: munmap on close */
  int droppable;         /* a read-only file mapping: pages may be dropped */
  char name[256];
};

unsigned fl_evtx_default_threads(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  if (n < 1) n = 1;
  return n > 8 ? 8u : (unsigned)n;
}

static fl_status fl_evtx_check_magic(fl_evtx_file *f, fl_error *err) {
  if (f->size < FL_EVTX_FILE_HEADER_BLOCK ||
      memcmp(f->data, FL_EVTX_FILE_MAGIC, 8) != 0)
    return fl_error_at(err, FL_EINPUT, f->name, 0,
                       f->size < FL_EVTX_FILE_HEADER_BLOCK
                           ? "not an EVTX file (%llu bytes, shorter than its "
                             "4096-byte header)"
                           : "not an EVTX file (no ElfFile signature)%.0llu",
                       (unsigned long long)f->size);
  return FL_OK;
}

fl_status fl_evtx_open_memory(const void *data, size_t len, const char *name,
                              fl_evtx_file **out, fl_error *err) {
  *out = NULL;
  fl_evtx_file *f = calloc(1, sizeof *f);
  if (!f) return fl_error_at(err, FL_ENOMEM, name, 0, "out of memory");
  f->data = data;
  f->size = len;
  snprintf(f->name, sizeof f->name, "%s", name ? name : "");
  fl_status st = fl_evtx_check_magic(f, err);
  if (st != FL_OK) {
    free(f);
    return st;
  }
  *out = f;
  return FL_OK;
}

fl_status fl_evtx_open_mapped(const void *data, size_t len, const char *name,
                              fl_evtx_file **out, fl_error *err) {
  fl_status st = fl_evtx_open_memory(data, len, name, out, err);
  long pg = sysconf(_SC_PAGESIZE);
  /* page-aligned (a mapping's start) or the drops would miss their pages */
  if (st == FL_OK && *out && pg > 0 && (uintptr_t)data % (uintptr_t)pg == 0)
    (*out)->droppable = 1;
  return st;
}

fl_status fl_evtx_open(const char *path, fl_evtx_file **out, fl_error *err) {
  *out = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fl_error_at(err, FL_EIO, path, 0, "cannot open: %m");
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return fl_error_at(err, FL_EIO, path, 0, "not a regular file");
  }
  fl_evtx_file *f = calloc(1, sizeof *f);
  if (!f) {
    close(fd);
    return fl_error_at(err, FL_ENOMEM, path, 0, "out of memory");
  }
  snprintf(f->name, sizeof f->name, "%s", path);
  f->size = (uint64_t)st.st_size;
  if (f->size) {
    void *m = mmap(NULL, f->size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
      close(fd);
      free(f);
      return fl_error_at(err, FL_EIO, path, 0, "cannot map: %m");
    }
    madvise(m, f->size, MADV_SEQUENTIAL);
    f->data = m;
    f->mapped = 1;
    f->droppable = 1;
  }
  close(fd);
  fl_status s = fl_evtx_check_magic(f, err);
  if (s != FL_OK) {
    fl_evtx_close(f);
    return s;
  }
  *out = f;
  return FL_OK;
}

void fl_evtx_close(fl_evtx_file *f) {
  if (!f) return;
  if (f->mapped) munmap((void *)f->data, f->size);
  free(f);
}

uint64_t fl_evtx_chunk_slots(const fl_evtx_file *f) {
  uint64_t body = f->size - FL_EVTX_FILE_HEADER_BLOCK;
  return (body + FL_EVTX_CHUNK_SIZE - 1) / FL_EVTX_CHUNK_SIZE;
}
uint16_t fl_evtx_header_chunk_count(const fl_evtx_file *f) {
  return fl_le16(f->data + FL_EVTX_FH_CHUNK_COUNT);
}
uint16_t fl_evtx_version_major(const fl_evtx_file *f) {
  return fl_le16(f->data + FL_EVTX_FH_MAJOR_VERSION);
}
uint16_t fl_evtx_version_minor(const fl_evtx_file *f) {
  return fl_le16(f->data + FL_EVTX_FH_MINOR_VERSION);
}

static void fl_evtx_header_check(const fl_evtx_file *f, fl_evtx_diaglist *l) {
  const uint8_t *h = f->data;
  uint32_t crc = fl_crc32(0, h, 120);
  if (crc != fl_le32(h + FL_EVTX_FH_CHECKSUM))
    fl_evtx_diag_add(l, f->name, FL_EVTX_WARNING, -1, FL_EVTX_FH_CHECKSUM, 0,
                     0, "file header CRC32 mismatch (%08x, computed %08x)",
                     fl_le32(h + FL_EVTX_FH_CHECKSUM), crc);
  if (fl_evtx_version_major(f) != 3)
    fl_evtx_diag_add(l, f->name, FL_EVTX_WARNING, -1, FL_EVTX_FH_MAJOR_VERSION,
                     0, 0, "unknown format version %u.%u",
                     fl_evtx_version_major(f), fl_evtx_version_minor(f));
  uint64_t slots = fl_evtx_chunk_slots(f);
  uint16_t claimed = fl_evtx_header_chunk_count(f);
  if (claimed > slots)
    fl_evtx_diag_add(l, f->name, FL_EVTX_WARNING, -1, FL_EVTX_FH_CHUNK_COUNT,
                     0, 0, "file truncated: header says %u chunks, the file "
                     "holds %llu", claimed, (unsigned long long)slots);
  if ((f->size - FL_EVTX_FILE_HEADER_BLOCK) % FL_EVTX_CHUNK_SIZE)
    fl_evtx_diag_add(l, f->name, FL_EVTX_WARNING, -1, f->size, 0, 0,
                     "file size is not a whole number of chunks");
}

typedef struct fl_evtx_run {
  fl_evtx_file *f;
  const fl_evtx_options *o;
  fl_evtx_stats total;
  int stop, oom;
  uint64_t released;      /* mapped bytes below this were given back */
  uint64_t page;          /* page size */
} fl_evtx_run;

/* Pages of chunks already processed are dropped from the mapping, so RSS
** is bounded by the chunks in flight, not by the file size (the kernel
** keeps them in the page cache). The mapping is private and read-only: a
** later touch faults the same bytes back in, never zeros. Batched so the
** madvise calls stay few. */
#define FL_EVTX_RELEASE_BATCH (32u * FL_EVTX_CHUNK_SIZE)

static void fl_evtx_release_init(fl_evtx_run *r) {
  long pg = sysconf(_SC_PAGESIZE);
  r->page = pg > 0 ? (uint64_t)pg : 4096u;
  r->released = (FL_EVTX_FILE_HEADER_BLOCK + r->page - 1) / r->page * r->page;
}

/* Chunks below next_chunk are done with. */
static void fl_evtx_release(fl_evtx_run *r, uint64_t next_chunk) {
  if (!r->f->droppable) return; /* heap bytes: dropping would zero them */
  uint64_t end = FL_EVTX_FILE_HEADER_BLOCK + next_chunk * FL_EVTX_CHUNK_SIZE;
  if (end > r->f->size) end = r->f->size;
  end = end / r->page * r->page;
  if (end <= r->released || end - r->released < FL_EVTX_RELEASE_BATCH) return;
  madvise((void *)(r->f->data + r->released), end - r->released,
          MADV_DONTNEED);
  r->released = end;
}

void fl_evtx_stats_add(fl_evtx_stats *t, const fl_evtx_stats *s) {
  t->chunks += s->chunks;
  t->chunks_skipped += s->chunks_skipped;
  t->chunks_empty += s->chunks_empty;
  t->records += s->records;
  t->records_matched += s->records_matched;
  t->records_skipped += s->records_skipped;
  t->records_recovered += s->records_recovered;
  t->warnings += s->warnings;
  t->errors += s->errors;
}

static void fl_evtx_job_reset(fl_evtx_job *j) {
  j->out.len = 0;
  j->diags.count = j->diags.warnings = j->diags.errors = 0;
  memset(&j->stats, 0, sizeof j->stats);
  j->stop = 0;
}

static void fl_evtx_job_free(fl_evtx_job *j) {
  fl_buf_free(&j->out);
  fl_evtx_diaglist_free(&j->diags);
}

/* In-order delivery of one chunk's result (main thread). */
static void fl_evtx_deliver(fl_evtx_run *r, fl_evtx_job *j) {
  const fl_evtx_options *o = r->o;
  for (size_t i = 0; i < j->diags.count; i++)
    if (o->on_diag) o->on_diag(&j->diags.items[i], o->user);
  j->stats.warnings += j->diags.warnings;
  j->stats.errors += j->diags.errors;
  fl_evtx_stats_add(&r->total, &j->stats);
  if (j->out.failed) r->oom = 1;
  if (j->out.len && o->on_output && !r->stop &&
      o->on_output(j->out.p, j->out.len, o->user))
    r->stop = 1;
  if (j->stop) r->stop = 1;
}

/* Tells on_progress that chunks below next_chunk are done. */
static void fl_evtx_progress(const fl_evtx_run *r, uint64_t next_chunk) {
  if (!r->o->on_progress) return;
  uint64_t done = FL_EVTX_FILE_HEADER_BLOCK + next_chunk * FL_EVTX_CHUNK_SIZE;
  r->o->on_progress(done < r->f->size ? done : r->f->size, r->f->size, r->o->user);
}

/* ---- worker pool: chunks claimed in order, at most `window` results
** outstanding, delivered in order by the calling thread ---- */
typedef struct fl_evtx_pool {
  fl_evtx_run *r;
  uint64_t slots, next_claim, next_emit;
  unsigned window;
  fl_evtx_job *jobs;
  uint8_t *done;
  int quit;
  pthread_mutex_t mu;
  pthread_cond_t cv_work, cv_done;
} fl_evtx_pool;

static void *fl_evtx_pool_worker(void *arg) {
  fl_evtx_pool *p = arg;
  fl_evtx_worker w;
  fl_evtx_worker_init(&w, p->r->f->name, p->r->o);
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (!p->quit && p->next_claim < p->slots &&
           p->next_claim >= p->next_emit + p->window)
      pthread_cond_wait(&p->cv_work, &p->mu);
    if (p->quit || p->next_claim >= p->slots) break;
    uint64_t idx = p->next_claim++;
    fl_evtx_job *job = &p->jobs[idx % p->window];
    pthread_mutex_unlock(&p->mu);
    fl_evtx_job_reset(job);
    w.job = job;
    fl_evtx_chunk_process(&w, p->r->f->data, p->r->f->size, idx);
    pthread_mutex_lock(&p->mu);
    p->done[idx % p->window] = 1;
    pthread_cond_broadcast(&p->cv_done);
  }
  pthread_mutex_unlock(&p->mu);
  fl_evtx_worker_free(&w);
  return NULL;
}

static void fl_evtx_pool_consume(fl_evtx_pool *p) {
  for (uint64_t i = 0; i < p->slots; i++) {
    unsigned k = (unsigned)(i % p->window);
    pthread_mutex_lock(&p->mu);
    while (!p->done[k]) pthread_cond_wait(&p->cv_done, &p->mu);
    pthread_mutex_unlock(&p->mu);
    fl_evtx_deliver(p->r, &p->jobs[k]);
    fl_evtx_release(p->r, i + 1);
    fl_evtx_progress(p->r, i + 1);
    pthread_mutex_lock(&p->mu);
    p->done[k] = 0;
    p->next_emit++;
    if (p->r->stop) p->quit = 1;
    pthread_cond_broadcast(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
    if (p->r->stop) break;
  }
}

/* Returns -1 when no thread could be started (nothing was delivered). */
static int fl_evtx_pool_run(fl_evtx_run *r, uint64_t slots,
                            unsigned threads) {
  fl_evtx_pool p;
  memset(&p, 0, sizeof p);
  p.r = r;
  p.slots = slots;
  p.window = 2 * threads;
  p.jobs = calloc(p.window, sizeof *p.jobs);
  p.done = calloc(p.window, 1);
  pthread_t *tid = calloc(threads, sizeof *tid);
  if (!p.jobs || !p.done || !tid) {
    free(p.jobs);
    free(p.done);
    free(tid);
    return -1;
  }
  pthread_mutex_init(&p.mu, NULL);
  pthread_cond_init(&p.cv_work, NULL);
  pthread_cond_init(&p.cv_done, NULL);
  unsigned started = 0;
  while (started < threads &&
         pthread_create(&tid[started], NULL, fl_evtx_pool_worker, &p) == 0)
    started++;
  if (started) {
    fl_evtx_pool_consume(&p);
  }
  pthread_mutex_lock(&p.mu);
  p.quit = 1;
  pthread_cond_broadcast(&p.cv_work);
  pthread_mutex_unlock(&p.mu);
  for (unsigned i = 0; i < started; i++) pthread_join(tid[i], NULL);
  for (unsigned i = 0; i < p.window; i++) fl_evtx_job_free(&p.jobs[i]);
  pthread_mutex_destroy(&p.mu);
  pthread_cond_destroy(&p.cv_work);
  pthread_cond_destroy(&p.cv_done);
  free(p.jobs);
  free(p.done);
  free(tid);
  return started ? 0 : -1;
}

static void fl_evtx_read_inline(fl_evtx_run *r, uint64_t slots) {
  fl_evtx_worker w;
  fl_evtx_job job;
  memset(&job, 0, sizeof job);
  fl_evtx_worker_init(&w, r->f->name, r->o);
  fl_evtx_idranges live = {0};
  fl_evtx_idset carved = {0};
  if (r->o->flags & FL_EVTX_RECOVER) {
    for (uint64_t i = 0; i < slots; i++) {
      fl_evtx_chunk_live_ids(r->f->data, r->f->size, i, &live);
      fl_evtx_release(r, i + 1);
    }
    fl_evtx_idranges_finish(&live);
    fl_evtx_release_init(r); /* the second pass starts over */
    w.live = &live;
    w.carved = &carved;
  }
  w.job = &job;
  for (uint64_t i = 0; i < slots && !r->stop; i++) {
    fl_evtx_job_reset(&job);
    fl_evtx_chunk_process(&w, r->f->data, r->f->size, i);
    fl_evtx_deliver(r, &job);
    fl_evtx_release(r, i + 1);
    fl_evtx_progress(r, i + 1);
  }
  fl_evtx_idranges_free(&live);
  fl_evtx_idset_free(&carved);
  fl_evtx_worker_free(&w);
  fl_evtx_job_free(&job);
}

fl_status fl_evtx_read(fl_evtx_file *f, const fl_evtx_options *opt,
                       fl_evtx_stats *stats, fl_error *err) {
  fl_evtx_run r;
  memset(&r, 0, sizeof r);
  r.f = f;
  r.o = opt;
  fl_evtx_release_init(&r);
  fl_evtx_diaglist hd = {0};
  fl_evtx_header_check(f, &hd);
  fl_evtx_job hj = {0};
  hj.diags = hd;
  fl_evtx_deliver(&r, &hj);
  fl_evtx_diaglist_free(&hd);
  uint64_t slots = fl_evtx_chunk_slots(f);
  unsigned threads = opt->threads ? opt->threads : 1;
  if (opt->flags & FL_EVTX_RECOVER) threads = 1; /* shared dedupe set */
  if (threads > slots) threads = slots ? (unsigned)slots : 1;
  if (threads <= 1 || fl_evtx_pool_run(&r, slots, threads))
    fl_evtx_read_inline(&r, slots);
  if (stats) *stats = r.total;
  if (r.oom)
    return fl_error_at(err, FL_ENOMEM, f->name, 0, "out of memory");
  if (r.total.errors || r.total.warnings || r.total.records_skipped ||
      r.total.chunks_skipped)
    return FL_EPARTIAL;
  return FL_OK;
}
