/*
** The rendered event forms' common half: labels (evtext_keys.def), the
** values Event Viewer and PowerShell print (level and keyword names, local
** dates), and fl_evtext_emit, which turns an event's labelled values and
** message text into the one record model through the catalog's message
** templates (lib/catalog/catalog_messages.c).
**
** Must never: invent data the text does not show, drop a message it could
** not read (it is kept whole as the "Message" item), or let a rendered local
** time pass as UTC without a warning.
*/
#include <stdio.h>

#include "catalog/catalog_messages.h"
#include "input/input_evtext.h"

#define COUNT(a) (sizeof(a) / sizeof *(a))

static const struct {
  const char *label;
  fl_evtext_key key;
  unsigned forms;
} keys[] = {
#define FL_EVTEXT_KEY(key, label, forms) {label, key, forms},
#include "input/evtext_keys.def"
#undef FL_EVTEXT_KEY
};

/* Level and keyword names as Event Viewer prints them (winmeta.xml names,
** and German). A value names a level (1-5) or keyword bits. */
static const struct {
  const char *name;
  fl_evtext_key key;
  uint64_t value;
} named_values[] = {
    {"Critical", EVK_LEVEL, 1}, {"Error", EVK_LEVEL, 2},
    {"Warning", EVK_LEVEL, 3}, {"Information", EVK_LEVEL, 4},
    {"Verbose", EVK_LEVEL, 5}, {"Kritisch", EVK_LEVEL, 1},
    {"Fehler", EVK_LEVEL, 2}, {"Warnung", EVK_LEVEL, 3},
    {"Informationen", EVK_LEVEL, 4}, {"Ausf\xc3\xbchrlich", EVK_LEVEL, 5},
    {"Audit Failure", EVK_KEYWORDS, 0x10000000000000ull},
    {"Audit Success", EVK_KEYWORDS, 0x20000000000000ull},
    {"Classic", EVK_KEYWORDS, 0x80000000000000ull},
    {"Fehlerhafte \xc3\x9c" "berwachung", EVK_KEYWORDS, 0x10000000000000ull},
    {"\xc3\x9c" "berwachung erfolgreich", EVK_KEYWORDS, 0x20000000000000ull},
    {"Klassisch", EVK_KEYWORDS, 0x80000000000000ull},
};

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static int eq_ci(const char *a, size_t an, const char *b) {
  size_t bn = strlen(b);
  if (an != bn) return 0;
  for (size_t i = 0; i < an; i++)
    if (lower((unsigned char)a[i]) != lower((unsigned char)b[i])) return 0;
  return 1;
}

static int contains_ci(const char *a, size_t an, const char *b) {
  size_t bn = strlen(b);
  for (size_t i = 0; bn && i + bn <= an; i++)
    if (eq_ci(a + i, bn, b)) return 1;
  return 0;
}

fl_evtext_key fl_evtext_key_of(const char *s, size_t n, unsigned forms) {
  fl_input_trim(&s, &n);
  for (size_t i = 0; i < COUNT(keys); i++)
    if ((keys[i].forms & forms) && eq_ci(s, n, keys[i].label)) return keys[i].key;
  return EVK_NONE;
}

void fl_evtext_load(fl_input_ctx *c) {
  while (fl_input_more(c, c->text_base)) {
  }
}

void fl_evtext_read_xml_copy(fl_input_ctx *c, const char *xml, int utf8_forced) {
  const char *text = c->text;
  struct fl_input_stream *stream = c->stream;
  c->text = xml;
  c->stream = NULL; /* the copy is the whole input: nothing more to read */
  fl_input_xml_read(c, utf8_forced);
  c->text = text;
  c->stream = stream;
}

size_t fl_evtext_line(const char *p, const char *end, const char **next) {
  const char *nl = memchr(p, '\n', (size_t)(end - p));
  const char *le = nl ? nl : end;
  *next = nl ? nl + 1 : end;
  if (le > p && le[-1] == '\r') le--;
  return (size_t)(le - p);
}

/* Reads n digits-or-fewer as a number; advances *i. -1 when none. */
static int num_at(const char *s, size_t n, size_t *i, unsigned *v) {
  size_t start = *i;
  *v = 0;
  while (*i < n && s[*i] >= '0' && s[*i] <= '9' && *i - start < 5)
    *v = *v * 10 + (unsigned)(s[(*i)++] - '0');
  return *i > start ? 0 : -1;
}

/* "11/30/2026 9:14:02 AM" (en-US), "30.11.2026 09:14:02" (de) or ISO 8601:
** the local time of the computer that rendered it, read as UTC. */
static int parse_local_time(const char *s, size_t n, uint64_t *ft) {
  fl_input_trim(&s, &n);
  if (fl_input_parse_time(s, n, ft) == 0) return 0;
  unsigned a, b, y, h, mi, se = 0;
  size_t i = 0;
  if (num_at(s, n, &i, &a) || i >= n || (s[i] != '/' && s[i] != '.')) return -1;
  char sep = s[i++];
  if (num_at(s, n, &i, &b) || i >= n || s[i++] != sep || num_at(s, n, &i, &y)) return -1;
  while (i < n && s[i] == ' ') i++;
  if (num_at(s, n, &i, &h) || i >= n || s[i++] != ':' || num_at(s, n, &i, &mi)) return -1;
  if (i < n && s[i] == ':') {
    i++;
    if (num_at(s, n, &i, &se)) return -1;
  }
  while (i < n && s[i] == ' ') i++;
  if (i + 1 < n && (s[i + 1] == 'M' || s[i + 1] == 'm')) {
    int pm = s[i] == 'P' || s[i] == 'p';
    if (h < 1 || h > 12) return -1;
    h = h % 12 + (pm ? 12u : 0u);
  }
  unsigned mo = sep == '/' ? a : b, d = sep == '/' ? b : a;
  char iso[32];
  int len = snprintf(iso, sizeof iso, "%04u-%02u-%02uT%02u:%02u:%02uZ", y, mo, d,
                     h, mi, se);
  return len > 0 && (size_t)len < sizeof iso ? fl_input_parse_time(iso, (size_t)len, ft) : -1;
}

static int named_value(fl_evtext_key key, fl_evtx_str v, uint64_t *out) {
  uint64_t bits = 0;
  int found = 0;
  for (size_t i = 0; i < COUNT(named_values); i++) {
    if (named_values[i].key != key) continue;
    int hit = key == EVK_KEYWORDS ? contains_ci(v.ptr, v.len, named_values[i].name)
                                  : eq_ci(v.ptr, v.len, named_values[i].name);
    if (!hit) continue;
    if (key != EVK_KEYWORDS) {
      *out = named_values[i].value;
      return 0;
    }
    bits |= named_values[i].value;
    found = 1;
  }
  *out = bits;
  return found ? 0 : -1;
}

static fl_evtx_str val(const fl_evtext_rec *r, fl_evtext_key k) {
  fl_evtx_str v = r->v[k];
  if (!v.ptr) return v;
  fl_input_trim(&v.ptr, &v.len);
  return v;
}

/* A number, PowerShell's signed Keywords included ("-9214364837600034816"). */
static int number(fl_evtx_str v, uint64_t *out) {
  if (v.len > 1 && v.ptr[0] == '-') {
    uint64_t m;
    if (fl_input_parse_u64(v.ptr + 1, v.len - 1, &m)) return -1;
    *out = (uint64_t)0 - m;
    return 0;
  }
  return fl_input_parse_u64(v.ptr, v.len, out);
}

static void emit_system(fl_input_ctx *c, const fl_evtext_rec *r) {
  static const struct { fl_evtext_key key; int field; } strs[] = {
      {EVK_SOURCE, FL_IN_PROVIDER}, {EVK_LOG_NAME, FL_IN_CHANNEL},
      {EVK_COMPUTER, FL_IN_COMPUTER}, {EVK_PROVIDER_ID, FL_IN_GUID}};
  static const struct { fl_evtext_key key; unsigned bit; } nums[] = {
      {EVK_RECORD_ID, FL_EVTX_HAS_EVENT_RECORD_ID}, {EVK_VERSION, FL_EVTX_HAS_VERSION},
      {EVK_QUALIFIERS, FL_EVTX_HAS_QUALIFIERS}, {EVK_PROCESS_ID, FL_EVTX_HAS_PROCESS_ID},
      {EVK_THREAD_ID, FL_EVTX_HAS_THREAD_ID}, {EVK_LEVEL, FL_EVTX_HAS_LEVEL},
      {EVK_KEYWORDS, FL_EVTX_HAS_KEYWORDS}, {EVK_TASK, FL_EVTX_HAS_TASK},
      {EVK_OPCODE, FL_EVTX_HAS_OPCODE}};
  for (size_t i = 0; i < COUNT(strs); i++) {
    fl_evtx_str v = val(r, strs[i].key);
    if (v.len) fl_input_rec_str(c, strs[i].field, v.ptr, v.len);
  }
  fl_evtx_str user = val(r, EVK_USER);
  if (user.len > 4 && memcmp(user.ptr, "S-1-", 4) == 0)
    fl_input_rec_str(c, FL_IN_USER, user.ptr, user.len);
  for (size_t i = 0; i < COUNT(nums); i++) {
    fl_evtx_str v = val(r, nums[i].key);
    uint64_t n;
    if (!v.len) continue;
    if (number(v, &n) == 0 || named_value(nums[i].key, v, &n) == 0)
      fl_input_rec_num(c, nums[i].bit, n);
  }
}

static void emit_time(fl_input_ctx *c, const fl_evtext_rec *r) {
  fl_evtx_str v = val(r, EVK_DATE);
  uint64_t ft;
  if (!v.len) return;
  if (parse_local_time(v.ptr, v.len, &ft) != 0) {
    fl_input_diag_emit(c, FL_EVTX_WARNING, r->off, "date not understood: %.*s",
                       (int)(v.len < 60 ? v.len : 60), v.ptr); /* not NUL-terminated */
    return;
  }
  fl_input_rec_num(c, FL_EVTX_HAS_TIME_CREATED, ft);
  if (!c->local_time_told) {
    c->local_time_told = 1;
    fl_input_diag_emit(c, FL_EVTX_WARNING, r->off,
                       "times in rendered event text are the local time of the "
                       "computer that showed them (no zone given); read as UTC");
  }
}

static void emit_data(fl_input_ctx *c, const fl_evtext_rec *r) {
  fl_evtx_str msg = val(r, EVK_DESCRIPTION);
  fl_evtx_str src = val(r, EVK_SOURCE);
  fl_message_parsed parsed;
  fl_message_match m = fl_catalog_message_parse(src.ptr, src.len, c->ev.event_id,
                                                msg.ptr, msg.len, &parsed);
  for (size_t i = 0; i < parsed.count; i++) {
    const fl_message_item *it = &parsed.items[i];
    fl_input_rec_pair(c, it->name, strlen(it->name), it->value.ptr ? it->value.ptr : "",
                      it->value.len);
  }
  if (m == FL_MESSAGE_MATCHED || !msg.len) return;
  /* Never lose what the text said: kept whole under its own name. */
  fl_input_rec_pair(c, "Message", 7, msg.ptr, msg.len);
  if (m == FL_MESSAGE_UNMATCHED)
    fl_input_diag_emit(c, FL_EVTX_WARNING, r->off,
                       "message text of %.*s event %u not recognised (another "
                       "language?): kept whole as Message%s",
                       (int)(src.len < 40 ? src.len : 40), src.ptr ? src.ptr : "",
                       (unsigned)c->ev.event_id,
                       parsed.count ? "; the code was taken from it" : "");
}

void fl_evtext_emit(fl_input_ctx *c, const fl_evtext_rec *r) {
  fl_input_rec_begin(c, r->off);
  fl_evtx_str id = val(r, EVK_EVENT_ID);
  uint64_t n;
  if (!id.len || fl_input_parse_u64(id.ptr, id.len, &n) || n > 0xFFFFFFFFu) {
    fl_input_rec_skip(c, r->off, id.len ? "event id is not a number" : "no event id");
    return;
  }
  fl_input_rec_num(c, FL_EVTX_HAS_EVENT_ID, n);
  emit_system(c, r);
  if (!fl_input_rec_filter(c)) c->rejected = 1; /* skip the rest cheaply */
  if (!c->rejected) {
    emit_time(c, r);
    emit_data(c, r);
  }
  fl_input_rec_finish(c);
}
