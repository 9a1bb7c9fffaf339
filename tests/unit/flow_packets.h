/* flow_packets.h - decoded packets for the flow, top-N, shard and report
 * tests, described in one struct and built with the frame builders. */
#ifndef PCAPFLOW_TESTS_UNIT_FLOW_PACKETS_H
#define PCAPFLOW_TESTS_UNIT_FLOW_PACKETS_H

#include <stdbool.h>
#include <stdint.h>

#include "flow/flow.h"
#include "frames.h"
#include "packet/decode.h"
#include "pcapflow/counters.h"

/* Packet time in microseconds from seconds. */
#define SEC(s) ((uint64_t)(s)*1000000u)

/* IP protocol numbers the tests use. */
enum {
  P_ICMP = 1,
  P_TCP = 6,
  P_UDP = 17,
  P_GRE = 47,
  P_ESP = 50,
  P_ICMPV6 = 58,
  P_SCTP = 132,
};

/* One Ethernet frame, described by what the flow code looks at. */
struct pkt {
  int family;               /* 4 (also when 0) or 6 */
  const uint8_t *src, *dst; /* NULL: v4_a/v4_b or v6_a/v6_b */
  uint8_t proto;            /* IP protocol number */
  uint16_t sport, dport;    /* TCP, UDP and SCTP */
  uint8_t flags;            /* TCP flags (PF_TCP_*) */
  uint8_t icmp_type;        /* ICMP or ICMPv6 type */
  uint16_t icmp_id;         /* ICMP echo identifier */
  int vlans;                /* VLAN tags: 0, 1 (outer) or 2 (outer, inner) */
  uint16_t vlan_outer, vlan_inner;
  bool first_fragment; /* more-fragments set, offset 0: ports present */
  bool later_fragment; /* offset > 0: no transport header */
  uint32_t payload;    /* bytes after the headers */
};

/* A TCP segment and a UDP datagram between the addresses and ports
 * given (NULL addresses: the defaults, as in struct pkt), IPv4. */
struct pkt pkt_tcp(const uint8_t *src, uint16_t sport, const uint8_t *dst,
                   uint16_t dport, uint8_t flags, uint32_t payload);
struct pkt pkt_udp(const uint8_t *src, uint16_t sport, const uint8_t *dst,
                   uint16_t dport, uint32_t payload);

/* The same conversation the other way round: addresses, ports and VLANs
 * kept, ICMP echo request <-> reply. Flags and payload are kept too. */
struct pkt pkt_reply(struct pkt p);

/* A TCP segment with `flags` from client n (198.19.n>>8.n, port 40000)
 * to the server 198.18.0.1:80; 4,096 clients, each address kept in a
 * static slot of its own. */
struct pkt pkt_tcp_client(uint32_t n, uint8_t flags);

/* Starts an Ethernet frame between the client v4_a (MAC mac_b, port
 * cport) and the server v4_b (mac_a, sport), from the client when
 * to_server, else from the server: IPv4, and TCP with PSH|ACK and sequence
 * number seq (0: the frame builder's) or, when !tcp, UDP. The caller adds
 * the payload and finishes the frame. */
void frame_conversation(struct frame *f, bool to_server, bool tcp,
                        uint16_t cport, uint16_t sport, uint32_t seq);

/* Builds the frame (link type Ethernet) and finishes it. */
void pkt_frame(struct frame *f, const struct pkt *p);
/* The frame's wire length. */
uint32_t pkt_len(const struct pkt *p);
/* Builds and decodes the frame; *out points into the returned buffer,
 * which the caller frees. The decode must give an IP packet. */
uint8_t *pkt_decode(const struct pkt *p, struct pf_packet *out);
/* pf_flow_key_of of the decoded packet. */
bool pkt_key(const struct pkt *p, struct pf_flow_key *key, uint8_t *side);
/* The entry of p's flow in t, which must hold it. */
struct pf_flow *pkt_flow(const struct pf_flow_table *t, const struct pkt *p);
/* Decodes and accounts one packet in the table at time now_us, and adds
 * its wire length to the flow's iv_bytes by side as the shard would. */
struct pf_flow_update pkt_feed(struct pf_flow_table *t, const struct pkt *p,
                               uint64_t now_us);

/* Timeouts with a different value per kind, so a test sees which applies:
 * tcp 50 s, closed 7 s, udp 30 s, icmp 20 s, other 40 s, active 600 s. */
extern const struct pf_flow_timeouts test_timeouts;

/* Asserts created - expired - evicted == the sum of active, that the sum
 * is pf_flow_table_count, and that the table's copies of its pools and
 * active timeout (ref_base, ref_size, active_units) match them. */
void expect_flow_identity(const struct pf_flow_table *t);

/* Writes a classic pcap file (host byte order, microseconds, Ethernet) of
 * `n` packets plus one ARP frame, which has no IP fields, one a second
 * from *next_ts on. */
void pkt_write_capture(const char *path, const struct pkt *pkts, unsigned n,
                       uint32_t *next_ts);

struct pf_shard;
struct pf_shard_config;

/* How a test hands a decoded packet to a shard: its direction, the
 * locality the capture would have given it, its time, and whether it is
 * queued (pf_shard_enqueue, as the capture thread does) or accounted at
 * once (pf_shard_packet). */
struct shard_hand {
  enum pf_dir dir;
  enum pf_locality locality;
  uint64_t ts;
  bool queue;
};

/* Decodes f with caplen bytes captured (frame_decode; f->len: all of it)
 * and hands it to s as `how` says. The frame's buffer is freed at once,
 * so the shard must not read it later. Returns the decoded packet with
 * its pointers cleared (they pointed into that buffer): its lengths,
 * classes and fields are left for the test to check. */
struct pf_packet shard_frame(struct pf_shard *s, const struct frame *f,
                             uint32_t caplen, struct shard_hand how);
/* The same for p's whole frame, whose decode must give an IP packet
 * (pkt_decode). */
struct pf_packet shard_pkt(struct pf_shard *s, const struct pkt *p,
                           struct shard_hand how);
/* A shard's configuration with test_timeouts, whole-address hosts and a
 * 3 s SYN timeout, every analysis but TCP's off. */
struct pf_shard_config
test_shard_config(uint32_t max_flows, uint32_t top_capacity, bool tcp_analysis);
/* Initialises s with cfg, or fails the test with pf_shard_init's
 * message. */
void test_shard_start(struct pf_shard *s, const struct pf_shard_config *cfg);
/* Initialises a shard with test_timeouts, whole-address hosts and a 3 s
 * SYN timeout, or fails the test. */
void test_shard_init(struct pf_shard *s, uint32_t max_flows,
                     uint32_t top_capacity, bool tcp_analysis);
/* The same with TCP timing (TcpTiming) on or off. */
void test_shard_init_timing(struct pf_shard *s, uint32_t max_flows,
                            uint32_t top_capacity, bool tcp_analysis,
                            bool tcp_timing);

#endif
