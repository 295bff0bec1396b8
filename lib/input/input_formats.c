/*
** The input-format registry (faultline/input_formats.def) made code: the
** names, the detection loop over the rows' detectors, the detectors of the
** built-in formats, and the small adapters from a row's parse to each
** reader. lib/input/input_read.c dispatches through this table only.
**
** Must never: look at a file name, read past len while sniffing, or know a
** format anywhere but in its row and its reader file.
*/
#include <stdio.h>

#include "input/input_evtext.h"

static const struct {
  const char *name;
  int (*detect)(const char *text, size_t len);
  fl_input_parse_fn parse;
  const char *description;
} formats[] = {
    {"unknown", NULL, NULL, ""},
#define FL_INPUT_FORMAT(id, name, detect, parse, description) \
  {name, detect, parse, description},
#include "faultline/input_formats.def"
#undef FL_INPUT_FORMAT
};
_Static_assert(sizeof formats / sizeof *formats == FL_INPUT_FORMAT_COUNT,
               "one row per fl_input_format");

const char *fl_input_format_name(fl_input_format format) {
  return (unsigned)format < FL_INPUT_FORMAT_COUNT ? formats[format].name
                                                   : formats[0].name;
}

const char *fl_input_format_description(fl_input_format format) {
  return (unsigned)format < FL_INPUT_FORMAT_COUNT ? formats[format].description
                                                   : "";
}

fl_input_format fl_input_format_named(const char *name) {
  for (int f = 1; name && f < FL_INPUT_FORMAT_COUNT; f++)
    if (strcmp(formats[f].name, name) == 0) return (fl_input_format)f;
  return FL_INPUT_UNKNOWN;
}

fl_input_parse_fn fl_input_format_parser(fl_input_format format) {
  return (unsigned)format < FL_INPUT_FORMAT_COUNT ? formats[format].parse : NULL;
}

fl_input_format fl_input_detect_text(const char *p, size_t n) {
  for (int f = 1; f < FL_INPUT_FORMAT_COUNT; f++)
    if (formats[f].detect(p, n)) return (fl_input_format)f;
  return FL_INPUT_UNKNOWN;
}

/* ---- parse adapters: a row's reader with the source's decoding facts ---- */
void fl_input_xml_parse(fl_input_ctx *c, fl_input_stream *src) {
  fl_input_xml_read(c, fl_input_stream_transcoded(src));
}

void fl_input_json_parse(fl_input_ctx *c, fl_input_stream *src) {
  (void)src;
  fl_input_json_read(c);
}

void fl_input_event_text_parse(fl_input_ctx *c, fl_input_stream *src) {
  fl_input_evtext_read(c, fl_input_stream_transcoded(src));
}

void fl_input_format_list_parse(fl_input_ctx *c, fl_input_stream *src) {
  (void)src;
  fl_input_format_list_read(c);
}

void fl_input_xml_view_parse(fl_input_ctx *c, fl_input_stream *src) {
  fl_input_xml_view_read(c, fl_input_stream_transcoded(src));
}

void fl_input_export_parse(fl_input_ctx *c, fl_input_stream *src) {
  (void)src;
  fl_input_export_read(c);
}

/* ---- detectors of the built-in formats ---- */
/* The rendered forms share one sniffer (input_evtext): each row asks it. */
int fl_input_detect_event_text(const char *p, size_t n) {
  return fl_input_detect_rendered(p, n) == FL_INPUT_EVENT_TEXT;
}
int fl_input_detect_format_list(const char *p, size_t n) {
  return fl_input_detect_rendered(p, n) == FL_INPUT_FORMAT_LIST;
}
int fl_input_detect_xml_view(const char *p, size_t n) {
  return fl_input_detect_rendered(p, n) == FL_INPUT_XML_VIEW;
}
int fl_input_detect_export_csv(const char *p, size_t n) {
  return fl_input_detect_rendered(p, n) == FL_INPUT_EXPORT_CSV;
}
int fl_input_detect_export_txt(const char *p, size_t n) {
  return fl_input_detect_rendered(p, n) == FL_INPUT_EXPORT_TXT;
}
int fl_input_detect_evtx(const char *p, size_t n) {
  static const char magic[8] = {'E', 'l', 'f', 'F', 'i', 'l', 'e', 0};
  return n >= 8 && memcmp(p, magic, 8) == 0;
}

static size_t skip_blanks(const char *p, size_t n, size_t i) {
  while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) i++;
  return i;
}

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

/* 1 when the text starts (after blanks) with markup; root gets the local
** name of its first element, "" when that cannot be parsed. */
static int xml_root(const char *p, size_t n, char root[64]) {
  size_t i = skip_blanks(p, n, 0);
  root[0] = 0;
  if (i >= n || p[i] != '<') return 0;
  char name[64];
  size_t look = n - i < 65536 ? n - i : 65536;
  if (!fl_input_first_element(p + i, look, name, sizeof name)) return 1;
  const char *colon = strrchr(name, ':');
  snprintf(root, 64, "%s", colon ? colon + 1 : name);
  return 1;
}

int fl_input_detect_netsh_xml(const char *p, size_t n) {
  char nm[64];
  return xml_root(p, n, nm) &&
         (!strcmp(nm, "netEvents") || !strcmp(nm, "netEvent") ||
          !strcmp(nm, "wfpdiag") || !strcmp(nm, "wfpstate"));
}

int fl_input_detect_event_xml(const char *p, size_t n) {
  char nm[64];
  /* unparseable markup too: the XML reader will say where it breaks */
  return xml_root(p, n, nm) &&
         (!nm[0] || !strcmp(nm, "Events") || !strcmp(nm, "Event"));
}

int fl_input_detect_json(const char *p, size_t n) {
  size_t i = skip_blanks(p, n, 0);
  if (i >= n) return 0;
  if (p[i] == '{' || p[i] == '[') return 1;
  /* evtx_dump -o json puts "Record N" lines between documents; snapshots
  ** and logs may have a few header lines: a line starting a JSON value in
  ** the first 16 lines still makes it JSON. */
  if (p[i] == '<') return 0;
  unsigned lines = 0;
  while (i < n && lines < 16) {
    const char *nl = memchr(p + i, '\n', n - i);
    if (!nl) break;
    i = (size_t)(nl - p) + 1;
    lines++;
    while (i < n && (p[i] == ' ' || p[i] == '\t')) i++;
    if (i < n && (p[i] == '{' || p[i] == '[')) return 1;
  }
  return 0;
}
