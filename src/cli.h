/*
** Shared pieces of the faultline command-line tool: exit codes, output
** format selection, colour policy and option-value parsing.
**
** The CLI is thin: it parses arguments and prints; every decision about
** events lives in lib/. Nothing here may read event data itself.
*/
#ifndef FL_CLI_H
#define FL_CLI_H

#include <stdio.h>

#include "faultline.h"

/* Exit codes, documented in docs/faultline.1 and README.md. */
enum {
  FL_EXIT_OK = 0,       /* success, nothing found */
  FL_EXIT_FINDINGS = 1, /* findings, or partial input (something skipped) */
  FL_EXIT_USAGE = 2,    /* bad command line */
  FL_EXIT_INPUT = 3     /* input unusable / unknown item */
};

typedef enum cli_format {
  CLI_FORMAT_TEXT = 0,
  CLI_FORMAT_JSON,
  CLI_FORMAT_CSV,
  CLI_FORMAT_XML,
  CLI_FORMAT_JSONL,
  CLI_FORMAT_TIMELINE, /* query: CSV for Timesketch / Timeline Explorer */
  CLI_FORMAT_ECS       /* query: ECS JSON lines for Elastic */
} cli_format;

/* Parses a --format value against the allowed set (a bitmask of
** 1u << cli_format). Prints a usage error and returns -1 when not allowed. */
int cli_parse_format(const char *cmd, const char *value, unsigned allowed,
                     cli_format *out);

/* 1 when colour may be written to stream: a TTY and NO_COLOR unset. */
int cli_use_colour(FILE *stream);

/* Prints "faultline CMD: message" to stderr and returns FL_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Returns 1 if arg is -h or --help. */
int cli_is_help(const char *arg);

/* Writes s as a JSON string literal (with quotes), escaping everything that
** JSON requires and every control character. */
void cli_json_string(FILE *out, const char *s);

/* Writes s for a terminal: control characters, ESC, C1 controls and invalid
** UTF-8 are shown as \xNN so
** attacker-controlled text cannot move the cursor or recolour the screen. */
void cli_term_string(FILE *out, const char *s);
/* The same for a name (a path, a value quoted in a message): a newline is
** escaped too, so a name can never start a forged line. */
void cli_term_name(FILE *out, const char *s);

/* Prints "faultline CMD: file: offset ..: kind: message" to stderr. */
void cli_print_error(const char *cmd, const fl_error *err);

/* Prints a reader diagnostic to stderr as "file: chunk N offset 0x..:
** record R: warning: message" or "file:line:col: ..." for text inputs. */
void cli_print_diag(const fl_evtx_diag *d);

/* Expands the command line's inputs: files stay, "-" stays, directories
** are walked (regular files, sorted by name, recursively). Returns a
** malloc'd NULL-terminated array of malloc'd strings in *out, or -1 with a
** message on stderr (out of memory, or a named path missing or unreadable:
** every such path is named). cli_free_paths() releases it. */
/* Files the last cli_expand_paths left out of directories (not a log,
** a FIFO/socket/device, a dangling link): non-zero makes the exit partial. */
size_t cli_paths_skipped(void);
int cli_expand_paths(const char *cmd, char *const *args, int count, char ***out);
void cli_free_paths(char **paths);

/* A --since/--until value as a FILETIME: ISO 8601 UTC ("2024-05-01",
** "2024-05-01T12:30:00.250Z") or relative to now ("-7d", "-12h", "-30m",
** "-90s", "-2w"). -1 when it is neither. */
int cli_parse_time(const char *s, uint64_t now, uint64_t *ft);
uint64_t cli_now_filetime(void);
#define CLI_TIME_HELP "ISO UTC time (2024-05-01, 2024-05-01T12:30:00Z) or -7d, -12h, -30m"

/* The database path: given (--db), else $FAULTLINE_DB, else ./faultline.db.
** *is_default is set when neither was given. */
const char *cli_db_path(const char *given, int *is_default);
/* Call before opening a database for writing: after the open, says on
** stderr where a default database was created (cli_db_created). */
int cli_db_exists(const char *path);
void cli_db_created(const char *cmd, const char *path, int existed,
                    int is_default, int quiet);

/* --store: a store URL (a row of lib/store/store_backends.def other than
** SQLite). 1 when spec names such a backend; a path (or NULL) is SQLite,
** which the commands open as they always did. */
int cli_store_is_url(const char *spec);
/* The value of a command's --store: a URL goes to *store, a path to *db
** (as --db). Returns 0, or a usage error's exit code (explained) when empty. */
int cli_store_option(const char *cmd, const char *val, const char **db, const char **store);
/* Opens a backend for cmd (notes and errors on stderr, escaped). Returns
** FL_EXIT_OK or FL_EXIT_INPUT / FL_EXIT_USAGE. */
int cli_store_open(const char *cmd, const char *spec, unsigned flags,
                   uint32_t batch_rows, fl_store_backend **out);
#define CLI_OPT_STORE_HELP \
  "store URL: clickhouse://HOST:8123/DB (users from\n" \
  "$FAULTLINE_CH_USER/_PASSWORD; docs/deployment.md)"

/* Each command's run function and, when it has one, its option table
** (cli_opts.h) named <function>_spec; weak, so a command without a table
** still links (its spec is then NULL and `help CMD` runs CMD --help). */
struct cli_spec;
#define FL_COMMAND(name, fn, summary) \
  int fn(int argc, char **argv);      \
  extern const struct cli_spec fn##_spec __attribute__((weak));
#include "commands.def"
#undef FL_COMMAND

#endif
