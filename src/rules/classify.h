/* classify.h - a packet into the first class it matches. */
#ifndef PCAPFLOW_RULES_CLASSIFY_H
#define PCAPFLOW_RULES_CLASSIFY_H

#include "packet/decode.h"
#include "pcapflow/rules.h"

/* The index of the first class that `pkt` matches, else the index of
 * `unclassified`. Malformed packets are always unclassified; non-IP
 * packets can match only classes without IP-level fields (docs/RULES.md).
 * Constant time whatever the number of classes and CIDRs; no allocation,
 * no locks. */
unsigned pf_rules_classify(const struct pf_rules *rules,
                           const struct pf_packet *pkt);

#endif
