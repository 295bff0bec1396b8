/*
** faultline: entry point. Finds the command and hands over argv; knows
** nothing about any command's options. Usage: faultline <command> [options]
** [files...]; `faultline --help` lists the commands from commands.def.
*/
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} command;

static const command commands[] = {
#define FL_COMMAND(name, fn, summary) {name, fn, summary},
#include "commands.def"
#undef FL_COMMAND
};

static void usage(FILE *out) {
  fprintf(out,
          "faultline %s - find and explain why Windows IPsec/IKE, IPsec "
          "policy and iSCSI logins fail\n\n"
          "usage: faultline <command> [options] [files...]\n\ncommands:\n",
          fl_version());
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(out,
          "\n'faultline <command> --help' for a command's options; "
          "'man faultline' for everything.\n"
          "exit codes: 0 ok, 1 findings or partial input, 2 usage, 3 input "
          "error\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return FL_EXIT_USAGE;
  }
  if (cli_is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return FL_EXIT_OK;
  }
  if (strcmp(argv[1], "--version") == 0) {
    printf("faultline %s\n", fl_version());
    return FL_EXIT_OK;
  }
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    if (strcmp(argv[1], commands[i].name) == 0)
      return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "faultline: unknown command '%s'\n\n", argv[1]);
  usage(stderr);
  return FL_EXIT_USAGE;
}
