/*
** EVTX writer: file and chunk layout. Opens the output, fills 64 KiB chunks
** with event records (template instance + substitution values), closes
** chunks with their CRCs, writes the file header last, and applies the
** damage options (dirty flag, stale chunk count, truncated tail, corrupt
** chunk, records left in slack).
**
** It must never malloc per record (the chunk buffer and all scratch live in
** the writer) and must never leave half a record in a chunk: a record that
** does not fit or fails is rolled back and retried in a fresh chunk.
*/
#include "evtx_writer/evtx_writer_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/fl_crc32.h"
#include "common/fl_error.h"

static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }

static void chunk_start(fl_evtx_writer *w) {
  memset(w->chunk, 0, FL_EVTX_CHUNK_SIZE);
  w->epoch++;
  w->free_off = FL_EVTX_CHUNK_HEADER_SIZE;
  w->last_off = 0;
  w->chunk_nrecords = 0;
  w->chunk_first_id = w->next_id;
  w->chunk_last_id = 0;
}

/* Leaves the last slack_records records of the chunk after its free-space
** offset, as deleted records are in real files. */
static void chunk_apply_slack(fl_evtx_writer *w) {
  uint32_t k = w->opt.slack_records;
  if (!k || w->chunk_nrecords <= k) return;
  const fl_evtx_w_snap *s = &w->snaps[(w->chunk_nrecords - k) % k];
  w->free_off = s->free_off;
  w->last_off = s->last_off;
  w->chunk_last_id = s->last_id;
  memcpy(w->chunk + FL_EVTX_CH_STRING_TABLE, s->tables, sizeof s->tables);
  w->live_records -= k;
  w->slack_records += k;
  w->chunk_nrecords = s->nrecords;
}

static void chunk_header(fl_evtx_writer *w) {
  uint8_t *h = w->chunk;
  memcpy(h, FL_EVTX_CHUNK_MAGIC, 8);
  put64(h + FL_EVTX_CH_FIRST_RECORD_NUMBER, w->chunk_first_id);
  put64(h + FL_EVTX_CH_LAST_RECORD_NUMBER, w->chunk_last_id);
  put64(h + FL_EVTX_CH_FIRST_RECORD_ID, w->chunk_first_id);
  put64(h + FL_EVTX_CH_LAST_RECORD_ID, w->chunk_last_id);
  put32(h + FL_EVTX_CH_HEADER_SIZE, 128);
  put32(h + FL_EVTX_CH_LAST_RECORD_OFFSET, w->last_off);
  put32(h + FL_EVTX_CH_FREE_SPACE_OFFSET, w->free_off);
  put32(h + FL_EVTX_CH_RECORDS_CHECKSUM,
        fl_crc32(0, h + FL_EVTX_CHUNK_HEADER_SIZE,
                 w->free_off - FL_EVTX_CHUNK_HEADER_SIZE));
  put32(h + FL_EVTX_CH_FLAGS, 0);
  uint32_t crc = fl_crc32(0, h, FL_EVTX_CH_FLAGS);
  crc = fl_crc32(crc, h + FL_EVTX_CH_STRING_TABLE,
                 FL_EVTX_CHUNK_HEADER_SIZE - FL_EVTX_CH_STRING_TABLE);
  put32(h + FL_EVTX_CH_HEADER_CHECKSUM, crc);
  if (w->opt.corrupt && w->nchunks == w->opt.corrupt_chunk) {
    if (w->opt.corrupt == FL_EVTX_W_CORRUPT_MAGIC) memcpy(h, "ElfChnX", 8);
    if (w->opt.corrupt == FL_EVTX_W_CORRUPT_HEADER_CRC)
      put32(h + FL_EVTX_CH_HEADER_CHECKSUM, ~crc);
    if (w->opt.corrupt == FL_EVTX_W_CORRUPT_DATA_CRC) { /* header stays valid */
      h[FL_EVTX_CH_RECORDS_CHECKSUM] ^= 0x5a;
      crc = fl_crc32(fl_crc32(0, h, FL_EVTX_CH_FLAGS), h + FL_EVTX_CH_STRING_TABLE,
                     FL_EVTX_CHUNK_HEADER_SIZE - FL_EVTX_CH_STRING_TABLE);
      put32(h + FL_EVTX_CH_HEADER_CHECKSUM, crc);
    }
  }
}

/* Writes the current chunk out, if it holds any record. */
static fl_status chunk_flush(fl_evtx_writer *w, fl_error *err) {
  if (!w->chunk_nrecords) return FL_OK;
  chunk_apply_slack(w);
  chunk_header(w);
  if (w->nchunks >= w->chunk_ids_cap) {
    uint64_t cap = w->chunk_ids_cap ? w->chunk_ids_cap * 2 : 64;
    uint64_t *p = realloc(w->chunk_first_ids, cap * sizeof *p);
    if (!p) return fl_error_at(err, FL_ENOMEM, w->name, w->bytes, "out of memory");
    w->chunk_first_ids = p;
    w->chunk_ids_cap = cap;
  }
  w->chunk_first_ids[w->nchunks] = w->chunk_first_id;
  if (fwrite(w->chunk, FL_EVTX_CHUNK_SIZE, 1, w->fp) != 1)
    return fl_error_at(err, FL_EIO, w->name, w->bytes, "write failed: %s",
                       strerror(errno));
  w->nchunks++;
  w->bytes += FL_EVTX_CHUNK_SIZE;
  chunk_start(w);
  return FL_OK;
}

/* The System values of ev, then its fields, into w->vals. */
static fl_status fill_values(fl_evtx_writer *w, const fl_evtx_w_event *ev,
                             const fl_evtx_w_template *t, fl_error *err) {
  fl_evtx_w_value *v = w->vals;
  memset(v, 0, FL_EVTX_W_S_COUNT * sizeof *v);
#define SET(slot, ty, field, val) \
  (v[slot].type = (ty), v[slot].v.field = (val))
  SET(FL_EVTX_W_S_LEVEL, FL_EVTX_W_UINT8, u, ev->level);
  SET(FL_EVTX_W_S_OPCODE, FL_EVTX_W_UINT8, u, ev->opcode);
  SET(FL_EVTX_W_S_TASK, FL_EVTX_W_UINT16, u, ev->task);
  SET(FL_EVTX_W_S_EVENTID, FL_EVTX_W_UINT16, u, ev->event_id);
  SET(FL_EVTX_W_S_QUALIFIERS, FL_EVTX_W_UINT16, u, ev->qualifiers);
  v[FL_EVTX_W_S_QUALIFIERS].is_null = !ev->has_qualifiers;
  SET(FL_EVTX_W_S_KEYWORDS, FL_EVTX_W_HEXINT64, u, ev->keywords);
  SET(FL_EVTX_W_S_TIMECREATED, FL_EVTX_W_FILETIME, u, ev->time_created);
  v[FL_EVTX_W_S_ACTIVITYID].type = FL_EVTX_W_GUID;
  v[FL_EVTX_W_S_ACTIVITYID].is_null = !ev->activity_id;
  if (ev->activity_id) v[FL_EVTX_W_S_ACTIVITYID].v.guid = *ev->activity_id;
  SET(FL_EVTX_W_S_PROCESSID, FL_EVTX_W_UINT32, u, ev->process_id);
  SET(FL_EVTX_W_S_THREADID, FL_EVTX_W_UINT32, u, ev->thread_id);
  SET(FL_EVTX_W_S_RECORDID, FL_EVTX_W_UINT64, u, w->next_id);
  SET(FL_EVTX_W_S_VERSION, FL_EVTX_W_UINT8, u, ev->version);
  v[FL_EVTX_W_S_USERID].type = FL_EVTX_W_SID;
  v[FL_EVTX_W_S_USERID].is_null = !ev->user_sid;
  if (ev->user_sid) v[FL_EVTX_W_S_USERID].v.sid = *ev->user_sid;
  v[FL_EVTX_W_S_RELATEDACTIVITYID].type = FL_EVTX_W_GUID;
  v[FL_EVTX_W_S_RELATEDACTIVITYID].is_null = 1;
  SET(FL_EVTX_W_S_PROVIDER_NAME, FL_EVTX_W_STRING, str, ev->provider_name);
  v[FL_EVTX_W_S_PROVIDER_GUID].type = FL_EVTX_W_GUID;
  v[FL_EVTX_W_S_PROVIDER_GUID].is_null = !ev->provider_guid;
  if (ev->provider_guid) v[FL_EVTX_W_S_PROVIDER_GUID].v.guid = *ev->provider_guid;
  SET(FL_EVTX_W_S_CHANNEL, FL_EVTX_W_STRING, str, ev->channel);
  SET(FL_EVTX_W_S_COMPUTER, FL_EVTX_W_STRING, str, ev->computer);
#undef SET
  uint32_t n = FL_EVTX_W_S_COUNT;
  for (size_t k = 0; k < ev->field_count; k++) v[n++] = ev->fields[k].value;
  if (n < t->nsubs) { /* classic <Binary> */
    v[n].type = FL_EVTX_W_BINARY;
    v[n].is_null = 0;
    v[n].v.bin.data = ev->binary;
    v[n].v.bin.len = ev->binary_len;
    n++;
  }
  for (uint32_t k = 0; k < n; k++)
    if (fl_evtx_w_value_size(&v[k]) < 0)
      return fl_error_at(err, FL_ELIMIT, w->name, w->bytes + w->free_off,
                         "event %u: value %u too large or of unknown type",
                         ev->event_id, k);
  return FL_OK;
}

/* Template instance: reference (and definition on first use in the chunk),
** value descriptors, values. */
static void put_instance(fl_evtx_writer *w, fl_evtx_w_cur *c,
                         fl_evtx_w_template *t) {
  uint32_t id;
  memcpy(&id, t->guid, 4);
  fl_evtx_w_u8(c, FL_BXML_TEMPLATE_INSTANCE);
  fl_evtx_w_u8(c, 1);
  fl_evtx_w_u32(c, id);
  if (t->epoch == w->epoch) {
    fl_evtx_w_u32(c, t->def_off);
  } else {
    fl_evtx_w_u32(c, c->pos + 4);
    fl_evtx_w_template_def(w, c, t);
  }
  fl_evtx_w_u32(c, t->nsubs);
  uint32_t desc = c->pos;
  if (c->bad || 4u * t->nsubs > c->cap - c->pos) {
    c->bad = 1;
    return;
  }
  c->pos += 4u * t->nsubs;
  for (uint32_t k = 0; k < t->nsubs; k++) {
    const fl_evtx_w_value *v = &w->vals[k];
    uint32_t start = c->pos;
    fl_evtx_w_value_put(c, v);
    uint8_t d[4] = {0, 0, v->is_null ? FL_VT_NULL : (uint8_t)v->type, 0};
    put16(d, (uint16_t)(c->pos - start));
    if (!c->bad) memcpy(c->buf + desc + 4 * k, d, 4);
  }
}

/* Writes one record at the free offset; returns 0 if it fit. */
static int put_record(fl_evtx_writer *w, const fl_evtx_w_event *ev,
                      fl_evtx_w_template *t) {
  fl_evtx_w_cur c = {w->chunk, w->free_off, FL_EVTX_W_CHUNK_USABLE, 0};
  w->rec_nnames = 0;
  w->rec_tpl = NULL;
  w->rec_tables_saved = 0;
  fl_evtx_w_u32(&c, FL_EVTX_RECORD_MAGIC);
  fl_evtx_w_u32(&c, 0);
  fl_evtx_w_u64(&c, w->next_id);
  fl_evtx_w_u64(&c, ev->time_created);
  static const uint8_t frag[4] = {FL_BXML_FRAGMENT_HEADER, 1, 1, 0};
  fl_evtx_w_put(&c, frag, 4);
  if (ev->no_template || w->opt.template_less)
    fl_evtx_w_template_inline(w, &c, t, w->vals);
  else {
    put_instance(w, &c, t);
    fl_evtx_w_u8(&c, FL_BXML_EOF);
  }
  while (!c.bad && (c.pos - w->free_off + 4) % 8) /* 8-byte multiples */
    fl_evtx_w_u8(&c, 0);
  uint32_t size = c.pos - w->free_off + 4;
  fl_evtx_w_u32(&c, size);
  fl_evtx_w_patch32(&c, w->free_off + 4, size);
  if (!c.bad) return 0;
  /* roll back what the record defined in this chunk */
  for (uint32_t k = 0; k < w->rec_nnames; k++)
    w->names[w->rec_names[k]].epoch = 0;
  if (w->rec_tpl) w->rec_tpl->epoch = 0;
  if (w->rec_tables_saved)
    memcpy(w->chunk + FL_EVTX_CH_STRING_TABLE, w->rec_tables,
           sizeof w->rec_tables);
  memset(w->chunk + w->free_off, 0, FL_EVTX_CHUNK_SIZE - w->free_off);
  return -1;
}

static void commit_record(fl_evtx_writer *w) {
  if (w->opt.slack_records) {
    fl_evtx_w_snap *s =
        &w->snaps[w->chunk_nrecords % w->opt.slack_records];
    s->free_off = w->free_off;
    s->last_off = w->last_off;
    s->nrecords = w->chunk_nrecords;
    s->last_id = w->chunk_last_id;
    /* the state before this record: put_record saved the tables it changed */
    memcpy(s->tables,
           w->rec_tables_saved ? w->rec_tables
                               : w->chunk + FL_EVTX_CH_STRING_TABLE,
           sizeof s->tables);
  }
  w->last_off = w->free_off;
  w->free_off += fl_le32(w->chunk + w->free_off + 4);
  w->chunk_last_id = w->next_id;
  w->chunk_nrecords++;
  w->last_id = w->next_id++;
  w->live_records++;
}

fl_status fl_evtx_writer_add(fl_evtx_writer *w, const fl_evtx_w_event *ev,
                             fl_error *err) {
  if (!w || !ev || !ev->provider_name || !ev->channel || !ev->computer ||
      (ev->field_count && !ev->fields) || ev->body > FL_EVTX_W_BODY_NONE)
    return fl_error_at(err, FL_EUSAGE, w ? w->name : "", 0,
                       "event needs provider_name, channel and computer");
  fl_evtx_w_template *t;
  fl_status st = fl_evtx_w_template_for(w, ev, &t, err);
  if (st != FL_OK) return st;
  if ((st = fill_values(w, ev, t, err)) != FL_OK) return st;
  if (put_record(w, ev, t) == 0) {
    commit_record(w);
    return FL_OK;
  }
  int fresh = w->chunk_nrecords == 0;
  if (!fresh && (st = chunk_flush(w, err)) != FL_OK) return st;
  if (!fresh && put_record(w, ev, t) == 0) {
    commit_record(w);
    return FL_OK;
  }
  chunk_start(w); /* forget what the failed record defined */
  return fl_error_at(err, FL_ELIMIT, w->name, w->bytes,
                     "event %u does not fit in one 64 KiB chunk",
                     ev->event_id);
}

void fl_evtx_writer_get_stats(const fl_evtx_writer *w,
                              fl_evtx_writer_stats *out) {
  memset(out, 0, sizeof *out);
  if (!w) return;
  out->records = w->live_records;
  out->slack_records = w->slack_records;
  out->chunks = w->nchunks;
  out->templates = w->ntpls;
  out->next_record_id = w->next_id;
  out->last_record_id = w->last_id;
  out->bytes = w->bytes;
}

static fl_status open_common(fl_evtx_writer *w, const fl_evtx_writer_options *o,
                             fl_error *err) {
  if (o) w->opt = *o;
  if (!w->opt.minor_version) w->opt.minor_version = 1;
  if (!w->opt.first_record_id) w->opt.first_record_id = 1;
  if (w->opt.minor_version > 2)
    return fl_error_at(err, FL_EUSAGE, w->name, 0, "minor_version is 1 or 2");
  if (w->opt.slack_records > FL_EVTX_W_MAX_SLACK)
    return fl_error_at(err, FL_EUSAGE, w->name, 0,
                       "slack_records is at most %d", FL_EVTX_W_MAX_SLACK);
  w->next_id = w->opt.first_record_id;
  w->chunk = malloc(FL_EVTX_CHUNK_SIZE);
  if (!w->chunk) return fl_error_at(err, FL_ENOMEM, w->name, 0, "out of memory");
  chunk_start(w);
  static const uint8_t zero[FL_EVTX_FILE_HEADER_BLOCK];
  if (fseeko(w->fp, 0, SEEK_SET) != 0 ||
      fwrite(zero, sizeof zero, 1, w->fp) != 1)
    return fl_error_at(err, FL_EIO, w->name, 0,
                       "cannot write (output must be a seekable file): %s",
                       strerror(errno));
  w->bytes = FL_EVTX_FILE_HEADER_BLOCK;
  return FL_OK;
}

static void writer_free(fl_evtx_writer *w) {
  if (!w) return;
  fl_evtx_w_templates_free(w);
  free(w->chunk);
  free(w->chunk_first_ids);
  free(w->key);
  free(w->vals);
  free(w->rec_names);
  if (w->own_fp && w->fp) fclose(w->fp);
  free(w);
}

static fl_status open_fp(FILE *fp, int own_fp, const char *name,
                         const fl_evtx_writer_options *opts,
                         fl_evtx_writer **out, fl_error *err) {
  *out = NULL;
  if (!fp) return fl_error_at(err, FL_EUSAGE, name, 0, "no output file");
  fl_evtx_writer *w = calloc(1, sizeof *w);
  if (!w) {
    if (own_fp) fclose(fp);
    return fl_error_at(err, FL_ENOMEM, name, 0, "out of memory");
  }
  w->fp = fp;
  w->own_fp = own_fp;
  snprintf(w->name, sizeof w->name, "%s", name ? name : "<evtx>");
  fl_status st = open_common(w, opts, err);
  if (st != FL_OK) {
    writer_free(w); /* closes fp when owned */
    return st;
  }
  *out = w;
  return FL_OK;
}

fl_status fl_evtx_writer_open_file(FILE *fp, const char *name,
                                   const fl_evtx_writer_options *opts,
                                   fl_evtx_writer **out, fl_error *err) {
  return open_fp(fp, 0, name, opts, out, err);
}

fl_status fl_evtx_writer_open(const char *path,
                              const fl_evtx_writer_options *opts,
                              fl_evtx_writer **out, fl_error *err) {
  *out = NULL;
  FILE *fp = path ? fopen(path, "w+b") : NULL;
  if (!fp)
    return fl_error_at(err, FL_EIO, path ? path : "", 0, "cannot create: %s",
                       path ? strerror(errno) : "no path");
  return open_fp(fp, 1, path, opts, out, err);
}

/* The file header; with header_chunk_delta it is stale, as if written when
** the file had that many chunks more or fewer. */
static void file_header(const fl_evtx_writer *w, uint8_t *h) {
  int64_t claimed = (int64_t)w->nchunks + w->opt.header_chunk_delta;
  if (claimed < 0) claimed = 0;
  uint64_t next = w->next_id;
  if ((uint64_t)claimed < w->nchunks) next = w->chunk_first_ids[claimed];
  memcpy(h, FL_EVTX_FILE_MAGIC, 8);
  put64(h + FL_EVTX_FH_FIRST_CHUNK, 0);
  put64(h + FL_EVTX_FH_LAST_CHUNK, claimed ? (uint64_t)claimed - 1 : 0);
  put64(h + FL_EVTX_FH_NEXT_RECORD_ID, next);
  put32(h + FL_EVTX_FH_HEADER_SIZE, FL_EVTX_FILE_HEADER_SIZE);
  put16(h + FL_EVTX_FH_MINOR_VERSION, w->opt.minor_version);
  put16(h + FL_EVTX_FH_MAJOR_VERSION, 3);
  put16(h + FL_EVTX_FH_BLOCK_SIZE, FL_EVTX_FILE_HEADER_BLOCK);
  put16(h + FL_EVTX_FH_CHUNK_COUNT, (uint16_t)claimed); /* wraps, as Windows */
  put32(h + FL_EVTX_FH_FLAGS, w->opt.dirty ? FL_EVTX_FILE_FLAG_DIRTY : 0);
  put32(h + FL_EVTX_FH_CHECKSUM, fl_crc32(0, h, FL_EVTX_FH_FLAGS));
}

fl_status fl_evtx_writer_close(fl_evtx_writer *w, fl_error *err) {
  return fl_evtx_writer_finish(w, NULL, err);
}

fl_status fl_evtx_writer_finish(fl_evtx_writer *w, fl_evtx_writer_stats *stats,
                                fl_error *err) {
  if (!w) return FL_OK;
  fl_status st = chunk_flush(w, err);
  if (stats) fl_evtx_writer_get_stats(w, stats);
  uint8_t h[FL_EVTX_FILE_HEADER_SIZE] = {0};
  file_header(w, h);
  if (st == FL_OK && (fseeko(w->fp, 0, SEEK_SET) != 0 ||
                      fwrite(h, sizeof h, 1, w->fp) != 1 ||
                      fflush(w->fp) != 0))
    st = fl_error_at(err, FL_EIO, w->name, 0, "header write failed: %s",
                     strerror(errno));
  if (st == FL_OK && w->opt.truncate_tail) {
    uint64_t keep = w->opt.truncate_tail >= w->bytes
                        ? 0 : w->bytes - w->opt.truncate_tail;
    if (ftruncate(fileno(w->fp), (off_t)keep) != 0)
      st = fl_error_at(err, FL_EIO, w->name, keep, "truncate failed: %s",
                       strerror(errno));
  }
  if (st == FL_OK && w->own_fp) {
    int rc = fclose(w->fp);
    w->fp = NULL;
    if (rc != 0)
      st = fl_error_at(err, FL_EIO, w->name, w->bytes, "close failed: %s",
                       strerror(errno));
  }
  writer_free(w);
  return st;
}
