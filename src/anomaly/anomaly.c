/* anomaly.c - the bounded evidence tables of SYN floods and port scans:
 * slot claiming, updates from packets, merging. */
#include "anomaly/anomaly.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "base/hash.h"

void pf_anomaly_reset(struct pf_anomaly_table *t) { memset(t, 0, sizeof(*t)); }

static void pf_key_of(struct pf_anomaly_key *k, uint8_t family,
                      const uint8_t *addr, uint16_t port) {
  memset(k, 0, sizeof(*k));
  k->family = family;
  k->port = port;
  if (family == 4) /* fixed sizes: inlined copies, not calls */
    memcpy(k->addr, addr, 4);
  else
    memcpy(k->addr, addr, 16);
}

static bool pf_key_eq(const struct pf_anomaly_key *a,
                      const struct pf_anomaly_key *b) {
  return memcmp(a, b, sizeof(*a)) == 0;
}

/* Whether a slot holds key k (never empty: k's family is not 0). An IPv4
 * key is its first 8 bytes, zeros after them, and a key of the other
 * family differs in its first byte: 8 bytes tell, one compare a packet. */
static bool pf_key_holds(const struct pf_anomaly_key *slot,
                         const struct pf_anomaly_key *k) {
  _Static_assert(offsetof(struct pf_anomaly_key, family) == 0 &&
                     offsetof(struct pf_anomaly_key, addr) == 4,
                 "an IPv4 key's bytes");
  if (k->family != 4)
    return pf_key_eq(slot, k);
  uint64_t a, b;
  memcpy(&a, slot, 8);
  memcpy(&b, k, 8);
  return a == b;
}

enum pf_claim_result { PF_CLAIM_LOST, PF_CLAIM_SAME, PF_CLAIM_NEW };

/* Whether key may use its slot: the same key, or an empty slot, or one
 * whose key's weight has run out (it is taken over); otherwise the
 * occupant loses one unit of weight. */
static inline __attribute__((always_inline)) enum pf_claim_result
pf_claim(struct pf_anomaly_key *slot_key, uint32_t *weight,
         const struct pf_anomaly_key *key) {
  if (pf_key_holds(slot_key, key))
    return PF_CLAIM_SAME;
  if (slot_key->family && *weight > 0) {
    (*weight)--;
    return PF_CLAIM_LOST;
  }
  *slot_key = *key;
  *weight = 0;
  return PF_CLAIM_NEW;
}

static uint32_t pf_half_open(const struct pf_syn_slot *s) {
  return s->syn > s->done ? s->syn - s->done : 0;
}

/* A key's hash over the bytes it uses: an IPv4 key's 8, not its 20. */
static uint64_t pf_key_hash(const uint64_t seed[4],
                            const struct pf_anomaly_key *k) {
  _Static_assert(offsetof(struct pf_anomaly_key, addr) == 4, "key layout");
  return k->family == 4 ? pf_hash_inline(seed, k, 8)
                        : pf_hash_inline(seed, k, sizeof(*k));
}

/* The target's slot in the SYN table: a SYN counts for it, a completed
 * handshake counts against it. */
static inline __attribute__((always_inline)) void
pf_syn_target(struct pf_syn_slot *s, const struct pf_anomaly_key *k,
              bool completed) {
  if (completed) {
    /* Completions count for a target that holds its slot. */
    if (pf_key_holds(&s->key, k)) {
      s->done++;
      if (s->weight > 0)
        s->weight--;
    }
    return;
  }
  enum pf_claim_result r = pf_claim(&s->key, &s->weight, k);
  if (r == PF_CLAIM_NEW)
    s->syn = s->done = 0;
  if (r != PF_CLAIM_LOST) {
    s->syn++;
    s->weight++;
  }
}

/* A new scanner's bitmap cleared by 16-byte stores: a flood from spoofed
 * sources claims a slot every other SYN, and GCC made a memset of the 128
 * bytes a `rep stos` of 15 words (about 25 instructions against 8). */
static inline void pf_scan_clear(struct pf_scan_slot *s) {
  typedef uint64_t pf_v2 __attribute__((vector_size(16)));
  enum { PF_SCAN_VECTORS = PF_SCAN_BITS / 128 };
  for (unsigned i = 0; i < PF_SCAN_VECTORS; i++)
    memcpy(&s->bits[2 * i], &(pf_v2){0, 0}, sizeof(pf_v2));
}

/* The scanner's slot: one more destination (the bit `bit` stands for). */
static inline __attribute__((always_inline)) void
pf_scan_source(struct pf_scan_slot *s, const struct pf_anomaly_key *k,
               uint64_t bit) {
  enum pf_claim_result r = pf_claim(&s->key, &s->weight, k);
  if (r == PF_CLAIM_LOST)
    return;
  if (r == PF_CLAIM_NEW)
    pf_scan_clear(s);
  s->bits[bit / 64] |= 1ull << (bit % 64);
  s->weight++;
}

/* The destination (address and port) is hashed once: its low bits pick
 * the target's SYN slot, the bits above them its bit in the scanner's
 * bitmap (independent bits of one keyed hash). Inlined for each family
 * (below), so that an IPv4 key is built, hashed and compared at its 8
 * bytes. */
static inline __attribute__((always_inline)) void
pf_anomaly_evidence(struct pf_anomaly_table *t, const uint64_t seed[4],
                    uint8_t family, const uint8_t *src, const uint8_t *dst,
                    uint16_t dst_port, bool syn, bool new_udp_flow,
                    bool completed) {
  _Static_assert((PF_ANOMALY_SLOTS & (PF_ANOMALY_SLOTS - 1)) == 0 &&
                     PF_ANOMALY_SLOTS <= 1u << 16,
                 "the slot takes the hash's low 16 bits at most");
  struct pf_anomaly_key k, from;
  pf_key_of(&k, family, dst, dst_port);
  uint64_t h = pf_key_hash(seed, &k);
  if (syn || completed)
    pf_syn_target(&t->syn[h % PF_ANOMALY_SLOTS], &k, completed);
  if (syn || new_udp_flow) {
    uint64_t bit = (h >> 16) % PF_SCAN_BITS;
    pf_key_of(&from, family, src, 0);
    pf_scan_source(&t->scan[pf_key_hash(seed, &from) % PF_ANOMALY_SLOTS], &from,
                   bit);
  }
}

void pf_anomaly_packet(struct pf_anomaly_table *t, const uint64_t seed[4],
                       uint8_t family, const uint8_t *src, const uint8_t *dst,
                       uint16_t dst_port, bool syn, bool new_udp_flow,
                       bool completed) {
  if (family == 4)
    pf_anomaly_evidence(t, seed, 4, src, dst, dst_port, syn, new_udp_flow,
                        completed);
  else
    pf_anomaly_evidence(t, seed, 6, src, dst, dst_port, syn, new_udp_flow,
                        completed);
}

double pf_scan_distinct(const struct pf_scan_slot *s) {
  unsigned set = 0;
  for (unsigned i = 0; i < PF_SCAN_BITS / 64; i++)
    set += (unsigned)__builtin_popcountll(s->bits[i]);
  if (set == PF_SCAN_BITS)
    return PF_SCAN_BITS * log(PF_SCAN_BITS); /* saturated: at least this */
  return -(double)PF_SCAN_BITS * log(1.0 - (double)set / PF_SCAN_BITS);
}

void pf_anomaly_merge(struct pf_anomaly_table *dst,
                      const struct pf_anomaly_table *src) {
  for (unsigned i = 0; i < PF_ANOMALY_SLOTS; i++) {
    const struct pf_syn_slot *a = &src->syn[i];
    struct pf_syn_slot *b = &dst->syn[i];
    if (!a->key.family)
      ;
    else if (b->key.family && pf_key_eq(&a->key, &b->key)) {
      b->syn += a->syn;
      b->done += a->done;
      b->weight += a->weight;
    } else if (!b->key.family || pf_half_open(a) > pf_half_open(b)) {
      *b = *a; /* the heavier key keeps the slot */
    }
    const struct pf_scan_slot *x = &src->scan[i];
    struct pf_scan_slot *y = &dst->scan[i];
    if (!x->key.family)
      continue;
    if (y->key.family && pf_key_eq(&x->key, &y->key)) {
      y->weight += x->weight;
      for (unsigned w = 0; w < PF_SCAN_BITS / 64; w++)
        y->bits[w] |= x->bits[w];
    } else if (!y->key.family || x->weight > y->weight) {
      *y = *x;
    }
  }
}
