/*
** faultline: entry point. Finds the command and hands over argv; knows
** nothing about any command's options (each has its table, cli_opts.h).
** Usage: faultline <command> [options] [files...]; `faultline --help` lists
** the commands from commands.def; `faultline help CMD` is CMD's help; a
** mistyped command gets a "did you mean". `faultline __complete [CMD [OPT]]`
** prints words for the shell completion scripts (scripts/completion/).
*/
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_opts.h"

typedef struct command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
  const cli_spec *spec; /* NULL: the command has no option table */
} command;

static const command commands[] = {
#define FL_COMMAND(name, fn, summary) {name, fn, summary, &fn##_spec},
#include "commands.def"
#undef FL_COMMAND
};
enum { N_COMMANDS = sizeof commands / sizeof *commands };

static void usage(FILE *out) {
  fprintf(out,
          "faultline %s - find and explain why Windows IPsec/IKE, IPsec "
          "policy and iSCSI logins fail\n\n"
          "usage: faultline <command> [options] [files...]\n\ncommands:\n",
          fl_version());
  for (size_t i = 0; i < N_COMMANDS; i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(out,
          "\n'faultline help <command>' (or '<command> --help') for a command's "
          "options;\n'man faultline' for everything. -V, --version: the version.\n"
          "exit codes: 0 ok, 1 findings or partial input, 2 usage, 3 input "
          "error\n");
}

static const command *find(const char *name) {
  for (size_t i = 0; i < N_COMMANDS; i++)
    if (strcmp(name, commands[i].name) == 0) return &commands[i];
  return NULL;
}

static int unknown_command(const char *name) {
  const char *names[N_COMMANDS + 1];
  for (size_t i = 0; i < N_COMMANDS; i++) names[i] = commands[i].name;
  names[N_COMMANDS] = "help";
  const char *like = fl_catalog_suggest_from(name, names, N_COMMANDS + 1);
  fputs("faultline: unknown command '", stderr);
  cli_term_string(stderr, name);
  fputc('\'', stderr);
  if (like) fprintf(stderr, "; did you mean '%s'?", like);
  fputs("\nRun 'faultline --help' for the list of commands.\n", stderr);
  return FL_EXIT_USAGE;
}

/* `faultline help [CMD]` */
static int help(int argc, char **argv) {
  if (argc < 3) {
    usage(stdout);
    return FL_EXIT_OK;
  }
  const command *c = find(argv[2]);
  if (!c) return unknown_command(argv[2]);
  if (c->spec) {
    cli_print_help(c->spec, stdout);
    return FL_EXIT_OK;
  }
  char name[32], opt[] = "--help";
  snprintf(name, sizeof name, "%s", c->name);
  char *args[] = {name, opt, NULL};
  return c->run(2, args);
}

/* Words for shell completion: commands, a command's options, or the
** choices of one option. */
static int complete(int argc, char **argv) {
  if (argc < 3) {
    for (size_t i = 0; i < N_COMMANDS; i++) puts(commands[i].name);
    puts("help");
    return FL_EXIT_OK;
  }
  const command *c = find(argv[2]);
  if (c && c->spec) cli_complete_options(c->spec, argc > 3 ? argv[3] : NULL, stdout);
  return FL_EXIT_OK;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return FL_EXIT_USAGE;
  }
  const char *a = argv[1];
  if (cli_is_help(a)) {
    usage(stdout);
    return FL_EXIT_OK;
  }
  if (strcmp(a, "help") == 0) return help(argc, argv);
  if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
    printf("faultline %s\n", fl_version());
    return FL_EXIT_OK;
  }
  if (strcmp(a, "__complete") == 0) return complete(argc, argv);
  const command *c = find(a);
  if (c) return c->run(argc - 1, argv + 1);
  if (a[0] == '-') {
    fputs("faultline: unknown option '", stderr);
    cli_term_string(stderr, a);
    fputs("' (options come after the command)\n", stderr);
    usage(stderr);
    return FL_EXIT_USAGE;
  }
  return unknown_command(a);
}
