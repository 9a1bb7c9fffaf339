/* config_dns.c - the DNS options that are more than a switch or a number:
 * DnsPorts, the ports whose payloads are DNS (docs/CONFIG.md, "DNS"). */
#include "pcapflow/source.h"

#include "base/err.h"

int pf_dns_ports_set(struct pf_dns_config *dns, const uint32_t *ports,
                     unsigned n, char *err, size_t errlen) {
  if (n < 1 || n > PF_MAX_DNS_PORTS)
    return pf_err(err, errlen, "DnsPorts: %u ports given, expected 1 to %d", n,
                  PF_MAX_DNS_PORTS);
  for (unsigned i = 0; i < n; i++) {
    if (ports[i] < 1 || ports[i] > 65535)
      return pf_err(err, errlen,
                    "DnsPorts: %u is not a port number (1 to 65535)", ports[i]);
    for (unsigned j = 0; j < i; j++)
      if (ports[j] == ports[i])
        return pf_err(err, errlen, "DnsPorts: %u is given twice", ports[i]);
  }
  for (unsigned i = 0; i < n; i++)
    dns->ports[i] = (uint16_t)ports[i];
  dns->n_ports = (uint8_t)n;
  return 0;
}
