/*
** Diagnosis memory benchmark (bench/diag_memory.sh builds and runs it):
** feeds N synthetic typed events, in time order, to the diagnosis engine —
** an estate of 100 hosts over 7 days with 300 incidents (timeouts, proposal
** mismatches, certificate failures towards peers and gateways) and a
** success every 8th event — and prints the peak RSS after fl_diag_finish.
** The incidents and the time span stay the same whatever N is: only the
** density grows, so a flat RSS means memory follows the episodes, not the
** events. Must never be a test (timing and RSS depend on the machine).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "faultline.h"

#define DAY 864000000000ull
#define INCIDENTS 300u

static fl_evtx_str str(const char *s) { return (fl_evtx_str){s, strlen(s)}; }

int main(int argc, char **argv) {
  unsigned long long n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000ull;
  int drop = argc > 2 && strcmp(argv[2], "live") == 0;
  static const uint32_t codes[] = {13805, 13868, 13801, 13806, 13827};
  static char hosts[100][32], addrs[100][16], gws[20][16];
  for (int i = 0; i < 100; i++) {
    snprintf(hosts[i], sizeof hosts[i], "WS-%04d.corp.example.org", i);
    snprintf(addrs[i], sizeof addrs[i], "10.20.%d.%d", i / 50, i % 50 + 2);
  }
  for (int i = 0; i < 20; i++) snprintf(gws[i], sizeof gws[i], "203.0.113.%d", i + 1);
  fl_diag_options o;
  memset(&o, 0, sizeof o);
  o.drop_closed = drop;
  fl_diag *d;
  if (fl_diag_new(&o, &d, NULL) != FL_OK) return 3;
  const uint64_t t0 = 133500000000000000ull, span = 7 * DAY;
  for (unsigned long long i = 0; i < n; i++) {
    uint64_t t = t0 + (uint64_t)((double)span * (double)i / (double)n);
    unsigned inc = (unsigned)((t - t0) / (span / INCIDENTS)); /* one incident at a time, 33 min each */
    fl_typed_event e;
    memset(&e, 0, sizeof e);
    e.keying_module = e.auth_method = e.failure_point = e.role = e.state = e.mode = -1;
    e.iscsi_failure_type = -1;
    e.dos_started = -1;
    e.time = t;
    e.record_id = i + 1;
    e.source = FL_SOURCE_SECURITY;
    unsigned h = (inc * 7u) % 100u, p = (inc * 13u + 1u) % 100u;
    if (p == h) p = (p + 1) % 100u;
    e.host = str(hosts[h]);
    e.local_address = str(addrs[h]);
    e.remote_address = inc % 3 == 0 ? str(gws[inc % 20]) : str(addrs[p]);
    if (i % 8 == 7) { /* a success of some other pair */
      e.kind = FL_KIND_MM_ESTABLISHED;
      e.host = str(hosts[(h + 50) % 100]);
      e.local_address = str(addrs[(h + 50) % 100]);
    } else {
      e.kind = FL_KIND_MM_FAILURE;
      e.is_failure = 1;
      e.error_code = codes[inc % 5];
      e.has = FL_TE_ERROR_CODE;
    }
    if (fl_diag_add(d, &e, "bench.evtx", NULL) != FL_OK) return 3;
  }
  const fl_diag_result *r;
  if (fl_diag_finish(d, &r, NULL) != FL_OK) return 3;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("%12llu events  %5zu episodes  %4zu findings  peak RSS %6ld KiB%s\n", n,
         r->episode_count, r->finding_count, ru.ru_maxrss, drop ? "  (live: closed episodes dropped)" : "");
  fl_diag_free(d);
  return 0;
}
