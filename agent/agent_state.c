/*
** The agent's state file: where each source stands ("source<TAB>value"
** per line: an event log bookmark, the WFP time of the last delivered net
** event, the replay offset). Written only after the collector acknowledged
** the events before that point; rewritten whole through a temporary file.
**
** Must never: keep a value with a line break (the spool flattens them), or
** lose the other sources' lines when one is updated.
*/
#include <stdlib.h>
#include <string.h>

#include "agent.h"

#define AGENT_STATE_MAX (1u << 20)

static char *agent_state_read(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  char *p = malloc(AGENT_STATE_MAX + 1);
  size_t n = 0;
  if (p && f) n = fread(p, 1, AGENT_STATE_MAX, f);
  if (f) fclose(f);
  if (p) p[n] = 0;
  *len = n;
  return p;
}

/* The value of source on its line, or NULL; *vn its length. */
static const char *agent_state_find(const char *p, size_t n, const char *source, size_t *vn,
                                    size_t *line_start, size_t *line_end) {
  size_t sn = strlen(source);
  for (size_t off = 0; off < n;) {
    const char *nl = memchr(p + off, '\n', n - off);
    size_t ln = nl ? (size_t)(nl - (p + off)) : n - off;
    if (ln > sn && p[off + sn] == '\t' && !memcmp(p + off, source, sn)) {
      *vn = ln - sn - 1;
      *line_start = off;
      *line_end = off + ln + (nl ? 1 : 0);
      return p + off + sn + 1;
    }
    off += ln + 1;
  }
  return NULL;
}

int agent_state_get(const char *path, const char *source, char *value, size_t cap) {
  size_t n, vn, a, b;
  char *p = agent_state_read(path, &n);
  const char *v = p ? agent_state_find(p, n, source, &vn, &a, &b) : NULL;
  int rc = -1;
  if (v && vn < cap) {
    memcpy(value, v, vn);
    value[vn] = 0;
    rc = 0;
  }
  free(p);
  return rc;
}

int agent_state_set(const char *path, const char *source, const char *value) {
  size_t n, vn, a = 0, b = 0;
  char *p = agent_state_read(path, &n);
  if (!p) return -1;
  if (!agent_state_find(p, n, source, &vn, &a, &b)) a = b = n;
  char tmp[AGENT_PATH_MAX + 8];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "wb");
  int bad = !f;
  if (f) {
    if (fwrite(p, 1, a, f) != a) bad = 1;
    if (a && p[a - 1] != '\n') putc('\n', f);
    if (fprintf(f, "%s\t%s\n", source, value) < 0) bad = 1;
    if (fwrite(p + b, 1, n - b, f) != n - b) bad = 1;
    if (fclose(f)) bad = 1;
  }
  free(p);
  if (bad) return -1;
#ifdef _WIN32
  remove(path); /* rename does not replace on Windows */
#endif
  return rename(tmp, path) ? -1 : 0;
}
