/*
** Loads libcurl with dlopen on first use (see fl_curl.h for why) and
** resolves the functions faultline calls; curl_global_init runs once.
**
** Must never: resolve a function by a name not in the table below, or
** report the library usable when one of them is missing.
*/
#include "common/fl_curl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

static fl_curl_api api;
static const fl_curl_api *loaded;
static const char *failure = "libcurl was not loaded";

static const struct {
  const char *name;
  size_t off;
} symbols[] = {
    {"curl_easy_init", offsetof(fl_curl_api, easy_init)},
    {"curl_easy_setopt", offsetof(fl_curl_api, easy_setopt)},
    {"curl_easy_perform", offsetof(fl_curl_api, easy_perform)},
    {"curl_easy_getinfo", offsetof(fl_curl_api, easy_getinfo)},
    {"curl_easy_reset", offsetof(fl_curl_api, easy_reset)},
    {"curl_easy_cleanup", offsetof(fl_curl_api, easy_cleanup)},
    {"curl_easy_strerror", offsetof(fl_curl_api, easy_strerror)},
    {"curl_easy_escape", offsetof(fl_curl_api, easy_escape)},
    {"curl_free", offsetof(fl_curl_api, str_free)},
    {"curl_slist_append", offsetof(fl_curl_api, slist_append)},
    {"curl_slist_free_all", offsetof(fl_curl_api, slist_free_all)},
};

static void load(void) {
  void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    failure = "cannot load libcurl.so.4 (Debian package libcurl4)";
    return;
  }
  for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++) {
    void *f = dlsym(lib, symbols[i].name);
    if (!f) {
      failure = "libcurl.so.4 lacks a function faultline needs";
      return;
    }
    /* function pointers through memcpy: POSIX guarantees dlsym's object
    ** pointer converts; C11 does not say so for a direct cast */
    memcpy((char *)&api + symbols[i].off, &f, sizeof f);
  }
  CURLcode (*global_init)(long) = NULL;
  void *g = dlsym(lib, "curl_global_init");
  if (g) memcpy(&global_init, &g, sizeof g);
  if (!global_init || global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    failure = "libcurl failed to start";
    return;
  }
  loaded = &api;
}

const fl_curl_api *fl_curl(const char **why) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, load);
  if (!loaded && why) *why = failure;
  return loaded;
}
