/*
** fl_dl_load: dlopen + dlsym into a caller's table of function pointers
** (see fl_dl.h for why faultline loads some libraries late).
**
** Must never: store a pointer for a table whose other symbols are missing.
*/
#include "common/fl_dl.h"

#include <dlfcn.h>
#include <string.h>

enum { FL_DL_MAX_SYMS = 32 };

void *fl_dl_load(const char *soname, const fl_dl_sym *syms, size_t n, void *table,
                 const char **why) {
  void *found[FL_DL_MAX_SYMS];
  if (n > FL_DL_MAX_SYMS) {
    *why = "too many symbols";
    return NULL;
  }
  void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    *why = "cannot load the library";
    return NULL;
  }
  for (size_t i = 0; i < n; i++)
    if (!(found[i] = dlsym(lib, syms[i].name))) {
      *why = "the library lacks a function faultline needs";
      return NULL;
    }
  /* function pointers through memcpy: POSIX makes dlsym's result usable as
  ** one; C11 does not define the cast */
  for (size_t i = 0; i < n; i++) memcpy((char *)table + syms[i].off, &found[i], sizeof found[i]);
  return lib;
}
