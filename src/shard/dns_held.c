/* dns_held.c - a shard's DNS-over-TCP message starts held across
 * segments, in sets by key (dns_held.h). */
#include "shard/dns_held.h"

#include "base/check.h"
#include "base/err.h"

#include <stdlib.h>

PF_STATIC_ASSERT(sizeof(struct pf_dns_held_entry) == 304,
                 "a held message start is 304 bytes");
PF_STATIC_ASSERT(PF_DNS_HELD_SLOTS % PF_DNS_HELD_WAYS == 0 &&
                     ((PF_DNS_HELD_SLOTS / PF_DNS_HELD_WAYS) &
                      (PF_DNS_HELD_SLOTS / PF_DNS_HELD_WAYS - 1)) == 0,
                 "a power of two of sets");

int pf_dns_held_init(struct pf_dns_held *h, char *err, size_t errlen) {
  *h = (struct pf_dns_held){0};
  h->slots = calloc(PF_DNS_HELD_SLOTS, sizeof(*h->slots));
  if (!h->slots)
    return pf_err(err, errlen, "out of memory for the DNS messages in flight");
  return 0;
}

void pf_dns_held_free(struct pf_dns_held *h) {
  free(h->slots);
  h->slots = NULL;
}

/* The first entry of key's set: both directions of a flow share one. */
static struct pf_dns_held_entry *pf_dns_held_set(const struct pf_dns_held *h,
                                                 uint64_t key) {
  uint64_t sets = PF_DNS_HELD_SLOTS / PF_DNS_HELD_WAYS;
  return &h->slots[((key >> 1) & (sets - 1)) * PF_DNS_HELD_WAYS];
}

struct pf_dns_held_entry *pf_dns_held_find(const struct pf_dns_held *h,
                                           uint64_t key) {
  struct pf_dns_held_entry *set = pf_dns_held_set(h, key);
  for (unsigned i = 0; i < PF_DNS_HELD_WAYS; i++)
    if (set[i].key == key)
      return &set[i];
  return NULL;
}

struct pf_dns_held_entry *pf_dns_held_claim(const struct pf_dns_held *h,
                                            uint64_t key) {
  struct pf_dns_held_entry *set = pf_dns_held_set(h, key), *v = set;
  for (unsigned i = 0; i < PF_DNS_HELD_WAYS; i++) {
    if (set[i].key == 0)
      return &set[i];
    if (set[i].last_us < v->last_us)
      v = &set[i];
  }
  return v;
}

void pf_dns_held_take(struct pf_dns_held *h, struct pf_dns_held_entry *e,
                      uint64_t key, uint64_t now_us) {
  PF_ASSERT(e->key == 0 && key != 0);
  e->key = key;
  e->last_us = now_us;
  e->len = 0;
  if (h->held++ == 0 || now_us < h->oldest_us)
    h->oldest_us = now_us;
}

void pf_dns_held_release(struct pf_dns_held *h, struct pf_dns_held_entry *e) {
  PF_ASSERT(e->key != 0 && h->held > 0);
  e->key = 0;
  h->held--;
}

struct pf_dns_held_entry *pf_dns_held_stale(struct pf_dns_held *h,
                                            uint64_t now_us, uint64_t live_us) {
  if (h->held == 0 || now_us - h->oldest_us < live_us)
    return NULL;
  uint64_t oldest = UINT64_MAX;
  for (unsigned i = 0; i < PF_DNS_HELD_SLOTS; i++) {
    struct pf_dns_held_entry *e = &h->slots[i];
    if (e->key && !pf_dns_held_live(e, now_us, live_us))
      return e;
    if (e->key && e->last_us < oldest)
      oldest = e->last_us;
  }
  h->oldest_us = oldest; /* none stale: none until this one is */
  return NULL;
}
