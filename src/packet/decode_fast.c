/* decode_fast.c - the common frame first: Ethernet, then IPv4 (any header
 * length) or IPv6 without extension headers, unfragmented, then a whole
 * TCP or UDP header, every length field consistent. That is nearly every
 * frame a host sees, and decoding it in one straight line saves the general
 * path's dispatch (link type, EtherType, transport class) and its
 * per-header outcome checks.
 *
 * A frame is taken only when the general path (decode.c) would decode it
 * without a fault; anything else, or any doubt, is left to it. So the two
 * give the same struct pf_packet, byte for byte: tests/unit/test_decode_fast.c
 * compares them over generated captures and hand-made edge frames, and the
 * frame fuzzer compares them on every input. Reads go through the checked
 * reader like the general path's. pf_decode is here, so that the fast
 * path is inlined into it. */
#include "packet/decode_fast.h"

#include <stddef.h>
#include <string.h>

#include <pcap/dlt.h>

#include "base/bytes.h"
#include "base/check.h"
#include "packet/proto.h"
#include "packet/wire.h"

/* Where the transport header starts and where the IP datagram ends, from
 * an IP header the caller has read; `l4` is the datagram's captured part
 * (the frame up to the datagram's end or the snapshot length, whichever
 * comes first), so that one check there holds a transport header inside
 * both. */
struct pf_fast_ip {
  struct pf_bytes l4;
  uint32_t l4_off, ip_end;
};

/* The shortest frame the fast path takes: Ethernet and an IPv4 header,
 * checked at once before the EtherType is read. */
struct pf_fast_eth_ipv4 {
  struct pf_wire_eth eth;
  struct pf_wire_ipv4 ip;
};
PF_STATIC_ASSERT(sizeof(struct pf_fast_eth_ipv4) == 34, "Ethernet + IPv4");

/* Always inlined: each step runs once per common frame. */
#define PF_FAST static inline __attribute__((always_inline))

/* Both ports of a TCP or UDP header (checked in by the caller), in host
 * order, as the packet's {src_port, dst_port}: one load, one byte swap,
 * one rotation and one store, where each port apart took a load, a swap
 * and a store (2 instructions a frame). */
PF_STATIC_ASSERT(offsetof(struct pf_packet, dst_port) ==
                     offsetof(struct pf_packet, src_port) + 2,
                 "the packet's ports side by side");
PF_FAST void pf_fast_ports(const struct pf_wire_ports *w,
                           struct pf_packet *pkt) {
  uint32_t v;
  memcpy(&v, w, 4);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  v = __builtin_bswap32(v); /* dst in the low half, src high */
  v = v >> 16 | v << 16;
#endif /* big-endian: the wire's order is the host's, src first */
  memcpy((unsigned char *)pkt + offsetof(struct pf_packet, src_port), &v, 4);
}

/* A TCP header at ip->l4_off, inside the datagram with its options. */
PF_FAST bool pf_fast_tcp(const struct pf_fast_ip *ip, struct pf_packet *pkt) {
  const struct pf_wire_tcp *tcp;
  uint32_t off = ip->l4_off;
  if (!pf_get_hdr(&ip->l4, off, &tcp))
    return false;
  uint32_t doff = pf_tcp_hdr_len(tcp);
  if (doff < sizeof(*tcp) || off + doff > ip->ip_end)
    return false;
  pkt->has_ports = true;
  pkt->tcp_flags = tcp->flags;
  pkt->tcp_hdr_len = (uint8_t)doff;
  pf_fast_ports(&tcp->ports, pkt);
  return true;
}

/* A UDP header at ip->l4_off, inside the datagram. */
PF_FAST bool pf_fast_udp(const struct pf_fast_ip *ip, struct pf_packet *pkt) {
  const struct pf_wire_udp *udp;
  if (!pf_get_hdr(&ip->l4, ip->l4_off, &udp))
    return false;
  pkt->l4 = PF_L4_UDP;
  pkt->has_ports = true;
  pf_fast_ports(&udp->ports, pkt);
  return true;
}

/* The transport header at ip->l4_off, when it is a TCP or UDP header the
 * general path would accept. PF_L4_TCP is the zero the struct starts
 * with. */
PF_FAST bool pf_fast_l4(const struct pf_fast_ip *ip, struct pf_packet *pkt) {
  PF_STATIC_ASSERT(PF_L4_TCP == 0, "pkt->l4 starts as TCP");
  if (__builtin_expect(pkt->ip_proto == PF_IPPROTO_TCP, 1)) /* in line */
    return pf_fast_tcp(ip, pkt);
  return pkt->ip_proto == PF_IPPROTO_UDP && pf_fast_udp(ip, pkt);
}

/* The datagram from off to off + total, as far as it was captured. */
PF_FAST void pf_fast_datagram(const struct pf_bytes *cap, uint32_t off,
                              uint32_t hdr_len, uint32_t total,
                              struct pf_fast_ip *ip) {
  uint32_t end = off + total;
  ip->l4 = pf_bytes_of(cap->data, end < cap->len ? end : cap->len);
  ip->l4_off = off + hdr_len;
  ip->ip_end = end;
}

/* An unfragmented IPv4 header h at off (captured) whose lengths hold. */
PF_FAST bool pf_fast_ipv4(const struct pf_bytes *cap,
                          const struct pf_wire_ipv4 *h, uint32_t off,
                          uint32_t len, struct pf_packet *pkt,
                          struct pf_fast_ip *ip) {
  if (!pf_ipv4_version_ihl_ok(h))
    return false;
  uint32_t ihl = pf_ipv4_hdr_len(h);
  uint32_t total = pf_be16(h->total_len);
  uint32_t room = len - off; /* the IP header is captured: len > off */
  /* 0 is TSO or BIG TCP: the frame's length (decode.c). Rare: laid out
   * apart, the common case falls through. */
  if (__builtin_expect(total < ihl, 0)) {
    if (total != 0 || room < ihl)
      return false;
    total = room;
  }
  if (total > room ||
      (pf_be16(h->flags_frag) & (PF_IPV4_MF | PF_IPV4_FRAG_OFFSET)) != 0)
    return false;
  PF_STATIC_ASSERT(PF_L3_IPV4 == 0, "pkt->l3 starts as IPv4");
  pkt->dscp = pf_ipv4_dscp(h);
  pkt->ip_proto = h->proto;
  pkt->src_ip = h->src;
  pkt->dst_ip = h->dst;
  pf_fast_datagram(cap, off, ihl, total, ip);
  return true;
}

/* An IPv6 header at off with a payload length that holds, followed
 * directly by its transport header. */
PF_FAST bool pf_fast_ipv6(const struct pf_bytes *cap, uint32_t off,
                          uint32_t len, struct pf_packet *pkt,
                          struct pf_fast_ip *ip) {
  const struct pf_wire_ipv6 *h;
  if (!pf_get_hdr(cap, off, &h) ||
      h->version_class_flow[0] >> 4 != PF_IP_VERSION_6)
    return false;
  uint32_t payload = pf_be16(h->payload_len);
  if (payload == 0 || sizeof(*h) + payload > len - off)
    return false;
  pkt->l3 = PF_L3_IPV6;
  pkt->dscp = pf_ipv6_dscp(h);
  pkt->ip_proto = h->next;
  pkt->src_ip = h->src;
  pkt->dst_ip = h->dst;
  pf_fast_datagram(cap, off, sizeof(*h), sizeof(*h) + payload, ip);
  return true;
}

/* The IP header after the Ethernet header, by its EtherType. */
PF_FAST bool pf_fast_ip(const struct pf_bytes *cap, uint32_t len,
                        struct pf_packet *pkt, struct pf_fast_ip *ip) {
  const struct pf_fast_eth_ipv4 *f;
  if (!pf_get_hdr(cap, 0, &f))
    return false;
  pkt->eth_src = f->eth.src;
  uint16_t type = pf_be16(f->eth.type);
  if (type == PF_ETHERTYPE_IPV4)
    return pf_fast_ipv4(cap, &f->ip, sizeof(f->eth), len, pkt, ip);
  if (type == PF_ETHERTYPE_IPV6)
    return pf_fast_ipv6(cap, sizeof(f->eth), len, pkt, ip);
  return false;
}

/* pf_decode_fast, inline in pf_decode. */
PF_FAST bool pf_fast(const uint8_t *frame, uint32_t caplen, uint32_t len,
                     struct pf_packet *pkt) {
  if (len > PF_WIRE_LEN_MAX)
    return false;
  struct pf_bytes cap = pf_bytes_of(frame, caplen < len ? caplen : len);
  struct pf_fast_ip ip;
  /* __builtin_memset: the packages' _FORTIFY_SOURCE wraps memset of a
   * constant size in a check that cannot fail here and holds back its
   * folding into stores until a late pass (hardened build +5 a frame,
   * docs/PERFORMANCE.md "Compiler flags"); the plain build's code is the
   * same. */
  __builtin_memset(pkt, 0, sizeof(*pkt));
  pkt->malformed = PF_MAL_NONE;
  pkt->wire_len = len;
  if (!pf_fast_ip(&cap, len, pkt, &ip) || !pf_fast_l4(&ip, pkt))
    return false;
  pkt->l4_hdr = frame + ip.l4_off; /* captured: pf_fast_l4 read it */
  pkt->l4_len = ip.l4.len - ip.l4_off;
  pkt->l4_total_len = ip.ip_end - ip.l4_off;
  return true;
}

bool pf_decode_fast(const uint8_t *frame, uint32_t caplen, uint32_t len,
                    struct pf_packet *pkt) {
  return pf_fast(frame, caplen, len, pkt);
}

/* always_inline: inlined (link-time optimisation) into both of the
 * capture's per-packet paths (capture.c, pf_capture_frame); with two
 * callers it would be kept out of line. */
__attribute__((always_inline)) inline void
pf_decode(int dlt, const uint8_t *frame, uint32_t caplen, uint32_t len,
          struct pf_packet *pkt) {
  if (dlt == DLT_EN10MB && pf_fast(frame, caplen, len, pkt))
    return;
  pf_decode_general(dlt, frame, caplen, len, pkt);
}
