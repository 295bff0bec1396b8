/*
** Unit tests for typed events (lib/catalog/catalog_typed.c): hand-built
** records as the readers produce them, raw %%NNNN and resolved forms.
*/
#include "harness.h"

#include "faultline.h"

#define S(lit) ((fl_evtx_str){lit, sizeof(lit) - 1})
#define PAIR(n, v) {S(n), S(v)}

static fl_evtx_event base(const char *provider, uint32_t id) {
  fl_evtx_event r;
  memset(&r, 0, sizeof r);
  r.provider_name = (fl_evtx_str){provider, strlen(provider)};
  r.event_id = id;
  r.present = FL_EVTX_HAS_EVENT_ID | FL_EVTX_HAS_TIME_CREATED | FL_EVTX_HAS_EVENT_RECORD_ID;
  r.time_created = 133000000000000000ull;
  r.event_record_id = 42;
  r.record_id = 7;
  r.computer = S("HOST1.corp.example");
  r.channel = S("Security");
  return r;
}

static void mm_failure_raw_inserts(void) {
  static const fl_evtx_pair d[] = {
      PAIR("LocalMMPrincipalName", "-"), PAIR("RemoteMMPrincipalName", "-"),
      PAIR("LocalAddress", "10.0.0.5"), PAIR("LocalKeyModPort", "500"),
      PAIR("RemoteAddress", "198.51.100.7"), PAIR("RemoteKeyModPort", "4500"),
      PAIR("KeyModName", "%%8222"), PAIR("FailurePoint", "%%8200"),
      PAIR("FailureReason", "Negotiation timed out"), PAIR("MMAuthMethod", "%%8194"),
      PAIR("State", "%%8202"), PAIR("Role", "%%8205"),
      PAIR("MMImpersonationState", "%%8217"), PAIR("MMFilterID", "54919761"),
      PAIR("InitiatorCookie", "db55d3767e51b422"), PAIR("ResponderCookie", "0000000000000000")};
  fl_evtx_event r = base("Microsoft-Windows-Security-Auditing", 4653);
  r.data = d;
  r.data_count = sizeof d / sizeof *d;
  fl_typed_event t;
  CHECK(fl_catalog_type_event(&r, &t) == 1);
  CHECK(t.kind == FL_KIND_MM_FAILURE && t.is_failure && t.source == FL_SOURCE_SECURITY);
  CHECK((t.has & FL_TE_ERROR_CODE) && t.error_code == 13805);
  CHECK(t.keying_module == IKEEXT_KEY_MODULE_IKE);
  CHECK(t.failure_point == IPSEC_FAILURE_PEER);
  CHECK(t.auth_method == -1); /* "Unknown authentication" stays unknown */
  CHECK(t.state == IKEEXT_MM_SA_STATE_SA_SENT);
  CHECK(t.role == IKEEXT_SA_ROLE_INITIATOR);
  CHECK(t.remote_port == 4500 && t.local_port == 500);
  CHECK(t.filter_id == 54919761u && (t.has & FL_TE_FILTER_ID));
  CHECK(t.responder_cookie.len == 16 && t.responder_cookie.ptr[0] == '0');
  CHECK(t.initiator_cookie.len == 16 && t.initiator_cookie.ptr[0] == 'd');
  CHECK(t.record_id == 42 && t.remote_address.len == 12);
}

static void mm_failure_resolved_strings(void) {
  static const fl_evtx_pair d[] = {
      PAIR("KeyModName", "AuthIP"), PAIR("FailurePoint", "Local computer"),
      PAIR("FailureReason", "Failed to authenticate using Kerberos."),
      PAIR("MMAuthMethod", "Kerberos"), PAIR("Role", "Responder")};
  fl_evtx_event r = base("microsoft-windows-security-auditing", 4653);
  r.data = d;
  r.data_count = sizeof d / sizeof *d;
  fl_typed_event t;
  CHECK(fl_catalog_type_event(&r, &t) == 1);
  CHECK(t.keying_module == IKEEXT_KEY_MODULE_AUTHIP);
  CHECK(t.failure_point == IPSEC_FAILURE_ME);
  CHECK(t.error_code == 13827);
  CHECK(t.auth_method == IKEEXT_KERBEROS);
  CHECK(t.role == IKEEXT_SA_ROLE_RESPONDER);
}

static void policy_and_service_events(void) {
  static const fl_evtx_pair d[] = {PAIR("Policy", "CN=ipsecPolicy{x},CN=IP Security"), PAIR("Error", "0x80070005")};
  fl_evtx_event r = base("Microsoft-Windows-Security-Auditing", 5457);
  r.data = d;
  r.data_count = 2;
  fl_typed_event t;
  CHECK(fl_catalog_type_event(&r, &t) == 1 && t.kind == FL_KIND_POLICY_FAILED);
  CHECK(t.policy.len > 0 && t.error_code == 0x80070005u && t.error_raw.len == 10);
  fl_evtx_event s = base("Microsoft-Windows-Security-Auditing", 5453);
  CHECK(fl_catalog_type_event(&s, &t) == 1 && t.kind == FL_KIND_IKEEXT_NOT_STARTED);
  static const fl_evtx_pair n[] = {PAIR("notification", "%%8214")};
  fl_evtx_event dos = base("Microsoft-Windows-Security-Auditing", 4646);
  dos.data = n;
  dos.data_count = 1;
  CHECK(fl_catalog_type_event(&dos, &t) == 1 && t.dos_started == 1);
}

static void not_in_scope(void) {
  fl_evtx_event r = base("Microsoft-Windows-Security-Auditing", 4624);
  fl_typed_event t;
  CHECK(fl_catalog_type_event(&r, &t) == 0 && t.kind == FL_KIND_OTHER);
  fl_evtx_event u = base("Some-Provider", 4653);
  CHECK(fl_catalog_type_event(&u, &t) == 0);
  fl_evtx_event empty;
  memset(&empty, 0, sizeof empty);
  CHECK(fl_catalog_type_event(&empty, &t) == 0);
}

static void iscsiprt_by_severity(void) {
  fl_evtx_event r = base("iScsiPrt", 17);
  fl_typed_event t;
  CHECK(fl_catalog_type_event(&r, &t) == 1 && t.kind == FL_KIND_ISCSI_ERROR && t.is_failure);
  r.event_id = 34;
  CHECK(fl_catalog_type_event(&r, &t) == 1 && t.kind == FL_KIND_ISCSI_INFO && !t.is_failure);
  r.event_id = 9999;
  CHECK(fl_catalog_type_event(&r, &t) == 0);
}

static void wfp_flags_and_swap(void) {
  static const fl_evtx_pair mm[] = {
      PAIR("failureErrorCode", "13801"), PAIR("flags", "FWPM_NET_EVENT_IKEEXT_MM_FAILURE_FLAG_BENIGN"),
      PAIR("keyingModuleType", "IKEEXT_KEY_MODULE_IKEV2"), PAIR("mmState", "IKEEXT_MM_SA_STATE_FINAL"),
      PAIR("remoteAddrV4", "192.0.2.9")};
  fl_evtx_event r = base("Microsoft-Windows-WFP", 1005);
  r.data = mm;
  r.data_count = sizeof mm / sizeof *mm;
  fl_typed_event t;
  CHECK(fl_catalog_type_event(&r, &t) == 1 && t.kind == FL_KIND_WFP_MM_FAILURE);
  CHECK(t.benign && !t.multiple && !t.is_failure);
  CHECK(t.error_code == 13801 && t.keying_module == IKEEXT_KEY_MODULE_IKEV2);
  CHECK(t.state == IKEEXT_MM_SA_STATE_FINAL);
  static const fl_evtx_pair em[] = {PAIR("flags", "1")}; /* EM: 1 = MULTIPLE */
  r.event_id = 1009;
  r.data = em;
  r.data_count = 1;
  CHECK(fl_catalog_type_event(&r, &t) == 1 && t.multiple && !t.benign && t.is_failure);
}

static void enum_from_text_edges(void) {
  int64_t v = 99;
  CHECK(fl_catalog_enum_from_text("IKEEXT_SA_ROLE", " %%8206 ", 8, &v) == 0 && v == 1);
  CHECK(fl_catalog_enum_from_text("IKEEXT_SA_ROLE", "%%8222", 6, &v) == -1);
  CHECK(fl_catalog_enum_from_text("IKEEXT_SA_ROLE", "%%", 2, &v) == -1);
  CHECK(fl_catalog_enum_from_text("IKEEXT_SA_ROLE", "", 0, &v) == -1);
  CHECK(fl_catalog_enum_from_text(NULL, "1", 1, &v) == -1);
  CHECK(fl_catalog_enum_from_text("IKEEXT_DH_GROUP", "DH group 14", 11, &v) == 0 && v == 3);
}

int main(void) {
  RUN(mm_failure_raw_inserts);
  RUN(mm_failure_resolved_strings);
  RUN(policy_and_service_events);
  RUN(not_in_scope);
  RUN(iscsiprt_by_severity);
  RUN(wfp_flags_and_swap);
  RUN(enum_from_text_edges);
  TEST_EXIT();
}
