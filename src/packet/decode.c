/* decode.c - zero-copy decoding of link, network and transport headers.
 *
 * Every header is reached through the checked reader (base/bytes.h) as a
 * struct of packet/wire.h, so a read cannot outrun its bounds check; a
 * header that was not captured is the one way out, as `snaplen` or
 * `truncated`. Bounds the packet's own length fields set are checked
 * before the captured end. Every failure becomes a malformed reason so the
 * packet is still counted; the order of the checks is part of the contract
 * in docs/DECODING.md. */
#include "packet/decode.h"

#include <string.h>

#include <pcap/dlt.h>

#include "base/bytes.h"
#include "packet/proto.h"
#include "packet/wire.h"

/* ---- frame bounds ---- */

struct frame {
  struct pf_bytes cap; /* the captured bytes: min(caplen, len) of them */
  uint32_t len;        /* wire length */
  bool cut;            /* caplen < len: the snapshot length cut the frame */
};

/* Why a header the decoder must read is not there. */
static inline int pf_short(const struct frame *fr) {
  return fr->cut ? PF_MAL_SNAPLEN : PF_MAL_TRUNCATED;
}

/* *out = the header of its type at off, or the packet is malformed. */
#define PF_GET_HDR(fr, off, out)                                               \
  do {                                                                         \
    if (!pf_get_hdr(&(fr)->cap, (off), (out)))                                 \
      return pf_short(fr);                                                     \
  } while (0)

/* [off, off + n) must have been captured, though it is not read. */
#define PF_NEED(fr, off, n)                                                    \
  do {                                                                         \
    if (!pf_bytes_has(&(fr)->cap, (off), (n)))                                 \
      return pf_short(fr);                                                     \
  } while (0)

/* Whether [off, off + n) lies inside a bound the packet's own length fields
 * set; `reason` otherwise. */
static inline int pf_within(uint32_t off, uint32_t n, uint32_t end,
                            int reason) {
  return (uint64_t)off + n <= end ? PF_MAL_NONE : reason;
}

#define PF_TRY(expr)                                                           \
  do {                                                                         \
    int pf_try_rc_ = (expr);                                                   \
    if (pf_try_rc_ != PF_MAL_NONE)                                             \
      return pf_try_rc_;                                                       \
  } while (0)

/* A transport header: inside the IP payload (else `l4_header`), then
 * captured (else `snaplen`/`truncated`). */
#define PF_GET_L4(fr, off, ip_end, out)                                        \
  do {                                                                         \
    PF_TRY(pf_within((off), sizeof(**(out)), (ip_end), PF_MAL_L4_HEADER));     \
    PF_GET_HDR(fr, off, out);                                                  \
  } while (0)

/* ---- transport ---- */

static uint8_t pf_l4_class(uint8_t proto) {
  switch (proto) {
  case PF_IPPROTO_TCP:
    return PF_L4_TCP;
  case PF_IPPROTO_UDP:
    return PF_L4_UDP;
  case PF_IPPROTO_ICMP:
    return PF_L4_ICMP;
  case PF_IPPROTO_ICMPV6:
    return PF_L4_ICMPV6;
  case PF_IPPROTO_SCTP:
    return PF_L4_SCTP;
  case PF_IPPROTO_GRE:
    return PF_L4_GRE;
  default:
    return PF_L4_OTHER;
  }
}

static inline void pf_set_ports(struct pf_packet *pkt,
                                const struct pf_wire_ports *p) {
  pkt->has_ports = true;
  pkt->src_port = pf_be16(p->src);
  pkt->dst_port = pf_be16(p->dst);
}

static int pf_decode_tcp(const struct frame *fr, uint32_t off, uint32_t ip_end,
                         struct pf_packet *pkt) {
  const struct pf_wire_tcp *h;
  PF_GET_L4(fr, off, ip_end, &h);
  uint32_t doff = pf_tcp_hdr_len(h);
  if (doff < sizeof(*h))
    return PF_MAL_L4_HEADER;
  PF_TRY(pf_within(off, doff, ip_end, PF_MAL_L4_HEADER));
  pkt->tcp_flags = h->flags;
  pkt->tcp_hdr_len = (uint8_t)doff;
  pf_set_ports(pkt, &h->ports);
  return PF_MAL_NONE;
}

/* The transport header of class pkt->l4 at off, as docs/DECODING.md's
 * table says each needs. */
static int pf_decode_l4_hdr(const struct frame *fr, uint32_t off,
                            uint32_t ip_end, struct pf_packet *pkt) {
  const struct pf_wire_udp *udp;
  const struct pf_wire_sctp *sctp;
  const struct pf_wire_icmp *icmp;
  const struct pf_wire_gre *gre;
  switch (pkt->l4) {
  case PF_L4_TCP:
    return pf_decode_tcp(fr, off, ip_end, pkt);
  case PF_L4_UDP:
    PF_GET_L4(fr, off, ip_end, &udp);
    pf_set_ports(pkt, &udp->ports);
    return PF_MAL_NONE;
  case PF_L4_SCTP:
    PF_GET_L4(fr, off, ip_end, &sctp);
    pf_set_ports(pkt, &sctp->ports);
    return PF_MAL_NONE;
  case PF_L4_ICMP:
  case PF_L4_ICMPV6:
    PF_GET_L4(fr, off, ip_end, &icmp);
    return PF_MAL_NONE;
  default:
    PF_ASSERT(pkt->l4 == PF_L4_GRE); /* its payload is not decoded */
    PF_GET_L4(fr, off, ip_end, &gre);
    return PF_MAL_NONE;
  }
}

static int pf_decode_l4(const struct frame *fr, uint32_t off, uint32_t ip_end,
                        struct pf_packet *pkt) {
  pkt->l4 = pf_l4_class(pkt->ip_proto);
  if (pkt->later_fragment || pkt->l4 == PF_L4_OTHER)
    return PF_MAL_NONE; /* no transport header to read */
  PF_TRY(pf_decode_l4_hdr(fr, off, ip_end, pkt));
  uint32_t readable_end = ip_end < fr->cap.len ? ip_end : fr->cap.len;
  pkt->l4_len = readable_end - off;
  pkt->l4_total_len = ip_end - off;
  pkt->l4_hdr = fr->cap.data + off; /* captured: pf_decode_l4_hdr read it */
  return PF_MAL_NONE;
}

/* ---- network ---- */

/* The version byte must be captured, then say `version`. */
static inline int pf_check_version(const struct frame *fr, uint32_t off,
                                   unsigned version) {
  const struct pf_wire_ip *v;
  PF_GET_HDR(fr, off, &v);
  return pf_ip_version(v) == version ? PF_MAL_NONE : PF_MAL_IP_VERSION;
}

/* The datagram's length from its total length field. A total length of 0
 * is what a sending host's capture shows for a segment handed over before
 * segmentation offload (TSO: the NIC writes the lengths of the segments it
 * cuts) and for a Linux BIG TCP segment over 64 KiB: the frame's length is
 * the only length there is (docs/DECODING.md). */
static inline uint32_t pf_ipv4_total(const struct frame *fr, uint32_t off,
                                     const struct pf_wire_ipv4 *h) {
  uint32_t total = pf_be16(h->total_len);
  return total != 0 ? total : fr->len - off;
}

static int pf_decode_ipv4(const struct frame *fr, uint32_t off,
                          struct pf_packet *pkt) {
  PF_TRY(pf_check_version(fr, off, PF_IP_VERSION_4));
  const struct pf_wire_ipv4 *h;
  PF_GET_HDR(fr, off, &h);
  uint32_t ihl = pf_ipv4_hdr_len(h);
  uint32_t total = pf_ipv4_total(fr, off, h);
  if (ihl < sizeof(*h) || total < ihl)
    return PF_MAL_IPV4_HEADER;
  if (total > fr->len - off)
    return PF_MAL_IP_LENGTH;

  uint16_t frag = pf_be16(h->flags_frag);
  pkt->fragment = (frag & (PF_IPV4_MF | PF_IPV4_FRAG_OFFSET)) != 0;
  pkt->later_fragment = (frag & PF_IPV4_FRAG_OFFSET) != 0;
  pkt->dscp = pf_ipv4_dscp(h);
  pkt->ip_proto = h->proto;
  pkt->src_ip = h->src;
  pkt->dst_ip = h->dst;
  PF_TRY(pf_decode_l4(fr, off + ihl, off + total, pkt));
  pkt->l3 = PF_L3_IPV4;
  return PF_MAL_NONE;
}

static bool pf_is_ipv6_ext(uint8_t nh) {
  return nh == PF_IPPROTO_HOPOPTS || nh == PF_IPPROTO_ROUTING ||
         nh == PF_IPPROTO_FRAGMENT || nh == PF_IPPROTO_DSTOPTS ||
         nh == PF_IPPROTO_AH;
}

/* Extension header `type` at *p, inside the payload ending at ip_end and
 * captured whole; moves *p past it and returns the next header in *next. */
static int pf_decode_ipv6_ext(const struct frame *fr, uint8_t type, uint32_t *p,
                              uint32_t ip_end, uint8_t *next,
                              struct pf_packet *pkt) {
  const struct pf_wire_ipv6_ext *e;
  PF_TRY(pf_within(*p, sizeof(*e), ip_end, PF_MAL_IPV6_EXT));
  PF_GET_HDR(fr, *p, &e);
  uint32_t ext_len = pf_ipv6_ext_len(type, e);
  PF_TRY(pf_within(*p, ext_len, ip_end, PF_MAL_IPV6_EXT));
  if (type == PF_IPPROTO_FRAGMENT) {
    const struct pf_wire_ipv6_frag *f;
    PF_GET_HDR(fr, *p, &f); /* ext_len is its size */
    pkt->fragment = true;
    pkt->later_fragment = (pf_be16(f->offset_flags) & PF_IPV6_FRAG_OFFSET) != 0;
  } else {
    PF_NEED(fr, *p, ext_len);
  }
  *next = e->next;
  *p += ext_len;
  return PF_MAL_NONE;
}

static int pf_decode_ipv6(const struct frame *fr, uint32_t off,
                          struct pf_packet *pkt) {
  PF_TRY(pf_check_version(fr, off, PF_IP_VERSION_6));
  const struct pf_wire_ipv6 *h;
  PF_GET_HDR(fr, off, &h);
  uint32_t payload = pf_be16(h->payload_len);
  uint32_t ip_end = fr->len; /* payload length 0: up to the frame's end */
  if (payload != 0) {
    if (sizeof(*h) + payload > fr->len - off)
      return PF_MAL_IP_LENGTH;
    ip_end = off + (uint32_t)sizeof(*h) + payload;
  }
  pkt->dscp = pf_ipv6_dscp(h);
  pkt->src_ip = h->src;
  pkt->dst_ip = h->dst;

  uint8_t nh = h->next;
  uint32_t p = off + (uint32_t)sizeof(*h);
  for (unsigned seen = 0; pf_is_ipv6_ext(nh) && !pkt->later_fragment; seen++) {
    if (seen == PF_MAX_IPV6_EXT)
      return PF_MAL_TOO_DEEP;
    PF_TRY(pf_decode_ipv6_ext(fr, nh, &p, ip_end, &nh, pkt));
  }
  pkt->ip_proto = nh;
  PF_TRY(pf_decode_l4(fr, p, ip_end, pkt));
  pkt->l3 = PF_L3_IPV6;
  return PF_MAL_NONE;
}

/* ---- between the link and the network layer ---- */

/* IP whose version its first nibble tells: raw IP, and what an MPLS stack
 * carries. Another version is `not_ip`. */
static int pf_decode_ip_by_version(const struct frame *fr, uint32_t off,
                                   int not_ip, struct pf_packet *pkt) {
  const struct pf_wire_ip *v;
  PF_GET_HDR(fr, off, &v);
  switch (pf_ip_version(v)) {
  case PF_IP_VERSION_4:
    return pf_decode_ipv4(fr, off, pkt);
  case PF_IP_VERSION_6:
    return pf_decode_ipv6(fr, off, pkt);
  default:
    if (not_ip == PF_MAL_NONE)
      pkt->l3 = PF_L3_NON_IP;
    return not_ip;
  }
}

static int pf_decode_mpls(const struct frame *fr, uint32_t off,
                          struct pf_packet *pkt) {
  for (unsigned labels = 0;; labels++) {
    if (labels == PF_MAX_MPLS_LABELS)
      return PF_MAL_TOO_DEEP;
    const struct pf_wire_mpls *m;
    PF_GET_HDR(fr, off, &m);
    off += (uint32_t)sizeof(*m);
    if (pf_mpls_bottom(m))
      break;
  }
  /* No type field follows MPLS: the payload's first nibble tells, and
   * anything but IP (an Ethernet pseudowire, …) is not decoded. */
  return pf_decode_ip_by_version(fr, off, PF_MAL_NONE, pkt);
}

static int pf_decode_pppoe(const struct frame *fr, uint32_t off,
                           struct pf_packet *pkt) {
  const struct pf_wire_pppoe *h;
  PF_GET_HDR(fr, off, &h);
  off += (uint32_t)sizeof(*h);
  switch (pf_be16(h->ppp_proto)) {
  case PF_PPP_IPV4:
    return pf_decode_ipv4(fr, off, pkt);
  case PF_PPP_IPV6:
    return pf_decode_ipv6(fr, off, pkt);
  default:
    pkt->l3 = PF_L3_NON_IP;
    return PF_MAL_NONE;
  }
}

/* A VLAN tag at *off: counted, and *type becomes the EtherType it tags. */
static int pf_decode_vlan(const struct frame *fr, uint32_t *off, uint16_t *type,
                          struct pf_packet *pkt) {
  if (pkt->vlan_count == PF_MAX_VLAN_TAGS)
    return PF_MAL_TOO_DEEP;
  const struct pf_wire_vlan *t;
  PF_GET_HDR(fr, *off, &t);
  uint16_t vid = pf_vlan_id(t);
  if (pkt->vlan_count++ == 0)
    pkt->vlan_outer = vid;
  pkt->vlan_inner = vid;
  *type = pf_be16(t->type);
  *off += (uint32_t)sizeof(*t);
  return PF_MAL_NONE;
}

static int pf_decode_ethertype(const struct frame *fr, uint32_t off,
                               uint16_t type, struct pf_packet *pkt) {
  for (;;) {
    switch (type) {
    case PF_ETHERTYPE_IPV4:
      return pf_decode_ipv4(fr, off, pkt);
    case PF_ETHERTYPE_IPV6:
      return pf_decode_ipv6(fr, off, pkt);
    case PF_ETHERTYPE_VLAN:
    case PF_ETHERTYPE_QINQ:
    case PF_ETHERTYPE_QINQ_OLD:
      PF_TRY(pf_decode_vlan(fr, &off, &type, pkt));
      continue;
    case PF_ETHERTYPE_MPLS:
    case PF_ETHERTYPE_MPLS_MC:
      return pf_decode_mpls(fr, off, pkt);
    case PF_ETHERTYPE_PPPOE_SESS:
      return pf_decode_pppoe(fr, off, pkt);
    default:
      pkt->l3 = PF_L3_NON_IP;
      return PF_MAL_NONE;
    }
  }
}

/* ---- link ---- */

static int pf_decode_eth(const struct frame *fr, struct pf_packet *pkt) {
  const struct pf_wire_eth *h;
  PF_GET_HDR(fr, 0, &h);
  pkt->eth_src = h->src;
  return pf_decode_ethertype(fr, sizeof(*h), pf_be16(h->type), pkt);
}

static uint8_t pf_kdir_of(unsigned pkttype) {
  return pkttype == PF_PACKET_OUTGOING ? PF_KDIR_OUT : PF_KDIR_IN;
}

static int pf_decode_sll(const struct frame *fr, struct pf_packet *pkt) {
  const struct pf_wire_sll *h;
  PF_GET_HDR(fr, 0, &h);
  pkt->kdir = pf_kdir_of(pf_be16(h->pkttype));
  return pf_decode_ethertype(fr, sizeof(*h), pf_be16(h->proto), pkt);
}

static int pf_decode_sll2(const struct frame *fr, struct pf_packet *pkt) {
  const struct pf_wire_sll2 *h;
  PF_GET_HDR(fr, 0, &h);
  pkt->kdir = pf_kdir_of(h->pkttype);
  return pf_decode_ethertype(fr, sizeof(*h), pf_be16(h->proto), pkt);
}

static int pf_decode_loop(int dlt, const struct frame *fr,
                          struct pf_packet *pkt) {
  const struct pf_wire_loop *h;
  PF_GET_HDR(fr, 0, &h);
  uint32_t family = pf_be32(h->family);
  /* NULL is in the capturing host's byte order: a family is small, so a
   * value with its low bytes empty was written little-endian. */
  if (dlt == DLT_NULL && (family & 0xffff) == 0)
    family = __builtin_bswap32(family);
  switch (family) {
  case PF_LOOP_AF_INET:
    return pf_decode_ipv4(fr, sizeof(*h), pkt);
  case PF_LOOP_AF_INET6_LINUX:
  case PF_LOOP_AF_INET6_BSD:
  case PF_LOOP_AF_INET6_FREEBSD:
  case PF_LOOP_AF_INET6_DARWIN:
    return pf_decode_ipv6(fr, sizeof(*h), pkt);
  default:
    pkt->l3 = PF_L3_NON_IP;
    return PF_MAL_NONE;
  }
}

static int pf_decode_link(int dlt, const struct frame *fr,
                          struct pf_packet *pkt) {
  switch (dlt) {
  case DLT_EN10MB:
    return pf_decode_eth(fr, pkt);
  case DLT_LINUX_SLL:
    return pf_decode_sll(fr, pkt);
  case DLT_LINUX_SLL2:
    return pf_decode_sll2(fr, pkt);
  case DLT_RAW:
    return pf_decode_ip_by_version(fr, 0, PF_MAL_IP_VERSION, pkt);
  case DLT_IPV4:
    return pf_decode_ipv4(fr, 0, pkt);
  case DLT_IPV6:
    return pf_decode_ipv6(fr, 0, pkt);
  case DLT_NULL:
  case DLT_LOOP:
    return pf_decode_loop(dlt, fr, pkt);
  default:
    /* Sources refuse unsupported link types at open; be safe anyway. */
    pkt->l3 = PF_L3_NON_IP;
    return PF_MAL_NONE;
  }
}

/* ---- public ---- */

/* The frame's bytes and lengths, or `wire_length` for a wire length no
 * link carries: nothing of such a frame is believed, and its bytes count
 * as what was captured. */
static int pf_frame_of(const uint8_t *frame, uint32_t caplen, uint32_t len,
                       struct frame *fr, struct pf_packet *pkt) {
  uint32_t cap = caplen < len ? caplen : len;
  *fr = (struct frame){
      .cap = pf_bytes_of(frame, cap),
      .len = len,
      .cut = caplen < len,
  };
  pkt->wire_len = len;
  if (len <= PF_WIRE_LEN_MAX)
    return PF_MAL_NONE;
  pkt->wire_len = cap;
  return PF_MAL_WIRE_LENGTH;
}

void pf_decode_general(int dlt, const uint8_t *frame, uint32_t caplen,
                       uint32_t len, struct pf_packet *pkt) {
  memset(pkt, 0, sizeof(*pkt));
  pkt->l4 = PF_L4_NONE;
  pkt->malformed = PF_MAL_NONE;

  struct frame fr;
  int reason = pf_frame_of(frame, caplen, len, &fr, pkt);
  if (reason == PF_MAL_NONE)
    reason = pf_decode_link(dlt, &fr, pkt);
  if (reason != PF_MAL_NONE) {
    pkt->l3 = PF_L3_MALFORMED;
    pkt->l4 = PF_L4_NONE;
    pkt->malformed = (int8_t)reason;
    pkt->tcp_flags = 0;
    pkt->has_ports = false;
    pkt->l4_hdr = NULL;
    pkt->l4_len = 0;
  }
}

bool pf_dlt_supported(int dlt) {
  switch (dlt) {
  case DLT_EN10MB:
  case DLT_LINUX_SLL:
  case DLT_LINUX_SLL2:
  case DLT_RAW:
  case DLT_IPV4:
  case DLT_IPV6:
  case DLT_NULL:
  case DLT_LOOP:
    return true;
  default:
    return false;
  }
}
