/* top_names.c - the bounded set of top-N keys that have a series name. */
#include "sketch/top_names.h"

#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "base/slots.h"

int pf_top_names_init(struct pf_top_names *n, uint32_t limit) {
  memset(n, 0, sizeof(*n));
  n->limit = limit;
  if (limit == 0)
    return 0;
  uint32_t slots = pf_slots_for_load_half(limit, 4);
  struct pf_slots_mem m;
  if (!slots || !pf_slots_alloc(&m, slots, sizeof(*n->keys), slots, 1))
    return -1;
  n->keys = m.slots;
  n->taken = m.items;
  n->mask = slots - 1;
  pf_hash_seed(n->seed);
  return 0;
}

void pf_top_names_free(struct pf_top_names *n) {
  pf_slots_free(n->keys, n->taken);
  n->keys = NULL;
  n->taken = NULL;
}

bool pf_top_names_admit(struct pf_top_names *n, const uint8_t *key,
                        uint32_t key_len) {
  if (n->limit == 0)
    return true;
  uint32_t s = (uint32_t)pf_hash_bytes(n->seed, key, key_len) & n->mask;
  while (n->taken[s]) {
    if (memcmp(n->keys[s], key, key_len) == 0)
      return true;
    s = (s + 1) & n->mask;
  }
  if (n->used == n->limit)
    return false;
  memcpy(n->keys[s], key, key_len);
  n->taken[s] = 1;
  n->used++;
  return true;
}
