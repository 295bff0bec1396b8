/*
** What `diagnose` and `report` show: the --since/--until window over the
** events fed to the diagnosis, and the --host/--peer/--cause choice of
** findings, made on a view of the result (the episodes kept, the counts
** that follow from them) so every report writer sees the same selection.
**
** Must never change the diagnosis itself (a filtered view only) nor print
** anything from an event unescaped.
*/
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "diag_cli.h"

int diag_cli_in_window(const diag_cli_opts *o, uint64_t t) {
  return (!o->has_since || t >= o->since) && (!o->has_until || t < o->until);
}

/* NAME matches "srv-fs01" and "SRV-FS01.corp.example.org" (its first
** label), case-insensitively; addresses match exactly. */
static int name_matches(const char *want, const char *have) {
  if (!have || !*have) return 0;
  size_t n = strlen(want);
  return strcasecmp(want, have) == 0 ||
         (strncasecmp(want, have, n) == 0 && have[n] == '.' && !strchr(want, '.'));
}

static int any_matches(const char *want, const char *one,
                       const char *const *list, size_t count) {
  if (name_matches(want, one)) return 1;
  for (size_t i = 0; list && i < count; i++)
    if (name_matches(want, list[i])) return 1;
  return 0;
}

static int selected(const diag_cli_opts *o, const fl_episode *e) {
  return (!o->host || any_matches(o->host, e->host, e->hosts, e->host_count)) &&
         (!o->peer || any_matches(o->peer, e->peer, e->peers, e->peer_count)) &&
         (!o->cause || (e->cause_id && strcasecmp(o->cause, e->cause_id) == 0));
}

/* Notes that say an event kind is absent (so auditing may be off): not true
** of the logs when --since/--until left those events out. */
static const char *const absence_notes[] = {"nothing-in-scope",
                                            "no-ipsec-mm-auditing",
                                            "no-policy-auditing"};

static int is_absence_note(const fl_coverage_note *n) {
  for (size_t i = 0; i < sizeof absence_notes / sizeof *absence_notes; i++)
    if (n->id && strcmp(n->id, absence_notes[i]) == 0) return 1;
  return 0;
}

/* In-scope events read (the sources' counts) but not diagnosed. */
static uint64_t outside_window(const fl_diag_result *r) {
  uint64_t read = 0;
  for (size_t i = 0; r->sources && i < r->source_count; i++) read += r->sources[i].in_scope;
  return read > r->events_in_scope ? read - r->events_in_scope : 0;
}

static const char window_note_text[] =
    "Some in-scope events lie outside --since/--until and were not diagnosed; "
    "notes about missing event kinds are left out (the whole logs may have them).";

/* The notes without the absence ones, plus one saying why. */
static int window_notes(const fl_diag_result *r, fl_diag_result *view,
                        fl_coverage_note **notes) {
  *notes = malloc((r->note_count + 1) * sizeof **notes);
  if (!*notes) return -1;
  size_t n = 0;
  for (size_t i = 0; r->notes && i < r->note_count; i++)
    if (!is_absence_note(&r->notes[i])) (*notes)[n++] = r->notes[i];
  (*notes)[n++] = (fl_coverage_note){"outside-window", window_note_text, ""};
  view->notes = *notes;
  view->note_count = n;
  return 0;
}

const fl_diag_result *diag_cli_select(const diag_cli_opts *o,
                                      const fl_diag_result *r,
                                      fl_diag_result *view,
                                      fl_episode **episodes,
                                      fl_coverage_note **notes) {
  *episodes = NULL;
  *notes = NULL;
  int windowed = (o->has_since || o->has_until) && outside_window(r);
  if (!o->host && !o->peer && !o->cause && !windowed) return r;
  *view = *r;
  if (windowed && window_notes(r, view, notes)) return NULL;
  if (!o->host && !o->peer && !o->cause) return view;
  view->episode_count = 0;
  view->finding_count = 0;
  view->episodes = NULL;
  if (!r->episode_count) return view;
  fl_episode *kept = malloc(r->episode_count * sizeof *kept);
  if (!kept) return NULL;
  for (size_t i = 0; i < r->episode_count; i++) {
    if (!selected(o, &r->episodes[i])) continue;
    kept[view->episode_count++] = r->episodes[i];
    if (r->episodes[i].finding) view->finding_count++;
  }
  view->episodes = kept;
  *episodes = kept;
  return view;
}
