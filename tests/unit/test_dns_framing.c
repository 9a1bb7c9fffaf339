/* test_dns_framing.c - the DNS-over-TCP framing states of a shard
 * (src/shard/dns_framing.c): kept only inside a message, used only by the
 * segment that starts where the last one ended, forgotten at a boundary;
 * a full set gives up its least recent state, counted only while live. */
#include <check.h>

#include "base/err.h"
#include "shard/dns_framing.h"
#include "suites.h"

static struct pf_dns_framing f;

static void setup(void) {
  char err[PF_ERR_MAX];
  ck_assert_int_eq(pf_dns_framing_init(&f, 5, err, sizeof(err)), 0);
}

static void teardown(void) { pf_dns_framing_free(&f); }

/* Inside a message: 100 bytes of it still to come. */
static const struct pf_dns_tcp inside = {.skip = 100, .phase = PF_DNS_TCP_BODY};

/* Keys of one set: the set is the key's bits above the side. */
static uint64_t key_in_set0(unsigned n) {
  return pf_dns_framing_key(
      (uint64_t)(n + 1) * 2 * (PF_DNS_FRAMING_SLOTS / PF_DNS_FRAMING_WAYS), 0);
}

START_TEST(state_for_the_next_segment_only) {
  uint64_t k = pf_dns_framing_key(0x1234567800ull, 1);
  struct pf_dns_tcp st;
  pf_dns_framing_put(&f, k, 5000, 10, &inside);
  pf_dns_framing_get(&f, k, 4999, &st); /* a gap or a retransmission */
  ck_assert_uint_eq(st.phase, PF_DNS_TCP_LENGTH);
  pf_dns_framing_get(&f, pf_dns_framing_key(0x1234567800ull, 0), 5000, &st);
  ck_assert_uint_eq(st.phase, PF_DNS_TCP_LENGTH); /* the other direction */
  pf_dns_framing_get(&f, k, 5000, &st);
  ck_assert_uint_eq(st.phase, PF_DNS_TCP_BODY);
  ck_assert_uint_eq(st.skip, 100);
  /* At a boundary the entry goes: nothing is kept. */
  struct pf_dns_tcp fresh;
  pf_dns_tcp_reset(&fresh);
  pf_dns_framing_put(&f, k, 5100, 20, &fresh);
  for (unsigned i = 0; i < PF_DNS_FRAMING_SLOTS; i++)
    ck_assert_uint_eq(f.slots[i].key, 0);
}
END_TEST

START_TEST(a_full_set_evicts_its_least_recent) {
  struct pf_dns_tcp st;
  for (unsigned n = 0; n < PF_DNS_FRAMING_WAYS; n++)
    pf_dns_framing_put(&f, key_in_set0(n), 1, 1000 + n, &inside);
  ck_assert_uint_eq(f.evicted, 0);
  pf_dns_framing_put(&f, key_in_set0(9), 1, 2000, &inside);
  ck_assert_uint_eq(f.evicted, 1); /* live: 1000 us old */
  pf_dns_framing_get(&f, key_in_set0(0), 1, &st);
  ck_assert_uint_eq(st.phase, PF_DNS_TCP_LENGTH); /* the oldest went */
  pf_dns_framing_get(&f, key_in_set0(1), 1, &st);
  ck_assert_uint_eq(st.phase, PF_DNS_TCP_BODY);
  /* States older than DnsTimeout are given up without being counted. */
  pf_dns_framing_put(&f, key_in_set0(10), 1, 6000000, &inside);
  ck_assert_uint_eq(f.evicted, 1);
}
END_TEST

Suite *pf_dns_framing_suite(void) {
  Suite *su = suite_create("dns_framing");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, state_for_the_next_segment_only);
  tcase_add_test(tc, a_full_set_evicts_its_least_recent);
  suite_add_tcase(su, tc);
  return su;
}
