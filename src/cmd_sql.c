/*
** faultline sql: run one read-only SELECT against the store and print its
** rows as a table, JSON lines or CSV. For questions `query` cannot ask.
**
** Must never: open the database for writing or run a statement lib/store
** has not accepted as read-only (writes, ATTACH, PRAGMA changes and
** transactions are refused with exit 2).
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_opts.h"

enum { S_DB = 1, S_STORE, S_FORMAT, S_LIMIT, S_TIMEOUT };

static const cli_opt sql_opts[] = {
    CLI_OPT_DB(S_DB),
    {S_STORE, "store", 0, CLI_VALUE, "URL", CLI_OPT_STORE_HELP},
    {S_FORMAT, "format", 0, CLI_VALUE, "text|jsonl|csv", "output form (default text)"},
    {S_LIMIT, "limit", 0, CLI_VALUE, "N", "at most N rows"},
    {S_TIMEOUT, "timeout", 0, CLI_VALUE, "SECONDS",
     "stop the statement after SECONDS (fractions allowed; default none)"},
    CLI_OPT_HELP,
    {0, NULL, 0, 0, NULL, NULL}};

const cli_spec cmd_sql_spec = {
    "sql", "[options] \"SELECT ...\"",
    "Run one read-only SELECT on the store (opened read-only; anything that\n"
    "writes, attaches or changes settings is refused). Tables: events,\n"
    "sources, layouts, schema_version; views events_view (names instead of\n"
    "numbers) and events_json (id, json: each event's whole record).\n"
    "Functions: fl_time(filetime[, digits]), fl_code(code), fl_enum(enum_name,\n"
    "value), fl_cause(source, event_id, code, iscsi_failure_type).\n"
    "Functions that hand out pointers or build huge values (fts3_tokenizer,\n"
    "load_extension, zeroblob, ...) are refused. See docs/store.md.\n"
    "With --store clickhouse://...: ClickHouse's SQL over the store's\n"
    "database (events, sources), run read-only by ClickHouse; for\n"
    "fleet-wide aggregates. See docs/deployment.md.",
    sql_opts,
    "exit: 0 ok, 1 stopped by --timeout, 2 usage or a refused statement,\n"
    "3 no database or it is unusable", 0};

typedef struct sql_args {
  const char *db, *store; /* store: a backend URL (--store) */
  cli_format fmt;
  unsigned long long limit;
  uint64_t timeout_ms;
} sql_args;

static int sql_opt(int id, const char *val, void *user) {
  sql_args *a = user;
  switch (id) {
    case S_DB: a->db = val; break;
    case S_STORE:
      return cli_store_option("sql", val, &a->db, &a->store);
    case S_FORMAT:
      return cli_parse_format("sql", val, (1u << CLI_FORMAT_TEXT) | (1u << CLI_FORMAT_JSONL) |
                              (1u << CLI_FORMAT_CSV), &a->fmt) ? FL_EXIT_USAGE : 0;
    case S_LIMIT: return cli_parse_u64("sql", "--limit", val, ~0ULL, &a->limit);
    case S_TIMEOUT: {
      char *end = NULL;
      errno = 0;
      double secs = strtod(val, &end);
      if (errno || end == val || *end || !(secs > 0) || secs > 1e6)
        return cli_usage_error("sql", "--timeout wants seconds (> 0)");
      a->timeout_ms = (uint64_t)(secs * 1000.0 + 0.5);
      if (!a->timeout_ms) a->timeout_ms = 1;
      return 0;
    }
    default: break;
  }
  return 0;
}

int cmd_sql(int argc, char **argv) {
  sql_args a = {NULL, NULL, CLI_FORMAT_TEXT, 0, 0};
  int first = 0, rc = cli_parse(&cmd_sql_spec, argc, argv, sql_opt, &a, &first);
  if (rc >= 0) return rc;
  if (argc - first > 1) return cli_usage_error("sql", "give the statement as one argument");
  const char *sql = first < argc ? argv[first] : NULL;
  if (!sql || !*sql) return cli_usage_error("sql", "no statement given");
  fl_store_format fmt = a.fmt == CLI_FORMAT_CSV     ? FL_STORE_CSV
                        : a.fmt == CLI_FORMAT_JSONL ? FL_STORE_JSONL
                                                    : FL_STORE_TEXT;
  fl_store_backend *b = NULL;
  rc = cli_store_open("sql", a.store ? a.store : cli_db_path(a.db, NULL), FL_STORE_READONLY, 0,
                      &b);
  if (rc != FL_EXIT_OK) return rc;
  fl_error err;
  fl_error_clear(&err);
  fl_status st = fl_store_backend_sql(b, sql, fmt, a.limit, a.timeout_ms, stdout, NULL, &err);
  fl_store_backend_close(b);
  if (st == FL_OK) return FL_EXIT_OK;
  cli_print_error("sql", &err);
  return st == FL_EUSAGE   ? FL_EXIT_USAGE
         : st == FL_ELIMIT ? FL_EXIT_FINDINGS
                           : FL_EXIT_INPUT;
}
