/*
** What the agent subscribes to, from the library's catalog (no list of its
** own): the Security audit events of the catalog, the iScsiPrt events of
** the System log, and the classic RAS sources of message_templates.def;
** each channel's XPath query joins them, contiguous ids as ranges (the
** event log caps the number of clauses in a query).
**
** Must never: name an event id by hand, or build a query longer than cap
** (it returns 0 then and the caller says so).
*/
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "faultline/base.h"

/* Which channel a classic source logs to (the one fact not in the .def). */
static const struct { const char *provider, *channel; } agent_source_channels[] = {
    {"RasClient", "Application"},
    {"RemoteAccess", "System"},
};

typedef struct agent_msg_source { const char *provider; uint32_t id; } agent_msg_source;
static const agent_msg_source agent_msg_sources[] = {
#define FL_MESSAGE(provider, id, code, text, note) {provider, id},
#include "catalog/message_templates.def"
#undef FL_MESSAGE
};

static int agent_u16_cmp(const void *a, const void *b) {
  uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
  return (x > y) - (x < y);
}

typedef struct agent_q {
  char *out;
  size_t cap, len;
  int over;
} agent_q;

static void agent_q_put(agent_q *q, const char *fmt, ...) AGENT_PRINTF(2, 3);
static void agent_q_put(agent_q *q, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(q->out + q->len, q->len < q->cap ? q->cap - q->len : 0, fmt, ap);
  va_end(ap);
  if (n < 0 || q->len + (size_t)n >= q->cap) q->over = 1;
  else q->len += (size_t)n;
}

/* 1 when no id strictly between a and b is one the catalog calls out of
** scope (4964, a logon event and a busy one, must not ride in a range). */
static int agent_gap_ok(uint16_t a, uint16_t b) {
  for (unsigned id = (unsigned)a + 1; id < b; id++)
    if (fl_catalog_event_not_in_scope((uint16_t)id)) return 0;
  return 1;
}

/* "EventID=a or (EventID>=b and EventID<=c) ..." over sorted ids; ids at
** most 3 apart share a range unless the gap holds an id the catalog calls
** out of scope (the few others that pass are dropped by the collector). */
static void agent_q_ids(agent_q *q, uint16_t *ids, size_t n) {
  qsort(ids, n, sizeof *ids, agent_u16_cmp);
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j + 1 < n && ids[j + 1] - ids[j] <= 3 && agent_gap_ok(ids[j], ids[j + 1])) j++;
    if (ids[j] == ids[i]) agent_q_put(q, "%sEventID=%u", i ? " or " : "", ids[i]);
    else agent_q_put(q, "%s(EventID>=%u and EventID<=%u)", i ? " or " : "", ids[i], ids[j]);
    i = j + 1;
  }
}

size_t agent_scope_query(const char *channel, char *out, size_t cap) {
  agent_q q = {out, cap, 0, 0};
  if (cap) out[0] = 0;
  if (!strcmp(channel, "Security")) {
    uint16_t ids[512];
    size_t n = 0;
    for (size_t i = 0; i < fl_catalog_event_count() && n < 512; i++) {
      uint16_t id = fl_catalog_event_at(i)->id;
      if (!n || ids[n - 1] != id) ids[n++] = id;
    }
    agent_q_put(&q, "*[System[Provider[@Name='Microsoft-Windows-Security-Auditing'] and (");
    agent_q_ids(&q, ids, n);
    agent_q_put(&q, ")]]");
    return q.over ? 0 : q.len;
  }
  int any = 0;
  if (!strcmp(channel, "System") && fl_catalog_iscsiprt_count()) {
    agent_q_put(&q, "*[System[(Provider[@Name='iScsiPrt'])");
    any = 1;
  }
  for (size_t s = 0; s < sizeof agent_source_channels / sizeof *agent_source_channels; s++) {
    if (strcmp(agent_source_channels[s].channel, channel) != 0) continue;
    uint16_t ids[64];
    size_t n = 0;
    for (size_t i = 0; i < sizeof agent_msg_sources / sizeof *agent_msg_sources && n < 64; i++)
      if (!strcmp(agent_msg_sources[i].provider, agent_source_channels[s].provider))
        ids[n++] = (uint16_t)agent_msg_sources[i].id;
    if (!n) continue;
    agent_q_put(&q, "%s(Provider[@Name='%s'] and (", any ? " or " : "*[System[",
                agent_source_channels[s].provider);
    agent_q_ids(&q, ids, n);
    agent_q_put(&q, "))");
    any = 1;
  }
  agent_q_put(&q, any ? "]]" : "*");
  return q.over ? 0 : q.len;
}
