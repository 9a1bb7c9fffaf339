/* test_decode_truncation.c - pf_decode on valid frames cut at every byte
 * offset, by snaplen and for real. */
#include <stdlib.h>

#include <check.h>
#include <pcap/dlt.h>

#include "frames.h"
#include "packet/decode.h"
#include "suites.h"

/* A valid frame and, by hand from DECODING.md, what cutting it must give.
 *
 * (a) caplen = k, len = full: the full outcome when k >= need (every header
 *     the decoder must read is captured), else `snaplen`.
 * (b) caplen = len = k: the frame itself is short. For k below whole[i].below
 *     (first matching entry) the reason is whole[i].reason; past every entry
 *     it is the full outcome (only padding or payload was lost).
 *
 * In both, the kernel direction and eth_src are known iff k >= link. */
struct trunc_case {
  const char *name;
  void (*build)(struct frame *f);
  uint32_t need;
  uint32_t link;
  struct {
    uint32_t below;
    int reason;
  } whole[3];
};

/* 14 + 20 + 32 (TCP with 12 option bytes) + 10 = 76; options not needed. */
static void build_eth_ipv4_tcp_options(struct frame *f) {
  frame_init(f, DLT_EN10MB);
  frame_eth(f, NULL, NULL, 0x0800);
  frame_ipv4(f, &(struct ip4){.proto = 6, .tos = 0x10});
  frame_tcp(f, &(struct tcp){.sport = 1, .dport = 2, .flags = 0x12, .doff = 8});
  frame_fill(f, 0xaa, 10);
  frame_finish(f);
}

/* IP ends at 14 + 20 + 8 + 4 = 46; padded to 60. */
static void build_eth_ipv4_udp_padded(struct frame *f) {
  frame_init(f, DLT_EN10MB);
  frame_eth(f, NULL, NULL, 0x0800);
  frame_ipv4(f, &(struct ip4){.proto = 17});
  frame_udp(f, 53, 53);
  frame_fill(f, 0xaa, 4);
  frame_finish(f);
  frame_pad_to(f, 60);
}

/* 14 + 8 (QinQ) + 40 + 8 (hop-by-hop) + 16 (dest opts) = 86; TCP to 106;
 * 20 bytes of data to 126. */
static void build_eth_qinq_ipv6_ext_tcp(struct frame *f) {
  frame_init(f, DLT_EN10MB);
  frame_eth(f, NULL, NULL, 0x88a8);
  frame_vlan(f, 100, 0x8100);
  frame_vlan(f, 200, 0x86dd);
  frame_ipv6(f, &(struct ip6){.next = 0});
  frame_ipv6_ext(f, 0, 60, 0);
  frame_ipv6_ext(f, 60, 6, 1);
  frame_tcp(f, &(struct tcp){.sport = 3, .dport = 4, .flags = PF_TCP_FIN});
  frame_fill(f, 0xbb, 20);
  frame_finish(f);
}

/* 14 + 12 (3 labels) = 26; IPv4 to 46; ICMP 8 + 16 to 70. */
static void build_eth_mpls_ipv4_icmp(struct frame *f) {
  frame_init(f, DLT_EN10MB);
  frame_eth(f, NULL, NULL, 0x8847);
  frame_mpls(f, 10, false);
  frame_mpls(f, 20, false);
  frame_mpls(f, 30, true);
  frame_ipv4(f, &(struct ip4){.proto = 1});
  frame_icmp(f, 8, 0);
  frame_fill(f, 0, 16);
  frame_finish(f);
}

/* 14 + 8 (PPPoE) = 22; IPv6 to 62; UDP 8 + 12 to 82. */
static void build_eth_pppoe_ipv6_udp(struct frame *f) {
  frame_init(f, DLT_EN10MB);
  frame_eth(f, NULL, NULL, 0x8864);
  frame_pppoe(f, 0x0057);
  frame_ipv6(f, &(struct ip6){.next = 17});
  frame_udp(f, 5060, 5060);
  frame_fill(f, 0, 12);
  frame_finish(f);
}

/* 16 (SLL, outgoing) + 20 = 36; SCTP 12 + 20 to 68. */
static void build_sll_out_ipv4_sctp(struct frame *f) {
  frame_init(f, DLT_LINUX_SLL);
  frame_sll(f, 4, 0x0800);
  frame_ipv4(f, &(struct ip4){.proto = 132});
  frame_sctp(f, 9, 9);
  frame_fill(f, 0, 20);
  frame_finish(f);
}

/* 20 (SLL2, incoming) + 4 (VLAN) = 24; IPv4 with 4 option bytes to 48;
 * GRE 4 + 20 to 72. */
static void build_sll2_vlan_ipv4_options_gre(struct frame *f) {
  frame_init(f, DLT_LINUX_SLL2);
  frame_sll2(f, 0x8100, 0);
  frame_vlan(f, 5, 0x0800);
  frame_ipv4(f, &(struct ip4){.proto = 47, .ihl = 6});
  frame_gre(f, 0x0800);
  frame_fill(f, 0x45, 20);
  frame_finish(f);
}

/* 40 + 24 (routing) + 8 (first fragment) + 16 (AH) = 88; ICMPv6 8 + 8 to
 * 104. */
static void build_raw_ipv6_routing_fragment_ah_icmpv6(struct frame *f) {
  frame_init(f, DLT_RAW);
  frame_ipv6(f, &(struct ip6){.next = 43});
  frame_ipv6_ext(f, 43, 44, 2);
  frame_ipv6_frag(f, 51, 0, true);
  frame_ipv6_ext(f, 51, 58, 2);
  frame_icmp(f, 128, 0);
  frame_fill(f, 0, 8);
  frame_finish(f);
}

/* 4 (NULL, little-endian) + 28 (IPv4 with options) + 30 = 62; a later
 * fragment: neither options nor payload are needed. */
static void build_null_ipv4_later_fragment(struct frame *f) {
  frame_init(f, DLT_NULL);
  frame_null(f, 2, true);
  frame_ipv4(f, &(struct ip4){.proto = 6, .ihl = 7, .frag = 0x2000 | 50});
  frame_fill(f, 0, 30);
  frame_finish(f);
}

/* 4 (LOOP) + 40 (payload length 0: to the frame's end) + 8 = 52; TCP with
 * 4 option bytes to 76; 10 bytes to 86. */
static void build_loop_ipv6_jumbo_hbh_tcp(struct frame *f) {
  frame_init(f, DLT_LOOP);
  frame_null(f, 24, false);
  frame_ipv6(f, &(struct ip6){.next = 0});
  frame_ipv6_ext(f, 0, 6, 0);
  frame_tcp(f, &(struct tcp){.sport = 7, .dport = 8, .flags = 0x02, .doff = 6});
  frame_fill(f, 0, 10);
  frame_finish(f);
  frame_set_u16(f, 4 + 4, 0);
}

static void build_eth_arp(struct frame *f) {
  frame_init(f, DLT_EN10MB);
  frame_eth(f, NULL, NULL, 0x0806);
  frame_fill(f, 0x01, 28);
}

/* 20 + 8 + 4 = 32. */
static void build_dlt_ipv4_udp(struct frame *f) {
  frame_init(f, DLT_IPV4);
  frame_ipv4(f, &(struct ip4){.proto = 17});
  frame_udp(f, 123, 123);
  frame_fill(f, 0, 4);
  frame_finish(f);
}

/* 14 + 8 (0x9100, 0x8100) + 4 (MPLS) = 26; IPv6 to 66; UDP to 74. */
static void build_eth_vlans_mpls_ipv6_udp(struct frame *f) {
  frame_init(f, DLT_EN10MB);
  frame_eth(f, NULL, NULL, 0x9100);
  frame_vlan(f, 1, 0x8100);
  frame_vlan(f, 2, 0x8847);
  frame_mpls(f, 77, true);
  frame_ipv6(f, &(struct ip6){.next = 17});
  frame_udp(f, 4789, 4789);
  frame_finish(f);
}

/* 40 + 8 (later fragment of TCP) + 16 = 64. */
static void build_dlt_ipv6_later_fragment(struct frame *f) {
  frame_init(f, DLT_IPV6);
  frame_ipv6(f, &(struct ip6){.next = 44});
  frame_ipv6_frag(f, 6, 10, true);
  frame_fill(f, 0, 16);
  frame_finish(f);
}

/* 16 (SLL) + 4 (MPLS) + pseudowire payload starting with nibble 0. */
static void build_sll_mpls_non_ip(struct frame *f) {
  frame_init(f, DLT_LINUX_SLL);
  frame_sll(f, 0, 0x8847);
  frame_mpls(f, 5, true);
  frame_u8(f, 0x00);
  frame_fill(f, 0, 19);
}

#define T PF_MAL_TRUNCATED
#define L PF_MAL_IP_LENGTH

static const struct trunc_case cases[] = {
    {"eth_ipv4_tcp_options",
     build_eth_ipv4_tcp_options,
     54,
     14,
     {{34, T}, {76, L}}},
    {"eth_ipv4_udp_padded",
     build_eth_ipv4_udp_padded,
     42,
     14,
     {{34, T}, {46, L}}},
    {"eth_qinq_ipv6_ext_tcp",
     build_eth_qinq_ipv6_ext_tcp,
     106,
     14,
     {{62, T}, {126, L}}},
    {"eth_mpls_ipv4_icmp",
     build_eth_mpls_ipv4_icmp,
     50,
     14,
     {{46, T}, {70, L}}},
    {"eth_pppoe_ipv6_udp",
     build_eth_pppoe_ipv6_udp,
     70,
     14,
     {{62, T}, {82, L}}},
    {"sll_out_ipv4_sctp", build_sll_out_ipv4_sctp, 48, 16, {{36, T}, {68, L}}},
    {"sll2_vlan_ipv4_options_gre",
     build_sll2_vlan_ipv4_options_gre,
     52,
     20,
     {{44, T}, {72, L}}},
    {"raw_ipv6_routing_fragment_ah_icmpv6",
     build_raw_ipv6_routing_fragment_ah_icmpv6,
     92,
     0,
     {{40, T}, {104, L}}},
    {"null_ipv4_later_fragment",
     build_null_ipv4_later_fragment,
     24,
     4,
     {{24, T}, {62, L}}},
    /* Payload length 0: the payload is whatever the frame has, so a short
     * frame fails the payload bounds instead: ipv6_ext, then l4_header
     * (TCP header, then its options). */
    {"loop_ipv6_jumbo_hbh_tcp",
     build_loop_ipv6_jumbo_hbh_tcp,
     72,
     4,
     {{44, T}, {52, PF_MAL_IPV6_EXT}, {76, PF_MAL_L4_HEADER}}},
    {"eth_arp", build_eth_arp, 14, 14, {{14, T}}},
    {"dlt_ipv4_udp", build_dlt_ipv4_udp, 28, 0, {{20, T}, {32, L}}},
    {"eth_vlans_mpls_ipv6_udp",
     build_eth_vlans_mpls_ipv6_udp,
     74,
     14,
     {{66, T}, {74, L}}},
    {"dlt_ipv6_later_fragment",
     build_dlt_ipv6_later_fragment,
     48,
     0,
     {{40, T}, {64, L}}},
    {"sll_mpls_non_ip", build_sll_mpls_non_ip, 21, 16, {{21, T}}},
};

#undef T
#undef L

#define N_CASES ((int)(sizeof(cases) / sizeof(cases[0])))

#define CHECK(c, k, cond)                                                      \
  ck_assert_msg(cond, "%s, k = %u: %s", (c)->name, (unsigned)(k), #cond)

static long offset_in(const uint8_t *p, const uint8_t *buf) {
  return p ? (long)(p - buf) : -1;
}

/* The cut outcome matches the full one in everything but l4_len, which
 * stops at the captured end. */
static void expect_full_outcome(const struct trunc_case *c, uint32_t k,
                                const struct pf_packet *got,
                                const uint8_t *gbuf,
                                const struct pf_packet *full,
                                const uint8_t *fbuf) {
  CHECK(c, k, got->l3 == full->l3);
  CHECK(c, k, got->l4 == full->l4);
  CHECK(c, k, got->malformed == PF_MAL_NONE);
  CHECK(c, k, got->kdir == full->kdir);
  CHECK(c, k, offset_in(got->eth_src, gbuf) == offset_in(full->eth_src, fbuf));
  CHECK(c, k, got->vlan_count == full->vlan_count);
  CHECK(c, k, got->vlan_outer == full->vlan_outer);
  CHECK(c, k, got->vlan_inner == full->vlan_inner);
  if (full->l3 != PF_L3_IPV4 && full->l3 != PF_L3_IPV6)
    return;
  CHECK(c, k, got->ip_proto == full->ip_proto);
  CHECK(c, k, got->dscp == full->dscp);
  CHECK(c, k, got->fragment == full->fragment);
  CHECK(c, k, got->later_fragment == full->later_fragment);
  CHECK(c, k, offset_in(got->src_ip, gbuf) == offset_in(full->src_ip, fbuf));
  CHECK(c, k, offset_in(got->dst_ip, gbuf) == offset_in(full->dst_ip, fbuf));
  CHECK(c, k, got->has_ports == full->has_ports);
  CHECK(c, k, got->src_port == full->src_port);
  CHECK(c, k, got->dst_port == full->dst_port);
  CHECK(c, k, got->tcp_flags == full->tcp_flags);
  CHECK(c, k, offset_in(got->l4_hdr, gbuf) == offset_in(full->l4_hdr, fbuf));
  if (full->l4_hdr) {
    uint32_t off = (uint32_t)(full->l4_hdr - fbuf);
    uint32_t end = off + full->l4_len < k ? off + full->l4_len : k;
    CHECK(c, k, got->l4_len == end - off);
  }
}

/* What any outcome must say about the link layer at cut k. */
static void expect_link_known(const struct trunc_case *c, uint32_t k,
                              const struct pf_packet *got, const uint8_t *gbuf,
                              const struct pf_packet *full) {
  bool known = k >= c->link;
  CHECK(c, k, got->kdir == (known ? full->kdir : PF_KDIR_UNKNOWN));
  CHECK(c, k, got->eth_src == (known && full->eth_src ? gbuf + 6 : NULL));
}

/* Builds case i and decodes it whole; returns the buffer of the full
 * outcome, which must be well-formed. */
static uint8_t *decode_full(const struct trunc_case *c, struct frame *f,
                            struct pf_packet *full) {
  c->build(f);
  uint8_t *buf = frame_decode_whole(f, full);
  expect_complete(full);
  CHECK(c, f->len, full->l3 != PF_L3_MALFORMED);
  CHECK(c, f->len, c->need <= f->len);
  return buf;
}

START_TEST(test_snapped_at_every_offset) {
  const struct trunc_case *c = &cases[_i];
  struct frame f;
  struct pf_packet full;
  uint8_t *fbuf = decode_full(c, &f, &full);
  for (uint32_t k = 0; k <= f.len; k++) {
    struct pf_packet p;
    uint8_t *buf = frame_decode(&f, k, f.len, &p);
    expect_complete(&p);
    expect_link_known(c, k, &p, buf, &full);
    if (k >= c->need) {
      expect_full_outcome(c, k, &p, buf, &full, fbuf);
    } else {
      CHECK(c, k, p.l3 == PF_L3_MALFORMED);
      CHECK(c, k, p.malformed == PF_MAL_SNAPLEN);
    }
    free(buf);
  }
  free(fbuf);
}
END_TEST

START_TEST(test_short_frame_at_every_offset) {
  const struct trunc_case *c = &cases[_i];
  struct frame f;
  struct pf_packet full;
  uint8_t *fbuf = decode_full(c, &f, &full);
  for (uint32_t k = 0; k <= f.len; k++) {
    struct pf_packet p;
    uint8_t *buf = frame_decode(&f, k, k, &p);
    expect_complete(&p);
    expect_link_known(c, k, &p, buf, &full);
    int reason = PF_MAL_NONE;
    for (int i = 0; i < 3 && c->whole[i].below; i++) {
      if (k < c->whole[i].below) {
        reason = c->whole[i].reason;
        break;
      }
    }
    if (reason == PF_MAL_NONE) {
      expect_full_outcome(c, k, &p, buf, &full, fbuf);
    } else {
      CHECK(c, k, p.l3 == PF_L3_MALFORMED);
      ck_assert_msg(p.malformed == reason, "%s, k = %u: %s, expected %s",
                    c->name, k, pf_malformed_name(p.malformed),
                    pf_malformed_name(reason));
    }
    free(buf);
  }
  free(fbuf);
}
END_TEST

/* Cutting any of the random frames anywhere, both ways, must never read
 * past the captured end (ASan) and must give a complete outcome; a frame
 * that was not cut is never `snaplen`. */
START_TEST(test_random_frames_cut_anywhere) {
  uint64_t rng = 0x5eed0001u;
  for (int n = 0; n < 300; n++) {
    struct frame f;
    frame_random(&f, &rng);
    for (uint32_t k = 0; k <= f.len; k++) {
      struct pf_packet p;
      free(frame_decode(&f, k, f.len, &p));
      expect_complete(&p);
      free(frame_decode(&f, k, k, &p));
      expect_complete(&p);
      ck_assert(p.malformed != PF_MAL_SNAPLEN);
    }
  }
}
END_TEST

Suite *pf_decode_truncation_suite(void) {
  Suite *s = suite_create("decode_truncation");
  TCase *tc = tcase_create("every_offset");
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(tc, test_snapped_at_every_offset, 0, N_CASES);
  tcase_add_loop_test(tc, test_short_frame_at_every_offset, 0, N_CASES);
  tcase_add_test(tc, test_random_frames_cut_anywhere);
  suite_add_tcase(s, tc);
  return s;
}
