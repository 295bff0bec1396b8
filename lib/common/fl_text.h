/*
** The text toolkit: how untrusted text (event fields are attacker-chosen)
** is written as JSON, HTML, CSV and terminal text. One copy of each policy
** for the whole library and CLI (issue 12); every writer goes through it.
**
** Policies (tests/unit/test_common.c holds them to these words):
** - Invalid UTF-8 (bad bytes, overlong forms, surrogates, > U+10FFFF) never
**   passes: JSON writes \ufffd, HTML and CSV write U+FFFD, the terminal
**   writes \xNN for each bad byte.
** - Controls (C0, DEL, C1 U+0080..U+009F; so ESC, BEL, CSI) never pass raw:
**   JSON \u00NN (\n \r \t as such), HTML and CSV U+FFFD (HTML keeps \n \t,
**   CSV keeps \t \n \r inside a quoted cell), terminal \xNN per byte (a
**   newline only with FL_TEXT_TERM_NEWLINES).
** - JSON also escapes U+2028/U+2029 (JavaScript line ends) and the bidi
**   controls as \uNNNN; with FL_TEXT_JSON_SCRIPT "</" becomes "<\/" so the
**   text can sit inside an HTML <script>. The terminal writes bidi controls
**   as \xNN bytes and doubles a backslash that is followed by 'x'.
** - CSV is RFC 4180 (quoted when needed, "" for "), and a cell that starts
**   with = + - @ TAB or CR is quoted with a ' in front so no spreadsheet
**   runs it as a formula.
**
** All functions append to an fl_buf (grown as needed; on failure it is
** marked failed, see fl_buf.h) or write to a FILE. They are reentrant and
** keep no state. Must never: read past n bytes, stop at a NUL inside n
** (the _s forms take C strings), or allocate except to grow the buffer.
*/
#ifndef FL_COMMON_TEXT_H
#define FL_COMMON_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/fl_buf.h"

enum {
  FL_TEXT_JSON_SCRIPT = 1u,    /* JSON: "</" -> "<\/" */
  FL_TEXT_TERM_NEWLINES = 2u,  /* terminal: '\n' passes as a line break */
  /* JSON as the exporting tools write it (evtx_dump, Winlogbeat): only what
  ** RFC 8259 requires (C0, '"', '\\'; invalid UTF-8 still \ufffd); DEL, C1,
  ** bidi and U+2028/9 pass raw. Only for writers that imitate those tools
  ** (lib/gen); never for our own reports. */
  FL_TEXT_JSON_AS_EXPORTED = 4u,
};

/* A quoted JSON string. */
void fl_text_json(fl_buf *b, const char *s, size_t n, unsigned flags);
/* Text for HTML element content or a quoted attribute (no quotes added). */
void fl_text_html(fl_buf *b, const char *s, size_t n);
/* One CSV cell (quotes added when the cell needs them). */
void fl_text_csv(fl_buf *b, const char *s, size_t n);
/* The inside of a cell built from several pieces: '"' doubled, controls
** and invalid UTF-8 replaced. The caller writes the quotes, and the '
** guard when fl_text_csv_guarded says the first piece needs it. */
void fl_text_csv_body(fl_buf *b, const char *s, size_t n);
/* 1 when the cell would get the formula guard (it starts with = + - @ TAB
** or CR). */
int fl_text_csv_guarded(const char *s, size_t n);
/* Terminal text (no quotes). */
void fl_text_term(fl_buf *b, const char *s, size_t n, unsigned flags);
/* Columns fl_text_term's output takes (1 per character, 4 per \xNN). */
size_t fl_text_term_width(const char *s, size_t n, unsigned flags);

/* The same to a FILE, from a C string (NULL is ""). */
void fl_text_json_fputs(FILE *out, const char *s, unsigned flags);
void fl_text_html_fputs(FILE *out, const char *s);
void fl_text_csv_fputs(FILE *out, const char *s);
void fl_text_csv_body_fputs(FILE *out, const char *s);
void fl_text_term_fputs(FILE *out, const char *s, unsigned flags);
/* n bytes of s (stopping at a NUL) to a FILE. */
void fl_text_term_fwrite(FILE *out, const char *s, size_t n, unsigned flags);
void fl_text_html_fwrite(FILE *out, const char *s, size_t n);

/* Into a caller's array, snprintf-style: returns the length of the whole
** escaped text; writes at most cap-1 bytes and a NUL (nothing if cap 0).
** kind is one of the fl_text_kind values. */
typedef enum { FL_TEXT_JSON, FL_TEXT_HTML, FL_TEXT_CSV, FL_TEXT_TERM } fl_text_kind;
size_t fl_text_escape(fl_text_kind kind, const char *s, size_t n,
                      unsigned flags, char *out, size_t cap);

#endif
