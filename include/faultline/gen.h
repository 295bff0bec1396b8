/*
** Scenario generator: writes realistic, deterministic event data (EVTX,
** Windows event XML, netsh wfp XML, JSON lines) for IPsec/IKE, IPsec policy
** and iSCSI failures buried in ordinary background records, plus a ground-
** truth manifest (PATH.manifest.json) saying which records are the failure.
** docs/gen.md describes scenarios, options and the manifest.
**
** This header must never expose the generator's internal record model or
** PRNG: callers choose a scenario and options, nothing more. Generation is
** streamed (constant memory) and byte-identical for identical options.
*/
#ifndef FAULTLINE_GEN_H
#define FAULTLINE_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "faultline/base.h" /* fl_status, fl_error */

#ifdef __cplusplus
extern "C" {
#endif

typedef enum fl_gen_format {
  FL_GEN_EVTX = 0, /* through faultline/evtx_writer.h */
  FL_GEN_XML,      /* <Events><Event xmlns=...>... */
  FL_GEN_NETSH,    /* netsh wfp show netevents: <netEvents><item>... */
  FL_GEN_JSONL,    /* one JSON object per line */
  FL_GEN_EVENT_TEXT,  /* Event Viewer "Copy details as text" */
  FL_GEN_FORMAT_LIST, /* Get-WinEvent | Format-List * */
  FL_GEN_XML_VIEW,    /* Event Viewer XML View, copied */
  FL_GEN_EXPORT_CSV,  /* Event Viewer "Save All Events As" .csv */
  FL_GEN_EXPORT_TXT,  /* Event Viewer "Save All Events As" .txt (tabs) */
  FL_GEN_FORMAT_COUNT
} fl_gen_format;

typedef enum fl_gen_xml_style {
  FL_GEN_XML_WEVTUTIL = 0, /* wevtutil qe /f:xml /e:Events, double quotes */
  FL_GEN_XML_GETWINEVENT   /* Get-WinEvent .ToXml(), single quotes */
} fl_gen_xml_style;

typedef enum fl_gen_json_style {
  FL_GEN_JSON_EVTX_DUMP = 0, /* evtx_dump -o jsonl (evtx-rs) */
  FL_GEN_JSON_WINLOGBEAT     /* Winlogbeat / ECS */
} fl_gen_json_style;

typedef struct fl_gen_options {
  const char *scenario;     /* a name from fl_gen_scenario_at() */
  uint64_t seed;
  unsigned hosts;           /* 0: the scenario's default */
  unsigned days;            /* 0: 1 */
  uint64_t size;            /* stop at about this many bytes; 0: by hosts*days */
  fl_gen_format format;
  fl_gen_xml_style xml_style;
  fl_gen_json_style json_style;
  int hostile;              /* put hostile text in peer-controlled fields */
  int no_manifest;          /* do not write PATH.manifest.json */
  unsigned host_offset;     /* host i is named/addressed as host host_offset+i */
  int time_shift_days;      /* move the whole data set by this many days */
  const char *netsh_path;   /* also write the same hosts' WFP net events here
                            ** (netsh wfp XML; names hosts by IP); NULL: no */
} fl_gen_options;

typedef struct fl_gen_result {
  uint64_t records;   /* records written */
  uint64_t in_scope;  /* of which in scope (listed in the manifest) */
  uint64_t episodes;
  uint64_t bytes;     /* size of the data file */
  uint64_t netsh_records; /* <item>s written to netsh_path */
} fl_gen_result;

typedef struct fl_gen_scenario_info {
  const char *name;      /* "cert-untrusted" */
  const char *cause;     /* cause id in the manifest */
  uint32_t code;         /* main error code, 0 when none */
  unsigned default_hosts;
  const char *summary;   /* one line */
} fl_gen_scenario_info;

FL_API size_t fl_gen_scenario_count(void);
FL_API const fl_gen_scenario_info *fl_gen_scenario_at(size_t index);
FL_API const fl_gen_scenario_info *fl_gen_scenario_find(const char *name);

FL_API const char *fl_gen_format_name(fl_gen_format format);
/* 0 on success, -1 for an unknown name. */
FL_API int fl_gen_format_parse(const char *name, fl_gen_format *out);
/* "2GiB", "500MB", "64k", "1000": 0 on success, -1 when malformed. */
FL_API int fl_gen_parse_size(const char *text, uint64_t *out);

/* Writes the data to path and, unless no_manifest, path.manifest.json. */
FL_API fl_status fl_gen_run(const fl_gen_options *opts, const char *path,
                     fl_gen_result *res, fl_error *err);

#ifdef __cplusplus
}
#endif

#endif
