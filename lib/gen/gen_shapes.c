/*
** Event shapes for the generator: the System values and the ordered field
** list of every event it can write. In-scope Security events take their
** field names, order and types from the catalog (fl_catalog_event), the
** iScsiPrt events from fl_catalog_iscsiprt, background events from
** gen_background.def. Built once per process; read-only afterwards.
** Must never invent a field name for a catalog event.
*/
#include <string.h>

#include "gen/gen_internal.h"

#define SECURITY_PROVIDER "Microsoft-Windows-Security-Auditing"
#define SECURITY_GUID "{54849625-5478-4994-A5BA-3E3B0328C30D}"
#define KW_AUDIT_SUCCESS 0x8020000000000000ull
#define KW_AUDIT_FAILURE 0x8010000000000000ull
#define KW_CLASSIC 0x0080000000000000ull

typedef struct bg_event {
  uint16_t id;
  uint8_t version, level;
  uint16_t task;
  uint64_t keywords;
  const char *provider, *guid;
  int channel;
  uint16_t qualifiers;
  const char *task_name, *title;
} bg_event;

typedef struct bg_field {
  uint16_t id;
  const char *name;
  gen_vtype type;
  gen_src src;
} bg_field;

static const bg_event bg_events[] = {
#define GEN_BG_EVENT(id, ver, lvl, task, kw, prov, guid, ch, q, tn, title) \
  {id, ver, lvl, task, kw, prov, guid, ch, q, tn, title},
#define GEN_BG_FIELD(id, name, type, src)
#include "gen_background.def"
#undef GEN_BG_EVENT
#undef GEN_BG_FIELD
};

static const bg_field bg_fields[] = {
#define GEN_BG_EVENT(id, ver, lvl, task, kw, prov, guid, ch, q, tn, title)
#define GEN_BG_FIELD(id, name, type, src) {id, name, type, src},
#include "gen_background.def"
#undef GEN_BG_EVENT
#undef GEN_BG_FIELD
};

typedef struct field_src {
  const char *name;
  gen_src src;
} field_src;

static const field_src field_srcs[] = {
#define GEN_FIELD_SRC(name, src) {name, src},
#include "gen_fieldsrc.def"
#undef GEN_FIELD_SRC
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_SHAPES 256

static gen_shape shapes[MAX_SHAPES];
static size_t nshapes;
static gen_shape iscsi_shapes[128];
static size_t niscsi;
static gen_shape wfp_shapes[2];
static int built;

static gen_src src_for(const char *name, fl_field_type type) {
  for (size_t i = 0; i < COUNT(field_srcs); i++)
    if (strcmp(field_srcs[i].name, name) == 0) return field_srcs[i].src;
  return type == FL_FIELD_STR ? SRC_DASH : SRC_ZERO;
}

static gen_wfp_kind wfp_kind_for(uint16_t id) {
  if (id == 4652 || id == 4653) return GEN_WFP_MM_FAILURE;
  if (id == 4654) return GEN_WFP_QM_FAILURE;
  if (id == 4983 || id == 4984) return GEN_WFP_EM_FAILURE;
  return GEN_WFP_NONE;
}

static void add_catalog_shape(const fl_event_def *ev) {
  if (nshapes == MAX_SHAPES || ev->field_count > GEN_MAX_FIELDS) return;
  for (size_t i = 0; i < nshapes; i++)
    if (shapes[i].event_id == ev->id) return; /* highest version comes first */
  const fl_event_def *best = fl_catalog_event(ev->id, -1);
  if (!best) return;
  gen_shape *s = &shapes[nshapes++];
  memset(s, 0, sizeof *s);
  s->event_id = best->id;
  s->version = best->version;
  s->task = best->subcategory->task;
  s->task_name = best->subcategory->name;
  s->keywords = best->outcome == FL_OUTCOME_FAILURE ? KW_AUDIT_FAILURE : KW_AUDIT_SUCCESS;
  s->outcome = best->outcome == FL_OUTCOME_FAILURE ? "failure" : "success";
  s->provider = SECURITY_PROVIDER;
  s->guid = SECURITY_GUID;
  s->channel = "Security";
  s->title = best->title;
  s->wfp = wfp_kind_for(best->id);
  s->body = best->field_count ? GEN_BODY_EVENTDATA : GEN_BODY_NONE;
  s->nfields = best->field_count;
  for (size_t i = 0; i < best->field_count; i++) {
    const fl_field_def *f = &best->fields[i];
    s->fields[i].name = f->name;
    s->fields[i].type = f->type == FL_FIELD_U32 ? GT_U32 : f->type == FL_FIELD_U64 ? GT_U64 : GT_STR;
    s->fields[i].src = src_for(f->name, f->type);
  }
}

static void add_bg_shape(const bg_event *e) {
  if (nshapes == MAX_SHAPES) return;
  gen_shape *s = &shapes[nshapes++];
  memset(s, 0, sizeof *s);
  s->event_id = e->id;
  s->version = e->version;
  s->level = e->level;
  s->task = e->task;
  s->keywords = e->keywords;
  s->provider = e->provider;
  s->guid = e->guid;
  s->channel_index = e->channel;
  s->channel = e->channel ? "System" : "Security";
  s->has_qualifiers = e->qualifiers != 0;
  s->qualifiers = e->qualifiers;
  s->task_name = e->task_name;
  s->title = e->title;
  s->outcome = e->keywords == KW_AUDIT_SUCCESS ? "success" : NULL;
  s->body = GEN_BODY_EVENTDATA;
  for (size_t i = 0; i < COUNT(bg_fields) && s->nfields < GEN_MAX_FIELDS; i++)
    if (bg_fields[i].id == e->id) {
      gen_field_spec *f = &s->fields[s->nfields++];
      f->name = bg_fields[i].name;
      f->type = bg_fields[i].type;
      f->src = bg_fields[i].src;
    }
}

static void add_iscsi_shape(const fl_iscsiprt_event *e) {
  if (niscsi == COUNT(iscsi_shapes)) return;
  gen_shape *s = &iscsi_shapes[niscsi++];
  memset(s, 0, sizeof *s);
  s->event_id = e->id;
  s->level = e->severity == FL_SEVERITY_ERROR ? 2 : e->severity == FL_SEVERITY_WARNING ? 3 : 4;
  s->keywords = KW_CLASSIC;
  s->provider = "iScsiPrt";
  s->channel = "System";
  s->channel_index = 1;
  s->has_qualifiers = 1;
  s->qualifiers = (uint16_t)(e->message_id >> 16);
  s->task_name = "None";
  s->title = e->text;
  s->body = GEN_BODY_CLASSIC;
  s->nfields = 1;
  s->fields[0].name = "";
  s->fields[0].type = GT_STR;
  s->fields[0].src = SRC_RAIDPORT;
}

int fl_gen_shapes_init(fl_error *err) {
  (void)err;
  if (built) return 0;
  for (size_t i = 0; i < fl_catalog_event_count(); i++)
    add_catalog_shape(fl_catalog_event_at(i));
  for (size_t i = 0; i < COUNT(bg_events); i++) add_bg_shape(&bg_events[i]);
  for (size_t i = 0; i < fl_catalog_iscsiprt_count(); i++)
    add_iscsi_shape(fl_catalog_iscsiprt_at(i));
  for (int k = 0; k < 2; k++) {
    gen_shape *s = &wfp_shapes[k];
    memset(s, 0, sizeof *s);
    s->provider = "netsh";
    s->channel = "netEvents";
    s->body = GEN_BODY_NONE;
    s->wfp = k ? GEN_WFP_CLASSIFY_ALLOW : GEN_WFP_CLASSIFY_DROP;
  }
  built = 1;
  return 0;
}

const gen_shape *fl_gen_shape(uint16_t event_id) {
  for (size_t i = 0; i < nshapes; i++)
    if (shapes[i].event_id == event_id) return &shapes[i];
  return NULL;
}

const gen_shape *fl_gen_shape_iscsiprt(uint16_t event_id) {
  for (size_t i = 0; i < niscsi; i++)
    if (iscsi_shapes[i].event_id == event_id) return &iscsi_shapes[i];
  return NULL;
}

const gen_shape *fl_gen_shape_wfp(gen_wfp_kind kind) {
  return kind == GEN_WFP_CLASSIFY_ALLOW ? &wfp_shapes[1] : &wfp_shapes[0];
}
