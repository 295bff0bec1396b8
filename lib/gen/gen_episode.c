/*
** One in-scope record of an episode step: who logs it, the IPsec values
** (addresses, ports, %%NNNN inserts for the SDK enum values, the exact
** FailureReason text from the catalog, cookies, filter and SA ids,
** certificate data), the iScsiPrt dump data, and the WFP net-event view the
** netsh writer needs. Also the WFP view of netsh background records.
** Must never hard-code an insert number or an error text: both come from
** lib/catalog (fl_catalog_insert_for_enum, fl_catalog_code_by_value).
*/
#include <stdio.h>
#include <string.h>

#include "gen/gen_engine.h"

#define ISSUER "CN=Example Issuing CA 01, DC=corp, DC=example, DC=org"
#define ROOT "CN=Example Root CA, DC=corp, DC=example, DC=org"
#define LAB_ISSUER "CN=Lab Issuing CA, O=Example Lab"
#define LAB_ROOT "CN=Lab Root CA, O=Example Lab"
#define AD_POLICY \
  "CN=ipsecPolicy{7238523c-70fa-11d1-864c-14a300000000},CN=IP Security,CN=System,DC=corp,DC=example,DC=org"
#define INSERT_UNKNOWN 8211
#define INSERT_UNKNOWN_AUTH 8194

static uint64_t ins(const char *enum_name, int64_t value) {
  uint32_t id = fl_catalog_insert_for_enum(enum_name, value);
  return id ? id : INSERT_UNKNOWN;
}

static const char *state_enum(uint16_t event) {
  if (event == 4654) return "IKEEXT_QM_SA_STATE";
  if (event == 4983 || event == 4984) return "IKEEXT_EM_SA_STATE";
  return "IKEEXT_MM_SA_STATE";
}

static const char *hex_text(gen_record *r, const uint8_t *p, size_t n) {
  static const char d[] = "0123456789ABCDEF";
  char b[64];
  for (size_t i = 0; i < n && i < 32; i++) {
    b[2 * i] = d[p[i] >> 4];
    b[2 * i + 1] = d[p[i] & 15];
  }
  return fl_gen_rec_strn(r, b, 2 * n);
}

static const char *principal(gen_record *r, const gen_host *h, int auth) {
  char b[96];
  if (auth == 1) snprintf(b, sizeof b, "CN=%s", h->fqdn);
  else snprintf(b, sizeof b, "CORP\\%s", h->account);
  return fl_gen_rec_str(r, b);
}

typedef struct who {
  const gen_host *logger, *remote; /* remote NULL: external address */
  unsigned logger_index;
  const char *remote_addr;
  uint32_t remote_ip;
} who;

static who pick_who(gen_host *hosts, gen_episode *ep, const gen_step *s) {
  who w;
  unsigned peer = ep->npeers ? ep->peers[ep->peer_cursor++ % ep->npeers] : ep->host;
  int ext = ep->sc->remote != R_HOST;
  w.logger_index = s->who == W_PEER ? peer : ep->host;
  w.logger = &hosts[w.logger_index];
  w.remote = ext ? NULL : s->who == W_PEER ? &hosts[ep->host] : &hosts[peer];
  w.remote_addr = w.remote ? w.remote->ip : ep->ext_addr;
  w.remote_ip = w.remote ? w.remote->ip_u32 : ep->ext_ip;
  return w;
}

static void ipsec_certs(gen_ctx *c, gen_record *r, const gen_episode *ep, const gen_step *s) {
  int cert = s->auth == 1 && !(s->flags & F_AUTH_UNKNOWN);
  c->local_hash = cert ? hex_text(r, ep->local_hash, 20) : "-";
  c->local_issuer = cert ? ISSUER : "-";
  c->local_root = cert ? ROOT : "-";
  int remote_known = cert && (s->flags & F_NAMES);
  c->remote_hash = remote_known ? hex_text(r, ep->remote_hash, 20) : "-";
  c->remote_issuer = remote_known ? (s->flags & F_UNTRUSTED ? LAB_ISSUER : ISSUER) : "-";
  c->remote_root = remote_known ? (s->flags & F_UNTRUSTED ? LAB_ROOT : ROOT) : "-";
}

static void ipsec_ctx(gen_ctx *c, gen_record *r, gen_episode *ep, const gen_step *s,
                      const who *w, gen_host *logger, gen_rng *rng, int hostile) {
  c->local_addr = w->logger->ip;
  c->remote_addr = w->remote_addr;
  c->local_port = c->remote_port = s->rport;
  c->ins_keymod = ins("IKEEXT_KEY_MODULE_TYPE", s->keymod);
  c->ins_auth = s->flags & F_AUTH_UNKNOWN ? INSERT_UNKNOWN_AUTH
                                          : ins("IKEEXT_AUTHENTICATION_METHOD_TYPE", s->auth);
  c->ins_state = ins(state_enum(s->event), s->state);
  c->ins_role = ins("IKEEXT_SA_ROLE", s->role);
  c->ins_fail_point = ins("IPSEC_FAILURE_POINT", s->fpoint);
  c->ins_impers = 8217;
  const fl_code_info *code = s->code ? fl_catalog_code_by_value(s->code) : NULL;
  c->fail_reason = code ? code->message : "-";
  c->mm_filter = logger->mm_filter;
  c->qm_filter = logger->mm_filter + 7;
  c->mm_sa = ++logger->mm_sa;
  c->icookie = fl_gen_rng_next(rng);
  c->rcookie = s->flags & F_ZERO_RCOOKIE ? 0 : fl_gen_rng_next(rng);
  int names = (s->flags & F_NAMES) != 0;
  c->local_principal = names ? principal(r, w->logger, s->auth) : "-";
  c->remote_principal = names && w->remote ? principal(r, w->remote, s->auth) : "-";
  if (hostile && w->remote) c->remote_principal = fl_gen_hostile_text;
  ipsec_certs(c, r, ep, s);
  c->ins_cipher = 8237;
  c->ins_integrity = 8242;
  c->ins_dh = 8232;
  c->mm_lifetime = 480;
  c->qm_limit = 0;
  c->ins_notification = s->flags & F_NOTIF_STOP ? 8215 : 8214;
  c->policy = hostile ? fl_gen_hostile_text : AD_POLICY;
  c->pa_error = "1355";
  c->ins_mode = 8212;
  c->message_id = fl_gen_rng_next(rng) & 0xFFFFFFFFu;
  c->local_em_principal = "CORP\\amartin";
  c->remote_em_principal = "-";
}

static void put_le16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static void put_le32(uint8_t *p, uint32_t v) {
  put_le16(p, (uint16_t)v);
  put_le16(p + 2, (uint16_t)(v >> 16));
}

/* iScsiPrt <Binary>: the IO_ERROR_LOG_PACKET fields from MajorFunctionCode
** on, then the dump data the message names (inferred; see formats doc). */
static void iscsi_binary(gen_record *r, const gen_episode *ep, uint16_t id, gen_rng *rng) {
  uint8_t dump[64];
  size_t n = 0;
  if (id == 1) { /* target IP address and TCP port */
    put_le32(dump, ep->ext_ip);
    put_le16(dump + 4, 3260);
    put_le16(dump + 6, 0);
    n = 8;
  } else if (id == 17) { /* the CHAP response */
    for (n = 0; n < 16; n++) dump[n] = (uint8_t)fl_gen_rng_next(rng);
  } else if (id == 10) { /* login response header: auth failure 0x0201 */
    memset(dump, 0, 48);
    dump[0] = 0x23;
    dump[1] = 0x81;
    dump[36] = 0x02;
    dump[37] = 0x01;
    n = 48;
  }
  const fl_iscsiprt_event *ev = fl_catalog_iscsiprt(id);
  uint8_t *b = r->bin;
  memset(b, 0, 0x28);
  put_le16(b + 2, (uint16_t)n);
  put_le16(b + 4, 1);
  put_le16(b + 6, (uint16_t)(0x28 + n));
  put_le32(b + 12, ev ? ev->message_id : 0);
  put_le32(b + 20, ev ? ev->message_id : 0);
  memcpy(b + 0x28, dump, n);
  r->bin_len = 0x28 + n;
}

static void wfp_view(gen_record *r, const gen_ctx *c, const gen_step *s, const who *w,
                     const gen_episode *ep) {
  gen_wfp *f = &r->wfp;
  f->kind = r->shape->wfp;
  f->code = s->code;
  f->fpoint = s->fpoint;
  f->keymod = s->keymod;
  f->state = s->state;
  f->role = s->role;
  f->auth = s->auth;
  f->flags = s->flags & F_BENIGN ? 3u : s->flags & F_BENIGN_FAIL ? 1u : 0u;
  f->has_hash = s->auth == 1 && (s->code == 13801 || s->code == 13806);
  memcpy(f->cert_hash, s->code == 13806 ? ep->local_hash : ep->remote_hash, 20);
  f->mm_id = c->mm_sa;
  f->filter_id = c->mm_filter;
  f->qm_filter_id = c->qm_filter;
  f->local_ip = w->logger->ip_u32;
  f->remote_ip = w->remote_ip;
  f->local_port = f->remote_port = s->rport;
  f->protocol = 17;
  f->local_principal = strcmp(c->local_principal, "-") ? c->local_principal : "";
  f->remote_principal = strcmp(c->remote_principal, "-") ? c->remote_principal : "";
  f->app_path = "";
  f->user_sid = "";
}

/* The episode's step with its keying module: an IKEv1/IKEv2 step takes the
** episode's version when it has one (AuthIP stays AuthIP). */
static gen_step episode_step(const gen_episode *ep) {
  enum { KM_IKE = 0, KM_IKEV2 = 2 };
  gen_step s = ep->sc->steps[ep->step];
  if (ep->keymod && (s.keymod == KM_IKE || s.keymod == KM_IKEV2))
    s.keymod = (uint8_t)(ep->keymod == 1 ? KM_IKE : KM_IKEV2);
  return s;
}

unsigned fl_gen_episode_emit(gen_host *hosts, gen_episode *ep, gen_record *r, gen_rng *rng,
                             int hostile, int netsh, int wfp) {
  gen_step step = episode_step(ep);
  const gen_step *s = &step;
  who w = pick_who(hosts, ep, s);
  gen_ctx c;
  memset(&c, 0, sizeof c);
  if (s->flags & F_ISCSI) {
    r->shape = fl_gen_shape_iscsiprt(s->event);
    c.raidport = "\\Device\\RaidPort1";
    fl_gen_fill(r, &c);
    iscsi_binary(r, ep, s->event, rng);
    return w.logger_index;
  }
  r->shape = fl_gen_shape(netsh && (s->flags & F_BENIGN) ? 4653 : s->event);
  ipsec_ctx(&c, r, ep, s, &w, &hosts[w.logger_index], rng, hostile);
  fl_gen_fill(r, &c);
  if (netsh || wfp) wfp_view(r, &c, s, &w, ep);
  return w.logger_index;
}

unsigned fl_gen_episode_success(gen_host *hosts, gen_episode *ep, gen_record *r, gen_rng *rng,
                                int wfp) {
  /* the same pair, same keying module and authentication, established:
  ** 4651 with a certificate, else 4650; logged by whoever logs the failures */
  enum { AU_CERT = 1 };
  gen_step s = episode_step(ep);
  ep->peer_cursor += ep->npeers ? ep->npeers - 1 : 0; /* same peer as the failure before */
  who w = pick_who(hosts, ep, &s);
  s.event = s.auth == AU_CERT ? 4651 : 4650;
  s.code = 0;
  s.state = 0;
  s.fpoint = 0;
  s.flags = F_NAMES | F_RESOLVED;
  gen_ctx c;
  memset(&c, 0, sizeof c);
  r->shape = fl_gen_shape(s.event);
  ipsec_ctx(&c, r, ep, &s, &w, &hosts[w.logger_index], rng, 0);
  fl_gen_fill(r, &c);
  if (wfp) memset(&r->wfp, 0, sizeof r->wfp); /* no WFP form of a success here */
  return w.logger_index;
}

void fl_gen_wfp_background(gen_record *r, const gen_host *h, gen_rng *rng) {
  static const uint16_t ports[] = {137, 138, 1900, 5353, 5355, 3702, 445, 135};
  gen_wfp *f = &r->wfp;
  f->kind = r->shape->wfp;
  f->inbound = fl_gen_rng_below(rng, 4) != 0;
  f->local_ip = h->ip_u32;
  f->remote_ip = (10u << 24) | (20u << 16) | (uint32_t)fl_gen_rng_range(rng, 10, 23) << 8 |
                 (uint32_t)fl_gen_rng_range(rng, 2, 251);
  f->local_port = ports[fl_gen_rng_below(rng, sizeof ports / sizeof ports[0])];
  f->remote_port = (uint16_t)fl_gen_rng_range(rng, 49152, 65535);
  f->protocol = f->local_port == 445 || f->local_port == 135 ? 6 : 17;
  f->filter_id = fl_gen_rng_range(rng, 66000, 90000);
  f->layer_id = f->inbound ? 44 : 48;
  f->app_path = f->kind == GEN_WFP_CLASSIFY_ALLOW ? "\\device\\harddiskvolume2\\windows\\system32\\svchost.exe" : "";
  f->user_sid = f->kind == GEN_WFP_CLASSIFY_ALLOW ? "S-1-5-19" : "";
  f->local_principal = f->remote_principal = "";
}
