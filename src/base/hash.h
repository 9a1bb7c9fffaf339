/* hash.h - the keyed hash every table and sketch uses, inline so that a
 * caller hashing a fixed-size key (a 4- or 16-byte address, a port, a flow
 * key) gets a version specialised to that length: no loop, no call.
 * pf_hash_bytes (below) is the same function out of line; both give the
 * same value for the same seed, bytes and length. */
#ifndef PCAPFLOW_HASH_H
#define PCAPFLOW_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* 64x64 -> 128-bit multiply, folded: the mixing step of the hash. */
static inline uint64_t pf_hash_mum(uint64_t a, uint64_t b) {
  __uint128_t r = (__uint128_t)a * b;
  return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t pf_hash_inline(const uint64_t seed[4], const void *data,
                                      size_t len) {
  const uint8_t *p = data;
  uint64_t h = seed[0] ^ (len * 0x9e3779b97f4a7c15ULL);
  uint64_t a, b;

  while (len >= 16) {
    memcpy(&a, p, 8);
    memcpy(&b, p + 8, 8);
    h = pf_hash_mum(a ^ seed[1], b ^ h);
    p += 16;
    len -= 16;
  }
  a = b = 0;
  if (len > 8) {
    memcpy(&a, p, 8);
    memcpy(&b, p + 8, len - 8);
  } else {
    memcpy(&a, p, len);
  }
  h = pf_hash_mum(a ^ seed[2], b ^ h ^ seed[3]);
  return pf_hash_mum(h ^ seed[1], 0x9e3779b97f4a7c15ULL ^ seed[2]);
}

/* The per-process random seed every table and sketch hashes with. */
void pf_hash_seed(uint64_t seed[4]);

/* pf_hash_inline out of line, for keys of any length. */
uint64_t pf_hash_bytes(const uint64_t seed[4], const void *data, size_t len);

/* An IPv4 (family 4) or IPv6 address: two specialised copies, one branch. */
static inline uint64_t pf_hash_addr(const uint64_t seed[4], uint8_t family,
                                    const uint8_t *addr) {
  return family == 4 ? pf_hash_inline(seed, addr, 4)
                     : pf_hash_inline(seed, addr, 16);
}

#endif
