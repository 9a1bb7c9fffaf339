/* fanout_hash.c - the fanout group's program (PACKET_FANOUT_CBPF): a hash
 * that is a symmetric function of the engine's flow key.
 *
 * Every frame of one flow, both directions, must reach one worker, or the
 * flow is counted by two (twice in flows_new, a DNS answer unmatched). The
 * engine's key (flow/flow_key.c, packet/decode.c) is the address pair, the
 * protocol, the port pair when the transport header was read, the echo
 * identifier and the VLAN ids. The program hashes a part of it, found as
 * the decoder finds it, so that frames with one key always get one value:
 *   - the address pair, summed (a sum does not care which is the source);
 *   - the protocol: IPv4's, or IPv6's last next header, reached as the
 *     decoder walks (hop-by-hop, routing, fragment, destination options,
 *     AH, at most PF_MAX_IPV6_EXT of them: one more and the decoder finds
 *     the frame malformed, with no flow);
 *   - for TCP, UDP and SCTP the port pair, summed, read where the decoder
 *     reads it: also in a FIRST fragment (offset 0), which has the ports
 *     and whose key is that of the unfragmented flow, so that a large DNS
 *     answer goes where its query went;
 *   - for a later fragment (offset not 0: no transport header, its key
 *     the address pair and protocol) nothing more;
 *   - for the rest nothing more; ICMP too: its echo identifier is in the
 *     key only when the snapshot captured it, which the kernel's whole
 *     frame cannot tell. The VLAN ids are left out: one key, one VLAN.
 * Frames of one flow that differ in extension headers reach the same
 * protocol and ports; the decoder reads no port the program cannot reach
 * (it takes no more headers than the program walks), so there is no
 * fallback that could split a flow.
 * IP is found as the decoder finds it: under VLAN tags left in the frame
 * (up to PF_MAX_VLAN_TAGS; the kernel takes a received frame's first tag
 * out), an MPLS stack (up to PF_MAX_MPLS_LABELS) or a PPPoE session
 * header. Anything else has no flow (the engine only counts it: any
 * worker is right) and goes by its MAC pair (pf_emit_no_flow).
 * A load past the frame's end ends the program with 0 (the kernel's rule):
 * the decoder finds such a frame malformed (it sees no more of the frame
 * than the kernel holds), so no flow is split by it. Where the frame
 * starts depends on its direction and device (pf_emit_kernel_start).
 *
 * The address sum goes through murmur3's finaliser with the source's key
 * added, then protocol and ports are added and the finaliser runs again:
 * the low bits, which `% workers` keeps, depend on every bit, and which
 * flows share a worker depends on the key, which a sender does not know. */
#include "source/fanout_hash.h"

#include "packet/decode.h"
#include "packet/proto.h"
#include "source/bpf_asm.h"

#include <linux/if_arp.h>
#include <linux/if_packet.h>

_Static_assert(PF_FANOUT_HASH_MAX == PF_ASM_MAX, "one room for the program");

/* Scratch memory M[]. */
enum { M_ADDR, M_PROTO, M_PORTS, M_TMP, M_OFF, M_LINK };

#define LD_W (BPF_LD | BPF_W | BPF_IND)
#define LD_H (BPF_LD | BPF_H | BPF_IND)
#define LD_B (BPF_LD | BPF_B | BPF_IND)
#define TAX (BPF_MISC | BPF_TAX)
#define TXA (BPF_MISC | BPF_TXA)
#define ADD_K (BPF_ALU | BPF_ADD | BPF_K)
#define ADD_X (BPF_ALU | BPF_ADD | BPF_X)
#define LD_MEM (BPF_LD | BPF_MEM)
#define LDX_MEM (BPF_LDX | BPF_MEM)

/* The blocks' entry points. Every block is entered with X at its header:
 * the loads read X + their offset (which base X counts from is the start's
 * choice: pf_emit_start). */
struct pf_fanout_labels {
  unsigned link, dispatch, mpls, pppoe, v4, v6, walk, transport, addr_only, zero;
};

/* A = what is at X + at (size: LD_W, LD_H or LD_B), X kept. */
static void pf_load(struct pf_asm *a, uint16_t size, uint32_t at) {
  pf_asm_op(a, size, at);
}

/* X += n, A kept. */
static void pf_advance(struct pf_asm *a, uint32_t n) {
  pf_asm_op(a, BPF_ST, M_TMP);
  pf_asm_op(a, TXA, 0);
  pf_asm_op(a, ADD_K, n);
  pf_asm_op(a, TAX, 0);
  pf_asm_op(a, LD_MEM, M_TMP);
}

/* if (A == k) goto label, at any distance. */
static void pf_if_goto(struct pf_asm *a, uint32_t k, unsigned label) {
  unsigned other = pf_asm_label(a);
  pf_asm_if(a, BPF_JEQ, k, PF_ASM_NEXT, other);
  pf_asm_goto(a, label);
  pf_asm_bind(a, other);
}

/* A = the EtherType, X at what it types: VLAN tags are stepped over, up
 * to the decoder's limit; then IPv4, IPv6, MPLS or PPPoE. */
static void pf_emit_link(struct pf_asm *a, const struct pf_fanout_labels *l) {
  pf_asm_bind(a, l->link);
  for (unsigned t = 0; t < PF_MAX_VLAN_TAGS; t++) {
    unsigned tag = pf_asm_label(a), next = pf_asm_label(a);
    pf_asm_if(a, BPF_JEQ, PF_ETHERTYPE_VLAN, tag, PF_ASM_NEXT);
    pf_asm_if(a, BPF_JEQ, PF_ETHERTYPE_QINQ, tag, PF_ASM_NEXT);
    pf_asm_if(a, BPF_JEQ, PF_ETHERTYPE_QINQ_OLD, tag, PF_ASM_NEXT);
    pf_asm_goto(a, l->dispatch);
    pf_asm_bind(a, tag);
    pf_load(a, LD_H, 2); /* the type this tag tags */
    pf_advance(a, 4);
    pf_asm_bind(a, next);
  }
  /* One more tag is one past the decoder's limit: no flow. */
  pf_asm_bind(a, l->dispatch);
  pf_if_goto(a, PF_ETHERTYPE_IPV4, l->v4);
  pf_if_goto(a, PF_ETHERTYPE_IPV6, l->v6);
  pf_asm_if(a, BPF_JEQ, PF_ETHERTYPE_MPLS, l->mpls, PF_ASM_NEXT);
  pf_asm_if(a, BPF_JEQ, PF_ETHERTYPE_MPLS_MC, l->mpls, PF_ASM_NEXT);
  pf_asm_if(a, BPF_JEQ, PF_ETHERTYPE_PPPOE_SESS, l->pppoe, PF_ASM_NEXT);
  pf_asm_goto(a, l->zero);
}

/* X at an MPLS stack: its labels up to the bottom one, then IP by its
 * version, as the decoder reads it. */
static void pf_emit_mpls(struct pf_asm *a, const struct pf_fanout_labels *l) {
  unsigned bottom = pf_asm_label(a);
  pf_asm_bind(a, l->mpls);
  for (unsigned i = 0; i < PF_MAX_MPLS_LABELS; i++) {
    unsigned more = pf_asm_label(a);
    pf_load(a, LD_B, 2); /* ... | bottom of stack (bit 0) */
    pf_advance(a, 4);
    pf_asm_if(a, BPF_JSET, 1, PF_ASM_NEXT, more);
    pf_asm_goto(a, bottom);
    pf_asm_bind(a, more);
  }
  pf_asm_goto(a, l->zero); /* deeper than the decoder goes */
  pf_asm_bind(a, bottom);
  pf_load(a, LD_B, 0);
  pf_asm_op(a, BPF_ALU | BPF_RSH | BPF_K, 4);
  pf_if_goto(a, PF_IP_VERSION_4, l->v4);
  pf_if_goto(a, PF_IP_VERSION_6, l->v6);
  pf_asm_goto(a, l->zero);
}

/* X at a PPPoE session header: IP after its PPP protocol. */
static void pf_emit_pppoe(struct pf_asm *a, const struct pf_fanout_labels *l) {
  pf_asm_bind(a, l->pppoe);
  pf_load(a, LD_H, 6);
  pf_advance(a, 8);
  pf_if_goto(a, PF_PPP_IPV4, l->v4);
  pf_if_goto(a, PF_PPP_IPV6, l->v6);
  pf_asm_goto(a, l->zero);
}

/* M_ADDR += the word at X + at; X kept (in M_OFF). */
static void pf_add_word(struct pf_asm *a, uint32_t at) {
  pf_load(a, LD_W, at);
  pf_asm_op(a, LDX_MEM, M_ADDR);
  pf_asm_op(a, ADD_X, 0);
  pf_asm_op(a, BPF_ST, M_ADDR);
  pf_asm_op(a, LDX_MEM, M_OFF);
}

/* X at an IPv4 header: the address sum and the protocol; a later fragment
 * has nothing more, the rest go on to the transport with X at it. */
static void pf_emit_ipv4(struct pf_asm *a, const struct pf_fanout_labels *l) {
  unsigned first = pf_asm_label(a);
  pf_asm_bind(a, l->v4);
  pf_asm_op(a, BPF_STX, M_OFF);
  pf_load(a, LD_W, 12);
  pf_asm_op(a, BPF_ST, M_ADDR);
  pf_add_word(a, 16);
  pf_load(a, LD_B, 9);
  pf_asm_op(a, BPF_ST, M_PROTO);
  pf_load(a, LD_H, 6);
  pf_asm_if(a, BPF_JSET, 0x1fff, PF_ASM_NEXT, first); /* offset != 0 */
  pf_asm_goto(a, l->addr_only);
  pf_asm_bind(a, first);
  pf_load(a, LD_B, 0);
  pf_asm_op(a, BPF_ALU | BPF_AND | BPF_K, 0xf);
  pf_asm_op(a, BPF_ALU | BPF_LSH | BPF_K, 2); /* the header's length */
  pf_asm_op(a, ADD_X, 0);
  pf_asm_op(a, TAX, 0);
  pf_asm_op(a, LD_MEM, M_PROTO);
  pf_asm_goto(a, l->transport);
}

/* X at an IPv6 header: the sum of the eight address words, then the walk
 * with A = the first next header and X at it. */
static void pf_emit_ipv6(struct pf_asm *a, const struct pf_fanout_labels *l) {
  pf_asm_bind(a, l->v6);
  pf_asm_op(a, BPF_STX, M_OFF);
  pf_load(a, LD_W, 8);
  pf_asm_op(a, BPF_ST, M_ADDR);
  for (uint32_t w = 1; w < 8; w++)
    pf_add_word(a, 8 + 4 * w);
  pf_load(a, LD_B, 6);
  pf_advance(a, 40);
  pf_asm_goto(a, l->walk);
}

/* An extension header at X whose length is (byte 1 + add) << shift: A =
 * its next header, X past it. */
static void pf_emit_skip(struct pf_asm *a, uint32_t add,
                         uint32_t shift) {
  pf_load(a, LD_B, 0);
  pf_asm_op(a, BPF_ST, M_TMP);
  pf_load(a, LD_B, 1);
  pf_asm_op(a, ADD_K, add);
  pf_asm_op(a, BPF_ALU | BPF_LSH | BPF_K, shift);
  pf_asm_op(a, ADD_X, 0);
  pf_asm_op(a, TAX, 0);
  pf_asm_op(a, LD_MEM, M_TMP);
}

/* The decoder's walk over IPv6 extension headers, unrolled (classic BPF
 * has no loop): A = a next header, X at it. */
static void pf_emit_ipv6_walk(struct pf_asm *a,
                              const struct pf_fanout_labels *l) {
  unsigned step = l->walk, later = pf_asm_label(a);
  for (unsigned i = 0; i < PF_MAX_IPV6_EXT; i++) {
    unsigned plain = pf_asm_label(a), ah = pf_asm_label(a),
             frag = pf_asm_label(a), first = pf_asm_label(a),
             next = pf_asm_label(a);
    pf_asm_bind(a, step);
    pf_asm_if(a, BPF_JEQ, PF_IPPROTO_FRAGMENT, frag, PF_ASM_NEXT);
    pf_asm_if(a, BPF_JEQ, PF_IPPROTO_AH, ah, PF_ASM_NEXT);
    pf_asm_if(a, BPF_JEQ, PF_IPPROTO_HOPOPTS, plain, PF_ASM_NEXT);
    pf_asm_if(a, BPF_JEQ, PF_IPPROTO_ROUTING, plain, PF_ASM_NEXT);
    pf_asm_if(a, BPF_JEQ, PF_IPPROTO_DSTOPTS, plain, PF_ASM_NEXT);
    pf_asm_goto(a, l->transport);
    pf_asm_bind(a, plain);
    pf_emit_skip(a, 1, 3); /* (len + 1) * 8 */
    pf_asm_goto(a, next);
    pf_asm_bind(a, ah);
    pf_emit_skip(a, 2, 2); /* (len + 2) * 4 */
    pf_asm_goto(a, next);
    pf_asm_bind(a, frag);
    pf_load(a, LD_H, 2);
    pf_asm_if(a, BPF_JSET, 0xfff8, PF_ASM_NEXT, first); /* offset != 0 */
    pf_asm_goto(a, later);
    pf_asm_bind(a, first);
    pf_load(a, LD_B, 0);
    pf_advance(a, 8);
    step = next;
  }
  /* One header more is malformed to the decoder, no flow: the transport
   * below hashes the addresses. */
  pf_asm_bind(a, step);
  pf_asm_goto(a, l->transport);
  /* A later fragment: its protocol is the fragment header's next header,
   * as in the decoder. */
  pf_asm_bind(a, later);
  pf_load(a, LD_B, 0);
  pf_asm_op(a, BPF_ST, M_PROTO);
  pf_asm_goto(a, l->addr_only);
}

/* A = murmur3's 32-bit finaliser of A. */
static void pf_emit_fmix(struct pf_asm *a) {
  static const uint32_t shift[3] = {16, 13, 16};
  static const uint32_t mul[2] = {0x85ebca6bu, 0xc2b2ae35u};
  for (unsigned i = 0; i < 3; i++) {
    pf_asm_op(a, BPF_ST, M_TMP);
    pf_asm_op(a, BPF_ALU | BPF_RSH | BPF_K, shift[i]);
    pf_asm_op(a, TAX, 0);
    pf_asm_op(a, LD_MEM, M_TMP);
    pf_asm_op(a, BPF_ALU | BPF_XOR | BPF_X, 0);
    if (i < 2)
      pf_asm_op(a, BPF_ALU | BPF_MUL | BPF_K, mul[i]);
  }
}

/* A = the protocol, X at its header: the port sum for TCP, UDP and SCTP,
 * 0 for the rest; then the mix of the keyed address sum, protocol and
 * ports. */
static void pf_emit_transport(struct pf_asm *a,
                              const struct pf_fanout_labels *l, uint32_t key) {
  unsigned ports = pf_asm_label(a), mix = pf_asm_label(a);
  pf_asm_bind(a, l->transport);
  pf_asm_op(a, BPF_ST, M_PROTO);
  pf_asm_if(a, BPF_JEQ, PF_IPPROTO_TCP, ports, PF_ASM_NEXT);
  pf_asm_if(a, BPF_JEQ, PF_IPPROTO_UDP, ports, PF_ASM_NEXT);
  pf_asm_if(a, BPF_JEQ, PF_IPPROTO_SCTP, ports, l->addr_only);
  pf_asm_bind(a, ports);
  pf_load(a, LD_W, 0); /* source port << 16 | destination port */
  pf_asm_op(a, BPF_ST, M_PORTS);
  pf_asm_op(a, BPF_ALU | BPF_RSH | BPF_K, 16);
  pf_asm_op(a, TAX, 0);
  pf_asm_op(a, LD_MEM, M_PORTS);
  pf_asm_op(a, BPF_ALU | BPF_AND | BPF_K, 0xffff);
  pf_asm_op(a, ADD_X, 0);
  pf_asm_op(a, BPF_ST, M_PORTS);
  pf_asm_goto(a, mix);
  pf_asm_bind(a, l->addr_only);
  pf_asm_op(a, BPF_LD | BPF_IMM, 0);
  pf_asm_op(a, BPF_ST, M_PORTS);
  pf_asm_bind(a, mix);
  /* The address sum and the key through the finaliser first: which
   * addresses land together is then the key's secret, not a sum's. */
  pf_asm_op(a, LD_MEM, M_ADDR);
  pf_asm_op(a, ADD_K, key);
  pf_emit_fmix(a);
  pf_asm_op(a, BPF_ST, M_ADDR);
  /* X = protocol << 17 + port sum (under 2^17): the two do not overlap. */
  pf_asm_op(a, BPF_LDX | BPF_MEM, M_PORTS);
  pf_asm_op(a, LD_MEM, M_PROTO);
  pf_asm_op(a, BPF_ALU | BPF_LSH | BPF_K, 17);
  pf_asm_op(a, ADD_X, 0);
  pf_asm_op(a, TAX, 0);
  pf_asm_op(a, LD_MEM, M_ADDR);
  pf_asm_op(a, ADD_X, 0);
  pf_emit_fmix(a);
  pf_asm_op(a, BPF_RET | BPF_A, 0);
}

/* M_ADDR += the word or half-word at X + at; X kept (in M_LINK). */
static void pf_add_mac_part(struct pf_asm *a, uint16_t size, uint32_t at) {
  pf_load(a, size, at);
  pf_asm_op(a, LDX_MEM, M_ADDR);
  pf_asm_op(a, ADD_X, 0);
  pf_asm_op(a, BPF_ST, M_ADDR);
  pf_asm_op(a, LDX_MEM, M_LINK);
}

/* A frame with no flow (not IP, or deeper than the decoder goes): any
 * worker is right for it (the engine only counts it), so it goes by its
 * MAC pair, summed (either direction alike) and keyed, which spreads an
 * ARP or other layer-2 storm instead of piling it on the first worker. A
 * frame with no link header reads what is there instead (the same bytes
 * for the same frame). */
static void pf_emit_no_flow(struct pf_asm *a, const struct pf_fanout_labels *l,
                            uint32_t key) {
  pf_asm_bind(a, l->zero);
  pf_asm_op(a, LDX_MEM, M_LINK);
  pf_load(a, LD_H, 0); /* destination's first 16 bits */
  pf_asm_op(a, BPF_ST, M_ADDR);
  pf_add_mac_part(a, LD_W, 2);  /* destination's last 32 */
  pf_add_mac_part(a, LD_H, 6);  /* source's first 16 */
  pf_add_mac_part(a, LD_W, 8);  /* source's last 32 */
  pf_asm_op(a, LD_MEM, M_ADDR);
  pf_asm_op(a, ADD_K, key);
  pf_emit_fmix(a);
  pf_asm_op(a, BPF_RET | BPF_A, 0);
}

/* A = the EtherType at `type`, X = `header` (what the type types);
 * M_LINK = `link`, where the MAC addresses are (pf_emit_no_flow). */
static void pf_emit_start(struct pf_asm *a, const struct pf_fanout_labels *l,
                          uint32_t link, uint32_t type, uint32_t header) {
  pf_asm_op(a, BPF_LDX | BPF_IMM, link);
  pf_asm_op(a, BPF_STX, M_LINK);
  pf_asm_op(a, BPF_LD | BPF_H | BPF_ABS, type);
  pf_asm_op(a, BPF_LDX | BPF_IMM, header);
  pf_asm_goto(a, l->link);
}

/* A = the EtherType, X at what it types, as the kernel hands the frame to
 * the group (packet_rcv_fanout, before any header is pushed back):
 *   - received: skb->data is the network header, skb->protocol its type
 *     (a first VLAN tag taken out by skb_vlan_untag; a second one left in
 *     the frame, with the protocol saying so and X at its TCI);
 *   - sent by an Ethernet device (ARPHRD_ETHER, and the loopback, which
 *     has an Ethernet header too): skb->data is the link header
 *     (dev_queue_xmit_nit), and a VLAN tag put in by software (no tx-vlan
 *     offload) is in the frame but not in the network header's offset,
 *     so the frame is read from its first byte, as in user space;
 *   - sent by any other device: the network header (SKF_NET_OFF in X:
 *     the loads add it, and a negative offset reads relative to it).
 * The first two load at offsets from skb->data, which the kernel reads
 * from a nonlinear skb too (skb_copy_bits) on every kernel; SKF_NET_OFF
 * reads only the linear head on kernels without upstream's "support
 * SKF_NET_OFF and SKF_LL_OFF on skb frags" (v6.15 and its stable
 * backports). */
static void pf_emit_kernel_start(struct pf_asm *a,
                                 const struct pf_fanout_labels *l) {
  unsigned sent = pf_asm_label(a), ethernet = pf_asm_label(a),
           other = pf_asm_label(a);
  pf_asm_op(a, BPF_LD | BPF_W | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE));
  pf_asm_if(a, BPF_JEQ, PACKET_OUTGOING, sent, PF_ASM_NEXT);
  pf_emit_start(a, l, (uint32_t)SKF_LL_OFF,
                (uint32_t)(SKF_AD_OFF + SKF_AD_PROTOCOL), 0);
  pf_asm_bind(a, sent);
  pf_asm_op(a, BPF_LD | BPF_W | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_HATYPE));
  pf_asm_if(a, BPF_JEQ, ARPHRD_ETHER, ethernet, PF_ASM_NEXT);
  pf_asm_if(a, BPF_JEQ, ARPHRD_LOOPBACK, ethernet, other);
  pf_asm_bind(a, ethernet);
  pf_emit_start(a, l, 0, 12, 14);
  pf_asm_bind(a, other);
  pf_emit_start(a, l, (uint32_t)SKF_LL_OFF,
                (uint32_t)(SKF_AD_OFF + SKF_AD_PROTOCOL),
                (uint32_t)SKF_NET_OFF);
}

unsigned pf_fanout_hash_program(enum pf_fanout_base base, uint32_t key,
                                struct sock_filter *out) {
  struct pf_asm a = {.ins = out}; /* about 6 KiB, once a worker opens */
  struct pf_fanout_labels l = {.link = pf_asm_label(&a),
                               .dispatch = pf_asm_label(&a),
                               .mpls = pf_asm_label(&a),
                               .pppoe = pf_asm_label(&a),
                               .v4 = pf_asm_label(&a),
                               .v6 = pf_asm_label(&a),
                               .walk = pf_asm_label(&a),
                               .transport = pf_asm_label(&a),
                               .addr_only = pf_asm_label(&a),
                               .zero = pf_asm_label(&a)};
  if (base == PF_FANOUT_IN_KERNEL)
    pf_emit_kernel_start(&a, &l);
  else
    pf_emit_start(&a, &l, 0, 12, 14); /* an Ethernet frame from byte 0 */
  pf_emit_link(&a, &l);
  pf_emit_mpls(&a, &l);
  pf_emit_pppoe(&a, &l);
  pf_emit_ipv4(&a, &l);
  pf_emit_ipv6(&a, &l);
  pf_emit_ipv6_walk(&a, &l);
  pf_emit_transport(&a, &l, key);
  pf_emit_no_flow(&a, &l, key);
  return pf_asm_finish(&a);
}
