/*
** Loads libcurl on first use (fl_dl.h: why late) and resolves the functions
** faultline calls; curl_global_init runs once.
**
** Must never: resolve a function by a name not in the table below, or
** report the library usable when one of them is missing.
*/
#include <pthread.h>
#include <stddef.h>

#include "common/fl_curl.h"
#include "common/fl_dl.h"

static fl_curl_api api;
static const fl_curl_api *loaded;
static const char *failure = "libcurl was not loaded";

#define SYM(name, member) {name, offsetof(fl_curl_api, member)}
static const fl_dl_sym symbols[] = {
    SYM("curl_easy_init", easy_init),         SYM("curl_easy_setopt", easy_setopt),
    SYM("curl_easy_perform", easy_perform),   SYM("curl_easy_getinfo", easy_getinfo),
    SYM("curl_easy_reset", easy_reset),       SYM("curl_easy_cleanup", easy_cleanup),
    SYM("curl_easy_strerror", easy_strerror), SYM("curl_easy_escape", easy_escape),
    SYM("curl_free", str_free),               SYM("curl_slist_append", slist_append),
    SYM("curl_slist_free_all", slist_free_all), SYM("curl_global_init", global_init),
};
#undef SYM

static void load(void) {
  fl_curl_api t;
  const char *why = "";
  if (!fl_dl_load("libcurl.so.4", symbols, sizeof symbols / sizeof symbols[0], &t, &why)) {
    failure = "cannot use libcurl.so.4 (Debian package libcurl4)";
    return;
  }
  if (t.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    failure = "libcurl failed to start";
    return;
  }
  api = t;
  loaded = &api;
}

const fl_curl_api *fl_curl(const char **why) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, load);
  if (!loaded && why) *why = failure;
  return loaded;
}
