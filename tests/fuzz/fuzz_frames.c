/* fuzz_frames.c - libFuzzer harness: arbitrary frames of every supported
 * link type through the per-packet path (decode, direction, counters; the
 * flow table when there is one), checking what the engine promises.
 *
 * Input layout: frame_input.h. Besides ASan and UBSan, the harness aborts
 * (a crash to libFuzzer) when a promise is broken: a pointer in the decoded
 * view reaching past min(caplen, len), an outcome out of its range, a
 * packet not counted exactly once in each family of counters and in one
 * traffic class, a handshake timed other than once per class, or the
 * decoder's fast path disagreeing with its general path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame_input.h"
#include "pipeline.h"

#define FZ_CHECK(cond)                                                         \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "fuzz_frames: broken promise: %s (%s:%d)\n", #cond,      \
              __FILE__, __LINE__);                                             \
      abort();                                                                 \
    }                                                                          \
  } while (0)

/* A pointer into the frame and `n` bytes after it stay inside the bytes
 * the decoder may read. */
static int fz_inside(const uint8_t *ptr, size_t n, const uint8_t *frame,
                     size_t readable) {
  return ptr >= frame && (size_t)(ptr - frame) <= readable &&
         n <= readable - (size_t)(ptr - frame);
}

/* What a frame's bytes count as: its wire length, or what was captured of
 * a wire length no link carries (docs/DECODING.md, "Lengths"). */
static uint32_t fz_counted_len(size_t readable, uint32_t len) {
  return len <= PF_WIRE_LEN_MAX ? len : (uint32_t)readable;
}

static void fz_check_packet(const struct pf_packet *pkt, const uint8_t *frame,
                            size_t readable, uint32_t len) {
  FZ_CHECK(pkt->wire_len == fz_counted_len(readable, len));
  FZ_CHECK((len > PF_WIRE_LEN_MAX) == (pkt->malformed == PF_MAL_WIRE_LENGTH));
  FZ_CHECK(pkt->l3 <= PF_L3_MALFORMED);
  FZ_CHECK(pkt->l4 <= PF_L4_NONE);
  FZ_CHECK(pkt->kdir <= PF_KDIR_OUT);
  FZ_CHECK((pkt->l3 == PF_L3_MALFORMED) == (pkt->malformed != PF_MAL_NONE));
  FZ_CHECK(pkt->malformed >= PF_MAL_NONE && pkt->malformed < PF_MAL_COUNT);
  /* Only IP packets have a transport class. */
  FZ_CHECK((pkt->l3 == PF_L3_IPV4 || pkt->l3 == PF_L3_IPV6) ==
           (pkt->l4 != PF_L4_NONE));
  if (pkt->eth_src)
    FZ_CHECK(fz_inside(pkt->eth_src, 6, frame, readable));
  if (pkt->l3 == PF_L3_IPV4 || pkt->l3 == PF_L3_IPV6) {
    size_t alen = pkt->l3 == PF_L3_IPV4 ? 4 : 16;
    FZ_CHECK(fz_inside(pkt->src_ip, alen, frame, readable));
    FZ_CHECK(fz_inside(pkt->dst_ip, alen, frame, readable));
    if (pkt->l4_hdr)
      FZ_CHECK(fz_inside(pkt->l4_hdr, pkt->l4_len, frame, readable));
  }
}

/* The fast path for common Ethernet frames (packet/decode_fast.c) gives
 * what the general path gives, byte for byte. */
static void fz_check_fast_path(int dlt, const uint8_t *frame, uint32_t caplen,
                               uint32_t len, const struct pf_packet *pkt) {
  struct pf_packet general;
  pf_decode_general(dlt, frame, caplen, len, &general);
  FZ_CHECK(memcmp(pkt, &general, sizeof(general)) == 0);
}

static uint64_t fz_sum(const struct pf_counters *c, enum pf_traffic_kind from,
                       enum pf_traffic_kind to, int dir, int octets) {
  uint64_t s = 0;
  for (int k = from; k <= (int)to; k++)
    s += octets ? c->traffic[k].octets[dir] : c->traffic[k].packets[dir];
  return s;
}

/* Every packet lands exactly once in each family of counters. */
static void fz_check_counters(const struct pf_counters *c, uint64_t fed,
                              uint64_t fed_octets) {
  uint64_t all = 0, all_octets = 0, malformed = 0, reasons = 0;
  for (int d = 0; d < PF_DIR_COUNT; d++) {
    const struct pf_traffic *t = c->traffic;
    all += t[PF_TRAFFIC_ALL].packets[d];
    all_octets += t[PF_TRAFFIC_ALL].octets[d];
    malformed += t[PF_TRAFFIC_MALFORMED].packets[d];
    for (int o = 0; o < 2; o++) {
      uint64_t whole =
          o ? t[PF_TRAFFIC_ALL].octets[d] : t[PF_TRAFFIC_ALL].packets[d];
      uint64_t ip = fz_sum(c, PF_TRAFFIC_IPV4, PF_TRAFFIC_IPV6, d, o);
      FZ_CHECK(fz_sum(c, PF_TRAFFIC_IPV4, PF_TRAFFIC_MALFORMED, d, o) == whole);
      FZ_CHECK(fz_sum(c, PF_TRAFFIC_TCP, PF_TRAFFIC_OTHER, d, o) == ip);
      FZ_CHECK(
          fz_sum(c, PF_TRAFFIC_NON_IP, PF_TRAFFIC_MALFORMED, d, o) ==
          fz_sum(c, PF_TRAFFIC_LOCAL_UNKNOWN, PF_TRAFFIC_LOCAL_UNKNOWN, d, o));
    }
    uint64_t sized = 0;
    for (int b = 0; b < PF_SIZE_COUNT; b++)
      sized += c->size[b][d];
    FZ_CHECK(sized == t[PF_TRAFFIC_ALL].packets[d]);
  }
  for (int r = 0; r < PF_MAL_COUNT; r++)
    reasons += c->malformed[r];
  FZ_CHECK(all == fed);
  FZ_CHECK(all_octets == fed_octets);
  FZ_CHECK(reasons == malformed);
}

/* The table never exceeds its bound and its books balance. */
static void fz_check_flows(const struct pf_flow_table *t) {
  const struct pf_flow_stats *s = &t->stats;
  uint64_t active = pf_flow_table_count(t);
  FZ_CHECK(active <= t->max_flows);
  FZ_CHECK(s->created - s->expired - s->evicted == active);
}

/* Every packet is in exactly one class (the second set keeps every class
 * of the first, so this holds across the reload), every flow too, and
 * every completed handshake gives exactly one per-class sample, the same
 * handshakes the source's own histogram took. */
static void fz_check_classes(const struct fz_pipeline *p) {
  const struct pf_class_counters *c = &p->shard.classes;
  const struct pf_traffic *all = &p->shard.counters.traffic[PF_TRAFFIC_ALL];
  FZ_CHECK(c->rules && c->count == pf_rules_class_count(c->rules));
  for (int d = 0; d < PF_DIR_COUNT; d++) {
    uint64_t packets = 0, octets = 0;
    for (uint32_t k = 0; k < c->count; k++) {
      packets += c->traffic[k].packets[d];
      octets += c->traffic[k].octets[d];
    }
    FZ_CHECK(packets == all->packets[d]);
    FZ_CHECK(octets == all->octets[d]);
  }
  uint64_t flows = 0, by_class[PF_CLASS_SLOTS];
  pf_class_counters_active(c, by_class);
  for (uint32_t k = 0; k < c->count; k++)
    flows += by_class[k];
  FZ_CHECK(flows == pf_flow_table_count(&p->shard.flows));
  uint64_t samples = p->class_samples + fz_pipeline_class_samples_pending(p);
  FZ_CHECK(samples == p->shard.flows.tcp.stats.completed);
  FZ_CHECK(samples ==
           pf_hist_samples(&p->report.tcp.latency[PF_TCP_HANDSHAKE]) +
               pf_hist_samples(&p->shard.cur->tcp.latency[PF_TCP_HANDSHAKE]));
}

/* Every IP byte reached each top-N list once, over the intervals handed
 * to the reader: flows fed once per interval lose and repeat nothing. */
static void fz_check_top_totals(const struct fz_pipeline *p) {
  const struct pf_counters *c = &p->shard.counters;
  uint64_t ip = 0;
  for (int d = 0; d < PF_DIR_COUNT; d++)
    ip += c->traffic[PF_TRAFFIC_IPV4].octets[d] +
          c->traffic[PF_TRAFFIC_IPV6].octets[d];
  for (int k = 0; k < PF_TOP_KIND_COUNT; k++)
    FZ_CHECK(p->report.top[k].total[0] + p->report.top[k].total[1] == ip);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  struct fz_pipeline pipe;
  if (fz_pipeline_init(&pipe) != 0)
    abort();
  int dlt = fz_link_types[data[0] % FZ_LINK_TYPES];
  size_t pos = 1;
  uint64_t fed = 0, fed_octets = 0;

  while (pos + FZ_RECORD_HEADER <= size && fed < FZ_MAX_RECORDS) {
    const uint8_t *h = data + pos;
    size_t caplen = (size_t)h[0] << 8 | h[1];
    uint32_t len = (uint32_t)h[2] << 16 | (uint32_t)h[3] << 8 | h[4];
    pos += FZ_RECORD_HEADER;
    if (caplen > size - pos)
      caplen = size - pos;
    /* A buffer of exactly the readable bytes, so that ASan catches a read
     * past min(caplen, len) as well as one past the capture. */
    size_t readable = caplen < len ? caplen : len;
    uint8_t *frame = malloc(readable ? readable : 1);
    if (!frame)
      abort();
    memcpy(frame, data + pos, readable);
    struct pf_packet pkt;
    fz_pipeline_packet(&pipe, dlt, frame, (uint32_t)caplen, len, &pkt);
    fz_check_packet(&pkt, frame, readable, len);
    fz_check_fast_path(dlt, frame, (uint32_t)caplen, len, &pkt);
    free(frame);
    pos += caplen;
    fed++;
    fed_octets += fz_counted_len(readable, len);
  }
  fz_pipeline_finish(&pipe);
  fz_check_counters(&pipe.shard.counters, fed, fed_octets);
  fz_check_top_totals(&pipe);
  fz_check_flows(&pipe.shard.flows);
  fz_check_classes(&pipe);
  fz_pipeline_free(&pipe);
  return 0;
}
