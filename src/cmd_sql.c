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

static void sql_help(void) {
  printf(
      "usage: faultline sql [options] \"SELECT ...\"\n\n"
      "Run one read-only SELECT on the store (opened read-only; anything that\n"
      "writes, attaches or changes settings is refused). Tables: events,\n"
      "sources, layouts, schema_version; views events_view (names instead of\n"
      "numbers) and events_json (id, json: each event's whole record).\n"
      "Functions: fl_time(filetime), fl_code(code), fl_enum(enum_name, value).\n"
      "See docs/store.md.\n\n"
      "options:\n"
      "  --db PATH      database (default $FAULTLINE_DB, else ./faultline.db)\n"
      "  --format F     text (default), jsonl or csv\n"
      "  --limit N      at most N rows\n"
      "  -h, --help     this help\n\n"
      "exit: 0 ok, 2 usage or a refused statement, 3 no database or it is "
      "unusable\n");
}

int cmd_sql(int argc, char **argv) {
  const char *db = NULL, *sql = NULL;
  cli_format fmt = CLI_FORMAT_TEXT;
  uint64_t limit = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
    if (cli_is_help(a)) {
      sql_help();
      return FL_EXIT_OK;
    } else if (!strcmp(a, "--db") || !strcmp(a, "--format") ||
               !strcmp(a, "--limit")) {
      if (!val) return cli_usage_error("sql", "%s needs a value", a);
      i++;
      if (!strcmp(a, "--db")) {
        db = val;
      } else if (!strcmp(a, "--format")) {
        if (cli_parse_format("sql", val, (1u << CLI_FORMAT_TEXT) |
                             (1u << CLI_FORMAT_JSONL) | (1u << CLI_FORMAT_CSV),
                             &fmt))
          return FL_EXIT_USAGE;
      } else {
        char *end;
        errno = 0;
        limit = strtoull(val, &end, 10);
        if (errno || end == val || *end || val[0] == '-')
          return cli_usage_error("sql", "--limit wants a number (got '%s')", val);
      }
    } else if (a[0] == '-' && a[1] == '-' && a[2]) {
      return cli_usage_error("sql", "unknown option '%s'", a);
    } else if (sql) {
      return cli_usage_error("sql", "give the statement as one argument");
    } else {
      sql = a;
    }
  }
  if (!sql || !*sql) return cli_usage_error("sql", "no statement given");
  if (!db) db = getenv("FAULTLINE_DB");
  if (!db || !*db) db = "faultline.db";
  fl_error err;
  fl_error_clear(&err);
  fl_store *s = NULL;
  fl_status st = fl_store_open(db, FL_STORE_READONLY, &s, &err);
  if (st == FL_OK)
    st = fl_store_sql(s, sql, fmt == CLI_FORMAT_CSV ? FL_STORE_CSV
                              : fmt == CLI_FORMAT_JSONL ? FL_STORE_JSONL
                                                        : FL_STORE_TEXT,
                      limit, stdout, NULL, &err);
  fl_store_close(s);
  if (st == FL_OK) return FL_EXIT_OK;
  char msg[700];
  fl_error_format(&err, msg, sizeof msg);
  fprintf(stderr, "faultline sql: ");
  cli_term_string(stderr, msg);
  fputc('\n', stderr);
  return st == FL_EUSAGE ? FL_EXIT_USAGE : FL_EXIT_INPUT;
}
