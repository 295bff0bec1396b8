/*
** Printers for `faultline explain`: one function per catalog item kind and
** output format. They only print what the catalog holds; they never decide
** what the user asked for (cmd_explain.c does).
*/
#ifndef FL_EXPLAIN_RENDER_H
#define FL_EXPLAIN_RENDER_H

#include <stdio.h>

#include "cli.h"

typedef struct explain_out {
  FILE *out;
  cli_format format; /* CLI_FORMAT_TEXT or CLI_FORMAT_JSON */
  int colour;
} explain_out;

void explain_code(const explain_out *o, const fl_code_info *c);
void explain_event(const explain_out *o, const fl_event_def *ev);
void explain_insert(const explain_out *o, const fl_insert_info *in);
void explain_iscsiprt(const explain_out *o, const fl_iscsiprt_event *ev);
void explain_enum_value(const explain_out *o, const fl_enum_value *v);

/* --list: kind is codes|events|inserts|iscsi-events|enums|flags.
** Returns 0, or -1 for an unknown kind. */
int explain_list(const explain_out *o, const char *kind);

#endif
