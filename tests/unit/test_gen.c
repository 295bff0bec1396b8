/*
** Unit tests of the scenario generator (lib/gen): determinism per seed,
** the ~1% in-scope ratio, manifest positions pointing at in-scope records,
** escaping of hostile text, size parsing. Writes only under a mkdtemp
** directory it removes; never needs ../shared.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faultline.h"
#include "gen/gen_internal.h" /* fl_gen_xml_escape */
#include "harness.h"

static char dir[64];

static char *slurp(const char *path, size_t *len) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  fseek(fp, 0, SEEK_END);
  long n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  char *b = malloc((size_t)n + 1);
  if (b && fread(b, 1, (size_t)n, fp) != (size_t)n) {
    free(b);
    b = NULL;
  }
  if (b) b[n] = '\0';
  fclose(fp);
  if (len) *len = (size_t)n;
  return b;
}

static int gen(const char *scenario, fl_gen_format f, uint64_t seed, int hostile,
               const char *name, char *path, size_t cap) {
  fl_gen_options o;
  memset(&o, 0, sizeof o);
  o.hosts = 4; /* small and quick: about 20000 records */
  o.scenario = scenario;
  o.seed = seed;
  o.format = f;
  o.hostile = hostile;
  snprintf(path, cap, "%s/%s", dir, name);
  fl_error err;
  fl_error_clear(&err);
  fl_gen_result res;
  return fl_gen_run(&o, path, &res, &err) == FL_OK ? 0 : -1;
}

static int same_file(const char *a, const char *b) {
  size_t na, nb;
  char *x = slurp(a, &na), *y = slurp(b, &nb);
  int same = x && y && na == nb && memcmp(x, y, na) == 0;
  free(x);
  free(y);
  return same;
}

static uint64_t manifest_num(const char *m, const char *key) {
  char k[64];
  snprintf(k, sizeof k, "\"%s\": ", key);
  const char *p = strstr(m, k);
  return p ? strtoull(p + strlen(k), NULL, 10) : UINT64_MAX;
}

static void test_determinism(void) {
  static const fl_gen_format formats[] = {FL_GEN_JSONL, FL_GEN_XML, FL_GEN_NETSH, FL_GEN_EVTX};
  for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
    char a[128], b[128], c[128], ma[160], mb[160];
    CHECK(gen("enterprise", formats[i], 7, 0, "det-a", a, sizeof a) == 0);
    CHECK(gen("enterprise", formats[i], 7, 0, "det-b", b, sizeof b) == 0);
    CHECK(gen("enterprise", formats[i], 8, 0, "det-c", c, sizeof c) == 0);
    CHECK(same_file(a, b));
    CHECK(!same_file(a, c));
    snprintf(ma, sizeof ma, "%s.manifest.json", a);
    snprintf(mb, sizeof mb, "%s.manifest.json", b);
    CHECK(same_file(ma, mb));
  }
}

static void test_ratio(void) {
  static const char *const names[] = {"cert-untrusted", "timeout-nat", "iscsi-chap-mismatch",
                                      "enterprise", "policy-not-applied", "dos-mode"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    char p[128], m[160];
    CHECK(gen(names[i], FL_GEN_JSONL, 3, 0, "ratio", p, sizeof p) == 0);
    snprintf(m, sizeof m, "%s.manifest.json", p);
    char *man = slurp(m, NULL);
    CHECK(man != NULL);
    if (!man) continue;
    uint64_t total = manifest_num(man, "record_count"), in = manifest_num(man, "in_scope_count");
    double r = total ? (double)in / (double)total : 0;
    if (r < 0.005 || r > 0.02) printf("# %s: %llu of %llu in scope\n", names[i],
                                       (unsigned long long)in, (unsigned long long)total);
    CHECK(r >= 0.005 && r <= 0.02);
    free(man);
  }
}

/* Line n (1-based) of text, as a pointer and length. */
static const char *line_at(char **index, size_t nlines, uint64_t n) {
  return n >= 1 && n <= nlines ? index[n - 1] : NULL;
}

static size_t split_lines(char *text, char ***out) {
  size_t n = 0, cap = 1024;
  char **idx = malloc(cap * sizeof *idx);
  for (char *p = text; p && *p;) {
    if (n == cap) idx = realloc(idx, (cap *= 2) * sizeof *idx);
    idx[n++] = p;
    char *nl = strchr(p, '\n');
    if (!nl) break;
    *nl = '\0';
    p = nl + 1;
  }
  *out = idx;
  return n;
}

/* Every in_scope entry's line holds that event id; returns entries checked. */
static size_t check_positions(const char *data_path, const char *id_fmt) {
  char m[200];
  snprintf(m, sizeof m, "%s.manifest.json", data_path);
  char *man = slurp(m, NULL), *data = slurp(data_path, NULL);
  size_t checked = 0;
  CHECK(man && data);
  if (!man || !data) goto out;
  char **lines;
  size_t nlines = split_lines(data, &lines);
  const char *p = strstr(man, "\"in_scope\"");
  while (p && (p = strstr(p, "\"event_id\": ")) != NULL) {
    unsigned id = (unsigned)strtoul(p + 12, NULL, 10);
    const char *end = strchr(p, '}'), *l = strstr(p, "\"line\": ");
    CHECK(l && l < end);
    if (!l || l > end) break;
    const char *text = line_at(lines, nlines, strtoull(l + 8, NULL, 10));
    char want[64];
    snprintf(want, sizeof want, id_fmt, id);
    CHECK(text && strstr(text, want));
    checked++;
    p = end;
  }
  free(lines);
out:
  free(man);
  free(data);
  return checked;
}

static void test_manifest_positions(void) {
  char p[128];
  CHECK(gen("cert-untrusted", FL_GEN_JSONL, 5, 0, "pos.jsonl", p, sizeof p) == 0);
  CHECK(check_positions(p, "\"EventID\":%u,") > 50);
  CHECK(gen("ikeext-stopped", FL_GEN_XML, 5, 0, "pos.xml", p, sizeof p) == 0);
  CHECK(check_positions(p, "<EventID>%u</EventID>") > 50);
  CHECK(gen("iscsi-chap-mismatch", FL_GEN_XML, 5, 0, "pos-iscsi.xml", p, sizeof p) == 0);
  CHECK(check_positions(p, ">%u</EventID>") > 50);
  CHECK(gen("timeout-nat", FL_GEN_NETSH, 5, 0, "pos.netsh", p, sizeof p) == 0);
  CHECK(check_positions(p, "<item>") > 50);
}

static void test_escape(void) {
  char b[256];
  fl_gen_xml_escape("<a&b>\"'\x01\xff\t", 0, b, sizeof b);
  CHECK_STR(b, "&lt;a&amp;b&gt;\"'\xEF\xBF\xBD\xEF\xBF\xBD\t");
  fl_gen_xml_escape("\"'\n\r\t<", 1, b, sizeof b);
  CHECK_STR(b, "&quot;&apos;&#10;&#13;&#9;&lt;");
  fl_gen_xml_escape("caf\xC3\xA9 \xE2\x80\xAE \xED\xA0\x80", 0, b, sizeof b);
  CHECK_STR(b, "caf\xC3\xA9 \xE2\x80\xAE \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(fl_gen_xml_escape("0123456789", 0, b, 4) == 10);
  CHECK_STR(b, "012");
}

static void test_hostile_output(void) {
  char p[128];
  CHECK(gen("cert-untrusted", FL_GEN_XML, 2, 1, "hostile.xml", p, sizeof p) == 0);
  size_t n;
  char *x = slurp(p, &n);
  CHECK(x != NULL);
  if (!x) return;
  CHECK(strstr(x, "CN=&lt;evil&amp;co&gt;") != NULL);
  CHECK(memchr(x, '\x01', n) == NULL);
  CHECK(memchr(x, '\x1b', n) == NULL);
  CHECK(strstr(x, "<evil") == NULL);
  free(x);
  CHECK(gen("cert-untrusted", FL_GEN_JSONL, 2, 1, "hostile.jsonl", p, sizeof p) == 0);
  x = slurp(p, &n);
  CHECK(x && strstr(x, "\\u0001\\u001b[31m</Data>") != NULL);
  free(x);
}

static void test_sizes_and_names(void) {
  uint64_t v = 0;
  CHECK(fl_gen_parse_size("2GiB", &v) == 0 && v == 2147483648ull);
  CHECK(fl_gen_parse_size("500MB", &v) == 0 && v == 500000000ull);
  CHECK(fl_gen_parse_size("64k", &v) == 0 && v == 64000);
  CHECK(fl_gen_parse_size("1000", &v) == 0 && v == 1000);
  CHECK(fl_gen_parse_size("12XB", &v) != 0);
  CHECK(fl_gen_parse_size("-1", &v) != 0);
  CHECK(fl_gen_parse_size("99999999999999999999", &v) != 0);
  CHECK(fl_gen_scenario_count() == 18);
  CHECK(fl_gen_scenario_find("enterprise") != NULL);
  CHECK(fl_gen_scenario_find("nope") == NULL);
  fl_gen_format f;
  CHECK(fl_gen_format_parse("netsh", &f) == 0 && f == FL_GEN_NETSH);
  CHECK(fl_gen_format_parse("csv", &f) != 0);
}

static void test_size_limit(void) {
  fl_gen_options o;
  memset(&o, 0, sizeof o);
  o.scenario = "timeout-nat";
  o.format = FL_GEN_XML;
  o.size = 3000000;
  char p[128];
  snprintf(p, sizeof p, "%s/sized.xml", dir);
  fl_error err;
  fl_gen_result res;
  CHECK(fl_gen_run(&o, p, &res, &err) == FL_OK);
  CHECK(res.bytes >= 3000000 && res.bytes < 3000000 + 200000);
  CHECK(res.in_scope > 0);
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/fl-test-gen-XXXXXX");
  if (!mkdtemp(dir)) return 1;
  RUN(test_escape);
  RUN(test_sizes_and_names);
  RUN(test_determinism);
  RUN(test_ratio);
  RUN(test_manifest_positions);
  RUN(test_hostile_output);
  RUN(test_size_limit);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) printf("# could not remove %s\n", dir);
  TEST_EXIT();
}
