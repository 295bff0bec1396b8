/*
** faultline dump: render EVTX files (and, through fl_input_read, event XML,
** netsh wfp XML and JSON exports, found by content) as XML or JSON lines,
** optionally only the events matching --id/--provider/--channel (tested
** before rendering). Problems go to stderr as "file: chunk N offset 0x..:
** record R: message" ("file:line:col: ..." for text inputs).
**
** Must never: print anything but rendered events on stdout, decide what a
** record means (that is lib/evtx), or exit 0 when something was skipped.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_opts.h"
#include "progress.h"

#define DUMP_MAX_LIST 256

typedef struct dump_opts {
  fl_evtx_options ev;
  uint32_t ids[DUMP_MAX_LIST];
  const char *providers[DUMP_MAX_LIST];
  const char *channels[DUMP_MAX_LIST];
  int write_failed;
  int quiet;
  const char *output;  /* -o FILE */
  progress bar;        /* bytes read over all inputs, on a terminal */
} dump_opts;

enum { D_FORMAT = 1, D_ID, D_PROVIDER, D_CHANNEL, D_THREADS, D_RECOVER, D_STRICT,
       D_OUTPUT, D_QUIET };

static const cli_opt dump_opts_table[] = {
    {D_FORMAT, "format", 0, CLI_VALUE, "xml|jsonl", "output form (default xml: one <Event> per line)"},
    {D_ID, "id", 0, CLI_VALUE, "LIST", "only these event ids (comma-separated, e.g. 4652,4653)"},
    {D_PROVIDER, "provider", 0, CLI_VALUE, "NAME",
     "only this provider (repeatable or comma-separated;\ncase-insensitive)"},
    {D_CHANNEL, "channel", 0, CLI_VALUE, "NAME", "only this channel (same rules)"},
    {D_THREADS, "threads", 0, CLI_VALUE, "N", "worker threads (default: CPUs, at most 8; 1 = inline)"},
    {D_RECOVER, "recover", 0, CLI_FLAG, NULL, "also carve deleted records from chunk slack"},
    {D_STRICT, "strict", 0, CLI_FLAG, NULL, "a CRC mismatch skips the chunk (default: warning)"},
    {D_OUTPUT, "output", 'o', CLI_VALUE, "FILE", "write to FILE instead of standard output"},
    CLI_OPT_QUIET(D_QUIET, "no progress bar (drawn on a terminal's stderr)"),
    CLI_OPT_HELP,
    {0, NULL, 0, 0, NULL, NULL}};

const cli_spec cmd_dump_spec = {
    "dump", "[options] FILE...",
    "Render Windows EVTX files, event XML, netsh wfp XML or JSON exports\n"
    "(found by content, gzip or not). FILE '-' reads standard input; a\n"
    "directory is read recursively (docs/inputs.md).",
    dump_opts_table,
    "Filters are evaluated before rendering. Output forms: docs/evtx-output.md.\n"
    "exit: 0 ok, 1 something was skipped or damaged, 2 usage, 3 input unusable", 0};

static int dump_add_ids(const char *s, dump_opts *o) {
  const char *p = s;
  while (*p) {
    char *end;
    errno = 0;
    unsigned long v = strtoul(p, &end, 10);
    if (end == p || errno || v > 0xffffffffUL || (*end && *end != ',')) return -1;
    if (o->ev.filter.id_count >= DUMP_MAX_LIST) return -1;
    o->ids[o->ev.filter.id_count++] = (uint32_t)v;
    p = *end ? end + 1 : end;
  }
  return o->ev.filter.id_count ? 0 : -1;
}

/* Splits a comma list in place (argv strings are writable). */
static int dump_add_names(char *s, const char **list, size_t *count) {
  for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
    if (*count >= DUMP_MAX_LIST) return -1;
    list[(*count)++] = tok;
  }
  return 0;
}

static int dump_write(const char *buf, size_t len, void *user) {
  dump_opts *o = user;
  if (fwrite(buf, 1, len, stdout) != len) {
    o->write_failed = 1;
    return 1;
  }
  return 0;
}

static void dump_diag(const fl_evtx_diag *d, void *user) {
  dump_opts *o = user;
  progress_end(&o->bar);
  cli_print_diag(d);
}

static void dump_position(uint64_t done, uint64_t total, void *user) {
  dump_opts *o = user;
  progress_at(&o->bar, done, total, 0);
}

static int dump_one(const char *path, dump_opts *o) {
  fl_error err;
  fl_error_clear(&err);
  fl_evtx_stats stats;
  fl_status st = fl_input_read(path, &o->ev, &stats, &err);
  progress_end(&o->bar);
  if (st != FL_OK && st != FL_EPARTIAL && st != FL_ENOMEM) {
    cli_print_error("dump", &err);
    return FL_EXIT_INPUT;
  }
  if (st == FL_ENOMEM) {
    fputs("faultline dump: ", stderr);
    cli_term_name(stderr, path);
    fputs(": out of memory\n", stderr);
    return FL_EXIT_INPUT;
  }
  if (stats.records_skipped || stats.chunks_skipped || stats.warnings ||
      stats.errors) {
    fputs("faultline dump: ", stderr);
    cli_term_name(stderr, path);
    fprintf(stderr,
            ": %llu records read, %llu skipped, %llu chunks "
            "skipped, %llu recovered, %llu warnings, %llu errors\n",
            (unsigned long long)stats.records,
            (unsigned long long)stats.records_skipped,
            (unsigned long long)stats.chunks_skipped,
            (unsigned long long)stats.records_recovered,
            (unsigned long long)stats.warnings,
            (unsigned long long)stats.errors);
  }
  return st == FL_OK ? FL_EXIT_OK : FL_EXIT_FINDINGS;
}

static int dump_opt(int id, const char *val, void *user) {
  dump_opts *o = user;
  fl_evtx_options *e = &o->ev;
  unsigned long long n;
  switch (id) {
    case D_RECOVER: e->flags |= FL_EVTX_RECOVER; break;
    case D_STRICT: e->flags |= FL_EVTX_STRICT; break;
    case D_QUIET: o->quiet = 1; break;
    case D_OUTPUT: o->output = val; break;
    case D_FORMAT: {
      cli_format fmt;
      if (cli_parse_format("dump", val, (1u << CLI_FORMAT_XML) | (1u << CLI_FORMAT_JSONL), &fmt))
        return FL_EXIT_USAGE;
      e->format = fmt == CLI_FORMAT_XML ? FL_EVTX_RENDER_XML : FL_EVTX_RENDER_JSONL;
      break;
    }
    case D_ID:
      if (dump_add_ids(val, o))
        return cli_usage_error("dump", "--id wants numbers like 4652,4653 (got '%s')", val);
      break;
    case D_PROVIDER: case D_CHANNEL: {
      int prov = id == D_PROVIDER;
      if (dump_add_names((char *)val, prov ? o->providers : o->channels,
                         prov ? &e->filter.provider_count : &e->filter.channel_count))
        return cli_usage_error("dump", "too many --%s values", prov ? "provider" : "channel");
      break;
    }
    case D_THREADS:
      if (cli_parse_u64("dump", "--threads", val, 256, &n)) return FL_EXIT_USAGE;
      e->threads = n ? (unsigned)n : fl_evtx_default_threads();
      break;
    default: break;
  }
  return 0;
}

int cmd_dump(int argc, char **argv) {
  static dump_opts o;
  memset(&o, 0, sizeof o);
  o.ev.filter.ids = o.ids;
  o.ev.filter.providers = o.providers;
  o.ev.filter.channels = o.channels;
  o.ev.format = FL_EVTX_RENDER_XML;
  o.ev.threads = fl_evtx_default_threads();
  int first = 0, r = cli_parse(&cmd_dump_spec, argc, argv, dump_opt, &o, &first);
  if (r >= 0) return r;
  if (first >= argc) return cli_usage_error("dump", "no input files");
  if (o.output && !freopen(o.output, "w", stdout)) {
    fprintf(stderr, "faultline dump: ");
    cli_term_string(stderr, o.output);
    fprintf(stderr, ": cannot write: %s\n", strerror(errno));
    return FL_EXIT_INPUT;
  }
  o.ev.on_output = dump_write;
  o.ev.on_diag = dump_diag;
  o.ev.on_progress = dump_position;
  o.ev.user = &o;
  int rc = FL_EXIT_OK;
  progress_init(&o.bar, o.quiet);
  progress_inputs(&o.bar, argv + first, (size_t)(argc - first), NULL);
  for (int i = first; i < argc; i++) {
    progress_input(&o.bar, (size_t)(i - first));
    int one = dump_one(argv[i], &o);
    if (one > rc) rc = one;
    if (o.write_failed) break;
  }
  if (fflush(stdout) != 0 || o.write_failed) {
    if (errno != EPIPE)
      fprintf(stderr, "faultline dump: writing output failed\n");
    return rc > FL_EXIT_FINDINGS ? rc : FL_EXIT_FINDINGS;
  }
  return rc;
}
