/* frames.c - builders for hand-made test frames, and shared decode checks. */
#include "frames.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <pcap/dlt.h>

const uint8_t mac_a[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0a};
const uint8_t mac_b[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0b};
const uint8_t v4_a[4] = {192, 0, 2, 1};
const uint8_t v4_b[4] = {198, 51, 100, 2};
const uint8_t v6_a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1};
const uint8_t v6_b[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 2};

/* ---- raw bytes ---- */

void frame_init(struct frame *f, int dlt) {
  memset(f, 0, sizeof(*f));
  f->dlt = dlt;
}

void frame_u8(struct frame *f, uint8_t v) {
  ck_assert_uint_lt(f->len, FRAME_MAX);
  f->data[f->len++] = v;
}

void frame_u16(struct frame *f, uint16_t v) {
  frame_u8(f, (uint8_t)(v >> 8));
  frame_u8(f, (uint8_t)v);
}

void frame_u32(struct frame *f, uint32_t v) {
  frame_u16(f, (uint16_t)(v >> 16));
  frame_u16(f, (uint16_t)v);
}

void frame_bytes(struct frame *f, const void *p, uint32_t n) {
  ck_assert_uint_le(f->len + n, FRAME_MAX);
  memcpy(f->data + f->len, p, n);
  f->len += n;
}

void frame_fill(struct frame *f, uint8_t byte, uint32_t n) {
  ck_assert_uint_le(f->len + n, FRAME_MAX);
  memset(f->data + f->len, byte, n);
  f->len += n;
}

void frame_set_u16(struct frame *f, uint32_t off, uint16_t v) {
  ck_assert_uint_le(off + 2, FRAME_MAX);
  f->data[off] = (uint8_t)(v >> 8);
  f->data[off + 1] = (uint8_t)v;
}

/* ---- link layers ---- */

void frame_eth(struct frame *f, const uint8_t *dst, const uint8_t *src,
               uint16_t type) {
  frame_bytes(f, dst ? dst : mac_b, 6);
  frame_bytes(f, src ? src : mac_a, 6);
  frame_u16(f, type);
}

void frame_sll(struct frame *f, uint16_t pkttype, uint16_t proto) {
  frame_u16(f, pkttype);
  frame_u16(f, 1); /* ARPHRD_ETHER */
  frame_u16(f, 6); /* address length */
  frame_bytes(f, mac_a, 6);
  frame_fill(f, 0, 2);
  frame_u16(f, proto);
}

void frame_sll2(struct frame *f, uint16_t proto, uint8_t pkttype) {
  frame_u16(f, proto);
  frame_u16(f, 0); /* reserved */
  frame_u32(f, 2); /* ifindex */
  frame_u16(f, 1); /* ARPHRD_ETHER */
  frame_u8(f, pkttype);
  frame_u8(f, 6); /* address length */
  frame_bytes(f, mac_a, 6);
  frame_fill(f, 0, 2);
}

void frame_null(struct frame *f, uint32_t family, bool little_endian) {
  if (!little_endian) {
    frame_u32(f, family);
    return;
  }
  for (int i = 0; i < 4; i++)
    frame_u8(f, (uint8_t)(family >> (8 * i)));
}

/* ---- encapsulations ---- */

void frame_vlan(struct frame *f, uint16_t tci, uint16_t next_type) {
  frame_u16(f, tci);
  frame_u16(f, next_type);
}

void frame_mpls(struct frame *f, uint32_t label, bool bottom) {
  /* label (20) | traffic class (3) | bottom of stack (1) | TTL (8) */
  frame_u32(f, (label & 0xfffff) << 12 | (uint32_t)bottom << 8 | 64);
}

void frame_pppoe(struct frame *f, uint16_t ppp_proto) {
  f->pppoe_off = f->len;
  frame_u8(f, 0x11);    /* version 1, type 1 */
  frame_u8(f, 0x00);    /* code: session data */
  frame_u16(f, 0x1234); /* session id */
  frame_u16(f, 0);      /* length: frame_finish */
  frame_u16(f, ppp_proto);
}

/* ---- network ---- */

static void frame_remember_ip(struct frame *f, uint32_t off, uint8_t ver) {
  if (f->n_ip < FRAME_MAX_IP) {
    f->ip_off[f->n_ip] = off;
    f->ip_ver[f->n_ip] = ver;
    f->n_ip++;
  }
}

uint32_t frame_ipv4(struct frame *f, const struct ip4 *h) {
  uint32_t off = f->len;
  uint8_t ihl = h->ihl ? h->ihl : 5;
  frame_u8(f, (uint8_t)(0x40 | (ihl & 0x0f)));
  frame_u8(f, h->tos);
  frame_u16(f, 0); /* total length: frame_finish */
  frame_u16(f, 0x1234);
  frame_u16(f, h->frag);
  frame_u8(f, 64);
  frame_u8(f, h->proto);
  frame_u16(f, 0); /* checksum: frame_finish */
  frame_bytes(f, h->src ? h->src : v4_a, 4);
  frame_bytes(f, h->dst ? h->dst : v4_b, 4);
  if (ihl > 5)
    frame_fill(f, 0x01, (uint32_t)(ihl - 5) * 4); /* NOP options */
  frame_remember_ip(f, off, 4);
  return off;
}

uint32_t frame_ipv6(struct frame *f, const struct ip6 *h) {
  uint32_t off = f->len;
  frame_u32(f, 0x60000000u | (uint32_t)h->tclass << 20 | 0x12345);
  frame_u16(f, 0); /* payload length: frame_finish */
  frame_u8(f, h->next);
  frame_u8(f, 64);
  frame_bytes(f, h->src ? h->src : v6_a, 16);
  frame_bytes(f, h->dst ? h->dst : v6_b, 16);
  frame_remember_ip(f, off, 6);
  return off;
}

uint32_t frame_ipv6_ext(struct frame *f, uint8_t type, uint8_t next,
                        uint8_t n) {
  uint32_t off = f->len;
  uint32_t size = type == 51 ? ((uint32_t)n + 2) * 4 : ((uint32_t)n + 1) * 8;
  frame_u8(f, next);
  frame_u8(f, n);
  frame_fill(f, 0, size - 2); /* Pad1 options / AH fields */
  return off;
}

uint32_t frame_ipv6_frag(struct frame *f, uint8_t next, uint16_t offset,
                         bool more) {
  uint32_t off = f->len;
  frame_u8(f, next);
  frame_u8(f, 0);
  frame_u16(f, (uint16_t)(offset << 3 | (more ? 1 : 0)));
  frame_u32(f, 0xcafe);
  return off;
}

/* ---- transport ---- */

static uint32_t frame_remember_l4(struct frame *f, uint8_t proto) {
  f->l4_off = f->len;
  f->l4_proto = proto;
  return f->len;
}

uint32_t frame_tcp(struct frame *f, const struct tcp *h) {
  uint32_t off = frame_remember_l4(f, 6);
  uint8_t doff = h->doff ? h->doff : 5;
  frame_u16(f, h->sport);
  frame_u16(f, h->dport);
  frame_u32(f, h->seq ? h->seq : 1000);
  frame_u32(f, 2000); /* ack */
  frame_u8(f, (uint8_t)(doff << 4));
  frame_u8(f, h->flags);
  frame_u16(f, 65535); /* window */
  frame_u32(f, 0);     /* checksum, urgent pointer */
  if (doff > 5)
    frame_fill(f, 0x01, (uint32_t)(doff - 5) * 4); /* NOP options */
  return off;
}

uint32_t frame_udp(struct frame *f, uint16_t sport, uint16_t dport) {
  uint32_t off = frame_remember_l4(f, 17);
  frame_u16(f, sport);
  frame_u16(f, dport);
  frame_u16(f, 0); /* length: frame_finish */
  frame_u16(f, 0);
  return off;
}

uint32_t frame_icmp(struct frame *f, uint8_t type, uint8_t code) {
  uint32_t off = frame_remember_l4(f, 1);
  frame_u8(f, type);
  frame_u8(f, code);
  frame_u16(f, 0);
  frame_u32(f, 0x00010001); /* echo id, sequence */
  return off;
}

uint32_t frame_sctp(struct frame *f, uint16_t sport, uint16_t dport) {
  uint32_t off = frame_remember_l4(f, 132);
  frame_u16(f, sport);
  frame_u16(f, dport);
  frame_u32(f, 0xdeadbeef); /* verification tag */
  frame_u32(f, 0);          /* checksum */
  return off;
}

uint32_t frame_gre(struct frame *f, uint16_t proto) {
  uint32_t off = frame_remember_l4(f, 47);
  frame_u16(f, 0); /* flags, version */
  frame_u16(f, proto);
  return off;
}

/* ---- finishing ---- */

static uint16_t ipv4_checksum(const uint8_t *h, uint32_t n) {
  uint32_t sum = 0;
  for (uint32_t i = 0; i + 1 < n; i += 2)
    sum += (uint32_t)h[i] << 8 | h[i + 1];
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

void frame_finish(struct frame *f) {
  for (unsigned i = 0; i < f->n_ip; i++) {
    uint32_t off = f->ip_off[i];
    if (f->ip_ver[i] == 4) {
      frame_set_u16(f, off + 2, (uint16_t)(f->len - off));
      frame_set_u16(f, off + 10, 0);
      frame_set_u16(f, off + 10,
                    ipv4_checksum(f->data + off, (f->data[off] & 0x0f) * 4u));
    } else {
      frame_set_u16(f, off + 4, (uint16_t)(f->len - off - 40));
    }
  }
  if (f->l4_off && f->l4_proto == 17)
    frame_set_u16(f, f->l4_off + 4, (uint16_t)(f->len - f->l4_off));
  if (f->pppoe_off)
    frame_set_u16(f, f->pppoe_off + 4, (uint16_t)(f->len - f->pppoe_off - 6));
}

void frame_pad_to(struct frame *f, uint32_t len) {
  if (f->len < len)
    frame_fill(f, 0, len - f->len);
}

/* ---- decoding ---- */

uint8_t *frame_decode(const struct frame *f, uint32_t caplen, uint32_t len,
                      struct pf_packet *pkt) {
  uint32_t n = caplen < len ? caplen : len;
  ck_assert_uint_le(n, f->len);
  uint8_t *buf = malloc(n ? n : 1);
  ck_assert_ptr_nonnull(buf);
  memcpy(buf, f->data, n);
  /* Garbage in the struct must not leak into the outcome. */
  memset(pkt, 0xa5, sizeof(*pkt));
  pf_decode(f->dlt, buf, caplen, len, pkt);
  ck_assert_uint_eq(pkt->wire_len, len <= PF_WIRE_LEN_MAX ? len : n);
  return buf;
}

uint8_t *frame_decode_whole(const struct frame *f, struct pf_packet *pkt) {
  return frame_decode(f, f->len, f->len, pkt);
}

void expect_complete(const struct pf_packet *p) {
  ck_assert_int_ge(p->l3, PF_L3_IPV4);
  ck_assert_int_le(p->l3, PF_L3_MALFORMED);
  ck_assert_int_le(p->kdir, PF_KDIR_OUT);
  if (p->l3 == PF_L3_MALFORMED) {
    ck_assert_int_ge(p->malformed, PF_MAL_SNAPLEN);
    ck_assert_int_lt(p->malformed, PF_MAL_COUNT);
  } else {
    ck_assert_int_eq(p->malformed, PF_MAL_NONE);
  }
  if (p->l3 == PF_L3_IPV4 || p->l3 == PF_L3_IPV6) {
    ck_assert_int_lt(p->l4, PF_L4_NONE);
    ck_assert_ptr_nonnull(p->src_ip);
    ck_assert_ptr_nonnull(p->dst_ip);
  } else {
    ck_assert_int_eq(p->l4, PF_L4_NONE);
  }
  if (p->l4 != PF_L4_TCP)
    ck_assert_uint_eq(p->tcp_flags, 0);
  /* The TCP header's length, read once by the decoder for the segment's
   * payload and TLS: a data offset inside the datagram, else 0 (the
   * frame's bytes may be gone here: test_decode.c checks the value). */
  if (p->l4 == PF_L4_TCP && p->has_ports)
    ck_assert(p->tcp_hdr_len >= 20 && p->tcp_hdr_len <= 60 &&
              p->tcp_hdr_len % 4 == 0 && p->tcp_hdr_len <= p->l4_total_len);
  else
    ck_assert_uint_eq(p->tcp_hdr_len, 0);
  if (p->has_ports)
    ck_assert(p->l4 == PF_L4_TCP || p->l4 == PF_L4_UDP || p->l4 == PF_L4_SCTP);
  if (p->l4_hdr == NULL)
    ck_assert_uint_eq(p->l4_len, 0);
  else
    ck_assert(p->l4 != PF_L4_NONE && p->l4 != PF_L4_OTHER && p->l4_len >= 4);
  if (p->later_fragment)
    ck_assert(p->fragment && p->l4_hdr == NULL && !p->has_ports);
  if (p->vlan_count == 0)
    ck_assert_uint_eq(p->vlan_outer, 0);
}

void expect_packet(const struct frame *f, const uint8_t *buf,
                   const struct pf_packet *p, const struct expect *w) {
  expect_complete(p);
  ck_assert_int_eq(p->l3, w->l3);
  ck_assert_int_eq(p->kdir, w->kdir);
  if (w->eth)
    ck_assert_ptr_eq(p->eth_src, buf + 6);
  else
    ck_assert_ptr_null(p->eth_src);

  if (w->l3 == PF_L3_MALFORMED) {
    ck_assert_int_eq(p->malformed, w->malformed);
    return;
  }
  ck_assert_int_eq(p->malformed, PF_MAL_NONE);
  ck_assert_int_eq(p->vlan_count, w->vlan_count);
  ck_assert_int_eq(p->vlan_outer, w->vlan_outer);
  ck_assert_int_eq(p->vlan_inner, w->vlan_inner);
  if (w->l3 == PF_L3_NON_IP) {
    ck_assert_int_eq(p->l4, PF_L4_NONE);
    ck_assert(!p->has_ports);
    ck_assert_ptr_null(p->l4_hdr);
    return;
  }

  /* IPv4 / IPv6: the addresses are in the outermost IP header. */
  ck_assert_uint_ge(f->n_ip, 1);
  uint32_t ip = f->ip_off[0];
  bool v4 = w->l3 == PF_L3_IPV4;
  ck_assert_uint_eq(f->ip_ver[0], v4 ? 4 : 6);
  ck_assert_ptr_eq(p->src_ip, buf + ip + (v4 ? 12 : 8));
  ck_assert_ptr_eq(p->dst_ip, buf + ip + (v4 ? 16 : 24));
  ck_assert_int_eq(p->l4, w->l4);
  ck_assert_int_eq(p->ip_proto, w->ip_proto);
  ck_assert_int_eq(p->dscp, w->dscp);
  ck_assert_int_eq(p->fragment, w->fragment);
  ck_assert_int_eq(p->later_fragment, w->later_fragment);
  ck_assert_int_eq(p->has_ports, w->has_ports);
  if (w->has_ports) {
    ck_assert_int_eq(p->src_port, w->sport);
    ck_assert_int_eq(p->dst_port, w->dport);
  }
  ck_assert_int_eq(p->tcp_flags, w->tcp_flags);
  if (w->l4_len == 0) {
    ck_assert_ptr_null(p->l4_hdr);
    ck_assert_uint_eq(p->l4_len, 0);
  } else {
    ck_assert_ptr_eq(p->l4_hdr, buf + f->l4_off);
    ck_assert_uint_eq(p->l4_len, w->l4_len);
  }
}

void expect_whole(const struct frame *f, const struct expect *w) {
  struct pf_packet p;
  uint8_t *buf = frame_decode_whole(f, &p);
  expect_packet(f, buf, &p, w);
  free(buf);
}

/* ---- random frames ---- */

uint32_t frame_rand(uint64_t *state) {
  uint64_t x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

/* A number in [0, n). */
static uint32_t rnd(uint64_t *s, uint32_t n) { return frame_rand(s) % n; }

static void random_payload(struct frame *f, uint64_t *s, uint32_t max) {
  uint32_t n = rnd(s, max + 1);
  for (uint32_t i = 0; i < n; i++)
    frame_u8(f, (uint8_t)frame_rand(s));
}

static const uint8_t random_protos[] = {6, 17, 1,  58, 132, 47,
                                        4, 41, 50, 59, 135};

static uint8_t random_proto(uint64_t *s) {
  return random_protos[rnd(s, sizeof(random_protos))];
}

static void random_transport(struct frame *f, uint64_t *s, uint8_t proto) {
  uint16_t sport = (uint16_t)frame_rand(s), dport = (uint16_t)frame_rand(s);
  switch (proto) {
  case 6:
    frame_tcp(f, &(struct tcp){.sport = sport,
                               .dport = dport,
                               .flags = (uint8_t)frame_rand(s),
                               .doff = (uint8_t)(5 + rnd(s, 4))});
    break;
  case 17:
    frame_udp(f, sport, dport);
    break;
  case 1:
  case 58:
    frame_icmp(f, (uint8_t)rnd(s, 256), 0);
    break;
  case 132:
    frame_sctp(f, sport, dport);
    break;
  case 47:
    frame_gre(f, 0x0800);
    break;
  default:
    break;
  }
  random_payload(f, s, 120);
}

/* Addresses local and not local to the direction tests' set
 * (192.0.2.0/24, 2001:db8:1::/48), so every locality comes up. */
static const uint8_t random_v4[4][4] = {
    {192, 0, 2, 1}, {192, 0, 2, 99}, {198, 51, 100, 2}, {203, 0, 113, 7}};
static const uint8_t random_v6[4][16] = {
    {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1},
    {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0xab, [15] = 2},
    {0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 2},
    {0xfe, 0x80, [15] = 5}};

static void random_ipv4(struct frame *f, uint64_t *s) {
  uint8_t proto = random_proto(s);
  uint16_t frag = rnd(s, 2) ? 0x4000 : 0; /* DF or nothing */
  if (rnd(s, 6) == 0)
    frag = (uint16_t)((rnd(s, 2) ? 0x2000 : 0) | rnd(s, 3) * rnd(s, 200));
  uint8_t ihl = (uint8_t)(rnd(s, 4) == 0 ? 5 + rnd(s, 11) : 5);
  frame_ipv4(f, &(struct ip4){.proto = proto,
                              .tos = (uint8_t)frame_rand(s),
                              .ihl = ihl,
                              .frag = frag,
                              .src = random_v4[rnd(s, 4)],
                              .dst = random_v4[rnd(s, 4)]});
  if (frag & 0x1fff)
    random_payload(f, s, 120); /* a later fragment's payload */
  else
    random_transport(f, s, proto);
}

static const uint8_t random_ext_types[] = {0, 43, 60, 51, 44};

static void random_ipv6(struct frame *f, uint64_t *s) {
  uint8_t types[20];
  /* Mostly short chains; sometimes 17 or more, which is too deep. */
  unsigned n = rnd(s, 8) == 0 ? rnd(s, 19) : rnd(s, 3);
  for (unsigned i = 0; i < n; i++)
    types[i] = random_ext_types[rnd(s, sizeof(random_ext_types))];
  uint8_t proto = random_proto(s);
  frame_ipv6(f, &(struct ip6){.next = n ? types[0] : proto,
                              .tclass = (uint8_t)frame_rand(s),
                              .src = random_v6[rnd(s, 4)],
                              .dst = random_v6[rnd(s, 4)]});
  for (unsigned i = 0; i < n; i++) {
    uint8_t next = i + 1 < n ? types[i + 1] : proto;
    if (types[i] == 44)
      frame_ipv6_frag(f, next, (uint16_t)(rnd(s, 3) ? 0 : rnd(s, 300)),
                      rnd(s, 2));
    else
      frame_ipv6_ext(f, types[i], next, (uint8_t)rnd(s, 3));
  }
  random_transport(f, s, proto);
}

static const uint16_t random_vlan_types[] = {0x8100, 0x88a8, 0x9100};

/* The link header, VLAN tags, MPLS labels or PPPoE in front of `l3` (4, 6,
 * or 0 for non-IP). */
static void random_link(struct frame *f, uint64_t *s, int l3) {
  uint16_t ip_type = l3 == 4 ? 0x0800 : l3 == 6 ? 0x86dd : 0x0806;
  if (f->dlt == DLT_NULL || f->dlt == DLT_LOOP) {
    static const uint32_t v6_families[] = {10, 24, 28, 30};
    uint32_t family = l3 == 4 ? 2 : l3 == 6 ? v6_families[rnd(s, 4)] : 7;
    frame_null(f, family, f->dlt == DLT_NULL && rnd(s, 2));
    return;
  }
  if (f->dlt != DLT_EN10MB && f->dlt != DLT_LINUX_SLL &&
      f->dlt != DLT_LINUX_SLL2)
    return; /* raw IP: no link header */

  uint16_t chain[12];
  unsigned tags = rnd(s, 6) == 0 ? rnd(s, 11) : rnd(s, 2);
  for (unsigned i = 0; i < tags; i++)
    chain[i] = random_vlan_types[rnd(s, 3)];
  unsigned encap = rnd(s, 6); /* 0: MPLS, 1: PPPoE, else plain */
  uint16_t inner = encap == 0   ? (rnd(s, 2) ? 0x8847 : 0x8848)
                   : encap == 1 ? 0x8864
                                : ip_type;
  uint16_t first = tags ? chain[0] : inner;
  if (f->dlt == DLT_EN10MB)
    frame_eth(f, NULL, rnd(s, 2) ? mac_a : mac_b, first);
  else if (f->dlt == DLT_LINUX_SLL)
    frame_sll(f, (uint16_t)rnd(s, 5), first);
  else
    frame_sll2(f, first, (uint8_t)rnd(s, 5));
  for (unsigned i = 0; i < tags; i++)
    frame_vlan(f, (uint16_t)frame_rand(s), i + 1 < tags ? chain[i + 1] : inner);
  if (encap == 0) {
    unsigned labels = rnd(s, 6) == 0 ? 1 + rnd(s, 18) : 1 + rnd(s, 3);
    for (unsigned i = 0; i < labels; i++)
      frame_mpls(f, frame_rand(s), i + 1 == labels && rnd(s, 10) != 0);
  } else if (encap == 1) {
    frame_pppoe(f, l3 == 4 ? 0x0021 : l3 == 6 ? 0x0057 : 0xc021);
  }
}

void frame_random(struct frame *f, uint64_t *state) {
  static const int dlts[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2,
                             DLT_RAW,    DLT_IPV4,      DLT_IPV6,
                             DLT_NULL,   DLT_LOOP};
  uint64_t *s = state;
  frame_init(f, dlts[rnd(s, sizeof(dlts) / sizeof(dlts[0]))]);
  int l3 = (int[]){4, 4, 6, 6, 0}[rnd(s, 5)];
  if (f->dlt == DLT_IPV4)
    l3 = 4;
  else if (f->dlt == DLT_IPV6)
    l3 = 6;
  else if (f->dlt == DLT_RAW && l3 == 0)
    l3 = 4;
  random_link(f, s, l3);
  if (l3 == 4)
    random_ipv4(f, s);
  else if (l3 == 6)
    random_ipv6(f, s);
  else
    random_payload(f, s, 64);
  frame_finish(f);
  if (f->dlt == DLT_EN10MB && rnd(s, 3) == 0)
    frame_pad_to(f, 60);

  /* Corruption: overwrite a few bytes, or cut the frame short. */
  if (f->len && rnd(s, 3) == 0) {
    unsigned n = 1 + rnd(s, 4);
    for (unsigned i = 0; i < n; i++)
      f->data[rnd(s, f->len)] = (uint8_t)frame_rand(s);
  }
  if (rnd(s, 8) == 0)
    f->len = rnd(s, f->len + 1);
}
