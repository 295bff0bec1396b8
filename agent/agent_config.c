/*
** The agent's config file: "key = value" lines, '#' comments, one table of
** keys (name, kind, where it goes, limits). docs/agent.md lists the same
** keys for administrators.
**
** Must never: accept an unknown key or a value out of range without an
** error naming file and line, or overflow a field (values are bounded).
*/
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

enum { CK_STR, CK_U32, CK_U64, CK_BOOL, CK_LIST, CK_LEVEL };

typedef struct agent_key {
  const char *name;
  int kind;
  size_t off;
  size_t size;        /* CK_STR: field size */
  uint64_t min, max;  /* numbers */
} agent_key;

#define F(m) offsetof(agent_config, m), sizeof(((agent_config *)0)->m)
static const agent_key agent_keys[] = {
    {"collector", CK_STR, F(collector), 0, 0},
    {"token", CK_STR, F(token), 0, 0},
    {"spool_dir", CK_STR, F(spool_dir), 0, 0},
    {"log_file", CK_STR, F(log_file), 0, 0},
    {"state_file", CK_STR, F(state_file), 0, 0},
    {"host", CK_STR, F(host), 0, 0},
    {"channels", CK_LIST, F(channels), 0, 0},
    {"wfp", CK_BOOL, F(wfp), 0, 1},
    {"wmi_iscsi", CK_BOOL, F(wmi_iscsi), 0, 1},
    {"tls_verify", CK_BOOL, F(tls_verify), 0, 1},
    {"spool_max_bytes", CK_U64, F(spool_max_bytes), 65536, UINT64_C(1) << 40},
    {"batch_events", CK_U32, F(batch_events), 1, 100000},
    {"batch_bytes", CK_U32, F(batch_bytes), 4096, 16u << 20}, /* serve takes 32 MiB */
    {"retry_ms", CK_U32, F(retry_ms), 10, 3600000},
    {"timeout_ms", CK_U32, F(timeout_ms), 100, 3600000},
    {"pace_ms", CK_U32, F(pace_ms), 0, 60000},
    {"log_level", CK_LEVEL, F(log_level), 0, 3},
    {NULL, 0, 0, 0, 0, 0}};
#undef F

static const char *const agent_levels[] = {"debug", "info", "warn", "error"};
static const char *const agent_default_channels[] = {"Security", "System", "Application"};

void agent_config_defaults(agent_config *c) {
  memset(c, 0, sizeof *c);
  snprintf(c->collector, sizeof c->collector, "%s", "http://127.0.0.1:8080/ingest");
  snprintf(c->spool_dir, sizeof c->spool_dir, "%s", "spool");
  snprintf(c->state_file, sizeof c->state_file, "%s", "faultline-agent.state");
  for (size_t i = 0; i < sizeof agent_default_channels / sizeof *agent_default_channels; i++)
    snprintf(c->channels[c->channel_count++], AGENT_NAME_MAX, "%s", agent_default_channels[i]);
  c->wfp = 1;
  c->wmi_iscsi = 1;
  c->tls_verify = 1;
  c->spool_max_bytes = UINT64_C(256) << 20;
  c->batch_events = 500;
  c->batch_bytes = 1u << 20;
  c->retry_ms = 1000;
  c->timeout_ms = 30000;
  c->log_level = AGENT_INFO;
}

static void agent_trim(const char **s, size_t *n) {
  while (*n && (**s == ' ' || **s == '\t')) (*s)++, (*n)--;
  while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r')) (*n)--;
}

static int agent_set_list(agent_config *c, const char *v, size_t n) {
  c->channel_count = 0;
  while (n) {
    const char *comma = memchr(v, ',', n);
    size_t k = comma ? (size_t)(comma - v) : n;
    const char *item = v;
    size_t in = k;
    agent_trim(&item, &in);
    if (in) {
      if (c->channel_count >= AGENT_MAX_CHANNELS || in >= AGENT_NAME_MAX) return -1;
      memcpy(c->channels[c->channel_count], item, in);
      c->channels[c->channel_count++][in] = 0;
    }
    if (!comma) break;
    v += k + 1;
    n -= k + 1;
  }
  return 0;
}

static int agent_number(const char *v, size_t n, uint64_t *out) {
  char tmp[32];
  if (!n || n >= sizeof tmp) return -1;
  memcpy(tmp, v, n);
  tmp[n] = 0;
  char *end;
  errno = 0;
  unsigned long long x = strtoull(tmp, &end, 10);
  if (errno || *end || tmp[0] == '-') return -1;
  *out = x;
  return 0;
}

static const char *agent_set(agent_config *c, const agent_key *k, const char *v,
                             size_t n) {
  char *field = (char *)c + k->off;
  uint64_t x = 0;
  switch (k->kind) {
  case CK_STR:
    if (n >= k->size) return "value too long";
    memcpy(field, v, n);
    field[n] = 0;
    return NULL;
  case CK_LIST:
    return agent_set_list(c, v, n) ? "too many or too long names" : NULL;
  case CK_BOOL:
    if ((n == 2 && !memcmp(v, "on", 2)) || (n == 3 && !memcmp(v, "yes", 3)) ||
        (n == 4 && !memcmp(v, "true", 4)) || (n == 1 && v[0] == '1'))
      x = 1;
    else if (!((n == 3 && !memcmp(v, "off", 3)) || (n == 2 && !memcmp(v, "no", 2)) ||
               (n == 5 && !memcmp(v, "false", 5)) || (n == 1 && v[0] == '0')))
      return "expected on or off";
    memcpy(field, &(int){(int)x}, sizeof(int));
    return NULL;
  case CK_LEVEL:
    for (size_t i = 0; i < 4; i++)
      if (strlen(agent_levels[i]) == n && !memcmp(agent_levels[i], v, n)) {
        memcpy(field, &(int){(int)i}, sizeof(int));
        return NULL;
      }
    return "expected debug, info, warn or error";
  default:
    if (agent_number(v, n, &x) || x < k->min || x > k->max) return "number out of range";
    if (k->kind == CK_U32) memcpy(field, &(uint32_t){(uint32_t)x}, sizeof(uint32_t));
    else memcpy(field, &x, sizeof x);
    return NULL;
  }
}

int agent_config_parse(agent_config *c, const char *text, size_t len,
                       const char *name, char *err, size_t errcap) {
  unsigned line = 0;
  while (len) {
    const char *nl = memchr(text, '\n', len);
    size_t n = nl ? (size_t)(nl - text) : len;
    const char *s = text;
    line++;
    text += nl ? n + 1 : n;
    len -= nl ? n + 1 : n;
    agent_trim(&s, &n);
    if (!n || s[0] == '#' || s[0] == ';') continue;
    const char *eq = memchr(s, '=', n);
    if (!eq) {
      snprintf(err, errcap, "%s:%u: expected key = value", name, line);
      return -1;
    }
    const char *key = s, *val = eq + 1;
    size_t kn = (size_t)(eq - s), vn = n - kn - 1;
    agent_trim(&key, &kn);
    agent_trim(&val, &vn);
    const agent_key *k = agent_keys;
    while (k->name && !(strlen(k->name) == kn && !memcmp(k->name, key, kn))) k++;
    if (!k->name) {
      snprintf(err, errcap, "%s:%u: unknown key '%.*s'", name, line, (int)(kn > 64 ? 64 : kn), key);
      return -1;
    }
    const char *why = agent_set(c, k, val, vn);
    if (why) {
      snprintf(err, errcap, "%s:%u: %s: %s", name, line, k->name, why);
      return -1;
    }
  }
  return 0;
}

int agent_config_load(agent_config *c, const char *path, char *err, size_t errcap) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errcap, "%s: cannot open: %s", path, strerror(errno));
    return -1;
  }
  char buf[65536];
  size_t n = fread(buf, 1, sizeof buf, f);
  int big = n == sizeof buf;
  fclose(f);
  if (big) {
    snprintf(err, errcap, "%s: larger than 64 KiB", path);
    return -1;
  }
  return agent_config_parse(c, buf, n, path, err, errcap);
}

void agent_config_print(const agent_config *c, FILE *out) {
  for (const agent_key *k = agent_keys; k->name; k++) {
    const char *field = (const char *)c + k->off;
    fprintf(out, "  %-16s = ", k->name);
    int iv;
    uint32_t u32;
    uint64_t u64;
    switch (k->kind) {
    case CK_STR:
      fputs(strcmp(k->name, "token") != 0 || !field[0] ? field : "(set)", out);
      break;
    case CK_LIST:
      for (size_t i = 0; i < c->channel_count; i++)
        fprintf(out, "%s%s", i ? "," : "", c->channels[i]);
      break;
    case CK_BOOL:
      memcpy(&iv, field, sizeof iv);
      fputs(iv ? "on" : "off", out);
      break;
    case CK_LEVEL:
      memcpy(&iv, field, sizeof iv);
      fputs(agent_levels[iv & 3], out);
      break;
    case CK_U32:
      memcpy(&u32, field, sizeof u32);
      fprintf(out, "%lu", (unsigned long)u32);
      break;
    default:
      memcpy(&u64, field, sizeof u64);
      fprintf(out, "%llu", (unsigned long long)u64);
      break;
    }
    fputc('\n', out);
  }
}
