/*
** libFuzzer target for the EVTX reader: every input is treated as a whole
** .evtx file and read through fl_evtx_open_memory + fl_evtx_read several
** times, so one input exercises XML render with slack carving (--recover),
** JSON-lines render (inline and with the worker pool), and a filter
** evaluated before rendering with --strict CRC handling. Every string the
** reader hands out is read in full so ASan sees a bad pointer or length, and
** JSON lines are checked to be well-formed (the renderer promises that).
**
** Must never: write files, read the environment, keep state between inputs
** (the result must depend on the bytes alone), or abort on anything but a
** broken promise of the reader (a crash, a leak, malformed JSON).
*/
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The umbrella header first: faultline/evtx.h alone does not compile when
** it is the first include (faultline.h includes it back, then typed.h). */
#include "faultline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads every byte of a string the reader returned; the sum is kept so the
** loop is not optimised away. */
static unsigned fuzz_touch(fl_evtx_str s, unsigned acc) {
  if (s.len && !s.ptr) abort(); /* a length without bytes */
  for (size_t i = 0; i < s.len; i++) acc = acc * 31u + (uint8_t)s.ptr[i];
  return acc;
}

static volatile unsigned fuzz_sink;

static int fuzz_on_record(const fl_evtx_event *ev, void *user) {
  (void)user;
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
typedef struct fuzz_json {
  int in_str, esc, hex, depth;
} fuzz_json;

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
    } else if (c < 0x20 && c != ' ' && c != '\t' && c != '\r') {
      fuzz_json_fail("control byte outside string", buf, i);
    }
  }
}

typedef struct fuzz_out {
  fl_evtx_format format;
  fuzz_json json;
  unsigned acc;
} fuzz_out;

static int fuzz_on_output(const char *buf, size_t len, void *user) {
  fuzz_out *o = user;
  fl_evtx_str s = {buf, len};
  o->acc = fuzz_touch(s, o->acc);
  if (o->format == FL_EVTX_RENDER_JSONL) fuzz_json_scan(&o->json, buf, len);
  return 0;
}

static void fuzz_on_diag(const fl_evtx_diag *d, void *user) {
  fuzz_out *o = user;
  /* message is a fixed array; it must be NUL-terminated within it. */
  size_t n = 0;
  while (n < sizeof d->message && d->message[n]) n++;
  if (n == sizeof d->message) abort();
  o->acc += (unsigned)n + (unsigned)d->chunk;
}

static void fuzz_read(const uint8_t *data, size_t size, fl_evtx_options *opt) {
  fl_error err;
  fl_error_clear(&err);
  fl_evtx_file *f = NULL;
  if (fl_evtx_open_memory(data, size, "fuzz", &f, &err) != FL_OK) return;
  /* The header accessors must be safe on any file that opened. */
  fuzz_sink += (unsigned)fl_evtx_chunk_slots(f) + fl_evtx_header_chunk_count(f) +
               fl_evtx_version_major(f) + fl_evtx_version_minor(f);
  fuzz_out out = {opt->format, {0, 0, 0, 0}, 0};
  opt->on_record = fuzz_on_record;
  opt->on_output = fuzz_on_output;
  opt->on_diag = fuzz_on_diag;
  opt->user = &out;
  fl_evtx_stats st;
  fl_status rc = fl_evtx_read(f, opt, &st, &err);
  fl_evtx_close(f);
  if (rc == FL_ENOMEM) return; /* -rss_limit_mb / malloc_limit did it */
  if (opt->format == FL_EVTX_RENDER_JSONL &&
      (out.json.in_str || out.json.depth)) {
    fprintf(stderr, "fuzz_evtx: JSONL output ends inside a string/object\n");
    abort();
  }
  if (st.records_matched > st.records + st.records_recovered) {
    fprintf(stderr, "fuzz_evtx: more records matched than read\n");
    abort();
  }
  fuzz_sink += out.acc;
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

  /* 2: JSON lines, no filter; odd-sized inputs go through the worker pool
  ** so the ordered hand-off is fuzzed too, deterministically per input. */
  fl_evtx_options json = {0};
  json.threads = (size & 1) ? 2 : 1;
  json.format = FL_EVTX_RENDER_JSONL;
  fuzz_read(data, size, &json);

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
