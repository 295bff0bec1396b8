/*
** One agent per spool: an exclusive lock on SPOOL/lock, held while the
** spool is open (LockFileEx on Windows, fcntl on POSIX; both end with the
** process, even a killed one). Two agents on one spool would send, rename
** and delete each other's batches.
**
** Must never: wait for the lock (a second agent fails at once, saying why).
*/
#ifdef _WIN32
#include <windows.h>
#else
#include <fcntl.h>
#include <unistd.h>
#endif
#include <stdio.h>

#include "agent.h"

intptr_t agent_dir_lock(const char *dir) {
  char path[AGENT_PATH_MAX + 8];
  snprintf(path, sizeof path, "%s/lock", dir);
#ifdef _WIN32
  HANDLE h = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                         NULL, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
  if (h == INVALID_HANDLE_VALUE) return -1;
  OVERLAPPED o = {0};
  if (!LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &o)) {
    CloseHandle(h);
    return -1;
  }
  return (intptr_t)h;
#else
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  struct flock fl = {0};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  if (fcntl(fd, F_SETLK, &fl) < 0) {
    close(fd);
    return -1;
  }
  return fd;
#endif
}

void agent_dir_unlock(intptr_t lock) {
  if (lock == -1) return;
#ifdef _WIN32
  CloseHandle((HANDLE)lock);
#else
  close((int)lock);
#endif
}
