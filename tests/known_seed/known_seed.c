/* known_seed.c - replaces the engine's random hash seed with the one in
 * known_seed.h, for benchmarks of what colliding keys cost an attacker who
 * knows the seed. Linked only into test binaries, with
 * -Wl,--wrap=pf_hash_seed: the linker sends every call the engine makes to
 * pf_hash_seed here, so src/base/hash.c needs no test hook of its own and the
 * production builds cannot be switched to a fixed seed. */
#include <stdint.h>
#include <string.h>

#include "known_seed.h"

void __wrap_pf_hash_seed(uint64_t seed[4]);

void __wrap_pf_hash_seed(uint64_t seed[4]) {
  static const uint64_t known[4] = PF_KNOWN_SEED_INIT;
  memcpy(seed, known, sizeof(known));
}
