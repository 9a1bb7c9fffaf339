/* known_seed.h - the hash seed of the test-only "known seed" builds: what an
 * attacker would have if the per-process random seed (src/base/hash.c) leaked.
 *
 * Only two things use it: pcapflow-gen's collide scenario, which searches
 * for flow keys that share one hash bucket under this seed, and the bench
 * binaries linked with known_seed.c. The plugin and pcapflow-replay never
 * see it: nothing in src/ or plugin/ includes this file. */
#ifndef PCAPFLOW_KNOWN_SEED_H
#define PCAPFLOW_KNOWN_SEED_H

#include <stdint.h>

#define PF_KNOWN_SEED_INIT                                                     \
  {0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL, 0xa4093822299f31d0ULL,       \
   0x082efa98ec4e6c89ULL}

#endif
