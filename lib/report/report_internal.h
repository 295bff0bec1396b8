/*
** Shared internals of the report stage (lib/report/): escaping for each
** output language, UTC time formatting, error-code lookup and small text
** helpers used by the text, JSON, CSV and HTML writers.
**
** Every string that came from an event is attacker-controlled: writers must
** only ever emit it through one of the rp_*_str escapers below, never with
** fputs/fprintf("%s"). Nothing here allocates or keeps state between calls.
*/
#ifndef FL_REPORT_INTERNAL_H
#define FL_REPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/fl_text.h"
#include "faultline/report.h"

/* Escaping is the text toolkit's (lib/common/fl_text.h: the policies are
** written there); these are the report's names for its FILE forms. The JSON
** report always escapes "</" so its text may sit in the HTML page. */
static inline void rp_term_str(FILE *out, const char *s, int keep_newlines) {
  fl_text_term_fputs(out, s, keep_newlines ? FL_TEXT_TERM_NEWLINES : 0);
}
/* The same for at most n bytes of s. */
static inline void rp_term_strn(FILE *out, const char *s, size_t n,
                                int keep_newlines) {
  fl_text_term_fwrite(out, s, n, keep_newlines ? FL_TEXT_TERM_NEWLINES : 0);
}
/* Display width of s as rp_term_str prints it. */
static inline size_t rp_term_widthn(const char *s, size_t n,
                                    int keep_newlines) {
  return s ? fl_text_term_width(s, strnlen(s, n),
                                keep_newlines ? FL_TEXT_TERM_NEWLINES : 0)
           : 0;
}
static inline size_t rp_term_width(const char *s, int keep_newlines) {
  return rp_term_widthn(s, s ? strlen(s) : 0, keep_newlines);
}
static inline void rp_json_str(FILE *out, const char *s) {
  fl_text_json_fputs(out, s, FL_TEXT_JSON_SCRIPT);
}
static inline void rp_html_str(FILE *out, const char *s) {
  fl_text_html_fputs(out, s);
}
static inline void rp_html_strn(FILE *out, const char *s, size_t len) {
  fl_text_html_fwrite(out, s, len);
}
static inline void rp_csv_cell(FILE *out, const char *s) {
  fl_text_csv_fputs(out, s);
}
/* Pieces of a cell built from several strings (see fl_text_csv_body). */
static inline int rp_csv_needs_guard(const char *s) {
  return s && fl_text_csv_guarded(s, strlen(s));
}
static inline void rp_csv_body(FILE *out, const char *s) {
  fl_text_csv_body_fputs(out, s);
}

/* NULL-safe string. */
static inline const char *rp_s(const char *s) { return s ? s : ""; }

/* FILETIME -> "YYYY-MM-DDTHH:MM:SS[.mmm]Z" (UTC; milliseconds when not
** whole seconds); "" for 0. buf >= 32 bytes. */
void rp_iso_time(uint64_t filetime, char *buf, size_t cap);

/* "ongoing" / "recovered" / "intermittent" / "unknown". Own copy: the
** diagnosis stage owns fl_episode_state_name(). */
const char *rp_state_name(fl_episode_state s);

/* Error code description: symbol (episode's, else catalog's), message and
** family name from the catalog ("" when unknown), and the code printed the
** way Windows people read it (decimal Win32, 0x-hex otherwise). */
typedef struct rp_error_desc {
  const char *symbol;
  const char *message;
  const char *family;
  char code[24];
  char hex[16];
} rp_error_desc;
void rp_describe_error(uint32_t code, const char *episode_symbol,
                       rp_error_desc *d);

/* Validates the arguments every writer takes; fills err. */
fl_status rp_check_args(FILE *out, const fl_diag_result *r, fl_error *err);
/* FL_OK, or FL_EIO when the stream has an error. */
fl_status rp_finish(FILE *out, const char *what, fl_error *err);

/* Array lengths, 0 when the pointer is NULL (hand-made results). */
static inline size_t rp_n_evidence(const fl_episode *e) {
  return e->evidence ? e->evidence_count : 0;
}
static inline size_t rp_n_times(const fl_episode *e) {
  return e->times ? e->time_count : 0;
}
static inline size_t rp_n_hosts(const fl_episode *e) {
  return e->hosts ? e->host_count : 0;
}
static inline size_t rp_n_peers(const fl_episode *e) {
  return e->peers ? e->peer_count : 0;
}

/* Number of episodes with finding = 1 / benign (finding = 0). */
size_t rp_count_findings(const fl_diag_result *r);

#endif
