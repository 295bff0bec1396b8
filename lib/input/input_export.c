/*
** Event Viewer "Save All Events As…" exports: .csv (comma) and .txt (tab),
** a header row naming the columns (Level or Keywords, Date and Time, Source,
** Event ID, Task Category) and one row per event whose last, unnamed column
** is the message, quoted when it holds the delimiter, quotes or newlines.
** Columns are found by their header (evtext_keys.def), so reordered or
** localised headers read too.
**
** Must never: read past the text on an unterminated quote (the row ends
** there and is reported), or mix two rows' cells.
*/
#include "input/input_evtext.h"

#define EXPORT_MAX_COLUMNS 32

typedef struct export_row {
  size_t start[EXPORT_MAX_COLUMNS], len[EXPORT_MAX_COLUMNS];
  size_t count;
  int extra;        /* cells past EXPORT_MAX_COLUMNS were dropped */
  int unterminated; /* a quoted cell ran to the end of the text */
} export_row;

/* Reads one row at *pos into cells (unquoted into b). */
static void read_row(const char *t, size_t n, size_t *pos, char sep,
                     fl_input_buf *b, export_row *row) {
  size_t i = *pos;
  b->len = 0;
  row->count = 0;
  row->extra = row->unterminated = 0;
  for (;;) {
    size_t start = b->len;
    if (i < n && t[i] == '"') {
      i++;
      for (;;) {
        if (i >= n) {
          row->unterminated = 1;
          break;
        }
        if (t[i] == '"') {
          if (i + 1 < n && t[i + 1] == '"') {
            fl_input_buf_putc(b, '"');
            i += 2;
            continue;
          }
          i++;
          break;
        }
        fl_input_buf_putc(b, t[i++]);
      }
    }
    while (i < n && t[i] != sep && t[i] != '\n' && t[i] != '\r') fl_input_buf_putc(b, t[i++]);
    if (row->count < EXPORT_MAX_COLUMNS) {
      row->start[row->count] = start;
      row->len[row->count] = b->len - start;
      row->count++;
    } else {
      row->extra = 1;
    }
    if (i < n && t[i] == sep) {
      i++;
      continue;
    }
    break;
  }
  if (i < n && t[i] == '\r') i++;
  if (i < n && t[i] == '\n') i++;
  *pos = i;
}

static int blank_row(const export_row *row) {
  return row->count == 1 && row->len[0] == 0;
}

void fl_input_export_read(fl_input_ctx *c) {
  fl_evtext_load(c);
  const char *t = c->text;
  size_t n = c->text_len, pos = 0;
  char sep = c->format == FL_INPUT_EXPORT_TXT ? '\t' : ',';
  fl_input_buf cells = {0};
  export_row head, row;
  fl_evtext_key cols[EXPORT_MAX_COLUMNS];
  read_row(t, n, &pos, sep, &cells, &head);
  int has_description = 0;
  for (size_t i = 0; i < head.count; i++) {
    cols[i] = fl_evtext_key_of(cells.p ? cells.p + head.start[i] : "", head.len[i], EVT_X | EVT_T);
    if (cols[i] == EVK_DESCRIPTION) has_description = 1;
  }
  while (pos < n && !c->stop && !c->nomem) {
    size_t at = pos;
    read_row(t, n, &pos, sep, &cells, &row);
    if (blank_row(&row)) continue;
    if (cells.failed) {
      c->nomem = 1;
      break;
    }
    fl_evtext_rec r;
    memset(&r, 0, sizeof r);
    r.off = at;
    for (size_t i = 0; i < row.count; i++) {
      fl_evtext_key k = i < head.count ? cols[i] : EVK_NONE;
      /* The message is the one unnamed column past the header's. */
      if (i >= head.count && !has_description && i == head.count) k = EVK_DESCRIPTION;
      if (k == EVK_NONE || k == EVK_IGNORED) continue;
      /* All-empty rows never grew the buffer: cells.p may be NULL. */
      r.v[k] = (fl_evtx_str){cells.p ? cells.p + row.start[i] : "", row.len[i]};
    }
    if (row.unterminated)
      fl_input_diag_emit(c, FL_EVTX_WARNING, at,
                         "a quoted cell runs to the end of the file");
    fl_evtext_emit(c, &r);
  }
  fl_buf_free(&cells);
}
