/*
** The library's version at run time: the FAULTLINE_VERSION_* macros of
** include/faultline/base.h as they were when the library was built (the
** Makefile reads its VERSION from the same macros, so the two agree).
*/
#include "faultline.h"

const char *fl_version(void) { return FAULTLINE_VERSION_STRING; }

unsigned fl_version_number(void) { return FAULTLINE_VERSION_NUMBER; }
