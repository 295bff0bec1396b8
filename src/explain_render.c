/*
** Text and JSON renderings of catalog items for `faultline explain`.
** Catalog strings are trusted (compiled in), but everything still goes
** through cli_json_string / cli_term_string so one rule covers all output.
*/
#include "explain_render.h"

#include <inttypes.h>
#include <string.h>

static void heading(const explain_out *o, const char *text) {
  if (o->colour) fprintf(o->out, "\x1b[1m");
  cli_term_string(o->out, text);
  if (o->colour) fprintf(o->out, "\x1b[0m");
}

static void code_hex(const fl_code_info *c, char *buf, size_t cap) {
  if (c->family == FL_CODE_WIN32 || c->family == FL_CODE_RAS)
    snprintf(buf, cap, "0x%04" PRIX32, c->value);
  else
    snprintf(buf, cap, "0x%08" PRIX32, c->value);
}

static const char *family_title(fl_code_family f) {
  static const char *const t[] = {"Win32 error (winerror.h)",
                                  "HRESULT (certificate / SSPI / CAPI)",
                                  "NTSTATUS (IPsec driver)",
                                  "iSCSI status (iscsierr.h)",
                                  "RAS error (raserror.h, VPN client)"};
  return (unsigned)f < FL_CODE_FAMILY_COUNT ? t[f] : "code";
}

/* Writes text wrapped at 78 columns, each line indented by two spaces. */
static void wrapped(const explain_out *o, const char *text) {
  const size_t width = 76;
  const char *p = text;
  while (*p) {
    size_t n = strlen(p);
    if (n > width) {
      n = width;
      while (n > 0 && p[n] != ' ') n--;
      if (n == 0) n = width;
    }
    char line[128];
    memcpy(line, p, n);
    line[n] = '\0';
    fputs("  ", o->out);
    cli_term_string(o->out, line);
    fputc('\n', o->out);
    p += n;
    while (*p == ' ') p++;
  }
}

static void knowledge_text(const explain_out *o, fl_knowledge_kind kind,
                           uint32_t key) {
  const fl_knowledge *k[8];
  size_t n = fl_catalog_knowledge(kind, key, k, 8);
  if (n > 8) n = 8;
  for (size_t i = 0; i < n; i++) {
    fputc('\n', o->out);
    heading(o, k[i]->inferred ? "Likely cause (our inference):" : "Likely cause:");
    fputc('\n', o->out);
    wrapped(o, k[i]->cause);
    heading(o, "What to check:");
    fputc('\n', o->out);
    wrapped(o, k[i]->check);
    heading(o, "Source:");
    fputc('\n', o->out);
    wrapped(o, k[i]->source);
  }
}

static void knowledge_json(const explain_out *o, fl_knowledge_kind kind,
                           uint32_t key) {
  const fl_knowledge *k[8];
  size_t n = fl_catalog_knowledge(kind, key, k, 8);
  if (n > 8) n = 8;
  fputs(",\"knowledge\":[", o->out);
  for (size_t i = 0; i < n; i++) {
    fputs(i ? ",{\"cause\":" : "{\"cause\":", o->out);
    cli_json_string(o->out, k[i]->cause);
    fputs(",\"check\":", o->out);
    cli_json_string(o->out, k[i]->check);
    fputs(",\"source\":", o->out);
    cli_json_string(o->out, k[i]->source);
    fprintf(o->out, ",\"inferred\":%s}", k[i]->inferred ? "true" : "false");
  }
  fputc(']', o->out);
}

static void code_json_fields(const explain_out *o, const fl_code_info *c) {
  char hex[16];
  code_hex(c, hex, sizeof hex);
  fprintf(o->out, "\"family\":\"%s\",\"value\":%" PRIu32 ",\"hex\":\"%s\",",
          fl_code_family_name(c->family), c->value, hex);
  fputs("\"symbol\":", o->out);
  cli_json_string(o->out, c->symbol);
  fputs(",\"message\":", o->out);
  cli_json_string(o->out, c->message);
}

void explain_code(const explain_out *o, const fl_code_info *c) {
  char hex[16];
  code_hex(c, hex, sizeof hex);
  if (o->format == CLI_FORMAT_JSON) {
    fputs("{\"kind\":\"code\",", o->out);
    code_json_fields(o, c);
    fputs(",\"note\":", o->out);
    cli_json_string(o->out, c->note);
    knowledge_json(o, FL_KNOW_CODE, c->value);
    fputs("}\n", o->out);
    return;
  }
  heading(o, c->symbol);
  fprintf(o->out, "\n  %s, %" PRIu32 " = %s", family_title(c->family),
          c->value, hex);
  if (c->family == FL_CODE_WIN32)
    fprintf(o->out, " (as HRESULT 0x8007%04" PRIX32 ")", c->value);
  fputs("\n  Message: ", o->out);
  cli_term_string(o->out, c->message);
  if (c->note[0]) {
    fputs("\n  Note: ", o->out);
    cli_term_string(o->out, c->note);
  }
  fputc('\n', o->out);
  knowledge_text(o, FL_KNOW_CODE, c->value);
}

static const char *outcome_name(fl_outcome oc) {
  return oc == FL_OUTCOME_SUCCESS   ? "success"
         : oc == FL_OUTCOME_FAILURE ? "failure"
                                    : "unknown";
}

static void event_json(const explain_out *o, const fl_event_def *ev,
                       int with_extra) {
  fprintf(o->out, "{%s\"id\":%u,\"version\":%u,\"title\":",
          with_extra ? "\"kind\":\"event\"," : "", ev->id, ev->version);
  cli_json_string(o->out, ev->title);
  fprintf(o->out, ",\"task\":%u,\"subcategory\":", ev->subcategory->task);
  cli_json_string(o->out, ev->subcategory->name);
  fprintf(o->out, ",\"outcome\":\"%s\",\"fields\":[", outcome_name(ev->outcome));
  for (size_t i = 0; i < ev->field_count; i++) {
    const fl_field_def *f = &ev->fields[i];
    fprintf(o->out, "%s{\"name\":", i ? "," : "");
    cli_json_string(o->out, f->name);
    fprintf(o->out, ",\"type\":\"%s\",\"role\":\"%s\",\"section\":",
            fl_field_type_name(f->type), fl_field_role_name(f->role));
    cli_json_string(o->out, f->section);
    fputs(",\"label\":", o->out);
    cli_json_string(o->out, f->label);
    fputc('}', o->out);
  }
  fputc(']', o->out);
  if (with_extra) {
    /* Other versions of the same id, nested so the output stays one
    ** JSON document. */
    fputs(",\"other_versions\":[", o->out);
    int first = 1;
    for (size_t i = 0; i < fl_catalog_event_count(); i++) {
      const fl_event_def *e = fl_catalog_event_at(i);
      if (e->id != ev->id || e == ev) continue;
      if (!first) fputc(',', o->out);
      first = 0;
      event_json(o, e, 0);
    }
    fputc(']', o->out);
    char cmd[256];
    fl_catalog_auditpol_command(ev, cmd, sizeof cmd);
    fputs(",\"auditpol\":", o->out);
    cli_json_string(o->out, cmd);
    fputs(",\"note\":", o->out);
    cli_json_string(o->out, ev->note);
    knowledge_json(o, FL_KNOW_EVENT, ev->id);
  }
  fputc('}', o->out);
}

static void event_fields_text(const explain_out *o, const fl_event_def *ev) {
  if (ev->field_count == 0) {
    fputs("  Fields: none (the event carries no EventData)\n", o->out);
    return;
  }
  /* Grouped as the message shows them; %n is the manifest position. */
  fputs("  Fields (%n = position in EventData):\n", o->out);
  for (size_t i = 0; i < ev->field_count; i++) {
    const char *sec = ev->fields[i].section;
    int seen = 0;
    for (size_t j = 0; j < i && !seen; j++)
      seen = strcmp(ev->fields[j].section, sec) == 0;
    if (seen) continue;
    if (sec[0]) fprintf(o->out, "    %s\n", sec);
    for (size_t j = i; j < ev->field_count; j++) {
      const fl_field_def *f = &ev->fields[j];
      if (strcmp(f->section, sec) != 0) continue;
      fprintf(o->out, "      %%%-3zu %-30s %-4s %s\n", j + 1, f->name,
              fl_field_type_name(f->type), f->label);
    }
  }
}

void explain_event(const explain_out *o, const fl_event_def *ev) {
  if (o->format == CLI_FORMAT_JSON) {
    event_json(o, ev, 1);
    fputc('\n', o->out);
    return;
  }
  char title[64];
  snprintf(title, sizeof title, "Event %u (version %u)", ev->id, ev->version);
  heading(o, title);
  fputs("\n  ", o->out);
  cli_term_string(o->out, ev->title);
  fprintf(o->out,
          "\n  Channel Security, provider Microsoft-Windows-Security-Auditing"
          "\n  Subcategory: %s (Task %u), category %s\n  Keyword: %s",
          ev->subcategory->name, ev->subcategory->task,
          ev->subcategory->category,
          ev->outcome == FL_OUTCOME_SUCCESS   ? "Audit Success"
          : ev->outcome == FL_OUTCOME_FAILURE ? "Audit Failure"
                                              : "uncertain");
  if (ev->outcome_note[0]) fprintf(o->out, " (%s)", ev->outcome_note);
  fputc('\n', o->out);
  if (ev->note[0]) fprintf(o->out, "  Note: %s\n", ev->note);
  event_fields_text(o, ev);
  char cmd[256];
  fl_catalog_auditpol_command(ev, cmd, sizeof cmd);
  fputs("\n", o->out);
  heading(o, "Turn its auditing on (elevated prompt):");
  fprintf(o->out, "\n  %s\n", cmd);
  if (ev->subcategory->guid[0])
    fprintf(o->out, "  (subcategory GUID %s)\n", ev->subcategory->guid);
  knowledge_text(o, FL_KNOW_EVENT, ev->id);
}

void explain_insert(const explain_out *o, const fl_insert_info *in) {
  if (o->format == CLI_FORMAT_JSON) {
    fprintf(o->out, "{\"kind\":\"insert\",\"id\":%" PRIu32
            ",\"insert\":\"%%%%%" PRIu32 "\",\"text\":", in->id, in->id);
    cli_json_string(o->out, in->text);
    fputs(",\"note\":", o->out);
    cli_json_string(o->out, in->note);
    fputs("}\n", o->out);
    return;
  }
  char title[32];
  snprintf(title, sizeof title, "%%%%%" PRIu32, in->id);
  heading(o, title);
  fprintf(o->out, "  = \"%s\"\n  msobjs.dll parameter string 0x%04" PRIX32
          ", used in IPsec audit events in place of an enum value\n",
          in->text, in->id);
  if (in->note[0]) fprintf(o->out, "  Note: %s\n", in->note);
  for (size_t i = 0; i < fl_catalog_enum_insert_count(); i++) {
    const fl_enum_insert *m = fl_catalog_enum_insert_at(i);
    if (m->insert != in->id) continue;
    fprintf(o->out, "  Field %s: %s = %" PRId64 " (%s)%s\n", m->field_kind,
            m->enum_name, m->value,
            fl_catalog_enum_symbol(m->enum_name, m->value),
            m->inferred ? " [mapping inferred]" : "");
  }
}

void explain_iscsiprt(const explain_out *o, const fl_iscsiprt_event *ev) {
  if (o->format == CLI_FORMAT_JSON) {
    fprintf(o->out, "{\"kind\":\"iscsi-event\",\"id\":%u,\"message_id\":"
            "\"0x%08" PRIX32 "\",\"severity\":\"%s\",\"text\":", ev->id,
            ev->message_id, fl_severity_name(ev->severity));
    cli_json_string(o->out, ev->text);
    knowledge_json(o, FL_KNOW_ISCSIPRT, ev->id);
    fputs("}\n", o->out);
    return;
  }
  char title[48];
  snprintf(title, sizeof title, "iScsiPrt event %u", ev->id);
  heading(o, title);
  fprintf(o->out, "\n  System log, source iScsiPrt (iscsilog.dll), message "
          "0x%08" PRIX32 ", %s\n  ", ev->message_id,
          fl_severity_name(ev->severity));
  cli_term_string(o->out, ev->text);
  fputc('\n', o->out);
  if (ev->note[0]) fprintf(o->out, "  Note: %s\n", ev->note);
  knowledge_text(o, FL_KNOW_ISCSIPRT, ev->id);
}

void explain_enum_value(const explain_out *o, const fl_enum_value *v) {
  uint32_t insert = fl_catalog_insert_for_enum(v->enum_name, v->value);
  int inferred = 0;
  for (size_t i = 0; i < fl_catalog_enum_insert_count(); i++) {
    const fl_enum_insert *m = fl_catalog_enum_insert_at(i);
    if (m->insert == insert && m->value == v->value &&
        strcmp(m->enum_name, v->enum_name) == 0)
      inferred = m->inferred;
  }
  if (o->format == CLI_FORMAT_JSON) {
    fprintf(o->out, "{\"kind\":\"enum\",\"enum\":\"%s\",\"symbol\":\"%s\","
            "\"value\":%" PRId64 ",\"insert\":", v->enum_name, v->symbol,
            v->value);
    if (insert)
      fprintf(o->out, "\"%%%%%" PRIu32 "\",\"insert_inferred\":%s", insert,
              inferred ? "true" : "false");
    else
      fputs("null", o->out);
    fputs("}\n", o->out);
    return;
  }
  heading(o, v->symbol);
  fprintf(o->out, "\n  %s = %" PRId64 "\n", v->enum_name, v->value);
  if (insert) {
    const fl_insert_info *in = fl_catalog_insert(insert);
    fprintf(o->out, "  Rendered in events as %%%%%" PRIu32 " \"%s\"%s\n", insert,
            in ? in->text : "?", inferred ? " [mapping inferred]" : "");
  }
}
