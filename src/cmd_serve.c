/*
** faultline serve: live intake. Parses the command line into
** fl_serve_options and runs lib/serve until SIGTERM/SIGINT (drained: every
** event taken is committed first). Logs are logfmt lines on stderr.
**
** Must never: decide anything about events or framing (lib/serve does), or
** bind anything but what --listen names.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "cli.h"
#include "cli_opts.h"
#include "faultline/serve.h"

enum { MAX_LISTEN = 32 };

enum {
  S_DB = 1, S_STORE, S_LISTEN, S_MAX_FRAME, S_MAX_PENDING, S_MAX_CONN, S_IDLE,
  S_LOG_LEVEL, S_TLS_CERT, S_TLS_KEY, S_TLS_CA, S_TOKEN, S_CONFIG, S_CHECK, S_OPEN
};

static const cli_opt serve_opts[] = {
    CLI_OPT_DB(S_DB),
    {S_STORE, "store", 0, CLI_VALUE, "URL", CLI_OPT_STORE_HELP},
    {S_LISTEN, "listen", 0, CLI_VALUE, "SPEC", "where to listen (repeatable)"},
    {S_MAX_FRAME, "max-frame", 0, CLI_VALUE, "BYTES", "largest message (default 1048576)"},
    {S_MAX_PENDING, "max-pending", 0, CLI_VALUE, "MIB",
     "bytes taken but not committed, all clients (default 64)"},
    {S_MAX_CONN, "max-connections", 0, CLI_VALUE, "N", "open connections (default 256)"},
    {S_IDLE, "idle-timeout", 0, CLI_VALUE, "SEC",
     "close a connection silent or mid-frame this long (300)"},
    {S_LOG_LEVEL, "log-level", 0, CLI_VALUE, "debug|info|warn|error", "log lines below are not written (info)"},
    {S_TLS_CERT, "tls-cert", 0, CLI_VALUE, "FILE", "PEM certificate chain for TLS listeners"},
    {S_TLS_KEY, "tls-key", 0, CLI_VALUE, "FILE", "its PEM private key"},
    {S_TLS_CA, "tls-client-ca", 0, CLI_VALUE, "FILE", "require client certificates signed by these CAs"},
    {S_TOKEN, "token-file", 0, CLI_VALUE, "FILE",
     "HTTP needs 'Authorization: Bearer TOKEN' (the file's\nfirst line; or $FAULTLINE_SERVE_TOKEN); not /healthz"},
    {S_OPEN, "allow-unauthenticated", 0, CLI_FLAG, NULL,
     "let a listener beyond 127.0.0.1 run without a token\nor client certificates (a trusted network only)"},
    {S_CONFIG, "config", 0, CLI_VALUE, "FILE",
     "the serve config file: [serve] listen/db/store/token/TLS\n(the command line wins), [alerts] and [receiver NAME]\n"
     "sections (Alertmanager, webhook, Slack, Teams, CEF);\ndocs/serve-config.md"},
    {S_CHECK, "check-config", 0, CLI_FLAG, NULL,
     "with --config: validate it, print each error with\nits line number, exit 0 (good) or 2 (bad)"},
    CLI_OPT_HELP,
    {0, NULL, 0, 0, NULL, NULL}};

const cli_spec cmd_serve_spec = {
    "serve", "--db PATH --listen SPEC [--listen SPEC...] [options]",
    "Take events from forwarders while they happen and store each once (the\n"
    "same keys as 'faultline ingest'). An event is acknowledged only after\n"
    "it is committed; when the store falls behind, faultline stops reading\n"
    "(backpressure) instead of dropping anything.\n\n"
    "SPEC:\n"
    "  tcp://HOST:PORT  syslog over TCP, framing detected per connection:\n"
    "                   RFC 6587 octet counting or newline-delimited\n"
    "                   (RFC 5424/3164 whose message is event JSON or XML),\n"
    "                   bare JSON lines, bare event XML\n"
    "  udp://HOST:PORT  syslog datagrams (RFC 5424/3164)\n"
    "  http://HOST:PORT POST /ingest (JSON lines, event XML), an Elasticsearch\n"
    "                   face for Winlogbeat (GET /, /_license, setup calls,\n"
    "                   POST /_bulk; 429 when full), POST /v1/logs (OTLP/HTTP\n"
    "                   JSON), GET /metrics (Prometheus), GET /healthz, GET /\n"
    "                   in a browser: the live page\n"
    "  tls://, https://, lumberjack+tls://  the same over TLS (--tls-cert/--tls-key)\n"
    "  lumberjack://HOST:PORT  Lumberjack v2 (Winlogbeat's Logstash output):\n"
    "                   windows, JSON and compressed frames, ACK after commit\n"
    "HOST empty (tcp://:5514) means 127.0.0.1; [::1] for IPv6; PORT 0 picks a\n"
    "free port (the 'listening' log line names it). Beyond 127.0.0.1 a\n"
    "listener needs --token-file (HTTP) or TLS with --tls-client-ca.\n"
    "Sockets systemd passes\n"
    "(socket activation) are taken by the SPEC of the same type and port.",
    serve_opts,
    "Signals: TERM/INT stop accepting, commit what was taken, exit 0;\n"
    "HUP re-reads the alert part of --config (a bad file keeps the old one).\n"
    "docs/serve.md describes listeners, framing, limits and metrics.\n"
    "exit: 0 stopped cleanly, 2 usage, 3 cannot open the database or bind",
    0};

static const char *const levels[] = {"debug", "info", "warn", "error"};

static int parse_level(const char *val, fl_serve_log_level *out) {
  for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
    if (strcmp(val, levels[i]) == 0) {
      *out = (fl_serve_log_level)i;
      return 0;
    }
  return cli_usage_error("serve", "--log-level must be debug|info|warn|error");
}

typedef struct serve_cli {
  fl_serve_options opt;
  const char *listen[MAX_LISTEN];
  char token[256];
  int check_config;
  fl_alert_config cfg; /* --config */
} serve_cli;

/* A URL names another backend; a path is the SQLite database, as --db. */
static void set_store(serve_cli *c, const char *spec) {
  if (cli_store_is_url(spec)) c->opt.store = spec;
  else c->opt.db_path = spec;
}


/* The bearer token from a file (first line), so it is not in argv. */
static int read_token(const char *path, char *out, size_t cap) {
  FILE *f = fopen(path, "r");
  if (!f || !fgets(out, (int)cap, f)) {
    if (f) fclose(f);
    cli_usage_error("serve", "cannot read a token from '%s'", path);
    return -1;
  }
  fclose(f);
  out[strcspn(out, "\r\n")] = '\0';
  if (!out[0]) {
    cli_usage_error("serve", "'%s' holds an empty token", path);
    return -1;
  }
  return 0;
}

/* --config: read the file; with --check-config report it and stop (-2 good,
** -1 bad); else its [serve] keys fill what the command line left unset. */
static int apply_config(serve_cli *c) {
  fl_buf e = {0};
  int bad = fl_alert_config_load(c->opt.config_path, &c->cfg, &e);
  if (bad) {
    fprintf(stderr, "%s", e.p ? e.p : "");
    fprintf(stderr, "faultline serve: %s: %d error%s\n", c->opt.config_path, bad, bad == 1 ? "" : "s");
    fl_buf_free(&e);
    return -1;
  }
  fl_buf_free(&e);
  if (c->check_config) {
    printf("%s: config OK: %zu listen, %zu receiver%s\n", c->opt.config_path, c->cfg.listen_count,
           c->cfg.recv_count, c->cfg.recv_count == 1 ? "" : "s");
    return -2;
  }
  if (!c->opt.listen_count)
    for (size_t i = 0; i < c->cfg.listen_count && i < MAX_LISTEN; i++)
      c->listen[c->opt.listen_count++] = c->cfg.listen[i];
  if (!c->opt.db_path && c->cfg.db[0]) c->opt.db_path = c->cfg.db;
  if (!c->opt.store && !c->opt.db_path && c->cfg.store[0]) set_store(c, c->cfg.store);
  if (!c->opt.token && c->cfg.token_file[0]) {
    if (read_token(c->cfg.token_file, c->token, sizeof c->token)) return -1;
    c->opt.token = c->token;
  }
  if (!c->opt.tls_cert && c->cfg.tls_cert[0]) c->opt.tls_cert = c->cfg.tls_cert;
  if (!c->opt.tls_key && c->cfg.tls_key[0]) c->opt.tls_key = c->cfg.tls_key;
  if (!c->opt.tls_client_ca && c->cfg.tls_client_ca[0]) c->opt.tls_client_ca = c->cfg.tls_client_ca;
  return 0;
}

static int serve_opt(int id, const char *val, void *user) {
  serve_cli *c = user;
  unsigned long long n;
  switch (id) {
    case S_DB: c->opt.db_path = val; break;
    case S_STORE:
      if (!*val) return cli_usage_error("serve", "--store needs a URL or path");
      set_store(c, val);
      break;
    case S_LISTEN:
      if (c->opt.listen_count == MAX_LISTEN)
        return cli_usage_error("serve", "at most %d --listen", MAX_LISTEN);
      c->listen[c->opt.listen_count++] = val;
      break;
    case S_MAX_FRAME:
      if (cli_parse_u64("serve", "--max-frame", val, 64ull << 20, &n)) return FL_EXIT_USAGE;
      c->opt.max_frame = (size_t)n;
      break;
    case S_MAX_PENDING:
      if (cli_parse_u64("serve", "--max-pending", val, 4096, &n)) return FL_EXIT_USAGE;
      c->opt.max_pending = (size_t)n << 20;
      break;
    case S_MAX_CONN:
      if (cli_parse_u64("serve", "--max-connections", val, 65536, &n)) return FL_EXIT_USAGE;
      c->opt.max_connections = (unsigned)n;
      break;
    case S_IDLE:
      if (cli_parse_u64("serve", "--idle-timeout", val, 86400, &n)) return FL_EXIT_USAGE;
      c->opt.idle_timeout = (unsigned)n;
      break;
    case S_LOG_LEVEL: return parse_level(val, &c->opt.log_level) ? FL_EXIT_USAGE : 0;
    case S_TOKEN:
      if (read_token(val, c->token, sizeof c->token)) return FL_EXIT_USAGE;
      c->opt.token = c->token;
      break;
    case S_TLS_CERT: c->opt.tls_cert = val; break;
    case S_TLS_KEY: c->opt.tls_key = val; break;
    case S_TLS_CA: c->opt.tls_client_ca = val; break;
    case S_CONFIG: c->opt.config_path = val; break;
    case S_CHECK: c->check_config = 1; break;
    case S_OPEN: c->opt.allow_unauthenticated = 1; break;
    default: break;
  }
  return 0;
}

/* 0: run; -2: done (help, a good --check-config); else a usage error. */
static int serve_parse(int argc, char **argv, serve_cli *c) {
  int first = argc;
  int r = cli_parse(&cmd_serve_spec, argc, argv, serve_opt, c, &first);
  if (r == 0) return -2;
  if (r != -1) return r;
  if (first < argc)
    return cli_usage_error("serve", "unexpected argument '%s'", argv[first]);
  if (c->check_config || c->opt.config_path) {
    if (!c->opt.config_path) return cli_usage_error("serve", "--check-config needs --config FILE");
    int rc = apply_config(c);
    if (rc) return rc;
  }
  if (!c->opt.listen_count)
    return cli_usage_error("serve", "give at least one --listen SPEC (see --help)");
  if (!c->opt.token) {
    const char *t = getenv("FAULTLINE_SERVE_TOKEN");
    if (t && t[0]) c->opt.token = t;
  }
  if (!c->opt.db_path) c->opt.db_path = getenv("FAULTLINE_DB");
  if (!c->opt.db_path || !c->opt.db_path[0]) c->opt.db_path = "faultline.db";
  c->opt.listen = c->listen;
  return 0;
}

int cmd_serve(int argc, char **argv) {
  serve_cli c;
  memset(&c, 0, sizeof c);
  c.opt.log_level = FL_SERVE_INFO;
  c.opt.handle_signals = 1;
  int p = serve_parse(argc, argv, &c);
  if (p == -2) return FL_EXIT_OK;
  if (p) return FL_EXIT_USAGE;
  fl_error err;
  fl_error_clear(&err);
  fl_serve *s = NULL;
  fl_status st = fl_serve_new(&c.opt, &s, &err);
  if (st != FL_OK) {
    cli_print_error("serve", &err);
    return st == FL_EUSAGE ? FL_EXIT_USAGE : FL_EXIT_INPUT;
  }
  st = fl_serve_run(s, &err);
  fl_serve_free(s);
  if (st != FL_OK) {
    cli_print_error("serve", &err);
    return FL_EXIT_INPUT;
  }
  return FL_EXIT_OK;
}
