/* anomaly.c - the bounded evidence tables of SYN floods and port scans:
 * slot claiming, updates from packets, merging. */
#include "anomaly/anomaly.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "base/hash.h"

void pf_anomaly_reset(struct pf_anomaly_table *t) { memset(t, 0, sizeof(*t)); }

static bool pf_key_eq(const struct pf_anomaly_key *a,
                      const struct pf_anomaly_key *b) {
  return memcmp(a, b, sizeof(*a)) == 0;
}

#define PF_ANOMALY_INLINE static inline __attribute__((always_inline))

/* A key's 20 bytes as the words they are compared and hashed by: bytes
 * 0-7 (family, pad, port and the address's first 4 bytes), 8-15 and
 * 16-19, an IPv4 key's zero past its 8th. Built from the packet's fields
 * at fixed sizes: no memset of a key and copy of it into the slot. */
struct pf_key_words {
  uint64_t w0, w1;
  uint32_t w2;
};

PF_ANOMALY_INLINE void pf_words_of(struct pf_key_words *k, uint8_t family,
                                   const uint8_t *addr, uint16_t port) {
  _Static_assert(offsetof(struct pf_anomaly_key, family) == 0 &&
                     offsetof(struct pf_anomaly_key, port) == 2 &&
                     offsetof(struct pf_anomaly_key, addr) == 4 &&
                     offsetof(struct pf_key_words, w2) == 16,
                 "a key's bytes, word by word");
  uint32_t a;
  memcpy(&a, addr, 4);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  k->w0 = family | (uint64_t)port << 16 | (uint64_t)a << 32;
#else
  struct pf_anomaly_key head = {.family = family, .port = port};
  memcpy(head.addr, &a, 4);
  memcpy(&k->w0, &head, 8);
#endif
  k->w1 = k->w2 = 0;
  if (family != 4) {
    memcpy(&k->w1, addr + 4, 8);
    memcpy(&k->w2, addr + 12, 4);
  }
}

/* Whether a slot holds key k (never empty: k's family is not 0). A key
 * of the other family differs in its first byte, so an IPv4 key's 8 bytes
 * tell; an IPv6 key's last words, where its addresses differ most, are
 * compared first. */
PF_ANOMALY_INLINE bool pf_key_holds(const struct pf_anomaly_key *slot,
                                    const struct pf_key_words *k,
                                    uint8_t family) {
  const uint8_t *p = (const uint8_t *)slot;
  uint64_t w0, w1;
  uint32_t w2;
  if (family != 4) {
    memcpy(&w2, p + 16, 4);
    memcpy(&w1, p + 8, 8);
    if (w2 != k->w2 || w1 != k->w1)
      return false;
  }
  memcpy(&w0, p, 8);
  return w0 == k->w0;
}

/* The slot takes key k: its 20 bytes, word by word. */
PF_ANOMALY_INLINE void pf_key_store(struct pf_anomaly_key *slot,
                                    const struct pf_key_words *k) {
  uint8_t *p = (uint8_t *)slot;
  memcpy(p, &k->w0, 8);
  memcpy(p + 8, &k->w1, 8);
  memcpy(p + 16, &k->w2, 4);
}

enum pf_claim_result { PF_CLAIM_LOST, PF_CLAIM_SAME, PF_CLAIM_NEW };

/* Whether key may use its slot: the same key, or an empty slot, or one
 * whose key's weight has run out (it is taken over); otherwise the
 * occupant loses one unit of weight. An empty slot's weight is 0 (a
 * weight grows only under a key; a reset clears both, a merge copies
 * both), so the weight alone tells: no read of the family byte. */
PF_ANOMALY_INLINE enum pf_claim_result pf_claim(struct pf_anomaly_key *slot_key,
                                                uint32_t *weight,
                                                const struct pf_key_words *key,
                                                uint8_t family) {
  if (pf_key_holds(slot_key, key, family))
    return PF_CLAIM_SAME;
  if (*weight > 0) {
    (*weight)--;
    return PF_CLAIM_LOST;
  }
  pf_key_store(slot_key, key); /* its weight is 0 already: no store */
  return PF_CLAIM_NEW;
}

static uint32_t pf_half_open(const struct pf_syn_slot *s) {
  return s->syn > s->done ? s->syn - s->done : 0;
}

/* The 64x64-bit multiply folded (base/hash.h's pf_hash_mum, the same
 * value): in the vector GCC kept pf_hash_mum's 128-bit product in a stack
 * slot, a store and a reload or two at each multiply (5 a flood frame). */
PF_ANOMALY_INLINE uint64_t pf_key_mum(uint64_t a, uint64_t b) {
#if defined(__x86_64__)
  uint64_t hi;
  __asm__("mulq %[b]" : "+a"(a), "=d"(hi) : [b] "rm"(b) : "cc");
  return a ^ hi;
#else
  return pf_hash_mum(a, b);
#endif
}

/* A key's hash over the bytes it uses: an IPv4 key's 8 (as base/hash.h
 * hashes them, unrolled for pf_key_mum), an IPv6 key's three words by
 * two folded multiplies, its last 4 bytes
 * joining the first product (base/hash.h would spend a third on a 20-byte
 * key's 4-byte tail), then finished by an xor-shift, a multiply and an
 * xor-shift. The slot is the hash's low bits: after the last multiply by
 * a constant alone, they followed a few bits of the product of the last
 * word's change, and with about one seed in eight, IPv6 targets differing
 * only in the address's last 4 bytes shared 7 to 100 of the 256 slots
 * (test_v6_targets_spread_for_every_seed; folding the high half down
 * alone still left one seed in 64 at 123). The finish spreads every bit
 * over the whole word. Keyed with the process's seed, as every table is,
 * so workers' tables merge slot by slot. */
PF_ANOMALY_INLINE uint64_t pf_key_hash(const uint64_t seed[4],
                                       const struct pf_key_words *k,
                                       uint8_t family) {
  if (family == 4) { /* pf_hash_inline(seed, &k->w0, 8), step by step */
    uint64_t h = pf_key_mum(k->w0 ^ seed[2],
                            seed[0] ^ 8 * 0x9e3779b97f4a7c15ULL ^ seed[3]);
    return pf_key_mum(h ^ seed[1], 0x9e3779b97f4a7c15ULL ^ seed[2]);
  }
  uint64_t h = pf_key_mum(k->w0 ^ seed[1], k->w1 ^ seed[0]);
  h = pf_key_mum(h ^ k->w2 ^ seed[2], 0x9e3779b97f4a7c15ULL ^ seed[3]);
  h ^= h >> 32;
  h *= 0xd6e8feb86659fd93ULL;
  return h ^ h >> 32;
}

/* The target's slot in the SYN table: a SYN counts for it, a completed
 * handshake counts against it. */
PF_ANOMALY_INLINE void pf_syn_target(struct pf_syn_slot *s,
                                     const struct pf_key_words *k,
                                     uint8_t family, bool completed) {
  if (completed) {
    /* Completions count for a target that holds its slot. */
    if (pf_key_holds(&s->key, k, family)) {
      s->done++;
      if (s->weight > 0)
        s->weight--;
    }
    return;
  }
  enum pf_claim_result r = pf_claim(&s->key, &s->weight, k, family);
  if (r == PF_CLAIM_NEW)
    s->syn = s->done = 0;
  if (r != PF_CLAIM_LOST) {
    s->syn++;
    s->weight++;
  }
}

/* A scanner's bitmap cleared by 16-byte stores: GCC made a memset of the
 * 128 bytes a `rep stos` of 15 words (about 25 instructions against 8).
 * __builtin_memcpy: _FORTIFY_SOURCE's check of these constant-size copies
 * cannot fail and holds back their folding into stores (hardened build,
 * the flood +10 a frame: docs/PERFORMANCE.md "Compiler flags"). */
static inline void pf_scan_clear(struct pf_scan_slot *s) {
  typedef uint64_t pf_v2 __attribute__((vector_size(16)));
  enum { PF_SCAN_VECTORS = PF_SCAN_BITS / 128 };
  for (unsigned i = 0; i < PF_SCAN_VECTORS; i++)
    __builtin_memcpy(&s->bits[2 * i], &(pf_v2){0, 0}, sizeof(pf_v2));
}

/* A holder's bitmap written at its second probe: cleared, with its first
 * destination. A flood from spoofed sources claims a scanner slot every
 * other SYN, and none of them probes twice: writing the 128 bytes at the
 * claim cost 9 instructions and two or three lines a claim. */
static void pf_scan_settle(struct pf_scan_slot *s) {
  uint32_t bit = s->first - 1;
  pf_scan_clear(s);
  s->bits[bit / 64] = 1ull << (bit % 64);
  s->first = 0;
}

/* The scanner's slot: one more destination (the bit `bit` stands for). */
PF_ANOMALY_INLINE void pf_scan_source(struct pf_scan_slot *s,
                                      const struct pf_key_words *k,
                                      uint8_t family, uint64_t bit) {
  enum pf_claim_result r = pf_claim(&s->key, &s->weight, k, family);
  if (r == PF_CLAIM_LOST)
    return;
  s->weight++;
  if (r == PF_CLAIM_NEW) {
    s->first = (uint32_t)bit + 1;
    return;
  }
  if (s->first)
    pf_scan_settle(s);
  s->bits[bit / 64] |= 1ull << (bit % 64);
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
  struct pf_key_words k, from;
  pf_words_of(&k, family, dst, dst_port);
  uint64_t h = pf_key_hash(seed, &k, family);
  if (syn || completed)
    pf_syn_target(&t->syn[h % PF_ANOMALY_SLOTS], &k, family, completed);
  if (syn || new_udp_flow) {
    uint64_t bit = (h >> 16) % PF_SCAN_BITS;
    pf_words_of(&from, family, src, 0);
    uint64_t hs = pf_key_hash(seed, &from, family);
    pf_scan_source(&t->scan[hs % PF_ANOMALY_SLOTS], &from, family, bit);
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

void pf_scan_bitmap(const struct pf_scan_slot *s,
                    uint64_t out[PF_SCAN_BITS / 64]) {
  if (s->first) {
    memset(out, 0, PF_SCAN_BITS / 8);
    out[(s->first - 1) / 64] = 1ull << ((s->first - 1) % 64);
  } else {
    memcpy(out, s->bits, PF_SCAN_BITS / 8);
  }
}

double pf_scan_distinct(const struct pf_scan_slot *s) {
  uint64_t bits[PF_SCAN_BITS / 64];
  pf_scan_bitmap(s, bits);
  unsigned set = 0;
  for (unsigned i = 0; i < PF_SCAN_BITS / 64; i++)
    set += (unsigned)__builtin_popcountll(bits[i]);
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
      uint64_t bits[PF_SCAN_BITS / 64];
      pf_scan_bitmap(x, bits);
      if (y->first)
        pf_scan_settle(y);
      y->weight += x->weight;
      for (unsigned w = 0; w < PF_SCAN_BITS / 64; w++)
        y->bits[w] |= bits[w];
    } else if (!y->key.family || x->weight > y->weight) {
      *y = *x;
    }
  }
}
