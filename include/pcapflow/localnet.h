/* localnet.h - the set of "local" addresses that decides traffic direction.
 *
 * A set is built at configuration time (and rebuilt by the capture thread
 * when it refreshes its interface's addresses) and then only read, so
 * lookups take no lock. A lookup compares a handful of networks one by
 * one, or walks a prefix trie, one step per 4 bits of the address that the
 * set's networks reach (at most 8 for IPv4, 32 for IPv6) whatever their
 * number: 100,000 networks cost a packet about what two do (docs/RULES.md,
 * "Limits and costs"). */
#ifndef PCAPFLOW_LOCALNET_H
#define PCAPFLOW_LOCALNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An IPv4 or IPv6 prefix, address in network byte order. */
struct pf_prefix {
  uint8_t family; /* 4 or 6 */
  uint8_t length; /* prefix length in bits */
  uint8_t addr[16];
};

struct pf_net4 {
  uint32_t net, mask; /* host byte order */
};

struct pf_net6 {
  uint64_t net[2], mask[2]; /* host byte order, high half first */
};

/* Up to this many networks of a family are also kept in a short array,
 * and compared one by one: cheaper than walking a trie when a host has a
 * network or two (the walk is about 11 instructions a level, 4 levels for
 * a /16). */
#define PF_LOCALNET_FEW 8

/* A prefix trie per family (src/base/ptrie.h), NULL until the family has
 * a network; n4 and n6 count the networks added, the first
 * PF_LOCALNET_FEW of which are in few4 and few6 too. */
struct pf_ptrie;
struct pf_localnet {
  struct pf_ptrie *v4, *v6;
  size_t n4, n6;
  struct pf_net4 few4[PF_LOCALNET_FEW];
  struct pf_net6 few6[PF_LOCALNET_FEW];
};

/* Bytes a set holds (its tries). */
size_t pf_localnet_memory(const struct pf_localnet *set);

/* Parses "198.18.0.0/15", "2001:db8::/32" or a bare address (a host
 * prefix). Host bits set beyond the prefix are an error, since they usually
 * mean a typo. Returns 0, or -1 with a reason in err. */
int pf_prefix_parse(const char *text, struct pf_prefix *out, char *err,
                    size_t errlen);

/* Formats a prefix as text ("198.18.0.0/15"). */
void pf_prefix_format(const struct pf_prefix *p, char *buf, size_t buflen);

void pf_localnet_init(struct pf_localnet *set);
void pf_localnet_free(struct pf_localnet *set);

/* Adds a prefix. Returns 0, or -1 with a reason in err: out of memory, or
 * a trie of more than 1,048,576 nodes (64 MiB) for the family (one network
 * needs at most 7 nodes for IPv4, 31 for IPv6; fewer where they share
 * leading bits). */
int pf_localnet_add(struct pf_localnet *set, const struct pf_prefix *p,
                    char *err, size_t errlen);

/* Replaces *dst with a copy of *src. Returns 0 or -1 (out of memory). */
int pf_localnet_copy(struct pf_localnet *dst, const struct pf_localnet *src,
                     char *err, size_t errlen);

/* Adds the addresses configured on interface `ifname` (every interface's
 * for "any") as host prefixes; a loopback interface's with their netmask
 * (127.0.0.0/8, ::1/128), since its whole network is this host's. Returns
 * the number added, or -1 with a reason in err. */
int pf_localnet_add_interface(struct pf_localnet *set, const char *ifname,
                              char *err, size_t errlen);

bool pf_localnet_has4(const struct pf_localnet *set, const uint8_t addr[4]);
bool pf_localnet_has6(const struct pf_localnet *set, const uint8_t addr[16]);

#endif
