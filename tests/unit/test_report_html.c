/*
** Unit tests for the HTML report: self-contained (CSP, no external
** references), every hostile string only escaped, structure present.
** `test_report_html --write FILE` writes the fixture page for the headless
** Chromium check (tests/ref/report_html_chromium.py). Never uses the network.
*/
#include "harness.h"
#include "test_report_fixture.h"
#include "test_report_util.h"

static char *page(size_t *n) {
  fl_status st;
  fl_report_options o = {0, 0, "Diagnosis of <b>corp</b> & \"friends\""};
  char *h = ru_render(fl_report_html, fx_build(), &o, n, &st);
  CHECK(st == FL_OK && h);
  return h;
}

static void html_is_self_contained(void) {
  size_t n;
  char *h = page(&n);
  if (!h) return;
  CHECK(strncmp(h, "<!DOCTYPE html>", 15) == 0);
  CHECK(strstr(h, "<meta http-equiv=\"Content-Security-Policy\" content=\""
                  "default-src 'none'; style-src 'unsafe-inline'; "
                  "script-src 'unsafe-inline'; img-src data:\">"));
  CHECK(ru_count(h, "<script") == 1);            /* ours, inline */
  CHECK(!strstr(h, "<script src") && !strstr(h, "<link"));
  CHECK(!strstr(h, "url(") && !strstr(h, "@import") && !strstr(h, "https:"));
  CHECK(ru_count(h, "http:") == ru_count(h, "xmlns=\"http://www.w3.org/2000/svg\""));
  CHECK(!strstr(h, "innerHTML") && !strstr(h, "eval("));
  CHECK(!strstr(h, " on") || !strstr(h, "onerror=alert(2)>"));
  CHECK(ru_valid_utf8(h, n));
  CHECK(ru_count_controls(h, n, "\n\t") == 0);
  free(h);
}

static void html_escapes_hostile_strings(void) {
  size_t n;
  char *h = page(&n);
  if (!h) return;
  CHECK(!strstr(h, "<script>alert"));
  CHECK(!strstr(h, "<img"));
  CHECK(!strstr(h, "</script><script>"));
  CHECK(!strstr(h, "<b>corp"));
  CHECK(strstr(h, "<title>Diagnosis of &lt;b&gt;corp&lt;/b&gt; &amp; &quot;friends&quot;</title>"));
  CHECK(strstr(h, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  CHECK(strstr(h, "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"));
  CHECK(strstr(h, "&lt;/script&gt;&lt;script&gt;alert(3)&lt;/script&gt; &#39;quoted&#39; &amp; done"));
  CHECK(strstr(h, "srv\xEF\xBF\xBD[31mRED"));      /* ESC replaced */
  CHECK(strstr(h, "bad\xEF\xBF\xBD\xEF\xBF\xBDutf8\xEF\xBF\xBD("));
  CHECK(strstr(h, "c1\xEF\xBF\xBD" "2J"));         /* C1 CSI replaced */
  CHECK(strstr(h, "=cmd|&#39; /C calc&#39;!A0"));
  /* attribute values are only ours: data-v numbers, ids, classes */
  for (const char *p = h; (p = strstr(p, "data-v=\"")) != NULL; p++) {
    size_t k = strspn(p + 8, "0123456789.");
    CHECK(k > 0 && p[8 + k] == '"');
  }
  free(h);
}

static void html_has_structure(void) {
  size_t n;
  char *h = page(&n);
  if (!h) return;
  CHECK(strstr(h, "<table class=\"sortable\" id=\"episodes\">"));
  CHECK(strstr(h, "<table class=\"sortable\" id=\"benign-episodes\">"));
  CHECK(strstr(h, "id=\"coverage\"") && strstr(h, "id=\"sources\""));
  CHECK(ru_count(h, "<article class=\"episode") == 4);
  CHECK(ru_count(h, "<svg ") == 3); /* the benign one kept no times */
  CHECK(strstr(h, "badge st-ongoing") && strstr(h, "badge st-intermittent") &&
        strstr(h, "badge st-recovered") && strstr(h, "badge st-benign"));
  CHECK(strstr(h, "auditpol /set /subcategory:&quot;IPsec Main Mode&quot;"));
  CHECK(strstr(h, ">2024-03-05T10:00:00Z<"));
  CHECK(strstr(h, "<code>ERROR_<wbr>IPSEC_<wbr>IKE_<wbr>AUTH_<wbr>FAIL</code>"));
  CHECK(strstr(h, "&hellip;<span class=\"muted\"> (+4936 bytes)</span>"));
  const char *findings = strstr(h, "id=\"findings\""), *benign = strstr(h, "id=\"benign\"");
  const char *cov = strstr(h, "id=\"coverage\"");
  CHECK(findings && benign && cov && findings < benign && benign < cov);
  /* the estate view: a lane per host, a bar per episode linking its card,
  ** the per-host table, the filter box hidden until the script shows it */
  const char *estate = strstr(h, "id=\"estate\""), *hosts = strstr(h, "id=\"hosts-table\"");
  CHECK(estate && hosts && estate < hosts && hosts < findings);
  CHECK(ru_count(h, "<a class=\"bar ") == 4);
  CHECK(ru_count(h, "<div class=\"lane\" role=\"listitem\">") >= 1);
  CHECK(strstr(h, "<div class=\"filter\" id=\"filter-box\" hidden>"));
  /* evidence rows: record ids as such, the key fields, escaped */
  CHECK(strstr(h, "<li><code>Security.evtx#record 1001</code> event 4653"));
  CHECK(strstr(h, "<span class=\"mono kf\">&rarr; &quot;&gt;&lt;img src=x onerror=alert(2)&gt;:500</span>"));
  CHECK(strstr(h, "<span class=\"mono kf\">CORP\\SRV-WEB01$</span>"));
  /* a bar carries no event text in an attribute: its description is text */
  for (const char *b = strstr(h, "<a class=\"bar "); b; b = strstr(b + 1, "<a class=\"bar ")) {
    const char *close = strchr(b, '>'), *title = strstr(b, "title=");
    CHECK(close && (!title || title > close) &&
          strncmp(close, "><span class=\"sr\">#", 19) == 0);
  }
  free(h);
}

static void html_empty_result(void) {
  fl_diag_result empty;
  memset(&empty, 0, sizeof empty);
  fl_status st;
  size_t n;
  char *h = ru_render(fl_report_html, &empty, NULL, &n, &st);
  CHECK(st == FL_OK && h);
  if (!h) return;
  CHECK(strstr(h, "No findings"));
  CHECK(!strstr(h, "id=\"episodes\""));
  CHECK(strstr(h, "</html>\n"));
  free(h);
}

static int write_page(const char *path) {
  FILE *f = fopen(path, "w");
  if (!f) return 3;
  fl_error err;
  fl_report_options o = {0, 0, NULL};
  fl_status st = fl_report_html(f, fx_build(), &o, &err);
  return fclose(f) == 0 && st == FL_OK ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "--write") == 0) return write_page(argv[2]);
  RUN(html_is_self_contained);
  RUN(html_escapes_hostile_strings);
  RUN(html_has_structure);
  RUN(html_empty_result);
  TEST_EXIT();
}
