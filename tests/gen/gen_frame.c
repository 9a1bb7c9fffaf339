/* gen_frame.c - frame bytes, the link and encapsulation layers, non-IP frames,
 * and emitting a frame with its verdict. */
#include "gen_frame.h"

#include <inttypes.h>
#include <string.h>

/* clang-format off */
const struct link_info gen_link_infos[LK_COUNT] = {
  [LK_ETHERNET] = {"ethernet", 1, 14},
  [LK_SLL] = {"sll", 113, 16},
  [LK_SLL2] = {"sll2", 276, 20},
  [LK_RAW] = {"raw", 101, 0},
  [LK_NULL] = {"null", 0, 4},
  [LK_LOOP] = {"loop", 108, 4},
};
/* clang-format on */

const struct encap gen_enc_plain = {.name = "plain"};

bool gen_link_has_ethertype(const struct gen *g) {
  return g->link == LK_ETHERNET || g->link == LK_SLL || g->link == LK_SLL2;
}

static bool link_is_cooked(const struct gen *g) {
  return g->link == LK_SLL || g->link == LK_SLL2;
}

void gen_put(struct frame *f, const void *p, size_t n) {
  GEN_ASSERT(n <= FRAME_MAX - f->n);
  memcpy(f->b + f->n, p, n);
  f->n += n;
}

void gen_put8(struct frame *f, uint8_t v) { gen_put(f, &v, 1); }

void gen_put16(struct frame *f, uint16_t v) {
  uint8_t b[2];

  gen_wr_be16(b, v);
  gen_put(f, b, 2);
}

void gen_put32(struct frame *f, uint32_t v) {
  gen_put16(f, (uint16_t)(v >> 16));
  gen_put16(f, (uint16_t)v);
}

void gen_put_zero(struct frame *f, size_t n) {
  GEN_ASSERT(n <= FRAME_MAX - f->n);
  memset(f->b + f->n, 0, n);
  f->n += n;
}

void gen_put_random(struct gen *g, struct frame *f, size_t n) {
  GEN_ASSERT(n <= POOL_SIZE);
  gen_put(f, g->pool + gen_rng_below(&g->rng, (uint32_t)(POOL_SIZE - n + 1)),
          n);
}

void gen_frame_reset(struct gen *g, const struct encap *e, const char *what) {
  struct frame *f = &g->f;

  f->n = 0;
  snprintf(f->label, sizeof f->label, "%s/%s", e->name, what);
  f->pkttype = -1;
  f->link_end = f->ip_off = f->ip_hlen = f->l4_off = f->pppoe_off = 0;
  f->inner_off = 0;
  f->ip_ver = 0;
  f->has_vlan = f->has_pppoe = f->udp_full = f->sctp_chunk = f->no_pad = false;
  f->need_end = f->hdr_end = 0;
  f->cls = CLS_NON_IP;
  f->l4 = L4_NONE;
  f->addr = ADDR_NONE;
  f->fragment = f->tcp_hdr = false;
  f->tcp_flags = 0;
}

bool gen_addr_src_local(int addr) {
  return addr == ADDR_TX || addr == ADDR_BOTH;
}

bool gen_addr_dst_local(int addr) {
  return addr == ADDR_RX || addr == ADDR_BOTH;
}

static const uint8_t host_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};

/* Other stations: 02:00:00:01:xx:xx, locally administered and never equal to
 * host_mac, so a live capture never sees its own MAC as source. */
void gen_put_peer_mac(struct gen *g, struct frame *f) {
  uint8_t m[6] = {0x02, 0x00, 0x00, 0x01, 0, 0};

  m[4] = (uint8_t)gen_rng_below(&g->rng, 256);
  m[5] = (uint8_t)gen_rng_range(&g->rng, 1, 254);
  gen_put(f, m, 6);
}

/* SLL packet types cycle so that every type meets every kind of packet, and
 * so that some packets have a kernel direction their addresses contradict
 * (addresses must win for well-formed one-sided IP). */
static int pick_pkttype(struct gen *g, int addr) {
  static const uint8_t rx_cycle[] = {PT_HOST, PT_HOST, PT_BROADCAST,
                                     PT_OTHERHOST, PT_OUTGOING};
  static const uint8_t tx_cycle[] = {PT_OUTGOING, PT_OUTGOING, PT_HOST,
                                     PT_OUTGOING, PT_OTHERHOST};
  static const uint8_t amb_cycle[] = {PT_HOST,      PT_OUTGOING, PT_BROADCAST,
                                      PT_OTHERHOST, PT_OUTGOING, PT_MULTICAST,
                                      PT_OUTGOING};

  if (addr == ADDR_RX)
    return rx_cycle[g->cycle_rx++ % sizeof rx_cycle];
  if (addr == ADDR_TX)
    return tx_cycle[g->cycle_tx++ % sizeof tx_cycle];
  return amb_cycle[g->cycle_amb++ % sizeof amb_cycle];
}

/* Address family of the NULL/LOOP header for what follows: every IPv6 value
 * of DECODING.md in turn; two values that are not IP in either byte order. */
static uint32_t null_family(struct gen *g, uint16_t announce) {
  static const uint32_t v6_families[] = {10, 24, 28, 30};
  static const uint32_t non_ip_families[] = {7, 17};

  if (announce == ETH_IPV4)
    return 2;
  if (announce == ETH_IPV6)
    return v6_families[g->cycle_v6fam++ % 4];
  return non_ip_families[g->cycle_nonip_fam++ % 2];
}

/* Writes the link header and the VLAN/MPLS/PPPoE layers. `announce` is the
 * EtherType announcing the network layer (for PPPoE mapped to the PPP
 * protocol, for NULL/LOOP to an address family; MPLS announces nothing). */
void gen_frame_link(struct gen *g, const struct encap *e, uint16_t announce,
                    int addr, int pkttype, const uint8_t *dst_mac) {
  struct frame *f = &g->f;
  uint16_t after_tags = e->nlabels ? e->mpls_type
                        : e->pppoe ? ETH_PPPOE
                                   : announce;
  uint16_t first = e->ntags ? e->tpid[0] : after_tags;

  GEN_ASSERT(e->ntags <= MAX_TAGS && !(e->nlabels && e->pppoe));
  GEN_ASSERT(gen_link_has_ethertype(g) ||
             (e->ntags == 0 && e->nlabels == 0 && !e->pppoe));
  if (link_is_cooked(g))
    f->pkttype = pkttype == PT_AUTO ? pick_pkttype(g, addr) : pkttype;
  switch (g->link) {
  case LK_ETHERNET:
    if (dst_mac != NULL)
      gen_put(f, dst_mac, 6);
    else if (gen_addr_dst_local(addr) && !gen_addr_src_local(addr))
      gen_put(f, host_mac, 6);
    else
      gen_put_peer_mac(g, f);
    if (addr == ADDR_TX)
      gen_put(f, host_mac, 6);
    else
      gen_put_peer_mac(g, f);
    gen_put16(f, first);
    break;
  case LK_SLL:
    gen_put16(f, (uint16_t)f->pkttype);
    gen_put16(f, 1); /* ARPHRD_ETHER */
    gen_put16(f, 6);
    if (f->pkttype == PT_OUTGOING)
      gen_put(f, host_mac, 6);
    else
      gen_put_peer_mac(g, f);
    gen_put16(f, 0);
    gen_put16(f, first);
    break;
  case LK_SLL2:
    gen_put16(f, first);
    gen_put16(f, 0); /* reserved */
    gen_put32(f, 3); /* ifindex */
    gen_put16(f, 1); /* ARPHRD_ETHER */
    gen_put8(f, (uint8_t)f->pkttype);
    gen_put8(f, 6);
    if (f->pkttype == PT_OUTGOING)
      gen_put(f, host_mac, 6);
    else
      gen_put_peer_mac(g, f);
    gen_put16(f, 0);
    break;
  case LK_RAW:
    break;
  case LK_NULL: {
    uint8_t fam[4];

    /* "little-endian host order", the order of the machines that write it */
    gen_wr_le32(fam, null_family(g, announce));
    gen_put(f, fam, 4);
    break;
  }
  case LK_LOOP:
    gen_put32(f, null_family(g, announce));
    break;
  default:
    GEN_ASSERT(0);
  }
  GEN_ASSERT(f->n == gen_link_infos[g->link].hdr_len);
  f->link_end = f->need_end = f->n;
  for (int i = 0; i < e->ntags; i++) {
    /* PCP 0, VID; a fixed VID draws nothing from the PRNG */
    gen_put16(f, e->vid[i] ? e->vid[i]
                           : (uint16_t)gen_rng_range(&g->rng, 1, 4094));
    gen_put16(f, i + 1 < e->ntags ? e->tpid[i + 1] : after_tags);
    f->need_end = f->n;
    f->has_vlan = true;
  }
  for (int i = 0; i < e->nlabels; i++) {
    uint32_t label =
        gen_rng_range(&g->rng, 16, 0xfffff); /* 0-15 are reserved */
    uint32_t bos = i + 1 == e->nlabels ? 1 : 0;

    gen_put32(f, label << 12 | bos << 8 | 64);
    f->need_end = f->n;
  }
  if (e->nlabels)
    f->need_end++; /* the nibble after the stack must be captured */
  if (e->pppoe) {
    f->pppoe_off = f->n;
    f->has_pppoe = true;
    gen_put8(f, 0x11); /* version 1, type 1 */
    gen_put8(f, 0);    /* session data */
    gen_put16(f, (uint16_t)gen_rng_range(&g->rng, 1, 0xfffe));
    gen_put16(f, 0); /* length, patched by gen_frame_finish */
    gen_put16(f, announce == ETH_IPV4   ? 0x0021
                 : announce == ETH_IPV6 ? 0x0057
                                        : announce);
    f->need_end = f->n;
  }
  f->hdr_end = f->need_end;
}

/* Starts a non-IP frame; group addresses are replaced by unicast in live. */
void gen_begin_non_ip(struct gen *g, const struct encap *e, uint16_t type,
                      const char *what, const uint8_t *dst) {
  gen_frame_reset(g, e, what);
  gen_frame_link(g, e, type, ADDR_NONE, PT_AUTO, g->live ? NULL : dst);
}

void gen_put_arp(struct gen *g, uint16_t op) {
  struct frame *f = &g->f;

  gen_put16(f, 1);
  gen_put16(f, ETH_IPV4);
  gen_put8(f, 6);
  gen_put8(f, 4);
  gen_put16(f, op);
  gen_put_peer_mac(g, f);
  gen_put_addr(g, f, 4, true, NULL);
  if (op == 1)
    gen_put_zero(f, 6);
  else
    gen_put_peer_mac(g, f);
  gen_put_addr(g, f, 4, true, NULL);
}

void gen_emit_non_ip(struct gen *g) {
  gen_frame_finish(g);
  gen_emit(g, CAP_ALL, R_NONE);
}

static enum dir kernel_dir(const struct gen *g, const struct frame *f) {
  return link_is_cooked(g) && f->pkttype == PT_OUTGOING ? DIR_TX : DIR_RX;
}

/* Writes the built frame cut to caplen and counts it as the generator meant
 * it: well-formed as built (reason R_NONE) or malformed for `reason`. */
void gen_emit(struct gen *g, size_t caplen, enum reason reason) {
  struct frame *f = &g->f;
  struct verdict v;
  size_t len = f->n;

  if (caplen > len)
    caplen = len;
  /* the case must really be what it claims */
  if (reason == R_SNAPLEN)
    GEN_ASSERT(caplen < len && caplen < f->need_end);
  if (reason == R_TRUNCATED)
    GEN_ASSERT(caplen == len);
  /* a claimed length past 1 MiB: only what was captured is counted */
  GEN_ASSERT((reason == R_WIRE_LENGTH) == (g->claim_len > (1u << 20)));
  if (reason == R_NONE)
    GEN_ASSERT(len >= f->hdr_end && caplen >= f->hdr_end &&
               f->hdr_end >= f->need_end);
  /* a cooked header cut before its packet type would leave the kernel
   * direction to interpretation: such frames use a type that means rx */
  if (link_is_cooked(g) && caplen < f->link_end)
    GEN_ASSERT(f->pkttype != PT_OUTGOING);
  if (g->live) {
    /* what survives replay on a veth unchanged (see the live scenario) */
    GEN_ASSERT(g->link == LK_ETHERNET && caplen == len && len >= 14 &&
               len <= 9000);
    GEN_ASSERT(!f->has_vlan && reason != R_SNAPLEN && (f->b[0] & 1) == 0);
  }

  v.len = (uint32_t)(reason == R_WIRE_LENGTH ? caplen : len);
  v.reason = reason;
  v.l4 = f->l4;
  v.fragment = f->fragment;
  v.tcp_hdr = f->tcp_hdr;
  v.tcp_flags = f->tcp_flags;
  if (reason != R_NONE) {
    v.cls = CLS_MALFORMED;
    v.basis = BASIS_UNKNOWN;
  } else {
    v.cls = f->cls;
    if (f->cls == CLS_NON_IP)
      v.basis = BASIS_UNKNOWN;
    else if (f->addr == ADDR_BOTH)
      v.basis = BASIS_BOTH;
    else if (f->addr == ADDR_NEITHER)
      v.basis = BASIS_NEITHER;
    else
      v.basis = BASIS_ADDR;
  }
  if (v.basis == BASIS_ADDR)
    v.dir = f->addr == ADDR_RX ? DIR_RX : DIR_TX;
  else
    v.dir = kernel_dir(g, f);
  gen_truth_add(&g->truth, &v);
  gen_writer_packet(&g->out, g->ts_us, f->b, (uint32_t)caplen,
                    g->claim_len ? g->claim_len : (uint32_t)len);
  g->frame_no++;
  if (g->labels != NULL) {
    static const char *const cls_names[] = {"ipv4", "ipv6", "non_ip",
                                            "malformed"};
    static const char *const l4_names[] = {"-",      "tcp",  "udp", "icmp",
                                           "icmpv6", "sctp", "gre", "other"};
    static const char *const basis_names[] = {"addr", "local_both",
                                              "local_neither", "local_unknown"};

    fprintf(
        g->labels,
        "%" PRIu64 " %s %s %s %s %s %s %s %zu %zu flags=0x%02x pkttype=%d\n",
        g->frame_no, f->label, cls_names[v.cls],
        v.cls == CLS_IPV4 || v.cls == CLS_IPV6 ? l4_names[v.l4] : "-",
        v.cls <= CLS_IPV6 && v.fragment ? "frag" : "-", basis_names[v.basis],
        v.dir == DIR_RX ? "rx" : "tx", gen_reason_names[reason], len, caplen,
        v.cls <= CLS_IPV6 && v.tcp_hdr ? v.tcp_flags : 0, f->pkttype);
  }
  g->ts_us += gen_rng_range(&g->rng, g->ts_min_step, g->ts_max_step);
}
