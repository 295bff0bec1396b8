/*
** Event Viewer's "XML View" pasted as text: the event XML with a "- " before
** every element that has children and a "+ " before a collapsed one (whose
** children and end tag the view hid). The markers are blanked and a collapsed
** element becomes empty ("<System>" -> "<System/>") in a copy of the same
** length, which the event XML reader reads, so line:column stay true.
**
** Must never: change the length or the line breaks of the text, or touch a
** line that is not marked.
*/
#include <stdlib.h>

#include "input/input_evtext.h"

/* Blanks the marker of the line [p, p+n) of the copy; closes a collapsed
** element. */
static void unmark_line(char *p, size_t n) {
  size_t i = 0;
  while (i < n && (p[i] == ' ' || p[i] == '\t')) i++;
  if (i + 2 >= n || (p[i] != '-' && p[i] != '+') || (p[i + 1] != ' ' && p[i + 1] != '\t'))
    return;
  size_t m = i, lt = i + 1;
  while (lt < n && (p[lt] == ' ' || p[lt] == '\t')) lt++;
  if (lt >= n || p[lt] != '<') return;
  int collapsed = p[m] == '+';
  p[m] = ' ';
  if (!collapsed) return;
  size_t gt = n;
  while (gt > lt && p[gt - 1] != '>') gt--;
  if (gt <= lt + 1 || p[gt - 2] == '/') return; /* no '>' or already empty */
  gt--; /* index of '>' */
  memmove(p + lt - 1, p + lt, gt - lt);
  p[gt - 1] = '/';
}

void fl_input_xml_view_read(fl_input_ctx *c, int utf8_forced) {
  fl_evtext_load(c);
  char *copy = malloc(c->text_len ? c->text_len : 1);
  if (!copy) {
    c->nomem = 1;
    return;
  }
  memcpy(copy, c->text, c->text_len);
  char *p = copy, *end = copy + c->text_len;
  while (p < end) {
    char *nl = memchr(p, '\n', (size_t)(end - p));
    char *le = nl ? nl : end;
    unmark_line(p, (size_t)(le - p));
    p = nl ? nl + 1 : end;
  }
  fl_evtext_read_xml_copy(c, copy, utf8_forced);
  free(copy);
}
