/*
** Coverage notes: what the inputs cannot show (no IPsec auditing, no
** Policy Agent auditing, netsh's small ring buffer, unreadable parts) and
** the command that makes them show it.
** Must never judge a failure: notes are about the logs, not the hosts.
*/
#include <string.h>

#include "diag/diag_internal.h"

static void add_note(struct fl_diag *d, const char *id, const char *text, const char *command) {
  if (d->note_count >= DIAG_COUNT(d->notes)) return;
  d->notes[d->note_count++] = (fl_coverage_note){id, text, command};
}

/* RasClient/RemoteAccess kinds: classic Application/System log events that
** need no audit policy, so the audit notes must never be given for them. */
#define VPN_KINDS (K(VPN_CLIENT_FAILURE) | K(VPN_CLIENT_CONNECTED) | K(VPN_CLIENT_ENDED) | \
                   K(VPN_SERVER_AUTH_FAILURE) | K(VPN_SERVER_INFO))

/* What the inputs cannot show, and the command that makes them show it. */
void diag_coverage_notes(struct fl_diag *d) {
  static char mm_cmd[160], policy_cmd[160];
  fl_catalog_auditpol_command(fl_catalog_event(4653, -1), mm_cmd, sizeof mm_cmd);
  fl_catalog_auditpol_command(fl_catalog_event(5457, -1), policy_cmd, sizeof policy_cmd);
  uint64_t kinds = d->kinds_seen;
  int netsh = 0;
  uint64_t skipped = 0;
  for (size_t i = 0; i < d->source_count; i++) {
    if (strcmp(d->sources[i].format, "netsh") == 0) netsh = 1;
    skipped += d->sources[i].skipped;
  }
  if (d->events == 0)
    add_note(d, "nothing-in-scope",
             "No IPsec, IPsec policy, VPN client or iSCSI event was found in the input. Security logs need the IPsec audit subcategories enabled; iSCSI events are in the System log; VPN client events (RasClient) are in the Application log.",
             mm_cmd);
  else if (!(kinds & ~VPN_KINDS) && (kinds & VPN_KINDS))
    add_note(d, "vpn-client-only",
             "Only VPN client events (RasClient, Application log; no audit policy is involved). The server's side is in its own logs: RemoteAccess/RasSstp in the System log, NPS in the Security log (6272/6273), and IKE in the Security log when IPsec Main Mode auditing is enabled there.",
             "wevtutil qe Application /q:\"*[System[Provider[@Name='RasClient']]]\" /f:text");
  else if (!(kinds & (K(MM_FAILURE) | K(MM_ESTABLISHED) | K(WFP_MM_FAILURE))))
    add_note(d, "no-ipsec-mm-auditing",
             "No IPsec Main Mode events: main-mode failures (4652/4653) are only logged when the IPsec Main Mode audit subcategory is enabled.",
             mm_cmd);
  if ((kinds & (K(MM_FAILURE) | K(QM_FAILURE))) &&
      !(kinds & (K(POLICY_APPLIED) | K(POLICY_FAILED) | K(POLICY_CACHED) | K(POLICY_POLL))))
    add_note(d, "no-policy-auditing",
             "No IPsec Policy Agent events: whether policy was applied (5456-5474) is only logged when Filtering Platform Policy Change auditing is enabled.",
             policy_cmd);
  if (netsh)
    add_note(d, "netsh-ring-buffer",
             "netsh wfp show netevents holds only about the last 100 WFP events: older failures are gone. Capture while the failure happens, or read the Security log.",
             "netsh wfp capture start  (reproduce, then)  netsh wfp capture stop");
  if (skipped)
    add_note(d, "partial-input",
             "Part of the input could not be read (see the warnings): findings may be incomplete.", "");
}
