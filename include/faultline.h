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
**
** Names: only fl_*, FL_* and FAULTLINE_* (the Windows SDK type names are in
** the opt-in <faultline/wfp.h>). Only declarations marked FL_API are
** exported by libfaultline.so. Version: FAULTLINE_VERSION_MAJOR/MINOR/PATCH
** and FAULTLINE_VERSION_NUMBER here, fl_version()/fl_version_number() at run
** time.
**
** Ownership (the zstd/sqlite model):
** - A handle (fl_evtx_file, fl_store, fl_diag, fl_evtx_writer, ...) is made
**   by its _open/_new call and released by its _close/_free call, which
**   accepts NULL. Everything a handle hands out (records, rows, results,
**   strings) is owned by it: valid until the next call on the same handle
**   that says so, or until it is closed; copy what you keep.
** - Records passed to a callback (fl_evtx_record_fn ...) are valid only
**   during the callback.
** - Catalog lookups return pointers to static tables: valid for the
**   process, never freed.
** - Strings and structs the caller passes in are only read during the call
**   unless the function's comment says it keeps them.
** Threads:
** - The catalog, fl_version*, fl_status_name and the other pure functions are
**   safe from any thread at any time.
** - A handle is used by one thread at a time; different handles may be used
**   from different threads at once. The library's only process-wide
**   switches are internal test toggles, never changed by the API.
** - fl_error is the caller's, one per thread.
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
#include "faultline/pipeline.h"
#include "faultline/store_backend.h"
#include "faultline/gen.h"
#include "faultline/diag.h"
#include "faultline/report.h"

#endif /* FAULTLINE_H */
