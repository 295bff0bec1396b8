/*
** faultline report: diagnose what the database holds (from earlier
** `diagnose` or `ingest` runs) without reading any log: the stored events
** are read back in time order as typed events and go through the same
** diagnosis and the same reports as `diagnose`, which reads its inputs into
** a database first and reports from it the same way (diag_cli_from_store).
**
** Must never write to the database (it is opened read-only).
*/
#include <string.h>

#include "cli.h"
#include "diag_cli.h"

int cmd_report(int argc, char **argv) {
  diag_cli_opts o;
  int rc = diag_cli_parse("report", argc, argv, &o);
  if (rc >= 0) return rc;
  if (o.store) { /* another backend (--store URL), read-only */
    fl_store_backend *b = NULL;
    rc = cli_store_open("report", o.store, FL_STORE_READONLY, 0, &b);
    if (rc != FL_EXIT_OK) return rc;
    int exit_code = diag_cli_from_backend("report", b, &o);
    fl_store_backend_close(b);
    return exit_code;
  }
  fl_error err;
  fl_error_clear(&err);
  fl_store *store = NULL;
  if (fl_store_open(o.db, FL_STORE_READONLY, &store, &err) != FL_OK) {
    cli_print_error("report", &err);
    return FL_EXIT_INPUT;
  }
  int exit_code = diag_cli_from_store("report", store, &o);
  fl_store_close(store);
  return exit_code;
}
