/*
** faultline.h must not pull in the Windows SDK type names (issue 12): a
** program may use GUID, UINT8, SID... for its own things. They come only
** with the opt-in <faultline/wfp.h>. Also checks that the version macros
** and the library's run-time version agree. Built and run by
** tests/cli/test_install.sh against the installed headers, static and shared.
*/
#include <faultline.h>
#include <stdio.h>
#include <string.h>

int GUID;
int UINT8, UINT16, UINT32, UINT64, SID, LPWSTR, ULONG, UCHAR, WCHAR, FILETIME;
int FWPM_NET_EVENT_TYPE, FWPM_NET_EVENT_HEADER3, IKEEXT_KEY_MODULE_IKEV2;
int FWP_IP_VERSION_V4, MSiSCSI_InitiatorNodeFailureEvent, ISCSI_IP_Address;
int FWPM_NET_EVENT_FLAG_IP_PROTOCOL_SET, IPSEC_FAILURE_PEER;
#ifdef MAX_ISCSI_NAME_LEN
#error "an SDK macro leaked through faultline.h"
#endif

#if FAULTLINE_VERSION_NUMBER != FAULTLINE_VERSION_MAJOR * 10000 + \
    FAULTLINE_VERSION_MINOR * 100 + FAULTLINE_VERSION_PATCH
#error "FAULTLINE_VERSION_NUMBER disagrees with its parts"
#endif

int main(void) {
  GUID = UINT8 = 1;
  if (strcmp(fl_version(), FAULTLINE_VERSION_STRING) != 0 ||
      fl_version_number() != FAULTLINE_VERSION_NUMBER) {
    printf("library %s (%u), headers %s (%u)\n", fl_version(),
           fl_version_number(), FAULTLINE_VERSION_STRING,
           (unsigned)FAULTLINE_VERSION_NUMBER);
    return 1;
  }
  printf("%s\n", fl_version());
  return GUID - 1;
}
