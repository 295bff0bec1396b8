/*
** `faultline explain --list KIND`: every catalog row of one kind, as a JSON
** array (the form the reference cross-check test reads) or as an aligned
** text table for people.
*/
#include <inttypes.h>
#include <string.h>

#include "explain_render.h"

static void list_codes(const explain_out *o) {
  int json = o->format == CLI_FORMAT_JSON;
  if (json) fputc('[', o->out);
  for (size_t i = 0; i < fl_catalog_code_count(); i++) {
    const fl_code_info *c = fl_catalog_code_at(i);
    if (json) {
      fputs(i ? ",\n{" : "{", o->out);
      char hex[16];
      snprintf(hex, sizeof hex, c->family == FL_CODE_WIN32 || c->family == FL_CODE_RAS ? "0x%04" PRIX32 : "0x%08" PRIX32, c->value);
      fprintf(o->out, "\"family\":\"%s\",\"value\":%" PRIu32 ",\"hex\":\"%s\",\"symbol\":",
              fl_code_family_name(c->family), c->value, hex);
      cli_json_string(o->out, c->symbol);
      fputs(",\"message\":", o->out);
      cli_json_string(o->out, c->message);
      fputc('}', o->out);
    } else {
      fprintf(o->out, "%-8s %10" PRIu32 "  0x%08" PRIX32 "  %-52s ",
              fl_code_family_name(c->family), c->value, c->value, c->symbol);
      cli_term_string(o->out, c->message);
      fputc('\n', o->out);
    }
  }
  if (json) fputs("]\n", o->out);
}

static void list_events(const explain_out *o) {
  int json = o->format == CLI_FORMAT_JSON;
  if (json) fputc('[', o->out);
  for (size_t i = 0; i < fl_catalog_event_count(); i++) {
    const fl_event_def *ev = fl_catalog_event_at(i);
    if (json) {
      fputs(i ? ",\n{" : "{", o->out);
      fprintf(o->out, "\"id\":%u,\"version\":%u,\"title\":", ev->id, ev->version);
      cli_json_string(o->out, ev->title);
      fprintf(o->out, ",\"task\":%u,\"subcategory\":", ev->subcategory->task);
      cli_json_string(o->out, ev->subcategory->name);
      fprintf(o->out, ",\"outcome\":\"%s\",\"fields\":[",
              ev->outcome == FL_OUTCOME_SUCCESS   ? "success"
              : ev->outcome == FL_OUTCOME_FAILURE ? "failure"
                                                  : "unknown");
      for (size_t f = 0; f < ev->field_count; f++)
        fprintf(o->out, "%s{\"name\":\"%s\",\"type\":\"%s\"}", f ? "," : "",
                ev->fields[f].name, fl_field_type_name(ev->fields[f].type));
      fputs("]}", o->out);
    } else {
      fprintf(o->out, "%5u v%u  %-33s %2zu fields  %s\n", ev->id, ev->version,
              ev->subcategory->name, ev->field_count, ev->title);
    }
  }
  if (json) fputs("]\n", o->out);
}

static void list_inserts(const explain_out *o) {
  int json = o->format == CLI_FORMAT_JSON;
  if (json) fputc('[', o->out);
  for (size_t i = 0; i < fl_catalog_insert_count(); i++) {
    const fl_insert_info *in = fl_catalog_insert_at(i);
    if (json) {
      fprintf(o->out, "%s{\"id\":%" PRIu32 ",\"insert\":\"%%%%%" PRIu32 "\",\"text\":",
              i ? ",\n" : "", in->id, in->id);
      cli_json_string(o->out, in->text);
      fputc('}', o->out);
    } else {
      fprintf(o->out, "%%%%%" PRIu32 "  %s\n", in->id, in->text);
    }
  }
  if (json) fputs("]\n", o->out);
}

static void list_iscsiprt(const explain_out *o) {
  int json = o->format == CLI_FORMAT_JSON;
  if (json) fputc('[', o->out);
  for (size_t i = 0; i < fl_catalog_iscsiprt_count(); i++) {
    const fl_iscsiprt_event *ev = fl_catalog_iscsiprt_at(i);
    if (json) {
      fprintf(o->out, "%s{\"id\":%u,\"message_id\":\"0x%08" PRIX32
              "\",\"severity\":\"%s\",\"text\":", i ? ",\n" : "", ev->id,
              ev->message_id, fl_severity_name(ev->severity));
      cli_json_string(o->out, ev->text);
      fputc('}', o->out);
    } else {
      fprintf(o->out, "%3u  0x%08" PRIX32 "  %-13s %s\n", ev->id,
              ev->message_id, fl_severity_name(ev->severity), ev->text);
    }
  }
  if (json) fputs("]\n", o->out);
}

static void list_enums(const explain_out *o) {
  int json = o->format == CLI_FORMAT_JSON;
  if (json) fputc('[', o->out);
  for (size_t i = 0; i < fl_catalog_enum_value_count(); i++) {
    const fl_enum_value *v = fl_catalog_enum_value_at(i);
    if (json)
      fprintf(o->out, "%s{\"enum\":\"%s\",\"symbol\":\"%s\",\"value\":%" PRId64 "}",
              i ? ",\n" : "", v->enum_name, v->symbol, v->value);
    else
      fprintf(o->out, "%-42s %-46s %" PRId64 "\n", v->enum_name, v->symbol, v->value);
  }
  if (json) fputs("]\n", o->out);
}

static void list_flags(const explain_out *o) {
  int json = o->format == CLI_FORMAT_JSON;
  if (json) fputc('[', o->out);
  for (size_t i = 0; i < fl_catalog_flag_count(); i++) {
    const fl_flag_bit *f = fl_catalog_flag_at(i);
    if (json)
      fprintf(o->out, "%s{\"set\":\"%s\",\"symbol\":\"%s\",\"value\":%" PRIu64 "}",
              i ? ",\n" : "", f->set, f->symbol, f->bit);
    else
      fprintf(o->out, "%-24s %-48s 0x%08" PRIX64 "\n", f->set, f->symbol, f->bit);
  }
  if (json) fputs("]\n", o->out);
}

int explain_list(const explain_out *o, const char *kind) {
  static const struct {
    const char *name;
    void (*fn)(const explain_out *);
  } kinds[] = {{"codes", list_codes},   {"events", list_events},
               {"inserts", list_inserts}, {"iscsi-events", list_iscsiprt},
               {"enums", list_enums},   {"flags", list_flags}};
  for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
    if (strcmp(kind, kinds[i].name) == 0) {
      kinds[i].fn(o);
      return 0;
    }
  return -1;
}
