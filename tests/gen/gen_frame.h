/* gen_frame.h - builds one frame layer by layer, remembering what the decoder
 * must conclude about it, and emits it. */
#ifndef PCAPFLOW_GEN_FRAME_H
#define PCAPFLOW_GEN_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gen_truth.h"
#include "gen_util.h"

enum link_kind {
  LK_ETHERNET,
  LK_SLL,
  LK_SLL2,
  LK_RAW,
  LK_NULL,
  LK_LOOP,
  LK_COUNT
};

struct link_info {
  const char *name;
  uint32_t linktype; /* as written in the file header */
  size_t hdr_len;
};

/* By enum link_kind. */
extern const struct link_info gen_link_infos[LK_COUNT];

#define ETH_IPV4 0x0800
#define ETH_ARP 0x0806
#define ETH_IPV6 0x86dd
#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88a8
#define ETH_VLAN_OLD 0x9100
#define ETH_MPLS 0x8847
#define ETH_MPLS_MC 0x8848
#define ETH_PPPOE_DISC 0x8863
#define ETH_PPPOE 0x8864
#define ETH_LLDP 0x88cc
#define ETH_IPX 0x8137
#define ETH_EXPERIMENTAL 0x88b5

/* Address choice of an IP packet, relative to the LocalNetworks of the test
 * configs (198.18.0.0/16, 2001:db8:1::/48). */
enum addr_kind { ADDR_RX, ADDR_TX, ADDR_BOTH, ADDR_NEITHER, ADDR_NONE };

/* SLL packet types; 4 (PACKET_OUTGOING) is the only one that means tx. */
#define PT_HOST 0
#define PT_BROADCAST 1
#define PT_MULTICAST 2
#define PT_OTHERHOST 3
#define PT_OUTGOING 4
#define PT_AUTO (-1)

#define FRAME_MAX 9216
#define POOL_SIZE 65536
#define CAP_ALL SIZE_MAX
#define MAX_TAGS 12
#define MAX_EXT 24

/* Layers between the link header and the network layer. */
struct encap {
  const char *name;
  int ntags;
  uint16_t tpid[MAX_TAGS];
  uint16_t vid[MAX_TAGS]; /* VLAN ids; 0: a random one */
  int nlabels;
  uint16_t mpls_type;
  bool pppoe;
};

/* No layer between the link header and the network layer. */
extern const struct encap gen_enc_plain;

struct frame {
  uint8_t b[FRAME_MAX];
  size_t n; /* bytes built so far; the wire length once finished */
  char label[80];
  int pkttype; /* SLL/SLL2 packet type written, -1 for other link types */
  size_t link_end, ip_off, ip_hlen, l4_off, pppoe_off, inner_off;
  int ip_ver;
  bool has_vlan, has_pppoe, udp_full, sctp_chunk, no_pad;
  /* The decoder must read up to need_end to classify the frame (a cut before
   * it is snaplen/truncated); hdr_end also covers what it may read but need
   * not (TCP options), so well-formed cut frames are cut at or after it. */
  size_t need_end, hdr_end;
  /* what the decoder must conclude if the frame is well-formed */
  enum pkt_class cls;
  enum l4_class l4;
  int addr;
  bool fragment, tcp_hdr;
  uint8_t tcp_flags;
};

struct gen {
  struct rng rng;
  enum link_kind link;
  bool live;
  struct writer out;
  FILE *labels;
  const char *labels_path;
  struct truth truth;
  uint64_t ts_us, frame_no;
  uint32_t claim_len; /* if > 0: the wire length the next record claims */
  uint32_t ts_min_step, ts_max_step;
  unsigned cycle_rx, cycle_tx, cycle_amb, cycle_v6fam, cycle_nonip_fam;
  uint8_t pool[POOL_SIZE]; /* random bytes to copy payloads from */
  struct frame f;
};

enum frag_kind { FR_NONE, FR_FIRST, FR_MIDDLE, FR_LAST, FR_ATOMIC };

/* Everything that varies between the IP packets the scenarios build. */
struct ipspec {
  int ver;       /* 4 or 6 */
  int addr;      /* enum addr_kind */
  uint8_t proto; /* the protocol after the last extension header */
  uint8_t tcp_flags;
  int tcp_opts; /* bytes of TCP options, multiple of 4 */
  int tcp_doff; /* overrides the data offset field when non-zero */
  int v4_opts;  /* bytes of IPv4 options, multiple of 4, at most 40 */
  int frag;     /* enum frag_kind; IPv6 needs a 44 in ext[] */
  int n_ext;
  uint8_t ext[MAX_EXT]; /* IPv6 extension headers in order */
  int payload;          /* bytes after the transport header */
  const uint8_t *data;  /* if set: the payload's bytes, else random ones */
  int payload_max; /* if > payload: a random size in [payload, payload_max] */
  int target_len;  /* if > 0: the frame is exactly this long */
  bool short_l4;   /* keep only l4_keep bytes of the transport header */
  int l4_keep;
  bool plen_zero;    /* IPv6 payload length 0: "up to the end of the frame" */
  uint16_t announce; /* link layer announces this instead (ip_version cases) */
  bool fixed_pkttype;
  int pkttype;
  const uint8_t *src, *dst; /* fixed addresses (flows), else random */
  uint16_t sport, dport;
  uint32_t seq, ack;
  bool zero_window; /* TCP window 0 instead of a random one */
  /* ICMP/ICMPv6: these type, code and identifier/sequence fields (for an
   * error, id and seq are the 4 unused bytes) instead of a random echo */
  bool icmp_set;
  uint8_t icmp_type, icmp_code;
  uint16_t icmp_id, icmp_seq;
};

/* --- gen_frame.c: the frame buffer, the link layer, non-IP frames, emitting */

/* Ethernet, SLL and SLL2 carry an EtherType, so VLAN, MPLS and PPPoE. */
bool gen_link_has_ethertype(const struct gen *g);

/* Append to the frame; network byte order. */
void gen_put(struct frame *f, const void *p, size_t n);
void gen_put8(struct frame *f, uint8_t v);
void gen_put16(struct frame *f, uint16_t v);
void gen_put32(struct frame *f, uint32_t v);
void gen_put_zero(struct frame *f, size_t n);
/* n bytes from the payload pool, at a random place. */
void gen_put_random(struct gen *g, struct frame *f, size_t n);
void gen_put_peer_mac(struct gen *g, struct frame *f);

/* Empties g->f for a new frame labelled "<encap>/<what>". */
void gen_frame_reset(struct gen *g, const struct encap *e, const char *what);
bool gen_addr_src_local(int addr);
bool gen_addr_dst_local(int addr);
void gen_frame_link(struct gen *g, const struct encap *e, uint16_t announce,
                    int addr, int pkttype, const uint8_t *dst_mac);

/* Non-IP frames: begin (link layer announcing `type`), add the payload with
 * gen_put*(), then gen_emit_non_ip() finishes the frame and emits it
 * well-formed. */
void gen_begin_non_ip(struct gen *g, const struct encap *e, uint16_t type,
                      const char *what, const uint8_t *dst);
/* An ARP request (op 1) or reply (op 2) body. */
void gen_put_arp(struct gen *g, uint16_t op);
void gen_emit_non_ip(struct gen *g);

void gen_emit(struct gen *g, size_t caplen, enum reason reason);

/* --- gen_frame_ip.c: the network and transport layers ------------------ */

/* An address of version `ver`, `fixed` if not NULL, else a random one: local
 * ones in 198.18.0.0/16 or 2001:db8:1::/48 (the LocalNetworks of the test
 * configs), remote ones in 198.19.0.0/16 or 2001:db8:2::/48: benchmarking
 * and documentation ranges that no real network uses. */
void gen_put_addr(struct gen *g, struct frame *f, int ver, bool local,
                  const uint8_t *fixed);
void gen_fix_ipv4_csum(struct frame *f);
void gen_frame_finish(struct gen *g);
bool gen_build_ip(struct gen *g, const struct encap *e, const struct ipspec *s,
                  const char *what);

/* Malformed cases rewrite one field of a built IPv4 header; the checksum is
 * fixed so that the intended fault is the only one. */
void gen_set_ihl(struct frame *f, int ihl);
void gen_set_v4_total(struct frame *f, size_t total);
/* One of 4 malformed IP packets (which % 4), labelled prefix + its name. */
void gen_emit_malformed(struct gen *g, unsigned which, int addr,
                        const char *prefix);

#endif
