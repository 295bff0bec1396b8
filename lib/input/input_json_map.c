/*
** JSON shapes -> record: evtx_dump (Event.System..., Event.EventData.X,
** Event.UserData.W.X), Winlogbeat/ECS (winlog.*, @timestamp,
** winlog.event_data.X) and NXLog's flat objects (EventID, SourceName,
** Channel, Hostname, EventTime, RecordNumber ... and the data fields beside
** them). Tables say which path feeds which System field (evtx_dump's are
** the <System> table's elements and attributes); docs/inputs.md repeats
** them for users.
**
** Must never: guess a numeric System value from rendered text (a Winlogbeat
** task name, a log level word), or turn an NXLog metadata key into data.
*/
#include <stdio.h>
#include <stdlib.h>

#include "input/input_json.h"

enum { ACT_STR, ACT_NUM, ACT_TIME, ACT_KEYWORDS_TEXT, ACT_NUM_SIGNED,
       ACT_IGNORE };

typedef struct fl_json_rule {
  const char *path;
  int act;
  unsigned arg; /* string field or FL_EVTX_HAS_* bit */
} fl_json_rule;

/* evtx_dump's System paths come from faultline/system_fields.def:
** Event.System.<Element> or <Element>.#text is the element's text value,
** Event.System.<Element>.#attributes.<Attr> an attribute's. */
enum {
#define FL_SYSTEM_ELEMENT(sym, name) SYS_EL_##sym,
#include "faultline/system_fields.def"
  SYS_EL_COUNT
};
static const char *const sys_element_names[] = {
#define FL_SYSTEM_ELEMENT(sym, name) name,
#include "faultline/system_fields.def"
};
typedef struct fl_json_system {
  int element;
  const char *attr; /* "" = the element's text */
  fl_json_rule rule;
} fl_json_system;
static const fl_json_system fl_json_evtx_system[] = {
#define FL_SYSTEM_TEXT(sym, el, attr, member) {SYS_EL_##el, attr, {NULL, ACT_STR, FL_IN_##sym}},
#define FL_SYSTEM_NUMBER(sym, el, attr, member, width, bit) \
  {SYS_EL_##el, attr, {NULL, ACT_NUM, bit}},
#define FL_SYSTEM_TIME(sym, el, attr, member, bit) {SYS_EL_##el, attr, {NULL, ACT_TIME, 0}},
#include "faultline/system_fields.def"
};

static int fl_json_span_is(const char *p, size_t n, const char *s) {
  return strlen(s) == n && memcmp(p, s, n) == 0;
}

/* The rule for an evtx_dump System path, or NULL. */
static const fl_json_rule *fl_json_evtx_system_rule(const char *path, size_t pn) {
  static const char sys[] = "Event.System.";
  const size_t k = sizeof sys - 1;
  if (pn <= k || memcmp(path, sys, k) != 0) return NULL;
  const char *el = path + k, *end = path + pn;
  const char *dot = memchr(el, '.', (size_t)(end - el));
  size_t en = dot ? (size_t)(dot - el) : (size_t)(end - el);
  const char *attr = "";
  size_t an = 0;
  if (dot) {
    const char *rest = dot + 1;
    size_t rn = (size_t)(end - rest);
    static const char at[] = "#attributes.";
    if (fl_json_span_is(rest, rn, "#text")) {
      /* the text value */
    } else if (rn > sizeof at - 1 && memcmp(rest, at, sizeof at - 1) == 0) {
      attr = rest + sizeof at - 1;
      an = rn - (sizeof at - 1);
    } else {
      return NULL;
    }
  }
  for (size_t i = 0; i < sizeof fl_json_evtx_system / sizeof *fl_json_evtx_system; i++) {
    const fl_json_system *r = &fl_json_evtx_system[i];
    if (fl_json_span_is(el, en, sys_element_names[r->element]) &&
        fl_json_span_is(attr, an, r->attr))
      return &r->rule;
  }
  return NULL;
}

/* host.name and event.code/provider first: winlog.* wins when both exist. */
static const fl_json_rule fl_json_winlogbeat[] = {
    {"host.name", ACT_STR, FL_IN_COMPUTER},
    {"event.code", ACT_NUM, FL_EVTX_HAS_EVENT_ID},
    {"event.provider", ACT_STR, FL_IN_PROVIDER},
    {"@timestamp", ACT_TIME, 0},
    {"winlog.event_id", ACT_NUM, FL_EVTX_HAS_EVENT_ID},
    {"winlog.provider_name", ACT_STR, FL_IN_PROVIDER},
    {"winlog.provider_guid", ACT_STR, FL_IN_GUID},
    {"winlog.channel", ACT_STR, FL_IN_CHANNEL},
    {"winlog.computer_name", ACT_STR, FL_IN_COMPUTER},
    {"winlog.record_id", ACT_NUM, FL_EVTX_HAS_EVENT_RECORD_ID},
    {"winlog.process.pid", ACT_NUM, FL_EVTX_HAS_PROCESS_ID},
    {"winlog.process.thread.id", ACT_NUM, FL_EVTX_HAS_THREAD_ID},
    {"winlog.activity_id", ACT_STR, FL_IN_ACTIVITY},
    {"winlog.related_activity_id", ACT_STR, FL_IN_RELATED},
    {"winlog.user.identifier", ACT_STR, FL_IN_USER},
    {"winlog.version", ACT_NUM, FL_EVTX_HAS_VERSION},
    {"winlog.keywords", ACT_KEYWORDS_TEXT, 0},
    {NULL, 0, 0}};

/* NXLog im_msvistalog fields; every other top-level key is event data. */
static const fl_json_rule fl_json_nxlog[] = {
    {"EventID", ACT_NUM, FL_EVTX_HAS_EVENT_ID},
    {"SourceName", ACT_STR, FL_IN_PROVIDER},
    {"ProviderGuid", ACT_STR, FL_IN_GUID},
    {"Channel", ACT_STR, FL_IN_CHANNEL},
    {"Hostname", ACT_STR, FL_IN_COMPUTER},
    {"EventTime", ACT_TIME, 0},
    {"RecordNumber", ACT_NUM, FL_EVTX_HAS_EVENT_RECORD_ID},
    {"Version", ACT_NUM, FL_EVTX_HAS_VERSION},
    {"Task", ACT_NUM, FL_EVTX_HAS_TASK},
    {"OpcodeValue", ACT_NUM, FL_EVTX_HAS_OPCODE},
    {"Keywords", ACT_NUM_SIGNED, FL_EVTX_HAS_KEYWORDS},
    {"ExecutionProcessID", ACT_NUM, FL_EVTX_HAS_PROCESS_ID},
    {"ExecutionThreadID", ACT_NUM, FL_EVTX_HAS_THREAD_ID},
    {"ProcessID", ACT_NUM, FL_EVTX_HAS_PROCESS_ID},
    {"ThreadID", ACT_NUM, FL_EVTX_HAS_THREAD_ID},
    {"ActivityID", ACT_STR, FL_IN_ACTIVITY},
    {"RelatedActivityID", ACT_STR, FL_IN_RELATED},
    {"UserID", ACT_STR, FL_IN_USER},
    {"EventReceivedTime", ACT_IGNORE, 0}, {"SourceModuleName", ACT_IGNORE, 0},
    {"SourceModuleType", ACT_IGNORE, 0}, {"EventType", ACT_IGNORE, 0},
    {"SeverityValue", ACT_IGNORE, 0}, {"Severity", ACT_IGNORE, 0},
    {"Category", ACT_IGNORE, 0}, {"Opcode", ACT_IGNORE, 0},
    {"Message", ACT_IGNORE, 0}, {"Domain", ACT_IGNORE, 0},
    {"AccountName", ACT_IGNORE, 0}, {"AccountType", ACT_IGNORE, 0},
    {"Level", ACT_IGNORE, 0}, {"ERROR_EVT_UNRESOLVED", ACT_IGNORE, 0},
    {NULL, 0, 0}};

void fl_json_leaf_add(fl_json_leaves *lv, const char *path, size_t pn,
                      const char *val, size_t vn, int type) {
  fl_json_leaf l;
  l.path_off = (uint32_t)lv->text.len;
  l.path_len = (uint32_t)pn;
  fl_input_buf_put(&lv->text, path, pn);
  l.val_off = (uint32_t)lv->text.len;
  l.val_len = (uint32_t)vn;
  fl_input_buf_put(&lv->text, val, vn);
  l.type = type;
  if (lv->text.len > 0xfffffff0u) lv->text.failed = 1;
  fl_input_buf_put(&lv->idx, &l, sizeof l);
  if (!lv->idx.failed) lv->n++;
}

typedef struct fl_json_view {
  const char *path, *val;
  size_t pn, vn;
  int type;
} fl_json_view;

static fl_json_view fl_json_at(const fl_json_leaves *lv, size_t i) {
  fl_json_leaf l;
  memcpy(&l, lv->idx.p + i * sizeof l, sizeof l);
  fl_json_view v = {lv->text.p + l.path_off, lv->text.p + l.val_off,
                    l.path_len, l.val_len, l.type};
  return v;
}

static int fl_json_is(const fl_json_view *v, const char *s) {
  size_t k = strlen(s);
  return v->pn == k && memcmp(v->path, s, k) == 0;
}

static int fl_json_prefix(const fl_json_view *v, const char *s) {
  size_t k = strlen(s);
  return v->pn > k && memcmp(v->path, s, k) == 0;
}

static uint64_t fl_json_keyword_bit(const char *s, size_t n) {
  static const struct { const char *name; uint64_t bit; } kw[] = {
      {"Audit Success", 0x0020000000000000ull},
      {"Audit Failure", 0x0010000000000000ull},
      {"Classic", 0x0080000000000000ull}};
  for (size_t i = 0; i < sizeof kw / sizeof *kw; i++)
    if (strlen(kw[i].name) == n && !memcmp(kw[i].name, s, n)) return kw[i].bit;
  return 0;
}

/* Applies rule r to leaf v; *kw collects Winlogbeat keyword words. */
static void fl_json_apply(fl_input_ctx *c, const fl_json_rule *r,
                          const fl_json_view *v, uint64_t *kw, int *kw_bad) {
  if (v->type == FL_JSON_NULL) return;
  switch (r->act) {
    case ACT_STR: fl_input_rec_str(c, (int)r->arg, v->val, v->vn); break;
    case ACT_NUM: fl_input_rec_num_text(c, r->arg, v->val, v->vn, c->ev.file_offset); break;
    case ACT_TIME: fl_input_rec_time_text(c, v->val, v->vn, c->ev.file_offset); break;
    case ACT_NUM_SIGNED:
      if (v->vn > 1 && v->val[0] == '-') {
        uint64_t u;
        if (fl_input_parse_u64(v->val + 1, v->vn - 1, &u) == 0)
          fl_input_rec_num(c, r->arg, (uint64_t)0 - u);
      } else {
        fl_input_rec_num_text(c, r->arg, v->val, v->vn, c->ev.file_offset);
      }
      break;
    case ACT_KEYWORDS_TEXT: {
      uint64_t b = fl_json_keyword_bit(v->val, v->vn);
      if (b) *kw |= b | 0x8000000000000000ull;
      else *kw_bad = 1;
      break;
    }
    default: break;
  }
}

static const fl_json_rule *fl_json_find(const fl_json_rule *t,
                                        const fl_json_view *v) {
  for (; t->path; t++)
    if (fl_json_is(v, t->path)) return t;
  return NULL;
}

/* evtx_dump data: Event.EventData.X[.#text] -> X; Data[.#text] -> unnamed. */
static void fl_json_evtx_data(fl_input_ctx *c, const fl_json_view *v) {
  const char *rest;
  size_t rn;
  if (fl_json_prefix(v, "Event.EventData.")) {
    rest = v->path + 16;
    rn = v->pn - 16;
  } else if (fl_json_prefix(v, "Event.UserData.")) {
    rest = v->path + 15;
    rn = v->pn - 15;
    const char *dot = memchr(rest, '.', rn);
    if (!dot) return;
    if (!c->wrapper.len) fl_input_rec_wrapper(c, rest, (size_t)(dot - rest));
    rn -= (size_t)(dot - rest) + 1;
    rest = dot + 1;
  } else {
    return;
  }
  if (rn >= 1 && rest[0] == '#') return; /* #attributes of EventData */
  const char *dot = memchr(rest, '.', rn);
  if (dot) {
    size_t tail = rn - (size_t)(dot - rest) - 1;
    if (!(tail == 5 && !memcmp(dot + 1, "#text", 5))) return; /* attributes */
    rn = (size_t)(dot - rest);
  }
  if (rn == 4 && !memcmp(rest, "Data", 4)) rn = 0; /* <Data> without Name */
  fl_input_rec_pair(c, rest, rn, v->val, v->vn);
}

static void fl_json_winlog_data(fl_input_ctx *c, const fl_json_view *v) {
  size_t k;
  if (fl_json_prefix(v, "winlog.event_data.")) k = 18;
  else if (fl_json_prefix(v, "winlog.user_data.")) k = 17;
  else return;
  if (k == 17 && v->pn == 17 + 8 && !memcmp(v->path + 17, "xml_name", 8)) {
    fl_input_rec_wrapper(c, v->val, v->vn);
    return;
  }
  fl_input_rec_pair(c, v->path + k, v->pn - k, v->val, v->vn);
}

enum { SHAPE_NONE, SHAPE_EVTX_DUMP, SHAPE_WINLOGBEAT, SHAPE_NXLOG };

static int fl_json_shape(const fl_json_leaves *lv) {
  int nx = 0;
  for (size_t i = 0; i < lv->n; i++) {
    fl_json_view v = fl_json_at(lv, i);
    if (fl_json_prefix(&v, "Event.")) return SHAPE_EVTX_DUMP;
    if (fl_json_prefix(&v, "winlog.")) return SHAPE_WINLOGBEAT;
    if (fl_json_is(&v, "EventID") || fl_json_is(&v, "SourceName")) nx = 1;
  }
  return nx ? SHAPE_NXLOG : SHAPE_NONE;
}

void fl_input_json_map(fl_input_ctx *c, fl_json_leaves *lv) {
  if (lv->idx.failed || lv->text.failed) {
    c->nomem = 1;
    fl_input_rec_skip(c, c->ev.file_offset, "out of memory");
    return;
  }
  int shape = fl_json_shape(lv);
  if (shape == SHAPE_NONE) {
    if (!c->recognised && !c->stats->records && !c->stats->records_skipped) {
      c->not_events = 1; /* a JSON file, but not of events */
      c->in_record = 0;
      return;
    }
    fl_input_rec_skip(c, c->ev.file_offset,
                      "JSON object is not an event of a known shape");
    return;
  }
  const fl_json_rule *t = shape == SHAPE_WINLOGBEAT ? fl_json_winlogbeat : fl_json_nxlog;
  uint64_t kw = 0;
  int kw_bad = 0;
  for (size_t i = 0; i < lv->n; i++) {
    fl_json_view v = fl_json_at(lv, i);
    const fl_json_rule *r = shape == SHAPE_EVTX_DUMP ? fl_json_evtx_system_rule(v.path, v.pn)
                                                     : fl_json_find(t, &v);
    if (r) fl_json_apply(c, r, &v, &kw, &kw_bad);
    else if (shape == SHAPE_EVTX_DUMP) fl_json_evtx_data(c, &v);
    else if (shape == SHAPE_WINLOGBEAT) fl_json_winlog_data(c, &v);
    else fl_input_rec_pair(c, v.path, v.pn, v.val, v.vn); /* NXLog data */
  }
  if (kw && !kw_bad) fl_input_rec_num(c, FL_EVTX_HAS_KEYWORDS, kw);
  fl_input_rec_finish(c);
}
