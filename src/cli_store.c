/*
** --store for the commands that read or write events (ingest, diagnose,
** report, prune): opening a store backend (faultline/store_backend.h) with
** its notes (spool warnings) printed on stderr, escaped.
**
** Must never: decide which backend a value names (the library's registry
** does), or print a URL's password (errors carry only host names).
*/
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cli_store_is_url(const char *spec) {
  return spec && strcmp(fl_store_backend_kind(spec), "sqlite") != 0;
}

int cli_store_option(const char *cmd, const char *val, const char **db, const char **store) {
  if (!val[0]) return cli_usage_error(cmd, "--store needs a URL or path");
  if (cli_store_is_url(val)) *store = val;
  else *db = val;
  return 0;
}

static void on_note(const char *message, void *user) {
  fprintf(stderr, "faultline %s: ", (const char *)user);
  cli_term_string(stderr, message);
  fputc('\n', stderr);
}

int cli_store_open(const char *cmd, const char *spec, unsigned flags,
                   uint32_t batch_rows, fl_store_backend **out) {
  fl_store_backend_options opt;
  memset(&opt, 0, sizeof opt);
  opt.flags = flags;
  opt.batch_rows = batch_rows;
  opt.on_note = on_note;
  opt.user = (void *)(uintptr_t)cmd;
  fl_error err;
  fl_error_clear(&err);
  fl_status st = fl_store_backend_open(spec, &opt, out, &err);
  if (st == FL_OK) return FL_EXIT_OK;
  cli_print_error(cmd, &err);
  return st == FL_EUSAGE ? FL_EXIT_USAGE : FL_EXIT_INPUT;
}
