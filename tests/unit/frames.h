/* frames.h - builders for hand-made test frames, and shared decode checks. */
#ifndef PCAPFLOW_TESTS_UNIT_FRAMES_H
#define PCAPFLOW_TESTS_UNIT_FRAMES_H

#include <stdbool.h>
#include <stdint.h>

#include "packet/decode.h"

#define FRAME_MAX 10240 /* room for a 9000-byte jumbo frame */
#define FRAME_MAX_IP 4  /* IP headers remembered per frame (tunnels) */

/* A frame under construction. Builders append at `len` and remember where
 * they put the headers that tests need to find again. */
struct frame {
  int dlt;
  uint32_t len;
  unsigned n_ip;
  uint32_t ip_off[FRAME_MAX_IP]; /* IP headers, outermost first */
  uint8_t ip_ver[FRAME_MAX_IP];
  uint32_t l4_off;    /* last transport header appended (0: none) */
  uint8_t l4_proto;   /* its IP protocol number */
  uint32_t pppoe_off; /* PPPoE header (0: none) */
  uint8_t data[FRAME_MAX];
};

/* Addresses the builders use when a test passes none. */
extern const uint8_t mac_a[6], mac_b[6];
extern const uint8_t v4_a[4], v4_b[4];   /* 192.0.2.1, 198.51.100.2 */
extern const uint8_t v6_a[16], v6_b[16]; /* 2001:db8:1::1, 2001:db8:2::2 */

void frame_init(struct frame *f, int dlt);
void frame_u8(struct frame *f, uint8_t v);
void frame_u16(struct frame *f, uint16_t v);
void frame_u32(struct frame *f, uint32_t v);
void frame_bytes(struct frame *f, const void *p, uint32_t n);
void frame_fill(struct frame *f, uint8_t byte, uint32_t n);
void frame_set_u16(struct frame *f, uint32_t off, uint16_t v);

/* Link layers. `type`/`proto` is the EtherType of what follows. */
void frame_eth(struct frame *f, const uint8_t *dst, const uint8_t *src,
               uint16_t type);
void frame_sll(struct frame *f, uint16_t pkttype, uint16_t proto);
void frame_sll2(struct frame *f, uint16_t proto, uint8_t pkttype);
void frame_null(struct frame *f, uint32_t family, bool little_endian);

/* Encapsulations between the link and the network layer. */
void frame_vlan(struct frame *f, uint16_t tci, uint16_t next_type);
void frame_mpls(struct frame *f, uint32_t label, bool bottom);
void frame_pppoe(struct frame *f, uint16_t ppp_proto);

/* IPv4: ihl 0 means 5; options (ihl > 5) are NOPs; src/dst NULL mean v4_a
 * and v4_b. frag is the flags + fragment offset field as on the wire. */
struct ip4 {
  uint8_t proto, tos, ihl;
  uint16_t frag;
  const uint8_t *src, *dst;
};
uint32_t frame_ipv4(struct frame *f, const struct ip4 *h);

/* IPv6: src/dst NULL mean v6_a and v6_b. */
struct ip6 {
  uint8_t next, tclass;
  const uint8_t *src, *dst;
};
uint32_t frame_ipv6(struct frame *f, const struct ip6 *h);
/* Hop-by-hop (0), routing (43), destination options (60): (n + 1) * 8
 * bytes; AH (51): (n + 2) * 4 bytes. */
uint32_t frame_ipv6_ext(struct frame *f, uint8_t type, uint8_t next, uint8_t n);
/* Fragment header; offset in 8-byte units. */
uint32_t frame_ipv6_frag(struct frame *f, uint8_t next, uint16_t offset,
                         bool more);

/* TCP: doff 0 means 5; options (doff > 5) are NOPs. A doff below 5 still
 * appends the 20-byte fixed header. */
struct tcp {
  uint16_t sport, dport;
  uint8_t flags, doff;
  uint32_t seq; /* 0: 1000 */
};
uint32_t frame_tcp(struct frame *f, const struct tcp *h);
uint32_t frame_udp(struct frame *f, uint16_t sport, uint16_t dport);
uint32_t frame_icmp(struct frame *f, uint8_t type, uint8_t code); /* 8 B */
uint32_t frame_sctp(struct frame *f, uint16_t sport, uint16_t dport);
uint32_t frame_gre(struct frame *f, uint16_t proto);

/* Sets every IP, UDP and PPPoE length so each ends where the frame ends now,
 * and the IPv4 checksums. Call after the last header and payload. */
void frame_finish(struct frame *f);
/* Appends zero bytes up to `len` (Ethernet padding, after frame_finish). */
void frame_pad_to(struct frame *f, uint32_t len);

/* Decodes the frame as libpcap would hand it over with (caplen, len): the
 * first min(caplen, len) bytes are copied into a malloc'ed buffer of exactly
 * that size, so AddressSanitizer catches any read past the captured end.
 * Returns the buffer (the packet's pointers point into it); free() it. */
uint8_t *frame_decode(const struct frame *f, uint32_t caplen, uint32_t len,
                      struct pf_packet *pkt);
/* The same with caplen = len = the frame's length. */
uint8_t *frame_decode_whole(const struct frame *f, struct pf_packet *pkt);

/* The expected outcome of a decode. Only the fields that matter for the
 * outcome's class are compared: malformed packets compare l3, malformed,
 * kdir and eth; non-IP packets also the VLAN fields; IP packets everything.
 * `eth` means eth_src points at the Ethernet source MAC (offset 6). IP
 * addresses must point into the frame's outermost IP header. l4_len 0 means
 * no transport header (l4_hdr NULL), else l4_hdr points at f->l4_off. */
struct expect {
  int l3, l4, malformed, kdir;
  bool eth;
  int vlan_count, vlan_outer, vlan_inner;
  int ip_proto, dscp;
  bool fragment, later_fragment;
  bool has_ports;
  int sport, dport, tcp_flags;
  uint32_t l4_len;
};
void expect_packet(const struct frame *f, const uint8_t *buf,
                   const struct pf_packet *p, const struct expect *w);
/* Decodes the whole frame (caplen = len = its length) and compares the
 * outcome with `w`. */
void expect_whole(const struct frame *f, const struct expect *w);

/* Asserts that the outcome is complete and consistent, whatever the frame:
 * l3 is one of the four, a malformed reason is set iff l3 is malformed, l4
 * is NONE iff the packet is not IPv4/IPv6, and nothing transport-related is
 * set without a transport class. */
void expect_complete(const struct pf_packet *p);

/* A small seeded PRNG (xorshift64*), so failures reproduce. */
uint32_t frame_rand(uint64_t *state);
/* Builds a random frame from a random mix of the builders above (any link
 * type, VLAN/MPLS/PPPoE, IPv4/IPv6 with options, fragments and extension
 * headers, any transport, payload), then maybe corrupts some bytes. */
void frame_random(struct frame *f, uint64_t *state);

#endif
