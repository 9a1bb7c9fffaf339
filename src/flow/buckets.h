/* buckets.h - the flow table's hash buckets, grown by linear hashing so
 * that they take memory as flows come, never before.
 *
 * The array is reserved for the largest table (a power of two at least
 * MaxFlows) and mapped as it is written; an empty bucket is 0 (a bucket
 * holds the complement of its chain's first reference), so the untouched
 * pages are empty buckets. A table starts with up to PF_BUCKETS_FIRST
 * buckets in use (4 MiB, mapped as flows land in them); while more flows
 * than buckets are in the table, each new flow splits one bucket: the
 * bucket at `split` is divided between itself and bucket split + 2^L by one
 * more bit of the hash. A lookup uses the low L bits of the hash, or L + 1
 * bits for buckets already split in this round. No step rehashes more than
 * one chain, so the table never stops to grow; and a table of up to a
 * million flows never splits (a split reads the entries it moves).
 *
 * A bucket also keeps one bit of 32 for each flow put in its chain, by 5
 * bits of the flow's hash that the bucket's index does not use: a key
 * whose bit is not set is in no entry of the chain, and its lookup reads
 * none. Nearly all of a flood's new flows are told so (the chain's flows'
 * bits, about one in 32 each, are the exceptions), where the chain walk
 * was a cache miss an entry. A flow that leaves keeps its bit until the
 * chain empties or splits, or a new flow finds its bit set and its chain
 * without it (flow_table.c works the tags out again then): a false hope
 * at worst, never a flow missed.
 *
 * Thread-safety: part of a flow table, owned by its capture thread. */
#ifndef PCAPFLOW_FLOW_BUCKETS_H
#define PCAPFLOW_FLOW_BUCKETS_H

#include <stddef.h>
#include <stdint.h>

/* Buckets in use at first, at most. */
#define PF_BUCKETS_FIRST (1u << 20)

struct pf_bucket {
  uint32_t first; /* ~its chain's first reference (0: empty) */
  uint32_t tags;  /* pf_bucket_tag of each flow put in the chain */
};

struct pf_flow_buckets {
  struct pf_bucket *head; /* [0, count) in use; all zero: empty */
  uint32_t low_mask;      /* 2^L - 1 */
  uint32_t split;         /* buckets below it use L + 1 bits */
  uint32_t count;         /* in use: 2^L + split */
  uint32_t max;           /* reserved: a power of two */
};

/* Reserves room for max_flows flows' buckets and starts with at most
 * `first` (a power of two), all empty. Returns 0, or -1 (out of memory). */
int pf_buckets_init(struct pf_flow_buckets *b, uint32_t max_flows,
                    uint32_t first);
void pf_buckets_free(struct pf_flow_buckets *b);

/* The first reference of bucket i's chain (UINT32_MAX: empty), and
 * setting it (an emptied chain's tags go with it). */
static inline uint32_t pf_bucket_get(const struct pf_flow_buckets *b,
                                     uint32_t i) {
  return ~b->head[i].first;
}
static inline void pf_bucket_set(struct pf_flow_buckets *b, uint32_t i,
                                 uint32_t ref) {
  b->head[i].first = ~ref;
  if (ref == UINT32_MAX)
    b->head[i].tags = 0;
}

/* A flow's bit among its bucket's tags: the hash's top 5 bits, which no
 * bucket index reaches (31 bits at most). */
static inline uint32_t pf_bucket_tag(uint64_t hash) {
  return 1u << (hash >> 59);
}

/* Bucket i's chain may hold the key of hash `hash` (else it does not). */
static inline int pf_bucket_may_hold(const struct pf_flow_buckets *b,
                                     uint32_t i, uint64_t hash) {
  return (b->head[i].tags >> (hash >> 59)) & 1; /* one bit test */
}

/* Bucket i's tags, all of them at once (the chain's flows' own, worked
 * out again: pf_bucket_retag in flow_table.c). */
static inline void pf_bucket_tags_set(struct pf_flow_buckets *b, uint32_t i,
                                      uint32_t tags) {
  b->head[i].tags = tags;
}

/* A flow of hash `hash` joins bucket i's chain. */
static inline void pf_bucket_tag_add(struct pf_flow_buckets *b, uint32_t i,
                                     uint64_t hash) {
  b->head[i].tags |= pf_bucket_tag(hash);
}

/* The bucket of a key whose hash is `hash`. */
static inline uint32_t pf_buckets_of(const struct pf_flow_buckets *b,
                                     uint64_t hash) {
  uint32_t i = (uint32_t)hash & b->low_mask;
  if (i < b->split)
    i = (uint32_t)hash & (2 * b->low_mask + 1);
  return i;
}

/* Whether a table of `flows` flows should split a bucket now: more flows
 * than buckets, and room to grow. */
static inline int pf_buckets_want_split(const struct pf_flow_buckets *b,
                                        uint64_t flows) {
  return flows > b->count && b->count < b->max;
}

/* Opens the next bucket: returns the bucket to divide; the new one is
 * the returned value + 2^L (as it was before the call), empty. The caller
 * then moves each entry of the divided chain whose pf_buckets_of is no
 * longer the divided bucket. */
uint32_t pf_buckets_split(struct pf_flow_buckets *b);

#endif
