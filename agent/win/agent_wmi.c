/*
** WMI: MSiSCSI_InitiatorNodeFailureEvent on root\WMI, consumed by a thread
** of its own through a semi-synchronous notification query
** (ExecNotificationQuery, then IEnumWbemClassObject::Next with a 1 s
** timeout so it sees the stop flag): no COM sink object to implement. Each
** event's properties become agent_iscsi.c's record.
**
** Must never: block the other sources (its own thread and COM apartment),
** or leak a COM reference on any path.
*/
#define COBJMACROS
#include <winsock2.h>
#include <windows.h>
#include <oleauto.h>
#include <wbemidl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_win.h"

static HANDLE agent_wmi_thread;
static volatile LONG agent_wmi_stop_flag;
static agent *agent_wmi_agent;
static uint64_t agent_wmi_events;

/* A string property (BSTR) as UTF-8 into out; "" when absent. */
static void agent_wmi_str(IWbemClassObject *o, const wchar_t *name, char *out, size_t cap) {
  VARIANT v;
  VariantInit(&v);
  out[0] = 0;
  if (SUCCEEDED(IWbemClassObject_Get(o, name, 0, &v, NULL, NULL)) && v.vt == VT_BSTR && v.bstrVal)
    WideCharToMultiByte(CP_UTF8, 0, v.bstrVal, -1, out, (int)cap, NULL, NULL);
  VariantClear(&v);
}

/* FailureTime: a CIM DATETIME string when WMI applies the property's
** WmiTimeStamp qualifier, else a number (assumed FILETIME, as
** windows-events.md §4.1 says the header leaves the unit unstated); 0 when
** absent. */
static uint64_t agent_wmi_time(IWbemClassObject *o, const wchar_t *name) {
  VARIANT v;
  VariantInit(&v);
  uint64_t ft = 0;
  if (SUCCEEDED(IWbemClassObject_Get(o, name, 0, &v, NULL, NULL)) && v.vt == VT_BSTR && v.bstrVal) {
    char s[64];
    WideCharToMultiByte(CP_UTF8, 0, v.bstrVal, -1, s, (int)sizeof s, NULL, NULL);
    s[sizeof s - 1] = 0;
    if (agent_cim_datetime(s, &ft)) ft = strtoull(s, NULL, 10);
  } else if (v.vt != VT_EMPTY && v.vt != VT_NULL) {
    VARIANT n;
    VariantInit(&n);
    if (SUCCEEDED(VariantChangeType(&n, &v, 0, VT_UI8))) ft = n.ullVal;
    VariantClear(&n);
  }
  VariantClear(&v);
  return ft;
}

/* A number property (WMI gives uint64 as a string); -1 when absent. */
static long long agent_wmi_num(IWbemClassObject *o, const wchar_t *name) {
  VARIANT v;
  VariantInit(&v);
  long long r = -1;
  if (SUCCEEDED(IWbemClassObject_Get(o, name, 0, &v, NULL, NULL))) {
    VARIANT n;
    VariantInit(&n);
    if (v.vt == VT_BSTR && v.bstrVal) r = _wcstoi64(v.bstrVal, NULL, 10);
    else if (v.vt != VT_NULL && v.vt != VT_EMPTY && SUCCEEDED(VariantChangeType(&n, &v, 0, VT_I8)))
      r = n.llVal;
    VariantClear(&n);
  }
  VariantClear(&v);
  return r;
}

/* TargetFailureAddr (embedded ISCSI_IP_Address): its TextAddress, else the
** IPv4 address. */
static void agent_wmi_addr(IWbemClassObject *o, char *out, size_t cap) {
  VARIANT v;
  VariantInit(&v);
  out[0] = 0;
  if (SUCCEEDED(IWbemClassObject_Get(o, L"TargetFailureAddr", 0, &v, NULL, NULL)) &&
      v.vt == VT_UNKNOWN && v.punkVal) {
    IWbemClassObject *a = NULL;
    if (SUCCEEDED(IUnknown_QueryInterface(v.punkVal, &IID_IWbemClassObject, (void **)&a))) {
      agent_wmi_str(a, L"TextAddress", out, cap);
      long long ip = out[0] ? -1 : agent_wmi_num(a, L"IpV4Address");
      /* Network order kept in a ULONG, so the first octet is the low byte
      ** (windows-events.md §4.2: presumed, unverified). */
      if (ip > 0)
        snprintf(out, cap, "%u.%u.%u.%u", (unsigned)(ip & 255), (unsigned)(ip >> 8 & 255),
                 (unsigned)(ip >> 16 & 255), (unsigned)(ip >> 24 & 255));
      IWbemClassObject_Release(a);
    }
  }
  VariantClear(&v);
}

static void agent_wmi_take(IWbemClassObject *o) {
  static agent_iscsi_record rec;
  static agent_line line;
  char name[1024], addr[512], host[256];
  agent_wmi_str(o, L"TargetFailureName", name, sizeof name);
  agent_wmi_addr(o, addr, sizeof addr);
  uint64_t when = agent_wmi_time(o, L"FailureTime");
  long long type = agent_wmi_num(o, L"FailureType");
  DWORD hn = sizeof host;
  if (agent_wmi_agent->cfg.host[0]) snprintf(host, sizeof host, "%s", agent_wmi_agent->cfg.host);
  else if (!GetComputerNameExA(ComputerNameDnsFullyQualified, host, &hn)) host[0] = 0;
  if (!when) {
    FILETIME now;
    GetSystemTimeAsFileTime(&now);
    when = (uint64_t)now.dwHighDateTime << 32 | now.dwLowDateTime;
  }
  agent_iscsi_record_make(when, type < 0 || type > 255 ? -1 : (int)type, name, addr,
                          host, &rec);
  if (agent_event_json(&rec.ev, (fl_evtx_str){"", 0}, &line) == 0) {
    agent_spool_add(agent_wmi_agent->spool, line.p, line.len);
    agent_wmi_events++;
  }
}

static DWORD WINAPI agent_wmi_main(LPVOID arg) {
  (void)arg;
  HRESULT hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
  if (FAILED(hr)) return 1;
  IWbemLocator *loc = NULL;
  IWbemServices *svc = NULL;
  IEnumWbemClassObject *en = NULL;
  BSTR ns = SysAllocString(L"ROOT\\WMI"), lang = SysAllocString(L"WQL"),
       q = SysAllocString(L"SELECT * FROM MSiSCSI_InitiatorNodeFailureEvent");
  const char *step = "CoCreateInstance(WbemLocator)";
  hr = CoCreateInstance(&CLSID_WbemLocator, NULL, CLSCTX_INPROC_SERVER, &IID_IWbemLocator,
                        (void **)&loc);
  if (SUCCEEDED(hr)) {
    step = "ConnectServer(ROOT\\WMI)";
    hr = IWbemLocator_ConnectServer(loc, ns, NULL, NULL, NULL, 0, NULL, NULL, &svc);
  }
  if (SUCCEEDED(hr)) {
    step = "CoSetProxyBlanket";
    hr = CoSetProxyBlanket((IUnknown *)svc, RPC_C_AUTHN_WINNT, RPC_C_AUTHZ_NONE, NULL,
                           RPC_C_AUTHN_LEVEL_CALL, RPC_C_IMP_LEVEL_IMPERSONATE, NULL, EOAC_NONE);
  }
  if (SUCCEEDED(hr)) {
    step = "ExecNotificationQuery(MSiSCSI_InitiatorNodeFailureEvent)";
    hr = IWbemServices_ExecNotificationQuery(
        svc, lang, q, WBEM_FLAG_RETURN_IMMEDIATELY | WBEM_FLAG_FORWARD_ONLY, NULL, &en);
  }
  if (FAILED(hr)) {
    en = NULL; /* never trust an out-parameter of a failed call */
    agent_log(AGENT_ERROR, "WMI: %s failed (0x%08lx); iSCSI WMI failures not forwarded", step,
              (unsigned long)hr);
  } else {
    agent_log(AGENT_INFO, "WMI: subscribed to root\\WMI MSiSCSI_InitiatorNodeFailureEvent");
    while (!agent_wmi_stop_flag) {
      IWbemClassObject *o = NULL;
      ULONG got = 0;
      hr = IEnumWbemClassObject_Next(en, 1000, 1, &o, &got);
      if (hr == WBEM_S_TIMEDOUT) continue;
      if (FAILED(hr) || !got) {
        agent_log(AGENT_WARN, "WMI: the notification query ended (0x%08lx)", (unsigned long)hr);
        break;
      }
      agent_wmi_take(o);
      IWbemClassObject_Release(o);
    }
  }
  if (en) IEnumWbemClassObject_Release(en);
  if (svc) IWbemServices_Release(svc);
  if (loc) IWbemLocator_Release(loc);
  SysFreeString(ns);
  SysFreeString(lang);
  SysFreeString(q);
  CoUninitialize();
  return 0;
}

int agent_wmi_start(agent *a) {
  agent_wmi_agent = a;
  agent_wmi_stop_flag = 0;
  agent_wmi_thread = CreateThread(NULL, 0, agent_wmi_main, NULL, 0, NULL);
  if (!agent_wmi_thread) {
    agent_log(AGENT_ERROR, "WMI: cannot start its thread (error %lu)", (unsigned long)GetLastError());
    return -1;
  }
  return 0;
}

void agent_wmi_stop(void) {
  InterlockedExchange(&agent_wmi_stop_flag, 1);
  if (agent_wmi_thread) {
    WaitForSingleObject(agent_wmi_thread, 5000);
    CloseHandle(agent_wmi_thread);
  }
  agent_wmi_thread = NULL;
  agent_log(AGENT_INFO, "WMI: %llu iSCSI failure events forwarded",
            (unsigned long long)agent_wmi_events);
}

int agent_wmi_self_test(FILE *out) {
  fputs("WMI: root\\WMI SELECT * FROM MSiSCSI_InitiatorNodeFailureEvent "
        "(ExecNotificationQuery)\n  namespace: ", out);
  HRESULT hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
  int ok = 0;
  if (SUCCEEDED(hr)) {
    IWbemLocator *loc = NULL;
    IWbemServices *svc = NULL;
    BSTR ns = SysAllocString(L"ROOT\\WMI");
    hr = CoCreateInstance(&CLSID_WbemLocator, NULL, CLSCTX_INPROC_SERVER, &IID_IWbemLocator,
                          (void **)&loc);
    if (SUCCEEDED(hr)) hr = IWbemLocator_ConnectServer(loc, ns, NULL, NULL, NULL, 0, NULL, NULL, &svc);
    ok = SUCCEEDED(hr);
    if (svc) IWbemServices_Release(svc);
    if (loc) IWbemLocator_Release(loc);
    SysFreeString(ns);
    CoUninitialize();
  }
  if (ok) fputs("open\n", out);
  else fprintf(out, "cannot be opened (0x%08lx)\n", (unsigned long)hr);
  return ok ? 0 : -1;
}
