/*
** Helpers for the input-reader unit tests: run fl_input_read_memory with a
** collector that copies every record (System fields and pairs) and every
** diagnostic, and look values up by pair name.
**
** Must never: be used by the library, or keep pointers the reader owns.
*/
#ifndef FL_TEST_INPUT_UTIL_H
#define FL_TEST_INPUT_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faultline.h"
#include "faultline/wfp.h"
#include "harness.h"

#define TI_MAX_EVENTS 16
#define TI_MAX_PAIRS 64
#define TI_MAX_DIAGS 16

typedef struct ti_event {
  fl_evtx_event ev; /* numbers; strings below */
  char provider[96], guid[48], channel[64], computer[96], user[64],
      activity[48], source[64];
  size_t npairs;
  char names[TI_MAX_PAIRS][64];
  char values[TI_MAX_PAIRS][160];
  char rendered[4096];
} ti_event;

typedef struct ti_diag {
  fl_evtx_severity sev;
  unsigned line, column;
  char message[192];
} ti_diag;

typedef struct ti_run {
  ti_event ev[TI_MAX_EVENTS];
  size_t nev;
  ti_diag dg[TI_MAX_DIAGS];
  size_t ndiag;
  fl_evtx_stats stats;
  fl_status st;
  char out[16384];
  size_t outlen;
} ti_run;

static void ti_copy(char *dst, size_t cap, fl_evtx_str s) {
  size_t n = s.len < cap - 1 ? s.len : cap - 1;
  if (n) memcpy(dst, s.ptr, n);
  dst[n] = 0;
}

static int ti_on_record(const fl_evtx_event *e, void *user) {
  ti_run *r = user;
  if (r->nev >= TI_MAX_EVENTS) return 0;
  ti_event *t = &r->ev[r->nev++];
  memset(t, 0, sizeof *t);
  t->ev = *e;
  ti_copy(t->provider, sizeof t->provider, e->provider_name);
  ti_copy(t->guid, sizeof t->guid, e->provider_guid);
  ti_copy(t->channel, sizeof t->channel, e->channel);
  ti_copy(t->computer, sizeof t->computer, e->computer);
  ti_copy(t->user, sizeof t->user, e->user_sid);
  ti_copy(t->activity, sizeof t->activity, e->activity_id);
  ti_copy(t->source, sizeof t->source, e->event_source_name);
  ti_copy(t->rendered, sizeof t->rendered, e->rendered);
  for (size_t i = 0; i < e->data_count && t->npairs < TI_MAX_PAIRS; i++) {
    ti_copy(t->names[t->npairs], sizeof t->names[0], e->data[i].name);
    ti_copy(t->values[t->npairs], sizeof t->values[0], e->data[i].value);
    t->npairs++;
  }
  return 0;
}

static void ti_on_diag(const fl_evtx_diag *d, void *user) {
  ti_run *r = user;
  if (r->ndiag >= TI_MAX_DIAGS) return;
  ti_diag *t = &r->dg[r->ndiag++];
  t->sev = d->severity;
  const fl_input_diag *x = fl_input_diag_from(d);
  t->line = x ? x->line : 0;
  t->column = x ? x->column : 0;
  snprintf(t->message, sizeof t->message, "%s", d->message);
}

static int ti_on_output(const char *buf, size_t len, void *user) {
  ti_run *r = user;
  size_t room = sizeof r->out - 1 - r->outlen;
  size_t n = len < room ? len : room;
  memcpy(r->out + r->outlen, buf, n);
  r->outlen += n;
  r->out[r->outlen] = 0;
  return 0;
}

static fl_evtx_options ti_options(ti_run *r, fl_evtx_format fmt) {
  fl_evtx_options o;
  memset(&o, 0, sizeof o);
  o.format = fmt;
  o.on_record = ti_on_record;
  o.on_diag = ti_on_diag;
  o.on_output = ti_on_output;
  o.user = r;
  return o;
}

/* Reads text (or bytes) into a freshly zeroed run. */
static ti_run *ti_read_fmt(const void *data, size_t len, fl_evtx_format fmt,
                           const fl_evtx_filter *filter) {
  ti_run *r = calloc(1, sizeof *r);
  if (!r) abort();
  fl_evtx_options o = ti_options(r, fmt);
  if (filter) o.filter = *filter;
  fl_error err;
  r->st = fl_input_read_memory(data, len, "test", &o, &r->stats, &err);
  return r;
}

static ti_run *ti_read(const char *text) {
  return ti_read_fmt(text, strlen(text), FL_EVTX_RENDER_NONE, NULL);
}

static const char *ti_val(const ti_event *t, const char *name) {
  for (size_t i = 0; i < t->npairs; i++)
    if (!strcmp(t->names[i], name)) return t->values[i];
  return NULL;
}

static char *ti_slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)n + 1);
  if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
    free(b);
    b = NULL;
  }
  if (b) b[n] = 0;
  fclose(f);
  *len = (size_t)n;
  return b;
}

/* ../shared (FL_SHARED) or NULL when absent. */
static const char *ti_shared(void) {
  const char *s = getenv("FL_SHARED");
  static char buf[512];
  if (!s || !*s) s = "../shared";
  snprintf(buf, sizeof buf, "%s/samples", s);
  FILE *f = fopen(buf, "r");
  if (!f) return NULL;
  fclose(f);
  return s;
}

#endif
