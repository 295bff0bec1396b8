/*
** A progress bar on stderr for long work: items done, MB/s and ETA, redrawn
** at most ten times a second on one line. Any command may use it.
**
** Must never: draw anything when stderr is not a terminal or --quiet was
** given, use colour when NO_COLOR is set, or write to stdout.
*/
#ifndef FL_PROGRESS_H
#define FL_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

typedef struct progress {
  int active;          /* stderr is a TTY and not quiet */
  int colour;
  const char *label;   /* e.g. the file name; not copied */
  const char *unit;    /* "records", "events"; NULL: no count shown */
  uint64_t total;      /* bytes; 0 = unknown */
  double start, last;  /* monotonic seconds */
  double delay, every; /* first draw after delay (short runs stay quiet),
                          then at most every `every` seconds; both 0 with
                          $FAULTLINE_PROGRESS_NOW set (tests) */
  int drawn;           /* something is on the line */
  /* several inputs (progress_inputs) */
  char *const *paths;
  size_t count, current;
  uint64_t base;       /* bytes of the inputs before the current one */
  uint64_t size;       /* the current input's size */
  char label_buf[96];
} progress;

/* quiet: the caller's --quiet. */
void progress_init(progress *p, int quiet);
void progress_begin(progress *p, const char *label, const char *unit,
                    uint64_t total_bytes);
/* Redraws when 100 ms have passed since the last draw (the first after
** half a second). */
void progress_update(progress *p, uint64_t bytes_done, uint64_t items);
/* Clears the line. */
void progress_end(progress *p);

/* Several inputs on one bar: progress_inputs() sums their sizes (stat;
** "-" and unknown sizes count 0) and begins the bar; progress_input()
** starts input i; progress_at() takes a reader's position in the current
** input (done of total, decoded bytes for gzip) and moves the bar by the
** input's share of the whole. The label is "NAME (i/N)". */
void progress_inputs(progress *p, char *const *paths, size_t count,
                     const char *unit);
void progress_input(progress *p, size_t i);
void progress_at(progress *p, uint64_t done, uint64_t total, uint64_t items);

#endif
