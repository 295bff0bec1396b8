/*
** faultline diagnose: read the inputs once through the ingest pipeline into
** the database (idempotently: a re-run stores nothing twice) and into a
** temporary database of this run's events, then diagnose those in time
** order exactly as `faultline report` diagnoses a database
** (diag_cli_from_store): episodes with a cause, what to check and the
** evidence, as a terminal report, JSON, CSV and/or a self-contained HTML
** page. With --no-db only the temporary database is written (deleted when
** faultline exits), so memory stays bounded whatever the input size.
**
** Must never: decide a cause (lib/diag does), print event text unescaped
** (lib/report does the escaping), or exit 0 when something was skipped.
*/
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "diag_cli.h"
#include "progress.h"

typedef struct diag_run {
  progress bar;             /* bytes read over all inputs */
  uint64_t in_scope_all;    /* events of the inputs done */
} diag_run;

static void on_diag(const fl_evtx_diag *d, void *user) {
  diag_run *r = user;
  progress_end(&r->bar);
  cli_print_diag(d);
}

static int on_progress(const fl_pipeline_progress *p, void *user) {
  diag_run *r = user;
  progress_at(&r->bar, p->bytes_done, p->bytes_total, r->in_scope_all + p->in_scope);
  return 0;
}

/* The database(s) the inputs go to: the user's (unless --no-db) and this
** run's temporary one, which the diagnosis reads. */
typedef struct diag_stores {
  fl_store *db, *run;
  fl_pipeline_store db_sink, run_sink;
} diag_stores;

static int open_stores(diag_stores *ds, const diag_cli_opts *o) {
  fl_error err;
  fl_error_clear(&err);
  int existed = o->no_db || cli_db_exists(o->db);
  if (!o->no_db && fl_store_open(o->db, 0, &ds->db, &err) != FL_OK) {
    cli_print_error("diagnose", &err);
    return FL_EXIT_INPUT;
  }
  cli_db_created("diagnose", o->db, existed, o->db_default, 0);
  if (fl_store_open(NULL, FL_STORE_TEMPORARY, &ds->run, &err) != FL_OK) {
    cli_print_error("diagnose", &err);
    return FL_EXIT_INPUT;
  }
  ds->db_sink.store = ds->db;
  ds->run_sink.store = ds->run;
  return FL_EXIT_OK;
}

static fl_pipeline *make_pipeline(diag_stores *ds, diag_run *r,
                                  const diag_cli_opts *o) {
  fl_pipeline_options po;
  memset(&po, 0, sizeof po);
  po.reader_flags = o->reader_flags;
  po.threads = 1;
  po.on_diag = on_diag;
  po.on_progress = on_progress;
  po.user = r;
  fl_error err;
  fl_error_clear(&err);
  fl_pipeline *p = NULL;
  fl_pipeline_sink db = fl_pipeline_store_sink(&ds->db_sink);
  fl_pipeline_sink run = fl_pipeline_store_sink(&ds->run_sink);
  if (fl_pipeline_new(&po, &p, &err) != FL_OK ||
      (ds->db && fl_pipeline_add_sink(p, &db, &err) != FL_OK) ||
      fl_pipeline_add_sink(p, &run, &err) != FL_OK) {
    cli_print_error("diagnose", &err);
    fl_pipeline_free(p);
    return NULL;
  }
  return p;
}

/* Reads every input; *partial / *unusable say how it went. */
static void read_inputs(fl_pipeline *p, diag_run *r, char **paths,
                        int *partial, int *unusable) {
  for (char **path = paths; *path; path++) {
    progress_input(&r->bar, (size_t)(path - paths));
    fl_error err;
    fl_error_clear(&err);
    fl_pipeline_stats stats;
    fl_status st = fl_pipeline_read(p, *path, &stats, &err);
    r->in_scope_all += stats.in_scope;
    progress_end(&r->bar); /* messages below start on a clean line */
    if (st == FL_EPARTIAL) {
      *partial = 1;
    } else if (st != FL_OK) {
      cli_print_error("diagnose", &err);
      *unusable = 1;
    }
  }
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
  diag_stores ds;
  memset(&ds, 0, sizeof ds);
  int exit_code = open_stores(&ds, &o), partial = cli_paths_skipped() > 0, unusable = 0;
  fl_pipeline *p = exit_code == FL_EXIT_OK ? make_pipeline(&ds, &r, &o) : NULL;
  if (exit_code == FL_EXIT_OK && !p) exit_code = FL_EXIT_INPUT;
  if (p) {
    size_t npaths = 0;
    while (paths[npaths]) npaths++;
    progress_init(&r.bar, o.quiet);
    progress_inputs(&r.bar, paths, npaths, "events");
    read_inputs(p, &r, paths, &partial, &unusable);
    progress_end(&r.bar);
    fl_pipeline_free(p);
  }
  /* an input that could not be read at all: no report (its "no findings"
  ** and audit-policy advice would be about logs never seen) */
  if (exit_code == FL_EXIT_OK && !unusable)
    exit_code = diag_cli_from_store("diagnose", ds.run, &o);
  if (exit_code == FL_EXIT_OK && partial) exit_code = FL_EXIT_FINDINGS;
  if (unusable && exit_code != FL_EXIT_USAGE) exit_code = FL_EXIT_INPUT;
  fl_store_close(ds.run);
  fl_store_close(ds.db);
  cli_free_paths(paths);
  return exit_code;
}
