/*
** The agent's network I/O: one connection per batch (Connection: close),
** plain http:// over Winsock or POSIX sockets with bounded waits; https://
** through WinHTTP on Windows (the system's certificate store and TLS), not
** available in the Linux test build. Framing is agent_http.c's.
**
** Must never: block without a timeout, or report success for anything but
** a complete 2xx response (the spool deletes a batch on success).
*/
#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <winhttp.h>
typedef SOCKET agent_sock;
#define AGENT_BAD_SOCK INVALID_SOCKET
#define agent_closesock closesocket
#else
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
typedef int agent_sock;
#define AGENT_BAD_SOCK (-1)
#define agent_closesock close
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

int agent_net_init(void) {
#ifdef _WIN32
  WSADATA w;
  return WSAStartup(MAKEWORD(2, 2), &w) ? -1 : 0;
#else
  return 0;
#endif
}

void agent_sleep_ms(uint32_t ms) {
#ifdef _WIN32
  Sleep(ms);
#else
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) && errno == EINTR) {
  }
#endif
}

uint64_t agent_now_ms(void) {
#ifdef _WIN32
  return GetTickCount64();
#else
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
#endif
}

static int agent_net_error(void) {
#ifdef _WIN32
  return WSAGetLastError();
#else
  return errno;
#endif
}

/* Waits until s is readable (dir 0) or writable (dir 1); 0, or -1 on timeout. */
static int agent_wait(agent_sock s, int dir, uint32_t timeout_ms) {
#ifdef _WIN32
  WSAPOLLFD p = {s, (SHORT)(dir ? POLLOUT : POLLIN), 0};
  return WSAPoll(&p, 1, (INT)timeout_ms) > 0 ? 0 : -1;
#else
  struct pollfd p = {s, (short)(dir ? POLLOUT : POLLIN), 0};
  int rc;
  while ((rc = poll(&p, 1, (int)timeout_ms)) < 0 && errno == EINTR) {
  }
  return rc > 0 ? 0 : -1;
#endif
}

static int agent_send_all(agent_sock s, const char *p, size_t n, uint32_t timeout_ms) {
  while (n) {
    if (agent_wait(s, 1, timeout_ms)) return -1;
    int chunk = n > (1u << 20) ? 1 << 20 : (int)n;
#ifdef _WIN32
    int k = send(s, p, chunk, 0);
#else
    ssize_t k = send(s, p, (size_t)chunk, MSG_NOSIGNAL);
#endif
    if (k <= 0) return -1;
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

static void agent_set_nonblocking(agent_sock s, int on) {
#ifdef _WIN32
  u_long v = (u_long)on;
  ioctlsocket(s, FIONBIO, &v);
#else
  int fl = fcntl(s, F_GETFL, 0);
  if (fl >= 0) fcntl(s, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
#endif
}

/* connect() that gives up after timeout_ms (a blackholed collector would
** otherwise hold the sender for the system's TCP timeout); then the
** socket is blocking again, with send/receive timeouts. */
static int agent_connect_bounded(agent_sock s, const struct sockaddr *sa, size_t len,
                                 uint32_t timeout_ms) {
  agent_set_nonblocking(s, 1);
#ifdef _WIN32
  int rc = connect(s, sa, (int)len);
  int pending = rc && WSAGetLastError() == WSAEWOULDBLOCK;
#else
  int rc = connect(s, sa, (socklen_t)len);
  int pending = rc && errno == EINPROGRESS;
#endif
  if (pending) {
    int soerr = 0;
#ifdef _WIN32
    int sl = sizeof soerr;
#else
    socklen_t sl = sizeof soerr;
#endif
    rc = agent_wait(s, 1, timeout_ms) ||
         getsockopt(s, SOL_SOCKET, SO_ERROR, (char *)&soerr, &sl) || soerr ? -1 : 0;
    if (soerr) {
#ifdef _WIN32
      WSASetLastError(soerr);
#else
      errno = soerr;
#endif
    }
  }
  agent_set_nonblocking(s, 0);
#ifdef _WIN32
  DWORD t = timeout_ms;
  setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, (const char *)&t, sizeof t);
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&t, sizeof t);
#else
  struct timeval tv = {(time_t)(timeout_ms / 1000), (suseconds_t)(timeout_ms % 1000) * 1000};
  setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
#endif
  return rc ? -1 : 0;
}

static agent_sock agent_connect(const agent_url *u, uint32_t timeout_ms, char *err,
                                size_t errcap) {
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  int rc = getaddrinfo(u->host, u->port, &hints, &res);
  if (rc) {
    snprintf(err, errcap, "%s: cannot resolve (%d)", u->host, rc);
    return AGENT_BAD_SOCK;
  }
  agent_sock s = AGENT_BAD_SOCK;
  for (struct addrinfo *a = res; a && s == AGENT_BAD_SOCK; a = a->ai_next) {
    s = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (s == AGENT_BAD_SOCK) continue;
    if (agent_connect_bounded(s, a->ai_addr, (size_t)a->ai_addrlen, timeout_ms)) {
      snprintf(err, errcap, "%s:%s: cannot connect (error %d)", u->host, u->port,
               agent_net_error());
      agent_closesock(s);
      s = AGENT_BAD_SOCK;
    }
  }
  freeaddrinfo(res);
  return s;
}

static int agent_post_plain(const agent_url *u, const char *token, const char *body, size_t len,
                            uint32_t timeout_ms, char *err, size_t errcap) {
  char head[1024];
  size_t hn = agent_http_request_head(u, token, len, head, sizeof head);
  if (!hn) {
    snprintf(err, errcap, "request head too long");
    return -1;
  }
  agent_sock s = agent_connect(u, timeout_ms, err, errcap);
  if (s == AGENT_BAD_SOCK) return -1;
  int status = -1;
  if (agent_send_all(s, head, hn, timeout_ms) || agent_send_all(s, body, len, timeout_ms)) {
    snprintf(err, errcap, "%s:%s: send failed (error %d)", u->host, u->port, agent_net_error());
  } else {
    char resp[8192];
    size_t got = 0;
    for (;;) {
      int r = agent_http_response(resp, got, 0, &status);
      if (r) {
        if (r < 0) status = -1;
        break;
      }
      if (got == sizeof resp || agent_wait(s, 0, timeout_ms)) {
        status = -1;
        break;
      }
      int k = (int)recv(s, resp + got, (int)(sizeof resp - got), 0);
      if (k <= 0) {
        if (agent_http_response(resp, got, 1, &status) != 1) status = -1;
        break;
      }
      got += (size_t)k;
    }
    if (status < 0) snprintf(err, errcap, "%s:%s: no complete HTTP response", u->host, u->port);
  }
  agent_closesock(s);
  return status;
}

#ifdef _WIN32
static int agent_post_winhttp(const agent_url *u, const char *token, const char *body,
                              size_t len, uint32_t timeout_ms, char *err, size_t errcap) {
  wchar_t host[256], path[512], hdr[400];
  MultiByteToWideChar(CP_UTF8, 0, u->host, -1, host, 256);
  MultiByteToWideChar(CP_UTF8, 0, u->path, -1, path, 512);
  swprintf(hdr, 400, L"Content-Type: application/x-ndjson\r\n%s%hs",
           token && token[0] ? L"Authorization: Bearer " : L"", token && token[0] ? token : "");
  int status = -1;
  HINTERNET ses = WinHttpOpen(L"faultline-agent", WINHTTP_ACCESS_TYPE_DEFAULT_PROXY,
                              WINHTTP_NO_PROXY_NAME, WINHTTP_NO_PROXY_BYPASS, 0);
  HINTERNET con = ses ? WinHttpConnect(ses, host, (INTERNET_PORT)atoi(u->port), 0) : NULL;
  HINTERNET req = con ? WinHttpOpenRequest(con, L"POST", path, NULL, WINHTTP_NO_REFERER,
                                           WINHTTP_DEFAULT_ACCEPT_TYPES, WINHTTP_FLAG_SECURE)
                      : NULL;
  if (req) {
    WinHttpSetTimeouts(ses, (int)timeout_ms, (int)timeout_ms, (int)timeout_ms, (int)timeout_ms);
    if (u->insecure) {
      DWORD f = SECURITY_FLAG_IGNORE_UNKNOWN_CA | SECURITY_FLAG_IGNORE_CERT_CN_INVALID |
                SECURITY_FLAG_IGNORE_CERT_DATE_INVALID | SECURITY_FLAG_IGNORE_CERT_WRONG_USAGE;
      WinHttpSetOption(req, WINHTTP_OPTION_SECURITY_FLAGS, &f, sizeof f);
    }
    DWORD code = 0, sz = sizeof code;
    if (WinHttpSendRequest(req, hdr, (DWORD)-1L, (LPVOID)body, (DWORD)len, (DWORD)len, 0) &&
        WinHttpReceiveResponse(req, NULL) &&
        WinHttpQueryHeaders(req, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER,
                            WINHTTP_HEADER_NAME_BY_INDEX, &code, &sz, WINHTTP_NO_HEADER_INDEX))
      status = (int)code;
  }
  if (status < 0)
    snprintf(err, errcap, "https://%s:%s: WinHTTP error %lu", u->host, u->port,
             (unsigned long)GetLastError());
  if (req) WinHttpCloseHandle(req);
  if (con) WinHttpCloseHandle(con);
  if (ses) WinHttpCloseHandle(ses);
  return status;
}
#endif

int agent_net_post(const agent_url *u, const char *token, const char *body, size_t len,
                   uint32_t timeout_ms, char *err, size_t errcap) {
  if (u->tls) {
#ifdef _WIN32
    return agent_post_winhttp(u, token, body, len, timeout_ms, err, errcap);
#else
    snprintf(err, errcap, "https:// needs the Windows build (WinHTTP)");
    return -1;
#endif
  }
  return agent_post_plain(u, token, body, len, timeout_ms, err, errcap);
}
