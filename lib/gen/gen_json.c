/*
** JSON-lines writer for `faultline gen --format jsonl`: by default the
** evtx_dump (evtx-rs) shape ({"Event":{"#attributes":..,"System":..,
** "EventData":..}}), with --json-style winlogbeat the Winlogbeat/ECS shape
** (winlog.event_data, string event_id and record_id, keyword names), both
** following ../shared/samples. One object per line.
** Must never emit an unescaped string or a raw control character.
*/
#include <string.h>

#include "gen/gen_internal.h"

static void key(gen_out *o, const char *k) {
  fl_gen_out_ch(o, '"');
  fl_gen_out_str(o, k); /* keys are our own constants or catalog names */
  fl_gen_out_str(o, "\":");
}

static void key_esc(gen_out *o, const char *k) {
  fl_gen_out_json(o, k);
  fl_gen_out_ch(o, ':');
}


/* Provider GUID without braces, as evtx-rs prints it. */
static void guid_bare(gen_out *o, const char *g) {
  size_t n = strlen(g);
  fl_gen_out_ch(o, '"');
  if (n >= 2 && g[0] == '{') fl_gen_out_put(o, g + 1, n - 2);
  else fl_gen_out_str(o, g);
  fl_gen_out_ch(o, '"');
}

static void dump_system(gen_out *o, const gen_record *r) {
  const gen_shape *s = r->shape;
  char kw[20];
  fl_gen_out_str(o, "\"System\":{\"Provider\":{\"#attributes\":{\"Name\":");
  fl_gen_out_json(o, s->provider);
  if (s->guid) {
    fl_gen_out_str(o, ",\"Guid\":");
    guid_bare(o, s->guid);
  }
  fl_gen_out_str(o, "}},\"EventID\":");
  if (s->has_qualifiers) {
    fl_gen_out_str(o, "{\"#attributes\":{\"Qualifiers\":");
    fl_gen_out_u64(o, s->qualifiers);
    fl_gen_out_str(o, "},\"#text\":");
    fl_gen_out_u64(o, s->event_id);
    fl_gen_out_ch(o, '}');
  } else {
    fl_gen_out_u64(o, s->event_id);
  }
  fl_gen_out_str(o, ",\"Version\":");
  fl_gen_out_u64(o, s->version);
  fl_gen_out_str(o, ",\"Level\":");
  fl_gen_out_u64(o, s->level);
  fl_gen_out_str(o, ",\"Task\":");
  fl_gen_out_u64(o, s->task);
  fl_gen_out_str(o, ",\"Opcode\":");
  fl_gen_out_u64(o, s->opcode);
  fl_gen_fmt_keywords(kw, s->keywords);
  fl_gen_out_str(o, ",\"Keywords\":\"");
  fl_gen_out_str(o, kw);
  fl_gen_out_str(o, "\",\"TimeCreated\":{\"#attributes\":{\"SystemTime\":\"");
  fl_gen_out_time(o, r->time, 6);
  fl_gen_out_str(o, "\"}},\"EventRecordID\":");
  fl_gen_out_u64(o, r->record_id);
  fl_gen_out_str(o, ",\"Correlation\":null,\"Execution\":{\"#attributes\":{\"ProcessID\":");
  fl_gen_out_u64(o, r->pid);
  fl_gen_out_str(o, ",\"ThreadID\":");
  fl_gen_out_u64(o, r->tid);
  fl_gen_out_str(o, "}},\"Channel\":");
  fl_gen_out_json(o, s->channel);
  fl_gen_out_str(o, ",\"Computer\":");
  fl_gen_out_json(o, r->computer);
  fl_gen_out_str(o, ",\"Security\":null}");
}

static void dump_body(gen_out *o, const gen_record *r) {
  const gen_shape *s = r->shape;
  fl_gen_out_str(o, ",\"EventData\":");
  if (s->body == GEN_BODY_NONE) {
    fl_gen_out_str(o, "null");
    return;
  }
  fl_gen_out_ch(o, '{');
  if (s->body == GEN_BODY_CLASSIC) {
    fl_gen_out_str(o, "\"Data\":{\"#text\":");
    fl_gen_out_json(o, s->nfields ? r->v[0].s : "");
    fl_gen_out_str(o, "},\"Binary\":\"");
    fl_gen_out_hex(o, r->bin, r->bin_len, 1);
    fl_gen_out_str(o, "\"}");
    return;
  }
  for (size_t i = 0; i < s->nfields; i++) {
    if (i) fl_gen_out_ch(o, ',');
    key_esc(o, s->fields[i].name);
    gen_vtype t = s->fields[i].type;
    if (t == GT_U32 || t == GT_U64) fl_gen_out_u64(o, r->v[i].u);
    else fl_gen_out_json(o, r->v[i].s);
  }
  fl_gen_out_ch(o, '}');
}

static void write_dump(gen_out *o, const gen_record *r) {
  fl_gen_out_str(o, "{\"Event\":{\"#attributes\":{\"xmlns\":\"http://schemas.microsoft.com/win/2004/08/events/event\"},");
  dump_system(o, r);
  dump_body(o, r);
  fl_gen_out_str(o, "}}");
}

static const char *keyword_name(uint64_t kw) {
  if (kw == 0x8010000000000000ull) return "Audit Failure";
  if (kw == 0x8020000000000000ull) return "Audit Success";
  return "Classic";
}

static const char *level_name(unsigned level) {
  static const char *const names[] = {"information", "critical", "error", "warning", "information"};
  return level < 5 ? names[level] : "information";
}

static void beat_event_data(gen_out *o, const gen_record *r) {
  const gen_shape *s = r->shape;
  fl_gen_out_str(o, "\"event_data\":{");
  for (size_t i = 0; i < s->nfields; i++) {
    if (i) fl_gen_out_ch(o, ',');
    if (s->body == GEN_BODY_CLASSIC) {
      fl_gen_out_str(o, "\"param");
      fl_gen_out_u64(o, i + 1);
      fl_gen_out_str(o, "\":");
    } else {
      key_esc(o, s->fields[i].name);
    }
    fl_gen_out_json(o, r->v[i].s);
  }
  if (s->body == GEN_BODY_CLASSIC && r->bin_len) {
    fl_gen_out_str(o, s->nfields ? ",\"Binary\":\"" : "\"Binary\":\"");
    fl_gen_out_hex(o, r->bin, r->bin_len, 1);
    fl_gen_out_ch(o, '"');
  }
  fl_gen_out_str(o, "},");
}

static void write_beat(gen_out *o, const gen_record *r) {
  const gen_shape *s = r->shape;
  fl_gen_out_str(o, "{\"@timestamp\":\"");
  fl_gen_out_time(o, r->time, 7);
  fl_gen_out_str(o, "\",\"event\":{\"code\":\"");
  fl_gen_out_u64(o, s->event_id);
  fl_gen_out_str(o, "\",\"kind\":\"event\",");
  if (s->outcome) {
    fl_gen_out_str(o, "\"outcome\":\"");
    fl_gen_out_str(o, s->outcome);
    fl_gen_out_str(o, "\",");
  }
  key(o, "provider");
  fl_gen_out_json(o, s->provider);
  fl_gen_out_str(o, "},\"host\":{\"name\":");
  fl_gen_out_json(o, r->computer);
  fl_gen_out_str(o, "},\"log\":{\"level\":\"");
  fl_gen_out_str(o, level_name(s->level));
  fl_gen_out_str(o, "\"},\"message\":");
  fl_gen_out_json(o, s->title ? s->title : "");
  fl_gen_out_str(o, ",\"winlog\":{\"api\":\"wineventlog\",\"channel\":");
  fl_gen_out_json(o, s->channel);
  fl_gen_out_str(o, ",\"computer_name\":");
  fl_gen_out_json(o, r->computer);
  fl_gen_out_ch(o, ',');
  if (s->body != GEN_BODY_NONE) beat_event_data(o, r);
  fl_gen_out_str(o, "\"event_id\":\"");
  fl_gen_out_u64(o, s->event_id);
  fl_gen_out_str(o, "\",\"keywords\":[\"");
  fl_gen_out_str(o, keyword_name(s->keywords));
  fl_gen_out_str(o, "\"],\"opcode\":\"Info\",\"process\":{\"pid\":");
  fl_gen_out_u64(o, r->pid);
  fl_gen_out_str(o, ",\"thread\":{\"id\":");
  fl_gen_out_u64(o, r->tid);
  fl_gen_out_str(o, "}},");
  if (s->guid) {
    char g[48];
    size_t n = strlen(s->guid);
    for (size_t i = 0; i < n && i < sizeof g - 1; i++)
      g[i] = (s->guid[i] >= 'A' && s->guid[i] <= 'F') ? (char)(s->guid[i] + 32) : s->guid[i];
    g[n < sizeof g - 1 ? n : sizeof g - 1] = '\0';
    fl_gen_out_str(o, "\"provider_guid\":");
    fl_gen_out_json(o, g);
    fl_gen_out_ch(o, ',');
  }
  fl_gen_out_str(o, "\"provider_name\":");
  fl_gen_out_json(o, s->provider);
  fl_gen_out_str(o, ",\"record_id\":\"");
  fl_gen_out_u64(o, r->record_id);
  fl_gen_out_str(o, "\",\"task\":");
  fl_gen_out_json(o, s->task_name ? s->task_name : "None");
  if (s->version) {
    fl_gen_out_str(o, ",\"version\":");
    fl_gen_out_u64(o, s->version);
  }
  fl_gen_out_str(o, "}}");
}

static fl_status jsonl_write(gen_writer *w, const gen_record *r, gen_pos *pos, fl_error *err) {
  (void)err;
  gen_out *o = &w->out;
  pos->line = o->lines + 1;
  pos->index = ++w->count;
  pos->record_id = r->record_id;
  if (w->opts->json_style == FL_GEN_JSON_WINLOGBEAT) write_beat(o, r);
  else write_dump(o, r);
  fl_gen_out_nl(o);
  return FL_OK;
}

void fl_gen_writer_jsonl(gen_writer *w) {
  w->begin = fl_gen_text_begin;
  w->write = jsonl_write;
  w->end = fl_gen_text_end;
  w->bytes = fl_gen_text_bytes;
}
