/*
** Unit tests of the XML readers (lib/input): Windows event XML in its
** variants (single <Event>, <Events>, both quote styles, RenderingInfo,
** classic Qualifiers/unnamed Data/Binary, UserData, UTF-16), netsh wfp XML
** (the real classifyDrop sample, hand-written IKE MM/QM/EM failures decoded
** into the SDK structs), and damage: a broken event in the middle, a
** truncated file. Expected values come from windows-events.md and the
** samples, not from the code.
**
** Must never: need the network, or fail (rather than SKIP) without ../shared.
*/
#include <wchar.h>

#include "test_input_util.h"

static const char *const ev4653 =
    "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>"
    "<System><Provider Name='Microsoft-Windows-Security-Auditing' "
    "Guid='{54849625-5478-4994-a5ba-3e3b0328c30d}' />"
    "<EventID>4653</EventID><Version>0</Version><Level>0</Level>"
    "<Task>12547</Task><Opcode>0</Opcode><Keywords>0x8010000000000000</Keywords>"
    "<TimeCreated SystemTime='2020-07-10T17:20:06.687103300Z' />"
    "<EventRecordID>125812</EventRecordID><Correlation ActivityID="
    "'{af6b9825-ffd8-0000-2f9a-6bafd8ffd501}' /><Execution ProcessID='660' "
    "ThreadID='124' /><Channel>Security</Channel><Computer>host1</Computer>"
    "<Security /></System><EventData>"
    "<Data Name='LocalMMPrincipalName'>-</Data>"
    "<Data Name='LocalAddress'>88.88.88.81</Data>"
    "<Data Name='LocalKeyModPort'>4500</Data>"
    "<Data Name='FailurePoint'>%%8199</Data>"
    "<Data Name='FailureReason'>Negotiation timed out</Data>"
    "<Data Name='MMFilterID'>54919761</Data>"
    "<Data Name='Amp'>a&amp;b&lt;c</Data>"
    "</EventData><RenderingInfo Culture='en-US'><Message>An IPsec main mode "
    "negotiation failed.</Message><Level>Information</Level></RenderingInfo>"
    "</Event>";

static void test_event_xml_single(void) {
  ti_run *r = ti_read(ev4653);
  CHECK(r->st == FL_OK);
  CHECK(r->nev == 1);
  ti_event *t = &r->ev[0];
  CHECK(t->ev.event_id == 4653 && (t->ev.present & FL_EVTX_HAS_EVENT_ID));
  CHECK(!(t->ev.present & FL_EVTX_HAS_QUALIFIERS));
  CHECK(t->ev.task == 12547 && t->ev.keywords == 0x8010000000000000ull);
  CHECK(t->ev.event_record_id == 125812 && t->ev.record_id == 125812);
  CHECK(t->ev.process_id == 660 && t->ev.thread_id == 124);
  /* 2020-07-10T17:20:06.6871033Z as FILETIME */
  CHECK(t->ev.time_created == 132388752066871033ull);
  CHECK_STR(t->provider, "Microsoft-Windows-Security-Auditing");
  CHECK_STR(t->guid, "{54849625-5478-4994-A5BA-3E3B0328C30D}");
  CHECK_STR(t->activity, "{AF6B9825-FFD8-0000-2F9A-6BAFD8FFD501}");
  CHECK_STR(t->channel, "Security");
  CHECK_STR(t->computer, "host1");
  CHECK(t->npairs == 7);
  CHECK_STR(ti_val(t, "FailurePoint"), "%%8199");
  CHECK_STR(ti_val(t, "FailureReason"), "Negotiation timed out");
  CHECK_STR(ti_val(t, "Amp"), "a&b<c");
  CHECK_STR(ti_val(t, "LocalMMPrincipalName"), "-");
  free(r);
}

static void test_event_xml_wrapper(void) {
  const char *x =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Events>\n"
      "<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">"
      "<System><Provider Name=\"iScsiPrt\"/><EventID Qualifiers=\"49152\">9"
      "</EventID><Level>2</Level><Task>0</Task><Keywords>0x80000000000000"
      "</Keywords><TimeCreated SystemTime=\"2021-01-02T03:04:05.000Z\"/>"
      "<EventRecordID>7</EventRecordID><Channel>System</Channel><Computer>"
      "srv</Computer><Security/></System><EventData><Data>\\Device\\RaidPort0"
      "</Data><Data></Data><Binary>0000040001002C00</Binary></EventData>"
      "</Event>\n"
      "<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">"
      "<System><Provider Name=\"Microsoft-Windows-Eventlog\"/><EventID>1102"
      "</EventID><Channel>Security</Channel></System><UserData>"
      "<LogFileCleared xmlns=\"http://manifests.microsoft.com/win/2004/08/"
      "windows/eventlog\"><SubjectUserSid>S-1-5-21-1</SubjectUserSid>"
      "<SubjectUserName>admin</SubjectUserName></LogFileCleared></UserData>"
      "</Event>\n</Events>\n";
  ti_run *r = ti_read_fmt(x, strlen(x), FL_EVTX_RENDER_XML, NULL);
  CHECK(r->st == FL_OK && r->nev == 2);
  ti_event *t = &r->ev[0];
  CHECK(t->ev.event_id == 9 && t->ev.qualifiers == 49152 &&
        (t->ev.present & FL_EVTX_HAS_QUALIFIERS));
  CHECK(t->npairs == 3);
  CHECK_STR(t->names[0], "");
  CHECK_STR(t->values[0], "\\Device\\RaidPort0");
  CHECK_STR(t->values[1], "");
  CHECK_STR(t->names[2], "Binary");
  CHECK_STR(t->values[2], "0000040001002C00");
  CHECK(strstr(t->rendered, "<EventID Qualifiers=\"49152\">9</EventID>") != NULL);
  CHECK(strstr(t->rendered, "<Data>\\Device\\RaidPort0</Data><Data/>"
                            "<Binary>0000040001002C00</Binary>") != NULL);
  CHECK(strstr(t->rendered, "SystemTime=\"2021-01-02T03:04:05.0000000Z\"") != NULL);
  t = &r->ev[1];
  CHECK(t->ev.event_id == 1102 && t->npairs == 2);
  CHECK_STR(ti_val(t, "SubjectUserName"), "admin");
  CHECK(strstr(t->rendered, "<UserData><LogFileCleared><SubjectUserSid>") != NULL);
  CHECK(r->outlen > 0 && strstr(r->out, "</Event>\n<Event") != NULL);
  free(r);
}

/* Event Viewer "Save as XML": UTF-16LE with a BOM and an encoding decl. */
static void test_event_xml_utf16(void) {
  const char *x = "<?xml version=\"1.0\" encoding=\"utf-16\"?><Events><Event>"
                  "<System><EventID>5453</EventID><Computer>h\xC3\xA9</Computer>"
                  "</System></Event></Events>";
  size_t n = strlen(x);
  unsigned char *u = malloc(2 * n + 2);
  u[0] = 0xff;
  u[1] = 0xfe;
  size_t k = 2;
  for (size_t i = 0; i < n; i++) {
    unsigned c = (unsigned char)x[i];
    if (c == 0xC3) { c = 0xE9; i++; } /* é */
    u[k++] = (unsigned char)c;
    u[k++] = 0;
  }
  CHECK(fl_input_detect(u, k) == FL_INPUT_EVENT_XML);
  ti_run *r = ti_read_fmt(u, k, FL_EVTX_RENDER_NONE, NULL);
  CHECK(r->st == FL_OK && r->nev == 1);
  CHECK(r->ev[0].ev.event_id == 5453);
  CHECK_STR(r->ev[0].computer, "h\xC3\xA9");
  free(u);
  free(r);
}

/* Get-WinEvent | % ToXml() output: several root <Event>s one after another. */
static void test_event_xml_concatenated(void) {
  const char *x = "<Event><System><EventID>1</EventID></System></Event>\n"
                  "<Event><System><EventID>2</EventID></System></Event>\n"
                  "<Event><System><EventID>3</EventID></System></Event>\n";
  ti_run *r = ti_read(x);
  CHECK(r->st == FL_OK && r->nev == 3 && r->ndiag == 0);
  CHECK(r->ev[2].ev.event_id == 3);
  free(r);
}

static void test_event_xml_damaged(void) {
  const char *x =
      "<Events>\n"
      "<Event><System><EventID>1</EventID></System></Event>\n"
      "<Event><System><EventID>2</EventID><Level>4</Lvl></System></Event>\n"
      "<Event><System><EventID>3</EventID></System></Event>\n"
      "</Events>\n";
  ti_run *r = ti_read(x);
  CHECK(r->st == FL_EPARTIAL);
  CHECK(r->nev == 2 && r->ev[0].ev.event_id == 1 && r->ev[1].ev.event_id == 3);
  CHECK(r->stats.records == 2 && r->stats.records_skipped == 1);
  CHECK(r->ndiag == 1 && r->dg[0].sev == FL_EVTX_ERROR && r->dg[0].line == 3);
  CHECK(strstr(r->dg[0].message, "mismatched tag") != NULL);
  free(r);
  const char *trunc = "<Events><Event><System><EventID>1</EventID></System>"
                      "</Event>\n<Event><System><EventID>2</Even";
  r = ti_read(trunc);
  CHECK(r->st == FL_EPARTIAL && r->nev == 1 && r->stats.records_skipped == 1);
  CHECK(r->ndiag == 1 && r->dg[0].line == 2);
  free(r);
}

/* Issue 14 item 3: a truncated event in the middle loses nothing else;
** the diagnostic names the broken event's line and where reading resumed. */
static void test_event_xml_cut_off(void) {
  const char *ev1 = "<Event><System><EventID>1</EventID></System></Event>\n";
  const char *ev3 = "<Event><System><EventID>3</EventID></System></Event>\n";
  const char *cuts[] = {"<Event><System><EventID>2</EventID><Lev\n",
                        "<Event><System><Provider Name=\"Micro\n",
                        "<Event><System><EventID>2</EventID></System>\n"};
  for (int wrapped = 0; wrapped < 2; wrapped++)
    for (size_t k = 0; k < sizeof cuts / sizeof *cuts; k++) {
      char x[512];
      snprintf(x, sizeof x, "%s%s%s%s%s", wrapped ? "<Events>\n" : "", ev1,
               cuts[k], ev3, wrapped ? "</Events>\n" : "");
      ti_run *r = ti_read(x);
      unsigned line = wrapped ? 3 : 2;
      CHECK(r->st == FL_EPARTIAL);
      CHECK(r->nev == 2 && r->ev[0].ev.event_id == 1 &&
            r->ev[1].ev.event_id == 3);
      CHECK(r->stats.records_skipped == 1 && r->stats.errors == 1);
      CHECK(r->ndiag == 1 && (r->dg[0].line == line || r->dg[0].line == line + 1));
      CHECK(strstr(r->dg[0].message, "event skipped") != NULL);
      free(r);
    }
}

/* wevtutil qe /f:xml, dump --format xml: no root; files concatenated with
** their own <?xml?>; comments between events; text between them is an
** error that loses no event. */
static void test_event_xml_rootless(void) {
  const char *x = "<?xml version=\"1.0\"?>\n<!-- c -->\n"
                  "<Event><System><EventID>1</EventID></System></Event>\n"
                  "<?xml version=\"1.0\"?>\n"
                  "<Event><System><EventID>2</EventID></System></Event>\n"
                  "<!-- between -->"
                  "<Event><System><EventID>3</EventID></System></Event>\n"
                  "stray text\n"
                  "<Event><System><EventID>4</EventID></System></Event>\n";
  ti_run *r = ti_read(x);
  CHECK(r->nev == 4 && r->ev[3].ev.event_id == 4);
  CHECK(r->ndiag == 1 && r->dg[0].line == 7 && r->st == FL_EPARTIAL);
  free(r);
}

static void test_event_xml_filter(void) {
  uint32_t ids[] = {3};
  fl_evtx_filter f = {ids, 1, NULL, 0, NULL, 0};
  const char *x = "<Events><Event><System><EventID>1</EventID></System></Event>"
                  "<Event><System><EventID>3</EventID></System></Event></Events>";
  ti_run *r = ti_read_fmt(x, strlen(x), FL_EVTX_RENDER_JSONL, &f);
  CHECK(r->nev == 1 && r->ev[0].ev.event_id == 3);
  CHECK(r->stats.records == 2 && r->stats.records_matched == 1);
  CHECK(strstr(r->out, "\"EventID\":3") && !strstr(r->out, "\"EventID\":1"));
  free(r);
  const char *prov[] = {"microsoft-windows-wfp"};
  fl_evtx_filter g = {NULL, 0, prov, 1, NULL, 0};
  r = ti_read_fmt(x, strlen(x), FL_EVTX_RENDER_NONE, &g);
  CHECK(r->nev == 0 && r->stats.records == 2);
  free(r);
}

static void test_event_xml_hostile(void) {
  const char *bomb = "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><Event><System>"
                     "<EventID>&a;</EventID></System></Event>";
  ti_run *r = ti_read(bomb);
  CHECK(r->st == FL_EPARTIAL && r->nev == 0 && r->ndiag >= 1);
  free(r);
  char deep[4000];
  size_t k = 0;
  k += (size_t)snprintf(deep, sizeof deep, "<Event>");
  for (int i = 0; i < 300; i++) k += (size_t)snprintf(deep + k, sizeof deep - k, "<a>");
  r = ti_read(deep);
  CHECK(r->nev == 0 && r->stats.records_skipped == 1);
  free(r);
}

/* ---- netsh ------------------------------------------------------------- */

static void test_netsh_classify_drop_sample(void) {
  const char *sh = ti_shared();
  if (!sh) {
    SKIP(test_netsh_classify_drop_sample, "FL_SHARED/samples absent");
    return;
  }
  char path[600];
  snprintf(path, sizeof path, "%s/samples/wfp-netevent-classifydrop-msdocs.xml", sh);
  size_t n;
  char *x = ti_slurp(path, &n);
  CHECK(x != NULL);
  if (!x) return;
  CHECK(fl_input_detect(x, n) == FL_INPUT_NETSH_XML);
  ti_run *r = ti_read_fmt(x, n, FL_EVTX_RENDER_NONE, NULL);
  CHECK(r->st == FL_OK && r->nev == 1);
  ti_event *t = &r->ev[0];
  CHECK_STR(t->provider, FL_INPUT_WFP_PROVIDER);
  CHECK_STR(t->channel, FL_INPUT_WFP_CHANNEL);
  CHECK(t->ev.event_id == FL_INPUT_WFP_ID_BASE + 3);
  CHECK_STR(ti_val(t, "type"), "3");
  CHECK_STR(ti_val(t, "timeStamp"), "2020-10-07T01:03:56.2810000Z");
  CHECK(t->ev.present & FL_EVTX_HAS_TIME_CREATED);
  CHECK_STR(ti_val(t, "headerFlags"), "0x57f"); /* 9 FWPM_NET_EVENT_FLAG_* */
  CHECK_STR(ti_val(t, "ipVersion"), "0");
  CHECK_STR(ti_val(t, "ipProtocol"), "17");
  CHECK_STR(ti_val(t, "localAddrV4"), "255.255.255.255");
  CHECK_STR(ti_val(t, "remoteAddrV4"), "10.195.33.252");
  CHECK_STR(ti_val(t, "localPort"), "21");
  CHECK_STR(ti_val(t, "remotePort"), "61706");
  CHECK_STR(ti_val(t, "scopeId"), "0");
  CHECK_STR(ti_val(t, "userId"), "S-1-5-19");
  CHECK_STR(ti_val(t, "addressFamily"), "0");
  CHECK_STR(ti_val(t, "packageSid"), "S-1-0-0");
  CHECK_STR(ti_val(t, "enterpriseId"), "");
  CHECK_STR(ti_val(t, "appId"), "\\dem32\\svchost.exe"); /* what <data> holds */
  CHECK_STR(ti_val(t, "filterId"), "66241");
  CHECK_STR(ti_val(t, "layerId"), "44");
  CHECK_STR(ti_val(t, "msFwpDirection"), "MS_FWP_DIRECTION_OUT");
  CHECK_STR(ti_val(t, "isLoopback"), "false");
  CHECK_STR(ti_val(t, "internalFields.internalFlags"),
            "FWPM_NET_EVENT_INTERNAL_FLAG_FILTER_ORIGIN_SET");
  CHECK_STR(ti_val(t, "internalFields.filterOrigin"), "Quarantine Default");
  CHECK_STR(ti_val(t, "internalFields.interfaceIndex"), "5");
  int filters = 0;
  for (size_t i = 0; i < t->npairs; i++)
    if (!strcmp(t->names[i], "internalFields.terminatingFiltersInfo.filterId")) filters++;
  CHECK(filters == 3);
  fl_input_wfp_event *w = calloc(1, sizeof *w);
  fl_evtx_event e = t->ev; /* its pairs are gone; this id has none to read */
  e.provider_name.ptr = t->provider;
  e.data_count = 0;
  CHECK(fl_input_wfp_decode(&e, w, NULL) == FL_ENOTFOUND);
  free(w);
  free(r);
  free(x);
}

static const char *const mm_failure =
    "<?xml version=\"1.0\"?>\n<netEvents numItems=\"2\">\n<item>\n<header>\n"
    "<timeStamp>2024-03-01T10:00:00.500Z</timeStamp>\n"
    "<flags numItems=\"6\"><item>FWPM_NET_EVENT_FLAG_IP_PROTOCOL_SET</item>"
    "<item>FWPM_NET_EVENT_FLAG_LOCAL_ADDR_SET</item>"
    "<item>FWPM_NET_EVENT_FLAG_REMOTE_ADDR_SET</item>"
    "<item>FWPM_NET_EVENT_FLAG_LOCAL_PORT_SET</item>"
    "<item>FWPM_NET_EVENT_FLAG_REMOTE_PORT_SET</item>"
    "<item>FWPM_NET_EVENT_FLAG_IP_VERSION_SET</item></flags>\n"
    "<ipVersion>FWP_IP_VERSION_V4</ipVersion><ipProtocol>17</ipProtocol>"
    "<localAddrV4>192.168.1.10</localAddrV4><remoteAddrV4>203.0.113.7"
    "</remoteAddrV4><localPort>500</localPort><remotePort>500</remotePort>"
    "<scopeId>0</scopeId><appId/><userId/><addressFamily>FWP_AF_INET"
    "</addressFamily><packageSid/><enterpriseId/><policyFlags>0</policyFlags>"
    "<effectiveName/></header>\n"
    "<type>FWPM_NET_EVENT_TYPE_IKEEXT_MM_FAILURE</type>\n<ikeMmFailure>"
    "<failureErrorCode>13801</failureErrorCode>"
    "<failurePoint>IPSEC_FAILURE_PEER</failurePoint>"
    "<flags numItems=\"2\"><item>FWPM_NET_EVENT_IKEEXT_MM_FAILURE_FLAG_BENIGN"
    "</item><item>FWPM_NET_EVENT_IKEEXT_MM_FAILURE_FLAG_MULTIPLE</item></flags>"
    "<keyingModuleType>IKEEXT_KEY_MODULE_IKEV2</keyingModuleType>"
    "<mmState>IKEEXT_MM_SA_STATE_SSPI_SENT</mmState>"
    "<saRole>IKEEXT_SA_ROLE_INITIATOR</saRole>"
    "<mmAuthMethod>IKEEXT_CERTIFICATE</mmAuthMethod>"
    "<endCertHash>0a1b2c3d4e5f60718293a4b5c6d7e8f901234567</endCertHash>"
    "<mmId>123456789</mmId><mmFilterId>54919761</mmFilterId>"
    "<localPrincipalNameForAuth>CN=client.example.com</localPrincipalNameForAuth>"
    "<remotePrincipalNameForAuth>CN=vpn.example.com</remotePrincipalNameForAuth>"
    "<localPrincipalGroupSids numItems=\"2\"><item>S-1-5-11</item>"
    "<item>S-1-5-32-545</item></localPrincipalGroupSids>"
    "<remotePrincipalGroupSids numItems=\"0\"/>"
    "<providerContextKey>{B16B0A6E-2B2A-41A3-8B39-BD3FFC855FF8}</providerContextKey>"
    "</ikeMmFailure>\n<internalFields/></item>\n"
    "<item><header><timeStamp>2024-03-01T10:00:01.000Z</timeStamp>"
    "<flags numItems=\"0\"/></header><type>FWPM_NET_EVENT_TYPE_IKEEXT_EM_FAILURE"
    "</type><ikeEmFailure><failureErrorCode>13868</failureErrorCode>"
    "<failurePoint>IPSEC_FAILURE_ME</failurePoint><flags numItems=\"1\"><item>"
    "FWPM_NET_EVENT_IKEEXT_EM_FAILURE_FLAG_BENIGN</item></flags>"
    "<emState>IKEEXT_EM_SA_STATE_SENT_ATTS</emState><saRole>"
    "IKEEXT_SA_ROLE_RESPONDER</saRole><emAuthMethod>IKEEXT_KERBEROS"
    "</emAuthMethod><endCertHash/><mmId>5</mmId><qmFilterId>6</qmFilterId>"
    "<saTrafficType>IPSEC_TRAFFIC_TYPE_TUNNEL</saTrafficType></ikeEmFailure>"
    "</item>\n</netEvents>\n";

static void test_netsh_mm_failure_pairs(void) {
  ti_run *r = ti_read(mm_failure);
  CHECK(r->st == FL_OK && r->nev == 2 && r->ndiag == 0);
  ti_event *t = &r->ev[0];
  CHECK(t->ev.event_id == FL_INPUT_WFP_ID_MM_FAILURE);
  CHECK_STR(ti_val(t, "headerFlags"), "0x11f");
  CHECK_STR(ti_val(t, "failureErrorCode"), "13801");
  CHECK_STR(ti_val(t, "failurePoint"), "2");
  CHECK_STR(ti_val(t, "flags"), "0x3");
  CHECK_STR(ti_val(t, "keyingModuleType"), "2");
  CHECK_STR(ti_val(t, "mmState"), "2");
  CHECK_STR(ti_val(t, "saRole"), "0");
  CHECK_STR(ti_val(t, "mmAuthMethod"), "1");
  CHECK_STR(ti_val(t, "endCertHash"), "0A1B2C3D4E5F60718293A4B5C6D7E8F901234567");
  CHECK_STR(ti_val(t, "mmFilterId"), "54919761");
  CHECK_STR(ti_val(t, "localPrincipalGroupSids"), "S-1-5-11,S-1-5-32-545");
  CHECK_STR(ti_val(t, "remotePrincipalGroupSids"), "");
  CHECK_STR(ti_val(t, "remoteAddrV4"), "203.0.113.7");
  t = &r->ev[1];
  CHECK(t->ev.event_id == FL_INPUT_WFP_ID_EM_FAILURE);
  CHECK_STR(ti_val(t, "flags"), "0x2"); /* EM BENIGN is 0x2, not MM's 0x1 */
  CHECK_STR(ti_val(t, "headerFlags"), "0x0");
  free(r);
}

/* Decoding needs the record's pairs alive: do it inside the callback. */
typedef struct ti_decode {
  int n;
  fl_status st[4];
  fl_input_wfp_event *w[4];
} ti_decode;

static int ti_decode_cb(const fl_evtx_event *e, void *user) {
  ti_decode *d = user;
  if (d->n >= 4) return 0;
  d->w[d->n] = calloc(1, sizeof(fl_input_wfp_event));
  fl_error err;
  d->st[d->n] = fl_input_wfp_decode(e, d->w[d->n], &err);
  d->n++;
  return 0;
}

static void test_netsh_decode_sdk(void) {
  ti_decode d;
  memset(&d, 0, sizeof d);
  fl_evtx_options o;
  memset(&o, 0, sizeof o);
  o.on_record = ti_decode_cb;
  o.user = &d;
  fl_evtx_stats s;
  CHECK(fl_input_read_memory(mm_failure, strlen(mm_failure), "mm", &o, &s,
                             NULL) == FL_OK);
  CHECK(d.n == 2 && d.st[0] == FL_OK && d.st[1] == FL_OK);
  if (d.n != 2) return;
  fl_input_wfp_event *w = d.w[0];
  CHECK(w->type == FWPM_NET_EVENT_TYPE_IKEEXT_MM_FAILURE);
  uint64_t ft = (uint64_t)w->header.timeStamp.dwHighDateTime << 32 |
                w->header.timeStamp.dwLowDateTime;
  CHECK(ft == 133537608005000000ull); /* 2024-03-01T10:00:00.5Z */
  CHECK(w->header.flags == (FWPM_NET_EVENT_FLAG_IP_PROTOCOL_SET |
                            FWPM_NET_EVENT_FLAG_LOCAL_ADDR_SET |
                            FWPM_NET_EVENT_FLAG_REMOTE_ADDR_SET |
                            FWPM_NET_EVENT_FLAG_LOCAL_PORT_SET |
                            FWPM_NET_EVENT_FLAG_REMOTE_PORT_SET |
                            FWPM_NET_EVENT_FLAG_IP_VERSION_SET));
  CHECK(w->header.ipVersion == FWP_IP_VERSION_V4 && w->header.ipProtocol == 17);
  CHECK(w->header.localAddrV4 == 0xC0A8010Au && w->header.remoteAddrV4 == 0xCB007107u);
  CHECK(w->header.localPort == 500 && w->header.remotePort == 500);
  CHECK(w->header.addressFamily == FWP_AF_INET && w->header.userId == NULL);
  const FWPM_NET_EVENT_IKEEXT_MM_FAILURE2 *mm = &w->ikeMmFailure;
  CHECK(mm->failureErrorCode == 13801);
  CHECK(mm->failurePoint == IPSEC_FAILURE_PEER);
  CHECK(mm->flags == (FWPM_NET_EVENT_IKEEXT_MM_FAILURE_FLAG_BENIGN |
                      FWPM_NET_EVENT_IKEEXT_MM_FAILURE_FLAG_MULTIPLE));
  CHECK(mm->keyingModuleType == IKEEXT_KEY_MODULE_IKEV2);
  CHECK(mm->mmState == IKEEXT_MM_SA_STATE_SSPI_SENT);
  CHECK(mm->saRole == IKEEXT_SA_ROLE_INITIATOR);
  CHECK(mm->mmAuthMethod == IKEEXT_CERTIFICATE);
  CHECK(mm->endCertHash[0] == 0x0a && mm->endCertHash[19] == 0x67);
  CHECK(mm->mmId == 123456789 && mm->mmFilterId == 54919761);
  CHECK(mm->localPrincipalNameForAuth &&
        wcscmp(mm->localPrincipalNameForAuth, L"CN=client.example.com") == 0);
  CHECK(mm->remotePrincipalNameForAuth &&
        wcscmp(mm->remotePrincipalNameForAuth, L"CN=vpn.example.com") == 0);
  CHECK(mm->numLocalPrincipalGroupSids == 2 &&
        wcscmp(mm->localPrincipalGroupSids[1], L"S-1-5-32-545") == 0);
  CHECK(mm->numRemotePrincipalGroupSids == 0 && !mm->remotePrincipalGroupSids);
  CHECK(mm->providerContextKey && mm->providerContextKey->Data1 == 0xB16B0A6Eu &&
        mm->providerContextKey->Data4[7] == 0xF8);
  const FWPM_NET_EVENT_IKEEXT_EM_FAILURE1 *em = &d.w[1]->ikeEmFailure;
  CHECK(d.w[1]->type == FWPM_NET_EVENT_TYPE_IKEEXT_EM_FAILURE);
  CHECK(em->failureErrorCode == 13868 && em->failurePoint == IPSEC_FAILURE_ME);
  CHECK(em->flags == FWPM_NET_EVENT_IKEEXT_EM_FAILURE_FLAG_BENIGN);
  CHECK(em->emState == IKEEXT_EM_SA_STATE_SENT_ATTS);
  CHECK(em->saRole == IKEEXT_SA_ROLE_RESPONDER && em->emAuthMethod == IKEEXT_KERBEROS);
  CHECK(em->mmId == 5 && em->qmFilterId == 6);
  CHECK(em->saTrafficType == IPSEC_TRAFFIC_TYPE_TUNNEL);
  for (int i = 0; i < d.n; i++) free(d.w[i]);
}

static void test_netsh_qm_failure(void) {
  const char *x =
      "<netEvent><header><timeStamp>2024-03-01T10:00:00Z</timeStamp>"
      "<flags numItems=\"0\"/><userId>S-1-5-21-1004336348-1177238915-682003330-512"
      "</userId></header><type>FWPM_NET_EVENT_TYPE_IKEEXT_QM_FAILURE</type>"
      "<ikeQmFailure><failureErrorCode>ERROR_IPSEC_IKE_NEGOTIATION_PENDING"
      "</failureErrorCode><failurePoint>IPSEC_FAILURE_ME</failurePoint>"
      "<keyingModuleType>IKEEXT_KEY_MODULE_IKE</keyingModuleType>"
      "<qmState>IKEEXT_QM_SA_STATE_INITIAL</qmState><saRole>"
      "IKEEXT_SA_ROLE_INITIATOR</saRole><saTrafficType>"
      "IPSEC_TRAFFIC_TYPE_TRANSPORT</saTrafficType><localSubNet><type>"
      "FWP_UINT32</type><uint32>10.0.0.1</uint32></localSubNet>"
      "<remoteSubNet>10.9.0.0/16</remoteSubNet><qmFilterId>77</qmFilterId>"
      "<mmSaLuid>9</mmSaLuid></ikeQmFailure></netEvent>";
  ti_decode d;
  memset(&d, 0, sizeof d);
  fl_evtx_options o;
  memset(&o, 0, sizeof o);
  o.on_record = ti_decode_cb;
  o.user = &d;
  CHECK(fl_input_read_memory(x, strlen(x), "qm", &o, NULL, NULL) == FL_OK);
  CHECK(d.n == 1 && d.st[0] == FL_OK);
  if (d.n != 1) return;
  const FWPM_NET_EVENT_IKEEXT_QM_FAILURE1 *qm = &d.w[0]->ikeQmFailure;
  CHECK(qm->failureErrorCode == 13803); /* by symbol, via the catalog */
  CHECK(qm->qmState == IKEEXT_QM_SA_STATE_INITIAL);
  CHECK(qm->localSubNet.type == FWP_UINT32 && qm->localSubNet.uint32 == 0x0A000001u);
  CHECK(qm->remoteSubNet.type == FWP_V4_ADDR_MASK && qm->remoteSubNet.v4AddrMask &&
        qm->remoteSubNet.v4AddrMask->addr == 0x0A090000u &&
        qm->remoteSubNet.v4AddrMask->mask == 0xFFFF0000u);
  CHECK(qm->qmFilterId == 77 && qm->mmSaLuid == 9);
  const SID *sid = d.w[0]->header.userId;
  CHECK(sid && sid->Revision == 1 && sid->SubAuthorityCount == 5 &&
        sid->IdentifierAuthority.Value[5] == 5);
  free(d.w[0]);
}

static void test_netsh_damaged(void) {
  const char *x = "<netEvents><item><header><timeStamp>2024-03-01T10:00:00Z"
                  "</timeStamp></header><type>FWPM_NET_EVENT_TYPE_CLASSIFY_DROP"
                  "</type></item>\n<item><header><timeStamp>x</header></item>\n"
                  "<item><type>FWPM_NET_EVENT_TYPE_IPSEC_KERNEL_DROP</type>"
                  "</item></netEvents>";
  ti_run *r = ti_read(x);
  CHECK(r->st == FL_EPARTIAL && r->nev == 2 && r->stats.records_skipped == 1);
  CHECK(r->nev == 2 && r->ev[1].ev.event_id == FL_INPUT_WFP_ID_BASE + 4);
  CHECK(r->ndiag == 1 && r->dg[0].line == 2);
  free(r);
}

int main(void) {
  RUN(test_event_xml_single);
  RUN(test_event_xml_wrapper);
  RUN(test_event_xml_utf16);
  RUN(test_event_xml_concatenated);
  RUN(test_event_xml_damaged);
  RUN(test_event_xml_cut_off);
  RUN(test_event_xml_rootless);
  RUN(test_event_xml_filter);
  RUN(test_event_xml_hostile);
  RUN(test_netsh_classify_drop_sample);
  RUN(test_netsh_mm_failure_pairs);
  RUN(test_netsh_decode_sdk);
  RUN(test_netsh_qm_failure);
  RUN(test_netsh_damaged);
  TEST_EXIT();
}
