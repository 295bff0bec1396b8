/*
** WFP IKE failure net events (FWPM_NET_EVENT1's header and body, the
** version FwpmNetEventSubscribe0 and FwpmNetEventEnum1 deliver) -> the
** record faultline's netsh reader makes of the same event (provider
** Microsoft-Windows-WFP, channel WFP-NetEvents, ids 1005/1007/1009, pairs
** named after the SDK members; docs/inputs.md), so serve and
** fl_input_wfp_decode read what the agent sends like a netsh capture.
** The SDK types come from the mingw-w64 headers on Windows and from
** faultline/wfp_types.h (same names, same members) elsewhere, which is
** what lets tests/unit/test_agent.c check the conversion on Linux.
**
** Must never: be included by a file that also includes faultline/wfp.h on
** Windows (two declarations of the SDK types).
*/
#ifndef FL_AGENT_WFP_H
#define FL_AGENT_WFP_H

#ifdef _WIN32
#include <winsock2.h>
#include <windows.h>
#include <fwpmu.h>
#else
#include "faultline/wfp_types.h"
#endif

#include "agent.h"

#define AGENT_WFP_PAIRS 48
#define AGENT_WFP_TEXT 16384

typedef struct agent_wfp_record {
  fl_evtx_event ev;
  fl_evtx_pair pairs[AGENT_WFP_PAIRS];
  char text[AGENT_WFP_TEXT]; /* every value and the time, NUL-separated */
  size_t used;
  int truncated;
} agent_wfp_record;

/* body: the FWPM_NET_EVENT1 union's pointer (ikeMmFailure: MM_FAILURE1,
** ikeQmFailure: QM_FAILURE0, ikeEmFailure: EM_FAILURE1). Returns 0, or 1
** for a type the agent does not forward (not an IKE failure). */
int agent_wfp_record_make(const FWPM_NET_EVENT_HEADER1 *h, FWPM_NET_EVENT_TYPE type,
                          const void *body, const char *computer, agent_wfp_record *out);

#endif
