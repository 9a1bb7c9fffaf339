/* feed_hash.h - the keyed hash of a flow's address in the interval feed
 * (epoch.c): one hash serves the address's distinct counts and its top
 * hosts key.
 *
 * An IPv4 address takes base/hash.h's hash of its 4 bytes. An IPv6
 * address's 16 bytes are two words mixed by one folded multiply and
 * finished by another, as wyhash does for 16 bytes; base/hash.h spends a
 * third multiply on the empty tail after a 16-byte round. The seed is the
 * process's (pf_hash_seed), as every sketch's, so workers' sketches merge
 * and nobody outside can aim keys at a register or a slot. */
#ifndef PCAPFLOW_SHARD_FEED_HASH_H
#define PCAPFLOW_SHARD_FEED_HASH_H

#include <stdint.h>
#include <string.h>

#include "base/hash.h"

/* alen: 4 or 16, a constant where inlined. */
static inline uint64_t pf_feed_hash_addr(const uint64_t seed[4],
                                         const uint8_t *addr, unsigned alen) {
  if (alen == 4)
    return pf_hash_inline(seed, addr, 4);
  uint64_t a, b;
  memcpy(&a, addr, 8);
  memcpy(&b, addr + 8, 8);
  uint64_t h = pf_hash_mum(a ^ seed[1], b ^ seed[0]);
  return pf_hash_mum(h ^ seed[2], 0x9e3779b97f4a7c15ULL ^ seed[3]);
}

/* The service last hashed, and its hash: a flood's flows, and most of a
 * link's, share a handful of services, and a hash is two multiplies. */
struct pf_feed_memo {
  uint32_t service; /* a service key's 4 bytes; UINT32_MAX (a pad byte
                       of 0xff, which no key has) before the first */
  uint64_t service_hash;
};

/* The keyed hash of a 4-byte service key (shard.h), through the memo. */
static inline uint64_t pf_feed_hash_service(const uint64_t seed[4],
                                            struct pf_feed_memo *m,
                                            const void *key) {
  uint32_t k;
  memcpy(&k, key, 4);
  if (k != m->service) {
    m->service = k;
    m->service_hash = pf_hash_inline(seed, key, 4);
  }
  return m->service_hash;
}

#endif
