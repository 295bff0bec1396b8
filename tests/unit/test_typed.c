/*
** Unit tests for typed events (lib/catalog/catalog_typed.c and its indexes,
** catalog_typed_index.c): hand-built records as the readers produce them,
** raw %%NNNN and resolved forms, and the edges of number and text parsing
** that stored results depend on. Values are never NUL-terminated here
** unless a test says so, as records' strings are not.
*/
#include <pthread.h>

#include "harness.h"

#include "catalog/catalog_typed_index.h"
#include "faultline.h"
#include "faultline/wfp.h"

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
  CHECK(fl_catalog_enum_from_text("IKEEXT_SA_ROLE", "%%08206", 7, &v) == 0 && v == 1);
  CHECK(fl_catalog_enum_from_text("IKEEXT_SA_ROLE", "%%0x200e", 8, &v) == 0 && v == 1);
  CHECK(fl_catalog_enum_from_text("IKEEXT_SA_ROLE", "%% 8205", 7, &v) == 0 && v == 0);
  CHECK(fl_catalog_enum_from_text("IKEEXT_SA_ROLE", "%%8206\0x", 8, &v) == 0 && v == 1);
  CHECK(fl_catalog_enum_from_text("IKEEXT_SA_ROLE", "rESPONDER", 9, &v) == 0 && v == 1);
  CHECK(fl_catalog_enum_from_text("IKEEXT_SA_ROLE", "IKEEXT_SA_ROLE_RESPONDER", 24, &v) == 0 && v == 1);
  v = 99;
  CHECK(fl_catalog_enum_from_text("IKEEXT_SA_ROLE", "ikeext_sa_role_responder", 24, &v) == -1 && v == 99);
  CHECK(fl_catalog_enum_from_text("IKEEXT_SA_ROLE", "65535", 5, &v) == 0 && v == 65535);
  CHECK(fl_catalog_enum_from_text("IKEEXT_SA_ROLE", "65536", 5, &v) == -1);
  CHECK(fl_catalog_enum_from_text("NO_SUCH_ENUM", "%%8206", 6, &v) == -1);
  CHECK(fl_catalog_enum_from_text("NO_SUCH_ENUM", "7", 1, &v) == 0 && v == 7);
  CHECK(fl_catalog_enum_from_text("IKEEXT_SA_ROLE", NULL, 0, &v) == -1);
}

/* The first calls race to build the indexes: every thread must see them
** whole and type the record the same way. */
static const fl_evtx_pair race_data[] = {
    PAIR("KeyModName", "%%8223"), PAIR("FailureReason", "Negotiation timed out"),
    PAIR("RemoteKeyModPort", "4500"), PAIR("State", "Sent second (KE) payload")};

static void *race_one(void *arg) {
  fl_evtx_event r = base("Microsoft-Windows-Security-Auditing", 4653);
  r.data = race_data;
  r.data_count = sizeof race_data / sizeof *race_data;
  fl_typed_event *t = arg;
  fl_catalog_type_event(&r, t);
  return NULL;
}

static void first_use_from_threads(void) {
  enum { N = 8 };
  pthread_t th[N];
  static fl_typed_event t[N];
  int started[N] = {0};
  for (int i = 0; i < N; i++) started[i] = pthread_create(&th[i], NULL, race_one, &t[i]) == 0;
  for (int i = 0; i < N; i++)
    if (started[i]) pthread_join(th[i], NULL);
  for (int i = 0; i < N; i++) {
    CHECK(started[i]);
    CHECK(t[i].keying_module == IKEEXT_KEY_MODULE_AUTHIP && t[i].error_code == 13805);
    CHECK(t[i].remote_port == 4500 && t[i].state == IKEEXT_MM_SA_STATE_SSPI_SENT);
  }
  CHECK(fl_typed_index_complete() == 1);
}

static fl_typed_event type_one(const char *name, const char *value, size_t value_len) {
  fl_evtx_pair d[1] = {{{name, strlen(name)}, {value, value_len}}};
  fl_evtx_event r = base("Microsoft-Windows-Security-Auditing", 4653);
  r.data = d;
  r.data_count = 1;
  fl_typed_event t;
  fl_catalog_type_event(&r, &t);
  return t;
}

#define TYPE1(name, lit) type_one(name, lit, sizeof(lit) - 1)

static void number_edges(void) {
  CHECK(TYPE1("RemoteKeyModPort", " 4500\r\n").remote_port == 4500);
  CHECK(TYPE1("RemoteKeyModPort", "0x1194").remote_port == 4500);
  CHECK(TYPE1("RemoteKeyModPort", "0X1194").remote_port == 4500);
  CHECK(!(TYPE1("RemoteKeyModPort", "0x").has & FL_TE_REMOTE_PORT));
  CHECK(!(TYPE1("RemoteKeyModPort", "0xg1").has & FL_TE_REMOTE_PORT));
  CHECK(!(TYPE1("RemoteKeyModPort", "45 00").has & FL_TE_REMOTE_PORT));
  CHECK(!(TYPE1("RemoteKeyModPort", "-1").has & FL_TE_REMOTE_PORT));
  CHECK(!(TYPE1("RemoteKeyModPort", "+1").has & FL_TE_REMOTE_PORT));
  CHECK(!(TYPE1("RemoteKeyModPort", "4294967296").has & FL_TE_REMOTE_PORT));
  CHECK(TYPE1("RemoteKeyModPort", "4294967295").remote_port == 4294967295u);
  /* A NUL ends a number, as it ended the C string strtoull read. */
  CHECK(TYPE1("RemoteKeyModPort", "500\0junk").remote_port == 500);
  CHECK(!(TYPE1("RemoteKeyModPort", "\0" "500").has & FL_TE_REMOTE_PORT));
  /* Overflow saturates; more than 24 characters is not a number. */
  fl_typed_event t = TYPE1("MMFilterID", "99999999999999999999");
  CHECK((t.has & FL_TE_FILTER_ID) && t.filter_id == UINT64_MAX);
  CHECK(TYPE1("MMFilterID", "18446744073709551615").filter_id == UINT64_MAX);
  CHECK(TYPE1("MMFilterID", "18446744073709551614").filter_id == UINT64_MAX - 1);
  CHECK(TYPE1("MMFilterID", "0x10000000000000000").filter_id == UINT64_MAX);
  CHECK(TYPE1("MMFilterID", "000000000000000000000001").filter_id == 1);
  CHECK(!(TYPE1("MMFilterID", "0000000000000000000000001").has & FL_TE_FILTER_ID));
}

static void message_edges(void) {
  CHECK(TYPE1("FailureReason", "Negotiation timed out.").error_code == 13805);
  CHECK(TYPE1("FailureReason", " Negotiation timed out.\r\n").error_code == 13805);
  CHECK(TYPE1("FailureReason", "Negotiation timed out\0garbage").error_code == 13805);
  CHECK(!(TYPE1("FailureReason", "Negotiation timed out..").has & FL_TE_ERROR_CODE));
  CHECK(!(TYPE1("FailureReason", "negotiation timed out").has & FL_TE_ERROR_CODE));
  CHECK(!(TYPE1("FailureReason", "Negotiation timed ou").has & FL_TE_ERROR_CODE));
  CHECK(TYPE1("FailureReason", "13805").error_code == 13805);
  char big[600];
  memset(big, 'x', sizeof big);
  memcpy(big, "Negotiation timed out", 21);
  big[21] = '\0'; /* the text ends at the NUL, but 600 bytes never matched */
  CHECK(!(type_one("FailureReason", big, sizeof big).has & FL_TE_ERROR_CODE));
  CHECK(type_one("FailureReason", big, 511).error_code == 13805);
}

static void fields_out_of_order(void) {
  static const fl_evtx_pair d[] = {
      PAIR("RemoteAddress", "198.51.100.7"), PAIR("Unknown", "x"),
      PAIR("RemoteKeyModPort", "4500"), PAIR("remoteaddress", "192.0.2.1"),
      PAIR("FailurePoint", "REMOTE COMPUTER"), PAIR("", "y")};
  fl_evtx_event r = base("MICROSOFT-WINDOWS-SECURITY-AUDITING", 4653);
  r.data = d;
  r.data_count = sizeof d / sizeof *d;
  fl_typed_event t;
  CHECK(fl_catalog_type_event(&r, &t) == 1);
  CHECK(t.remote_address.len == 12 && t.remote_port == 4500);
  CHECK(t.failure_point == IPSEC_FAILURE_PEER);
  fl_evtx_event u = base("Microsoft-Windows-Security-Auditing-", 4653);
  CHECK(fl_catalog_type_event(&u, &t) == 0 && t.source == FL_SOURCE_UNKNOWN);
}

int main(void) {
  RUN(first_use_from_threads);
  RUN(mm_failure_raw_inserts);
  RUN(mm_failure_resolved_strings);
  RUN(policy_and_service_events);
  RUN(not_in_scope);
  RUN(iscsiprt_by_severity);
  RUN(wfp_flags_and_swap);
  RUN(enum_from_text_edges);
  RUN(number_edges);
  RUN(message_edges);
  RUN(fields_out_of_order);
  TEST_EXIT();
}
