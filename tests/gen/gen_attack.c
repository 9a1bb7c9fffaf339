/* gen_attack.c - the attack scenario: a SYN flood against one server port
 * from spoofed sources, a port scan of one host from one source, and a
 * little ordinary traffic, for the anomaly notifications. */
#include "gen_tcp.h"

#include <string.h>

#define FLOOD_SYNS 3000
#define SCAN_PORTS 1000
#define NORMAL_CONNS 20

static const uint8_t victim[4] = {198, 18, 0, 80};  /* flooded, port 80 */
static const uint8_t scanned[4] = {198, 18, 0, 90}; /* scanned */
static const uint8_t scanner[4] = {198, 19, 9, 9};

static void tcp_packet(struct gen *g, const uint8_t *src, const uint8_t *dst,
                       uint16_t sport, uint16_t dport, uint8_t flags,
                       bool inbound, uint64_t ts, const char *what) {
  struct ipspec s;

  memset(&s, 0, sizeof s);
  s.ver = 4;
  s.proto = 6;
  s.addr = inbound ? ADDR_RX : ADDR_TX;
  s.src = src;
  s.dst = dst;
  s.sport = sport;
  s.dport = dport;
  s.tcp_flags = flags;
  s.seq = gen_rng_range(&g->rng, 1, 0x7fffffff);
  s.ack = 1;
  s.fixed_pkttype = true;
  s.pkttype = inbound ? PT_HOST : PT_OUTGOING;
  GEN_ASSERT(gen_build_ip(g, &gen_enc_plain, &s, what));
  g->ts_us = ts;
  gen_emit(g, CAP_ALL, R_NONE);
}

void gen_scenario_attack(struct gen *g) {
  uint64_t t = g->ts_us;
  uint8_t src[4] = {198, 19, 0, 0};

  /* ordinary clients of the flooded server's other port, answered */
  for (int i = 0; i < NORMAL_CONNS; i++, t += 10000) {
    uint8_t cli[4] = {198, 19, 1, (uint8_t)(1 + i)};
    tcp_packet(g, cli, victim, (uint16_t)(50000 + i), 443, TCP_SYN, true, t,
               "attack_normal");
    tcp_packet(g, victim, cli, 443, (uint16_t)(50000 + i), TCP_SYN | TCP_ACK,
               false, t + 500, "attack_normal");
    tcp_packet(g, cli, victim, (uint16_t)(50000 + i), 443, TCP_ACK, true,
               t + 1000, "attack_normal");
  }
  /* the flood: one SYN from each spoofed source, none answered */
  for (int i = 0; i < FLOOD_SYNS; i++, t += 300) {
    src[2] = (uint8_t)(2 + i / 250);
    src[3] = (uint8_t)(1 + i % 250);
    tcp_packet(g, src, victim, (uint16_t)gen_rng_range(&g->rng, 1024, 65535),
               80, TCP_SYN, true, t, "attack_syn_flood");
  }
  /* the scan: a SYN to each port, refused with RST-ACK */
  for (int p = 1; p <= SCAN_PORTS; p++, t += 500) {
    tcp_packet(g, scanner, scanned, 61000, (uint16_t)p, TCP_SYN, true, t,
               "attack_port_scan");
    tcp_packet(g, scanned, scanner, (uint16_t)p, 61000, TCP_RST | TCP_ACK,
               false, t + 100, "attack_port_scan");
  }
}
