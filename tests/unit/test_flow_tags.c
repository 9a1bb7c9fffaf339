/* test_flow_tags.c - a bucket's tags (buckets.h): the lookup of a key that
 * no flow of its bucket was tagged with reads no entry (a flood's new
 * flows would otherwise miss the cache on every entry of their chain),
 * and the tags never hide a flow across splits, removals and reuse. */
#include <stdlib.h>
#include <sys/mman.h>

#include <check.h>

#include "flow/flow.h"
#include "flow/flow_internal.h"
#include "flow_packets.h"
#include "suites.h"

static struct pkt udp_flow(uint32_t i) {
  static uint8_t src[4];
  src[0] = 198;
  src[1] = 19;
  src[2] = (uint8_t)(i >> 16);
  src[3] = 1;
  return (struct pkt){
      .proto = P_UDP, .src = src, .sport = (uint16_t)i, .dport = 53};
}

static void entries_protect(const struct pf_flow_table *t, int prot) {
  for (int v6 = 0; v6 < 2; v6++)
    ck_assert_int_eq(mprotect(t->pool[v6].entries,
                              (size_t)t->pool[v6].max * t->pool[v6].size, prot),
                     0);
}

/* Keys absent from the table whose bucket holds a chain but not their tag:
 * looked up with every entry unreadable, they are not found (before the
 * tags, each lookup read its chain's entries, and faulted). */
START_TEST(test_untagged_key_reads_no_entry) {
  struct pf_flow_table t;
  char err[256];
  ck_assert(pf_flow_table_init_buckets(&t, 4096, 256, &test_timeouts, err,
                                       sizeof(err)) == 0);
  for (uint32_t i = 0; i < 128; i++) {
    struct pkt p = udp_flow(i);
    ck_assert(pkt_feed(&t, &p, SEC(1)).created);
  }
  struct pf_flow_key keys[32];
  unsigned found = 0;
  for (uint32_t i = 128; i < 200000 && found < 32; i++) {
    struct pkt p = udp_flow(i);
    struct pf_flow_probe probe;
    uint8_t side;
    ck_assert(pkt_key(&p, &keys[found], &side));
    pf_flow_probe_of_key(&t, &keys[found], &probe);
    uint32_t b = pf_buckets_of(&t.buckets, probe.hash);
    if (pf_bucket_get(&t.buckets, b) != PF_FLOW_NONE &&
        !pf_bucket_may_hold(&t.buckets, b, probe.hash))
      found++;
  }
  ck_assert_uint_eq(found, 32);
  entries_protect(&t, PROT_NONE);
  for (unsigned k = 0; k < found; k++)
    ck_assert_ptr_null(pf_flow_table_find(&t, &keys[k]));
  entries_protect(&t, PROT_READ | PROT_WRITE);
  pf_flow_table_free(&t);
}
END_TEST

/* Flows in, half of them out, the buckets split all the while, the
 * removed ones back in: every flow in the table is found, none out of it. */
START_TEST(test_tags_across_splits_and_removals) {
  struct pf_flow_table t;
  char err[256];
  ck_assert(pf_flow_table_init_buckets(&t, 1u << 16, 64, &test_timeouts, err,
                                       sizeof(err)) == 0);
  const uint32_t n = 6000;
  for (uint32_t i = 0; i < n; i++) {
    struct pkt p = udp_flow(i);
    ck_assert(pkt_feed(&t, &p, SEC(i < n / 2 ? 1 : 20)).created);
  }
  ck_assert_uint_gt(t.buckets.count, 64);
  /* UDP's 30 s: the first half expires at 40 s, the second stays. */
  ck_assert_uint_eq(pf_flow_table_expire(&t, SEC(40), UINT32_MAX), n / 2);
  for (uint32_t i = 0; i < n; i++) {
    struct pkt p = udp_flow(i);
    struct pf_flow_key k;
    uint8_t side;
    ck_assert(pkt_key(&p, &k, &side));
    ck_assert_msg((pf_flow_table_find(&t, &k) != NULL) == (i >= n / 2),
                  "flow %u", i);
  }
  for (uint32_t i = 0; i < n; i++) {
    struct pkt p = udp_flow(i);
    ck_assert_msg(pkt_feed(&t, &p, SEC(41)).created == (i < n / 2), "flow %u",
                  i);
  }
  expect_flow_identity(&t);
  pf_flow_table_free(&t);
}
END_TEST

/* The share of absent keys, from `from` on, whose lookup would read their
 * chain: by the tags, and by the chain alone (before the tags). */
static void absent_shares(const struct pf_flow_table *t, uint32_t from,
                          double *tagged, double *chained) {
  unsigned tag = 0, chain = 0, n = 20000;
  for (uint32_t i = from; i < from + n; i++) {
    struct pkt p = udp_flow(i);
    struct pf_flow_key k;
    struct pf_flow_probe probe;
    uint8_t side;
    ck_assert(pkt_key(&p, &k, &side));
    pf_flow_probe_of_key(t, &k, &probe);
    uint32_t b = pf_buckets_of(&t->buckets, probe.hash);
    chain += pf_bucket_get(&t->buckets, b) != PF_FLOW_NONE;
    tag += pf_bucket_may_hold(&t->buckets, b, probe.hash);
  }
  *tagged = (double)tag / n;
  *chained = (double)chain / n;
}

/* Long-lived flows, and short ones replaced round after round: a departed
 * flow's bit stayed in a bucket whose chain kept a long-lived flow, so
 * the tags wore out (absent keys read their chain ever more often: 30%,
 * against 65% with no tags, here after 64 rounds, and climbing). A new flow
 * that finds its bit set and its chain without it works the bucket's tags
 * out again (10% here). */
START_TEST(test_tags_do_not_wear_out) {
  struct pf_flow_table t;
  char err[256];
  ck_assert(pf_flow_table_init_buckets(&t, 8192, 1024, &test_timeouts, err,
                                       sizeof(err)) == 0);
  for (uint32_t i = 0; i < 2048; i++) {
    struct pkt p = udp_flow(i);
    ck_assert(pkt_feed(&t, &p, SEC(1)).created);
  }
  static uint32_t ring[1024];
  uint32_t next = 1u << 16;
  for (int round = 0; round < 64; round++)
    for (int i = 0; i < 1024; i++) {
      if (round) {
        pf_flow_remove(&t, ring[i]);
        t.stats.expired++; /* as expiry counts it */
      }
      struct pkt p = udp_flow(next++);
      struct pf_flow_update u = pkt_feed(&t, &p, SEC(1));
      ck_assert(u.created);
      ring[i] = u.ref;
    }
  double tagged, chained;
  absent_shares(&t, 1u << 23, &tagged, &chained);
  ck_assert_msg(tagged < chained / 3,
                "%.1f%% of absent keys read their chain "
                "(%.1f%% without tags)",
                100 * tagged, 100 * chained);
  expect_flow_identity(&t);
  pf_flow_table_free(&t);
}
END_TEST

Suite *pf_flow_tags_suite(void) {
  Suite *s = suite_create("flow_tags");
  TCase *tc = tcase_create("tags");
  /* 66,000 flows made and removed: 0.9 s of user time, but 2 s of system
   * time mapping the pools, which this VM zeroes at its host's speed; the
   * default 4 s ran out at a load average of 4. */
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_untagged_key_reads_no_entry);
  tcase_add_test(tc, test_tags_across_splits_and_removals);
  tcase_add_test(tc, test_tags_do_not_wear_out);
  suite_add_tcase(s, tc);
  return s;
}
