/*
** What the Windows-only files of the agent share (agent/win/): the WFP and
** WMI sources started by agent_live.c, and UTF-16 to UTF-8.
**
** Must never: be included by the platform-independent agent/ files.
*/
#ifndef FL_AGENT_WIN_H
#define FL_AGENT_WIN_H

#include <wchar.h>

#include "../agent.h"

extern volatile int agent_win_stop;

/* UTF-8 of w into buf (grown with realloc; *cap its size); NULL on error. */
char *agent_utf8(const wchar_t *w, char *buf, size_t *cap);

/* 0 started, -1 failed (logged), 1 not available. */
int agent_wfp_start(agent *a);
void agent_wfp_stop(void);
int agent_wfp_self_test(FILE *out);
int agent_wmi_start(agent *a);
void agent_wmi_stop(void);
int agent_wmi_self_test(FILE *out);

#endif
