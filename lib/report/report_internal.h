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

#include "faultline/report.h"

/* Length of the valid UTF-8 sequence at p (no overlongs, no surrogates, no
** beyond-U+10FFFF), or 0; *cp gets the code point. p must be NUL-terminated. */
size_t rp_utf8_seq(const unsigned char *p, uint32_t *cp);

/* Terminal: control characters, DEL, C1 controls (U+0080..U+009F) and
** invalid UTF-8 bytes become \xNN. keep_newlines lets '\n' through (trusted
** multi-line text such as rule advice); otherwise it is escaped too. */
void rp_term_str(FILE *out, const char *s, int keep_newlines);
/* The same for the n bytes at s (a span cut at ASCII boundaries). */
void rp_term_strn(FILE *out, const char *s, size_t n, int keep_newlines);
/* Display width of s as rp_term_str prints it (code points, escapes 4). */
size_t rp_term_width(const char *s, int keep_newlines);
size_t rp_term_widthn(const char *s, size_t n, int keep_newlines);

/* JSON string literal with quotes; invalid UTF-8 becomes U+FFFD, every
** control character \uNNNN (or its short form), U+2028/2029 escaped. */
void rp_json_str(FILE *out, const char *s);

/* HTML text or attribute value: & < > " ' escaped, invalid UTF-8 becomes
** U+FFFD, controls other than \n \t dropped to U+FFFD. */
void rp_html_str(FILE *out, const char *s);
/* The same for at most len bytes of s. */
void rp_html_strn(FILE *out, const char *s, size_t len);

/* One CSV cell (RFC 4180): quoted when needed, '"' doubled, a leading
** = + - @ TAB CR guarded with ', invalid UTF-8 replaced by U+FFFD. */
void rp_csv_cell(FILE *out, const char *s);
/* Pieces for a cell built from several strings: the caller writes the
** quotes (and the ' guard when the first piece needs it); rp_csv_body
** doubles '"' and replaces invalid UTF-8. */
int rp_csv_needs_guard(const char *s);
void rp_csv_body(FILE *out, const char *s);

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
