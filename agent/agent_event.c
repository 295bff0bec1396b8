/*
** Serialisation: an event (fl_evtx_event, whatever captured it) becomes one
** JSON line in the library's own writer (fl_input_render, the shape of
** `faultline dump --format jsonl`), so the collector reads what the agent
** sends exactly as it reads a file. No JSON writer of the agent's own.
**
** Must never: send a line that is not one complete JSON object, or keep a
** '\n' inside a line (the spool and /ingest are line-framed).
*/
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "input/input_internal.h" /* fl_input_render_event: UserData's wrapper */

int agent_event_json(const fl_evtx_event *ev, fl_evtx_str wrapper, agent_line *out) {
  fl_buf b = {out->p, 0, out->cap, 0};
  fl_input_render_event(&b, ev, wrapper.ptr, wrapper.len, FL_EVTX_RENDER_JSONL);
  out->p = b.p;
  out->cap = b.cap;
  out->len = b.failed ? 0 : b.len;
  while (out->len && (out->p[out->len - 1] == '\n' || out->p[out->len - 1] == '\r')) out->len--;
  return !out->len || memchr(out->p, '\n', out->len) ? -1 : 0;
}

void agent_line_free(agent_line *l) {
  fl_buf b = {l->p, l->len, l->cap, 0};
  fl_buf_free(&b);
  memset(l, 0, sizeof *l);
}

/* A recorded line is passed on as it is when it is one JSON object of a
** shape lib/input reads; a full parse is the collector's job. */
int agent_json_line_ok(const char *s, size_t n) {
  while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
  while (n && (*s == ' ' || *s == '\t')) s++, n--;
  if (n < 2 || s[0] != '{' || s[n - 1] != '}' || memchr(s, '\n', n)) return 0;
  /* Balanced braces outside strings. */
  int depth = 0, in_str = 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (in_str) {
      if (c == '\\') i++;
      else if (c == '"') in_str = 0;
    } else if (c == '"') {
      in_str = 1;
    } else if (c == '{' || c == '[') {
      depth++;
    } else if (c == '}' || c == ']') {
      if (--depth < 0) return 0;
      if (!depth && i != n - 1) return 0;
    }
  }
  return depth == 0 && !in_str;
}
