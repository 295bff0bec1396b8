/*
** Diagnosis engine, collecting side: copies what diagnosis needs from each
** typed event into a compact array (strings interned once), and records
** the inputs. All judgement happens later in diag_finish.c, when every event
** is known (context rules look at other hosts' events).
** Must never keep a pointer into a caller's record.
*/
#include <stdlib.h>
#include <string.h>

#include "common/fl_error.h"
#include "diag/diag_internal.h"

static uint64_t hash_bytes(const char *p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)p[i]) * 1099511628211ull;
  return h;
}

static int grow_slots(diag_strings *s) {
  size_t cap = s->slot_cap ? s->slot_cap * 2 : 1024;
  uint32_t *slots = calloc(cap, sizeof *slots);
  if (!slots) return -1;
  for (size_t i = 1; i < s->count; i++) {
    size_t j = hash_bytes(s->items[i], strlen(s->items[i])) & (cap - 1);
    while (slots[j]) j = (j + 1) & (cap - 1);
    slots[j] = (uint32_t)i;
  }
  free(s->slots);
  s->slots = slots;
  s->slot_cap = cap;
  return 0;
}

/* Returns the id of the string, adding it; UINT32_MAX when out of memory. */
uint32_t diag_intern(diag_strings *s, const char *p, size_t len) {
  if (!p || !len) return 0;
  if (len > 1024) len = 1024; /* names longer than this are cut, not kept whole */
  if (s->count == 0) { /* reserve id 0 for "" */
    s->items = calloc(64, sizeof *s->items);
    if (!s->items) return UINT32_MAX;
    s->items[0] = calloc(1, 1);
    s->cap = 64;
    s->count = 1;
  }
  if ((s->count + 1) * 2 > s->slot_cap && grow_slots(s) != 0) return UINT32_MAX;
  size_t j = hash_bytes(p, len) & (s->slot_cap - 1);
  while (s->slots[j]) {
    const char *q = s->items[s->slots[j]];
    if (strlen(q) == len && memcmp(q, p, len) == 0) return s->slots[j];
    j = (j + 1) & (s->slot_cap - 1);
  }
  if (s->count == s->cap) {
    char **items = realloc(s->items, s->cap * 2 * sizeof *items);
    if (!items) return UINT32_MAX;
    s->items = items;
    s->cap *= 2;
  }
  char *copy = malloc(len + 1);
  if (!copy) return UINT32_MAX;
  memcpy(copy, p, len);
  copy[len] = '\0';
  s->items[s->count] = copy;
  s->slots[j] = (uint32_t)s->count;
  return (uint32_t)s->count++;
}

const char *diag_str(const diag_strings *s, uint32_t id) {
  return id < s->count ? s->items[id] : "";
}

void diag_strings_free(diag_strings *s) {
  for (size_t i = 0; i < s->count; i++) free(s->items[i]);
  free(s->items);
  free(s->slots);
  memset(s, 0, sizeof *s);
}

fl_status fl_diag_new(const fl_diag_options *opt, fl_diag **out, fl_error *err) {
  fl_diag *d = calloc(1, sizeof *d);
  if (!d) return fl_error_at(err, FL_ENOMEM, "diagnosis", 0, "out of memory");
  if (opt) d->opt = *opt;
  if (!d->opt.intermittent_gap) d->opt.intermittent_gap = 36000000000ull; /* 1 h */
  if (!d->opt.max_evidence) d->opt.max_evidence = 20;
  if (!d->opt.max_times) d->opt.max_times = 2000;
  *out = d;
  return FL_OK;
}

static int is_zero_cookie(fl_evtx_str s) {
  if (!s.len) return 0;
  for (size_t i = 0; i < s.len; i++)
    if (s.ptr[i] != '0') return 0;
  return 1;
}

fl_status fl_diag_add(fl_diag *d, const fl_typed_event *t, const char *file,
                      fl_error *err) {
  if (d->finished)
    return fl_error_at(err, FL_EUSAGE, "diagnosis", 0, "events added after finish");
  if (t->kind == FL_KIND_OTHER) return FL_OK;
  if (d->ev_count == d->ev_cap) {
    size_t cap = d->ev_cap ? d->ev_cap * 2 : 1024;
    diag_event *ev = realloc(d->ev, cap * sizeof *ev);
    if (!ev) return fl_error_at(err, FL_ENOMEM, "diagnosis", 0, "out of memory");
    d->ev = ev;
    d->ev_cap = cap;
  }
  diag_event *e = &d->ev[d->ev_count];
  memset(e, 0, sizeof *e);
  e->time = t->time;
  e->record_id = t->record_id;
  /* netsh wfp records name no computer: their local address stands in. */
  fl_evtx_str host = t->host.len ? t->host : t->local_address;
  e->host = diag_intern(&d->strings, host.ptr, host.len);
  fl_evtx_str peer = t->remote_address.len ? t->remote_address : t->iscsi_target;
  e->peer = diag_intern(&d->strings, peer.ptr, peer.len);
  e->local_addr = diag_intern(&d->strings, t->local_address.ptr, t->local_address.len);
  e->file = diag_intern(&d->strings, file, file ? strlen(file) : 0);
  if (e->host == UINT32_MAX || e->peer == UINT32_MAX ||
      e->local_addr == UINT32_MAX || e->file == UINT32_MAX)
    return fl_error_at(err, FL_ENOMEM, "diagnosis", 0, "out of memory");
  e->has_error = (t->has & FL_TE_ERROR_CODE) != 0;
  e->error_code = t->error_code;
  e->event_id = t->event_id;
  e->remote_port = (t->has & FL_TE_REMOTE_PORT) ? (uint16_t)t->remote_port : 0;
  e->kind = (uint8_t)t->kind;
  e->is_failure = (uint8_t)(t->is_failure || t->benign);
  e->benign = (uint8_t)t->benign;
  e->multiple = (uint8_t)t->multiple;
  e->resp_cookie_zero = (uint8_t)is_zero_cookie(t->responder_cookie);
  e->keymod = (int8_t)(t->keying_module >= 0 && t->keying_module < 8 ? t->keying_module : -1);
  e->iscsi_failure = (int8_t)(t->iscsi_failure_type >= 0 && t->iscsi_failure_type < 8 ? t->iscsi_failure_type : -1);
  d->ev_count++;
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
  if (p == UINT32_MAX || f == UINT32_MAX)
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
  diag_free_result(d);
  diag_strings_free(&d->strings);
  free(d->ev);
  free(d->sources);
  free(d);
}

fl_status fl_diag_finish(fl_diag *d, const fl_diag_result **out, fl_error *err) {
  if (!d->finished) {
    d->finished = 1;
    fl_status st = diag_build_result(d, err);
    if (st != FL_OK) return st;
  }
  *out = &d->result;
  return FL_OK;
}

const char *fl_episode_state_name(fl_episode_state s) {
  static const char *const names[] = {"ongoing", "recovered", "intermittent"};
  return (unsigned)s < 3 ? names[s] : "unknown";
}
