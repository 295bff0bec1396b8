/*
** Options and report writing shared by `faultline diagnose` and `faultline
** report`. The help text documents both commands' options in one place.
*/
#include "diag_cli.h"

#include <stdlib.h>
#include <string.h>

static void help(const char *cmd) {
  int diag = strcmp(cmd, "diagnose") == 0;
  printf("usage: faultline %s [options]%s\n\n", cmd, diag ? " INPUT..." : "");
  if (diag)
    printf("Read Windows event logs (EVTX, event XML, netsh wfp XML, JSON exports;\n"
           "gzip or not; '-' = stdin; directories are walked), store the IPsec,\n"
           "IPsec policy and iSCSI events in the database (a re-run stores\n"
           "nothing twice) and explain why connections fail.\n\n");
  else
    printf("Explain the failures stored in the database by earlier 'faultline\n"
           "diagnose' or 'faultline ingest' runs.\n\n");
  printf("options:\n"
         "  --db PATH           database (default $FAULTLINE_DB or ./faultline.db)\n");
  if (diag)
    printf("  --no-db             do not store; diagnose the inputs only\n"
           "  --recover           also read deleted records from EVTX chunk slack\n"
           "  --strict            an EVTX checksum mismatch skips the chunk\n");
  printf("  --since TIME        only events at or after TIME: " CLI_TIME_HELP "\n"
         "  --until TIME        only events before TIME (same forms)\n"
         "  --host NAME         only findings about this host (case-insensitive)\n"
         "  --peer PEER         only findings with this peer (address or name)\n"
         "  --cause ID          only findings of this cause (e.g. cert-untrusted;\n"
         "                      'faultline explain --list causes')\n");
  printf("  --format text|json|csv  report on stdout (default text)\n"
         "  --html FILE         also write a self-contained HTML page\n"
         "  -v, --verbose       text: show more evidence\n"
         "  -q, --quiet         no progress bar (drawn on a terminal's stderr)\n"
         "  -h, --help          this help\n\n"
         "exit: 0 nothing found, 1 findings or partial input, 2 usage,\n"
         "3 input or database unusable\n");
}

int diag_cli_parse(const char *cmd, int argc, char **argv, diag_cli_opts *o) {
  memset(o, 0, sizeof *o);
  o->db = NULL;
  o->inputs = argv + 1; /* positional arguments are moved to the front */
  int diag = strcmp(cmd, "diagnose") == 0;
  const unsigned formats = (1u << CLI_FORMAT_TEXT) | (1u << CLI_FORMAT_JSON) | (1u << CLI_FORMAT_CSV);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int has_value = i + 1 < argc;
    if (cli_is_help(a)) {
      help(cmd);
      return FL_EXIT_OK;
    } else if (strcmp(a, "--db") == 0 || strcmp(a, "--html") == 0 || strcmp(a, "--format") == 0) {
      if (!has_value) return cli_usage_error(cmd, "%s needs a value", a);
      const char *v = argv[++i];
      if (a[2] == 'd') o->db = v;
      else if (a[2] == 'h') o->html = v;
      else if (cli_parse_format(cmd, v, formats, &o->format) != 0) return FL_EXIT_USAGE;
    } else if (strcmp(a, "--since") == 0 || strcmp(a, "--until") == 0) {
      if (!has_value) return cli_usage_error(cmd, "%s needs a value", a);
      int since = a[2] == 's';
      if (cli_parse_time(argv[++i], cli_now_filetime(), since ? &o->since : &o->until))
        return cli_usage_error(cmd, "%s wants an " CLI_TIME_HELP " (got '%s')", a, argv[i]);
      *(since ? &o->has_since : &o->has_until) = 1;
    } else if (strcmp(a, "--host") == 0 || strcmp(a, "--peer") == 0 || strcmp(a, "--cause") == 0) {
      if (!has_value || !argv[i + 1][0]) return cli_usage_error(cmd, "%s needs a value", a);
      const char *v = argv[++i];
      if (a[2] == 'h') o->host = v;
      else if (a[2] == 'p') o->peer = v;
      else o->cause = v;
    } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
      o->verbose = 1;
    } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
      o->quiet = 1;
    } else if (diag && strcmp(a, "--no-db") == 0) {
      o->no_db = 1;
    } else if (diag && strcmp(a, "--recover") == 0) {
      o->reader_flags |= FL_EVTX_RECOVER;
    } else if (diag && strcmp(a, "--strict") == 0) {
      o->reader_flags |= FL_EVTX_STRICT;
    } else if (a[0] == '-' && a[1]) {
      return cli_usage_error(cmd, "unknown option '%s'", a);
    } else if (diag) {
      o->inputs[o->input_count++] = argv[i];
    } else {
      return cli_usage_error(cmd, "takes no inputs (it reads the database); "
                                  "use 'faultline diagnose %s'", a);
    }
  }
  if (o->has_since && o->has_until && o->since >= o->until)
    return cli_usage_error(cmd, "--since must be before --until");
  o->db = cli_db_path(o->db, &o->db_default);
  return -1;
}

const char *diag_cli_format_of(const char *path) {
  if (strcmp(path, "-") == 0) return "stdin";
  FILE *f = fopen(path, "rb");
  if (!f) return "unknown";
  static unsigned char head[65536];
  size_t n = fread(head, 1, sizeof head, f);
  fclose(f);
  fl_input_format fmt = fl_input_detect(head, n);
  switch (fmt) {
    case FL_INPUT_NETSH_XML: return "netsh";
    default: return fl_input_format_name(fmt);
  }
}

static int write_html(const char *cmd, const fl_diag_result *res, const diag_cli_opts *o) {
  FILE *f = fopen(o->html, "w");
  fl_error err;
  fl_error_clear(&err);
  fl_report_options ro = {0, o->verbose, NULL};
  if (!f) {
    fprintf(stderr, "faultline %s: cannot write %s\n", cmd, o->html);
    return FL_EXIT_INPUT;
  }
  fl_status st = fl_report_html(f, res, &ro, &err);
  if (fclose(f) != 0 && st == FL_OK) st = FL_EIO;
  if (st != FL_OK) {
    fprintf(stderr, "faultline %s: writing %s failed\n", cmd, o->html);
    return FL_EXIT_INPUT;
  }
  return FL_EXIT_OK;
}

static int write_reports(const char *cmd, const fl_diag_result *res,
                         const diag_cli_opts *o) {
  fl_error err;
  fl_error_clear(&err);
  fl_report_options ro = {o->format == CLI_FORMAT_TEXT && cli_use_colour(stdout), o->verbose, NULL};
  fl_status st = o->format == CLI_FORMAT_JSON  ? fl_report_json(stdout, res, &ro, &err)
                 : o->format == CLI_FORMAT_CSV ? fl_report_csv(stdout, res, &ro, &err)
                                               : fl_report_text(stdout, res, &ro, &err);
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

