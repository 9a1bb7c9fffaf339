/* test_flow_key.c - pf_flow_key_of: one canonical key per conversation,
 * whatever the direction, for every kind of packet that has a flow. */
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <pcap/dlt.h>

#include "flow_packets.h"
#include "suites.h"

/* Addresses in a known order: lo sorts below hi. */
static const uint8_t lo4[4] = {10, 0, 0, 1};
static const uint8_t hi4[4] = {10, 0, 0, 2};
static const uint8_t lo6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t hi6[16] = {0x20, 0x01, 0x0d, 0xb8, [14] = 1, [15] = 0};

/* Both directions of p must give one key with opposite sender sides. */
static struct pf_flow_key expect_same_key_both_ways(struct pkt p) {
  struct pf_flow_key there, back;
  uint8_t side_there, side_back;
  ck_assert(pkt_key(&p, &there, &side_there));
  struct pkt r = pkt_reply(p);
  ck_assert(pkt_key(&r, &back, &side_back));
  ck_assert_mem_eq(&there, &back, sizeof(there));
  ck_assert_uint_le(side_there, 1);
  ck_assert_uint_eq(side_back, 1 - side_there);
  return there;
}

static bool keys_equal(struct pkt a, struct pkt b) {
  struct pf_flow_key ka, kb;
  uint8_t s;
  ck_assert(pkt_key(&a, &ka, &s));
  ck_assert(pkt_key(&b, &kb, &s));
  return memcmp(&ka, &kb, sizeof(ka)) == 0;
}

/* ---- direction-free keys ---- */

START_TEST(test_tcp_v4_both_directions_one_key) {
  struct pkt p = {.proto = P_TCP,
                  .src = hi4,
                  .sport = 40000,
                  .dst = lo4,
                  .dport = 80,
                  .flags = PF_TCP_SYN};
  struct pf_flow_key k = expect_same_key_both_ways(p);
  /* The lower address is side 0, whoever sent. */
  ck_assert_mem_eq(k.addr[0], lo4, 4);
  ck_assert_mem_eq(k.addr[1], hi4, 4);
  ck_assert_uint_eq(k.port[0], 80);
  ck_assert_uint_eq(k.port[1], 40000);
  ck_assert_uint_eq(k.proto, P_TCP);
  ck_assert_uint_eq(k.family, 4);
}
END_TEST

START_TEST(test_sender_side_follows_address_order) {
  struct pf_flow_key k;
  uint8_t side;
  struct pkt from_lo = {
      .proto = P_UDP, .src = lo4, .sport = 9, .dst = hi4, .dport = 1};
  ck_assert(pkt_key(&from_lo, &k, &side));
  ck_assert_uint_eq(side, 0);
  struct pkt from_hi = pkt_reply(from_lo);
  ck_assert(pkt_key(&from_hi, &k, &side));
  ck_assert_uint_eq(side, 1);
}
END_TEST

START_TEST(test_udp_v6_both_directions_one_key) {
  struct pkt p = {.family = 6,
                  .proto = P_UDP,
                  .src = hi6,
                  .sport = 5353,
                  .dst = lo6,
                  .dport = 53};
  struct pf_flow_key k = expect_same_key_both_ways(p);
  ck_assert_mem_eq(k.addr[0], lo6, 16);
  ck_assert_mem_eq(k.addr[1], hi6, 16);
  ck_assert_uint_eq(k.port[0], 53);
  ck_assert_uint_eq(k.port[1], 5353);
  ck_assert_uint_eq(k.family, 6);
}
END_TEST

START_TEST(test_same_address_lower_port_is_side0) {
  /* Loopback-like traffic: the ports decide the order. */
  struct pkt p = {.proto = P_TCP,
                  .src = lo4,
                  .sport = 5000,
                  .dst = lo4,
                  .dport = 22,
                  .flags = PF_TCP_ACK};
  struct pf_flow_key k = expect_same_key_both_ways(p);
  ck_assert_uint_eq(k.port[0], 22);
  ck_assert_uint_eq(k.port[1], 5000);
  uint8_t side;
  ck_assert(pkt_key(&p, &k, &side));
  ck_assert_uint_eq(side, 1);
}
END_TEST

START_TEST(test_key_bytes_beyond_fields_are_zero) {
  /* Keys are hashed and compared as bytes: the v4 address tails and the
   * padding must be zero, whatever was in the struct before. */
  struct pf_flow_key k;
  memset(&k, 0xee, sizeof(k));
  uint8_t side = 7;
  struct pkt p = {
      .proto = P_UDP, .src = lo4, .dst = hi4, .sport = 1, .dport = 2};
  ck_assert(pkt_key(&p, &k, &side));
  static const uint8_t zero[12];
  ck_assert_mem_eq(k.addr[0] + 4, zero, 12);
  ck_assert_mem_eq(k.addr[1] + 4, zero, 12);
  ck_assert_uint_eq(k.pad, 0);
  ck_assert_uint_eq(k.echo, 0);
  ck_assert_uint_eq(k.vlan_outer, 0);
  ck_assert_uint_eq(k.vlan_inner, 0);
}
END_TEST

START_TEST(test_five_tuple_fields_each_make_a_different_key) {
  struct pkt base = {.proto = P_TCP,
                     .src = lo4,
                     .sport = 1000,
                     .dst = hi4,
                     .dport = 80,
                     .flags = PF_TCP_ACK};
  struct pkt other_sport = base, other_dport = base, other_proto = base,
             other_addr = base, v6 = base;
  other_sport.sport = 1001;
  other_dport.dport = 81;
  other_proto.proto = P_UDP;
  other_addr.dst = v4_b;
  v6.family = 6;
  v6.src = v6.dst = NULL;
  ck_assert(keys_equal(base, base));
  ck_assert(!keys_equal(base, other_sport));
  ck_assert(!keys_equal(base, other_dport));
  ck_assert(!keys_equal(base, other_proto));
  ck_assert(!keys_equal(base, other_addr));
  ck_assert(!keys_equal(base, v6));
}
END_TEST

/* ---- VLANs ---- */

START_TEST(test_vlan_ids_are_part_of_the_key) {
  struct pkt untagged = {
      .proto = P_UDP, .src = lo4, .sport = 1, .dst = hi4, .dport = 2};
  struct pkt v10 = untagged, v20 = untagged, qinq = untagged, qinq_swapped;
  v10.vlans = 1;
  v10.vlan_outer = 10;
  v20.vlans = 1;
  v20.vlan_outer = 20;
  qinq.vlans = 2;
  qinq.vlan_outer = 10;
  qinq.vlan_inner = 20;
  qinq_swapped = qinq;
  qinq_swapped.vlan_outer = 20;
  qinq_swapped.vlan_inner = 10;
  ck_assert(!keys_equal(untagged, v10));
  ck_assert(!keys_equal(v10, v20));
  ck_assert(!keys_equal(v10, qinq));
  ck_assert(!keys_equal(qinq, qinq_swapped));

  struct pf_flow_key k = expect_same_key_both_ways(qinq);
  ck_assert_uint_eq(k.vlan_outer, 10);
  ck_assert_uint_eq(k.vlan_inner, 20);
  k = expect_same_key_both_ways(v10);
  ck_assert_uint_eq(k.vlan_outer, 10);
}
END_TEST

/* ---- ICMP ---- */

START_TEST(test_icmp_echo_request_and_reply_are_one_flow) {
  struct pkt req = {.proto = P_ICMP,
                    .src = hi4,
                    .dst = lo4,
                    .icmp_type = 8,
                    .icmp_id = 0x4242};
  struct pf_flow_key k = expect_same_key_both_ways(req); /* reply: type 0 */
  ck_assert_uint_eq(k.port[0], 0x4242);
  ck_assert_uint_eq(k.port[1], 0x4242);
  ck_assert_uint_eq(k.proto, P_ICMP);
  ck_assert_uint_eq(k.echo, 1);
}
END_TEST

START_TEST(test_icmp_echo_identifiers_separate_flows) {
  struct pkt a = {
      .proto = P_ICMP, .src = lo4, .dst = hi4, .icmp_type = 8, .icmp_id = 1};
  struct pkt b = a;
  b.icmp_id = 2;
  ck_assert(!keys_equal(a, b));
}
END_TEST

START_TEST(test_icmpv6_echo_request_and_reply_are_one_flow) {
  struct pkt req = {.family = 6,
                    .proto = P_ICMPV6,
                    .src = lo6,
                    .dst = hi6,
                    .icmp_type = 128,
                    .icmp_id = 777};
  struct pf_flow_key k = expect_same_key_both_ways(req); /* reply: 129 */
  ck_assert_uint_eq(k.port[0], 777);
  ck_assert_uint_eq(k.port[1], 777);
  ck_assert_uint_eq(k.family, 6);
}
END_TEST

START_TEST(test_icmp_non_echo_types_keyed_by_address_pair) {
  /* Destination unreachable one way, time exceeded the other: one flow
   * per address pair, ports 0, distinct from the echo flows. */
  struct pkt unreach = {
      .proto = P_ICMP, .src = lo4, .dst = hi4, .icmp_type = 3, .icmp_id = 99};
  struct pkt exceeded = {
      .proto = P_ICMP, .src = hi4, .dst = lo4, .icmp_type = 11, .icmp_id = 5};
  struct pf_flow_key k1, k2;
  uint8_t s1, s2;
  ck_assert(pkt_key(&unreach, &k1, &s1));
  ck_assert(pkt_key(&exceeded, &k2, &s2));
  ck_assert_mem_eq(&k1, &k2, sizeof(k1));
  ck_assert_uint_eq(s2, 1 - s1);
  ck_assert_uint_eq(k1.port[0], 0);
  ck_assert_uint_eq(k1.port[1], 0);
  ck_assert_uint_eq(k1.echo, 0);

  struct pkt echo = {
      .proto = P_ICMP, .src = lo4, .dst = hi4, .icmp_type = 8, .icmp_id = 99};
  ck_assert(!keys_equal(unreach, echo));
}
END_TEST

START_TEST(test_icmp_echo_id_zero_is_not_the_error_flow) {
  /* Identifier 0 is a valid echo identifier: its flow must not merge with
   * the address pair's flow of ICMP errors. */
  struct pkt echo = {
      .proto = P_ICMP, .src = lo4, .dst = hi4, .icmp_type = 8, .icmp_id = 0};
  struct pkt unreach = {
      .proto = P_ICMP, .src = lo4, .dst = hi4, .icmp_type = 3};
  ck_assert(!keys_equal(echo, unreach));
  struct pf_flow_key k = expect_same_key_both_ways(echo);
  ck_assert_uint_eq(k.echo, 1);
  ck_assert_uint_eq(k.port[0], 0);
}
END_TEST

START_TEST(test_icmpv6_non_echo_types_have_ports_zero) {
  /* Neighbour solicitation; and the ICMPv4 echo numbers mean nothing in
   * ICMPv6. */
  static const uint8_t types[] = {135, 1, 8, 0};
  for (unsigned i = 0; i < sizeof(types); i++) {
    struct pkt p = {.family = 6,
                    .proto = P_ICMPV6,
                    .src = lo6,
                    .dst = hi6,
                    .icmp_type = types[i],
                    .icmp_id = 1234};
    struct pf_flow_key k = expect_same_key_both_ways(p);
    ck_assert_msg(k.port[0] == 0 && k.port[1] == 0 && k.echo == 0,
                  "ICMPv6 type %u", types[i]);
  }
}
END_TEST

START_TEST(test_icmpv4_uses_only_icmpv4_echo_types) {
  /* 128/129 are ICMPv6 echo, not ICMPv4. */
  struct pkt p = {.proto = P_ICMP,
                  .src = lo4,
                  .dst = hi4,
                  .icmp_type = 128,
                  .icmp_id = 1234};
  struct pf_flow_key k = expect_same_key_both_ways(p);
  ck_assert_uint_eq(k.port[0], 0);
  ck_assert_uint_eq(k.port[1], 0);
}
END_TEST

/* ---- other protocols and fragments ---- */

START_TEST(test_protocols_without_ports_keyed_by_address_pair) {
  static const uint8_t protos[] = {P_GRE, P_ESP, 89 /* OSPF */};
  for (unsigned i = 0; i < sizeof(protos); i++) {
    struct pkt p = {.proto = protos[i], .src = hi4, .dst = lo4, .payload = 20};
    struct pf_flow_key k = expect_same_key_both_ways(p);
    ck_assert_uint_eq(k.proto, protos[i]);
    ck_assert_uint_eq(k.port[0], 0);
    ck_assert_uint_eq(k.port[1], 0);
    ck_assert_mem_eq(k.addr[0], lo4, 4);
  }
}
END_TEST

START_TEST(test_sctp_is_keyed_by_ports) {
  struct pkt p = {
      .proto = P_SCTP, .src = lo4, .sport = 5060, .dst = hi4, .dport = 2905};
  struct pf_flow_key k = expect_same_key_both_ways(p);
  ck_assert_uint_eq(k.port[0], 5060);
  ck_assert_uint_eq(k.port[1], 2905);
}
END_TEST

START_TEST(test_later_fragments_keyed_with_ports_zero) {
  for (int family = 4; family <= 6; family += 2) {
    struct pkt first = {.family = family,
                        .proto = P_UDP,
                        .sport = 4000,
                        .dport = 53,
                        .first_fragment = true,
                        .payload = 16};
    struct pkt later = first;
    later.first_fragment = false;
    later.later_fragment = true;
    /* The first fragment carries the ports and joins the 5-tuple flow. */
    struct pf_flow_key k = expect_same_key_both_ways(first);
    ck_assert(k.port[0] == 53 || k.port[1] == 53);
    /* A later one has no ports: its own address-pair flow. */
    k = expect_same_key_both_ways(later);
    ck_assert_uint_eq(k.port[0], 0);
    ck_assert_uint_eq(k.port[1], 0);
    ck_assert_uint_eq(k.proto, P_UDP);
    ck_assert_uint_eq(k.family, family);
    ck_assert(!keys_equal(first, later));
  }
}
END_TEST

/* ---- no key ---- */

START_TEST(test_non_ip_has_no_key) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x0806); /* ARP */
  frame_fill(&f, 0, 28);
  struct pf_packet pkt;
  uint8_t *buf = frame_decode_whole(&f, &pkt);
  ck_assert_int_eq(pkt.l3, PF_L3_NON_IP);
  struct pf_flow_key k;
  uint8_t side;
  ck_assert(!pf_flow_key_of(&pkt, &k, &side));
  free(buf);
}
END_TEST

START_TEST(test_malformed_has_no_key) {
  /* A TCP header cut short inside the IP length: malformed l4_header. */
  struct frame f;
  struct pkt p = {.proto = P_TCP, .sport = 1, .dport = 2};
  pkt_frame(&f, &p);
  f.data[f.l4_off + 12] = 0x20; /* data offset 2 words: invalid */
  struct pf_packet pkt;
  uint8_t *buf = frame_decode_whole(&f, &pkt);
  ck_assert_int_eq(pkt.l3, PF_L3_MALFORMED);
  struct pf_flow_key k;
  uint8_t side;
  ck_assert(!pf_flow_key_of(&pkt, &k, &side));
  free(buf);
}
END_TEST

START_TEST(test_random_frames_have_a_key_exactly_when_ip) {
  uint64_t state = 0x5eed0001;
  struct frame f;
  for (int i = 0; i < 1500; i++) {
    frame_random(&f, &state);
    struct pf_packet pkt;
    uint8_t *buf = frame_decode_whole(&f, &pkt);
    struct pf_flow_key k;
    uint8_t side = 9;
    bool ip = pkt.l3 == PF_L3_IPV4 || pkt.l3 == PF_L3_IPV6;
    ck_assert_int_eq(pf_flow_key_of(&pkt, &k, &side), ip);
    if (ip) {
      ck_assert_uint_le(side, 1);
      ck_assert_uint_eq(k.family, pkt.l3 == PF_L3_IPV4 ? 4 : 6);
      ck_assert_uint_eq(k.proto, pkt.ip_proto);
      ck_assert_uint_eq(k.pad, 0);
      /* The sender's address is on its side. */
      ck_assert_mem_eq(k.addr[side], pkt.src_ip, k.family == 4 ? 4 : 16);
      ck_assert_mem_eq(k.addr[1 - side], pkt.dst_ip, k.family == 4 ? 4 : 16);
      if (pkt.has_ports) {
        ck_assert_uint_eq(k.port[side], pkt.src_port);
        ck_assert_uint_eq(k.port[1 - side], pkt.dst_port);
      }
      /* Side 0 sorts first. */
      ck_assert_int_le(memcmp(k.addr[0], k.addr[1], 16), 0);
    }
    free(buf);
  }
}
END_TEST

Suite *pf_flow_key_suite(void) {
  Suite *s = suite_create("flow_key");
  TCase *tc = tcase_create("canonical");
  tcase_add_test(tc, test_tcp_v4_both_directions_one_key);
  tcase_add_test(tc, test_sender_side_follows_address_order);
  tcase_add_test(tc, test_udp_v6_both_directions_one_key);
  tcase_add_test(tc, test_same_address_lower_port_is_side0);
  tcase_add_test(tc, test_key_bytes_beyond_fields_are_zero);
  tcase_add_test(tc, test_five_tuple_fields_each_make_a_different_key);
  tcase_add_test(tc, test_vlan_ids_are_part_of_the_key);
  suite_add_tcase(s, tc);

  tc = tcase_create("icmp");
  tcase_add_test(tc, test_icmp_echo_request_and_reply_are_one_flow);
  tcase_add_test(tc, test_icmp_echo_identifiers_separate_flows);
  tcase_add_test(tc, test_icmpv6_echo_request_and_reply_are_one_flow);
  tcase_add_test(tc, test_icmp_non_echo_types_keyed_by_address_pair);
  tcase_add_test(tc, test_icmp_echo_id_zero_is_not_the_error_flow);
  tcase_add_test(tc, test_icmpv6_non_echo_types_have_ports_zero);
  tcase_add_test(tc, test_icmpv4_uses_only_icmpv4_echo_types);
  suite_add_tcase(s, tc);

  tc = tcase_create("other");
  tcase_add_test(tc, test_protocols_without_ports_keyed_by_address_pair);
  tcase_add_test(tc, test_sctp_is_keyed_by_ports);
  tcase_add_test(tc, test_later_fragments_keyed_with_ports_zero);
  tcase_add_test(tc, test_non_ip_has_no_key);
  tcase_add_test(tc, test_malformed_has_no_key);
  tcase_add_test(tc, test_random_frames_have_a_key_exactly_when_ip);
  suite_add_tcase(s, tc);
  return s;
}
