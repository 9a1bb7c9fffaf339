/* dns_framing.c - the DNS-over-TCP framing states of a shard's flows,
 * in sets by key (dns_framing.h). */
#include "shard/dns_framing.h"

#include "base/check.h"
#include "base/err.h"

#include <stdlib.h>

PF_STATIC_ASSERT(sizeof(struct pf_dns_framing_entry) == 24,
                 "a framing state is 24 bytes");
PF_STATIC_ASSERT(PF_DNS_FRAMING_SLOTS % PF_DNS_FRAMING_WAYS == 0 &&
                     ((PF_DNS_FRAMING_SLOTS / PF_DNS_FRAMING_WAYS) &
                      (PF_DNS_FRAMING_SLOTS / PF_DNS_FRAMING_WAYS - 1)) == 0,
                 "a power of two of sets");

int pf_dns_framing_init(struct pf_dns_framing *f, uint32_t timeout_s, char *err,
                        size_t errlen) {
  *f = (struct pf_dns_framing){.live_us = (uint64_t)timeout_s * 1000000u};
  f->slots = calloc(PF_DNS_FRAMING_SLOTS, sizeof(*f->slots));
  if (!f->slots)
    return pf_err(err, errlen, "out of memory for the DNS-over-TCP framing");
  return 0;
}

void pf_dns_framing_free(struct pf_dns_framing *f) {
  free(f->slots);
  f->slots = NULL;
}

/* The first entry of key's set. The key's low bit is the side: both
 * directions of a flow share a set. */
static struct pf_dns_framing_entry *
pf_dns_framing_set(const struct pf_dns_framing *f, uint64_t key) {
  uint64_t sets = PF_DNS_FRAMING_SLOTS / PF_DNS_FRAMING_WAYS;
  return &f->slots[((key >> 1) & (sets - 1)) * PF_DNS_FRAMING_WAYS];
}

static struct pf_dns_framing_entry *
pf_dns_framing_find(const struct pf_dns_framing *f, uint64_t key) {
  struct pf_dns_framing_entry *set = pf_dns_framing_set(f, key);
  for (unsigned i = 0; i < PF_DNS_FRAMING_WAYS; i++)
    if (set[i].key == key)
      return &set[i];
  return NULL;
}

void pf_dns_framing_get(const struct pf_dns_framing *f, uint64_t key,
                        uint32_t seq, struct pf_dns_tcp *st) {
  const struct pf_dns_framing_entry *e = pf_dns_framing_find(f, key);
  if (e && e->next_seq == seq)
    *st = e->st;
  else
    pf_dns_tcp_reset(st);
}

/* Where a new state goes: a free entry of its set, or the least recent. */
static struct pf_dns_framing_entry *
pf_dns_framing_victim(struct pf_dns_framing *f, uint64_t key, uint64_t now_us) {
  struct pf_dns_framing_entry *set = pf_dns_framing_set(f, key), *v = set;
  for (unsigned i = 0; i < PF_DNS_FRAMING_WAYS; i++) {
    if (set[i].key == 0)
      return &set[i];
    if (set[i].last_us < v->last_us)
      v = &set[i];
  }
  if (now_us - v->last_us < f->live_us)
    f->evicted++;
  return v;
}

void pf_dns_framing_put(struct pf_dns_framing *f, uint64_t key,
                        uint32_t next_seq, uint64_t now_us,
                        const struct pf_dns_tcp *st) {
  struct pf_dns_framing_entry *e = pf_dns_framing_find(f, key);
  if (st->phase == PF_DNS_TCP_LENGTH) { /* a boundary: nothing to keep */
    if (e)
      e->key = 0;
    return;
  }
  if (!e)
    e = pf_dns_framing_victim(f, key, now_us);
  *e = (struct pf_dns_framing_entry){
      .key = key, .last_us = now_us, .next_seq = next_seq, .st = *st};
}
