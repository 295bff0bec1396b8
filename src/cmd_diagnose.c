/*
** faultline diagnose: read the inputs once through the ingest pipeline into
** the database (idempotently: a re-run stores nothing twice) and diagnose
** this run's events in time order exactly as `faultline report` diagnoses a
** database (diag_cli_from_store): straight from the pipeline while the
** inputs come in time order (diag_direct.c), else read again into a
** temporary database (deleted when faultline exits) and from there:
** episodes with a cause, what to check and the evidence, as a terminal
** report, JSON, CSV and/or a self-contained HTML page. Memory stays
** bounded whatever the input size.
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

/* Where the inputs go: the user's database (unless --no-db) and either the
** engine directly (diag_direct.c, while they come in time order) or this
** run's temporary database, which the diagnosis then reads in time order. */
typedef struct diag_stores {
  fl_store *db, *run;
  fl_store_backend *backend; /* --store URL: instead of db */
  fl_pipeline_store db_sink, run_sink;
  diag_direct *direct;
} diag_stores;

static int open_db(diag_stores *ds, const diag_cli_opts *o) {
  fl_error err;
  fl_error_clear(&err);
  if (o->store && !o->no_db) {
    int rc = cli_store_open("diagnose", o->store, 0, 0, &ds->backend);
    if (rc != FL_EXIT_OK) return rc;
  }
  int existed = o->no_db || o->store || cli_db_exists(o->db);
  if (!o->no_db && !o->store && fl_store_open(o->db, 0, &ds->db, &err) != FL_OK) {
    cli_print_error("diagnose", &err);
    return FL_EXIT_INPUT;
  }
  if (!o->store) cli_db_created("diagnose", o->db, existed, o->db_default, 0);
  ds->db_sink.store = ds->db;
  return FL_EXIT_OK;
}

static int open_run(diag_stores *ds) {
  fl_error err;
  fl_error_clear(&err);
  if (fl_store_open(NULL, FL_STORE_TEMPORARY, &ds->run, &err) != FL_OK) {
    cli_print_error("diagnose", &err);
    return FL_EXIT_INPUT;
  }
  ds->run_sink.store = ds->run;
  return FL_EXIT_OK;
}

/* A pipeline into the database (with_db) and the direct sink or the
** temporary store, whichever is open. quiet_diag: the reader's messages
** were printed by an earlier pass. */
static fl_pipeline *make_pipeline(diag_stores *ds, diag_run *r,
                                  const diag_cli_opts *o, int with_db,
                                  int quiet_diag) {
  fl_pipeline_options po;
  memset(&po, 0, sizeof po);
  po.reader_flags = o->reader_flags;
  po.threads = 1;
  po.on_diag = quiet_diag ? NULL : on_diag;
  po.on_progress = on_progress;
  po.user = r;
  fl_error err;
  fl_error_clear(&err);
  fl_pipeline *p = NULL;
  fl_pipeline_sink db = fl_pipeline_store_sink(&ds->db_sink);
  fl_pipeline_sink run = ds->run ? fl_pipeline_store_sink(&ds->run_sink)
                                 : diag_direct_sink(ds->direct);
  fl_pipeline_sink other;
  memset(&other, 0, sizeof other);
  if (ds->backend) other = fl_store_backend_sink(ds->backend);
  if (fl_pipeline_new(&po, &p, &err) != FL_OK ||
      (with_db && ds->db && fl_pipeline_add_sink(p, &db, &err) != FL_OK) ||
      (with_db && ds->backend && fl_pipeline_add_sink(p, &other, &err) != FL_OK) ||
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

/* One pass over the inputs; 0, or the exit code when no pipeline could
** be made. */
static int read_pass(diag_stores *ds, const diag_cli_opts *o, char **paths,
                     int first, int *partial, int *unusable) {
  diag_run r;
  memset(&r, 0, sizeof r);
  fl_pipeline *p = make_pipeline(ds, &r, o, first, !first);
  if (!p) return FL_EXIT_INPUT;
  size_t npaths = 0;
  while (paths[npaths]) npaths++;
  progress_init(&r.bar, o->quiet);
  progress_inputs(&r.bar, paths, npaths, "events");
  read_inputs(p, &r, paths, partial, unusable);
  progress_end(&r.bar);
  fl_pipeline_free(p);
  return 0;
}

/* Standard input cannot be read twice: it goes to the temporary store. */
static int reads_stdin(char **paths) {
  for (char **p = paths; *p; p++)
    if (strcmp(*p, "-") == 0) return 1;
  return 0;
}

int cmd_diagnose(int argc, char **argv) {
  diag_cli_opts o;
  int rc = diag_cli_parse("diagnose", argc, argv, &o);
  if (rc >= 0) return rc;
  if (o.input_count == 0) return cli_usage_error("diagnose", "no input given");
  char **paths;
  if (cli_expand_paths("diagnose", o.inputs, o.input_count, &paths) != 0) return FL_EXIT_INPUT;
  diag_stores ds;
  memset(&ds, 0, sizeof ds);
  int exit_code = open_db(&ds, &o), partial = cli_paths_skipped() > 0, unusable = 0;
  if (exit_code == FL_EXIT_OK) {
    if (reads_stdin(paths)) exit_code = open_run(&ds);
    else if (!(ds.direct = diag_direct_new(&o))) exit_code = FL_EXIT_INPUT;
  }
  if (exit_code == FL_EXIT_OK)
    exit_code = read_pass(&ds, &o, paths, 1, &partial, &unusable);
  /* out of time order (or a possible duplicate): read again into the
  ** temporary store (the database has them all already) */
  if (exit_code == FL_EXIT_OK && !unusable && ds.direct &&
      diag_direct_fell_back(ds.direct)) {
    int again_partial = 0;
    exit_code = open_run(&ds);
    if (exit_code == FL_EXIT_OK)
      exit_code = read_pass(&ds, &o, paths, 0, &again_partial, &unusable);
  }
  /* an input that could not be read at all: no report (its "no findings"
  ** and audit-policy advice would be about logs never seen) */
  if (exit_code == FL_EXIT_OK && !unusable)
    exit_code = ds.run ? diag_cli_from_store("diagnose", ds.run, &o)
                       : diag_direct_report(ds.direct, "diagnose");
  if (exit_code == FL_EXIT_OK && partial) exit_code = FL_EXIT_FINDINGS;
  if (unusable && exit_code != FL_EXIT_USAGE) exit_code = FL_EXIT_INPUT;
  diag_direct_free(ds.direct);
  fl_store_close(ds.run);
  fl_store_close(ds.db);
  fl_store_backend_close(ds.backend); /* sends what is pending (or spools it) */
  cli_free_paths(paths);
  return exit_code;
}
