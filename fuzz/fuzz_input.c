/*
** libFuzzer target for the text readers of lib/input — Windows event XML,
** netsh wfp XML and JSON (evtx_dump, Winlogbeat, NXLog; one document or
** lines), gzip or not. The format is found by content, so one target
** covers them all, seeded with every sample. Every input is read whole through
** fl_input_read_memory three times — XML render, JSON-lines render, and a
** filtered read without render — and the JSON lines it rendered are read
** back, which must give as many records and no error (the renderer promises
** valid JSON in evtx_dump's shape). Every string handed out is read in full.
** The XML-render pass is read again with the stream window filled a few
** bytes at a time (fl_input_stream_fill, internal): output, stats and
** status must not change (streaming must not depend on where reads end).
** The filtered read is done again from a descriptor (a memfd, as standard
** input is read by the pipeline: fl_input_read_fd_tapped): the same records,
** every byte through the tap once, the format told at most once.
**
** Must never: write files, read the environment, keep state between inputs,
** or abort on anything but a broken promise of the reader.
*/
#define _GNU_SOURCE /* memfd_create */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "faultline.h"
#include "faultline/wfp.h"
/* fl_input_stream_fill: internal, tests and this harness only (put back). */
#include "input/input_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile unsigned fuzz_sink;

typedef struct fuzz_in {
  char *out;
  size_t len, cap;
  int failed;
  unsigned acc;
  uint64_t wfp_ok;
} fuzz_in;

static unsigned fuzz_touch(fl_evtx_str s, unsigned acc) {
  if (s.len && !s.ptr) abort();
  for (size_t i = 0; i < s.len; i++) acc = acc * 31u + (uint8_t)s.ptr[i];
  return acc;
}

static int fuzz_on_record(const fl_evtx_event *ev, void *user) {
  fuzz_in *f = user;
  const fl_evtx_str *s[] = {&ev->provider_name, &ev->provider_guid,
                            &ev->event_source_name, &ev->channel, &ev->computer,
                            &ev->user_sid, &ev->activity_id,
                            &ev->related_activity_id, &ev->rendered};
  for (size_t i = 0; i < sizeof s / sizeof *s; i++) f->acc = fuzz_touch(*s[i], f->acc);
  if (ev->data_count && !ev->data) abort();
  for (size_t i = 0; i < ev->data_count; i++) {
    f->acc = fuzz_touch(ev->data[i].name, f->acc);
    f->acc = fuzz_touch(ev->data[i].value, f->acc);
  }
  static fl_input_wfp_event w; /* large; reused, fully reset by decode */
  if (fl_input_wfp_decode(ev, &w, NULL) == FL_OK) f->wfp_ok++;
  return 0;
}

static int fuzz_on_output(const char *buf, size_t len, void *user) {
  fuzz_in *f = user;
  if (f->len + len > f->cap) {
    size_t cap = (f->len + len) * 2;
    char *p = realloc(f->out, cap);
    if (!p) { f->failed = 1; return 1; }
    f->out = p;
    f->cap = cap;
  }
  memcpy(f->out + f->len, buf, len);
  f->len += len;
  return 0;
}

static void fuzz_on_diag(const fl_evtx_diag *d, void *user) {
  size_t n = 0;
  while (n < sizeof d->message && d->message[n]) n++;
  if (n == sizeof d->message) abort();
  ((fuzz_in *)user)->acc += (unsigned)n;
}

static fl_status fuzz_read(const void *data, size_t size, fl_evtx_format fmt,
                           int filtered, fuzz_in *f, fl_evtx_stats *st) {
  static const uint32_t ids[] = {4653, 1005, 65283};
  static const char *const provs[] = {"Microsoft-Windows-WFP", "iScsiPrt"};
  fl_evtx_options o;
  memset(&o, 0, sizeof o);
  o.format = fmt;
  o.on_record = fuzz_on_record;
  o.on_output = fuzz_on_output;
  o.on_diag = fuzz_on_diag;
  o.user = f;
  if (filtered) {
    o.filter.ids = ids;
    o.filter.id_count = 3;
    o.filter.providers = provs;
    o.filter.provider_count = 2;
  }
  return fl_input_read_memory(data, size, "fuzz", &o, st, NULL);
}

typedef struct fuzz_tap {
  uint64_t bytes;
  int formats;
} fuzz_tap;

static void fuzz_tap_raw(const void *p, size_t n, void *user) {
  (void)p;
  ((fuzz_tap *)user)->bytes += n;
}

static int fuzz_tap_format(fl_input_format fmt, void *user) {
  (void)fmt;
  ((fuzz_tap *)user)->formats++;
  return 0;
}

/* The filtered read again from a descriptor; aborts when it differs. */
static void fuzz_tapped(const uint8_t *data, size_t size, fl_status rf,
                        const fl_evtx_stats *sf) {
  int fd = memfd_create("fuzz", 0);
  if (fd < 0) return;
  size_t off = 0;
  while (off < size) {
    ssize_t w = write(fd, data + off, size - off);
    if (w <= 0) break;
    off += (size_t)w;
  }
  if (off != size || lseek(fd, 0, SEEK_SET) != 0) {
    close(fd);
    return;
  }
  static const uint32_t ids[] = {4653, 1005, 65283};
  static const char *const provs[] = {"Microsoft-Windows-WFP", "iScsiPrt"};
  fuzz_in f = {0};
  fuzz_tap t = {0, 0};
  fl_input_tap tap = {fuzz_tap_raw, fuzz_tap_format, &t};
  fl_evtx_options o;
  memset(&o, 0, sizeof o);
  o.on_record = fuzz_on_record;
  o.on_diag = fuzz_on_diag;
  o.user = &f;
  o.filter.ids = ids;
  o.filter.id_count = 3;
  o.filter.providers = provs;
  o.filter.provider_count = 2;
  fl_evtx_stats st;
  fl_status r = fl_input_read_fd_tapped(fd, "fuzz", &tap, &o, &st, NULL);
  close(fd);
  if (t.formats > 1 || t.bytes > size ||
      ((r == FL_OK || r == FL_EPARTIAL) && t.bytes != size)) {
    fprintf(stderr, "fuzz_input: tapped read: %llu of %zu bytes tapped, "
            "format told %d times\n", (unsigned long long)t.bytes, size, t.formats);
    abort();
  }
  if ((rf == FL_OK || rf == FL_EPARTIAL) && (r == FL_OK || r == FL_EPARTIAL) &&
      (st.records != sf->records || st.records_matched != sf->records_matched)) {
    fprintf(stderr, "fuzz_input: from a descriptor %llu/%llu records, from "
            "memory %llu/%llu\n", (unsigned long long)st.records,
            (unsigned long long)st.records_matched,
            (unsigned long long)sf->records, (unsigned long long)sf->records_matched);
    abort();
  }
  fuzz_sink += f.acc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_in x = {0}, j = {0}, back = {0}, filt = {0};
  fl_evtx_stats sx, sj, sb, sf;
  fl_status rx = fuzz_read(data, size, FL_EVTX_RENDER_XML, 0, &x, &sx);
  {
    fuzz_in small = {0};
    fl_evtx_stats ss;
    size_t keep = fl_input_stream_fill;
    fl_input_stream_fill = 16 + size % 53;
    fl_status rs = fuzz_read(data, size, FL_EVTX_RENDER_XML, 0, &small, &ss);
    fl_input_stream_fill = keep;
    if (rx != FL_ENOMEM && rs != FL_ENOMEM && !x.failed && !small.failed &&
        (rs != rx || ss.records != sx.records || ss.errors != sx.errors ||
         ss.warnings != sx.warnings || small.len != x.len ||
         (x.len && memcmp(small.out, x.out, x.len) != 0) ||
         small.acc != x.acc)) {
      fprintf(stderr, "fuzz_input: a %zu-byte window read differently "
              "(status %d/%d, records %llu/%llu, output %zu/%zu)\n",
              (size_t)(16 + size % 53), (int)rs, (int)rx,
              (unsigned long long)ss.records, (unsigned long long)sx.records,
              small.len, x.len);
      abort();
    }
    free(small.out);
  }
  fl_status rj = fuzz_read(data, size, FL_EVTX_RENDER_JSONL, 0, &j, &sj);
  fl_status rf = fuzz_read(data, size, FL_EVTX_RENDER_NONE, 1, &filt, &sf);
  fuzz_tapped(data, size, rf, &sf);
  if (sf.records_matched > sf.records || sx.records != sj.records) abort();
  if (rj != FL_ENOMEM && !j.failed && j.len) {
    fl_status rb = fuzz_read(j.out, j.len, FL_EVTX_RENDER_NONE, 0, &back, &sb);
    if (rb != FL_ENOMEM &&
        (rb != FL_OK || sb.records != sj.records_matched || sb.errors)) {
      fprintf(stderr, "fuzz_input: rendered JSON lines read back as %llu "
              "records (%llu rendered), status %d\n",
              (unsigned long long)sb.records,
              (unsigned long long)sj.records_matched, (int)rb);
      abort();
    }
  }
  fuzz_sink += x.acc + j.acc + back.acc + filt.acc + (unsigned)x.wfp_ok;
  free(x.out);
  free(j.out);
  free(back.out);
  free(filt.out);
  return 0;
}
