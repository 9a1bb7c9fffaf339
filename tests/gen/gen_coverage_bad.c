/* gen_coverage_bad.c - the malformed frames of the coverage and live scenarios,
 * for every reason of DECODING.md. */
#include "gen_coverage.h"

#include <string.h>

/* More than DECODING.md allows. */
static const struct encap enc_vlan9 = {.name = "vlan9",
                                       .ntags = 9,
                                       .tpid = {ETH_VLAN, ETH_VLAN, ETH_VLAN,
                                                ETH_VLAN, ETH_VLAN, ETH_VLAN,
                                                ETH_VLAN, ETH_VLAN, ETH_VLAN}};
static const struct encap enc_vlan10 = {
    .name = "vlan10",
    .ntags = 10,
    .tpid = {ETH_QINQ, ETH_VLAN, ETH_VLAN_OLD, ETH_VLAN, ETH_VLAN, ETH_VLAN,
             ETH_VLAN, ETH_VLAN, ETH_VLAN, ETH_VLAN}};
static const struct encap enc_mpls17 = {
    .name = "mpls17", .nlabels = 17, .mpls_type = ETH_MPLS};
static const struct encap enc_mpls20 = {
    .name = "mpls20", .nlabels = 20, .mpls_type = ETH_MPLS_MC};

/* Frames cut inside the link header, down to no byte at all. */
static void bad_link_cuts(struct gen *g) {
  struct frame *f = &g->f;
  size_t hl = gen_link_infos[g->link].hdr_len;
  struct ipspec s = {.ver = 4,
                     .addr = ADDR_RX,
                     .proto = 6,
                     .tcp_flags = TCP_ACK,
                     .payload = 20,
                     .payload_max = 200,
                     .fixed_pkttype = true,
                     .pkttype = PT_HOST};
  size_t snap_cuts[] = {0, 1, hl / 2, hl ? hl - 1 : 0};
  size_t short_lens[] = {1, hl / 2, hl ? hl - 1 : 0};

  if (g->live)
    return; /* Linux pads frames shorter than the Ethernet header */
  for (size_t i = 0; i < 4; i++) {
    if (i > 0 && snap_cuts[i] <= snap_cuts[i - 1])
      continue;
    s.addr = gen_addr_kinds[i % 4];
    gen_build_ip(g, &gen_enc_plain, &s, "snap_in_link_hdr");
    gen_emit(g, snap_cuts[i], R_SNAPLEN);
  }
  for (size_t i = 0; i < 3 && hl > 1; i++) {
    if (i > 0 && short_lens[i] <= short_lens[i - 1])
      continue;
    s.addr = gen_addr_kinds[i % 4];
    gen_build_ip(g, &gen_enc_plain, &s, "short_link_hdr");
    f->n = short_lens[i];
    gen_emit(g, CAP_ALL, R_TRUNCATED);
  }
}

/* Frames cut inside VLAN tags, MPLS labels and PPPoE headers. */
static void bad_encap_cuts(struct gen *g) {
  struct frame *f = &g->f;
  struct ipspec s = {.ver = 4,
                     .addr = ADDR_TX,
                     .proto = 17,
                     .payload = 20,
                     .payload_max = 300};
  const struct encap *vlan = &gen_encaps[0], *qinq = &gen_encaps[1],
                     *mpls3 = &gen_encaps[7], *pppoe = &gen_encaps[11];

  if (!gen_link_has_ethertype(g))
    return;
  if (!g->live) {
    static const size_t vlan_short[] = {0, 2, 3}, vlan_snap[] = {0, 3};

    for (size_t i = 0; i < 3; i++) {
      gen_build_ip(g, vlan, &s, "short_vlan_tag");
      f->n = f->link_end + vlan_short[i];
      gen_emit(g, CAP_ALL, R_TRUNCATED);
    }
    gen_build_ip(g, qinq, &s, "short_second_vlan_tag");
    f->n = f->link_end + 5;
    gen_emit(g, CAP_ALL, R_TRUNCATED);
    for (size_t i = 0; i < 2; i++) {
      gen_build_ip(g, vlan, &s, "snap_in_vlan_tag");
      gen_emit(g, f->link_end + vlan_snap[i], R_SNAPLEN);
    }
    gen_build_ip(g, qinq, &s, "snap_in_second_vlan_tag");
    gen_emit(g, f->link_end + 6, R_SNAPLEN);
  }
  {
    static const size_t mpls_short[] = {0, 2, 5, 11,
                                        12}; /* 12: nothing after the stack */

    for (size_t i = 0; i < 5; i++) {
      s.ver = i % 2 ? 6 : 4;
      gen_build_ip(g, mpls3, &s,
                   i == 4 ? "short_after_mpls_stack" : "short_mpls_label");
      f->n = f->link_end + mpls_short[i];
      gen_emit(g, CAP_ALL, R_TRUNCATED);
    }
  }
  {
    static const size_t pppoe_short[] = {0, 3, 6, 7};

    for (size_t i = 0; i < 4; i++) {
      s.ver = i % 2 ? 6 : 4;
      gen_build_ip(g, pppoe, &s, "short_pppoe_hdr");
      f->n = f->link_end + pppoe_short[i];
      gen_emit(g, CAP_ALL, R_TRUNCATED);
    }
  }
  if (!g->live) {
    s.ver = 4;
    gen_build_ip(g, mpls3, &s, "snap_in_mpls_label");
    gen_emit(g, f->link_end + 1, R_SNAPLEN);
    gen_build_ip(g, mpls3, &s, "snap_in_mpls_label");
    gen_emit(g, f->link_end + 7, R_SNAPLEN);
    s.ver = 6;
    gen_build_ip(g, mpls3, &s, "snap_after_mpls_stack");
    gen_emit(g, f->link_end + 12, R_SNAPLEN);
    gen_build_ip(g, pppoe, &s, "snap_in_pppoe_hdr");
    gen_emit(g, f->link_end + 2, R_SNAPLEN);
    gen_build_ip(g, pppoe, &s, "snap_in_ppp_proto");
    gen_emit(g, f->link_end + 7, R_SNAPLEN);
  }
}

/* Frames cut inside the network and transport headers. Only cuts before the
 * IP length fields are "truncated" (see the report on ambiguities). */
static void bad_ip_cuts(struct gen *g) {
  struct frame *f = &g->f;
  struct ipspec v4 = {.ver = 4,
                      .addr = ADDR_RX,
                      .proto = 6,
                      .tcp_flags = TCP_ACK,
                      .payload = 20,
                      .payload_max = 500};
  struct ipspec v6 = {.ver = 6,
                      .addr = ADDR_TX,
                      .proto = 17,
                      .payload = 20,
                      .payload_max = 500};
  static const size_t v4_short[] = {0, 1, 3}, v6_short[] = {0, 2, 5};

  for (size_t i = 0; i < 3; i++) {
    if (g->link == LK_RAW && v4_short[i] == 0)
      continue; /* an empty record; the cut link header cases cover it */
    v4.addr = gen_addr_kinds[i];
    gen_build_ip(g, &gen_enc_plain, &v4, "short_ipv4_hdr");
    f->n = f->ip_off + v4_short[i];
    gen_emit(g, CAP_ALL, R_TRUNCATED);
    v6.addr = gen_addr_kinds[i];
    gen_build_ip(g, &gen_enc_plain, &v6, "short_ipv6_hdr");
    if (g->link == LK_RAW && v6_short[i] == 0)
      continue;
    f->n = f->ip_off + v6_short[i];
    gen_emit(g, CAP_ALL, R_TRUNCATED);
  }
  if (g->live)
    return;
  {
    static const size_t v4_snap[] = {0, 1, 10, 19}, v6_snap[] = {3, 20, 39};
    struct ipspec opts = {.ver = 4,
                          .addr = ADDR_TX,
                          .proto = 6,
                          .tcp_flags = TCP_SYN,
                          .tcp_opts = 20,
                          .v4_opts = 40};
    struct ipspec ext = {.ver = 6,
                         .addr = ADDR_RX,
                         .proto = 17,
                         .n_ext = 2,
                         .ext = {0, 60},
                         .payload = 10,
                         .payload_max = 100};
    struct ipspec chain = {.ver = 6,
                           .addr = ADDR_BOTH,
                           .proto = 6,
                           .tcp_flags = TCP_ACK,
                           .frag = FR_FIRST,
                           .n_ext = 4,
                           .ext = {0, 43, 44, 51},
                           .payload = 100};

    for (size_t i = 0; i < 4; i++) {
      if (g->link == LK_RAW && v4_snap[i] == 0)
        continue;
      gen_build_ip(g, &gen_enc_plain, &v4, "snap_in_ipv4_hdr");
      gen_emit(g, f->ip_off + v4_snap[i], R_SNAPLEN);
    }
    for (size_t i = 0; i < 3; i++) {
      gen_build_ip(g, &gen_enc_plain, &v6, "snap_in_ipv6_hdr");
      gen_emit(g, f->ip_off + v6_snap[i], R_SNAPLEN);
    }
    for (size_t k = 0; k < 40; k += 17) {
      gen_build_ip(g, &gen_enc_plain, &opts, "snap_in_ipv4_options");
      gen_emit(g, f->ip_off + 20 + k, R_SNAPLEN);
    }
    for (size_t k = 0; k <= 12; k += 6) {
      gen_build_ip(g, &gen_enc_plain, &ext, "snap_in_ipv6_ext");
      gen_emit(g, f->ip_off + 40 + k, R_SNAPLEN);
    }
    gen_build_ip(g, &gen_enc_plain, &chain, "snap_in_ipv6_ah");
    gen_emit(g, f->l4_off - 3, R_SNAPLEN);
  }
  {
    static const struct {
      const char *name;
      struct ipspec s;
      size_t cut;
    } l4_cuts[] = {
        {"snap_in_tcp_hdr",
         {.ver = 4, .proto = 6, .tcp_flags = TCP_SYN, .payload = 10},
         0},
        {"snap_in_tcp_hdr",
         {.ver = 6, .proto = 6, .tcp_flags = TCP_RST, .payload = 10},
         13},
        {"snap_in_tcp_hdr",
         {.ver = 4,
          .proto = 6,
          .tcp_flags = TCP_FIN,
          .tcp_opts = 12,
          .payload = 10},
         19},
        {"snap_in_udp_hdr", {.ver = 4, .proto = 17, .payload = 30}, 0},
        {"snap_in_udp_hdr", {.ver = 6, .proto = 17, .payload = 30}, 7},
        {"snap_in_icmp_hdr", {.ver = 4, .proto = 1, .payload = 56}, 3},
        {"snap_in_icmp_hdr", {.ver = 4, .proto = 1, .payload = 56}, 0},
        {"snap_in_icmpv6_hdr", {.ver = 6, .proto = 58, .payload = 56}, 2},
        {"snap_in_sctp_hdr", {.ver = 4, .proto = 132, .payload = 40}, 5},
        {"snap_in_sctp_hdr", {.ver = 6, .proto = 132, .payload = 40}, 11},
        {"snap_in_gre_hdr", {.ver = 4, .proto = 47, .payload = 40}, 3},
        {"snap_in_v4_first_frag_tcp",
         {.ver = 4,
          .proto = 6,
          .tcp_flags = TCP_ACK,
          .frag = FR_FIRST,
          .payload = 100},
         10},
        {"snap_in_v6_first_frag_udp",
         {.ver = 6,
          .proto = 17,
          .frag = FR_FIRST,
          .n_ext = 1,
          .ext = {44},
          .payload = 100},
         5},
        {"snap_in_tcp_after_ext",
         {.ver = 6,
          .proto = 6,
          .tcp_flags = TCP_SYN | TCP_ACK,
          .n_ext = 2,
          .ext = {0, 60},
          .payload = 10},
         8},
    };

    for (size_t i = 0; i < sizeof l4_cuts / sizeof l4_cuts[0]; i++) {
      struct ipspec s = l4_cuts[i].s;

      s.addr = gen_addr_kinds[i % 4];
      gen_build_ip(g, &gen_enc_plain, &s, l4_cuts[i].name);
      gen_emit(g, f->l4_off + l4_cuts[i].cut, R_SNAPLEN);
    }
  }
}

static void bad_too_deep(struct gen *g) {
  struct ipspec v4 = {.ver = 4,
                      .addr = ADDR_RX,
                      .proto = 6,
                      .tcp_flags = TCP_SYN,
                      .tcp_opts = 20};
  struct ipspec v6 = {.ver = 6,
                      .addr = ADDR_TX,
                      .proto = 17,
                      .payload = 10,
                      .payload_max = 200};
  struct ipspec ext17 = {.ver = 6,
                         .addr = ADDR_RX,
                         .proto = 17,
                         .n_ext = 17,
                         .ext = {EXT16, 60},
                         .payload_max = 100};
  struct ipspec ext17b = {.ver = 6,
                          .addr = ADDR_TX,
                          .proto = 6,
                          .tcp_flags = TCP_SYN,
                          .n_ext = 17,
                          .ext = {0, EXT16}};
  struct ipspec ext20 = {.ver = 6,
                         .addr = ADDR_BOTH,
                         .proto = 17,
                         .n_ext = 20,
                         .ext = {0,  60, 43, 60, 60, 60, 60, 60, 60, 60,
                                 60, 60, 60, 60, 60, 60, 60, 60, 60, 51}};

  if (gen_link_has_ethertype(g) && !g->live) {
    gen_build_ip(g, &enc_vlan9, &v4, "vlan9_tcp");
    gen_emit(g, CAP_ALL, R_TOO_DEEP);
    gen_build_ip(g, &enc_vlan10, &v6, "vlan10_udp");
    gen_emit(g, CAP_ALL, R_TOO_DEEP);
    gen_begin_non_ip(g, &enc_vlan9, ETH_ARP, "vlan9_arp", NULL);
    gen_put_arp(g, 2);
    gen_frame_finish(g);
    gen_emit(g, CAP_ALL, R_TOO_DEEP);
  }
  if (gen_link_has_ethertype(g)) {
    gen_build_ip(g, &enc_mpls17, &v4, "mpls17_tcp");
    gen_emit(g, CAP_ALL, R_TOO_DEEP);
    gen_build_ip(g, &enc_mpls20, &v6, "mpls20_udp");
    gen_emit(g, CAP_ALL, R_TOO_DEEP);
  }
  gen_build_ip(g, &gen_enc_plain, &ext17, "v6ext17_udp");
  gen_emit(g, CAP_ALL, R_TOO_DEEP);
  gen_build_ip(g, &gen_enc_plain, &ext17b, "v6ext17_syn");
  gen_emit(g, CAP_ALL, R_TOO_DEEP);
  gen_build_ip(g, &gen_enc_plain, &ext20, "v6ext20_udp");
  gen_emit(g, CAP_ALL, R_TOO_DEEP);
}

static void set_version(struct frame *f, int v) {
  f->b[f->ip_off] = (uint8_t)(v << 4 | (f->b[f->ip_off] & 0x0f));
  gen_fix_ipv4_csum(f);
}

static void bad_ip_version(struct gen *g) {
  struct frame *f = &g->f;
  struct ipspec v4 = {.ver = 4,
                      .addr = ADDR_RX,
                      .proto = 6,
                      .tcp_flags = TCP_ACK,
                      .payload = 20,
                      .payload_max = 200};
  struct ipspec v6 = {
      .ver = 6, .addr = ADDR_TX, .proto = 17, .payload_max = 200};

  if (g->link == LK_RAW)
    return; /* the nibble itself selects the version there */
  /* at least 40 bytes of IP in every case, so no cut can come first */
  v6.announce = ETH_IPV4;
  gen_build_ip(g, &gen_enc_plain, &v6, "announced_v4_got_v6");
  gen_emit(g, CAP_ALL, R_IP_VERSION);
  v4.announce = ETH_IPV6;
  gen_build_ip(g, &gen_enc_plain, &v4, "announced_v6_got_v4");
  gen_emit(g, CAP_ALL, R_IP_VERSION);
  v4.announce = v6.announce = 0;
  for (int v = 0; v < 16; v += 5) { /* 0, 5, 10, 15 */
    gen_build_ip(g, &gen_enc_plain, &v4, "v4_bad_version");
    set_version(f, v);
    gen_emit(g, CAP_ALL, R_IP_VERSION);
  }
  gen_build_ip(g, &gen_enc_plain, &v6, "v6_bad_version");
  set_version(f, 0);
  gen_emit(g, CAP_ALL, R_IP_VERSION);
  gen_build_ip(g, &gen_enc_plain, &v6, "v6_bad_version");
  set_version(f, 7);
  gen_emit(g, CAP_ALL, R_IP_VERSION);
  if (gen_link_has_ethertype(g)) {
    v6.announce = ETH_IPV4;
    gen_build_ip(g, &gen_encaps[11], &v6, "ppp_v4_got_v6");
    gen_emit(g, CAP_ALL, R_IP_VERSION);
    v4.announce = ETH_IPV6;
    gen_build_ip(g, &gen_encaps[11], &v4, "ppp_v6_got_v4");
    gen_emit(g, CAP_ALL, R_IP_VERSION);
  }
}

static void set_v6_plen(struct frame *f, size_t plen) {
  GEN_ASSERT(plen <= 65535);
  gen_wr_be16(f->b + f->ip_off + 4, (uint16_t)plen);
}

static void bad_ipv4_header(struct gen *g) {
  struct frame *f = &g->f;
  struct ipspec tcp = {.ver = 4,
                       .addr = ADDR_RX,
                       .proto = 6,
                       .tcp_flags = TCP_ACK,
                       .payload = 20,
                       .payload_max = 100};
  struct ipspec ack = {
      .ver = 4, .addr = ADDR_TX, .proto = 6, .tcp_flags = TCP_ACK};
  struct ipspec opt4 = {
      .ver = 4, .addr = ADDR_TX, .proto = 17, .v4_opts = 4, .payload = 20};
  struct ipspec opt40 = {.ver = 4,
                         .addr = ADDR_NEITHER,
                         .proto = 6,
                         .tcp_flags = TCP_SYN,
                         .v4_opts = 40,
                         .payload = 20};

  for (int ihl = 0; ihl < 5; ihl++) {
    tcp.addr = gen_addr_kinds[ihl % 4];
    gen_build_ip(g, &gen_enc_plain, &tcp, "v4_ihl_below_5");
    gen_set_ihl(f, ihl);
    gen_emit(g, CAP_ALL, R_IPV4_HEADER);
  }
  gen_build_ip(g, &gen_enc_plain, &opt4, "v4_total_below_ihl24");
  gen_set_v4_total(f, 20);
  gen_emit(g, CAP_ALL, R_IPV4_HEADER);
  gen_build_ip(g, &gen_enc_plain, &opt40, "v4_total_below_ihl60");
  gen_set_v4_total(f, 40);
  gen_emit(g, CAP_ALL, R_IPV4_HEADER);
  /* total length 0 (TSO): the frame's length, here shorter than the IHL */
  gen_build_ip(g, &gen_enc_plain, &ack, "v4_total_0_below_ihl60");
  gen_set_ihl(f, 15);
  gen_set_v4_total(f, 0);
  gen_emit(g, CAP_ALL, R_IPV4_HEADER);
  gen_build_ip(g, &gen_enc_plain, &tcp, "v4_total_19");
  gen_set_v4_total(f, 19);
  gen_emit(g, CAP_ALL, R_IPV4_HEADER);
  /* both IHL and length wrong: ipv4_header comes first */
  gen_build_ip(g, &gen_enc_plain, &tcp, "v4_ihl4_and_total_too_long");
  gen_set_ihl(f, 4);
  gen_set_v4_total(f, 65535);
  gen_emit(g, CAP_ALL, R_IPV4_HEADER);
}

static void bad_ip_length(struct gen *g) {
  struct frame *f = &g->f;
  struct ipspec udp4 = {.ver = 4,
                        .addr = ADDR_RX,
                        .proto = 17,
                        .payload = 10,
                        .payload_max = 300};
  struct ipspec ack4 = {
      .ver = 4, .addr = ADDR_TX, .proto = 6, .tcp_flags = TCP_ACK};
  struct ipspec udp6 = {.ver = 6,
                        .addr = ADDR_TX,
                        .proto = 17,
                        .payload = 10,
                        .payload_max = 300};
  struct ipspec ext6 = {.ver = 6,
                        .addr = ADDR_RX,
                        .proto = 6,
                        .tcp_flags = TCP_SYN,
                        .n_ext = 1,
                        .ext = {0}};

  /* the frame's own bytes (after any padding) count, so claim one more */
  gen_build_ip(g, &gen_enc_plain, &udp4, "v4_total_one_too_long");
  gen_set_v4_total(f, f->n - f->ip_off + 1);
  gen_emit(g, CAP_ALL, R_IP_LENGTH);
  gen_build_ip(g, &gen_enc_plain, &ack4, "v4_total_too_long_padded");
  gen_set_v4_total(f, f->n - f->ip_off + 1);
  gen_emit(g, CAP_ALL, R_IP_LENGTH);
  gen_build_ip(g, &gen_enc_plain, &udp4, "v4_total_65535");
  gen_set_v4_total(f, 65535);
  gen_emit(g, CAP_ALL, R_IP_LENGTH);
  gen_build_ip(g, &gen_enc_plain, &udp6, "v6_plen_one_too_long");
  set_v6_plen(f, f->n - f->ip_off - 40 + 1);
  gen_emit(g, CAP_ALL, R_IP_LENGTH);
  gen_build_ip(g, &gen_enc_plain, &ext6, "v6_plen_65535");
  set_v6_plen(f, 65535);
  gen_emit(g, CAP_ALL, R_IP_LENGTH);
  if (g->live)
    return;
  /* lengths are checked against len, not caplen: a cut frame whose IP
   * header is whole is ip_length, not snaplen */
  udp4.payload = 200;
  gen_build_ip(g, &gen_enc_plain, &udp4, "v4_total_too_long_cut");
  gen_set_v4_total(f, f->n - f->ip_off + 1);
  gen_emit(g, f->ip_off + 20, R_IP_LENGTH);
  udp6.payload = 200;
  gen_build_ip(g, &gen_enc_plain, &udp6, "v6_plen_too_long_cut");
  set_v6_plen(f, f->n - f->ip_off - 40 + 1);
  gen_emit(g, f->ip_off + 40, R_IP_LENGTH);
}

static void bad_ipv6_ext(struct gen *g) {
  struct frame *f = &g->f;
  struct ipspec hbh = {.ver = 6,
                       .addr = ADDR_RX,
                       .proto = 17,
                       .n_ext = 1,
                       .ext = {0},
                       .payload_max = 20};
  struct ipspec hbh_dst = {.ver = 6,
                           .addr = ADDR_TX,
                           .proto = 17,
                           .n_ext = 2,
                           .ext = {0, 60},
                           .payload_max = 20};
  struct ipspec frag = {.ver = 6,
                        .addr = ADDR_BOTH,
                        .proto = 17,
                        .frag = FR_FIRST,
                        .n_ext = 1,
                        .ext = {44},
                        .payload = 8};
  struct ipspec ah = {.ver = 6,
                      .addr = ADDR_NEITHER,
                      .proto = 6,
                      .tcp_flags = TCP_ACK,
                      .n_ext = 1,
                      .ext = {51},
                      .payload_max = 100};
  struct ipspec rt = {.ver = 6,
                      .addr = ADDR_RX,
                      .proto = 17,
                      .n_ext = 1,
                      .ext = {43},
                      .payload_max = 100};
  struct ipspec chain = {.ver = 6,
                         .addr = ADDR_TX,
                         .proto = 17,
                         .n_ext = 3,
                         .ext = {0, 43, 60},
                         .payload_max = 100};
  uint8_t *ext;

  gen_build_ip(g, &gen_enc_plain, &hbh, "v6_hbh_too_long");
  f->b[f->ip_off + 41] = 30; /* 248 bytes */
  gen_emit(g, CAP_ALL, R_IPV6_EXT);
  gen_build_ip(g, &gen_enc_plain, &hbh_dst, "v6_dst_past_plen");
  ext = f->b + f->ip_off + 40;
  set_v6_plen(f, 8u * (ext[1] + 1u) + 4); /* 4 bytes of the 2nd header */
  gen_emit(g, CAP_ALL, R_IPV6_EXT);
  gen_build_ip(g, &gen_enc_plain, &frag, "v6_frag_hdr_past_plen");
  set_v6_plen(f, 4);
  gen_emit(g, CAP_ALL, R_IPV6_EXT);
  gen_build_ip(g, &gen_enc_plain, &ah, "v6_ah_too_long");
  f->b[f->ip_off + 41] = 40; /* 168 bytes */
  gen_emit(g, CAP_ALL, R_IPV6_EXT);
  gen_build_ip(g, &gen_enc_plain, &rt, "v6_routing_too_long");
  f->b[f->ip_off + 41] = 20; /* 168 bytes */
  gen_emit(g, CAP_ALL, R_IPV6_EXT);
  gen_build_ip(g, &gen_enc_plain, &chain, "v6_third_ext_too_long");
  ext = f->b + f->ip_off + 40;
  ext += 8u * (ext[1] + 1u); /* routing */
  ext += 8u * (ext[1] + 1u); /* destination options */
  ext[1] = 30;
  gen_emit(g, CAP_ALL, R_IPV6_EXT);
  if (g->live)
    return;
  /* the payload bound comes before the captured end */
  hbh.payload = hbh.payload_max = 100;
  gen_build_ip(g, &gen_enc_plain, &hbh, "v6_hbh_too_long_cut");
  f->b[f->ip_off + 41] = 30;
  gen_emit(g, f->ip_off + 48, R_IPV6_EXT);
}

static void bad_l4_header(struct gen *g) {
  struct frame *f = &g->f;
  static const struct {
    const char *name;
    struct ipspec s;
  } cases[] = {
      {"tcp_doff_0",
       {.ver = 4,
        .proto = 6,
        .tcp_flags = TCP_ACK,
        .tcp_doff = 1,
        .payload_max = 40}},
      {"tcp_doff_4",
       {.ver = 6,
        .proto = 6,
        .tcp_flags = TCP_SYN,
        .tcp_doff = 4,
        .payload_max = 40}},
      {"tcp_doff_15_past_payload",
       {.ver = 4,
        .proto = 6,
        .tcp_flags = TCP_SYN,
        .tcp_doff = 15,
        .payload_max = 20}},
      {"tcp_doff_6_past_payload",
       {.ver = 4, .proto = 6, .tcp_flags = TCP_ACK, .tcp_doff = 6}},
      {"tcp_doff_6_past_payload",
       {.ver = 6, .proto = 6, .tcp_flags = TCP_RST, .tcp_doff = 6}},
      {"tcp_hdr_19", {.ver = 4, .proto = 6, .short_l4 = true, .l4_keep = 19}},
      {"tcp_hdr_10", {.ver = 6, .proto = 6, .short_l4 = true, .l4_keep = 10}},
      {"tcp_hdr_0", {.ver = 4, .proto = 6, .short_l4 = true, .l4_keep = 0}},
      {"udp_hdr_7", {.ver = 4, .proto = 17, .short_l4 = true, .l4_keep = 7}},
      {"udp_hdr_0", {.ver = 6, .proto = 17, .short_l4 = true, .l4_keep = 0}},
      {"icmp_hdr_3", {.ver = 4, .proto = 1, .short_l4 = true, .l4_keep = 3}},
      {"icmpv6_hdr_1", {.ver = 6, .proto = 58, .short_l4 = true, .l4_keep = 1}},
      {"sctp_hdr_11",
       {.ver = 4, .proto = 132, .short_l4 = true, .l4_keep = 11}},
      {"gre_hdr_3", {.ver = 6, .proto = 47, .short_l4 = true, .l4_keep = 3}},
      {"tcp_after_ext_12",
       {.ver = 6,
        .proto = 6,
        .n_ext = 2,
        .ext = {0, 60},
        .short_l4 = true,
        .l4_keep = 12}},
      {"v4_first_frag_tcp_8",
       {.ver = 4,
        .proto = 6,
        .frag = FR_FIRST,
        .short_l4 = true,
        .l4_keep = 8}},
      {"v6_first_frag_udp_4",
       {.ver = 6,
        .proto = 17,
        .frag = FR_FIRST,
        .n_ext = 1,
        .ext = {44},
        .short_l4 = true,
        .l4_keep = 4}},
  };

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct ipspec s = cases[i].s;

    s.addr = gen_addr_kinds[i % 4];
    gen_build_ip(g, &gen_enc_plain, &s, cases[i].name);
    /* tcp_doff 0 means "natural" in an ipspec: write the 0 by hand */
    if (strcmp(cases[i].name, "tcp_doff_0") == 0)
      f->b[f->l4_off + 12] = 0;
    gen_emit(g, CAP_ALL, R_L4_HEADER);
  }
  if (g->live)
    return;
  {
    /* the IP payload bound comes before the captured end */
    struct ipspec s = {
        .ver = 4, .addr = ADDR_TX, .proto = 6, .short_l4 = true, .l4_keep = 10};

    gen_build_ip(g, &gen_enc_plain, &s, "tcp_hdr_10_cut");
    if (f->n == f->l4_off + 10)
      gen_put_zero(f, 4); /* no Ethernet padding: make room for the cut */
    gen_emit(g, f->l4_off + 5, R_L4_HEADER);
  }
}

/* A wire length no link carries, as a damaged or crafted file may claim:
 * a small well-formed frame said to be 4 GB long. Not live: no NIC can. */
static void bad_wire_length(struct gen *g) {
  struct ipspec udp4 = {.ver = 4, .addr = ADDR_RX, .proto = 17, .payload = 6};
  if (g->live || !gen_build_ip(g, &gen_enc_plain, &udp4, "wire_length_4g"))
    return;
  g->claim_len = 4000000000u;
  gen_emit(g, CAP_ALL, R_WIRE_LENGTH);
  g->claim_len = 0;
}

void gen_cover_malformed(struct gen *g) {
  bad_link_cuts(g);
  bad_encap_cuts(g);
  bad_ip_cuts(g);
  bad_too_deep(g);
  bad_ip_version(g);
  bad_ipv4_header(g);
  bad_ip_length(g);
  bad_ipv6_ext(g);
  bad_l4_header(g);
  bad_wire_length(g);
}
