/*
** The base of the public interface: status and errors, and the catalog
** (codes, events, inserts, enums, iSCSI). Stage headers include this, not
** faultline.h, so any of them can be included first; faultline.h gathers
** them all. Must never include a stage header.
*/
#ifndef FAULTLINE_BASE_H
#define FAULTLINE_BASE_H

#include <stddef.h>
#include <stdint.h>

/* Marks the documented API: libfaultline.so is built with
** -fvisibility=hidden and exports exactly the FL_API declarations of
** include/faultline.h and the faultline/ headers (tests/cli/test_install.sh
** checks). */
#if defined(__GNUC__) || defined(__clang__)
#define FL_API __attribute__((visibility("default")))
#else
#define FL_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The version of these headers; fl_version()/fl_version_number() give the
** library's at run time (they differ when a program built against one
** version loads another libfaultline.so). */
#define FAULTLINE_VERSION_MAJOR 0
#define FAULTLINE_VERSION_MINOR 1
#define FAULTLINE_VERSION_PATCH 0
#define FAULTLINE_VERSION_NUMBER                                   \
  (FAULTLINE_VERSION_MAJOR * 10000 + FAULTLINE_VERSION_MINOR * 100 + \
   FAULTLINE_VERSION_PATCH)
#define FL_VERSION_STR_(x) #x
#define FL_VERSION_STR(x) FL_VERSION_STR_(x)
#define FAULTLINE_VERSION_STRING                 \
  FL_VERSION_STR(FAULTLINE_VERSION_MAJOR) "."     \
  FL_VERSION_STR(FAULTLINE_VERSION_MINOR) "."     \
  FL_VERSION_STR(FAULTLINE_VERSION_PATCH)

/* "0.1.0" and 100: the library's FAULTLINE_VERSION_STRING / _NUMBER. */
FL_API const char *fl_version(void);
FL_API unsigned fl_version_number(void);

/* ------------------------------------------------------------------------
** Status and errors
*/
typedef enum fl_status {
#define FL_STATUS(sym, name, text) sym,
#include "faultline/status.def"
#undef FL_STATUS
  FL_STATUS_COUNT_
} fl_status;

/* Where and why something failed. file is the input's name, offset a byte
** offset into it (binary inputs, has_offset set), line/column 1-based
** (text inputs, line != 0). */
typedef struct fl_error {
  fl_status status;
  char file[256];
  uint64_t offset;
  int has_offset;
  unsigned line;
  unsigned column;
  char message[256];
} fl_error;

FL_API void fl_error_clear(fl_error *err);
FL_API const char *fl_status_name(fl_status status);
/* "file:line:col: kind: message" or "file: offset 0x..: kind: message";
** returns what snprintf returns. */
FL_API int fl_error_format(const fl_error *err, char *buf, size_t cap);

/* ------------------------------------------------------------------------
** Catalog: error codes
**
** Families are distinct number spaces; the same integer can mean different
** things in each (13801 is a Win32 code, 0xC0360001 an NTSTATUS).
*/
typedef enum fl_code_family {
  FL_CODE_WIN32 = 0,  /* plain Win32 error (IPsec 13000-13932) */
  FL_CODE_HRESULT,    /* certificate / SSPI / CAPI HRESULTs */
  FL_CODE_NTSTATUS,   /* IPsec kernel / DoS-protection drop status */
  FL_CODE_ISCSI,      /* iSCSI discovery/login status (iscsierr.h) */
  FL_CODE_RAS,        /* RAS / VPN client error (raserror.h, 600-999) */
  FL_CODE_FAMILY_COUNT
} fl_code_family;

typedef struct fl_code_info {
  fl_code_family family;
  uint32_t value;
  const char *symbol;  /* e.g. "ERROR_IPSEC_IKE_AUTH_FAIL" */
  const char *message; /* exact system message text, no added period */
  const char *note;    /* provenance or caveat; "" when none */
} fl_code_info;

FL_API const char *fl_code_family_name(fl_code_family family);
FL_API size_t fl_catalog_code_count(void);
FL_API const fl_code_info *fl_catalog_code_at(size_t index);
/* Finds a code by value. A Win32 code is also found through its
** HRESULT_FROM_WIN32 form (0x8007xxxx). */
FL_API const fl_code_info *fl_catalog_code_by_value(uint32_t value);
FL_API const fl_code_info *fl_catalog_code_by_symbol(const char *symbol);
/* Finds a code by its message text, as events put it in FailureReason; a
** trailing period, space or CR/LF is ignored. Several codes share a text
** (13809-13812): the lowest is returned. */
FL_API const fl_code_info *fl_catalog_code_by_message(const char *message);

/* What is known about why something fails and what to check. */
typedef enum fl_knowledge_kind {
  FL_KNOW_CODE = 0,           /* key = an error code value */
  FL_KNOW_EVENT,              /* key = a Security event id */
  FL_KNOW_ISCSIPRT,           /* key = an iScsiPrt event id */
  FL_KNOW_ISCSI_FAILURE_TYPE  /* key = ISCSI_INITIATOR_FAILURE_TYPE value */
} fl_knowledge_kind;

typedef struct fl_knowledge {
  fl_knowledge_kind kind;
  uint32_t key;
  const char *cause;
  const char *check;   /* concrete checks and commands */
  const char *source;  /* where this knowledge comes from */
  int inferred;        /* 1 when the cause is our inference */
} fl_knowledge;

/* Fills out[0..cap) with the knowledge rows for (kind, key); returns how
** many exist (may exceed cap). */
FL_API size_t fl_catalog_knowledge(fl_knowledge_kind kind, uint32_t key,
                            const fl_knowledge **out, size_t cap);
FL_API size_t fl_catalog_knowledge_count(void);
FL_API const fl_knowledge *fl_catalog_knowledge_at(size_t index);

/* ------------------------------------------------------------------------
** Catalog: %%NNNN parameter strings (msobjs.dll)
*/
typedef struct fl_insert_info {
  uint32_t id;       /* 8199 for %%8199 */
  const char *text;  /* "Local computer" */
  const char *note;
} fl_insert_info;

FL_API size_t fl_catalog_insert_count(void);
FL_API const fl_insert_info *fl_catalog_insert_at(size_t index);
FL_API const fl_insert_info *fl_catalog_insert(uint32_t id);

/* ------------------------------------------------------------------------
** Catalog: enumerations of the SDK (faultline/wfp_enums.def) and the mapping
** of enum values to the %%NNNN strings events render.
*/
typedef struct fl_enum_value {
  const char *enum_name; /* "IKEEXT_KEY_MODULE_TYPE" */
  const char *symbol;    /* "IKEEXT_KEY_MODULE_IKE" */
  int64_t value;
} fl_enum_value;

FL_API size_t fl_catalog_enum_value_count(void);
FL_API const fl_enum_value *fl_catalog_enum_value_at(size_t index);
/* The symbol of value in enum_name, or NULL. */
FL_API const char *fl_catalog_enum_symbol(const char *enum_name, int64_t value);
/* The value of symbol (in any enum); returns 0 and sets *value on success. */
FL_API int fl_catalog_enum_value(const char *symbol, int64_t *value);

typedef struct fl_enum_insert {
  const char *field_kind;  /* "KeyModName", "FailurePoint", "Role", ... */
  const char *enum_name;   /* SDK enum whose value is rendered */
  int64_t value;           /* enum value */
  uint32_t insert;         /* %%NNNN id */
  int inferred;            /* mapping inferred, not read from a source */
} fl_enum_insert;

FL_API size_t fl_catalog_enum_insert_count(void);
FL_API const fl_enum_insert *fl_catalog_enum_insert_at(size_t index);
/* The %%NNNN id events use for value of enum_name, 0 when none. */
FL_API uint32_t fl_catalog_insert_for_enum(const char *enum_name, int64_t value);

/* Flag bits (FWPM_NET_EVENT_FLAG_*, MM/EM failure flags, keywords). */
typedef struct fl_flag_bit {
  const char *set;    /* "FWPM_NET_EVENT_FLAG", "MM_FAILURE_FLAG", ... */
  const char *symbol;
  uint64_t bit;
} fl_flag_bit;

FL_API size_t fl_catalog_flag_count(void);
FL_API const fl_flag_bit *fl_catalog_flag_at(size_t index);
/* Writes "A|B|0x40" for the bits of value in set; returns snprintf's count. */
FL_API int fl_catalog_flags_format(const char *set, uint64_t value, char *buf,
                            size_t cap);

/* ------------------------------------------------------------------------
** Catalog: Security audit events in scope
*/
typedef enum fl_field_type {
  FL_FIELD_STR = 0,  /* UnicodeString */
  FL_FIELD_U32,      /* UInt32, rendered decimal */
  FL_FIELD_U64,      /* UInt64, rendered decimal */
  FL_FIELD_TYPE_COUNT
} fl_field_type;

/* What a field means, so later stages can type an event without knowing
** its id. Kept in faultline/field_roles.def. */
typedef enum fl_field_role {
#define FL_ROLE(sym, name, text) sym,
#include "faultline/field_roles.def"
#undef FL_ROLE
  FL_ROLE_COUNT_
} fl_field_role;

FL_API const char *fl_field_role_name(fl_field_role role);
FL_API const char *fl_field_type_name(fl_field_type type);

typedef struct fl_field_def {
  const char *name;     /* <Data Name='...'> */
  fl_field_type type;
  fl_field_role role;
  const char *section;  /* message section, e.g. "Local Endpoint" */
  const char *label;    /* message label, e.g. "Network Address" */
} fl_field_def;

typedef enum fl_outcome {
  FL_OUTCOME_SUCCESS = 0, /* Audit Success keyword */
  FL_OUTCOME_FAILURE,     /* Audit Failure keyword */
  FL_OUTCOME_UNKNOWN      /* docs say one thing, the message another */
} fl_outcome;

typedef struct fl_subcategory {
  uint16_t task;            /* <Task> value, e.g. 12547 */
  const char *name;         /* "IPsec Main Mode" */
  const char *category;     /* "Logon/Logoff" */
  const char *guid;         /* auditpol subcategory GUID, "" if unknown */
} fl_subcategory;

typedef struct fl_event_def {
  uint16_t id;
  uint8_t version;
  fl_outcome outcome;
  const char *title;               /* adtschema.dll message first line */
  const fl_subcategory *subcategory;
  const char *outcome_note;        /* why outcome is uncertain, or "" */
  size_t field_count;
  const fl_field_def *fields;
  const char *note;                /* caveats, "" when none */
} fl_event_def;

FL_API size_t fl_catalog_event_count(void);
FL_API const fl_event_def *fl_catalog_event_at(size_t index);
/* version < 0: the highest version defined. */
FL_API const fl_event_def *fl_catalog_event(uint16_t id, int version);
/* The auditpol command that enables auditing for the event, written to buf. */
FL_API int fl_catalog_auditpol_command(const fl_event_def *ev, char *buf, size_t cap);
/* The IDs that are asked about but do not exist (5469, 5470, ...) and 4964,
** which is not an IPsec event: a note explaining why, or NULL. */
FL_API const char *fl_catalog_event_not_in_scope(uint16_t id);

/* ------------------------------------------------------------------------
** Catalog: iSCSI (iScsiPrt System-log events, WMI failure types)
*/
typedef enum fl_severity {
  FL_SEVERITY_SUCCESS = 0,
  FL_SEVERITY_INFORMATIONAL = 1,
  FL_SEVERITY_WARNING = 2,
  FL_SEVERITY_ERROR = 3
} fl_severity;

FL_API const char *fl_severity_name(fl_severity sev);

typedef struct fl_iscsiprt_event {
  uint16_t id;            /* low 16 bits of the message id */
  uint32_t message_id;    /* 0xC0000011 */
  fl_severity severity;   /* top two bits of message_id */
  const char *text;       /* iscsilog.dll message */
  const char *note;
} fl_iscsiprt_event;

/* The netsh type name ("ikeMmFailure", "classifyDrop", ...) of a record
** faultline built from a netsh wfp net event (its channel is "WFP-NetEvents",
** and its event id faultline's own: docs/inputs.md); NULL for any other
** record. Outputs show this name, never the id alone, for such records. */
FL_API const char *fl_catalog_net_event_name(const char *channel, size_t channel_len,
                                      uint32_t event_id);
FL_API size_t fl_catalog_iscsiprt_count(void);
FL_API const fl_iscsiprt_event *fl_catalog_iscsiprt_at(size_t index);
FL_API const fl_iscsiprt_event *fl_catalog_iscsiprt(uint16_t id);

/* ------------------------------------------------------------------------
** Suggestions for unknown names: the closest known symbol, or NULL.
*/
FL_API const char *fl_catalog_suggest(const char *word);
/* The same closeness rule over a caller's names (commands, options,
** scenario names): the closest of names[0..count), or NULL. */
FL_API const char *fl_catalog_suggest_from(const char *word, const char *const *names,
                                    size_t count);

#ifdef __cplusplus
}
#endif

#endif /* FAULTLINE_BASE_H */
