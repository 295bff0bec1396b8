/*
** faultline prune: retention. Removes the stored events older than a
** duration (--older-than 30d): SQLite deletes the rows, ClickHouse drops
** whole day partitions that end before the cut (on every node the URL
** names), which ClickHouse 18.16 does at once whatever their size.
**
** Must never: remove an event at or after the cut, run without
** --older-than (no default retention: deleting is the user's decision), or
** decide how a backend removes rows (lib/store does).
*/
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_opts.h"

enum { P_DB = 1, P_STORE, P_OLDER, P_QUIET };

static const cli_opt prune_opts[] = {
    CLI_OPT_DB(P_DB),
    {P_STORE, "store", 0, CLI_VALUE, "URL", CLI_OPT_STORE_HELP},
    {P_OLDER, "older-than", 0, CLI_VALUE, "AGE", "remove events older than AGE: 30d, 12h, 2w\n(required)"},
    CLI_OPT_QUIET(P_QUIET, "no summary line"),
    CLI_OPT_HELP,
    {0, NULL, 0, 0, NULL, NULL}};

const cli_spec cmd_prune_spec = {
    "prune", "--older-than AGE [options]",
    "Remove the events older than AGE from the store. SQLite deletes those\n"
    "rows; ClickHouse drops the day partitions wholly before the cut (the\n"
    "cut's own day stays until the next day's prune).",
    prune_opts, "exit: 0 ok, 2 usage, 3 the store is unusable", 0};

typedef struct prune_args {
  const char *db, *store;
  int has_cut, quiet;
  uint64_t cut;
} prune_args;

static int prune_opt(int id, const char *val, void *user) {
  prune_args *a = user;
  switch (id) {
    case P_DB: a->db = val; break;
    case P_QUIET: a->quiet = 1; break;
    case P_STORE:
      return cli_store_option("prune", val, &a->db, &a->store);
    case P_OLDER: {
      char rel[64];
      if (strlen(val) + 2 > sizeof rel || val[0] == '-' ||
          (snprintf(rel, sizeof rel, "-%s", val),
           cli_parse_time(rel, cli_now_filetime(), &a->cut)))
        return cli_usage_error("prune", "--older-than wants an age like 30d, 12h or 2w (got '%s')", val);
      a->has_cut = 1;
      break;
    }
    default: break;
  }
  return 0;
}

int cmd_prune(int argc, char **argv) {
  prune_args a;
  memset(&a, 0, sizeof a);
  int first = 0, rc = cli_parse(&cmd_prune_spec, argc, argv, prune_opt, &a, &first);
  if (rc >= 0) return rc;
  if (first < argc) return cli_usage_error("prune", "takes no inputs");
  if (!a.has_cut) return cli_usage_error("prune", "--older-than is required (e.g. --older-than 30d)");
  const char *spec = a.store ? a.store : cli_db_path(a.db, NULL);
  if (!a.store && !cli_db_exists(spec)) {
    fprintf(stderr, "faultline prune: no database at ");
    cli_term_name(stderr, spec);
    fputc('\n', stderr);
    return FL_EXIT_INPUT;
  }
  fl_store_backend *b = NULL;
  rc = cli_store_open("prune", spec, 0, 0, &b);
  if (rc != FL_EXIT_OK) return rc;
  fl_error err;
  fl_error_clear(&err);
  uint64_t removed = 0;
  fl_status st = fl_store_backend_prune(b, a.cut, &removed, &err);
  if (st != FL_OK) {
    cli_print_error("prune", &err);
    rc = FL_EXIT_INPUT;
  } else if (!a.quiet) {
    int sqlite = fl_store_backend_sqlite(b) != NULL;
    printf("%llu %s removed\n", (unsigned long long)removed,
           sqlite ? "events" : "day partitions");
  }
  fl_store_backend_close(b);
  return rc;
}
