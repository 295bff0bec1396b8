/*
** What the store keeps: the event ids and providers in scope, derived once
** from the catalog by asking fl_catalog_type_event() about every id of every
** in-scope provider, so the reader's filter and the catalog can never
** disagree and no list of ids is repeated here.
**
** Must never: hold its own copy of the catalog's event tables or change
** after the first call (the lists are built once, then only read).
*/
#include <pthread.h>
#include <string.h>

#include "store/store_internal.h"

static const char *const providers[] = {
#define FL_SOURCE(sym, name, provider) provider,
#include "faultline/event_sources.def"
#undef FL_SOURCE
};
#define PROVIDER_COUNT (sizeof providers / sizeof *providers)

#define MAX_SCOPE_IDS 1024
static uint32_t scope_ids[MAX_SCOPE_IDS];
static size_t scope_count;
static pthread_once_t scope_once = PTHREAD_ONCE_INIT;

static void build_scope(void) {
  static uint8_t seen[65536];
  fl_evtx_event rec;
  fl_typed_event t;
  memset(&rec, 0, sizeof rec);
  rec.present = FL_EVTX_HAS_EVENT_ID;
  for (size_t p = 0; p < PROVIDER_COUNT; p++) {
    rec.provider_name.ptr = providers[p];
    rec.provider_name.len = strlen(providers[p]);
    for (uint32_t id = 0; id < 65536; id++) {
      rec.event_id = id;
      if (seen[id] || fl_catalog_type_event(&rec, &t) != 1) continue;
      seen[id] = 1;
      if (scope_count < MAX_SCOPE_IDS) scope_ids[scope_count++] = id;
    }
  }
}

size_t fl_store_scope_ids(const uint32_t **ids) {
  pthread_once(&scope_once, build_scope);
  *ids = scope_ids;
  return scope_count;
}

size_t fl_store_scope_providers(const char *const **names) {
  *names = providers;
  return PROVIDER_COUNT;
}
