/*
** `faultline gen`: write a realistic, deterministic data set for one failure
** scenario (EVTX, Windows event XML, netsh wfp XML or JSON lines) plus its
** ground-truth manifest. This file only parses the command line; lib/gen
** does the work (docs/gen.md).
** Must never print generated data on stdout or decide anything about events.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void gen_help(FILE *out) {
  fprintf(out,
          "usage: faultline gen SCENARIO [options] -o PATH\n"
          "       faultline gen --list\n\n"
          "Write realistic event data for SCENARIO to PATH and the ground truth to\n"
          "PATH.manifest.json. Same options -> byte-identical output.\n\n"
          "options:\n"
          "  -o, --output PATH        data file to write (required)\n"
          "  --format evtx|xml|netsh|jsonl   output form (default evtx)\n"
          "  --xml-style wevtutil|getwinevent   XML quoting form (default wevtutil)\n"
          "  --json-style evtx_dump|winlogbeat  JSON shape (default evtx_dump)\n"
          "  --seed N                 PRNG seed (default 1)\n"
          "  --hosts N                number of hosts (default: per scenario)\n"
          "  --days N                 time span in days (default 1)\n"
          "  --size BYTES             stop at about this size: 500MB, 2GiB, 64k ...\n"
          "  --hostile                put hostile text in peer-controlled fields\n"
          "  --no-manifest            do not write PATH.manifest.json\n"
          "  --list                   list the scenarios\n"
          "  -h, --help               this help\n\n"
          "exit: 0 written, 2 usage, 3 output could not be written\n");
}

static void gen_list(void) {
  for (size_t i = 0; i < fl_gen_scenario_count(); i++) {
    const fl_gen_scenario_info *s = fl_gen_scenario_at(i);
    printf("%-24s %s\n", s->name, s->summary);
  }
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out) {
  if (!s || !*s || s[0] < '0' || s[0] > '9') return -1;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end || v > max) return -1;
  *out = v;
  return 0;
}

typedef struct gen_args {
  fl_gen_options o;
  const char *path;
  int list;
} gen_args;

/* Options taking a value: returns 1 if consumed, -1 on a bad value. */
static int gen_value_opt(gen_args *a, const char *opt, const char *val) {
  uint64_t v;
  if (!strcmp(opt, "-o") || !strcmp(opt, "--output")) a->path = val;
  else if (!strcmp(opt, "--format")) return fl_gen_format_parse(val, &a->o.format) ? -1 : 1;
  else if (!strcmp(opt, "--seed")) {
    if (parse_u64(val, UINT64_MAX, &a->o.seed)) return -1;
  } else if (!strcmp(opt, "--hosts")) {
    if (parse_u64(val, 20000, &v) || v == 0) return -1;
    a->o.hosts = (unsigned)v;
  } else if (!strcmp(opt, "--days")) {
    if (parse_u64(val, 3650, &v) || v == 0) return -1;
    a->o.days = (unsigned)v;
  } else if (!strcmp(opt, "--size")) {
    if (fl_gen_parse_size(val, &a->o.size) || a->o.size == 0) return -1;
  } else if (!strcmp(opt, "--xml-style")) {
    if (!strcmp(val, "wevtutil")) a->o.xml_style = FL_GEN_XML_WEVTUTIL;
    else if (!strcmp(val, "getwinevent")) a->o.xml_style = FL_GEN_XML_GETWINEVENT;
    else return -1;
  } else if (!strcmp(opt, "--json-style")) {
    if (!strcmp(val, "evtx_dump")) a->o.json_style = FL_GEN_JSON_EVTX_DUMP;
    else if (!strcmp(val, "winlogbeat")) a->o.json_style = FL_GEN_JSON_WINLOGBEAT;
    else return -1;
  } else return 0;
  return 1;
}

static int gen_parse(int argc, char **argv, gen_args *a) {
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (!strcmp(arg, "--list")) a->list = 1;
    else if (!strcmp(arg, "--hostile")) a->o.hostile = 1;
    else if (!strcmp(arg, "--no-manifest")) a->o.no_manifest = 1;
    else if (arg[0] == '-' && arg[1]) {
      if (i + 1 >= argc) return cli_usage_error("gen", "%s needs a value", arg);
      int r = gen_value_opt(a, arg, argv[i + 1]);
      if (r == 0) return cli_usage_error("gen", "unknown option '%s' (see --help)", arg);
      if (r < 0) return cli_usage_error("gen", "bad value '%s' for %s", argv[i + 1], arg);
      i++;
    } else if (!a->o.scenario) a->o.scenario = arg;
    else return cli_usage_error("gen", "unexpected argument '%s'", arg);
  }
  return 0;
}

int cmd_gen(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    if (cli_is_help(argv[i])) {
      gen_help(stdout);
      return FL_EXIT_OK;
    }
  gen_args a;
  memset(&a, 0, sizeof a);
  a.o.seed = 1;
  if (gen_parse(argc, argv, &a) != 0) return FL_EXIT_USAGE;
  if (a.list) {
    gen_list();
    return FL_EXIT_OK;
  }
  if (!a.o.scenario) return cli_usage_error("gen", "no scenario given (faultline gen --list)");
  if (!fl_gen_scenario_find(a.o.scenario))
    return cli_usage_error("gen", "unknown scenario '%s' (faultline gen --list)", a.o.scenario);
  if (!a.path) return cli_usage_error("gen", "no output path: use -o PATH");
  fl_error err;
  fl_error_clear(&err);
  fl_gen_result res;
  fl_status st = fl_gen_run(&a.o, a.path, &res, &err);
  if (st != FL_OK) {
    char msg[600];
    fl_error_format(&err, msg, sizeof msg);
    fprintf(stderr, "faultline gen: %s\n", msg);
    return st == FL_EUSAGE ? FL_EXIT_USAGE : FL_EXIT_INPUT;
  }
  fprintf(stderr, "faultline gen: %s: %llu records (%llu in scope, %llu episodes), %llu bytes\n",
          a.path, (unsigned long long)res.records, (unsigned long long)res.in_scope,
          (unsigned long long)res.episodes, (unsigned long long)res.bytes);
  return FL_EXIT_OK;
}
