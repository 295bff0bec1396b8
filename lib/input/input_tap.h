/*
** For lib/pipeline: reading a descriptor (standard input) as a stream while
** someone else sees every raw byte (to fingerprint it) and hears the format
** before the first record (to begin its sinks) — one pass, bounded memory.
**
** Must never be included outside lib/input and lib/pipeline (the public
** reader is faultline/input.h).
*/
#ifndef FL_INPUT_TAP_H
#define FL_INPUT_TAP_H

#include <stddef.h>

#include "faultline/evtx.h"
#include "faultline/input.h"

/* Every raw byte taken from the descriptor, in order, before decoding. */
typedef void (*fl_input_tap_fn)(const void *p, size_t n, void *user);

typedef struct fl_input_tap {
  fl_input_tap_fn raw;
  /* The format found (or FL_INPUT_UNKNOWN: none) before the first record;
  ** non-zero: do not read (the reader returns FL_OK with nothing read). */
  int (*format)(fl_input_format fmt, void *user);
  void *user;
} fl_input_tap;

/* Reads fd (a pipe, a FIFO, stdin: never seeked, never mapped; EVTX is
** spooled to a temporary file) as fl_input_read reads a file, telling tap.
** After a read that ended FL_OK or FL_EPARTIAL the rest of the descriptor is
** read to its end through tap.raw, so the fingerprint covers every byte. */
fl_status fl_input_read_fd_tapped(int fd, const char *name,
                                  const fl_input_tap *tap,
                                  const fl_evtx_options *opt,
                                  fl_evtx_stats *stats, fl_error *err);

#endif
