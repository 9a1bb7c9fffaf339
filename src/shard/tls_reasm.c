/* tls_reasm.c - a shard's TLS hellos held across segments, in sets by key
 * (tls_reasm.h). */
#include "shard/tls_reasm.h"

#include "base/check.h"
#include "base/err.h"

#include <stdlib.h>
#include <string.h>

PF_STATIC_ASSERT(sizeof(struct pf_tls_reasm_entry) == 48,
                 "a held hello's state is 48 bytes");
PF_STATIC_ASSERT(PF_TLS_REASM_SLOTS % PF_TLS_REASM_WAYS == 0 &&
                     ((PF_TLS_REASM_SLOTS / PF_TLS_REASM_WAYS) &
                      (PF_TLS_REASM_SLOTS / PF_TLS_REASM_WAYS - 1)) == 0,
                 "a power of two of sets");
PF_STATIC_ASSERT(PF_TLS_REASM_BYTES <= UINT16_MAX, "len and want fit");

int pf_tls_reasm_init(struct pf_tls_reasm *r, char *err, size_t errlen) {
  memset(r, 0, sizeof(*r));
  r->slots = calloc(PF_TLS_REASM_SLOTS, sizeof(*r->slots));
  r->bytes = malloc((size_t)PF_TLS_REASM_SLOTS * PF_TLS_REASM_BYTES);
  if (!r->slots || !r->bytes) {
    pf_tls_reasm_free(r);
    return pf_err(err, errlen, "out of memory for the TLS hellos in flight");
  }
  return 0;
}

void pf_tls_reasm_free(struct pf_tls_reasm *r) {
  free(r->slots);
  free(r->bytes);
  r->slots = NULL;
  r->bytes = NULL;
}

/* The first entry of key's set. The key's low bit is the side: both
 * directions of a flow share a set. */
static struct pf_tls_reasm_entry *pf_tls_reasm_set(const struct pf_tls_reasm *r,
                                                   uint64_t key) {
  uint64_t sets = PF_TLS_REASM_SLOTS / PF_TLS_REASM_WAYS;
  return &r->slots[((key >> 1) & (sets - 1)) * PF_TLS_REASM_WAYS];
}

struct pf_tls_reasm_entry *pf_tls_reasm_find(const struct pf_tls_reasm *r,
                                             uint64_t key) {
  struct pf_tls_reasm_entry *set = pf_tls_reasm_set(r, key);
  for (unsigned i = 0; i < PF_TLS_REASM_WAYS; i++)
    if (set[i].key == key)
      return &set[i];
  return NULL;
}

struct pf_tls_reasm_entry *pf_tls_reasm_claim(const struct pf_tls_reasm *r,
                                              uint64_t key) {
  struct pf_tls_reasm_entry *set = pf_tls_reasm_set(r, key), *v = set;
  for (unsigned i = 0; i < PF_TLS_REASM_WAYS; i++) {
    if (set[i].key == 0)
      return &set[i];
    if (set[i].last_us < v->last_us)
      v = &set[i];
  }
  return v;
}

void pf_tls_reasm_hold(struct pf_tls_reasm *r, struct pf_tls_reasm_entry *e,
                       uint64_t key, uint64_t now_us) {
  PF_ASSERT(e->key == 0 && key != 0);
  *e = (struct pf_tls_reasm_entry){.key = key, .last_us = now_us};
  if (r->held++ == 0 || now_us < r->oldest_us)
    r->oldest_us = now_us;
  r->filter |= 1ull << pf_tls_reasm_bit(key);
}

/* The filter again from the held keys: a bit may be another's too. */
void pf_tls_reasm_release(struct pf_tls_reasm *r,
                          struct pf_tls_reasm_entry *e) {
  PF_ASSERT(e->key != 0 && r->held > 0);
  e->key = 0;
  r->held--;
  r->filter = 0;
  for (unsigned i = 0; r->held && i < PF_TLS_REASM_SLOTS; i++)
    if (r->slots[i].key)
      r->filter |= 1ull << pf_tls_reasm_bit(r->slots[i].key);
}

struct pf_tls_reasm_entry *pf_tls_reasm_stale(struct pf_tls_reasm *r,
                                              uint64_t now_us) {
  if (r->held == 0 || pf_tls_reasm_live(r->oldest_us, now_us))
    return NULL;
  uint64_t oldest = UINT64_MAX;
  for (unsigned i = 0; i < PF_TLS_REASM_SLOTS; i++) {
    struct pf_tls_reasm_entry *e = &r->slots[i];
    if (e->key && !pf_tls_reasm_live(e->last_us, now_us))
      return e;
    if (e->key && e->last_us < oldest)
      oldest = e->last_us;
  }
  r->oldest_us = oldest; /* none stale: none until this one is */
  return NULL;
}
