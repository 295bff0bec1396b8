/*
** faultline diagnose: read the inputs once, store every in-scope event in
** the database (idempotently: a re-run stores nothing twice) and diagnose
** them: episodes with a cause, what to check and the evidence, as a
** terminal report, JSON, CSV and/or a self-contained HTML page.
** `faultline report` (cmd_report.c) reports from the database alone.
**
** Must never: decide a cause (lib/diag does), print event text unescaped
** (lib/report does the escaping), or exit 0 when something was skipped.
*/
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "diag_cli.h"
#include "progress.h"

typedef struct diag_run {
  fl_store *store;          /* NULL with --no-db */
  fl_diag *diag;
  const diag_cli_opts *opts;
  progress bar;             /* bytes read over all inputs */
  uint64_t in_scope_all;
  const char *path;
  uint64_t in_scope;
  int store_failed;
  fl_error store_err;
} diag_run;

static int on_record(const fl_evtx_event *rec, void *user) {
  diag_run *r = user;
  fl_typed_event t;
  if (!fl_catalog_type_event(rec, &t)) return 0;
  r->in_scope++;
  if (r->store && !r->store_failed) {
    if (fl_store_queue(r->store, rec, &t, &r->store_err) != FL_OK) r->store_failed = 1;
  }
  if (!diag_cli_in_window(r->opts, t.time)) return 0; /* stored, not diagnosed */
  return fl_diag_add(r->diag, &t, r->path, NULL) == FL_OK ? 0 : 1;
}

static void on_diag(const fl_evtx_diag *d, void *user) {
  diag_run *r = user;
  progress_end(&r->bar);
  cli_print_diag(d);
}

static void on_position(uint64_t done, uint64_t total, void *user) {
  diag_run *r = user;
  progress_at(&r->bar, done, total, r->in_scope_all + r->in_scope);
}

/* Reads one input into the store and the diagnosis. Returns the reader's
** status (FL_OK, FL_EPARTIAL, or an error already printed). */
static fl_status diagnose_one(diag_run *r, const char *path, const diag_cli_opts *o) {
  const uint32_t *ids;
  size_t nids = fl_store_scope_ids(&ids);
  fl_evtx_options opt;
  memset(&opt, 0, sizeof opt);
  opt.flags = o->reader_flags;
  opt.threads = 1; /* records feed the store and the diagnosis in order */
  opt.filter.ids = ids;
  opt.filter.id_count = nids;
  opt.on_record = on_record;
  opt.on_diag = on_diag;
  opt.on_progress = on_position;
  opt.user = r;
  r->path = path;
  r->in_scope = 0;
  fl_error err;
  fl_error_clear(&err);
  struct stat st;
  uint64_t size = (strcmp(path, "-") != 0 && stat(path, &st) == 0) ? (uint64_t)st.st_size : 0;
  if (r->store && fl_store_source_begin(r->store, path, size, 0, &err) != FL_OK) {
    cli_print_error("diagnose", &err);
    return FL_EIO;
  }
  fl_evtx_stats stats;
  memset(&stats, 0, sizeof stats);
  fl_status st_read = fl_input_read(path, &opt, &stats, &err);
  r->in_scope_all += r->in_scope;
  progress_end(&r->bar); /* messages below start on a clean line */
  if (st_read != FL_OK && st_read != FL_EPARTIAL) {
    cli_print_error("diagnose", &err);
    return st_read;
  }
  if (r->store && !r->store_failed) {
    fl_store_ingest_stats counts;
    memset(&counts, 0, sizeof counts);
    counts.records = stats.records;
    counts.records_skipped = stats.records_skipped;
    counts.in_scope = r->in_scope;
    counts.warnings = stats.warnings;
    counts.errors = stats.errors;
    counts.bytes = size;
    if (fl_store_source_finish(r->store, NULL, &counts, &err) != FL_OK) {
      cli_print_error("diagnose", &err);
      r->store_failed = 1;
    }
  }
  if (r->store_failed) {
    cli_print_error("diagnose", &r->store_err);
    return FL_EIO;
  }
  fl_diag_note_source(r->diag, path, diag_cli_format_of(path), stats.records,
                      stats.records_skipped, r->in_scope, NULL);
  return st_read;
}

int cmd_diagnose(int argc, char **argv) {
  diag_cli_opts o;
  int rc = diag_cli_parse("diagnose", argc, argv, &o);
  if (rc >= 0) return rc;
  if (o.input_count == 0) return cli_usage_error("diagnose", "no input given");
  char **paths;
  if (cli_expand_paths("diagnose", o.inputs, o.input_count, &paths) != 0) return FL_EXIT_INPUT;
  diag_run r;
  memset(&r, 0, sizeof r);
  fl_error err;
  fl_error_clear(&err);
  int exit_code = FL_EXIT_OK, partial = cli_paths_skipped() > 0, unusable = 0;
  r.opts = &o;
  int existed = o.no_db || cli_db_exists(o.db);
  if (!o.no_db && fl_store_open(o.db, 0, &r.store, &err) != FL_OK) {
    cli_print_error("diagnose", &err);
    cli_free_paths(paths);
    return FL_EXIT_INPUT;
  }
  cli_db_created("diagnose", o.db, existed, o.db_default, 0);
  if (fl_diag_new(NULL, &r.diag, &err) != FL_OK) {
    cli_print_error("diagnose", &err);
    exit_code = FL_EXIT_INPUT;
  }
  size_t npaths = 0;
  while (paths[npaths]) npaths++;
  progress_init(&r.bar, o.quiet);
  progress_inputs(&r.bar, paths, npaths, "events");
  for (char **p = paths; exit_code == FL_EXIT_OK && *p; p++) {
    progress_input(&r.bar, (size_t)(p - paths));
    fl_status st = diagnose_one(&r, *p, &o);
    if (st == FL_EPARTIAL) partial = 1;
    else if (st != FL_OK) unusable = 1;
    if (r.store_failed) exit_code = FL_EXIT_INPUT;
  }
  progress_end(&r.bar);
  /* an input that could not be read at all: no report (its "no findings"
  ** and audit-policy advice would be about logs never seen) */
  if (exit_code == FL_EXIT_OK && !unusable) exit_code = diag_cli_report("diagnose", r.diag, &o);
  if (exit_code == FL_EXIT_OK && partial) exit_code = FL_EXIT_FINDINGS;
  if (unusable && exit_code != FL_EXIT_USAGE) exit_code = FL_EXIT_INPUT;
  fl_diag_free(r.diag);
  fl_store_close(r.store);
  cli_free_paths(paths);
  return exit_code;
}
