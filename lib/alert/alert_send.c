/*
** The alert thread: takes episode changes from a bounded inbox (the
** diagnosis's callback only copies and signals), groups them
** (alert_group.c), formats each due group for every receiver and sends it
** (libcurl for http receivers, a socket for syslog CEF), retrying a failed
** send with exponential backoff from a bounded queue.
**
** Must never: block the caller of fl_alert_episode or fl_alert_reload
** beyond a short mutex, keep more than queue_max notifications or inbox
** entries (the excess is dropped and counted), or take longer than a
** receiver's timeout for one attempt.
*/
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "alert/alert.h"
#include "common/fl_curl.h"

enum { INBOX_MAX = 256 };
/* Alertmanager resolves an alert not re-sent within its resolve_timeout
** (5 min by default): firing alerts already notified are re-sent to
** alertmanager receivers this often, as Prometheus does. */
enum { AM_RESEND_MS = 60000 };
enum { STOP_MS = 3000 }; /* fl_alert_free starts no attempt after this */

typedef struct job {
  int recv;               /* index in cfg.recv at the time it was queued */
  fl_buf body;
  uint64_t attempts, next_ms;
} job;

struct fl_alert {
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  int stop, have_new_cfg;
  int only_kind;                 /* enqueue: -1 every receiver, else this kind */
  uint64_t last_resend;          /* mono ms */
  fl_alert_config cfg, new_cfg; /* cfg: the thread's; new_cfg: under lock */
  fl_alert_item inbox[INBOX_MAX];
  size_t nin;
  fl_alert_groups *groups;       /* thread only */
  job *q;                        /* thread only */
  size_t nq;
  atomic_uint_fast64_t own[3];
  atomic_uint_fast64_t *sent, *failed, *dropped;
  fl_alert_log_fn log;
  void *user;
};

static uint64_t mono_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static uint64_t wall_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static void logf_(fl_alert *a, int warn, const char *fmt, const char *s1, const char *s2, long n) {
  if (!a->log) return;
  char line[512];
  snprintf(line, sizeof line, fmt, s1, s2, n);
  a->log(warn, line, a->user);
}

void fl_alert_episode(fl_alert *a, fl_episode_change what, const fl_episode *ep) {
  if (!a || !ep) return;
  fl_alert_item it;
  uint64_t now = wall_ms();
  pthread_mutex_lock(&a->lock);
  int ok = fl_alert_item_from(&a->cfg, ep, now, &it);
  pthread_mutex_unlock(&a->lock);
  if (!ok) {
    /* a closing episode that no longer qualifies still resolves its alert */
    memset(&it, 0, sizeof it);
    it.id = ep->id;
    if (what != FL_EPISODE_CLOSED) return;
  }
  if (what == FL_EPISODE_CLOSED || ep->state == FL_EPISODE_RECOVERED) it.ends_ms = now;
  pthread_mutex_lock(&a->lock);
  if (a->nin == INBOX_MAX) {
    atomic_fetch_add(a->dropped, 1);
  } else {
    a->inbox[a->nin++] = it;
    pthread_cond_signal(&a->wake);
  }
  pthread_mutex_unlock(&a->lock);
}

void fl_alert_reload(fl_alert *a, const fl_alert_config *c) {
  if (!a) return;
  pthread_mutex_lock(&a->lock);
  a->new_cfg = *c;
  a->have_new_cfg = 1;
  pthread_cond_signal(&a->wake);
  pthread_mutex_unlock(&a->lock);
}

static void enqueue(const fl_alert_item *items, size_t n, void *user) {
  fl_alert *a = user;
  for (size_t r = 0; r < a->cfg.recv_count; r++) {
    if (a->only_kind >= 0 && a->cfg.recv[r].kind != a->only_kind) continue;
    if (a->nq >= a->cfg.queue_max) {
      atomic_fetch_add(a->dropped, 1);
      logf_(a, 1, "event=alert_dropped receiver=%s msg=\"queue full%s\" n=%ld", a->cfg.recv[r].name, "", (long)n);
      continue;
    }
    job *nq = realloc(a->q, (a->nq + 1) * sizeof *nq);
    if (!nq) {
      atomic_fetch_add(a->dropped, 1);
      continue;
    }
    a->q = nq;
    job *j = &a->q[a->nq++];
    memset(j, 0, sizeof *j);
    j->recv = (int)r;
    fl_alert_format(a->cfg.recv[r].kind, &a->cfg, items, n, &j->body);
  }
}

static size_t discard(char *p, size_t size, size_t n, void *u) {
  (void)p;
  (void)u;
  return size * n;
}

static int send_http(const fl_alert_receiver_cfg *r, const fl_buf *body, char *why, size_t cap) {
  const char *lib_why = "";
  const fl_curl_api *cu = fl_curl(&lib_why);
  if (!cu) {
    snprintf(why, cap, "%s", lib_why);
    return -1;
  }
  CURL *h = cu->easy_init();
  if (!h) {
    snprintf(why, cap, "curl init failed");
    return -1;
  }
  struct curl_slist *hdr = cu->slist_append(NULL, "Content-Type: application/json");
  cu->easy_setopt(h, CURLOPT_URL, r->url);
  cu->easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
  cu->easy_setopt(h, CURLOPT_POSTFIELDS, body->p ? body->p : "");
  cu->easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)body->len);
  cu->easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)r->timeout_ms);
  cu->easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  cu->easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  cu->easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
  cu->easy_setopt(h, CURLOPT_USERAGENT, "faultline/" FL_VERSION);
  CURLcode rc = cu->easy_perform(h);
  long code = 0;
  cu->easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  cu->slist_free_all(hdr);
  cu->easy_cleanup(h);
  if (rc != CURLE_OK) {
    snprintf(why, cap, "%s", cu->easy_strerror(rc));
    return -1;
  }
  if (code < 200 || code > 299) {
    snprintf(why, cap, "HTTP %ld", code);
    return -1;
  }
  return 0;
}

static int send_syslog(const fl_alert_receiver_cfg *r, const fl_buf *body, char *why, size_t cap) {
  int tcp = strncmp(r->url, "tcp://", 6) == 0;
  char host[256], port[16];
  const char *hp = r->url + 6, *colon = strrchr(hp, ':');
  if (!colon || (size_t)(colon - hp) >= sizeof host) {
    snprintf(why, cap, "bad address");
    return -1;
  }
  memcpy(host, hp, (size_t)(colon - hp));
  host[colon - hp] = '\0';
  if (host[0] == '[' && host[strlen(host) - 1] == ']') {
    memmove(host, host + 1, strlen(host));
    host[strlen(host) - 1] = '\0';
  }
  snprintf(port, sizeof port, "%s", colon + 1);
  struct addrinfo hints, *ai = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = tcp ? SOCK_STREAM : SOCK_DGRAM;
  if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai) {
    snprintf(why, cap, "cannot resolve");
    return -1;
  }
  int fd = socket(ai->ai_family, ai->ai_socktype, 0);
  int rc = -1;
  if (fd >= 0) {
    struct timeval tv = {(time_t)(r->timeout_ms / 1000), (suseconds_t)(r->timeout_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
      rc = 0;
      /* one datagram (or one newline-framed TCP message) per line */
      for (size_t off = 0; off < body->len && rc == 0;) {
        const char *nl = memchr(body->p + off, '\n', body->len - off);
        size_t end = nl ? (size_t)(nl - body->p) + 1 : body->len;
        size_t len = tcp ? end - off : end - off - (nl ? 1 : 0);
        if (send(fd, body->p + off, len, MSG_NOSIGNAL) != (ssize_t)len) rc = -1;
        off = end;
      }
    }
    close(fd);
  }
  freeaddrinfo(ai);
  if (rc) snprintf(why, cap, "send failed");
  return rc;
}

/* Sends what is due; stops starting attempts after deadline (mono ms). */
static void send_due(fl_alert *a, uint64_t now, uint64_t deadline) {
  for (size_t i = 0; i < a->nq;) {
    if (mono_ms() > deadline) break;
    job *j = &a->q[i];
    if (j->next_ms > now) {
      i++;
      continue;
    }
    if (j->recv >= (int)a->cfg.recv_count) { /* receiver gone after reload */
      fl_buf_free(&j->body);
      a->q[i] = a->q[--a->nq];
      continue;
    }
    const fl_alert_receiver_cfg *r = &a->cfg.recv[j->recv];
    char why[256] = "";
    int rc = r->kind == FL_ALERT_KIND_CEF ? send_syslog(r, &j->body, why, sizeof why)
                                          : send_http(r, &j->body, why, sizeof why);
    now = mono_ms();
    if (rc == 0) {
      atomic_fetch_add(a->sent, 1);
      logf_(a, 0, "event=alert_sent receiver=%s%s attempts=%ld", r->name, "", (long)j->attempts + 1);
    } else if (j->attempts < a->cfg.retries) {
      uint64_t delay = a->cfg.backoff_ms << (j->attempts < 16 ? j->attempts : 16);
      j->attempts++;
      j->next_ms = now + delay;
      logf_(a, 1, "event=alert_retry receiver=%s error=\"%s\" in_ms=%ld", r->name, why, (long)delay);
      i++;
      continue;
    } else {
      atomic_fetch_add(a->failed, 1);
      logf_(a, 1, "event=alert_failed receiver=%s error=\"%s\" attempts=%ld", r->name, why, (long)j->attempts + 1);
    }
    fl_buf_free(&j->body);
    memmove(&a->q[i], &a->q[i + 1], (a->nq - i - 1) * sizeof *a->q);
    a->nq--;
  }
}

static void *run(void *arg) {
  fl_alert *a = arg;
  fl_alert_item *batch = malloc(INBOX_MAX * sizeof *batch);
  uint64_t wait_ms = 1000;
  for (;;) {
    pthread_mutex_lock(&a->lock);
    if (!a->nin && !a->stop && !a->have_new_cfg && wait_ms) {
      struct timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      uint64_t w = wait_ms > 1000 ? 1000 : wait_ms;
      ts.tv_sec += (time_t)(w / 1000);
      ts.tv_nsec += (long)(w % 1000) * 1000000L;
      if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
      }
      pthread_cond_timedwait(&a->wake, &a->lock, &ts);
    }
    int stop = a->stop;
    if (a->have_new_cfg) {
      a->cfg = a->new_cfg;
      a->have_new_cfg = 0;
    }
    size_t n = batch ? a->nin : 0;
    if (n) memcpy(batch, a->inbox, n * sizeof *batch);
    a->nin = 0;
    pthread_mutex_unlock(&a->lock);
    uint64_t now = mono_ms();
    for (size_t i = 0; i < n; i++)
      if (fl_alert_groups_update(a->groups, &a->cfg, &batch[i], now) != 0) atomic_fetch_add(a->dropped, 1);
    uint64_t next = fl_alert_groups_due(a->groups, &a->cfg, now, enqueue, a);
    if (now - a->last_resend >= AM_RESEND_MS) {
      a->last_resend = now;
      a->only_kind = FL_ALERT_KIND_ALERTMANAGER;
      fl_alert_groups_each(a->groups, enqueue, a);
      a->only_kind = -1;
    }
    if (next > AM_RESEND_MS) next = AM_RESEND_MS;
    if (stop) {
      /* last pass: what is due now, for at most STOP_MS; the rest is dropped */
      send_due(a, mono_ms(), mono_ms() + STOP_MS);
      if (a->nq) atomic_fetch_add(a->dropped, a->nq);
      break;
    }
    send_due(a, mono_ms(), UINT64_MAX);
    now = mono_ms();
    wait_ms = next;
    for (size_t i = 0; i < a->nq; i++) {
      uint64_t d = a->q[i].next_ms > now ? a->q[i].next_ms - now : 0;
      if (d < wait_ms) wait_ms = d;
    }
    if (wait_ms == 0) wait_ms = 1;
  }
  free(batch);
  return NULL;
}

fl_alert *fl_alert_new(const fl_alert_config *c, const fl_alert_counters *k, fl_alert_log_fn log,
                       void *user) {
  fl_alert *a = calloc(1, sizeof *a);
  if (!a) return NULL;
  a->cfg = *c;
  a->only_kind = -1;
  a->last_resend = mono_ms();
  a->log = log;
  a->user = user;
  a->sent = k && k->sent ? k->sent : &a->own[0];
  a->failed = k && k->failed ? k->failed : &a->own[1];
  a->dropped = k && k->dropped ? k->dropped : &a->own[2];
  a->groups = fl_alert_groups_new();
  pthread_mutex_init(&a->lock, NULL);
  pthread_cond_init(&a->wake, NULL);
  if (!a->groups || pthread_create(&a->thread, NULL, run, a) != 0) {
    fl_alert_groups_free(a->groups);
    pthread_mutex_destroy(&a->lock);
    pthread_cond_destroy(&a->wake);
    free(a);
    return NULL;
  }
  return a;
}

void fl_alert_free(fl_alert *a) {
  if (!a) return;
  pthread_mutex_lock(&a->lock);
  a->stop = 1;
  pthread_cond_signal(&a->wake);
  pthread_mutex_unlock(&a->lock);
  pthread_join(a->thread, NULL);
  for (size_t i = 0; i < a->nq; i++) fl_buf_free(&a->q[i].body);
  free(a->q);
  fl_alert_groups_free(a->groups);
  pthread_mutex_destroy(&a->lock);
  pthread_cond_destroy(&a->wake);
  free(a);
}
