/*
** Live capture on Windows: one EvtSubscribe per configured channel (query
** from the catalog, agent_scope.c; resumed after the bookmark saved once
** the collector acknowledged), WFP net events (agent_wfp_win.c) and the WMI
** iSCSI failure events (agent_wmi.c); every event becomes the library's
** JSON line and goes to the spool; the main loop seals a batch each second
** and sends.
**
** Must never: block an event log callback on the network (callbacks only
** append to the spool), or save a bookmark before its batch was acked.
*/
#include <windows.h>
#include <winevt.h>

#include <stdlib.h>
#include <string.h>

#include "../agent.h"
#include "agent_win.h"

#define AGENT_MAX_PAIRS 256

typedef struct agent_channel {
  agent *a;
  char name[AGENT_NAME_MAX];
  char source[AGENT_NAME_MAX + 8]; /* "evt:<channel>" in the state file */
  EVT_HANDLE sub, bookmark;
  CRITICAL_SECTION lock;           /* callbacks may overlap */
  char *xml;                       /* reused UTF-8 buffer */
  size_t xml_cap;
  agent_line line;
  uint64_t events, skipped;
} agent_channel;

char *agent_utf8(const wchar_t *w, char *buf, size_t *cap) {
  int need = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
  if (need <= 0) return NULL;
  if ((size_t)need > *cap) {
    char *p = realloc(buf, (size_t)need);
    if (!p) return NULL;
    buf = p;
    *cap = (size_t)need;
  }
  WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, need, NULL, NULL);
  return buf;
}

/* EvtRender of an event (EvtRenderEventXml) or bookmark, as UTF-16. */
static wchar_t *agent_render(EVT_HANDLE h, DWORD flags) {
  DWORD used = 0, props = 0;
  EvtRender(NULL, h, flags, 0, NULL, &used, &props);
  if (GetLastError() != ERROR_INSUFFICIENT_BUFFER) return NULL;
  wchar_t *w = malloc(used + sizeof(wchar_t));
  if (w && !EvtRender(NULL, h, flags, used, w, &used, &props)) {
    free(w);
    return NULL;
  }
  return w;
}

static void agent_channel_event(agent_channel *ch, EVT_HANDLE ev) {
  wchar_t *w = agent_render(ev, EvtRenderEventXml);
  char *x = w ? agent_utf8(w, ch->xml, &ch->xml_cap) : NULL;
  free(w);
  if (!x) {
    ch->skipped++;
    return;
  }
  ch->xml = x;
  fl_evtx_pair pairs[AGENT_MAX_PAIRS];
  fl_evtx_event e;
  fl_evtx_str wrapper;
  if (agent_xml_event(x, strlen(x), &e, pairs, AGENT_MAX_PAIRS, &wrapper) ||
      agent_event_json(&e, wrapper, &ch->line)) {
    ch->skipped++;
    agent_log(AGENT_WARN, "%s: an event could not be read (%llu so far)", ch->name,
              (unsigned long long)ch->skipped);
    return;
  }
  /* The bookmark moves with the event; the spool saves it after the ack. */
  EvtUpdateBookmark(ch->bookmark, ev);
  wchar_t *bw = agent_render(ch->bookmark, EvtRenderBookmark);
  size_t bcap = 0;
  char *b = bw ? agent_utf8(bw, NULL, &bcap) : NULL;
  free(bw);
  agent_spool_add(ch->a->spool, ch->line.p, ch->line.len);
  if (b) agent_spool_cursor(ch->a->spool, ch->source, b);
  free(b);
  ch->events++;
}

static DWORD WINAPI agent_channel_callback(EVT_SUBSCRIBE_NOTIFY_ACTION action, PVOID ctx,
                                           EVT_HANDLE ev) {
  agent_channel *ch = ctx;
  EnterCriticalSection(&ch->lock);
  if (action == EvtSubscribeActionDeliver) agent_channel_event(ch, ev);
  else agent_log(AGENT_WARN, "%s: subscription error %lu", ch->name, (unsigned long)(ULONG_PTR)ev);
  LeaveCriticalSection(&ch->lock);
  return ERROR_SUCCESS;
}

static int agent_channel_start(agent *a, agent_channel *ch, const char *name) {
  memset(ch, 0, sizeof *ch);
  ch->a = a;
  snprintf(ch->name, sizeof ch->name, "%s", name);
  snprintf(ch->source, sizeof ch->source, "evt:%s", name);
  InitializeCriticalSection(&ch->lock);
  char q[8192], saved[8192];
  wchar_t wq[8192], wname[AGENT_NAME_MAX], wbm[8192];
  if (!agent_scope_query(name, q, sizeof q)) return -1;
  MultiByteToWideChar(CP_UTF8, 0, q, -1, wq, 8192);
  MultiByteToWideChar(CP_UTF8, 0, name, -1, wname, AGENT_NAME_MAX);
  DWORD flags = EvtSubscribeStartAtOldestRecord;
  if (a->cfg.state_file[0] && agent_state_get(a->cfg.state_file, ch->source, saved, sizeof saved) == 0) {
    MultiByteToWideChar(CP_UTF8, 0, saved, -1, wbm, 8192);
    ch->bookmark = EvtCreateBookmark(wbm);
    if (ch->bookmark) flags = EvtSubscribeStartAfterBookmark;
  }
  if (!ch->bookmark) ch->bookmark = EvtCreateBookmark(NULL);
  ch->sub = EvtSubscribe(NULL, NULL, wname, wq, flags == EvtSubscribeStartAfterBookmark ? ch->bookmark : NULL,
                         ch, agent_channel_callback, flags);
  if (!ch->sub) {
    agent_log(AGENT_ERROR, "%s: EvtSubscribe failed (error %lu%s)", name,
              (unsigned long)GetLastError(),
              GetLastError() == ERROR_ACCESS_DENIED ? ": the Security log needs "
              "SeSecurityPrivilege or Event Log Readers" : "");
    return -1;
  }
  agent_log(AGENT_INFO, "%s: subscribed (%s)", name,
            flags == EvtSubscribeStartAfterBookmark ? "after the saved bookmark" : "from the oldest record");
  return 0;
}

static void agent_channel_stop(agent_channel *ch) {
  if (ch->sub) EvtClose(ch->sub);
  EnterCriticalSection(&ch->lock);
  if (ch->bookmark) EvtClose(ch->bookmark);
  free(ch->xml);
  agent_line_free(&ch->line);
  LeaveCriticalSection(&ch->lock);
  DeleteCriticalSection(&ch->lock);
}

static BOOL WINAPI agent_console_ctrl(DWORD type) {
  (void)type;
  agent_win_stop = 1;
  return TRUE;
}

volatile int agent_win_stop;

int agent_live_run(agent *a) {
  static agent_channel chans[AGENT_MAX_CHANNELS];
  size_t n = 0, failed = 0;
  SetConsoleCtrlHandler(agent_console_ctrl, TRUE);
  for (size_t i = 0; i < a->cfg.channel_count; i++) {
    if (agent_channel_start(a, &chans[n], a->cfg.channels[i])) {
      failed++;
      agent_channel_stop(&chans[n]);
    } else {
      n++;
    }
  }
  int wfp = a->cfg.wfp ? agent_wfp_start(a) : 1;
  int wmi = a->cfg.wmi_iscsi ? agent_wmi_start(a) : 1;
  if (!n && wfp <= 0 && wmi <= 0) agent_log(AGENT_ERROR, "nothing could be subscribed to");
  uint32_t wait = a->cfg.retry_ms;
  uint64_t next_try = 0;
  while (!a->stop && !agent_win_stop) {
    Sleep(1000);
    agent_spool_seal(a->spool);
    if (agent_now_ms() < next_try) continue;
    if (agent_flush(a) < 0) {
      next_try = agent_now_ms() + wait;
      wait = wait * 2 > 30000 ? 30000 : wait * 2;
    } else {
      wait = a->cfg.retry_ms;
    }
  }
  agent_log(AGENT_INFO, "stopping");
  if (wfp == 0) agent_wfp_stop();
  if (wmi == 0) agent_wmi_stop();
  for (size_t i = 0; i < n; i++) agent_channel_stop(&chans[i]);
  agent_spool_seal(a->spool);
  agent_flush(a);
  return failed ? 1 : 0;
}

int agent_live_self_test(const agent_config *c, FILE *out) {
  int problems = 0;
  for (size_t i = 0; i < c->channel_count; i++) {
    char q[8192];
    wchar_t wname[AGENT_NAME_MAX];
    MultiByteToWideChar(CP_UTF8, 0, c->channels[i], -1, wname, AGENT_NAME_MAX);
    size_t qn = agent_scope_query(c->channels[i], q, sizeof q);
    EVT_HANDLE h = EvtOpenChannelConfig(NULL, wname, 0);
    fprintf(out, "event log %s: EvtSubscribe query %s\n  channel: %s\n", c->channels[i],
            qn ? q : "(too long)", h ? "present" : "cannot be opened (missing or access denied)");
    if (h) EvtClose(h);
    else problems++;
  }
  if (c->wfp) problems += agent_wfp_self_test(out) ? 1 : 0;
  else fputs("WFP net events: off\n", out);
  if (c->wmi_iscsi) problems += agent_wmi_self_test(out) ? 1 : 0;
  else fputs("WMI iSCSI failures: off\n", out);
  fprintf(out, "%d problem%s\n", problems, problems == 1 ? "" : "s");
  return problems ? -1 : 0;
}
