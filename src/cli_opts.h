/*
** One option table per command, driving everything about its options:
** getopt_long parsing (--opt=value, --opt value, -o value, bundled short
** flags, `--` ends options, operands anywhere), the --help text, "did you
** mean" for a mistyped option, and shell completion (`faultline __complete`).
**
** Must never: parse argv by hand in a command (use cli_parse), print an
** option list that is not generated from the table, or exit the process.
*/
#ifndef FL_CLI_OPTS_H
#define FL_CLI_OPTS_H

#include <stdio.h>

enum { CLI_FLAG = 0, CLI_VALUE = 1 };

typedef struct cli_opt {
  int id;             /* returned to the command; > 0 */
  const char *name;   /* long name without "--" */
  int short_name;     /* 'o', or 0 */
  int arg;            /* CLI_FLAG or CLI_VALUE */
  const char *value;  /* the value's name in help ("PATH"), or its choices
                         "text|json|csv" (completion offers them) */
  const char *help;   /* one line; "\n" continues on the next, indented */
} cli_opt;

#define CLI_OPT_HELP_ID 1000
#define CLI_OPT_HELP {CLI_OPT_HELP_ID, "help", 'h', CLI_FLAG, NULL, "this help"}
/* Options several commands share, spelled once. */
#define CLI_OPT_DB(id) \
  {id, "db", 0, CLI_VALUE, "PATH", "database (default $FAULTLINE_DB, else ./faultline.db)"}
#define CLI_OPT_QUIET(id, what) {id, "quiet", 'q', CLI_FLAG, NULL, what}
#define CLI_EXIT_TEXT "exit: 0 ok, 1 findings or partial input, 2 usage, 3 input error"

struct cli_spec {
  const char *cmd;       /* "query" */
  const char *usage;     /* after "usage: faultline CMD ", e.g. "[options] INPUT..." */
  const char *about;     /* a paragraph before the options */
  const cli_opt *opts;   /* ends with {0} */
  const char *footer;    /* after the options (exit codes, see also) */
  int numeric_operands;  /* "-1073741819" is an operand, not options */
};
typedef struct cli_spec cli_spec;

/* Called for each option in command-line order; val is NULL for flags.
** Returns 0 to go on, or an exit code (already explained on stderr). */
typedef int (*cli_opt_fn)(int id, const char *val, void *user);

/* Parses argv[1..] with getopt_long. Operands end up in argv[*first..argc)
** in their order. Returns -1 to go on, 0 after printing --help, 2 on a
** usage error (message and a suggestion printed), or on()'s exit code. */
int cli_parse(const cli_spec *spec, int argc, char **argv, cli_opt_fn on,
              void *user, int *first);

/* The --help text of a command. */
void cli_print_help(const cli_spec *spec, FILE *out);

/* Shell completion: prints the command's options (one per line, long and
** short forms) or, when opt names one taking choices, the choices. */
void cli_complete_options(const cli_spec *spec, const char *opt, FILE *out);

/* A number 0..max for option opt (a usage error naming it otherwise). */
int cli_parse_u64(const char *cmd, const char *opt, const char *val,
                  unsigned long long max, unsigned long long *out);

#endif
