/*
** The ground-truth manifest of a `faultline gen` run (PATH.manifest.json):
** options, counts, one entry per episode (cause, error code, hosts, peers,
** first/last time, iSCSI WMI failure event) and the position of every
** in-scope record. docs/gen.md documents the schema.
** Must never write a string without JSON escaping, and never claim a
** record that was not written (episode counts come from emitted records).
*/
#include <stdio.h>
#include <string.h>

#include "common/fl_error.h"
#include "gen/gen_engine.h"

static void kv_str(gen_out *o, const char *indent, const char *k, const char *v, int comma) {
  fl_gen_out_str(o, indent);
  fl_gen_out_json(o, k);
  fl_gen_out_str(o, ": ");
  fl_gen_out_json(o, v);
  if (comma) fl_gen_out_ch(o, ',');
  fl_gen_out_nl(o);
}

static void kv_u64(gen_out *o, const char *indent, const char *k, uint64_t v, int comma) {
  fl_gen_out_str(o, indent);
  fl_gen_out_json(o, k);
  fl_gen_out_str(o, ": ");
  fl_gen_out_u64(o, v);
  if (comma) fl_gen_out_ch(o, ',');
  fl_gen_out_nl(o);
}

static void kv_time(gen_out *o, const char *indent, const char *k, uint64_t ft, int has) {
  char t[40];
  t[fl_gen_fmt_time(t, ft, 7)] = '\0';
  if (has) kv_str(o, indent, k, t, 1);
  else {
    fl_gen_out_str(o, indent);
    fl_gen_out_json(o, k);
    fl_gen_out_str(o, ": null,");
    fl_gen_out_nl(o);
  }
}

static const char *record_id_meaning(fl_gen_format f) {
  if (f == FL_GEN_EVTX) return "EventRecordID as stored in the EVTX file (file-wide, from 1)";
  if (f == FL_GEN_NETSH) return "none: netsh net events have no record id; use line (of <item>) or index";
  return "EventRecordID per host and channel (not unique in the file); index/line are unique";
}

static void write_iscsi(gen_out *o, const gen_episode *ep) {
  static const char *const names[] = {"LoginOtherFail", "LoginAuthFail", "LoginAuthenticateFail",
                                      "LoginNegotiateFail", "LogoutOthers"};
  int ft = ep->sc->iscsi_failure_type;
  fl_gen_out_str(o, "      \"iscsi\": {");
  fl_gen_out_nl(o);
  kv_str(o, "        ", "target", ep->iqn, 1);
  kv_str(o, "        ", "target_portal", ep->ext_addr, 1);
  kv_u64(o, "        ", "target_port", 3260, ft >= 0);
  if (ft >= 0 && ft < 5) {
    fl_gen_out_str(o, "        \"wmi_event\": {\"class\": \"MSiSCSI_InitiatorNodeFailureEvent\", ");
    fl_gen_out_str(o, "\"FailureTime\": ");
    fl_gen_out_u64(o, ep->first);
    fl_gen_out_str(o, ", \"FailureType\": ");
    fl_gen_out_u64(o, (uint64_t)ft);
    fl_gen_out_str(o, ", \"FailureTypeName\": ");
    fl_gen_out_json(o, names[ft]);
    fl_gen_out_str(o, ", \"TargetFailureName\": ");
    fl_gen_out_json(o, ep->iqn);
    fl_gen_out_str(o, ", \"TargetFailureAddr\": {\"Type\": \"ISCSI_IP_ADDRESS_IPV4\", \"Address\": ");
    fl_gen_out_json(o, ep->ext_addr);
    fl_gen_out_str(o, "}}");
    fl_gen_out_nl(o);
  }
  fl_gen_out_str(o, "      },");
  fl_gen_out_nl(o);
}

static void write_peers(gen_out *o, const gen_engine *e, const gen_episode *ep) {
  fl_gen_out_str(o, "      \"peers\": [");
  if (ep->sc->remote != R_HOST) {
    fl_gen_out_str(o, "{\"address\": ");
    fl_gen_out_json(o, ep->ext_addr);
    fl_gen_out_ch(o, '}');
  } else {
    for (unsigned i = 0; i < ep->npeers; i++) {
      const gen_host *h = fl_gen_engine_host(e, ep->peers[i]);
      fl_gen_out_str(o, i ? ", {\"host\": " : "{\"host\": ");
      fl_gen_out_json(o, h->fqdn);
      fl_gen_out_str(o, ", \"address\": ");
      fl_gen_out_json(o, h->ip);
      fl_gen_out_ch(o, '}');
    }
  }
  fl_gen_out_str(o, "],");
  fl_gen_out_nl(o);
}

static void write_episode(gen_out *o, const gen_engine *e, const gen_episode *ep, size_t i,
                          fl_gen_format f) {
  const gen_host *h = fl_gen_engine_host(e, ep->host);
  const fl_code_info *code = ep->sc->info.code ? fl_catalog_code_by_value(ep->sc->info.code) : NULL;
  fl_gen_out_str(o, i ? "    },\n    {" : "    {");
  fl_gen_out_nl(o);
  kv_u64(o, "      ", "id", i + 1, 1);
  kv_str(o, "      ", "cause", ep->sc->info.cause, 1);
  kv_str(o, "      ", "scenario", ep->sc->info.name, 1);
  kv_u64(o, "      ", "error_code", ep->sc->info.code, 1);
  kv_str(o, "      ", "error_symbol", code ? code->symbol : "", 1);
  kv_str(o, "      ", "host", h->fqdn, 1);
  kv_str(o, "      ", "host_address", h->ip, 1);
  write_peers(o, e, ep);
  if (ep->sc->remote == R_ISCSI) write_iscsi(o, ep);
  fl_gen_out_str(o, "      \"benign\": ");
  fl_gen_out_str(o, ep->sc->benign ? "true," : "false,");
  fl_gen_out_nl(o);
  if (ep->keymod) kv_str(o, "      ", "keying_module", ep->keymod == 1 ? "IKEv1" : "IKEv2", 1);
  if (ep->intermittent) {
    fl_gen_out_str(o, "      \"intermittent\": true,");
    fl_gen_out_nl(o);
  }
  if (ep->recurrence_of) kv_u64(o, "      ", "recurrence_of", ep->recurrence_of, 1);
  if (!ep->count && f == FL_GEN_NETSH)
    kv_str(o, "      ", "note", "no netsh representation of this episode's events", 1);
  kv_time(o, "      ", "first_time", ep->first, ep->count != 0);
  kv_time(o, "      ", "last_time", ep->last, ep->count != 0);
  kv_u64(o, "      ", "failures", ep->failures, 1);
  if (e->opts.netsh_path) kv_u64(o, "      ", "netsh_count", ep->netsh_count, 1);
  kv_u64(o, "      ", "event_count", ep->count, 0);
}

static fl_status copy_spool(gen_out *o, FILE *spool) {
  char buf[65536];
  size_t n;
  rewind(spool);
  while ((n = fread(buf, 1, sizeof buf, spool)) > 0) fl_gen_out_put(o, buf, n);
  return ferror(spool) ? FL_EIO : FL_OK;
}

static void write_head(gen_out *o, const fl_gen_options *opts, const gen_engine *e,
                       const fl_gen_result *res) {
  char gen[64];
  snprintf(gen, sizeof gen, "faultline gen %s", fl_version());
  fl_gen_out_str(o, "{");
  fl_gen_out_nl(o);
  kv_str(o, "  ", "generator", gen, 1);
  kv_str(o, "  ", "scenario", opts->scenario, 1);
  kv_u64(o, "  ", "seed", opts->seed, 1);
  kv_str(o, "  ", "format", fl_gen_format_name(opts->format), 1);
  if (opts->format == FL_GEN_XML)
    kv_str(o, "  ", "style", opts->xml_style ? "getwinevent" : "wevtutil", 1);
  if (opts->format == FL_GEN_JSONL)
    kv_str(o, "  ", "style", opts->json_style ? "winlogbeat" : "evtx_dump", 1);
  kv_u64(o, "  ", "hosts", fl_gen_engine_host_count(e), 1);
  kv_u64(o, "  ", "days", opts->days ? opts->days : 1, 1);
  if (opts->host_offset) kv_u64(o, "  ", "host_offset", opts->host_offset, 1);
  if (opts->time_shift_days) {
    fl_gen_out_str(o, "  \"time_shift_days\": ");
    if (opts->time_shift_days < 0) fl_gen_out_ch(o, '-');
    fl_gen_out_u64(o, (uint64_t)(opts->time_shift_days < 0 ? -(int64_t)opts->time_shift_days
                                                            : opts->time_shift_days));
    fl_gen_out_ch(o, ',');
    fl_gen_out_nl(o);
  }
  if (opts->netsh_path) {
    kv_str(o, "  ", "netsh_file", opts->netsh_path, 1);
    kv_u64(o, "  ", "netsh_record_count", res->netsh_records, 1);
  }
  kv_u64(o, "  ", "size_limit", opts->size, 1);
  kv_u64(o, "  ", "bytes", res->bytes, 1);
  kv_u64(o, "  ", "record_count", res->records, 1);
  kv_u64(o, "  ", "in_scope_count", res->in_scope, 1);
  kv_str(o, "  ", "record_id_meaning", record_id_meaning(opts->format), 1);
}

fl_status fl_gen_manifest_write(const fl_gen_options *opts, const gen_engine *e,
                                fl_gen_result *res, FILE *spool, const char *path,
                                fl_error *err) {
  char mpath[4096];
  if ((size_t)snprintf(mpath, sizeof mpath, "%s.manifest.json", path) >= sizeof mpath)
    return fl_error_line(err, FL_EUSAGE, path, 0, 0, "output path too long");
  FILE *fp = fopen(mpath, "wb");
  if (!fp) return fl_error_line(err, FL_EIO, mpath, 0, 0, "cannot create the manifest");
  gen_out o;
  if (fl_gen_out_init(&o, fp, 1u << 16) != 0) {
    fclose(fp);
    return fl_error_line(err, FL_ENOMEM, mpath, 0, 0, "out of memory");
  }
  const gen_episode *eps;
  size_t n = fl_gen_engine_episodes(e, &eps);
  res->episodes = n;
  write_head(&o, opts, e, res);
  fl_gen_out_str(&o, "  \"episodes\": [");
  fl_gen_out_nl(&o);
  for (size_t i = 0; i < n; i++) write_episode(&o, e, &eps[i], i, opts->format);
  fl_gen_out_str(&o, n ? "    }\n  ],\n  \"in_scope\": [" : "  ],\n  \"in_scope\": [");
  fl_status st = copy_spool(&o, spool);
  fl_gen_out_str(&o, "\n  ]\n}\n");
  int bad = fl_gen_out_flush(&o) != 0 || st != FL_OK;
  fl_gen_out_free(&o);
  if (fclose(fp) != 0) bad = 1;
  if (bad) return fl_error_line(err, FL_EIO, mpath, 0, 0, "writing the manifest failed");
  return FL_OK;
}
