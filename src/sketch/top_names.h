/* top_names.h - which top-N keys have been given a series name. Once the
 * configured number of names is spent, new heavy hitters are reported in
 * "other", so the set of series never grows with the traffic. */
#ifndef PCAPFLOW_TOP_NAMES_H
#define PCAPFLOW_TOP_NAMES_H

#include <stdbool.h>
#include <stdint.h>

#include "sketch/topn.h"

struct pf_top_names {
  uint32_t limit; /* 0: every key may be named */
  uint32_t used, mask;
  uint8_t (*keys)[PF_TOPN_KEY_MAX];
  uint8_t *taken;
  uint64_t seed[4];
};

int pf_top_names_init(struct pf_top_names *n, uint32_t limit);
void pf_top_names_free(struct pf_top_names *n);

/* Whether key may be reported under its own name: it was named before,
 * or a name is still free (it is then taken for good). */
bool pf_top_names_admit(struct pf_top_names *n, const uint8_t *key,
                        uint32_t key_len);

#endif
