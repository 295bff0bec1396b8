/*
** Internals of lib/pipeline shared by its files: the input fingerprint
** (SHA-256 on a second thread while the reader runs).
**
** Must never be included outside lib/pipeline (the API is
** faultline/pipeline.h).
*/
#ifndef FL_PIPELINE_INTERNAL_H
#define FL_PIPELINE_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "faultline/pipeline.h"

/* One input's fingerprint: of a file (path) or of caller bytes. */
typedef struct pipeline_hasher {
  const char *path;      /* or */
  const uint8_t *data;
  size_t len;
  atomic_int cancel;
  int done;       /* hex is final (hashed before reading) */
  int background; /* runs on its own thread, at a lower priority */
  int failed;     /* errno of the failure, or -1 */
  char hex[65];
} pipeline_hasher;

/* Hashes h's input into h->hex (a pthread start routine). */
void *pipeline_hash_main(void *arg);

#endif
