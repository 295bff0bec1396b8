/*
** The agent's own log: "TIME LEVEL message" lines to its log file (and to
** stderr in console mode), flushed per line so a killed agent leaves a
** complete log. Past AGENT_LOG_MAX bytes the file becomes FILE.1 (one old
** file kept) and a new one starts: a service running for years stays
** bounded. Thread-safe.
**
** Must never: log event contents (they may be sensitive and large), or
** fail the agent because the log cannot be written.
*/
#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "agent.h"

#define AGENT_LOG_MAX (16L << 20)

static FILE *agent_log_file;
static char agent_log_path[AGENT_PATH_MAX];
static long agent_log_max = AGENT_LOG_MAX;

void agent_log_limit(long bytes) { agent_log_max = bytes; }
static int agent_log_level = AGENT_INFO;
static pthread_mutex_t agent_log_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *const agent_log_names[] = {"debug", "info", "warn", "error"};

int agent_log_open(const char *path, int level) {
  agent_log_level = level;
  if (!path || !path[0]) return 0;
  snprintf(agent_log_path, sizeof agent_log_path, "%s", path);
  agent_log_file = fopen(path, "a");
  return agent_log_file ? 0 : -1;
}

void agent_log(int level, const char *fmt, ...) {
  if (level < agent_log_level) return;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  time_t now = time(NULL);
  struct tm tmv;
  char ts[32] = "?";
#ifdef _WIN32
  if (gmtime_s(&tmv, &now) == 0) strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tmv);
#else
  if (gmtime_r(&now, &tmv)) strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tmv);
#endif
  pthread_mutex_lock(&agent_log_lock);
  fprintf(stderr, "faultline-agent: %s %s: %s\n", ts, agent_log_names[level & 3], msg);
  if (agent_log_file) {
    fprintf(agent_log_file, "%s %s %s\n", ts, agent_log_names[level & 3], msg);
    fflush(agent_log_file);
    if (ftell(agent_log_file) > agent_log_max) {
      char old[AGENT_PATH_MAX + 4];
      snprintf(old, sizeof old, "%s.1", agent_log_path);
      fclose(agent_log_file);
      remove(old);
      rename(agent_log_path, old);
      agent_log_file = fopen(agent_log_path, "a");
    }
  }
  pthread_mutex_unlock(&agent_log_lock);
}

void agent_log_close(void) {
  if (agent_log_file) fclose(agent_log_file);
  agent_log_file = NULL;
}
