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
#include "cli_opts.h"

enum { G_OUTPUT = 1, G_FORMAT, G_XML_STYLE, G_JSON_STYLE, G_SEED, G_HOSTS, G_DAYS,
       G_SIZE, G_HOSTILE, G_NO_MANIFEST, G_LIST, G_HOST_OFFSET, G_TIME_SHIFT, G_WITH_NETSH };

static const cli_opt gen_opts[] = {
    {G_OUTPUT, "output", 'o', CLI_VALUE, "PATH", "data file to write (required)"},
    {G_FORMAT, "format", 0, CLI_VALUE, "evtx|xml|netsh|jsonl|event-text|format-list|xml-view|export-csv|export-txt",
     "output form (default evtx)"},
    {G_XML_STYLE, "xml-style", 0, CLI_VALUE, "wevtutil|getwinevent", "XML quoting form (default wevtutil)"},
    {G_JSON_STYLE, "json-style", 0, CLI_VALUE, "evtx_dump|winlogbeat", "JSON shape (default evtx_dump)"},
    {G_SEED, "seed", 0, CLI_VALUE, "N", "PRNG seed (default 1)"},
    {G_HOSTS, "hosts", 0, CLI_VALUE, "N", "number of hosts (default: per scenario)"},
    {G_DAYS, "days", 0, CLI_VALUE, "N", "time span in days (default 1)"},
    {G_SIZE, "size", 0, CLI_VALUE, "BYTES", "stop at about this size: 500MB, 2GiB, 64k ..."},
    {G_HOST_OFFSET, "host-offset", 0, CLI_VALUE, "N", "number hosts from N (another part of the estate)"},
    {G_TIME_SHIFT, "time-shift", 0, CLI_VALUE, "DAYS", "move the data set by DAYS (may be negative)"},
    {G_WITH_NETSH, "with-netsh", 0, CLI_VALUE, "PATH", "also write the same hosts' netsh wfp capture to PATH"},
    {G_HOSTILE, "hostile", 0, CLI_FLAG, NULL, "put hostile text in peer-controlled fields"},
    {G_NO_MANIFEST, "no-manifest", 0, CLI_FLAG, NULL, "do not write PATH.manifest.json"},
    {G_LIST, "list", 0, CLI_FLAG, NULL, "list the scenarios"},
    CLI_OPT_HELP,
    {0, NULL, 0, 0, NULL, NULL}};

const cli_spec cmd_gen_spec = {
    "gen", "SCENARIO [options] -o PATH\n       faultline gen --list",
    "Write realistic event data for SCENARIO to PATH and the ground truth to\n"
    "PATH.manifest.json. Same options -> byte-identical output.",
    gen_opts, "exit: 0 written, 2 usage, 3 output could not be written", 0};

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

static int gen_opt(int id, const char *val, void *user) {
  gen_args *a = user;
  uint64_t v;
  int bad = 0;
  switch (id) {
    case G_OUTPUT: a->path = val; break;
    case G_LIST: a->list = 1; break;
    case G_HOSTILE: a->o.hostile = 1; break;
    case G_NO_MANIFEST: a->o.no_manifest = 1; break;
    case G_FORMAT: bad = fl_gen_format_parse(val, &a->o.format) != 0; break;
    case G_SEED: bad = parse_u64(val, UINT64_MAX, &a->o.seed) != 0; break;
    case G_HOSTS:
      bad = parse_u64(val, 20000, &v) || v == 0;
      if (!bad) a->o.hosts = (unsigned)v;
      break;
    case G_DAYS:
      bad = parse_u64(val, 3650, &v) || v == 0;
      if (!bad) a->o.days = (unsigned)v;
      break;
    case G_SIZE: bad = fl_gen_parse_size(val, &a->o.size) || a->o.size == 0; break;
    case G_HOST_OFFSET:
      bad = parse_u64(val, 1000000, &v) != 0;
      if (!bad) a->o.host_offset = (unsigned)v;
      break;
    case G_TIME_SHIFT:
      bad = parse_u64(val + (val[0] == '-'), 3650, &v) != 0;
      if (!bad) a->o.time_shift_days = val[0] == '-' ? -(int)v : (int)v;
      break;
    case G_WITH_NETSH: a->o.netsh_path = val; break;
    case G_XML_STYLE:
      if (!strcmp(val, "wevtutil")) a->o.xml_style = FL_GEN_XML_WEVTUTIL;
      else if (!strcmp(val, "getwinevent")) a->o.xml_style = FL_GEN_XML_GETWINEVENT;
      else bad = 1;
      break;
    case G_JSON_STYLE:
      if (!strcmp(val, "evtx_dump")) a->o.json_style = FL_GEN_JSON_EVTX_DUMP;
      else if (!strcmp(val, "winlogbeat")) a->o.json_style = FL_GEN_JSON_WINLOGBEAT;
      else bad = 1;
      break;
    default: break;
  }
  if (!bad) return 0;
  for (const cli_opt *o = gen_opts; o->id; o++)
    if (o->id == id) return cli_usage_error("gen", "bad value '%s' for --%s", val, o->name);
  return FL_EXIT_USAGE;
}

/* A scenario name close to a mistyped one, or NULL. */
static const char *similar_scenario(const char *name) {
  const char *names[64];
  size_t n = 0;
  for (size_t i = 0; i < fl_gen_scenario_count() && n < 64; i++)
    names[n++] = fl_gen_scenario_at(i)->name;
  return fl_catalog_suggest_from(name, names, n);
}

int cmd_gen(int argc, char **argv) {
  gen_args a;
  memset(&a, 0, sizeof a);
  a.o.seed = 1;
  int first = 0, rc = cli_parse(&cmd_gen_spec, argc, argv, gen_opt, &a, &first);
  if (rc >= 0) return rc;
  if (argc - first > 1) return cli_usage_error("gen", "unexpected argument '%s'", argv[first + 1]);
  if (first < argc) a.o.scenario = argv[first];
  if (a.list) {
    gen_list();
    return FL_EXIT_OK;
  }
  if (!a.o.scenario) return cli_usage_error("gen", "no scenario given (faultline gen --list)");
  if (!fl_gen_scenario_find(a.o.scenario)) {
    const char *like = similar_scenario(a.o.scenario);
    if (like)
      return cli_usage_error("gen", "unknown scenario '%s'; did you mean '%s'? (faultline gen --list)",
                             a.o.scenario, like);
    return cli_usage_error("gen", "unknown scenario '%s' (faultline gen --list)", a.o.scenario);
  }
  if (!a.path) return cli_usage_error("gen", "no output path: use -o PATH");
  fl_error err;
  fl_error_clear(&err);
  fl_gen_result res;
  fl_status st = fl_gen_run(&a.o, a.path, &res, &err);
  if (st != FL_OK) {
    cli_print_error("gen", &err);
    return st == FL_EUSAGE ? FL_EXIT_USAGE : FL_EXIT_INPUT;
  }
  fputs("faultline gen: ", stderr);
  cli_term_name(stderr, a.path);
  fprintf(stderr, ": %llu records (%llu in scope, %llu episodes), %llu bytes\n",
          (unsigned long long)res.records, (unsigned long long)res.in_scope,
          (unsigned long long)res.episodes, (unsigned long long)res.bytes);
  return FL_EXIT_OK;
}
