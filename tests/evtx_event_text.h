/*
** Every field of a record as text, for tests and the fuzz harness that
** compare two ways of reading the same file (plans against op by op): equal
** texts, equal records. A NULL string and an empty one differ ('-' / '=').
**
** Never used by the library; never prints a field without its length
** (values may hold NUL bytes).
*/
#ifndef FL_TEST_EVTX_EVENT_TEXT_H
#define FL_TEST_EVTX_EVENT_TEXT_H

#include <stdio.h>

#include "evtx/evtx_internal.h"

static inline void fl_test_put_str(fl_buf *b, const char *tag, fl_evtx_str s) {
  char head[48];
  int n = snprintf(head, sizeof head, "|%s%c%zu:", tag, s.ptr ? '=' : '-', s.len);
  fl_evtx_buf_put(b, head, (size_t)n);
  if (s.ptr && s.len) fl_evtx_buf_put(b, s.ptr, s.len);
}

static inline void fl_test_event_text(fl_buf *b, const fl_evtx_event *ev) {
  char line[512];
  int n = snprintf(line, sizeof line,
                   "\n%llu %llu %x id=%u q=%u v=%u l=%u t=%u o=%u k=%llx tc=%llu"
                   " wt=%llu rid=%llu p=%u th=%u rec=%d ch=%llu",
                   (unsigned long long)ev->record_id,
                   (unsigned long long)ev->file_offset, ev->present, ev->event_id,
                   ev->qualifiers, ev->version, ev->level, ev->task, ev->opcode,
                   (unsigned long long)ev->keywords,
                   (unsigned long long)ev->time_created,
                   (unsigned long long)ev->written_time,
                   (unsigned long long)ev->event_record_id, ev->process_id,
                   ev->thread_id, ev->recovered,
                   (unsigned long long)ev->chunk_index);
  fl_evtx_buf_put(b, line, (size_t)n);
  fl_test_put_str(b, "prov", ev->provider_name);
  fl_test_put_str(b, "guid", ev->provider_guid);
  fl_test_put_str(b, "src", ev->event_source_name);
  fl_test_put_str(b, "chan", ev->channel);
  fl_test_put_str(b, "comp", ev->computer);
  fl_test_put_str(b, "user", ev->user_sid);
  fl_test_put_str(b, "act", ev->activity_id);
  fl_test_put_str(b, "rel", ev->related_activity_id);
  fl_test_put_str(b, "json", ev->rendered);
  for (size_t i = 0; i < ev->data_count; i++) {
    fl_test_put_str(b, "n", ev->data[i].name);
    fl_test_put_str(b, "v", ev->data[i].value);
  }
}

#endif
