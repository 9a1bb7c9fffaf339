/* classify.c - the per-packet path: one lookup per field, the masks
 * ANDed, the lowest set bit is the first class in file order that
 * matches. No branch depends on the number of classes or CIDRs. Values are
 * masked to their field's width (DSCP 6 bits, VLAN 12) so that a packet
 * not made by pf_decode cannot index past a table. */
#include "rules/classify.h"
#include "rules/compiled.h"

static inline void pf_and(struct pf_mask *m, const struct pf_mask *x) {
  for (int w = 0; w < PF_MASK_WORDS; w++)
    m->w[w] &= x->w[w];
}

/* m &= (a | b): an "either" role admits a class when one side does. */
static inline void pf_and_either(struct pf_mask *m, const struct pf_mask *a,
                                 const struct pf_mask *b) {
  for (int w = 0; w < PF_MASK_WORDS; w++)
    m->w[w] &= a->w[w] | b->w[w];
}

/* Source, destination and either roles of one dimension. */
static inline void pf_and_pair(struct pf_mask *m, const struct pf_group *src,
                               const struct pf_group *dst) {
  pf_and(m, &src->m[PF_ROLE_SRC]);
  pf_and(m, &dst->m[PF_ROLE_DST]);
  pf_and_either(m, &src->m[PF_ROLE_EITHER], &dst->m[PF_ROLE_EITHER]);
}

/* Both addresses' walks in step: they are independent, so their loads
 * overlap instead of the second waiting for the first to finish. */
static inline void pf_trie_walk2(const struct pf_trie *t, const uint8_t *a,
                                 const uint8_t *b, const struct pf_group **ga,
                                 const struct pf_group **gb) {
  uint32_t ea = PF_PTRIE_CHILD, eb = PF_PTRIE_CHILD;
  for (unsigned level = 0; (ea | eb) & PF_PTRIE_CHILD; level++) {
    if (ea & PF_PTRIE_CHILD)
      ea = *pf_ptrie_entry(&t->nodes, ea & ~PF_PTRIE_CHILD,
                           pf_ptrie_chunk(a, level));
    if (eb & PF_PTRIE_CHILD)
      eb = *pf_ptrie_entry(&t->nodes, eb & ~PF_PTRIE_CHILD,
                           pf_ptrie_chunk(b, level));
  }
  *ga = &t->groups[ea];
  *gb = &t->groups[eb];
}

static void pf_classify_ip(const struct pf_rules *r,
                           const struct pf_packet *pkt, struct pf_mask *m) {
  if (r->used[PF_DIM_PROTOCOL])
    pf_and(m, &pf_table_lookup(&r->protocol, pkt->ip_proto)->m[PF_ROLE_ONLY]);
  if (r->used[PF_DIM_DSCP])
    pf_and(m, &pf_table_lookup(&r->dscp, pkt->dscp & 63u)->m[PF_ROLE_ONLY]);
  if (!pkt->has_ports)
    pf_and(m, &r->no_ports);
  else if (r->used[PF_DIM_PORT])
    pf_and_pair(m, pf_table_lookup(&r->port, pkt->src_port),
                pf_table_lookup(&r->port, pkt->dst_port));
  if (r->used[PF_DIM_ADDR]) {
    const struct pf_trie *t = pkt->l3 == PF_L3_IPV4 ? &r->v4 : &r->v6;
    const struct pf_group *src, *dst;
    pf_trie_walk2(t, pkt->src_ip, pkt->dst_ip, &src, &dst);
    pf_and_pair(m, src, dst);
  }
}

unsigned pf_rules_classify(const struct pf_rules *r,
                           const struct pf_packet *pkt) {
  /* A malformed packet's fields are only as far as decoding got: counting
   * it by them would depend on where the damage is. */
  if (pkt->l3 != PF_L3_IPV4 && pkt->l3 != PF_L3_IPV6 && pkt->l3 != PF_L3_NON_IP)
    return (unsigned)r->n_classes;

  struct pf_mask m = r->all;
  if (pkt->vlan_count == 0)
    pf_and(&m, &r->untagged);
  else if (r->used[PF_DIM_VLAN]) {
    const struct pf_group *outer =
        pf_table_lookup(&r->vlan, pkt->vlan_outer & 4095u);
    const struct pf_group *inner =
        pf_table_lookup(&r->vlan, pkt->vlan_inner & 4095u);
    pf_and(&m, &outer->m[PF_ROLE_OUTER]);
    pf_and(&m, &inner->m[PF_ROLE_INNER]);
  }

  if (pkt->l3 == PF_L3_NON_IP)
    pf_and(&m, &r->non_ip);
  else
    pf_classify_ip(r, pkt, &m);

  for (int w = 0; w < PF_MASK_WORDS; w++)
    if (m.w[w])
      return (unsigned)(w * 64 + __builtin_ctzll(m.w[w]));
  return (unsigned)r->n_classes;
}
