/* gen_collide.c - the collide scenario: what an attacker who knew the hash seed
 * would send, flow keys that all share one bucket of the flow table, for the
 * hardening test and bench/collide.sh. */
#include "gen_collide.h"

#include <stdlib.h>
#include <string.h>

#include "base/hash.h" /* the engine's own hash */
#include "flow/flow.h" /* and its key layout */
#include "gen_model.h"
#include "known_seed.h"

/* The whole capture spans this much packet time: no flow times out. */
#define COLLIDE_SPAN_US 10000000ULL

static const uint8_t server[4] = {198, 18, 0, 53};

/* The candidate keys: 65536 sources of 198.19.0.0/16 times 64512 ports. */
#define CANDIDATES (65536ULL * 64512ULL)

static void candidate(uint64_t c, uint8_t addr[4], uint16_t *sport) {
  addr[0] = 198;
  addr[1] = 19;
  addr[2] = (uint8_t)(c >> 8);
  addr[3] = (uint8_t)c;
  *sport = (uint16_t)(1024 + (c >> 16));
}

/* The compact key src/flow/flow_key.c builds and hashes for a datagram
 * from addr:sport to the server: the server sorts lower (198.18 < 198.19),
 * so it is side 0. */
static void engine_key(struct pf_key4 *k, const uint8_t addr[4],
                       uint16_t sport) {
  memset(k, 0, sizeof *k);
  memcpy(k->addr[0], server, 4);
  memcpy(k->addr[1], addr, 4);
  k->port[0] = 53;
  k->port[1] = sport;
  k->proto = 17;
}

void gen_scenario_collide(struct gen *g, uint64_t packets, uint32_t keys,
                          bool counts) {
  static const uint64_t seed[4] = PF_KNOWN_SEED_INIT;
  const uint32_t mask = COLLIDE_TABLE_BUCKETS - 1;
  uint8_t(*addr)[4] = calloc(keys, sizeof *addr);
  uint16_t *sport = calloc(keys, sizeof *sport);
  struct pf_key4 k;
  uint32_t target = 0, found = 0;
  uint64_t c = gen_rng_next(&g->rng) % CANDIDATES;

  if (addr == NULL || sport == NULL)
    gen_die("out of memory for %u keys", keys);
  /* About COLLIDE_TABLE_BUCKETS hashes per key found: the search dominates
   * the run time (seconds per thousand keys). */
  for (uint64_t tried = 0; found < keys; tried++, c = (c + 1) % CANDIDATES) {
    GEN_ASSERT(tried < CANDIDATES);
    candidate(c, addr[found], &sport[found]);
    engine_key(&k, addr[found], sport[found]);
    uint32_t bucket = (uint32_t)pf_hash_bytes(seed, &k, sizeof k) & mask;
    if (found == 0)
      target = bucket;
    if (bucket == target)
      found++;
  }

  uint64_t start = g->ts_us;
  struct model m;

  gen_model_init(&m, false);
  for (uint64_t n = 0; n < packets; n++) {
    uint32_t i = (uint32_t)(n % keys);
    struct ipspec s;
    struct mpkt mp;

    memset(&s, 0, sizeof s);
    s.ver = 4;
    s.proto = 17;
    s.addr = ADDR_RX;
    s.src = addr[i];
    s.dst = server;
    s.sport = sport[i];
    s.dport = 53;
    s.payload = 18; /* on Ethernet a 60-byte frame, the smallest one */
    s.fixed_pkttype = true;
    s.pkttype = PT_HOST;
    GEN_ASSERT(gen_build_ip(g, &gen_enc_plain, &s, "collide_udp"));
    g->ts_us = start + n * COLLIDE_SPAN_US / packets;

    gen_model_mpkt(&s, &gen_enc_plain, g->ts_us, (uint32_t)g->f.n, -1, &mp);
    gen_model_packet(&m, &mp);
    gen_emit(g, CAP_ALL, R_NONE);
  }
  gen_model_finish(&m);
  GEN_ASSERT(m.expired == 0);
  gen_model_lines(&m, &g->truth, false, counts);
  gen_model_free(&m);
  free(addr);
  free(sport);
}
