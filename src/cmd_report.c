/*
** faultline report: diagnose what the database holds (from earlier
** `diagnose` or `ingest` runs) without reading any log: the stored events
** are turned back into typed events and go through the same diagnosis and
** the same reports as `diagnose`.
**
** Must never write to the database (it is opened read-only).
*/
#include <string.h>

#include "cli.h"
#include "diag_cli.h"

static int add_event(const fl_typed_event *t, const char *file, void *user) {
  return fl_diag_add(user, t, file, NULL) == FL_OK ? 0 : 1;
}

static int add_source(const char *path, uint64_t records, uint64_t skipped,
                      uint64_t in_scope, void *user) {
  return fl_diag_note_source(user, path, "store", records, skipped, in_scope, NULL) == FL_OK ? 0 : 1;
}

int cmd_report(int argc, char **argv) {
  diag_cli_opts o;
  int rc = diag_cli_parse("report", argc, argv, &o);
  if (rc >= 0) return rc;
  fl_error err;
  fl_error_clear(&err);
  fl_store *store = NULL;
  fl_diag *diag = NULL;
  int exit_code = FL_EXIT_INPUT;
  fl_status st = fl_store_open(o.db, FL_STORE_READONLY, &store, &err);
  if (st != FL_OK) {
    cli_print_error("report", &err);
    return FL_EXIT_INPUT;
  }
  uint64_t rows = 0;
  static fl_store_filter window; /* --since/--until; the rest is per finding */
  memset(&window, 0, sizeof window);
  window.has_since = o.has_since;
  window.since = o.since;
  window.has_until = o.has_until;
  window.until = o.until;
  if (fl_diag_new(NULL, &diag, &err) == FL_OK &&
      fl_store_each_source(store, add_source, diag, &err) == FL_OK &&
      fl_store_each_typed(store, &window, add_event, diag, &rows, &err) == FL_OK)
    exit_code = diag_cli_report("report", diag, &o);
  else
    cli_print_error("report", &err);
  fl_diag_free(diag);
  fl_store_close(store);
  return exit_code;
}
