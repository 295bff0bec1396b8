/*
** Shared CLI helpers: format option, colour policy, escaping for the
** terminal and JSON. Escaping lives here once so no command prints event
** text raw.
*/
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fl_text.h"

static const char *const format_names[] = {"text", "json", "csv", "xml",
                                           "jsonl", "timeline", "ecs"};

int cli_parse_format(const char *cmd, const char *value, unsigned allowed,
                     cli_format *out) {
  for (unsigned i = 0; i < sizeof format_names / sizeof *format_names; i++) {
    if (value && strcmp(value, format_names[i]) == 0 && (allowed & (1u << i))) {
      *out = (cli_format)i;
      return 0;
    }
  }
  char list[96] = "";
  for (unsigned i = 0; i < sizeof format_names / sizeof *format_names; i++) {
    if (!(allowed & (1u << i))) continue;
    if (list[0]) strncat(list, "|", sizeof list - strlen(list) - 1);
    strncat(list, format_names[i], sizeof list - strlen(list) - 1);
  }
  cli_usage_error(cmd, "--format must be one of %s (got '%s')", list,
                  value ? value : "");
  return -1;
}

int cli_use_colour(FILE *stream) {
  const char *no = getenv("NO_COLOR");
  if (no && no[0]) return 0;
  return isatty(fileno(stream));
}

int cli_usage_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "faultline %s: ", cmd);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\nTry 'faultline %s --help'.\n", cmd);
  va_end(ap);
  return FL_EXIT_USAGE;
}

int cli_is_help(const char *arg) {
  return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

/* Escaping is the text toolkit's (lib/common/fl_text.h). */
void cli_json_string(FILE *out, const char *s) { fl_text_json_fputs(out, s, 0); }

void cli_term_string(FILE *out, const char *s) {
  fl_text_term_fputs(out, s, FL_TEXT_TERM_NEWLINES);
}

void cli_term_name(FILE *out, const char *s) { fl_text_term_fputs(out, s, 0); }

void cli_print_diag(const fl_evtx_diag *d) {
  const fl_input_diag *x = fl_input_diag_from(d); /* text input */
  cli_term_name(stderr, d->file);
  if (x) {
    fprintf(stderr, ":%u:%u: ", x->line, x->column);
  } else {
    fputs(": ", stderr);
    if (d->chunk < 0) fprintf(stderr, "header ");
    else fprintf(stderr, "chunk %lld ", (long long)d->chunk);
    fprintf(stderr, "offset 0x%llx: ", (unsigned long long)d->offset);
  }
  if (d->has_record) fprintf(stderr, "record %llu: ", (unsigned long long)d->record_id);
  fprintf(stderr, "%s: ", d->severity == FL_EVTX_ERROR ? "error" : "warning");
  cli_term_string(stderr, d->message);
  fputc('\n', stderr);
}

void cli_print_error(const char *cmd, const fl_error *err) {
  char msg[700];
  fl_error_format(err, msg, sizeof msg);
  fprintf(stderr, "faultline %s: ", cmd);
  cli_term_string(stderr, msg);
  fputc('\n', stderr);
}

const char *cli_db_path(const char *given, int *is_default) {
  if (is_default) *is_default = 0;
  if (given && *given) return given;
  const char *env = getenv("FAULTLINE_DB");
  if (env && *env) return env;
  if (is_default) *is_default = 1;
  return "faultline.db";
}

int cli_db_exists(const char *path) { return access(path, F_OK) == 0; }

void cli_db_created(const char *cmd, const char *path, int existed,
                    int is_default, int quiet) {
  if (existed || !is_default || quiet || !cli_db_exists(path)) return;
  char *abs = realpath(path, NULL);
  fprintf(stderr, "faultline %s: created the database ", cmd);
  cli_term_string(stderr, abs ? abs : path);
  fputs(" (the default, ./faultline.db; --db PATH or $FAULTLINE_DB to choose "
        "another)\n", stderr);
  free(abs);
}
