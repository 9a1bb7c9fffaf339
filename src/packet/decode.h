/* decode.h - zero-copy, bounds-checked decoding of one captured frame.
 *
 * The rules are in docs/DECODING.md. pf_decode() never allocates, never
 * logs and never reads past min(caplen, len). It is reentrant: any number of
 * threads may decode concurrently into their own struct pf_packet. */
#ifndef PCAPFLOW_DECODE_H
#define PCAPFLOW_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/bytes.h"
#include "packet/proto.h"
#include "pcapflow/counters.h"

/* Network-layer outcome: exactly one per packet. */
enum pf_l3 {
  PF_L3_IPV4,
  PF_L3_IPV6,
  PF_L3_NON_IP,
  PF_L3_MALFORMED,
};

/* Transport class of an IP packet (by protocol number); PF_L4_NONE for
 * non-IP and malformed packets. */
enum pf_l4 {
  PF_L4_TCP,
  PF_L4_UDP,
  PF_L4_ICMP,
  PF_L4_ICMPV6,
  PF_L4_SCTP,
  PF_L4_GRE,
  PF_L4_OTHER,
  PF_L4_NONE,
};

/* Direction as the kernel reported it, where the link layer says. */
enum pf_kdir {
  PF_KDIR_UNKNOWN,
  PF_KDIR_IN,
  PF_KDIR_OUT,
};

/* TCP flag bits as on the wire (byte 13 of the TCP header). */
#define PF_TCP_FIN 0x01
#define PF_TCP_SYN 0x02
#define PF_TCP_RST 0x04
#define PF_TCP_PSH 0x08
#define PF_TCP_ACK 0x10

/* The longest wire length a frame can truthfully have (docs/DECODING.md,
 * "Lengths"): the largest packet Linux builds is a BIG TCP GSO or GRO
 * packet, below GSO_MAX_SIZE (8 x 65535 = 524,280 bytes); twice that leaves
 * room for any header in front. A longer one is `wire_length`. */
#define PF_WIRE_LEN_MAX (1u << 20)

#define PF_MAX_VLAN_TAGS 8
#define PF_MAX_MPLS_LABELS 16
#define PF_MAX_IPV6_EXT 16

/* The decoded view of one frame. Pointers point into the frame and are valid
 * only as long as the frame is. Fields past `malformed` are meaningful only
 * when l3 is IPv4 or IPv6 (addresses, protocol) or when noted. */
struct pf_packet {
  uint32_t wire_len; /* what byte counters add: pcap len, or caplen when
                        len is past PF_WIRE_LEN_MAX */
  uint8_t l3;        /* enum pf_l3 */
  uint8_t l4;        /* enum pf_l4 */
  int8_t malformed;  /* enum pf_malformed */
  uint8_t kdir;      /* enum pf_kdir; set as soon as the link header is read */

  const uint8_t *eth_src; /* Ethernet source MAC, or NULL (not Ethernet) */

  uint8_t vlan_count;  /* VLAN tags seen */
  uint16_t vlan_outer; /* outermost VLAN id (0 when vlan_count == 0) */
  uint16_t vlan_inner; /* innermost VLAN id */

  uint8_t ip_proto;      /* PF_IPPROTO_*: IPv4 protocol / last IPv6 next hdr */
  uint8_t dscp;          /* DSCP from TOS / traffic class */
  bool fragment;         /* IPv4 MF or offset, or IPv6 fragment header */
  bool later_fragment;   /* non-first fragment: no transport header */
  const uint8_t *src_ip; /* 4 or 16 bytes, by l3 */
  const uint8_t *dst_ip;

  bool has_ports;    /* TCP, UDP and SCTP carry ports */
  uint16_t src_port; /* host order */
  uint16_t dst_port;
  uint8_t tcp_flags; /* PF_TCP_* of a TCP header, else 0 */
  /* A TCP header's length, options included (its data offset, checked
   * inside the datagram: 20 to 60), else 0: read once, by the decoder. */
  uint8_t tcp_hdr_len;

  /* The transport header, when one was validated (first fragments and
   * unfragmented TCP/UDP/ICMP/ICMPv6/SCTP/GRE): l4_len bytes are readable. */
  const uint8_t *l4_hdr;
  uint32_t l4_len;
  /* The transport header and payload as the IP header sizes them (not cut
   * by the snapshot length): TCP payload = l4_total_len - data offset. */
  uint32_t l4_total_len;
};

/* The validated transport header and what was captured after it, as a
 * window for the checked reader (empty when there is none). */
static inline struct pf_bytes pf_packet_l4(const struct pf_packet *pkt) {
  return pf_bytes_of(pkt->l4_hdr, pkt->l4_len);
}

/* Decodes one frame of libpcap link type `dlt` into *pkt. Always fills *pkt
 * with a complete outcome, so every frame can be counted. */
void pf_decode(int dlt, const uint8_t *frame, uint32_t caplen, uint32_t len,
               struct pf_packet *pkt);

/* pf_decode without its fast path for the common Ethernet frame
 * (decode_fast.c): what the fast path must agree with, byte for byte
 * (tests, the frame fuzzer). */
void pf_decode_general(int dlt, const uint8_t *frame, uint32_t caplen,
                       uint32_t len, struct pf_packet *pkt);

/* Whether pf_decode understands link type `dlt`. */
bool pf_dlt_supported(int dlt);

#endif
