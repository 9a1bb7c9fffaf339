/* test_flow_probe.c - pf_flow_table_probe, the compact key the table hashes
 * and stores, against what it must equal: the wide key of the same packet
 * (pf_flow_key_of) made compact (pf_flow_probe_of_key), its sender's side
 * decided by memcmp's order of the addresses and then the ports, and its
 * hash pf_hash_bytes over the key's bytes. The probe builds its key in one
 * pass from the packet's fields; these tests hold it to the slow forms. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "base/hash.h"
#include "flow_packets.h"
#include "suites.h"

static struct pf_flow_table table;

static void setup(void) {
  char err[256];
  ck_assert_msg(
      pf_flow_table_init(&table, 64, &test_timeouts, err, sizeof(err)) == 0,
      "%s", err);
}
static void teardown(void) { pf_flow_table_free(&table); }

/* The side by the rule itself: the source sorts above the destination,
 * address first (as bytes), then port. */
static uint8_t reference_side(const struct pf_packet *pkt,
                              const struct pf_flow_key *k) {
  size_t alen = pkt->l3 == PF_L3_IPV4 ? 4 : 16;
  int order = memcmp(pkt->src_ip, pkt->dst_ip, alen);
  if (order == 0) {
    uint16_t sport = pkt->has_ports ? pkt->src_port : k->port[0];
    uint16_t dport = pkt->has_ports ? pkt->dst_port : k->port[1];
    order = (int)sport - (int)dport;
  }
  return order > 0;
}

/* The probe of a decoded packet equals the slow forms, field by field and
 * byte by byte; returns its side. */
static uint8_t expect_probe_matches(const struct pf_packet *pkt) {
  struct pf_flow_probe fast, slow;
  memset(&fast, 0xa5, sizeof(fast));
  pf_flow_table_probe(&table, pkt, &fast);
  struct pf_flow_key wide;
  uint8_t side = 9;
  bool ip = pf_flow_key_of(pkt, &wide, &side);
  if (!ip) {
    ck_assert_uint_eq(fast.family, 0);
    return 0;
  }
  pf_flow_probe_of_key(&table, &wide, &slow);
  ck_assert_uint_eq(fast.family, slow.family);
  ck_assert_uint_eq(fast.side, side);
  ck_assert_uint_eq(side, reference_side(pkt, &wide));
  size_t klen =
      fast.family == 4 ? sizeof(struct pf_key4) : sizeof(struct pf_key6);
  ck_assert_mem_eq(&fast.key, &slow.key, klen);
  ck_assert_uint_eq(fast.hash, slow.hash);
  ck_assert_uint_eq(fast.hash, pf_hash_bytes(table.seed, &fast.key, klen));
  return fast.side;
}

static uint8_t expect_pkt_probe(struct pkt p) {
  struct pf_packet pkt;
  uint8_t *buf = pkt_decode(&p, &pkt);
  uint8_t side = expect_probe_matches(&pkt);
  free(buf);
  return side;
}

/* ---- the order's edges ---- */

static const uint8_t v4_x[4] = {198, 18, 0, 1};
static const uint8_t v4_y[4] = {198, 18, 1, 0}; /* above x as bytes only */
/* Equal in their first 8 bytes: the second half decides. */
static const uint8_t v6_x[16] = {0x20, 0x01, 0x0d, 0xb8, [8] = 0x01, [15] = 2};
static const uint8_t v6_y[16] = {0x20, 0x01, 0x0d, 0xb8, [8] = 0x02, [15] = 1};

START_TEST(test_probe_v4_address_order_is_bytes) {
  struct pkt p = {.proto = P_TCP,
                  .src = v4_y,
                  .dst = v4_x,
                  .sport = 1,
                  .dport = 2,
                  .flags = PF_TCP_SYN};
  ck_assert_uint_eq(expect_pkt_probe(p), 1);
  ck_assert_uint_eq(expect_pkt_probe(pkt_reply(p)), 0);
}
END_TEST

START_TEST(test_probe_v6_second_half_decides) {
  struct pkt p = {.family = 6,
                  .proto = P_UDP,
                  .src = v6_y,
                  .dst = v6_x,
                  .sport = 1,
                  .dport = 2};
  ck_assert_uint_eq(expect_pkt_probe(p), 1);
  ck_assert_uint_eq(expect_pkt_probe(pkt_reply(p)), 0);
}
END_TEST

START_TEST(test_probe_same_address_ports_decide) {
  struct pkt p4 = {.proto = P_UDP,
                   .src = v4_x,
                   .dst = v4_x,
                   .sport = 0x0102,
                   .dport = 0x0201};
  ck_assert_uint_eq(expect_pkt_probe(p4), 0);
  ck_assert_uint_eq(expect_pkt_probe(pkt_reply(p4)), 1);
  struct pkt p6 = {.family = 6,
                   .proto = P_TCP,
                   .src = v6_x,
                   .dst = v6_x,
                   .sport = 443,
                   .dport = 80,
                   .flags = PF_TCP_ACK};
  ck_assert_uint_eq(expect_pkt_probe(p6), 1);
  ck_assert_uint_eq(expect_pkt_probe(pkt_reply(p6)), 0);
  /* One endpoint talking to itself: side 0. */
  p4.dport = p4.sport;
  ck_assert_uint_eq(expect_pkt_probe(p4), 0);
}
END_TEST

START_TEST(test_probe_echo_and_vlans) {
  struct pkt echo = {.proto = P_ICMP,
                     .src = v4_y,
                     .dst = v4_x,
                     .icmp_type = 8,
                     .icmp_id = 0x1234,
                     .vlans = 2,
                     .vlan_outer = 100,
                     .vlan_inner = 4094};
  ck_assert_uint_eq(expect_pkt_probe(echo), 1);
  ck_assert_uint_eq(expect_pkt_probe(pkt_reply(echo)), 0);
  struct pkt echo6 = {.family = 6,
                      .proto = P_ICMPV6,
                      .src = v6_x,
                      .dst = v6_x,
                      .icmp_type = 128,
                      .icmp_id = 7,
                      .vlans = 1,
                      .vlan_outer = 5};
  ck_assert_uint_eq(expect_pkt_probe(echo6), 0);
}
END_TEST

/* ---- every kind of frame ---- */

START_TEST(test_probe_random_frames) {
  uint64_t state = 0x5eed0715;
  struct frame f;
  for (int i = 0; i < 3000; i++) {
    frame_random(&f, &state);
    struct pf_packet pkt;
    uint8_t *buf = frame_decode_whole(&f, &pkt);
    expect_probe_matches(&pkt);
    free(buf);
  }
}
END_TEST

Suite *pf_flow_probe_suite(void) {
  Suite *s = suite_create("flow_probe");
  TCase *tc = tcase_create("probe");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_probe_v4_address_order_is_bytes);
  tcase_add_test(tc, test_probe_v6_second_half_decides);
  tcase_add_test(tc, test_probe_same_address_ports_decide);
  tcase_add_test(tc, test_probe_echo_and_vlans);
  tcase_add_test(tc, test_probe_random_frames);
  suite_add_tcase(s, tc);
  return s;
}
