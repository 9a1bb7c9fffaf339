/* flow_table.c - the bidirectional flow table: two entry pools (IPv4 in
 * 64-byte entries, IPv6 in 88-byte ones) under one set of chained hash
 * buckets and LRU lists (flow.h). */
#include "flow/flow_internal.h"

#include "base/check.h"
#include "base/err.h"
#include "base/hash.h"
#include "base/reserve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(struct pf_flow) == 46, "the entries' common part");
_Static_assert(sizeof(struct pf_flow4) == 64, "an IPv4 flow: one cache line");
_Static_assert(sizeof(struct pf_flow6) == 88, "an IPv6 flow");

/* How many splits ahead a chain is asked for (pf_split_one). */
#define PF_SPLIT_AHEAD 8

/* An active timeout longer than 2^31 us is measured in units of 2^10 us,
 * so that a flow's age fits 32 bits (pf_flow.first32). */
#define PF_AGE_SHIFT_LONG 10

/* ---- set-up ---- */

/* Reserves max entries: address space now, memory as entries are handed
 * out (in order, so the pages follow the table's high-water mark). */
static int pf_pool_init(struct pf_flow_pool *p, uint32_t max, uint32_t size) {
  memset(p, 0, sizeof(*p));
  /* Huge pages where the system gives them (reserve.h): the memory still
   * grows with use, 2 MiB at a time. */
  void *m = pf_reserve_pages((size_t)max * size, true);
  if (!m)
    return -1;
  p->entries = m;
  p->size = size;
  p->max = max;
  p->free_head = PF_FLOW_NONE;
  return 0;
}

static void pf_pool_free(struct pf_flow_pool *p) {
  pf_release_pages(p->entries, (size_t)p->max * p->size);
  p->entries = NULL;
}

static void pf_table_timeouts(struct pf_flow_table *t,
                              const struct pf_flow_timeouts *to) {
  t->timeout_us[PF_FLOW_TCP] = (uint64_t)to->tcp_s * 1000000;
  t->timeout_us[PF_FLOW_TCP_CLOSED] = (uint64_t)to->tcp_closed_s * 1000000;
  t->timeout_us[PF_FLOW_UDP] = (uint64_t)to->udp_s * 1000000;
  t->timeout_us[PF_FLOW_ICMP] = (uint64_t)to->icmp_s * 1000000;
  t->timeout_us[PF_FLOW_OTHER] = (uint64_t)to->other_s * 1000000;
  t->timeout_us[PF_LIST_SYN_WAIT] = t->timeout_us[PF_FLOW_TCP];
  t->min_timeout_us = t->timeout_us[0];
  for (int k = 1; k < PF_FLOW_KIND_COUNT; k++)
    if (t->timeout_us[k] < t->min_timeout_us)
      t->min_timeout_us = t->timeout_us[k];
  t->active_us = (uint64_t)to->active_s * 1000000;
  t->age_shift = t->active_us > (1ull << 31) ? PF_AGE_SHIFT_LONG : 0;
  t->active_units = t->active_us ? t->active_us >> t->age_shift : UINT64_MAX;
}

static const uint8_t pf_proto_kind[256];

int pf_flow_table_init(struct pf_flow_table *t, uint32_t max_flows,
                       const struct pf_flow_timeouts *to, char *err,
                       size_t errlen) {
  return pf_flow_table_init_buckets(t, max_flows, PF_BUCKETS_FIRST, to, err,
                                    errlen);
}

int pf_flow_table_init_buckets(struct pf_flow_table *t, uint32_t max_flows,
                               uint32_t first_buckets,
                               const struct pf_flow_timeouts *to, char *err,
                               size_t errlen) {
  memset(t, 0, sizeof(*t));
  if (max_flows == 0 || max_flows >= PF_FLOW_V6 - 1) {
    return pf_err(err, errlen, "MaxFlows %u is out of range", max_flows);
  }
  if (pf_pool_init(&t->pool[0], max_flows, sizeof(struct pf_flow4)) != 0 ||
      pf_pool_init(&t->pool[1], max_flows, sizeof(struct pf_flow6)) != 0 ||
      pf_buckets_init(&t->buckets, max_flows, first_buckets) != 0) {
    pf_flow_table_free(t);
    return pf_err(err, errlen,
                  "cannot reserve a flow table of %u flows (%zu MiB of "
                  "address space)",
                  max_flows, ((size_t)max_flows * (64 + 88 + 8)) >> 20);
  }
  t->max_flows = max_flows;
  for (int v6 = 0; v6 < 2; v6++) {
    /* Modulo 2^64: the IPv6 base plus a reference's size-multiple is the
     * entry whatever the family bit added (pf_flow_at). */
    t->ref_size[v6] = t->pool[v6].size;
    t->ref_base[v6] = (uintptr_t)t->pool[v6].entries -
                      (v6 ? (uintptr_t)PF_FLOW_V6 * t->pool[v6].size : 0);
  }
  for (int k = 0; k < PF_LIST_COUNT; k++)
    t->lru_head[k] = t->lru_tail[k] = PF_FLOW_NONE; /* lru_head_at: NULL */
  for (int k = 0; k < PF_FLOW_KIND_COUNT; k++)
    t->unwaited_us[k] = UINT64_MAX;
  pf_table_timeouts(t, to);
  memcpy(t->proto_kind, pf_proto_kind, sizeof(t->proto_kind));
  pf_hash_seed(t->seed);
  return 0;
}

int pf_flow_table_enable_tcp(struct pf_flow_table *t, uint32_t syn_timeout_s,
                             bool timing, char *err, size_t errlen) {
  return pf_tcp_table_init(&t->tcp, t->max_flows, syn_timeout_s, timing, err,
                           errlen);
}

void pf_flow_table_free(struct pf_flow_table *t) {
  pf_tcp_table_free(&t->tcp);
  pf_pool_free(&t->pool[0]);
  pf_pool_free(&t->pool[1]);
  pf_buckets_free(&t->buckets);
}

uint64_t pf_flow_table_count(const struct pf_flow_table *t) {
  uint64_t n = 0;
  for (int k = 0; k < PF_FLOW_KIND_COUNT; k++)
    n += t->stats.active[k];
  return n;
}

/* ---- a flow's facts ---- */

/* Closed: reset, or a FIN from both sides. By the close bits, one shift
 * of this mask: a new flow and each TCP segment ask. */
#define PF_CLOSED_BY_BITS 0xF8u
PF_STATIC_ASSERT(PF_FLOW_FIN_SIDE0 == 1 && PF_FLOW_FIN_SIDE1 == 2 &&
                     PF_FLOW_RST == 4,
                 "the mask's bits");
static inline bool pf_tcp_closed(uint8_t close) {
  return (PF_CLOSED_BY_BITS >> (close & 7)) & 1;
}

/* A flow's kind by its protocol, closed TCP aside, XOR PF_FLOW_OTHER (so
 * that the protocols not named here, zero, give PF_FLOW_OTHER). */
#define PF_KIND_ENTRY(kind) ((kind) ^ PF_FLOW_OTHER)
static const uint8_t pf_proto_kind[256] = {
    [PF_IPPROTO_TCP] = PF_KIND_ENTRY(PF_FLOW_TCP),
    [PF_IPPROTO_UDP] = PF_KIND_ENTRY(PF_FLOW_UDP),
    [PF_IPPROTO_ICMP] = PF_KIND_ENTRY(PF_FLOW_ICMP),
    [PF_IPPROTO_ICMPV6] = PF_KIND_ENTRY(PF_FLOW_ICMP)};
PF_STATIC_ASSERT(PF_FLOW_TCP_CLOSED == PF_FLOW_TCP + 1, "closed follows");

/* A flow's kind by its protocol alone: a new flow's, closed TCP aside. */
static inline unsigned pf_open_kind(const struct pf_flow *f) {
  return pf_proto_kind[pf_flow_proto(f)] ^ PF_FLOW_OTHER;
}

/* A flow's kind by its protocol and TCP close. */
static inline enum pf_flow_kind pf_kind_of(const struct pf_flow *f) {
  unsigned kind = pf_open_kind(f);
  return (enum pf_flow_kind)(
      kind + (kind == PF_FLOW_TCP && pf_tcp_closed(f->tcp_close)));
}

/* pf_flow_kind, inline on the per-packet path. */
static inline enum pf_flow_kind pf_kind_now(const struct pf_flow *f) {
  unsigned list = pf_flow_list(f);
  /* Every flow is on its kind's list but while its SYN waits. */
  return list != PF_LIST_SYN_WAIT ? (enum pf_flow_kind)list : pf_kind_of(f);
}

enum pf_flow_kind pf_flow_kind(const struct pf_flow *f) {
  return pf_kind_now(f);
}

/* The flow's age at its last packet, in the table's age unit: right while
 * it is below 2^32 units (an active timeout restarts it before). */
static uint32_t pf_age_at_last(const struct pf_flow_table *t,
                               const struct pf_flow *f) {
  return (uint32_t)(f->last_us >> t->age_shift) - f->first32;
}

uint64_t pf_flow_first_us(const struct pf_flow_table *t,
                          const struct pf_flow *f) {
  uint64_t age = (uint64_t)pf_age_at_last(t, f) << t->age_shift;
  return f->last_us >= age ? f->last_us - age : 0;
}

/* ---- buckets ---- */

static const uint8_t *pf_entry_key(const struct pf_flow *f) {
  return (const uint8_t *)(f + 1);
}

static uint64_t pf_entry_hash(const struct pf_flow_table *t,
                              const struct pf_flow *f) {
  return pf_flow_is_v6(f) ? pf_hash_inline(t->seed, pf_entry_key(f), 42)
                          : pf_hash_inline(t->seed, pf_entry_key(f), 18);
}

/* An IPv4 key's 18 bytes as two words and a half-word, their differences
 * ORed into one test: memcmp's inlined form branched on each part and
 * made a flag of the result to test again (five instructions more a
 * lookup). */
static inline bool pf_same_key4(const uint8_t *a, const uint8_t *b) {
  uint64_t a0, a1, b0, b1;
  uint16_t a2, b2;
  memcpy(&a0, a, 8);
  memcpy(&b0, b, 8);
  memcpy(&a1, a + 8, 8);
  memcpy(&b1, b + 8, 8);
  memcpy(&a2, a + 16, 2);
  memcpy(&b2, b + 16, 2);
  return ((a0 ^ b0) | (a1 ^ b1) | (uint16_t)(a2 ^ b2)) == 0;
}
PF_STATIC_ASSERT(sizeof(struct pf_key4) == 18, "an IPv4 key's bytes");

/* Inlined, as the restart test below: they run once a packet in
 * pf_flow_table_account (docs/PERFORMANCE_HISTORY.md, the second stage's
 * table). Returns the entry with its reference in *ref (NULL: none):
 * the walk has the entry's address at hand, and the reference alone made
 * the caller work it out again from the pools. */
static inline __attribute__((always_inline)) struct pf_flow *
pf_lookup(const struct pf_flow_table *t, const struct pf_flow_probe *p,
          uint32_t bucket, uint32_t *ref_out) {
  bool v6 = p->family == 6;
  if (!pf_bucket_may_hold(&t->buckets, bucket, p->hash))
    return NULL; /* a new flow, its bucket's entries unread */
  /* Tags set: the chain is not empty. A walk for each family, so that
   * the family is tested once and each compare branches on its own. */
  uint32_t ref = pf_bucket_get(&t->buckets, bucket);
  PF_ASSERT(ref != PF_FLOW_NONE);
  if (!v6) {
    do {
      struct pf_flow *f = pf_flow_at(t, ref);
      if (!(ref & PF_FLOW_V6) &&
          pf_same_key4(pf_entry_key(f), (const uint8_t *)&p->key.k4)) {
        *ref_out = ref;
        return f;
      }
      ref = f->next;
    } while (ref != PF_FLOW_NONE);
    return NULL;
  }
  do {
    struct pf_flow *f = pf_flow_at(t, ref);
    if ((ref & PF_FLOW_V6) && memcmp(pf_entry_key(f), &p->key.k6, 42) == 0) {
      *ref_out = ref;
      return f;
    }
    ref = f->next;
  } while (ref != PF_FLOW_NONE);
  return NULL;
}

struct pf_flow *pf_flow_table_find(const struct pf_flow_table *t,
                                   const struct pf_flow_key *key) {
  struct pf_flow_probe p;
  pf_flow_probe_of_key(t, key, &p);
  uint32_t ref;
  return pf_lookup(t, &p, pf_buckets_of(&t->buckets, p.hash), &ref);
}

/* One more bucket (buckets.h): the entries of the divided chain that now
 * hash to the new bucket move there, both chains keeping their order. */
static void pf_split_one(struct pf_flow_table *t) {
  uint32_t from = pf_buckets_split(&t->buckets);
  /* Buckets split in order: the chain of one a few splits ahead is asked
   * for now, so that its split reads entries in cache. */
  uint32_t ahead = t->buckets.split + PF_SPLIT_AHEAD;
  if (ahead <= t->buckets.low_mask) {
    uint32_t head = pf_bucket_get(&t->buckets, ahead);
    if (head != PF_FLOW_NONE)
      __builtin_prefetch(pf_flow_at(t, head));
  }
  uint32_t ref = pf_bucket_get(&t->buckets, from);
  uint32_t bucket[2] = {from, from}, last[2] = {PF_FLOW_NONE, PF_FLOW_NONE};
  pf_bucket_set(&t->buckets, from, PF_FLOW_NONE);
  while (ref != PF_FLOW_NONE) {
    struct pf_flow *f = pf_flow_at(t, ref);
    uint32_t next = f->next;
    uint64_t hash = pf_entry_hash(t, f);
    uint32_t to = pf_buckets_of(&t->buckets, hash);
    int m = to != from;
    bucket[m] = to;
    pf_bucket_tag_add(&t->buckets, to, hash);
    f->next = PF_FLOW_NONE;
    if (last[m] == PF_FLOW_NONE)
      pf_bucket_set(&t->buckets, bucket[m], ref);
    else
      pf_flow_at(t, last[m])->next = ref;
    last[m] = ref;
    ref = next;
  }
}

static void pf_chain_unlink(struct pf_flow_table *t, uint32_t ref,
                            struct pf_flow *f) {
  uint32_t b = pf_buckets_of(&t->buckets, pf_entry_hash(t, f));
  uint32_t cur = pf_bucket_get(&t->buckets, b), prev = PF_FLOW_NONE;
  while (cur != ref) {
    prev = cur;
    cur = pf_flow_at(t, cur)->next;
  }
  if (prev == PF_FLOW_NONE)
    pf_bucket_set(&t->buckets, b, f->next);
  else
    pf_flow_at(t, prev)->next = f->next;
}

/* ---- entries in and out ---- */

void pf_flow_remove(struct pf_flow_table *t, uint32_t ref) {
  struct pf_flow *f = pf_flow_at(t, ref);
  if (t->ended)
    t->ended(t->ended_ctx, f, ref);
  pf_chain_unlink(t, ref, f);
  pf_lru_unlink(t, ref);
  t->stats.active[pf_flow_kind(f)]--;
  if (t->class_active)
    t->class_active[f->rule_class]--;
  pf_tcp_release(t, f);
  f->list = (uint8_t)((f->list & PF_FLOW_IS_V6) | PF_LIST_FREE);
  struct pf_flow_pool *p = &t->pool[ref >> 31];
  f->next = p->free_head;
  p->free_head = ref & ~PF_FLOW_V6;
}

/* Asks for the entry the family's pool hands out next, to be written: a
 * flood's new flow would otherwise wait for its entry's line (and with
 * the free list, for the link to the one after). Inlined: GCC drops a
 * call to a function that only prefetches (flow.h). */
static inline __attribute__((always_inline)) void
pf_entry_prefetch_next(const struct pf_flow_pool *p) {
  uint32_t i = p->free_head != PF_FLOW_NONE ? p->free_head : p->next_unused;
  if (i < p->max) {
    const uint8_t *e = p->entries + (size_t)i * p->size;
    __builtin_prefetch(e, 1);
    __builtin_prefetch(e + p->size - 1, 1);
  }
}

/* A free entry of the family's pool (there is one: each pool holds as
 * many entries as the table holds flows). */
static uint32_t pf_entry_take(struct pf_flow_table *t, bool v6) {
  struct pf_flow_pool *p = &t->pool[v6];
  uint32_t i;
  if (p->free_head != PF_FLOW_NONE) {
    i = p->free_head;
    p->free_head = pf_flow_at(t, i | (v6 ? PF_FLOW_V6 : 0))->next;
  } else {
    /* Never-used entries are handed out in order, so the pool's untouched
     * pages stay unmapped until the table really grows. */
    i = p->next_unused++;
  }
  pf_entry_prefetch_next(p);
  return i | (v6 ? PF_FLOW_V6 : 0);
}

/* Who started the conversation, as far as this first packet tells. */
static int8_t pf_initiator(const struct pf_flow_packet *pkt, uint8_t side) {
  if (!pkt->tcp)
    return (int8_t)side;
  uint8_t syn_ack = pkt->tcp_flags & (PF_TCP_SYN | PF_TCP_ACK);
  if (syn_ack == PF_TCP_SYN)
    return (int8_t)side;
  if (syn_ack == (PF_TCP_SYN | PF_TCP_ACK))
    return (int8_t)(1 - side); /* we saw the answer: the peer started */
  return -1;                   /* mid-connection: capture began late */
}

/* Bucket b's tags from the flows its chain holds now. A departed flow's
 * bit stays until its chain empties, so a bucket that keeps a long-lived
 * flow gathered the bits of every short one that passed through it, and
 * its lookups read the chain again (a quarter to two fifths of absent keys
 * after millions of replacements, against 2% fresh). A new flow whose bit
 * was set found its chain without it: the lookup has just read every
 * entry, so their hashes are all this costs, once per such flow. */
static void pf_bucket_retag(struct pf_flow_table *t, uint32_t b) {
  uint32_t tags = 0;
  for (uint32_t r = pf_bucket_get(&t->buckets, b); r != PF_FLOW_NONE;
       r = pf_flow_at(t, r)->next)
    tags |= pf_bucket_tag(pf_entry_hash(t, pf_flow_at(t, r)));
  pf_bucket_tags_set(&t->buckets, b, tags);
}

static uint32_t pf_flow_create(struct pf_flow_table *t,
                               const struct pf_flow_probe *p, uint32_t bucket,
                               const struct pf_flow_packet *pkt,
                               uint64_t now_us) {
  uint64_t count = pf_flow_table_count(t); /* summed once: asked twice */
  if (count >= t->max_flows) {
    /* Full: the least recently seen flow makes room. */
    pf_flow_remove(t, pf_lru_oldest(t));
    t->stats.evicted++;
    count--;
    bucket = pf_buckets_of(&t->buckets, p->hash);
  }
  bool v6 = p->family == 6;
  uint32_t ref = pf_entry_take(t, v6);
  struct pf_flow *f = pf_flow_at(t, ref);
  memset(f, 0, sizeof(*f));
  if (v6)
    memcpy((uint8_t *)(f + 1), &p->key.k6, 42);
  else
    memcpy((uint8_t *)(f + 1), &p->key.k4, 18);
  f->list = v6 ? PF_FLOW_IS_V6 : 0;
  f->last_us = now_us;
  f->first32 = (uint32_t)(now_us >> t->age_shift);
  f->initiator = pf_initiator(pkt, p->side);
  f->tcp_ext = PF_TCP_NONE;
  if (pf_bucket_may_hold(&t->buckets, bucket, p->hash))
    pf_bucket_retag(t, bucket); /* its bit was stale (or its flow gone) */
  f->next = pf_bucket_get(&t->buckets, bucket);
  pf_bucket_set(&t->buckets, bucket, ref);
  pf_bucket_tag_add(&t->buckets, bucket, p->hash);
  /* No close bits yet; the protocol from the probe, not read back from
   * the entry just written (whose line may still be on its way). */
  enum pf_flow_kind kind =
      (enum pf_flow_kind)(t->proto_kind[p->key.k4.proto] ^ PF_FLOW_OTHER);
  PF_ASSERT(t->proto_kind[p->key.k4.proto] == pf_proto_kind[p->key.k4.proto]);
  t->stats.active[kind]++;
  t->stats.created++;
  pf_lru_push_head(t, ref, pkt->syn_wait ? PF_LIST_SYN_WAIT : (uint8_t)kind);
  if (pf_buckets_want_split(&t->buckets, count + 1))
    pf_split_one(t);
  return ref;
}

/* ---- accounting ---- */

/* A flow just seen moves to the head of its list. It is in the list and
 * not its head, so it has a predecessor and the list a head. */
static inline void pf_lru_touch(struct pf_flow_table *t, uint32_t ref,
                                struct pf_flow *f, unsigned list) {
  uint32_t prev = f->lru_prev, next = f->lru_next, head = t->lru_head[list];
  pf_flow_at(t, prev)->lru_next = next;
  if (next != PF_FLOW_NONE)
    pf_flow_at(t, next)->lru_prev = prev;
  else
    t->lru_tail[list] = prev;
  f->lru_prev = PF_FLOW_NONE;
  f->lru_next = head;
  t->lru_head_at[list]->lru_prev = ref;
  t->lru_head[list] = ref;
  t->lru_head_at[list] = f;
}

/* A flow whose record must end before this packet is counted: one idle
 * past its timeout that expiry has not reached yet (so results do not
 * depend on when expiry runs), one that ran past the active timeout, or a
 * closed TCP connection that a new SYN reopens with the same ports. `at`
 * is the clock at this packet, never behind the flow's last packet; `kind`
 * the flow's (pf_kind_now). */
static inline __attribute__((always_inline)) bool
pf_flow_must_restart(const struct pf_flow_table *t, const struct pf_flow *f,
                     enum pf_flow_kind kind, const struct pf_flow_packet *pkt,
                     uint64_t last, uint64_t at) {
  if (at - last >= t->timeout_us[kind])
    return true;
  /* Its age at this packet, in the table's unit: its age at its last
   * packet, below the active timeout then (so it fits 32 bits), and the
   * units since. No test of the idle gap against the active timeout: a
   * gap that long makes the age that long too. Without an active timeout
   * active_units is UINT64_MAX, which no age reaches. */
  unsigned s = t->age_shift;
  uint64_t age = s == 0 /* microseconds: the gap just worked out is the rest */
                     ? (uint64_t)((uint32_t)last - f->first32) + (at - last)
                     : (uint64_t)(uint32_t)((last >> s) - f->first32) +
                           ((at >> s) - (last >> s));
  if (age >= t->active_units)
    return true;
  return kind == PF_FLOW_TCP_CLOSED &&
         (pkt->tcp_flags & (PF_TCP_SYN | PF_TCP_ACK)) == PF_TCP_SYN;
}

/* TCP close tracking, for a segment with FIN or RST: a connection closed
 * both ways or reset moves to the closed kind's (short) timeout. Out of
 * line: only those segments call it (the caller tests the flags), and
 * inlined, its code shaped the registers of every packet's path (one
 * instruction a frame on the flood, which has no FIN or RST). */
__attribute__((noinline)) static void
pf_flow_track_close(struct pf_flow_table *t, uint32_t ref, struct pf_flow *f,
                    uint8_t flags, uint8_t side) {
  uint8_t close = f->tcp_close;
  if (flags & PF_TCP_FIN)
    close |= side == 0 ? PF_FLOW_FIN_SIDE0 : PF_FLOW_FIN_SIDE1;
  if (flags & PF_TCP_RST)
    close |= PF_FLOW_RST;
  bool was_closed = pf_tcp_closed(f->tcp_close);
  f->tcp_close = close;
  if (was_closed || !pf_tcp_closed(close) || pf_flow_proto(f) != PF_IPPROTO_TCP)
    return;
  t->stats.active[PF_FLOW_TCP]--;
  t->stats.active[PF_FLOW_TCP_CLOSED]++;
  if (pf_flow_list(f) != PF_LIST_SYN_WAIT)
    pf_flow_relist(t, ref, PF_FLOW_TCP_CLOSED);
}

/* `monotonic`: the caller's clock never goes back (the shard's), so no
 * flow's last packet is ahead of now_us and the clamp below is not needed
 * (three instructions a packet; PF_ASSERT holds the promise). */
static inline __attribute__((always_inline)) struct pf_flow_update
pf_account_at(struct pf_flow_table *t, const struct pf_flow_probe *p,
              const struct pf_flow_packet *pkt, uint64_t now_us,
              bool monotonic) {
  /* The gate on close tracking below reads the flags alone, trusting the
   * struct's rule that they are 0 unless a TCP header was read. */
  PF_ASSERT(pkt->tcp || !pkt->tcp_flags);
  struct pf_flow_update up = {0};
  if (!p->family)
    return up;
  uint32_t bucket = pf_buckets_of(&t->buckets, p->hash);
  uint32_t ref;
  struct pf_flow *f = pf_lookup(t, p, bucket, &ref);
  if (f) {
    uint64_t last = f->last_us;
    PF_ASSERT(!monotonic || now_us >= last);
    uint64_t at = monotonic || now_us > last ? now_us : last;
    /* The flow's list tested once, and each path does only its own: every
     * flow is on its kind's list but while its SYN waits. Tested three
     * times (in pf_kind_now, for the wait, for the LRU move), with the
     * code around them it cost 9.5 instructions a mixed frame. */
    unsigned list = pf_flow_list(f);
    if (__builtin_expect(list != PF_LIST_SYN_WAIT, 1)) {
      if (!pf_flow_must_restart(t, f, (enum pf_flow_kind)list, pkt, last, at)) {
        f->last_us = at;
        /* Most recently seen first. */
        if (t->lru_head[list] != ref)
          pf_lru_touch(t, ref, f, list);
        goto found;
      }
    } else if (!pf_flow_must_restart(t, f, pf_kind_of(f), pkt, last, at)) {
      /* A waiting flow's SYN timeout is read before this packet is its
       * last, while its age reads true (tcp.h). It stays in the order of
       * the SYNs, or leaves for its kind's head: no LRU move either way. */
      pf_tcp_wait_over(t, ref, f, now_us);
      f->last_us = at;
      goto found;
    }
    pf_flow_remove(t, ref);
    t->stats.expired++;
  }
  ref = pf_flow_create(t, p, bucket, pkt, now_us);
  up.created = true;
  f = pf_flow_at(t, ref); /* its last_us is now_us */
  /* At its list's head (pf_flow_create): the LRU move is not its. */
  PF_ASSERT(t->lru_head[pf_flow_list(f)] == ref);
found:;
  /* Most segments carry no FIN or RST: nothing changes the close bits,
   * and the entry's byte is neither read nor written. A SYN does not ask
   * (no close bit records one), so a SYN flood skips the call. */
  if (pkt->tcp_flags & (PF_TCP_FIN | PF_TCP_RST)) /* TCP's */
    pf_flow_track_close(t, ref, f, pkt->tcp_flags, p->side);
  up.flow = f;
  up.ref = ref;
  up.side = p->side;
  return up;
}

struct pf_flow_update pf_flow_table_account(struct pf_flow_table *t,
                                            const struct pf_flow_probe *p,
                                            const struct pf_flow_packet *pkt,
                                            uint64_t now_us) {
  return pf_account_at(t, p, pkt, now_us, false);
}

struct pf_flow_update pf_flow_table_account_monotonic(
    struct pf_flow_table *t, const struct pf_flow_probe *p,
    const struct pf_flow_packet *pkt, uint64_t now_us) {
  return pf_account_at(t, p, pkt, now_us, true);
}

struct pf_flow_update pf_flow_table_packet(struct pf_flow_table *t,
                                           const struct pf_packet *pkt,
                                           uint64_t now_us) {
  struct pf_flow_probe p;
  pf_flow_table_probe(t, pkt, &p);
  struct pf_flow_packet fp = {
      .wire_len = pkt->wire_len,
      .tcp = pkt->l4 == PF_L4_TCP && !pkt->later_fragment,
  };
  fp.tcp_flags = fp.tcp ? pkt->tcp_flags : 0; /* as the struct says */
  return pf_flow_table_account(t, &p, &fp, now_us);
}

void pf_flow_table_each(struct pf_flow_table *t,
                        void (*fn)(struct pf_flow *f, void *ctx), void *ctx) {
  /* In pool order, free entries too (harmless: an entry is cleared when it
   * is reused), which is several times faster than chasing lists. */
  for (int v6 = 0; v6 < 2; v6++)
    for (uint32_t i = 0; i < t->pool[v6].next_unused; i++)
      fn(pf_flow_at(t, i | (v6 ? PF_FLOW_V6 : 0)), ctx);
}
