/*
** The ClickHouse store backend's parts (lib/store/clickhouse_*.c): the URL,
** the HTTP client over libcurl, the schema, the row writer/reader and the
** local spool. clickhouse_backend.c ties them into store_clickhouse_ops.
**
** Must never: put a value into SQL other than through ch_sql_string (the
** string-literal escaping of ClickHouse) or a number printed here, or
** build a URL from anything but validated host names, ports, identifiers
** and curl-escaped text.
*/
#ifndef FL_STORE_CLICKHOUSE_INTERNAL_H
#define FL_STORE_CLICKHOUSE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/fl_buf.h"
#include "faultline/store_backend.h"
#include "faultline/typed.h"

enum { CH_MAX_HOSTS = 8, CH_NAME_MAX = 64 };

typedef struct ch_url {
  int https;
  char user[128], password[256];
  char hosts[CH_MAX_HOSTS][262]; /* "host:port" (validated) */
  size_t host_count;
  char db[CH_NAME_MAX];           /* identifier */
  char cluster[CH_NAME_MAX];      /* identifier or "" (no Distributed) */
  char spool[512];                /* directory, or "" (no spool) */
  uint64_t spool_max;             /* bytes */
  uint64_t read_rows;             /* rows one sorted read asks for at most */
} ch_url;

/* Parses a clickhouse:// or clickhouses:// URL (store_backends.def has its
** form); user/password from FAULTLINE_CH_USER / FAULTLINE_CH_PASSWORD when
** the URL has none; spool from ?spool=, else FAULTLINE_CH_SPOOL, else
** ./faultline-spool (writable opens only). FL_EUSAGE when malformed. */
fl_status ch_url_parse(const char *spec, ch_url *u, fl_error *err);
/* 1 when s is a ClickHouse identifier faultline accepts ([A-Za-z_][A-Za-z0-9_]*). */
int ch_identifier_ok(const char *s);

/* ---- HTTP (clickhouse_http.c) ---- */
typedef struct ch_http ch_http;
/* Response bytes of a SELECT as they arrive; non-zero stops the transfer. */
typedef int (*ch_data_fn)(const char *p, size_t n, void *user);

fl_status ch_http_new(const ch_url *u, ch_http **out, fl_error *err);
void ch_http_free(ch_http *h);
/* Runs one statement on host i (the SQL is the POST body). fn may be NULL
** (DDL). *transient = 1 when the failure may pass (no connection, a shard
** down, a timeout): worth spooling and retrying. */
fl_status ch_http_run(ch_http *h, size_t host, const char *sql, ch_data_fn fn,
                      void *user, int *transient, fl_error *err);
/* Response bytes cut into lines: fn gets each whole line (without '\n',
** NUL-terminated in place); a partial line stays in `line` for the next
** bytes. Non-zero (fn's, or a failed growth) stops. */
typedef int (*ch_line_fn)(char *line, size_t len, void *user);
int ch_lines_feed(fl_buf *line, const char *p, size_t n, ch_line_fn fn, void *user);
/* Runs a SELECT (settings, URL-safe, in the URL; "" none) on the first node
** that answers, trying from *host on (*host gets the one that did). A node
** out of reach is passed over while *used (the caller's count of what it
** took from the answer, advanced by fn) is 0; line, the caller's partial
** line, is emptied before each try. */
fl_status ch_http_select(ch_http *h, size_t *host, const char *settings, const char *sql,
                         ch_data_fn fn, void *user, fl_buf *line, const uint64_t *used,
                         fl_error *err);
/* INSERT INTO db.table FORMAT JSONEachRow with a gzip body on host i;
** settings ("insert_distributed_sync=1" or "") go in the URL. */
fl_status ch_http_insert(ch_http *h, size_t host, const char *table,
                         const char *settings, const void *gz, size_t n,
                         int *transient, fl_error *err);

/* A ClickHouse string literal of n bytes of s, quoted: \ ' and control
** bytes escaped, so no value can end the literal. */
void ch_sql_string(fl_buf *b, const char *s, size_t n);
/* JSON string for a JSONEachRow body: " \ and control bytes escaped, other
** bytes as they are (ClickHouse keeps them; invalid UTF-8 round-trips). */
void ch_json_string(fl_buf *b, const char *s, size_t n);
/* gzip (RFC 1952) of n bytes into out (reset first). -1 on failure. */
int ch_gzip(fl_buf *out, const void *p, size_t n);

/* ---- schema (clickhouse_schema.c) ---- */
/* Creates the database, tables and (with a cluster) Distributed tables on
** every host of u, applying the migrations a host lacks. *transient: the
** failure was a node out of reach. */
fl_status ch_schema_ensure(ch_http *h, const ch_url *u, int *transient,
                           fl_error *err);
/* The table faultline reads and writes ("events"/"sources": Distributed
** with a cluster, the MergeTree table without) and the local one on each
** node ("events_local" with a cluster). */
const char *ch_table_local(const ch_url *u, const char *table, char *buf,
                           size_t cap);

/* ---- rows (clickhouse_rows.c) ---- */
/* Appends one JSONEachRow line of an event: the typed columns
** (typed_columns.def) plus day, key, file, ord, kind, source, data. */
void ch_row_event(fl_buf *b, const fl_typed_event *t, const char *key,
                  const char *file, uint64_t ord, const char *data,
                  size_t data_len);
/* The SELECT list of the typed columns, in the reader's order. */
void ch_row_select_list(fl_buf *b);
/* The number of fields ch_row_select_list names. */
size_t ch_row_field_count(void);
typedef struct ch_field {
  const char *p; /* NULL: \N */
  size_t n;
} ch_field;
/* Splits one TabSeparated line (without its newline) in place, unescaping;
** fields gets up to cap fields; returns how many, or -1 when malformed. */
long ch_tsv_split(char *line, size_t n, ch_field *fields, size_t cap);
/* Fills t from the fields of a ch_row_select_list row (strings point into
** the line). Returns the index of the first field after the typed ones. */
size_t ch_row_to_typed(const ch_field *f, fl_typed_event *t);

/* ---- a caller's SELECT (clickhouse_sql.c) ---- */
/* Runs sql read-only on the first node that answers (from *host on; *host
** gets the one that did) and prints its rows as fmt, at most limit (0: all);
** timeout_ms (0: none) becomes ClickHouse's max_execution_time. FL_ELIMIT
** when that stopped it, FL_EIO when ClickHouse refused or failed it. */
fl_status ch_sql_print(ch_http *h, const ch_url *u, size_t *host, const char *sql,
                       fl_store_format fmt, uint64_t limit, uint64_t timeout_ms,
                       FILE *out, uint64_t *rows, fl_error *err);
/* The printing of ch_sql_print over a whole TabSeparatedWithNamesAndTypes
** result in memory (tests and the fuzz target). */
fl_status ch_sql_result_print(const char *data, size_t n, fl_store_format fmt,
                              uint64_t limit, FILE *out, uint64_t *rows, fl_error *err);

/* ---- spool (clickhouse_spool.c) ---- */
typedef struct ch_spool {
  char dir[512];
  uint64_t max_bytes;
  int warned;
} ch_spool;
/* The spooled batch's bytes (gzip JSONEachRow) and table ("events",
** "sources"); returns 0 when sent, non-zero to stop the replay. */
typedef int (*ch_spool_send_fn)(const char *table, const void *gz, size_t n,
                                void *user);
/* Creates the directory (0700) when missing. */
fl_status ch_spool_init(ch_spool *sp, const char *dir, uint64_t max_bytes,
                        fl_error *err);
/* Appends a batch (durably: written, fsync'd, renamed). FL_ELIMIT when the
** spool would pass its bound. *near = 1 when it is now past 80 % of it. */
fl_status ch_spool_put(ch_spool *sp, const char *table, const void *gz,
                       size_t n, int *near, fl_error *err);
/* Sends the spooled batches oldest first, deleting each once sent; stops at
** the first that send refuses. *left gets the batches still spooled. */
fl_status ch_spool_replay(ch_spool *sp, ch_spool_send_fn send, void *user,
                          uint64_t *left, fl_error *err);
/* Batches spooled now. */
uint64_t ch_spool_count(const ch_spool *sp);

#endif
