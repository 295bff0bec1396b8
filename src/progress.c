/*
** The stderr progress bar (progress.h): a bar, percent, items, MB/s and ETA
** on one line, redrawn in place with \r.
**
** Must never: draw when inactive, draw more often than every 100 ms, or
** print a label unescaped (file names can hold control characters).
*/
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_init(progress *p, int quiet) {
  memset(p, 0, sizeof *p);
  p->active = !quiet && isatty(fileno(stderr));
  p->colour = p->active && cli_use_colour(stderr);
}

void progress_begin(progress *p, const char *label, const char *unit,
                    uint64_t total_bytes) {
  p->label = label;
  p->unit = unit;
  p->total = total_bytes;
  p->start = now_seconds();
  p->last = 0;
}

static void draw(progress *p, uint64_t done, uint64_t items, double t) {
  double elapsed = t - p->start > 1e-6 ? t - p->start : 1e-6;
  double mbs = (double)done / 1e6 / elapsed;
  double frac = p->total ? (double)done / (double)p->total : 0;
  if (frac > 1) frac = 1;
  char bar[32];
  int width = 24, fill = (int)(frac * width);
  for (int i = 0; i < width; i++) bar[i] = i < fill ? '#' : '.';
  bar[width] = '\0';
  fputs("\r", stderr);
  if (p->label) {
    /* the tail of the label, escaped */
    const char *l = p->label;
    size_t n = strlen(l);
    if (n > 30) l += n - 30;
    cli_term_string(stderr, l);
    fputc(' ', stderr);
  }
  if (p->colour) fputs("\x1b[32m", stderr);
  fprintf(stderr, "[%s]", bar);
  if (p->colour) fputs("\x1b[0m", stderr);
  fprintf(stderr, " %3.0f%% %llu %s %.1f MB/s", frac * 100,
          (unsigned long long)items, p->unit ? p->unit : "", mbs);
  if (p->total && frac > 0.001 && frac < 1) {
    double eta = elapsed * (1 - frac) / frac;
    fprintf(stderr, " ETA %d:%02d", (int)eta / 60, (int)eta % 60);
  }
  fputs("\x1b[K", stderr); /* clear to end of line */
  fflush(stderr);
  p->drawn = 1;
}

void progress_update(progress *p, uint64_t bytes_done, uint64_t items) {
  if (!p->active) return;
  double t = now_seconds();
  if (t - p->last < 0.1) return;
  p->last = t;
  draw(p, bytes_done, items, t);
}

void progress_end(progress *p) {
  if (!p->active || !p->drawn) return;
  fputs("\r\x1b[K", stderr);
  fflush(stderr);
  p->drawn = 0;
}
