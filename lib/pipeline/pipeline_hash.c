/*
** An input's fingerprint, SHA-256 of its bytes as given (compressed), for
** the store's "already have this source" check. It runs on a second thread
** at a lower priority while the reader works, over its own mapping of the
** file (the page cache the reader maps too), and stops when the read fails.
**
** Must never: hash anything but the exact bytes the reader was given, or
** slow the reader (nice value on this thread only).
*/
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/fl_sha256.h"
#include "pipeline/pipeline_internal.h"

/* Hashes 1 MiB at a time, stopping when the read is cancelled. With
** release (our own read-only file mapping), each hashed MiB's pages are
** dropped from this process (MADV_DONTNEED; the page cache keeps them for
** the reader): RSS stays flat instead of growing to the file's size. */
static void hash_bytes(pipeline_hasher *h, fl_sha256_ctx *ctx,
                       const uint8_t *p, size_t len, int release) {
  for (size_t off = 0; off < len && !atomic_load(&h->cancel); off += 1 << 20) {
    size_t n = len - off < (1u << 20) ? len - off : (1u << 20);
    fl_sha256_update(ctx, p + off, n);
    if (release) madvise((void *)(uintptr_t)(p + off), n, MADV_DONTNEED);
  }
}

/* A regular file through a mapping of its own: the page cache the reader
** maps too, with no copy (read() cost the hash thread more than SHA-NI:
** 0.9 s of 1.4 s on a 773 MB file). 0 when it cannot be mapped: read it. */
static int hash_mapped(pipeline_hasher *h, int fd, fl_sha256_ctx *ctx) {
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

static void hash_file(pipeline_hasher *h, fl_sha256_ctx *ctx) {
  int fd = open(h->path, O_RDONLY | O_CLOEXEC);
  int mapped = fd >= 0 && hash_mapped(h, fd, ctx);
  uint8_t *buf = mapped ? NULL : malloc(1 << 20);
  if (fd < 0 || (!mapped && !buf)) h->failed = fd < 0 ? errno : ENOMEM;
  while (!mapped && !h->failed && !atomic_load(&h->cancel)) {
    ssize_t n = read(fd, buf, 1 << 20);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) h->failed = errno ? errno : -1;
    if (n <= 0) break;
    fl_sha256_update(ctx, buf, (size_t)n);
  }
  free(buf);
  if (fd >= 0) close(fd);
}

void *pipeline_hash_main(void *arg) {
  pipeline_hasher *h = arg;
  /* the fingerprint is needed only at the end: on two cores it should take
  ** what the reader and the writer leave, not slow the writer down (Linux
  ** applies a nice value to one thread) */
  if (h->background) setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
  fl_sha256_ctx ctx;
  uint8_t d[32];
  fl_sha256_init(&ctx);
  if (h->data) hash_bytes(h, &ctx, h->data, h->len, 0);
  else if (!h->path) h->failed = EINVAL; /* nothing to hash */
  else hash_file(h, &ctx);
  fl_sha256_final(&ctx, d);
  fl_hex(d, 32, h->hex);
  return NULL;
}
