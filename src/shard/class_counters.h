/* class_counters.h - what one shard counts per traffic class of the rules
 * file (rules.h): packets and bytes by direction, and active flows; and how
 * a new rule set takes over at a batch boundary without a reset of the
 * classes it keeps.
 *
 * Thread-safety: a struct pf_class_counters belongs to its shard and is
 * touched under the shard owner's lock, like struct pf_counters. A new rule
 * set is prepared by the control thread (pf_class_counters_prepare: every
 * allocation happens there), applied by the capture thread at a batch
 * boundary (pf_class_counters_apply: no allocation, no free), and what it
 * replaced is freed by the control thread again (pf_class_counters_free). */
#ifndef PCAPFLOW_CLASS_COUNTERS_H
#define PCAPFLOW_CLASS_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

#include "flow/flow.h"
#include "packet/decode.h"
#include "pcapflow/counters.h"
#include "pcapflow/rules.h"
#include "rules/classify.h"
#include "shard/class_latency.h"

/* The values a flow's rule_class can hold: each is the code of a class.
 * A flow keeps its class's code, not the class's index in the rule set:
 * a reload gives a kept class its old code (wherever the class now stands
 * in the list), a new one a code no flow holds, and points the codes of
 * dropped classes at unclassified, so no flow is rewritten (a reload is
 * O(classes), whatever the number of flows). */
#define PF_CLASS_CODES 256

struct pf_class_counters {
  struct pf_rules *rules; /* one reference; NULL: no rules, nothing counted */
  uint32_t count;         /* pf_rules_class_count(rules); 0 without rules */
  uint32_t unclassified;  /* its index */
  struct pf_traffic *traffic; /* count entries; rx/tx as in counters.h */
  uint64_t *active; /* PF_CLASS_CODES entries: flows by the code of the class
                       of their first packet (flow.h, rule_class); by class:
                       pf_class_counters_active */
  uint8_t code_of[PF_CLASS_SLOTS];  /* class index -> its code */
  uint8_t class_of[PF_CLASS_CODES]; /* code -> class index (unclassified for
                                       a dropped class's or an unused code) */
  /* This interval's handshake latency by the flow's class; empty without
   * TCP analysis (pf_class_counters_prepare_latency). */
  struct pf_class_latency latency;
  /* ...and its TCP timing figures (ClassTiming), PF_TCP_TIMING_COUNT
   * histograms a class; empty when off. */
  struct pf_class_latency timing;
};

/* Allocates zeroed counters for `rules` (which may be NULL: an empty set)
 * and takes a reference to it. Returns 0, or -1 with err. */
int pf_class_counters_prepare(struct pf_class_counters *c,
                              struct pf_rules *rules, char *err, size_t errlen);

/* Adds per-class handshake latency to counters prepared for a rule set
 * (for sources with TCP analysis), and the TCP timing figures when
 * `timing`. Returns 0, or -1 with err. */
int pf_class_counters_prepare_latency(struct pf_class_counters *c, bool timing,
                                      char *err, size_t errlen);

/* Frees the arrays and drops the reference. Safe on a zeroed struct. */
void pf_class_counters_free(struct pf_class_counters *c);

/* Counts one packet in its class and returns the class index (0 when there
 * are no rules). Every packet, malformed and non-IP ones included. */
static inline unsigned pf_class_counters_add(struct pf_class_counters *c,
                                             const struct pf_packet *pkt,
                                             enum pf_dir dir) {
  if (!c->rules)
    return 0;
  unsigned k = pf_rules_classify(c->rules, pkt);
  pf_traffic_add(&c->traffic[k], dir, pkt->wire_len);
  return k;
}

/* A flow was created by a packet of class k: it belongs to k until it
 * ends (flow_table.c counts it out of c->active when it does). */
static inline void pf_class_counters_flow(struct pf_class_counters *c,
                                          struct pf_flow *flow, unsigned k) {
  if (!c->rules)
    return;
  uint8_t code = c->code_of[k];
  flow->rule_class = code;
  c->active[code]++;
}

/* The index of the class a flow belongs to (below count; 0 without
 * rules). */
static inline unsigned
pf_class_counters_class(const struct pf_class_counters *c,
                        const struct pf_flow *flow) {
  return c->class_of[flow->rule_class];
}

/* A flow completed its handshake (tcp.h): its SYN-to-ACK time goes to the
 * class the flow belongs to. */
static inline void pf_class_counters_handshake(struct pf_class_counters *c,
                                               const struct pf_flow *flow,
                                               uint64_t handshake_us) {
  if (c->latency.count)
    pf_class_latency_add(&c->latency, pf_class_counters_class(c, flow),
                         handshake_us);
}

/* The TCP timing histograms of a flow's class this interval; NULL when
 * they are not kept (the class is looked up only when they are). */
static inline struct pf_hist *
pf_class_counters_timing(struct pf_class_counters *c,
                         const struct pf_flow *flow) {
  if (!c->timing.count)
    return NULL;
  return pf_class_latency_of(&c->timing, pf_class_counters_class(c, flow));
}

/* Active flows by class: out[k] for every class k below c->count (the
 * flows of each of its codes). O(PF_CLASS_CODES). */
void pf_class_counters_active(const struct pf_class_counters *c,
                              uint64_t out[PF_CLASS_SLOTS]);

/* Makes `next` (from pf_class_counters_prepare) current: the counters of
 * classes that `next` keeps (same name) carry on from where they were, the
 * others start from zero, and classes that `next` drops are no longer
 * counted. Every flow of `flows` belongs to its class under `next` from
 * here on: flows of a kept class stay in it, flows of a dropped class (or
 * from before any rules) count as `unclassified`. This interval's
 * handshake latency of kept classes moves along; that of dropped classes
 * is dropped (it is per interval, not cumulative). The flows' count by
 * code is then installed in `flows`. On return `next` holds what was
 * replaced, for the control thread to free.
 *
 * No allocation, called once per reload at a batch boundary, and
 * O(classes^2 + PF_CLASS_CODES): kept classes keep their codes, new ones
 * take free ones. Only where too few codes are free (the old and the new
 * set together with more than 255 classes that hold flows), or when no
 * rules were in force (the flows carry no code), is every flow rewritten:
 * one sequential pass over the flow pools, as far as they were used. */
void pf_class_counters_apply(struct pf_class_counters *cur,
                             struct pf_class_counters *next,
                             struct pf_flow_table *flows);

#endif
