/* shard.c - one capture thread's pipeline after decoding: counters, flows,
 * and this interval's heavy hitters and distinct counts. */
#include "shard/shard.h"

#include "base/hash.h"
#include "shard/packet_counters.h"

#include <stdlib.h>
#include <string.h>

/* ---- interval sketches ---- */

static const uint32_t pf_top_key_len[PF_TOP_KIND_COUNT] = {
    [PF_TOP_HOSTS] = sizeof(struct pf_host_key),
    [PF_TOP_PORTS] = sizeof(struct pf_service_key),
    [PF_TOP_FLOWS] = sizeof(struct pf_flow_key),
};

int pf_interval_init(struct pf_interval *iv, uint32_t top_capacity, char *err,
                     size_t errlen) {
  memset(iv, 0, sizeof(*iv));
  for (int k = 0; k < PF_TOP_KIND_COUNT; k++) {
    if (pf_topn_init(&iv->top[k], top_capacity, pf_top_key_len[k], err,
                     errlen) != 0) {
      pf_interval_free(iv);
      return -1;
    }
  }
  return 0;
}

void pf_interval_reset(struct pf_interval *iv) {
  for (int k = 0; k < PF_TOP_KIND_COUNT; k++)
    pf_topn_reset(&iv->top[k]);
  pf_hll_reset(&iv->src_hosts);
  pf_hll_reset(&iv->dst_hosts);
  pf_hll_reset(&iv->dst_ports);
  pf_tcp_interval_reset(&iv->tcp);
  pf_anomaly_reset(&iv->anomaly);
}

void pf_interval_merge(struct pf_interval *dst, const struct pf_interval *src) {
  for (int k = 0; k < PF_TOP_KIND_COUNT; k++)
    pf_topn_merge(&dst->top[k], &src->top[k]);
  pf_hll_merge(&dst->src_hosts, &src->src_hosts);
  pf_hll_merge(&dst->dst_hosts, &src->dst_hosts);
  pf_hll_merge(&dst->dst_ports, &src->dst_ports);
  pf_tcp_interval_merge(&dst->tcp, &src->tcp);
  pf_anomaly_merge(&dst->anomaly, &src->anomaly);
}

void pf_interval_free(struct pf_interval *iv) {
  for (int k = 0; k < PF_TOP_KIND_COUNT; k++)
    pf_topn_free(&iv->top[k]);
}

/* ---- the shard ---- */

int pf_shard_init(struct pf_shard *s, const struct pf_shard_config *cfg,
                  char *err, size_t errlen) {
  memset(s, 0, sizeof(*s));
  s->cur = calloc(1, sizeof(*s->cur));
  s->spare = calloc(1, sizeof(*s->spare));
  if (!s->cur || !s->spare ||
      pf_interval_init(s->cur, cfg->top_capacity, err, errlen) != 0 ||
      pf_interval_init(s->spare, cfg->top_capacity, err, errlen) != 0 ||
      pf_flow_table_init(&s->flows, cfg->max_flows, &cfg->timeouts, err,
                         errlen) != 0 ||
      (cfg->tcp_analysis &&
       pf_flow_table_enable_tcp(&s->flows, cfg->tcp_syn_timeout_s, err,
                                errlen) != 0)) {
    pf_shard_free(s);
    return -1;
  }
  for (int k = 0; k < PF_TOP_KIND_COUNT; k++)
    pf_top_batch_init(&s->top_batch[k], pf_top_key_len[k]);
  s->host_prefix[0] = cfg->host_prefix_v4;
  s->host_prefix[1] = cfg->host_prefix_v6;
  pf_hash_seed(s->seed);
  return 0;
}

void pf_shard_free(struct pf_shard *s) {
  if (s->cur)
    pf_interval_free(s->cur);
  if (s->spare)
    pf_interval_free(s->spare);
  free(s->cur);
  free(s->spare);
  s->cur = s->spare = NULL;
  pf_flow_table_free(&s->flows);
  pf_class_counters_free(&s->classes);
}

void pf_shard_batch_end(struct pf_shard *s) {
  pf_shard_drain(s);
  for (int k = 0; k < PF_TOP_KIND_COUNT; k++)
    pf_top_batch_flush(&s->top_batch[k], &s->cur->top[k]);
}

struct pf_interval *pf_shard_swap_interval(struct pf_shard *s) {
  pf_shard_batch_end(s);
  struct pf_interval *done = s->cur;
  s->cur = s->spare; /* the reader cleaned it after the previous swap */
  s->spare = done;
  return done;
}

/* The host an address belongs to, aggregated to the configured prefix.
 * Returns true when the prefix is the whole address (key->addr == addr). */
static bool pf_host_key_of(const struct pf_shard *s, uint8_t family,
                           const uint8_t *addr, struct pf_host_key *key) {
  memset(key, 0, sizeof(*key));
  unsigned bytes = family == 4 ? 4 : 16;
  unsigned prefix = s->host_prefix[family == 4 ? 0 : 1];
  key->family = family;
  key->prefix = (uint8_t)prefix;
  if (prefix == bytes * 8) {
    memcpy(key->addr, addr, bytes);
    return true;
  }
  for (unsigned i = 0; i < bytes && i * 8 < prefix; i++) {
    unsigned bits = prefix - i * 8;
    key->addr[i] =
        bits >= 8 ? addr[i] : (uint8_t)(addr[i] & (0xff << (8 - bits)));
  }
  return false;
}

/* The service a flow is about: the port of the side that did not start it,
 * or, when capture began mid-connection, the lower port. */
static void pf_service_key_of(const struct pf_flow *f,
                              struct pf_service_key *key) {
  memset(key, 0, sizeof(*key));
  key->proto = f->key.proto;
  if (f->initiator >= 0)
    key->port = f->key.port[1 - f->initiator];
  else
    key->port =
        f->key.port[0] < f->key.port[1] ? f->key.port[0] : f->key.port[1];
  if (f->key.proto == PF_IPPROTO_ICMP || f->key.proto == PF_IPPROTO_ICMPV6)
    key->port = 0; /* ICMP echo ids are not services */
}

void pf_shard_packet(struct pf_shard *s, const struct pf_packet *pkt,
                     enum pf_dir dir, enum pf_locality locality,
                     uint64_t ts_us) {
  struct pf_flow_probe p;
  pf_flow_table_probe(&s->flows, pkt, &p);
  pf_shard_account(s, pkt, &p, dir, locality, ts_us);
}

void pf_shard_account(struct pf_shard *s, const struct pf_packet *pkt,
                      const struct pf_flow_probe *p, enum pf_dir dir,
                      enum pf_locality locality, uint64_t ts_us) {
  pf_counters_add(&s->counters, pkt, dir, locality);
  unsigned rule_class = pf_class_counters_add(&s->classes, pkt, dir);
  /* Every packet moves packet time on, whether or not it has a flow. */
  if (ts_us > s->now_us)
    s->now_us = ts_us;
  if (pkt->l3 != PF_L3_IPV4 && pkt->l3 != PF_L3_IPV6)
    return;

  struct pf_flow_update up =
      pf_flow_table_account(&s->flows, p, pkt, s->now_us);
  if (up.created)
    pf_class_counters_flow(&s->classes, up.flow, rule_class);
  struct pf_interval *iv = s->cur;
  if (s->flows.tcp.conns) {
    /* TCP analysis, and the evidence of SYN floods and port scans. */
    bool completed = false, new_udp = up.created && pkt->l4 == PF_L4_UDP;
    if (pkt->l4 == PF_L4_TCP) {
      uint64_t done = s->flows.tcp.stats.completed;
      pf_tcp_tick(&s->flows.tcp, s->now_us);
      pf_tcp_packet(&s->flows.tcp, &up.flow->tcp_ext, up.side, pkt, s->now_us,
                    &iv->tcp);
      completed = s->flows.tcp.stats.completed != done;
      if (completed) /* its handshake latency, by the flow's class */
        pf_class_counters_handshake(&s->classes, up.flow, &s->flows.tcp,
                                    s->now_us);
    }
    if (completed || new_udp || (pkt->tcp_flags & PF_TCP_SYN))
      pf_anomaly_packet(&iv->anomaly, s->seed, pkt, new_udp, completed);
  }
  uint64_t len = pkt->wire_len;
  uint8_t family = pkt->l3 == PF_L3_IPV4 ? 4 : 6;

  /* Each address is hashed once: the distinct count and, when hosts are
   * not aggregated, the top hosts' batch share the hash. */
  uint64_t src_hash = pf_hash_addr(s->seed, family, pkt->src_ip);
  pf_hll_add(&iv->src_hosts, src_hash);
  pf_hll_add(&iv->dst_hosts, pf_hash_addr(s->seed, family, pkt->dst_ip));

  struct pf_host_key host;
  bool whole = pf_host_key_of(s, family, pkt->src_ip, &host);
  pf_top_batch_add(&s->top_batch[PF_TOP_HOSTS], &iv->top[PF_TOP_HOSTS],
                   whole ? src_hash : pf_hash_addr(s->seed, family, host.addr),
                   &host, dir, len);

  struct pf_service_key service;
  pf_service_key_of(up.flow, &service);
  pf_top_batch_add(&s->top_batch[PF_TOP_PORTS], &iv->top[PF_TOP_PORTS],
                   pf_hash_inline(s->seed, &service, sizeof(service)), &service,
                   dir, len);

  uint32_t flow = (uint32_t)(up.flow - s->flows.flows);
  pf_top_batch_add_flow(&s->top_batch[PF_TOP_FLOWS], &iv->top[PF_TOP_FLOWS],
                        pf_hash_inline(s->seed, &flow, sizeof(flow)), flow,
                        up.created, &up.flow->key, dir, len);

  if (pkt->has_ports) {
    uint32_t port = (uint32_t)pkt->ip_proto << 16 | pkt->dst_port;
    pf_hll_add(&iv->dst_ports, pf_hash_inline(s->seed, &port, sizeof(port)));
  }
}

/* ---- the packet queue ---- */

/* The few packets a shard holds between decoding and accounting, so that
 * flow-table memory is fetched ahead of use.
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

void pf_shard_expire(struct pf_shard *s, uint64_t now_us, unsigned budget) {
  pf_shard_drain(s); /* expiry must see every packet before it */
  if (now_us > s->now_us)
    s->now_us = now_us;
  pf_tcp_tick(&s->flows.tcp, s->now_us);
  pf_flow_table_expire(&s->flows, s->now_us, budget);
}
