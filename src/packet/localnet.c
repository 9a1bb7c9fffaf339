/* localnet.c - parsing prefixes and testing addresses against the local set. */
#include "pcapflow/localnet.h"

#include "base/err.h"
#include "base/ptrie.h"
#include "packet/localnet_in.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- prefixes ---- */

static bool pf_host_bits_set(const struct pf_prefix *p) {
  int bytes = p->family == 4 ? 4 : 16;
  for (int i = 0; i < bytes; i++) {
    int bits_in_prefix = p->length - i * 8;
    uint8_t mask = bits_in_prefix >= 8 ? 0xff
                   : bits_in_prefix <= 0
                       ? 0
                       : (uint8_t)(0xff << (8 - bits_in_prefix));
    if (p->addr[i] & (uint8_t)~mask)
      return true;
  }
  return false;
}

int pf_prefix_parse(const char *text, struct pf_prefix *out, char *err,
                    size_t errlen) {
  char addr[INET6_ADDRSTRLEN + 8];
  const char *slash = strchr(text, '/');
  size_t addr_len = slash ? (size_t)(slash - text) : strlen(text);

  memset(out, 0, sizeof(*out));
  if (addr_len == 0 || addr_len >= sizeof(addr)) {
    return pf_err(err, errlen, "\"%s\" is not an IPv4 or IPv6 prefix", text);
  }
  memcpy(addr, text, addr_len);
  addr[addr_len] = '\0';

  int max_len;
  if (inet_pton(AF_INET, addr, out->addr) == 1) {
    out->family = 4;
    max_len = 32;
  } else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
    out->family = 6;
    max_len = 128;
  } else {
    return pf_err(err, errlen, "\"%s\" is not an IPv4 or IPv6 address", addr);
  }

  long length = max_len;
  if (slash) {
    /* Digits only: strtol alone would accept " 8" and "+8". */
    const char *digits = slash + 1;
    size_t n_digits = strspn(digits, "0123456789");
    length = strtol(digits, NULL, 10);
    if (n_digits == 0 || n_digits > 3 || digits[n_digits] != '\0' ||
        length > max_len) {
      return pf_err(err, errlen,
                    "\"%s\" has an invalid prefix length (0 to %d for IPv%d)",
                    text, max_len, out->family);
    }
  }
  out->length = (uint8_t)length;
  if (pf_host_bits_set(out)) {
    return pf_err(err, errlen,
                  "\"%s\" has bits set beyond its /%ld prefix length", text,
                  length);
  }
  return 0;
}

void pf_prefix_format(const struct pf_prefix *p, char *buf, size_t buflen) {
  char addr[INET6_ADDRSTRLEN];
  inet_ntop(p->family == 4 ? AF_INET : AF_INET6, p->addr, addr, sizeof(addr));
  snprintf(buf, buflen, "%s/%u", addr, (unsigned)p->length);
}

/* ---- the set ---- */

void pf_localnet_init(struct pf_localnet *set) { memset(set, 0, sizeof(*set)); }

static void pf_trie_drop(struct pf_ptrie *t) {
  if (t)
    pf_ptrie_free(t);
  free(t);
}

void pf_localnet_free(struct pf_localnet *set) {
  pf_trie_drop(set->v4);
  pf_trie_drop(set->v6);
  pf_localnet_init(set);
}

static int pf_trie_fail(int rc, const struct pf_prefix *p, char *err,
                        size_t errlen) {
  char text[64];
  pf_prefix_format(p, text, sizeof(text));
  if (rc == PF_PTRIE_FULL)
    return pf_err(err, errlen,
                  "\"%s\": the IPv%u local networks need more than %u prefix "
                  "trie nodes (%u MiB), the limit",
                  text, (unsigned)p->family, PF_PTRIE_MAX_NODES,
                  PF_PTRIE_MAX_NODES * PF_PTRIE_FANOUT * 4 >> 20);
  return pf_err(err, errlen, "out of memory for local networks");
}

/* Marks the prefix local. A network inside one already local changes
 * nothing; one that covers networks added before replaces their nodes
 * with a single entry (local is local, however it was reached). */
static int pf_trie_add(struct pf_ptrie *t, const struct pf_prefix *p) {
  unsigned level, first, span;
  unsigned last = p->length == 0 ? 0 : (p->length - 1u) / PF_PTRIE_STRIDE;
  if (pf_ptrie_find(t, p->addr, &level) == PF_LOCALNET_IN && level < last)
    return 0;
  int64_t node = pf_ptrie_descend(t, p->addr, p->length, &first, &span);
  if (node < 0)
    return (int)node;
  for (unsigned idx = first; idx < first + span; idx++)
    *pf_ptrie_entry(t, (uint32_t)node, idx) = PF_LOCALNET_IN;
  return 0;
}

static uint64_t pf_mask64(int bits) {
  if (bits <= 0)
    return 0;
  return bits >= 64 ? UINT64_MAX : UINT64_MAX << (64 - bits);
}

/* The first few networks of a family, as masks to compare with. */
static void pf_few_add(struct pf_localnet *set, const struct pf_prefix *p) {
  if (p->family == 4 && set->n4 < PF_LOCALNET_FEW) {
    uint32_t mask = (uint32_t)pf_mask64(p->length + 32);
    set->few4[set->n4] =
        (struct pf_net4){pf_localnet_load32(p->addr) & mask, mask};
  } else if (p->family == 6 && set->n6 < PF_LOCALNET_FEW) {
    struct pf_net6 *n = &set->few6[set->n6];
    n->mask[0] = pf_mask64(p->length);
    n->mask[1] = pf_mask64(p->length - 64);
    n->net[0] = pf_localnet_load64(p->addr) & n->mask[0];
    n->net[1] = pf_localnet_load64(p->addr + 8) & n->mask[1];
  }
}

int pf_localnet_add(struct pf_localnet *set, const struct pf_prefix *p,
                    char *err, size_t errlen) {
  struct pf_ptrie **t = p->family == 4 ? &set->v4 : &set->v6;
  if (!*t) {
    *t = malloc(sizeof(**t));
    if (!*t || pf_ptrie_init(*t, 0) != 0) {
      free(*t);
      *t = NULL;
      return pf_trie_fail(PF_PTRIE_NOMEM, p, err, errlen);
    }
  }
  int rc = pf_trie_add(*t, p);
  if (rc != 0)
    return pf_trie_fail(rc, p, err, errlen);
  pf_few_add(set, p);
  *(p->family == 4 ? &set->n4 : &set->n6) += 1;
  return 0;
}

/* A copy of the trie, or NULL for none: 0, or -1 when out of memory. */
static int pf_trie_dup(struct pf_ptrie **dst, const struct pf_ptrie *src) {
  *dst = NULL;
  if (!src)
    return 0;
  *dst = malloc(sizeof(**dst));
  if (*dst && pf_ptrie_copy(*dst, src) == 0)
    return 0;
  free(*dst);
  *dst = NULL;
  return -1;
}

int pf_localnet_copy(struct pf_localnet *dst, const struct pf_localnet *src,
                     char *err, size_t errlen) {
  struct pf_localnet copy;
  pf_localnet_init(&copy);
  if (pf_trie_dup(&copy.v4, src->v4) != 0 ||
      pf_trie_dup(&copy.v6, src->v6) != 0) {
    pf_localnet_free(&copy);
    return pf_err(err, errlen, "out of memory for local networks");
  }
  copy.n4 = src->n4;
  copy.n6 = src->n6;
  memcpy(copy.few4, src->few4, sizeof(copy.few4));
  memcpy(copy.few6, src->few6, sizeof(copy.few6));
  pf_localnet_free(dst);
  *dst = copy;
  return 0;
}

size_t pf_localnet_memory(const struct pf_localnet *set) {
  return (set->v4 ? pf_ptrie_memory(set->v4) : 0) +
         (set->v6 ? pf_ptrie_memory(set->v6) : 0);
}

/* The bits set in a netmask of `bytes` bytes (contiguous in practice). */
static uint8_t pf_mask_bits(const uint8_t *mask, int bytes) {
  uint8_t bits = 0;
  for (int i = 0; i < bytes; i++)
    bits += (uint8_t)__builtin_popcount(mask[i]);
  return bits;
}

/* One interface address as a prefix: the host itself, except on loopback,
 * whose whole network is this host's (the kernel delivers all of
 * 127.0.0.0/8 on lo, and systemd-resolved's 127.0.0.53, Debian's 127.0.1.1
 * for the host name and Docker's 127.0.0.11 live there unconfigured):
 * traffic among them is local to local, decided by the kernel's word
 * (docs/DECODING.md, "Loopback"). False for other families. */
static bool pf_interface_prefix(const struct ifaddrs *ifa,
                                struct pf_prefix *p) {
  int family = ifa->ifa_addr->sa_family;
  int bytes = family == AF_INET ? 4 : 16;
  const void *addr, *mask = NULL;
  if (family == AF_INET) {
    addr = &((const struct sockaddr_in *)ifa->ifa_addr)->sin_addr;
    if (ifa->ifa_netmask)
      mask = &((const struct sockaddr_in *)ifa->ifa_netmask)->sin_addr;
  } else if (family == AF_INET6) {
    addr = &((const struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr;
    if (ifa->ifa_netmask)
      mask = &((const struct sockaddr_in6 *)ifa->ifa_netmask)->sin6_addr;
  } else {
    return false;
  }
  memset(p, 0, sizeof(*p));
  p->family = family == AF_INET ? 4 : 6;
  p->length = (uint8_t)(bytes * 8);
  memcpy(p->addr, addr, (size_t)bytes);
  if ((ifa->ifa_flags & IFF_LOOPBACK) && mask) {
    p->length = pf_mask_bits(mask, bytes);
    for (int i = 0; i < bytes; i++)
      p->addr[i] &= ((const uint8_t *)mask)[i];
  }
  return true;
}

int pf_localnet_add_interface(struct pf_localnet *set, const char *ifname,
                              char *err, size_t errlen) {
  struct ifaddrs *list;
  if (getifaddrs(&list) != 0) {
    return pf_err_errno(err, errlen, errno, "getifaddrs");
  }
  bool any = strcmp(ifname, "any") == 0;
  int added = 0;
  for (struct ifaddrs *ifa = list; ifa; ifa = ifa->ifa_next) {
    struct pf_prefix p;
    if (!ifa->ifa_addr || !ifa->ifa_name)
      continue;
    if (!any && strcmp(ifa->ifa_name, ifname) != 0)
      continue;
    if (!pf_interface_prefix(ifa, &p))
      continue;
    if (pf_localnet_add(set, &p, err, errlen) != 0) {
      freeifaddrs(list);
      return -1;
    }
    added++;
  }
  freeifaddrs(list);
  return added;
}

/* ---- lookups (inline on the hot path: localnet_in.h) ---- */

bool pf_localnet_has4(const struct pf_localnet *set, const uint8_t addr[4]) {
  return pf_localnet_in4(set, addr);
}

bool pf_localnet_has6(const struct pf_localnet *set, const uint8_t addr[16]) {
  return pf_localnet_in6(set, addr);
}
