/* top_order.h - the order of keys of equal bytes in the top lists
 * (pf_topn_top_by, as the reader lists them), so that ties, and which of them a
 * list's last place takes, depend on the keys alone, not on the order flows
 * were fed in (docs/METRICS.md, "Top N"):
 *   - hosts: IPv4 before IPv6, then the prefix length, then the address,
 *     lowest first (struct pf_host_key's bytes as they are: memcmp);
 *   - services: by protocol number, then port number;
 *   - flows: IPv4 before IPv6, then protocol number, the first (lower)
 *     address, its port, the second address, its port, then the ICMP echo
 *     mark and the VLAN tags;
 *   - names (DNS domains, TLS server names): by their bytes, a name before
 *     the longer ones it begins.
 * Numbers compare as numbers whatever the machine's byte order. */
#ifndef PCAPFLOW_TOP_ORDER_H
#define PCAPFLOW_TOP_ORDER_H

#include "shard/shard.h"

/* The order of the hosts, services or flows list's keys. */
pf_topn_order_fn pf_top_order(enum pf_top_kind kind);

int pf_service_key_order(const void *a, const void *b);
int pf_flow_key_order(const void *a, const void *b);
/* Domains (struct pf_dns_domain_key) and TLS server names alike. */
int pf_name_key_order(const void *a, const void *b);

#endif
