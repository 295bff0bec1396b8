/*
** The ClickHouse backend's local spool: when the cluster cannot take a
** batch, its gzip JSONEachRow body is kept in a directory, one file per
** batch (NNNNNNNNNNNNNNNNNNNN.TABLE.json.gz, numbered in the order they
** were spooled), and sent again oldest first when the server answers. A
** batch file is deleted only after the server took it; a batch taken twice
** (sent, then the answer lost) collapses by the events' key (ReplacingMergeTree,
** clickhouse_schema.c), so nothing is lost or counted twice. Collectors
** sharing a directory take turns through flock on DIR/.lock.
**
** Must never: delete a batch the server has not acknowledged, reorder
** batches, grow past its bound (the caller gets FL_ELIMIT and keeps the
** input), or read a file it did not name itself.
*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fl_error.h"
#include "store/clickhouse_internal.h"

enum { NAME_DIGITS = 20 };
static const char *const tables[] = {"events", "sources"};

typedef struct entry {
  uint64_t seq;
  int table; /* index into tables */
  uint64_t bytes;
} entry;

typedef struct listing {
  entry *e;
  size_t n, cap;
  uint64_t bytes, max_seq;
} listing;

/* seq and table of a spool file name, or -1 for anything else. */
static int parse_name(const char *name, uint64_t *seq, int *table) {
  uint64_t v = 0;
  for (int i = 0; i < NAME_DIGITS; i++) {
    if (name[i] < '0' || name[i] > '9') return -1;
    v = v * 10 + (uint64_t)(name[i] - '0');
  }
  if (name[NAME_DIGITS] != '.') return -1;
  const char *t = name + NAME_DIGITS + 1;
  for (int k = 0; k < 2; k++) {
    size_t n = strlen(tables[k]);
    if (strncmp(t, tables[k], n) == 0 && strcmp(t + n, ".json.gz") == 0) {
      *seq = v;
      *table = k;
      return 0;
    }
  }
  return -1;
}

static int by_seq(const void *a, const void *b) {
  const entry *x = a, *y = b;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static fl_status list(const ch_spool *sp, listing *l, fl_error *err) {
  memset(l, 0, sizeof *l);
  DIR *d = opendir(sp->dir);
  if (!d) return fl_error_at(err, FL_EIO, sp->dir, 0, "spool: %s", strerror(errno));
  struct dirent *de;
  while ((de = readdir(d))) {
    entry e;
    if (parse_name(de->d_name, &e.seq, &e.table)) continue;
    char path[1024];
    struct stat stt;
    snprintf(path, sizeof path, "%s/%s", sp->dir, de->d_name);
    if (stat(path, &stt) != 0) continue;
    e.bytes = (uint64_t)stt.st_size;
    if (l->n == l->cap) {
      size_t cap = l->cap ? l->cap * 2 : 64;
      entry *ne = realloc(l->e, cap * sizeof *ne);
      if (!ne) {
        closedir(d);
        free(l->e);
        return fl_error_at(err, FL_ENOMEM, sp->dir, 0, "out of memory");
      }
      l->e = ne;
      l->cap = cap;
    }
    l->e[l->n++] = e;
    l->bytes += e.bytes;
    if (e.seq > l->max_seq) l->max_seq = e.seq;
  }
  closedir(d);
  if (l->n) qsort(l->e, l->n, sizeof *l->e, by_seq);
  return FL_OK;
}

static int lock_dir(const ch_spool *sp) {
  char path[600];
  snprintf(path, sizeof path, "%s/.lock", sp->dir);
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0 && flock(fd, LOCK_EX) != 0) {
    close(fd);
    fd = -1;
  }
  return fd;
}

static void unlock_dir(int fd) {
  if (fd < 0) return;
  flock(fd, LOCK_UN);
  close(fd);
}

fl_status ch_spool_init(ch_spool *sp, const char *dir, uint64_t max_bytes,
                        fl_error *err) {
  memset(sp, 0, sizeof *sp);
  if (strlen(dir) >= sizeof sp->dir - 40)
    return fl_error_at(err, FL_EUSAGE, "", 0, "spool: directory name too long");
  snprintf(sp->dir, sizeof sp->dir, "%s", dir);
  sp->max_bytes = max_bytes;
  if (mkdir(dir, 0700) != 0 && errno != EEXIST)
    return fl_error_at(err, FL_EIO, dir, 0, "spool: %s", strerror(errno));
  return FL_OK;
}

static int write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

fl_status ch_spool_put(ch_spool *sp, const char *table, const void *gz,
                       size_t n, int *near, fl_error *err) {
  *near = 0;
  int t = strcmp(table, "sources") == 0 ? 1 : 0;
  int lk = lock_dir(sp);
  if (lk < 0) return fl_error_at(err, FL_EIO, sp->dir, 0, "spool: cannot lock");
  listing l;
  fl_status st = list(sp, &l, err);
  if (st == FL_OK && l.bytes + n > sp->max_bytes)
    st = fl_error_at(err, FL_ELIMIT, sp->dir, 0,
                     "spool full (%" PRIu64 " of %" PRIu64 " bytes): ClickHouse"
                     " has been unreachable too long", l.bytes, sp->max_bytes);
  char tmp[600], path[600];
  snprintf(tmp, sizeof tmp, "%s/.tmp-%ld", sp->dir, (long)getpid());
  snprintf(path, sizeof path, "%s/%0*" PRIu64 ".%s.json.gz", sp->dir, NAME_DIGITS,
           l.max_seq + 1, tables[t]);
  if (st == FL_OK) {
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int ok = fd >= 0 && write_all(fd, gz, n) == 0 && fsync(fd) == 0;
    if (fd >= 0 && close(fd) != 0) ok = 0;
    if (!ok || rename(tmp, path) != 0) {
      unlink(tmp);
      st = fl_error_at(err, FL_EIO, sp->dir, 0, "spool: writing a batch: %s",
                       strerror(errno));
    } else {
      int dfd = open(sp->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
      }
      *near = (l.bytes + n) * 5 > sp->max_bytes * 4;
    }
  }
  free(l.e);
  unlock_dir(lk);
  return st;
}

static int read_file(const char *path, char **out, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  char *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (len == cap) {
      size_t nc = cap ? cap * 2 : 1 << 16;
      char *nb = realloc(buf, nc);
      if (!nb) break;
      buf = nb;
      cap = nc;
    }
    size_t r = fread(buf + len, 1, cap - len, f);
    len += r;
    if (r == 0) break;
  }
  int bad = ferror(f) || len == cap; /* len == cap: could not grow */
  fclose(f);
  if (bad) {
    free(buf);
    return -1;
  }
  *out = buf;
  *n = len;
  return 0;
}

fl_status ch_spool_replay(ch_spool *sp, ch_spool_send_fn send, void *user,
                          uint64_t *left, fl_error *err) {
  *left = 0;
  int lk = lock_dir(sp);
  if (lk < 0) return fl_error_at(err, FL_EIO, sp->dir, 0, "spool: cannot lock");
  listing l;
  fl_status st = list(sp, &l, err);
  size_t i = 0;
  for (; st == FL_OK && i < l.n; i++) {
    char path[600];
    snprintf(path, sizeof path, "%s/%0*" PRIu64 ".%s.json.gz", sp->dir, NAME_DIGITS,
             l.e[i].seq, tables[l.e[i].table]);
    char *data = NULL;
    size_t n = 0;
    if (read_file(path, &data, &n) != 0) {
      st = fl_error_at(err, FL_EIO, path, 0, "spool: cannot read a batch");
      break;
    }
    int refused = send(tables[l.e[i].table], data, n, user);
    free(data);
    if (refused) break;
    if (unlink(path) != 0) {
      st = fl_error_at(err, FL_EIO, path, 0, "spool: %s", strerror(errno));
      i++;
      break;
    }
  }
  *left = l.n - i;
  free(l.e);
  unlock_dir(lk);
  return st;
}

uint64_t ch_spool_count(const ch_spool *sp) {
  listing l;
  fl_error e;
  if (list(sp, &l, &e) != FL_OK) return 0;
  free(l.e);
  return l.n;
}
