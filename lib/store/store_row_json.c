/*
** fl_event_json(): a stored row's whole record, for the events_json view.
** SQLite 3.40 lets no JSON function run inside a view when the schema is
** not trusted (faultline never trusts it), so the view calls this
** innocuous function, which runs the JSON work as a statement of its own:
** the columns' object patched with the row's System members (null there
** deletes a key: the record did not have that field), then the values
** zipped with the layout's names. Two row forms exist (store_row.c):
**   schema 4+: names {"system":[keys],"data":[names]}, data [values]
**   schema 3:  names ["name", ...], data {"key":value, ..., "data":[values]}
** Arguments: names, provider, event_id, version, time, record_id, channel,
** host, data, then the columns of column_refs (a value stored as the
** integer k is column k's text).
**
** Must never: change what a written row decodes to (rows of both forms
** live in users' databases), or trust the row: a damaged `data` gives an
** SQL error or a partial object, never a crash.
*/
#include "store/store_internal.h"

#define COLUMNS_OBJECT \
  "json_object('provider', ?2, 'event_id', ?3, 'version', ?4," \
  " 'time_created', ?5, 'event_record_id', ?6, 'channel', ?7," \
  " 'computer', ?8)"
/* a value of the array v: an integer is a column reference */
#define VALUE_OF_V \
  "CASE v.type WHEN 'integer' THEN CASE v.value WHEN 0 THEN ?10 WHEN 1" \
  " THEN ?11 WHEN 2 THEN ?12 WHEN 3 THEN ?13 WHEN 4 THEN ?14 WHEN 5 THEN" \
  " ?15 WHEN 6 THEN ?16 WHEN 7 THEN ?17 WHEN 8 THEN ?18 WHEN 9 THEN ?19" \
  " WHEN 10 THEN ?20 WHEN 11 THEN ?21 END ELSE v.value END"

static const char schema4_sql[] =
    "SELECT json_set(json_patch(json_patch('{}', " COLUMNS_OBJECT "),"
    " (SELECT json_group_object(k.value, v.value) FROM json_each(?1,"
    " '$.system') k JOIN json_each(?9) v ON v.key = k.key)), '$.data',"
    " json((SELECT json_group_object(n.value, " VALUE_OF_V ")"
    " FROM json_each(?1, '$.data') n JOIN json_each(?9) v"
    " ON v.key = n.key + json_array_length(?1, '$.system'))))";

static const char schema3_sql[] =
    "SELECT json_set(json_patch(json_patch('{}', " COLUMNS_OBJECT "), ?9),"
    " '$.data', json((SELECT json_group_object(n.value, " VALUE_OF_V ")"
    " FROM json_each(?1) n JOIN json_each(?9, '$.data') v"
    " ON v.key = n.key)))";

void store_fn_event_json(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  if (argc != STORE_EVENT_JSON_ARGS) return;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) { /* the row has it all */
    sqlite3_result_value(ctx, argv[8]);
    return;
  }
  const unsigned char *names = sqlite3_value_text(argv[0]);
  int v4 = names && names[0] == '{';
  int which = v4 ? STMT_EVENT_JSON4 : STMT_EVENT_JSON3;
  /* prepared once per connection (finalized by fl_store_close); a call
  ** nested in another's statement gets one of its own */
  fl_store *s = sqlite3_user_data(ctx);
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  sqlite3_stmt *st = s->stmt[which], *own = NULL;
  if (!st || sqlite3_stmt_busy(st)) {
    if (sqlite3_prepare_v3(db, v4 ? schema4_sql : schema3_sql, -1,
                           SQLITE_PREPARE_PERSISTENT, &own, NULL) != SQLITE_OK) {
      sqlite3_result_error(ctx, "fl_event_json: cannot prepare", -1);
      return;
    }
    if (!st) s->stmt[which] = own, own = NULL;
    st = own ? own : s->stmt[which];
  }
  for (int i = 0; i < argc; i++) sqlite3_bind_value(st, i + 1, argv[i]);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) sqlite3_result_value(ctx, sqlite3_column_value(st, 0));
  else sqlite3_result_error(ctx, sqlite3_errmsg(db), -1);
  sqlite3_reset(st);
  sqlite3_finalize(own);
}
