/*
** `faultline gen` driver: validates options, runs the engine into the
** chosen writer until the stream ends or --size is reached, and writes the
** ground-truth manifest (PATH.manifest.json). In-scope positions are
** spooled to a temporary file while generating, so memory stays constant.
** Must never leave a half-written manifest claiming success: on error the
** manifest is not written and the status says why.
*/
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/fl_error.h"
#include "common/fl_text.h"
#include "gen/gen_engine.h"

/* Each output form: its name (the input format's name for the same form)
** and its writer, in fl_gen_format order. */
static const struct {
  const char *name;
  void (*writer)(gen_writer *w);
} forms[FL_GEN_FORMAT_COUNT] = {
    {"evtx", fl_gen_writer_evtx},
    {"xml", fl_gen_writer_xml},
    {"netsh", fl_gen_writer_netsh},
    {"jsonl", fl_gen_writer_jsonl},
    {"event-text", fl_gen_writer_event_text},
    {"format-list", fl_gen_writer_format_list},
    {"xml-view", fl_gen_writer_xml_view},
    {"export-csv", fl_gen_writer_export_csv},
    {"export-txt", fl_gen_writer_export_txt},
};

const char *fl_gen_format_name(fl_gen_format f) {
  return (unsigned)f < FL_GEN_FORMAT_COUNT ? forms[f].name : "?";
}

int fl_gen_format_parse(const char *name, fl_gen_format *out) {
  for (int i = 0; name && i < FL_GEN_FORMAT_COUNT; i++)
    if (strcmp(name, forms[i].name) == 0) {
      *out = (fl_gen_format)i;
      return 0;
    }
  return -1;
}

int fl_gen_parse_size(const char *text, uint64_t *out) {
  static const struct { const char *suffix; uint64_t mul; } units[] = {
      {"", 1}, {"b", 1}, {"k", 1000}, {"kb", 1000}, {"kib", 1024}, {"m", 1000000},
      {"mb", 1000000}, {"mib", 1048576}, {"g", 1000000000}, {"gb", 1000000000},
      {"gib", 1073741824}};
  if (!text || !isdigit((unsigned char)text[0])) return -1;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  if (errno) return -1;
  char suf[8];
  size_t n = strlen(end);
  if (n >= sizeof suf) return -1;
  for (size_t i = 0; i <= n; i++) suf[i] = (char)tolower((unsigned char)end[i]);
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (strcmp(suf, units[i].suffix) == 0) {
      if (v > UINT64_MAX / units[i].mul) return -1;
      *out = v * units[i].mul;
      return 0;
    }
  return -1;
}

static void note_in_scope(FILE *spool, const gen_record *r, const gen_pos *p, int first) {
  char t[40];
  t[fl_gen_fmt_time(t, r->time, 7)] = '\0';
  fprintf(spool, "%s\n    {\"episode\": %d, \"event_id\": %u, \"channel\": \"%s\", ", first ? "" : ",",
          r->episode + 1, r->shape->event_id, r->shape->channel);
  char host[160];
  fl_text_escape(FL_TEXT_JSON, r->computer, strlen(r->computer),
                 FL_TEXT_JSON_AS_EXPORTED, host, sizeof host);
  fprintf(spool, "\"host\": %s, \"time\": \"%s\", ", host, t);
  if (p->record_id) fprintf(spool, "\"record_id\": %llu, ", (unsigned long long)p->record_id);
  if (p->line) fprintf(spool, "\"line\": %llu, ", (unsigned long long)p->line);
  fprintf(spool, "\"index\": %llu}", (unsigned long long)p->index);
}

static void select_writer(gen_writer *w, fl_gen_format f) { forms[f].writer(w); }

typedef struct run {
  const fl_gen_options *opts;
  gen_engine *eng;
  gen_writer w;
  gen_writer wn;  /* --with-netsh: the same hosts' WFP net events */
  gen_record *companion;
  FILE *spool;
  fl_gen_result res;
} run;

static fl_status generate(run *g, const char *path, fl_error *err) {
  gen_record *r = malloc(sizeof *r);
  if (!r) return fl_error_line(err, FL_ENOMEM, path, 0, 0, "out of memory");
  fl_status st = g->w.begin(&g->w, path, err);
  if (st != FL_OK) {
    free(r);
    return st;
  }
  if (g->companion) {
    st = g->wn.begin(&g->wn, g->opts->netsh_path, err);
    if (st != FL_OK) {
      g->w.end(&g->w, err);
      free(r);
      return st;
    }
  }
  while (st == FL_OK && fl_gen_engine_next(g->eng, r)) {
    gen_pos pos = {0, 0, 0};
    st = g->w.write(&g->w, r, &pos, err);
    if (st == FL_OK && g->companion && fl_gen_engine_wfp_companion(g->eng, r, g->companion)) {
      gen_pos np = {0, 0, 0};
      st = g->wn.write(&g->wn, r->in_scope ? r : g->companion, &np, err);
      if (np.index) g->res.netsh_records++;
    }
    if (st != FL_OK || !pos.index) continue; /* netsh skips non-WFP records */
    g->res.records++;
    if (r->in_scope) note_in_scope(g->spool, r, &pos, g->res.in_scope++ == 0);
    if (g->opts->size && (g->res.records & 63) == 0 && g->w.bytes(&g->w) >= g->opts->size) break;
  }
  free(r);
  fl_status st2 = g->w.end(&g->w, err);
  if (g->companion) {
    fl_status st3 = g->wn.end(&g->wn, err);
    if (st2 == FL_OK) st2 = st3;
  }
  struct stat sb;
  if (stat(path, &sb) == 0) g->res.bytes = (uint64_t)sb.st_size;
  return st != FL_OK ? st : st2;
}

fl_status fl_gen_run(const fl_gen_options *opts, const char *path, fl_gen_result *res,
                     fl_error *err) {
  run g;
  memset(&g, 0, sizeof g);
  g.opts = opts;
  if (res) memset(res, 0, sizeof *res);
  if (!path || !*path) return fl_error_line(err, FL_EUSAGE, "gen", 0, 0, "no output path");
  if ((unsigned)opts->format >= FL_GEN_FORMAT_COUNT)
    return fl_error_line(err, FL_EUSAGE, "gen", 0, 0, "unknown format");
  fl_gen_shapes_init(err);
  fl_status st = fl_gen_engine_new(opts, &g.eng, err);
  if (st != FL_OK) return st;
  g.w.opts = opts;
  select_writer(&g.w, opts->format);
  if (opts->netsh_path) {
    if (opts->format == FL_GEN_NETSH || !*opts->netsh_path || !strcmp(opts->netsh_path, path)) {
      fl_gen_engine_free(g.eng);
      return fl_error_line(err, FL_EUSAGE, "gen", 0, 0,
                           "--with-netsh needs another path and a non-netsh --format");
    }
    g.wn.opts = opts;
    fl_gen_writer_netsh(&g.wn);
    g.companion = malloc(sizeof *g.companion);
    if (!g.companion) {
      fl_gen_engine_free(g.eng);
      return fl_error_line(err, FL_ENOMEM, "gen", 0, 0, "out of memory");
    }
  }
  g.spool = tmpfile();
  if (!g.spool) {
    free(g.companion);
    fl_gen_engine_free(g.eng);
    return fl_error_line(err, FL_EIO, "gen", 0, 0, "cannot create a temporary file");
  }
  st = generate(&g, path, err);
  if (st == FL_OK && !opts->no_manifest) st = fl_gen_manifest_write(opts, g.eng, &g.res, g.spool, path, err);
  fclose(g.spool);
  free(g.companion);
  fl_gen_engine_free(g.eng);
  if (res) *res = g.res;
  return st;
}
