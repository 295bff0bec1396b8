/*
** iSCSI WMI types with the WDK's names and layout (windows-events.md §4.1,
** §4.2: iscsimgt.h / iscsidef.h). Enum values come from wfp_enums.def (the
** one table of every enum faultline decodes); this header only lays out the
** structs. It must never reorder members: code written for the WDK compiles
** against it.
*/
#ifndef FAULTLINE_ISCSI_TYPES_H
#define FAULTLINE_ISCSI_TYPES_H

#include "faultline/wfp_types.h"

#if !defined(_WIN32) || defined(FL_FORCE_SDK_TYPES)

#ifdef __cplusplus
extern "C" {
#endif

#define MAX_ISCSI_NAME_LEN 223
#define MAX_ISCSI_TEXT_ADDRESS_LEN 256
#define ISCSI_SECURITY_FLAG_VALID 0x1
#define ISCSI_SECURITY_FLAG_IKE_IPSEC_ENABLED 0x2

typedef unsigned char UCHAR;
typedef unsigned long long ULONGLONG;
typedef uint16_t WCHAR; /* UTF-16 code unit, as in the WDK's fixed arrays */

typedef struct _ISCSI_IP_Address {
  ULONG Type; /* ISCSIIPADDRESSTYPE */
  ULONG IpV4Address;
  UCHAR IpV6Address[16];
  ULONG IpV6FlowInfo;
  ULONG IpV6ScopeId;
  WCHAR TextAddress[MAX_ISCSI_TEXT_ADDRESS_LEN + 1];
} ISCSI_IP_Address, *PISCSI_IP_Address;

typedef struct _MSiSCSI_InitiatorNodeFailureEvent {
  ULONGLONG FailureTime;
  UCHAR FailureType; /* ISCSI_INITIATOR_FAILURE_TYPE */
  WCHAR TargetFailureName[MAX_ISCSI_NAME_LEN + 1];
  ISCSI_IP_Address TargetFailureAddr;
} MSiSCSI_InitiatorNodeFailureEvent, *PMSiSCSI_InitiatorNodeFailureEvent;

#define MSiSCSI_InitiatorNodeFailureEvent_GUID_TEXT "{1221948A-6332-4AC2-AA04-268AABCECE4F}"
#define ISCSI_IP_Address_GUID_TEXT "{9AC5D4A1-1A1A-48EC-8E79-735806E9A1FA}"

#ifdef __cplusplus
}
#endif

#endif
#endif /* FAULTLINE_ISCSI_TYPES_H */
