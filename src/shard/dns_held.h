/* dns_held.h - the starts of DNS-over-TCP messages whose header or
 * question runs into the next segment, held until it comes (docs/
 * SERVICES.md, "DNS"): a TCP stack with a small MSS, or a client that
 * writes the length prefix and a few bytes apart, cuts a query after 3 or
 * more of its bytes, and without this it would not be read.
 *
 * Like the framing (dns_framing.h), the state lives in the shard, keyed by
 * the flow key's hash and the sender's side, with the sequence number the
 * next segment must start at: only that segment goes on with it. An entry
 * holds the message's first bytes, up to the end of its first question at
 * most (PF_DNS_HELD_BYTES: a header, a name of 255 bytes, its type and
 * class), never the rest: the counts and the match need no more.
 *
 * Fixed memory, allocated with the DNS analysis: PF_DNS_HELD_SLOTS entries
 * of 304 bytes (9.5 KiB a shard), in sets of PF_DNS_HELD_WAYS. A full set
 * gives up its least recent message (the caller counts it). */
#ifndef PCAPFLOW_SHARD_DNS_HELD_H
#define PCAPFLOW_SHARD_DNS_HELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PF_DNS_HELD_SLOTS 32
#define PF_DNS_HELD_WAYS 4
#define PF_DNS_HELD_BYTES (12 + 255 + 4 + 1) /* header, name, type, class */

struct pf_dns_held_entry {
  uint64_t key;      /* pf_dns_framing_key; 0: free */
  uint64_t last_us;  /* the shard's clock at its last segment */
  uint32_t next_seq; /* where the direction's next segment must start */
  uint16_t msg_len;  /* the message's length, as its prefix says */
  uint16_t len;      /* bytes held */
  bool trusted;      /* framing said it starts there (dns.c) */
  uint8_t bytes[PF_DNS_HELD_BYTES];
};

struct pf_dns_held {
  struct pf_dns_held_entry *slots;
  uint32_t held;
  uint64_t oldest_us; /* no entry was last fed before this */
};

/* Returns 0, or -1 with err. */
int pf_dns_held_init(struct pf_dns_held *h, char *err, size_t errlen);
void pf_dns_held_free(struct pf_dns_held *h);

/* The entry held for `key`, or NULL. */
struct pf_dns_held_entry *pf_dns_held_find(const struct pf_dns_held *h,
                                           uint64_t key);

/* Where a message of `key` goes: a free entry of its set, or its least
 * recent one, which the caller gives up (pf_dns_held_release) first. */
struct pf_dns_held_entry *pf_dns_held_claim(const struct pf_dns_held *h,
                                            uint64_t key);

/* Takes a free entry for `key`, empty. */
void pf_dns_held_take(struct pf_dns_held *h, struct pf_dns_held_entry *e,
                      uint64_t key, uint64_t now_us);

void pf_dns_held_release(struct pf_dns_held *h, struct pf_dns_held_entry *e);

/* Whether entry e was last fed less than `live_us` before now_us: live
 * (its rest may still come), else stale. */
static inline bool pf_dns_held_live(const struct pf_dns_held_entry *e,
                                    uint64_t now_us, uint64_t live_us) {
  return now_us - e->last_us < live_us;
}

/* An entry last fed `live_us` or more before now_us (any with UINT64_MAX),
 * or NULL. */
struct pf_dns_held_entry *pf_dns_held_stale(struct pf_dns_held *h,
                                            uint64_t now_us, uint64_t live_us);

#endif
