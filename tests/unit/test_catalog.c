/*
** Unit tests for lib/catalog and the SDK-compatible public types: lookups,
** alias forms (HRESULT_FROM_WIN32), message -> code, suggestions, flags,
** and struct layouts against windows-events.md §1.6 (x64 offsets).
** The row-by-row check against the reference is tests/ref/check_reference.py.
*/
#include <stddef.h>

#include "harness.h"

#include "faultline.h"
#include "faultline/wfp.h"

static void code_lookups(void) {
  const fl_code_info *c = fl_catalog_code_by_value(13801);
  CHECK(c && c->family == FL_CODE_WIN32);
  CHECK_STR(c ? c->symbol : NULL, "ERROR_IPSEC_IKE_AUTH_FAIL");
  CHECK_STR(c ? c->message : NULL, "IKE authentication credentials are unacceptable");
  CHECK(fl_catalog_code_by_value(0x800735E9u) == c);
  CHECK(fl_catalog_code_by_symbol("ERROR_IPSEC_IKE_AUTH_FAIL") == c);
  const fl_code_info *h = fl_catalog_code_by_value(0x800B010Au);
  CHECK_STR(h ? h->symbol : NULL, "CERT_E_CHAINING");
  CHECK(fl_catalog_code_by_value(0xC0360004u) &&
        fl_catalog_code_by_value(0xC0360004u)->family == FL_CODE_NTSTATUS);
  CHECK(fl_catalog_code_by_value(0xEFFF0009u) &&
        fl_catalog_code_by_value(0xEFFF0009u)->family == FL_CODE_ISCSI);
  CHECK(fl_catalog_code_by_value(13919) == NULL); /* unassigned */
  CHECK(fl_catalog_code_by_symbol(NULL) == NULL);
}

static void ipsec_code_count_is_153(void) {
  size_t n = 0;
  for (size_t i = 0; i < fl_catalog_code_count(); i++) {
    const fl_code_info *c = fl_catalog_code_at(i);
    if (c->family == FL_CODE_WIN32 && c->value >= 13000 && c->value <= 13999) n++;
  }
  CHECK(n == 153);
}

static void message_to_code(void) {
  const fl_code_info *c = fl_catalog_code_by_message("Negotiation timed out");
  CHECK(c && c->value == 13805);
  c = fl_catalog_code_by_message("Negotiation timed out.\r\n");
  CHECK(c && c->value == 13805);
  c = fl_catalog_code_by_message("Negotiation request sat in Queue too long");
  CHECK(c && c->value == 13809);
  CHECK(fl_catalog_code_by_message("no such text") == NULL);
}

static void events_and_versions(void) {
  const fl_event_def *ev = fl_catalog_event(4653, -1);
  CHECK(ev && ev->field_count == 16 && ev->subcategory->task == 12547);
  CHECK(ev && ev->outcome == FL_OUTCOME_FAILURE);
  CHECK_STR(ev ? ev->fields[8].name : NULL, "FailureReason");
  CHECK(ev && ev->fields[8].role == FL_ROLE_FAILURE_REASON);
  const fl_event_def *v1 = fl_catalog_event(4654, -1);
  CHECK(v1 && v1->version == 1 && v1->field_count == 21);
  const fl_event_def *v0 = fl_catalog_event(4654, 0);
  CHECK(v0 && v0->field_count == 19);
  CHECK(fl_catalog_event(4964, -1) == NULL);
  CHECK(fl_catalog_event_not_in_scope(4964) != NULL);
  CHECK(fl_catalog_event_not_in_scope(5469) != NULL);
  const fl_event_def *e5453 = fl_catalog_event(5453, 0);
  CHECK(e5453 && e5453->field_count == 0);
  char cmd[200];
  fl_catalog_auditpol_command(ev, cmd, sizeof cmd);
  CHECK_STR(cmd, "auditpol /set /subcategory:\"IPsec Main Mode\" /success:enable /failure:enable");
}

static void inserts_and_enums(void) {
  const fl_insert_info *in = fl_catalog_insert(8199);
  CHECK_STR(in ? in->text : NULL, "Local computer");
  CHECK(fl_catalog_insert(8191) == NULL && fl_catalog_insert(8249) == NULL);
  CHECK(fl_catalog_insert_for_enum("IKEEXT_KEY_MODULE_TYPE", IKEEXT_KEY_MODULE_IKEV2) == 8244);
  CHECK(fl_catalog_insert_for_enum("IKEEXT_SA_ROLE", IKEEXT_SA_ROLE_RESPONDER) == 8206);
  CHECK_STR(fl_catalog_enum_symbol("IKEEXT_DH_GROUP", 3), "IKEEXT_DH_GROUP_14");
  int64_t v = -1;
  CHECK(fl_catalog_enum_value("IKEEXT_DH_GROUP_2048", &v) == 0 && v == 3);
  CHECK(FWPM_NET_EVENT_TYPE_MAX == 11 && IKEEXT_CIPHER_TYPE_MAX == 7);
}

static void flags_format(void) {
  char buf[256];
  fl_catalog_flags_format("MM_FAILURE_FLAG", 3, buf, sizeof buf);
  CHECK_STR(buf, "FWPM_NET_EVENT_IKEEXT_MM_FAILURE_FLAG_BENIGN|FWPM_NET_EVENT_IKEEXT_MM_FAILURE_FLAG_MULTIPLE");
  fl_catalog_flags_format("EM_FAILURE_FLAG", 2, buf, sizeof buf);
  CHECK_STR(buf, "FWPM_NET_EVENT_IKEEXT_EM_FAILURE_FLAG_BENIGN"); /* swapped bits */
  fl_catalog_flags_format("MM_FAILURE_FLAG", 0x10, buf, sizeof buf);
  CHECK_STR(buf, "0x10");
  char tiny[8];
  fl_catalog_flags_format("MM_FAILURE_FLAG", 3, tiny, sizeof tiny);
  CHECK(strlen(tiny) < sizeof tiny);
}

static void iscsi_and_knowledge(void) {
  const fl_iscsiprt_event *e = fl_catalog_iscsiprt(17);
  CHECK(e && e->message_id == 0xC0000011u && e->severity == FL_SEVERITY_ERROR);
  CHECK(fl_catalog_iscsiprt(34) && fl_catalog_iscsiprt(34)->severity == FL_SEVERITY_INFORMATIONAL);
  const fl_knowledge *k[4];
  CHECK(fl_catalog_knowledge(FL_KNOW_CODE, 13801, k, 4) >= 1);
  CHECK(fl_catalog_knowledge(FL_KNOW_ISCSI_FAILURE_TYPE, LoginAuthenticateFail, k, 4) == 1);
  CHECK(fl_catalog_knowledge(FL_KNOW_EVENT, 5453, k, 4) == 1);
  for (size_t i = 0; i < fl_catalog_knowledge_count(); i++)
    CHECK(fl_catalog_knowledge_at(i)->source[0] != '\0');
}

static void suggestions(void) {
  CHECK_STR(fl_catalog_suggest("ERROR_IPSEC_IKE_AUTH_FAL"), "ERROR_IPSEC_IKE_AUTH_FAIL");
  CHECK_STR(fl_catalog_suggest("error_ipsec_ike_timed_out"), "ERROR_IPSEC_IKE_TIMED_OUT");
  CHECK(fl_catalog_suggest("banana") == NULL);
  char longword[500];
  memset(longword, 'A', sizeof longword - 1);
  longword[sizeof longword - 1] = 0;
  CHECK(fl_catalog_suggest(longword) == NULL);
}

static void sdk_struct_layout(void) {
#if defined(__x86_64__) && defined(__LP64__)
  CHECK(sizeof(FWPM_NET_EVENT_HEADER0) == 88);
  CHECK(offsetof(FWPM_NET_EVENT_HEADER0, flags) == 8);
  CHECK(offsetof(FWPM_NET_EVENT_HEADER0, ipProtocol) == 16);
  CHECK(offsetof(FWPM_NET_EVENT_HEADER0, localAddrV4) == 20);
  CHECK(offsetof(FWPM_NET_EVENT_HEADER0, remoteAddrV4) == 36);
  CHECK(offsetof(FWPM_NET_EVENT_HEADER0, localPort) == 52);
  CHECK(offsetof(FWPM_NET_EVENT_HEADER0, scopeId) == 56);
  CHECK(offsetof(FWPM_NET_EVENT_HEADER0, appId) == 64);
  CHECK(offsetof(FWPM_NET_EVENT_HEADER0, userId) == 80);
  CHECK(sizeof(FWPM_NET_EVENT_HEADER1) == 144);
  CHECK(sizeof(FWPM_NET_EVENT_HEADER2) == 104);
  CHECK(offsetof(FWPM_NET_EVENT_HEADER2, packageSid) == 96);
  CHECK(sizeof(FWPM_NET_EVENT_HEADER3) == 136);
  CHECK(offsetof(FWPM_NET_EVENT_HEADER3, enterpriseId) == 104);
  CHECK(offsetof(FWPM_NET_EVENT_HEADER3, effectiveName) == 120);
  CHECK(sizeof(FWPM_NET_EVENT_IKEEXT_MM_FAILURE0) == 64);
  CHECK(offsetof(FWPM_NET_EVENT_IKEEXT_MM_FAILURE0, endCertHash) == 28);
  CHECK(offsetof(FWPM_NET_EVENT_IKEEXT_MM_FAILURE0, mmId) == 48);
  CHECK(sizeof(FWPM_NET_EVENT_IKEEXT_MM_FAILURE1) == 112);
  CHECK(sizeof(FWPM_NET_EVENT_IKEEXT_MM_FAILURE2) == 120);
  CHECK(offsetof(FWPM_NET_EVENT_IKEEXT_MM_FAILURE2, providerContextKey) == 112);
  CHECK(sizeof(FWPM_NET_EVENT_IKEEXT_QM_FAILURE0) == 64);
  CHECK(offsetof(FWPM_NET_EVENT_IKEEXT_QM_FAILURE0, localSubNet) == 24);
  CHECK(offsetof(FWPM_NET_EVENT_IKEEXT_QM_FAILURE0, qmFilterId) == 56);
  CHECK(sizeof(FWPM_NET_EVENT_IKEEXT_QM_FAILURE1) == 88);
  CHECK(offsetof(FWPM_NET_EVENT_IKEEXT_QM_FAILURE1, mmProviderContextKey) == 72);
  CHECK(sizeof(FWPM_NET_EVENT_IKEEXT_EM_FAILURE0) == 64);
  CHECK(offsetof(FWPM_NET_EVENT_IKEEXT_EM_FAILURE0, endCertHash) == 24);
  CHECK(sizeof(FWPM_NET_EVENT_IKEEXT_EM_FAILURE1) == 120);
  CHECK(offsetof(FWPM_NET_EVENT_IKEEXT_EM_FAILURE1, saTrafficType) == 112);
#endif
  /* iSCSI: natural layout 546 bytes padded to 548 (§4.2). */
  CHECK(sizeof(ISCSI_IP_Address) == 548);
}

int main(void) {
  RUN(code_lookups);
  RUN(ipsec_code_count_is_153);
  RUN(message_to_code);
  RUN(events_and_versions);
  RUN(inserts_and_enums);
  RUN(flags_format);
  RUN(iscsi_and_knowledge);
  RUN(suggestions);
  RUN(sdk_struct_layout);
  TEST_EXIT();
}
