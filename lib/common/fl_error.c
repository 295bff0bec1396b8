/*
** Filling and describing fl_error values.
**
** Messages are truncated, never allocated: an error report must succeed even
** when the process is out of memory or the input is hostile (a 1 MB "file
** name" taken from an event is cut, not copied whole).
*/
#include "common/fl_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void copy_name(char *dst, size_t cap, const char *src) {
  if (!src) src = "";
  size_t n = strlen(src);
  if (n >= cap) n = cap - 1;
  memcpy(dst, src, n);
  dst[n] = '\0';
}

fl_status fl_error_at(fl_error *err, fl_status status, const char *file,
                      uint64_t offset, const char *fmt, ...) {
  if (!err) return status;
  err->status = status;
  copy_name(err->file, sizeof err->file, file);
  err->offset = offset;
  err->has_offset = 1;
  err->line = err->column = 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
  return status;
}

fl_status fl_error_line(fl_error *err, fl_status status, const char *file,
                        unsigned line, unsigned column, const char *fmt, ...) {
  if (!err) return status;
  err->status = status;
  copy_name(err->file, sizeof err->file, file);
  err->offset = 0;
  err->has_offset = 0;
  err->line = line;
  err->column = column;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
  return status;
}

void fl_error_clear(fl_error *err) {
  if (err) memset(err, 0, sizeof *err);
}

const char *fl_status_name(fl_status status) {
  static const char *const names[] = {
#define FL_STATUS(sym, name, text) name,
#include "faultline/status.def"
#undef FL_STATUS
  };
  if ((unsigned)status >= sizeof names / sizeof *names) return "unknown";
  return names[status];
}

int fl_error_format(const fl_error *err, char *buf, size_t cap) {
  if (!buf || cap == 0) return 0;
  const char *file = err->file[0] ? err->file : "<input>";
  if (err->line)
    return snprintf(buf, cap, "%s:%u:%u: %s: %s", file, err->line,
                    err->column, fl_status_name(err->status), err->message);
  if (err->has_offset)
    return snprintf(buf, cap, "%s: offset 0x%llx: %s: %s", file,
                    (unsigned long long)err->offset,
                    fl_status_name(err->status), err->message);
  return snprintf(buf, cap, "%s: %s: %s", file, fl_status_name(err->status),
                  err->message);
}
