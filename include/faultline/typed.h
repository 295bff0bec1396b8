/*
** Typed events: what a record means for diagnosis, whatever its source
** (Security audit event, WFP net event, iScsiPrt, iSCSI WMI) and format.
** fl_catalog_type_event() reads an fl_evtx_event (the one record model all
** readers produce) and fills an fl_typed_event using the catalog's tables:
** which kind each event is, which field plays which role, how %%NNNN,
** insert texts, SDK symbols and numbers map to enum values, and how a
** FailureReason text maps back to its error code.
**
** Must never: allocate, copy strings (they point into the record and live
** as long as the record callback), or guess: unknown stays unknown (-1 / 0
** with its has_ bit clear).
*/
#ifndef FAULTLINE_TYPED_H
#define FAULTLINE_TYPED_H

#include "faultline/base.h"
#include "faultline/evtx.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum fl_event_kind {
#define FL_KIND(sym, name, failure) sym,
#include "faultline/event_kinds.def"
#undef FL_KIND
  FL_KIND_COUNT_
} fl_event_kind;

typedef enum fl_event_source {
  FL_SOURCE_UNKNOWN = 0,
#define FL_SOURCE(sym, name, provider) sym,
#include "faultline/event_sources.def"
#undef FL_SOURCE
  FL_SOURCE_COUNT_
} fl_event_source;

FL_API const char *fl_event_kind_name(fl_event_kind kind);
FL_API int fl_event_kind_is_failure(fl_event_kind kind);
FL_API const char *fl_event_source_name(fl_event_source src);

/* Bits of fl_typed_event.has. */
enum {
  FL_TE_ERROR_CODE = 1u << 0,
  FL_TE_LOCAL_PORT = 1u << 1,
  FL_TE_REMOTE_PORT = 1u << 2,
  FL_TE_FILTER_ID = 1u << 3,
  FL_TE_SA_ID = 1u << 4,
  FL_TE_FAILURE_FLAGS = 1u << 5,
  FL_TE_SPI = 1u << 6,
  FL_TE_PROTOCOL = 1u << 7
};

typedef struct fl_typed_event {
  fl_event_kind kind;
  fl_event_source source;
  int is_failure;
  unsigned has;                 /* FL_TE_* */
  uint32_t event_id;
  uint64_t time;                /* FILETIME */
  uint64_t record_id;           /* EventRecordID, else the record header id */
  fl_evtx_str host, channel, provider;
  /* IKE / IPsec */
  uint32_t error_code;          /* FailureReason text or failureErrorCode */
  fl_evtx_str error_text;       /* as the event gave it */
  fl_evtx_str error_raw;        /* PAStore "Error" fields */
  int64_t keying_module;        /* IKEEXT_KEY_MODULE_TYPE, -1 unknown */
  int64_t auth_method;          /* IKEEXT_AUTHENTICATION_METHOD_TYPE, -1 */
  int64_t failure_point;        /* IPSEC_FAILURE_POINT, -1 */
  int64_t role;                 /* IKEEXT_SA_ROLE, -1 */
  int64_t state;                /* MM/QM/EM state of the kind, -1 */
  int64_t mode;                 /* IPSEC_TRAFFIC_TYPE, -1 */
  fl_evtx_str state_text;
  fl_evtx_str local_address, remote_address;
  uint32_t local_port, remote_port;
  fl_evtx_str local_principal, remote_principal;
  uint64_t filter_id, sa_id;
  fl_evtx_str initiator_cookie, responder_cookie;
  fl_evtx_str cert_hash;        /* first thumbprint the event carries */
  uint32_t failure_flags;       /* WFP MM/EM failure flags as MM bits */
  int benign, multiple;         /* decoded from failure_flags */
  uint32_t spi;
  uint32_t protocol;
  fl_evtx_str policy;           /* PAStore policy name or DN */
  int dos_started;              /* 4646: 1 started, 0 stopped, -1 unknown */
  /* iSCSI */
  fl_evtx_str iscsi_target;
  int64_t iscsi_failure_type;   /* ISCSI_INITIATOR_FAILURE_TYPE, -1 */
} fl_typed_event;

/* Fills out from rec. Returns 1 when the record is in scope (a known
** source and event), 0 when it is not (out->kind = FL_KIND_OTHER). */
FL_API int fl_catalog_type_event(const fl_evtx_event *rec, fl_typed_event *out);

/* Decodes an enum value the way events render it: "%%8222", the insert's
** text ("IKEv1"), the SDK symbol ("IKEEXT_KEY_MODULE_IKE") or a number.
** Returns 0 and sets *value, or -1 (unknown, "Unknown authentication" ...). */
FL_API int fl_catalog_enum_from_text(const char *enum_name, const char *text,
                              size_t len, int64_t *value);

#ifdef __cplusplus
}
#endif

#endif
