/*
** netsh wfp XML writer for `faultline gen --format netsh`: the
** `netsh wfp show netevents` form, <netEvents><item><header>..</header>
** <type>FWPM_NET_EVENT_TYPE_..</type><ikeMmFailure>..</ikeMmFailure></item>.
** Element names are the SDK C member names (windows-events.md §5.2); the
** IKE failure bodies are inferred by that rule (no public sample exists),
** see docs/formats-written.md. Enum and flag names come from the catalog.
** Must never write an element value unescaped.
*/
#include <string.h>

#include "gen/gen_internal.h"

static void ind(gen_out *o, int depth) {
  static const char sp[] = "                                ";
  size_t n = depth > 0 ? (size_t)depth * 4u : 0;
  fl_gen_out_put(o, sp, n < sizeof sp - 1 ? n : sizeof sp - 1);
}

static void open_tag(gen_out *o, int d, const char *name) {
  ind(o, d);
  fl_gen_out_ch(o, '<');
  fl_gen_out_str(o, name);
  fl_gen_out_ch(o, '>');
  fl_gen_out_nl(o);
}

static void close_tag(gen_out *o, int d, const char *name) {
  ind(o, d);
  fl_gen_out_str(o, "</");
  fl_gen_out_str(o, name);
  fl_gen_out_ch(o, '>');
  fl_gen_out_nl(o);
}

static void tag_str(gen_out *o, int d, const char *name, const char *v) {
  ind(o, d);
  fl_gen_out_ch(o, '<');
  fl_gen_out_str(o, name);
  if (!v || !*v) {
    fl_gen_out_str(o, "/>");
  } else {
    fl_gen_out_ch(o, '>');
    fl_gen_out_xml(o, v, 0);
    fl_gen_out_str(o, "</");
    fl_gen_out_str(o, name);
    fl_gen_out_ch(o, '>');
  }
  fl_gen_out_nl(o);
}

static void tag_u64(gen_out *o, int d, const char *name, uint64_t v) {
  char b[24];
  b[fl_gen_fmt_u64(b, v)] = '\0';
  tag_str(o, d, name, b);
}

static void tag_enum(gen_out *o, int d, const char *name, const char *enum_name, int64_t v) {
  const char *sym = fl_catalog_enum_symbol(enum_name, v);
  if (sym) tag_str(o, d, name, sym);
  else tag_u64(o, d, name, (uint64_t)v);
}

static void tag_ip(gen_out *o, int d, const char *name, uint32_t ip) {
  char b[16];
  size_t n = 0;
  for (int sh = 24; sh >= 0; sh -= 8) {
    n += fl_gen_fmt_u64(b + n, (ip >> sh) & 255);
    if (sh) b[n++] = '.';
  }
  b[n] = '\0';
  tag_str(o, d, name, b);
}

static void tag_flags(gen_out *o, int d, const char *name, const char *set, uint64_t v) {
  unsigned n = 0;
  for (size_t i = 0; i < fl_catalog_flag_count(); i++) {
    const fl_flag_bit *f = fl_catalog_flag_at(i);
    if (strcmp(f->set, set) == 0 && (v & f->bit)) n++;
  }
  ind(o, d);
  fl_gen_out_ch(o, '<');
  fl_gen_out_str(o, name);
  fl_gen_out_str(o, " numItems=\"");
  fl_gen_out_u64(o, n);
  fl_gen_out_str(o, n ? "\">" : "\"/>");
  fl_gen_out_nl(o);
  if (!n) return;
  for (size_t i = 0; i < fl_catalog_flag_count(); i++) {
    const fl_flag_bit *f = fl_catalog_flag_at(i);
    if (strcmp(f->set, set) == 0 && (v & f->bit)) tag_str(o, d + 1, "item", f->symbol);
  }
  close_tag(o, d, name);
}

static void tag_hash(gen_out *o, int d, const char *name, const uint8_t *h, int has) {
  static const uint8_t zero[20];
  ind(o, d);
  fl_gen_out_ch(o, '<');
  fl_gen_out_str(o, name);
  fl_gen_out_ch(o, '>');
  fl_gen_out_hex(o, has ? h : zero, 20, 0);
  fl_gen_out_str(o, "</");
  fl_gen_out_str(o, name);
  fl_gen_out_ch(o, '>');
  fl_gen_out_nl(o);
}

/* FWP_BYTE_BLOB of a UTF-16LE path incl. NUL: <data> hex + <asString>. */
static void tag_app(gen_out *o, int d, const char *path) {
  if (!*path) {
    tag_str(o, d, "appId", "");
    return;
  }
  open_tag(o, d, "appId");
  ind(o, d + 1);
  fl_gen_out_str(o, "<data>");
  size_t n = strlen(path);
  for (size_t i = 0; i <= n; i++) {
    uint8_t u[2] = {(uint8_t)path[i], 0};
    fl_gen_out_hex(o, u, 2, 0);
  }
  fl_gen_out_str(o, "</data>");
  fl_gen_out_nl(o);
  char s[512];
  size_t k = 0;
  for (size_t i = 0; i <= n && k + 2 < sizeof s; i++) {
    unsigned char c = (unsigned char)path[i];
    s[k++] = c >= 0x20 && c < 0x7f ? (char)c : '.';
    s[k++] = '.';
  }
  s[k] = '\0';
  tag_str(o, d + 1, "asString", s);
  close_tag(o, d, "appId");
}

static void write_header(gen_out *o, const gen_record *r) {
  const gen_wfp *f = &r->wfp;
  uint64_t flags = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x100;
  if (*f->app_path) flags |= 0x20;
  if (*f->user_sid) flags |= 0x40;
  open_tag(o, 2, "header");
  ind(o, 3);
  fl_gen_out_str(o, "<timeStamp>");
  fl_gen_out_time(o, r->time, 3);
  fl_gen_out_str(o, "</timeStamp>");
  fl_gen_out_nl(o);
  tag_flags(o, 3, "flags", "FWPM_NET_EVENT_FLAG", flags);
  tag_str(o, 3, "ipVersion", "FWP_IP_VERSION_V4");
  tag_u64(o, 3, "ipProtocol", f->protocol);
  tag_ip(o, 3, "localAddrV4", f->local_ip);
  tag_ip(o, 3, "remoteAddrV4", f->remote_ip);
  tag_u64(o, 3, "localPort", f->local_port);
  tag_u64(o, 3, "remotePort", f->remote_port);
  tag_u64(o, 3, "scopeId", 0);
  tag_app(o, 3, f->app_path);
  tag_str(o, 3, "userId", f->user_sid);
  tag_str(o, 3, "addressFamily", "FWP_AF_INET");
  tag_str(o, 3, "packageSid", "S-1-0-0");
  tag_str(o, 3, "enterpriseId", "");
  tag_u64(o, 3, "policyFlags", 0);
  tag_str(o, 3, "effectiveName", "");
  close_tag(o, 2, "header");
}

static void principals(gen_out *o, const gen_wfp *f) {
  tag_str(o, 3, "localPrincipalNameForAuth", f->local_principal);
  tag_str(o, 3, "remotePrincipalNameForAuth", f->remote_principal);
  tag_str(o, 3, "localPrincipalGroupSids", "");
  tag_str(o, 3, "remotePrincipalGroupSids", "");
}

static void write_mm(gen_out *o, const gen_wfp *f) {
  open_tag(o, 2, "ikeMmFailure");
  tag_u64(o, 3, "failureErrorCode", f->code);
  tag_enum(o, 3, "failurePoint", "IPSEC_FAILURE_POINT", f->fpoint);
  tag_flags(o, 3, "flags", "MM_FAILURE_FLAG", f->flags);
  tag_enum(o, 3, "keyingModuleType", "IKEEXT_KEY_MODULE_TYPE", f->keymod);
  tag_enum(o, 3, "mmState", "IKEEXT_MM_SA_STATE", f->state);
  tag_enum(o, 3, "saRole", "IKEEXT_SA_ROLE", f->role);
  tag_enum(o, 3, "mmAuthMethod", "IKEEXT_AUTHENTICATION_METHOD_TYPE", f->auth);
  tag_hash(o, 3, "endCertHash", f->cert_hash, f->has_hash);
  tag_u64(o, 3, "mmId", f->mm_id);
  tag_u64(o, 3, "mmFilterId", f->filter_id);
  principals(o, f);
  tag_str(o, 3, "providerContextKey", "");
  close_tag(o, 2, "ikeMmFailure");
}

static void subnet(gen_out *o, const char *name, uint32_t ip) {
  open_tag(o, 3, name);
  tag_str(o, 4, "type", "FWP_UINT32");
  tag_ip(o, 4, "uint32", ip);
  close_tag(o, 3, name);
}

static void write_qm(gen_out *o, const gen_wfp *f) {
  open_tag(o, 2, "ikeQmFailure");
  tag_u64(o, 3, "failureErrorCode", f->code);
  tag_enum(o, 3, "failurePoint", "IPSEC_FAILURE_POINT", f->fpoint);
  tag_enum(o, 3, "keyingModuleType", "IKEEXT_KEY_MODULE_TYPE", f->keymod);
  tag_enum(o, 3, "qmState", "IKEEXT_QM_SA_STATE", f->state);
  tag_enum(o, 3, "saRole", "IKEEXT_SA_ROLE", f->role);
  tag_enum(o, 3, "saTrafficType", "IPSEC_TRAFFIC_TYPE", f->traffic);
  subnet(o, "localSubNet", f->local_ip);
  subnet(o, "remoteSubNet", f->remote_ip);
  tag_u64(o, 3, "qmFilterId", f->qm_filter_id);
  tag_u64(o, 3, "mmSaLuid", f->mm_id);
  tag_str(o, 3, "mmProviderContextKey", "{00000000-0000-0000-0000-000000000000}");
  close_tag(o, 2, "ikeQmFailure");
}

static void write_em(gen_out *o, const gen_wfp *f) {
  open_tag(o, 2, "ikeEmFailure");
  tag_u64(o, 3, "failureErrorCode", f->code);
  tag_enum(o, 3, "failurePoint", "IPSEC_FAILURE_POINT", f->fpoint);
  tag_flags(o, 3, "flags", "EM_FAILURE_FLAG", f->flags);
  tag_enum(o, 3, "emState", "IKEEXT_EM_SA_STATE", f->state);
  tag_enum(o, 3, "saRole", "IKEEXT_SA_ROLE", f->role);
  tag_enum(o, 3, "emAuthMethod", "IKEEXT_AUTHENTICATION_METHOD_TYPE", f->auth);
  tag_hash(o, 3, "endCertHash", f->cert_hash, f->has_hash);
  tag_u64(o, 3, "mmId", f->mm_id);
  tag_u64(o, 3, "qmFilterId", f->qm_filter_id);
  principals(o, f);
  tag_enum(o, 3, "saTrafficType", "IPSEC_TRAFFIC_TYPE", f->traffic);
  close_tag(o, 2, "ikeEmFailure");
}

static void write_classify(gen_out *o, const gen_wfp *f, int allow) {
  const char *name = allow ? "classifyAllow" : "classifyDrop";
  open_tag(o, 2, name);
  tag_u64(o, 3, "filterId", f->filter_id);
  tag_u64(o, 3, "layerId", f->layer_id);
  tag_u64(o, 3, "reauthReason", 0);
  tag_u64(o, 3, "originalProfile", 0);
  tag_u64(o, 3, "currentProfile", 0);
  tag_str(o, 3, "msFwpDirection", f->inbound ? "MS_FWP_DIRECTION_IN" : "MS_FWP_DIRECTION_OUT");
  tag_str(o, 3, "isLoopback", "false");
  if (!allow) {
    tag_str(o, 3, "vSwitchId", "");
    tag_u64(o, 3, "vSwitchSourcePort", 0);
    tag_u64(o, 3, "vSwitchDestinationPort", 0);
  }
  close_tag(o, 2, name);
}

static const char *const type_names[] = {
    NULL, "FWPM_NET_EVENT_TYPE_IKEEXT_MM_FAILURE", "FWPM_NET_EVENT_TYPE_IKEEXT_QM_FAILURE",
    "FWPM_NET_EVENT_TYPE_IKEEXT_EM_FAILURE", "FWPM_NET_EVENT_TYPE_CLASSIFY_DROP",
    "FWPM_NET_EVENT_TYPE_CLASSIFY_ALLOW"};

static fl_status netsh_write(gen_writer *w, const gen_record *r, gen_pos *pos, fl_error *err) {
  (void)err;
  gen_out *o = &w->out;
  const gen_wfp *f = &r->wfp;
  if (f->kind == GEN_WFP_NONE) return FL_OK; /* nothing netsh would show */
  pos->line = o->lines + 1;
  pos->index = ++w->count;
  pos->record_id = 0;
  open_tag(o, 1, "item");
  write_header(o, r);
  tag_str(o, 2, "type", type_names[f->kind]);
  if (f->kind == GEN_WFP_MM_FAILURE) write_mm(o, f);
  else if (f->kind == GEN_WFP_QM_FAILURE) write_qm(o, f);
  else if (f->kind == GEN_WFP_EM_FAILURE) write_em(o, f);
  else write_classify(o, f, f->kind == GEN_WFP_CLASSIFY_ALLOW);
  close_tag(o, 1, "item");
  return FL_OK;
}

static fl_status netsh_begin(gen_writer *w, const char *path, fl_error *err) {
  fl_status st = fl_gen_text_begin(w, path, err);
  if (st != FL_OK) return st;
  fl_gen_out_str(&w->out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
  fl_gen_out_nl(&w->out);
  open_tag(&w->out, 0, "netEvents");
  return FL_OK;
}

static fl_status netsh_end(gen_writer *w, fl_error *err) {
  close_tag(&w->out, 0, "netEvents");
  return fl_gen_text_end(w, err);
}

void fl_gen_writer_netsh(gen_writer *w) {
  w->begin = netsh_begin;
  w->write = netsh_write;
  w->end = netsh_end;
  w->bytes = fl_gen_text_bytes;
}
