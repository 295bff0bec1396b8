/*
** events_json (the view over the slim rows, lib/store/store_row.c) must
** give back every stored record's whole JSON: for generated files (all
** scenarios as EVTX and as netsh XML, whose records have no record id and no
** computer; three as event XML and JSON lines; hostile text throughout), each
** row of events_json is compared key by key with store_render_event_json() of
** the same record. Rows in the form schema 3 wrote (names an array, `data`
** an object) must decode the same: the first files' rows are rewritten into
** that form and compared again.
**
** Never writes outside a temporary directory.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faultline.h"
#include "harness.h"
#include "store/store_internal.h"

/* The full JSON of every in-scope record, in file order. */
typedef struct expected {
  char **json;
  size_t count, cap;
} expected;

static int collect(const fl_evtx_event *ev, void *user) {
  expected *e = user;
  fl_typed_event t;
  if (fl_catalog_type_event(ev, &t) != 1) return 0;
  if (e->count == e->cap) {
    size_t cap = e->cap ? e->cap * 2 : 256;
    char **j = realloc(e->json, cap * sizeof *j);
    if (!j) return 1;
    e->json = j;
    e->cap = cap;
  }
  store_buf b = {0};
  store_render_event_json(&b, ev);
  store_buf_putc(&b, '\0');
  e->json[e->count++] = b.p;
  return 0;
}

/* 1 when a and b are the same record: the same top-level keys, each with
** the same type and value, and the same "data" members in the same order
** (decoded: the view's JSON escapes differently, the text is the same). */
static int same_object(sqlite3_stmt *st, const char *a, const char *b) {
  sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
  int same = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
  sqlite3_reset(st);
  return same;
}

static const char same_sql[] =
    "SELECT (SELECT count(*) FROM json_each(?1)) ="
    " (SELECT count(*) FROM json_each(?2)) AND NOT EXISTS (SELECT 1 FROM"
    " json_each(?1) x WHERE x.key <> 'data' AND NOT EXISTS (SELECT 1 FROM"
    " json_each(?2) y WHERE y.key = x.key AND y.type = x.type AND"
    " y.value IS x.value)) AND (SELECT group_concat(key || char(1) || type"
    " || char(1) || ifnull(value, ''), char(2)) FROM json_each(?1, '$.data'))"
    " IS (SELECT group_concat(key || char(1) || type || char(1) ||"
    " ifnull(value, ''), char(2)) FROM json_each(?2, '$.data'))";

static int compare_one(const char *dbpath, expected *want) {
  sqlite3 *db = NULL;
  int ok = 1;
  size_t n = 0;
  /* faultline's functions are needed for the view: its own connection */
  fl_store *ro = NULL;
  fl_error err;
  if (fl_store_open(dbpath, FL_STORE_READONLY, &ro, &err) != FL_OK) return 0;
  sqlite3_open(":memory:", &db);
  sqlite3_stmt *st = NULL, *cmp = NULL;
  if (sqlite3_prepare_v2(db, same_sql, -1, &cmp, NULL) != SQLITE_OK) ok = 0;
  if (sqlite3_prepare_v2(ro->db, "SELECT json FROM events_json ORDER BY id",
                         -1, &st, NULL) != SQLITE_OK)
    ok = 0;
  while (ok && sqlite3_step(st) == SQLITE_ROW) {
    const char *got = (const char *)sqlite3_column_text(st, 0);
    if (n >= want->count || !got || !same_object(cmp, got, want->json[n])) {
      printf("  row %zu differs:\n  got  %s\n  want %s\n", n, got ? got : "(null)",
             n < want->count ? want->json[n] : "(none)");
      ok = 0;
    }
    n++;
  }
  sqlite3_finalize(st);
  sqlite3_finalize(cmp);
  sqlite3_close(db);
  fl_store_close(ro);
  return ok && n == want->count;
}

/* Rewrites every row with a layout into the form schema 3 wrote: names
** the plain array of value names, `data` an object of the System members
** plus "data": the values array. 1 when done. */
static int as_schema3(const char *dbpath) {
  static const char sql[] =
      "UPDATE events SET data = (SELECT json_set(json((SELECT"
      " json_group_object(k.value, v.value) FROM json_each(l.names,"
      " '$.system') k JOIN json_each(events.data) v ON v.key = k.key)),"
      " '$.data', json((SELECT json_group_array(v.value) FROM"
      " json_each(events.data) v WHERE v.key >= json_array_length(l.names,"
      " '$.system')))) FROM layouts l WHERE l.id = events.layout_id)"
      " WHERE layout_id IS NOT NULL;"
      "UPDATE layouts SET names = json_extract(names, '$.data');";
  sqlite3 *db = NULL;
  int ok = sqlite3_open(dbpath, &db) == SQLITE_OK &&
           sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK &&
           sqlite3_changes(db) > 0;
  if (!ok) printf("  as_schema3: %s\n", sqlite3_errmsg(db));
  sqlite3_close(db);
  return ok;
}

static void events_json_is_the_record(void) {
  char dir[] = "/tmp/fl-json-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  size_t rows = 0, files = 0;
  for (size_t i = 0; i < fl_gen_scenario_count(); i++) {
    for (int fmt = 0; fmt < FL_GEN_FORMAT_COUNT; fmt++) {
      /* every scenario as EVTX and netsh (no record id, no computer); the
      ** text forms (XML, JSONL and the rendered forms) read into the same
      ** records, so three scenarios do */
      if (fmt != FL_GEN_EVTX && fmt != FL_GEN_NETSH && i >= 3) continue;
      fl_gen_options o;
      memset(&o, 0, sizeof o);
      o.scenario = fl_gen_scenario_at(i)->name;
      o.seed = 3;
      o.size = 8u << 20; /* enough records of every kind, quickly */
      o.format = (fl_gen_format)fmt;
      o.hostile = 1;
      o.no_manifest = 1;
      char path[256], dbpath[256];
      snprintf(path, sizeof path, "%s/in.%d", dir, fmt);
      snprintf(dbpath, sizeof dbpath, "%s/x.db", dir);
      fl_error err;
      fl_gen_result res;
      if (fl_gen_run(&o, path, &res, &err) != FL_OK) {
        CHECK(0);
        continue;
      }
      expected want = {0};
      fl_evtx_options ro;
      memset(&ro, 0, sizeof ro);
      ro.threads = 1;
      ro.on_record = collect;
      ro.user = &want;
      fl_evtx_stats stats;
      fl_input_read(path, &ro, &stats, &err);
      fl_store *s = NULL;
      CHECK(fl_store_open(dbpath, 0, &s, &err) == FL_OK);
      fl_store_ingest_stats is;
      fl_store_ingest_options io;
      memset(&io, 0, sizeof io);
      if (s) CHECK(fl_store_ingest_file(s, path, &io, &is, &err) == FL_OK);
      /* the expectation is every in-scope record, duplicates included:
      ** only compare when nothing was a duplicate */
      if (s && is.duplicates == 0) {
        if (!compare_one(dbpath, &want)) {
          printf("  %s as %s\n", o.scenario, fl_gen_format_name(o.format));
          CHECK(0);
        }
        rows += want.count;
        files++;
        if (i == 0) { /* rows as schema 3 wrote them decode the same */
          CHECK(as_schema3(dbpath));
          if (!compare_one(dbpath, &want)) {
            printf("  %s as %s, schema-3 rows\n", o.scenario,
                   fl_gen_format_name(o.format));
            CHECK(0);
          }
        }
      }
      fl_store_close(s);
      for (size_t k = 0; k < want.count; k++) free(want.json[k]);
      free(want.json);
      unlink(path);
      th_remove_sqlite(dbpath);
    }
  }
  rmdir(dir);
  printf("  %zu files, %zu rows compared\n", files, rows);
  CHECK(files >= 30);
  CHECK(rows > 1000);
}

int main(void) {
  RUN(events_json_is_the_record);
  TEST_EXIT();
}
