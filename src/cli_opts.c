/*
** The option-table machinery of cli_opts.h: builds getopt_long's tables
** from a command's cli_opt list, reports errors with a "did you mean", and
** prints help and completion words from the same list.
**
** Must never: let getopt print its own messages (opterr = 0), keep state
** between calls (optind is reset), or print an argument unescaped.
*/
#include "cli_opts.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { MAX_OPTS = 64 };

static size_t count_opts(const cli_opt *o) {
  size_t n = 0;
  while (o[n].id) n++;
  return n;
}

/* "--name" forms of the options, for the suggestion. */
static const char *suggest_option(const cli_spec *spec, const char *bad) {
  static char names[MAX_OPTS][40];
  const char *list[MAX_OPTS];
  size_t n = 0;
  for (const cli_opt *o = spec->opts; o->id && n < MAX_OPTS; o++, n++) {
    snprintf(names[n], sizeof names[n], "--%s", o->name);
    list[n] = names[n];
  }
  char word[64];
  snprintf(word, sizeof word, "%s", bad);
  char *eq = strchr(word, '=');
  if (eq) *eq = '\0';
  if (strlen(word) < 4) return NULL; /* "-x": nothing to go by */
  if (word[0] == '-' && word[1] != '-') { /* "-format": a long one with one dash */
    memmove(word + 1, word, strlen(word) + 1);
    word[0] = '-';
  }
  return fl_catalog_suggest_from(word, list, n);
}

static int unknown_option(const cli_spec *spec, const char *arg) {
  const char *s = suggest_option(spec, arg);
  fprintf(stderr, "faultline %s: unknown option '", spec->cmd);
  cli_term_string(stderr, arg);
  fputc('\'', stderr);
  if (s) fprintf(stderr, "; did you mean '%s'?", s);
  fprintf(stderr, "\nTry 'faultline %s --help'.\n", spec->cmd);
  return FL_EXIT_USAGE;
}

int cli_parse(const cli_spec *spec, int argc, char **argv, cli_opt_fn on,
              void *user, int *first) {
  struct option longs[MAX_OPTS + 1];
  char shorts[3 * MAX_OPTS + 2] = ":"; /* ':' first: a missing value is ':' */
  size_t n = count_opts(spec->opts), k = 1;
  if (n > MAX_OPTS) n = MAX_OPTS;
  for (size_t i = 0; i < n; i++) {
    const cli_opt *o = &spec->opts[i];
    longs[i] = (struct option){o->name, o->arg ? required_argument : no_argument, NULL, (int)(256 + i)};
    if (o->short_name) {
      shorts[k++] = (char)o->short_name;
      if (o->arg) shorts[k++] = ':';
    }
  }
  shorts[k] = '\0';
  memset(&longs[n], 0, sizeof longs[n]);
  int end = argc;
  if (spec->numeric_operands) { /* negative numbers to the end, out of getopt's way */
    int w = 1;
    char *neg[256];
    int nneg = 0;
    for (int r = 1; r < argc; r++) {
      char *a = argv[r];
      if (a[0] == '-' && a[1] >= '0' && a[1] <= '9' && nneg < 256) neg[nneg++] = a;
      else argv[w++] = a;
    }
    for (int i = 0; i < nneg; i++) argv[w + i] = neg[i];
    end = w;
  }
  opterr = 0;
  optind = 0; /* glibc: start over (argv may be a new vector) */
  for (;;) {
    int c = getopt_long(end, argv, shorts, longs, NULL);
    if (c == -1) break;
    const char *arg = argv[optind > 1 ? optind - 1 : 1];
    if (c == ':') { /* a value is missing */
      char one[3] = {'-', (char)optopt, '\0'};
      fprintf(stderr, "faultline %s: '", spec->cmd);
      cli_term_string(stderr, optopt > 0 && optopt < 256 ? one : arg);
      fprintf(stderr, "' needs a value\nTry 'faultline %s --help'.\n", spec->cmd);
      return FL_EXIT_USAGE;
    }
    if (c == '?') {
      if (optopt >= 256) /* "--quiet=1" */
        return cli_usage_error(spec->cmd, "--%s takes no value", longs[optopt - 256].name);
      if (optopt) {
        char one[3] = {'-', (char)optopt, '\0'};
        return unknown_option(spec, one);
      }
      return unknown_option(spec, arg);
    }
    const cli_opt *o = NULL;
    if (c >= 256) o = &spec->opts[c - 256];
    for (size_t i = 0; i < n && !o; i++)
      if (spec->opts[i].short_name == c) o = &spec->opts[i];
    if (!o) return unknown_option(spec, arg);
    if (o->id == CLI_OPT_HELP_ID) {
      cli_print_help(spec, stdout);
      return FL_EXIT_OK;
    }
    int rc = on(o->id, o->arg ? optarg : NULL, user);
    if (rc) return rc;
  }
  *first = optind;
  return -1;
}

void cli_print_help(const cli_spec *spec, FILE *out) {
  fprintf(out, "usage: faultline %s %s\n\n", spec->cmd, spec->usage);
  if (spec->about && spec->about[0]) fprintf(out, "%s\n\n", spec->about);
  fputs("options:\n", out);
  for (const cli_opt *o = spec->opts; o->id; o++) {
    char left[80];
    int w = snprintf(left, sizeof left, "  %s%c%s--%s%s%s",
                     o->short_name ? "-" : "    ", o->short_name ? o->short_name : ' ',
                     o->short_name ? ", " : "", o->name, o->value ? " " : "",
                     o->value ? o->value : "");
    if (!o->short_name) /* "      --db PATH" */
      w = snprintf(left, sizeof left, "      --%s%s%s", o->name, o->value ? " " : "",
                   o->value ? o->value : "");
    fputs(left, out);
    const int col = 26;
    if (w >= col - 1) fprintf(out, "\n%*s", col, "");
    else fprintf(out, "%*s", col - w, "");
    for (const char *h = o->help; *h; h++) {
      fputc(*h, out);
      if (*h == '\n') fprintf(out, "%*s", col, "");
    }
    fputc('\n', out);
  }
  if (spec->footer && spec->footer[0]) fprintf(out, "\n%s\n", spec->footer);
}

void cli_complete_options(const cli_spec *spec, const char *opt, FILE *out) {
  for (const cli_opt *o = spec->opts; o->id; o++) {
    if (opt) {
      char s[3] = {'-', (char)o->short_name, '\0'};
      int same = (opt[0] == '-' && opt[1] == '-' && strcmp(opt + 2, o->name) == 0) ||
                 (o->short_name && strcmp(opt, s) == 0);
      if (!same || !o->value || !strchr(o->value, '|')) continue;
      for (const char *v = o->value; *v;) {
        size_t len = strcspn(v, "|");
        fprintf(out, "%.*s\n", (int)len, v);
        v += len + (v[len] == '|');
      }
      return;
    }
    fprintf(out, "--%s\n", o->name);
    if (o->short_name) fprintf(out, "-%c\n", o->short_name);
  }
}

int cli_parse_u64(const char *cmd, const char *opt, const char *val,
                  unsigned long long max, unsigned long long *out) {
  char *end;
  errno = 0;
  unsigned long long v = val && val[0] >= '0' && val[0] <= '9' ? strtoull(val, &end, 10) : 0;
  if (!val || !(val[0] >= '0' && val[0] <= '9') || errno || *end || v > max)
    return cli_usage_error(cmd, "%s wants a number 0..%llu (got '%s')", opt, max,
                           val ? val : "");
  *out = v;
  return 0;
}
