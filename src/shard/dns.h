/* dns.h - DNS on a shard's per-packet path (docs/SERVICES.md, "DNS").
 *
 * The packet's part (pf_dns_packet, in pf_prepare while libpcap lends the
 * frame) decides what the packet alone decides: whether it is DNS (UDP or
 * TCP, one of DnsPorts either side), its header and first question, read
 * bounded by the app parser; it counts the message by opcode, query type and
 * response code, truncated responses and malformed messages, offers a query's
 * registered domain to the interval's top list (summed per key,
 * top_batch.h), and queues only a transaction's 8 bytes for the flow's
 * part. The flow's part (pf_dns_flow, in pf_account, with the flow found)
 * matches responses to queries by flow and id (dns_pending.h) and gives the
 * latency sample. Non-DNS packets pay a comparison of their two ports with
 * DnsPorts' first, and with more ports a test against a 64-bit filter.
 *
 * DNS over TCP is framed segment by segment (dns_tcp.h): from where the
 * direction's last segment ended when that was inside a message (a
 * length prefix or a message split over segments; the state waits in
 * dns_framing.h), else from the segment's first byte; a message whose
 * header or question runs into the next segment has its start held
 * (dns_held.h) and is read there. A segment that continues a message
 * begun where framing cannot follow (before capture, after a gap), and a
 * held start whose rest does not come next, are counted as
 * `tcp_unframed`, never as malformed. */
#ifndef PCAPFLOW_SHARD_DNS_H
#define PCAPFLOW_SHARD_DNS_H

#include <stdbool.h>
#include <stdint.h>

#include "app/dns.h"
#include "packet/decode.h"
#include "pcapflow/config.h"
#include "shard/dns_framing.h"
#include "shard/dns_held.h"
#include "shard/dns_pending.h"
#include "sketch/latency_hist.h"
#include "sketch/top_batch.h"

/* Query types counted one by one: 0..258 (collectd's table goes to AVC,
 * 258), TA (32768), DLV (32769), and one slot for every other type, so the
 * series stay bounded whatever the traffic. */
#define PF_DNS_QTYPE_TA_SLOT 259
#define PF_DNS_QTYPE_DLV_SLOT 260
#define PF_DNS_QTYPE_OTHER_SLOT 261
#define PF_DNS_QTYPE_SLOTS 262

/* Messages a TCP segment may give; more are skipped (bounded work). */
#define PF_DNS_TCP_MESSAGES 8

/* Cumulative counts of a shard (64-bit, monotonic). */
struct pf_dns_stats {
  uint64_t messages[2]; /* queries, responses */
  uint64_t octets[2];   /* their bytes on the wire (collectd's dns_octets) */
  uint64_t qtype[PF_DNS_QTYPE_SLOTS];   /* queries */
  uint64_t opcode[16];                  /* queries and responses */
  uint64_t rcode[16];                   /* responses, the header's 4 bits */
  uint64_t truncated;                   /* responses with TC */
  uint64_t malformed[PF_DNS_ERR_COUNT]; /* by pf_dns_err; [0]: cut by the
                                           capture before the question */
  uint64_t tcp_unframed; /* TCP segments that do not start a message, and
                            messages whose question's rest never came */
};

/* A registered domain as a top-N key: its first 43 bytes (a longer one,
 * rare, is reported cut: two that share those bytes share a key). */
struct pf_dns_domain_key {
  uint8_t len;
  char text[PF_TOPN_KEY_MAX - 1];
};

/* What the flow's part needs of a DNS message: 8 bytes in the queue. */
struct pf_dns_queued {
  uint32_t qhash;
  uint16_t id;
  uint8_t kind; /* PF_DNS_QUEUED_* */
  uint8_t more; /* further messages of its segment, in pf_dns_shard.more */
};

/* The further messages of the TCP segments queued (pipelining, RFC 7766
 * 6.2.1.1): at most PF_DNS_TCP_MESSAGES a queued packet (a segment that
 * completes a held message, then frames as many more), taken in the
 * order they came, so a ring for a full queue of them (shard.h asserts
 * it) never overflows. 2 KiB a shard. */
#define PF_DNS_MORE_SLOTS 256

#define PF_DNS_QUEUED_NONE 0
#define PF_DNS_QUEUED_QUERY 1
#define PF_DNS_QUEUED_RESPONSE 2

struct pf_dns_shard {
  /* What turns a packet on another port away in a few instructions:
   * DnsPorts' first port, compared with both; with more ports, a filter
   * with bit p % 64 set for each port p, so that their number does not
   * add to the work. Without DnsAnalysis: port 0 (a candidate of that
   * port is then turned away by cfg.analysis) and no filter. */
  uint16_t port0;
  bool more_ports;
  uint64_t port_filter;
  struct pf_dns_config cfg; /* cfg.analysis false: nothing below is used */
  struct pf_dns_stats stats;
  struct pf_dns_pending pending; /* with cfg.latency */
  struct pf_dns_framing framing; /* TCP segments that end inside a message */
  struct pf_dns_held held;       /* ... inside its header or question */
  uint64_t seed[4];
  struct pf_dns_queued more[PF_DNS_MORE_SLOTS];
  uint32_t more_head, more_tail; /* [head, tail) wait, modulo the slots */
};

/* Where the packet's part offers a query's registered domain: the current
 * interval's sketch, through the current feed's batch. */
struct pf_dns_top {
  struct pf_top_batch *batch;
  struct pf_topn *top;
};

/* What the packet's part knows of a packet besides its bytes. */
struct pf_dns_where {
  const struct pf_dns_top *top;
  uint64_t flow_hash; /* its flow key's hash (pf_flow_probe) */
  uint64_t now_us;    /* the shard's clock */
  uint32_t seq;       /* TCP: its sequence number (read here) */
  uint8_t side;       /* the sender's side in the flow key */
};

int pf_dns_shard_init(struct pf_dns_shard *d, const struct pf_dns_config *cfg,
                      char *err, size_t errlen);
void pf_dns_shard_free(struct pf_dns_shard *d);

/* Whether port is one of DnsPorts (at most PF_MAX_DNS_PORTS compares). */
static inline bool pf_dns_port(const struct pf_dns_shard *d, uint16_t port) {
  for (unsigned i = 0; i < d->cfg.n_ports; i++)
    if (d->cfg.ports[i] == port)
      return true;
  return false;
}

/* Whether a port of the packet may be one of DnsPorts: true for all of
 * them, and for few others (1 in 32 random port pairs with more than one
 * port). */
static inline bool pf_dns_port_candidate(const struct pf_dns_shard *d,
                                         const struct pf_packet *pkt) {
  if (pkt->src_port == d->port0 || pkt->dst_port == d->port0)
    return true;
  if (!d->more_ports)
    return false;
  uint64_t f = (d->port_filter >> (pkt->src_port & 63)) |
               (d->port_filter >> (pkt->dst_port & 63));
  return f & 1;
}

/* Whether the packet is for the DNS analysis: a UDP or TCP header with one
 * of DnsPorts on either side. */
static inline bool pf_dns_wanted(const struct pf_dns_shard *d,
                                 const struct pf_packet *pkt) {
  /* The ports first: almost every packet fails there, in a few
   * instructions. Ports without has_ports are not believed. */
  return pf_dns_port_candidate(d, pkt) && d->cfg.analysis && pkt->has_ports &&
         !pkt->later_fragment &&
         (pkt->l4 == PF_L4_UDP || pkt->l4 == PF_L4_TCP) &&
         (pf_dns_port(d, pkt->src_port) || pf_dns_port(d, pkt->dst_port));
}

/* The packet's part: counts the DNS messages of a wanted packet, offers
 * its queries' domains to w->top, and fills *out for the flow's part. */
void pf_dns_packet(struct pf_dns_shard *d, const struct pf_packet *pkt,
                   const struct pf_dns_where *w, struct pf_dns_queued *out);

/* The packet's part for a TCP segment's payload (`wire_len` bytes on the
 * wire, what was captured of them in payload; w->seq its first byte's
 * sequence number): pf_dns_packet's TCP half, the fuzz harness's way in. */
void pf_dns_tcp_segment(struct pf_dns_shard *d, const struct pf_bytes *payload,
                        uint32_t wire_len, const struct pf_dns_where *w,
                        struct pf_dns_queued *out);

/* The flow's part: a query waits for its response, a response that finds
 * its query adds its latency to `latency`; then the same for each further
 * message of q's segment. gen is the flow's first32. */
void pf_dns_flow(struct pf_dns_shard *d, uint32_t flow, uint32_t gen,
                 const struct pf_dns_queued *q, uint64_t now_us, uint64_t ts_us,
                 struct pf_hist *latency);

/* Message starts held DnsTimeout or more before now_us (all of them with
 * UINT64_MAX) given up, counted tcp_unframed. */
void pf_dns_held_expire(struct pf_dns_shard *d, uint64_t now_us);

/* At a batch's end: queries past DnsTimeout are counted unanswered, and
 * message starts whose rest did not come in that time unframed. */
static inline void pf_dns_tick(struct pf_dns_shard *d, uint64_t now_us) {
  if (d->pending.ring)
    pf_dns_pending_tick(&d->pending, now_us);
  if (d->held.held)
    pf_dns_held_expire(d, now_us);
}

#endif
