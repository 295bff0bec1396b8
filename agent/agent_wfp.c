/*
** WFP IKE failure net events -> the netsh reader's record form (see
** agent_wfp.h). Member tables (name, kind, offset) per struct, in the
** SDK's member order, as lib/input/input_wfp.c reads them back; values in
** the forms docs/inputs.md gives (enums decimal, flags 0x.., addresses
** dotted, hashes upper-case hex, SIDs S-1-..., strings UTF-8).
**
** Must never: follow a NULL pointer of the event (every pointer member may
** be NULL), write past out->text, or forward a type it cannot describe.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "agent_wfp.h"
#include "common/fl_time.h"
#include "faultline/input.h"

enum { W_U8, W_U16, W_U32, W_U64, W_HEX32, W_TIME, W_IPV4, W_IPV6, W_BLOB16, W_SID, W_HASH,
       W_WSTR, W_SIDS, W_SUBNET };

typedef struct agent_wfp_member {
  const char *name;
  size_t off;
  size_t off2;    /* W_SIDS: the count member */
  int kind;
  unsigned flag;  /* header: the FWPM_NET_EVENT_FLAG_* that says it is set */
} agent_wfp_member;

/* FWPM_NET_EVENT_FLAG_* (fwpmtypes.h), spelt out because the library's
** header has them as enumerators of its own. */
enum { F_PROTO = 0x1, F_LADDR = 0x2, F_RADDR = 0x4, F_LPORT = 0x8, F_RPORT = 0x10,
       F_APP = 0x20, F_USER = 0x40, F_SCOPE = 0x80, F_IPVER = 0x100 };

#define H(m) offsetof(FWPM_NET_EVENT_HEADER1, m)
static const agent_wfp_member agent_wfp_header[] = {
    {"timeStamp", H(timeStamp), 0, W_TIME, 0},
    {"headerFlags", H(flags), 0, W_HEX32, 0},
    {"ipVersion", H(ipVersion), 0, W_U32, F_IPVER},
    {"ipProtocol", H(ipProtocol), 0, W_U8, F_PROTO},
    {"localAddrV4", H(localAddrV4), 0, W_IPV4, F_LADDR},
    {"remoteAddrV4", H(remoteAddrV4), 0, W_IPV4, F_RADDR},
    {"localAddrV6", H(localAddrV6), 0, W_IPV6, F_LADDR},
    {"remoteAddrV6", H(remoteAddrV6), 0, W_IPV6, F_RADDR},
    {"localPort", H(localPort), 0, W_U16, F_LPORT},
    {"remotePort", H(remotePort), 0, W_U16, F_RPORT},
    {"scopeId", H(scopeId), 0, W_U32, F_SCOPE},
    {"appId", H(appId), 0, W_BLOB16, F_APP},
    {"userId", H(userId), 0, W_SID, F_USER},
    {NULL, 0, 0, 0, 0}};
#undef H

#define M(m) offsetof(FWPM_NET_EVENT_IKEEXT_MM_FAILURE1, m)
static const agent_wfp_member agent_wfp_mm[] = {
    {"failureErrorCode", M(failureErrorCode), 0, W_U32, 0},
    {"failurePoint", M(failurePoint), 0, W_U32, 0},
    {"flags", M(flags), 0, W_HEX32, 0},
    {"keyingModuleType", M(keyingModuleType), 0, W_U32, 0},
    {"mmState", M(mmState), 0, W_U32, 0},
    {"saRole", M(saRole), 0, W_U32, 0},
    {"mmAuthMethod", M(mmAuthMethod), 0, W_U32, 0},
    {"endCertHash", M(endCertHash), 0, W_HASH, 0},
    {"mmId", M(mmId), 0, W_U64, 0},
    {"mmFilterId", M(mmFilterId), 0, W_U64, 0},
    {"localPrincipalNameForAuth", M(localPrincipalNameForAuth), 0, W_WSTR, 0},
    {"remotePrincipalNameForAuth", M(remotePrincipalNameForAuth), 0, W_WSTR, 0},
    {"localPrincipalGroupSids", M(localPrincipalGroupSids), M(numLocalPrincipalGroupSids), W_SIDS, 0},
    {"remotePrincipalGroupSids", M(remotePrincipalGroupSids), M(numRemotePrincipalGroupSids), W_SIDS, 0},
    {NULL, 0, 0, 0, 0}};
#undef M

#define Q(m) offsetof(FWPM_NET_EVENT_IKEEXT_QM_FAILURE0, m)
static const agent_wfp_member agent_wfp_qm[] = {
    {"failureErrorCode", Q(failureErrorCode), 0, W_U32, 0},
    {"failurePoint", Q(failurePoint), 0, W_U32, 0},
    {"keyingModuleType", Q(keyingModuleType), 0, W_U32, 0},
    {"qmState", Q(qmState), 0, W_U32, 0},
    {"saRole", Q(saRole), 0, W_U32, 0},
    {"saTrafficType", Q(saTrafficType), 0, W_U32, 0},
    {"localSubNet", Q(localSubNet), 0, W_SUBNET, 0},
    {"remoteSubNet", Q(remoteSubNet), 0, W_SUBNET, 0},
    {"qmFilterId", Q(qmFilterId), 0, W_U64, 0},
    {NULL, 0, 0, 0, 0}};
#undef Q

#define E(m) offsetof(FWPM_NET_EVENT_IKEEXT_EM_FAILURE1, m)
static const agent_wfp_member agent_wfp_em[] = {
    {"failureErrorCode", E(failureErrorCode), 0, W_U32, 0},
    {"failurePoint", E(failurePoint), 0, W_U32, 0},
    {"flags", E(flags), 0, W_HEX32, 0},
    {"emState", E(emState), 0, W_U32, 0},
    {"saRole", E(saRole), 0, W_U32, 0},
    {"emAuthMethod", E(emAuthMethod), 0, W_U32, 0},
    {"endCertHash", E(endCertHash), 0, W_HASH, 0},
    {"mmId", E(mmId), 0, W_U64, 0},
    {"qmFilterId", E(qmFilterId), 0, W_U64, 0},
    {"localPrincipalNameForAuth", E(localPrincipalNameForAuth), 0, W_WSTR, 0},
    {"remotePrincipalNameForAuth", E(remotePrincipalNameForAuth), 0, W_WSTR, 0},
    {"localPrincipalGroupSids", E(localPrincipalGroupSids), E(numLocalPrincipalGroupSids), W_SIDS, 0},
    {"remotePrincipalGroupSids", E(remotePrincipalGroupSids), E(numRemotePrincipalGroupSids), W_SIDS, 0},
    {"saTrafficType", E(saTrafficType), 0, W_U32, 0},
    {NULL, 0, 0, 0, 0}};
#undef E

/* Which types are forwarded: the FWPM_NET_EVENT_TYPE, its record id. */
static const struct {
  unsigned type;
  uint32_t event_id;
  const agent_wfp_member *members;
} agent_wfp_types[] = {
    {FWPM_NET_EVENT_TYPE_IKEEXT_MM_FAILURE, FL_INPUT_WFP_ID_MM_FAILURE, agent_wfp_mm},
    {FWPM_NET_EVENT_TYPE_IKEEXT_QM_FAILURE, FL_INPUT_WFP_ID_QM_FAILURE, agent_wfp_qm},
    {FWPM_NET_EVENT_TYPE_IKEEXT_EM_FAILURE, FL_INPUT_WFP_ID_EM_FAILURE, agent_wfp_em},
};

/* ---- value text, appended to out->text ---------------------------------- */

static char *agent_wfp_begin(agent_wfp_record *o) { return o->text + o->used; }

static void agent_wfp_printf(agent_wfp_record *o, const char *fmt, ...) AGENT_PRINTF(2, 3);
static void agent_wfp_printf(agent_wfp_record *o, const char *fmt, ...) {
  size_t room = sizeof o->text - o->used;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(o->text + o->used, room, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= room) {
    o->truncated = 1;
    o->text[sizeof o->text - 1] = 0;
    o->used = sizeof o->text - 1;
  } else {
    o->used += (size_t)n;
  }
}

/* One code point as UTF-8 (invalid ones as U+FFFD). */
static void agent_wfp_cp(agent_wfp_record *o, uint32_t c) {
  if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) c = 0xFFFD;
  if (c < 0x80) agent_wfp_printf(o, "%c", (char)c);
  else if (c < 0x800) agent_wfp_printf(o, "%c%c", (char)(0xC0 | (c >> 6)), (char)(0x80 | (c & 0x3F)));
  else if (c < 0x10000)
    agent_wfp_printf(o, "%c%c%c", (char)(0xE0 | (c >> 12)), (char)(0x80 | ((c >> 6) & 0x3F)),
                     (char)(0x80 | (c & 0x3F)));
  else
    agent_wfp_printf(o, "%c%c%c%c", (char)(0xF0 | (c >> 18)), (char)(0x80 | ((c >> 12) & 0x3F)),
                     (char)(0x80 | ((c >> 6) & 0x3F)), (char)(0x80 | (c & 0x3F)));
}

/* UTF-16 (Windows wchar_t, blobs) or UTF-32 (Linux wchar_t) units. */
static void agent_wfp_units(agent_wfp_record *o, const void *p, size_t unit, size_t max) {
  for (size_t i = 0; i < max; i++) {
    uint32_t c;
    if (unit == 2) {
      uint16_t u;
      memcpy(&u, (const char *)p + 2 * i, 2);
      c = u;
      if (c >= 0xD800 && c <= 0xDBFF && i + 1 < max) {
        uint16_t lo;
        memcpy(&lo, (const char *)p + 2 * (i + 1), 2);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
          c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00u);
          i++;
        }
      }
    } else {
      memcpy(&c, (const char *)p + 4 * i, 4);
    }
    if (!c) break;
    agent_wfp_cp(o, c);
  }
}

static void agent_wfp_wstr(agent_wfp_record *o, const wchar_t *w) {
  if (w) agent_wfp_units(o, w, sizeof(wchar_t), (size_t)1 << 20);
}

static void agent_wfp_sid(agent_wfp_record *o, const SID *sid) {
  if (!sid) return;
  uint64_t auth = 0;
  for (int i = 0; i < 6; i++) auth = auth << 8 | sid->IdentifierAuthority.Value[i];
  agent_wfp_printf(o, "S-%u-%llu", (unsigned)sid->Revision, (unsigned long long)auth);
  const unsigned char *sub = (const unsigned char *)sid->SubAuthority;
  for (unsigned i = 0; i < sid->SubAuthorityCount && i < 15; i++) {
    uint32_t v;
    memcpy(&v, sub + 4 * i, 4);
    agent_wfp_printf(o, "-%lu", (unsigned long)v);
  }
}

static void agent_wfp_ipv4(agent_wfp_record *o, uint32_t a) {
  agent_wfp_printf(o, "%u.%u.%u.%u", (unsigned)(a >> 24), (unsigned)(a >> 16 & 255),
                   (unsigned)(a >> 8 & 255), (unsigned)(a & 255));
}

static void agent_wfp_ipv6(agent_wfp_record *o, const uint8_t *a) {
  for (int i = 0; i < 16; i += 2)
    agent_wfp_printf(o, "%s%x", i ? ":" : "", (unsigned)(a[i] << 8 | a[i + 1]));
}

static unsigned agent_wfp_prefix(uint32_t mask) {
  unsigned n = 0;
  while (n < 32 && (mask & (0x80000000u >> n))) n++;
  return n;
}

static void agent_wfp_subnet(agent_wfp_record *o, const FWP_CONDITION_VALUE0 *v) {
  switch (v->type) {
  case FWP_UINT32: agent_wfp_ipv4(o, v->uint32); break;
  case FWP_V4_ADDR_MASK:
    if (v->v4AddrMask) {
      agent_wfp_ipv4(o, v->v4AddrMask->addr);
      agent_wfp_printf(o, "/%u", agent_wfp_prefix(v->v4AddrMask->mask));
    }
    break;
  case FWP_BYTE_ARRAY16_TYPE:
    if (v->byteArray16) agent_wfp_ipv6(o, v->byteArray16->byteArray16);
    break;
  case FWP_V6_ADDR_MASK:
    if (v->v6AddrMask) {
      agent_wfp_ipv6(o, v->v6AddrMask->addr);
      agent_wfp_printf(o, "/%u", (unsigned)v->v6AddrMask->prefixLength);
    }
    break;
  default: break; /* any address: nothing to say */
  }
}

static void agent_wfp_value(agent_wfp_record *o, const agent_wfp_member *m, const char *base) {
  const char *p = base + m->off;
  uint8_t u8;
  uint16_t u16;
  uint32_t u32;
  uint64_t u64;
  switch (m->kind) {
  case W_U8: memcpy(&u8, p, 1); agent_wfp_printf(o, "%u", (unsigned)u8); break;
  case W_U16: memcpy(&u16, p, 2); agent_wfp_printf(o, "%u", (unsigned)u16); break;
  case W_U32: memcpy(&u32, p, 4); agent_wfp_printf(o, "%lu", (unsigned long)u32); break;
  case W_HEX32: memcpy(&u32, p, 4); agent_wfp_printf(o, "0x%lx", (unsigned long)u32); break;
  case W_U64: memcpy(&u64, p, 8); agent_wfp_printf(o, "%llu", (unsigned long long)u64); break;
  case W_TIME: {
    FILETIME ft;
    char t[FL_TIME_ISO_MAX];
    memcpy(&ft, p, sizeof ft);
    fl_time_iso((uint64_t)ft.dwHighDateTime << 32 | ft.dwLowDateTime, 7, t);
    agent_wfp_printf(o, "%s", t);
    break;
  }
  case W_IPV4: memcpy(&u32, p, 4); agent_wfp_ipv4(o, u32); break;
  case W_IPV6: agent_wfp_ipv6(o, (const uint8_t *)p); break;
  case W_HASH:
    for (int i = 0; i < IKEEXT_CERT_HASH_LEN; i++) agent_wfp_printf(o, "%02X", (unsigned)(uint8_t)p[i]);
    break;
  case W_BLOB16: {
    FWP_BYTE_BLOB b;
    memcpy(&b, p, sizeof b);
    if (b.data && b.size) agent_wfp_units(o, b.data, 2, b.size / 2);
    break;
  }
  case W_SID: {
    const SID *sid;
    memcpy((void *)&sid, p, sizeof(void *));
    agent_wfp_sid(o, sid);
    break;
  }
  case W_WSTR: {
    const wchar_t *w;
    memcpy(&w, p, sizeof w);
    agent_wfp_wstr(o, w);
    break;
  }
  case W_SIDS: {
    LPWSTR *list;
    memcpy(&list, p, sizeof list);
    memcpy(&u32, base + m->off2, 4);
    for (uint32_t i = 0; list && i < u32; i++) {
      if (i) agent_wfp_printf(o, ",");
      agent_wfp_wstr(o, list[i]);
    }
    break;
  }
  case W_SUBNET: agent_wfp_subnet(o, (const FWP_CONDITION_VALUE0 *)(const void *)p); break;
  default: break;
  }
}

/* Adds the pair name = the member's value. */
static void agent_wfp_pair(agent_wfp_record *o, const char *name, const agent_wfp_member *m,
                           const char *base) {
  if (o->ev.data_count >= AGENT_WFP_PAIRS) {
    o->truncated = 1;
    return;
  }
  char *v = agent_wfp_begin(o);
  agent_wfp_value(o, m, base);
  fl_evtx_pair *pr = &o->pairs[o->ev.data_count++];
  pr->name = (fl_evtx_str){name, strlen(name)};
  pr->value = (fl_evtx_str){v, (size_t)(agent_wfp_begin(o) - v)};
  if (o->used < sizeof o->text - 1) o->text[o->used++] = 0; /* values stay apart */
}

int agent_wfp_record_make(const FWPM_NET_EVENT_HEADER1 *h, FWPM_NET_EVENT_TYPE type,
                          const void *body, const char *computer, agent_wfp_record *out) {
  size_t t = 0;
  while (t < sizeof agent_wfp_types / sizeof *agent_wfp_types && agent_wfp_types[t].type != (unsigned)type)
    t++;
  if (t == sizeof agent_wfp_types / sizeof *agent_wfp_types || !body) return 1;
  memset(&out->ev, 0, sizeof out->ev);
  out->used = 0;
  out->truncated = 0;
  out->ev.data = out->pairs;
  out->ev.provider_name = (fl_evtx_str){FL_INPUT_WFP_PROVIDER, strlen(FL_INPUT_WFP_PROVIDER)};
  out->ev.channel = (fl_evtx_str){FL_INPUT_WFP_CHANNEL, strlen(FL_INPUT_WFP_CHANNEL)};
  if (computer && computer[0]) out->ev.computer = (fl_evtx_str){computer, strlen(computer)};
  out->ev.event_id = agent_wfp_types[t].event_id;
  out->ev.present = FL_EVTX_HAS_EVENT_ID | FL_EVTX_HAS_TIME_CREATED;
  out->ev.time_created = (uint64_t)h->timeStamp.dwHighDateTime << 32 | h->timeStamp.dwLowDateTime;
  const char *hb = (const char *)h;
  int v6 = (h->flags & F_IPVER) && h->ipVersion == FWP_IP_VERSION_V6;
  for (const agent_wfp_member *m = agent_wfp_header; m->name; m++) {
    if (m->flag && !(h->flags & m->flag)) continue;
    if ((m->kind == W_IPV4 && v6) || (m->kind == W_IPV6 && !v6)) continue;
    agent_wfp_pair(out, m->name, m, hb);
  }
  static const agent_wfp_member type_member = {"type", 0, 0, W_U32, 0};
  uint32_t ty = (uint32_t)type;
  agent_wfp_pair(out, "type", &type_member, (const char *)&ty);
  for (const agent_wfp_member *m = agent_wfp_types[t].members; m->name; m++)
    agent_wfp_pair(out, m->name, m, (const char *)body);
  return 0;
}
