/*
** A progress bar on stderr for long work: items done, MB/s and ETA, redrawn
** at most ten times a second on one line. Any command may use it.
**
** Must never: draw anything when stderr is not a terminal or --quiet was
** given, use colour when NO_COLOR is set, or write to stdout.
*/
#ifndef FL_PROGRESS_H
#define FL_PROGRESS_H

#include <stdint.h>

typedef struct progress {
  int active;          /* stderr is a TTY and not quiet */
  int colour;
  const char *label;   /* e.g. the file name; not copied */
  const char *unit;    /* "records", "events" */
  uint64_t total;      /* bytes; 0 = unknown */
  double start, last;  /* monotonic seconds */
  int drawn;           /* something is on the line */
} progress;

/* quiet: the caller's --quiet. */
void progress_init(progress *p, int quiet);
void progress_begin(progress *p, const char *label, const char *unit,
                    uint64_t total_bytes);
/* Redraws when 100 ms have passed since the last draw. */
void progress_update(progress *p, uint64_t bytes_done, uint64_t items);
/* Clears the line. */
void progress_end(progress *p);

#endif
