/*
** WMI: MSiSCSI_InitiatorNodeFailureEvent (root\WMI) through an
** asynchronous notification query. NOT IMPLEMENTED YET (docs/agent.md,
** "What is missing"): the COM sink in C is the remaining piece; until then
** the agent says so in --self-test and the log, and the iScsiPrt events of
** the System log (subscribed by agent_live.c) carry the iSCSI failures.
**
** Must never: claim to deliver WMI events it does not subscribe to.
*/
#include "agent_win.h"

int agent_wmi_start(agent *a) {
  (void)a;
  agent_log(AGENT_WARN, "WMI MSiSCSI_InitiatorNodeFailureEvent: not implemented in this build; "
                        "iScsiPrt events of the System log are forwarded instead");
  return 1;
}

void agent_wmi_stop(void) {}

int agent_wmi_self_test(FILE *out) {
  fputs("WMI root\\WMI MSiSCSI_InitiatorNodeFailureEvent: not implemented in this build "
        "(System log iScsiPrt events cover iSCSI)\n", out);
  return 0;
}
