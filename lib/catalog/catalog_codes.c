/*
** Error-code catalog: Win32 IPsec codes, certificate/SSPI HRESULTs, IPsec
** NTSTATUS values and iSCSI status codes, plus what is known about their
** causes. The facts live in the .def tables beside this file; this file only
** builds arrays from them and looks things up. It must never hold a message
** text or a cause of its own.
*/
#include <string.h>

#include "faultline.h"

static const fl_code_info codes[] = {
#define FL_CODE(value, sym, msg, note) {FL_CODE_WIN32, value, #sym, msg, note},
#include "catalog/codes_win32.def"
#undef FL_CODE
#define FL_CODE(value, sym, msg, note) {FL_CODE_RAS, value, #sym, msg, note},
#include "catalog/codes_ras.def"
#undef FL_CODE
#define FL_CODE(value, sym, msg, note) {FL_CODE_HRESULT, value, #sym, msg, note},
#include "catalog/codes_hresult.def"
#undef FL_CODE
#define FL_CODE(value, sym, msg, note) {FL_CODE_NTSTATUS, value, #sym, msg, note},
#include "catalog/codes_ntstatus.def"
#undef FL_CODE
#define FL_CODE(value, sym, msg, note) {FL_CODE_ISCSI, value, #sym, msg, note},
#include "catalog/codes_iscsi.def"
#undef FL_CODE
};

static const fl_knowledge knowledge[] = {
#define FL_KNOWLEDGE(kind, key, inferred, cause, check, source) \
  {kind, key, cause, check, source, inferred},
#include "catalog/knowledge.def"
#undef FL_KNOWLEDGE
};

#define COUNT(a) (sizeof(a) / sizeof *(a))

const char *fl_code_family_name(fl_code_family family) {
  static const char *const names[] = {"win32", "hresult", "ntstatus", "iscsi", "ras"};
  return (unsigned)family < COUNT(names) ? names[family] : "unknown";
}

size_t fl_catalog_code_count(void) { return COUNT(codes); }

const fl_code_info *fl_catalog_code_at(size_t index) {
  return index < COUNT(codes) ? &codes[index] : NULL;
}

const fl_code_info *fl_catalog_code_by_value(uint32_t value) {
  for (size_t i = 0; i < COUNT(codes); i++)
    if (codes[i].value == value) return &codes[i];
  /* HRESULT_FROM_WIN32: 0x8007xxxx wraps a Win32 code. */
  if ((value & 0xFFFF0000u) == 0x80070000u) {
    uint32_t win32 = value & 0xFFFFu;
    for (size_t i = 0; i < COUNT(codes); i++)
      if (codes[i].family == FL_CODE_WIN32 && codes[i].value == win32)
        return &codes[i];
  }
  return NULL;
}

const fl_code_info *fl_catalog_code_by_symbol(const char *symbol) {
  if (!symbol) return NULL;
  for (size_t i = 0; i < COUNT(codes); i++)
    if (strcmp(codes[i].symbol, symbol) == 0) return &codes[i];
  return NULL;
}

const fl_code_info *fl_catalog_code_by_message(const char *message) {
  if (!message) return NULL;
  size_t n = strlen(message);
  /* Renderers may append a period or CR/LF; the table has neither. */
  while (n && (message[n - 1] == '\n' || message[n - 1] == '\r' ||
               message[n - 1] == ' '))
    n--;
  for (int pass = 0; pass < 2; pass++) {
    for (size_t i = 0; i < COUNT(codes); i++) {
      const char *m = codes[i].message;
      if (strlen(m) == n && memcmp(m, message, n) == 0) return &codes[i];
    }
    if (n && message[n - 1] == '.') n--; /* second pass without the period */
    else break;
  }
  return NULL;
}

size_t fl_catalog_knowledge(fl_knowledge_kind kind, uint32_t key,
                            const fl_knowledge **out, size_t cap) {
  size_t found = 0;
  for (size_t i = 0; i < COUNT(knowledge); i++) {
    if (knowledge[i].kind != kind || knowledge[i].key != key) continue;
    if (found < cap && out) out[found] = &knowledge[i];
    found++;
  }
  return found;
}

size_t fl_catalog_knowledge_count(void) { return COUNT(knowledge); }

const fl_knowledge *fl_catalog_knowledge_at(size_t index) {
  return index < COUNT(knowledge) ? &knowledge[index] : NULL;
}
