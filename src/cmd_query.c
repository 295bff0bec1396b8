/*
** faultline query: print stored events filtered by time, host, peer, event
** id, error code, kind and source, as a table, JSON lines or CSV.
**
** Must never: open the database for writing, put an option's value into
** SQL text (lib/store binds it), or print event text unescaped.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void query_help(void) {
  printf(
      "usage: faultline query [options]\n\n"
      "Print events from the store, oldest first.\n\n"
      "options:\n"
      "  --db PATH          database (default $FAULTLINE_DB, else "
      "./faultline.db)\n"
      "  --since TIME       at or after TIME (UTC: 2024-05-01 or "
      "2024-05-01T12:30:00Z,\n"
      "                     or relative to now: -7d, -12h, -30m)\n"
      "  --until TIME       before TIME\n"
      "  --host NAME        this computer (case-insensitive)\n"
      "  --peer ADDRESS     this remote address\n"
      "  --event LIST       these event ids (e.g. 4653,4654)\n"
      "  --code CODE        this error code (13801, 0x35E9 or "
      "ERROR_IPSEC_IKE_AUTH_FAIL)\n"
      "  --kind KIND        mm_failure, qm_failure, iscsi_error, ... "
      "(event_kinds.def)\n"
      "  --type SOURCE      security, iscsiprt, wfp or iscsi_wmi\n"
      "  --failures         only failure events\n"
      "  --limit N          at most N rows\n"
      "  --format F         text (default; long cells cut), jsonl or csv (all "
      "columns),\n"
      "                     timeline (CSV for Timesketch / Timeline Explorer:\n"
      "                     datetime, timestamp_desc, message, ...) or ecs\n"
      "                     (Elastic Common Schema JSON lines)\n"
      "  -h, --help         this help\n\n"
      "exit: 0 ok, 2 usage, 3 no database or it is unusable\n");
}

static int parse_code(const char *s, uint32_t *out) {
  const fl_code_info *c = fl_catalog_code_by_symbol(s);
  if (c) {
    *out = c->value;
    return 0;
  }
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 0);
  if (errno || end == s || *end || v > 0xffffffffULL || s[0] == '-') return -1;
  *out = (uint32_t)v;
  return 0;
}

static int parse_ids(const char *s, fl_store_filter *f) {
  const char *p = s;
  while (*p) {
    char *end;
    errno = 0;
    unsigned long v = strtoul(p, &end, 10);
    if (end == p || errno || v > 0xffffffffUL || (*end && *end != ',') ||
        f->event_id_count >= FL_STORE_MAX_IDS || *p == '-')
      return -1;
    f->event_ids[f->event_id_count++] = (uint32_t)v;
    p = *end ? end + 1 : end;
  }
  return f->event_id_count ? 0 : -1;
}

static int known_kind(const char *k) {
  for (int i = 0; i < FL_KIND_COUNT_; i++)
    if (!strcmp(k, fl_event_kind_name((fl_event_kind)i))) return 1;
  return 0;
}

static int known_source(const char *k) {
  for (int i = 1; i < FL_SOURCE_COUNT_; i++)
    if (!strcmp(k, fl_event_source_name((fl_event_source)i))) return 1;
  return 0;
}

static int query_value(const char *a, const char *val, fl_store_filter *f,
                       const char **db, cli_format *fmt) {
  if (!strcmp(a, "--db")) *db = val;
  else if (!strcmp(a, "--since") || !strcmp(a, "--until")) {
    int since = !strcmp(a, "--since");
    if (cli_parse_time(val, cli_now_filetime(), since ? &f->since : &f->until))
      return cli_usage_error("query", "%s wants an " CLI_TIME_HELP " (got '%s')",
                             a, val);
    *(since ? &f->has_since : &f->has_until) = 1;
  } else if (!strcmp(a, "--host")) f->host = val;
  else if (!strcmp(a, "--peer")) f->peer = val;
  else if (!strcmp(a, "--event")) {
    if (parse_ids(val, f))
      return cli_usage_error("query", "--event wants ids like 4653,4654 "
                             "(got '%s')", val);
  } else if (!strcmp(a, "--code")) {
    if (parse_code(val, &f->code))
      return cli_usage_error("query", "--code wants a number or a symbol "
                             "(got '%s')", val);
    f->has_code = 1;
  } else if (!strcmp(a, "--kind")) {
    if (!known_kind(val))
      return cli_usage_error("query", "unknown kind '%s'", val);
    f->kind = val;
  } else if (!strcmp(a, "--type")) {
    if (!known_source(val))
      return cli_usage_error("query", "--type must be security, iscsiprt, wfp"
                             " or iscsi_wmi (got '%s')", val);
    f->source = val;
  } else if (!strcmp(a, "--limit")) {
    char *end;
    errno = 0;
    unsigned long long n = strtoull(val, &end, 10);
    if (errno || end == val || *end || val[0] == '-')
      return cli_usage_error("query", "--limit wants a number (got '%s')", val);
    f->limit = n;
  } else if (!strcmp(a, "--format")) {
    if (cli_parse_format("query", val, (1u << CLI_FORMAT_TEXT) |
                         (1u << CLI_FORMAT_JSONL) | (1u << CLI_FORMAT_CSV) |
                         (1u << CLI_FORMAT_TIMELINE) | (1u << CLI_FORMAT_ECS), fmt))
      return FL_EXIT_USAGE;
  } else {
    return -1;
  }
  return 0;
}

/* --format -> the store's row writer (only the allowed ones are reached). */
static const fl_store_format store_format[] = {
    [CLI_FORMAT_TEXT] = FL_STORE_TEXT,   [CLI_FORMAT_JSONL] = FL_STORE_JSONL,
    [CLI_FORMAT_CSV] = FL_STORE_CSV,     [CLI_FORMAT_TIMELINE] = FL_STORE_TIMELINE,
    [CLI_FORMAT_ECS] = FL_STORE_ECS,     [CLI_FORMAT_JSON] = FL_STORE_JSONL,
    [CLI_FORMAT_XML] = FL_STORE_TEXT};

int cmd_query(int argc, char **argv) {
  static fl_store_filter f;
  memset(&f, 0, sizeof f);
  const char *db = NULL;
  cli_format fmt = CLI_FORMAT_TEXT;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (cli_is_help(a)) {
      query_help();
      return FL_EXIT_OK;
    }
    if (!strcmp(a, "--failures")) {
      f.failures_only = 1;
      continue;
    }
    if (a[0] != '-') return cli_usage_error("query", "unexpected '%s'", a);
    if (i + 1 >= argc) return cli_usage_error("query", "%s needs a value "
                                             "(or is unknown)", a);
    int r = query_value(a, argv[i + 1], &f, &db, &fmt);
    if (r == -1) return cli_usage_error("query", "unknown option '%s'", a);
    if (r) return r;
    i++;
  }
  db = cli_db_path(db, NULL);
  fl_error err;
  fl_error_clear(&err);
  fl_store *s = NULL;
  fl_status st = fl_store_open(db, FL_STORE_READONLY, &s, &err);
  if (st == FL_OK)
    st = fl_store_query(s, &f, store_format[fmt], stdout, NULL, &err);
  fl_store_close(s);
  if (st == FL_OK) return FL_EXIT_OK;
  char msg[700];
  fl_error_format(&err, msg, sizeof msg);
  fprintf(stderr, "faultline query: ");
  cli_term_string(stderr, msg);
  fputc('\n', stderr);
  return st == FL_EUSAGE ? FL_EXIT_USAGE : FL_EXIT_INPUT;
}
