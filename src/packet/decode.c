/* decode.c - zero-copy decoding of link, network and transport headers.
 *
 * Every read is preceded by a bounds check against the captured end; every
 * failure becomes a malformed reason so the packet is still counted. The
 * order of the checks is part of the contract in docs/DECODING.md. */
#include "packet/decode.h"

#include <string.h>

#include <pcap/dlt.h>

/* ---- frame bounds ---- */

struct frame {
  const uint8_t *data;
  uint32_t cap; /* captured end: min(caplen, len) */
  uint32_t len; /* wire length */
  bool cut;     /* caplen < len: the snapshot length cut the frame */
};

static inline uint16_t rd16(const uint8_t *p) {
  return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

/* Whether [off, off + n) was captured; otherwise the reason it was not. */
static inline int pf_captured(const struct frame *fr, uint32_t off,
                              uint32_t n) {
  if ((uint64_t)off + n <= fr->cap)
    return PF_MAL_NONE;
  return fr->cut ? PF_MAL_SNAPLEN : PF_MAL_TRUNCATED;
}

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

/* ---- transport ---- */

static uint8_t pf_l4_class(uint8_t proto) {
  switch (proto) {
  case 6:
    return PF_L4_TCP;
  case 17:
    return PF_L4_UDP;
  case 1:
    return PF_L4_ICMP;
  case 58:
    return PF_L4_ICMPV6;
  case 132:
    return PF_L4_SCTP;
  case 47:
    return PF_L4_GRE;
  default:
    return PF_L4_OTHER;
  }
}

/* Minimum transport header each class needs (docs/DECODING.md). */
static const uint8_t pf_l4_min_len[] = {
    [PF_L4_TCP] = 20,  [PF_L4_UDP] = 8, [PF_L4_ICMP] = 4,  [PF_L4_ICMPV6] = 4,
    [PF_L4_SCTP] = 12, [PF_L4_GRE] = 4, [PF_L4_OTHER] = 0,
};

static int pf_decode_l4(const struct frame *fr, uint32_t off, uint32_t ip_end,
                        struct pf_packet *pkt) {
  uint8_t cls = pf_l4_class(pkt->ip_proto);
  uint32_t need = pf_l4_min_len[cls];

  pkt->l4 = cls;
  if (pkt->later_fragment || need == 0)
    return PF_MAL_NONE;

  PF_TRY(pf_within(off, need, ip_end, PF_MAL_L4_HEADER));
  PF_TRY(pf_captured(fr, off, need));

  const uint8_t *h = fr->data + off;
  if (cls == PF_L4_TCP) {
    uint32_t doff = (uint32_t)(h[12] >> 4) * 4;
    if (doff < 20)
      return PF_MAL_L4_HEADER;
    PF_TRY(pf_within(off, doff, ip_end, PF_MAL_L4_HEADER));
    pkt->tcp_flags = h[13];
  }
  if (cls == PF_L4_TCP || cls == PF_L4_UDP || cls == PF_L4_SCTP) {
    pkt->has_ports = true;
    pkt->src_port = rd16(h);
    pkt->dst_port = rd16(h + 2);
  }
  uint32_t readable_end = ip_end < fr->cap ? ip_end : fr->cap;
  pkt->l4 = cls;
  pkt->l4_len = readable_end - off;
  pkt->l4_total_len = ip_end - off;
  pkt->l4_hdr = h;
  return PF_MAL_NONE;
}

/* ---- network ---- */

static int pf_decode_ipv4(const struct frame *fr, uint32_t off,
                          struct pf_packet *pkt) {
  PF_TRY(pf_captured(fr, off, 1));
  if ((fr->data[off] >> 4) != 4)
    return PF_MAL_IP_VERSION;
  PF_TRY(pf_captured(fr, off, 20));

  const uint8_t *h = fr->data + off;
  uint32_t ihl = (uint32_t)(h[0] & 0x0f) * 4;
  uint32_t total = rd16(h + 2);
  /* Linux BIG TCP hands over IPv4 segments larger than 64 KiB with a total
   * length of 0: the frame's length is the only length there is. */
  if (total == 0 && fr->len - off > 0xffff)
    total = fr->len - off;
  if (ihl < 20 || total < ihl)
    return PF_MAL_IPV4_HEADER;
  if (total > fr->len - off)
    return PF_MAL_IP_LENGTH;

  uint16_t frag = rd16(h + 6);
  pkt->fragment = (frag & 0x3fff) != 0; /* MF or offset */
  pkt->later_fragment = (frag & 0x1fff) != 0;
  pkt->dscp = h[1] >> 2;
  pkt->ip_proto = h[9];
  pkt->src_ip = h + 12;
  pkt->dst_ip = h + 16;
  PF_TRY(pf_decode_l4(fr, off + ihl, off + total, pkt));
  pkt->l3 = PF_L3_IPV4;
  return PF_MAL_NONE;
}

static bool pf_is_ipv6_ext(uint8_t nh) {
  return nh == 0 || nh == 43 || nh == 44 || nh == 60 || nh == 51;
}

static int pf_decode_ipv6(const struct frame *fr, uint32_t off,
                          struct pf_packet *pkt) {
  PF_TRY(pf_captured(fr, off, 1));
  if ((fr->data[off] >> 4) != 6)
    return PF_MAL_IP_VERSION;
  PF_TRY(pf_captured(fr, off, 40));

  const uint8_t *h = fr->data + off;
  uint32_t payload = rd16(h + 4);
  uint32_t ip_end = fr->len; /* payload length 0: up to the frame's end */
  if (payload != 0) {
    if (40 + payload > fr->len - off)
      return PF_MAL_IP_LENGTH;
    ip_end = off + 40 + payload;
  }
  pkt->dscp = (uint8_t)((h[0] & 0x0f) << 2 | h[1] >> 6);
  pkt->src_ip = h + 8;
  pkt->dst_ip = h + 24;

  uint8_t nh = h[6];
  uint32_t p = off + 40;
  for (unsigned seen = 0; pf_is_ipv6_ext(nh) && !pkt->later_fragment; seen++) {
    if (seen == PF_MAX_IPV6_EXT)
      return PF_MAL_TOO_DEEP;
    PF_TRY(pf_within(p, 2, ip_end, PF_MAL_IPV6_EXT));
    PF_TRY(pf_captured(fr, p, 2));
    const uint8_t *e = fr->data + p;
    uint32_t ext_len = nh == 44   ? 8
                       : nh == 51 ? ((uint32_t)e[1] + 2) * 4
                                  : ((uint32_t)e[1] + 1) * 8;
    PF_TRY(pf_within(p, ext_len, ip_end, PF_MAL_IPV6_EXT));
    PF_TRY(pf_captured(fr, p, ext_len));
    if (nh == 44) {
      pkt->fragment = true;
      pkt->later_fragment = (rd16(e + 2) & 0xfff8) != 0;
    }
    nh = e[0];
    p += ext_len;
  }
  pkt->ip_proto = nh;
  PF_TRY(pf_decode_l4(fr, p, ip_end, pkt));
  pkt->l3 = PF_L3_IPV6;
  return PF_MAL_NONE;
}

/* ---- link ---- */

static int pf_decode_ip_by_nibble(const struct frame *fr, uint32_t off,
                                  struct pf_packet *pkt) {
  PF_TRY(pf_captured(fr, off, 1));
  switch (fr->data[off] >> 4) {
  case 4:
    return pf_decode_ipv4(fr, off, pkt);
  case 6:
    return pf_decode_ipv6(fr, off, pkt);
  default:
    return PF_MAL_IP_VERSION;
  }
}

static int pf_decode_mpls(const struct frame *fr, uint32_t off,
                          struct pf_packet *pkt) {
  for (unsigned labels = 0;; labels++) {
    if (labels == PF_MAX_MPLS_LABELS)
      return PF_MAL_TOO_DEEP;
    PF_TRY(pf_captured(fr, off, 4));
    bool bottom = fr->data[off + 2] & 0x01;
    off += 4;
    if (bottom)
      break;
  }
  /* No type field follows MPLS: the payload's first nibble tells. */
  PF_TRY(pf_captured(fr, off, 1));
  switch (fr->data[off] >> 4) {
  case 4:
    return pf_decode_ipv4(fr, off, pkt);
  case 6:
    return pf_decode_ipv6(fr, off, pkt);
  default:
    pkt->l3 = PF_L3_NON_IP;
    return PF_MAL_NONE;
  }
}

static int pf_decode_ethertype(const struct frame *fr, uint32_t off,
                               uint16_t type, struct pf_packet *pkt) {
  for (;;) {
    switch (type) {
    case 0x0800:
      return pf_decode_ipv4(fr, off, pkt);
    case 0x86dd:
      return pf_decode_ipv6(fr, off, pkt);
    case 0x8100:
    case 0x88a8:
    case 0x9100: {
      if (pkt->vlan_count == PF_MAX_VLAN_TAGS)
        return PF_MAL_TOO_DEEP;
      PF_TRY(pf_captured(fr, off, 4));
      uint16_t vid = rd16(fr->data + off) & 0x0fff;
      if (pkt->vlan_count++ == 0)
        pkt->vlan_outer = vid;
      pkt->vlan_inner = vid;
      type = rd16(fr->data + off + 2);
      off += 4;
      continue;
    }
    case 0x8847:
    case 0x8848:
      return pf_decode_mpls(fr, off, pkt);
    case 0x8864: {
      PF_TRY(pf_captured(fr, off, 8));
      uint16_t ppp = rd16(fr->data + off + 6);
      if (ppp == 0x0021)
        return pf_decode_ipv4(fr, off + 8, pkt);
      if (ppp == 0x0057)
        return pf_decode_ipv6(fr, off + 8, pkt);
      pkt->l3 = PF_L3_NON_IP;
      return PF_MAL_NONE;
    }
    default:
      pkt->l3 = PF_L3_NON_IP;
      return PF_MAL_NONE;
    }
  }
}

/* Linux's PACKET_OUTGOING, as carried by SLL and SLL2. */
#define PF_SLL_OUTGOING 4

static int pf_decode_link(int dlt, const struct frame *fr,
                          struct pf_packet *pkt) {
  const uint8_t *d = fr->data;
  switch (dlt) {
  case DLT_EN10MB:
    PF_TRY(pf_captured(fr, 0, 14));
    pkt->eth_src = d + 6;
    return pf_decode_ethertype(fr, 14, rd16(d + 12), pkt);
  case DLT_LINUX_SLL:
    PF_TRY(pf_captured(fr, 0, 16));
    pkt->kdir = rd16(d) == PF_SLL_OUTGOING ? PF_KDIR_OUT : PF_KDIR_IN;
    return pf_decode_ethertype(fr, 16, rd16(d + 14), pkt);
  case DLT_LINUX_SLL2:
    PF_TRY(pf_captured(fr, 0, 20));
    pkt->kdir = d[10] == PF_SLL_OUTGOING ? PF_KDIR_OUT : PF_KDIR_IN;
    return pf_decode_ethertype(fr, 20, rd16(d), pkt);
  case DLT_RAW:
    return pf_decode_ip_by_nibble(fr, 0, pkt);
  case DLT_IPV4:
    return pf_decode_ipv4(fr, 0, pkt);
  case DLT_IPV6:
    return pf_decode_ipv6(fr, 0, pkt);
  case DLT_NULL:
  case DLT_LOOP: {
    PF_TRY(pf_captured(fr, 0, 4));
    uint32_t family = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 |
                      (uint32_t)d[2] << 8 | d[3];
    /* NULL is in the capturing host's byte order: a family is small, so a
     * value with its low bytes empty was written little-endian. */
    if (dlt == DLT_NULL && (family & 0xffff) == 0)
      family = __builtin_bswap32(family);
    if (family == 2)
      return pf_decode_ipv4(fr, 4, pkt);
    if (family == 10 || family == 24 || family == 28 || family == 30)
      return pf_decode_ipv6(fr, 4, pkt);
    pkt->l3 = PF_L3_NON_IP;
    return PF_MAL_NONE;
  }
  default:
    /* Sources refuse unsupported link types at open; be safe anyway. */
    pkt->l3 = PF_L3_NON_IP;
    return PF_MAL_NONE;
  }
}

/* ---- public ---- */

void pf_decode(int dlt, const uint8_t *frame, uint32_t caplen, uint32_t len,
               struct pf_packet *pkt) {
  memset(pkt, 0, sizeof(*pkt));
  pkt->wire_len = len;
  pkt->l4 = PF_L4_NONE;
  pkt->malformed = PF_MAL_NONE;

  struct frame fr = {
      .data = frame,
      .cap = caplen < len ? caplen : len,
      .len = len,
      .cut = caplen < len,
  };
  int reason = pf_decode_link(dlt, &fr, pkt);
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
