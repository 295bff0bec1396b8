/*
** ClickHouse's HTTP interface over libcurl, for the ClickHouse store
** backend: the store URL, one keep-alive connection, statements as POST
** bodies, inserts as gzip JSONEachRow bodies (Content-Encoding: gzip, which
** 18.16 accepts without enable_http_compression), and the escaping of
** string literals and JSON strings.
**
** Must never: put unvalidated text in a URL (hosts, ports and identifiers
** are checked; the query string is curl-escaped), follow redirects, print,
** or call a failure transient unless retrying it later can succeed (the
** table of transient error codes below).
*/
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/fl_curl.h"
#include "common/fl_error.h"
#include "store/clickhouse_internal.h"

/* libcurl, loaded by ch_http_new before any other call here */
static const fl_curl_api *curl_lib(void) { return fl_curl(NULL); }

/* ClickHouse exception codes that can pass: the insert or query is worth
** spooling and retrying (a shard down, a network blip, overload). */
static const int transient_codes[] = {
    159, /* TIMEOUT_EXCEEDED */
    164, /* READONLY (a replica restarting) */
    202, /* TOO_MANY_SIMULTANEOUS_QUERIES */
    209, /* SOCKET_TIMEOUT */
    210, /* NETWORK_ERROR */
    241, /* MEMORY_LIMIT_EXCEEDED */
    242, /* TABLE_IS_READ_ONLY */
    252, /* TOO_MANY_PARTS */
    279, /* ALL_CONNECTION_TRIES_FAILED */
    285, /* TOO_FEW_LIVE_REPLICAS */
    319, /* UNKNOWN_STATUS_OF_INSERT */
};

struct ch_http {
  CURL *curl;
  const ch_url *url;
  fl_buf scratch; /* URL, error body */
};

int ch_identifier_ok(const char *s) {
  if (!s || !(isalpha((unsigned char)*s) || *s == '_')) return 0;
  for (const char *p = s; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '_') return 0;
  return strlen(s) < CH_NAME_MAX;
}

/* ---- URL ------------------------------------------------------------- */

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = tolower(c);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes [s, s+n) into out (cap bytes with its NUL); -1 too long
** or malformed, or a NUL encoded. */
static int decode(const char *s, size_t n, char *out, size_t cap) {
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    int c = (unsigned char)s[i];
    if (c == '%') {
      if (i + 2 >= n) return -1;
      int hi = hexval(s[i + 1]);
      int lo = hexval(s[i + 2]);
      if (hi < 0 || lo < 0 || (hi | lo) == 0) return -1;
      c = hi * 16 + lo;
      i += 2;
    }
    if (o + 1 >= cap) return -1;
    out[o++] = (char)c;
  }
  out[o] = '\0';
  return 0;
}

/* host:port with host a name, IPv4 or [IPv6] and port 1..65535. */
static int host_ok(const char *s, size_t n) {
  const char *colon = NULL;
  if (n && s[0] == '[') {
    const char *close = memchr(s, ']', n);
    if (!close || close + 1 >= s + n || close[1] != ':') return 0;
    for (const char *p = s + 1; p < close; p++)
      if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.') return 0;
    colon = close + 1;
  } else {
    for (const char *p = s; p < s + n; p++) {
      if (*p == ':') { colon = p; break; }
      if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-') return 0;
    }
    if (!colon || colon == s) return 0;
  }
  size_t digits = (size_t)(s + n - colon - 1);
  if (digits < 1 || digits > 5) return 0;
  unsigned port = 0;
  for (const char *p = colon + 1; p < s + n; p++) {
    if (!isdigit((unsigned char)*p)) return 0;
    port = port * 10 + (unsigned)(*p - '0');
  }
  return port >= 1 && port <= 65535;
}

static int parse_size(const char *v, uint64_t *out) {
  char *end = NULL;
  unsigned long long n = strtoull(v, &end, 10);
  if (end == v) return -1;
  uint64_t mult = 1;
  if (*end == 'K' || *end == 'k') mult = 1024, end++;
  else if (*end == 'M' || *end == 'm') mult = 1024 * 1024, end++;
  else if (*end == 'G' || *end == 'g') mult = 1024ull * 1024 * 1024, end++;
  if (*end || n == 0 || n > UINT64_MAX / mult) return -1;
  *out = (uint64_t)n * mult;
  return 0;
}

static fl_status bad(fl_error *err, const char *why) {
  return fl_error_at(err, FL_EUSAGE, "", 0,
                     "--store: %s (clickhouse://[USER[:PASS]@]HOST:PORT[,HOST:PORT]/DB"
                     "[?cluster=NAME&spool=DIR&spool_max=SIZE&read_rows=N])", why);
}

static fl_status parse_params(const char *q, ch_url *u, fl_error *err) {
  while (q && *q) {
    const char *amp = strchr(q, '&');
    size_t n = amp ? (size_t)(amp - q) : strlen(q);
    const char *eq = memchr(q, '=', n);
    if (!eq) return bad(err, "a parameter without '='");
    char key[32], val[512];
    size_t kn = (size_t)(eq - q);
    if (kn >= sizeof key) return bad(err, "unknown parameter");
    memcpy(key, q, kn);
    key[kn] = '\0';
    if (decode(eq + 1, n - kn - 1, val, sizeof val)) return bad(err, "a parameter too long or malformed");
    if (strcmp(key, "cluster") == 0) {
      if (!ch_identifier_ok(val)) return bad(err, "cluster must be an identifier");
      memcpy(u->cluster, val, strlen(val) + 1); /* ch_identifier_ok: short */
    } else if (strcmp(key, "spool") == 0) {
      snprintf(u->spool, sizeof u->spool, "%s", val);
    } else if (strcmp(key, "spool_max") == 0) {
      if (parse_size(val, &u->spool_max)) return bad(err, "spool_max must be a size (e.g. 512M)");
    } else if (strcmp(key, "read_rows") == 0) {
      if (parse_size(val, &u->read_rows)) return bad(err, "read_rows must be a number (e.g. 1M)");
    } else {
      return bad(err, "unknown parameter (cluster, spool, spool_max, read_rows)");
    }
    q = amp ? amp + 1 : NULL;
  }
  return FL_OK;
}

static fl_status parse_hosts(const char *s, size_t n, ch_url *u, fl_error *err) {
  while (n) {
    const char *comma = memchr(s, ',', n);
    size_t len = comma ? (size_t)(comma - s) : n;
    if (!host_ok(s, len) || len >= sizeof u->hosts[0])
      return bad(err, "each host must be HOST:PORT");
    if (u->host_count == CH_MAX_HOSTS) return bad(err, "at most 8 hosts");
    memcpy(u->hosts[u->host_count], s, len);
    u->hosts[u->host_count++][len] = '\0';
    if (!comma) break;
    n -= len + 1;
    s = comma + 1;
  }
  return u->host_count ? FL_OK : bad(err, "no host");
}

fl_status ch_url_parse(const char *spec, ch_url *u, fl_error *err) {
  memset(u, 0, sizeof *u);
  const char *p;
  if (strncmp(spec, "clickhouse://", 13) == 0) p = spec + 13;
  else if (strncmp(spec, "clickhouses://", 14) == 0) p = spec + 14, u->https = 1;
  else return bad(err, "not a ClickHouse URL");
  const char *slash = strchr(p, '/');
  if (!slash) return bad(err, "no /DB");
  const char *at = memchr(p, '@', (size_t)(slash - p));
  if (at) {
    const char *colon = memchr(p, ':', (size_t)(at - p));
    const char *uend = colon ? colon : at;
    if (decode(p, (size_t)(uend - p), u->user, sizeof u->user) ||
        (colon && decode(colon + 1, (size_t)(at - colon - 1), u->password,
                         sizeof u->password)))
      return bad(err, "user or password malformed");
    p = at + 1;
  }
  fl_status st = parse_hosts(p, (size_t)(slash - p), u, err);
  if (st != FL_OK) return st;
  const char *q = strchr(slash + 1, '?');
  size_t dn = q ? (size_t)(q - slash - 1) : strlen(slash + 1);
  if (dn == 0 || dn >= sizeof u->db) return bad(err, "DB must be an identifier");
  memcpy(u->db, slash + 1, dn);
  u->db[dn] = '\0';
  if (!ch_identifier_ok(u->db)) return bad(err, "DB must be an identifier");
  u->spool_max = 1024ull * 1024 * 1024;
  u->read_rows = 1000000;
  st = parse_params(q ? q + 1 : NULL, u, err);
  if (st != FL_OK) return st;
  const char *env;
  if (!u->user[0] && (env = getenv("FAULTLINE_CH_USER")) && *env)
    snprintf(u->user, sizeof u->user, "%s", env);
  if (!u->password[0] && (env = getenv("FAULTLINE_CH_PASSWORD")) && *env)
    snprintf(u->password, sizeof u->password, "%s", env);
  if (!u->spool[0]) {
    env = getenv("FAULTLINE_CH_SPOOL");
    snprintf(u->spool, sizeof u->spool, "%s", env && *env ? env : "faultline-spool");
  }
  return FL_OK;
}

/* ---- escaping and gzip ------------------------------------------------ */

static const char hexdigits[] = "0123456789abcdef";

void ch_sql_string(fl_buf *b, const char *s, size_t n) {
  if (fl_buf_reserve(b, n * 4 + 2)) return;
  char *o = b->p + b->len;
  *o++ = '\'';
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '\\' || c == '\'') {
      *o++ = '\\';
      *o++ = (char)c;
    } else if (c < 0x20 || c == 0x7f) {
      *o++ = '\\';
      *o++ = 'x';
      *o++ = hexdigits[c >> 4];
      *o++ = hexdigits[c & 15];
    } else {
      *o++ = (char)c;
    }
  }
  *o++ = '\'';
  b->len = (size_t)(o - b->p);
}

void ch_json_string(fl_buf *b, const char *s, size_t n) {
  if (fl_buf_reserve(b, n * 6 + 2)) return;
  char *o = b->p + b->len;
  *o++ = '"';
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      *o++ = '\\';
      *o++ = (char)c;
    } else if (c < 0x20) {
      *o++ = '\\';
      *o++ = 'u';
      *o++ = '0';
      *o++ = '0';
      *o++ = hexdigits[c >> 4];
      *o++ = hexdigits[c & 15];
    } else {
      *o++ = (char)c;
    }
  }
  *o++ = '"';
  b->len = (size_t)(o - b->p);
}

int ch_gzip(fl_buf *out, const void *p, size_t n) {
  out->len = 0;
  z_stream z;
  memset(&z, 0, sizeof z);
  /* level 1: the server's CPU and the wire both gain; 15 + 16 = gzip */
  if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return -1;
  uLong bound = deflateBound(&z, (uLong)n);
  if (fl_buf_reserve(out, (size_t)bound + 32)) {
    deflateEnd(&z);
    return -1;
  }
  z.next_in = (Bytef *)(uintptr_t)p;
  z.avail_in = (uInt)n;
  z.next_out = (Bytef *)out->p;
  z.avail_out = (uInt)(out->cap);
  int rc = deflate(&z, Z_FINISH);
  out->len = (size_t)z.total_out;
  deflateEnd(&z);
  return rc == Z_STREAM_END ? 0 : -1;
}

/* ---- HTTP ------------------------------------------------------------- */

typedef struct response {
  CURL *curl;
  ch_data_fn fn;
  void *user;
  long code;
  fl_buf *body; /* error text, first bytes */
  int stopped;
} response;

static size_t on_data(char *p, size_t size, size_t nmemb, void *user) {
  response *r = user;
  size_t n = size * nmemb;
  /* the status is known once the body flows: a 200 body goes to fn, any
  ** other is the error text */
  if (!r->code) curl_lib()->easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &r->code);
  if (r->fn && r->code == 200) {
    if (r->fn(p, n, r->user)) {
      r->stopped = 1;
      return 0;
    }
    return n;
  }
  if (r->body->len < 600 && !fl_buf_reserve(r->body, n)) {
    memcpy(r->body->p + r->body->len, p, n);
    r->body->len += n;
  }
  return n;
}

fl_status ch_http_new(const ch_url *u, ch_http **out, fl_error *err) {
  const char *why = "";
  if (!fl_curl(&why)) return fl_error_at(err, FL_EIO, "", 0, "%s", why);
  ch_http *h = calloc(1, sizeof *h);
  if (!h || !(h->curl = curl_lib()->easy_init())) {
    free(h);
    return fl_error_at(err, FL_ENOMEM, "", 0, "out of memory");
  }
  h->url = u;
  *out = h;
  return FL_OK;
}

void ch_http_free(ch_http *h) {
  if (!h) return;
  curl_lib()->easy_cleanup(h->curl);
  fl_buf_free(&h->scratch);
  free(h);
}

static int code_transient(const char *body, size_t n) {
  /* "Code: 210, e.displayText() = ..." */
  if (n < 7 || memcmp(body, "Code: ", 6) != 0) return 0;
  long code = strtol(body + 6, NULL, 10);
  for (size_t i = 0; i < sizeof transient_codes / sizeof *transient_codes; i++)
    if (transient_codes[i] == code) return 1;
  return 0;
}

/* One request to host i: url_tail after "/?", body (gzip when gz). */
static fl_status request(ch_http *h, size_t host, const char *url_tail,
                         const void *body, size_t n, int gz, ch_data_fn fn,
                         void *user, int *transient, fl_error *err) {
  const ch_url *u = h->url;
  char url[1024 + 64];
  char host_label[300];
  snprintf(host_label, sizeof host_label, "%s%s", u->https ? "https://" : "http://",
           u->hosts[host]);
  if ((size_t)snprintf(url, sizeof url, "%s/?%s", host_label, url_tail) >= sizeof url)
    return fl_error_at(err, FL_EIO, host_label, 0, "request URL too long");
  fl_buf errbody = {0};
  CURL *c = h->curl;
  response r = {c, fn, user, 0, &errbody, 0};
  curl_lib()->easy_reset(c);
  curl_lib()->easy_setopt(c, CURLOPT_URL, url);
  curl_lib()->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_lib()->easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
  curl_lib()->easy_setopt(c, CURLOPT_PROTOCOLS_STR, u->https ? "https" : "http");
  curl_lib()->easy_setopt(c, CURLOPT_POST, 1L);
  curl_lib()->easy_setopt(c, CURLOPT_POSTFIELDS, body);
  curl_lib()->easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
  curl_lib()->easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_lib()->easy_setopt(c, CURLOPT_WRITEDATA, &r);
  /* a dead server mid-transfer must not hang the collector */
  curl_lib()->easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_lib()->easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 120L);
  if (u->user[0]) {
    curl_lib()->easy_setopt(c, CURLOPT_USERNAME, u->user);
    curl_lib()->easy_setopt(c, CURLOPT_PASSWORD, u->password);
  }
  struct curl_slist *hdr = NULL;
  hdr = curl_lib()->slist_append(hdr, "Content-Type: text/plain; charset=utf-8");
  if (gz) hdr = curl_lib()->slist_append(hdr, "Content-Encoding: gzip");
  curl_lib()->easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
  CURLcode rc = curl_lib()->easy_perform(c);
  long code = 0;
  curl_lib()->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  curl_lib()->slist_free_all(hdr);
  fl_status st = FL_OK;
  *transient = 0;
  if (r.stopped) {
    st = FL_OK; /* the caller stopped reading */
  } else if (rc != CURLE_OK) {
    *transient = 1;
    st = fl_error_at(err, FL_EIO, host_label, 0, "ClickHouse unreachable: %s",
                     curl_lib()->easy_strerror(rc));
  } else if (code != 200) {
    size_t len = errbody.len;
    while (len && (errbody.p[len - 1] == '\n' || errbody.p[len - 1] == ' ')) len--;
    *transient = code >= 500 && code_transient(errbody.p ? errbody.p : "", len);
    if (code == 503 || code == 502 || code == 504) *transient = 1;
    st = fl_error_at(err, FL_EIO, host_label, 0, "ClickHouse HTTP %ld: %.*s", code,
                     (int)(len > 200 ? 200 : len), errbody.p ? errbody.p : "");
  }
  fl_buf_free(&errbody);
  return st;
}

fl_status ch_http_run(ch_http *h, size_t host, const char *sql, ch_data_fn fn,
                      void *user, int *transient, fl_error *err) {
  return request(h, host, "", sql, strlen(sql), 0, fn, user, transient, err);
}

int ch_lines_feed(fl_buf *line, const char *p, size_t n, ch_line_fn fn, void *user) {
  while (n) {
    const char *nl = memchr(p, '\n', n);
    size_t take = nl ? (size_t)(nl - p) : n;
    fl_buf_put(line, p, take);
    if (!nl) return line->failed;
    fl_buf_putc(line, '\0'); /* the line ends in place, for the splitter */
    if (line->failed) return 1;
    line->len--;
    if (fn(line->p, line->len, user)) return 1;
    line->len = 0;
    p = nl + 1;
    n -= take + 1;
  }
  return 0;
}

fl_status ch_http_select(ch_http *h, size_t *host, const char *settings, const char *sql,
                         ch_data_fn fn, void *user, fl_buf *line, const uint64_t *used,
                         fl_error *err) {
  fl_status st = FL_EIO;
  size_t count = h->url->host_count;
  for (size_t k = 0; k < count; k++) {
    size_t i = (*host + k) % count;
    int transient = 0;
    line->len = 0;
    st = request(h, i, settings, sql, strlen(sql), 0, fn, user, &transient, err);
    if (st == FL_OK) {
      *host = i;
      break;
    }
    if (!transient || *used) break; /* a node's answer was used: not another's */
  }
  return st;
}

fl_status ch_http_insert(ch_http *h, size_t host, const char *table,
                         const char *settings, const void *gz, size_t n,
                         int *transient, fl_error *err) {
  char sql[256];
  snprintf(sql, sizeof sql, "INSERT INTO %s.%s FORMAT JSONEachRow", h->url->db, table);
  char *q = curl_lib()->easy_escape(h->curl, sql, 0);
  if (!q) return fl_error_at(err, FL_ENOMEM, "", 0, "out of memory");
  char tail[512];
  snprintf(tail, sizeof tail, "query=%s%s%s", q, settings[0] ? "&" : "", settings);
  curl_lib()->str_free(q);
  return request(h, host, tail, gz, n, 1, NULL, NULL, transient, err);
}
