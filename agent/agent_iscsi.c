/*
** WMI MSiSCSI_InitiatorNodeFailureEvent (root\WMI) -> a record of the
** provider the catalog knows for it (event_sources.def: provider name =
** the class name, event id 0, classified FL_KIND_ISCSI_LOGIN_FAILURE),
** EventData named after the class's properties (FailureTime, FailureType,
** TargetFailureName, TargetFailureAddr; iscsi_types.h). agent/win/
** agent_wmi.c reads the properties; this file only builds the record, so
** tests check it on Linux.
**
** Must never: write past out->text, or invent a property the event lacks
** (absent ones are left out).
*/
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "common/fl_time.h"

#define AGENT_ISCSI_PROVIDER "MSiSCSI_InitiatorNodeFailureEvent"
#define AGENT_ISCSI_CHANNEL "root\\WMI"

static void agent_iscsi_pair(agent_iscsi_record *o, const char *name, const char *value) {
  size_t n = strlen(value);
  if (o->ev.data_count >= AGENT_ISCSI_PAIRS || o->used + n + 1 > sizeof o->text) return;
  char *v = o->text + o->used;
  memcpy(v, value, n + 1);
  o->used += n + 1;
  o->pairs[o->ev.data_count++] = (fl_evtx_pair){{name, strlen(name)}, {v, n}};
}

int agent_cim_datetime(const char *s, uint64_t *filetime) {
  /* yyyymmddHHMMSS.mmmmmmsUUU: UUU = minutes from UTC, s = '+' or '-'. */
  if (strlen(s) != 25 || s[14] != '.' || (s[21] != '+' && s[21] != '-')) return -1;
  for (int i = 0; i < 25; i++)
    if (i != 14 && i != 21 && (s[i] < '0' || s[i] > '9')) return -1;
  unsigned off = (unsigned)((s[22] - '0') * 100 + (s[23] - '0') * 10 + (s[24] - '0'));
  char iso[40];
  int n = snprintf(iso, sizeof iso, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s.%.6s%c%02u:%02u", s, s + 4,
                   s + 6, s + 8, s + 10, s + 12, s + 15, s[21], off / 60, off % 60);
  return n > 0 && off < 24 * 60 ? fl_time_parse_iso(iso, (size_t)n, 0, filetime) : -1;
}

void agent_iscsi_record_make(uint64_t failure_time, int failure_type, const char *target_name,
                             const char *target_addr, const char *computer,
                             agent_iscsi_record *out) {
  memset(out, 0, sizeof *out);
  out->ev.data = out->pairs;
  out->ev.provider_name = (fl_evtx_str){AGENT_ISCSI_PROVIDER, strlen(AGENT_ISCSI_PROVIDER)};
  out->ev.channel = (fl_evtx_str){AGENT_ISCSI_CHANNEL, strlen(AGENT_ISCSI_CHANNEL)};
  if (computer && computer[0]) out->ev.computer = (fl_evtx_str){computer, strlen(computer)};
  out->ev.present = FL_EVTX_HAS_EVENT_ID;
  char tmp[FL_TIME_ISO_MAX];
  if (failure_time) {
    out->ev.time_created = failure_time;
    out->ev.present |= FL_EVTX_HAS_TIME_CREATED;
    fl_time_iso(failure_time, 7, tmp);
    agent_iscsi_pair(out, "FailureTime", tmp);
  }
  if (failure_type >= 0) {
    snprintf(tmp, sizeof tmp, "%d", failure_type);
    agent_iscsi_pair(out, "FailureType", tmp);
  }
  if (target_name && target_name[0]) agent_iscsi_pair(out, "TargetFailureName", target_name);
  if (target_addr && target_addr[0]) agent_iscsi_pair(out, "TargetFailureAddr", target_addr);
}
