/* test_decode_link.c - pf_decode on well-formed frames of every link type, with
 * VLAN tags, MPLS and PPPoE. */
#include <stdlib.h>

#include <check.h>
#include <pcap/dlt.h>

#include "frames.h"
#include "packet/decode.h"
#include "suites.h"

#define ETH 14 /* Ethernet header length */

/* ---- link types ---- */

/* PACKET_OUTGOING (4) is out; host, broadcast, multicast, otherhost are in. */
START_TEST(test_sll_packet_type_sets_kernel_direction) {
  for (uint16_t type = 0; type <= 4; type++) {
    struct frame f;
    frame_init(&f, DLT_LINUX_SLL);
    frame_sll(&f, type, 0x0800);
    frame_ipv4(&f, &(struct ip4){.proto = 17});
    frame_udp(&f, 123, 123);
    frame_finish(&f);
    ck_assert_uint_eq(f.l4_off, 16 + 20);
    expect_whole(&f,
                 &(struct expect){.l3 = PF_L3_IPV4,
                                  .l4 = PF_L4_UDP,
                                  .kdir = type == 4 ? PF_KDIR_OUT : PF_KDIR_IN,
                                  .ip_proto = 17,
                                  .has_ports = true,
                                  .sport = 123,
                                  .dport = 123,
                                  .l4_len = 8});
  }
}
END_TEST

START_TEST(test_sll2_packet_type_sets_kernel_direction) {
  for (uint8_t type = 0; type <= 4; type++) {
    struct frame f;
    frame_init(&f, DLT_LINUX_SLL2);
    frame_sll2(&f, 0x86dd, type);
    frame_ipv6(&f, &(struct ip6){.next = 6});
    frame_tcp(&f, &(struct tcp){.sport = 5, .dport = 6, .flags = PF_TCP_SYN});
    frame_finish(&f);
    ck_assert_uint_eq(f.l4_off, 20 + 40);
    expect_whole(&f,
                 &(struct expect){.l3 = PF_L3_IPV6,
                                  .l4 = PF_L4_TCP,
                                  .kdir = type == 4 ? PF_KDIR_OUT : PF_KDIR_IN,
                                  .ip_proto = 6,
                                  .has_ports = true,
                                  .sport = 5,
                                  .dport = 6,
                                  .tcp_flags = PF_TCP_SYN,
                                  .l4_len = 20});
  }
}
END_TEST

START_TEST(test_sll_and_sll2_non_ip_protocol) {
  struct frame f;
  frame_init(&f, DLT_LINUX_SLL);
  frame_sll(&f, 4, 0x0806);
  frame_fill(&f, 0, 28);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_NON_IP, .kdir = PF_KDIR_OUT});

  frame_init(&f, DLT_LINUX_SLL2);
  frame_sll2(&f, 0x0806, 0);
  frame_fill(&f, 0, 28);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_NON_IP, .kdir = PF_KDIR_IN});
}
END_TEST

START_TEST(test_raw_ip_selects_version_by_nibble) {
  struct frame f;
  frame_init(&f, DLT_RAW);
  frame_ipv4(&f, &(struct ip4){.proto = 1});
  frame_icmp(&f, 0, 0);
  frame_finish(&f);
  expect_whole(
      &f, &(struct expect){
              .l3 = PF_L3_IPV4, .l4 = PF_L4_ICMP, .ip_proto = 1, .l4_len = 8});

  frame_init(&f, DLT_RAW);
  frame_ipv6(&f, &(struct ip6){.next = 58});
  frame_icmp(&f, 135, 0);
  frame_finish(&f);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV6,
                                    .l4 = PF_L4_ICMPV6,
                                    .ip_proto = 58,
                                    .l4_len = 8});
}
END_TEST

START_TEST(test_dlt_ipv4_and_dlt_ipv6) {
  struct frame f;
  frame_init(&f, DLT_IPV4);
  frame_ipv4(&f, &(struct ip4){.proto = 17});
  frame_udp(&f, 67, 68);
  frame_finish(&f);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV4,
                                    .l4 = PF_L4_UDP,
                                    .ip_proto = 17,
                                    .has_ports = true,
                                    .sport = 67,
                                    .dport = 68,
                                    .l4_len = 8});

  frame_init(&f, DLT_IPV6);
  frame_ipv6(&f, &(struct ip6){.next = 17});
  frame_udp(&f, 546, 547);
  frame_finish(&f);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV6,
                                    .l4 = PF_L4_UDP,
                                    .ip_proto = 17,
                                    .has_ports = true,
                                    .sport = 546,
                                    .dport = 547,
                                    .l4_len = 8});
}
END_TEST

/* NULL's family is in the capturing host's byte order: both are accepted. */
START_TEST(test_null_family_in_either_byte_order) {
  static const uint32_t v6_families[] = {10, 24, 28, 30};
  for (int le = 0; le <= 1; le++) {
    struct frame f;
    frame_init(&f, DLT_NULL);
    frame_null(&f, 2, le);
    frame_ipv4(&f, &(struct ip4){.proto = 17});
    frame_udp(&f, 1, 2);
    frame_finish(&f);
    ck_assert_uint_eq(f.l4_off, 4 + 20);
    expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV4,
                                      .l4 = PF_L4_UDP,
                                      .ip_proto = 17,
                                      .has_ports = true,
                                      .sport = 1,
                                      .dport = 2,
                                      .l4_len = 8});
    for (size_t i = 0; i < 4; i++) {
      frame_init(&f, DLT_NULL);
      frame_null(&f, v6_families[i], le);
      frame_ipv6(&f, &(struct ip6){.next = 59});
      frame_finish(&f);
      expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV6,
                                        .l4 = PF_L4_OTHER,
                                        .ip_proto = 59});
    }
  }
}
END_TEST

START_TEST(test_null_other_family_is_non_ip) {
  static const uint32_t families[] = {0, 1, 7, 11, 23, 29, 31, 0x0800};
  for (int le = 0; le <= 1; le++) {
    for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
      struct frame f;
      frame_init(&f, DLT_NULL);
      frame_null(&f, families[i], le);
      frame_ipv4(&f, &(struct ip4){.proto = 17}); /* looks like IP: ignored */
      frame_finish(&f);
      expect_whole(&f, &(struct expect){.l3 = PF_L3_NON_IP});
    }
  }
}
END_TEST

/* LOOP is network order only: a little-endian 2 is not AF_INET. */
START_TEST(test_loop_family_in_network_order_only) {
  struct frame f;
  frame_init(&f, DLT_LOOP);
  frame_null(&f, 2, false);
  frame_ipv4(&f, &(struct ip4){.proto = 50});
  frame_finish(&f);
  expect_whole(&f, &(struct expect){
                       .l3 = PF_L3_IPV4, .l4 = PF_L4_OTHER, .ip_proto = 50});

  frame_init(&f, DLT_LOOP);
  frame_null(&f, 28, false);
  frame_ipv6(&f, &(struct ip6){.next = 59});
  frame_finish(&f);
  expect_whole(&f, &(struct expect){
                       .l3 = PF_L3_IPV6, .l4 = PF_L4_OTHER, .ip_proto = 59});

  frame_init(&f, DLT_LOOP);
  frame_null(&f, 2, true);
  frame_ipv4(&f, &(struct ip4){.proto = 50});
  frame_finish(&f);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_NON_IP});
}
END_TEST

START_TEST(test_dlt_supported_lists_exactly_the_decoded_types) {
  static const int yes[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2,
                            DLT_RAW,    DLT_IPV4,      DLT_IPV6,
                            DLT_NULL,   DLT_LOOP};
  static const int no[] = {-1,
                           DLT_PPP,
                           DLT_IEEE802_11,
                           DLT_PPP_ETHER,
                           DLT_IEEE802_11_RADIO,
                           DLT_USB_LINUX,
                           DLT_NFLOG,
                           DLT_EN3MB,
                           1000};
  for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
    ck_assert_msg(pf_dlt_supported(yes[i]), "DLT %d", yes[i]);
  for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
    ck_assert_msg(!pf_dlt_supported(no[i]), "DLT %d", no[i]);
}
END_TEST

/* Sources refuse these at open, but the decoder must still give a complete
 * outcome so that every frame can be counted. */
START_TEST(test_unsupported_dlt_still_gives_complete_outcome) {
  struct frame f;
  frame_init(&f, DLT_PPP);
  frame_fill(&f, 0x45, 40);
  struct pf_packet p;
  free(frame_decode_whole(&f, &p));
  expect_complete(&p);
}
END_TEST

/* ---- VLAN, MPLS, PPPoE ---- */

/* The VLAN id is the TCI's low 12 bits; priority and DEI are not part of it. */
START_TEST(test_vlan_id_excludes_priority_and_dei) {
  static const struct {
    uint16_t tci, vid;
  } cases[] = {{0xe00a, 10}, {0x1fff, 4095}, {0x0000, 0}, {0xf001, 1}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct frame f;
    frame_init(&f, DLT_EN10MB);
    frame_eth(&f, NULL, NULL, 0x8100);
    frame_vlan(&f, cases[i].tci, 0x0800);
    frame_ipv4(&f, &(struct ip4){.proto = 17});
    frame_udp(&f, 1, 2);
    frame_finish(&f);
    expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV4,
                                      .l4 = PF_L4_UDP,
                                      .eth = true,
                                      .vlan_count = 1,
                                      .vlan_outer = cases[i].vid,
                                      .vlan_inner = cases[i].vid,
                                      .ip_proto = 17,
                                      .has_ports = true,
                                      .sport = 1,
                                      .dport = 2,
                                      .l4_len = 8});
  }
}
END_TEST

START_TEST(test_vlan_qinq_outer_and_inner) {
  static const uint16_t outer_types[] = {0x88a8, 0x9100, 0x8100};
  for (size_t i = 0; i < 3; i++) {
    struct frame f;
    frame_init(&f, DLT_EN10MB);
    frame_eth(&f, NULL, NULL, outer_types[i]);
    frame_vlan(&f, 100, 0x8100);
    frame_vlan(&f, 200, 0x86dd);
    frame_ipv6(&f, &(struct ip6){.next = 6});
    frame_tcp(&f, &(struct tcp){.sport = 3, .dport = 4, .flags = PF_TCP_ACK});
    frame_finish(&f);
    expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV6,
                                      .l4 = PF_L4_TCP,
                                      .eth = true,
                                      .vlan_count = 2,
                                      .vlan_outer = 100,
                                      .vlan_inner = 200,
                                      .ip_proto = 6,
                                      .has_ports = true,
                                      .sport = 3,
                                      .dport = 4,
                                      .tcp_flags = PF_TCP_ACK,
                                      .l4_len = 20});
  }
}
END_TEST

START_TEST(test_vlan_eight_tags_accepted) {
  static const uint16_t types[] = {0x88a8, 0x8100, 0x9100};
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, types[0]);
  for (int i = 1; i <= PF_MAX_VLAN_TAGS; i++)
    frame_vlan(&f, (uint16_t)i, i < PF_MAX_VLAN_TAGS ? types[i % 3] : 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 132});
  frame_sctp(&f, 10, 20);
  frame_finish(&f);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV4,
                                    .l4 = PF_L4_SCTP,
                                    .eth = true,
                                    .vlan_count = 8,
                                    .vlan_outer = 1,
                                    .vlan_inner = 8,
                                    .ip_proto = 132,
                                    .has_ports = true,
                                    .sport = 10,
                                    .dport = 20,
                                    .l4_len = 12});
}
END_TEST

START_TEST(test_vlan_around_non_ip_and_in_cooked_captures) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x8100);
  frame_vlan(&f, 42, 0x0806);
  frame_fill(&f, 0, 28);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_NON_IP,
                                    .eth = true,
                                    .vlan_count = 1,
                                    .vlan_outer = 42,
                                    .vlan_inner = 42});

  frame_init(&f, DLT_LINUX_SLL);
  frame_sll(&f, 0, 0x8100);
  frame_vlan(&f, 7, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 4});
  frame_finish(&f);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV4,
                                    .l4 = PF_L4_OTHER,
                                    .kdir = PF_KDIR_IN,
                                    .vlan_count = 1,
                                    .vlan_outer = 7,
                                    .vlan_inner = 7,
                                    .ip_proto = 4});

  frame_init(&f, DLT_LINUX_SLL2);
  frame_sll2(&f, 0x88a8, 4);
  frame_vlan(&f, 8, 0x8100);
  frame_vlan(&f, 9, 0x86dd);
  frame_ipv6(&f, &(struct ip6){.next = 59});
  frame_finish(&f);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV6,
                                    .l4 = PF_L4_OTHER,
                                    .kdir = PF_KDIR_OUT,
                                    .vlan_count = 2,
                                    .vlan_outer = 8,
                                    .vlan_inner = 9,
                                    .ip_proto = 59});
}
END_TEST

START_TEST(test_mpls_unicast_single_label_ipv4) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x8847);
  frame_mpls(&f, 1000, true);
  frame_ipv4(&f, &(struct ip4){.proto = 17, .tos = 0x20});
  frame_udp(&f, 3784, 3785);
  frame_finish(&f);
  ck_assert_uint_eq(f.ip_off[0], ETH + 4);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV4,
                                    .l4 = PF_L4_UDP,
                                    .eth = true,
                                    .ip_proto = 17,
                                    .dscp = 8,
                                    .has_ports = true,
                                    .sport = 3784,
                                    .dport = 3785,
                                    .l4_len = 8});
}
END_TEST

START_TEST(test_mpls_multicast_label_stack_ipv6) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x8848);
  frame_mpls(&f, 16, false);
  frame_mpls(&f, 17, false);
  frame_mpls(&f, 18, true);
  frame_ipv6(&f, &(struct ip6){.next = 6});
  frame_tcp(&f, &(struct tcp){.sport = 179, .dport = 179, .flags = 0x18});
  frame_finish(&f);
  ck_assert_uint_eq(f.ip_off[0], ETH + 12);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV6,
                                    .l4 = PF_L4_TCP,
                                    .eth = true,
                                    .ip_proto = 6,
                                    .has_ports = true,
                                    .sport = 179,
                                    .dport = 179,
                                    .tcp_flags = 0x18,
                                    .l4_len = 20});
}
END_TEST

START_TEST(test_mpls_sixteen_labels_accepted) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x8847);
  for (int i = 1; i <= PF_MAX_MPLS_LABELS; i++)
    frame_mpls(&f, (uint32_t)i, i == PF_MAX_MPLS_LABELS);
  frame_ipv4(&f, &(struct ip4){.proto = 47});
  frame_gre(&f, 0x6558);
  frame_finish(&f);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV4,
                                    .l4 = PF_L4_GRE,
                                    .eth = true,
                                    .ip_proto = 47,
                                    .l4_len = 4});
}
END_TEST

/* After the stack, only nibbles 4 and 6 mean IP; a pseudowire control word
 * (0) or anything else is non-IP and not decoded further. */
START_TEST(test_mpls_non_ip_payload) {
  static const uint8_t first_bytes[] = {0x00, 0x10, 0x50, 0xf0, 0x7f};
  for (size_t i = 0; i < sizeof(first_bytes); i++) {
    struct frame f;
    frame_init(&f, DLT_EN10MB);
    frame_eth(&f, NULL, NULL, 0x8847);
    frame_mpls(&f, 300, true);
    frame_u8(&f, first_bytes[i]);
    frame_fill(&f, 0, 30);
    expect_whole(&f, &(struct expect){.l3 = PF_L3_NON_IP, .eth = true});
  }
}
END_TEST

START_TEST(test_vlan_then_mpls) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x8100);
  frame_vlan(&f, 55, 0x8847);
  frame_mpls(&f, 1, true);
  frame_ipv4(&f, &(struct ip4){.proto = 1});
  frame_icmp(&f, 8, 0);
  frame_finish(&f);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV4,
                                    .l4 = PF_L4_ICMP,
                                    .eth = true,
                                    .vlan_count = 1,
                                    .vlan_outer = 55,
                                    .vlan_inner = 55,
                                    .ip_proto = 1,
                                    .l4_len = 8});
}
END_TEST

START_TEST(test_pppoe_session_ipv4_and_ipv6) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x8864);
  frame_pppoe(&f, 0x0021);
  frame_ipv4(&f, &(struct ip4){.proto = 6});
  frame_tcp(&f, &(struct tcp){.sport = 80, .dport = 8080, .flags = 0x11});
  frame_finish(&f);
  ck_assert_uint_eq(f.ip_off[0], ETH + 8);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV4,
                                    .l4 = PF_L4_TCP,
                                    .eth = true,
                                    .ip_proto = 6,
                                    .has_ports = true,
                                    .sport = 80,
                                    .dport = 8080,
                                    .tcp_flags = 0x11,
                                    .l4_len = 20});

  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x8100);
  frame_vlan(&f, 10, 0x8864);
  frame_pppoe(&f, 0x0057);
  frame_ipv6(&f, &(struct ip6){.next = 17});
  frame_udp(&f, 53, 53);
  frame_finish(&f);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV6,
                                    .l4 = PF_L4_UDP,
                                    .eth = true,
                                    .vlan_count = 1,
                                    .vlan_outer = 10,
                                    .vlan_inner = 10,
                                    .ip_proto = 17,
                                    .has_ports = true,
                                    .sport = 53,
                                    .dport = 53,
                                    .l4_len = 8});
}
END_TEST

/* LCP, IPCP, IPv6CP and a bogus protocol are non-IP. */
START_TEST(test_pppoe_other_ppp_protocols_are_non_ip) {
  static const uint16_t protos[] = {0xc021, 0x8021, 0x8057, 0x0000, 0x4500};
  for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
    struct frame f;
    frame_init(&f, DLT_EN10MB);
    frame_eth(&f, NULL, NULL, 0x8864);
    frame_pppoe(&f, protos[i]);
    frame_fill(&f, 0x45, 20);
    frame_finish(&f);
    expect_whole(&f, &(struct expect){.l3 = PF_L3_NON_IP, .eth = true});
  }
}
END_TEST

/* ARP, LLDP, PPPoE discovery, MACsec, an 802.3 length, zero: non-IP. */
START_TEST(test_other_ethertypes_are_non_ip) {
  static const uint16_t types[] = {0x0806, 0x88cc, 0x8863, 0x88e5,
                                   0x05dc, 0x0000, 0x0600, 0x86de};
  for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
    struct frame f;
    frame_init(&f, DLT_EN10MB);
    frame_eth(&f, NULL, NULL, types[i]);
    frame_fill(&f, 0x45, 46);
    expect_whole(&f, &(struct expect){.l3 = PF_L3_NON_IP, .eth = true});
  }
}
END_TEST

/* A bare Ethernet header with a non-IP type is complete: nothing follows
 * that must be read. */
START_TEST(test_bare_ethernet_header_non_ip) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x0806);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_NON_IP, .eth = true});
}
END_TEST

/* ---- lengths ---- */

/* caplen above len (a broken file): only len bytes exist and are read. */
START_TEST(test_caplen_above_len_reads_only_len) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 17});
  frame_udp(&f, 1, 2);
  frame_finish(&f);
  struct pf_packet p;
  uint8_t *buf = frame_decode(&f, f.len + 100, f.len, &p);
  expect_packet(&f, buf, &p,
                &(struct expect){.l3 = PF_L3_IPV4,
                                 .l4 = PF_L4_UDP,
                                 .eth = true,
                                 .ip_proto = 17,
                                 .has_ports = true,
                                 .sport = 1,
                                 .dport = 2,
                                 .l4_len = 8});
  free(buf);
}
END_TEST

/* Frames cut by the snapshot length but with every needed header captured
 * are well-formed; l4_len stops at the captured end. */
START_TEST(test_snapped_frame_with_headers_captured_is_valid) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 17});
  frame_udp(&f, 1, 2);
  frame_fill(&f, 0, 1400);
  frame_finish(&f);
  struct pf_packet p;
  uint8_t *buf = frame_decode(&f, 96, f.len, &p);
  expect_packet(&f, buf, &p,
                &(struct expect){.l3 = PF_L3_IPV4,
                                 .l4 = PF_L4_UDP,
                                 .eth = true,
                                 .ip_proto = 17,
                                 .has_ports = true,
                                 .sport = 1,
                                 .dport = 2,
                                 .l4_len = 96 - ETH - 20});
  ck_assert_uint_eq(p.wire_len, f.len);
  free(buf);
}
END_TEST

START_TEST(test_malformed_reason_names) {
  static const char *const names[PF_MAL_COUNT] = {
      "snaplen",   "truncated", "too_deep",  "ip_version", "ipv4_header",
      "ip_length", "ipv6_ext",  "l4_header", "wire_length"};
  for (int r = 0; r < PF_MAL_COUNT; r++)
    ck_assert_str_eq(pf_malformed_name((enum pf_malformed)r), names[r]);
}
END_TEST

Suite *pf_decode_link_suite(void) {
  Suite *s = suite_create("decode_link");
  TCase *tc = tcase_create("link");
  tcase_add_test(tc, test_sll_packet_type_sets_kernel_direction);
  tcase_add_test(tc, test_sll2_packet_type_sets_kernel_direction);
  tcase_add_test(tc, test_sll_and_sll2_non_ip_protocol);
  tcase_add_test(tc, test_raw_ip_selects_version_by_nibble);
  tcase_add_test(tc, test_dlt_ipv4_and_dlt_ipv6);
  tcase_add_test(tc, test_null_family_in_either_byte_order);
  tcase_add_test(tc, test_null_other_family_is_non_ip);
  tcase_add_test(tc, test_loop_family_in_network_order_only);
  tcase_add_test(tc, test_dlt_supported_lists_exactly_the_decoded_types);
  tcase_add_test(tc, test_unsupported_dlt_still_gives_complete_outcome);
  suite_add_tcase(s, tc);

  tc = tcase_create("encapsulation");
  tcase_add_test(tc, test_vlan_id_excludes_priority_and_dei);
  tcase_add_test(tc, test_vlan_qinq_outer_and_inner);
  tcase_add_test(tc, test_vlan_eight_tags_accepted);
  tcase_add_test(tc, test_vlan_around_non_ip_and_in_cooked_captures);
  tcase_add_test(tc, test_mpls_unicast_single_label_ipv4);
  tcase_add_test(tc, test_mpls_multicast_label_stack_ipv6);
  tcase_add_test(tc, test_mpls_sixteen_labels_accepted);
  tcase_add_test(tc, test_mpls_non_ip_payload);
  tcase_add_test(tc, test_vlan_then_mpls);
  tcase_add_test(tc, test_pppoe_session_ipv4_and_ipv6);
  tcase_add_test(tc, test_pppoe_other_ppp_protocols_are_non_ip);
  tcase_add_test(tc, test_other_ethertypes_are_non_ip);
  tcase_add_test(tc, test_bare_ethernet_header_non_ip);
  suite_add_tcase(s, tc);

  tc = tcase_create("lengths");
  tcase_add_test(tc, test_caplen_above_len_reads_only_len);
  tcase_add_test(tc, test_snapped_frame_with_headers_captured_is_valid);
  tcase_add_test(tc, test_malformed_reason_names);
  suite_add_tcase(s, tc);
  return s;
}
