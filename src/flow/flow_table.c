/* flow_table.c - the preallocated bidirectional flow table: chained hash
 * buckets over an entry pool, one LRU list per timeout kind.
 *
 * Because every flow on one LRU list has the same timeout, the list's tail
 * is always the next to expire, so expiry is a bounded walk from the tails
 * and never a sweep of the table. The least recently seen flow overall is
 * one of the tails, which makes eviction O(kinds). */
#include "flow/flow.h"

#include "base/err.h"
#include "base/hash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- set-up ---- */

static uint32_t pf_pow2_at_least(uint32_t n) {
  uint32_t p = 1;
  while (p < n && p < (1u << 31))
    p <<= 1;
  return p;
}

int pf_flow_table_init(struct pf_flow_table *t, uint32_t max_flows,
                       const struct pf_flow_timeouts *to, char *err,
                       size_t errlen) {
  memset(t, 0, sizeof(*t));
  if (max_flows == 0 || max_flows >= PF_FLOW_NONE) {
    return pf_err(err, errlen, "MaxFlows %u is out of range", max_flows);
  }
  uint32_t n_buckets = pf_pow2_at_least(max_flows);
  /* calloc leaves untouched pages unmapped: memory grows with use. */
  t->flows = calloc(max_flows, sizeof(*t->flows));
  t->buckets = malloc((size_t)n_buckets * sizeof(*t->buckets));
  if (!t->flows || !t->buckets) {
    pf_flow_table_free(t);
    snprintf(
        err, errlen, "cannot allocate a flow table of %u flows (%zu MiB)",
        max_flows,
        ((size_t)max_flows * sizeof(struct pf_flow) + (size_t)n_buckets * 4) >>
            20);
    return -1;
  }
  memset(t->buckets, 0xff, (size_t)n_buckets * sizeof(*t->buckets));
  t->bucket_mask = n_buckets - 1;
  t->max_flows = max_flows;
  t->free_head = PF_FLOW_NONE;
  for (int k = 0; k < PF_FLOW_KIND_COUNT; k++)
    t->lru_head[k] = t->lru_tail[k] = PF_FLOW_NONE;
  t->timeout_us[PF_FLOW_TCP] = (uint64_t)to->tcp_s * 1000000;
  t->timeout_us[PF_FLOW_TCP_CLOSED] = (uint64_t)to->tcp_closed_s * 1000000;
  t->timeout_us[PF_FLOW_UDP] = (uint64_t)to->udp_s * 1000000;
  t->timeout_us[PF_FLOW_ICMP] = (uint64_t)to->icmp_s * 1000000;
  t->timeout_us[PF_FLOW_OTHER] = (uint64_t)to->other_s * 1000000;
  t->active_us = (uint64_t)to->active_s * 1000000;
  pf_hash_seed(t->seed);
  return 0;
}

int pf_flow_table_enable_tcp(struct pf_flow_table *t, uint32_t syn_timeout_s,
                             char *err, size_t errlen) {
  return pf_tcp_table_init(&t->tcp, t->max_flows, syn_timeout_s, err, errlen);
}

void pf_flow_table_free(struct pf_flow_table *t) {
  pf_tcp_table_free(&t->tcp);
  free(t->flows);
  free(t->buckets);
  t->flows = NULL;
  t->buckets = NULL;
}

uint64_t pf_flow_table_count(const struct pf_flow_table *t) {
  uint64_t n = 0;
  for (int k = 0; k < PF_FLOW_KIND_COUNT; k++)
    n += t->stats.active[k];
  return n;
}

/* ---- LRU lists ---- */

static void pf_lru_unlink(struct pf_flow_table *t, uint32_t i) {
  struct pf_flow *f = &t->flows[i];
  if (f->lru_prev != PF_FLOW_NONE)
    t->flows[f->lru_prev].lru_next = f->lru_next;
  else
    t->lru_head[f->kind] = f->lru_next;
  if (f->lru_next != PF_FLOW_NONE)
    t->flows[f->lru_next].lru_prev = f->lru_prev;
  else
    t->lru_tail[f->kind] = f->lru_prev;
}

static void pf_lru_push_head(struct pf_flow_table *t, uint32_t i) {
  struct pf_flow *f = &t->flows[i];
  f->lru_prev = PF_FLOW_NONE;
  f->lru_next = t->lru_head[f->kind];
  if (f->lru_next != PF_FLOW_NONE)
    t->flows[f->lru_next].lru_prev = i;
  else
    t->lru_tail[f->kind] = i;
  t->lru_head[f->kind] = i;
}

/* Moves a flow to another timeout kind (TCP open -> closed). */
static void pf_flow_set_kind(struct pf_flow_table *t, uint32_t i,
                             enum pf_flow_kind kind) {
  struct pf_flow *f = &t->flows[i];
  pf_lru_unlink(t, i);
  t->stats.active[f->kind]--;
  f->kind = (uint8_t)kind;
  t->stats.active[kind]++;
  pf_lru_push_head(t, i);
}

/* ---- buckets ---- */

static uint32_t pf_bucket_of(const struct pf_flow_table *t,
                             const struct pf_flow_key *key) {
  return (uint32_t)pf_hash_inline(t->seed, key, sizeof(*key)) & t->bucket_mask;
}

static uint32_t pf_lookup(const struct pf_flow_table *t,
                          const struct pf_flow_key *key, uint32_t bucket) {
  for (uint32_t i = t->buckets[bucket]; i != PF_FLOW_NONE;
       i = t->flows[i].hash_next)
    if (memcmp(&t->flows[i].key, key, sizeof(*key)) == 0)
      return i;
  return PF_FLOW_NONE;
}

const struct pf_flow *pf_flow_table_find(const struct pf_flow_table *t,
                                         const struct pf_flow_key *key) {
  uint32_t i = pf_lookup(t, key, pf_bucket_of(t, key));
  return i == PF_FLOW_NONE ? NULL : &t->flows[i];
}

/* Takes a flow out of its chain and its LRU list, back to the free list. */
static void pf_flow_remove(struct pf_flow_table *t, uint32_t i) {
  struct pf_flow *f = &t->flows[i];
  uint32_t *link = &t->buckets[pf_bucket_of(t, &f->key)];
  while (*link != i)
    link = &t->flows[*link].hash_next;
  *link = f->hash_next;
  pf_lru_unlink(t, i);
  t->stats.active[f->kind]--;
  if (t->class_active)
    t->class_active[f->rule_class]--;
  pf_tcp_release(&t->tcp, &f->tcp_ext);
  f->hash_next = t->free_head;
  t->free_head = i;
}

/* The least recently seen flow of all: the oldest of the list tails. */
static uint32_t pf_oldest(const struct pf_flow_table *t) {
  uint32_t oldest = PF_FLOW_NONE;
  for (int k = 0; k < PF_FLOW_KIND_COUNT; k++) {
    uint32_t i = t->lru_tail[k];
    if (i != PF_FLOW_NONE && (oldest == PF_FLOW_NONE ||
                              t->flows[i].last_us < t->flows[oldest].last_us))
      oldest = i;
  }
  return oldest;
}

/* ---- accounting ---- */

static enum pf_flow_kind pf_kind_of(uint8_t proto) {
  switch (proto) {
  case PF_IPPROTO_TCP:
    return PF_FLOW_TCP;
  case PF_IPPROTO_UDP:
    return PF_FLOW_UDP;
  case PF_IPPROTO_ICMP:
  case PF_IPPROTO_ICMPV6:
    return PF_FLOW_ICMP;
  default:
    return PF_FLOW_OTHER;
  }
}

/* Who started the conversation, as far as this first packet tells. */
static int8_t pf_initiator(const struct pf_packet *pkt, uint8_t side) {
  if (pkt->l4 != PF_L4_TCP || pkt->later_fragment)
    return (int8_t)side;
  uint8_t syn_ack = pkt->tcp_flags & (PF_TCP_SYN | PF_TCP_ACK);
  if (syn_ack == PF_TCP_SYN)
    return (int8_t)side;
  if (syn_ack == (PF_TCP_SYN | PF_TCP_ACK))
    return (int8_t)(1 - side); /* we saw the answer: the peer started */
  return -1;                   /* mid-connection: capture began late */
}

static uint32_t pf_flow_create(struct pf_flow_table *t,
                               const struct pf_flow_key *key, uint32_t bucket,
                               const struct pf_packet *pkt, uint8_t side,
                               uint64_t now_us) {
  if (t->free_head == PF_FLOW_NONE && t->next_unused == t->max_flows) {
    /* Full: the least recently seen flow makes room. */
    pf_flow_remove(t, pf_oldest(t));
    t->stats.evicted++;
  }
  uint32_t i;
  if (t->free_head != PF_FLOW_NONE) {
    i = t->free_head;
    t->free_head = t->flows[i].hash_next;
  } else {
    /* Never-used entries are handed out in order, so the pool's untouched
     * pages stay unmapped until the table really grows. */
    i = t->next_unused++;
  }

  struct pf_flow *f = &t->flows[i];
  memset(f, 0, sizeof(*f));
  f->key = *key;
  f->first_us = f->last_us = now_us;
  f->kind = (uint8_t)pf_kind_of(key->proto);
  f->initiator = pf_initiator(pkt, side);
  f->tcp_ext = PF_TCP_NONE;
  f->hash_next = t->buckets[bucket];
  t->buckets[bucket] = i;
  t->stats.active[f->kind]++;
  t->stats.created++;
  pf_lru_push_head(t, i);
  return i;
}

static bool pf_tcp_closed(uint8_t tcp) {
  return (tcp & PF_FLOW_RST) ||
         (tcp & (PF_FLOW_FIN_SIDE0 | PF_FLOW_FIN_SIDE1)) ==
             (PF_FLOW_FIN_SIDE0 | PF_FLOW_FIN_SIDE1);
}

/* A flow whose record must end before this packet is counted: one idle
 * past its timeout that expiry has not reached yet (so results do not
 * depend on when expiry runs), one that ran past the active timeout, or a
 * closed TCP connection that a new SYN reopens with the same ports. */
static bool pf_flow_must_restart(const struct pf_flow_table *t,
                                 const struct pf_flow *f,
                                 const struct pf_packet *pkt, uint64_t now_us) {
  if (now_us >= f->last_us && now_us - f->last_us >= t->timeout_us[f->kind])
    return true;
  if (t->active_us && now_us >= f->first_us &&
      now_us - f->first_us >= t->active_us)
    return true;
  return f->kind == PF_FLOW_TCP_CLOSED &&
         (pkt->tcp_flags & (PF_TCP_SYN | PF_TCP_ACK)) == PF_TCP_SYN;
}

void pf_flow_table_probe(const struct pf_flow_table *t,
                         const struct pf_packet *pkt, struct pf_flow_probe *p) {
  p->has_flow = pf_flow_key_of(pkt, &p->key, &p->side);
  if (!p->has_flow)
    return;
  p->bucket = pf_bucket_of(t, &p->key);
  __builtin_prefetch(&t->buckets[p->bucket]);
}

struct pf_flow_update pf_flow_table_packet(struct pf_flow_table *t,
                                           const struct pf_packet *pkt,
                                           uint64_t now_us) {
  struct pf_flow_probe p;
  pf_flow_table_probe(t, pkt, &p);
  return pf_flow_table_account(t, &p, pkt, now_us);
}

struct pf_flow_update pf_flow_table_account(struct pf_flow_table *t,
                                            const struct pf_flow_probe *p,
                                            const struct pf_packet *pkt,
                                            uint64_t now_us) {
  struct pf_flow_update up = {0};
  if (!p->has_flow)
    return up;
  const struct pf_flow_key *key = &p->key;
  uint8_t side = p->side;
  uint32_t bucket = p->bucket;
  uint32_t i = pf_lookup(t, key, bucket);
  if (i != PF_FLOW_NONE && pf_flow_must_restart(t, &t->flows[i], pkt, now_us)) {
    pf_flow_remove(t, i);
    t->stats.expired++;
    i = PF_FLOW_NONE;
  }
  if (i == PF_FLOW_NONE) {
    i = pf_flow_create(t, key, bucket, pkt, side, now_us);
    up.created = true;
  }

  struct pf_flow *f = &t->flows[i];
  f->packets[side]++;
  f->bytes[side] += pkt->wire_len;
  if (now_us > f->last_us)
    f->last_us = now_us;
  if (t->lru_head[f->kind] != i) {
    pf_lru_unlink(t, i);
    pf_lru_push_head(t, i);
  }

  if (pkt->l4 == PF_L4_TCP && !pkt->later_fragment) {
    uint8_t flags = pkt->tcp_flags;
    if ((flags & (PF_TCP_SYN | PF_TCP_ACK)) == PF_TCP_SYN)
      f->tcp |= PF_FLOW_SYN;
    if (flags & PF_TCP_FIN)
      f->tcp |= side == 0 ? PF_FLOW_FIN_SIDE0 : PF_FLOW_FIN_SIDE1;
    if (flags & PF_TCP_RST)
      f->tcp |= PF_FLOW_RST;
    if (f->kind == PF_FLOW_TCP && pf_tcp_closed(f->tcp))
      pf_flow_set_kind(t, i, PF_FLOW_TCP_CLOSED);
  }

  up.flow = f;
  up.side = side;
  return up;
}

/* ---- expiry ---- */

unsigned pf_flow_table_expire(struct pf_flow_table *t, uint64_t now_us,
                              unsigned budget) {
  unsigned done = 0;
  for (int k = 0; k < PF_FLOW_KIND_COUNT && done < budget; k++) {
    while (done < budget) {
      uint32_t i = t->lru_tail[k];
      if (i == PF_FLOW_NONE ||
          now_us - t->flows[i].last_us < t->timeout_us[k] ||
          now_us < t->flows[i].last_us)
        break;
      pf_flow_remove(t, i);
      t->stats.expired++;
      done++;
    }
  }
  return done;
}
