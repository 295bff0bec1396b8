/*
** Diagnosis engine, the public API: each typed event is copied into a
** compact diag_event (strings interned), teaches host identity and context,
** and goes to its episode (failures) or to the open episodes it recovers
** (successes). Episodes whose gap expired close as time moves on, so the
** memory held is the open episodes, never the events.
** Must never keep a pointer into a caller's record, nor judge an event
** against events it has not seen yet except through re-keying what is open.
*/
#include <stdlib.h>
#include <string.h>

#include "common/fl_error.h"
#include "diag/diag_internal.h"

fl_status fl_diag_new(const fl_diag_options *opt, fl_diag **out, fl_error *err) {
  fl_diag *d = calloc(1, sizeof *d);
  if (!d) return fl_error_at(err, FL_ENOMEM, "diagnosis", 0, "out of memory");
  if (opt) d->opt = *opt;
  if (!d->opt.max_evidence) d->opt.max_evidence = 20;
  if (d->opt.max_evidence < 2) d->opt.max_evidence = 2;
  if (!d->opt.max_times) d->opt.max_times = 512;
  if (d->opt.max_times < 4) d->opt.max_times = 4;
  *out = d;
  return FL_OK;
}

static int is_zero_cookie(fl_evtx_str s) {
  if (!s.len) return 0;
  for (size_t i = 0; i < s.len; i++)
    if (s.ptr[i] != '0') return 0;
  return 1;
}

static int8_t small_enum(int64_t v) { return (int8_t)(v >= 0 && v < 64 ? v : -1); }

static int intern_ok(uint32_t id) { return id != UINT32_MAX; }

static int make_event(fl_diag *d, const fl_typed_event *t, const char *file, diag_event *e) {
  memset(e, 0, sizeof *e);
  e->time = t->time;
  e->record_id = t->record_id;
  e->host = diag_intern(&d->strings, t->host.ptr, t->host.len);
  e->local_addr = diag_intern(&d->strings, t->local_address.ptr, t->local_address.len);
  /* netsh wfp records name no computer: their local address stands in
  ** until an event ties the address to a computer name. */
  e->node = e->host ? e->host : e->local_addr;
  fl_evtx_str peer = t->remote_address.len ? t->remote_address : t->iscsi_target;
  e->peer = diag_intern(&d->strings, peer.ptr, peer.len);
  e->file = diag_intern(&d->strings, file, file ? strlen(file) : 0);
  fl_evtx_str prin = t->remote_principal;
  if (prin.len == 1 && prin.ptr[0] == '-') prin.len = 0; /* Windows' "none" */
  e->principal = diag_intern(&d->strings, prin.ptr, prin.len);
  if (!intern_ok(e->host) || !intern_ok(e->local_addr) || !intern_ok(e->peer) || !intern_ok(e->file) ||
      !intern_ok(e->principal))
    return -1;
  if (diag_nodes_reserve(d) != 0) return -1;
  e->has_error = (t->has & FL_TE_ERROR_CODE) != 0;
  e->error_code = t->error_code;
  e->event_id = t->event_id;
  e->event_name = fl_catalog_net_event_name(t->channel.ptr, t->channel.len, t->event_id);
  e->remote_port = (t->has & FL_TE_REMOTE_PORT) ? (uint16_t)t->remote_port : 0;
  e->kind = (uint8_t)t->kind;
  e->is_failure = (uint8_t)(t->is_failure || t->benign);
  e->benign = (uint8_t)t->benign;
  e->multiple = (uint8_t)t->multiple;
  e->resp_cookie_zero = (uint8_t)is_zero_cookie(t->responder_cookie);
  /* netsh and other forms without cookies: unknown, never evidence of a reply */
  e->resp_cookie_set = (uint8_t)(t->responder_cookie.len && !e->resp_cookie_zero);
  e->keymod = (int8_t)(t->keying_module >= 0 && t->keying_module < 8 ? t->keying_module : -1);
  e->iscsi_failure = (int8_t)(t->iscsi_failure_type >= 0 && t->iscsi_failure_type < 8 ? t->iscsi_failure_type : -1);
  int mm = t->kind == FL_KIND_MM_FAILURE || t->kind == FL_KIND_WFP_MM_FAILURE;
  e->mm_state = mm ? small_enum(t->state) : -1;
  e->failure_point = small_enum(t->failure_point);
  e->role = small_enum(t->role);
  e->ends = t->kind == FL_KIND_DOS_MODE && t->dos_started == 0;
  return 0;
}

static int note_window(fl_diag *d, const diag_event *e) {
  for (size_t i = 0; i < d->nwindows; i++) {
    diag_source_window *w = &d->windows[i];
    if (w->file != e->file) continue;
    if (e->time < w->first) w->first = e->time;
    if (e->time > w->last) w->last = e->time;
    return 0;
  }
  if (d->nwindows == d->windows_cap) {
    size_t cap = d->windows_cap ? d->windows_cap * 2 : 16;
    diag_source_window *w = realloc(d->windows, cap * sizeof *w);
    if (!w) return -1;
    d->windows = w;
    d->windows_cap = cap;
  }
  d->windows[d->nwindows++] = (diag_source_window){e->file, e->time, e->time};
  return 0;
}

static int sweep(fl_diag *d, uint64_t now) {
  uint64_t every = (uint64_t)(diag_param(P_SWEEP_MINUTES) * (double)DIAG_MINUTE);
  if (now < d->last_sweep + every) return 0;
  d->last_sweep = now;
  return diag_episodes_expire(d, now);
}

static int take(fl_diag *d, const diag_event *e) {
  d->events++;
  d->kinds_seen |= 1ull << e->kind;
  if (!d->first_time || e->time < d->first_time) d->first_time = e->time;
  if (e->time > d->last_time) d->last_time = e->time;
  if (note_window(d, e) != 0) return -1;
  if (e->time > d->watermark) {
    d->watermark = e->time;
    if (sweep(d, e->time) != 0) return -1;
  }
  int changed = diag_identity_learn(d, e);
  if ((changed & 1) && diag_episodes_rekey(d) != 0) return -1;
  if ((changed & 3) && diag_episodes_relabel_host(d, diag_find(d, e->node)) != 0) return -1;
  if (!e->is_failure) {
    diag_episode_success(d, e);
    return 0;
  }
  if (!e->benign) d->failures++;
  int r = diag_match_rule(d, e);
  return r < 0 ? 0 : diag_episode_failure(d, e, r);
}

fl_status fl_diag_add(fl_diag *d, const fl_typed_event *t, const char *file, fl_error *err) {
  if (d->finished)
    return fl_error_at(err, FL_EUSAGE, "diagnosis", 0, "events added after finish");
  if (t->kind == FL_KIND_OTHER) return FL_OK;
  diag_event e;
  if (make_event(d, t, file, &e) != 0 || take(d, &e) != 0 || d->oom)
    return fl_error_at(err, FL_ENOMEM, "diagnosis", 0, "out of memory");
  return FL_OK;
}

fl_status fl_diag_advance(fl_diag *d, uint64_t now, fl_error *err) {
  if (d->finished) return FL_OK;
  if (now > d->watermark) d->watermark = now;
  if (diag_episodes_expire(d, now) != 0 || d->oom)
    return fl_error_at(err, FL_ENOMEM, "diagnosis", 0, "out of memory");
  return FL_OK;
}

fl_status fl_diag_note_source(fl_diag *d, const char *path, const char *format,
                              uint64_t records, uint64_t skipped,
                              uint64_t in_scope, fl_error *err) {
  if (d->source_count == d->source_cap) {
    size_t cap = d->source_cap ? d->source_cap * 2 : 16;
    fl_diag_source *s = realloc(d->sources, cap * sizeof *s);
    if (!s) return fl_error_at(err, FL_ENOMEM, "diagnosis", 0, "out of memory");
    d->sources = s;
    d->source_cap = cap;
  }
  uint32_t p = diag_intern(&d->strings, path, path ? strlen(path) : 0);
  uint32_t f = diag_intern(&d->strings, format, format ? strlen(format) : 0);
  if (p == UINT32_MAX || f == UINT32_MAX || diag_nodes_reserve(d) != 0)
    return fl_error_at(err, FL_ENOMEM, "diagnosis", 0, "out of memory");
  /* Each interned string is its own allocation: the pointer stays valid
  ** while the table grows. */
  fl_diag_source *s = &d->sources[d->source_count++];
  s->path = diag_str(&d->strings, p);
  s->format = diag_str(&d->strings, f);
  s->records = records;
  s->skipped = skipped;
  s->in_scope = in_scope;
  return FL_OK;
}

void fl_diag_free(fl_diag *d) {
  if (!d) return;
  for (size_t i = 0; i < d->nopen; i++) diag_episode_free(d->open[i]);
  free(d->open);
  for (size_t i = 0; i < d->ndone; i++) diag_episode_free(d->done[i]);
  free(d->done);
  diag_free_result(d);
  diag_strings_free(&d->strings);
  free(d->nodes);
  free(d->windows);
  free(d->sources);
  free(d);
}

fl_status fl_diag_finish(fl_diag *d, const fl_diag_result **out, fl_error *err) {
  if (!d->finished) {
    d->finished = 1;
    if (diag_episodes_close_all(d) != 0 || diag_build_result(d) != 0 || d->oom)
      return fl_error_at(err, FL_ENOMEM, "diagnosis", 0, "out of memory");
  }
  *out = &d->result;
  return FL_OK;
}

const char *fl_episode_state_name(fl_episode_state s) {
  static const char *const names[] = {"ongoing", "recovered", "intermittent", "seen-once", "ended"};
  return (unsigned)s < DIAG_COUNT(names) ? names[s] : "unknown";
}
