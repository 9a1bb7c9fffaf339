/* gen_flood.c - the synflood scenario: SYNs from random spoofed sources
 * (one in ten over IPv6) to one local server, as an attacker would send to
 * fill a flow table. Sources stay in the remote test ranges (198.19.0.0/16,
 * 2001:db8:2::/48); source ports are random too. */
#include "gen_flood.h"

#include <string.h>

void gen_scenario_synflood(struct gen *g, uint64_t packets)
{
  /* the victim: one fixed local address per IP version */
  static const uint8_t victim4[4] = {198, 18, 0, 80};
  static const uint8_t victim6[16] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80};
  struct ipspec s;

  for (uint64_t done = 0; done < packets; done++) {
    memset(&s, 0, sizeof s);
    s.ver = gen_rng_below(&g->rng, 10) == 0 ? 6 : 4;
    s.addr = ADDR_RX;
    s.proto = 6;
    s.tcp_flags = TCP_SYN;
    s.tcp_opts = 4; /* MSS only, as flood tools send */
    s.src = NULL;   /* a random remote address for every packet */
    s.dst = s.ver == 4 ? victim4 : victim6;
    s.sport = (uint16_t)gen_rng_range(&g->rng, 1024, 65535);
    s.dport = 80;
    s.seq = (uint32_t)gen_rng_next(&g->rng);
    gen_build_ip(g, &gen_enc_plain, &s, "synflood_syn");
    gen_emit(g, CAP_ALL, R_NONE);
  }
}
