/* flow_packets.c - decoded packets for the flow, top-N, shard and report
 * tests, described in one struct and built with the frame builders. */
#include "flow_packets.h"

#include <stdio.h>
#include <stdlib.h>

#include <check.h>
#include <pcap/dlt.h>

#include "quick_check.h"
#include "shard/shard.h"

const struct pf_flow_timeouts test_timeouts = {
    .tcp_s = 50,
    .tcp_closed_s = 7,
    .udp_s = 30,
    .icmp_s = 20,
    .other_s = 40,
    .active_s = 600,
};

struct pkt pkt_tcp(const uint8_t *src, uint16_t sport, const uint8_t *dst,
                   uint16_t dport, uint8_t flags, uint32_t payload) {
  return (struct pkt){.proto = P_TCP,
                      .src = src,
                      .sport = sport,
                      .dst = dst,
                      .dport = dport,
                      .flags = flags,
                      .payload = payload};
}

struct pkt pkt_udp(const uint8_t *src, uint16_t sport, const uint8_t *dst,
                   uint16_t dport, uint32_t payload) {
  return (struct pkt){.proto = P_UDP,
                      .src = src,
                      .sport = sport,
                      .dst = dst,
                      .dport = dport,
                      .payload = payload};
}

struct pkt pkt_tcp_client(uint32_t n, uint8_t flags) {
  static uint8_t client[4096][4];
  static const uint8_t server[4] = {198, 18, 0, 1};
  uint8_t *c = client[n % 4096];
  c[0] = 198;
  c[1] = 19;
  c[2] = (uint8_t)(n >> 8);
  c[3] = (uint8_t)n;
  return (struct pkt){.proto = P_TCP,
                      .src = c,
                      .dst = server,
                      .sport = 40000,
                      .dport = 80,
                      .flags = flags};
}

struct pkt pkt_reply(struct pkt p) {
  /* Swap the addresses the frame would use, defaults included. */
  if (!p.src)
    p.src = p.family == 6 ? v6_a : v4_a;
  if (!p.dst)
    p.dst = p.family == 6 ? v6_b : v4_b;
  const uint8_t *a = p.src;
  uint16_t port = p.sport;
  p.src = p.dst;
  p.dst = a;
  p.sport = p.dport;
  p.dport = port;
  if (p.icmp_type == 8 || p.icmp_type == 0)
    p.icmp_type = (uint8_t)(8 - p.icmp_type);
  else if (p.icmp_type == 128 || p.icmp_type == 129)
    p.icmp_type = (uint8_t)(257 - p.icmp_type);
  return p;
}

static void pkt_transport(struct frame *f, const struct pkt *p) {
  switch (p->proto) {
  case P_TCP:
    frame_tcp(f, &(struct tcp){
                     .sport = p->sport, .dport = p->dport, .flags = p->flags});
    break;
  case P_UDP:
    frame_udp(f, p->sport, p->dport);
    break;
  case P_SCTP:
    frame_sctp(f, p->sport, p->dport);
    break;
  case P_ICMP:
  case P_ICMPV6: {
    uint32_t off = frame_icmp(f, p->icmp_type, 0);
    frame_set_u16(f, off + 4, p->icmp_id);
    break;
  }
  case P_GRE:
    frame_gre(f, 0x0800);
    break;
  default:
    break; /* no transport header the decoder reads */
  }
}

void pkt_frame(struct frame *f, const struct pkt *p) {
  bool v6 = p->family == 6;
  uint16_t ip_type = v6 ? 0x86dd : 0x0800;
  frame_init(f, DLT_EN10MB);
  frame_eth(f, NULL, NULL,
            p->vlans == 2 ? 0x88a8
            : p->vlans    ? 0x8100
                          : ip_type);
  if (p->vlans == 2)
    frame_vlan(f, p->vlan_outer, 0x8100);
  if (p->vlans >= 1)
    frame_vlan(f, p->vlans == 2 ? p->vlan_inner : p->vlan_outer, ip_type);

  bool fragment = p->first_fragment || p->later_fragment;
  if (v6) {
    frame_ipv6(f, &(struct ip6){.next = fragment ? 44 : p->proto,
                                .src = p->src,
                                .dst = p->dst});
    if (fragment)
      frame_ipv6_frag(f, p->proto, p->later_fragment ? 100 : 0,
                      p->first_fragment);
  } else {
    /* MF for a first fragment; offset 100 (x 8 bytes) for a later one. */
    uint16_t frag = p->later_fragment ? 100 : p->first_fragment ? 0x2000 : 0;
    frame_ipv4(
        f, &(struct ip4){
               .proto = p->proto, .frag = frag, .src = p->src, .dst = p->dst});
  }
  if (!p->later_fragment)
    pkt_transport(f, p);
  frame_fill(f, 0x5a, p->payload);
  frame_finish(f);
}

void frame_conversation(struct frame *f, bool to_server, bool tcp,
                        uint16_t cport, uint16_t sport, uint32_t seq) {
  frame_init(f, DLT_EN10MB);
  frame_eth(f, to_server ? mac_b : mac_a, to_server ? mac_a : mac_b, 0x0800);
  frame_ipv4(f, &(struct ip4){.proto = tcp ? P_TCP : P_UDP,
                              .src = to_server ? v4_a : v4_b,
                              .dst = to_server ? v4_b : v4_a});
  uint16_t from = to_server ? cport : sport, to = to_server ? sport : cport;
  if (tcp)
    frame_tcp(f, &(struct tcp){.sport = from,
                               .dport = to,
                               .flags = PF_TCP_PSH | PF_TCP_ACK,
                               .seq = seq});
  else
    frame_udp(f, from, to);
}

uint32_t pkt_len(const struct pkt *p) {
  struct frame f;
  pkt_frame(&f, p);
  return f.len;
}

uint8_t *pkt_decode(const struct pkt *p, struct pf_packet *out) {
  struct frame f;
  pkt_frame(&f, p);
  uint8_t *buf = frame_decode_whole(&f, out);
  ck_assert_int_eq(out->l3, p->family == 6 ? PF_L3_IPV6 : PF_L3_IPV4);
  return buf;
}

bool pkt_key(const struct pkt *p, struct pf_flow_key *key, uint8_t *side) {
  struct pf_packet pkt;
  uint8_t *buf = pkt_decode(p, &pkt);
  bool ok = pf_flow_key_of(&pkt, key, side);
  free(buf);
  return ok;
}

struct pf_flow *pkt_flow(const struct pf_flow_table *t, const struct pkt *p) {
  struct pf_flow_key key;
  uint8_t side;
  ck_assert(pkt_key(p, &key, &side));
  struct pf_flow *f = pf_flow_table_find(t, &key);
  ck_assert_ptr_nonnull(f);
  return f;
}

struct pf_flow_update pkt_feed(struct pf_flow_table *t, const struct pkt *p,
                               uint64_t now_us) {
  struct pf_packet pkt;
  uint8_t *buf = pkt_decode(p, &pkt);
  struct pf_flow_update up = pf_flow_table_packet(t, &pkt, now_us);
  /* The table keeps no per-packet counts; the shard adds a packet's bytes
   * to its flow's side (shard/epoch.h), and so does this helper. */
  if (up.flow)
    up.flow->iv_bytes[up.side] += pkt.wire_len;
  free(buf);
  return up;
}

void expect_flow_identity(const struct pf_flow_table *t) {
  const struct pf_flow_stats *s = &t->stats;
  uint64_t active = 0;
  for (int k = 0; k < PF_FLOW_KIND_COUNT; k++)
    active += s->active[k];
  QUICK_CHECK(s->created - s->expired - s->evicted == active,
              "created %llu - expired %llu - evicted %llu != active %llu",
              (unsigned long long)s->created, (unsigned long long)s->expired,
              (unsigned long long)s->evicted, (unsigned long long)active);
  QUICK_CHECK(pf_flow_table_count(t) == active, "count %llu, active %llu",
              (unsigned long long)pf_flow_table_count(t),
              (unsigned long long)active);
  /* The table's copies still match what they copy (flow.h): pf_flow_at
   * reads them, and the restart test reads active_units. */
  QUICK_CHECK(t->ref_size[0] == t->pool[0].size &&
                  t->ref_size[1] == t->pool[1].size,
              "ref_size %u/%u, pool sizes %u/%u", (unsigned)t->ref_size[0],
              (unsigned)t->ref_size[1], t->pool[0].size, t->pool[1].size);
  QUICK_CHECK(t->ref_base[0] == (uintptr_t)t->pool[0].entries &&
                  t->ref_base[1] + (uintptr_t)PF_FLOW_V6 * t->ref_size[1] ==
                      (uintptr_t)t->pool[1].entries,
              "ref_base does not match the pools' entries");
  QUICK_CHECK(t->active_units ==
                  (t->active_us ? t->active_us >> t->age_shift : UINT64_MAX),
              "active_units %llu, active_us %llu, age_shift %u",
              (unsigned long long)t->active_units,
              (unsigned long long)t->active_us, t->age_shift);
  /* Each LRU head's entry, which a touch links in front of. */
  for (int k = 0; k < PF_LIST_COUNT; k++)
    QUICK_CHECK(t->lru_head_at[k] == (t->lru_head[k] == PF_FLOW_NONE
                                          ? NULL
                                          : pf_flow_at(t, t->lru_head[k])),
                "list %d: lru_head_at is not its head %u's entry", k,
                t->lru_head[k]);
}

void test_shard_init(struct pf_shard *s, uint32_t max_flows,
                     uint32_t top_capacity, bool tcp_analysis) {
  test_shard_init_timing(s, max_flows, top_capacity, tcp_analysis, false);
}

struct pf_shard_config test_shard_config(uint32_t max_flows,
                                         uint32_t top_capacity,
                                         bool tcp_analysis) {
  return (struct pf_shard_config){.max_flows = max_flows,
                                  .timeouts = test_timeouts,
                                  .top_capacity = top_capacity,
                                  .host_prefix_v4 = 32,
                                  .host_prefix_v6 = 128,
                                  .tcp_analysis = tcp_analysis,
                                  .tcp_syn_timeout_s = 3};
}

void test_shard_init_timing(struct pf_shard *s, uint32_t max_flows,
                            uint32_t top_capacity, bool tcp_analysis,
                            bool tcp_timing) {
  struct pf_shard_config cfg =
      test_shard_config(max_flows, top_capacity, tcp_analysis);
  cfg.tcp_timing = tcp_timing;
  test_shard_start(s, &cfg);
}

void test_shard_start(struct pf_shard *s, const struct pf_shard_config *cfg) {
  char err[256];
  ck_assert_msg(pf_shard_init(s, cfg, err, sizeof(err)) == 0, "%s", err);
}

/* ---- handing packets to a shard ---- */

static struct pf_packet shard_hand_over(struct pf_shard *s, uint8_t *buf,
                                        struct pf_packet pkt,
                                        struct shard_hand how) {
  if (how.queue)
    pf_shard_enqueue(s, &pkt, how.dir, how.locality, how.ts);
  else
    pf_shard_packet(s, &pkt, how.dir, how.locality, how.ts);
  free(buf);
  /* Cleared so that a test reading them fails at once, not at random. */
  pkt.eth_src = pkt.src_ip = pkt.dst_ip = pkt.l4_hdr = NULL;
  return pkt;
}

struct pf_packet shard_frame(struct pf_shard *s, const struct frame *f,
                             uint32_t caplen, struct shard_hand how) {
  struct pf_packet pkt;
  uint8_t *buf = frame_decode(f, caplen, f->len, &pkt);
  return shard_hand_over(s, buf, pkt, how);
}

struct pf_packet shard_pkt(struct pf_shard *s, const struct pkt *p,
                           struct shard_hand how) {
  struct pf_packet pkt;
  uint8_t *buf = pkt_decode(p, &pkt);
  return shard_hand_over(s, buf, pkt, how);
}

/* ---- capture files ---- */

static void put32(FILE *f, uint32_t v) { fwrite(&v, 4, 1, f); }
static void put16(FILE *f, uint16_t v) { fwrite(&v, 2, 1, f); }

static void write_frame(FILE *f, const struct frame *fr, uint32_t *next_ts) {
  put32(f, (*next_ts)++); /* one packet a second */
  put32(f, 0);
  put32(f, fr->len); /* captured */
  put32(f, fr->len); /* on the wire */
  fwrite(fr->data, 1, fr->len, f);
}

void pkt_write_capture(const char *path, const struct pkt *pkts, unsigned n,
                       uint32_t *next_ts) {
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  put32(f, 0xa1b2c3d4);
  put16(f, 2);
  put16(f, 4);
  put32(f, 0); /* thiszone */
  put32(f, 0); /* sigfigs */
  put32(f, 65535);
  put32(f, 1); /* LINKTYPE_ETHERNET */
  struct frame fr;
  for (unsigned i = 0; i < n; i++) {
    pkt_frame(&fr, &pkts[i]);
    write_frame(f, &fr, next_ts);
  }
  frame_init(&fr, DLT_EN10MB);
  frame_eth(&fr, NULL, NULL, 0x0806);
  frame_fill(&fr, 0, 46);
  write_frame(f, &fr, next_ts);
  ck_assert_int_eq(fclose(f), 0);
}
