/* test_shard.c - pf_shard_packet's pipeline (counters, flows, interval
 * sketches), host and service keys, the interval hand-over and expiry. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <pcap/dlt.h>

#include "flow_packets.h"
#include "shard/feed_hash.h"
#include "shard/shard.h"
#include "suites.h"

static const uint8_t client4[4] = {198, 19, 0, 2};
static const uint8_t server4[4] = {198, 18, 0, 1};

static struct pf_shard shard;

static struct pf_shard_config config(uint8_t prefix_v4, uint8_t prefix_v6) {
  return (struct pf_shard_config){.max_flows = 1024,
                                  .timeouts = test_timeouts,
                                  .top_capacity = 64,
                                  .host_prefix_v4 = prefix_v4,
                                  .host_prefix_v6 = prefix_v6};
}

static void init_shard(uint8_t prefix_v4, uint8_t prefix_v6) {
  struct pf_shard_config cfg = config(prefix_v4, prefix_v6);
  test_shard_start(&shard, &cfg);
}

static void setup(void) { init_shard(32, 128); }
static void teardown(void) { pf_shard_free(&shard); }

/* Accounted at once, neither side local. */
static struct shard_hand at(enum pf_dir dir, uint64_t ts) {
  return (struct shard_hand){
      .dir = dir, .locality = PF_LOCALITY_NEITHER, .ts = ts};
}

static void feed_to(struct pf_shard *s, const struct pkt *p, enum pf_dir dir,
                    uint64_t ts) {
  shard_pkt(s, p, at(dir, ts));
  /* A batch of one packet, ended as the capture thread ends one, and its
   * flow fed to the current interval's sketches at once, so they hold it
   * (the capture thread feeds them as the interval closes). */
  pf_shard_batch_end(s);
  pf_shard_settle(s);
}

static void feed(const struct pkt *p, enum pf_dir dir, uint64_t ts) {
  feed_to(&shard, p, dir, ts);
}

/* The item of `key` in a sketch, or NULL. */
static const struct pf_topn_item *top_item(const struct pf_topn *t,
                                           const void *key) {
  const struct pf_topn_item *items[256];
  uint32_t n = pf_topn_top(t, items, t->capacity < 256 ? t->capacity : 256);
  for (uint32_t i = 0; i < n; i++)
    if (memcmp(items[i]->key, key, t->key_len) == 0)
      return items[i];
  return NULL;
}

static uint64_t item_bytes(const struct pf_topn_item *it) {
  return it ? it->bytes[0] + it->bytes[1] : 0;
}

static struct pf_host_key host_key(int family, int prefix,
                                   const uint8_t *masked) {
  struct pf_host_key k;
  memset(&k, 0, sizeof(k));
  k.family = (uint8_t)family;
  k.prefix = (uint8_t)prefix;
  memcpy(k.addr, masked, family == 4 ? 4 : 16);
  return k;
}

static uint64_t host_bytes(int family, int prefix, const uint8_t *masked) {
  struct pf_host_key k = host_key(family, prefix, masked);
  return item_bytes(top_item(&shard.cur->top[PF_TOP_HOSTS], &k));
}

static uint64_t service_bytes(uint8_t proto, uint16_t port) {
  struct pf_service_key k;
  memset(&k, 0, sizeof(k));
  k.proto = proto;
  k.port = port;
  return item_bytes(top_item(&shard.cur->top[PF_TOP_PORTS], &k));
}

static uint64_t total_bytes(const struct pf_topn *t) {
  return t->total[0] + t->total[1];
}

/* ---- set-up ---- */

START_TEST(test_init_rejects_bad_sizes) {
  struct pf_shard s;
  struct pf_shard_config cfg = config(32, 128);
  char err[256] = "";
  cfg.max_flows = 0;
  ck_assert_int_eq(pf_shard_init(&s, &cfg, err, sizeof(err)), -1);
  ck_assert_str_ne(err, "");
  pf_shard_free(&s);
  cfg = config(32, 128);
  cfg.top_capacity = 0;
  ck_assert_int_eq(pf_shard_init(&s, &cfg, err, sizeof(err)), -1);
  pf_shard_free(&s);
}
END_TEST

/* ---- the pipeline ---- */

START_TEST(test_packet_feeds_counters_flows_and_sketches) {
  struct pkt p = pkt_tcp(client4, 51234, server4, 443, PF_TCP_SYN, 0);
  uint32_t len = pkt_len(&p);
  feed(&p, PF_DIR_TX, SEC(1));
  const struct pf_traffic *all = &shard.counters.traffic[PF_TRAFFIC_ALL];
  ck_assert_uint_eq(all->packets[PF_DIR_TX], 1);
  ck_assert_uint_eq(all->octets[PF_DIR_TX], len);
  ck_assert_uint_eq(shard.counters.tcp_flag[PF_TCPF_SYN][PF_DIR_TX], 1);
  ck_assert_uint_eq(shard.flows.stats.created, 1);
  ck_assert_uint_eq(shard.flows.stats.active[PF_FLOW_TCP], 1);
  for (int k = 0; k < PF_TOP_KIND_COUNT; k++) {
    ck_assert_uint_eq(shard.cur->top[k].total[PF_DIR_TX], len);
    ck_assert_uint_eq(shard.cur->top[k].total[PF_DIR_RX], 0);
    ck_assert_uint_eq(shard.cur->top[k].used, 1);
  }
  ck_assert(fabs(pf_hll_estimate(&shard.cur->src_hosts) - 1) < 0.5);
  ck_assert(fabs(pf_hll_estimate(&shard.cur->dst_hosts) - 1) < 0.5);
  ck_assert(fabs(pf_hll_estimate(&shard.cur->dst_ports) - 1) < 0.5);
  ck_assert_uint_eq(shard.clock.now_us, SEC(1));
}
END_TEST

START_TEST(test_non_ip_and_malformed_only_counted) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x0806);
  frame_fill(&f, 0, 28);
  struct shard_hand unknown = {
      .dir = PF_DIR_RX, .locality = PF_LOCALITY_UNKNOWN, .ts = SEC(5)};
  shard_frame(&shard, &f, f.len, unknown);

  struct pkt bad = pkt_tcp(client4, 1, server4, 2, 0, 0);
  pkt_frame(&f, &bad);
  f.data[f.l4_off + 12] = 0x10; /* TCP data offset 4 bytes: malformed */
  unknown.ts = SEC(6);
  ck_assert_int_eq(shard_frame(&shard, &f, f.len, unknown).l3, PF_L3_MALFORMED);

  ck_assert_uint_eq(shard.counters.traffic[PF_TRAFFIC_ALL].packets[PF_DIR_RX],
                    2);
  ck_assert_uint_eq(
      shard.counters.traffic[PF_TRAFFIC_NON_IP].packets[PF_DIR_RX], 1);
  ck_assert_uint_eq(
      shard.counters.traffic[PF_TRAFFIC_MALFORMED].packets[PF_DIR_RX], 1);
  ck_assert_uint_eq(shard.flows.stats.created, 0);
  for (int k = 0; k < PF_TOP_KIND_COUNT; k++)
    ck_assert_uint_eq(total_bytes(&shard.cur->top[k]), 0);
  /* Packet time moves on with every packet, flow or not. */
  ck_assert_uint_eq(shard.clock.now_us, SEC(6));
  ck_assert_double_eq(pf_hll_estimate(&shard.cur->src_hosts), 0);
}
END_TEST

START_TEST(test_flow_sketch_keyed_by_flow_key) {
  struct pkt p = pkt_tcp(client4, 51234, server4, 443, PF_TCP_SYN, 10);
  struct pkt r = pkt_reply(p);
  r.flags = PF_TCP_SYN | PF_TCP_ACK;
  feed(&p, PF_DIR_TX, SEC(1));
  feed(&r, PF_DIR_RX, SEC(1));
  struct pf_flow_key k;
  uint8_t side;
  ck_assert(pkt_key(&p, &k, &side));
  const struct pf_topn_item *it = top_item(&shard.cur->top[PF_TOP_FLOWS], &k);
  ck_assert_ptr_nonnull(it);
  ck_assert_uint_eq(it->bytes[PF_DIR_TX], pkt_len(&p));
  ck_assert_uint_eq(it->bytes[PF_DIR_RX], pkt_len(&r));
  ck_assert_uint_eq(shard.cur->top[PF_TOP_FLOWS].used, 1);
}
END_TEST

/* ---- host keys ---- */

START_TEST(test_host_is_the_source_address) {
  struct pkt p = pkt_tcp(client4, 51234, server4, 443, PF_TCP_ACK, 100);
  struct pkt r = pkt_reply(p);
  r.payload = 20;
  feed(&p, PF_DIR_TX, SEC(1));
  feed(&r, PF_DIR_RX, SEC(2));
  ck_assert_uint_eq(host_bytes(4, 32, client4), pkt_len(&p));
  ck_assert_uint_eq(host_bytes(4, 32, server4), pkt_len(&r));
}
END_TEST

START_TEST(test_v4_hosts_aggregate_to_prefix24) {
  pf_shard_free(&shard);
  init_shard(24, 128);
  static const uint8_t a[4] = {198, 18, 0, 1}, b[4] = {198, 18, 0, 77};
  static const uint8_t c[4] = {198, 18, 1, 1};
  static const uint8_t net_ab[4] = {198, 18, 0, 0}, net_c[4] = {198, 18, 1, 0};
  struct pkt pa = pkt_tcp(a, 1, client4, 2, PF_TCP_ACK, 0);
  struct pkt pb = pkt_tcp(b, 1, client4, 2, PF_TCP_ACK, 50);
  struct pkt pc = pkt_tcp(c, 1, client4, 2, PF_TCP_ACK, 9);
  feed(&pa, PF_DIR_TX, SEC(1));
  feed(&pb, PF_DIR_TX, SEC(1));
  feed(&pc, PF_DIR_TX, SEC(1));
  ck_assert_uint_eq(host_bytes(4, 24, net_ab), pkt_len(&pa) + pkt_len(&pb));
  ck_assert_uint_eq(host_bytes(4, 24, net_c), pkt_len(&pc));
  ck_assert_uint_eq(host_bytes(4, 32, a), 0); /* no unaggregated keys */
  ck_assert_uint_eq(shard.cur->top[PF_TOP_HOSTS].used, 2);
}
END_TEST

START_TEST(test_v6_hosts_aggregate_to_prefix64) {
  pf_shard_free(&shard);
  init_shard(32, 64);
  static const uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, [15] = 1};
  static const uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, 0,       0,
                                0,    1,    0xff, 0xff, [15] = 2};
  static const uint8_t c[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 2, [15] = 1};
  static const uint8_t net_ab[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1};
  static const uint8_t net_c[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 2};
  struct pkt pa = {
      .family = 6, .proto = P_UDP, .src = a, .dst = c, .sport = 1, .dport = 2};
  struct pkt pb = pa, pc = pkt_reply(pa);
  pb.src = b;
  pb.payload = 30;
  feed(&pa, PF_DIR_TX, SEC(1));
  feed(&pb, PF_DIR_TX, SEC(1));
  feed(&pc, PF_DIR_RX, SEC(1));
  ck_assert_uint_eq(host_bytes(6, 64, net_ab), pkt_len(&pa) + pkt_len(&pb));
  ck_assert_uint_eq(host_bytes(6, 64, net_c), pkt_len(&pc));
  ck_assert_uint_eq(shard.cur->top[PF_TOP_HOSTS].used, 2);
}
END_TEST

START_TEST(test_prefix_inside_a_byte_masks_its_bits) {
  pf_shard_free(&shard);
  init_shard(20, 60);
  static const uint8_t a4[4] = {198, 18, 31, 5}, net4[4] = {198, 18, 16, 0};
  static const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, 0x12,
                                 0x34, 0x56, 0x7f, 0xff, [15] = 1};
  static const uint8_t net6[16] = {0x20, 0x01, 0x0d, 0xb8,
                                   0x12, 0x34, 0x56, 0x70};
  struct pkt p4 = pkt_tcp(a4, 1, server4, 2, PF_TCP_ACK, 0);
  struct pkt p6 = {
      .family = 6, .proto = P_UDP, .src = a6, .sport = 1, .dport = 2};
  feed(&p4, PF_DIR_TX, SEC(1));
  feed(&p6, PF_DIR_TX, SEC(1));
  ck_assert_uint_eq(host_bytes(4, 20, net4), pkt_len(&p4));
  ck_assert_uint_eq(host_bytes(6, 60, net6), pkt_len(&p6));
}
END_TEST

/* ---- service keys ---- */

START_TEST(test_service_is_the_responders_port) {
  struct pkt syn = pkt_tcp(client4, 51234, server4, 443, PF_TCP_SYN, 0);
  struct pkt synack = pkt_reply(syn), data = pkt_reply(syn);
  synack.flags = PF_TCP_SYN | PF_TCP_ACK;
  data.flags = PF_TCP_ACK;
  data.payload = 1000;
  feed(&syn, PF_DIR_TX, SEC(1));
  feed(&synack, PF_DIR_RX, SEC(1));
  feed(&data, PF_DIR_RX, SEC(1));
  /* Both directions of the flow count for tcp/443. */
  ck_assert_uint_eq(service_bytes(P_TCP, 443),
                    pkt_len(&syn) + pkt_len(&synack) + pkt_len(&data));
  ck_assert_uint_eq(service_bytes(P_TCP, 51234), 0);
  ck_assert_uint_eq(shard.cur->top[PF_TOP_PORTS].used, 1);
}
END_TEST

START_TEST(test_service_of_a_flow_first_seen_at_syn_ack) {
  /* The server's port (2000) is the higher one: only the initiator rule
   * picks it. */
  struct pkt synack =
      pkt_tcp(server4, 2000, client4, 1000, PF_TCP_SYN | PF_TCP_ACK, 0);
  feed(&synack, PF_DIR_RX, SEC(1));
  ck_assert_uint_eq(service_bytes(P_TCP, 2000), pkt_len(&synack));
}
END_TEST

START_TEST(test_service_mid_connection_is_the_lower_port) {
  struct pkt a = pkt_tcp(client4, 8080, server4, 3000, PF_TCP_ACK, 0);
  struct pkt b = pkt_reply(a);
  feed(&a, PF_DIR_TX, SEC(1));
  feed(&b, PF_DIR_RX, SEC(1));
  ck_assert_uint_eq(service_bytes(P_TCP, 3000), pkt_len(&a) + pkt_len(&b));
  ck_assert_uint_eq(service_bytes(P_TCP, 8080), 0);
}
END_TEST

START_TEST(test_udp_service_is_the_port_of_who_did_not_start) {
  struct pkt query = {.proto = P_UDP,
                      .src = client4,
                      .sport = 5353,
                      .dst = server4,
                      .dport = 53};
  struct pkt answer = pkt_reply(query);
  feed(&query, PF_DIR_TX, SEC(1));
  feed(&answer, PF_DIR_RX, SEC(1));
  ck_assert_uint_eq(service_bytes(P_UDP, 53),
                    pkt_len(&query) + pkt_len(&answer));
  /* The first sender started it even from a low port. */
  struct pkt push = {.proto = P_UDP,
                     .src = server4,
                     .sport = 123,
                     .dst = client4,
                     .dport = 40000};
  feed(&push, PF_DIR_RX, SEC(2));
  ck_assert_uint_eq(service_bytes(P_UDP, 40000), pkt_len(&push));
}
END_TEST

START_TEST(test_services_without_ports_are_port_zero) {
  struct pkt echo = {.proto = P_ICMP,
                     .src = client4,
                     .dst = server4,
                     .icmp_type = 8,
                     .icmp_id = 1234};
  struct pkt echo6 = {
      .family = 6, .proto = P_ICMPV6, .icmp_type = 128, .icmp_id = 99};
  struct pkt gre = {.proto = P_GRE, .src = client4, .dst = server4};
  feed(&echo, PF_DIR_TX, SEC(1));
  feed(&echo6, PF_DIR_TX, SEC(1));
  feed(&gre, PF_DIR_TX, SEC(1));
  ck_assert_uint_eq(service_bytes(P_ICMP, 0), pkt_len(&echo));
  ck_assert_uint_eq(service_bytes(P_ICMPV6, 0), pkt_len(&echo6));
  ck_assert_uint_eq(service_bytes(P_GRE, 0), pkt_len(&gre));
  ck_assert_uint_eq(service_bytes(P_ICMP, 1234), 0);
}
END_TEST

/* ---- distinct counts ---- */

START_TEST(test_distinct_ports_of_both_sides) {
  /* A client's side sends to its flow's service port, whose hash the feed
   * shares with the top services list; the server's side sends to the
   * client's port, hashed on its own: tcp/443 and four client ports. */
  static const uint8_t c6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0,
                                 0,    0,    0,    0,    0, 0, 0, 2};
  static const uint8_t s6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0,
                                 0,    0,    0,    0,    0, 0, 0, 1};
  for (uint16_t i = 1; i <= 4; i++) {
    const uint8_t *c = i < 4 ? client4 : c6, *srv = i < 4 ? server4 : s6;
    struct pkt syn = pkt_tcp(c, (uint16_t)(40000 + i), srv, 443, PF_TCP_SYN, 0);
    struct pkt ack =
        pkt_tcp(srv, 443, c, (uint16_t)(40000 + i), PF_TCP_SYN | PF_TCP_ACK, 0);
    syn.family = ack.family = i < 4 ? 4 : 6;
    feed(&syn, PF_DIR_TX, SEC(1));
    feed(&ack, PF_DIR_RX, SEC(1));
  }
  /* One short at most: two of a few values share one of the 4,096
   * registers in about 1 run in 400 with a random seed (f2836e2). */
  ck_assert(fabs(pf_hll_estimate(&shard.cur->dst_ports) - 4.5) < 1);
  ck_assert(fabs(pf_hll_estimate(&shard.cur->src_hosts) - 3.5) < 1);
  ck_assert(fabs(pf_hll_estimate(&shard.cur->dst_hosts) - 3.5) < 1);
  ck_assert_uint_eq(shard.cur->top[PF_TOP_PORTS].used, 1);
}
END_TEST

START_TEST(test_distinct_counts_through_the_shard) {
  /* 20 sources, 5 destinations, 7 (protocol, destination port) pairs;
   * ICMP adds no port, tcp/53 and udp/53 are two. */
  static const uint16_t tcp_ports[] = {22, 53, 80, 443};
  static const uint16_t udp_ports[] = {53, 123, 5353};
  for (int i = 0; i < 20; i++) {
    uint8_t src[4] = {10, 9, 0, (uint8_t)(i + 1)};
    uint8_t dst[4] = {10, 8, 0, (uint8_t)(i % 5 + 1)};
    for (int r = 0; r < 3; r++) { /* repeats count once */
      struct pkt t = pkt_tcp(src, 40000, dst, tcp_ports[i % 4], PF_TCP_ACK, 0);
      struct pkt u = {.proto = P_UDP,
                      .src = src,
                      .dst = dst,
                      .sport = 40000,
                      .dport = udp_ports[i % 3]};
      struct pkt ping = {.proto = P_ICMP,
                         .src = src,
                         .dst = dst,
                         .icmp_type = 8,
                         .icmp_id = (uint16_t)i};
      feed(&t, PF_DIR_TX, SEC(1));
      feed(&u, PF_DIR_TX, SEC(1));
      feed(&ping, PF_DIR_TX, SEC(1));
    }
  }
  double src = pf_hll_estimate(&shard.cur->src_hosts);
  double dst = pf_hll_estimate(&shard.cur->dst_hosts);
  double ports = pf_hll_estimate(&shard.cur->dst_ports);
  ck_assert_msg(fabs(src - 20) <= 2, "sources %.2f", src);
  ck_assert_msg(fabs(dst - 5) <= 2, "destinations %.2f", dst);
  ck_assert_msg(fabs(ports - 7) <= 2, "ports %.2f", ports);
}
END_TEST

/* ---- the interval hand-over ---- */

START_TEST(test_swap_hands_over_the_finished_interval) {
  struct pkt a = pkt_tcp(client4, 1, server4, 80, PF_TCP_SYN, 100);
  struct pkt b = {
      .proto = P_UDP, .src = client4, .dst = server4, .sport = 7, .dport = 8};
  feed(&a, PF_DIR_TX, SEC(1));

  struct pf_interval *done = pf_shard_swap_interval(&shard, true);
  ck_assert_ptr_ne(done, shard.cur);
  ck_assert_uint_eq(total_bytes(&done->top[PF_TOP_HOSTS]), pkt_len(&a));
  /* The next interval starts empty. */
  for (int k = 0; k < PF_TOP_KIND_COUNT; k++) {
    ck_assert_uint_eq(shard.cur->top[k].used, 0);
    ck_assert_uint_eq(total_bytes(&shard.cur->top[k]), 0);
  }
  ck_assert_double_eq(pf_hll_estimate(&shard.cur->src_hosts), 0);
  /* Counters and flows are not per interval. */
  ck_assert_uint_eq(shard.counters.traffic[PF_TRAFFIC_ALL].packets[PF_DIR_TX],
                    1);
  ck_assert_uint_eq(pf_flow_table_count(&shard.flows), 1);

  /* The reader resets what it got; the capture side goes on meanwhile. */
  pf_interval_reset(done);
  feed(&b, PF_DIR_RX, SEC(2));
  struct pf_interval *done2 = pf_shard_swap_interval(&shard, true);
  ck_assert_ptr_ne(done2, done);
  ck_assert_ptr_eq(shard.cur, done); /* the cleaned one is reused */
  ck_assert_uint_eq(total_bytes(&done2->top[PF_TOP_HOSTS]), pkt_len(&b));
  ck_assert_uint_eq(done2->top[PF_TOP_FLOWS].used, 1);
  ck_assert_uint_eq(done2->top[PF_TOP_HOSTS].total[PF_DIR_RX], pkt_len(&b));
  ck_assert_uint_eq(shard.cur->top[PF_TOP_HOSTS].used, 0);
  ck_assert_double_eq(pf_hll_estimate(&shard.cur->dst_hosts), 0);
  pf_interval_reset(done2);
}
END_TEST

START_TEST(test_interval_merge_adds_shards_up) {
  struct pf_shard other;
  struct pf_shard_config cfg = config(32, 128);
  char err[256];
  ck_assert_int_eq(pf_shard_init(&other, &cfg, err, sizeof(err)), 0);
  struct pkt a = pkt_tcp(client4, 1, server4, 80, PF_TCP_SYN, 100);
  struct pkt b = pkt_tcp(server4, 5, client4, 6, PF_TCP_SYN, 7);
  feed(&a, PF_DIR_TX, SEC(1));
  feed_to(&other, &b, PF_DIR_RX, SEC(1));

  struct pf_interval sum;
  ck_assert_int_eq(pf_interval_init(&sum, 64, err, sizeof(err)), 0);
  pf_interval_merge(&sum, shard.cur);
  pf_interval_merge(&sum, other.cur);
  ck_assert_uint_eq(sum.top[PF_TOP_FLOWS].used, 2);
  ck_assert_uint_eq(sum.top[PF_TOP_HOSTS].total[PF_DIR_TX], pkt_len(&a));
  ck_assert_uint_eq(sum.top[PF_TOP_HOSTS].total[PF_DIR_RX], pkt_len(&b));
  /* The sources merged register for register: a's client and b's server,
   * each by its shard's seed (one a process, so the merge is meaningful;
   * an estimate read 1 whenever the two hashes shared one of the 4,096
   * registers). */
  struct pf_hll want;
  memset(&want, 0, sizeof(want));
  pf_hll_add(&want, pf_feed_hash_addr(shard.seed, client4, 4));
  pf_hll_add(&want, pf_feed_hash_addr(other.seed, server4, 4));
  ck_assert_mem_eq(&want, &sum.src_hosts, sizeof(want));
  ck_assert(fabs(pf_hll_estimate(&sum.dst_ports) - 2) < 0.5);
  pf_interval_free(&sum);
  pf_shard_free(&other);
}
END_TEST

START_TEST(test_init_on_used_memory) {
  /* pf_shard_init leaves the feeds' top batches' entries as it finds them
   * (each is written before it is read): a shard made on memory full of
   * other bytes reports what one made on zeroed memory reports. The
   * memory at the shard's alignment (its queue's slots are aligned). */
  struct pf_shard *used =
      aligned_alloc(_Alignof(struct pf_shard), sizeof(*used));
  ck_assert_ptr_nonnull(used);
  memset(used, 0xa5, sizeof(*used));
  struct pf_shard_config cfg = config(32, 128);
  test_shard_start(used, &cfg);
  struct pkt a = pkt_tcp(client4, 1, server4, 80, PF_TCP_SYN, 100);
  struct pkt b = pkt_tcp(server4, 80, client4, 1, PF_TCP_SYN | PF_TCP_ACK, 20);
  struct pf_shard *both[2] = {&shard, used};
  struct pf_interval *done[2];
  for (int i = 0; i < 2; i++) {
    shard_pkt(both[i], &a, at(PF_DIR_TX, SEC(1)));
    shard_pkt(both[i], &b, at(PF_DIR_RX, SEC(1)));
    done[i] = pf_shard_swap_interval(both[i], true);
  }
  for (int k = 0; k < PF_TOP_KIND_COUNT; k++) {
    const struct pf_topn *x = &done[0]->top[k], *y = &done[1]->top[k];
    ck_assert_uint_eq(y->total[PF_DIR_TX], pkt_len(&a));
    ck_assert_uint_eq(y->total[PF_DIR_RX], pkt_len(&b));
    ck_assert_uint_eq(y->used, x->used);
    for (uint32_t n = 0; n < x->used; n++) {
      ck_assert_mem_eq(y->items[n].key, x->items[n].key, x->key_len);
      ck_assert_mem_eq(y->items[n].bytes, x->items[n].bytes,
                       sizeof(x->items[n].bytes));
    }
  }
  ck_assert_uint_eq(done[1]->top[PF_TOP_FLOWS].used, 1);
  ck_assert_uint_eq(done[1]->top[PF_TOP_HOSTS].used, 2);
  ck_assert_mem_eq(&used->counters, &shard.counters, sizeof(shard.counters));
  pf_shard_free(used);
  free(used);
}
END_TEST

START_TEST(test_swap_takes_the_unfinished_batch) {
  /* Packets whose batch has not ended yet still belong to the interval
   * being swapped out, every byte of them, and none to the next one. */
  struct pkt a = pkt_tcp(client4, 1, server4, 80, PF_TCP_SYN, 100);
  struct pkt b = pkt_tcp(server4, 80, client4, 1, PF_TCP_SYN | PF_TCP_ACK, 20);
  shard_pkt(&shard, &a, at(PF_DIR_TX, SEC(1)));
  shard_pkt(&shard, &b, at(PF_DIR_RX, SEC(1)));
  ck_assert_uint_eq(shard.cur->top[PF_TOP_FLOWS].used, 0); /* still summed */

  struct pf_interval *done = pf_shard_swap_interval(&shard, true);
  for (int k = 0; k < PF_TOP_KIND_COUNT; k++) {
    ck_assert_uint_eq(done->top[k].total[PF_DIR_TX], pkt_len(&a));
    ck_assert_uint_eq(done->top[k].total[PF_DIR_RX], pkt_len(&b));
    ck_assert_uint_eq(shard.cur->top[k].used, 0);
  }
  ck_assert_uint_eq(done->top[PF_TOP_FLOWS].used, 1);
  ck_assert_uint_eq(done->top[PF_TOP_FLOWS].items[0].bytes[PF_DIR_TX],
                    pkt_len(&a));
  ck_assert_uint_eq(done->top[PF_TOP_HOSTS].used, 2);
  pf_interval_reset(done);
}
END_TEST

/* ---- time ---- */

START_TEST(test_expire_advances_packet_time) {
  struct pkt p = {
      .proto = P_UDP, .src = client4, .dst = server4, .sport = 1, .dport = 2};
  feed(&p, PF_DIR_TX, SEC(10));
  uint64_t udp_to = SEC(test_timeouts.udp_s);
  pf_shard_expire(&shard, SEC(10) + udp_to - 1, 100);
  ck_assert_uint_eq(shard.clock.now_us, SEC(10) + udp_to - 1);
  ck_assert_uint_eq(pf_flow_table_count(&shard.flows), 1);
  pf_shard_expire(&shard, SEC(10) + udp_to, 100);
  ck_assert_uint_eq(pf_flow_table_count(&shard.flows), 0);
  ck_assert_uint_eq(shard.flows.stats.expired, 1);
  /* An earlier time does not move packet time back. */
  pf_shard_expire(&shard, SEC(1), 100);
  ck_assert_uint_eq(shard.clock.now_us, SEC(10) + udp_to);
}
END_TEST

START_TEST(test_late_packet_is_accounted_at_shard_time) {
  struct pkt p = {
      .proto = P_UDP, .src = client4, .dst = server4, .sport = 1, .dport = 2};
  feed(&p, PF_DIR_TX, SEC(100));
  struct pkt q = p;
  q.sport = 3;
  feed(&q, PF_DIR_TX, SEC(50)); /* stamped earlier: time stays at 100 s */
  ck_assert_uint_eq(shard.clock.now_us, SEC(100));
  struct pf_flow_key k;
  uint8_t side;
  ck_assert(pkt_key(&q, &k, &side));
  const struct pf_flow *f = pf_flow_table_find(&shard.flows, &k);
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(pf_flow_first_us(&shard.flows, f), SEC(100));
  /* ...and an older packet of a known flow neither restarts nor ages it. */
  feed(&p, PF_DIR_TX, SEC(1));
  ck_assert_uint_eq(shard.flows.stats.created, 2);
  ck_assert_uint_eq(shard.flows.stats.expired, 0);
}
END_TEST

START_TEST(test_expire_respects_the_budget) {
  for (uint16_t i = 0; i < 10; i++) {
    struct pkt p = {.proto = P_UDP,
                    .src = client4,
                    .dst = server4,
                    .sport = (uint16_t)(100 + i),
                    .dport = 2};
    feed(&p, PF_DIR_TX, SEC(1));
  }
  pf_shard_expire(&shard, SEC(1000), 4);
  ck_assert_uint_eq(pf_flow_table_count(&shard.flows), 6);
  pf_shard_expire(&shard, SEC(1000), 4);
  pf_shard_expire(&shard, SEC(1000), 4);
  ck_assert_uint_eq(pf_flow_table_count(&shard.flows), 0);
}
END_TEST

Suite *pf_shard_suite(void) {
  Suite *s = suite_create("shard");
  TCase *tc = tcase_create("pipeline");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_init_rejects_bad_sizes);
  tcase_add_test(tc, test_packet_feeds_counters_flows_and_sketches);
  tcase_add_test(tc, test_non_ip_and_malformed_only_counted);
  tcase_add_test(tc, test_flow_sketch_keyed_by_flow_key);
  suite_add_tcase(s, tc);

  tc = tcase_create("hosts");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_host_is_the_source_address);
  tcase_add_test(tc, test_v4_hosts_aggregate_to_prefix24);
  tcase_add_test(tc, test_v6_hosts_aggregate_to_prefix64);
  tcase_add_test(tc, test_prefix_inside_a_byte_masks_its_bits);
  suite_add_tcase(s, tc);

  tc = tcase_create("services");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_service_is_the_responders_port);
  tcase_add_test(tc, test_service_of_a_flow_first_seen_at_syn_ack);
  tcase_add_test(tc, test_service_mid_connection_is_the_lower_port);
  tcase_add_test(tc, test_udp_service_is_the_port_of_who_did_not_start);
  tcase_add_test(tc, test_services_without_ports_are_port_zero);
  suite_add_tcase(s, tc);

  tc = tcase_create("interval");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_distinct_counts_through_the_shard);
  tcase_add_test(tc, test_distinct_ports_of_both_sides);
  tcase_add_test(tc, test_swap_hands_over_the_finished_interval);
  tcase_add_test(tc, test_swap_takes_the_unfinished_batch);
  tcase_add_test(tc, test_interval_merge_adds_shards_up);
  tcase_add_test(tc, test_init_on_used_memory);
  suite_add_tcase(s, tc);

  tc = tcase_create("time");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_expire_advances_packet_time);
  tcase_add_test(tc, test_late_packet_is_accounted_at_shard_time);
  tcase_add_test(tc, test_expire_respects_the_budget);
  suite_add_tcase(s, tc);
  return s;
}
