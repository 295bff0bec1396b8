/*
** faultline — find and explain why Windows IPsec/IKE connections, IPsec
** policy and iSCSI logins fail.
**
** This is the public interface of libfaultline. Data flows one way:
** sources -> records -> typed events -> store -> diagnosis -> reports.
** Each stage has its own prefix (fl_evtx_, fl_catalog_, fl_store_ ...).
**
** Rules this header keeps: C11, no allocation hidden behind an accessor (the
** catalog returns pointers into static tables that live for the process),
** every fallible call returns fl_status and fills an fl_error.
*/
#ifndef FAULTLINE_H
#define FAULTLINE_H

#include "faultline/base.h"

/* Stage APIs, one header each. */
#include "faultline/evtx.h"
#include "faultline/evtx_writer.h"
#include "faultline/input.h"
#include "faultline/typed.h"
#include "faultline/store.h"
#include "faultline/serve.h"
#include "faultline/gen.h"
#include "faultline/diag.h"
#include "faultline/report.h"

#endif /* FAULTLINE_H */
