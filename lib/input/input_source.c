/*
** What input bytes are: the format found by looking at the decoded content
** (input_stream.c looks through gzip and UTF-16), never at the name.
**
** Must never: read past the buffer while sniffing, or look further than
** the first 64 KiB.
*/

#include "input/input_evtext.h"

static const char fl_evtx_magic[8] = {'E', 'l', 'f', 'F', 'i', 'l', 'e', 0};

/* The name of the first element, skipping the prolog (decl, comments,
** PIs, DOCTYPE): n bytes copied into out. */
static size_t fl_input_first_element(const char *p, size_t n, char *out,
                                     size_t cap) {
  size_t i = 0;
  while (i < n) {
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) i++;
    if (i >= n || p[i] != '<') return 0;
    if (i + 1 < n && (p[i + 1] == '?' || p[i + 1] == '!')) {
      const char *end = memchr(p + i, '>', n - i);
      if (!end) return 0;
      i = (size_t)(end - p) + 1;
      continue;
    }
    i++;
    size_t k = 0;
    while (i < n && k + 1 < cap && p[i] != '>' && p[i] != '/' && p[i] != ' ' &&
           p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
      out[k++] = p[i++];
    out[k] = 0;
    return k;
  }
  return 0;
}

fl_input_format fl_input_detect_text(const char *p, size_t n) {
  fl_input_format rendered = fl_input_detect_rendered(p, n);
  if (rendered != FL_INPUT_UNKNOWN) return rendered;
  size_t i = 0;
  while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) i++;
  if (i >= n) return FL_INPUT_UNKNOWN;
  if (p[i] == '<') {
    char name[64];
    size_t look = n - i < 65536 ? n - i : 65536;
    if (!fl_input_first_element(p + i, look, name, sizeof name))
      return FL_INPUT_EVENT_XML; /* malformed: the XML reader will say where */
    const char *colon = strrchr(name, ':');
    const char *nm = colon ? colon + 1 : name;
    if (!strcmp(nm, "netEvents") || !strcmp(nm, "netEvent") ||
        !strcmp(nm, "wfpdiag") || !strcmp(nm, "wfpstate"))
      return FL_INPUT_NETSH_XML;
    if (!strcmp(nm, "Events") || !strcmp(nm, "Event"))
      return FL_INPUT_EVENT_XML;
    return FL_INPUT_UNKNOWN;
  }
  if (p[i] == '{' || p[i] == '[') return FL_INPUT_JSON;
  /* evtx_dump -o json puts "Record N" lines between documents; snapshots
  ** and logs may have a few header lines: a line starting a JSON value in
  ** the first 16 lines still makes it JSON. */
  unsigned lines = 0;
  while (i < n && lines < 16) {
    const char *nl = memchr(p + i, '\n', n - i);
    if (!nl) break;
    i = (size_t)(nl - p) + 1;
    lines++;
    while (i < n && (p[i] == ' ' || p[i] == '\t')) i++;
    if (i < n && (p[i] == '{' || p[i] == '[')) return FL_INPUT_JSON;
  }
  return FL_INPUT_UNKNOWN;
}

fl_input_format fl_input_detect(const void *data, size_t len) {
  if (len >= 8 && memcmp(data, fl_evtx_magic, 8) == 0) return FL_INPUT_EVTX;
  fl_input_stream *s = fl_input_stream_memory(data, len);
  if (!s) return FL_INPUT_UNKNOWN;
  fl_input_format f = FL_INPUT_UNKNOWN;
  const fl_input_view *v = fl_input_stream_view(s);
  while (v->len < 65536 && fl_input_stream_more(s, 0)) {
  }
  if (fl_input_stream_status(s, NULL) != FL_ENOMEM)
    f = v->len >= 8 && memcmp(v->p, fl_evtx_magic, 8) == 0
            ? FL_INPUT_EVTX
            : fl_input_detect_text(v->p ? v->p : "", v->len);
  fl_input_stream_free(s);
  return f;
}
