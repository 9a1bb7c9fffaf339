/* localnet.c - parsing prefixes and testing addresses against the local set. */
#include "pcapflow/localnet.h"

#include "base/err.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- prefixes ---- */

static uint32_t pf_load32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

static uint64_t pf_load64(const uint8_t *p) {
  return (uint64_t)pf_load32(p) << 32 | pf_load32(p + 4);
}

static uint64_t pf_mask64(int bits) {
  if (bits <= 0)
    return 0;
  if (bits >= 64)
    return UINT64_MAX;
  return UINT64_MAX << (64 - bits);
}

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

void pf_localnet_free(struct pf_localnet *set) {
  free(set->v4);
  free(set->v6);
  pf_localnet_init(set);
}

/* Makes room for at least `need` elements of `elem` bytes. */
static int pf_reserve(void **array, size_t *cap, size_t need, size_t elem,
                      char *err, size_t errlen) {
  if (need <= *cap)
    return 0;
  size_t new_cap = *cap ? *cap : 8;
  while (new_cap < need)
    new_cap *= 2;
  void *grown = realloc(*array, new_cap * elem);
  if (!grown) {
    return pf_err(err, errlen, "out of memory for local networks");
  }
  *array = grown;
  *cap = new_cap;
  return 0;
}

int pf_localnet_add(struct pf_localnet *set, const struct pf_prefix *p,
                    char *err, size_t errlen) {
  if (p->family == 4) {
    if (pf_reserve((void **)&set->v4, &set->cap4, set->n4 + 1, sizeof(*set->v4),
                   err, errlen))
      return -1;
    uint32_t mask = p->length ? UINT32_MAX << (32 - p->length) : 0;
    set->v4[set->n4++] = (struct pf_net4){pf_load32(p->addr) & mask, mask};
    return 0;
  }
  if (pf_reserve((void **)&set->v6, &set->cap6, set->n6 + 1, sizeof(*set->v6),
                 err, errlen))
    return -1;
  struct pf_net6 n = {
      .mask = {pf_mask64(p->length), pf_mask64(p->length - 64)}};
  n.net[0] = pf_load64(p->addr) & n.mask[0];
  n.net[1] = pf_load64(p->addr + 8) & n.mask[1];
  set->v6[set->n6++] = n;
  return 0;
}

int pf_localnet_copy(struct pf_localnet *dst, const struct pf_localnet *src,
                     char *err, size_t errlen) {
  struct pf_localnet copy;
  pf_localnet_init(&copy);
  if (pf_reserve((void **)&copy.v4, &copy.cap4, src->n4, sizeof(*copy.v4), err,
                 errlen) ||
      pf_reserve((void **)&copy.v6, &copy.cap6, src->n6, sizeof(*copy.v6), err,
                 errlen)) {
    pf_localnet_free(&copy);
    return -1;
  }
  if (src->n4)
    memcpy(copy.v4, src->v4, src->n4 * sizeof(*copy.v4));
  if (src->n6)
    memcpy(copy.v6, src->v6, src->n6 * sizeof(*copy.v6));
  copy.n4 = src->n4;
  copy.n6 = src->n6;
  pf_localnet_free(dst);
  *dst = copy;
  return 0;
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
    if (!ifa->ifa_addr || !ifa->ifa_name)
      continue;
    if (!any && strcmp(ifa->ifa_name, ifname) != 0)
      continue;
    struct pf_prefix p = {0};
    if (ifa->ifa_addr->sa_family == AF_INET) {
      p.family = 4;
      p.length = 32;
      memcpy(p.addr, &((struct sockaddr_in *)ifa->ifa_addr)->sin_addr, 4);
    } else if (ifa->ifa_addr->sa_family == AF_INET6) {
      p.family = 6;
      p.length = 128;
      memcpy(p.addr, &((struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr, 16);
    } else {
      continue;
    }
    if (pf_localnet_add(set, &p, err, errlen) != 0) {
      freeifaddrs(list);
      return -1;
    }
    added++;
  }
  freeifaddrs(list);
  return added;
}

/* ---- lookups (hot path) ---- */

bool pf_localnet_has4(const struct pf_localnet *set, const uint8_t addr[4]) {
  uint32_t a = pf_load32(addr);
  for (size_t i = 0; i < set->n4; i++)
    if ((a & set->v4[i].mask) == set->v4[i].net)
      return true;
  return false;
}

bool pf_localnet_has6(const struct pf_localnet *set, const uint8_t addr[16]) {
  if (set->n6 == 0)
    return false;
  uint64_t hi = pf_load64(addr), lo = pf_load64(addr + 8);
  for (size_t i = 0; i < set->n6; i++)
    if ((hi & set->v6[i].mask[0]) == set->v6[i].net[0] &&
        (lo & set->v6[i].mask[1]) == set->v6[i].net[1])
      return true;
  return false;
}
