/* proto.h - the numbers the engine decides by, named: IP protocol numbers
 * and IPv6 extension headers (IANA "Assigned Internet Protocol Numbers"),
 * EtherTypes (IEEE), PPP protocols (RFC 1332, RFC 5072), the address
 * families of BSD loopback headers, Linux packet types and ICMP echo types.
 * No literal of these stands anywhere else in the engine. */
#ifndef PCAPFLOW_PACKET_PROTO_H
#define PCAPFLOW_PACKET_PROTO_H

/* ---- IP protocol numbers (IPv4 protocol, IPv6 next header) ---- */

#define PF_IPPROTO_HOPOPTS 0 /* IPv6 hop-by-hop options */
#define PF_IPPROTO_ICMP 1
#define PF_IPPROTO_TCP 6
#define PF_IPPROTO_UDP 17
#define PF_IPPROTO_ROUTING 43  /* IPv6 routing header */
#define PF_IPPROTO_FRAGMENT 44 /* IPv6 fragment header */
#define PF_IPPROTO_GRE 47
#define PF_IPPROTO_AH 51 /* authentication header */
#define PF_IPPROTO_ICMPV6 58
#define PF_IPPROTO_DSTOPTS 60 /* IPv6 destination options */
#define PF_IPPROTO_SCTP 132

/* ---- IP versions (the first nibble of every IP header) ---- */

#define PF_IP_VERSION_4 4
#define PF_IP_VERSION_6 6

/* ---- EtherTypes ---- */

#define PF_ETHERTYPE_IPV4 0x0800
#define PF_ETHERTYPE_IPV6 0x86dd
#define PF_ETHERTYPE_VLAN 0x8100       /* 802.1Q customer tag */
#define PF_ETHERTYPE_QINQ 0x88a8       /* 802.1ad service tag */
#define PF_ETHERTYPE_QINQ_OLD 0x9100   /* pre-802.1ad double tagging */
#define PF_ETHERTYPE_MPLS 0x8847       /* MPLS unicast */
#define PF_ETHERTYPE_MPLS_MC 0x8848    /* MPLS multicast */
#define PF_ETHERTYPE_PPPOE_SESS 0x8864 /* PPPoE session stage */

/* ---- PPP protocols (after a PPPoE session header) ---- */

#define PF_PPP_IPV4 0x0021
#define PF_PPP_IPV6 0x0057

/* ---- address families of DLT_NULL / DLT_LOOP headers ---- */

#define PF_LOOP_AF_INET 2 /* every BSD and Linux */
#define PF_LOOP_AF_INET6_LINUX 10
#define PF_LOOP_AF_INET6_BSD 24 /* NetBSD, OpenBSD, BSD/OS */
#define PF_LOOP_AF_INET6_FREEBSD 28
#define PF_LOOP_AF_INET6_DARWIN 30

/* ---- Linux packet types (SLL and SLL2 headers) ---- */

#define PF_PACKET_OUTGOING 4 /* sent by this host */

/* ---- ICMP message types that pair a request with its answer ---- */

#define PF_ICMP_ECHO_REPLY 0
#define PF_ICMP_ECHO_REQUEST 8
#define PF_ICMPV6_ECHO_REQUEST 128
#define PF_ICMPV6_ECHO_REPLY 129

#endif
