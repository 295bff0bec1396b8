/*
** Text shaping for the store: appending to the growable buffer and the
** compact JSON rendering of a record kept in events.data. Escaping is the
** text toolkit's (lib/common/fl_text.h), the same for every output.
**
** Must never: put an attacker-controlled string into JSON except through
** fl_text_json, or allocate except to grow a buffer that is then reused.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

void store_buf_put(store_buf *b, const char *s, size_t n) { fl_buf_put(b, s, n); }

void store_buf_u64(store_buf *b, uint64_t v) {
  char tmp[24];
  size_t i = sizeof tmp;
  do {
    tmp[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  store_buf_put(b, tmp + i, sizeof tmp - i);
}

static void put_hex_escape(store_buf *b, const char *prefix, unsigned v,
                           int digits) {
  static const char hex[] = "0123456789abcdef";
  char tmp[8];
  store_buf_put(b, prefix, strlen(prefix));
  for (int i = digits - 1; i >= 0; i--) tmp[digits - 1 - i] = hex[(v >> (4 * i)) & 15];
  store_buf_put(b, tmp, (size_t)digits);
}

static void json_key(store_buf *b, const char *key, int *first) {
  size_t n = strlen(key); /* a literal: the compiler folds it */
  if (fl_buf_reserve(b, n + 4)) return;
  char *o = b->p + b->len;
  if (!*first) *o++ = ',';
  *first = 0;
  *o++ = '"';
  for (size_t i = 0; i < n; i++) *o++ = key[i];
  *o++ = '"';
  *o++ = ':';
  b->len = (size_t)(o - b->p);
}

static void json_num(store_buf *b, const char *key, uint64_t v, int *first) {
  json_key(b, key, first);
  store_buf_u64(b, v);
}

static void json_text(store_buf *b, const char *key, fl_evtx_str v, int *first) {
  if (!v.ptr) return;
  json_key(b, key, first);
  fl_text_json(b, v.ptr, v.len, 0);
}

/* Hex text: 64 bits do not fit a JSON number a double reads. */
void store_buf_keywords(store_buf *b, uint64_t kw) {
  put_hex_escape(b, "\"0x", (unsigned)(kw >> 32), 8);
  put_hex_escape(b, "", (unsigned)kw, 8);
  store_buf_putc(b, '"');
}

static void json_keywords(store_buf *b, uint64_t kw, int *first) {
  json_key(b, "keywords", first);
  store_buf_keywords(b, kw);
}

fl_evtx_str store_value_name(const fl_evtx_event *r, size_t i, char tmp[24]) {
  fl_evtx_str n = r->data[i].name;
  if (!n.len) { /* classic <Data> without a name: its position */
    int k = snprintf(tmp, 24, "#%zu", i);
    n.ptr = tmp;
    n.len = (size_t)k;
  }
  return n;
}

void store_buf_value_name(store_buf *b, const fl_evtx_event *r, size_t i) {
  char tmp[24];
  fl_evtx_str n = store_value_name(r, i, tmp);
  fl_text_json(b, n.ptr, n.len, 0);
}

static void render_data(store_buf *b, const fl_evtx_event *r) {
  store_buf_putc(b, '{');
  for (size_t i = 0; i < r->data_count; i++) {
    const fl_evtx_pair *d = &r->data[i];
    if (i) store_buf_putc(b, ',');
    store_buf_value_name(b, r, i);
    store_buf_putc(b, ':');
    fl_text_json(b, d->value.ptr ? d->value.ptr : "", d->value.len, 0);
  }
  store_buf_putc(b, '}');
}

void store_render_event_json(store_buf *b, const fl_evtx_event *r) {
  int first = 1;
  unsigned has = r->present;
  store_buf_putc(b, '{');
  json_text(b, "provider", r->provider_name, &first);
  json_text(b, "provider_guid", r->provider_guid, &first);
  json_text(b, "event_source", r->event_source_name, &first);
  if (has & FL_EVTX_HAS_EVENT_ID) json_num(b, "event_id", r->event_id, &first);
  if (has & FL_EVTX_HAS_QUALIFIERS) json_num(b, "qualifiers", r->qualifiers, &first);
  if (has & FL_EVTX_HAS_VERSION) json_num(b, "version", r->version, &first);
  if (has & FL_EVTX_HAS_LEVEL) json_num(b, "level", r->level, &first);
  if (has & FL_EVTX_HAS_TASK) json_num(b, "task", r->task, &first);
  if (has & FL_EVTX_HAS_OPCODE) json_num(b, "opcode", r->opcode, &first);
  if (has & FL_EVTX_HAS_KEYWORDS) json_keywords(b, r->keywords, &first);
  if (has & FL_EVTX_HAS_TIME_CREATED) json_num(b, "time_created", r->time_created, &first);
  if (has & FL_EVTX_HAS_EVENT_RECORD_ID) json_num(b, "event_record_id", r->event_record_id, &first);
  if (has & FL_EVTX_HAS_PROCESS_ID) json_num(b, "process_id", r->process_id, &first);
  if (has & FL_EVTX_HAS_THREAD_ID) json_num(b, "thread_id", r->thread_id, &first);
  json_text(b, "channel", r->channel, &first);
  json_text(b, "computer", r->computer, &first);
  json_text(b, "user_sid", r->user_sid, &first);
  json_text(b, "activity_id", r->activity_id, &first);
  json_text(b, "related_activity_id", r->related_activity_id, &first);
  if (r->recovered) json_num(b, "recovered", 1, &first);
  json_key(b, "data", &first);
  render_data(b, r);
  store_buf_putc(b, '}');
}
