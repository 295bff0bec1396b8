/*
** Tests of the EVTX writer on clean files: its own structural check (CRCs,
** numbering, tables, per-chunk template definitions), then libevtx's
** evtxexport and python-evtx as independent readers: zero errors, the same
** record count, and specific values rendered as expected.
** Damage options are tested in test_evtx_writer_dirty.c.
*/
#include "test_evtx_writer_util.h"

#define MANY 700 /* ~300 KB: 5 chunks, three template shapes */

static const char *many_path(void) { return tw_path("many.evtx"); }

static void write_many(void) {
  fl_evtx_writer *w;
  fl_error err;
  CHECK(fl_evtx_writer_open(many_path(), NULL, &w, &err) == FL_OK);
  for (unsigned i = 0; i < MANY; i++) {
    tw_sample s;
    tw_sample_4653(&s, i);
    CHECK(fl_evtx_writer_add(w, &s.ev, &err) == FL_OK);
  }
  fl_evtx_writer_stats st;
  fl_evtx_writer_get_stats(w, &st);
  CHECK(st.records == MANY && st.last_record_id == MANY);
  CHECK(st.templates == 3);
  CHECK(fl_evtx_writer_close(w, &err) == FL_OK);
}

static void many_records_structure(void) {
  write_many();
  tw_layout lay = tw_check_file(many_path(), 1);
  CHECK_STR(lay.why, "");
  CHECK(lay.records == MANY);
  CHECK(lay.chunks >= 4);
  /* each chunk defines each of the 3 shapes once (first chunk may hold all) */
  CHECK(lay.template_defs >= lay.chunks * 3 - 3 && lay.template_defs <= lay.chunks * 3);
}

static void many_records_evtxexport(void) {
  char *out = tw_evtxexport("-f xml", many_path());
  CHECK(out != NULL);
  if (!out) return;
  CHECK(tw_count(out, "<Event xmlns=") == MANY);
  CHECK(strstr(out, "Unable") == NULL);
  CHECK(strstr(out, "<EventID>4653</EventID>") != NULL);
  CHECK(strstr(out, "<EventID>4654</EventID>") != NULL);
  CHECK(strstr(out, "<EventRecordID>700</EventRecordID>") != NULL);
  CHECK(strstr(out, "<Data Name=\"LocalAddress\">10.0.2.183</Data>") != NULL);
  CHECK(strstr(out, "<Data Name=\"MMFilterID\">54920460</Data>") != NULL);
  CHECK(strstr(out, "<Data Name=\"ErrorCode\">13805</Data>") != NULL);
  CHECK(strstr(out, "<Security UserID=\"" TW_SID "\"/>") != NULL);
  CHECK(strstr(out, "<Correlation ActivityID=\"" TW_ACTIVITY "\"/>") != NULL);
  CHECK(strstr(out, "<Provider Name=\"Microsoft-Windows-Security-Auditing\" "
                    "Guid=\"" TW_GUID "\"/>") != NULL);
  CHECK(strstr(out, "<TimeCreated SystemTime=\"2020-07-10T17:20:06.687103300Z\"/>"));
  CHECK(strstr(out, "<Keywords>0x8010000000000000</Keywords>") != NULL);
  CHECK(tw_count(out, "<Correlation/>") == MANY / 2); /* optional: left out */
  free(out);
}

static void many_records_pyevtx(void) {
  char *out = tw_pyevtx(many_path());
  long errs, n = tw_py_count(out, &errs);
  CHECK(n == MANY);
  CHECK(errs == 0);
  if (out) {
    CHECK(strstr(out, "HEADER verify=1 dirty=0") != NULL);
    CHECK(strstr(out, "magic=1 verify=0") == NULL); /* CRCs fine everywhere */
    CHECK(strstr(out, "RECORD 700\n") != NULL);
    CHECK(strstr(out, "<EventID Qualifiers=\"\">4653</EventID>") != NULL);
    CHECK(strstr(out, "<EventRecordID>699</EventRecordID>") != NULL);
    CHECK(strstr(out, "<Data Name=\"LocalAddress\">10.0.2.183</Data>") != NULL);
    CHECK(strstr(out, "<Security UserID=\"" TW_SID "\"></Security>") != NULL);
    CHECK(strstr(out, "ActivityID=\"{0d6f3e5b-21a4-4c4f-9a52-7c1e2b3d4f50}\""));
    CHECK(strstr(out, "Guid=\"{54849625-5478-4994-a5ba-3e3b0328c30d}\""));
    CHECK(strstr(out, "<TimeCreated SystemTime=\"2020-07-10 17:20:06.687103\">"));
    CHECK(strstr(out, "<Keywords>0x8010000000000000</Keywords>") != NULL);
  }
  free(out);
}

/* One event carrying every value type the catalog's events need. */
static const char *all_types_path(void) { return tw_path("types.evtx"); }

static void write_all_types(void) {
  static const uint8_t blob[] = {0xde, 0xad, 0xbe, 0xef, 0x00, 0x7f};
  tw_sample s;
  tw_sample_4653(&s, 1);
  fl_evtx_w_guid g;
  fl_evtx_w_guid_parse("{12345678-9ABC-DEF0-1122-334455667788}", &g);
  fl_evtx_w_sid sid;
  fl_evtx_w_sid_parse("S-1-5-18", &sid);
  fl_evtx_w_field f[] = {
      {"Str", {FL_EVTX_W_STRING, 0, {.str = "caf\xc3\xa9 <&> \xe2\x82\xac"}}},
      {"U8", {FL_EVTX_W_UINT8, 0, {.u = 200}}},
      {"U16", {FL_EVTX_W_UINT16, 0, {.u = 4500}}},
      {"U32", {FL_EVTX_W_UINT32, 0, {.u = 4000000000u}}},
      {"U64", {FL_EVTX_W_UINT64, 0, {.u = 18000000000000000000ull}}},
      {"I32", {FL_EVTX_W_INT32, 0, {.i = -13801}}},
      {"H32", {FL_EVTX_W_HEXINT32, 0, {.u = 0xC0360001u}}},
      {"H64", {FL_EVTX_W_HEXINT64, 0, {.u = 0x3e7}}},
      {"FT", {FL_EVTX_W_FILETIME, 0, {.u = fl_evtx_w_filetime(TW_T0, 1234567)}}},
      {"ST", {FL_EVTX_W_SYSTIME, 0, {.st = {2021, 3, 2, 9, 8, 7, 6, 543}}}},
      {"G", {FL_EVTX_W_GUID, 0, {.guid = g}}},
      {"Sid", {FL_EVTX_W_SID, 0, {.sid = sid}}},
      {"Bin", {FL_EVTX_W_BINARY, 0, {.bin = {blob, sizeof blob}}}},
      {"B", {FL_EVTX_W_BOOL, 0, {.u = 1}}},
      {"Nothing", {FL_EVTX_W_STRING, 1, {.str = NULL}}},
  };
  s.ev.fields = f;
  s.ev.field_count = sizeof f / sizeof *f;
  fl_evtx_writer *w;
  fl_error err;
  CHECK(fl_evtx_writer_open(all_types_path(), NULL, &w, &err) == FL_OK);
  CHECK(fl_evtx_writer_add(w, &s.ev, &err) == FL_OK);
  CHECK(fl_evtx_writer_close(w, &err) == FL_OK);
}

static void all_types_evtxexport(void) {
  write_all_types();
  CHECK(tw_check_file(all_types_path(), 1).ok);
  char *out = tw_evtxexport("-f xml", all_types_path());
  if (!out) return;
  CHECK(strstr(out, "Unable") == NULL);
  CHECK(strstr(out, ">caf\xc3\xa9 &lt;&amp;&gt; \xe2\x82\xac</Data>") != NULL);
  CHECK(strstr(out, "\"U8\">200<") && strstr(out, "\"U16\">4500<"));
  CHECK(strstr(out, "\"U32\">4000000000<") != NULL);
  CHECK(strstr(out, "\"U64\">18000000000000000000<") != NULL);
  /* libevtx 20181227 prints negative Int32 wrongly (-2147469847 for
  ** 0xFFFFCA17); python-evtx below reads the same bytes as -13801 */
  CHECK(strstr(out, "\"I32\">-13801<") || strstr(out, "\"I32\">-2147469847<"));
  CHECK(strstr(out, "\"H32\">0xc0360001<") != NULL);
  CHECK(strstr(out, "\"H64\">0x00000000000003e7<") != NULL);
  CHECK(strstr(out, "\"FT\">2020-07-10T17:20:06.123456700Z<") != NULL);
  CHECK(strstr(out, "\"ST\">2021-03-09T08:07:06.543") != NULL);
  CHECK(strstr(out, "\"G\">{12345678-9ABC-DEF0-1122-334455667788}<") != NULL);
  CHECK(strstr(out, "\"Sid\">S-1-5-18<") != NULL);
  CHECK(strstr(out, "\"Bin\">DEADBEEF007F<") != NULL);
  CHECK(strstr(out, "\"B\">true<") != NULL);
  CHECK(strstr(out, "\"Nothing\"") == NULL); /* Null: element left out */
  if (th_failed_checks) fprintf(stderr, "%s\n", out);
  free(out);
}

static void all_types_pyevtx(void) {
  write_all_types();
  char *out = tw_pyevtx(all_types_path());
  long errs, n = tw_py_count(out, &errs);
  CHECK(n == 1 && errs == 0);
  if (!out) return;
  CHECK(strstr(out, ">caf\xc3\xa9 &lt;&amp;&gt; \xe2\x82\xac<") ||
        strstr(out, ">caf&#233; &lt;&amp;&gt; &#8364;<"));
  CHECK(strstr(out, "\"U64\">18000000000000000000<") != NULL);
  CHECK(strstr(out, "\"I32\">-13801<") != NULL);
  CHECK(strstr(out, "\"H32\">0xc0360001<") != NULL);
  CHECK(strstr(out, "\"H64\">0x00000000000003e7<") != NULL);
  /* python-evtx: float seconds, and SYSTEMTIME ms taken as microseconds */
  CHECK(strstr(out, "\"FT\">2020-07-10 17:20:06.12345") != NULL);
  CHECK(strstr(out, "\"ST\">2021-03-09 08:07:06.000543<") != NULL);
  CHECK(strstr(out, "<Data Name=\"Nothing\"></Data>") != NULL);
  CHECK(strstr(out, "\"G\">{12345678-9abc-def0-1122-334455667788}<") != NULL);
  CHECK(strstr(out, "\"Sid\">S-1-5-18<") != NULL);
  CHECK(strstr(out, "\"Bin\">3q2+7wB/<") != NULL); /* python-evtx: base64 */
  CHECK(strstr(out, "\"B\">True<") != NULL);
  if (th_failed_checks) fprintf(stderr, "%s\n", out);
  free(out);
}

/* iScsiPrt event 20 as the System log would hold it: classic source,
** Qualifiers, unnamed Data and the dump data in <Binary>. */
static void classic_qualifiers_binary(void) {
  static const uint8_t dump[] = {0x00, 0x00, 0x04, 0x00, 0x01, 0x00, 0x00,
                                 0x00, 0x14, 0x00, 0x00, 0xc0};
  fl_evtx_w_field f[] = {
      {NULL, {FL_EVTX_W_STRING, 0, {.str = "\\Device\\RaidPort2"}}},
      {NULL, {FL_EVTX_W_STRING, 0, {.str = "iqn.1991-05.com.microsoft:target1"}}},
  };
  fl_evtx_w_event ev = {
      .provider_name = "iScsiPrt", .event_id = 20, .has_qualifiers = 1,
      .qualifiers = 0xC000, .level = 2, .keywords = 0x80000000000000ull,
      .time_created = fl_evtx_w_filetime(TW_T0, 0), .channel = "System",
      .computer = "fileserver7", .body = FL_EVTX_W_BODY_CLASSIC, .fields = f,
      .field_count = 2, .binary = dump, .binary_len = sizeof dump};
  const char *path = tw_path("classic.evtx");
  fl_evtx_writer *w;
  fl_error err;
  CHECK(fl_evtx_writer_open(path, NULL, &w, &err) == FL_OK);
  CHECK(fl_evtx_writer_add(w, &ev, &err) == FL_OK);
  ev.field_count = 1; /* another shape, no Binary */
  ev.binary = NULL;
  ev.event_id = 34;
  ev.qualifiers = 0x4000;
  CHECK(fl_evtx_writer_add(w, &ev, &err) == FL_OK);
  CHECK(fl_evtx_writer_close(w, &err) == FL_OK);
  CHECK(tw_check_file(path, 1).ok);
  char *out = tw_have_evtxexport() ? tw_evtxexport("-f xml", path) : NULL;
  if (out) {
    CHECK(strstr(out, "<Provider Name=\"iScsiPrt\"/>") != NULL);
    CHECK(strstr(out, "<EventID Qualifiers=\"49152\">20</EventID>") != NULL);
    CHECK(strstr(out, "<EventID Qualifiers=\"16384\">34</EventID>") != NULL);
    CHECK(strstr(out, "<Data>iqn.1991-05.com.microsoft:target1</Data>") != NULL);
    CHECK(strstr(out, "<Binary>0000040001000000140000C0</Binary>") != NULL);
    CHECK(tw_count(out, "<Binary>") == 1);
    CHECK(strstr(out, "<Level>2</Level>") != NULL);
  }
  free(out);
  out = tw_have_pyevtx() ? tw_pyevtx(path) : NULL;
  if (out) {
    CHECK(tw_py_count(out, NULL) == 2);
    CHECK(strstr(out, "<EventID Qualifiers=\"49152\">20</EventID>") != NULL);
    CHECK(strstr(out, "<Data>\\Device\\RaidPort2</Data>") != NULL);
    CHECK(strstr(out, "<Binary>AAAEAAEAAAAUAADA</Binary>") != NULL);
  }
  free(out);
}

static void userdata_body(void) {
  fl_evtx_w_sid sid;
  fl_evtx_w_sid_parse("S-1-5-21-3623811015-3361044348-30300820-1013", &sid);
  fl_evtx_w_field f[] = {
      {"SubjectUserSid", {FL_EVTX_W_SID, 0, {.sid = sid}}},
      {"SubjectUserName", {FL_EVTX_W_STRING, 0, {.str = "admin"}}},
      {"SubjectLogonId", {FL_EVTX_W_HEXINT64, 0, {.u = 0x3e7}}},
  };
  fl_evtx_w_event ev = {
      .provider_name = "Microsoft-Windows-Eventlog", .event_id = 1102,
      .level = 4, .keywords = 0x4020000000000000ull, .task = 104,
      .time_created = fl_evtx_w_filetime(TW_T0, 0), .channel = "Security",
      .computer = "dc01", .body = FL_EVTX_W_BODY_USERDATA,
      .userdata_name = "LogFileCleared",
      .userdata_xmlns = "http://manifests.microsoft.com/win/2004/08/windows/eventlog",
      .fields = f, .field_count = 3};
  const char *path = tw_path("userdata.evtx");
  fl_evtx_writer *w;
  fl_error err;
  CHECK(fl_evtx_writer_open(path, NULL, &w, &err) == FL_OK);
  CHECK(fl_evtx_writer_add(w, &ev, &err) == FL_OK);
  CHECK(fl_evtx_writer_close(w, &err) == FL_OK);
  CHECK(tw_check_file(path, 1).ok);
  char *out = tw_have_evtxexport() ? tw_evtxexport("-f xml", path) : NULL;
  if (out) {
    CHECK(strstr(out, "<UserData>") != NULL);
    CHECK(strstr(out, "<LogFileCleared xmlns=\"http://manifests.microsoft.com/"
                      "win/2004/08/windows/eventlog\">") != NULL);
    CHECK(strstr(out, "<SubjectUserSid>S-1-5-21-3623811015-3361044348-"
                      "30300820-1013</SubjectUserSid>") != NULL);
    CHECK(strstr(out, "<SubjectUserName>admin</SubjectUserName>") != NULL);
  }
  free(out);
  out = tw_have_pyevtx() ? tw_pyevtx(path) : NULL;
  if (out) {
    CHECK(tw_py_count(out, NULL) == 1);
    CHECK(strstr(out, "<SubjectUserName>admin</SubjectUserName>") != NULL);
  }
  free(out);
}

static void bad_input_is_reported(void) {
  const char *path = tw_path("errors.evtx");
  fl_evtx_writer *w;
  fl_error err;
  CHECK(fl_evtx_writer_open(path, NULL, &w, &err) == FL_OK);
  tw_sample s;
  tw_sample_4653(&s, 0);
  s.ev.channel = NULL;
  CHECK(fl_evtx_writer_add(w, &s.ev, &err) == FL_EUSAGE);
  tw_sample_4653(&s, 0);
  char *big = malloc(40000); /* 80 KB of UTF-16: over the 16-bit size */
  memset(big, 'x', 39999);
  big[39999] = 0;
  s.fields[0].value.v.str = big;
  CHECK(fl_evtx_writer_add(w, &s.ev, &err) == FL_ELIMIT);
  big[20000] = 0; /* fits a descriptor, but not a chunk with the rest */
  s.fields[1].value.v.str = big;
  s.fields[3].value.v.str = big;
  CHECK(fl_evtx_writer_add(w, &s.ev, &err) == FL_ELIMIT);
  tw_sample_4653(&s, 0); /* still usable afterwards */
  CHECK(fl_evtx_writer_add(w, &s.ev, &err) == FL_OK);
  free(big);
  CHECK(fl_evtx_writer_close(w, &err) == FL_OK);
  tw_layout lay = tw_check_file(path, 1);
  CHECK_STR(lay.why, "");
  CHECK(lay.records == 1);
  fl_evtx_w_guid g;
  fl_evtx_w_sid sid;
  CHECK(fl_evtx_w_guid_parse("{1234}", &g) == -1);
  CHECK(fl_evtx_w_sid_parse("S-1-5-x", &sid) == -1);
  CHECK(fl_evtx_writer_open("/nonexistent/dir/x.evtx", NULL, &w, &err) == FL_EIO);
}

int main(void) {
  if (tw_setup()) {
    printf("FAIL setup: mkdtemp\n");
    return 1;
  }
  RUN(many_records_structure);
  if (tw_have_evtxexport()) {
    RUN(many_records_evtxexport);
  } else {
    SKIP(many_records_evtxexport, "evtxexport not installed");
  }
  if (tw_have_pyevtx()) {
    RUN(many_records_pyevtx);
  } else {
    SKIP(many_records_pyevtx, "python-evtx not installed");
  }
  if (tw_have_evtxexport()) {
    RUN(all_types_evtxexport);
  } else {
    SKIP(all_types_evtxexport, "evtxexport not installed");
  }
  if (tw_have_pyevtx()) {
    RUN(all_types_pyevtx);
  } else {
    SKIP(all_types_pyevtx, "python-evtx not installed");
  }
  RUN(classic_qualifiers_binary);
  RUN(userdata_body);
  RUN(bad_input_is_reported);
  tw_cleanup();
  TEST_EXIT();
}
