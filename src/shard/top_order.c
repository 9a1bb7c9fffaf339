/* top_order.c - the order of tied keys in the top lists (top_order.h). */
#include "shard/top_order.h"

#include <stddef.h>
#include <string.h>

/* The host key's bytes are in the order its fields compare: family,
 * prefix, padding (always 0), then the address in network byte order. */
_Static_assert(offsetof(struct pf_host_key, family) == 0 &&
                   offsetof(struct pf_host_key, prefix) == 1 &&
                   offsetof(struct pf_host_key, addr) == 4,
               "pf_host_key compares as bytes");

static int pf_order_num(uint32_t a, uint32_t b) { return (a > b) - (a < b); }

int pf_service_key_order(const void *a, const void *b) {
  struct pf_service_key x, y;
  memcpy(&x, a, sizeof(x));
  memcpy(&y, b, sizeof(y));
  if (x.proto != y.proto)
    return pf_order_num(x.proto, y.proto);
  return pf_order_num(x.port, y.port);
}

int pf_flow_key_order(const void *a, const void *b) {
  struct pf_flow_key x, y;
  memcpy(&x, a, sizeof(x));
  memcpy(&y, b, sizeof(y));
  int c;
  if (x.family != y.family)
    return pf_order_num(x.family, y.family);
  if (x.proto != y.proto)
    return pf_order_num(x.proto, y.proto);
  for (int side = 0; side < 2; side++) {
    if ((c = memcmp(x.addr[side], y.addr[side], sizeof(x.addr[side]))) != 0)
      return c;
    if (x.port[side] != y.port[side])
      return pf_order_num(x.port[side], y.port[side]);
  }
  if (x.echo != y.echo)
    return pf_order_num(x.echo, y.echo);
  if (x.vlan_outer != y.vlan_outer)
    return pf_order_num(x.vlan_outer, y.vlan_outer);
  return pf_order_num(x.vlan_inner, y.vlan_inner);
}

/* A name's text is zero-padded (dns.c, tls_names.c), so comparing all of
 * it puts a name before the longer ones it begins; its length settles the
 * rest (a name may hold a zero byte). */
int pf_name_key_order(const void *a, const void *b) {
  struct pf_dns_domain_key x, y;
  memcpy(&x, a, sizeof(x));
  memcpy(&y, b, sizeof(y));
  int c = memcmp(x.text, y.text, sizeof(x.text));
  return c ? c : pf_order_num(x.len, y.len);
}

_Static_assert(sizeof(struct pf_dns_domain_key) ==
                       sizeof(struct pf_tls_name_key) &&
                   offsetof(struct pf_dns_domain_key, len) ==
                       offsetof(struct pf_tls_name_key, len) &&
                   offsetof(struct pf_dns_domain_key, text) ==
                       offsetof(struct pf_tls_name_key, text),
               "domains and server names are keyed alike");

pf_topn_order_fn pf_top_order(enum pf_top_kind kind) {
  static const pf_topn_order_fn order[PF_TOP_KIND_COUNT] = {
      [PF_TOP_HOSTS] = NULL, /* memcmp, above */
      [PF_TOP_PORTS] = pf_service_key_order,
      [PF_TOP_FLOWS] = pf_flow_key_order,
  };
  return order[kind];
}
