/*
** diagnose without the temporary store when it can: a pipeline sink that
** hands each typed event straight to the diagnosis engine while the inputs
** arrive in time order with rising record ids. It gives the engine exactly
** what diag_cli_from_store would read back from a store of the same inputs
** (events normalised as a store row round-trips them, the same order, the
** same window, each source noted with the store's counts), so `report`
** over the database stays byte-identical to `diagnose`.
**
** The first event that would make the two differ (older than the one
** before, a record id not above the last of its host and channel: maybe a
** duplicate the store would drop, a record without an EventRecordID, a
** path read twice, a stream) turns the sink off (fallback); the caller then
** reads the inputs again through the temporary store. Memory: one entry per
** host and channel, nothing per event.
**
** Must never: hand the engine an event the store path would not (outside
** the window, a duplicate), or keep feeding after falling back.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag_cli.h"

/* The highest record id seen per host and channel (the store's key). */
typedef struct direct_key {
  char *host, *channel;
  size_t host_len, channel_len;
  uint64_t last_id;
} direct_key;

struct diag_direct {
  fl_diag *diag;
  const diag_cli_opts *o;
  int fallback;
  uint64_t last_time;
  direct_key *keys;
  size_t nkeys, capkeys, hit;
  char **paths;          /* sources begun so far (a repeat falls back) */
  size_t npaths, cappaths;
};

static fl_status no_memory(fl_error *err) {
  fl_error_clear(err);
  err->status = FL_ENOMEM;
  snprintf(err->file, sizeof err->file, "diagnose");
  snprintf(err->message, sizeof err->message, "out of memory");
  return FL_ENOMEM;
}

static int64_t clamp_i64(uint64_t v) {
  return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

/* What a store row gives back for t (store_insert.c binds, store_replay.c
** reads): NULL system strings as "", negative enums as -1, optional
** numbers only with their FL_TE_* bit, benign/multiple with the flags. */
static void normalise(fl_typed_event *t) {
  static const char empty[] = "";
  fl_evtx_str *sys[3] = {&t->host, &t->channel, &t->provider};
  for (size_t i = 0; i < 3; i++)
    if (!sys[i]->ptr) { sys[i]->ptr = empty; sys[i]->len = 0; }
  t->time = (uint64_t)clamp_i64(t->time);
  t->record_id = (uint64_t)clamp_i64(t->record_id);
  int64_t *enums[7] = {&t->keying_module, &t->auth_method, &t->failure_point,
                      &t->role, &t->state, &t->mode, &t->iscsi_failure_type};
  for (size_t i = 0; i < 7; i++)
    if (*enums[i] < 0) *enums[i] = -1;
  if (t->dos_started < 0) t->dos_started = -1;
  unsigned h = t->has & (FL_TE_ERROR_CODE | FL_TE_LOCAL_PORT | FL_TE_REMOTE_PORT |
                         FL_TE_FILTER_ID | FL_TE_SA_ID | FL_TE_FAILURE_FLAGS |
                         FL_TE_SPI | FL_TE_PROTOCOL);
  t->has = h;
  if (!(h & FL_TE_ERROR_CODE)) t->error_code = 0;
  if (!(h & FL_TE_LOCAL_PORT)) t->local_port = 0;
  if (!(h & FL_TE_REMOTE_PORT)) t->remote_port = 0;
  if (!(h & FL_TE_FILTER_ID)) t->filter_id = 0;
  if (!(h & FL_TE_SA_ID)) t->sa_id = 0;
  if (!(h & FL_TE_SPI)) t->spi = 0;
  if (!(h & FL_TE_PROTOCOL)) t->protocol = 0;
  if (!(h & FL_TE_FAILURE_FLAGS)) t->failure_flags = 0, t->benign = 0, t->multiple = 0;
  /* SQLite gives a NULL column back as NULL, text as text: kept as is */
}

static int same(const char *a, size_t alen, fl_evtx_str b) {
  return alen == b.len && (alen == 0 || memcmp(a, b.ptr, alen) == 0);
}

static char *copy(fl_evtx_str s) {
  char *p = malloc(s.len + 1);
  if (p) {
    if (s.len) memcpy(p, s.ptr, s.len);
    p[s.len] = 0;
  }
  return p;
}

/* 1 when t's record id is above every id seen for its host and channel
** (so the store would insert it); -1 out of memory. */
static int rising_id(diag_direct *d, const fl_typed_event *t) {
  direct_key *k = NULL;
  if (d->hit < d->nkeys && same(d->keys[d->hit].host, d->keys[d->hit].host_len, t->host) &&
      same(d->keys[d->hit].channel, d->keys[d->hit].channel_len, t->channel))
    k = &d->keys[d->hit];
  for (size_t i = 0; !k && i < d->nkeys; i++)
    if (same(d->keys[i].host, d->keys[i].host_len, t->host) &&
        same(d->keys[i].channel, d->keys[i].channel_len, t->channel)) {
      k = &d->keys[i];
      d->hit = i;
    }
  if (k) {
    if (t->record_id <= k->last_id) return 0;
    k->last_id = t->record_id;
    return 1;
  }
  if (d->nkeys == d->capkeys) {
    size_t cap = d->capkeys ? d->capkeys * 2 : 8;
    direct_key *n = realloc(d->keys, cap * sizeof *n);
    if (!n) return -1;
    d->keys = n;
    d->capkeys = cap;
  }
  direct_key nk = {copy(t->host), copy(t->channel), t->host.len, t->channel.len,
                   t->record_id};
  if (!nk.host || !nk.channel) {
    free(nk.host);
    free(nk.channel);
    return -1;
  }
  d->hit = d->nkeys;
  d->keys[d->nkeys++] = nk;
  return 1;
}

static fl_status direct_begin(void *self, const fl_pipeline_source *src,
                              int *have, fl_error *err) {
  diag_direct *d = self;
  *have = 0;
  if (d->fallback) return FL_OK;
  if (src->stream) {
    d->fallback = 1;
    return FL_OK;
  }
  for (size_t i = 0; i < d->npaths; i++)
    if (strcmp(d->paths[i], src->name) == 0) {
      d->fallback = 1; /* the store keeps the last read of a path */
      return FL_OK;
    }
  if (d->npaths == d->cappaths) {
    size_t cap = d->cappaths ? d->cappaths * 2 : 8;
    char **n = realloc(d->paths, cap * sizeof *n);
    if (!n) return no_memory(err);
    d->paths = n;
    d->cappaths = cap;
  }
  d->paths[d->npaths] = strdup(src->name);
  if (!d->paths[d->npaths]) return no_memory(err);
  d->npaths++;
  return FL_OK;
}

static fl_status direct_event(void *self, const fl_pipeline_source *src,
                              const fl_evtx_event *rec, const fl_typed_event *t,
                              fl_error *err) {
  diag_direct *d = self;
  if (d->fallback) return FL_OK;
  fl_typed_event n = *t;
  normalise(&n);
  /* keyless records are keyed by their content in the store: not here */
  int rising = (rec->present & FL_EVTX_HAS_EVENT_RECORD_ID) && n.time >= d->last_time
                   ? rising_id(d, &n) : 0;
  if (rising < 0) return no_memory(err);
  if (!rising) {
    d->fallback = 1;
    return FL_OK;
  }
  d->last_time = n.time;
  /* the store's window: time >= since and time < until (INT64_MAX without) */
  if (d->o->has_since && n.time < d->o->since) return FL_OK;
  if (n.time >= (d->o->has_until ? d->o->until : (uint64_t)INT64_MAX)) return FL_OK;
  return fl_diag_add(d->diag, &n, src->name, err);
}

static fl_status direct_end(void *self, const fl_pipeline_source *src,
                            fl_status read, const fl_pipeline_stats *st,
                            fl_error *err) {
  diag_direct *d = self;
  if (d->fallback || (read != FL_OK && read != FL_EPARTIAL)) return FL_OK;
  return fl_diag_note_source(d->diag, src->name, fl_input_format_name(src->format),
                             st->records, st->records_skipped, st->in_scope, err);
}

diag_direct *diag_direct_new(const diag_cli_opts *o) {
  diag_direct *d = calloc(1, sizeof *d);
  fl_error err;
  fl_error_clear(&err);
  if (!d || fl_diag_new(NULL, &d->diag, &err) != FL_OK) {
    free(d);
    return NULL;
  }
  d->o = o;
  return d;
}

fl_pipeline_sink diag_direct_sink(diag_direct *d) {
  fl_pipeline_sink k = {d, NULL, direct_begin, direct_event, direct_end, NULL};
  return k;
}

int diag_direct_fell_back(const diag_direct *d) { return d->fallback; }

int diag_direct_report(diag_direct *d, const char *cmd) {
  return diag_cli_report(cmd, d->diag, d->o);
}

void diag_direct_free(diag_direct *d) {
  if (!d) return;
  fl_diag_free(d->diag);
  for (size_t i = 0; i < d->nkeys; i++) {
    free(d->keys[i].host);
    free(d->keys[i].channel);
  }
  free(d->keys);
  for (size_t i = 0; i < d->npaths; i++) free(d->paths[i]);
  free(d->paths);
  free(d);
}
