/*
** Internal helpers around fl_error (declared in faultline.h).
**
** Every fallible function in the library takes an fl_error * and fills it
** with the file, the place (byte offset or line/column) and a message. This
** file must never allocate: errors are reported on paths where memory may be
** the very thing that ran out.
*/
#ifndef FL_COMMON_ERROR_H
#define FL_COMMON_ERROR_H

#include "faultline.h"

#if defined(__GNUC__)
#define FL_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define FL_PRINTF(a, b)
#endif

/* Sets status, file and byte offset and formats the message; returns status
** so callers can write `return fl_error_at(...)`. err may be NULL. */
fl_status fl_error_at(fl_error *err, fl_status status, const char *file,
                      uint64_t offset, const char *fmt, ...) FL_PRINTF(5, 6);

/* The same for text inputs, located by line and column (1-based). */
fl_status fl_error_line(fl_error *err, fl_status status, const char *file,
                        unsigned line, unsigned column, const char *fmt, ...)
    FL_PRINTF(6, 7);

#endif
