/*
** Shared by `diagnose` and `report`: their options (database, output
** format, HTML page) and the writing of a diagnosis as reports. The two
** commands differ only in where the events come from.
*/
#ifndef FL_DIAG_CLI_H
#define FL_DIAG_CLI_H

#include "cli.h"

typedef struct diag_cli_opts {
  const char *db;        /* --db, $FAULTLINE_DB, or ./faultline.db */
  const char *store;     /* --store URL of another backend, or NULL */
  int no_db;             /* diagnose --no-db: do not store */
  fl_report_format format; /* --format: a stdout row of report_formats.def */
  const char *html;      /* --html FILE, or NULL */
  const char *output;    /* -o FILE: the report there, not on stdout */
  int verbose;
  int quiet;             /* -q: no progress bar, no notes on stderr */
  unsigned reader_flags; /* FL_EVTX_STRICT | FL_EVTX_RECOVER */
  int db_default;        /* o->db is ./faultline.db by default */
  int has_since, has_until;
  uint64_t since, until; /* FILETIME window of the events diagnosed */
  const char *host;      /* findings about this host only (any of its hosts) */
  const char *peer;      /* ... this peer (address, name or iSCSI target) */
  const char *cause;     /* ... this cause id (rules.def) */
  char **inputs;         /* positional arguments (argv, reordered) */
  int input_count;
} diag_cli_opts;

/* Parses argv, moving the positional arguments to argv[1..]. Returns -1 to
** go on, or the exit code (help: 0, usage: 2). */
int diag_cli_parse(const char *cmd, int argc, char **argv, diag_cli_opts *o);


/* 1 when an event at FILETIME t is inside --since/--until. */
int diag_cli_in_window(const diag_cli_opts *o, uint64_t t);

/* The findings --host/--peer/--cause select: r itself when none is given,
** else *view (episodes in *episodes, malloc'd; free it after writing).
** When --since/--until left events out, the notes that say an event kind
** is missing are replaced by one saying so (*notes, malloc'd, freed after).
** NULL when out of memory. */
const fl_diag_result *diag_cli_select(const diag_cli_opts *o,
                                      const fl_diag_result *r,
                                      fl_diag_result *view,
                                      fl_episode **episodes,
                                      fl_coverage_note **notes);

/* Finishes the diagnosis and writes the report(s). Returns FL_EXIT_FINDINGS
** when something was found, FL_EXIT_OK when not, FL_EXIT_INPUT on failure. */
int diag_cli_report(const char *cmd, fl_diag *d, const diag_cli_opts *o);

/* Diagnoses what store holds (its sources and, in time order, its events
** within --since/--until) and writes the report(s): `report` over the
** database, `diagnose` over the database its inputs were just read into.
** Returns an exit code as diag_cli_report. */
int diag_cli_from_store(const char *cmd, fl_store *store, const diag_cli_opts *o);
/* The same over any store backend (--store URL). */
int diag_cli_from_backend(const char *cmd, fl_store_backend *b, const diag_cli_opts *o);

/* diagnose straight from the pipeline while the inputs come in time order
** (diag_direct.c): a sink feeding the engine what the temporary store would
** give back; after diag_direct_fell_back() the caller must read the inputs
** again through a store and use diag_cli_from_store instead. */
typedef struct diag_direct diag_direct;
diag_direct *diag_direct_new(const diag_cli_opts *o); /* NULL: out of memory */
fl_pipeline_sink diag_direct_sink(diag_direct *d);
int diag_direct_fell_back(const diag_direct *d);
int diag_direct_report(diag_direct *d, const char *cmd); /* as diag_cli_report */
void diag_direct_free(diag_direct *d);

#endif
