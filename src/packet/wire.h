/* wire.h - the headers the engine reads, as they are on the wire: structs
 * of byte fields (no padding, no alignment, no byte order), each sized
 * exactly as its header and held to it at compile time.
 *
 * A header is reached only through pf_get_hdr (base/bytes.h), which checks
 * that all of it was captured; its fields are then read by name, multi-byte
 * ones with pf_be16/pf_be32, and fields that share a byte with the
 * accessors below. Nothing in the engine reads a packet at a numbered
 * offset. */
#ifndef PCAPFLOW_PACKET_WIRE_H
#define PCAPFLOW_PACKET_WIRE_H

#include <stdint.h>

#include "base/bytes.h"
#include "base/check.h"
#include "packet/proto.h"

/* ---- link layers ---- */

struct pf_wire_eth {
  uint8_t dst[6];
  uint8_t src[6];
  uint8_t type[2];
};

/* Linux "cooked" capture, DLT_LINUX_SLL. */
struct pf_wire_sll {
  uint8_t pkttype[2];
  uint8_t hatype[2]; /* ARPHRD_ */
  uint8_t halen[2];
  uint8_t addr[8];
  uint8_t proto[2]; /* an EtherType */
};

/* Linux "cooked" capture v2, DLT_LINUX_SLL2. */
struct pf_wire_sll2 {
  uint8_t proto[2]; /* an EtherType */
  uint8_t reserved[2];
  uint8_t ifindex[4];
  uint8_t hatype[2];
  uint8_t pkttype;
  uint8_t halen;
  uint8_t addr[8];
};

/* DLT_NULL (host byte order) and DLT_LOOP (network order). */
struct pf_wire_loop {
  uint8_t family[4];
};

/* ---- between the link and the network layer ---- */

/* 802.1Q / 802.1ad tag: what follows an EtherType of a VLAN tag. */
struct pf_wire_vlan {
  uint8_t tci[2]; /* priority (3 bits), drop eligible (1), VLAN id (12) */
  uint8_t type[2];
};

static inline uint16_t pf_vlan_id(const struct pf_wire_vlan *h) {
  return pf_be16(h->tci) & 0x0fff;
}

/* One MPLS label stack entry. */
struct pf_wire_mpls {
  uint8_t label_tc_s[3]; /* label (20 bits), traffic class (3), bottom (1) */
  uint8_t ttl;
};

static inline int pf_mpls_bottom(const struct pf_wire_mpls *h) {
  return h->label_tc_s[2] & 0x01;
}

/* PPPoE session header and the PPP protocol field after it. */
struct pf_wire_pppoe {
  uint8_t ver_type;
  uint8_t code;
  uint8_t session[2];
  uint8_t length[2];
  uint8_t ppp_proto[2];
};

/* ---- network layer ---- */

/* The byte every IP header starts with: its version in the high nibble. */
struct pf_wire_ip {
  uint8_t version_x;
};

static inline unsigned pf_ip_version(const struct pf_wire_ip *h) {
  return h->version_x >> 4;
}

struct pf_wire_ipv4 {
  uint8_t version_ihl;
  uint8_t tos; /* DSCP (6 bits), ECN (2) */
  uint8_t total_len[2];
  uint8_t id[2];
  uint8_t flags_frag[2]; /* reserved, DF, MF, fragment offset (13 bits) */
  uint8_t ttl;
  uint8_t proto;
  uint8_t checksum[2];
  uint8_t src[4];
  uint8_t dst[4];
};

#define PF_IPV4_MF 0x2000
#define PF_IPV4_FRAG_OFFSET 0x1fff

/* Version 4 and a header of 5 words or more, in one compare: what the
 * first byte must hold before the header's length is believed. */
static inline int pf_ipv4_version_ihl_ok(const struct pf_wire_ipv4 *h) {
  return (uint8_t)(h->version_ihl - (PF_IP_VERSION_4 << 4 | 5)) <= 15 - 5;
}

/* The header's length in bytes, options included. */
static inline uint32_t pf_ipv4_hdr_len(const struct pf_wire_ipv4 *h) {
  return (uint32_t)(h->version_ihl & 0x0f) * 4;
}

static inline uint8_t pf_ipv4_dscp(const struct pf_wire_ipv4 *h) {
  return h->tos >> 2;
}

struct pf_wire_ipv6 {
  uint8_t version_class_flow[4]; /* version (4), class (8), flow (20) */
  uint8_t payload_len[2];
  uint8_t next;
  uint8_t hop_limit;
  uint8_t src[16];
  uint8_t dst[16];
};

static inline uint8_t pf_ipv6_dscp(const struct pf_wire_ipv6 *h) {
  return (uint8_t)((h->version_class_flow[0] & 0x0f) << 2 |
                   h->version_class_flow[1] >> 6);
}

/* What every IPv6 extension header starts with. */
struct pf_wire_ipv6_ext {
  uint8_t next;
  uint8_t len; /* in units that depend on the header: pf_ipv6_ext_len */
};

struct pf_wire_ipv6_frag {
  uint8_t next;
  uint8_t reserved;
  uint8_t offset_flags[2]; /* offset in 8-byte units (13 bits), M (1) */
  uint8_t id[4];
};

#define PF_IPV6_FRAG_OFFSET 0xfff8

/* The whole length of extension header `type` that starts with *h. */
static inline uint32_t pf_ipv6_ext_len(uint8_t type,
                                       const struct pf_wire_ipv6_ext *h) {
  if (type == PF_IPPROTO_FRAGMENT)
    return sizeof(struct pf_wire_ipv6_frag);
  if (type == PF_IPPROTO_AH)
    return ((uint32_t)h->len + 2) * 4;
  return ((uint32_t)h->len + 1) * 8;
}

/* ---- transport layer ---- */

/* Where TCP, UDP and SCTP all start. */
struct pf_wire_ports {
  uint8_t src[2];
  uint8_t dst[2];
};

struct pf_wire_tcp {
  struct pf_wire_ports ports;
  uint8_t seq[4];
  uint8_t ack[4];
  uint8_t offset_x; /* data offset in 32-bit words (4 bits), reserved */
  uint8_t flags;    /* PF_TCP_* (packet/decode.h) */
  uint8_t window[2];
  uint8_t checksum[2];
  uint8_t urgent[2];
};

/* The header's length in bytes, options included. */
static inline uint32_t pf_tcp_hdr_len(const struct pf_wire_tcp *h) {
  return (uint32_t)(h->offset_x >> 2) & 0x3c; /* (offset_x >> 4) * 4 */
}

struct pf_wire_udp {
  struct pf_wire_ports ports;
  uint8_t len[2];
  uint8_t checksum[2];
};

struct pf_wire_sctp {
  struct pf_wire_ports ports;
  uint8_t verification_tag[4];
  uint8_t checksum[4];
};

/* What every ICMP and ICMPv6 message starts with. */
struct pf_wire_icmp {
  uint8_t type;
  uint8_t code;
  uint8_t checksum[2];
};

/* ICMP and ICMPv6 echo request and reply. */
struct pf_wire_icmp_echo {
  struct pf_wire_icmp icmp;
  uint8_t id[2];
  uint8_t seq[2];
};

struct pf_wire_gre {
  uint8_t flags_version[2];
  uint8_t proto[2]; /* an EtherType */
};

/* ---- the sizes on the wire ---- */

PF_STATIC_ASSERT(sizeof(struct pf_wire_eth) == 14, "Ethernet header");
PF_STATIC_ASSERT(sizeof(struct pf_wire_sll) == 16, "SLL header");
PF_STATIC_ASSERT(sizeof(struct pf_wire_sll2) == 20, "SLL2 header");
PF_STATIC_ASSERT(sizeof(struct pf_wire_loop) == 4, "NULL/LOOP header");
PF_STATIC_ASSERT(sizeof(struct pf_wire_vlan) == 4, "802.1Q tag");
PF_STATIC_ASSERT(sizeof(struct pf_wire_mpls) == 4, "MPLS label");
PF_STATIC_ASSERT(sizeof(struct pf_wire_pppoe) == 8, "PPPoE + PPP protocol");
PF_STATIC_ASSERT(sizeof(struct pf_wire_ip) == 1, "IP version byte");
PF_STATIC_ASSERT(sizeof(struct pf_wire_ipv4) == 20, "IPv4 fixed header");
PF_STATIC_ASSERT(sizeof(struct pf_wire_ipv6) == 40, "IPv6 fixed header");
PF_STATIC_ASSERT(sizeof(struct pf_wire_ipv6_ext) == 2, "IPv6 ext start");
PF_STATIC_ASSERT(sizeof(struct pf_wire_ipv6_frag) == 8, "IPv6 fragment hdr");
PF_STATIC_ASSERT(sizeof(struct pf_wire_ports) == 4, "ports");
PF_STATIC_ASSERT(sizeof(struct pf_wire_tcp) == 20, "TCP fixed header");
PF_STATIC_ASSERT(sizeof(struct pf_wire_udp) == 8, "UDP header");
PF_STATIC_ASSERT(sizeof(struct pf_wire_sctp) == 12, "SCTP common header");
PF_STATIC_ASSERT(sizeof(struct pf_wire_icmp) == 4, "ICMP header");
PF_STATIC_ASSERT(sizeof(struct pf_wire_icmp_echo) == 8, "ICMP echo");
PF_STATIC_ASSERT(sizeof(struct pf_wire_gre) == 4, "GRE header");
/* Byte fields only: any alignment will do when reading at any offset. */
PF_STATIC_ASSERT(_Alignof(struct pf_wire_tcp) == 1, "byte-aligned headers");
PF_STATIC_ASSERT(_Alignof(struct pf_wire_ipv6) == 1, "byte-aligned headers");

#endif
