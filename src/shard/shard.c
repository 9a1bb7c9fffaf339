/* shard.c - one capture thread's state: its set-up, the interval
 * sketches, and the end of a batch (shard.h). */
#include "shard/shard.h"

#include "base/err.h"
#include "base/hash.h"
#include "shard/epoch.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Closing work per batch, in pool entries swept or listed flows gone
 * through (epoch.c), each at most one flow's feed: per packet of the
 * batch, plus a floor; an idle wake-up (no packets) does more. A million
 * entries are swept in 30 ms or so. */
#define PF_CLOSE_PER_PACKET 16
#define PF_CLOSE_BASE 4096
#define PF_CLOSE_IDLE 262144

/* ---- interval sketches ---- */

static const uint32_t pf_top_key_len[PF_TOP_KIND_COUNT] = {
    [PF_TOP_HOSTS] = sizeof(struct pf_host_key),
    [PF_TOP_PORTS] = sizeof(struct pf_service_key),
    [PF_TOP_FLOWS] = sizeof(struct pf_flow_key),
};

/* pf_interval_init on memory already zeroed: the sketches' tables, and
 * no pass over the interval's own 93 KB (its distinct counts, histograms
 * and evidence start as zeros). */
static int pf_interval_start(struct pf_interval *iv, uint32_t top_capacity,
                             char *err, size_t errlen) {
  for (int k = 0; k < PF_TOP_KIND_COUNT; k++) {
    if (pf_topn_init(&iv->top[k], top_capacity, pf_top_key_len[k], err,
                     errlen) != 0) {
      pf_interval_free(iv);
      return -1;
    }
  }
  if (pf_topn_init(&iv->dns_domains, top_capacity,
                   sizeof(struct pf_dns_domain_key), err, errlen) != 0 ||
      pf_topn_init(&iv->tls_names, top_capacity, sizeof(struct pf_tls_name_key),
                   err, errlen) != 0) {
    pf_interval_free(iv);
    return -1;
  }
  return 0;
}

int pf_interval_init(struct pf_interval *iv, uint32_t top_capacity, char *err,
                     size_t errlen) {
  memset(iv, 0, sizeof(*iv));
  return pf_interval_start(iv, top_capacity, err, errlen);
}

void pf_interval_reset(struct pf_interval *iv) {
  for (int k = 0; k < PF_TOP_KIND_COUNT; k++)
    pf_topn_reset(&iv->top[k]);
  pf_hll_reset(&iv->src_hosts);
  pf_hll_reset(&iv->dst_hosts);
  pf_hll_reset(&iv->dst_ports);
  pf_tcp_interval_reset(&iv->tcp);
  pf_anomaly_reset(&iv->anomaly);
  pf_hist_reset(&iv->dns_latency);
  pf_topn_reset(&iv->dns_domains);
  pf_topn_reset(&iv->tls_names);
}

void pf_interval_merge(struct pf_interval *dst, const struct pf_interval *src) {
  for (int k = 0; k < PF_TOP_KIND_COUNT; k++)
    pf_topn_merge(&dst->top[k], &src->top[k]);
  pf_hll_merge(&dst->src_hosts, &src->src_hosts);
  pf_hll_merge(&dst->dst_hosts, &src->dst_hosts);
  pf_hll_merge(&dst->dst_ports, &src->dst_ports);
  pf_tcp_interval_merge(&dst->tcp, &src->tcp);
  pf_anomaly_merge(&dst->anomaly, &src->anomaly);
  pf_hist_merge(&dst->dns_latency, &src->dns_latency);
  pf_topn_merge(&dst->dns_domains, &src->dns_domains);
  pf_topn_merge(&dst->tls_names, &src->tls_names);
}

void pf_interval_free(struct pf_interval *iv) {
  for (int k = 0; k < PF_TOP_KIND_COUNT; k++)
    pf_topn_free(&iv->top[k]);
  pf_topn_free(&iv->dns_domains);
  pf_topn_free(&iv->tls_names);
}

/* ---- the shard ---- */

/* The longest anything waits on the shard's clock, plus a second: a step of
 * the clock past it expires every flow and every SYN it ever could, so the
 * clock need not believe a longer one (packet_clock.h). */
static uint64_t pf_longest_wait_us(const struct pf_shard_config *cfg) {
  const struct pf_flow_timeouts *to = &cfg->timeouts;
  uint32_t s[] = {
      to->tcp_s,    to->tcp_closed_s,      to->udp_s, to->icmp_s, to->other_s,
      to->active_s, cfg->tcp_syn_timeout_s};
  uint64_t longest = 0;
  for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
    if (s[i] > longest)
      longest = s[i];
  return (longest + 1) * 1000000u;
}

static int pf_shard_intervals(struct pf_shard *s, uint32_t top_capacity,
                              char *err, size_t errlen) {
  for (int i = 0; i < 3; i++) {
    s->ivs[i] = calloc(1, sizeof(*s->ivs[i])); /* zeroed: started as is */
    if (!s->ivs[i])
      return pf_err(err, errlen, "out of memory for interval sketches");
    if (pf_interval_start(s->ivs[i], top_capacity, err, errlen) != 0)
      return -1;
  }
  s->feed[0].iv = s->cur = s->ivs[0];
  return 0;
}

/* Zeroes the shard but for its feeds' top batches, whose entries are
 * written before they are read: pf_top_batch_init sets the rest of each.
 * 780 KB of the shard's 811 that start-up wrote for nothing (callgrind
 * counts memset's `rep stosb` a byte at a time: 4 instructions a frame of
 * a 200,000-frame replay). */
static void pf_shard_zero(struct pf_shard *s) {
  /* What is left unzeroed is exactly the batches: a field added between
   * them, or between the feeds and fcur, would be left too. */
  PF_STATIC_ASSERT(offsetof(struct pf_feed, top_batch) ==
                           sizeof(struct pf_interval *) &&
                       offsetof(struct pf_feed, dns_batch) ==
                           offsetof(struct pf_feed, top_batch) +
                               sizeof(((struct pf_feed *)0)->top_batch) &&
                       offsetof(struct pf_feed, tls_batch) ==
                           offsetof(struct pf_feed, dns_batch) +
                               sizeof(struct pf_top_batch) &&
                       offsetof(struct pf_feed, gen) ==
                           offsetof(struct pf_feed, tls_batch) +
                               sizeof(struct pf_top_batch),
                   "a feed is its interval, its batches, then gen");
  PF_STATIC_ASSERT(offsetof(struct pf_shard, fcur) ==
                       offsetof(struct pf_shard, feed) +
                           sizeof(((struct pf_shard *)0)->feed),
                   "fcur follows the feeds");
  memset(s, 0, offsetof(struct pf_shard, feed));
  for (int f = 0; f < 2; f++) {
    struct pf_feed *fd = &s->feed[f];
    fd->iv = NULL;
    memset(&fd->gen, 0, sizeof(*fd) - offsetof(struct pf_feed, gen));
  }
  memset(&s->fcur, 0, sizeof(*s) - offsetof(struct pf_shard, fcur));
  for (int f = 0; f < 2; f++) {
    struct pf_feed *fd = &s->feed[f];
    for (int k = 0; k < PF_TOP_KIND_COUNT; k++)
      pf_top_batch_init(&fd->top_batch[k], pf_top_key_len[k]);
    pf_top_batch_init(&fd->dns_batch, sizeof(struct pf_dns_domain_key));
    pf_top_batch_init(&fd->tls_batch, sizeof(struct pf_tls_name_key));
  }
}

int pf_shard_init(struct pf_shard *s, const struct pf_shard_config *cfg,
                  char *err, size_t errlen) {
  pf_shard_zero(s);
  if (pf_shard_intervals(s, cfg->top_capacity, err, errlen) != 0 ||
      pf_flow_table_init(&s->flows, cfg->max_flows, &cfg->timeouts, err,
                         errlen) != 0 ||
      (cfg->tcp_analysis &&
       pf_flow_table_enable_tcp(&s->flows, cfg->tcp_syn_timeout_s,
                                cfg->tcp_timing, err, errlen) != 0) ||
      (cfg->tcp_analysis && cfg->tcp_timing &&
       pf_port_latency_alloc(&s->ports, cfg->port_timing_ports, err, errlen) !=
           0) ||
      pf_dns_shard_init(&s->dns, &cfg->dns, err, errlen) != 0 ||
      pf_tls_shard_init(&s->tls, &cfg->tls, s->flows.tcp.conns != NULL, err,
                        errlen) != 0 ||
      pf_epoch_init(s, cfg->max_flows, err, errlen) != 0) {
    pf_shard_free(s);
    return -1;
  }
  s->flows.ended = pf_epoch_flow_ended;
  s->flows.ended_ctx = s;
  pf_packet_clock_init(&s->clock, pf_longest_wait_us(cfg));
  s->host_prefix[0] = cfg->host_prefix_v4;
  s->host_prefix[1] = cfg->host_prefix_v6;
  s->skip_flows = cfg->skip_flows;
  s->skip_distinct = cfg->skip_distinct;
  memcpy(s->skip_top, cfg->skip_top, sizeof(s->skip_top));
  s->skip_feed = s->skip_distinct && s->skip_top[PF_TOP_HOSTS] &&
                 s->skip_top[PF_TOP_PORTS] && s->skip_top[PF_TOP_FLOWS] &&
                 !s->tls.top;
  pf_hash_seed(s->seed);
  return 0;
}

void pf_shard_free(struct pf_shard *s) {
  s->flows.ended = NULL; /* nothing to feed any more */
  pf_flow_table_free(&s->flows);
  for (int i = 0; i < 3; i++) {
    if (s->ivs[i])
      pf_interval_free(s->ivs[i]);
    free(s->ivs[i]);
    s->ivs[i] = NULL;
  }
  s->cur = NULL;
  pf_class_counters_free(&s->classes);
  pf_port_latency_free(&s->ports);
  pf_dns_shard_free(&s->dns);
  pf_tls_shard_free(&s->tls);
  pf_epoch_free(s);
}

void pf_shard_batch_end(struct pf_shard *s) {
  pf_shard_drain(s);
  /* SYNs past their timeout by the batch's last packet: a waiting flow
   * that sent within the batch counted its own (pf_tcp_wait_over), so once
   * a batch is enough. */
  pf_tcp_tick(&s->flows, s->clock.now_us);
  pf_dns_tick(&s->dns, s->clock.now_us);
  pf_tls_tick(&s->tls, s->clock.now_us);
  uint32_t n = s->batch_packets;
  s->batch_packets = 0;
  pf_epoch_close_step(s, n ? PF_CLOSE_BASE + PF_CLOSE_PER_PACKET * n
                           : PF_CLOSE_IDLE);
}

void pf_shard_expire(struct pf_shard *s, uint64_t now_us, unsigned budget) {
  pf_shard_drain(s); /* expiry must see every packet before it */
  pf_packet_clock_advance(&s->clock, now_us);
  pf_tcp_tick(&s->flows, s->clock.now_us);
  pf_dns_tick(&s->dns, s->clock.now_us);
  pf_tls_tick(&s->tls, s->clock.now_us);
  pf_flow_table_expire(&s->flows, s->clock.now_us, budget);
}

void pf_shard_expire_all(struct pf_shard *s, uint64_t now_us) {
  pf_shard_drain(s);
  pf_packet_clock_advance(&s->clock, now_us);
  pf_tcp_tick(&s->flows, s->clock.now_us);
  pf_dns_tick(&s->dns, s->clock.now_us);
  pf_dns_held_expire(&s->dns, UINT64_MAX); /* no rest will come */
  pf_tls_tick(&s->tls, UINT64_MAX);
  pf_flow_table_expire_all(&s->flows, s->clock.now_us);
}
