/*
** WFP net events (temporary: filled in by the next commit).
*/
#include "agent_win.h"

int agent_wfp_start(agent *a) {
  (void)a;
  return 1;
}

void agent_wfp_stop(void) {}

int agent_wfp_self_test(FILE *out) {
  fputs("WFP net events: not yet\n", out);
  return 0;
}
