/* gen_coverage.h - the coverage and live scenarios: every rule of DECODING.md
 * that applies to the link type, each case several times. */
#ifndef PCAPFLOW_GEN_COVERAGE_H
#define PCAPFLOW_GEN_COVERAGE_H

#include <stdint.h>

#include "gen_frame.h"

/* `rounds` rounds of every case; g->live selects the live scenario. */
void gen_scenario_coverage(struct gen *g, uint64_t rounds);

/* --- shared by gen_coverage.c, gen_coverage_encap.c, gen_coverage_bad.c -- */

/* ADDR_RX, ADDR_TX, ADDR_BOTH, ADDR_NEITHER, for cases that cycle through them.
 */
extern const int gen_addr_kinds[4];

/* The well-formed VLAN/MPLS/PPPoE layers (gen_coverage_encap.c). Cases that
 * need one kind take it by index: 0 vlan, 1 qinq, 6 mpls2, 7 mpls3, 11 pppoe.
 */
extern const struct encap gen_encaps[];

struct named_spec {
  const char *name;
  struct ipspec s;
  int only_ver; /* 0: both versions */
};

#define EXT16 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60

/* Well-formed: in gen_coverage.c */
void gen_ip_all_dirs(struct gen *g, const struct encap *e, struct ipspec s,
                     const char *what, int reps);
void gen_cover_non_ip_encap(struct gen *g, const struct encap *e);

/* Well-formed, through every encapsulation: in gen_coverage_encap.c */
void gen_cover_encaps(struct gen *g);

/* One pass over every malformed case: in gen_coverage_bad.c */
void gen_cover_malformed(struct gen *g);

#endif
