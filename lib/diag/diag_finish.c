/*
** Diagnosis engine, judging side: names a cause for every failure with the
** first matching rule of rules.def, groups failures into episodes, decides
** each episode's state from later successes, ranks them, and adds coverage
** notes (what the logs cannot show and how to turn it on).
** Must never raise a finding from a benign failure, and never invent a
** cause: the texts come from rules.def and lib/catalog/knowledge.def.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fl_error.h"
#include "diag/diag_internal.h"

#define K(x) (1ull << FL_KIND_##x)
#define COUNT(a) (sizeof(a) / sizeof *(a))

enum { COND_NONE, COND_NATT_NO_RESPONSE, COND_ISCSI_CHAP, COND_ISCSI_LOGIN, COND_ISCSI_CONNECT };
enum { CTX_NONE, CTX_PEER_IKEEXT_STOPPED, CTX_HOST_POLICY_FAILED, CTX_HOST_CHAP_ERROR };
enum { KEY_PAIR, KEY_HOST, KEY_STOPPED_PEER };

enum {
  C_ANY = 0,
#define FL_CODES(id, ...) id,
#include "diag/codes.def"
#undef FL_CODES
};

#define FL_CODES(id, ...) static const uint32_t list_##id[] = {__VA_ARGS__};
#include "diag/codes.def"
#undef FL_CODES

static const struct {
  const uint32_t *v;
  size_t n;
} code_lists[] = {
    {NULL, 0},
#define FL_CODES(id, ...) {list_##id, COUNT(list_##id)},
#include "diag/codes.def"
#undef FL_CODES
};

typedef struct rule {
  const char *cause;
  uint64_t kinds;
  int codes, cond, ctx, key;
  uint64_t recover;
  double confidence;
  fl_knowledge_kind know_kind;
  uint32_t know_key;
  const char *title, *explanation;
} rule;

static const rule rules[] = {
#define FL_RULE(cause, kinds, codes, cond, ctx, key, recover, conf, kk, kkey, title, expl) \
  {cause, kinds, codes, cond, ctx, key, recover, conf, kk, kkey, title, expl},
#include "diag/rules.def"
#undef FL_RULE
};

#define SUCCESS_KINDS (K(MM_ESTABLISHED) | K(QM_ESTABLISHED) | K(EM_ESTABLISHED) | \
                       K(POLICY_APPLIED) | K(POLICY_AGENT) | K(ISCSI_INFO))

static int in_list(int list, uint32_t v) {
  if (list == C_ANY) return 1;
  for (size_t i = 0; i < code_lists[list].n; i++)
    if (code_lists[list].v[i] == v) return 1;
  return 0;
}

/* What the other events say about each host, indexed by string id. */
typedef struct context {
  uint32_t *addr_owner;     /* address string id -> host id (0 = unknown) */
  uint8_t *addr_inferred;   /* the owner above was inferred from timing */
  uint8_t *policy_failed;   /* host had 5457/5459/5461/5462/5466/... */
  uint8_t *ikeext_stopped;  /* host logged 5453 */
  uint8_t *chap_error;      /* host logged an iScsiPrt CHAP error */
} context;

/* A host that logged 5453 logs nothing with its own address, so when no
** event says which address it has, the unowned address whose timeouts
** begin closest after (or up to an hour before) its first 5453 is taken to
** be its address. Only addresses that time out are considered. */
static void infer_stopped_addresses(const struct fl_diag *d, context *c, size_t n) {
  uint64_t *first_stop = calloc(n, sizeof *first_stop);
  uint8_t *has_addr = calloc(n, 1);
  if (!first_stop || !has_addr) goto done;
  for (size_t i = 0; i < n; i++)
    if (c->addr_owner[i]) has_addr[c->addr_owner[i]] = 1;
  for (size_t i = 0; i < d->ev_count; i++) {
    const diag_event *e = &d->ev[i];
    if (e->kind == FL_KIND_IKEEXT_NOT_STARTED && !first_stop[e->host]) first_stop[e->host] = e->time;
  }
  for (size_t i = 0; i < d->ev_count; i++) {
    const diag_event *e = &d->ev[i];
    if (!e->peer || c->addr_owner[e->peer] || !e->has_error || !in_list(C_TIMEOUT, e->error_code))
      continue;
    uint32_t best = 0;
    uint64_t best_gap = UINT64_MAX;
    for (size_t h = 1; h < n; h++) {
      if (!first_stop[h] || has_addr[h] || h == e->host) continue;
      if (e->time + 36000000000ull < first_stop[h]) continue;
      uint64_t gap = e->time > first_stop[h] ? e->time - first_stop[h] : first_stop[h] - e->time;
      if (gap < best_gap) best_gap = gap, best = (uint32_t)h;
    }
    if (best) {
      c->addr_owner[e->peer] = best;
      c->addr_inferred[e->peer] = 1;
    }
  }
done:
  free(first_stop);
  free(has_addr);
}

static int build_context(const struct fl_diag *d, context *c) {
  size_t n = d->strings.count + 1;
  c->addr_owner = calloc(n, sizeof *c->addr_owner);
  c->addr_inferred = calloc(n, 1);
  c->policy_failed = calloc(n, 1);
  c->ikeext_stopped = calloc(n, 1);
  c->chap_error = calloc(n, 1);
  if (!c->addr_owner || !c->addr_inferred || !c->policy_failed || !c->ikeext_stopped ||
      !c->chap_error)
    return -1;
  for (size_t i = 0; i < d->ev_count; i++) {
    const diag_event *e = &d->ev[i];
    if (e->local_addr && !c->addr_owner[e->local_addr]) c->addr_owner[e->local_addr] = e->host;
    uint64_t k = 1ull << e->kind;
    if (k & (K(POLICY_FAILED) | K(POLICY_CACHED))) c->policy_failed[e->host] = 1;
    if (k & K(IKEEXT_NOT_STARTED)) c->ikeext_stopped[e->host] = 1;
    if ((k & K(ISCSI_ERROR)) && in_list(I_ISCSI_CHAP, e->event_id)) c->chap_error[e->host] = 1;
  }
  infer_stopped_addresses(d, c, n);
  return 0;
}

static void free_context(context *c) {
  free(c->addr_owner);
  free(c->addr_inferred);
  free(c->policy_failed);
  free(c->ikeext_stopped);
  free(c->chap_error);
}

static int cond_ok(int cond, const diag_event *e) {
  switch (cond) {
    case COND_NATT_NO_RESPONSE: return e->remote_port == 4500 && e->resp_cookie_zero;
    case COND_ISCSI_CHAP:
      return e->kind == FL_KIND_ISCSI_LOGIN_FAILURE ? e->iscsi_failure == 2
                                                    : in_list(I_ISCSI_CHAP, e->event_id);
    case COND_ISCSI_LOGIN: return in_list(I_ISCSI_LOGIN, e->event_id);
    case COND_ISCSI_CONNECT: return in_list(I_ISCSI_CONNECT, e->event_id);
    default: return 1;
  }
}

static int ctx_ok(int ctx, const diag_event *e, const context *c) {
  switch (ctx) {
    case CTX_PEER_IKEEXT_STOPPED: {
      uint32_t owner = c->addr_owner[e->peer];
      return owner && c->ikeext_stopped[owner];
    }
    case CTX_HOST_POLICY_FAILED: return c->policy_failed[e->host];
    case CTX_HOST_CHAP_ERROR: return c->chap_error[e->host];
    default: return 1;
  }
}

/* The host an endpoint string stands for: an address's owner, or itself. */
static uint32_t node_of(const context *c, uint32_t id) {
  return c->addr_owner[id] ? c->addr_owner[id] : id;
}

static int match_rule(const diag_event *e, const context *c) {
  for (size_t r = 0; r < COUNT(rules); r++) {
    const rule *ru = &rules[r];
    if (!(ru->kinds & (1ull << e->kind))) continue;
    if (ru->codes != C_ANY && (!e->has_error || !in_list(ru->codes, e->error_code))) continue;
    if (cond_ok(ru->cond, e) && ctx_ok(ru->ctx, e, c)) return (int)r;
  }
  return -1;
}

/* Rules sharing a cause id group into the same episodes. */
static int canonical_rule(int r) {
  for (int i = 0; i < r; i++)
    if (strcmp(rules[i].cause, rules[r].cause) == 0) return i;
  return r;
}

struct diag_episode_build {
  int rule;             /* canonical rule: the cause */
  int first_rule;       /* the rule of the first event: texts */
  uint32_t a, b;
  int8_t keymod;
  uint8_t benign;
  uint8_t merged;       /* pair episodes joined around a hub host (a) */
  uint8_t dead;         /* merged into another build */
  size_t *members;      /* event indices, in time order */
  size_t n, cap;
  uint32_t *others;     /* distinct peers (or failing hosts) */
  size_t no, ocap;
  const char **host_ptrs, **peer_ptrs;
  fl_evidence *evidence;
  uint64_t *times;
  char *check_buf;
};

static int push(void **arr, size_t *n, size_t *cap, size_t size, const void *item) {
  if (*n == *cap) {
    size_t nc = *cap ? *cap * 2 : 8;
    void *p = realloc(*arr, nc * size);
    if (!p) return -1;
    *arr = p;
    *cap = nc;
  }
  memcpy((char *)*arr + *n * size, item, size);
  (*n)++;
  return 0;
}

typedef struct episode_index {
  size_t *slots;  /* episode index + 1; 0 = free */
  size_t cap;
} episode_index;

static uint64_t key_hash(int cause, uint32_t a, uint32_t b, int8_t km, uint8_t benign) {
  uint64_t h = (uint64_t)cause * 0x9E3779B97F4A7C15ull;
  h ^= ((uint64_t)a << 32 | b) * 0xC2B2AE3D27D4EB4Full;
  h ^= (uint64_t)(uint8_t)km << 8 | benign;
  return h ^ (h >> 29);
}

static int compare_time(const void *x, const void *y) {
  const diag_event *a = x, *b = y;
  return (a->time > b->time) - (a->time < b->time);
}

typedef struct builder {
  struct fl_diag *d;
  context ctx;
  episode_index index;
  diag_episode_build *eps;
  size_t n, cap;
} builder;

static long find_or_add(builder *bd, int cause, uint32_t a, uint32_t b, int8_t km, uint8_t benign) {
  if ((bd->n + 1) * 2 > bd->index.cap) {
    size_t cap = bd->index.cap ? bd->index.cap * 2 : 256;
    size_t *slots = calloc(cap, sizeof *slots);
    if (!slots) return -1;
    for (size_t i = 0; i < bd->n; i++) {
      const diag_episode_build *e = &bd->eps[i];
      size_t j = key_hash(e->rule, e->a, e->b, e->keymod, e->benign) & (cap - 1);
      while (slots[j]) j = (j + 1) & (cap - 1);
      slots[j] = i + 1;
    }
    free(bd->index.slots);
    bd->index.slots = slots;
    bd->index.cap = cap;
  }
  size_t j = key_hash(cause, a, b, km, benign) & (bd->index.cap - 1);
  while (bd->index.slots[j]) {
    diag_episode_build *e = &bd->eps[bd->index.slots[j] - 1];
    if (e->rule == cause && e->a == a && e->b == b && e->keymod == km && e->benign == benign)
      return (long)(bd->index.slots[j] - 1);
    j = (j + 1) & (bd->index.cap - 1);
  }
  diag_episode_build fresh;
  memset(&fresh, 0, sizeof fresh);
  fresh.rule = cause;
  fresh.a = a;
  fresh.b = b;
  fresh.keymod = km;
  fresh.benign = benign;
  if (push((void **)&bd->eps, &bd->n, &bd->cap, sizeof fresh, &fresh) != 0) return -1;
  bd->index.slots[j] = bd->n;
  return (long)(bd->n - 1);
}

static int add_other(diag_episode_build *ep, uint32_t id) {
  if (!id) return 0;
  for (size_t i = 0; i < ep->no; i++)
    if (ep->others[i] == id) return 0;
  return push((void **)&ep->others, &ep->no, &ep->ocap, sizeof id, &id);
}

/* Puts one failure into its episode. */
static int assign(builder *bd, size_t idx) {
  const diag_event *e = &bd->d->ev[idx];
  int r = match_rule(e, &bd->ctx);
  if (r < 0) return 0;
  int canon = canonical_rule(r);
  /* Peers are named by host when an event tells which host an address is. */
  uint32_t a = e->host, b = 0, other = node_of(&bd->ctx, e->peer);
  int8_t km = e->keymod;
  switch (rules[r].key) {
    case KEY_PAIR: b = e->peer; break;
    case KEY_HOST: km = -1; break;
    case KEY_STOPPED_PEER:
      a = bd->ctx.addr_owner[e->peer];
      other = e->host;
      km = -1;
      break;
    default: break;
  }
  long ep = find_or_add(bd, canon, a, b, km, e->benign);
  if (ep < 0) return -1;
  diag_episode_build *eb = &bd->eps[ep];
  if (eb->n == 0) eb->first_rule = r;
  if (push((void **)&eb->members, &eb->n, &eb->cap, sizeof idx, &idx) != 0) return -1;
  return add_other(eb, other);
}

/* Successes that end or interleave an episode. */
static void episode_state(const builder *bd, const diag_episode_build *eb, fl_episode *out) {
  const struct fl_diag *d = bd->d;
  const rule *ru = &rules[eb->rule];
  uint64_t first = out->first_seen, last = out->last_seen;
  int between = 0, after = 0;
  for (size_t i = 0; i < d->ev_count && ru->recover; i++) {
    const diag_event *s = &d->ev[i];
    if (s->is_failure || !(ru->recover & (1ull << s->kind))) continue;
    /* A pair recovers by a success between the same two ends; a host by a
    ** success on it, or towards one of its addresses. */
    int match = ru->key == KEY_PAIR && !eb->merged
                    ? s->host == eb->a && s->peer == eb->b
                    : s->host == eb->a || (s->peer && bd->ctx.addr_owner[s->peer] == eb->a);
    if (!match) continue;
    out->successes++;
    if (s->time > first && s->time < last) between = 1;
    if (s->time > last) after = 1;
  }
  out->state = between ? FL_EPISODE_INTERMITTENT
               : after ? FL_EPISODE_RECOVERED
                       : FL_EPISODE_ONGOING;
}

static uint32_t dominant_code(const struct fl_diag *d, const diag_episode_build *eb) {
  uint32_t codes[8] = {0};
  uint64_t counts[8] = {0};
  for (size_t i = 0; i < eb->n; i++) {
    const diag_event *e = &d->ev[eb->members[i]];
    if (!e->has_error) continue;
    for (size_t j = 0; j < 8; j++) {
      if (counts[j] && codes[j] != e->error_code) continue;
      codes[j] = e->error_code;
      counts[j]++;
      break;
    }
  }
  size_t best = 0;
  for (size_t j = 1; j < 8; j++)
    if (counts[j] > counts[best]) best = j;
  return counts[best] ? codes[best] : 0;
}

static void episode_texts(diag_episode_build *eb, fl_episode *out) {
  const rule *ru = &rules[eb->first_rule];
  out->cause_id = ru->cause;
  out->cause_title = ru->title;
  out->explanation = ru->explanation;
  uint32_t key = ru->know_key ? ru->know_key : out->error_code;
  const fl_knowledge *k[1];
  if (fl_catalog_knowledge(ru->know_kind, key, k, 1) >= 1) {
    out->check = k[0]->check;
    out->source = k[0]->source;
    return;
  }
  char buf[256];
  const fl_code_info *c = out->error_code ? fl_catalog_code_by_value(out->error_code) : NULL;
  snprintf(buf, sizeof buf, "No specific knowledge for %s; run 'faultline explain %s' and check the IPsec rules and credentials on both peers.",
           c ? c->symbol : "this failure", c ? c->symbol : "<code>");
  eb->check_buf = strdup(buf);
  out->check = eb->check_buf ? eb->check_buf : "";
  out->source = "faultline";
}

static int episode_lists(struct fl_diag *d, diag_episode_build *eb, fl_episode *out) {
  size_t nev = eb->n < d->opt.max_evidence ? eb->n : d->opt.max_evidence;
  size_t nt = eb->n < d->opt.max_times ? eb->n : d->opt.max_times;
  eb->evidence = calloc(nev ? nev : 1, sizeof *eb->evidence);
  eb->times = calloc(nt ? nt : 1, sizeof *eb->times);
  eb->host_ptrs = calloc(1, sizeof *eb->host_ptrs);
  eb->peer_ptrs = calloc(eb->no ? eb->no : 1, sizeof *eb->peer_ptrs);
  if (!eb->evidence || !eb->times || !eb->host_ptrs || !eb->peer_ptrs) return -1;
  for (size_t i = 0; i < nev; i++) {  /* first half and last half */
    size_t m = i < nev / 2 ? i : eb->n - (nev - i);
    const diag_event *e = &d->ev[eb->members[m]];
    eb->evidence[i] = (fl_evidence){diag_str(&d->strings, e->file), e->record_id, e->time,
                                    e->event_id, e->has_error ? e->error_code : 0};
  }
  for (size_t i = 0; i < nt; i++)  /* evenly sampled when capped */
    eb->times[i] = d->ev[eb->members[nt == eb->n ? i : i * eb->n / nt]].time;
  eb->host_ptrs[0] = diag_str(&d->strings, eb->a);
  for (size_t i = 0; i < eb->no; i++) eb->peer_ptrs[i] = diag_str(&d->strings, eb->others[i]);
  out->evidence = eb->evidence;
  out->evidence_count = nev;
  out->times = eb->times;
  out->time_count = nt;
  out->hosts = eb->host_ptrs;
  out->host_count = eb->a ? 1 : 0;
  out->peers = eb->peer_ptrs;
  out->peer_count = eb->no;
  return 0;
}

static int fill_episode(builder *bd, diag_episode_build *eb, fl_episode *out) {
  struct fl_diag *d = bd->d;
  memset(out, 0, sizeof *out);
  const diag_event *f = &d->ev[eb->members[0]], *l = &d->ev[eb->members[eb->n - 1]];
  out->first_seen = f->time;
  out->last_seen = l->time;
  for (size_t i = 0; i < eb->n; i++) out->count += d->ev[eb->members[i]].multiple ? 2 : 1;
  out->error_code = dominant_code(d, eb);
  const fl_code_info *c = out->error_code ? fl_catalog_code_by_value(out->error_code) : NULL;
  out->error_symbol = c ? c->symbol : "";
  out->host = diag_str(&d->strings, eb->a);
  out->peer = rules[eb->rule].key == KEY_PAIR && !eb->merged ? diag_str(&d->strings, eb->b)
              : eb->no ? diag_str(&d->strings, eb->others[0]) : "";
  uint32_t ins = eb->keymod >= 0 ? fl_catalog_insert_for_enum("IKEEXT_KEY_MODULE_TYPE", eb->keymod) : 0;
  const fl_insert_info *in = ins ? fl_catalog_insert(ins) : NULL;
  out->keying_module = in ? in->text : "";
  out->benign = eb->benign;
  out->finding = !eb->benign;
  episode_texts(eb, out);
  episode_state(bd, eb, out);
  double conf = rules[eb->first_rule].confidence;
  if (out->count >= 5 && conf < 0.95) conf += 0.04;
  out->confidence = conf > 0.99 ? 0.99 : conf;
  double spread = 1.0 + (double)eb->no;
  out->impact = out->confidence * (double)out->count * spread *
                (out->state == FL_EPISODE_ONGOING ? 2.0 : 1.0);
  return episode_lists(d, eb, out);
}

static void add_note(struct fl_diag *d, const char *id, const char *text, const char *command) {
  if (d->note_count >= COUNT(d->notes)) return;
  d->notes[d->note_count++] = (fl_coverage_note){id, text, command};
}

/* What the inputs cannot show, and the command that makes them show it. */
static void coverage_notes(struct fl_diag *d) {
  static char mm_cmd[160], policy_cmd[160];
  fl_catalog_auditpol_command(fl_catalog_event(4653, -1), mm_cmd, sizeof mm_cmd);
  fl_catalog_auditpol_command(fl_catalog_event(5457, -1), policy_cmd, sizeof policy_cmd);
  uint64_t kinds = 0;
  for (size_t i = 0; i < d->ev_count; i++) kinds |= 1ull << d->ev[i].kind;
  int netsh = 0;
  uint64_t skipped = 0;
  for (size_t i = 0; i < d->source_count; i++) {
    if (strcmp(d->sources[i].format, "netsh") == 0) netsh = 1;
    skipped += d->sources[i].skipped;
  }
  if (d->ev_count == 0)
    add_note(d, "nothing-in-scope",
             "No IPsec, IPsec policy or iSCSI event was found in the input. Security logs need the IPsec audit subcategories enabled; iSCSI events are in the System log.",
             mm_cmd);
  else if (!(kinds & (K(MM_FAILURE) | K(MM_ESTABLISHED) | K(WFP_MM_FAILURE))))
    add_note(d, "no-ipsec-mm-auditing",
             "No IPsec Main Mode events: main-mode failures (4652/4653) are only logged when the IPsec Main Mode audit subcategory is enabled.",
             mm_cmd);
  if ((kinds & (K(MM_FAILURE) | K(QM_FAILURE))) &&
      !(kinds & (K(POLICY_APPLIED) | K(POLICY_FAILED) | K(POLICY_CACHED) | K(POLICY_POLL))))
    add_note(d, "no-policy-auditing",
             "No IPsec Policy Agent events: whether policy was applied (5456-5474) is only logged when Filtering Platform Policy Change auditing is enabled.",
             policy_cmd);
  if (netsh)
    add_note(d, "netsh-ring-buffer",
             "netsh wfp show netevents holds only about the last 100 WFP events: older failures are gone. Capture while the failure happens, or read the Security log.",
             "netsh wfp capture start  (reproduce, then)  netsh wfp capture stop");
  if (skipped)
    add_note(d, "partial-input",
             "Part of the input could not be read (see the warnings): findings may be incomplete.", "");
}


static int compare_size(const void *x, const void *y) {
  size_t a = *(const size_t *)x, b = *(const size_t *)y;
  return (a > b) - (a < b);
}

/* Moves every member of src into dst (kept in time order: event indices
** follow time) and records src's far end as one of dst's peers. */
static int absorb(diag_episode_build *dst, diag_episode_build *src, uint32_t far) {
  for (size_t i = 0; i < src->n; i++)
    if (push((void **)&dst->members, &dst->n, &dst->cap, sizeof *src->members, &src->members[i]) != 0)
      return -1;
  if (dst->keymod != src->keymod) dst->keymod = -1;
  src->dead = 1;
  return add_other(dst, far);
}

/* Both ends of a failing negotiation log it (4652 on one, 4653 on the
** other), and one broken host fails with many peers: pair episodes of one
** cause that share a host are one story. For each cause, the host in most
** pair episodes becomes the hub and absorbs them; repeated while a host is
** in two or more. */
static int merge_pairs(builder *bd) {
  size_t n0 = bd->n;
  uint32_t *ends = calloc(2 * (n0 ? n0 : 1), sizeof *ends);
  if (!ends) return -1;
  for (size_t i = 0; i < n0; i++) {
    ends[2 * i] = node_of(&bd->ctx, bd->eps[i].a);
    ends[2 * i + 1] = node_of(&bd->ctx, bd->eps[i].b);
  }
  for (;;) {
    /* the (cause, node, benign) in the most live unmerged pair episodes */
    size_t best_count = 1, best_i = 0, best_side = 0;
    for (size_t i = 0; i < n0; i++) {
      const diag_episode_build *e = &bd->eps[i];
      if (e->dead || e->merged || rules[e->rule].key != KEY_PAIR || !e->b) continue;
      for (size_t side = 0; side < 2; side++) {
        uint32_t node = ends[2 * i + side];
        size_t count = 0;
        for (size_t j = 0; j < n0; j++) {
          const diag_episode_build *f = &bd->eps[j];
          if (f->dead || f->merged || f->rule != e->rule || f->benign != e->benign ||
              rules[f->rule].key != KEY_PAIR || !f->b)
            continue;
          count += ends[2 * j] == node || ends[2 * j + 1] == node;
        }
        if (count > best_count) best_count = count, best_i = i, best_side = side;
      }
    }
    if (best_count < 2) break;
    const diag_episode_build proto = bd->eps[best_i];
    uint32_t hub = ends[2 * best_i + best_side];
    diag_episode_build hubb;
    memset(&hubb, 0, sizeof hubb);
    hubb.rule = proto.rule;
    hubb.first_rule = proto.first_rule;
    hubb.a = hub;
    hubb.keymod = proto.keymod;
    hubb.benign = proto.benign;
    hubb.merged = 1;
    if (push((void **)&bd->eps, &bd->n, &bd->cap, sizeof hubb, &hubb) != 0) goto fail;
    diag_episode_build *h = &bd->eps[bd->n - 1];
    for (size_t j = 0; j < n0; j++) {
      diag_episode_build *f = &bd->eps[j];
      if (f->dead || f->merged || f->rule != proto.rule || f->benign != proto.benign ||
          rules[f->rule].key != KEY_PAIR || !f->b)
        continue;
      if (ends[2 * j] != hub && ends[2 * j + 1] != hub) continue;
      uint32_t far = ends[2 * j] == hub ? ends[2 * j + 1] : ends[2 * j];
      if (absorb(h, f, far) != 0) goto fail;
    }
    if (h->n > 1) qsort(h->members, h->n, sizeof *h->members, compare_size);
  }
  free(ends);
  return 0;
fail:
  free(ends);
  return -1;
}

static int compare_episodes(const void *x, const void *y) {
  const fl_episode *a = x, *b = y;
  if (a->finding != b->finding) return b->finding - a->finding;
  if (a->impact != b->impact) return a->impact < b->impact ? 1 : -1;
  return (a->first_seen > b->first_seen) - (a->first_seen < b->first_seen);
}

static void free_builds(diag_episode_build *eps, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(eps[i].members);
    free(eps[i].others);
    free(eps[i].host_ptrs);
    free(eps[i].peer_ptrs);
    free(eps[i].evidence);
    free(eps[i].times);
    free(eps[i].check_buf);
  }
  free(eps);
}

fl_status diag_build_result(struct fl_diag *d, fl_error *err) {
  builder bd;
  memset(&bd, 0, sizeof bd);
  bd.d = d;
  if (d->ev_count) qsort(d->ev, d->ev_count, sizeof *d->ev, compare_time);
  if (build_context(d, &bd.ctx) != 0) goto oom;
  fl_diag_result *r = &d->result;
  memset(r, 0, sizeof *r);
  for (size_t i = 0; i < d->ev_count; i++) {
    const diag_event *e = &d->ev[i];
    if (!r->first_time || e->time < r->first_time) r->first_time = e->time;
    if (e->time > r->last_time) r->last_time = e->time;
    if (!e->is_failure) continue;
    if (!e->benign) r->failures++;
    if (assign(&bd, i) != 0) goto oom;
  }
  if (merge_pairs(&bd) != 0) goto oom;
  d->episodes = calloc(bd.n ? bd.n : 1, sizeof *d->episodes);
  if (!d->episodes) goto oom;
  d->builds = bd.eps;
  d->build_count = bd.n;
  size_t live = 0;
  for (size_t i = 0; i < bd.n; i++)
    if (!bd.eps[i].dead && fill_episode(&bd, &bd.eps[i], &d->episodes[live++]) != 0) goto oom;
  d->episode_count = live;
  qsort(d->episodes, live, sizeof *d->episodes, compare_episodes);
  for (size_t i = 0; i < live; i++) r->finding_count += d->episodes[i].finding ? 1 : 0;
  coverage_notes(d);
  r->episode_count = live;
  r->episodes = d->episodes;
  r->note_count = d->note_count;
  r->notes = d->notes;
  r->source_count = d->source_count;
  r->sources = d->sources;
  r->events_in_scope = d->ev_count;
  free(bd.index.slots);
  free_context(&bd.ctx);
  return FL_OK;
oom:
  free(bd.index.slots);
  free_context(&bd.ctx);
  if (!d->builds) free_builds(bd.eps, bd.n);
  return fl_error_at(err, FL_ENOMEM, "diagnosis", 0, "out of memory");
}

void diag_free_result(struct fl_diag *d) {
  free_builds(d->builds, d->build_count);
  d->builds = NULL;
  free(d->episodes);
  d->episodes = NULL;
}
