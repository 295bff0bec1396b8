/*
** The Windows service: --install registers "faultline-agent" (automatic
** start, LocalSystem: the Security log and the WFP net-event API need it)
** with "--service --config <absolute path>"; --uninstall stops and deletes
** it; --service hands the process to the service control manager, which
** runs the same capture loop as the console mode until it asks to stop.
**
** Must never: install with a relative config path (the service starts in
** System32), or report SERVICE_RUNNING before the config was read.
*/
#include <windows.h>

#include <stdlib.h>
#include <string.h>

#include "../agent.h"

#define AGENT_SERVICE_NAME L"faultline-agent"

static SERVICE_STATUS_HANDLE agent_svc_handle;
static SERVICE_STATUS agent_svc_status;
static agent agent_svc;
static char agent_svc_config[AGENT_PATH_MAX];

static void agent_svc_report(DWORD state, DWORD exit_code) {
  agent_svc_status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  agent_svc_status.dwCurrentState = state;
  agent_svc_status.dwControlsAccepted =
      state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
  agent_svc_status.dwWin32ExitCode = exit_code;
  agent_svc_status.dwWaitHint = state == SERVICE_RUNNING ? 0 : 30000;
  if (agent_svc_handle) SetServiceStatus(agent_svc_handle, &agent_svc_status);
}

static DWORD WINAPI agent_svc_control(DWORD ctl, DWORD type, LPVOID data, LPVOID ctx) {
  (void)type, (void)data, (void)ctx;
  if (ctl == SERVICE_CONTROL_STOP || ctl == SERVICE_CONTROL_SHUTDOWN) {
    agent_svc_report(SERVICE_STOP_PENDING, NO_ERROR);
    agent_svc.stop = 1;
  }
  return NO_ERROR;
}

static void WINAPI agent_svc_main(DWORD argc, LPWSTR *argv) {
  (void)argc, (void)argv;
  agent_svc_handle = RegisterServiceCtrlHandlerExW(AGENT_SERVICE_NAME, agent_svc_control, NULL);
  if (!agent_svc_handle) return;
  agent_svc_report(SERVICE_START_PENDING, NO_ERROR);
  char err[512];
  agent_config_defaults(&agent_svc.cfg);
  if (agent_config_load(&agent_svc.cfg, agent_svc_config, err, sizeof err) ||
      agent_start(&agent_svc, err, sizeof err)) {
    agent_log(AGENT_ERROR, "service start: %s", err);
    agent_svc_report(SERVICE_STOPPED, ERROR_BAD_CONFIGURATION);
    return;
  }
  agent_svc_report(SERVICE_RUNNING, NO_ERROR);
  int rc = agent_live_run(&agent_svc);
  agent_finish(&agent_svc);
  agent_svc_report(SERVICE_STOPPED, rc < 0 ? ERROR_SERVICE_SPECIFIC_ERROR : NO_ERROR);
}

int agent_service_run(const char *config_path) {
  if (strlen(config_path) >= sizeof agent_svc_config) return -1;
  strcpy(agent_svc_config, config_path);
  /* Relative paths in the config are relative to the config's folder. */
  char dir[AGENT_PATH_MAX];
  strcpy(dir, config_path);
  char *slash = strrchr(dir, '\\');
  if (slash) {
    *slash = 0;
    SetCurrentDirectoryA(dir);
  }
  SERVICE_TABLE_ENTRYW table[] = {{(LPWSTR)AGENT_SERVICE_NAME, agent_svc_main}, {NULL, NULL}};
  if (!StartServiceCtrlDispatcherW(table)) {
    fprintf(stderr, "faultline-agent: --service is for the service manager (error %lu)\n",
            (unsigned long)GetLastError());
    return -1;
  }
  return 0;
}

int agent_service_install(const char *config_path) {
  wchar_t exe[MAX_PATH], cfg[MAX_PATH], cmd[3 * MAX_PATH], wide[MAX_PATH];
  MultiByteToWideChar(CP_UTF8, 0, config_path, -1, wide, MAX_PATH);
  if (!GetModuleFileNameW(NULL, exe, MAX_PATH) || !GetFullPathNameW(wide, MAX_PATH, cfg, NULL)) {
    fprintf(stderr, "faultline-agent: cannot resolve the paths (error %lu)\n",
            (unsigned long)GetLastError());
    return -1;
  }
  if (GetFileAttributesW(cfg) == INVALID_FILE_ATTRIBUTES) {
    fprintf(stderr, "faultline-agent: %s: no such config file\n", config_path);
    return -1;
  }
  swprintf(cmd, 3 * MAX_PATH, L"\"%ls\" --service --config \"%ls\"", exe, cfg);
  SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CREATE_SERVICE);
  SC_HANDLE svc = scm ? CreateServiceW(scm, AGENT_SERVICE_NAME, L"faultline agent",
                                       SERVICE_ALL_ACCESS, SERVICE_WIN32_OWN_PROCESS,
                                       SERVICE_AUTO_START, SERVICE_ERROR_NORMAL, cmd, NULL, NULL,
                                       L"BFE\0EventLog\0\0", NULL, NULL)
                      : NULL;
  if (!svc) {
    fprintf(stderr, "faultline-agent: cannot install the service (error %lu; run as "
                    "Administrator)\n", (unsigned long)GetLastError());
    if (scm) CloseServiceHandle(scm);
    return -1;
  }
  SERVICE_DESCRIPTIONW d = {(LPWSTR)L"Forwards IPsec/IKE/iSCSI failure events to faultline serve"};
  ChangeServiceConfig2W(svc, SERVICE_CONFIG_DESCRIPTION, &d);
  printf("installed service faultline-agent: %ls\n", cmd);
  CloseServiceHandle(svc);
  CloseServiceHandle(scm);
  return 0;
}

int agent_service_uninstall(void) {
  SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
  SC_HANDLE svc = scm ? OpenServiceW(scm, AGENT_SERVICE_NAME, SERVICE_STOP | DELETE) : NULL;
  if (!svc) {
    fprintf(stderr, "faultline-agent: service not found or access denied (error %lu)\n",
            (unsigned long)GetLastError());
    if (scm) CloseServiceHandle(scm);
    return -1;
  }
  SERVICE_STATUS st;
  ControlService(svc, SERVICE_CONTROL_STOP, &st);
  int rc = DeleteService(svc) ? 0 : -1;
  if (rc) fprintf(stderr, "faultline-agent: cannot delete the service (error %lu)\n",
                  (unsigned long)GetLastError());
  else puts("removed service faultline-agent");
  CloseServiceHandle(svc);
  CloseServiceHandle(scm);
  return rc;
}
