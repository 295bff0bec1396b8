/*
** The bounded on-disk spool between the event sources and the collector.
** DIR/open.part is the batch being filled; a full batch is renamed to
** DIR/<seq as 16 hex digits>.batch and stays there until the collector
** acknowledged it. A batch file holds one JSON line per event, then
** "#cursor<TAB>source<TAB>value" lines: where each source was when the
** batch was sealed (saved to the state file only after the ack, so a
** bookmark never runs ahead of what the collector has).
**
** Must never: delete a batch that was not acknowledged (except the oldest
** ones when the spool is over its bound, which is logged with the number
** of events lost), send a torn line left by a killed agent, or hold the
** lock across network I/O (the sender works on a copy).
*/
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent.h"

#define AGENT_MAX_BATCHES 65536
#define AGENT_MAX_CURSORS 16
#define AGENT_CURSOR_TAG "#cursor\t"

typedef struct agent_batch {
  uint64_t id, bytes;
  uint32_t events;
} agent_batch;

struct agent_spool {
  pthread_mutex_t lock;
  char dir[AGENT_PATH_MAX];
  uint64_t max_bytes;
  uint32_t batch_events, batch_bytes;
  FILE *open;              /* open.part, NULL when nothing is pending */
  uint32_t open_events;
  uint64_t open_bytes;
  agent_batch *batches;    /* sealed, oldest first */
  size_t count, head;      /* live ones are [head, count) */
  uint64_t next_id;
  char cursor_src[AGENT_MAX_CURSORS][AGENT_NAME_MAX];
  char *cursor_val[AGENT_MAX_CURSORS];
  size_t cursors;
  agent_spool_stats st;
  intptr_t lock_handle;    /* DIR/lock, -1 = not held */
};

static void agent_spool_path(const agent_spool *s, uint64_t id, char *out, size_t cap) {
  if (id == UINT64_MAX) snprintf(out, cap, "%s/open.part", s->dir);
  else snprintf(out, cap, "%s/%016" PRIx64 ".batch", s->dir, id);
}

static int agent_mkdir1(const char *dir) {
#ifdef _WIN32
  int rc = mkdir(dir);
#else
  int rc = mkdir(dir, 0700);
#endif
  return rc == 0 || errno == EEXIST ? 0 : -1;
}

/* The folder and its missing parents (C:\ProgramData\faultline\spool). */
static int agent_mkdir(const char *dir) {
  char p[AGENT_PATH_MAX];
  size_t n = strlen(dir);
  if (!n || n >= sizeof p) return -1;
  memcpy(p, dir, n + 1);
  for (size_t i = 1; i < n; i++) {
    if (p[i] != '/' && p[i] != '\\') continue;
    if (p[i - 1] == ':' || p[i - 1] == '/' || p[i - 1] == '\\') continue; /* C:\ or // */
    char c = p[i];
    p[i] = 0;
    agent_mkdir1(p); /* an existing or unmakeable parent shows at the end */
    p[i] = c;
  }
  return agent_mkdir1(p);
}

/* Counts the events of a batch file and drops a torn last line (no '\n'). */
static int agent_batch_scan(const char *path, uint32_t *events, uint64_t *bytes) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  uint64_t off = 0, good = 0;
  uint32_t n = 0;
  int c, at_start = 1, is_event = 0;
  while ((c = getc(f)) != EOF) {
    off++;
    if (at_start) is_event = c != '#';
    at_start = c == '\n';
    if (c == '\n') {
      good = off;
      if (is_event) n++;
    }
  }
  fclose(f);
  if (good != off) {
    /* A killed agent left half a line: cut it (truncate by rewriting). */
    f = fopen(path, "rb");
    char *buf = f ? malloc(good ? good : 1) : NULL;
    size_t got = buf ? fread(buf, 1, good, f) : 0;
    if (f) fclose(f);
    if (!buf || got != good) {
      free(buf);
      return -1;
    }
    f = fopen(path, "wb");
    int bad = !f || fwrite(buf, 1, good, f) != good;
    if (f && fclose(f)) bad = 1;
    free(buf);
    if (bad) return -1;
  }
  *events = n;
  *bytes = good;
  return 0;
}

static int agent_batch_cmp(const void *a, const void *b) {
  const agent_batch *x = a, *y = b;
  return x->id < y->id ? -1 : x->id > y->id;
}

static int agent_spool_push(agent_spool *s, uint64_t id, uint32_t events, uint64_t bytes) {
  if (s->count == AGENT_MAX_BATCHES) {
    if (!s->head) return -1;
    memmove(s->batches, s->batches + s->head, (s->count - s->head) * sizeof *s->batches);
    s->count -= s->head;
    s->head = 0;
  }
  s->batches[s->count++] = (agent_batch){id, bytes, events};
  s->st.sealed_batches++;
  s->st.sealed_bytes += bytes;
  return 0;
}

/* Drops the oldest batches while the spool is over its bound (keeps one). */
static void agent_spool_enforce(agent_spool *s) {
  while (s->st.sealed_bytes > s->max_bytes && s->count - s->head > 1) {
    agent_batch *b = &s->batches[s->head++];
    char path[AGENT_PATH_MAX + 32];
    agent_spool_path(s, b->id, path, sizeof path);
    remove(path);
    s->st.sealed_batches--;
    s->st.sealed_bytes -= b->bytes;
    s->st.dropped_batches++;
    s->st.dropped_events += b->events;
    agent_log(AGENT_WARN, "spool over %" PRIu64 " bytes: dropped batch %016" PRIx64
              " (%" PRIu32 " events never delivered)", s->max_bytes, b->id, b->events);
  }
}

static int agent_spool_seal_locked(agent_spool *s) {
  if (!s->open) return 0;
  int bad = 0;
  for (size_t i = 0; i < s->cursors; i++) {
    if (fprintf(s->open, AGENT_CURSOR_TAG "%s\t%s\n", s->cursor_src[i], s->cursor_val[i]) < 0)
      bad = 1;
    free(s->cursor_val[i]);
  }
  s->cursors = 0;
  if (fclose(s->open)) bad = 1;
  s->open = NULL;
  char from[AGENT_PATH_MAX + 32], to[AGENT_PATH_MAX + 32];
  agent_spool_path(s, UINT64_MAX, from, sizeof from);
  uint64_t id = s->next_id++;
  agent_spool_path(s, id, to, sizeof to);
  uint32_t events;
  uint64_t bytes;
  if (bad || agent_batch_scan(from, &events, &bytes) || rename(from, to)) {
    agent_log(AGENT_ERROR, "spool: cannot seal %s: %s", from, strerror(errno));
    return -1;
  }
  s->open_events = 0;
  s->open_bytes = 0;
  if (agent_spool_push(s, id, events, bytes)) return -1;
  agent_spool_enforce(s);
  return 0;
}

agent_spool *agent_spool_open(const char *dir, uint64_t max_bytes, uint32_t batch_events,
                              uint32_t batch_bytes, char *err, size_t errcap) {
  agent_spool *s = calloc(1, sizeof *s);
  if (!s || strlen(dir) >= sizeof s->dir ||
      !(s->batches = malloc(AGENT_MAX_BATCHES * sizeof *s->batches))) {
    if (s) free(s->batches);
    free(s);
    snprintf(err, errcap, "spool: out of memory or path too long");
    return NULL;
  }
  snprintf(s->dir, sizeof s->dir, "%s", dir);
  s->lock_handle = -1;
  s->max_bytes = max_bytes;
  s->batch_events = batch_events;
  s->batch_bytes = batch_bytes;
  pthread_mutex_init(&s->lock, NULL);
  DIR *d;
  if (agent_mkdir(dir) || !(d = opendir(dir))) {
    snprintf(err, errcap, "spool %s: %s", dir, strerror(errno));
    agent_spool_close(s);
    return NULL;
  }
  if ((s->lock_handle = agent_dir_lock(dir)) == -1) {
    closedir(d);
    snprintf(err, errcap, "spool %s is in use by another faultline-agent (or %s/lock cannot be "
             "written)", dir, dir);
    agent_spool_close(s);
    return NULL;
  }
  struct dirent *e;
  while ((e = readdir(d))) {
    char *end;
    size_t n = strlen(e->d_name);
    if (n != 22 || strcmp(e->d_name + 16, ".batch") != 0) continue;
    uint64_t id = strtoull(e->d_name, &end, 16);
    if (end != e->d_name + 16 || s->count == AGENT_MAX_BATCHES) continue;
    char path[AGENT_PATH_MAX + 32];
    agent_spool_path(s, id, path, sizeof path);
    agent_batch b = {id, 0, 0};
    if (agent_batch_scan(path, &b.events, &b.bytes)) continue;
    s->batches[s->count++] = b;
    s->st.sealed_batches++;
    s->st.sealed_bytes += b.bytes;
    if (id >= s->next_id) s->next_id = id + 1;
  }
  closedir(d);
  qsort(s->batches, s->count, sizeof *s->batches, agent_batch_cmp);
  /* An open batch left by a killed agent is sealed as it is. */
  char part[AGENT_PATH_MAX + 32];
  agent_spool_path(s, UINT64_MAX, part, sizeof part);
  if ((s->open = fopen(part, "rb"))) {
    fclose(s->open);
    s->open = fopen(part, "ab");
    if (s->open) agent_spool_seal_locked(s);
  }
  if (s->count)
    agent_log(AGENT_INFO, "spool %s: %zu batches (%" PRIu64 " bytes) not yet acknowledged", dir,
              s->count, s->st.sealed_bytes);
  return s;
}

void agent_spool_close(agent_spool *s) {
  if (!s) return;
  pthread_mutex_lock(&s->lock);
  if (s->open) agent_spool_seal_locked(s);
  pthread_mutex_unlock(&s->lock);
  for (size_t i = 0; i < s->cursors; i++) free(s->cursor_val[i]);
  agent_dir_unlock(s->lock_handle);
  pthread_mutex_destroy(&s->lock);
  free(s->batches);
  free(s);
}

int agent_spool_add(agent_spool *s, const char *line, size_t len) {
  int rc = 0;
  pthread_mutex_lock(&s->lock);
  if (!s->open) {
    char part[AGENT_PATH_MAX + 32];
    agent_spool_path(s, UINT64_MAX, part, sizeof part);
    s->open = fopen(part, "wb");
  }
  if (!s->open || fwrite(line, 1, len, s->open) != len || putc('\n', s->open) == EOF ||
      fflush(s->open)) {
    agent_log(AGENT_ERROR, "spool %s: cannot write: %s", s->dir, strerror(errno));
    rc = -1;
  } else {
    s->open_events++;
    s->open_bytes += len + 1;
    if (s->open_events >= s->batch_events || s->open_bytes >= s->batch_bytes)
      rc = agent_spool_seal_locked(s);
  }
  pthread_mutex_unlock(&s->lock);
  return rc;
}

void agent_spool_cursor(agent_spool *s, const char *source, const char *value) {
  char *v = malloc(strlen(value) + 1);
  if (!v) return;
  /* One line per cursor: line breaks inside (bookmark XML) become spaces. */
  char *o = v;
  for (const char *p = value; *p; p++) *o++ = *p == '\n' || *p == '\r' || *p == '\t' ? ' ' : *p;
  *o = 0;
  pthread_mutex_lock(&s->lock);
  size_t i = 0;
  while (i < s->cursors && strcmp(s->cursor_src[i], source) != 0) i++;
  if (i == s->cursors && i < AGENT_MAX_CURSORS && strlen(source) < AGENT_NAME_MAX) {
    snprintf(s->cursor_src[i], AGENT_NAME_MAX, "%s", source);
    s->cursor_val[i] = NULL;
    s->cursors++;
  }
  if (i < s->cursors) {
    free(s->cursor_val[i]);
    s->cursor_val[i] = v;
    v = NULL;
  }
  pthread_mutex_unlock(&s->lock);
  free(v);
}

int agent_spool_seal(agent_spool *s) {
  pthread_mutex_lock(&s->lock);
  int rc = agent_spool_seal_locked(s);
  pthread_mutex_unlock(&s->lock);
  return rc;
}

int agent_spool_full(agent_spool *s) {
  pthread_mutex_lock(&s->lock);
  int full = s->st.sealed_bytes >= s->max_bytes;
  pthread_mutex_unlock(&s->lock);
  return full;
}

static char *agent_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 65536, n = 0;
  char *p = malloc(cap);
  while (p) {
    n += fread(p + n, 1, cap - n, f);
    if (n < cap) break;
    char *q = realloc(p, cap * 2);
    if (!q) {
      free(p);
      p = NULL;
      break;
    }
    p = q;
    cap *= 2;
  }
  int err = ferror(f);
  fclose(f);
  if (err) {
    free(p);
    return NULL;
  }
  *len = n;
  return p;
}

int agent_spool_peek(agent_spool *s, char **body, size_t *len, uint32_t *events,
                     uint64_t *id) {
  pthread_mutex_lock(&s->lock);
  int have = s->head < s->count;
  agent_batch b = have ? s->batches[s->head] : (agent_batch){0, 0, 0};
  pthread_mutex_unlock(&s->lock);
  if (!have) return 0;
  char path[AGENT_PATH_MAX + 32];
  agent_spool_path(s, b.id, path, sizeof path);
  size_t n = 0;
  char *p = agent_read_file(path, &n);
  if (!p) return -1;
  /* The events are the lines before the first cursor line. */
  size_t keep = 0;
  while (keep < n && p[keep] != '#') {
    const char *nl = memchr(p + keep, '\n', n - keep);
    keep = nl ? (size_t)(nl - p) + 1 : n;
  }
  *body = p;
  *len = keep;
  *events = b.events;
  *id = b.id;
  return 1;
}

/* The batch is done: its cursors go to the state file; the file is deleted
** (acknowledged) or kept as <id>.rejected for an administrator to read. */
static int agent_spool_done(agent_spool *s, uint64_t id, const char *state_file, int rejected) {
  char path[AGENT_PATH_MAX + 32];
  agent_spool_path(s, id, path, sizeof path);
  size_t n = 0;
  char *p = agent_read_file(path, &n);
  /* Cursors first (a crash between the two resends the batch, deduped). */
  for (size_t off = 0; p && off < n;) {
    const char *nl = memchr(p + off, '\n', n - off);
    size_t ln = nl ? (size_t)(nl - (p + off)) : n - off;
    char *line = p + off;
    off += ln + 1;
    if (ln < sizeof AGENT_CURSOR_TAG - 1 || memcmp(line, AGENT_CURSOR_TAG, sizeof AGENT_CURSOR_TAG - 1) != 0)
      continue;
    line[ln] = 0;
    char *src = line + sizeof AGENT_CURSOR_TAG - 1, *tab = strchr(src, '\t');
    if (!tab || !state_file || !state_file[0]) continue;
    *tab = 0;
    if (agent_state_set(state_file, src, tab + 1))
      agent_log(AGENT_WARN, "state %s: cannot save the cursor of %s", state_file, src);
  }
  free(p);
  pthread_mutex_lock(&s->lock);
  int rc = -1;
  if (s->head < s->count && s->batches[s->head].id == id) {
    agent_batch *b = &s->batches[s->head++];
    s->st.sealed_batches--;
    s->st.sealed_bytes -= b->bytes;
    if (rejected) {
      char kept[AGENT_PATH_MAX + 40];
      snprintf(kept, sizeof kept, "%s/%016" PRIx64 ".rejected", s->dir, id);
      s->st.rejected_batches++;
      s->st.rejected_events += b->events;
      rc = rename(path, kept) ? -1 : 0;
    } else {
      s->st.acked_batches++;
      s->st.acked_events += b->events;
      rc = remove(path) ? -1 : 0;
    }
  }
  pthread_mutex_unlock(&s->lock);
  return rc;
}

int agent_spool_ack(agent_spool *s, uint64_t id, const char *state_file) {
  return agent_spool_done(s, id, state_file, 0);
}

int agent_spool_reject(agent_spool *s, uint64_t id, const char *state_file) {
  return agent_spool_done(s, id, state_file, 1);
}

void agent_spool_stats_get(agent_spool *s, agent_spool_stats *st) {
  pthread_mutex_lock(&s->lock);
  *st = s->st;
  pthread_mutex_unlock(&s->lock);
}
