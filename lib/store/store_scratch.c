/*
** A scratch SQLite table that rows from elsewhere (another store backend's
** events, a ClickHouse result) pass through in chunks, so that SQLite's
** statements and faultline's row printer (store_output.c: escaping, text
** widths, CSV guards) format them exactly as they format stored rows. The
** caller binds `insert`, calls store_scratch_add per row; every CHUNK rows
** the `select` statement's rows are printed by one emitter and the table is
** emptied.
**
** Must never: hold more than one chunk of rows (the database is SQLite's
** private temporary file), print a chunk twice, or print rows once the
** emitter's limit is reached.
*/
#include <string.h>

#include "store/store_internal.h"

#define SCRATCH_CHUNK 512 /* rows per round (a round costs a DELETE) */

fl_status store_scratch_open(store_scratch *x, fl_store_format fmt, uint64_t limit,
                             FILE *out, fl_error *err) {
  memset(x, 0, sizeof x[0]);
  x->err = err;
  store_emitter_init(&x->out, fmt, limit, out);
  fl_status st = fl_store_open(NULL, FL_STORE_TEMPORARY, &x->db, err);
  if (st == FL_OK && sqlite3_exec(x->db->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
    st = store_db_error(x->db, err, FL_EIO, "opening the scratch database");
  return st;
}

fl_status store_scratch_prepare(store_scratch *x, const char *insert_sql,
                                const char *clear_sql) {
  if (sqlite3_prepare_v2(x->db->db, insert_sql, -1, &x->insert, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(x->db->db, clear_sql, -1, &x->clear, NULL) != SQLITE_OK)
    return x->st = store_db_error(x->db, x->err, FL_EIO, "preparing the scratch table");
  return FL_OK;
}

/* The select over the chunk in the table, printed; then the table emptied. */
static fl_status run_chunk(store_scratch *x) {
  sqlite3_reset(x->select);
  fl_status st = store_emitter_rows(&x->out, x->db, x->select, x->err);
  sqlite3_reset(x->select);
  if (st != FL_OK) return x->st = st;
  if (sqlite3_step(x->clear) != SQLITE_DONE)
    return x->st = store_db_error(x->db, x->err, FL_EIO, "clearing the scratch table");
  sqlite3_reset(x->clear);
  x->in_chunk = 0;
  return FL_OK;
}

int store_scratch_add(store_scratch *x) {
  if (sqlite3_step(x->insert) != SQLITE_DONE) {
    x->st = store_db_error(x->db, x->err, FL_EIO, "filling the scratch table");
    return 1;
  }
  sqlite3_reset(x->insert);
  if (++x->in_chunk >= SCRATCH_CHUNK && run_chunk(x) != FL_OK) return 1;
  return store_emitter_full(&x->out);
}

fl_status store_scratch_finish(store_scratch *x, fl_status read, uint64_t *rows) {
  fl_status st = x->st != FL_OK ? x->st : read; /* the scratch side stopped the read */
  /* the last chunk; also the only one when nothing came: the header */
  if (st == FL_OK && x->select && !store_emitter_full(&x->out)) st = run_chunk(x);
  fl_status end = store_emitter_end(&x->out, x->err);
  if (rows) *rows = x->out.rows;
  return st != FL_OK ? st : end;
}

void store_scratch_close(store_scratch *x) {
  sqlite3_finalize(x->insert);
  sqlite3_finalize(x->select);
  sqlite3_finalize(x->clear);
  fl_store_close(x->db);
  memset(x, 0, sizeof x[0]);
}
