/*
** Internals of lib/diag shared by diag_engine.c (collecting events) and
** diag_finish.c (rules, episodes, notes). Not installed. Events are kept
** compact (string ids, not strings) because a large log holds many of them.
*/
#ifndef FL_DIAG_INTERNAL_H
#define FL_DIAG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "faultline.h"

/* Interned strings: id 0 is the empty string. */
typedef struct diag_strings {
  char **items;
  size_t count, cap;
  uint32_t *slots;   /* open addressing; 0 = free, else id */
  size_t slot_cap;   /* power of two */
} diag_strings;

uint32_t diag_intern(diag_strings *s, const char *p, size_t len);
const char *diag_str(const diag_strings *s, uint32_t id);
void diag_strings_free(diag_strings *s);

typedef struct diag_event {
  uint64_t time;
  uint64_t record_id;
  uint32_t host, peer, local_addr, file;
  uint32_t error_code, event_id;
  uint16_t remote_port;
  uint8_t kind;            /* fl_event_kind */
  uint8_t is_failure;
  uint8_t benign, multiple, resp_cookie_zero, has_error;
  int8_t keymod;           /* IKEEXT_KEY_MODULE_TYPE, -1 unknown */
  int8_t iscsi_failure;    /* ISCSI_INITIATOR_FAILURE_TYPE, -1 */
} diag_event;

typedef struct diag_episode_build diag_episode_build;

struct fl_diag {
  fl_diag_options opt;
  diag_strings strings;
  diag_event *ev;
  size_t ev_count, ev_cap;
  fl_diag_source *sources;
  size_t source_count, source_cap;
  /* results, owned here, built by fl_diag_finish() */
  int finished;
  fl_diag_result result;
  fl_episode *episodes;
  diag_episode_build *builds;
  size_t build_count;      /* builds, incl. those merged into others */
  size_t episode_count;    /* live episodes in episodes[] */
  fl_coverage_note notes[8];
  size_t note_count;
};

fl_status diag_build_result(struct fl_diag *d, fl_error *err);
void diag_free_result(struct fl_diag *d);

#endif
