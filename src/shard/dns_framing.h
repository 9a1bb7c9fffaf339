/* dns_framing.h - where DNS-over-TCP framing stands in each direction of
 * the TCP flows on a DNS port whose last segment ended inside a message
 * (a length prefix split, a message continued), so that the next segment
 * is framed from there rather than from its first byte (app/dns_tcp.h).
 *
 * The packet's part frames segments while libpcap lends the frame, before
 * the flow is found, so the state cannot live in the flow's entry or TCP
 * record (both are full); it lives here, in a small table of the shard,
 * keyed by what the packet's part has: the hash of the flow's key and the
 * sender's side. The TCP sequence number is its generation: a state is
 * used only by the segment that starts where the last one ended, so a gap
 * (loss, retransmission, reordering), a reused port pair or a colliding
 * hash frames from the first byte again, as without state. Directions at
 * a message boundary (almost all) take no entry.
 *
 * Fixed memory, allocated with the DNS analysis: PF_DNS_FRAMING_SLOTS
 * entries of 24 bytes (24 KiB a shard), in sets of PF_DNS_FRAMING_WAYS. A
 * full set gives up its least recent state; one still live (younger than
 * DnsTimeout by the shard's clock) is counted as evicted. */
#ifndef PCAPFLOW_SHARD_DNS_FRAMING_H
#define PCAPFLOW_SHARD_DNS_FRAMING_H

#include <stddef.h>
#include <stdint.h>

#include "app/dns_tcp.h"

#define PF_DNS_FRAMING_SLOTS 1024
#define PF_DNS_FRAMING_WAYS 4

struct pf_dns_framing_entry {
  uint64_t key;      /* pf_dns_framing_key; 0: free */
  uint64_t last_us;  /* the shard's clock at its last segment */
  uint32_t next_seq; /* where the direction's next segment must start */
  struct pf_dns_tcp st;
};

struct pf_dns_framing {
  struct pf_dns_framing_entry *slots;
  uint64_t live_us; /* a state younger than this is live (DnsTimeout) */
  uint64_t evicted; /* live states given up for another: cumulative */
};

/* The key of one direction of a flow: its key's hash and the sender's
 * side; never 0. */
static inline uint64_t pf_dns_framing_key(uint64_t flow_hash, unsigned side) {
  uint64_t k = (flow_hash & ~(uint64_t)1) | (side & 1);
  return k ? k : 2;
}

/* Returns 0, or -1 with err. */
int pf_dns_framing_init(struct pf_dns_framing *f, uint32_t timeout_s, char *err,
                        size_t errlen);
void pf_dns_framing_free(struct pf_dns_framing *f);

/* The state for the segment of direction `key` that starts at `seq`: the
 * one its last segment left if that ended at seq, else a fresh one. */
void pf_dns_framing_get(const struct pf_dns_framing *f, uint64_t key,
                        uint32_t seq, struct pf_dns_tcp *st);

/* After that segment: `st` is kept for a segment at next_seq when it is
 * inside a message, and forgotten at a message boundary. */
void pf_dns_framing_put(struct pf_dns_framing *f, uint64_t key,
                        uint32_t next_seq, uint64_t now_us,
                        const struct pf_dns_tcp *st);

#endif
