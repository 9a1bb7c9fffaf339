/* test_decode_lengths.c - pf_decode's length rules (docs/DECODING.md,
 * "Lengths" and "Network layer"): an IPv4 total length of 0 (segmentation
 * offload, BIG TCP) runs to the frame's end; a wire length no link carries
 * is `wire_length`, its bytes counted as captured. */
#include <stdlib.h>

#include <check.h>
#include <pcap/dlt.h>

#include "frames.h"
#include "packet/decode.h"
#include "shard/packet_counters.h"
#include "suites.h"

#define ETH 14

/* Ethernet + IPv4 + TCP (doff 8: 12 option bytes) + payload, its total
 * length then set to 0 as a TSO sender's capture shows it. */
static void eth_tso(struct frame *f, uint32_t payload) {
  frame_init(f, DLT_EN10MB);
  frame_eth(f, mac_b, mac_a, 0x0800);
  frame_ipv4(f, &(struct ip4){.proto = 6});
  frame_tcp(f, &(struct tcp){.sport = 443,
                             .dport = 50000,
                             .flags = PF_TCP_PSH | PF_TCP_ACK,
                             .doff = 8});
  frame_fill(f, 0x5a, payload);
  frame_finish(f);
  frame_set_u16(f, ETH + 2, 0);
}

static const struct expect tso_tcp = {.l3 = PF_L3_IPV4,
                                      .l4 = PF_L4_TCP,
                                      .eth = true,
                                      .ip_proto = 6,
                                      .has_ports = true,
                                      .sport = 443,
                                      .dport = 50000,
                                      .tcp_flags = PF_TCP_PSH | PF_TCP_ACK};

/* Decodes (caplen, len) and expects the TSO segment with l4_len readable
 * bytes of a transport part l4_total bytes long. */
static void expect_tso(const struct frame *f, uint32_t caplen, uint32_t len,
                       uint32_t l4_len, uint32_t l4_total) {
  struct pf_packet p;
  uint8_t *buf = frame_decode(f, caplen, len, &p);
  struct expect w = tso_tcp;
  w.l4_len = l4_len;
  expect_packet(f, buf, &p, &w);
  ck_assert_uint_eq(p.l4_total_len, l4_total);
  free(buf);
}

/* ---- total length 0 ---- */

START_TEST(test_tso_total_zero_runs_to_frame_end) {
  struct frame f;
  eth_tso(&f, 1400);
  expect_tso(&f, f.len, f.len, 32 + 1400, 32 + 1400);
}
END_TEST

/* A sending host's capture of a 64 KiB segment with a short snapshot
 * length: the headers are whole, the length comes from `len`. */
START_TEST(test_tso_cut_by_snapshot_length) {
  struct frame f;
  eth_tso(&f, 100);
  uint32_t len = ETH + 20 + 32 + 65000;
  expect_tso(&f, ETH + 20 + 32, len, 32, 32 + 65000);
  expect_tso(&f, ETH + 20 + 32 + 7, len, 32 + 7, 32 + 65000);
}
END_TEST

/* Linux BIG TCP: the same rule past 64 KiB. */
START_TEST(test_big_tcp_past_64k) {
  struct frame f;
  eth_tso(&f, 100);
  uint32_t len = ETH + 20 + 32 + 185000;
  expect_tso(&f, f.len, len, 32 + 100, 32 + 185000);
}
END_TEST

/* Nothing tells padding from payload when the length is 0: the datagram
 * is the whole frame, as tshark takes it too. */
START_TEST(test_tso_takes_ethernet_padding) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 17});
  frame_udp(&f, 53, 5353);
  frame_fill(&f, 0xaa, 4);
  frame_finish(&f);
  frame_pad_to(&f, 60);
  frame_set_u16(&f, ETH + 2, 0);
  expect_whole(&f, &(struct expect){.l3 = PF_L3_IPV4,
                                    .l4 = PF_L4_UDP,
                                    .eth = true,
                                    .ip_proto = 17,
                                    .has_ports = true,
                                    .sport = 53,
                                    .dport = 5353,
                                    .l4_len = 60 - ETH - 20});
}
END_TEST

/* Below the link layer's own header: SLL2 (20 bytes), a VLAN tag, PPPoE. */
START_TEST(test_tso_after_every_link_header) {
  struct frame f;
  frame_init(&f, DLT_LINUX_SLL2);
  frame_sll2(&f, 0x8100, 4);
  frame_vlan(&f, 7, 0x8864);
  frame_pppoe(&f, 0x0021);
  uint32_t ip = f.len;
  frame_ipv4(&f, &(struct ip4){.proto = 6});
  frame_tcp(&f, &(struct tcp){.sport = 1, .dport = 2, .flags = PF_TCP_ACK});
  frame_fill(&f, 0, 3000);
  frame_finish(&f);
  frame_set_u16(&f, ip + 2, 0);
  struct pf_packet p;
  uint8_t *buf = frame_decode(&f, ip + 40, f.len + 5000, &p);
  ck_assert_int_eq(p.l3, PF_L3_IPV4);
  ck_assert_int_eq(p.l4, PF_L4_TCP);
  ck_assert_int_eq(p.kdir, PF_KDIR_OUT);
  ck_assert_uint_eq(p.l4_total_len, f.len + 5000 - ip - 20);
  free(buf);
}
END_TEST

/* The frame's length still has to hold the header's own length. */
START_TEST(test_tso_shorter_than_its_header_is_ipv4_header) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 6});
  frame_tcp(&f, &(struct tcp){.flags = PF_TCP_ACK});
  frame_finish(&f);
  frame_pad_to(&f, 60); /* 46 bytes from the IP header on */
  frame_set_u16(&f, ETH + 2, 0);
  f.data[ETH] = 0x4f; /* IHL 15: 60 bytes */
  struct pf_packet p;
  uint8_t *buf = frame_decode_whole(&f, &p);
  ck_assert_int_eq(p.l3, PF_L3_MALFORMED);
  ck_assert_int_eq(p.malformed, PF_MAL_IPV4_HEADER);
  free(buf);
  f.data[ETH] = 0x4b; /* IHL 11: 44 bytes fit; TCP after them does not */
  buf = frame_decode_whole(&f, &p);
  ck_assert_int_eq(p.malformed, PF_MAL_L4_HEADER);
  free(buf);
}
END_TEST

/* ---- the wire length ---- */

/* 48 bytes of a well-formed Ethernet + IPv4 + UDP frame (a fuzzer's). */
static void eth_udp48(struct frame *f, int dlt) {
  frame_init(f, dlt);
  if (dlt == DLT_LINUX_SLL2)
    frame_sll2(f, 0x0800, 4); /* outgoing */
  else
    frame_eth(f, NULL, mac_a, 0x0800);
  frame_ipv4(f, &(struct ip4){.proto = 17});
  frame_udp(f, 1, 2);
  frame_fill(f, 0, 48 - f->len);
  frame_finish(f);
}

/* A 48-byte frame claiming 4 GB: nothing of it is believed, not even its
 * link header; its bytes count as the 48 captured. */
START_TEST(test_wire_length_no_link_carries) {
  static const int dlts[] = {DLT_EN10MB, DLT_LINUX_SLL2};
  static const uint32_t lens[] = {PF_WIRE_LEN_MAX + 1, 4000000000u, UINT32_MAX};
  for (int d = 0; d < 2; d++)
    for (int i = 0; i < 3; i++) {
      struct frame f;
      eth_udp48(&f, dlts[d]);
      struct pf_packet p;
      uint8_t *buf = frame_decode(&f, f.len, lens[i], &p);
      expect_complete(&p);
      ck_assert_int_eq(p.l3, PF_L3_MALFORMED);
      ck_assert_int_eq(p.malformed, PF_MAL_WIRE_LENGTH);
      ck_assert_uint_eq(p.wire_len, 48);
      ck_assert_int_eq(p.kdir, PF_KDIR_UNKNOWN);
      ck_assert_ptr_null(p.eth_src);
      free(buf);
    }
}
END_TEST

/* The bound itself is a length some capture may truthfully report. */
START_TEST(test_wire_length_at_the_bound_decodes) {
  struct frame f;
  eth_udp48(&f, DLT_EN10MB);
  struct pf_packet p;
  uint8_t *buf = frame_decode(&f, f.len, PF_WIRE_LEN_MAX, &p);
  ck_assert_int_eq(p.l3, PF_L3_IPV4);
  ck_assert_int_eq(p.l4, PF_L4_UDP);
  ck_assert_uint_eq(p.wire_len, PF_WIRE_LEN_MAX);
  free(buf);
  /* caplen past len: libpcap never, a crafted file may; len still rules */
  buf = frame_decode(&f, UINT32_MAX, f.len, &p);
  ck_assert_int_eq(p.l4, PF_L4_UDP);
  ck_assert_uint_eq(p.wire_len, 48);
  free(buf);
}
END_TEST

/* In the counters: one malformed packet of 48 bytes, in the smallest size
 * bucket, its reason wire_length. */
START_TEST(test_wire_length_counted_as_captured) {
  struct frame f;
  eth_udp48(&f, DLT_EN10MB);
  struct pf_packet p;
  uint8_t *buf = frame_decode(&f, f.len, 4000000000u, &p);
  struct pf_counters c = {0};
  pf_counters_add(&c, &p, PF_DIR_RX, PF_LOCALITY_UNKNOWN);
  ck_assert_uint_eq(c.traffic[PF_TRAFFIC_ALL].packets[PF_DIR_RX], 1);
  ck_assert_uint_eq(c.traffic[PF_TRAFFIC_ALL].octets[PF_DIR_RX], 48);
  ck_assert_uint_eq(c.traffic[PF_TRAFFIC_MALFORMED].octets[PF_DIR_RX], 48);
  ck_assert_uint_eq(c.malformed[PF_MAL_WIRE_LENGTH], 1);
  ck_assert_uint_eq(c.size[PF_SIZE_0_64][PF_DIR_RX], 1);
  free(buf);
}
END_TEST

Suite *pf_decode_lengths_suite(void) {
  Suite *s = suite_create("decode_lengths");
  TCase *tc = tcase_create("total_length_0");
  tcase_add_test(tc, test_tso_total_zero_runs_to_frame_end);
  tcase_add_test(tc, test_tso_cut_by_snapshot_length);
  tcase_add_test(tc, test_big_tcp_past_64k);
  tcase_add_test(tc, test_tso_takes_ethernet_padding);
  tcase_add_test(tc, test_tso_after_every_link_header);
  tcase_add_test(tc, test_tso_shorter_than_its_header_is_ipv4_header);
  suite_add_tcase(s, tc);

  tc = tcase_create("wire_length");
  tcase_add_test(tc, test_wire_length_no_link_carries);
  tcase_add_test(tc, test_wire_length_at_the_bound_decodes);
  tcase_add_test(tc, test_wire_length_counted_as_captured);
  suite_add_tcase(s, tc);
  return s;
}
