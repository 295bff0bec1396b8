/*
** Written the way Windows SDK code uses fwpmtypes.h / iketypes.h: if this
** compiles and runs against the installed faultline headers, SDK code for
** these types compiles against ours unchanged. Built by tests/cli/test_install.sh.
*/
#include <faultline.h>
#include <faultline/wfp.h> /* the SDK type names are opt-in */
#include <stdio.h>
#include <string.h>

static const char *describe(const FWPM_NET_EVENT_IKEEXT_MM_FAILURE1 *f) {
  if (f->flags & FWPM_NET_EVENT_IKEEXT_MM_FAILURE_FLAG_BENIGN) return "benign";
  if (f->keyingModuleType == IKEEXT_KEY_MODULE_IKEV2 &&
      f->failurePoint == IPSEC_FAILURE_PEER && f->saRole == IKEEXT_SA_ROLE_INITIATOR)
    return "ikev2-peer";
  return "other";
}

int main(void) {
  FWPM_NET_EVENT_HEADER3 h;
  memset(&h, 0, sizeof h);
  h.flags = FWPM_NET_EVENT_FLAG_REMOTE_ADDR_SET | FWPM_NET_EVENT_FLAG_IP_VERSION_SET;
  h.ipVersion = FWP_IP_VERSION_V4;
  h.remoteAddrV4 = 0xC0000201u;
  h.addressFamily = FWP_AF_INET;
  FWPM_NET_EVENT_IKEEXT_MM_FAILURE2 m2;
  memset(&m2, 0, sizeof m2);
  m2.failureErrorCode = 13801;
  m2.mmAuthMethod = IKEEXT_CERTIFICATE;
  m2.mmState = IKEEXT_MM_SA_STATE_SA_SENT;
  m2.endCertHash[IKEEXT_CERT_HASH_LEN - 1] = 0xAB;
  m2.providerContextKey = NULL;
  FWPM_NET_EVENT_IKEEXT_MM_FAILURE1 m1;
  memset(&m1, 0, sizeof m1);
  m1.keyingModuleType = IKEEXT_KEY_MODULE_IKEV2;
  m1.failurePoint = IPSEC_FAILURE_PEER;
  m1.saRole = IKEEXT_SA_ROLE_INITIATOR;
  FWPM_NET_EVENT_IKEEXT_QM_FAILURE1 q;
  memset(&q, 0, sizeof q);
  q.localSubNet.type = FWP_V4_ADDR_MASK;
  q.saTrafficType = IPSEC_TRAFFIC_TYPE_TUNNEL;
  FWPM_NET_EVENT_IKEEXT_EM_FAILURE1 e;
  memset(&e, 0, sizeof e);
  e.flags = FWPM_NET_EVENT_IKEEXT_EM_FAILURE_FLAG_MULTIPLE;
  e.emState = IKEEXT_EM_SA_STATE_SENT_ATTS;
  const fl_code_info *c = fl_catalog_code_by_value(m2.failureErrorCode);
  printf("%s %s %s\n", describe(&m1), c ? c->symbol : "?",
         h.addressFamily == FWP_AF_INET ? "inet" : "?");
  return c && strcmp(describe(&m1), "ikev2-peer") == 0 ? 0 : 1;
}
