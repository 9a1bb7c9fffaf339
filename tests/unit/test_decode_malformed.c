/* test_decode_malformed.c - pf_decode's malformed reasons and the order in
 * which they apply. */
#include <stdlib.h>

#include <check.h>
#include <pcap/dlt.h>

#include "frames.h"
#include "packet/decode.h"
#include "suites.h"

#define ETH 14

/* Decodes (caplen, len) and expects malformed `reason`. */
static void check_reason(const struct frame *f, uint32_t caplen, uint32_t len,
                         int reason) {
  struct pf_packet p;
  uint8_t *buf = frame_decode(f, caplen, len, &p);
  expect_complete(&p);
  ck_assert_msg(p.l3 == PF_L3_MALFORMED && p.malformed == reason,
                "caplen %u len %u: l3 %d reason %s, expected %s", caplen, len,
                p.l3, pf_malformed_name(p.malformed),
                pf_malformed_name(reason));
  free(buf);
}

static void check_whole_reason(const struct frame *f, int reason) {
  check_reason(f, f->len, f->len, reason);
}

/* Decodes (caplen, len) and expects a well-formed packet of class l3. */
static void check_valid(const struct frame *f, uint32_t caplen, uint32_t len,
                        int l3) {
  struct pf_packet p;
  uint8_t *buf = frame_decode(f, caplen, len, &p);
  expect_complete(&p);
  ck_assert_msg(p.l3 == l3, "caplen %u len %u: l3 %d (%s), expected %d", caplen,
                len, p.l3, pf_malformed_name(p.malformed), l3);
  free(buf);
}

/* The same first k bytes are `snaplen` when the snapshot length cut them
 * (caplen = k < len) and `truncated` when they are the whole frame. */
static void check_cut_at(const struct frame *f, uint32_t k) {
  ck_assert_uint_lt(k, f->len);
  check_reason(f, k, f->len, PF_MAL_SNAPLEN);
  check_reason(f, k, k, PF_MAL_TRUNCATED);
}

static void eth_ipv4_udp(struct frame *f) {
  frame_init(f, DLT_EN10MB);
  frame_eth(f, NULL, NULL, 0x0800);
  frame_ipv4(f, &(struct ip4){.proto = 17});
  frame_udp(f, 1, 2);
  frame_fill(f, 0, 20);
  frame_finish(f);
}

/* ---- snaplen / truncated, layer by layer ---- */

START_TEST(test_link_headers_cut) {
  struct frame f;
  eth_ipv4_udp(&f);
  for (uint32_t k = 0; k < ETH; k++)
    check_cut_at(&f, k);

  frame_init(&f, DLT_LINUX_SLL);
  frame_sll(&f, 0, 0x0806);
  frame_fill(&f, 0, 28);
  for (uint32_t k = 0; k < 16; k++)
    check_cut_at(&f, k);

  frame_init(&f, DLT_LINUX_SLL2);
  frame_sll2(&f, 0x0806, 0);
  frame_fill(&f, 0, 28);
  for (uint32_t k = 0; k < 20; k++)
    check_cut_at(&f, k);

  static const int null_dlts[] = {DLT_NULL, DLT_LOOP};
  for (int i = 0; i < 2; i++) {
    frame_init(&f, null_dlts[i]);
    frame_null(&f, 7, false);
    frame_fill(&f, 0, 28);
    for (uint32_t k = 0; k < 4; k++)
      check_cut_at(&f, k);
  }
}
END_TEST

/* Raw IP needs at least the version nibble; an empty frame has none. */
START_TEST(test_raw_empty_frame) {
  static const int dlts[] = {DLT_RAW, DLT_IPV4, DLT_IPV6};
  for (int i = 0; i < 3; i++) {
    struct frame f;
    frame_init(&f, dlts[i]);
    frame_ipv4(&f, &(struct ip4){.proto = 59});
    frame_finish(&f);
    check_cut_at(&f, 0);
  }
}
END_TEST

START_TEST(test_vlan_tag_cut) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x8100);
  frame_vlan(&f, 1, 0x0806);
  frame_fill(&f, 0, 28);
  for (uint32_t k = ETH; k < ETH + 4; k++)
    check_cut_at(&f, k);
  check_valid(&f, ETH + 4, f.len, PF_L3_NON_IP);
}
END_TEST

START_TEST(test_mpls_label_cut) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x8847);
  frame_mpls(&f, 1, false);
  frame_mpls(&f, 2, true);
  frame_u8(&f, 0x00); /* non-IP payload */
  frame_fill(&f, 0, 20);
  for (uint32_t k = ETH; k < ETH + 8; k++)
    check_cut_at(&f, k);
}
END_TEST

/* "That nibble must be captured": a stack that ends at the captured end
 * does not tell what follows it. */
START_TEST(test_mpls_payload_nibble_must_be_captured) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x8847);
  frame_mpls(&f, 1, true);
  frame_u8(&f, 0x00);
  frame_fill(&f, 0, 20);
  check_cut_at(&f, ETH + 4);
  check_valid(&f, ETH + 5, f.len, PF_L3_NON_IP);
  check_valid(&f, ETH + 5, ETH + 5, PF_L3_NON_IP);
}
END_TEST

START_TEST(test_pppoe_header_cut) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x8864);
  frame_pppoe(&f, 0xc021);
  frame_fill(&f, 0, 20);
  frame_finish(&f);
  for (uint32_t k = ETH; k < ETH + 8; k++)
    check_cut_at(&f, k);
  check_valid(&f, ETH + 8, f.len, PF_L3_NON_IP);
}
END_TEST

/* The fixed IPv4 header must be captured; a whole frame that is too short
 * for it is `truncated` (its total length cannot even be trusted yet). */
START_TEST(test_ipv4_header_cut) {
  struct frame f;
  eth_ipv4_udp(&f);
  for (uint32_t k = ETH; k < ETH + 20; k++)
    check_cut_at(&f, k);
}
END_TEST

START_TEST(test_ipv6_header_cut) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x86dd);
  frame_ipv6(&f, &(struct ip6){.next = 59});
  frame_fill(&f, 0, 10);
  frame_finish(&f);
  for (uint32_t k = ETH; k < ETH + 40; k++)
    check_cut_at(&f, k);
}
END_TEST

/* An extension header inside the payload but past the captured end:
 * snaplen, both for its first two bytes and for the rest of it. */
START_TEST(test_ipv6_extension_header_not_captured) {
  struct frame f;
  frame_init(&f, DLT_RAW);
  frame_ipv6(&f, &(struct ip6){.next = 0});
  frame_ipv6_ext(&f, 0, 60, 1);  /* 16 bytes */
  frame_ipv6_ext(&f, 60, 59, 0); /* 8 bytes */
  frame_fill(&f, 0, 8);
  frame_finish(&f);
  for (uint32_t k = 40; k < 40 + 16 + 8; k++)
    check_reason(&f, k, f.len, PF_MAL_SNAPLEN);
  check_valid(&f, 64, f.len, PF_L3_IPV6);
}
END_TEST

/* Each transport header needs its bytes captured (inside the payload they
 * are): one byte short is snaplen, exactly enough is well-formed. */
START_TEST(test_transport_header_not_captured) {
  static const struct {
    uint8_t proto;
    uint32_t need;
  } cases[] = {{6, 20}, {17, 8}, {1, 4}, {58, 4}, {132, 12}, {47, 4}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct frame f;
    frame_init(&f, DLT_EN10MB);
    frame_eth(&f, NULL, NULL, 0x0800);
    frame_ipv4(&f, &(struct ip4){.proto = cases[i].proto});
    frame_fill(&f, 0x50, 40); /* 0x50: TCP data offset 5 */
    frame_finish(&f);
    uint32_t l4 = ETH + 20;
    for (uint32_t k = l4; k < l4 + cases[i].need; k++)
      check_reason(&f, k, f.len, PF_MAL_SNAPLEN);
    check_valid(&f, l4 + cases[i].need, f.len, PF_L3_IPV4);
  }
}
END_TEST

/* ---- too_deep ---- */

START_TEST(test_ninth_vlan_tag_is_too_deep) {
  static const uint16_t types[] = {0x8100, 0x88a8, 0x9100};
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x8100);
  for (int i = 1; i <= PF_MAX_VLAN_TAGS + 1; i++)
    frame_vlan(&f, (uint16_t)i, i <= PF_MAX_VLAN_TAGS ? types[i % 3] : 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 17});
  frame_udp(&f, 1, 2);
  frame_finish(&f);
  check_whole_reason(&f, PF_MAL_TOO_DEEP);
}
END_TEST

/* 16 labels none of which is bottom-of-stack: too_deep, whether or not a
 * 17th label follows. */
START_TEST(test_sixteenth_mpls_label_not_bottom_is_too_deep) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x8847);
  for (int i = 0; i < PF_MAX_MPLS_LABELS; i++)
    frame_mpls(&f, (uint32_t)i, false);
  check_whole_reason(&f, PF_MAL_TOO_DEEP);

  frame_mpls(&f, 99, true);
  frame_ipv4(&f, &(struct ip4){.proto = 17});
  frame_udp(&f, 1, 2);
  frame_finish(&f);
  check_whole_reason(&f, PF_MAL_TOO_DEEP);
}
END_TEST

START_TEST(test_seventeenth_ipv6_extension_header_is_too_deep) {
  static const uint8_t kinds[] = {0, 43, 60, 51, 44};
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x86dd);
  frame_ipv6(&f, &(struct ip6){.next = kinds[0]});
  for (int i = 0; i <= PF_MAX_IPV6_EXT; i++) {
    uint8_t kind = kinds[i % 5];
    uint8_t next = i < PF_MAX_IPV6_EXT ? kinds[(i + 1) % 5] : 17;
    if (kind == 44)
      frame_ipv6_frag(&f, next, 0, true); /* first fragments: followed */
    else
      frame_ipv6_ext(&f, kind, next, 0);
  }
  frame_udp(&f, 1, 2);
  frame_finish(&f);
  check_whole_reason(&f, PF_MAL_TOO_DEEP);
}
END_TEST

/* ---- ip_version ---- */

START_TEST(test_version_nibble_must_match_link_layer) {
  struct frame f;
  /* Ethernet IPv4 with a v6 header, and the other way round. */
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x0800);
  frame_ipv6(&f, &(struct ip6){.next = 59});
  frame_finish(&f);
  check_whole_reason(&f, PF_MAL_IP_VERSION);

  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x86dd);
  frame_ipv4(&f, &(struct ip4){.proto = 59});
  frame_fill(&f, 0, 40);
  frame_finish(&f);
  check_whole_reason(&f, PF_MAL_IP_VERSION);

  /* DLT_IPV4 / DLT_IPV6 still check the nibble. */
  frame_init(&f, DLT_IPV4);
  frame_ipv6(&f, &(struct ip6){.next = 59});
  frame_finish(&f);
  check_whole_reason(&f, PF_MAL_IP_VERSION);

  frame_init(&f, DLT_IPV6);
  frame_ipv4(&f, &(struct ip4){.proto = 59});
  frame_fill(&f, 0, 40);
  frame_finish(&f);
  check_whole_reason(&f, PF_MAL_IP_VERSION);

  /* PPPoE, SLL, NULL and LOOP announce a version too. */
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x8864);
  frame_pppoe(&f, 0x0021);
  frame_ipv6(&f, &(struct ip6){.next = 59});
  frame_finish(&f);
  check_whole_reason(&f, PF_MAL_IP_VERSION);

  frame_init(&f, DLT_LINUX_SLL);
  frame_sll(&f, 0, 0x86dd);
  frame_ipv4(&f, &(struct ip4){.proto = 59});
  frame_fill(&f, 0, 40);
  frame_finish(&f);
  check_whole_reason(&f, PF_MAL_IP_VERSION);

  frame_init(&f, DLT_NULL);
  frame_null(&f, 2, true);
  frame_ipv6(&f, &(struct ip6){.next = 59});
  frame_finish(&f);
  check_whole_reason(&f, PF_MAL_IP_VERSION);

  frame_init(&f, DLT_LOOP);
  frame_null(&f, 30, false);
  frame_ipv4(&f, &(struct ip4){.proto = 59});
  frame_fill(&f, 0, 40);
  frame_finish(&f);
  check_whole_reason(&f, PF_MAL_IP_VERSION);
}
END_TEST

/* Raw IP announces "IP": any nibble but 4 and 6 is the wrong version. The
 * nibble alone tells, so one byte is enough. */
START_TEST(test_raw_ip_unknown_version) {
  static const uint8_t nibbles[] = {0, 1, 5, 7, 15};
  for (size_t i = 0; i < sizeof(nibbles); i++) {
    struct frame f;
    frame_init(&f, DLT_RAW);
    frame_u8(&f, (uint8_t)(nibbles[i] << 4 | 5));
    frame_fill(&f, 0, 59);
    check_whole_reason(&f, PF_MAL_IP_VERSION);
    check_reason(&f, 1, f.len, PF_MAL_IP_VERSION);
    check_reason(&f, 1, 1, PF_MAL_IP_VERSION);
  }
}
END_TEST

/* ---- ipv4_header ---- */

START_TEST(test_ipv4_header_lengths_invalid) {
  static const struct {
    uint8_t ihl;
    uint16_t total;
  } cases[] = {{0, 20}, {4, 20}, {4, 16},  {5, 19},
               {5, 1},  {6, 20}, {15, 40}, {15, 59}};
  /* (A total length of 0 is a TSO segment: test_decode_lengths.c.) */
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct frame f;
    frame_init(&f, DLT_EN10MB);
    frame_eth(&f, NULL, NULL, 0x0800);
    frame_ipv4(&f, &(struct ip4){.proto = 59});
    frame_fill(&f, 0, 60);
    frame_finish(&f);
    f.data[ETH] = (uint8_t)(0x40 | cases[i].ihl);
    frame_set_u16(&f, ETH + 2, cases[i].total);
    check_whole_reason(&f, PF_MAL_IPV4_HEADER);
  }
}
END_TEST

/* Header checks come before the length bound: a bad IHL with an absurd
 * total length is ipv4_header, not ip_length; and options need not be
 * captured to tell. */
START_TEST(test_ipv4_header_before_ip_length_and_capture) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 6, .ihl = 4});
  frame_finish(&f);
  frame_set_u16(&f, ETH + 2, 65535);
  check_whole_reason(&f, PF_MAL_IPV4_HEADER);

  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 6, .ihl = 15});
  frame_fill(&f, 0, 40);
  frame_finish(&f);
  frame_set_u16(&f, ETH + 2, 40); /* below 60 */
  check_reason(&f, ETH + 20, f.len, PF_MAL_IPV4_HEADER);
}
END_TEST

/* ---- ip_length ---- */

START_TEST(test_ipv4_total_length_beyond_frame) {
  struct frame f;
  eth_ipv4_udp(&f);
  uint16_t exact = (uint16_t)(f.len - ETH);
  frame_set_u16(&f, ETH + 2, exact); /* exactly the frame: fine */
  check_valid(&f, f.len, f.len, PF_L3_IPV4);
  frame_set_u16(&f, ETH + 2, (uint16_t)(exact + 1));
  check_whole_reason(&f, PF_MAL_IP_LENGTH);
  frame_set_u16(&f, ETH + 2, 65535);
  check_whole_reason(&f, PF_MAL_IP_LENGTH);
}
END_TEST

/* The bound is len, not caplen: a snapped frame whose total length fits in
 * len is fine (protocol "other": nothing past the header is needed). */
START_TEST(test_ip_length_measured_against_len_not_caplen) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 50});
  frame_fill(&f, 0, 1000);
  frame_finish(&f);
  check_valid(&f, ETH + 20, f.len, PF_L3_IPV4);

  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x86dd);
  frame_ipv6(&f, &(struct ip6){.next = 59});
  frame_fill(&f, 0, 1000);
  frame_finish(&f);
  check_valid(&f, ETH + 40, f.len, PF_L3_IPV6);
}
END_TEST

/* The length-field bound is checked before the captured end: a snapped
 * frame whose total length exceeds len is ip_length, not snaplen. */
START_TEST(test_ip_length_before_snaplen) {
  struct frame f;
  eth_ipv4_udp(&f);
  frame_set_u16(&f, ETH + 2, (uint16_t)(f.len - ETH + 1));
  for (uint32_t k = ETH + 20; k < f.len; k++)
    check_reason(&f, k, f.len, PF_MAL_IP_LENGTH);

  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x86dd);
  frame_ipv6(&f, &(struct ip6){.next = 6});
  frame_tcp(&f, &(struct tcp){.sport = 1, .dport = 2});
  frame_finish(&f);
  frame_set_u16(&f, ETH + 4, 21);
  check_whole_reason(&f, PF_MAL_IP_LENGTH);
  for (uint32_t k = ETH + 40; k < f.len; k++)
    check_reason(&f, k, f.len, PF_MAL_IP_LENGTH);
}
END_TEST

START_TEST(test_ipv6_payload_length_beyond_frame) {
  struct frame f;
  frame_init(&f, DLT_RAW);
  frame_ipv6(&f, &(struct ip6){.next = 17});
  frame_udp(&f, 1, 2);
  frame_finish(&f);
  frame_set_u16(&f, 4, 8); /* exactly the frame */
  check_valid(&f, f.len, f.len, PF_L3_IPV6);
  frame_set_u16(&f, 4, 9);
  check_whole_reason(&f, PF_MAL_IP_LENGTH);
  frame_set_u16(&f, 4, 65535);
  check_whole_reason(&f, PF_MAL_IP_LENGTH);
}
END_TEST

/* ---- ipv6_ext ---- */

/* A hop-by-hop header that claims 16 bytes in an 8-byte payload, also when
 * the frame goes on (padding) and when it is cut inside the header: the
 * payload bound comes first. */
START_TEST(test_ipv6_extension_longer_than_payload) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x86dd);
  frame_ipv6(&f, &(struct ip6){.next = 0});
  frame_ipv6_ext(&f, 0, 59, 0);
  frame_finish(&f);
  f.data[ETH + 41] = 1; /* (1 + 1) * 8 = 16 */
  check_whole_reason(&f, PF_MAL_IPV6_EXT);
  for (uint32_t k = ETH + 42; k < f.len; k++)
    check_reason(&f, k, f.len, PF_MAL_IPV6_EXT);
  frame_pad_to(&f, 100);
  check_whole_reason(&f, PF_MAL_IPV6_EXT);
}
END_TEST

/* Its length byte cannot be read if it is not captured: snaplen. */
START_TEST(test_ipv6_extension_length_byte_not_captured) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x86dd);
  frame_ipv6(&f, &(struct ip6){.next = 0});
  frame_ipv6_ext(&f, 0, 59, 0);
  frame_finish(&f);
  f.data[ETH + 41] = 1; /* claims more than the payload */
  check_reason(&f, ETH + 40, f.len, PF_MAL_SNAPLEN);
  check_reason(&f, ETH + 41, f.len, PF_MAL_SNAPLEN);
}
END_TEST

/* The first two bytes must lie inside the payload. */
START_TEST(test_ipv6_extension_start_outside_payload) {
  struct frame f;
  frame_init(&f, DLT_RAW);
  frame_ipv6(&f, &(struct ip6){.next = 60});
  frame_ipv6_ext(&f, 60, 59, 0);
  frame_finish(&f);
  frame_set_u16(&f, 4, 1); /* one byte of payload */
  check_whole_reason(&f, PF_MAL_IPV6_EXT);
  check_reason(&f, 41, f.len, PF_MAL_IPV6_EXT);

  /* Payload length 0 with nothing after the fixed header. */
  frame_init(&f, DLT_RAW);
  frame_ipv6(&f, &(struct ip6){.next = 43});
  frame_finish(&f);
  check_whole_reason(&f, PF_MAL_IPV6_EXT);
}
END_TEST

START_TEST(test_ipv6_ah_and_fragment_longer_than_payload) {
  struct frame f;
  frame_init(&f, DLT_RAW);
  frame_ipv6(&f, &(struct ip6){.next = 51});
  frame_ipv6_ext(&f, 51, 59, 4); /* 24 bytes */
  frame_finish(&f);
  f.data[41] = 5; /* 28 bytes */
  check_whole_reason(&f, PF_MAL_IPV6_EXT);

  /* A fragment header is always 8 bytes: 4 bytes of payload are too few. */
  frame_init(&f, DLT_RAW);
  frame_ipv6(&f, &(struct ip6){.next = 44});
  frame_ipv6_frag(&f, 17, 0, true);
  frame_finish(&f);
  frame_set_u16(&f, 4, 4);
  check_whole_reason(&f, PF_MAL_IPV6_EXT);
}
END_TEST

/* A second header that does not fit after a first one that does. */
START_TEST(test_ipv6_second_extension_past_payload) {
  struct frame f;
  frame_init(&f, DLT_RAW);
  frame_ipv6(&f, &(struct ip6){.next = 0});
  frame_ipv6_ext(&f, 0, 43, 0);
  frame_ipv6_ext(&f, 43, 59, 0);
  frame_finish(&f);
  f.data[40 + 8 + 1] = 3; /* routing claims 32 bytes of 8 left */
  check_whole_reason(&f, PF_MAL_IPV6_EXT);
}
END_TEST

/* ---- l4_header ---- */

/* Each transport header one byte larger than the payload is l4_header, also
 * with the frame longer than the IP packet, and also when the frame is cut
 * inside the header: the payload bound comes first. */
START_TEST(test_transport_header_longer_than_payload) {
  static const struct {
    uint8_t proto;
    uint32_t need;
  } cases[] = {{6, 20}, {17, 8}, {1, 4}, {58, 4}, {132, 12}, {47, 4}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    for (int v6 = 0; v6 <= 1; v6++) {
      struct frame f;
      frame_init(&f, DLT_EN10MB);
      frame_eth(&f, NULL, NULL, v6 ? 0x86dd : 0x0800);
      uint32_t hdr = v6 ? 40 : 20;
      if (v6)
        frame_ipv6(&f, &(struct ip6){.next = cases[i].proto});
      else
        frame_ipv4(&f, &(struct ip4){.proto = cases[i].proto});
      frame_fill(&f, 0x50, cases[i].need - 1);
      frame_finish(&f);
      check_whole_reason(&f, PF_MAL_L4_HEADER);
      for (uint32_t k = ETH + hdr; k < f.len; k++)
        check_reason(&f, k, f.len, PF_MAL_L4_HEADER);
      frame_pad_to(&f, 100);
      check_whole_reason(&f, PF_MAL_L4_HEADER);
    }
  }
}
END_TEST

/* A whole frame cannot be `truncated` inside a transport header: with
 * payload length 0 the payload is the frame, so the payload bound fails. */
START_TEST(test_ipv6_jumbo_payload_short_transport_is_l4_header) {
  struct frame f;
  frame_init(&f, DLT_RAW);
  frame_ipv6(&f, &(struct ip6){.next = 6});
  frame_fill(&f, 0x50, 19);
  frame_finish(&f);
  frame_set_u16(&f, 4, 0);
  check_whole_reason(&f, PF_MAL_L4_HEADER);
}
END_TEST

START_TEST(test_tcp_data_offset_below_five) {
  for (uint8_t doff = 0; doff < 5; doff++) {
    struct frame f;
    frame_init(&f, DLT_EN10MB);
    frame_eth(&f, NULL, NULL, 0x0800);
    frame_ipv4(&f, &(struct ip4){.proto = 6});
    frame_tcp(&f, &(struct tcp){.sport = 1, .dport = 2});
    frame_fill(&f, 0, 40);
    frame_finish(&f);
    f.data[f.l4_off + 12] = (uint8_t)(doff << 4);
    check_whole_reason(&f, PF_MAL_L4_HEADER);
  }
}
END_TEST

/* The 20 fixed bytes are needed before the data offset is judged: cut
 * inside them it is snaplen even with a bad offset. */
START_TEST(test_tcp_fixed_header_checked_before_data_offset) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 6});
  frame_tcp(&f, &(struct tcp){.sport = 1, .dport = 2});
  frame_finish(&f);
  f.data[f.l4_off + 12] = 0x40;
  check_reason(&f, f.l4_off + 19, f.len, PF_MAL_SNAPLEN);
  check_reason(&f, f.l4_off + 20, f.len, PF_MAL_L4_HEADER);
}
END_TEST

/* Options must lie inside the IP payload: data offset 15 (60 bytes) with
 * only 40 bytes of payload is l4_header; 24 of 24 is fine. */
START_TEST(test_tcp_options_past_payload) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x86dd);
  frame_ipv6(&f, &(struct ip6){.next = 6});
  frame_tcp(&f, &(struct tcp){.sport = 1, .dport = 2, .doff = 10});
  frame_finish(&f);
  f.data[f.l4_off + 12] = 0xf0;
  check_whole_reason(&f, PF_MAL_L4_HEADER);
  check_reason(&f, f.l4_off + 20, f.len, PF_MAL_L4_HEADER);
  frame_pad_to(&f, 200); /* more frame, same payload */
  check_whole_reason(&f, PF_MAL_L4_HEADER);

  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 6});
  frame_tcp(&f, &(struct tcp){.sport = 1, .dport = 2, .doff = 6});
  frame_finish(&f);
  check_valid(&f, f.len, f.len, PF_L3_IPV4);
}
END_TEST

/* ...but need not be captured. */
START_TEST(test_tcp_options_need_not_be_captured) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 6});
  frame_tcp(&f,
            &(struct tcp){
                .sport = 443, .dport = 50000, .flags = PF_TCP_SYN, .doff = 15});
  frame_fill(&f, 0, 100);
  frame_finish(&f);
  for (uint32_t k = f.l4_off + 20; k <= f.l4_off + 60; k++) {
    struct pf_packet p;
    uint8_t *buf = frame_decode(&f, k, f.len, &p);
    expect_packet(&f, buf, &p,
                  &(struct expect){.l3 = PF_L3_IPV4,
                                   .l4 = PF_L4_TCP,
                                   .eth = true,
                                   .ip_proto = 6,
                                   .has_ports = true,
                                   .sport = 443,
                                   .dport = 50000,
                                   .tcp_flags = PF_TCP_SYN,
                                   .l4_len = k - f.l4_off});
    free(buf);
  }
}
END_TEST

/* IPv4 options are needed only where a transport header follows them:
 * protocol "other" and later fragments are fine with them cut. */
START_TEST(test_ipv4_options_need_not_be_captured_without_transport) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 50, .ihl = 15});
  frame_fill(&f, 0, 100);
  frame_finish(&f);
  for (uint32_t k = ETH + 20; k < ETH + 60; k++)
    check_valid(&f, k, f.len, PF_L3_IPV4);

  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 6, .ihl = 15, .frag = 100});
  frame_fill(&f, 0, 100);
  frame_finish(&f);
  for (uint32_t k = ETH + 20; k < ETH + 60; k++)
    check_valid(&f, k, f.len, PF_L3_IPV4);

  /* With TCP behind them, cut options cut the TCP header: snaplen. */
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 6, .ihl = 15});
  frame_tcp(&f, &(struct tcp){.sport = 1, .dport = 2});
  frame_finish(&f);
  for (uint32_t k = ETH + 20; k < ETH + 60; k++)
    check_reason(&f, k, f.len, PF_MAL_SNAPLEN);
}
END_TEST

/* IPv4 options that leave no room for the transport header. */
START_TEST(test_ipv4_options_fill_the_payload) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 17, .ihl = 15});
  frame_finish(&f);
  frame_pad_to(&f, 120);
  check_whole_reason(&f, PF_MAL_L4_HEADER);
}
END_TEST

/* A malformed outcome carries no transport details. */
START_TEST(test_malformed_outcome_is_clean) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 6});
  frame_tcp(&f,
            &(struct tcp){.sport = 1, .dport = 2, .flags = 0x3f, .doff = 10});
  frame_finish(&f);
  frame_set_u16(&f, ETH + 2, 20 + 30); /* options past the payload */
  struct pf_packet p;
  uint8_t *buf = frame_decode_whole(&f, &p);
  expect_packet(&f, buf, &p,
                &(struct expect){.l3 = PF_L3_MALFORMED,
                                 .malformed = PF_MAL_L4_HEADER,
                                 .eth = true});
  ck_assert_int_eq(p.l4, PF_L4_NONE);
  ck_assert(!p.has_ports);
  ck_assert_uint_eq(p.tcp_flags, 0);
  ck_assert_ptr_null(p.l4_hdr);
  ck_assert_uint_eq(p.l4_len, 0);
  free(buf);
}
END_TEST

Suite *pf_decode_malformed_suite(void) {
  Suite *s = suite_create("decode_malformed");
  TCase *tc = tcase_create("snaplen_truncated");
  tcase_add_test(tc, test_link_headers_cut);
  tcase_add_test(tc, test_raw_empty_frame);
  tcase_add_test(tc, test_vlan_tag_cut);
  tcase_add_test(tc, test_mpls_label_cut);
  tcase_add_test(tc, test_mpls_payload_nibble_must_be_captured);
  tcase_add_test(tc, test_pppoe_header_cut);
  tcase_add_test(tc, test_ipv4_header_cut);
  tcase_add_test(tc, test_ipv6_header_cut);
  tcase_add_test(tc, test_ipv6_extension_header_not_captured);
  tcase_add_test(tc, test_transport_header_not_captured);
  suite_add_tcase(s, tc);

  tc = tcase_create("too_deep");
  tcase_add_test(tc, test_ninth_vlan_tag_is_too_deep);
  tcase_add_test(tc, test_sixteenth_mpls_label_not_bottom_is_too_deep);
  tcase_add_test(tc, test_seventeenth_ipv6_extension_header_is_too_deep);
  suite_add_tcase(s, tc);

  tc = tcase_create("ip_header");
  tcase_add_test(tc, test_version_nibble_must_match_link_layer);
  tcase_add_test(tc, test_raw_ip_unknown_version);
  tcase_add_test(tc, test_ipv4_header_lengths_invalid);
  tcase_add_test(tc, test_ipv4_header_before_ip_length_and_capture);
  tcase_add_test(tc, test_ipv4_total_length_beyond_frame);
  tcase_add_test(tc, test_ip_length_measured_against_len_not_caplen);
  tcase_add_test(tc, test_ip_length_before_snaplen);
  tcase_add_test(tc, test_ipv6_payload_length_beyond_frame);
  suite_add_tcase(s, tc);

  tc = tcase_create("ipv6_ext");
  tcase_add_test(tc, test_ipv6_extension_longer_than_payload);
  tcase_add_test(tc, test_ipv6_extension_length_byte_not_captured);
  tcase_add_test(tc, test_ipv6_extension_start_outside_payload);
  tcase_add_test(tc, test_ipv6_ah_and_fragment_longer_than_payload);
  tcase_add_test(tc, test_ipv6_second_extension_past_payload);
  suite_add_tcase(s, tc);

  tc = tcase_create("l4_header");
  tcase_add_test(tc, test_transport_header_longer_than_payload);
  tcase_add_test(tc, test_ipv6_jumbo_payload_short_transport_is_l4_header);
  tcase_add_test(tc, test_tcp_data_offset_below_five);
  tcase_add_test(tc, test_tcp_fixed_header_checked_before_data_offset);
  tcase_add_test(tc, test_tcp_options_past_payload);
  tcase_add_test(tc, test_tcp_options_need_not_be_captured);
  tcase_add_test(tc, test_ipv4_options_need_not_be_captured_without_transport);
  tcase_add_test(tc, test_ipv4_options_fill_the_payload);
  tcase_add_test(tc, test_malformed_outcome_is_clean);
  suite_add_tcase(s, tc);
  return s;
}
