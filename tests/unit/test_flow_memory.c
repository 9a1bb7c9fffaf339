/* test_flow_memory.c - the flow table takes memory as flows come: nothing
 * of a large MaxFlows is resident before traffic (mincore counts the pages
 * the kernel holds, which is exact, not timed), buckets grow one split at a
 * time with the flows, and every flow stays findable across the splits. */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <check.h>

#include "flow/flow.h"
#include "flow_packets.h"
#include "suites.h"

/* Resident pages of [p, p + len). */
static size_t resident_pages(const void *p, size_t len) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  uintptr_t start = (uintptr_t)p & ~(page - 1);
  size_t n = ((uintptr_t)p + len - start + page - 1) / page;
  unsigned char *vec = malloc(n);
  ck_assert_ptr_nonnull(vec);
  ck_assert_int_eq(mincore((void *)start, n * page, vec), 0);
  size_t in = 0;
  for (size_t i = 0; i < n; i++)
    in += vec[i] & 1;
  free(vec);
  return in;
}

START_TEST(test_nothing_resident_before_traffic) {
  /* 16 million flows: 128 MiB of buckets, 2.4 GiB of entries and 1 GiB of
   * TCP records (with their timing state) reserved. */
  struct pf_flow_table t;
  char err[256];
  ck_assert_msg(
      pf_flow_table_init(&t, 16u << 20, &test_timeouts, err, sizeof(err)) == 0,
      "%s", err);
  ck_assert_msg(pf_flow_table_enable_tcp(&t, 3, true, err, sizeof(err)) == 0,
                "%s", err);
  size_t buckets = resident_pages(t.buckets.head, (size_t)(16u << 20) *
                                                      sizeof(struct pf_bucket));
  size_t pool =
      resident_pages(t.pool[0].entries, (size_t)(16u << 20) * 64) +
      resident_pages(t.pool[1].entries, (size_t)(16u << 20) * 88) +
      resident_pages(t.tcp.conns, (size_t)(16u << 20) << t.tcp.rec_shift);
  /* Not a bucket written: a page at each end at most. */
  ck_assert_uint_le(buckets, 2);
  ck_assert_uint_le(pool, 6);
  pf_flow_table_free(&t);
}
END_TEST

START_TEST(test_buckets_grow_with_flows) {
  struct pf_flow_table t;
  char err[256];
  /* A table that starts with 4096 buckets, to see it split. */
  ck_assert(pf_flow_table_init_buckets(&t, 1u << 20, 4096, &test_timeouts, err,
                                       sizeof(err)) == 0);
  ck_assert_uint_eq(t.buckets.count, 4096);
  const uint32_t n = 100000;
  struct pkt p = {.proto = P_UDP, .dport = 53};
  for (uint32_t i = 0; i < n; i++) {
    p.sport = (uint16_t)i;
    uint8_t src[4] = {198, 19, (uint8_t)(i >> 16), 1};
    p.src = src;
    ck_assert(pkt_feed(&t, &p, SEC(1)).created);
  }
  /* One bucket per flow, after the first ones. */
  ck_assert_uint_eq(t.buckets.count, n);
  for (uint32_t i = 0; i < n; i++) {
    p.sport = (uint16_t)i;
    uint8_t src[4] = {198, 19, (uint8_t)(i >> 16), 1};
    p.src = src;
    struct pf_flow_key k;
    uint8_t side;
    ck_assert(pkt_key(&p, &k, &side));
    ck_assert_msg(pf_flow_table_find(&t, &k) != NULL, "flow %u lost", i);
  }
  /* Expiry finds every chain too: the table empties. */
  ck_assert_uint_eq(pf_flow_table_expire(&t, SEC(1000), UINT32_MAX), n);
  ck_assert_uint_eq(pf_flow_table_count(&t), 0);
  pf_flow_table_free(&t);
}
END_TEST

Suite *pf_flow_memory_suite(void) {
  Suite *s = suite_create("flow_memory");
  TCase *tc = tcase_create("memory");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_nothing_resident_before_traffic);
  tcase_add_test(tc, test_buckets_grow_with_flows);
  suite_add_tcase(s, tc);
  return s;
}
