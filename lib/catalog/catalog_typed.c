/*
** Records -> typed events. Every decision comes from a table: the source
** from event_sources.def, the kind from event_classes.def (iScsiPrt by
** severity), each field's role from security_events.def or
** source_fields.def, enum values from the inserts and SDK symbols.
** Must never allocate or copy: typed strings point into the record.
*/
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "faultline.h"

#define COUNT(a) (sizeof(a) / sizeof *(a))

static const struct {
  fl_event_source source;
  const char *provider;
} sources[] = {
#define FL_SOURCE(sym, name, provider) {sym, provider},
#include "faultline/event_sources.def"
#undef FL_SOURCE
};

static const struct {
  fl_event_source source;
  uint32_t id;
  fl_event_kind kind;
} classes[] = {
#define FL_CLASS(src, id, kind) {src, id, kind},
#include "catalog/event_classes.def"
#undef FL_CLASS
};

static const struct { /* name first: no padding */
  const char *name;
  fl_event_source source;
  fl_field_role role;
} source_fields[] = {
#define FL_SOURCE_FIELD(src, name, role) {name, src, role},
#include "catalog/source_fields.def"
#undef FL_SOURCE_FIELD
};

static const struct {
  const char *name;
  int failure;
} kinds[] = {
#define FL_KIND(sym, name, failure) {name, failure},
#include "faultline/event_kinds.def"
#undef FL_KIND
};

const char *fl_event_kind_name(fl_event_kind kind) {
  return (unsigned)kind < COUNT(kinds) ? kinds[kind].name : "unknown";
}

int fl_event_kind_is_failure(fl_event_kind kind) {
  return (unsigned)kind < COUNT(kinds) ? kinds[kind].failure : 0;
}

const char *fl_event_source_name(fl_event_source src) {
  static const char *const names[] = {
      "unknown",
#define FL_SOURCE(sym, name, provider) name,
#include "faultline/event_sources.def"
#undef FL_SOURCE
  };
  return (unsigned)src < COUNT(names) ? names[src] : "unknown";
}

static int str_eq_ci(fl_evtx_str s, const char *lit) {
  size_t n = strlen(lit);
  if (s.len != n || !s.ptr) return 0;
  for (size_t i = 0; i < n; i++)
    if (tolower((unsigned char)s.ptr[i]) != tolower((unsigned char)lit[i]))
      return 0;
  return 1;
}

static int str_eq(fl_evtx_str s, const char *lit) {
  size_t n = strlen(lit);
  return s.ptr && s.len == n && memcmp(s.ptr, lit, n) == 0;
}

static fl_evtx_str trim(fl_evtx_str s) {
  while (s.len && isspace((unsigned char)s.ptr[0])) s.ptr++, s.len--;
  while (s.len && isspace((unsigned char)s.ptr[s.len - 1])) s.len--;
  return s;
}

/* Decimal or 0x-hex, the whole (trimmed) string; 0 on success. */
static int parse_u64(fl_evtx_str s, uint64_t *out) {
  s = trim(s);
  if (!s.len || s.len > 24) return -1;
  char buf[32];
  memcpy(buf, s.ptr, s.len);
  buf[s.len] = '\0';
  int base = (s.len > 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X')) ? 16 : 10;
  if (base == 10 && !isdigit((unsigned char)buf[0])) return -1;
  char *end;
  unsigned long long v = strtoull(buf, &end, base);
  if (*end) return -1;
  *out = v;
  return 0;
}

int fl_catalog_enum_from_text(const char *enum_name, const char *text,
                              size_t len, int64_t *value) {
  fl_evtx_str s = trim((fl_evtx_str){text, len});
  if (!enum_name || !s.ptr || !s.len || s.len > 96) return -1;
  uint64_t n;
  if (s.len > 2 && s.ptr[0] == '%' && s.ptr[1] == '%') {
    fl_evtx_str id = {s.ptr + 2, s.len - 2};
    if (parse_u64(id, &n) != 0) return -1;
    for (size_t i = 0; i < fl_catalog_enum_insert_count(); i++) {
      const fl_enum_insert *m = fl_catalog_enum_insert_at(i);
      if (m->insert == n && strcmp(m->enum_name, enum_name) == 0) {
        *value = m->value;
        return 0;
      }
    }
    return -1;
  }
  for (size_t i = 0; i < fl_catalog_enum_insert_count(); i++) {
    const fl_enum_insert *m = fl_catalog_enum_insert_at(i);
    const fl_insert_info *in = fl_catalog_insert(m->insert);
    if (in && strcmp(m->enum_name, enum_name) == 0 && str_eq_ci(s, in->text)) {
      *value = m->value;
      return 0;
    }
  }
  for (size_t i = 0; i < fl_catalog_enum_value_count(); i++) {
    const fl_enum_value *v = fl_catalog_enum_value_at(i);
    if (strcmp(v->enum_name, enum_name) == 0 && str_eq(s, v->symbol)) {
      *value = v->value;
      return 0;
    }
  }
  if (parse_u64(s, &n) == 0 && n < 0x10000) {
    *value = (int64_t)n;
    return 0;
  }
  return -1;
}

static fl_event_source source_of(fl_evtx_str provider) {
  for (size_t i = 0; i < COUNT(sources); i++)
    if (str_eq_ci(provider, sources[i].provider)) return sources[i].source;
  return FL_SOURCE_UNKNOWN;
}

static fl_event_kind kind_of(fl_event_source src, uint32_t id) {
  for (size_t i = 0; i < COUNT(classes); i++)
    if (classes[i].source == src && classes[i].id == id) return classes[i].kind;
  if (src == FL_SOURCE_ISCSIPRT && id <= 0xFFFF) {
    const fl_iscsiprt_event *e = fl_catalog_iscsiprt((uint16_t)id);
    if (e)
      return e->severity == FL_SEVERITY_ERROR ? FL_KIND_ISCSI_ERROR
                                              : FL_KIND_ISCSI_INFO;
  }
  return FL_KIND_OTHER;
}

static const char *state_enum(fl_event_kind kind) {
  switch (kind) {
    case FL_KIND_QM_FAILURE: case FL_KIND_WFP_QM_FAILURE:
      return "IKEEXT_QM_SA_STATE";
    case FL_KIND_EM_FAILURE: case FL_KIND_WFP_EM_FAILURE:
      return "IKEEXT_EM_SA_STATE";
    default:
      return "IKEEXT_MM_SA_STATE";
  }
}

/* The catalog definition of a Security record, looked up once per record. */
static const fl_event_def *security_def(const fl_evtx_event *rec) {
  const fl_event_def *ev = NULL;
  if (rec->present & FL_EVTX_HAS_VERSION)
    ev = fl_catalog_event((uint16_t)rec->event_id, (int)rec->version);
  return ev ? ev : fl_catalog_event((uint16_t)rec->event_id, -1);
}

/* The role of the index-th data item. Records list their fields in manifest
** order, so the field at the same position is tried first. */
static fl_field_role role_of(const fl_event_def *ev, fl_event_source src,
                             fl_evtx_str name, size_t index) {
  if (src == FL_SOURCE_SECURITY) {
    if (!ev) return FL_ROLE_OTHER;
    if (index < ev->field_count && str_eq(name, ev->fields[index].name))
      return ev->fields[index].role;
    for (size_t i = 0; i < ev->field_count; i++)
      if (str_eq(name, ev->fields[i].name)) return ev->fields[i].role;
    return FL_ROLE_OTHER;
  }
  for (size_t i = 0; i < COUNT(source_fields); i++)
    if (source_fields[i].source == src && str_eq(name, source_fields[i].name))
      return source_fields[i].role;
  return FL_ROLE_OTHER;
}

/* "3", "0x3" or symbols joined by '|', ',' or spaces; normalised to the
** MM bit layout (BENIGN 1, MULTIPLE 2) since EM swaps them. */
static uint32_t failure_flags(fl_evtx_str s, fl_event_kind kind) {
  uint64_t n;
  uint32_t bits = 0;
  int em = kind == FL_KIND_WFP_EM_FAILURE || kind == FL_KIND_EM_FAILURE;
  if (parse_u64(s, &n) == 0) {
    bits = (uint32_t)n;
  } else {
    int benign = 0, multiple = 0;
    for (size_t i = 0; i + 6 <= s.len; i++) {
      if (memcmp(s.ptr + i, "BENIGN", 6) == 0) benign = 1;
      if (i + 8 <= s.len && memcmp(s.ptr + i, "MULTIPLE", 8) == 0) multiple = 1;
    }
    return (uint32_t)(benign ? 1 : 0) | (uint32_t)(multiple ? 2 : 0);
  }
  if (em) bits = ((bits & 1u) << 1) | ((bits & 2u) >> 1);
  return bits;
}

static void set_enum(const char *enum_name, fl_evtx_str v, int64_t *slot) {
  int64_t x;
  if (fl_catalog_enum_from_text(enum_name, v.ptr, v.len, &x) == 0) *slot = x;
}

static void set_error(fl_typed_event *t, fl_evtx_str v) {
  uint64_t n;
  t->error_text = v;
  if (parse_u64(v, &n) == 0 && n <= 0xFFFFFFFFu) {
    t->error_code = (uint32_t)n;
    t->has |= FL_TE_ERROR_CODE;
    return;
  }
  char buf[512];
  fl_evtx_str s = trim(v);
  if (!s.len || s.len >= sizeof buf) return;
  memcpy(buf, s.ptr, s.len);
  buf[s.len] = '\0';
  const fl_code_info *c = fl_catalog_code_by_message(buf);
  if (c) {
    t->error_code = c->value;
    t->has |= FL_TE_ERROR_CODE;
  }
}

static void set_u32(fl_evtx_str v, uint32_t *slot, unsigned *has, unsigned bit) {
  uint64_t n;
  if (parse_u64(v, &n) == 0 && n <= 0xFFFFFFFFu) {
    *slot = (uint32_t)n;
    *has |= bit;
  }
}

static void set_u64(fl_evtx_str v, uint64_t *slot, unsigned *has, unsigned bit) {
  uint64_t n;
  if (parse_u64(v, &n) == 0) {
    *slot = n;
    *has |= bit;
  }
}

static void apply_role(fl_typed_event *t, fl_field_role role, fl_evtx_str v) {
  switch (role) {
    case FL_ROLE_LOCAL_PRINCIPAL: if (!t->local_principal.len) t->local_principal = v; break;
    case FL_ROLE_REMOTE_PRINCIPAL: if (!t->remote_principal.len) t->remote_principal = v; break;
    case FL_ROLE_LOCAL_ADDRESS: t->local_address = v; break;
    case FL_ROLE_REMOTE_ADDRESS: t->remote_address = v; break;
    case FL_ROLE_LOCAL_PORT: set_u32(v, &t->local_port, &t->has, FL_TE_LOCAL_PORT); break;
    case FL_ROLE_REMOTE_PORT: set_u32(v, &t->remote_port, &t->has, FL_TE_REMOTE_PORT); break;
    case FL_ROLE_KEYING_MODULE: set_enum("IKEEXT_KEY_MODULE_TYPE", v, &t->keying_module); break;
    case FL_ROLE_AUTH_METHOD: set_enum("IKEEXT_AUTHENTICATION_METHOD_TYPE", v, &t->auth_method); break;
    case FL_ROLE_FAILURE_POINT: set_enum("IPSEC_FAILURE_POINT", v, &t->failure_point); break;
    case FL_ROLE_ROLE: set_enum("IKEEXT_SA_ROLE", v, &t->role); break;
    case FL_ROLE_MODE: set_enum("IPSEC_TRAFFIC_TYPE", v, &t->mode); break;
    case FL_ROLE_STATE:
      t->state_text = v;
      set_enum(state_enum(t->kind), v, &t->state);
      break;
    case FL_ROLE_FAILURE_REASON: set_error(t, v); break;
    case FL_ROLE_ERROR:
      if (t->source == FL_SOURCE_SECURITY) t->error_raw = v;
      set_error(t, v);
      break;
    case FL_ROLE_FILTER_ID: set_u64(v, &t->filter_id, &t->has, FL_TE_FILTER_ID); break;
    case FL_ROLE_SA_ID: if (!(t->has & FL_TE_SA_ID)) set_u64(v, &t->sa_id, &t->has, FL_TE_SA_ID); break;
    case FL_ROLE_COOKIE:
      if (!t->initiator_cookie.ptr) t->initiator_cookie = v; else t->responder_cookie = v;
      break;
    case FL_ROLE_CERT_HASH: if (!t->cert_hash.len) t->cert_hash = v; break;
    case FL_ROLE_SPI: if (!(t->has & FL_TE_SPI)) set_u32(v, &t->spi, &t->has, FL_TE_SPI); break;
    case FL_ROLE_PROTOCOL: set_u32(v, &t->protocol, &t->has, FL_TE_PROTOCOL); break;
    case FL_ROLE_POLICY: t->policy = v; break;
    case FL_ROLE_NOTIFICATION: {
      const fl_insert_info *start = fl_catalog_insert(8214), *stop = fl_catalog_insert(8215);
      if (str_eq(trim(v), "%%8214") || (start && str_eq_ci(trim(v), start->text))) t->dos_started = 1;
      if (str_eq(trim(v), "%%8215") || (stop && str_eq_ci(trim(v), stop->text))) t->dos_started = 0;
      break;
    }
    case FL_ROLE_FAILURE_FLAGS:
      t->failure_flags = failure_flags(v, t->kind);
      t->has |= FL_TE_FAILURE_FLAGS;
      t->benign = (t->failure_flags & 1u) != 0;
      t->multiple = (t->failure_flags & 2u) != 0;
      break;
    case FL_ROLE_ISCSI_TARGET: t->iscsi_target = v; break;
    case FL_ROLE_ISCSI_FAILURE: set_enum("ISCSI_INITIATOR_FAILURE_TYPE", v, &t->iscsi_failure_type); break;
    default: break;
  }
}

int fl_catalog_type_event(const fl_evtx_event *rec, fl_typed_event *out) {
  memset(out, 0, sizeof *out);
  out->keying_module = out->auth_method = out->failure_point = -1;
  out->role = out->state = out->mode = out->iscsi_failure_type = -1;
  out->dos_started = -1;
  out->source = source_of(rec->provider_name);
  out->event_id = rec->event_id;
  out->kind = kind_of(out->source, rec->event_id);
  out->time = (rec->present & FL_EVTX_HAS_TIME_CREATED) ? rec->time_created
                                                         : rec->written_time;
  out->record_id = (rec->present & FL_EVTX_HAS_EVENT_RECORD_ID)
                       ? rec->event_record_id : rec->record_id;
  out->host = rec->computer;
  out->channel = rec->channel;
  out->provider = rec->provider_name;
  if (out->kind == FL_KIND_OTHER) return 0;
  out->is_failure = fl_event_kind_is_failure(out->kind);
  const fl_event_def *def = out->source == FL_SOURCE_SECURITY ? security_def(rec) : NULL;
  for (size_t i = 0; i < rec->data_count; i++) {
    fl_field_role role = role_of(def, out->source, rec->data[i].name, i);
    apply_role(out, role, rec->data[i].value);
  }
  /* A benign WFP failure is expected: it never counts as a failure. */
  if (out->benign) out->is_failure = 0;
  return 1;
}
