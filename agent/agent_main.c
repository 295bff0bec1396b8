/*
** faultline-agent's command line: console mode (live capture until Ctrl-C),
** --replay FILE (recorded JSON lines sent like live events; for tests and
** for forwarding exports), --self-test (what it would subscribe to),
** --install/--uninstall/--service (the Windows service).
**
** Must never: start capturing with a config that did not parse, or exit 0
** when events were not delivered.
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

#ifndef FL_VERSION
#define FL_VERSION "dev"
#endif

static agent the_agent;

static void agent_on_signal(int sig) {
  (void)sig;
  the_agent.stop = 1;
}

static const struct agent_opt {
  const char *name;
  int takes_value;
  const char *help;
} agent_opts[] = {
    {"--config", 1, "FILE  the config file (default faultline-agent.conf)"},
    {"--replay", 1, "FILE  send the JSON lines of FILE like live events, then exit"},
    {"--self-test", 0, "      print the configuration and what would be subscribed to"},
    {"--install", 0, "      install the Windows service (with --config's path)"},
    {"--uninstall", 0, "      remove the Windows service"},
    {"--service", 0, "      run as the service (the service manager starts this)"},
    {"--version", 0, "      print the version"},
    {"--help", 0, "      this help"},
    {NULL, 0, NULL}};

static void agent_usage(FILE *out) {
  fputs("usage: faultline-agent [--config FILE] [--replay FILE | --self-test | --install |\n"
        "                       --uninstall | --service]\n"
        "Forwards Windows IPsec/IKE/iSCSI events (WFP net events, Security/System/\n"
        "Application logs, WMI iSCSI failures) to `faultline serve` (docs/agent.md).\n"
        "Without a mode option it captures in the console until Ctrl-C.\n\noptions:\n",
        out);
  for (const struct agent_opt *o = agent_opts; o->name; o++)
    fprintf(out, "  %-12s %s\n", o->name, o->help);
  fputs("exit: 0 ok, 1 some input skipped, 2 usage or config, 3 not delivered\n", out);
}

int main(int argc, char **argv) {
  const char *vals[sizeof agent_opts / sizeof *agent_opts] = {0};
  int set[sizeof agent_opts / sizeof *agent_opts] = {0};
  for (int i = 1; i < argc; i++) {
    size_t k = 0;
    while (agent_opts[k].name && strcmp(agent_opts[k].name, argv[i]) != 0) k++;
    if (!agent_opts[k].name || (agent_opts[k].takes_value && i + 1 >= argc)) {
      fprintf(stderr, "faultline-agent: %s: %s\n", argv[i],
              agent_opts[k].name ? "needs a value" : "unknown option");
      agent_usage(stderr);
      return 2;
    }
    set[k] = 1;
    if (agent_opts[k].takes_value) vals[k] = argv[++i];
  }
  enum { O_CONFIG, O_REPLAY, O_SELF_TEST, O_INSTALL, O_UNINSTALL, O_SERVICE, O_VERSION, O_HELP };
  if (set[O_HELP]) {
    agent_usage(stdout);
    return 0;
  }
  if (set[O_VERSION]) {
    printf("faultline-agent %s\n", FL_VERSION);
    return 0;
  }
  if (set[O_REPLAY] + set[O_SELF_TEST] + set[O_INSTALL] + set[O_UNINSTALL] + set[O_SERVICE] > 1) {
    fprintf(stderr, "faultline-agent: choose one of --replay, --self-test, --install, "
                    "--uninstall, --service\n");
    return 2;
  }
  const char *config = vals[O_CONFIG] ? vals[O_CONFIG] : "faultline-agent.conf";
  if (set[O_UNINSTALL]) return agent_service_uninstall() ? 3 : 0;
  if (set[O_INSTALL]) return agent_service_install(config) ? 3 : 0;
  if (set[O_SERVICE]) return agent_service_run(config) ? 3 : 0;

  agent *a = &the_agent;
  agent_config_defaults(&a->cfg);
  char err[512];
  if ((vals[O_CONFIG] || !set[O_SELF_TEST]) &&
      agent_config_load(&a->cfg, config, err, sizeof err)) {
    fprintf(stderr, "faultline-agent: %s\n", err);
    return 2;
  }
  if (set[O_SELF_TEST]) {
    printf("faultline-agent %s self-test\nconfiguration (%s):\n", FL_VERSION, config);
    agent_config_print(&a->cfg, stdout);
    return agent_live_self_test(&a->cfg, stdout) ? 1 : 0;
  }
  if (agent_start(a, err, sizeof err)) {
    fprintf(stderr, "faultline-agent: %s\n", err);
    return 2;
  }
  signal(SIGINT, agent_on_signal);
  signal(SIGTERM, agent_on_signal);
  int rc = set[O_REPLAY] ? agent_replay(a, vals[O_REPLAY]) : agent_live_run(a);
  agent_finish(a);
  return rc < 0 ? 3 : rc;
}
