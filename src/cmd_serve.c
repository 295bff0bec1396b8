/*
** faultline serve: live intake. Parses the command line into
** fl_serve_options and runs lib/serve until SIGTERM/SIGINT (drained: every
** event taken is committed first). Logs are logfmt lines on stderr.
**
** Must never: decide anything about events or framing (lib/serve does), or
** bind anything but what --listen names.
*/
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "cli.h"
#include "faultline/serve.h"

enum { MAX_LISTEN = 32 };

static void serve_help(void) {
  printf(
      "usage: faultline serve --db PATH --listen SPEC [--listen SPEC...] [options]\n\n"
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
      "free port (the 'listening' log line names it).\n\n"
      "options:\n"
      "  --db PATH              database (default $FAULTLINE_DB, else ./faultline.db)\n"
      "  --store URL            store the events in another backend instead:\n"
      "                         clickhouse://HOST:8123/DB (users from\n"
      "                         $FAULTLINE_CH_USER/_PASSWORD; docs/deployment.md)\n"
      "  --listen SPEC          where to listen (repeatable)\n"
      "  --max-frame BYTES      largest message (default 1048576)\n"
      "  --max-pending MIB      bytes taken but not committed, all clients (default 64)\n"
      "  --max-connections N    open connections (default 256)\n"
      "  --idle-timeout SEC     close a connection silent or mid-frame this long (300)\n"
      "  --log-level LEVEL      debug|info|warn|error (default info)\n"
      "  --tls-cert FILE        PEM certificate chain for TLS listeners\n"
      "  --tls-key FILE         its PEM private key\n"
      "  --tls-client-ca FILE   require client certificates signed by these CAs\n"
      "  --token-file FILE      HTTP needs 'Authorization: Bearer TOKEN' (the file's\n"
      "                         first line; or $FAULTLINE_SERVE_TOKEN); not /healthz\n"
      "  --config FILE          the serve config file: [serve] listen/db/token/TLS\n"
      "                         (the command line wins), [alerts] and [receiver NAME]\n"
      "                         sections (Alertmanager, webhook, Slack, Teams, CEF);\n"
      "                         docs/serve-config.md\n"
      "  --check-config         with --config: validate it, print each error with\n"
      "                         its line number, exit 0 (good) or 2 (bad)\n"
      "  -h, --help             this help\n\n"
      "Signals: TERM/INT stop accepting, commit what was taken, exit 0;\n"
      "HUP re-reads the alert part of --config (a bad file keeps the old one).\n"
      "docs/serve.md describes listeners, framing, limits and metrics.\n"
      "exit: 0 stopped cleanly, 2 usage, 3 cannot open the database or bind\n");
}

static int parse_num(const char *opt, const char *val, unsigned long max,
                     unsigned long *out) {
  char *end;
  errno = 0;
  unsigned long n = strtoul(val, &end, 10);
  if (errno || *end || end == val || n > max || val[0] == '-') {
    cli_usage_error("serve", "%s wants a number 0..%lu (got '%s')", opt, max, val);
    return -1;
  }
  *out = n;
  return 0;
}

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

static int serve_parse(int argc, char **argv, serve_cli *c) {
  static const struct option longs[] = {
      {"db", required_argument, NULL, 'd'},
      {"store", required_argument, NULL, 'S'},
      {"listen", required_argument, NULL, 'l'},
      {"max-frame", required_argument, NULL, 'F'},
      {"max-pending", required_argument, NULL, 'P'},
      {"max-connections", required_argument, NULL, 'C'},
      {"idle-timeout", required_argument, NULL, 'I'},
      {"log-level", required_argument, NULL, 'L'},
      {"token-file", required_argument, NULL, 'T'},
      {"tls-cert", required_argument, NULL, 'c'},
      {"tls-key", required_argument, NULL, 'k'},
      {"tls-client-ca", required_argument, NULL, 'a'},
      {"config", required_argument, NULL, 'f'},
      {"check-config", no_argument, NULL, 'K'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  optind = 1;
  opterr = 0;
  int ch;
  unsigned long n;
  while ((ch = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
    switch (ch) {
      case 'd': c->opt.db_path = optarg; break;
      case 'S':
        if (!*optarg) return cli_usage_error("serve", "--store needs a URL or path");
        set_store(c, optarg);
        break;
      case 'l':
        if (c->opt.listen_count == MAX_LISTEN)
          return cli_usage_error("serve", "at most %d --listen", MAX_LISTEN);
        c->listen[c->opt.listen_count++] = optarg;
        break;
      case 'F':
        if (parse_num("--max-frame", optarg, 64ul << 20, &n)) return -1;
        c->opt.max_frame = n;
        break;
      case 'P':
        if (parse_num("--max-pending", optarg, 4096, &n)) return -1;
        c->opt.max_pending = n << 20;
        break;
      case 'C':
        if (parse_num("--max-connections", optarg, 65536, &n)) return -1;
        c->opt.max_connections = (unsigned)n;
        break;
      case 'I':
        if (parse_num("--idle-timeout", optarg, 86400, &n)) return -1;
        c->opt.idle_timeout = (unsigned)n;
        break;
      case 'L':
        if (parse_level(optarg, &c->opt.log_level)) return -1;
        break;
      case 'T':
        if (read_token(optarg, c->token, sizeof c->token)) return -1;
        c->opt.token = c->token;
        break;
      case 'c': c->opt.tls_cert = optarg; break;
      case 'k': c->opt.tls_key = optarg; break;
      case 'a': c->opt.tls_client_ca = optarg; break;
      case 'f': c->opt.config_path = optarg; break;
      case 'K': c->check_config = 1; break;
      case 'h': serve_help(); return -2;
      default:
        return cli_usage_error("serve", "unknown option or missing value: '%s'",
                               argv[optind - 1]);
    }
  }
  if (optind < argc)
    return cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
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
