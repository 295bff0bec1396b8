/*
** libFuzzer target for the EVTX reader: every input is treated as a whole
** .evtx file and read through fl_evtx_open_memory + fl_evtx_read several
** times, so one input exercises XML render with slack carving (--recover),
** JSON-lines render (inline and with the worker pool), and a filter
** evaluated before rendering with --strict CRC handling. Every string the
** reader hands out is read in full so ASan sees a bad pointer or length, and
** JSON lines are checked to be well-formed (the renderer promises that).
** Differential: the JSON-lines pass runs with the per-template plans (field
** plans, JSON plans) on and off, and the rendered bytes, diagnostics and
** every extracted field of every record must be the same (the plans promise
** to give exactly what the op-by-op replay gives).
**
** Must never: write files, read the environment, keep state between inputs
** (the result must depend on the bytes alone; the plan toggles are put back
** to 1 before returning), or abort on anything but a broken promise of the
** reader (a crash, a leak, malformed JSON, plans differing from op by op).
*/
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The umbrella header first: faultline/evtx.h alone does not compile when
** it is the first include (faultline.h includes it back, then typed.h). */
#include "faultline.h"
/* The plan toggles (fl_evtx_fields_plan_enabled, fl_evtx_json_plan_enabled)
** are internal: tests and this harness only. */
#include "evtx/evtx_internal.h"
#include "evtx_event_text.h" /* tests/: the same text the plan tests compare */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads every byte of a string the reader returned; the sum is kept so the
** loop is not optimised away. */
static unsigned fuzz_touch(fl_evtx_str s, unsigned acc) {
  if (s.len && !s.ptr) abort(); /* a length without bytes */
  for (size_t i = 0; i < s.len; i++) acc = acc * 31u + (uint8_t)s.ptr[i];
  return acc;
}

static volatile unsigned fuzz_sink;

/* What one read gave, kept for the plans-on / plans-off comparison (only
** by single-threaded reads: on_record runs on workers otherwise). */
typedef struct fuzz_json {
  int in_str, esc, hex, depth;
} fuzz_json;

typedef struct fuzz_out {
  fl_evtx_format format;
  fuzz_json json;
  unsigned acc;
  int keep;
  fl_buf output, events; /* JSONL + diagnostics; every field as text */
} fuzz_out;

static int fuzz_on_record(const fl_evtx_event *ev, void *user) {
  fuzz_out *o = user;
  if (o->keep) fl_test_event_text(&o->events, ev);
  unsigned acc = (unsigned)ev->event_id;
  const fl_evtx_str *fields[] = {
      &ev->provider_name, &ev->provider_guid, &ev->event_source_name,
      &ev->channel,       &ev->computer,      &ev->user_sid,
      &ev->activity_id,   &ev->related_activity_id, &ev->rendered};
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
    acc = fuzz_touch(*fields[i], acc);
  if (ev->data_count && !ev->data) abort();
  for (size_t i = 0; i < ev->data_count; i++) {
    acc = fuzz_touch(ev->data[i].name, acc);
    acc = fuzz_touch(ev->data[i].value, acc);
  }
  fuzz_sink += acc;
  return 0;
}

/* JSON-lines shape check: outside strings no control bytes but '\n', which
** must end a line at depth 0; inside strings no raw byte < 0x20 and only
** the escapes JSON allows. Objects and arrays balance on every line. */

static void fuzz_json_fail(const char *why, const char *buf, size_t at) {
  size_t from = at > 60 ? at - 60 : 0;
  fprintf(stderr, "fuzz_evtx: JSONL output malformed (%s) at byte %zu: %.*s\n",
          why, at, (int)(at - from + 1), buf + from);
  abort();
}

static void fuzz_json_scan(fuzz_json *j, const char *buf, size_t len) {
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)buf[i];
    if (j->in_str) {
      if (j->hex) {
        if (!((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')))
          fuzz_json_fail("bad \\u escape", buf, i);
        j->hex--;
      } else if (j->esc) {
        j->esc = 0;
        if (c == 'u') j->hex = 4;
        else if (!(c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' ||
                   c == 'n' || c == 'r' || c == 't'))
          fuzz_json_fail("bad escape", buf, i);
      } else if (c == '\\') {
        j->esc = 1;
      } else if (c == '"') {
        j->in_str = 0;
      } else if (c < 0x20) {
        fuzz_json_fail("raw control byte in string", buf, i);
      }
      continue;
    }
    if (c == '"') j->in_str = 1;
    else if (c == '{' || c == '[') j->depth++;
    else if (c == '}' || c == ']') {
      if (--j->depth < 0) fuzz_json_fail("unbalanced close", buf, i);
    } else if (c == '\n') {
      if (j->depth) fuzz_json_fail("line ends inside an object", buf, i);
    } else if (c < 0x20 && c != '\t' && c != '\r') {
      fuzz_json_fail("control byte outside string", buf, i);
    }
  }
}

static int fuzz_on_output(const char *buf, size_t len, void *user) {
  fuzz_out *o = user;
  fl_evtx_str s = {buf, len};
  o->acc = fuzz_touch(s, o->acc);
  if (o->keep) fl_evtx_buf_put(&o->output, buf, len);
  if (o->format == FL_EVTX_RENDER_JSONL) fuzz_json_scan(&o->json, buf, len);
  return 0;
}

static void fuzz_on_diag(const fl_evtx_diag *d, void *user) {
  fuzz_out *o = user;
  /* message is a fixed array; it must be NUL-terminated within it. */
  size_t n = 0;
  while (n < sizeof d->message && d->message[n]) n++;
  if (n == sizeof d->message) abort();
  if (o->keep) {
    char head[64];
    int k = snprintf(head, sizeof head, "\nDIAG %d %lld %llu ", (int)d->severity,
                     (long long)d->chunk, (unsigned long long)d->offset);
    fl_evtx_buf_put(&o->output, head, (size_t)k);
    fl_evtx_buf_put(&o->output, d->message, n);
  }
  o->acc += (unsigned)n + (unsigned)d->chunk;
}

/* Reads data with opt into out (out->keep: keeping what it gave); the
** read's status, or -1 when the file did not open. */
static int fuzz_read_into(const uint8_t *data, size_t size,
                          fl_evtx_options *opt, fuzz_out *out,
                          fl_evtx_stats *st) {
  fl_error err;
  fl_error_clear(&err);
  fl_evtx_file *f = NULL;
  if (fl_evtx_open_memory(data, size, "fuzz", &f, &err) != FL_OK) return -1;
  /* The header accessors must be safe on any file that opened. */
  fuzz_sink += (unsigned)fl_evtx_chunk_slots(f) + fl_evtx_header_chunk_count(f) +
               fl_evtx_version_major(f) + fl_evtx_version_minor(f);
  out->format = opt->format;
  opt->on_record = fuzz_on_record;
  opt->on_output = fuzz_on_output;
  opt->on_diag = fuzz_on_diag;
  opt->user = out;
  fl_status rc = fl_evtx_read(f, opt, st, &err);
  fl_evtx_close(f);
  if (rc == FL_ENOMEM) return (int)rc; /* -rss_limit_mb / malloc_limit did it */
  if (opt->format == FL_EVTX_RENDER_JSONL &&
      (out->json.in_str || out->json.depth)) {
    fprintf(stderr, "fuzz_evtx: JSONL output ends inside a string/object\n");
    abort();
  }
  if (st->records_matched > st->records + st->records_recovered) {
    fprintf(stderr, "fuzz_evtx: more records matched than read\n");
    abort();
  }
  fuzz_sink += out->acc;
  return (int)rc;
}

static void fuzz_read(const uint8_t *data, size_t size, fl_evtx_options *opt) {
  fuzz_out out;
  memset(&out, 0, sizeof out);
  fl_evtx_stats st;
  fuzz_read_into(data, size, opt, &out, &st);
}

static void fuzz_diff_fail(const char *what, const fl_buf *a, const fl_buf *b) {
  size_t n = a->len < b->len ? a->len : b->len, i = 0;
  while (i < n && a->p[i] == b->p[i]) i++;
  size_t from = i > 80 ? i - 80 : 0;
  fprintf(stderr,
          "fuzz_evtx: plans on and off differ in %s at byte %zu (%zu vs %zu "
          "bytes)\n  plans: %.*s\n  op-op: %.*s\n",
          what, i, a->len, b->len, (int)((a->len < i + 80 ? a->len : i + 80) - from),
          a->p ? a->p + from : "", (int)((b->len < i + 80 ? b->len : i + 80) - from),
          b->p ? b->p + from : "");
  abort();
}

static int fuzz_buf_same(const fl_buf *a, const fl_buf *b) {
  return a->len == b->len && (!a->len || memcmp(a->p, b->p, a->len) == 0);
}

/* JSON lines read inline with both plan kinds on, then off: the bytes, the
** diagnostics, the status, the counts and every field of every record must
** agree. --recover on some inputs so carved records are compared too. */
static void fuzz_plans_vs_ops(const uint8_t *data, size_t size) {
  fuzz_out on, off;
  fl_evtx_stats st_on, st_off;
  memset(&on, 0, sizeof on);
  memset(&off, 0, sizeof off);
  memset(&st_on, 0, sizeof st_on);
  memset(&st_off, 0, sizeof st_off);
  on.keep = off.keep = 1;
  fl_evtx_options opt = {0};
  opt.flags = (size & 2) ? FL_EVTX_RECOVER : 0;
  opt.threads = 1;
  opt.format = FL_EVTX_RENDER_JSONL;
  int rc_on = fuzz_read_into(data, size, &opt, &on, &st_on);
  fl_evtx_fields_plan_enabled = fl_evtx_json_plan_enabled = 0;
  int rc_off = fuzz_read_into(data, size, &opt, &off, &st_off);
  fl_evtx_fields_plan_enabled = fl_evtx_json_plan_enabled = 1;
  int oom = rc_on == FL_ENOMEM || rc_off == FL_ENOMEM || on.output.failed ||
            off.output.failed || on.events.failed || off.events.failed;
  if (!oom) {
    if (!fuzz_buf_same(&on.output, &off.output))
      fuzz_diff_fail("JSON lines / diagnostics", &on.output, &off.output);
    if (!fuzz_buf_same(&on.events, &off.events))
      fuzz_diff_fail("extracted fields", &on.events, &off.events);
    if (rc_on != rc_off || memcmp(&st_on, &st_off, sizeof st_on) != 0) {
      fprintf(stderr, "fuzz_evtx: plans on and off differ in status/counts\n");
      abort();
    }
  }
  fl_buf_free(&on.output);
  fl_buf_free(&on.events);
  fl_buf_free(&off.output);
  fl_buf_free(&off.events);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const uint32_t ids[] = {4652, 4653, 5453, 4624, 7036, 4688};
  static const char *const providers[] = {"Microsoft-Windows-Security-Auditing",
                                          "Service Control Manager", ""};
  static const char *const channels[] = {"security", "System"};

  /* 1: XML, carving slack, no filter (inline: --recover forces it). */
  fl_evtx_options xml = {0};
  xml.flags = FL_EVTX_RECOVER;
  xml.threads = 1;
  xml.format = FL_EVTX_RENDER_XML;
  fuzz_read(data, size, &xml);

  /* 2: JSON lines, no filter, inline, plans on and off compared. */
  fuzz_plans_vs_ops(data, size);

  /* 2b: odd-sized inputs also through the worker pool so the ordered
  ** hand-off is fuzzed too, deterministically per input. */
  if (size & 1) {
    fl_evtx_options json = {0};
    json.threads = 2;
    json.format = FL_EVTX_RENDER_JSONL;
    fuzz_read(data, size, &json);
  }

  /* 3: the filtered scan (ids + providers + channels) with XML render of
  ** the matches and --strict CRC handling. */
  fl_evtx_options filt = {0};
  filt.flags = FL_EVTX_STRICT;
  filt.threads = 1;
  filt.format = FL_EVTX_RENDER_XML;
  filt.filter.ids = ids;
  filt.filter.id_count = sizeof ids / sizeof ids[0];
  filt.filter.providers = providers;
  filt.filter.provider_count = sizeof providers / sizeof providers[0];
  filt.filter.channels = channels;
  filt.filter.channel_count = sizeof channels / sizeof channels[0];
  fuzz_read(data, size, &filt);

  /* 4: fields only, no render, ids filter alone (the `--id` fast path). */
  fl_evtx_options scan = {0};
  scan.threads = 1;
  scan.format = FL_EVTX_RENDER_NONE;
  scan.filter.ids = ids;
  scan.filter.id_count = 3;
  fuzz_read(data, size, &scan);
  return 0;
}
