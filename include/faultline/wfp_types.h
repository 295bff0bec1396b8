/*
** Windows SDK types for WFP net events and IKE/IPsec failures, with the SDK's
** names and member order (windows-events.md §1.4, §1.5), so C code written
** against the Windows SDK's fwpmtypes.h / iketypes.h compiles against this
** header unchanged for these types.
**
** What this header must never do: change a name or reorder a member to suit
** us. Values come from faultline/wfp_enums.def and wfp_flags.def; nothing is
** written twice. Flag constants are enumerators, not #defines (usable in
** expressions, not in #ifdef). Strings are wchar_t * as in the SDK; on Linux
** that is UTF-32, and faultline fills them by converting from UTF-16.
** On Windows the real SDK headers are used instead unless
** FL_FORCE_SDK_TYPES is defined.
*/
#ifndef FAULTLINE_WFP_TYPES_H
#define FAULTLINE_WFP_TYPES_H

#if !defined(_WIN32) || defined(FL_FORCE_SDK_TYPES)

#include <stdint.h>
#include <wchar.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint8_t UINT8;
typedef uint16_t UINT16;
typedef uint32_t UINT32;
typedef uint64_t UINT64;
typedef int8_t INT8;
typedef int16_t INT16;
typedef int32_t INT32;
typedef int64_t INT64;
typedef uint32_t ULONG;
typedef wchar_t *LPWSTR;

typedef struct _FILETIME {
  uint32_t dwLowDateTime;
  uint32_t dwHighDateTime;
} FILETIME;

typedef struct _GUID {
  uint32_t Data1;
  uint16_t Data2;
  uint16_t Data3;
  uint8_t Data4[8];
} GUID;

typedef struct _SID_IDENTIFIER_AUTHORITY {
  uint8_t Value[6];
} SID_IDENTIFIER_AUTHORITY;

typedef struct _SID {
  uint8_t Revision;
  uint8_t SubAuthorityCount;
  SID_IDENTIFIER_AUTHORITY IdentifierAuthority;
  uint32_t SubAuthority[1];
} SID;

typedef struct _SID_AND_ATTRIBUTES {
  SID *Sid;
  uint32_t Attributes;
} SID_AND_ATTRIBUTES, *PSID_AND_ATTRIBUTES;

#define FL_ENUM_BEGIN(tag, type) typedef enum tag {
#define FL_ENUM(type, sym, val) sym = (val),
#define FL_ENUM_END(type) } type;
#include "faultline/wfp_enums.def"
#undef FL_ENUM_BEGIN
#undef FL_ENUM
#undef FL_ENUM_END

enum {
#define FL_FLAG(set, sym, bit) sym = (bit),
#include "faultline/wfp_flags.def"
#undef FL_FLAG
  FL_WFP_FLAGS_END_ = 0
};

#define IKEEXT_CERT_HASH_LEN 20
/* IKEEXT_KEYMODULE_STATISTICS errorFrequencyTable size: 13897 - 13800. */
#define IKEEXT_ERROR_CODE_COUNT 97

typedef UINT64 IKEEXT_COOKIE;
typedef UINT32 IPSEC_SA_SPI;

typedef struct FWP_BYTE_ARRAY16_ { UINT8 byteArray16[16]; } FWP_BYTE_ARRAY16;
typedef struct FWP_BYTE_ARRAY6_ { UINT8 byteArray6[6]; } FWP_BYTE_ARRAY6;
typedef struct FWP_BYTE_BLOB_ { UINT32 size; UINT8 *data; } FWP_BYTE_BLOB;

typedef struct FWP_TOKEN_INFORMATION_ {
  ULONG sidCount;
  PSID_AND_ATTRIBUTES sids;
  ULONG restrictedSidCount;
  PSID_AND_ATTRIBUTES restrictedSids;
} FWP_TOKEN_INFORMATION;

typedef struct FWP_V4_ADDR_AND_MASK_ { UINT32 addr; UINT32 mask; } FWP_V4_ADDR_AND_MASK;
typedef struct FWP_V6_ADDR_AND_MASK_ { UINT8 addr[16]; UINT8 prefixLength; } FWP_V6_ADDR_AND_MASK;

typedef struct FWP_VALUE0_ {
  FWP_DATA_TYPE type;
  union {
    UINT8 uint8;
    UINT16 uint16;
    UINT32 uint32;
    UINT64 *uint64;
    INT8 int8;
    INT16 int16;
    INT32 int32;
    INT64 *int64;
    float float32;
    double *double64;
    FWP_BYTE_ARRAY16 *byteArray16;
    FWP_BYTE_BLOB *byteBlob;
    SID *sid;
    FWP_BYTE_BLOB *sd;
    FWP_TOKEN_INFORMATION *tokenInformation;
    FWP_BYTE_BLOB *tokenAccessInformation;
    LPWSTR unicodeString;
    FWP_BYTE_ARRAY6 *byteArray6;
  };
} FWP_VALUE0;

typedef struct FWP_RANGE0_ { FWP_VALUE0 valueLow; FWP_VALUE0 valueHigh; } FWP_RANGE0;

typedef struct FWP_CONDITION_VALUE0_ {
  FWP_DATA_TYPE type;
  union {
    UINT8 uint8;
    UINT16 uint16;
    UINT32 uint32;
    UINT64 *uint64;
    INT8 int8;
    INT16 int16;
    INT32 int32;
    INT64 *int64;
    float float32;
    double *double64;
    FWP_BYTE_ARRAY16 *byteArray16;
    FWP_BYTE_BLOB *byteBlob;
    SID *sid;
    FWP_BYTE_BLOB *sd;
    FWP_TOKEN_INFORMATION *tokenInformation;
    FWP_BYTE_BLOB *tokenAccessInformation;
    LPWSTR unicodeString;
    FWP_BYTE_ARRAY6 *byteArray6;
    FWP_V4_ADDR_AND_MASK *v4AddrMask;
    FWP_V6_ADDR_AND_MASK *v6AddrMask;
    FWP_RANGE0 *rangeValue;
  };
} FWP_CONDITION_VALUE0;

/* ---- headers ---------------------------------------------------------- */

#define FL_NET_EVENT_HEADER0_MEMBERS \
  FILETIME timeStamp;                \
  UINT32 flags;                      \
  FWP_IP_VERSION ipVersion;          \
  UINT8 ipProtocol;                  \
  union {                            \
    UINT32 localAddrV4;              \
    FWP_BYTE_ARRAY16 localAddrV6;    \
  };                                 \
  union {                            \
    UINT32 remoteAddrV4;             \
    FWP_BYTE_ARRAY16 remoteAddrV6;   \
  };                                 \
  UINT16 localPort;                  \
  UINT16 remotePort;                 \
  UINT32 scopeId;                    \
  FWP_BYTE_BLOB appId;               \
  SID *userId;

typedef struct FWPM_NET_EVENT_HEADER0_ {
  FL_NET_EVENT_HEADER0_MEMBERS
} FWPM_NET_EVENT_HEADER0;

typedef struct FWPM_NET_EVENT_HEADER1_ {
  FL_NET_EVENT_HEADER0_MEMBERS
  union {
    struct {
      FWP_AF reserved1;
      union {
        struct {
          FWP_BYTE_ARRAY6 reserved2;
          FWP_BYTE_ARRAY6 reserved3;
          UINT32 reserved4;
          UINT32 reserved5;
          UINT16 reserved6;
          UINT32 reserved7;
          UINT32 reserved8;
          UINT16 reserved9;
          UINT64 reserved10;
        };
      };
    };
  };
} FWPM_NET_EVENT_HEADER1;

typedef struct FWPM_NET_EVENT_HEADER2_ {
  FL_NET_EVENT_HEADER0_MEMBERS
  FWP_AF addressFamily;
  SID *packageSid;
} FWPM_NET_EVENT_HEADER2;

typedef struct FWPM_NET_EVENT_HEADER3_ {
  FL_NET_EVENT_HEADER0_MEMBERS
  FWP_AF addressFamily;
  SID *packageSid;
  wchar_t *enterpriseId;
  UINT64 policyFlags;
  FWP_BYTE_BLOB effectiveName;
} FWPM_NET_EVENT_HEADER3;

/* ---- IKE failures ----------------------------------------------------- */

#define FL_MM_FAILURE0_MEMBERS                    \
  UINT32 failureErrorCode;                        \
  IPSEC_FAILURE_POINT failurePoint;               \
  UINT32 flags;                                   \
  IKEEXT_KEY_MODULE_TYPE keyingModuleType;        \
  IKEEXT_MM_SA_STATE mmState;                     \
  IKEEXT_SA_ROLE saRole;                          \
  IKEEXT_AUTHENTICATION_METHOD_TYPE mmAuthMethod; \
  UINT8 endCertHash[IKEEXT_CERT_HASH_LEN];        \
  UINT64 mmId;                                    \
  UINT64 mmFilterId;

#define FL_PRINCIPAL_MEMBERS             \
  wchar_t *localPrincipalNameForAuth;    \
  wchar_t *remotePrincipalNameForAuth;   \
  UINT32 numLocalPrincipalGroupSids;     \
  LPWSTR *localPrincipalGroupSids;       \
  UINT32 numRemotePrincipalGroupSids;    \
  LPWSTR *remotePrincipalGroupSids;

typedef struct FWPM_NET_EVENT_IKEEXT_MM_FAILURE0_ {
  FL_MM_FAILURE0_MEMBERS
} FWPM_NET_EVENT_IKEEXT_MM_FAILURE0;

typedef struct FWPM_NET_EVENT_IKEEXT_MM_FAILURE1_ {
  FL_MM_FAILURE0_MEMBERS
  FL_PRINCIPAL_MEMBERS
} FWPM_NET_EVENT_IKEEXT_MM_FAILURE1;

typedef struct FWPM_NET_EVENT_IKEEXT_MM_FAILURE2_ {
  FL_MM_FAILURE0_MEMBERS
  FL_PRINCIPAL_MEMBERS
  GUID *providerContextKey;
} FWPM_NET_EVENT_IKEEXT_MM_FAILURE2;

#define FL_QM_FAILURE0_MEMBERS                \
  UINT32 failureErrorCode;                    \
  IPSEC_FAILURE_POINT failurePoint;           \
  IKEEXT_KEY_MODULE_TYPE keyingModuleType;    \
  IKEEXT_QM_SA_STATE qmState;                 \
  IKEEXT_SA_ROLE saRole;                      \
  IPSEC_TRAFFIC_TYPE saTrafficType;           \
  union {                                     \
    FWP_CONDITION_VALUE0 localSubNet;         \
  };                                          \
  union {                                     \
    FWP_CONDITION_VALUE0 remoteSubNet;        \
  };                                          \
  UINT64 qmFilterId;

typedef struct FWPM_NET_EVENT_IKEEXT_QM_FAILURE0_ {
  FL_QM_FAILURE0_MEMBERS
} FWPM_NET_EVENT_IKEEXT_QM_FAILURE0;

typedef struct FWPM_NET_EVENT_IKEEXT_QM_FAILURE1_ {
  FL_QM_FAILURE0_MEMBERS
  UINT64 mmSaLuid;
  GUID mmProviderContextKey;
} FWPM_NET_EVENT_IKEEXT_QM_FAILURE1;

#define FL_EM_FAILURE0_MEMBERS                    \
  UINT32 failureErrorCode;                        \
  IPSEC_FAILURE_POINT failurePoint;               \
  UINT32 flags;                                   \
  IKEEXT_EM_SA_STATE emState;                     \
  IKEEXT_SA_ROLE saRole;                          \
  IKEEXT_AUTHENTICATION_METHOD_TYPE emAuthMethod; \
  UINT8 endCertHash[IKEEXT_CERT_HASH_LEN];        \
  UINT64 mmId;                                    \
  UINT64 qmFilterId;

typedef struct FWPM_NET_EVENT_IKEEXT_EM_FAILURE0_ {
  FL_EM_FAILURE0_MEMBERS
} FWPM_NET_EVENT_IKEEXT_EM_FAILURE0;

typedef struct FWPM_NET_EVENT_IKEEXT_EM_FAILURE1_ {
  FL_EM_FAILURE0_MEMBERS
  FL_PRINCIPAL_MEMBERS
  IPSEC_TRAFFIC_TYPE saTrafficType;
} FWPM_NET_EVENT_IKEEXT_EM_FAILURE1;

/* IPSEC_KERNEL_DROP0: failureStatus is a signed NTSTATUS. */
typedef struct FWPM_NET_EVENT_IPSEC_KERNEL_DROP0_ {
  INT32 failureStatus;
  FWP_DIRECTION direction;
  IPSEC_SA_SPI spi;
  UINT64 filterId;
  UINT16 layerId;
} FWPM_NET_EVENT_IPSEC_KERNEL_DROP0;

#ifdef __cplusplus
}
#endif

#endif /* !_WIN32 || FL_FORCE_SDK_TYPES */
#endif /* FAULTLINE_WFP_TYPES_H */
