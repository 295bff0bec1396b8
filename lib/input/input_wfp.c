/*
** IKE failure records of the synthetic WFP provider -> the Windows SDK
** structs (FWPM_NET_EVENT_HEADER3 + IKEEXT MM_FAILURE2 / QM_FAILURE1 /
** EM_FAILURE1), from the EventData pairs whatever reader produced them.
** Member tables (name, kind, offset) say where each pair goes; values may
** be numbers or SDK symbols (looked up in the catalog).
**
** Must never: write outside out (every string, SID list and blob is
** bounded by the store), or accept a symbol of the wrong enum.
*/
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>

#include "input/input_internal.h"

enum { K_U8, K_U16, K_U32, K_U64, K_CODE, K_ENUM, K_FLAGS, K_TIME, K_IPV4,
       K_IPV6, K_HASH, K_WSTR, K_SIDS, K_SID, K_GUIDPTR, K_GUID, K_BLOB,
       K_SUBNET };

typedef struct fl_wfp_member {
  const char *name;
  int kind;
  size_t off;      /* in the header or the failure struct */
  const char *aux; /* enum name or flag set */
  size_t off2;     /* K_SIDS: the count member; K_SUBNET/K_SID: slot */
} fl_wfp_member;

#define H(m) offsetof(FWPM_NET_EVENT_HEADER3, m)
static const fl_wfp_member fl_wfp_header[] = {
    {"timeStamp", K_TIME, H(timeStamp), NULL, 0},
    {"headerFlags", K_FLAGS, H(flags), "FWPM_NET_EVENT_FLAG", 0},
    {"ipVersion", K_ENUM, H(ipVersion), "FWP_IP_VERSION", 0},
    {"ipProtocol", K_U8, H(ipProtocol), NULL, 0},
    {"localAddrV4", K_IPV4, H(localAddrV4), NULL, 0},
    {"remoteAddrV4", K_IPV4, H(remoteAddrV4), NULL, 0},
    {"localAddrV6", K_IPV6, H(localAddrV6), NULL, 0},
    {"remoteAddrV6", K_IPV6, H(remoteAddrV6), NULL, 0},
    {"localPort", K_U16, H(localPort), NULL, 0},
    {"remotePort", K_U16, H(remotePort), NULL, 0},
    {"scopeId", K_U32, H(scopeId), NULL, 0},
    {"appId", K_BLOB, H(appId), NULL, 0},
    {"userId", K_SID, H(userId), NULL, 0},
    {"addressFamily", K_ENUM, H(addressFamily), "FWP_AF", 0},
    {"packageSid", K_SID, H(packageSid), NULL, 1},
    {"enterpriseId", K_WSTR, H(enterpriseId), NULL, 0},
    {"policyFlags", K_U64, H(policyFlags), NULL, 0},
    {"effectiveName", K_BLOB, H(effectiveName), NULL, 1},
    {NULL, 0, 0, NULL, 0}};
#undef H

#define M(m) offsetof(FWPM_NET_EVENT_IKEEXT_MM_FAILURE2, m)
static const fl_wfp_member fl_wfp_mm[] = {
    {"failureErrorCode", K_CODE, M(failureErrorCode), NULL, 0},
    {"failurePoint", K_ENUM, M(failurePoint), "IPSEC_FAILURE_POINT", 0},
    {"flags", K_FLAGS, M(flags), "MM_FAILURE_FLAG", 0},
    {"keyingModuleType", K_ENUM, M(keyingModuleType), "IKEEXT_KEY_MODULE_TYPE", 0},
    {"mmState", K_ENUM, M(mmState), "IKEEXT_MM_SA_STATE", 0},
    {"saRole", K_ENUM, M(saRole), "IKEEXT_SA_ROLE", 0},
    {"mmAuthMethod", K_ENUM, M(mmAuthMethod), "IKEEXT_AUTHENTICATION_METHOD_TYPE", 0},
    {"endCertHash", K_HASH, M(endCertHash), NULL, 0},
    {"mmId", K_U64, M(mmId), NULL, 0},
    {"mmFilterId", K_U64, M(mmFilterId), NULL, 0},
    {"localPrincipalNameForAuth", K_WSTR, M(localPrincipalNameForAuth), NULL, 0},
    {"remotePrincipalNameForAuth", K_WSTR, M(remotePrincipalNameForAuth), NULL, 0},
    {"localPrincipalGroupSids", K_SIDS, M(localPrincipalGroupSids), NULL,
     M(numLocalPrincipalGroupSids)},
    {"remotePrincipalGroupSids", K_SIDS, M(remotePrincipalGroupSids), NULL,
     M(numRemotePrincipalGroupSids)},
    {"providerContextKey", K_GUIDPTR, M(providerContextKey), NULL, 0},
    {NULL, 0, 0, NULL, 0}};
#undef M

#define Q(m) offsetof(FWPM_NET_EVENT_IKEEXT_QM_FAILURE1, m)
static const fl_wfp_member fl_wfp_qm[] = {
    {"failureErrorCode", K_CODE, Q(failureErrorCode), NULL, 0},
    {"failurePoint", K_ENUM, Q(failurePoint), "IPSEC_FAILURE_POINT", 0},
    {"keyingModuleType", K_ENUM, Q(keyingModuleType), "IKEEXT_KEY_MODULE_TYPE", 0},
    {"qmState", K_ENUM, Q(qmState), "IKEEXT_QM_SA_STATE", 0},
    {"saRole", K_ENUM, Q(saRole), "IKEEXT_SA_ROLE", 0},
    {"saTrafficType", K_ENUM, Q(saTrafficType), "IPSEC_TRAFFIC_TYPE", 0},
    {"localSubNet", K_SUBNET, Q(localSubNet), NULL, 0},
    {"remoteSubNet", K_SUBNET, Q(remoteSubNet), NULL, 1},
    {"qmFilterId", K_U64, Q(qmFilterId), NULL, 0},
    {"mmSaLuid", K_U64, Q(mmSaLuid), NULL, 0},
    {"mmProviderContextKey", K_GUID, Q(mmProviderContextKey), NULL, 0},
    {NULL, 0, 0, NULL, 0}};
#undef Q

#define E(m) offsetof(FWPM_NET_EVENT_IKEEXT_EM_FAILURE1, m)
static const fl_wfp_member fl_wfp_em[] = {
    {"failureErrorCode", K_CODE, E(failureErrorCode), NULL, 0},
    {"failurePoint", K_ENUM, E(failurePoint), "IPSEC_FAILURE_POINT", 0},
    {"flags", K_FLAGS, E(flags), "EM_FAILURE_FLAG", 0},
    {"emState", K_ENUM, E(emState), "IKEEXT_EM_SA_STATE", 0},
    {"saRole", K_ENUM, E(saRole), "IKEEXT_SA_ROLE", 0},
    {"emAuthMethod", K_ENUM, E(emAuthMethod), "IKEEXT_AUTHENTICATION_METHOD_TYPE", 0},
    {"endCertHash", K_HASH, E(endCertHash), NULL, 0},
    {"mmId", K_U64, E(mmId), NULL, 0},
    {"qmFilterId", K_U64, E(qmFilterId), NULL, 0},
    {"localPrincipalNameForAuth", K_WSTR, E(localPrincipalNameForAuth), NULL, 0},
    {"remotePrincipalNameForAuth", K_WSTR, E(remotePrincipalNameForAuth), NULL, 0},
    {"localPrincipalGroupSids", K_SIDS, E(localPrincipalGroupSids), NULL,
     E(numLocalPrincipalGroupSids)},
    {"remotePrincipalGroupSids", K_SIDS, E(remotePrincipalGroupSids), NULL,
     E(numRemotePrincipalGroupSids)},
    {"saTrafficType", K_ENUM, E(saTrafficType), "IPSEC_TRAFFIC_TYPE", 0},
    {NULL, 0, 0, NULL, 0}};
#undef E

typedef struct fl_wfp_ctx {
  fl_input_wfp_event *out;
  int truncated;
  char val[512]; /* the current value, NUL-terminated (longer: truncated) */
  size_t vn;
} fl_wfp_ctx;

static void fl_wfp_put(void *base, size_t off, const void *v, size_t n) {
  memcpy((char *)base + off, v, n);
}

/* Stores the pointer ptr itself (not what it points to) in a pointer member. */
static void fl_wfp_put_ptr(void *base, size_t off, const void *ptr) {
  memcpy((char *)base + off, &ptr, sizeof ptr);
}

/* An enum value by number or by a symbol of enum_name (not another). */
static int fl_wfp_enum(const char *enum_name, const char *s, size_t n,
                       int64_t *v) {
  uint64_t u;
  if (fl_input_parse_u64(s, n, &u) == 0) {
    if (u > 0xffffffffu) return -1;
    *v = (int64_t)u;
    return 0;
  }
  for (size_t i = 0; i < fl_catalog_enum_value_count(); i++) {
    const fl_enum_value *e = fl_catalog_enum_value_at(i);
    if (!strcmp(e->enum_name, enum_name) && strlen(e->symbol) == n &&
        !memcmp(e->symbol, s, n)) {
      *v = e->value;
      return 0;
    }
  }
  return -1;
}

static int fl_wfp_flags(const char *set, const char *s, size_t n,
                        uint64_t *v) {
  if (fl_input_parse_u64(s, n, v) == 0) return 0;
  *v = 0;
  size_t i = 0;
  while (i < n) {
    while (i < n && (s[i] == '|' || s[i] == ' ' || s[i] == ',')) i++;
    size_t j = i;
    while (j < n && s[j] != '|' && s[j] != ' ' && s[j] != ',') j++;
    if (j == i) break;
    int found = 0;
    for (size_t k = 0; k < fl_catalog_flag_count() && !found; k++) {
      const fl_flag_bit *fb = fl_catalog_flag_at(k);
      if (!strcmp(fb->set, set) && strlen(fb->symbol) == j - i &&
          !memcmp(fb->symbol, s + i, j - i)) {
        *v |= fb->bit;
        found = 1;
      }
    }
    if (!found) return -1;
    i = j;
  }
  return 0;
}

static wchar_t *fl_wfp_wstr(fl_wfp_ctx *w, const char *s, size_t n) {
  fl_input_wfp_event *o = w->out;
  size_t room = FL_INPUT_WFP_WCHARS - o->store.wused;
  if (room < 1) {
    w->truncated = 1;
    return NULL;
  }
  wchar_t *d = o->store.wchars + o->store.wused;
  size_t need = fl_input_utf8_to_wchar(s, n, d, room);
  if (need + 1 > room) {
    w->truncated = 1;
    need = room - 1;
  }
  o->store.wused += need + 1;
  return d;
}

/* "S-1-5-21-..." into raw (SID layout: rev, count, authority BE, subs). */
static int fl_wfp_sid(const char *s, size_t n, UINT8 *raw, size_t cap) {
  if (n < 4 || (s[0] != 'S' && s[0] != 's') || s[1] != '-') return -1;
  uint64_t parts[17];
  size_t np = 0, i = 2;
  while (i <= n && np < 17) {
    size_t j = i;
    while (j < n && s[j] != '-') j++;
    if (fl_input_parse_u64(s + i, j - i, &parts[np])) return -1;
    np++;
    i = j + 1;
  }
  if (i <= n || np < 2 || parts[0] > 255 || parts[1] > 0xffffffffffffull) return -1;
  size_t subs = np - 2;
  if (8 + 4 * subs > cap) return -1;
  raw[0] = (UINT8)parts[0];
  raw[1] = (UINT8)subs;
  for (int k = 0; k < 6; k++) raw[2 + k] = (UINT8)(parts[1] >> (8 * (5 - k)));
  for (size_t k = 0; k < subs; k++) {
    if (parts[2 + k] > 0xffffffffu) return -1;
    uint32_t v = (uint32_t)parts[2 + k];
    memcpy(raw + 8 + 4 * k, &v, 4);
  }
  return 0;
}

static int fl_wfp_hex(const char *s, size_t n, UINT8 *out, size_t cap,
                      size_t *got) {
  size_t k = 0;
  int hi = -1;
  for (size_t i = 0; i < n; i++) {
    int h = fl_input_hexval((unsigned char)s[i]);
    if (h < 0) {
      if (s[i] == ' ' || s[i] == ':' || s[i] == '-') continue;
      return -1;
    }
    if (hi < 0) { hi = h; continue; }
    if (k >= cap) return -1;
    out[k++] = (UINT8)(hi << 4 | h);
    hi = -1;
  }
  if (hi >= 0) return -1;
  *got = k;
  return 0;
}

static int fl_wfp_ipv4(const char *s, uint32_t *v) {
  struct in_addr a;
  uint64_t u;
  if (inet_pton(AF_INET, s, &a) == 1) {
    *v = ntohl(a.s_addr); /* WFP keeps IPv4 in host order */
    return 0;
  }
  if (fl_input_parse_u64(s, strlen(s), &u) == 0 && u <= 0xffffffffu) {
    *v = (uint32_t)u;
    return 0;
  }
  return -1;
}


static int fl_wfp_subnet(fl_wfp_ctx *w, FWP_CONDITION_VALUE0 *cv, int slot,
                         const char *sub, const char *s) {
  fl_input_wfp_event *o = w->out;
  uint64_t u;
  uint32_t a4;
  const char *slash = strchr(s, '/');
  char addr[64];
  snprintf(addr, sizeof addr, "%.*s", (int)(slash ? (size_t)(slash - s) : strlen(s)), s);
  if (!strcmp(sub, "type")) {
    int64_t v;
    if (fl_wfp_enum("FWP_DATA_TYPE", s, strlen(s), &v)) return -1;
    cv->type = (FWP_DATA_TYPE)v;
    return 0;
  }
  if (*sub && strcmp(sub, "uint32") != 0 && strcmp(sub, "byteArray16") != 0 &&
      strcmp(sub, "v4AddrMask") != 0 && strcmp(sub, "v6AddrMask") != 0)
    return 0; /* other members of the union: not kept */
  if (fl_wfp_ipv4(addr, &a4) == 0 && strchr(addr, '.')) {
    if (slash) {
      if (fl_input_parse_u64(slash + 1, strlen(slash + 1), &u) || u > 32) return -1;
      o->store.v4[slot].addr = a4;
      o->store.v4[slot].mask = u ? 0xffffffffu << (32 - u) : 0;
      cv->type = FWP_V4_ADDR_MASK;
      cv->v4AddrMask = &o->store.v4[slot];
    } else {
      cv->type = FWP_UINT32;
      cv->uint32 = a4;
    }
    return 0;
  }
  uint8_t a6[16];
  if (inet_pton(AF_INET6, addr, a6) != 1) return -1;
  if (slash) {
    if (fl_input_parse_u64(slash + 1, strlen(slash + 1), &u) || u > 128) return -1;
    memcpy(o->store.v6[slot].addr, a6, 16);
    o->store.v6[slot].prefixLength = (UINT8)u;
    cv->type = FWP_V6_ADDR_MASK;
    cv->v6AddrMask = &o->store.v6[slot];
  } else {
    memcpy(o->store.a16[slot].byteArray16, a6, 16);
    cv->type = FWP_BYTE_ARRAY16_TYPE;
    cv->byteArray16 = &o->store.a16[slot];
  }
  return 0;
}

static int fl_wfp_sids(fl_wfp_ctx *w, void *base, const fl_wfp_member *m,
                       const char *s, size_t n) {
  fl_input_wfp_event *o = w->out;
  LPWSTR *arr = m->name[0] == 'l' ? o->store.local_sids : o->store.remote_sids;
  UINT32 count = 0;
  size_t i = 0;
  while (i < n) {
    size_t j = i;
    while (j < n && s[j] != ',' && s[j] != ' ') j++;
    if (j > i) {
      if (count == FL_INPUT_WFP_MAX_SIDS) {
        w->truncated = 1;
        break;
      }
      arr[count++] = fl_wfp_wstr(w, s + i, j - i);
    }
    i = j + 1;
  }
  LPWSTR *p = count ? arr : NULL;
  fl_wfp_put(base, m->off, &p, sizeof p);
  fl_wfp_put(base, m->off2, &count, sizeof count);
  return 0;
}

static int fl_wfp_blob(fl_wfp_ctx *w, FWP_BYTE_BLOB *b, int slot,
                       const char *s, size_t n) {
  UINT8 *buf = slot ? w->out->store.effective_name : w->out->store.app_id;
  size_t got = 0, hex = n >= 2 && n % 2 == 0;
  for (size_t i = 0; i < n && hex; i++)
    hex = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'F');
  if (!n) {
    b->size = 0;
    b->data = NULL;
    return 0;
  }
  if (hex) {
    if (fl_wfp_hex(s, n, buf, FL_INPUT_WFP_BLOB, &got)) return -1;
  } else { /* text: UTF-16LE with its NUL, as Windows stores app ids */
    wchar_t tmp[FL_INPUT_WFP_BLOB / 2];
    size_t k = fl_input_utf8_to_wchar(s, n, tmp, sizeof tmp / sizeof *tmp);
    if (k + 1 > sizeof tmp / sizeof *tmp) {
      w->truncated = 1;
      k = sizeof tmp / sizeof *tmp - 1;
    }
    for (size_t i = 0; i <= k; i++) {
      uint32_t c = i < k ? (uint32_t)tmp[i] : 0;
      if (c > 0xffff) c = 0xfffd; /* outside the BMP: not worth a pair */
      buf[got++] = (UINT8)c;
      buf[got++] = (UINT8)(c >> 8);
    }
  }
  b->size = (UINT32)got;
  b->data = buf;
  return 0;
}

/* The numeric kinds: integers, error codes, enums, flags, times. */
static int fl_wfp_set_num(void *base, const fl_wfp_member *m, const char *s,
                          size_t n) {
  uint64_t u;
  int64_t e;
  switch (m->kind) {
    case K_U8: case K_U16: case K_U32: case K_U64: {
      static const uint64_t max[] = {0xff, 0xffff, 0xffffffffu, UINT64_MAX};
      if (fl_input_parse_u64(s, n, &u) || u > max[m->kind]) return -1;
      UINT8 v8 = (UINT8)u; UINT16 v16 = (UINT16)u; UINT32 v32 = (UINT32)u;
      const void *src = m->kind == K_U8 ? (const void *)&v8
                      : m->kind == K_U16 ? (const void *)&v16
                      : m->kind == K_U32 ? (const void *)&v32 : (const void *)&u;
      fl_wfp_put(base, m->off, src, m->kind == K_U8 ? 1 : m->kind == K_U16 ? 2
                                       : m->kind == K_U32 ? 4 : 8);
      return 0;
    }
    case K_CODE: {
      const fl_code_info *ci;
      if (fl_input_parse_u64(s, n, &u) == 0 && u <= 0xffffffffu) {
      } else if ((ci = fl_catalog_code_by_symbol(s)) != NULL) {
        u = ci->value;
      } else {
        return -1;
      }
      UINT32 v = (UINT32)u;
      fl_wfp_put(base, m->off, &v, 4);
      return 0;
    }
    case K_ENUM: {
      if (fl_wfp_enum(m->aux, s, n, &e)) return -1;
      int32_t v = (int32_t)e; /* [v1_enum]: 32 bits */
      fl_wfp_put(base, m->off, &v, 4);
      return 0;
    }
    case K_FLAGS: {
      if (fl_wfp_flags(m->aux, s, n, &u) || u > 0xffffffffu) return -1;
      UINT32 v = (UINT32)u;
      fl_wfp_put(base, m->off, &v, 4);
      return 0;
    }
    case K_TIME: {
      if (fl_input_parse_time(s, n, &u)) return -1;
      FILETIME ft = {(uint32_t)u, (uint32_t)(u >> 32)};
      fl_wfp_put(base, m->off, &ft, sizeof ft);
      return 0;
    }
    default: return -1;
  }
}

/* Stores value s (NUL-terminated, length n) into member m of base. */
static int fl_wfp_set(fl_wfp_ctx *w, void *base, const fl_wfp_member *m,
                      const char *sub, const char *s, size_t n) {
  fl_input_wfp_event *o = w->out;
  switch (m->kind) {
    case K_U8: case K_U16: case K_U32: case K_U64: case K_CODE: case K_ENUM:
    case K_FLAGS: case K_TIME:
      return fl_wfp_set_num(base, m, s, n);
    case K_IPV4: {
      uint32_t a;
      if (fl_wfp_ipv4(s, &a)) return -1;
      fl_wfp_put(base, m->off, &a, 4);
      return 0;
    }
    case K_IPV6: {
      uint8_t a[16];
      if (inet_pton(AF_INET6, s, a) != 1) return -1;
      fl_wfp_put(base, m->off, a, 16);
      return 0;
    }
    case K_HASH: {
      UINT8 h[IKEEXT_CERT_HASH_LEN] = {0};
      size_t got;
      if (n && (fl_wfp_hex(s, n, h, sizeof h, &got) || got != sizeof h)) return -1;
      fl_wfp_put(base, m->off, h, sizeof h);
      return 0;
    }
    case K_WSTR: {
      wchar_t *p = fl_wfp_wstr(w, s, n);
      fl_wfp_put(base, m->off, &p, sizeof p);
      return 0;
    }
    case K_SIDS: return fl_wfp_sids(w, base, m, s, n);
    case K_SID: {
      UINT8 *raw = m->off2 ? o->store.package_sid.raw : o->store.user_sid.raw;
      if (fl_wfp_sid(s, n, raw, sizeof o->store.user_sid.raw)) return -1;
      fl_wfp_put_ptr(base, m->off,
                     m->off2 ? &o->store.package_sid.sid : &o->store.user_sid.sid);
      return 0;
    }
    case K_GUIDPTR: case K_GUID: {
      GUID g;
      if (fl_input_guid_parse(s, n, &g)) return n ? -1 : 0;
      if (m->kind == K_GUID) {
        fl_wfp_put(base, m->off, &g, sizeof g);
      } else {
        o->store.provider_context_key = g;
        fl_wfp_put_ptr(base, m->off, &o->store.provider_context_key);
      }
      return 0;
    }
    case K_BLOB:
      return fl_wfp_blob(w, (FWP_BYTE_BLOB *)(void *)((char *)base + m->off),
                         (int)m->off2, s, n);
    case K_SUBNET:
      return fl_wfp_subnet(w, (FWP_CONDITION_VALUE0 *)(void *)((char *)base + m->off),
                           (int)m->off2, sub, s);
    default: return 0;
  }
}

/* The member named name ("localSubNet.type" matches localSubNet, sub
** "type"), or NULL. */
static const fl_wfp_member *fl_wfp_find(const fl_wfp_member *t,
                                        fl_evtx_str name, const char **sub) {
  for (; t->name; t++) {
    size_t k = strlen(t->name);
    if (name.len < k || memcmp(name.ptr, t->name, k) != 0) continue;
    if (name.len == k) {
      *sub = "";
      return t;
    }
    if (t->kind == K_SUBNET && name.ptr[k] == '.') {
      *sub = name.ptr + k + 1; /* NUL-terminated copy made by the caller */
      return t;
    }
  }
  return NULL;
}

static fl_status fl_wfp_pair(fl_wfp_ctx *w, const fl_evtx_pair *p,
                             const fl_wfp_member *body, void *body_base,
                             fl_error *err) {
  char name[96];
  if (p->name.len >= sizeof name) return FL_OK;
  memcpy(name, p->name.ptr, p->name.len);
  name[p->name.len] = 0;
  fl_evtx_str nm = {name, p->name.len};
  const char *sub = "";
  void *base = &w->out->header;
  const fl_wfp_member *m = fl_wfp_find(fl_wfp_header, nm, &sub);
  if (!m) {
    m = fl_wfp_find(body, nm, &sub);
    base = body_base;
  }
  if (!m) return FL_OK; /* not a member of these structs (e.g. type) */
  const char *v = p->value.ptr ? p->value.ptr : "";
  size_t n = p->value.len;
  fl_input_trim(&v, &n);
  if (!n) return FL_OK; /* an empty element: the member stays absent/zero */
  if (n >= sizeof w->val) {
    n = sizeof w->val - 1;
    w->truncated = 1;
  }
  memcpy(w->val, v, n);
  w->val[n] = 0;
  if (fl_wfp_set(w, base, m, sub, w->val, n))
    return fl_error_at(err, FL_EINPUT, "", 0, "%s: malformed value '%.60s'",
                       name, w->val);
  return FL_OK;
}

fl_status fl_input_wfp_decode(const fl_evtx_event *ev, fl_input_wfp_event *out,
                              fl_error *err) {
  size_t pl = strlen(FL_INPUT_WFP_PROVIDER);
  if (!ev || !out || ev->provider_name.len != pl ||
      memcmp(ev->provider_name.ptr, FL_INPUT_WFP_PROVIDER, pl) != 0 ||
      !(ev->present & FL_EVTX_HAS_EVENT_ID))
    return fl_error_at(err, FL_ENOTFOUND, "", 0, "not a WFP net event record");
  const fl_wfp_member *body;
  memset(out, 0, sizeof *out);
  switch (ev->event_id) {
    case FL_INPUT_WFP_ID_MM_FAILURE:
      out->type = FWPM_NET_EVENT_TYPE_IKEEXT_MM_FAILURE; body = fl_wfp_mm; break;
    case FL_INPUT_WFP_ID_QM_FAILURE:
      out->type = FWPM_NET_EVENT_TYPE_IKEEXT_QM_FAILURE; body = fl_wfp_qm; break;
    case FL_INPUT_WFP_ID_EM_FAILURE:
      out->type = FWPM_NET_EVENT_TYPE_IKEEXT_EM_FAILURE; body = fl_wfp_em; break;
    default:
      return fl_error_at(err, FL_ENOTFOUND, "", 0, "not an IKE failure record");
  }
  void *body_base = body == fl_wfp_mm ? (void *)&out->ikeMmFailure
                    : body == fl_wfp_qm ? (void *)&out->ikeQmFailure
                                        : (void *)&out->ikeEmFailure;
  fl_wfp_ctx w;
  memset(&w, 0, sizeof w);
  w.out = out;
  fl_status first = FL_OK;
  fl_error e1;
  for (size_t i = 0; i < ev->data_count; i++) {
    fl_error e;
    fl_error_clear(&e);
    if (fl_wfp_pair(&w, &ev->data[i], body, body_base, &e) != FL_OK &&
        first == FL_OK) {
      first = e.status;
      e1 = e;
    }
  }
  if (first != FL_OK) {
    if (err) *err = e1;
    return first;
  }
  if (w.truncated)
    return fl_error_at(err, FL_ELIMIT, "", 0, "a string or list did not fit");
  return FL_OK;
}
