/* dns_pending.c - DNS queries waiting for their response: a ring by time
 * and a hash index by flow and transaction (dns_pending.h). */
#include "shard/dns_pending.h"

#include "base/check.h"
#include "base/err.h"
#include "base/hash.h"
#include "base/slots.h"

#include <stdlib.h>

int pf_dns_pending_init(struct pf_dns_pending *p, uint32_t want,
                        uint32_t timeout_s, char *err, size_t errlen) {
  /* The ring holds a power of two of queries, at least `want`; its
   * index twice as many slots. */
  uint32_t islots = pf_slots_for_load_half(want, 32), cap = islots / 2;
  *p = (struct pf_dns_pending){.mask = cap - 1, .imask = islots - 1};
  struct pf_slots_mem m;
  if (!islots ||
      !pf_slots_alloc(&m, islots, sizeof(*p->index), cap, sizeof(*p->ring)))
    return pf_err(err, errlen,
                  "DnsPendingQueries %u: out of memory for the queries", want);
  p->index = m.slots;
  p->ring = m.items;
  p->timeout_us = (uint64_t)timeout_s * 1000000u;
  pf_hash_seed(p->seed);
  return 0;
}

void pf_dns_pending_free(struct pf_dns_pending *p) {
  pf_slots_free(p->index, p->ring);
  p->ring = NULL;
  p->index = NULL;
}

/* The index slot of a transaction. Keyed: the ids are the sender's. */
static uint32_t pf_dns_slot(const struct pf_dns_pending *p,
                            const struct pf_dns_txn *t) {
  uint32_t k[3] = {t->flow, t->gen, t->id};
  return (uint32_t)pf_hash_inline(p->seed, k, sizeof(k)) & p->imask;
}

static bool pf_dns_same(const struct pf_dns_query *q,
                        const struct pf_dns_txn *t) {
  return q->live && q->flow == t->flow && q->gen == t->gen && q->id == t->id;
}

/* The live query of transaction t in its slot's chain, or NULL; *link is
 * where the chain points at it. */
static struct pf_dns_query *pf_dns_find(struct pf_dns_pending *p,
                                        const struct pf_dns_txn *t,
                                        uint32_t **link) {
  uint32_t *at = &p->index[pf_dns_slot(p, t)];
  for (uint32_t steps = 0; *at && steps <= p->mask; steps++) {
    struct pf_dns_query *q = &p->ring[*at - 1];
    if (pf_dns_same(q, t)) {
      *link = at;
      return q;
    }
    at = &q->chain;
  }
  return NULL;
}

/* Takes query q, found through *link, out of the index. */
static void pf_dns_unlink(struct pf_dns_query *q, uint32_t *link) {
  *link = q->chain;
  q->chain = 0;
  q->live = 0;
}

/* Whether query q has waited DnsTimeout or more by now_us: the tick's rule
 * (younger is live), which a response or a retry in the same batch as the
 * timeout must follow too, or the batch's end would decide. */
static bool pf_dns_expired(const struct pf_dns_pending *p,
                           const struct pf_dns_query *q, uint64_t now_us) {
  return now_us - q->now_us >= p->timeout_us;
}

/* The head leaves the ring; if it still waited, it is counted in *count. */
static void pf_dns_pop(struct pf_dns_pending *p, uint64_t *count) {
  struct pf_dns_query *q = &p->ring[p->head & p->mask];
  if (q->live) {
    struct pf_dns_txn t = {
        .flow = q->flow, .gen = q->gen, .qhash = q->qhash, .id = q->id};
    uint32_t *link;
    struct pf_dns_query *found = pf_dns_find(p, &t, &link);
    PF_ASSERT(found == q); /* one live query per transaction */
    if (found)
      pf_dns_unlink(found, link);
    (*count)++;
  }
  p->head++;
}

void pf_dns_pending_query(struct pf_dns_pending *p, const struct pf_dns_txn *t,
                          uint64_t now_us, uint64_t ts_us) {
  uint32_t *link;
  struct pf_dns_query *old = pf_dns_find(p, t, &link);
  if (old && old->qhash == t->qhash && !pf_dns_expired(p, old, now_us))
    return; /* a retry of the same query: the first one's time stands */
  /* Asked anew past the timeout, or the id reused for another question:
   * no response can match the waiting one any more, so it is unanswered
   * (now, once: unlinked, the tick skips it) and the new one waits. */
  if (old) {
    pf_dns_unlink(old, link);
    p->unanswered++;
  }
  /* Full: the oldest goes, unanswered if past its time, else evicted. */
  if (p->tail - p->head > p->mask)
    pf_dns_pop(p, pf_dns_expired(p, &p->ring[p->head & p->mask], now_us)
                      ? &p->unanswered
                      : &p->evicted);
  uint32_t pos = p->tail++ & p->mask;
  uint32_t *slot = &p->index[pf_dns_slot(p, t)];
  p->ring[pos] = (struct pf_dns_query){.ts_us = ts_us,
                                       .now_us = now_us,
                                       .flow = t->flow,
                                       .gen = t->gen,
                                       .qhash = t->qhash,
                                       .chain = *slot,
                                       .id = t->id,
                                       .live = 1};
  *slot = pos + 1;
}

bool pf_dns_pending_response(struct pf_dns_pending *p,
                             const struct pf_dns_txn *t, uint64_t now_us,
                             uint64_t ts_us, uint64_t *us) {
  uint32_t *link;
  struct pf_dns_query *q = pf_dns_find(p, t, &link);
  if (!q || q->qhash != t->qhash) {
    p->unmatched++;
    return false;
  }
  if (pf_dns_expired(p, q, now_us)) { /* the tick had not come yet */
    pf_dns_unlink(q, link);
    p->unanswered++;
    p->unmatched++;
    return false;
  }
  /* Timestamps may step back (packet_clock.h): such a sample is 0. */
  *us = ts_us > q->ts_us ? ts_us - q->ts_us : 0;
  pf_dns_unlink(q, link);
  return true;
}

void pf_dns_pending_tick(struct pf_dns_pending *p, uint64_t now_us) {
  while (p->head != p->tail) {
    const struct pf_dns_query *q = &p->ring[p->head & p->mask];
    if (q->live && !pf_dns_expired(p, q, now_us))
      break;
    pf_dns_pop(p, &p->unanswered);
  }
}
