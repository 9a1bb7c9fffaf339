/* test_counters.c - pf_counters_add, merge, size buckets, names, and their
 * invariants over random frames. */
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <pcap/dlt.h>

#include "frames.h"
#include "packet/direction.h"
#include "pcapflow/localnet.h"
#include "shard/packet_counters.h"
#include "suites.h"

/* A decoded packet as the decoder would leave it, without a frame. */
static struct pf_packet ip_packet(int l3, int l4, uint32_t len) {
  struct pf_packet p;
  memset(&p, 0, sizeof(p));
  p.wire_len = len;
  p.l3 = (uint8_t)l3;
  p.l4 = (uint8_t)l4;
  p.malformed = PF_MAL_NONE;
  return p;
}

static struct pf_packet non_ip_packet(uint32_t len) {
  return ip_packet(PF_L3_NON_IP, PF_L4_NONE, len);
}

static struct pf_packet malformed_packet(int reason, uint32_t len) {
  struct pf_packet p = ip_packet(PF_L3_MALFORMED, PF_L4_NONE, len);
  p.malformed = (int8_t)reason;
  return p;
}

/* Adds one packet to `want` by hand. */
static void want_traffic(struct pf_counters *want, enum pf_traffic_kind k,
                         enum pf_dir dir, uint32_t len) {
  want->traffic[k].packets[dir]++;
  want->traffic[k].octets[dir] += len;
}

/* Compares every counter, naming the one that differs. */
static void expect_counters(const struct pf_counters *got,
                            const struct pf_counters *want) {
  for (int k = 0; k < PF_TRAFFIC_COUNT; k++) {
    for (int d = 0; d < PF_DIR_COUNT; d++) {
      ck_assert_msg(got->traffic[k].packets[d] == want->traffic[k].packets[d],
                    "if_packets-%s[%s]: %llu, expected %llu",
                    pf_traffic_name(k), d ? "tx" : "rx",
                    (unsigned long long)got->traffic[k].packets[d],
                    (unsigned long long)want->traffic[k].packets[d]);
      ck_assert_msg(got->traffic[k].octets[d] == want->traffic[k].octets[d],
                    "if_octets-%s[%s]: %llu, expected %llu", pf_traffic_name(k),
                    d ? "tx" : "rx",
                    (unsigned long long)got->traffic[k].octets[d],
                    (unsigned long long)want->traffic[k].octets[d]);
    }
  }
  for (int b = 0; b < PF_SIZE_COUNT; b++)
    for (int d = 0; d < PF_DIR_COUNT; d++)
      ck_assert_msg(got->size[b][d] == want->size[b][d], "%s[%d]: %llu vs %llu",
                    pf_size_bucket_name(b), d,
                    (unsigned long long)got->size[b][d],
                    (unsigned long long)want->size[b][d]);
  for (int t = 0; t < PF_TCPF_COUNT; t++)
    for (int d = 0; d < PF_DIR_COUNT; d++)
      ck_assert_msg(got->tcp_flag[t][d] == want->tcp_flag[t][d],
                    "%s[%d]: %llu vs %llu", pf_tcp_flag_name(t), d,
                    (unsigned long long)got->tcp_flag[t][d],
                    (unsigned long long)want->tcp_flag[t][d]);
  for (int r = 0; r < PF_MAL_COUNT; r++)
    ck_assert_msg(got->malformed[r] == want->malformed[r],
                  "malformed_%s: %llu vs %llu", pf_malformed_name(r),
                  (unsigned long long)got->malformed[r],
                  (unsigned long long)want->malformed[r]);
}

/* ---- one packet at a time ---- */

START_TEST(test_ipv4_tcp_syn_rx) {
  struct pf_counters got = {0}, want = {0};
  struct pf_packet p = ip_packet(PF_L3_IPV4, PF_L4_TCP, 74);
  p.tcp_flags = PF_TCP_SYN;
  pf_counters_add(&got, &p, PF_DIR_RX, PF_LOCALITY_DST);

  want_traffic(&want, PF_TRAFFIC_ALL, PF_DIR_RX, 74);
  want_traffic(&want, PF_TRAFFIC_IPV4, PF_DIR_RX, 74);
  want_traffic(&want, PF_TRAFFIC_TCP, PF_DIR_RX, 74);
  want.size[PF_SIZE_65_127][PF_DIR_RX] = 1;
  want.tcp_flag[PF_TCPF_SYN][PF_DIR_RX] = 1;
  expect_counters(&got, &want);
}
END_TEST

START_TEST(test_ipv6_udp_tx_local_both) {
  struct pf_counters got = {0}, want = {0};
  struct pf_packet p = ip_packet(PF_L3_IPV6, PF_L4_UDP, 1500);
  pf_counters_add(&got, &p, PF_DIR_TX, PF_LOCALITY_BOTH);

  want_traffic(&want, PF_TRAFFIC_ALL, PF_DIR_TX, 1500);
  want_traffic(&want, PF_TRAFFIC_IPV6, PF_DIR_TX, 1500);
  want_traffic(&want, PF_TRAFFIC_UDP, PF_DIR_TX, 1500);
  want_traffic(&want, PF_TRAFFIC_LOCAL_BOTH, PF_DIR_TX, 1500);
  want.size[PF_SIZE_1024_1518][PF_DIR_TX] = 1;
  expect_counters(&got, &want);
}
END_TEST

/* Every transport class lands in its own series, and only there. */
START_TEST(test_each_transport_class) {
  static const struct {
    int l4;
    enum pf_traffic_kind kind;
  } classes[] = {
      {PF_L4_TCP, PF_TRAFFIC_TCP},    {PF_L4_UDP, PF_TRAFFIC_UDP},
      {PF_L4_ICMP, PF_TRAFFIC_ICMP},  {PF_L4_ICMPV6, PF_TRAFFIC_ICMPV6},
      {PF_L4_SCTP, PF_TRAFFIC_SCTP},  {PF_L4_GRE, PF_TRAFFIC_GRE},
      {PF_L4_OTHER, PF_TRAFFIC_OTHER}};
  for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
    for (int l3 = PF_L3_IPV4; l3 <= PF_L3_IPV6; l3++) {
      struct pf_counters got = {0}, want = {0};
      struct pf_packet p = ip_packet(l3, classes[i].l4, 200);
      pf_counters_add(&got, &p, PF_DIR_RX, PF_LOCALITY_NEITHER);
      want_traffic(&want, PF_TRAFFIC_ALL, PF_DIR_RX, 200);
      want_traffic(&want, l3 == PF_L3_IPV4 ? PF_TRAFFIC_IPV4 : PF_TRAFFIC_IPV6,
                   PF_DIR_RX, 200);
      want_traffic(&want, classes[i].kind, PF_DIR_RX, 200);
      want_traffic(&want, PF_TRAFFIC_LOCAL_NEITHER, PF_DIR_RX, 200);
      want.size[PF_SIZE_128_255][PF_DIR_RX] = 1;
      expect_counters(&got, &want);
    }
  }
}
END_TEST

START_TEST(test_non_ip_counts_class_and_local_unknown) {
  struct pf_counters got = {0}, want = {0};
  struct pf_packet p = non_ip_packet(60);
  pf_counters_add(&got, &p, PF_DIR_RX, PF_LOCALITY_UNKNOWN);
  want_traffic(&want, PF_TRAFFIC_ALL, PF_DIR_RX, 60);
  want_traffic(&want, PF_TRAFFIC_NON_IP, PF_DIR_RX, 60);
  want_traffic(&want, PF_TRAFFIC_LOCAL_UNKNOWN, PF_DIR_RX, 60);
  want.size[PF_SIZE_0_64][PF_DIR_RX] = 1;
  expect_counters(&got, &want);
}
END_TEST

/* Malformed packets count in `malformed` and their reason only. */
START_TEST(test_malformed_counts_class_and_reason_only) {
  for (int r = 0; r < PF_MAL_COUNT; r++) {
    struct pf_counters got = {0}, want = {0};
    struct pf_packet p = malformed_packet(r, 300);
    pf_counters_add(&got, &p, PF_DIR_TX, PF_LOCALITY_UNKNOWN);
    want_traffic(&want, PF_TRAFFIC_ALL, PF_DIR_TX, 300);
    want_traffic(&want, PF_TRAFFIC_MALFORMED, PF_DIR_TX, 300);
    want_traffic(&want, PF_TRAFFIC_LOCAL_UNKNOWN, PF_DIR_TX, 300);
    want.size[PF_SIZE_256_511][PF_DIR_TX] = 1;
    want.malformed[r] = 1;
    expect_counters(&got, &want);
  }
}
END_TEST

/* The same, from a real frame the decoder rejected (TCP header cut). */
START_TEST(test_decoded_malformed_tcp_counts_no_transport_or_flags) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 6});
  frame_tcp(&f, &(struct tcp){.sport = 1, .dport = 2, .flags = 0x07});
  frame_finish(&f);
  struct pf_packet p;
  free(frame_decode(&f, 40, f.len, &p));
  ck_assert_int_eq(p.l3, PF_L3_MALFORMED);

  struct pf_counters got = {0}, want = {0};
  pf_counters_add(&got, &p, PF_DIR_RX, PF_LOCALITY_UNKNOWN);
  want_traffic(&want, PF_TRAFFIC_ALL, PF_DIR_RX, f.len);
  want_traffic(&want, PF_TRAFFIC_MALFORMED, PF_DIR_RX, f.len);
  want_traffic(&want, PF_TRAFFIC_LOCAL_UNKNOWN, PF_DIR_RX, f.len);
  want.size[PF_SIZE_0_64][PF_DIR_RX] = 1;
  want.malformed[PF_MAL_SNAPLEN] = 1;
  expect_counters(&got, &want);
}
END_TEST

/* Fragments, first and later, count in their class and in `fragment`; a
 * later fragment has no TCP header, so no flags. */
START_TEST(test_fragments_count_in_class_and_fragment) {
  struct pf_counters got = {0}, want = {0};
  struct pf_packet first = ip_packet(PF_L3_IPV4, PF_L4_UDP, 1514);
  first.fragment = true;
  pf_counters_add(&got, &first, PF_DIR_RX, PF_LOCALITY_DST);
  want_traffic(&want, PF_TRAFFIC_ALL, PF_DIR_RX, 1514);
  want_traffic(&want, PF_TRAFFIC_IPV4, PF_DIR_RX, 1514);
  want_traffic(&want, PF_TRAFFIC_UDP, PF_DIR_RX, 1514);
  want_traffic(&want, PF_TRAFFIC_FRAGMENT, PF_DIR_RX, 1514);
  want.size[PF_SIZE_1024_1518][PF_DIR_RX]++;

  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x86dd);
  frame_ipv6(&f, &(struct ip6){.next = 44});
  frame_ipv6_frag(&f, 6, 185, false);
  frame_fill(&f, 0x3f, 100); /* would be all flags if read as TCP */
  frame_finish(&f);
  struct pf_packet later;
  free(frame_decode_whole(&f, &later));
  ck_assert(later.later_fragment);
  pf_counters_add(&got, &later, PF_DIR_TX, PF_LOCALITY_SRC);
  want_traffic(&want, PF_TRAFFIC_ALL, PF_DIR_TX, f.len);
  want_traffic(&want, PF_TRAFFIC_IPV6, PF_DIR_TX, f.len);
  want_traffic(&want, PF_TRAFFIC_TCP, PF_DIR_TX, f.len);
  want_traffic(&want, PF_TRAFFIC_FRAGMENT, PF_DIR_TX, f.len);
  want.size[PF_SIZE_128_255][PF_DIR_TX]++;
  expect_counters(&got, &want);
}
END_TEST

/* Only "both", "neither" and "unknown" have series of their own. */
START_TEST(test_locality_series) {
  static const struct {
    enum pf_locality loc;
    int kind; /* -1: none */
  } cases[] = {{PF_LOCALITY_SRC, -1},
               {PF_LOCALITY_DST, -1},
               {PF_LOCALITY_BOTH, PF_TRAFFIC_LOCAL_BOTH},
               {PF_LOCALITY_NEITHER, PF_TRAFFIC_LOCAL_NEITHER},
               {PF_LOCALITY_UNKNOWN, PF_TRAFFIC_LOCAL_UNKNOWN}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct pf_counters got = {0};
    struct pf_packet p = ip_packet(PF_L3_IPV4, PF_L4_OTHER, 100);
    pf_counters_add(&got, &p, PF_DIR_TX, cases[i].loc);
    for (int k = PF_TRAFFIC_LOCAL_BOTH; k <= PF_TRAFFIC_LOCAL_UNKNOWN; k++) {
      uint64_t n = k == cases[i].kind ? 1 : 0;
      ck_assert_uint_eq(got.traffic[k].packets[PF_DIR_TX], n);
      ck_assert_uint_eq(got.traffic[k].octets[PF_DIR_TX], n * 100);
      ck_assert_uint_eq(got.traffic[k].packets[PF_DIR_RX], 0);
    }
  }
}
END_TEST

/* ---- size buckets ---- */

START_TEST(test_size_bucket_edges) {
  static const struct {
    uint32_t len;
    enum pf_size_bucket bucket;
  } cases[] = {
      {0, PF_SIZE_0_64},          {1, PF_SIZE_0_64},
      {64, PF_SIZE_0_64},         {65, PF_SIZE_65_127},
      {127, PF_SIZE_65_127},      {128, PF_SIZE_128_255},
      {255, PF_SIZE_128_255},     {256, PF_SIZE_256_511},
      {511, PF_SIZE_256_511},     {512, PF_SIZE_512_1023},
      {1023, PF_SIZE_512_1023},   {1024, PF_SIZE_1024_1518},
      {1518, PF_SIZE_1024_1518},  {1519, PF_SIZE_1519_MAX},
      {9000, PF_SIZE_1519_MAX},   {65535, PF_SIZE_1519_MAX},
      {262144, PF_SIZE_1519_MAX}, {UINT32_MAX, PF_SIZE_1519_MAX},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    ck_assert_msg(pf_size_bucket_of(cases[i].len) == cases[i].bucket,
                  "len %u: bucket %d, expected %d", cases[i].len,
                  pf_size_bucket_of(cases[i].len), cases[i].bucket);
}
END_TEST

/* Every length up to 70,000 against the buckets' definition. */
START_TEST(test_size_bucket_every_length) {
  static const uint32_t upper[] = {64, 127, 255, 511, 1023, 1518, UINT32_MAX};
  for (uint32_t len = 0; len <= 70000; len++) {
    unsigned want = 0;
    while (len > upper[want])
      want++;
    ck_assert_msg((unsigned)pf_size_bucket_of(len) == want,
                  "len %u: bucket %d, expected %u", len, pf_size_bucket_of(len),
                  want);
  }
}
END_TEST

/* Through pf_counters_add: each edge pair splits across two buckets, and
 * every packet is in exactly one. */
START_TEST(test_size_buckets_counted_by_wire_len) {
  static const uint32_t lens[] = {64,  65,   127,  128,  255,  256, 511,
                                  512, 1023, 1024, 1518, 1519, 9000};
  static const uint64_t want[PF_SIZE_COUNT] = {1, 2, 2, 2, 2, 2, 2};
  struct pf_counters got = {0};
  for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
    struct pf_packet p = ip_packet(PF_L3_IPV6, PF_L4_UDP, lens[i]);
    pf_counters_add(&got, &p, PF_DIR_RX, PF_LOCALITY_DST);
  }
  for (int b = 0; b < PF_SIZE_COUNT; b++) {
    ck_assert_uint_eq(got.size[b][PF_DIR_RX], want[b]);
    ck_assert_uint_eq(got.size[b][PF_DIR_TX], 0);
  }
}
END_TEST

/* Byte counts and buckets use len, not what was captured. */
START_TEST(test_snapped_frame_counts_wire_len) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 17});
  frame_udp(&f, 1, 2);
  frame_fill(&f, 0, 1458);
  frame_finish(&f);
  ck_assert_uint_eq(f.len, 1500);
  struct pf_packet p;
  free(frame_decode(&f, 64, f.len, &p));
  struct pf_counters got = {0};
  pf_counters_add(&got, &p, PF_DIR_RX, PF_LOCALITY_DST);
  ck_assert_uint_eq(got.traffic[PF_TRAFFIC_ALL].octets[PF_DIR_RX], 1500);
  ck_assert_uint_eq(got.traffic[PF_TRAFFIC_UDP].octets[PF_DIR_RX], 1500);
  ck_assert_uint_eq(got.size[PF_SIZE_1024_1518][PF_DIR_RX], 1);
}
END_TEST

/* ---- TCP flags ---- */

START_TEST(test_tcp_flag_counting) {
  static const struct {
    uint8_t flags;
    uint64_t syn, synack, fin, rst;
  } cases[] = {
      {PF_TCP_SYN, 1, 0, 0, 0},
      {PF_TCP_SYN | PF_TCP_ACK, 0, 1, 0, 0},
      {PF_TCP_ACK, 0, 0, 0, 0},
      {PF_TCP_ACK | PF_TCP_PSH, 0, 0, 0, 0},
      {PF_TCP_FIN | PF_TCP_ACK, 0, 0, 1, 0},
      {PF_TCP_RST, 0, 0, 0, 1},
      {PF_TCP_RST | PF_TCP_ACK, 0, 0, 0, 1},
      {PF_TCP_FIN | PF_TCP_RST, 0, 0, 1, 1},
      {PF_TCP_SYN | PF_TCP_FIN, 1, 0, 1, 0},
      {0xff, 0, 1, 1, 1},
      {0, 0, 0, 0, 0},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    for (int d = 0; d < PF_DIR_COUNT; d++) {
      struct pf_counters got = {0};
      struct pf_packet p = ip_packet(PF_L3_IPV4, PF_L4_TCP, 60);
      p.tcp_flags = cases[i].flags;
      pf_counters_add(&got, &p, (enum pf_dir)d, PF_LOCALITY_SRC);
      ck_assert_uint_eq(got.tcp_flag[PF_TCPF_SYN][d], cases[i].syn);
      ck_assert_uint_eq(got.tcp_flag[PF_TCPF_SYNACK][d], cases[i].synack);
      ck_assert_uint_eq(got.tcp_flag[PF_TCPF_FIN][d], cases[i].fin);
      ck_assert_uint_eq(got.tcp_flag[PF_TCPF_RST][d], cases[i].rst);
      for (int t = 0; t < PF_TCPF_COUNT; t++)
        ck_assert_uint_eq(got.tcp_flag[t][!d], 0);
    }
  }
}
END_TEST

/* ---- merge ---- */

/* Fills every counter with a distinct value derived from `seed`. */
static void fill_pattern(struct pf_counters *c, uint64_t seed) {
  uint64_t v = seed;
  for (int k = 0; k < PF_TRAFFIC_COUNT; k++)
    for (int d = 0; d < PF_DIR_COUNT; d++) {
      c->traffic[k].packets[d] = v++;
      c->traffic[k].octets[d] = v++ * 1000;
    }
  for (int b = 0; b < PF_SIZE_COUNT; b++)
    for (int d = 0; d < PF_DIR_COUNT; d++)
      c->size[b][d] = v++;
  for (int t = 0; t < PF_TCPF_COUNT; t++)
    for (int d = 0; d < PF_DIR_COUNT; d++)
      c->tcp_flag[t][d] = v++;
  for (int r = 0; r < PF_MAL_COUNT; r++)
    c->malformed[r] = v++;
}

START_TEST(test_merge_adds_every_counter) {
  struct pf_counters a, b, want;
  fill_pattern(&a, 1);
  fill_pattern(&b, 1u << 20);
  pf_counters_merge(&a, &b);
  fill_pattern(&want, 1);
  for (int k = 0; k < PF_TRAFFIC_COUNT; k++)
    for (int d = 0; d < PF_DIR_COUNT; d++) {
      want.traffic[k].packets[d] += b.traffic[k].packets[d];
      want.traffic[k].octets[d] += b.traffic[k].octets[d];
    }
  for (int s = 0; s < PF_SIZE_COUNT; s++)
    for (int d = 0; d < PF_DIR_COUNT; d++)
      want.size[s][d] += b.size[s][d];
  for (int t = 0; t < PF_TCPF_COUNT; t++)
    for (int d = 0; d < PF_DIR_COUNT; d++)
      want.tcp_flag[t][d] += b.tcp_flag[t][d];
  for (int r = 0; r < PF_MAL_COUNT; r++)
    want.malformed[r] += b.malformed[r];
  expect_counters(&a, &want);

  /* The source is left alone. */
  struct pf_counters b_again;
  fill_pattern(&b_again, 1u << 20);
  expect_counters(&b, &b_again);
}
END_TEST

START_TEST(test_merge_of_zero_changes_nothing) {
  struct pf_counters a, zero = {0}, want;
  fill_pattern(&a, 7);
  fill_pattern(&want, 7);
  pf_counters_merge(&a, &zero);
  expect_counters(&a, &want);
}
END_TEST

/* Counting two halves separately and merging equals counting them all. */
START_TEST(test_merge_of_shards_equals_single_count) {
  struct pf_counters all = {0}, left = {0}, right = {0};
  uint64_t rng = 42;
  for (int i = 0; i < 200; i++) {
    struct frame f;
    frame_random(&f, &rng);
    struct pf_packet p;
    free(frame_decode_whole(&f, &p));
    enum pf_dir dir = (enum pf_dir)(frame_rand(&rng) % 2);
    enum pf_locality loc = (enum pf_locality)(frame_rand(&rng) % 5);
    pf_counters_add(&all, &p, dir, loc);
    pf_counters_add(i % 3 ? &left : &right, &p, dir, loc);
  }
  pf_counters_merge(&left, &right);
  expect_counters(&left, &all);
}
END_TEST

/* ---- names (docs/METRICS.md) ---- */

START_TEST(test_names_match_metrics_doc) {
  static const char *const traffic[PF_TRAFFIC_COUNT] = {
      "all",       "ipv4",       "ipv6",          "non_ip",
      "malformed", "tcp",        "udp",           "icmp",
      "icmpv6",    "sctp",       "gre",           "other",
      "fragment",  "local_both", "local_neither", "local_unknown"};
  static const char *const sizes[PF_SIZE_COUNT] = {
      "size_0_64",     "size_65_127",    "size_128_255", "size_256_511",
      "size_512_1023", "size_1024_1518", "size_1519_max"};
  static const char *const flags[PF_TCPF_COUNT] = {"tcp_syn", "tcp_synack",
                                                   "tcp_fin", "tcp_rst"};
  for (int k = 0; k < PF_TRAFFIC_COUNT; k++)
    ck_assert_str_eq(pf_traffic_name((enum pf_traffic_kind)k), traffic[k]);
  for (int b = 0; b < PF_SIZE_COUNT; b++)
    ck_assert_str_eq(pf_size_bucket_name((enum pf_size_bucket)b), sizes[b]);
  for (int t = 0; t < PF_TCPF_COUNT; t++)
    ck_assert_str_eq(pf_tcp_flag_name((enum pf_tcp_flag_kind)t), flags[t]);
}
END_TEST

/* ---- invariants over random frames ---- */

#define RANDOM_FRAMES 5000

/* Decodes thousands of random (often corrupted or cut) frames, decides
 * their direction and counts them; then every invariant of METRICS.md
 * must hold, and each class must match a tally kept here. This doubles as
 * a smoke fuzz of pf_decode under AddressSanitizer. */
START_TEST(test_random_frames_keep_invariants) {
  struct pf_localnet local;
  char err[128];
  struct pf_prefix pre;
  pf_localnet_init(&local);
  ck_assert_int_eq(pf_prefix_parse("192.0.2.0/24", &pre, err, sizeof(err)), 0);
  ck_assert_int_eq(pf_localnet_add(&local, &pre, err, sizeof(err)), 0);
  ck_assert_int_eq(pf_prefix_parse("2001:db8:1::/48", &pre, err, sizeof(err)),
                   0);
  ck_assert_int_eq(pf_localnet_add(&local, &pre, err, sizeof(err)), 0);

  struct pf_counters c = {0};
  uint64_t tally_l3[4][PF_DIR_COUNT] = {{0}}, tally_mal[PF_MAL_COUNT] = {0};
  uint64_t captured = 0, octets = 0;
  uint64_t rng = 0x1234567887654321ull;
  for (int i = 0; i < RANDOM_FRAMES; i++) {
    struct frame f;
    frame_random(&f, &rng);
    uint32_t len = f.len, caplen = f.len;
    switch (frame_rand(&rng) % 4) {
    case 0: /* snapped at a random point */
      caplen = frame_rand(&rng) % (f.len + 1);
      break;
    case 1: /* the wire had more than the frame */
      len = f.len + frame_rand(&rng) % 2000;
      break;
    case 2: /* now and then, a wire length no link carries */
      if (frame_rand(&rng) % 16 == 0)
        len = PF_WIRE_LEN_MAX + 1 +
              frame_rand(&rng) % (UINT32_MAX - PF_WIRE_LEN_MAX);
      break;
    default:
      break;
    }
    struct pf_packet p;
    uint8_t *buf = frame_decode(&f, caplen, len, &p);
    expect_complete(&p);
    enum pf_locality loc;
    const uint8_t *if_mac = frame_rand(&rng) % 2 ? mac_a : NULL;
    enum pf_dir dir = pf_direction(&local, if_mac, &p, &loc);
    ck_assert(dir == PF_DIR_RX || dir == PF_DIR_TX);
    ck_assert_int_eq(loc == PF_LOCALITY_UNKNOWN,
                     p.l3 == PF_L3_NON_IP || p.l3 == PF_L3_MALFORMED);
    pf_counters_add(&c, &p, dir, loc);
    free(buf);

    tally_l3[p.l3][dir]++;
    if (p.l3 == PF_L3_MALFORMED)
      tally_mal[p.malformed]++;
    captured++;
    /* what the frame's bytes count as (docs/DECODING.md, "Lengths") */
    octets += len <= PF_WIRE_LEN_MAX ? len : (caplen < len ? caplen : len);
  }
  pf_localnet_free(&local);

  uint64_t all_packets = 0, all_octets = 0, mal = 0, mal_reasons = 0;
  for (int d = 0; d < PF_DIR_COUNT; d++) {
    for (int m = 0; m < 2; m++) { /* packets, then octets */
#define V(kind) (m ? c.traffic[kind].octets[d] : c.traffic[kind].packets[d])
      ck_assert_uint_eq(V(PF_TRAFFIC_ALL),
                        V(PF_TRAFFIC_IPV4) + V(PF_TRAFFIC_IPV6) +
                            V(PF_TRAFFIC_NON_IP) + V(PF_TRAFFIC_MALFORMED));
      ck_assert_uint_eq(V(PF_TRAFFIC_IPV4) + V(PF_TRAFFIC_IPV6),
                        V(PF_TRAFFIC_TCP) + V(PF_TRAFFIC_UDP) +
                            V(PF_TRAFFIC_ICMP) + V(PF_TRAFFIC_ICMPV6) +
                            V(PF_TRAFFIC_SCTP) + V(PF_TRAFFIC_GRE) +
                            V(PF_TRAFFIC_OTHER));
      /* local_unknown is exactly non_ip + malformed; both/neither are IP. */
      ck_assert_uint_eq(V(PF_TRAFFIC_LOCAL_UNKNOWN),
                        V(PF_TRAFFIC_NON_IP) + V(PF_TRAFFIC_MALFORMED));
      ck_assert_uint_le(V(PF_TRAFFIC_LOCAL_BOTH) + V(PF_TRAFFIC_LOCAL_NEITHER),
                        V(PF_TRAFFIC_IPV4) + V(PF_TRAFFIC_IPV6));
      ck_assert_uint_le(V(PF_TRAFFIC_FRAGMENT),
                        V(PF_TRAFFIC_IPV4) + V(PF_TRAFFIC_IPV6));
#undef V
    }
    uint64_t buckets = 0;
    for (int b = 0; b < PF_SIZE_COUNT; b++)
      buckets += c.size[b][d];
    ck_assert_uint_eq(buckets, c.traffic[PF_TRAFFIC_ALL].packets[d]);
    ck_assert_uint_le(c.tcp_flag[PF_TCPF_SYN][d] +
                          c.tcp_flag[PF_TCPF_SYNACK][d],
                      c.traffic[PF_TRAFFIC_TCP].packets[d]);
    ck_assert_uint_le(c.tcp_flag[PF_TCPF_FIN][d],
                      c.traffic[PF_TRAFFIC_TCP].packets[d]);
    ck_assert_uint_le(c.tcp_flag[PF_TCPF_RST][d],
                      c.traffic[PF_TRAFFIC_TCP].packets[d]);
    for (int l3 = 0; l3 < 4; l3++)
      ck_assert_uint_eq(c.traffic[PF_TRAFFIC_IPV4 + l3].packets[d],
                        tally_l3[l3][d]);
    all_packets += c.traffic[PF_TRAFFIC_ALL].packets[d];
    all_octets += c.traffic[PF_TRAFFIC_ALL].octets[d];
    mal += c.traffic[PF_TRAFFIC_MALFORMED].packets[d];
  }
  for (int r = 0; r < PF_MAL_COUNT; r++) {
    ck_assert_uint_eq(c.malformed[r], tally_mal[r]);
    mal_reasons += c.malformed[r];
  }
  ck_assert_uint_eq(mal_reasons, mal);
  ck_assert_uint_eq(all_packets, captured);
  ck_assert_uint_eq(all_octets, octets);

  /* The mix must actually exercise every outcome. */
  for (int l3 = 0; l3 < 4; l3++)
    ck_assert_uint_gt(tally_l3[l3][0] + tally_l3[l3][1], 0);
  for (int r = 0; r < PF_MAL_COUNT; r++)
    ck_assert_msg(tally_mal[r] > 0, "no random frame was %s",
                  pf_malformed_name(r));
  for (int k = PF_TRAFFIC_TCP; k < PF_TRAFFIC_COUNT; k++)
    ck_assert_msg(c.traffic[k].packets[0] + c.traffic[k].packets[1] > 0,
                  "no random frame counted in %s", pf_traffic_name(k));
}
END_TEST

Suite *pf_counters_suite(void) {
  Suite *s = suite_create("counters");
  TCase *tc = tcase_create("add");
  tcase_add_test(tc, test_ipv4_tcp_syn_rx);
  tcase_add_test(tc, test_ipv6_udp_tx_local_both);
  tcase_add_test(tc, test_each_transport_class);
  tcase_add_test(tc, test_non_ip_counts_class_and_local_unknown);
  tcase_add_test(tc, test_malformed_counts_class_and_reason_only);
  tcase_add_test(tc, test_decoded_malformed_tcp_counts_no_transport_or_flags);
  tcase_add_test(tc, test_fragments_count_in_class_and_fragment);
  tcase_add_test(tc, test_locality_series);
  suite_add_tcase(s, tc);

  tc = tcase_create("sizes_and_flags");
  tcase_add_test(tc, test_size_bucket_edges);
  tcase_add_test(tc, test_size_bucket_every_length);
  tcase_add_test(tc, test_size_buckets_counted_by_wire_len);
  tcase_add_test(tc, test_snapped_frame_counts_wire_len);
  tcase_add_test(tc, test_tcp_flag_counting);
  suite_add_tcase(s, tc);

  tc = tcase_create("merge_and_names");
  tcase_add_test(tc, test_merge_adds_every_counter);
  tcase_add_test(tc, test_merge_of_zero_changes_nothing);
  tcase_add_test(tc, test_merge_of_shards_equals_single_count);
  tcase_add_test(tc, test_names_match_metrics_doc);
  suite_add_tcase(s, tc);

  tc = tcase_create("invariants");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_random_frames_keep_invariants);
  suite_add_tcase(s, tc);
  return s;
}
