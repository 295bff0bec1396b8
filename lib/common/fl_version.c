/*
** The library version, fixed at build time by the Makefile (FL_VERSION).
*/
#include "faultline.h"

#ifndef FL_VERSION
#define FL_VERSION "0.0.0-unknown"
#endif

const char *fl_version(void) { return FL_VERSION; }
