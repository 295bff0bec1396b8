/*
** Get-WinEvent | Format-List (and Format-List *): "Name : value" lines, a
** value continued on the lines indented below it (PowerShell wraps long
** messages and indents every line of a multi-line one), events one after
** another. A property seen twice starts the next event, so blank lines inside
** a message never split it.
**
** Must never: treat an indented line as a new property, or let one event's
** message run into the next event's properties.
*/
#include "input/input_evtext.h"

/* "Name : value" at column 0: the name's length and where the value starts;
** 0 when the line is not a property line. */
static size_t property(const char *p, size_t n, size_t *value_at) {
  size_t i = 0;
  while (i < n && ((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z') ||
                   (i && p[i] >= '0' && p[i] <= '9')))
    i++;
  size_t name = i;
  while (i < n && p[i] == ' ') i++;
  if (!name || i >= n || p[i] != ':') return 0;
  i++;
  if (i < n && p[i] == ' ') i++;
  *value_at = i;
  return name;
}

void fl_input_format_list_read(fl_input_ctx *c) {
  fl_evtext_load(c);
  const char *p = c->text, *end = c->text + c->text_len, *next;
  fl_evtext_rec r;
  memset(&r, 0, sizeof r);
  int open = 0;
  fl_evtext_key last = EVK_NONE;
  unsigned long long seen = 0;
  while (p < end && !c->stop && !c->nomem) {
    size_t n = fl_evtext_line(p, end, &next), at = 0;
    size_t name = property(p, n, &at);
    if (!name) {
      /* Continuation (indented or blank): extends the value being read. */
      if (open && last != EVK_NONE && r.v[last].ptr)
        r.v[last].len = (size_t)(p + n - r.v[last].ptr);
      p = next;
      continue;
    }
    fl_evtext_key k = fl_evtext_key_of(p, name, EVT_L);
    if (k != EVK_NONE && k != EVK_IGNORED && (seen >> k & 1u)) {
      fl_evtext_emit(c, &r); /* a property seen again: the next event */
      memset(&r, 0, sizeof r);
      seen = 0;
      open = 0;
    }
    if (!open) {
      r.off = (size_t)(p - c->text);
      open = 1;
    }
    last = k == EVK_IGNORED ? EVK_NONE : k;
    if (last != EVK_NONE) {
      r.v[k] = (fl_evtx_str){p + at, n - at};
      seen |= 1ull << k;
    }
    p = next;
  }
  if (open && !c->stop) fl_evtext_emit(c, &r);
}
