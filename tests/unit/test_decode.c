/* test_decode.c - pf_decode on well-formed IPv4 and IPv6 packets: every
 * protocol, option, fragment and extension header. */
#include <stdlib.h>

#include <check.h>
#include <pcap/dlt.h>

#include "frames.h"
#include "packet/decode.h"
#include "suites.h"

#define ETH 14 /* Ethernet header length */

/* An Ethernet + IPv4 frame carrying `proto` and `payload` bytes after the IP
 * header (no transport header built). */
static void eth_ipv4_raw(struct frame *f, uint8_t proto, uint32_t payload) {
  frame_init(f, DLT_EN10MB);
  frame_eth(f, NULL, NULL, 0x0800);
  frame_ipv4(f, &(struct ip4){.proto = proto});
  frame_fill(f, 0xee, payload);
  frame_finish(f);
}

/* ---- Ethernet + IPv4 ---- */

START_TEST(test_eth_ipv4_tcp_every_field) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, mac_b, mac_a, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 6, .tos = 0xb8}); /* DSCP EF (46) */
  frame_tcp(&f, &(struct tcp){.sport = 40000,
                              .dport = 443,
                              .flags = PF_TCP_SYN | PF_TCP_ACK,
                              .doff = 8});
  frame_fill(&f, 0xaa, 10);
  frame_finish(&f);

  struct pf_packet p;
  uint8_t *buf = frame_decode_whole(&f, &p);
  expect_packet(&f, buf, &p,
                &(struct expect){.l3 = PF_L3_IPV4,
                                 .l4 = PF_L4_TCP,
                                 .kdir = PF_KDIR_UNKNOWN,
                                 .eth = true,
                                 .ip_proto = 6,
                                 .dscp = 46,
                                 .has_ports = true,
                                 .sport = 40000,
                                 .dport = 443,
                                 .tcp_flags = PF_TCP_SYN | PF_TCP_ACK,
                                 .l4_len = 32 + 10});
  ck_assert_mem_eq(p.eth_src, mac_a, 6);
  ck_assert_mem_eq(p.src_ip, v4_a, 4);
  ck_assert_mem_eq(p.dst_ip, v4_b, 4);
  ck_assert_ptr_eq(p.l4_hdr, buf + ETH + 20);
  ck_assert_uint_eq(p.tcp_hdr_len, 32); /* data offset 8: 12 bytes of options */
  free(buf);
}
END_TEST

START_TEST(test_eth_ipv4_udp_l4_len_excludes_ethernet_padding) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 17});
  frame_udp(&f, 53, 5353);
  frame_fill(&f, 0xaa, 4);
  frame_finish(&f);
  frame_pad_to(&f, 60); /* IP ends at 46; the rest is padding */
  expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV4,
                                    .l4 = PF_L4_UDP,
                                    .eth = true,
                                    .ip_proto = 17,
                                    .has_ports = true,
                                    .sport = 53,
                                    .dport = 5353,
                                    .l4_len = 8 + 4});
}
END_TEST

START_TEST(test_eth_ipv4_icmp_has_no_ports) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 1});
  frame_icmp(&f, 8, 0);
  frame_finish(&f);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV4,
                                    .l4 = PF_L4_ICMP,
                                    .eth = true,
                                    .ip_proto = 1,
                                    .l4_len = 8});
}
END_TEST

START_TEST(test_eth_ipv4_sctp_has_ports) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 132});
  frame_sctp(&f, 2905, 3868);
  frame_fill(&f, 0, 16);
  frame_finish(&f);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV4,
                                    .l4 = PF_L4_SCTP,
                                    .eth = true,
                                    .ip_proto = 132,
                                    .has_ports = true,
                                    .sport = 2905,
                                    .dport = 3868,
                                    .l4_len = 12 + 16});
}
END_TEST

/* GRE is counted by its outer header; the inner UDP must not surface. */
START_TEST(test_eth_ipv4_gre_payload_not_decoded) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 47});
  uint32_t gre = frame_gre(&f, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 17});
  frame_udp(&f, 1111, 2222);
  frame_finish(&f);
  f.l4_off = gre;
  expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV4,
                                    .l4 = PF_L4_GRE,
                                    .eth = true,
                                    .ip_proto = 47,
                                    .l4_len = 4 + 20 + 8});
}
END_TEST

/* IP-in-IP, IPv6-in-IPv4, ESP, HOPOPT, no-next-header, mobility, 255. */
START_TEST(test_ipv4_other_protocols_read_nothing_further) {
  static const uint8_t protos[] = {4, 41, 50, 0, 59, 135, 255, 2};
  for (size_t i = 0; i < sizeof(protos); i++) {
    struct frame f;
    eth_ipv4_raw(&f, protos[i], 1); /* one byte: no header could fit */
    expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV4,
                                      .l4 = PF_L4_OTHER,
                                      .eth = true,
                                      .ip_proto = protos[i]});
  }
}
END_TEST

/* The class follows the protocol number, not the IP version. */
START_TEST(test_ipv4_protocol_58_is_icmpv6_class) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 58});
  frame_icmp(&f, 128, 0);
  frame_finish(&f);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV4,
                                    .l4 = PF_L4_ICMPV6,
                                    .eth = true,
                                    .ip_proto = 58,
                                    .l4_len = 8});
}
END_TEST

START_TEST(test_ipv4_options_are_skipped) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 6, .ihl = 15}); /* 40 option bytes */
  frame_tcp(&f, &(struct tcp){.sport = 1, .dport = 2, .flags = PF_TCP_RST});
  frame_finish(&f);
  ck_assert_uint_eq(f.l4_off, ETH + 60);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV4,
                                    .l4 = PF_L4_TCP,
                                    .eth = true,
                                    .ip_proto = 6,
                                    .has_ports = true,
                                    .sport = 1,
                                    .dport = 2,
                                    .tcp_flags = PF_TCP_RST,
                                    .l4_len = 20});
}
END_TEST

START_TEST(test_ipv4_dont_fragment_is_not_a_fragment) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 17, .frag = 0x4000});
  frame_udp(&f, 7, 9);
  frame_finish(&f);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV4,
                                    .l4 = PF_L4_UDP,
                                    .eth = true,
                                    .ip_proto = 17,
                                    .has_ports = true,
                                    .sport = 7,
                                    .dport = 9,
                                    .l4_len = 8});
}
END_TEST

START_TEST(test_ipv4_first_fragment_decodes_transport) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 17, .frag = 0x2000}); /* MF */
  frame_udp(&f, 7, 9);
  frame_fill(&f, 0, 32);
  frame_finish(&f);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV4,
                                    .l4 = PF_L4_UDP,
                                    .eth = true,
                                    .ip_proto = 17,
                                    .fragment = true,
                                    .has_ports = true,
                                    .sport = 7,
                                    .dport = 9,
                                    .l4_len = 8 + 32});
}
END_TEST

/* A non-first fragment is classified by protocol; its few payload bytes are
 * not a TCP header and must not be read as one. */
START_TEST(test_ipv4_later_fragment_reads_no_transport) {
  static const uint16_t frags[] = {0x2000 | 185, 185,    1,
                                   0x1fff,       0x1000, 0x6000 | 3};
  for (size_t i = 0; i < sizeof(frags) / sizeof(frags[0]); i++) {
    struct frame f;
    frame_init(&f, DLT_EN10MB);
    frame_eth(&f, NULL, NULL, 0x0800);
    frame_ipv4(&f, &(struct ip4){.proto = 6, .frag = frags[i]});
    frame_fill(&f, 0xff, 3);
    frame_finish(&f);
    expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV4,
                                      .l4 = PF_L4_TCP,
                                      .eth = true,
                                      .ip_proto = 6,
                                      .fragment = true,
                                      .later_fragment = true});
  }
}
END_TEST

START_TEST(test_ipv4_dscp_ignores_ecn_bits) {
  static const struct {
    uint8_t tos, dscp;
  } cases[] = {{0x00, 0}, {0x03, 0}, {0x04, 1}, {0xb8, 46}, {0xff, 63}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct frame f;
    frame_init(&f, DLT_RAW);
    frame_ipv4(&f, &(struct ip4){.proto = 50, .tos = cases[i].tos});
    frame_finish(&f);
    expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV4,
                                      .l4 = PF_L4_OTHER,
                                      .ip_proto = 50,
                                      .dscp = cases[i].dscp});
  }
}
END_TEST

/* ---- IPv6 ---- */

START_TEST(test_eth_ipv6_tcp_every_field) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, mac_a, mac_b, 0x86dd);
  frame_ipv6(&f, &(struct ip6){.next = 6, .tclass = 0x28}); /* AF11 (10) */
  frame_tcp(&f, &(struct tcp){.sport = 22,
                              .dport = 51000,
                              .flags = PF_TCP_FIN | PF_TCP_ACK | PF_TCP_PSH});
  frame_fill(&f, 0x55, 100);
  frame_finish(&f);

  struct pf_packet p;
  uint8_t *buf = frame_decode_whole(&f, &p);
  expect_packet(
      &f, buf, &p,
      &(struct expect){.l3 = PF_L3_IPV6,
                       .l4 = PF_L4_TCP,
                       .eth = true,
                       .ip_proto = 6,
                       .dscp = 10,
                       .has_ports = true,
                       .sport = 22,
                       .dport = 51000,
                       .tcp_flags = PF_TCP_FIN | PF_TCP_ACK | PF_TCP_PSH,
                       .l4_len = 20 + 100});
  ck_assert_mem_eq(p.eth_src, mac_b, 6);
  ck_assert_mem_eq(p.src_ip, v6_a, 16);
  ck_assert_mem_eq(p.dst_ip, v6_b, 16);
  ck_assert_ptr_eq(p.l4_hdr, buf + ETH + 40);
  free(buf);
}
END_TEST

/* Each transport class over IPv6, with the header size it needs. */
START_TEST(test_ipv6_transport_classes) {
  static const struct {
    uint8_t proto;
    int l4;
    bool ports;
    uint32_t hdr;
  } cases[] = {
      {17, PF_L4_UDP, true, 8},  {58, PF_L4_ICMPV6, false, 8},
      {1, PF_L4_ICMP, false, 8}, {132, PF_L4_SCTP, true, 12},
      {47, PF_L4_GRE, false, 4},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct frame f;
    frame_init(&f, DLT_EN10MB);
    frame_eth(&f, NULL, NULL, 0x86dd);
    frame_ipv6(&f, &(struct ip6){.next = cases[i].proto});
    switch (cases[i].proto) {
    case 17:
      frame_udp(&f, 500, 4500);
      break;
    case 132:
      frame_sctp(&f, 500, 4500);
      break;
    case 47:
      frame_gre(&f, 0x86dd);
      break;
    default:
      frame_icmp(&f, 128, 0);
      f.l4_proto = cases[i].proto;
      break;
    }
    frame_fill(&f, 0, 6);
    frame_finish(&f);
    expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV6,
                                      .l4 = cases[i].l4,
                                      .eth = true,
                                      .ip_proto = cases[i].proto,
                                      .has_ports = cases[i].ports,
                                      .sport = 500,
                                      .dport = 4500,
                                      .l4_len = cases[i].hdr + 6});
  }
}
END_TEST

START_TEST(test_ipv6_other_protocols) {
  static const uint8_t protos[] = {59, 135, 50, 4, 41, 253};
  for (size_t i = 0; i < sizeof(protos); i++) {
    struct frame f;
    frame_init(&f, DLT_EN10MB);
    frame_eth(&f, NULL, NULL, 0x86dd);
    frame_ipv6(&f, &(struct ip6){.next = protos[i]});
    frame_fill(&f, 0, 1);
    frame_finish(&f);
    expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV6,
                                      .l4 = PF_L4_OTHER,
                                      .eth = true,
                                      .ip_proto = protos[i]});
  }
}
END_TEST

/* Traffic class straddles the first two bytes: DSCP is its top six bits. */
START_TEST(test_ipv6_dscp_from_traffic_class) {
  static const struct {
    uint8_t tclass, dscp;
  } cases[] = {{0x00, 0},  {0x03, 0},  {0x04, 1}, {0x40, 16},
               {0xb8, 46}, {0xfc, 63}, {0xff, 63}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct frame f;
    frame_init(&f, DLT_RAW);
    frame_ipv6(&f, &(struct ip6){.next = 59, .tclass = cases[i].tclass});
    frame_finish(&f);
    expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV6,
                                      .l4 = PF_L4_OTHER,
                                      .ip_proto = 59,
                                      .dscp = cases[i].dscp});
  }
}
END_TEST

/* Hop-by-hop, routing, destination options and AH, each with its own
 * length unit, in front of TCP. */
START_TEST(test_ipv6_extension_chain_of_every_kind) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x86dd);
  frame_ipv6(&f, &(struct ip6){.next = 0});
  frame_ipv6_ext(&f, 0, 43, 0);  /* 8 bytes */
  frame_ipv6_ext(&f, 43, 60, 2); /* 24 bytes */
  frame_ipv6_ext(&f, 60, 51, 1); /* 16 bytes */
  frame_ipv6_ext(&f, 51, 6, 4);  /* (4 + 2) * 4 = 24 bytes */
  frame_tcp(&f, &(struct tcp){.sport = 80, .dport = 1024, .flags = 0x18});
  frame_finish(&f);
  ck_assert_uint_eq(f.l4_off, ETH + 40 + 8 + 24 + 16 + 24);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV6,
                                    .l4 = PF_L4_TCP,
                                    .eth = true,
                                    .ip_proto = 6,
                                    .has_ports = true,
                                    .sport = 80,
                                    .dport = 1024,
                                    .tcp_flags = 0x18,
                                    .l4_len = 20});
}
END_TEST

/* AH counts 4-byte units plus 2: n = 1 is 12 bytes, where the 8-byte rule
 * would give 16 and land in the middle of the UDP header. */
START_TEST(test_ipv6_ah_length_in_four_byte_units) {
  struct frame f;
  frame_init(&f, DLT_RAW);
  frame_ipv6(&f, &(struct ip6){.next = 51});
  frame_ipv6_ext(&f, 51, 17, 1);
  frame_udp(&f, 0x1234, 0x5678);
  frame_fill(&f, 0x99, 8);
  frame_finish(&f);
  ck_assert_uint_eq(f.l4_off, 40 + 12);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV6,
                                    .l4 = PF_L4_UDP,
                                    .ip_proto = 17,
                                    .has_ports = true,
                                    .sport = 0x1234,
                                    .dport = 0x5678,
                                    .l4_len = 16});
}
END_TEST

START_TEST(test_ipv6_first_fragment_decodes_transport) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x86dd);
  frame_ipv6(&f, &(struct ip6){.next = 44});
  frame_ipv6_frag(&f, 17, 0, true);
  frame_udp(&f, 4000, 5000);
  frame_fill(&f, 0, 40);
  frame_finish(&f);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV6,
                                    .l4 = PF_L4_UDP,
                                    .eth = true,
                                    .ip_proto = 17,
                                    .fragment = true,
                                    .has_ports = true,
                                    .sport = 4000,
                                    .dport = 5000,
                                    .l4_len = 48});
}
END_TEST

/* Offset 0 and no M flag (an "atomic" fragment) still has a fragment
 * header, which makes the packet a fragment. */
START_TEST(test_ipv6_atomic_fragment_is_a_fragment) {
  struct frame f;
  frame_init(&f, DLT_RAW);
  frame_ipv6(&f, &(struct ip6){.next = 44});
  frame_ipv6_frag(&f, 58, 0, false);
  frame_icmp(&f, 129, 0);
  frame_finish(&f);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV6,
                                    .l4 = PF_L4_ICMPV6,
                                    .ip_proto = 58,
                                    .fragment = true,
                                    .l4_len = 8});
}
END_TEST

/* A later fragment is classified by the fragment header's next header; the
 * three payload bytes that follow are not read. */
START_TEST(test_ipv6_later_fragment_reads_no_transport) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x86dd);
  frame_ipv6(&f, &(struct ip6){.next = 0});
  frame_ipv6_ext(&f, 0, 44, 0);
  frame_ipv6_frag(&f, 6, 100, true);
  frame_fill(&f, 0xff, 3);
  frame_finish(&f);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV6,
                                    .l4 = PF_L4_TCP,
                                    .eth = true,
                                    .ip_proto = 6,
                                    .fragment = true,
                                    .later_fragment = true});

  /* Every bit of the 13-bit offset counts; the M flag alone does not. */
  static const uint16_t offsets[] = {1, 0x1000, 0x1fff};
  for (size_t i = 0; i < 3; i++) {
    frame_init(&f, DLT_RAW);
    frame_ipv6(&f, &(struct ip6){.next = 44});
    frame_ipv6_frag(&f, 17, offsets[i], false);
    frame_fill(&f, 0xff, 3);
    frame_finish(&f);
    expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV6,
                                      .l4 = PF_L4_UDP,
                                      .ip_proto = 17,
                                      .fragment = true,
                                      .later_fragment = true});
  }
}
END_TEST

/* Even an extension header named by a later fragment is not followed: its
 * number is the protocol ("other"), and the byte after is never read. */
START_TEST(test_ipv6_later_fragment_does_not_follow_next_extension) {
  struct frame f;
  frame_init(&f, DLT_RAW);
  frame_ipv6(&f, &(struct ip6){.next = 44});
  frame_ipv6_frag(&f, 60, 1, false);
  frame_fill(&f, 0xff, 1);
  frame_finish(&f);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV6,
                                    .l4 = PF_L4_OTHER,
                                    .ip_proto = 60,
                                    .fragment = true,
                                    .later_fragment = true});
}
END_TEST

START_TEST(test_ipv6_sixteen_extension_headers_accepted) {
  struct frame f;
  frame_init(&f, DLT_RAW);
  frame_ipv6(&f, &(struct ip6){.next = 60});
  for (int i = 0; i < PF_MAX_IPV6_EXT; i++)
    frame_ipv6_ext(&f, 60, i + 1 < PF_MAX_IPV6_EXT ? 60 : 17, 0);
  frame_udp(&f, 1, 2);
  frame_finish(&f);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV6,
                                    .l4 = PF_L4_UDP,
                                    .ip_proto = 17,
                                    .has_ports = true,
                                    .sport = 1,
                                    .dport = 2,
                                    .l4_len = 8});
}
END_TEST

/* Payload length 0 (a jumbogram) means "up to the end of the frame". */
START_TEST(test_ipv6_payload_length_zero_reaches_frame_end) {
  struct frame f;
  frame_init(&f, DLT_RAW);
  frame_ipv6(&f, &(struct ip6){.next = 0});
  frame_ipv6_ext(&f, 0, 17, 0);
  frame_udp(&f, 9, 10);
  frame_fill(&f, 0x11, 500);
  frame_finish(&f);
  frame_set_u16(&f, 4, 0);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV6,
                                    .l4 = PF_L4_UDP,
                                    .ip_proto = 17,
                                    .has_ports = true,
                                    .sport = 9,
                                    .dport = 10,
                                    .l4_len = 508});
}
END_TEST

Suite *pf_decode_suite(void) {
  Suite *s = suite_create("decode");
  TCase *tc = tcase_create("ipv4");
  tcase_add_test(tc, test_eth_ipv4_tcp_every_field);
  tcase_add_test(tc, test_eth_ipv4_udp_l4_len_excludes_ethernet_padding);
  tcase_add_test(tc, test_eth_ipv4_icmp_has_no_ports);
  tcase_add_test(tc, test_eth_ipv4_sctp_has_ports);
  tcase_add_test(tc, test_eth_ipv4_gre_payload_not_decoded);
  tcase_add_test(tc, test_ipv4_other_protocols_read_nothing_further);
  tcase_add_test(tc, test_ipv4_protocol_58_is_icmpv6_class);
  tcase_add_test(tc, test_ipv4_options_are_skipped);
  tcase_add_test(tc, test_ipv4_dont_fragment_is_not_a_fragment);
  tcase_add_test(tc, test_ipv4_first_fragment_decodes_transport);
  tcase_add_test(tc, test_ipv4_later_fragment_reads_no_transport);
  tcase_add_test(tc, test_ipv4_dscp_ignores_ecn_bits);
  suite_add_tcase(s, tc);

  tc = tcase_create("ipv6");
  tcase_add_test(tc, test_eth_ipv6_tcp_every_field);
  tcase_add_test(tc, test_ipv6_transport_classes);
  tcase_add_test(tc, test_ipv6_other_protocols);
  tcase_add_test(tc, test_ipv6_dscp_from_traffic_class);
  tcase_add_test(tc, test_ipv6_extension_chain_of_every_kind);
  tcase_add_test(tc, test_ipv6_ah_length_in_four_byte_units);
  tcase_add_test(tc, test_ipv6_first_fragment_decodes_transport);
  tcase_add_test(tc, test_ipv6_atomic_fragment_is_a_fragment);
  tcase_add_test(tc, test_ipv6_later_fragment_reads_no_transport);
  tcase_add_test(tc, test_ipv6_later_fragment_does_not_follow_next_extension);
  tcase_add_test(tc, test_ipv6_sixteen_extension_headers_accepted);
  tcase_add_test(tc, test_ipv6_payload_length_zero_reaches_frame_end);
  suite_add_tcase(s, tc);

  return s;
}
