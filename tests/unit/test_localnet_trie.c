/* test_localnet_trie.c - the local network set's prefix trie against a
 * plain scan of its networks: random sets added in random order (short
 * networks after the long ones they cover too), both for the few networks
 * compared one by one and for the trie, and the node cap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "base/ptrie.h"
#include "pcapflow/localnet.h"
#include "suites.h"

#define MAX_NETS 600

/* xorshift64*: reproducible from a seed. */
static uint64_t rnd(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 0x2545f4914f6cdd1dULL;
}

static bool in_prefix(const struct pf_prefix *p, const uint8_t *addr) {
  for (unsigned bit = 0; bit < p->length; bit++) {
    unsigned mask = 0x80u >> (bit % 8);
    if ((p->addr[bit / 8] & mask) != (addr[bit / 8] & mask))
      return false;
  }
  return true;
}

/* A random network of the family whose address bits are drawn from a few
 * values, so that networks nest and share leading bits. */
static struct pf_prefix random_prefix(uint64_t *s, uint8_t family) {
  struct pf_prefix p = {.family = family};
  unsigned bytes = family == 4 ? 4 : 16;
  p.length = (uint8_t)(rnd(s) % (bytes * 8 + 1));
  for (unsigned i = 0; i < bytes; i++)
    p.addr[i] = (uint8_t)(rnd(s) % 4 == 0 ? rnd(s) : (i * 17) & 0xf0);
  for (unsigned bit = p.length; bit < bytes * 8; bit++)
    p.addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
  return p;
}

/* An address inside, at the edge of or just outside a network. */
static void probe_near(uint64_t *s, const struct pf_prefix *p, uint8_t *out) {
  unsigned bytes = p->family == 4 ? 4 : 16;
  memcpy(out, p->addr, bytes);
  for (unsigned bit = p->length; bit < bytes * 8; bit++)
    if (rnd(s) & 1)
      out[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
  if (p->length && rnd(s) % 3 == 0) /* flip a bit of the prefix */
    out[(p->length - 1) / 8] ^= (uint8_t)(0x80u >> ((p->length - 1) % 8));
}

/* `few`: as many networks as are compared one by one, else more. */
static void check_family(uint64_t seed, uint8_t family, bool few) {
  static struct pf_prefix nets[MAX_NETS];
  uint64_t s = seed;
  size_t n = few ? 1 + rnd(&s) % PF_LOCALNET_FEW
                 : PF_LOCALNET_FEW + 1 + rnd(&s) % (MAX_NETS - PF_LOCALNET_FEW);
  struct pf_localnet set;
  pf_localnet_init(&set);
  char err[256];
  for (size_t i = 0; i < n; i++) {
    nets[i] = random_prefix(&s, family);
    ck_assert_int_eq(pf_localnet_add(&set, &nets[i], err, sizeof(err)), 0);
  }
  for (int probe = 0; probe < 4000; probe++) {
    uint8_t addr[16];
    probe_near(&s, &nets[rnd(&s) % n], addr);
    bool want = false;
    for (size_t i = 0; i < n && !want; i++)
      want = in_prefix(&nets[i], addr);
    bool got = family == 4 ? pf_localnet_has4(&set, addr)
                           : pf_localnet_has6(&set, addr);
    ck_assert_msg(got == want, "seed %llu, IPv%u, probe %d: %d, scan says %d",
                  (unsigned long long)seed, family, probe, got, want);
  }
  pf_localnet_free(&set);
}

START_TEST(test_trie_agrees_with_a_scan) {
  for (uint64_t seed = 1; seed <= 40; seed++) {
    check_family(seed * 0x9e3779b97f4a7c15ULL, 4, seed % 4 == 0);
    check_family(seed * 0x9e3779b97f4a7c15ULL, 6, seed % 4 == 0);
  }
}
END_TEST

static struct pf_prefix prefix(const char *text) {
  struct pf_prefix p;
  char err[256];
  ck_assert_int_eq(pf_prefix_parse(text, &p, err, sizeof(err)), 0);
  return p;
}

/* A network added after networks inside it replaces their nodes; one
 * inside a local network adds none. */
START_TEST(test_covering_network_added_last) {
  struct pf_localnet set;
  pf_localnet_init(&set);
  char err[256];
  struct pf_prefix host = prefix("198.18.7.9"), wide = prefix("198.16.0.0/12");
  ck_assert_int_eq(pf_localnet_add(&set, &host, err, sizeof(err)), 0);
  ck_assert_int_eq(pf_localnet_add(&set, &wide, err, sizeof(err)), 0);
  size_t before = pf_localnet_memory(&set);
  struct pf_prefix inside = prefix("198.19.200.0/24");
  ck_assert_int_eq(pf_localnet_add(&set, &inside, err, sizeof(err)), 0);
  ck_assert_uint_eq(pf_localnet_memory(&set), before);
  uint8_t a[4] = {198, 31, 255, 255}, b[4] = {198, 32, 0, 0};
  ck_assert(pf_localnet_has4(&set, host.addr));
  ck_assert(pf_localnet_has4(&set, a));
  ck_assert(!pf_localnet_has4(&set, b));
  ck_assert_uint_eq(set.n4, 3);
  pf_localnet_free(&set);
}
END_TEST

/* Scattered IPv6 hosts until the trie is full: refused with the limit, and
 * the set keeps answering for what it holds. */
START_TEST(test_node_cap) {
  struct pf_localnet set;
  pf_localnet_init(&set);
  char err[256] = "";
  uint64_t s = 7;
  struct pf_prefix p = prefix("2001:db8::1"), first = p;
  size_t added = 0;
  for (; added < PF_PTRIE_MAX_NODES; added++) {
    for (int i = 4; i < 16; i++)
      p.addr[i] = (uint8_t)rnd(&s);
    if (pf_localnet_add(&set, &p, err, sizeof(err)) != 0)
      break;
    if (added == 0)
      first = p;
  }
  char want[256], text[64];
  pf_prefix_format(&p, text, sizeof(text));
  snprintf(want, sizeof(want),
           "\"%s\": the IPv6 local networks need more than 1048576 prefix "
           "trie nodes (64 MiB), the limit",
           text);
  ck_assert_str_eq(err, want);
  ck_assert_uint_gt(added, 30000); /* about 27 nodes each, beyond /32 */
  ck_assert_uint_eq(set.n6, added);
  ck_assert(pf_localnet_has6(&set, first.addr));
  ck_assert_uint_le(pf_localnet_memory(&set), (size_t)64 << 20);
  pf_localnet_free(&set);
}
END_TEST

Suite *pf_localnet_trie_suite(void) {
  Suite *s = suite_create("localnet_trie");
  TCase *tc = tcase_create("trie");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_trie_agrees_with_a_scan);
  tcase_add_test(tc, test_covering_network_added_last);
  tcase_add_test(tc, test_node_cap);
  suite_add_tcase(s, tc);
  return s;
}
