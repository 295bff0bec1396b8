/*
** `faultline explain`: say what a code, event id, %%NNNN insert, iSCSI event
** or SDK enum symbol means, from the catalog alone (no input files).
** This file decides what the user asked for; explain_render.c prints it.
** It must never carry a fact of its own: every text comes from lib/catalog.
*/
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli_opts.h"
#include "explain_render.h"

enum { E_FORMAT = 1, E_LIST };

static const cli_opt explain_opts[] = {
    {E_FORMAT, "format", 0, CLI_VALUE, "text|json", "output format (default text)"},
    {E_LIST, "list", 0, CLI_VALUE, "codes|events|inserts|iscsi-events|enums|flags",
     "list every known item of that kind"},
    CLI_OPT_HELP,
    {0, NULL, 0, 0, NULL, NULL}};

const cli_spec cmd_explain_spec = {
    "explain", "[--format text|json] WHAT\n"
    "       faultline explain --list codes|events|inserts|iscsi-events|enums|flags",
    "WHAT is one of:\n"
    "  13801, 0x35E9, 0x800735E9     an error code (Win32, HRESULT, NTSTATUS,\n"
    "                                iSCSI status), decimal or hex\n"
    "  ERROR_IPSEC_IKE_AUTH_FAIL     a code or SDK enum symbol\n"
    "  event 4653                    a Security audit event (fields, auditpol)\n"
    "  %%8199                        a %%NNNN parameter string\n"
    "  iscsi-event 17                an iScsiPrt System-log event",
    explain_opts, "exit codes: 0 explained, 2 usage error, 3 unknown item", 1};

/* Parses decimal, 0x-hex or a negative 32-bit decimal (NTSTATUS as signed). */
static int parse_number(const char *s, uint32_t *out) {
  if (!s || !*s) return -1;
  char *end = NULL;
  errno = 0;
  if (s[0] == '-') {
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < INT32_MIN) return -1;
    *out = (uint32_t)(int32_t)v;
    return 0;
  }
  int base = (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10;
  if (base == 10 && (s[0] < '0' || s[0] > '9')) return -1;
  unsigned long long v = strtoull(s, &end, base);
  if (errno || *end || end == s || v > UINT32_MAX) return -1;
  *out = (uint32_t)v;
  return 0;
}

static int unknown(const char *what, const char *word) {
  fprintf(stderr, "faultline explain: unknown %s '", what);
  cli_term_string(stderr, word);
  fputc('\'', stderr);
  const char *hint = fl_catalog_suggest(word);
  if (hint) fprintf(stderr, "; did you mean %s?", hint);
  fputs("\n(faultline explain --list codes|events|inserts|iscsi-events lists "
        "what is known)\n", stderr);
  return FL_EXIT_INPUT;
}

static int explain_event_id(const explain_out *o, const char *arg) {
  uint32_t id;
  if (parse_number(arg, &id) != 0 || id > 0xFFFF)
    return cli_usage_error("explain", "event needs a numeric id, got '%s'", arg);
  const fl_event_def *ev = fl_catalog_event((uint16_t)id, -1);
  if (!ev) {
    const char *why = fl_catalog_event_not_in_scope((uint16_t)id);
    if (why) {
      fprintf(stderr, "faultline explain: event %u is not an IPsec event: %s\n",
              id, why);
      return FL_EXIT_INPUT;
    }
    return unknown("event id", arg);
  }
  /* Every version: 4654, 5451 and 5452 have v0 and v1. Text shows each in
  ** turn; JSON stays one document (the newest, with the others inside). */
  if (o->format == CLI_FORMAT_JSON) {
    explain_event(o, ev);
    return FL_EXIT_OK;
  }
  for (size_t i = 0; i < fl_catalog_event_count(); i++) {
    const fl_event_def *e = fl_catalog_event_at(i);
    if (e->id != id) continue;
    if (e != fl_catalog_event_at(0) && fl_catalog_event_at(i - 1)->id == id)
      fputc('\n', o->out);
    explain_event(o, e);
  }
  return FL_EXIT_OK;
}

static int explain_iscsi_event(const explain_out *o, const char *arg) {
  uint32_t id;
  if (parse_number(arg, &id) != 0 || id > 0xFFFF)
    return cli_usage_error("explain", "iscsi-event needs a numeric id, got '%s'", arg);
  const fl_iscsiprt_event *ev = fl_catalog_iscsiprt((uint16_t)id);
  if (!ev) return unknown("iScsiPrt event id", arg);
  explain_iscsiprt(o, ev);
  return FL_EXIT_OK;
}

static int explain_word(const explain_out *o, const char *arg) {
  uint32_t n;
  if (arg[0] == '%' && arg[1] == '%') {
    if (parse_number(arg + 2, &n) != 0) return unknown("insert", arg);
    const fl_insert_info *in = fl_catalog_insert(n);
    if (!in) return unknown("insert", arg);
    explain_insert(o, in);
    return FL_EXIT_OK;
  }
  if (parse_number(arg, &n) == 0) {
    const fl_code_info *c = fl_catalog_code_by_value(n);
    if (c) { explain_code(o, c); return FL_EXIT_OK; }
    if (n <= 0xFFFF && fl_catalog_event((uint16_t)n, -1))
      return explain_event_id(o, arg);
    if (fl_catalog_insert(n)) { explain_insert(o, fl_catalog_insert(n)); return FL_EXIT_OK; }
    return unknown("code", arg);
  }
  const fl_code_info *c = fl_catalog_code_by_symbol(arg);
  if (c) { explain_code(o, c); return FL_EXIT_OK; }
  for (size_t i = 0; i < fl_catalog_enum_value_count(); i++) {
    const fl_enum_value *v = fl_catalog_enum_value_at(i);
    if (strcmp(v->symbol, arg) == 0) { explain_enum_value(o, v); return FL_EXIT_OK; }
  }
  return unknown("name", arg);
}

typedef struct explain_args {
  explain_out *o;
  const char *list;
} explain_args;

static int explain_opt(int id, const char *val, void *user) {
  explain_args *a = user;
  if (id == E_LIST) a->list = val;
  else if (id == E_FORMAT &&
           cli_parse_format("explain", val, (1u << CLI_FORMAT_TEXT) | (1u << CLI_FORMAT_JSON),
                            &a->o->format) != 0)
    return FL_EXIT_USAGE;
  return 0;
}

int cmd_explain(int argc, char **argv) {
  explain_out o = {stdout, CLI_FORMAT_TEXT, 0};
  explain_args args = {&o, NULL};
  int first = 0, rc = cli_parse(&cmd_explain_spec, argc, argv, explain_opt, &args, &first);
  if (rc >= 0) return rc;
  const char *list = args.list;
  const char *const *pos = (const char *const *)argv + first;
  int npos = argc - first;
  if (npos > 3) return cli_usage_error("explain", "too many arguments");
  o.colour = o.format == CLI_FORMAT_TEXT && cli_use_colour(stdout);
  if (list) {
    if (npos) return cli_usage_error("explain", "--list takes no other argument");
    if (explain_list(&o, list) != 0)
      return cli_usage_error("explain", "--list takes codes|events|inserts|iscsi-events|enums|flags, not '%s'", list);
    return FL_EXIT_OK;
  }
  if (npos == 0) return cli_usage_error("explain", "nothing to explain");
  if (strcmp(pos[0], "event") == 0 || strcmp(pos[0], "iscsi-event") == 0) {
    if (npos != 2) return cli_usage_error("explain", "%s needs exactly one id", pos[0]);
    return pos[0][0] == 'e' ? explain_event_id(&o, pos[1]) : explain_iscsi_event(&o, pos[1]);
  }
  if (npos != 1) return cli_usage_error("explain", "one item at a time (got %d)", npos);
  if (!pos[0][0]) return cli_usage_error("explain", "empty argument");
  return explain_word(&o, pos[0]);
}
