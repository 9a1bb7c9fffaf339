/* tls_names.c - a shard's bounded table of TLS server names (tls_names.h):
 * open addressing over twice as many slots as names, so a probe is short. */
#include "shard/tls_names.h"

#include "base/check.h"
#include "base/err.h"
#include "base/hash.h"
#include "base/slots.h"

#include <string.h>

int pf_tls_names_init(struct pf_tls_names *t, uint32_t limit, char *err,
                      size_t errlen) {
  memset(t, 0, sizeof(*t));
  t->limit = limit ? limit : PF_TLS_NAMES_UNLIMITED;
  uint32_t slots = pf_slots_for_load_half(t->limit, 4);
  struct pf_slots_mem m;
  if (!slots ||
      !pf_slots_alloc(&m, slots, sizeof(*t->slot), t->limit, sizeof(*t->names)))
    return pf_err(err, errlen, "out of memory for %u TLS server names", limit);
  t->slot = m.slots;
  t->names = m.items;
  t->mask = slots - 1;
  pf_hash_seed(t->seed);
  return 0;
}

void pf_tls_names_free(struct pf_tls_names *t) {
  pf_slots_free(t->slot, t->names);
  t->slot = NULL;
  t->names = NULL;
}

uint32_t pf_tls_names_intern(struct pf_tls_names *t, const char *text,
                             uint32_t len) {
  struct pf_tls_name_key key;
  memset(&key, 0, sizeof(key));
  key.len = (uint8_t)(len < sizeof(key.text) ? len : sizeof(key.text));
  memcpy(key.text, text, key.len);
  uint32_t s = (uint32_t)pf_hash_bytes(t->seed, &key, sizeof(key)) & t->mask;
  /* At most `limit` of the 2 x limit slots are taken: the walk ends. */
  for (; t->slot[s]; s = (s + 1) & t->mask) {
    uint32_t i = t->slot[s] - 1;
    if (memcmp(&t->names[i], &key, sizeof(key)) == 0)
      return i;
  }
  if (t->used == t->limit) {
    t->full++;
    return PF_TLS_NAME_OTHER;
  }
  PF_ASSERT(t->used < t->limit);
  t->names[t->used] = key;
  t->slot[s] = ++t->used;
  return t->used - 1;
}
