/*
** One 64 KiB chunk: check magic and CRCs, walk its records from 512 to the
** free-space offset, stop (and report) at the first record that is too
** small, runs past the chunk or has a bad magic, and with --recover carve
** the slack after the last record for deleted records. Also the record-id
** set used to de-duplicate carved records, and diagnostics lists.
**
** Must never: trust free_space, record sizes or the header's record ids;
** loop without advancing; or report a problem without chunk and offset.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/fl_crc32.h"
#include "evtx/evtx_internal.h"

void fl_evtx_diag_add(fl_evtx_diaglist *l, const char *file,
                      fl_evtx_severity sev, int64_t chunk, uint64_t offset,
                      int has_record, uint64_t record_id, const char *fmt,
                      ...) {
  if (sev == FL_EVTX_ERROR) l->errors++;
  else l->warnings++;
  if (l->count == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 8;
    if (cap > 1u << 20) return; /* counted, not kept */
    fl_evtx_diag *n = realloc(l->items, cap * sizeof *n);
    if (!n) return;
    l->items = n;
    l->cap = cap;
  }
  fl_evtx_diag *d = &l->items[l->count++];
  d->file = file;
  d->severity = sev;
  d->chunk = chunk;
  d->offset = offset;
  d->has_record = has_record;
  d->record_id = record_id;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(d->message, sizeof d->message, fmt, ap);
  va_end(ap);
}

void fl_evtx_diaglist_free(fl_evtx_diaglist *l) {
  free(l->items);
  memset(l, 0, sizeof *l);
}

static size_t fl_evtx_idset_slot(uint64_t id, size_t cap) {
  id ^= id >> 33;
  id *= 0xff51afd7ed558ccdULL;
  id ^= id >> 33;
  return (size_t)id & (cap - 1);
}

int fl_evtx_idset_has(const fl_evtx_idset *s, uint64_t id) {
  if (id == 0) return s->has_zero;
  if (!s->cap) return 0;
  for (size_t i = fl_evtx_idset_slot(id, s->cap);; i = (i + 1) & (s->cap - 1)) {
    if (s->slots[i] == id) return 1;
    if (s->slots[i] == 0) return 0;
  }
}

int fl_evtx_idset_add(fl_evtx_idset *s, uint64_t id) {
  if (id == 0) {
    int was = s->has_zero;
    s->has_zero = 1;
    return !was;
  }
  if ((s->count + 1) * 2 > s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 1024;
    uint64_t *n = calloc(cap, sizeof *n);
    if (!n) return -1;
    for (size_t i = 0; i < s->cap; i++) {
      if (!s->slots[i]) continue;
      size_t k = fl_evtx_idset_slot(s->slots[i], cap);
      while (n[k]) k = (k + 1) & (cap - 1);
      n[k] = s->slots[i];
    }
    free(s->slots);
    s->slots = n;
    s->cap = cap;
  }
  size_t i = fl_evtx_idset_slot(id, s->cap);
  for (; s->slots[i]; i = (i + 1) & (s->cap - 1))
    if (s->slots[i] == id) return 0;
  s->slots[i] = id;
  s->count++;
  return 1;
}

void fl_evtx_idset_free(fl_evtx_idset *s) {
  free(s->slots);
  memset(s, 0, sizeof *s);
}

void fl_evtx_idranges_add(fl_evtx_idranges *s, uint64_t lo, uint64_t hi) {
  if (s->count && s->r[s->count - 1][1] != UINT64_MAX &&
      s->r[s->count - 1][1] + 1 == lo) {
    s->r[s->count - 1][1] = hi; /* the usual case: the next chunk's run */
    return;
  }
  if (s->count == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 64;
    uint64_t(*n)[2] = realloc(s->r, cap * sizeof *n);
    if (!n) return; /* a carved copy of these ids may then be output */
    s->r = n;
    s->cap = cap;
  }
  s->r[s->count][0] = lo;
  s->r[s->count][1] = hi;
  s->count++;
}

static int fl_evtx_range_cmp(const void *a, const void *b) {
  const uint64_t *x = a, *y = b;
  return x[0] < y[0] ? -1 : x[0] > y[0];
}

void fl_evtx_idranges_finish(fl_evtx_idranges *s) {
  if (s->count < 2) return;
  qsort(s->r, s->count, sizeof *s->r, fl_evtx_range_cmp);
  size_t k = 0;
  for (size_t i = 1; i < s->count; i++) {
    if (s->r[k][1] == UINT64_MAX || s->r[i][0] <= s->r[k][1] + 1) {
      if (s->r[i][1] > s->r[k][1]) s->r[k][1] = s->r[i][1];
    } else {
      k++;
      s->r[k][0] = s->r[i][0];
      s->r[k][1] = s->r[i][1];
    }
  }
  s->count = k + 1;
}

int fl_evtx_idranges_has(const fl_evtx_idranges *s, uint64_t id) {
  size_t lo = 0, hi = s->count; /* first run with r[0] > id */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (s->r[mid][0] <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && id <= s->r[lo - 1][1];
}

void fl_evtx_idranges_free(fl_evtx_idranges *s) {
  free(s->r);
  memset(s, 0, sizeof *s);
}

static int fl_evtx_all_zero(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i]) return 0;
  return 1;
}

#define FL_EVTX_DIAG(w, sev, off, hasrec, rid, ...)                          \
  fl_evtx_diag_add(&(w)->job->diags, (w)->ctx.file_name, (sev),             \
                   (w)->ctx.chunk_index, (w)->ctx.chunk_file_off + (off),     \
                   (hasrec), (rid), __VA_ARGS__)

static int fl_evtx_records_crc_bad(fl_evtx_worker *w) {
  const uint8_t *ch = w->ctx.chunk;
  uint32_t free_off = w->crc_free_off;
  w->crc_pending = 0;
  if (free_off < FL_EVTX_CHUNK_HEADER_SIZE || free_off > w->ctx.chunk_len)
    return 0;
  uint32_t crc = fl_crc32(0, ch + 512, free_off - 512u);
  if (crc == fl_le32(ch + FL_EVTX_CH_RECORDS_CHECKSUM)) return 0;
  FL_EVTX_DIAG(w, (w->opt->flags & FL_EVTX_STRICT) ? FL_EVTX_ERROR
                                                    : FL_EVTX_WARNING,
               0, 0, 0, "chunk records CRC32 mismatch (%08x, computed %08x)",
               fl_le32(ch + FL_EVTX_CH_RECORDS_CHECKSUM), crc);
  return 1;
}

void fl_evtx_chunk_records_crc(fl_evtx_worker *w) {
  if (w->crc_pending) fl_evtx_records_crc_bad(w);
}

/* Header CRC now; the records CRC now in strict mode, else lazily before
** the chunk's first record is delivered (a filtered scan that outputs
** nothing from a chunk need not vouch for it). 0: the chunk may be read. */
static int fl_evtx_chunk_check(fl_evtx_worker *w, const uint8_t *ch,
                               uint32_t free_off) {
  w->crc_pending = 0;
  if (fl_le32(ch + FL_EVTX_CH_FLAGS) & 0x4) return 0; /* NO_CRC32 */
  int strict = (w->opt->flags & FL_EVTX_STRICT) != 0;
  uint32_t crc = fl_crc32(0, ch, 120);
  crc = fl_crc32(crc, ch + 128, 384);
  int bad = 0;
  if (crc != fl_le32(ch + FL_EVTX_CH_HEADER_CHECKSUM)) {
    FL_EVTX_DIAG(w, strict ? FL_EVTX_ERROR : FL_EVTX_WARNING, 0, 0, 0,
                 "chunk header CRC32 mismatch (%08x, computed %08x)",
                 fl_le32(ch + FL_EVTX_CH_HEADER_CHECKSUM), crc);
    bad = 1;
  }
  w->crc_free_off = free_off;
  w->crc_pending = 1;
  if (strict && fl_evtx_records_crc_bad(w)) bad = 1;
  return strict && bad ? -1 : 0;
}

/* Walks live records; returns where the walk ended. */
static uint32_t fl_evtx_chunk_walk(fl_evtx_worker *w, uint32_t len,
                                   uint32_t limit) {
  const uint8_t *ch = w->ctx.chunk;
  uint32_t pos = FL_EVTX_CHUNK_HEADER_SIZE;
  while (pos < limit && !w->job->stop) {
    if (len - pos < 4) break;
    uint32_t magic = fl_le32(ch + pos);
    if (magic == 0) break; /* clean end */
    if (magic != FL_EVTX_RECORD_MAGIC) {
      FL_EVTX_DIAG(w, FL_EVTX_ERROR, pos, 0, 0, "bad record magic %08x; "
                   "rest of chunk skipped", magic);
      w->job->stats.records_skipped++;
      break;
    }
    if (len - pos < FL_EVTX_RECORD_HEADER_SIZE) {
      FL_EVTX_DIAG(w, FL_EVTX_ERROR, pos, 0, 0, "record header truncated");
      w->job->stats.records_skipped++;
      break;
    }
    uint32_t size = fl_le32(ch + pos + 4);
    uint64_t rid = fl_le64(ch + pos + 8);
    if (size < FL_EVTX_RECORD_MIN_SIZE || size > len - pos) {
      FL_EVTX_DIAG(w, FL_EVTX_ERROR, pos, 1, rid, "record size %u %s; rest "
                   "of chunk skipped", size,
                   size < FL_EVTX_RECORD_MIN_SIZE ? "below 28" : "runs past "
                   "the chunk");
      w->job->stats.records_skipped++;
      break;
    }
    if (fl_le32(ch + pos + size - 4) != size)
      FL_EVTX_DIAG(w, FL_EVTX_WARNING, pos, 1, rid, "size copy %u differs "
                   "from size %u", fl_le32(ch + pos + size - 4), size);
    w->job->stats.records++;
    fl_evtx_record_process(w, pos, size, 0);
    pos += size;
  }
  return pos;
}

/* Scans [from, len) for records with a matching size copy. */
static void fl_evtx_chunk_carve(fl_evtx_worker *w, uint32_t from,
                                uint32_t len) {
  const uint8_t *ch = w->ctx.chunk;
  uint32_t pos = (from + 7u) & ~7u;
  while (pos + FL_EVTX_RECORD_MIN_SIZE <= len && !w->job->stop) {
    if (fl_le32(ch + pos) != FL_EVTX_RECORD_MAGIC) {
      pos += 8;
      continue;
    }
    uint32_t size = fl_le32(ch + pos + 4);
    if (size < FL_EVTX_RECORD_MIN_SIZE || size > len - pos ||
        fl_le32(ch + pos + size - 4) != size) {
      pos += 8;
      continue;
    }
    uint64_t rid = fl_le64(ch + pos + 8);
    if ((w->live && fl_evtx_idranges_has(w->live, rid)) ||
        (w->carved && fl_evtx_idset_add(w->carved, rid) == 0)) {
      pos += 8; /* a copy of a record we already have */
      continue;
    }
    w->ctx.record_id = rid;
    w->job->stats.records_recovered++;
    if (fl_evtx_record_process(w, pos, size, 1)) {
      pos += (size + 7u) & ~7u;
    } else {
      pos += 8;
    }
  }
}

void fl_evtx_chunk_process(fl_evtx_worker *w, const uint8_t *file,
                           uint64_t size, uint64_t idx) {
  uint64_t at = FL_EVTX_FILE_HEADER_BLOCK + idx * FL_EVTX_CHUNK_SIZE;
  uint32_t len = (uint32_t)(size - at < FL_EVTX_CHUNK_SIZE ? size - at
                                                          : FL_EVTX_CHUNK_SIZE);
  const uint8_t *ch = file + at;
  fl_evtx_ctx_set_chunk(&w->ctx, ch, len, (uint32_t)idx, at);
  w->job->stats.chunks++;
  if (fl_evtx_all_zero(ch, len)) {
    w->job->stats.chunks_empty++;
    return;
  }
  int recover = (w->opt->flags & FL_EVTX_RECOVER) != 0;
  if (len < FL_EVTX_CHUNK_HEADER_SIZE || memcmp(ch, FL_EVTX_CHUNK_MAGIC, 8) != 0) {
    FL_EVTX_DIAG(w, FL_EVTX_ERROR, 0, 0, 0, len < FL_EVTX_CHUNK_HEADER_SIZE
                 ? "truncated chunk (%u bytes); skipped"
                 : "bad chunk magic; chunk skipped (%u bytes)", len);
    w->job->stats.chunks_skipped++;
    w->crc_pending = 0;
    if (recover && len > FL_EVTX_CHUNK_HEADER_SIZE)
      fl_evtx_chunk_carve(w, FL_EVTX_CHUNK_HEADER_SIZE, len);
    return;
  }
  if (len < FL_EVTX_CHUNK_SIZE)
    FL_EVTX_DIAG(w, FL_EVTX_WARNING, 0, 0, 0, "chunk truncated to %u bytes "
                 "(file ends); whole records are kept", len);
  uint32_t free_off = fl_le32(ch + FL_EVTX_CH_FREE_SPACE_OFFSET);
  if (fl_evtx_chunk_check(w, ch, free_off)) {
    w->job->stats.chunks_skipped++;
    return;
  }
  uint32_t limit = free_off;
  if (limit < FL_EVTX_CHUNK_HEADER_SIZE || limit > len) {
    FL_EVTX_DIAG(w, FL_EVTX_WARNING, FL_EVTX_CH_FREE_SPACE_OFFSET, 0, 0,
                 "free-space offset 0x%x out of range; scanning to the chunk "
                 "end", free_off);
    limit = len;
  }
  uint32_t end = fl_evtx_chunk_walk(w, len, limit);
  if (recover) fl_evtx_chunk_carve(w, end, len);
  w->crc_pending = 0;
}

void fl_evtx_chunk_live_ids(const uint8_t *file, uint64_t size, uint64_t idx,
                            fl_evtx_idranges *set) {
  uint64_t at = FL_EVTX_FILE_HEADER_BLOCK + idx * FL_EVTX_CHUNK_SIZE;
  uint32_t len = (uint32_t)(size - at < FL_EVTX_CHUNK_SIZE ? size - at
                                                          : FL_EVTX_CHUNK_SIZE);
  const uint8_t *ch = file + at;
  if (len < FL_EVTX_CHUNK_HEADER_SIZE || memcmp(ch, FL_EVTX_CHUNK_MAGIC, 8) != 0)
    return;
  uint32_t limit = fl_le32(ch + FL_EVTX_CH_FREE_SPACE_OFFSET);
  if (limit < FL_EVTX_CHUNK_HEADER_SIZE || limit > len) limit = len;
  uint64_t lo = 0, hi = 0;
  int run = 0;
  for (uint32_t pos = FL_EVTX_CHUNK_HEADER_SIZE; pos < limit && len - pos >= 24;) {
    uint32_t sz = fl_le32(ch + pos + 4);
    if (fl_le32(ch + pos) != FL_EVTX_RECORD_MAGIC || sz < 28 || sz > len - pos)
      break;
    uint64_t id = fl_le64(ch + pos + 8);
    if (run && hi != UINT64_MAX && id == hi + 1) {
      hi = id;
    } else {
      if (run) fl_evtx_idranges_add(set, lo, hi);
      lo = hi = id;
      run = 1;
    }
    pos += sz;
  }
  if (run) fl_evtx_idranges_add(set, lo, hi);
}
