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
#include "cli_opts.h"

enum { Q_DB = 1, Q_STORE, Q_SINCE, Q_UNTIL, Q_HOST, Q_PEER, Q_EVENT, Q_CODE, Q_KIND,
       Q_TYPE, Q_FAILURES, Q_LIMIT, Q_FORMAT };

static const cli_opt query_opts[] = {
    CLI_OPT_DB(Q_DB),
    {Q_STORE, "store", 0, CLI_VALUE, "URL", CLI_OPT_STORE_HELP},
    {Q_SINCE, "since", 0, CLI_VALUE, "TIME", "at or after TIME: 2024-05-01, 2024-05-01T12:30:00Z,\n-7d, -12h, -30m (UTC; relative to now)"},
    {Q_UNTIL, "until", 0, CLI_VALUE, "TIME", "before TIME (same forms)"},
    {Q_HOST, "host", 0, CLI_VALUE, "NAME", "this computer (case-insensitive)"},
    {Q_PEER, "peer", 0, CLI_VALUE, "ADDRESS", "this remote address"},
    {Q_EVENT, "event", 0, CLI_VALUE, "LIST", "these event ids (e.g. 4653,4654)"},
    {Q_CODE, "code", 0, CLI_VALUE, "CODE", "this error code: 13801, 0x35E9 or\nERROR_IPSEC_IKE_AUTH_FAIL"},
    {Q_KIND, "kind", 0, CLI_VALUE, "KIND", "mm_failure, qm_failure, iscsi_error, ...\n(event_kinds.def)"},
    {Q_TYPE, "type", 0, CLI_VALUE, "security|iscsiprt|wfp|iscsi_wmi", "events of this source"},
    {Q_FAILURES, "failures", 0, CLI_FLAG, NULL, "only failure events"},
    {Q_LIMIT, "limit", 0, CLI_VALUE, "N", "at most N rows"},
    {Q_FORMAT, "format", 0, CLI_VALUE, "text|jsonl|csv|timeline|ecs",
     "text (default; long cells cut); jsonl or csv (all\n"
     "columns); timeline: CSV for Timesketch / Timeline\n"
     "Explorer (datetime, timestamp_desc, message, ...);\n"
     "ecs: Elastic Common Schema JSON lines"},
    CLI_OPT_HELP,
    {0, NULL, 0, 0, NULL, NULL}};

const cli_spec cmd_query_spec = {
    "query", "[options]", "Print events from the store, oldest first.", query_opts,
    "exit: 0 ok, 2 usage, 3 no database or it is unusable", 0};

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

typedef struct query_args {
  fl_store_filter *f;
  const char *db, *store; /* store: a backend URL (--store) */
  cli_format fmt;
} query_args;

static int query_opt(int id, const char *val, void *user) {
  query_args *q = user;
  fl_store_filter *f = q->f;
  unsigned long long n;
  switch (id) {
    case Q_DB: q->db = val; break;
    case Q_STORE:
      return cli_store_option("query", val, &q->db, &q->store);
    case Q_SINCE: case Q_UNTIL: {
      int since = id == Q_SINCE;
      if (cli_parse_time(val, cli_now_filetime(), since ? &f->since : &f->until))
        return cli_usage_error("query", "--%s wants an " CLI_TIME_HELP " (got '%s')",
                               since ? "since" : "until", val);
      *(since ? &f->has_since : &f->has_until) = 1;
      break;
    }
    case Q_HOST: f->host = val; break;
    case Q_PEER: f->peer = val; break;
    case Q_EVENT:
      if (parse_ids(val, f))
        return cli_usage_error("query", "--event wants ids like 4653,4654 (got '%s')", val);
      break;
    case Q_CODE:
      if (parse_code(val, &f->code))
        return cli_usage_error("query", "--code wants a number or a symbol (got '%s')", val);
      f->has_code = 1;
      break;
    case Q_KIND:
      if (!known_kind(val)) return cli_usage_error("query", "unknown kind '%s'", val);
      f->kind = val;
      break;
    case Q_TYPE:
      if (!known_source(val))
        return cli_usage_error("query", "--type must be security, iscsiprt, wfp or "
                               "iscsi_wmi (got '%s')", val);
      f->source = val;
      break;
    case Q_FAILURES: f->failures_only = 1; break;
    case Q_LIMIT:
      if (cli_parse_u64("query", "--limit", val, ~0ULL, &n)) return FL_EXIT_USAGE;
      f->limit = n;
      break;
    case Q_FORMAT:
      if (cli_parse_format("query", val, (1u << CLI_FORMAT_TEXT) |
                           (1u << CLI_FORMAT_JSONL) | (1u << CLI_FORMAT_CSV) |
                           (1u << CLI_FORMAT_TIMELINE) | (1u << CLI_FORMAT_ECS), &q->fmt))
        return FL_EXIT_USAGE;
      break;
    default: break;
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
  query_args q = {&f, NULL, NULL, CLI_FORMAT_TEXT};
  int first = 0, rc = cli_parse(&cmd_query_spec, argc, argv, query_opt, &q, &first);
  if (rc >= 0) return rc;
  if (first < argc) return cli_usage_error("query", "unexpected '%s' (query takes options only)", argv[first]);
  fl_store_backend *b = NULL; /* SQLite (--db, a path) or a URL's backend */
  rc = cli_store_open("query", q.store ? q.store : cli_db_path(q.db, NULL), FL_STORE_READONLY,
                      0, &b);
  if (rc != FL_EXIT_OK) return rc;
  fl_error err;
  fl_error_clear(&err);
  fl_status st = fl_store_backend_query(b, &f, store_format[q.fmt], stdout, NULL, &err);
  fl_store_backend_close(b);
  if (st == FL_OK) return FL_EXIT_OK;
  cli_print_error("query", &err);
  return st == FL_EUSAGE ? FL_EXIT_USAGE : FL_EXIT_INPUT;
}
