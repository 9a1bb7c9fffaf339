/* shard_queue.c - the few packets a shard holds between decoding and
 * accounting, so that flow-table memory is fetched ahead of use.
 *
 * With a million flows every packet's bucket is a cache miss, and
 * accounting waits on them one after the other. Queued, a packet's bucket
 * is requested when it arrives and it is accounted PF_SHARD_QUEUE_DEPTH
 * packets later, by when the bucket is in cache. libpcap lends a frame
 * only for its callback, so the queue keeps copies of the bytes the
 * accounting reads.
 *
 * Fetching the head of the bucket's chain too, half a queue ahead, was
 * measured and left out: a little faster through pcapflow-replay, but
 * slower with two shards on two threads (docs/PERFORMANCE.md). */
#include "pcapflow/shard.h"

#include <string.h>

/* Copies the packet and repoints it at the copies of what accounting reads
 * after the probe: the addresses and the fixed TCP header. The Ethernet
 * source was only needed for the direction, already decided. */
static void pf_queue_copy(struct pf_queued_packet *q,
                          const struct pf_packet *pkt) {
  q->pkt = *pkt;
  q->pkt.eth_src = NULL;
  q->pkt.src_ip = q->pkt.dst_ip = NULL;
  /* Addresses mean something only when l3 says IPv4 or IPv6 (decode.h);
   * a malformed packet's may point at bytes never captured. */
  /* Fixed sizes in each branch: inlined moves, not a copy loop. */
  if (pkt->l3 == PF_L3_IPV4) {
    memcpy(q->src_ip, pkt->src_ip, 4);
    memcpy(q->dst_ip, pkt->dst_ip, 4);
  } else if (pkt->l3 == PF_L3_IPV6) {
    memcpy(q->src_ip, pkt->src_ip, 16);
    memcpy(q->dst_ip, pkt->dst_ip, 16);
  }
  if (pkt->l3 == PF_L3_IPV4 || pkt->l3 == PF_L3_IPV6) {
    q->pkt.src_ip = q->src_ip;
    q->pkt.dst_ip = q->dst_ip;
  }
  if (pkt->l4_hdr) {
    /* Only the readable bytes, and l4_len says how many there are: a
     * check for "at least 20" answers as it did on the frame. */
    if (pkt->l4_len >= PF_QUEUED_L4_BYTES) {
      memcpy(q->l4, pkt->l4_hdr, PF_QUEUED_L4_BYTES);
      q->pkt.l4_len = PF_QUEUED_L4_BYTES;
    } else {
      memcpy(q->l4, pkt->l4_hdr, pkt->l4_len);
    }
    q->pkt.l4_hdr = q->l4;
  }
}

static struct pf_queued_packet *pf_queue_at(struct pf_shard *s, unsigned k) {
  return &s->queue[(s->queue_head + k) % PF_SHARD_QUEUE_DEPTH];
}

static void pf_queue_account_oldest(struct pf_shard *s) {
  struct pf_queued_packet *q = pf_queue_at(s, 0);
  pf_shard_account(s, &q->pkt, &q->probe, (enum pf_dir)q->dir,
                   (enum pf_locality)q->locality, q->ts_us);
  s->queue_head = (s->queue_head + 1) % PF_SHARD_QUEUE_DEPTH;
  s->queue_len--;
}

void pf_shard_enqueue(struct pf_shard *s, const struct pf_packet *pkt,
                      enum pf_dir dir, enum pf_locality locality,
                      uint64_t ts_us) {
  if (s->queue_len == PF_SHARD_QUEUE_DEPTH)
    pf_queue_account_oldest(s);
  struct pf_queued_packet *q = pf_queue_at(s, s->queue_len);
  s->queue_len++;
  /* The key is made from the frame itself, as pf_shard_packet does. */
  pf_flow_table_probe(&s->flows, pkt, &q->probe);
  pf_queue_copy(q, pkt);
  q->dir = (uint8_t)dir;
  q->locality = (uint8_t)locality;
  q->ts_us = ts_us;
}

void pf_shard_drain(struct pf_shard *s) {
  while (s->queue_len > 0)
    pf_queue_account_oldest(s);
}
