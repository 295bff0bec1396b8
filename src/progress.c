/*
** The stderr progress bar (progress.h): a bar, percent, items, MB/s and ETA
** on one line, redrawn in place with \r.
**
** Must never: draw when inactive, draw more often than every 100 ms (unless
** $FAULTLINE_PROGRESS_NOW asks, for tests), or
** print a label unescaped (file names can hold control characters).
*/
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
  const char *now = getenv("FAULTLINE_PROGRESS_NOW");
  int at_once = now && *now;
  p->delay = at_once ? 0 : 0.5;
  p->every = at_once ? 0 : 0.1;
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
  fprintf(stderr, " %3.0f%%", frac * 100);
  if (p->unit) fprintf(stderr, " %llu %s", (unsigned long long)items, p->unit);
  fprintf(stderr, " %.1f MB/s", mbs);
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
  if (t - p->start < p->delay || t - p->last < p->every) return;
  p->last = t;
  draw(p, bytes_done, items, t);
}

void progress_end(progress *p) {
  if (!p->active || !p->drawn) return;
  fputs("\r\x1b[K", stderr);
  fflush(stderr);
  p->drawn = 0;
}

static uint64_t size_of(const char *path) {
  struct stat st;
  if (strcmp(path, "-") == 0 || stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
  return (uint64_t)st.st_size;
}

void progress_inputs(progress *p, char *const *paths, size_t count,
                     const char *unit) {
  uint64_t total = 0;
  if (p->active)
    for (size_t i = 0; i < count; i++) total += size_of(paths[i]);
  progress_begin(p, NULL, unit, total);
  p->paths = paths;
  p->count = count;
  p->base = 0;
  p->size = 0;
}

void progress_input(progress *p, size_t i) {
  if (!p->active || i >= p->count) return;
  p->base += p->size;
  p->current = i;
  p->size = size_of(p->paths[i]);
  const char *name = strrchr(p->paths[i], '/');
  name = name ? name + 1 : p->paths[i];
  if (p->count > 1)
    snprintf(p->label_buf, sizeof p->label_buf, "%.40s (%zu/%zu)", name, i + 1, p->count);
  else
    snprintf(p->label_buf, sizeof p->label_buf, "%.50s", name);
  p->label = p->label_buf;
}

void progress_at(progress *p, uint64_t done, uint64_t total, uint64_t items) {
  if (!p->active) return;
  uint64_t in = total ? (uint64_t)((double)p->size * ((double)done / (double)total)) : 0;
  progress_update(p, p->base + in, items);
}
