/*
** Lumberjack v2 frames for `faultline serve` (serve_lumberjack.c).
**
** Must never be used off the loop thread.
*/
#ifndef FL_SERVE_LUMBERJACK_H
#define FL_SERVE_LUMBERJACK_H

#include "serve/serve_internal.h"

/* Bytes one compressed frame may inflate to. */
enum { SERVE_LJ_INFLATE_MAX = 64 << 20 };

typedef struct serve_lj {
  uint32_t window; /* events the client sends before it waits for an ACK */
} serve_lj;

/* Takes the next frame of d[0..len): a window, an event (added to j, its
** seq noted in j->ack_seq) or a compressed frame (every frame inside).
** inner: inside a compressed frame (no nesting). */
fl_serve_frame_result serve_lj_next(fl_serve *s, serve_lj *st, const unsigned char *d,
                                    size_t len, int inner, serve_job *j, size_t *used,
                                    const char **why);

#endif
