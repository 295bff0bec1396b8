/*
** What input bytes are: the format found by looking at the decoded content
** (input_stream.c looks through gzip and UTF-16), never at the name, by
** the detectors of the format registry (input_formats.c).
**
** Must never: read past the buffer while sniffing, or look further than
** the first 64 KiB.
*/

#include "input/input_internal.h"

fl_input_format fl_input_detect(const void *data, size_t len) {
  if (fl_input_detect_evtx(data, len)) return FL_INPUT_EVTX;
  fl_input_stream *s = fl_input_stream_memory(data, len);
  if (!s) return FL_INPUT_UNKNOWN;
  fl_input_format f = FL_INPUT_UNKNOWN;
  const fl_input_view *v = fl_input_stream_view(s);
  while (v->len < 65536 && fl_input_stream_more(s, 0)) {
  }
  if (fl_input_stream_status(s, NULL) != FL_ENOMEM)
    f = fl_input_detect_text(v->p ? v->p : "", v->len);
  fl_input_stream_free(s);
  return f;
}
