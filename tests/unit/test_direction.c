/* test_direction.c - pf_direction: local addresses first, then the kernel's
 * direction, else rx. */
#include <stdlib.h>

#include <check.h>
#include <pcap/dlt.h>

#include "frames.h"
#include "packet/direction.h"
#include "pcapflow/localnet.h"
#include "suites.h"

/* Local: 192.0.2.0/24 and 2001:db8:1::/48, so v4_a and v6_a are local and
 * v4_b and v6_b are not. */
static const uint8_t local4_other[4] = {192, 0, 2, 200};
static const uint8_t local6_other[16] = {0x20, 0x01, 0x0d, 0xb8,
                                         0,    1,    0xff, [15] = 9};
static const uint8_t remote4_other[4] = {203, 0, 113, 5};
static const uint8_t remote6_other[16] = {0x20, 0x01, 0x0d,    0xb8,
                                          0,    3,    [15] = 3};

static struct pf_localnet local;
static const uint8_t zero_mac[6] = {0}; /* loopback's, and its frames' */

static void add_prefix(struct pf_localnet *set, const char *text) {
  struct pf_prefix p;
  char err[128];
  ck_assert_msg(pf_prefix_parse(text, &p, err, sizeof(err)) == 0, "%s", err);
  ck_assert_int_eq(pf_localnet_add(set, &p, err, sizeof(err)), 0);
}

static void setup_local(void) {
  pf_localnet_init(&local);
  add_prefix(&local, "192.0.2.0/24");
  add_prefix(&local, "2001:db8:1::/48");
}

static void teardown_local(void) { pf_localnet_free(&local); }

/* Link layer to put in front of the IP header. */
enum link {
  LINK_ETH_FROM_A, /* Ethernet, source MAC mac_a */
  LINK_ETH_FROM_B, /* Ethernet, source MAC mac_b */
  LINK_SLL_IN,     /* SLL, packet type 0 (to us) */
  LINK_SLL_OUT,    /* SLL, packet type 4 (outgoing) */
  LINK_SLL2_OUT,   /* SLL2, packet type 4 */
  LINK_RAW,        /* DLT_RAW: no direction at all */
  LINK_LO,         /* live loopback: Ethernet, all-zero MACs */
};

static void put_link(struct frame *f, enum link link, uint16_t type) {
  switch (link) {
  case LINK_ETH_FROM_A:
  case LINK_ETH_FROM_B:
    frame_init(f, DLT_EN10MB);
    frame_eth(f, NULL, link == LINK_ETH_FROM_A ? mac_a : mac_b, type);
    break;
  case LINK_SLL_IN:
  case LINK_SLL_OUT:
    frame_init(f, DLT_LINUX_SLL);
    frame_sll(f, link == LINK_SLL_OUT ? 4 : 0, type);
    break;
  case LINK_SLL2_OUT:
    frame_init(f, DLT_LINUX_SLL2);
    frame_sll2(f, type, 4);
    break;
  case LINK_RAW:
    frame_init(f, DLT_RAW);
    break;
  case LINK_LO:
    frame_init(f, DLT_EN10MB);
    frame_eth(f, zero_mac, zero_mac, type);
    break;
  }
}

/* Decodes an IPv4 (v6 false) or IPv6 UDP packet from src to dst behind
 * `link`, and checks the direction and locality pf_direction gives. */
static void check_ip(enum link link, bool v6, const uint8_t *src,
                     const uint8_t *dst, const uint8_t *if_mac, int want_dir,
                     int want_loc) {
  struct frame f;
  put_link(&f, link, v6 ? 0x86dd : 0x0800);
  if (v6)
    frame_ipv6(&f, &(struct ip6){.next = 17, .src = src, .dst = dst});
  else
    frame_ipv4(&f, &(struct ip4){.proto = 17, .src = src, .dst = dst});
  frame_udp(&f, 1000, 2000);
  frame_finish(&f);
  struct pf_packet p;
  uint8_t *buf = frame_decode_whole(&f, &p);
  ck_assert_int_eq(p.l3, v6 ? PF_L3_IPV6 : PF_L3_IPV4);
  enum pf_locality loc = (enum pf_locality) - 1;
  enum pf_dir dir = pf_direction(&local, if_mac, &p, &loc);
  ck_assert_msg((int)dir == want_dir && (int)loc == want_loc,
                "link %d v6 %d: dir %d locality %d, expected %d %d", link, v6,
                dir, loc, want_dir, want_loc);
  free(buf);
}

/* Checks the direction of an already-built frame decoded with caplen. */
static void check_frame(const struct frame *f, uint32_t caplen,
                        const uint8_t *if_mac, int want_dir, int want_loc) {
  struct pf_packet p;
  uint8_t *buf = frame_decode(f, caplen, f->len, &p);
  enum pf_locality loc = (enum pf_locality) - 1;
  enum pf_dir dir = pf_direction(&local, if_mac, &p, &loc);
  ck_assert_msg((int)dir == want_dir && (int)loc == want_loc,
                "dlt %d caplen %u l3 %d: dir %d locality %d, expected %d %d",
                f->dlt, caplen, p.l3, dir, loc, want_dir, want_loc);
  free(buf);
}

/* ---- by addresses ---- */

START_TEST(test_source_local_only_is_tx) {
  for (int v6 = 0; v6 <= 1; v6++)
    check_ip(LINK_ETH_FROM_B, v6, v6 ? v6_a : v4_a, v6 ? v6_b : v4_b, NULL,
             PF_DIR_TX, PF_LOCALITY_SRC);
}
END_TEST

START_TEST(test_destination_local_only_is_rx) {
  for (int v6 = 0; v6 <= 1; v6++)
    check_ip(LINK_ETH_FROM_B, v6, v6 ? v6_b : v4_b, v6 ? v6_a : v4_a, NULL,
             PF_DIR_RX, PF_LOCALITY_DST);
}
END_TEST

/* Addresses win over what the kernel says. */
START_TEST(test_addresses_override_kernel_direction) {
  for (int v6 = 0; v6 <= 1; v6++) {
    const uint8_t *loc = v6 ? v6_a : v4_a, *rem = v6 ? v6_b : v4_b;
    check_ip(LINK_SLL_IN, v6, loc, rem, NULL, PF_DIR_TX, PF_LOCALITY_SRC);
    check_ip(LINK_SLL_OUT, v6, rem, loc, NULL, PF_DIR_RX, PF_LOCALITY_DST);
    check_ip(LINK_SLL2_OUT, v6, rem, loc, NULL, PF_DIR_RX, PF_LOCALITY_DST);
    /* Our own MAC as source, but the destination is the local one. */
    check_ip(LINK_ETH_FROM_A, v6, rem, loc, mac_a, PF_DIR_RX, PF_LOCALITY_DST);
  }
}
END_TEST

/* Both local: the kernel decides (SLL packet type, own MAC), else rx. */
START_TEST(test_both_local_uses_kernel_direction) {
  for (int v6 = 0; v6 <= 1; v6++) {
    const uint8_t *a = v6 ? v6_a : v4_a;
    const uint8_t *b = v6 ? local6_other : local4_other;
    check_ip(LINK_SLL_OUT, v6, a, b, NULL, PF_DIR_TX, PF_LOCALITY_BOTH);
    check_ip(LINK_SLL2_OUT, v6, a, b, NULL, PF_DIR_TX, PF_LOCALITY_BOTH);
    check_ip(LINK_SLL_IN, v6, a, b, NULL, PF_DIR_RX, PF_LOCALITY_BOTH);
    check_ip(LINK_ETH_FROM_A, v6, a, b, mac_a, PF_DIR_TX, PF_LOCALITY_BOTH);
    check_ip(LINK_ETH_FROM_B, v6, a, b, mac_a, PF_DIR_RX, PF_LOCALITY_BOTH);
    check_ip(LINK_ETH_FROM_A, v6, a, b, NULL, PF_DIR_RX, PF_LOCALITY_BOTH);
    check_ip(LINK_RAW, v6, a, b, NULL, PF_DIR_RX, PF_LOCALITY_BOTH);
    /* An address equal to itself: both ends local. */
    check_ip(LINK_SLL_IN, v6, a, a, NULL, PF_DIR_RX, PF_LOCALITY_BOTH);
  }
}
END_TEST

START_TEST(test_neither_local_uses_kernel_direction) {
  for (int v6 = 0; v6 <= 1; v6++) {
    const uint8_t *a = v6 ? v6_b : v4_b;
    const uint8_t *b = v6 ? remote6_other : remote4_other;
    check_ip(LINK_SLL_OUT, v6, a, b, NULL, PF_DIR_TX, PF_LOCALITY_NEITHER);
    check_ip(LINK_SLL2_OUT, v6, a, b, NULL, PF_DIR_TX, PF_LOCALITY_NEITHER);
    check_ip(LINK_SLL_IN, v6, a, b, NULL, PF_DIR_RX, PF_LOCALITY_NEITHER);
    check_ip(LINK_ETH_FROM_A, v6, a, b, mac_a, PF_DIR_TX, PF_LOCALITY_NEITHER);
    check_ip(LINK_ETH_FROM_B, v6, a, b, mac_a, PF_DIR_RX, PF_LOCALITY_NEITHER);
    check_ip(LINK_ETH_FROM_A, v6, a, b, NULL, PF_DIR_RX, PF_LOCALITY_NEITHER);
    check_ip(LINK_RAW, v6, a, b, NULL, PF_DIR_RX, PF_LOCALITY_NEITHER);
  }
}
END_TEST

/* An IPv4 set says nothing about IPv6 addresses and vice versa. */
START_TEST(test_address_families_do_not_mix) {
  struct pf_localnet only4 = local;
  only4.n6 = 0; /* the same set, without its IPv6 prefix */
  struct frame f;
  put_link(&f, LINK_RAW, 0);
  frame_ipv6(&f, &(struct ip6){.next = 59, .src = v6_a});
  frame_finish(&f);
  struct pf_packet p;
  uint8_t *buf = frame_decode_whole(&f, &p);
  enum pf_locality loc;
  ck_assert_int_eq(pf_direction(&only4, NULL, &p, &loc), PF_DIR_RX);
  ck_assert_int_eq(loc, PF_LOCALITY_NEITHER);
  free(buf);

  /* 192.0.2.1's bytes at the start of an IPv6 address are not local. */
  uint8_t v4_lookalike[16] = {192, 0, 2, 1};
  check_ip(LINK_RAW, true, v4_lookalike, v6_b, NULL, PF_DIR_RX,
           PF_LOCALITY_NEITHER);
}
END_TEST

/* With nothing local at all, every IP packet is "neither". */
START_TEST(test_empty_local_set) {
  struct pf_localnet empty;
  pf_localnet_init(&empty);
  struct frame f;
  put_link(&f, LINK_SLL_OUT, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 59});
  frame_finish(&f);
  struct pf_packet p;
  uint8_t *buf = frame_decode_whole(&f, &p);
  enum pf_locality loc;
  ck_assert_int_eq(pf_direction(&empty, NULL, &p, &loc), PF_DIR_TX);
  ck_assert_int_eq(loc, PF_LOCALITY_NEITHER);
  free(buf);
}
END_TEST

/* ---- no addresses: non-IP and malformed ---- */

START_TEST(test_non_ip_uses_kernel_direction) {
  struct frame f;
  put_link(&f, LINK_ETH_FROM_A, 0x0806);
  frame_fill(&f, 0, 28);
  check_frame(&f, f.len, mac_a, PF_DIR_TX, PF_LOCALITY_UNKNOWN);
  check_frame(&f, f.len, mac_b, PF_DIR_RX, PF_LOCALITY_UNKNOWN);
  check_frame(&f, f.len, NULL, PF_DIR_RX, PF_LOCALITY_UNKNOWN);

  put_link(&f, LINK_SLL_OUT, 0x88cc);
  frame_fill(&f, 0, 28);
  check_frame(&f, f.len, NULL, PF_DIR_TX, PF_LOCALITY_UNKNOWN);
  put_link(&f, LINK_SLL_IN, 0x88cc);
  frame_fill(&f, 0, 28);
  check_frame(&f, f.len, NULL, PF_DIR_RX, PF_LOCALITY_UNKNOWN);

  frame_init(&f, DLT_NULL);
  frame_null(&f, 7, true);
  frame_fill(&f, 0, 28);
  check_frame(&f, f.len, NULL, PF_DIR_RX, PF_LOCALITY_UNKNOWN);
}
END_TEST

/* A malformed packet has no trustworthy addresses, even if its source is
 * local: the kernel's direction decides. */
START_TEST(test_malformed_ignores_addresses) {
  struct frame f;
  put_link(&f, LINK_ETH_FROM_B, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 17, .src = v4_a, .dst = v4_b});
  frame_udp(&f, 1, 2);
  frame_finish(&f);
  frame_set_u16(&f, 14 + 2, 1000); /* ip_length */
  check_frame(&f, f.len, mac_a, PF_DIR_RX, PF_LOCALITY_UNKNOWN);
  f.data[11] = mac_a[5]; /* now sent from our own MAC */
  check_frame(&f, f.len, mac_a, PF_DIR_TX, PF_LOCALITY_UNKNOWN);

  put_link(&f, LINK_SLL_OUT, 0x86dd);
  frame_ipv6(&f, &(struct ip6){.next = 6, .src = v6_b, .dst = v6_a});
  frame_finish(&f); /* no room for TCP: l4_header */
  check_frame(&f, f.len, NULL, PF_DIR_TX, PF_LOCALITY_UNKNOWN);

  put_link(&f, LINK_SLL2_OUT, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 6});
  frame_tcp(&f, &(struct tcp){.sport = 1, .dport = 2});
  frame_finish(&f);
  check_frame(&f, 30, NULL, PF_DIR_TX, PF_LOCALITY_UNKNOWN); /* snaplen */
}
END_TEST

/* The kernel's direction is known only with the whole link header: an SLL
 * or SLL2 header cut before its end says nothing, even if the packet type
 * byte itself was captured. Same for an Ethernet header cut after the MAC. */
START_TEST(test_cut_link_header_has_no_direction) {
  struct frame f;
  put_link(&f, LINK_SLL_OUT, 0x0806);
  frame_fill(&f, 0, 28);
  for (uint32_t k = 0; k < 16; k++)
    check_frame(&f, k, NULL, PF_DIR_RX, PF_LOCALITY_UNKNOWN);
  check_frame(&f, 16, NULL, PF_DIR_TX, PF_LOCALITY_UNKNOWN);

  put_link(&f, LINK_SLL2_OUT, 0x0806);
  frame_fill(&f, 0, 28);
  for (uint32_t k = 0; k < 20; k++)
    check_frame(&f, k, NULL, PF_DIR_RX, PF_LOCALITY_UNKNOWN);
  check_frame(&f, 20, NULL, PF_DIR_TX, PF_LOCALITY_UNKNOWN);

  put_link(&f, LINK_ETH_FROM_A, 0x0806);
  frame_fill(&f, 0, 28);
  for (uint32_t k = 0; k < 14; k++)
    check_frame(&f, k, mac_a, PF_DIR_RX, PF_LOCALITY_UNKNOWN);
  check_frame(&f, 14, mac_a, PF_DIR_TX, PF_LOCALITY_UNKNOWN);
}
END_TEST

/* Packet types other than 4 are incoming, however odd. */
START_TEST(test_sll_packet_types_other_than_outgoing_are_rx) {
  /* 0x0104 and 0x0400: the field is 16 bits, read in network order. */
  static const uint16_t types[] = {0, 1, 2, 3, 5, 6, 7, 0x0104, 0x0400, 0xffff};
  for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
    struct frame f;
    frame_init(&f, DLT_LINUX_SLL);
    frame_sll(&f, types[i], 0x0806);
    frame_fill(&f, 0, 28);
    check_frame(&f, f.len, NULL, PF_DIR_RX, PF_LOCALITY_UNKNOWN);
    if (types[i] <= 0xff) {
      frame_init(&f, DLT_LINUX_SLL2);
      frame_sll2(&f, 0x0806, (uint8_t)types[i]);
      frame_fill(&f, 0, 28);
      check_frame(&f, f.len, NULL, PF_DIR_RX, PF_LOCALITY_UNKNOWN);
    }
  }
}
END_TEST

/* A MAC differing from the interface's in its last byte only is not ours. */
START_TEST(test_mac_must_match_in_all_six_bytes) {
  for (int i = 0; i < 6; i++) {
    uint8_t mac[6];
    for (int j = 0; j < 6; j++)
      mac[j] = mac_a[j];
    mac[i] ^= 0x80;
    struct frame f;
    frame_init(&f, DLT_EN10MB);
    frame_eth(&f, NULL, mac, 0x0806);
    frame_fill(&f, 0, 28);
    check_frame(&f, f.len, mac_a, PF_DIR_RX, PF_LOCALITY_UNKNOWN);
  }
}
END_TEST

/* Live loopback: the interface's MAC is all zeros and so is every frame's
 * source; that is no sign of sending (libpcap hands over the received
 * copy of each packet): rx, as for any frame the MAC does not tell. */
START_TEST(test_loopback_zero_mac_tells_nothing) {
  static const uint8_t lo4[4] = {127, 0, 0, 1};
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, zero_mac, zero_mac, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 17, .src = lo4, .dst = lo4});
  frame_udp(&f, 40000, 53);
  frame_finish(&f);
  check_frame(&f, f.len, zero_mac, PF_DIR_RX, PF_LOCALITY_NEITHER);
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, zero_mac, zero_mac, 0x0806);
  frame_fill(&f, 0, 28);
  check_frame(&f, f.len, zero_mac, PF_DIR_RX, PF_LOCALITY_UNKNOWN);
  /* A MAC that is not all zeros still tells. */
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, zero_mac, mac_a, 0x0806);
  frame_fill(&f, 0, 28);
  check_frame(&f, f.len, mac_a, PF_DIR_TX, PF_LOCALITY_UNKNOWN);
}
END_TEST

/* On lo, with lo's own addresses as the local set (as a source on lo has
 * them): every 127.x address is the host's, so traffic among them is local
 * to local and the kernel's word, rx, decides: systemd-resolved's
 * 127.0.0.53, Debian's 127.0.1.1 and Docker's 127.0.0.11 are not remote. */
static void check_lo(const uint8_t *src, const uint8_t *dst, bool v6) {
  check_ip(LINK_LO, v6, src, dst, zero_mac, PF_DIR_RX, PF_LOCALITY_BOTH);
}

START_TEST(test_loopback_network_is_local) {
  static const uint8_t one[4] = {127, 0, 0, 1}, resolved[4] = {127, 0, 0, 53},
                       hostname[4] = {127, 0, 1, 1},
                       docker[4] = {127, 0, 0, 11};
  static const uint8_t six[16] = {[15] = 1};
  char err[256];
  pf_localnet_free(&local);
  ck_assert_msg(pf_localnet_add_interface(&local, "lo", err, sizeof(err)) > 0,
                "%s", err);
  check_lo(one, resolved, false);
  check_lo(one, hostname, false);
  check_lo(docker, one, false);
  check_lo(one, one, false);
  if (local.n6 > 0) /* ::1 is lo's unless IPv6 is off */
    check_lo(six, six, true);
}
END_TEST

/* Files of raw IP and loopback carry no direction: rx. */
START_TEST(test_files_without_direction_default_to_rx) {
  struct frame f;
  frame_init(&f, DLT_NULL);
  frame_null(&f, 2, true);
  frame_ipv4(&f, &(struct ip4){.proto = 59, .src = v4_b, .dst = remote4_other});
  frame_finish(&f);
  check_frame(&f, f.len, NULL, PF_DIR_RX, PF_LOCALITY_NEITHER);

  frame_init(&f, DLT_LOOP);
  frame_null(&f, 24, false);
  frame_ipv6(&f, &(struct ip6){.next = 59, .src = v6_a, .dst = local6_other});
  frame_finish(&f);
  check_frame(&f, f.len, NULL, PF_DIR_RX, PF_LOCALITY_BOTH);

  frame_init(&f, DLT_IPV4);
  frame_fill(&f, 0x45, 3); /* truncated */
  check_frame(&f, f.len, NULL, PF_DIR_RX, PF_LOCALITY_UNKNOWN);
}
END_TEST

Suite *pf_direction_suite(void) {
  Suite *s = suite_create("direction");
  TCase *tc = tcase_create("addresses");
  tcase_add_checked_fixture(tc, setup_local, teardown_local);
  tcase_add_test(tc, test_source_local_only_is_tx);
  tcase_add_test(tc, test_destination_local_only_is_rx);
  tcase_add_test(tc, test_addresses_override_kernel_direction);
  tcase_add_test(tc, test_both_local_uses_kernel_direction);
  tcase_add_test(tc, test_neither_local_uses_kernel_direction);
  tcase_add_test(tc, test_address_families_do_not_mix);
  tcase_add_test(tc, test_empty_local_set);
  suite_add_tcase(s, tc);

  tc = tcase_create("kernel");
  tcase_add_checked_fixture(tc, setup_local, teardown_local);
  tcase_add_test(tc, test_non_ip_uses_kernel_direction);
  tcase_add_test(tc, test_malformed_ignores_addresses);
  tcase_add_test(tc, test_cut_link_header_has_no_direction);
  tcase_add_test(tc, test_sll_packet_types_other_than_outgoing_are_rx);
  tcase_add_test(tc, test_mac_must_match_in_all_six_bytes);
  tcase_add_test(tc, test_loopback_zero_mac_tells_nothing);
  tcase_add_test(tc, test_loopback_network_is_local);
  tcase_add_test(tc, test_files_without_direction_default_to_rx);
  suite_add_tcase(s, tc);
  return s;
}
