/*
** Records -> typed events. Every decision comes from a table: the source
** from event_sources.def, the kind from event_classes.def (iScsiPrt by
** severity), each field's role from security_events.def or
** source_fields.def, enum values from the inserts and SDK symbols, error
** codes from the code tables' message texts. This runs once per in-scope
** record, so the tables are searched through the indexes of
** catalog_typed_index.c (built on first use) and numbers are parsed here
** rather than copied out for strtoull.
** Must never allocate or copy: typed strings point into the record. Must
** never read a record string past its length: they are not NUL-terminated.
*/
#include <pthread.h>
#include <string.h>

#include "catalog/catalog_typed_index.h"

#define COUNT(a) (sizeof(a) / sizeof *(a))

static const struct {
  fl_event_source source;
  const char *provider;
  size_t len;
} sources[] = {
#define FL_SOURCE(sym, name, provider) {sym, provider, sizeof provider - 1},
#include "faultline/event_sources.def"
#undef FL_SOURCE
};

static const struct {
  const char *name;
  int failure;
} kinds[] = {
#define FL_KIND(sym, name, failure) {name, failure},
#include "faultline/event_kinds.def"
#undef FL_KIND
};

/* The SDK enums typed fields hold; resolved to index groups once. */
typedef enum typed_enum {
  TE_KEY_MODULE, TE_AUTH_METHOD, TE_FAILURE_POINT, TE_SA_ROLE, TE_TRAFFIC,
  TE_MM_STATE, TE_QM_STATE, TE_EM_STATE, TE_ISCSI_FAILURE, TE_COUNT_
} typed_enum;

static const char *const typed_enum_names[TE_COUNT_] = {
    [TE_KEY_MODULE] = "IKEEXT_KEY_MODULE_TYPE",
    [TE_AUTH_METHOD] = "IKEEXT_AUTHENTICATION_METHOD_TYPE",
    [TE_FAILURE_POINT] = "IPSEC_FAILURE_POINT",
    [TE_SA_ROLE] = "IKEEXT_SA_ROLE",
    [TE_TRAFFIC] = "IPSEC_TRAFFIC_TYPE",
    [TE_MM_STATE] = "IKEEXT_MM_SA_STATE",
    [TE_QM_STATE] = "IKEEXT_QM_SA_STATE",
    [TE_EM_STATE] = "IKEEXT_EM_SA_STATE",
    [TE_ISCSI_FAILURE] = "ISCSI_INITIATOR_FAILURE_TYPE",
};

static int typed_group[TE_COUNT_];
static pthread_once_t typed_once = PTHREAD_ONCE_INIT;

static void typed_init(void) {
  fl_typed_index_build();
  for (size_t i = 0; i < TE_COUNT_; i++)
    typed_group[i] = fl_typed_enum_group(typed_enum_names[i]);
}

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
  return s.ptr && s.len == n && fl_typed_eq_ci(s.ptr, lit, n);
}

static int str_eq(fl_evtx_str s, const char *lit) {
  size_t n = strlen(lit);
  return s.ptr && s.len == n && memcmp(s.ptr, lit, n) == 0;
}

/* isspace() of the C locale, without its per-byte locale lookup. */
static inline int is_space(unsigned char c) { return c == ' ' || (unsigned)(c - '\t') <= '\r' - '\t'; }

static fl_evtx_str trim_slow(fl_evtx_str s) {
  while (s.len && is_space((unsigned char)s.ptr[0])) s.ptr++, s.len--;
  while (s.len && is_space((unsigned char)s.ptr[s.len - 1])) s.len--;
  return s;
}

/* Values rarely have spaces around them: check both ends inline. */
static inline fl_evtx_str trim(fl_evtx_str s) {
  if (!s.len || (!is_space((unsigned char)s.ptr[0]) &&
                 !is_space((unsigned char)s.ptr[s.len - 1])))
    return s;
  return trim_slow(s);
}

static int hex_digit(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c |= 0x20;
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The digits of a number up to end or a NUL (which ended the copy strtoull
** used to read); anything else fails. Overflow saturates at UINT64_MAX,
** as strtoull did. */
static int parse_dec(const unsigned char *p, const unsigned char *end, uint64_t *out) {
  uint64_t v = 0;
  int over = 0;
  for (; p < end; p++) {
    unsigned d = (unsigned)*p - '0';
    if (d > 9) {
      if (*p) return -1;
      break;
    }
    if (v >= UINT64_MAX / 10 && (v > UINT64_MAX / 10 || d > UINT64_MAX % 10)) over = 1;
    else v = v * 10 + d;
  }
  *out = over ? UINT64_MAX : v;
  return 0;
}

static int parse_hex(const unsigned char *p, const unsigned char *end, uint64_t *out) {
  uint64_t v = 0;
  int over = 0;
  for (; p < end; p++) {
    int d = hex_digit(*p);
    if (d < 0) {
      if (*p) return -1;
      break;
    }
    over |= (v >> 60) != 0;
    v = (v << 4) | (unsigned)d;
  }
  *out = over ? UINT64_MAX : v;
  return 0;
}

/* Decimal or 0x-hex, the whole (trimmed) string of at most 24 characters;
** 0 on success. Gives what strtoull over a NUL-terminated copy gave, so
** results do not change with the parser. */
static int parse_number(fl_evtx_str s, uint64_t *out) {
  s = trim(s);
  if (!s.len || s.len > 24) return -1;
  const unsigned char *p = (const unsigned char *)s.ptr, *end = p + s.len;
  if (s.len > 2 && p[0] == '0' && (p[1] | 0x20) == 'x')
    /* "0xz" is refused: strtoull stopped at the x. */
    return hex_digit(p[2]) < 0 ? -1 : parse_hex(p + 2, end, out);
  return (unsigned)p[0] - '0' > 9 ? -1 : parse_dec(p, end, out);
}

/* parse_number, with plain digits (what ports, ids and %%NNNN inserts
** are) read inline: nineteen digits always fit and need no check. */
static inline int parse_u64(fl_evtx_str s, uint64_t *out) {
  if (s.len && s.len <= 19) {
    uint64_t v = 0;
    size_t i = 0;
    for (unsigned d; i < s.len && (d = (unsigned char)s.ptr[i] - '0') <= 9; i++)
      v = v * 10 + d;
    if (i == s.len) {
      *out = v;
      return 0;
    }
  }
  return parse_number(s, out);
}

/* fl_catalog_enum_from_text for an enum already resolved to its group. */
static int enum_value(int group, fl_evtx_str text, int64_t *value) {
  fl_evtx_str s = trim(text);
  if (!s.ptr || !s.len || s.len > 96) return -1;
  uint64_t n;
  if (s.len > 2 && s.ptr[0] == '%' && s.ptr[1] == '%') {
    if (parse_u64((fl_evtx_str){s.ptr + 2, s.len - 2}, &n) != 0) return -1;
    return fl_typed_enum_by_insert(group, n, value);
  }
  if (fl_typed_enum_by_text(group, s, value) == 0 ||
      fl_typed_enum_by_symbol(group, s, value) == 0)
    return 0;
  if (parse_u64(s, &n) == 0 && n < 0x10000) {
    *value = (int64_t)n;
    return 0;
  }
  return -1;
}

int fl_catalog_enum_from_text(const char *enum_name, const char *text,
                              size_t len, int64_t *value) {
  if (!enum_name || !text) return -1;
  pthread_once(&typed_once, typed_init);
  return enum_value(fl_typed_enum_group(enum_name), (fl_evtx_str){text, len},
                    value);
}

static fl_event_source source_of(fl_evtx_str provider) {
  if (!provider.ptr) return FL_SOURCE_UNKNOWN;
  for (size_t i = 0; i < COUNT(sources); i++)
    if (provider.len == sources[i].len &&
        (fl_typed_same(provider.ptr, sources[i].provider, provider.len) ||
         fl_typed_eq_ci(provider.ptr, sources[i].provider, provider.len)))
      return sources[i].source;
  return FL_SOURCE_UNKNOWN;
}

static typed_enum state_enum(fl_event_kind kind) {
  switch (kind) {
    case FL_KIND_QM_FAILURE: case FL_KIND_WFP_QM_FAILURE:
      return TE_QM_STATE;
    case FL_KIND_EM_FAILURE: case FL_KIND_WFP_EM_FAILURE:
      return TE_EM_STATE;
    default:
      return TE_MM_STATE;
  }
}

/* The fields of a Security record's catalog definition: its version's, else
** the highest version's. */
static const fl_typed_fields *security_fields(const fl_evtx_event *rec) {
  const fl_typed_fields *f = NULL;
  if (rec->present & FL_EVTX_HAS_VERSION)
    f = fl_typed_security_fields((uint16_t)rec->event_id, (int)rec->version);
  return f ? f : fl_typed_security_fields((uint16_t)rec->event_id, -1);
}

/* The role of the index-th data item. Security records list their fields
** in manifest order, so the field at the same position is tried first. */
static fl_field_role role_of(const fl_typed_fields *f, fl_evtx_str name,
                             size_t index, int by_position) {
  if (!f || !name.ptr) return FL_ROLE_OTHER;
  if (by_position && index < f->count) {
    const fl_typed_name *nm = &f->names[index];
    if (nm->len == name.len && fl_typed_same(nm->name, name.ptr, name.len))
      return nm->role;
  }
  long i = fl_typed_field_find(f, name);
  return i < 0 ? FL_ROLE_OTHER : f->names[i].role;
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

static void set_enum(typed_enum e, fl_evtx_str v, int64_t *slot) {
  int64_t x;
  if (enum_value(typed_group[e], v, &x) == 0) *slot = x;
}

/* The code whose message s is. Renderers may append CR/LF, spaces or one
** period; the tables have none. */
static const fl_code_info *code_by_text(const char *p, size_t n) {
  while (n && (p[n - 1] == '\n' || p[n - 1] == '\r' || p[n - 1] == ' ')) n--;
  const fl_code_info *c = fl_typed_code_by_message(p, n);
  if (!c && n && p[n - 1] == '.') c = fl_typed_code_by_message(p, n - 1);
  return c;
}

/* As code_by_text, where a NUL ends the text and a text of 512 bytes or
** more matches nothing, as when it was looked up through a NUL-terminated
** copy in a 512-byte buffer. A text that matched holds no NUL (messages
** have none), so the NUL is only looked for when nothing matched. */
static const fl_code_info *code_by_message(fl_evtx_str s) {
  if (!s.len || s.len >= 512) return NULL;
  const fl_code_info *c = code_by_text(s.ptr, s.len);
  if (c) return c;
  const char *nul = memchr(s.ptr, '\0', s.len);
  return nul ? code_by_text(s.ptr, (size_t)(nul - s.ptr)) : NULL;
}

static void set_error(fl_typed_event *t, fl_evtx_str v) {
  uint64_t n;
  t->error_text = v;
  if (parse_u64(v, &n) == 0 && n <= 0xFFFFFFFFu) {
    t->error_code = (uint32_t)n;
    t->has |= FL_TE_ERROR_CODE;
    return;
  }
  const fl_code_info *c = code_by_message(trim(v));
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
    case FL_ROLE_KEYING_MODULE: set_enum(TE_KEY_MODULE, v, &t->keying_module); break;
    case FL_ROLE_AUTH_METHOD: set_enum(TE_AUTH_METHOD, v, &t->auth_method); break;
    case FL_ROLE_FAILURE_POINT: set_enum(TE_FAILURE_POINT, v, &t->failure_point); break;
    case FL_ROLE_ROLE: set_enum(TE_SA_ROLE, v, &t->role); break;
    case FL_ROLE_MODE: set_enum(TE_TRAFFIC, v, &t->mode); break;
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
    case FL_ROLE_ISCSI_FAILURE: set_enum(TE_ISCSI_FAILURE, v, &t->iscsi_failure_type); break;
    default: break;
  }
}

int fl_catalog_type_event(const fl_evtx_event *rec, fl_typed_event *out) {
  /* Everything unknown: zeros, and -1 where 0 is a value. Copied whole
  ** (padding included) rather than memset and patched: a vector copy, where
  ** memset became a rep stos as costly as the rest of typing. */
  static const fl_typed_event blank = {
      .keying_module = -1, .auth_method = -1, .failure_point = -1, .role = -1,
      .state = -1, .mode = -1, .iscsi_failure_type = -1, .dos_started = -1};
  pthread_once(&typed_once, typed_init);
  memcpy(out, &blank, sizeof *out);
  out->source = source_of(rec->provider_name);
  out->event_id = rec->event_id;
  out->kind = fl_typed_kind(out->source, rec->event_id);
  out->time = (rec->present & FL_EVTX_HAS_TIME_CREATED) ? rec->time_created
                                                         : rec->written_time;
  out->record_id = (rec->present & FL_EVTX_HAS_EVENT_RECORD_ID)
                       ? rec->event_record_id : rec->record_id;
  out->host = rec->computer;
  out->channel = rec->channel;
  out->provider = rec->provider_name;
  if (out->kind == FL_KIND_OTHER) return 0;
  out->is_failure = fl_event_kind_is_failure(out->kind);
  int security = out->source == FL_SOURCE_SECURITY;
  const fl_typed_fields *f = security ? security_fields(rec)
                                      : fl_typed_source_fields(out->source);
  /* Locals: stores through out could alias rec as far as C knows. */
  const fl_evtx_pair *data = rec->data;
  size_t count = f ? rec->data_count : 0;
  static const char *const insert_names[] = {"%1", "%2", "%3", "%4", "%5",
                                             "%6", "%7", "%8", "%9"};
  for (size_t i = 0; i < count; i++) {
    fl_evtx_str name = data[i].name;
    /* A classic event's unnamed items go by their insert number. */
    if (!security && !name.len && i < COUNT(insert_names))
      name = (fl_evtx_str){insert_names[i], 2};
    apply_role(out, role_of(f, name, i, security), data[i].value);
  }
  /* A benign WFP failure is expected: it never counts as a failure. */
  if (out->benign) out->is_failure = 0;
  return 1;
}
