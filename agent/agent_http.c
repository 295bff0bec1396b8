/*
** HTTP/1.1 framing for the agent's POST /ingest (the collector is
** `faultline serve`, lib/serve/serve_http.c): URL parsing, the request
** head, and deciding when a response is complete and what its status is.
** No I/O here (agent_net.c does it), so tests run it on Linux.
**
** Must never: read past len, accept a status line that is not HTTP/1.x
** NNN, or build a request whose header carries a CR or LF from the config.
*/
#include <stdlib.h>
#include <string.h>

#include "agent.h"

int agent_url_parse(const char *s, agent_url *u) {
  memset(u, 0, sizeof *u);
  static const struct { const char *scheme; int tls; const char *port; } schemes[] = {
      {"http://", 0, "80"}, {"https://", 1, "443"}};
  size_t i = 0;
  while (i < 2 && strncmp(s, schemes[i].scheme, strlen(schemes[i].scheme)) != 0) i++;
  if (i == 2) return -1;
  s += strlen(schemes[i].scheme);
  u->tls = schemes[i].tls;
  snprintf(u->port, sizeof u->port, "%s", schemes[i].port);
  const char *slash = strchr(s, '/');
  size_t hn = slash ? (size_t)(slash - s) : strlen(s);
  const char *colon = NULL;
  if (hn && s[0] == '[') {
    const char *rb = memchr(s, ']', hn);
    if (!rb) return -1;
    if ((size_t)(rb - s) + 1 < hn) colon = rb + 1;
    if (colon && *colon != ':') return -1;
    if ((size_t)(rb - s - 1) >= sizeof u->host) return -1;
    memcpy(u->host, s + 1, (size_t)(rb - s - 1));
  } else {
    colon = memchr(s, ':', hn);
    size_t k = colon ? (size_t)(colon - s) : hn;
    if (!k || k >= sizeof u->host) return -1;
    memcpy(u->host, s, k);
  }
  if (colon) {
    size_t pn = hn - (size_t)(colon + 1 - s);
    if (!pn || pn >= sizeof u->port || strspn(colon + 1, "0123456789") < pn) return -1;
    memcpy(u->port, colon + 1, pn);
    u->port[pn] = 0;
  }
  const char *path = slash ? slash : "/ingest";
  if (!strcmp(path, "/")) path = "/ingest";
  if (strlen(path) >= sizeof u->path || strpbrk(path, " \r\n") || strpbrk(u->host, " \r\n/"))
    return -1;
  snprintf(u->path, sizeof u->path, "%s", path);
  return 0;
}

size_t agent_http_request_head(const agent_url *u, const char *token, size_t len, char *out,
                               size_t cap) {
  if (token && strpbrk(token, "\r\n")) token = NULL;
  int n = snprintf(out, cap,
                   "POST %s HTTP/1.1\r\nHost: %s%s%s%s:%s\r\n"
                   "User-Agent: faultline-agent\r\nContent-Type: application/x-ndjson\r\n"
                   "Content-Length: %zu\r\nConnection: close\r\n%s%s%s\r\n",
                   u->path, strchr(u->host, ':') ? "[" : "", u->host,
                   strchr(u->host, ':') ? "]" : "", "", u->port, len,
                   token && token[0] ? "Authorization: Bearer " : "", token && token[0] ? token : "",
                   token && token[0] ? "\r\n" : "");
  return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

/* Content-Length of a head (case-insensitive name), -1 when absent. */
static long long agent_content_length(const char *h, size_t n) {
  static const char name[] = "\ncontent-length:";
  size_t k = sizeof name - 1;
  for (size_t i = 0; i + k <= n; i++) {
    size_t j = 0;
    while (j < k) {
      char c = h[i + j];
      if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
      if (c != name[j]) break;
      j++;
    }
    if (j < k) continue;
    size_t p = i + k;
    while (p < n && (h[p] == ' ' || h[p] == '\t')) p++;
    long long v = 0;
    size_t digits = 0;
    while (p < n && h[p] >= '0' && h[p] <= '9' && digits < 15) v = v * 10 + (h[p++] - '0'), digits++;
    return digits ? v : -1;
  }
  return -1;
}

int agent_http_response(const char *buf, size_t len, int at_close, int *status) {
  if (len >= 12) {
    if (memcmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ' || buf[9] < '1' || buf[9] > '5' ||
        buf[10] < '0' || buf[10] > '9' || buf[11] < '0' || buf[11] > '9')
      return -1;
  } else {
    return at_close ? -1 : 0;
  }
  const char *end = NULL;
  for (size_t i = 0; i + 4 <= len; i++)
    if (!memcmp(buf + i, "\r\n\r\n", 4)) {
      end = buf + i + 4;
      break;
    }
  if (!end) return at_close ? -1 : 0;
  *status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
  long long cl = agent_content_length(buf, (size_t)(end - buf));
  size_t body = len - (size_t)(end - buf);
  if (cl >= 0) return body >= (unsigned long long)cl ? 1 : (at_close ? -1 : 0);
  return at_close ? 1 : 0;
}
