/*
** EVTX output of `faultline gen`: turns generator records into
** fl_evtx_w_event descriptions for the EVTX writer (faultline/evtx_writer.h)
** with typed values (UInt32/UInt64/HexInt64/SID/GUID as Windows logs them).
** Must never touch the EVTX on-disk layout itself, and never allocate per
** record: the field array and parsed GUIDs/SIDs live in this writer's state.
*/
#include <stdlib.h>
#include <string.h>

#include "common/fl_error.h"
#include "gen/gen_internal.h"

typedef struct evtx_state {
  fl_evtx_writer *w;
  fl_evtx_w_field fields[GEN_MAX_FIELDS];
  const gen_shape *guid_shape[8];
  fl_evtx_w_guid guids[8];
  size_t nguids;
} evtx_state;

static const fl_evtx_w_guid *shape_guid(evtx_state *s, const gen_shape *sh) {
  if (!sh->guid) return NULL;
  for (size_t i = 0; i < s->nguids; i++)
    if (s->guid_shape[i] == sh || strcmp(s->guid_shape[i]->guid, sh->guid) == 0)
      return &s->guids[i];
  size_t i = s->nguids < 8 ? s->nguids++ : 7;
  s->guid_shape[i] = sh;
  fl_evtx_w_guid_parse(sh->guid, &s->guids[i]);
  return &s->guids[i];
}

static void set_value(fl_evtx_w_value *v, gen_vtype t, const gen_value *gv) {
  memset(v, 0, sizeof *v);
  switch (t) {
  case GT_U32:
    v->type = FL_EVTX_W_UINT32;
    v->v.u = gv->u;
    break;
  case GT_U64:
    v->type = FL_EVTX_W_UINT64;
    v->v.u = gv->u;
    break;
  case GT_HEX64:
    v->type = FL_EVTX_W_HEXINT64;
    v->v.u = gv->u;
    break;
  case GT_SID:
    v->type = FL_EVTX_W_SID;
    if (fl_evtx_w_sid_parse(gv->s, &v->v.sid) != 0) {
      v->type = FL_EVTX_W_STRING;
      v->v.str = gv->s;
    }
    break;
  case GT_GUID:
    v->type = FL_EVTX_W_GUID;
    if (fl_evtx_w_guid_parse(gv->s, &v->v.guid) != 0) {
      v->type = FL_EVTX_W_STRING;
      v->v.str = gv->s;
    }
    break;
  default:
    v->type = FL_EVTX_W_STRING;
    v->v.str = gv->s;
    break;
  }
}

static fl_status evtx_begin(gen_writer *w, const char *path, fl_error *err) {
  evtx_state *s = calloc(1, sizeof *s);
  if (!s) return fl_error_line(err, FL_ENOMEM, path, 0, 0, "out of memory");
  fl_status st = fl_evtx_writer_open(path, NULL, &s->w, err);
  if (st != FL_OK) {
    free(s);
    return st;
  }
  w->impl = s;
  return FL_OK;
}

static fl_status evtx_write(gen_writer *w, const gen_record *r, gen_pos *pos, fl_error *err) {
  evtx_state *s = w->impl;
  const gen_shape *sh = r->shape;
  fl_evtx_w_event ev;
  memset(&ev, 0, sizeof ev);
  ev.provider_name = sh->provider;
  ev.provider_guid = shape_guid(s, sh);
  ev.event_id = sh->event_id;
  ev.has_qualifiers = sh->has_qualifiers;
  ev.qualifiers = sh->qualifiers;
  ev.version = sh->version;
  ev.level = sh->level;
  ev.task = sh->task;
  ev.opcode = sh->opcode;
  ev.keywords = sh->keywords;
  ev.time_created = r->time;
  ev.process_id = r->pid;
  ev.thread_id = r->tid;
  ev.channel = sh->channel;
  ev.computer = r->computer;
  ev.body = sh->body == GEN_BODY_CLASSIC ? FL_EVTX_W_BODY_CLASSIC
            : sh->body == GEN_BODY_NONE  ? FL_EVTX_W_BODY_NONE
                                         : FL_EVTX_W_BODY_EVENTDATA;
  for (size_t i = 0; i < sh->nfields; i++) {
    s->fields[i].name = sh->fields[i].name;
    set_value(&s->fields[i].value, sh->fields[i].type, &r->v[i]);
  }
  ev.fields = s->fields;
  ev.field_count = sh->nfields;
  if (sh->body == GEN_BODY_CLASSIC && r->bin_len) {
    ev.binary = r->bin;
    ev.binary_len = r->bin_len;
  }
  fl_status st = fl_evtx_writer_add(s->w, &ev, err);
  if (st != FL_OK) return st;
  fl_evtx_writer_stats stats;
  fl_evtx_writer_get_stats(s->w, &stats);
  pos->record_id = stats.last_record_id;
  pos->index = ++w->count;
  pos->line = 0;
  return FL_OK;
}

static fl_status evtx_end(gen_writer *w, fl_error *err) {
  evtx_state *s = w->impl;
  fl_status st = fl_evtx_writer_close(s->w, err);
  free(s);
  w->impl = NULL;
  return st;
}

static uint64_t evtx_bytes(const gen_writer *w) {
  const evtx_state *s = w->impl;
  fl_evtx_writer_stats stats;
  fl_evtx_writer_get_stats(s->w, &stats);
  return stats.bytes;
}

void fl_gen_writer_evtx(gen_writer *w) {
  w->begin = evtx_begin;
  w->write = evtx_write;
  w->end = evtx_end;
  w->bytes = evtx_bytes;
}
