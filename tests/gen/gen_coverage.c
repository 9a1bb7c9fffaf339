/* gen_coverage.c - runs the rounds of the coverage and live scenarios and
 * builds their well-formed cases. */
#include "gen_coverage.h"

#include <stdio.h>

const int gen_addr_kinds[4] = {ADDR_RX, ADDR_TX, ADDR_BOTH, ADDR_NEITHER};

/* Transport protocols and TCP flags; built as IPv4 and as IPv6 (ICMP
 * becomes ICMPv6 in IPv6). */
/* clang-format off */
static const struct named_spec transport_cases[] = {
  {"tcp_syn", {.proto = 6, .tcp_flags = TCP_SYN, .tcp_opts = 20}, 0},
  {"tcp_synack", {.proto = 6, .tcp_flags = TCP_SYN | TCP_ACK, .tcp_opts = 20}, 0},
  {"tcp_ack", {.proto = 6, .tcp_flags = TCP_ACK}, 0},
  {"tcp_ack_ts", {.proto = 6, .tcp_flags = TCP_ACK, .tcp_opts = 12}, 0},
  {"tcp_data", {.proto = 6, .tcp_flags = TCP_PSH | TCP_ACK, .tcp_opts = 12, .payload = 1, .payload_max = 1400}, 0},
  {"tcp_opts40", {.proto = 6, .tcp_flags = TCP_ACK, .tcp_opts = 40, .payload_max = 100}, 0},
  {"tcp_finack", {.proto = 6, .tcp_flags = TCP_FIN | TCP_ACK}, 0},
  {"tcp_fin", {.proto = 6, .tcp_flags = TCP_FIN}, 0},
  {"tcp_rst", {.proto = 6, .tcp_flags = TCP_RST}, 0},
  {"tcp_rstack", {.proto = 6, .tcp_flags = TCP_RST | TCP_ACK}, 0},
  {"tcp_finrst", {.proto = 6, .tcp_flags = TCP_FIN | TCP_RST | TCP_ACK}, 0},
  {"tcp_synfin", {.proto = 6, .tcp_flags = TCP_SYN | TCP_FIN}, 0},
  {"tcp_noflags", {.proto = 6, .tcp_flags = 0}, 0},
  {"udp", {.proto = 17, .payload = 1, .payload_max = 500}, 0},
  {"udp_empty", {.proto = 17}, 0},
  {"icmp_echo", {.proto = 1, .payload = 56}, 0},
  {"icmp_min", {.proto = 1}, 0},
  {"sctp", {.proto = 132, .payload = 16, .payload_max = 300}, 0},
  {"sctp_min", {.proto = 132}, 0},
  {"gre", {.proto = 47, .payload = 20, .payload_max = 300}, 0},
  {"esp", {.proto = 50, .payload = 16, .payload_max = 300}, 0},
  {"ipip", {.proto = 4, .payload = 20, .payload_max = 200}, 0},
  {"proto253", {.proto = 253, .payload_max = 64}, 0},
  {"nonxt", {.proto = 59, .payload_max = 32}, 0},
  {"v4_ah", {.proto = 51, .payload_max = 64}, 4},
  {"v4_proto0", {.proto = 0, .payload_max = 64}, 4},
  {"v4_proto44", {.proto = 44, .payload_max = 64}, 4},
  {"v4_proto60", {.proto = 60, .payload_max = 64}, 4},
  {"v6_mobility", {.proto = 135}, 6},
};
/* clang-format on */

/* IPv4 options, fragments, IPv6 extension headers. */
/* clang-format off */
static const struct named_spec ip_cases[] = {
  {"v4opt_ra_tcp", {.ver = 4, .proto = 6, .tcp_flags = TCP_ACK, .v4_opts = 4}, 4},
  {"v4opt_rr8_udp", {.ver = 4, .proto = 17, .v4_opts = 8, .payload = 10, .payload_max = 100}, 4},
  {"v4opt_rr40_syn", {.ver = 4, .proto = 6, .tcp_flags = TCP_SYN, .tcp_opts = 20, .v4_opts = 40}, 4},
  {"v4opt_rr12_icmp", {.ver = 4, .proto = 1, .v4_opts = 12, .payload = 56}, 4},
  {"v4opt_ra_esp", {.ver = 4, .proto = 50, .v4_opts = 4, .payload = 16, .payload_max = 64}, 4},
  {"v4frag_first_udp", {.ver = 4, .proto = 17, .frag = FR_FIRST, .payload = 100, .payload_max = 1472}, 4},
  {"v4frag_middle_udp", {.ver = 4, .proto = 17, .frag = FR_MIDDLE, .payload = 100, .payload_max = 1480}, 4},
  {"v4frag_last_udp", {.ver = 4, .proto = 17, .frag = FR_LAST, .payload = 1, .payload_max = 600}, 4},
  {"v4frag_first_tcp", {.ver = 4, .proto = 6, .tcp_flags = TCP_PSH | TCP_ACK, .frag = FR_FIRST, .payload = 100, .payload_max = 1400}, 4},
  {"v4frag_first_tcp_fin", {.ver = 4, .proto = 6, .tcp_flags = TCP_FIN | TCP_ACK, .frag = FR_FIRST, .payload = 8}, 4},
  {"v4frag_first_tcp_syn", {.ver = 4, .proto = 6, .tcp_flags = TCP_SYN, .tcp_opts = 20, .frag = FR_FIRST}, 4},
  {"v4frag_last_tcp_tiny", {.ver = 4, .proto = 6, .frag = FR_LAST, .payload = 8}, 4},
  {"v4frag_last_tcp_empty", {.ver = 4, .proto = 6, .frag = FR_LAST}, 4},
  {"v4frag_middle_icmp", {.ver = 4, .proto = 1, .frag = FR_MIDDLE, .payload = 1, .payload_max = 1000}, 4},
  {"v4frag_first_icmp", {.ver = 4, .proto = 1, .frag = FR_FIRST, .payload = 1000, .payload_max = 1472}, 4},
  {"v4frag_last_sctp", {.ver = 4, .proto = 132, .frag = FR_LAST, .payload = 4}, 4},
  {"v4frag_first_gre", {.ver = 4, .proto = 47, .frag = FR_FIRST, .payload = 100, .payload_max = 1000}, 4},
  {"v4frag_last_esp", {.ver = 4, .proto = 50, .frag = FR_LAST, .payload = 1, .payload_max = 300}, 4},
  {"v4frag_middle_opts", {.ver = 4, .proto = 17, .frag = FR_MIDDLE, .v4_opts = 8, .payload = 8, .payload_max = 800}, 4},
  {"v6frag_first_udp", {.ver = 6, .proto = 17, .frag = FR_FIRST, .n_ext = 1, .ext = {44}, .payload = 100, .payload_max = 1400}, 6},
  {"v6frag_middle_udp", {.ver = 6, .proto = 17, .frag = FR_MIDDLE, .n_ext = 1, .ext = {44}, .payload = 100, .payload_max = 1400}, 6},
  {"v6frag_last_udp", {.ver = 6, .proto = 17, .frag = FR_LAST, .n_ext = 1, .ext = {44}, .payload = 1, .payload_max = 600}, 6},
  {"v6frag_atomic_tcp", {.ver = 6, .proto = 6, .tcp_flags = TCP_ACK, .frag = FR_ATOMIC, .n_ext = 1, .ext = {44}}, 6},
  {"v6frag_first_hbh_syn", {.ver = 6, .proto = 6, .tcp_flags = TCP_SYN, .tcp_opts = 20, .frag = FR_FIRST, .n_ext = 2, .ext = {0, 44}}, 6},
  {"v6frag_last_chain_udp", {.ver = 6, .proto = 17, .frag = FR_LAST, .n_ext = 3, .ext = {0, 43, 44}, .payload = 8, .payload_max = 500}, 6},
  {"v6frag_last_tcp_tiny", {.ver = 6, .proto = 6, .frag = FR_LAST, .n_ext = 1, .ext = {44}, .payload = 8}, 6},
  {"v6frag_middle_icmpv6", {.ver = 6, .proto = 58, .frag = FR_MIDDLE, .n_ext = 1, .ext = {44}, .payload = 8, .payload_max = 1000}, 6},
  {"v6frag_first_ah_tcp", {.ver = 6, .proto = 6, .tcp_flags = TCP_PSH | TCP_ACK, .frag = FR_FIRST, .n_ext = 2, .ext = {44, 51}, .payload = 100, .payload_max = 1000}, 6},
  {"v6frag_first_dst_udp", {.ver = 6, .proto = 17, .frag = FR_FIRST, .n_ext = 2, .ext = {44, 60}, .payload = 100, .payload_max = 1000}, 6},
  /* non-first: classified by the fragment header's next header, 60 here */
  {"v6frag_middle_nh_dstopts", {.ver = 6, .proto = 17, .frag = FR_MIDDLE, .n_ext = 2, .ext = {44, 60}, .payload = 8, .payload_max = 1000}, 6},
  {"v6ext_hbh_udp", {.ver = 6, .proto = 17, .n_ext = 1, .ext = {0}, .payload_max = 300}, 6},
  {"v6ext_rt_tcp", {.ver = 6, .proto = 6, .tcp_flags = TCP_ACK, .n_ext = 1, .ext = {43}}, 6},
  {"v6ext_dst_icmpv6", {.ver = 6, .proto = 58, .n_ext = 1, .ext = {60}, .payload = 56}, 6},
  {"v6ext_ah_tcp", {.ver = 6, .proto = 6, .tcp_flags = TCP_PSH | TCP_ACK, .n_ext = 1, .ext = {51}, .payload = 1, .payload_max = 1000}, 6},
  {"v6ext_ah_esp", {.ver = 6, .proto = 50, .n_ext = 1, .ext = {51}, .payload = 16, .payload_max = 200}, 6},
  {"v6ext_chain4_udp", {.ver = 6, .proto = 17, .n_ext = 4, .ext = {0, 60, 43, 60}, .payload_max = 300}, 6},
  {"v6ext_chain5_syn", {.ver = 6, .proto = 6, .tcp_flags = TCP_SYN, .tcp_opts = 20, .n_ext = 5, .ext = {0, 60, 43, 51, 60}}, 6},
  {"v6ext_dst_nonxt", {.ver = 6, .proto = 59, .n_ext = 1, .ext = {60}}, 6},
  {"v6ext_hbh_sctp", {.ver = 6, .proto = 132, .n_ext = 1, .ext = {0}, .payload = 16, .payload_max = 100}, 6},
  {"v6ext_rt_gre", {.ver = 6, .proto = 47, .n_ext = 1, .ext = {43}, .payload = 20, .payload_max = 200}, 6},
  {"v6ext_16_udp", {.ver = 6, .proto = 17, .n_ext = 16, .ext = {EXT16}, .payload_max = 100}, 6},
  {"v6ext_16_finack", {.ver = 6, .proto = 6, .tcp_flags = TCP_FIN | TCP_ACK, .n_ext = 16, .ext = {0, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60}}, 6},
  {"v6_plen0_udp", {.ver = 6, .proto = 17, .plen_zero = true, .payload = 20, .payload_max = 400}, 6},
  {"v6_plen0_hbh_tcp", {.ver = 6, .proto = 6, .tcp_flags = TCP_ACK, .n_ext = 1, .ext = {0}, .plen_zero = true, .payload = 10, .payload_max = 100}, 6},
};
/* clang-format on */

/* Builds and emits a well-formed packet for every address kind. */
void gen_ip_all_dirs(struct gen *g, const struct encap *e, struct ipspec s,
                     const char *what, int reps) {
  for (int r = 0; r < reps; r++)
    for (int a = 0; a < 4; a++) {
      s.addr = gen_addr_kinds[a];
      if (gen_build_ip(g, e, &s, what))
        gen_emit(g, CAP_ALL, R_NONE);
    }
}

static void cover_transports(struct gen *g) {
  for (size_t i = 0; i < sizeof transport_cases / sizeof transport_cases[0];
       i++)
    for (int ver = 4; ver <= 6; ver += 2) {
      const struct named_spec *c = &transport_cases[i];
      struct ipspec s = c->s;
      char what[64];

      if (c->only_ver && c->only_ver != ver)
        continue;
      s.ver = ver;
      if (ver == 6 && s.proto == 1)
        s.proto = 58;
      snprintf(what, sizeof what, "v%d_%s", ver, c->name);
      gen_ip_all_dirs(g, &gen_enc_plain, s, what, 2);
    }
  for (size_t i = 0; i < sizeof ip_cases / sizeof ip_cases[0]; i++)
    gen_ip_all_dirs(g, &gen_enc_plain, ip_cases[i].s, ip_cases[i].name, 2);
}

/* Every size bucket, at and around each boundary. */
static void cover_sizes(struct gen *g) {
  static const int sizes[] = {60,   64,   65,   100,  127,  128,  200,
                              255,  256,  400,  511,  512,  800,  1023,
                              1024, 1280, 1514, 1518, 1519, 2000, 9000};
  static const int addrs[] = {ADDR_RX, ADDR_TX, ADDR_BOTH};

  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    for (int a = 0; a < 3; a++) {
      struct ipspec s4 = {
          .ver = 4, .addr = addrs[a], .proto = 17, .target_len = sizes[i]};
      struct ipspec s6 = {.ver = 6,
                          .addr = addrs[a],
                          .proto = 6,
                          .tcp_flags = TCP_PSH | TCP_ACK,
                          .target_len = sizes[i]};
      char what[32];

      snprintf(what, sizeof what, "size%d_udp", sizes[i]);
      if (gen_build_ip(g, &gen_enc_plain, &s4, what))
        gen_emit(g, CAP_ALL, R_NONE);
      snprintf(what, sizeof what, "size%d_tcp", sizes[i]);
      if (gen_build_ip(g, &gen_enc_plain, &s6, what))
        gen_emit(g, CAP_ALL, R_NONE);
    }
}

static const uint8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t lldp_mac[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e};
static const uint8_t stp_mac[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x00};

/* Non-IP payloads that fit after the encapsulation `e`. */
void gen_cover_non_ip_encap(struct gen *g, const struct encap *e) {
  struct frame *f = &g->f;

  if (e->nlabels) {
    /* MPLS: first nibble 1 (associated channel) and 0 (control word before
     * an Ethernet pseudowire frame): both non-IP */
    gen_begin_non_ip(g, e, 0, "mpls_ach", NULL);
    gen_put32(f, 0x10007ff8);
    gen_put_random(g, f, 40);
    gen_emit_non_ip(g);
    gen_begin_non_ip(g, e, 0, "mpls_cw_eth", NULL);
    gen_put32(f, 0);
    gen_put_peer_mac(g, f);
    gen_put_peer_mac(g, f);
    gen_put16(f, ETH_EXPERIMENTAL);
    gen_put_random(g, f, 46);
    gen_emit_non_ip(g);
    return;
  }
  if (e->pppoe) {
    gen_begin_non_ip(g, e, 0xc021, "pppoe_lcp_echo", NULL);
    gen_put8(f, 9);
    gen_put8(f, (uint8_t)gen_rng_below(&g->rng, 256));
    gen_put16(f, 8);
    gen_put32(f, (uint32_t)gen_rng_next(&g->rng));
    gen_emit_non_ip(g);
    gen_begin_non_ip(g, e, 0x8021, "pppoe_ipcp", NULL);
    gen_put8(f, 1);
    gen_put8(f, (uint8_t)gen_rng_below(&g->rng, 256));
    gen_put16(f, 10);
    gen_put8(f, 3);
    gen_put8(f, 6);
    gen_put_addr(g, f, 4, true, NULL);
    gen_emit_non_ip(g);
    gen_begin_non_ip(g, e, 0x8057, "pppoe_ipv6cp", NULL);
    gen_put8(f, 1);
    gen_put8(f, (uint8_t)gen_rng_below(&g->rng, 256));
    gen_put16(f, 14);
    gen_put8(f, 1);
    gen_put8(f, 10);
    gen_put32(f, (uint32_t)gen_rng_next(&g->rng));
    gen_put32(f, (uint32_t)gen_rng_next(&g->rng));
    gen_emit_non_ip(g);
    return;
  }
  gen_begin_non_ip(g, e, ETH_ARP, "arp_request", bcast_mac);
  gen_put_arp(g, 1);
  gen_emit_non_ip(g);
  gen_begin_non_ip(g, e, ETH_ARP, "arp_reply", NULL);
  gen_put_arp(g, 2);
  gen_emit_non_ip(g);
}

static void cover_non_ip(struct gen *g) {
  struct frame *f = &g->f;

  if (g->link == LK_RAW)
    return; /* raw IP has no non-IP frames */
  if (g->link == LK_NULL || g->link == LK_LOOP) {
    for (int i = 0; i < 6; i++) {
      gen_begin_non_ip(g, &gen_enc_plain, 0, "family_non_ip", NULL);
      gen_put_random(g, f, gen_rng_range(&g->rng, 20, 200));
      gen_emit_non_ip(g);
    }
    return;
  }
  for (int rep = 0; rep < 3; rep++) {
    gen_cover_non_ip_encap(g, &gen_enc_plain);
    gen_begin_non_ip(g, &gen_enc_plain, ETH_LLDP, "lldp", lldp_mac);
    gen_put16(f, 1 << 9 | 7); /* chassis ID: MAC */
    gen_put8(f, 4);
    gen_put_peer_mac(g, f);
    gen_put16(f, 2 << 9 | 5); /* port ID: local */
    gen_put8(f, 7);
    gen_put(f, "eth0", 4);
    gen_put16(f, 3 << 9 | 2); /* TTL */
    gen_put16(f, 120);
    gen_put16(f, 0); /* end */
    gen_emit_non_ip(g);
    /* 802.3 with LLC (spanning tree): the type field is a length below
     * 0x0600; cooked captures carry LLC as protocol 0x0004 */
    gen_begin_non_ip(g, &gen_enc_plain, g->link == LK_ETHERNET ? 38 : 0x0004,
                     "stp_8023_llc", stp_mac);
    gen_put8(f, 0x42);
    gen_put8(f, 0x42);
    gen_put8(f, 0x03);
    gen_put_zero(f, 35);
    gen_emit_non_ip(g);
    gen_begin_non_ip(g, &gen_enc_plain, ETH_IPX, "ipx", NULL);
    gen_put_random(g, f, gen_rng_range(&g->rng, 30, 100));
    gen_emit_non_ip(g);
    gen_begin_non_ip(g, &gen_enc_plain, ETH_PPPOE_DISC, "pppoe_padi",
                     bcast_mac);
    gen_put8(f, 0x11);
    gen_put8(f, 0x09);
    gen_put16(f, 0);
    gen_put16(f, 4);
    gen_put16(f, 0x0101); /* service name, empty */
    gen_put16(f, 0);
    gen_emit_non_ip(g);
    gen_begin_non_ip(g, &gen_enc_plain, ETH_EXPERIMENTAL, "ethertype_88b5",
                     NULL);
    gen_put_random(g, f, gen_rng_range(&g->rng, 46, 1500));
    gen_emit_non_ip(g);
  }
}

/* Frames cut after every header the decoder needs: well-formed. */
static void cover_payload_cuts(struct gen *g) {
  struct frame *f = &g->f;

  if (g->live)
    return;
  for (int rep = 0; rep < 2; rep++) {
    int addr = gen_addr_kinds[rep % 4];
    struct ipspec tcp = {.ver = 4,
                         .addr = addr,
                         .proto = 6,
                         .tcp_flags = TCP_PSH | TCP_ACK,
                         .tcp_opts = 12,
                         .payload = 200,
                         .payload_max = 1400};
    struct ipspec syn = {.ver = 4,
                         .addr = addr,
                         .proto = 6,
                         .tcp_flags = TCP_SYN,
                         .tcp_opts = 20,
                         .payload = 10};
    struct ipspec udp6 = {.ver = 6,
                          .addr = addr,
                          .proto = 17,
                          .payload = 100,
                          .payload_max = 1000};
    struct ipspec icmp = {.ver = 4, .addr = addr, .proto = 1, .payload = 56};
    struct ipspec icmp6 = {.ver = 6, .addr = addr, .proto = 58, .payload = 56};
    struct ipspec sctp = {.ver = 4, .addr = addr, .proto = 132, .payload = 100};
    struct ipspec gre = {.ver = 4, .addr = addr, .proto = 47, .payload = 100};
    struct ipspec frag4 = {
        .ver = 4, .addr = addr, .proto = 17, .frag = FR_LAST, .payload = 500};
    struct ipspec frag6 = {.ver = 6,
                           .addr = addr,
                           .proto = 17,
                           .frag = FR_MIDDLE,
                           .n_ext = 2,
                           .ext = {0, 44},
                           .payload = 500};
    struct ipspec esp = {.ver = 4, .addr = addr, .proto = 50, .payload = 100};
    struct ipspec nonxt = {.ver = 6,
                           .addr = addr,
                           .proto = 59,
                           .n_ext = 1,
                           .ext = {60},
                           .payload = 100};

    gen_build_ip(g, &gen_enc_plain, &tcp, "cut_after_tcp_hdr");
    gen_emit(g, f->hdr_end, R_NONE);
    gen_build_ip(g, &gen_enc_plain, &tcp, "cut_in_tcp_payload");
    gen_emit(g, f->hdr_end + 10, R_NONE);
    gen_build_ip(g, &gen_enc_plain, &syn, "cut_after_tcp_options");
    gen_emit(g, f->hdr_end, R_NONE);
    gen_build_ip(g, &gen_enc_plain, &udp6, "cut_after_udp_hdr");
    gen_emit(g, f->hdr_end, R_NONE);
    gen_build_ip(g, &gen_enc_plain, &icmp, "cut_after_icmp_4");
    gen_emit(g, f->l4_off + 4, R_NONE);
    gen_build_ip(g, &gen_enc_plain, &icmp6, "cut_after_icmpv6_4");
    gen_emit(g, f->l4_off + 4, R_NONE);
    gen_build_ip(g, &gen_enc_plain, &sctp, "cut_after_sctp_hdr");
    gen_emit(g, f->l4_off + 12, R_NONE);
    gen_build_ip(g, &gen_enc_plain, &gre, "cut_after_gre_hdr");
    gen_emit(g, f->l4_off + 4, R_NONE);
    gen_build_ip(g, &gen_enc_plain, &frag4, "cut_after_v4_nonfirst_frag");
    gen_emit(g, f->ip_off + 20, R_NONE);
    gen_build_ip(g, &gen_enc_plain, &frag6, "cut_after_v6_frag_hdr");
    gen_emit(g, f->need_end, R_NONE);
    gen_build_ip(g, &gen_enc_plain, &esp, "cut_after_v4_hdr_esp");
    gen_emit(g, f->ip_off + 20, R_NONE);
    gen_build_ip(g, &gen_enc_plain, &nonxt, "cut_after_v6_ext_nonxt");
    gen_emit(g, f->need_end, R_NONE);
    if (gen_link_has_ethertype(g)) {
      gen_begin_non_ip(g, &gen_enc_plain, ETH_ARP, "cut_in_arp", NULL);
      gen_put_arp(g, 2);
      gen_frame_finish(g);
      gen_emit(g, f->link_end + 8, R_NONE);
      gen_begin_non_ip(g, &gen_encaps[6], 0, "cut_after_mpls_nibble", NULL);
      gen_put32(f, 0x10007ff8);
      gen_put_random(g, f, 40);
      gen_frame_finish(g);
      gen_emit(g, f->need_end, R_NONE);
      gen_begin_non_ip(g, &gen_encaps[11], 0xc021, "cut_after_ppp_proto", NULL);
      gen_put_random(g, f, 40);
      gen_frame_finish(g);
      gen_emit(g, f->need_end, R_NONE);
      gen_build_ip(g, &gen_encaps[1], &tcp, "cut_after_tcp_hdr");
      gen_emit(g, f->hdr_end, R_NONE);
    }
  }
}

/* IPv4 with a total length of 0, as a sending host's capture holds the
 * segments it handed to segmentation offload (TSO): the datagram runs to
 * the frame's end (its `len`), whether or not the snapshot length cut it. */
static void cover_tso(struct gen *g) {
  static const int sizes[] = {60, 1000, 9000};
  struct frame *f = &g->f;

  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    for (int a = 0; a < 4; a++) {
      struct ipspec s = {.ver = 4,
                         .addr = gen_addr_kinds[a],
                         .proto = 6,
                         .tcp_flags = TCP_PSH | TCP_ACK,
                         .tcp_opts = 12,
                         .target_len = sizes[i]};
      if (!gen_build_ip(g, &gen_enc_plain, &s, "v4_tso_total_0"))
        continue;
      gen_set_v4_total(f, 0);
      gen_emit(g, CAP_ALL, R_NONE);
      if (g->live)
        continue;
      gen_build_ip(g, &gen_enc_plain, &s, "v4_tso_total_0_cut");
      gen_set_v4_total(f, 0);
      gen_emit(g, f->hdr_end, R_NONE);
    }
}

void gen_scenario_coverage(struct gen *g, uint64_t rounds) {
  for (uint64_t r = 0; r < rounds; r++) {
    cover_transports(g);
    cover_sizes(g);
    gen_cover_encaps(g);
    cover_non_ip(g);
    cover_payload_cuts(g);
    cover_tso(g);
    for (int rep = 0; rep < 2; rep++)
      gen_cover_malformed(g);
  }
}
