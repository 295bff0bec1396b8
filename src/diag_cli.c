/*
** Options and report writing shared by `faultline diagnose` and `faultline
** report`: their option tables (the shared options spelled once), parsing
** through cli_parse, and writing the reports.
**
** Must never parse argv by hand or write a report when the diagnosis failed.
*/
#include "diag_cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli_opts.h"

enum { O_DB = 1, O_STORE, O_NO_DB, O_RECOVER, O_STRICT, O_SINCE, O_UNTIL, O_HOST, O_PEER,
       O_CAUSE, O_FORMAT, O_HTML, O_OUTPUT, O_VERBOSE, O_QUIET };

/* The options both commands have, spelled once. */
#define DIAG_SHARED_OPTS                                                             \
  {O_SINCE, "since", 0, CLI_VALUE, "TIME",                                           \
   "only events at or after TIME: 2024-05-01,\n2024-05-01T12:30:00Z, -7d, -12h, -30m"}, \
  {O_UNTIL, "until", 0, CLI_VALUE, "TIME", "only events before TIME (same forms)"},   \
  {O_HOST, "host", 0, CLI_VALUE, "NAME", "only findings about this host\n(case-insensitive; srv-fs01 matches SRV-FS01.corp...)"}, \
  {O_PEER, "peer", 0, CLI_VALUE, "PEER", "only findings with this peer (address or name)"}, \
  {O_CAUSE, "cause", 0, CLI_VALUE, "ID", "only findings of this cause (the JSON report's\ncause_id, e.g. cert-untrusted)"}, \
  {O_FORMAT, "format", 0, CLI_VALUE, "text|json|csv", "report form (default text)"},  \
  {O_OUTPUT, "output", 'o', CLI_VALUE, "FILE", "write the report to FILE, not standard output"}, \
  {O_HTML, "html", 0, CLI_VALUE, "FILE", "also write a self-contained HTML page"},    \
  {O_VERBOSE, "verbose", 'v', CLI_FLAG, NULL, "text: show more evidence"},            \
  CLI_OPT_HELP,                                                                      \
  {0, NULL, 0, 0, NULL, NULL}

#define DIAG_OPT_STORE {O_STORE, "store", 0, CLI_VALUE, "URL", CLI_OPT_STORE_HELP}

static const cli_opt diagnose_opts[] = {
    CLI_OPT_DB(O_DB),
    DIAG_OPT_STORE,
    {O_NO_DB, "no-db", 0, CLI_FLAG, NULL, "do not store; diagnose the inputs only"},
    {O_RECOVER, "recover", 0, CLI_FLAG, NULL, "also read deleted records from EVTX chunk slack"},
    {O_STRICT, "strict", 0, CLI_FLAG, NULL, "an EVTX checksum mismatch skips the chunk"},
    CLI_OPT_QUIET(O_QUIET, "no progress bar (drawn on a terminal's stderr)"),
    DIAG_SHARED_OPTS};

static const cli_opt report_opts[] = {CLI_OPT_DB(O_DB), DIAG_OPT_STORE, DIAG_SHARED_OPTS};

#define DIAG_EXIT "exit: 0 nothing found, 1 findings or partial input, 2 usage,\n" \
                  "3 input or database unusable (then no report is written)"

const cli_spec cmd_diagnose_spec = {
    "diagnose", "[options] INPUT...",
    "Read Windows event logs (EVTX, event XML, netsh wfp XML, JSON exports;\n"
    "gzip or not; '-' = stdin; directories are walked), store the IPsec,\n"
    "IPsec policy and iSCSI events in the database (a re-run stores\n"
    "nothing twice) and explain why connections fail.",
    diagnose_opts, DIAG_EXIT, 0};

const cli_spec cmd_report_spec = {
    "report", "[options]",
    "Explain the failures stored in the database by earlier 'faultline\n"
    "diagnose' or 'faultline ingest' runs.",
    report_opts, DIAG_EXIT, 0};

typedef struct diag_parse {
  const char *cmd;
  diag_cli_opts *o;
} diag_parse;

/* --format: a row of the report-writer registry that writes to stdout. */
static int parse_report_format(const char *cmd, const char *v, fl_report_format *out) {
  int f = fl_report_format_named(v);
  if (f >= 0 && fl_report_format_to_stdout((fl_report_format)f)) {
    *out = (fl_report_format)f;
    return 0;
  }
  char list[96] = "";
  for (int i = 0; i < FL_REPORT_FORMAT_COUNT; i++) {
    if (!fl_report_format_to_stdout((fl_report_format)i)) continue;
    if (list[0]) strncat(list, "|", sizeof list - strlen(list) - 1);
    strncat(list, fl_report_format_name((fl_report_format)i), sizeof list - strlen(list) - 1);
  }
  cli_usage_error(cmd, "--format must be one of %s (got '%s')", list, v);
  return -1;
}

static int diag_opt(int id, const char *val, void *user) {
  diag_parse *p = user;
  diag_cli_opts *o = p->o;
  switch (id) {
    case O_DB: o->db = val; break;
    case O_STORE:
      return cli_store_option(p->cmd, val, &o->db, &o->store);
    case O_NO_DB: o->no_db = 1; break;
    case O_RECOVER: o->reader_flags |= FL_EVTX_RECOVER; break;
    case O_STRICT: o->reader_flags |= FL_EVTX_STRICT; break;
    case O_VERBOSE: o->verbose = 1; break;
    case O_QUIET: o->quiet = 1; break;
    case O_HTML: o->html = val; break;
    case O_OUTPUT: o->output = val; break;
    case O_FORMAT:
      return parse_report_format(p->cmd, val, &o->format) ? FL_EXIT_USAGE : 0;
    case O_SINCE: case O_UNTIL: {
      int since = id == O_SINCE;
      if (cli_parse_time(val, cli_now_filetime(), since ? &o->since : &o->until))
        return cli_usage_error(p->cmd, "--%s wants an " CLI_TIME_HELP " (got '%s')",
                               since ? "since" : "until", val);
      *(since ? &o->has_since : &o->has_until) = 1;
      break;
    }
    case O_HOST: case O_PEER: case O_CAUSE:
      if (!val[0]) return cli_usage_error(p->cmd, "an empty --host/--peer/--cause matches nothing");
      *(id == O_HOST ? &o->host : id == O_PEER ? &o->peer : &o->cause) = val;
      break;
    default: break;
  }
  return 0;
}

int diag_cli_parse(const char *cmd, int argc, char **argv, diag_cli_opts *o) {
  memset(o, 0, sizeof *o);
  int diag = strcmp(cmd, "diagnose") == 0;
  diag_parse p = {cmd, o};
  int first = 0;
  int rc = cli_parse(diag ? &cmd_diagnose_spec : &cmd_report_spec, argc, argv, diag_opt, &p, &first);
  if (rc >= 0) return rc;
  o->inputs = argv + first;
  o->input_count = argc - first;
  if (!diag && o->input_count)
    return cli_usage_error(cmd, "takes no inputs (it reads the database); "
                                "use 'faultline diagnose %s'", o->inputs[0]);
  if (o->has_since && o->has_until && o->since >= o->until)
    return cli_usage_error(cmd, "--since must be before --until");
  o->db = cli_db_path(o->db, &o->db_default);
  return -1;
}

static int write_html(const char *cmd, const fl_diag_result *res, const diag_cli_opts *o) {
  FILE *f = fopen(o->html, "w");
  fl_error err;
  fl_error_clear(&err);
  fl_report_options ro = {0, o->verbose, NULL};
  if (!f) {
    fprintf(stderr, "faultline %s: cannot write ", cmd);
    cli_term_name(stderr, o->html);
    fputc('\n', stderr);
    return FL_EXIT_INPUT;
  }
  fl_status st = fl_report_write(f, FL_REPORT_HTML, res, &ro, &err);
  if (fclose(f) != 0 && st == FL_OK) st = FL_EIO;
  if (st != FL_OK) {
    fprintf(stderr, "faultline %s: writing ", cmd);
    cli_term_name(stderr, o->html);
    fputs(" failed\n", stderr);
    return FL_EXIT_INPUT;
  }
  return FL_EXIT_OK;
}

static int write_reports(const char *cmd, const fl_diag_result *res,
                         const diag_cli_opts *o) {
  fl_error err;
  fl_error_clear(&err);
  if (o->output && !freopen(o->output, "w", stdout)) {
    fprintf(stderr, "faultline %s: ", cmd);
    cli_term_string(stderr, o->output);
    fprintf(stderr, ": cannot write: %s\n", strerror(errno));
    return FL_EXIT_INPUT;
  }
  fl_report_options ro = {o->format == FL_REPORT_TEXT && cli_use_colour(stdout), o->verbose, NULL};
  fl_status st = fl_report_write(stdout, o->format, res, &ro, &err);
  if (st != FL_OK) {
    cli_print_error(cmd, &err);
    return FL_EXIT_INPUT;
  }
  if (o->html && write_html(cmd, res, o) != FL_EXIT_OK) return FL_EXIT_INPUT;
  return res->finding_count ? FL_EXIT_FINDINGS : FL_EXIT_OK;
}

int diag_cli_report(const char *cmd, fl_diag *d, const diag_cli_opts *o) {
  fl_error err;
  fl_error_clear(&err);
  const fl_diag_result *res;
  if (fl_diag_finish(d, &res, &err) != FL_OK) {
    cli_print_error(cmd, &err);
    return FL_EXIT_INPUT;
  }
  fl_diag_result view;
  fl_episode *picked = NULL;
  fl_coverage_note *notes = NULL;
  const fl_diag_result *full = res;
  res = diag_cli_select(o, res, &view, &picked, &notes);
  if (!res) {
    fprintf(stderr, "faultline %s: out of memory\n", cmd);
    return FL_EXIT_INPUT;
  }
  if ((o->host || o->peer || o->cause) && !res->episode_count && full->episode_count)
    fprintf(stderr, "faultline %s: none of the %zu findings matches --host/--peer/"
            "--cause (the JSON report lists each finding's host, peers and cause)\n",
            cmd, full->episode_count);
  int rc = write_reports(cmd, res, o);
  free(picked);
  free(notes);
  return rc;
}


static int add_event(const fl_typed_event *t, const char *file, void *user) {
  return fl_diag_add(user, t, file, NULL) == FL_OK ? 0 : 1;
}

static int add_source(const fl_store_source_info *src, void *user) {
  return fl_diag_note_source(user, src->path, fl_input_format_name(src->format),
                             src->records, src->skipped, src->in_scope,
                             NULL) == FL_OK ? 0 : 1;
}

/* Where the events come from: a SQLite store or any backend. */
typedef struct events_from {
  fl_store *store;
  fl_store_backend *backend;
} events_from;

static fl_status each_source(const events_from *e, fl_diag *diag, fl_error *err) {
  if (e->backend) return fl_store_backend_each_source(e->backend, add_source, diag, err);
  return fl_store_each_source(e->store, add_source, diag, err);
}

static fl_status each_typed(const events_from *e, const fl_store_filter *w,
                            fl_diag *diag, uint64_t *rows, fl_error *err) {
  if (e->backend)
    return fl_store_backend_each_typed(e->backend, w, add_event, diag, rows, err);
  return fl_store_each_typed(e->store, w, add_event, diag, rows, err);
}

static int diagnose_from(const char *cmd, const events_from *from,
                         const diag_cli_opts *o) {
  fl_error err;
  fl_error_clear(&err);
  fl_diag *diag = NULL;
  int exit_code = FL_EXIT_INPUT;
  uint64_t rows = 0;
  fl_store_filter window; /* --since/--until; the rest is per finding */
  memset(&window, 0, sizeof window);
  window.has_since = o->has_since;
  window.since = o->since;
  window.has_until = o->has_until;
  window.until = o->until;
  if (fl_diag_new(NULL, &diag, &err) == FL_OK &&
      each_source(from, diag, &err) == FL_OK &&
      each_typed(from, &window, diag, &rows, &err) == FL_OK)
    exit_code = diag_cli_report(cmd, diag, o);
  else
    cli_print_error(cmd, &err);
  fl_diag_free(diag);
  return exit_code;
}

int diag_cli_from_store(const char *cmd, fl_store *store, const diag_cli_opts *o) {
  events_from from = {store, NULL};
  return diagnose_from(cmd, &from, o);
}

int diag_cli_from_backend(const char *cmd, fl_store_backend *b, const diag_cli_opts *o) {
  events_from from = {NULL, b};
  return diagnose_from(cmd, &from, o);
}
