/*
** The agent's delivery loop, the same for live capture and --replay:
** sources append JSON lines to the spool; sealed batches are POSTed to the
** collector oldest first; a batch is deleted (and its cursors saved) only
** after a 2xx answer; a failure waits (retry_ms, doubling up to 30 s) and
** resends the same batch, so a killed collector loses nothing and serve's
** dedup by event key makes a resent event count once.
**
** Must never: skip a batch after a failure, advance a cursor past events
** that were not acknowledged, or spin without sleeping while the collector
** is down.
*/
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

#define AGENT_MAX_BACKOFF_MS 30000u
#define AGENT_REPLAY_LINE_MAX (8u << 20)
#define AGENT_REPLAY_PAIRS 1024

int agent_start(agent *a, char *err, size_t errcap) {
  if (agent_log_open(a->cfg.log_file, a->cfg.log_level)) {
    snprintf(err, errcap, "log %s: %s", a->cfg.log_file, strerror(errno));
    return -1;
  }
  if (agent_url_parse(a->cfg.collector, &a->url)) {
    snprintf(err, errcap, "collector '%s': expected http://HOST:PORT/PATH or https://...",
             a->cfg.collector);
    return -1;
  }
  a->url.insecure = !a->cfg.tls_verify;
  if (a->url.tls && a->url.insecure)
    agent_log(AGENT_WARN, "tls_verify = off: the collector's certificate is NOT checked "
                          "(for tests only; anyone on the path can read and forge the events)");
  if (agent_net_init()) {
    snprintf(err, errcap, "network initialisation failed");
    return -1;
  }
  a->spool = agent_spool_open(a->cfg.spool_dir, a->cfg.spool_max_bytes, a->cfg.batch_events,
                              a->cfg.batch_bytes, err, errcap);
  if (!a->spool) return -1;
  agent_log(AGENT_INFO, "started: collector %s, spool %s", a->cfg.collector, a->cfg.spool_dir);
  return 0;
}

/* Answers that will not change on a resend: the batch would block the
** spool forever. Everything else (401/403 token, 404 path, 408, 429, 5xx,
** no answer) is retried. */
static const int agent_final_statuses[] = {400, 413, 422};

static int agent_status_final(int status) {
  for (size_t i = 0; i < sizeof agent_final_statuses / sizeof *agent_final_statuses; i++)
    if (status == agent_final_statuses[i]) return 1;
  return 0;
}

int agent_flush(agent *a) {
  int sent = 0;
  while (!a->stop) {
    char *body = NULL;
    size_t len = 0;
    uint32_t events = 0;
    uint64_t id = 0;
    int have = agent_spool_peek(a->spool, &body, &len, &events, &id);
    if (have < 0) {
      agent_log(AGENT_ERROR, "spool: cannot read the oldest batch");
      return -1;
    }
    if (!have) break;
    char err[256] = "";
    int status = len ? agent_net_post(&a->url, a->cfg.token, body, len, a->cfg.timeout_ms, err,
                                      sizeof err)
                     : 200;
    free(body);
    if (agent_status_final(status)) {
      agent_log(AGENT_ERROR, "batch %016" PRIx64 " (%" PRIu32 " events) refused by the collector "
                "(HTTP %d: malformed or too large; --max-frame?); kept as %s/%016" PRIx64 ".rejected",
                id, events, status, a->cfg.spool_dir, id);
      agent_spool_reject(a->spool, id, a->cfg.state_file);
      continue;
    }
    if (status < 200 || status > 299) {
      if (status > 0) snprintf(err, sizeof err, "collector answered HTTP %d", status);
      agent_log(AGENT_WARN, "batch %016" PRIx64 " (%" PRIu32 " events) not delivered: %s", id,
                events, err);
      return -1;
    }
    if (agent_spool_ack(a->spool, id, a->cfg.state_file))
      agent_log(AGENT_WARN, "batch %016" PRIx64 ": acknowledged but not removed", id);
    agent_log(AGENT_DEBUG, "batch %016" PRIx64 ": %" PRIu32 " events delivered", id, events);
    sent++;
    if (a->cfg.pace_ms) agent_sleep_ms(a->cfg.pace_ms);
  }
  return sent;
}

/* Flushes until the spool is empty, waiting between failures. */
static int agent_drain(agent *a) {
  uint32_t wait = a->cfg.retry_ms;
  while (!a->stop) {
    int rc = agent_flush(a);
    agent_spool_stats st;
    agent_spool_stats_get(a->spool, &st);
    if (rc >= 0 && !st.sealed_batches) return 0;
    if (rc >= 0) continue;
    agent_sleep_ms(wait);
    wait = wait * 2 > AGENT_MAX_BACKOFF_MS ? AGENT_MAX_BACKOFF_MS : wait * 2;
  }
  return -1;
}

int agent_replay(agent *a, const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    agent_log(AGENT_ERROR, "replay %s: %s", path, strerror(errno));
    return -1;
  }
  char pos[32];
  long long start = 0;
  if (a->cfg.state_file[0] && agent_state_get(a->cfg.state_file, "replay", pos, sizeof pos) == 0)
    start = strtoll(pos, NULL, 10);
  if (start > 0 && fseek(f, (long)start, SEEK_SET) == 0)
    agent_log(AGENT_INFO, "replay %s: resuming at byte %lld", path, start);
  else
    start = 0;
  char *line = malloc(AGENT_REPLAY_LINE_MAX);
  if (!line) {
    fclose(f);
    return -1;
  }
  uint64_t lines = 0, sent = 0, bad = 0, off = (uint64_t)start;
  static fl_evtx_pair pairs[AGENT_REPLAY_PAIRS];
  fl_evtx_event ev;
  agent_line json = {0};
  int rc = 0;
  while (!a->stop && fgets(line, (int)AGENT_REPLAY_LINE_MAX, f)) {
    size_t n = strlen(line);
    off += n;
    lines++;
    if (n && line[n - 1] != '\n' && !feof(f)) {
      agent_log(AGENT_WARN, "replay %s: line %" PRIu64 " longer than 8 MiB, skipped", path, lines);
      int c;
      while ((c = getc(f)) != EOF && c != '\n') off++;
      off++;
      bad++;
      continue;
    }
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
    if (!n) continue;
    const char *send = line;
    size_t sn = n;
    if (line[0] == '<') {
      /* Event XML (dump --format xml: one <Event> per line, but a value may
      ** hold a line break, so a record ends at "</Event>"): the live
      ** event-log path, XML -> fl_evtx_event -> the library's JSON line. */
      while (!(n >= 8 && !memcmp(line + n - 8, "</Event>", 8)) && n + 2 < AGENT_REPLAY_LINE_MAX) {
        line[n++] = '\n';
        if (!fgets(line + n, (int)(AGENT_REPLAY_LINE_MAX - n), f)) break;
        size_t k = strlen(line + n);
        off += k;
        n += k;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
      }
      fl_evtx_str wrapper;
      if (agent_xml_event(line, n, &ev, pairs, AGENT_REPLAY_PAIRS, &wrapper) ||
          agent_event_json(&ev, wrapper, &json)) {
        agent_log(AGENT_WARN, "replay %s: line %" PRIu64 " is not one readable <Event>, skipped",
                  path, lines);
        bad++;
        continue;
      }
      send = json.p;
      sn = json.len;
    } else if (!agent_json_line_ok(line, n)) {
      agent_log(AGENT_WARN, "replay %s: line %" PRIu64 " is not one JSON object, skipped", path,
                lines);
      bad++;
      continue;
    }
    snprintf(pos, sizeof pos, "%" PRIu64, off);
    agent_spool_cursor(a->spool, "replay", pos);
    if (agent_spool_add(a->spool, send, sn)) {
      rc = -1;
      break;
    }
    sent++;
    /* Sealed batches go out as they fill; a full spool holds the reader. */
    agent_spool_stats st;
    agent_spool_stats_get(a->spool, &st);
    if (st.sealed_batches && (agent_flush(a) < 0 || agent_spool_full(a->spool))) {
      if (agent_drain(a)) break;
    }
  }
  free(line);
  agent_line_free(&json);
  fclose(f);
  if (rc == 0) {
    agent_spool_seal(a->spool);
    rc = agent_drain(a);
  }
  agent_spool_stats st;
  agent_spool_stats_get(a->spool, &st);
  agent_log(AGENT_INFO,
            "replay %s: %" PRIu64 " events queued, %" PRIu64 " lines skipped; %" PRIu64
            " events acknowledged, %" PRIu64 " dropped, %" PRIu64 " rejected, %" PRIu64
            " batches left",
            path, sent, bad, st.acked_events, st.dropped_events, st.rejected_events,
            st.sealed_batches);
  return rc ? -1 : bad || st.dropped_events || st.rejected_events ? 1 : 0;
}

void agent_finish(agent *a) {
  if (a->spool) agent_spool_close(a->spool);
  a->spool = NULL;
  agent_log(AGENT_INFO, "stopped");
  agent_log_close();
}
