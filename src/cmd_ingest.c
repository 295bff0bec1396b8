/*
** faultline ingest: read inputs into the SQLite store (--db, FAULTLINE_DB,
** default ./faultline.db), keeping only in-scope events, each once. Prints
** one summary line per input on stdout; progress on a terminal's stderr.
**
** Must never: decide what a record means or how it is stored (lib/store),
** print event text unescaped, or exit 0 when an input was skipped or
** damaged.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_opts.h"
#include "progress.h"

typedef struct ingest_cli {
  const char *db;
  const char *store;      /* --store URL: another backend than SQLite */
  fl_store_backend *backend;
  int quiet;
  fl_pipeline_options opt;
  uint32_t batch_rows;
  fl_pipeline *pipe;
  fl_pipeline_store sink; /* the store: the pipeline's one sink */
  progress bar;
} ingest_cli;

enum { I_DB = 1, I_STORE, I_BATCH, I_THREADS, I_STRICT, I_RECOVER, I_QUIET };

static const cli_opt ingest_opts[] = {
    CLI_OPT_DB(I_DB),
    {I_STORE, "store", 0, CLI_VALUE, "URL", CLI_OPT_STORE_HELP},
    {I_BATCH, "batch", 0, CLI_VALUE, "N", "rows per transaction (default 50000)"},
    {I_THREADS, "threads", 0, CLI_VALUE, "N", "reader threads (default 1; 0 = one per CPU)"},
    {I_STRICT, "strict", 0, CLI_FLAG, NULL, "a CRC mismatch skips the chunk"},
    {I_RECOVER, "recover", 0, CLI_FLAG, NULL, "also carve deleted records from chunk slack"},
    CLI_OPT_QUIET(I_QUIET, "no progress bar, no summary lines"),
    CLI_OPT_HELP,
    {0, NULL, 0, 0, NULL, NULL}};

const cli_spec cmd_ingest_spec = {
    "ingest", "[options] INPUT...",
    "Store the in-scope events of inputs (EVTX, event XML, netsh wfp XML,\n"
    "JSON; gzip too) in a SQLite database. Each event is stored once (host +\n"
    "channel + record id), so ingesting a file again, or an interrupted\n"
    "ingest again, is safe. INPUT '-' reads standard input. With --store\n"
    "clickhouse://... the events go to ClickHouse (kept in a local spool\n"
    "while it is unreachable; without INPUTs the spool is sent).",
    ingest_opts,
    "Schema and queries: docs/store.md, 'faultline query', 'faultline sql'.\n"
    "exit: 0 ok, 1 an input was partly skipped, 2 usage, 3 input or database unusable",
    0};

static int on_progress(const fl_pipeline_progress *p, void *user) {
  ingest_cli *c = user;
  progress_at(&c->bar, p->bytes_done, p->bytes_total, p->in_scope);
  return 0;
}

static void on_diag(const fl_evtx_diag *d, void *user) {
  ingest_cli *c = user;
  if (c->quiet && d->severity == FL_EVTX_WARNING) return;
  progress_end(&c->bar);
  fprintf(stderr, "faultline ingest: ");
  cli_term_string(stderr, d->file);
  fprintf(stderr, ": offset 0x%llx: ", (unsigned long long)d->offset);
  if (d->has_record) fprintf(stderr, "record %llu: ", (unsigned long long)d->record_id);
  fprintf(stderr, "%s: ", d->severity == FL_EVTX_ERROR ? "error" : "warning");
  cli_term_string(stderr, d->message);
  fputc('\n', stderr);
}

static void print_error(const fl_error *err) {
  char msg[700];
  fl_error_format(err, msg, sizeof msg);
  fprintf(stderr, "faultline ingest: ");
  cli_term_string(stderr, msg);
  fputc('\n', stderr);
}

static int ingest_one(const char *path, ingest_cli *c) {
  fl_error err;
  fl_error_clear(&err);
  fl_status r = fl_pipeline_read(c->pipe, path, NULL, &err);
  fl_store_ingest_stats st = c->sink.last;
  if (c->backend) fl_store_backend_last(c->backend, &st);
  progress_end(&c->bar);
  if (r != FL_OK && r != FL_EPARTIAL) {
    print_error(&err);
    return FL_EXIT_INPUT;
  }
  if (!c->quiet && c->backend) {
    cli_term_string(stdout, path);
    printf(": %llu records, %llu in scope, %llu written to %s%s\n",
           (unsigned long long)st.records, (unsigned long long)st.in_scope,
           (unsigned long long)st.inserted, fl_store_backend_name(c->backend),
           st.records_skipped ? ", some records skipped" : "");
  } else if (!c->quiet) {
    cli_term_string(stdout, path);
    printf(": %llu records, %llu in scope, %llu new, %llu already stored%s%s%s\n",
           (unsigned long long)st.records, (unsigned long long)st.in_scope,
           (unsigned long long)st.inserted, (unsigned long long)st.duplicates,
           c->sink.unchanged ? ", unchanged (same path, size, inode and times:"
                               " not read or hashed)" : "",
           st.resumed ? ", resumed" : "",
           st.records_skipped ? ", some records skipped" : "");
  }
  if (r == FL_EPARTIAL) {
    print_error(&err);
    return FL_EXIT_FINDINGS;
  }
  return FL_EXIT_OK;
}

static int ingest_opt(int id, const char *val, void *user) {
  ingest_cli *c = user;
  unsigned long long n;
  switch (id) {
    case I_QUIET: c->quiet = 1; break;
    case I_STRICT: c->opt.reader_flags |= FL_EVTX_STRICT; break;
    case I_RECOVER: c->opt.reader_flags |= FL_EVTX_RECOVER; break;
    case I_DB:
      if (!*val) return cli_usage_error("ingest", "--db needs a path");
      c->db = val;
      break;
    case I_STORE:
      return cli_store_option("ingest", val, &c->db, &c->store);
    case I_BATCH:
      if (cli_parse_u64("ingest", "--batch", val, 10000000, &n)) return FL_EXIT_USAGE;
      if (!n) return cli_usage_error("ingest", "--batch must be at least 1");
      c->batch_rows = (uint32_t)n;
      break;
    case I_THREADS:
      if (cli_parse_u64("ingest", "--threads", val, 256, &n)) return FL_EXIT_USAGE;
      c->opt.threads = n ? (unsigned)n : fl_evtx_default_threads();
      break;
    default: break;
  }
  return 0;
}

/* --store URL: the same pipeline into another backend; no inputs = send
** the spool. Exit 1 when batches stay spooled (nothing is lost: the next
** ingest sends them). */
static int ingest_to_backend(ingest_cli *c, int n, char **inputs) {
  int rc = cli_store_open("ingest", c->store, 0, c->batch_rows, &c->backend);
  if (rc != FL_EXIT_OK) return rc;
  progress_init(&c->bar, c->quiet);
  c->opt.on_progress = on_progress;
  c->opt.on_diag = on_diag;
  c->opt.user = c;
  fl_error err;
  fl_error_clear(&err);
  fl_pipeline_sink sink = fl_store_backend_sink(c->backend);
  if (fl_pipeline_new(&c->opt, &c->pipe, &err) != FL_OK ||
      fl_pipeline_add_sink(c->pipe, &sink, &err) != FL_OK) {
    print_error(&err);
    fl_pipeline_free(c->pipe);
    fl_store_backend_close(c->backend);
    return FL_EXIT_INPUT;
  }
  progress_inputs(&c->bar, inputs, (size_t)n, "events");
  for (int i = 0; i < n; i++) {
    progress_input(&c->bar, (size_t)i);
    int one = ingest_one(inputs[i], c);
    if (one > rc) rc = one;
  }
  fl_pipeline_free(c->pipe);
  uint64_t left = 0;
  fl_error_clear(&err);
  if (fl_store_backend_flush(c->backend, &left, &err) != FL_OK) {
    print_error(&err);
    if (rc < FL_EXIT_FINDINGS) rc = left ? FL_EXIT_FINDINGS : FL_EXIT_INPUT;
  }
  fl_store_backend_close(c->backend);
  if (fflush(stdout) != 0 && rc < FL_EXIT_FINDINGS) rc = FL_EXIT_FINDINGS;
  return rc;
}

int cmd_ingest(int argc, char **argv) {
  ingest_cli c;
  memset(&c, 0, sizeof c);
  c.opt.threads = 1;
  int first = 0, r = cli_parse(&cmd_ingest_spec, argc, argv, ingest_opt, &c, &first);
  if (r >= 0) return r;
  if (c.store) return ingest_to_backend(&c, argc - first, argv + first);
  if (first >= argc) return cli_usage_error("ingest", "no input files");
  int db_default = 0;
  c.db = cli_db_path(c.db, &db_default);
  int existed = cli_db_exists(c.db);
  progress_init(&c.bar, c.quiet);
  c.opt.on_progress = on_progress;
  c.opt.on_diag = on_diag;
  c.opt.user = &c;
  fl_error err;
  fl_error_clear(&err);
  fl_store *s = NULL;
  if (fl_store_open(c.db, 0, &s, &err) != FL_OK) {
    print_error(&err);
    return FL_EXIT_INPUT;
  }
  cli_db_created("ingest", c.db, existed, db_default, c.quiet);
  c.sink.store = s;
  c.sink.batch_rows = c.batch_rows;
  fl_pipeline_sink sink = fl_pipeline_store_sink(&c.sink);
  if (fl_pipeline_new(&c.opt, &c.pipe, &err) != FL_OK ||
      fl_pipeline_add_sink(c.pipe, &sink, &err) != FL_OK) {
    print_error(&err);
    fl_pipeline_free(c.pipe);
    fl_store_close(s);
    return FL_EXIT_INPUT;
  }
  int rc = FL_EXIT_OK;
  progress_inputs(&c.bar, argv + first, (size_t)(argc - first), "events");
  for (int i = first; i < argc; i++) {
    progress_input(&c.bar, (size_t)(i - first));
    int one = ingest_one(argv[i], &c);
    if (one > rc) rc = one;
  }
  fl_pipeline_free(c.pipe);
  fl_store_close(s);
  if (fflush(stdout) != 0) {
    fprintf(stderr, "faultline ingest: writing output failed\n");
    if (rc < FL_EXIT_FINDINGS) rc = FL_EXIT_FINDINGS;
  }
  return rc;
}
