/*
** Opt-in: the Windows SDK types (GUID, UINT8, SID, FWPM_NET_EVENT_*,
** IKEEXT_*, MSiSCSI_*; faultline/wfp_types.h and iscsi_types.h) and the
** calls that use them. faultline.h never includes this header, so a program
** that does not ask for these names does not get them (`int GUID;` compiles
** after #include <faultline.h>). Include it after or instead of faultline.h:
**
**   #include <faultline.h>
**   #include <faultline/wfp.h>
**
** Must never be included by faultline.h or another public header.
** Ownership and threads as in faultline.h: a decoded event points into its
** own `store` member; the caller owns it, one thread at a time.
*/
#ifndef FAULTLINE_WFP_H
#define FAULTLINE_WFP_H

#include "faultline/base.h"
#include "faultline/evtx.h"
#include "faultline/input.h"
#include "faultline/iscsi_types.h"
#include "faultline/wfp_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- netsh wfp net events ----------------------------------------------
** A <netEvent> becomes a record of the synthetic provider FL_INPUT_WFP_PROVIDER
** (faultline/input.h); event id
** 1005/1007/1009 for IKE MM/QM/EM failures (the Microsoft-Windows-WFP ids
** for those failures), FL_INPUT_WFP_ID_BASE + FWPM_NET_EVENT_TYPE for the
** other types. EventData pairs carry the SDK member names (docs/inputs.md):
** symbolic enums become their values, flag lists their bits ("0x.."). */

/* Room fl_input_wfp_decode has for strings, group SIDs and blobs. */
#define FL_INPUT_WFP_WCHARS 2048
#define FL_INPUT_WFP_MAX_SIDS 16
#define FL_INPUT_WFP_BLOB 1024

/* An IKE failure net event as the SDK's structs. The pointers inside point
** into store: do not copy the struct, use it in place. */
typedef struct fl_input_wfp_event {
  FWPM_NET_EVENT_HEADER3 header;
  FWPM_NET_EVENT_TYPE type;
  union {
    FWPM_NET_EVENT_IKEEXT_MM_FAILURE2 ikeMmFailure;
    FWPM_NET_EVENT_IKEEXT_QM_FAILURE1 ikeQmFailure;
    FWPM_NET_EVENT_IKEEXT_EM_FAILURE1 ikeEmFailure;
  };
  struct {
    wchar_t wchars[FL_INPUT_WFP_WCHARS];
    size_t wused;
    LPWSTR local_sids[FL_INPUT_WFP_MAX_SIDS];
    LPWSTR remote_sids[FL_INPUT_WFP_MAX_SIDS];
    union { SID sid; UINT8 raw[8 + 4 * 15]; } user_sid, package_sid;
    GUID provider_context_key;
    UINT8 app_id[FL_INPUT_WFP_BLOB];
    UINT8 effective_name[FL_INPUT_WFP_BLOB];
    FWP_V4_ADDR_AND_MASK v4[2];
    FWP_V6_ADDR_AND_MASK v6[2];
    FWP_BYTE_ARRAY16 a16[2];
  } store;
} fl_input_wfp_event;

/* Fills out from a record of FL_INPUT_WFP_PROVIDER with event id 1005, 1007
** or 1009 (values may be numbers or SDK symbols). FL_ENOTFOUND: not such a
** record; FL_EINPUT: a member's value is malformed (err names it);
** FL_ELIMIT: a string did not fit the store (truncated, rest filled). */
FL_API fl_status fl_input_wfp_decode(const fl_evtx_event *ev, fl_input_wfp_event *out,
                              fl_error *err);

#ifdef __cplusplus
}
#endif

#endif
