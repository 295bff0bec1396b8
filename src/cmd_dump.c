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
#include "progress.h"

#define DUMP_MAX_LIST 256

typedef struct dump_opts {
  fl_evtx_options ev;
  uint32_t ids[DUMP_MAX_LIST];
  const char *providers[DUMP_MAX_LIST];
  const char *channels[DUMP_MAX_LIST];
  int write_failed;
  int quiet;
  progress bar;        /* bytes read over all inputs, on a terminal */
} dump_opts;

static void dump_help(void) {
  printf(
      "usage: faultline dump [options] FILE...\n\n"
      "Render Windows EVTX files, event XML, netsh wfp XML or JSON exports\n"
      "(found by content, gzip or not). FILE '-' reads standard input; a\n"
      "directory is read recursively (docs/inputs.md).\n\n"
      "options:\n"
      "  --format xml|jsonl   output form (default xml: one <Event> per line)\n"
      "  --id LIST            only these event ids (comma-separated, e.g. "
      "4652,4653)\n"
      "  --provider NAME      only this provider (repeatable or "
      "comma-separated;\n"
      "                       case-insensitive)\n"
      "  --channel NAME       only this channel (same rules)\n"
      "  --threads N          worker threads (default: CPUs, at most 8; 1 = "
      "inline)\n"
      "  --recover            also carve deleted records from chunk slack\n"
      "  --strict             a CRC mismatch skips the chunk (default: "
      "warning)\n"
      "  -q, --quiet          no progress bar (drawn on a terminal's stderr)\n"
      "  -h, --help           this help\n\n"
      "Filters are evaluated before rendering. Output forms: "
      "docs/evtx-output.md.\n"
      "exit: 0 ok, 1 something was skipped or damaged, 2 usage, 3 input "
      "unusable\n");
}

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
    char msg[600];
    fl_error_format(&err, msg, sizeof msg);
    fprintf(stderr, "faultline dump: %s\n", msg);
    return FL_EXIT_INPUT;
  }
  if (st == FL_ENOMEM) {
    fprintf(stderr, "faultline dump: %s: out of memory\n", path);
    return FL_EXIT_INPUT;
  }
  if (stats.records_skipped || stats.chunks_skipped || stats.warnings ||
      stats.errors)
    fprintf(stderr,
            "faultline dump: %s: %llu records read, %llu skipped, %llu chunks "
            "skipped, %llu recovered, %llu warnings, %llu errors\n",
            path, (unsigned long long)stats.records,
            (unsigned long long)stats.records_skipped,
            (unsigned long long)stats.chunks_skipped,
            (unsigned long long)stats.records_recovered,
            (unsigned long long)stats.warnings,
            (unsigned long long)stats.errors);
  return st == FL_OK ? FL_EXIT_OK : FL_EXIT_FINDINGS;
}

static int dump_parse(int argc, char **argv, dump_opts *o, int *first) {
  fl_evtx_options *e = &o->ev;
  e->format = FL_EVTX_RENDER_XML;
  e->threads = fl_evtx_default_threads();
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    const char *val = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    } else if (cli_is_help(a)) {
      dump_help();
      return -2;
    } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
      o->quiet = 1;
    } else if (!strcmp(a, "--recover")) {
      e->flags |= FL_EVTX_RECOVER;
    } else if (!strcmp(a, "--strict")) {
      e->flags |= FL_EVTX_STRICT;
    } else if (!strcmp(a, "--format") || !strcmp(a, "--id") ||
               !strcmp(a, "--provider") || !strcmp(a, "--channel") ||
               !strcmp(a, "--threads")) {
      if (!val) return cli_usage_error("dump", "%s needs a value", a);
      i++;
      if (!strcmp(a, "--format")) {
        cli_format fmt;
        if (cli_parse_format("dump", val, (1u << CLI_FORMAT_XML) |
                             (1u << CLI_FORMAT_JSONL), &fmt))
          return FL_EXIT_USAGE;
        e->format = fmt == CLI_FORMAT_XML ? FL_EVTX_RENDER_XML
                                          : FL_EVTX_RENDER_JSONL;
      } else if (!strcmp(a, "--id")) {
        if (dump_add_ids(val, o))
          return cli_usage_error("dump", "--id wants numbers like 4652,4653 "
                                 "(got '%s')", val);
      } else if (!strcmp(a, "--provider") || !strcmp(a, "--channel")) {
        int prov = !strcmp(a, "--provider");
        if (dump_add_names(argv[i], prov ? o->providers : o->channels,
                           prov ? &e->filter.provider_count
                                : &e->filter.channel_count))
          return cli_usage_error("dump", "too many %s values", a);
      } else {
        char *end;
        long n = strtol(val, &end, 10);
        if (*end || end == val || n < 0 || n > 256)
          return cli_usage_error("dump", "--threads wants 0..256 (got '%s')",
                                 val);
        e->threads = n ? (unsigned)n : fl_evtx_default_threads();
      }
    } else if (a[0] == '-' && a[1]) {
      return cli_usage_error("dump", "unknown option '%s'", a);
    } else {
      break;
    }
  }
  *first = i;
  if (i >= argc) return cli_usage_error("dump", "no input files");
  return 0;
}

int cmd_dump(int argc, char **argv) {
  static dump_opts o;
  memset(&o, 0, sizeof o);
  o.ev.filter.ids = o.ids;
  o.ev.filter.providers = o.providers;
  o.ev.filter.channels = o.channels;
  int first = 0;
  int r = dump_parse(argc, argv, &o, &first);
  if (r == -2) return FL_EXIT_OK;
  if (r) return r;
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
