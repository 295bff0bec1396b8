/*
** Shared libraries loaded when a feature first needs them, not at every
** start (libcurl for HTTP out, libsystemd for serve's sd_notify and socket
** activation): a library linked in is loaded, relocated and initialised by
** every `faultline` run, most of which never use it (docs/performance.md,
** "before/after": libcurl alone cost 2.7 ms and 7 MB per run).
**
** Must never: unload a library (pointers into it live until exit), or fill
** a table partly (all its functions resolve, or the load fails).
*/
#ifndef FL_COMMON_DL_H
#define FL_COMMON_DL_H

#include <stddef.h>

typedef struct fl_dl_sym {
  const char *name; /* the library's symbol */
  size_t off;       /* offsetof the function pointer in the caller's table */
} fl_dl_sym;

/* dlopen(soname) and stores each symbol's address in table at its offset.
** Returns the library handle, or NULL (*why says why; table untouched). */
void *fl_dl_load(const char *soname, const fl_dl_sym *syms, size_t n, void *table,
                 const char **why);

#endif
