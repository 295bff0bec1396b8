/*
** Which (peer, 10-minute bucket) pairs this source has already sent to
** peer_buckets, so the writer adds a pair once, not once per event. The
** table replaced the peer index (schema 5): an index entry per event, in
** the middle of its tree, cost a fifth of the insert; a pair per bucket
** costs nearly nothing, and a peer lookup reads the time index only in
** the peer's buckets (store_query.c).
**
** The rule that keeps lookups exact: every stored event with a peer has its
** (peer, bucket) in peer_buckets, in the same transaction or an earlier
** one. The first row of a pair carries the flag and the writer adds the
** pair whether or not the row itself is new (a duplicate's pair came with
** the row stored first); rows after it in the same source commit with it
** or after it.
**
** Must never: answer "seen" for a pair it was not given (the map compares
** the peer text, never a hash alone), grow without bound (at its limit it
** forgets everything: pairs are sent again, which INSERT OR IGNORE
** absorbs), or be shared between threads (the producer owns it).
*/
#include <stdlib.h>
#include <string.h>

#include "common/fl_hash.h"
#include "store/store_internal.h"

enum {
  PEER_SLOTS = 1u << 14, /* power of two */
  PEER_LIMIT = PEER_SLOTS / 2,
  PEER_TEXT_LIMIT = 1u << 20 /* bytes of peer text kept */
};

struct store_peers {
  struct {
    uint64_t hash;
    int64_t bucket;
    uint32_t off, len;
    int used;
  } slot[PEER_SLOTS];
  uint32_t count;
  store_buf text;
};

store_peers *store_peers_new(void) { return calloc(1, sizeof(store_peers)); }

void store_peers_reset(store_peers *p) {
  if (!p) return;
  memset(p->slot, 0, sizeof p->slot);
  p->count = 0;
  p->text.len = 0;
}

void store_peers_free(store_peers *p) {
  if (!p) return;
  fl_buf_free(&p->text);
  free(p);
}

static uint64_t pair_hash(fl_evtx_str peer, int64_t bucket) {
  uint64_t h = fl_fnv1a64_add(
      FL_FNV1A64_OFFSET ^ (uint64_t)bucket * 0x9e3779b97f4a7c15ull, peer.ptr,
      peer.len);
  return h ^ (h >> 31);
}

int store_peers_first(store_peers *p, fl_evtx_str peer, int64_t bucket) {
  if (!p || !peer.ptr || peer.len > PEER_TEXT_LIMIT) /* not kept: send it */
    return peer.ptr != NULL;
  if (p->count >= PEER_LIMIT || p->text.len + peer.len > PEER_TEXT_LIMIT ||
      p->text.failed)
    store_peers_reset(p);
  uint64_t h = pair_hash(peer, bucket);
  for (size_t i = h & (PEER_SLOTS - 1);; i = (i + 1) & (PEER_SLOTS - 1)) {
    if (!p->slot[i].used) {
      size_t off = p->text.len;
      store_buf_put(&p->text, peer.ptr, peer.len);
      if (p->text.failed) return 1; /* not remembered: sent again later */
      p->slot[i].used = 1;
      p->slot[i].hash = h;
      p->slot[i].bucket = bucket;
      p->slot[i].off = (uint32_t)off;
      p->slot[i].len = (uint32_t)peer.len;
      p->count++;
      return 1;
    }
    if (p->slot[i].hash == h && p->slot[i].bucket == bucket &&
        p->slot[i].len == peer.len &&
        (!peer.len || memcmp(p->text.p + p->slot[i].off, peer.ptr, peer.len) == 0))
      return 0;
  }
}
