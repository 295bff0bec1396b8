/*
** Live capture and the service exist only on Windows (agent/win/); this
** file gives the Linux test build of the platform-independent parts the
** same entry points, each saying that it is not available here.
**
** Must never: pretend to capture anything.
*/
#ifndef _WIN32
#include "agent.h"

int agent_live_self_test(const agent_config *c, FILE *out) {
  for (size_t i = 0; i < c->channel_count; i++) {
    char q[4096];
    fprintf(out, "event log %s: %s\n", c->channels[i],
            agent_scope_query(c->channels[i], q, sizeof q) ? q : "(query too long)");
  }
  fputs("live capture: only in the Windows build\n", out);
  return 1;
}

int agent_live_run(agent *a) {
  (void)a;
  agent_log(AGENT_ERROR, "live capture needs Windows; use --replay FILE here");
  return -1;
}

int agent_service_install(const char *config_path) {
  (void)config_path;
  fputs("faultline-agent: --install needs Windows\n", stderr);
  return -1;
}

int agent_service_uninstall(void) {
  fputs("faultline-agent: --uninstall needs Windows\n", stderr);
  return -1;
}

int agent_service_run(const char *config_path) {
  (void)config_path;
  fputs("faultline-agent: --service needs Windows\n", stderr);
  return -1;
}
#else
typedef int agent_live_none_unused; /* ISO C: a translation unit is not empty */
#endif
