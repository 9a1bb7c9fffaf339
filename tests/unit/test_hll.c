/* test_hll.c - HyperLogLog: accuracy against the documented 1.6 %
 * standard error, near-exact small counts, duplicates, merge and reset. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "base/hash.h"
#include "flow/flow.h"
#include "shard/feed_hash.h"
#include "sketch/hll.h"
#include "suites.h"

#define STD_ERROR 0.016 /* 1.04 / sqrt(4096), docs/METRICS.md */

/* Fixed seeds, so a failure reproduces; splitmix64 spreads them out. */
static void test_seed(uint64_t n, uint64_t seed[4]) {
  uint64_t x = n * 0x9e3779b97f4a7c15ULL + 12345;
  for (int i = 0; i < 4; i++) {
    uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    seed[i] = z ^ (z >> 31);
  }
}

/* Adds the distinct integers [from, to) as the shard would: hashed. */
static void add_range(struct pf_hll *h, const uint64_t seed[4], uint64_t from,
                      uint64_t to) {
  for (uint64_t i = from; i < to; i++)
    pf_hll_add(h, pf_hash_bytes(seed, &i, sizeof(i)));
}

static double estimate_of(uint64_t n, uint64_t seed_no) {
  static struct pf_hll h;
  uint64_t seed[4];
  test_seed(seed_no, seed);
  pf_hll_reset(&h);
  add_range(&h, seed, 0, n);
  return pf_hll_estimate(&h);
}

START_TEST(test_empty_estimate_is_zero) {
  struct pf_hll h;
  pf_hll_reset(&h);
  ck_assert_double_eq(pf_hll_estimate(&h), 0.0);
}
END_TEST

START_TEST(test_small_cardinalities_near_exact) {
  /* Linear counting: within 2 of the truth for small sets. */
  static const uint64_t ns[] = {0, 1, 2, 10, 50, 100};
  for (unsigned i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
    double e = estimate_of(ns[i], 1);
    ck_assert_msg(fabs(e - (double)ns[i]) <= 2.0, "%llu distinct: %.2f",
                  (unsigned long long)ns[i], e);
  }
}
END_TEST

START_TEST(test_estimate_within_three_standard_errors) {
  static const uint64_t ns[] = {1000, 10000, 100000, 1000000};
  for (unsigned i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
    double n = (double)ns[i], e = estimate_of(ns[i], 2);
    ck_assert_msg(fabs(e - n) <= 3 * STD_ERROR * n,
                  "%.0f distinct: estimate %.0f (%+.2f %%)", n, e,
                  100 * (e - n) / n);
  }
}
END_TEST

START_TEST(test_no_bias_where_linear_counting_hands_over) {
  /* Just above 2.5 x 4096 registers the raw estimate takes over from
   * linear counting. Averaged over 16 seeds, an estimator with a 1.6 %
   * standard error is off by at most 3 x 1.6 % / sqrt(16) = 1.2 %. */
  static const uint64_t ns[] = {10000, 10500, 11000};
  for (unsigned i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
    double sum = 0, n = (double)ns[i];
    for (uint64_t seed = 100; seed < 116; seed++)
      sum += (estimate_of(ns[i], seed) - n) / n;
    double mean = sum / 16;
    ck_assert_msg(fabs(mean) <= 3 * STD_ERROR / 4,
                  "%.0f distinct: mean error %+.2f %% over 16 seeds", n,
                  100 * mean);
  }
}
END_TEST

START_TEST(test_duplicates_do_not_count) {
  uint64_t seed[4];
  test_seed(3, seed);
  struct pf_hll once, thrice;
  pf_hll_reset(&once);
  pf_hll_reset(&thrice);
  add_range(&once, seed, 0, 5000);
  for (int r = 0; r < 3; r++)
    add_range(&thrice, seed, 0, 5000);
  ck_assert_mem_eq(once.reg, thrice.reg, sizeof(once.reg));
  ck_assert_double_eq(pf_hll_estimate(&once), pf_hll_estimate(&thrice));
  /* A single value seen many times is one. */
  struct pf_hll one;
  pf_hll_reset(&one);
  for (int r = 0; r < 1000; r++)
    add_range(&one, seed, 77, 78);
  ck_assert(fabs(pf_hll_estimate(&one) - 1.0) < 0.01);
}
END_TEST

START_TEST(test_merge_equals_the_union) {
  uint64_t seed[4];
  test_seed(4, seed);
  static struct pf_hll a, b, ab, ba, uni;
  pf_hll_reset(&a);
  pf_hll_reset(&b);
  pf_hll_reset(&uni);
  add_range(&a, seed, 0, 30000);
  add_range(&b, seed, 20000, 60000); /* overlaps a by 10000 */
  add_range(&uni, seed, 0, 60000);
  ab = a;
  pf_hll_merge(&ab, &b);
  ba = b;
  pf_hll_merge(&ba, &a);
  ck_assert_mem_eq(ab.reg, uni.reg, sizeof(uni.reg));
  ck_assert_mem_eq(ba.reg, uni.reg, sizeof(uni.reg));
  double e = pf_hll_estimate(&ab);
  ck_assert_msg(fabs(e - 60000) <= 3 * STD_ERROR * 60000, "union: %.0f", e);
}
END_TEST

START_TEST(test_merge_with_empty_changes_nothing) {
  uint64_t seed[4];
  test_seed(5, seed);
  struct pf_hll h, empty, before;
  pf_hll_reset(&h);
  pf_hll_reset(&empty);
  add_range(&h, seed, 0, 777);
  before = h;
  pf_hll_merge(&h, &empty);
  ck_assert_mem_eq(h.reg, before.reg, sizeof(h.reg));
  pf_hll_merge(&empty, &h);
  ck_assert_mem_eq(empty.reg, before.reg, sizeof(h.reg));
}
END_TEST

START_TEST(test_reset_forgets_everything) {
  uint64_t seed[4];
  test_seed(6, seed);
  struct pf_hll h;
  pf_hll_reset(&h);
  add_range(&h, seed, 0, 20000);
  pf_hll_reset(&h);
  ck_assert_double_eq(pf_hll_estimate(&h), 0.0);
  add_range(&h, seed, 0, 10);
  ck_assert(fabs(pf_hll_estimate(&h) - 10) <= 2);
}
END_TEST

START_TEST(test_extreme_hashes_stay_in_range) {
  /* All-zero bits after the index give the largest rank: 64 - 12 + 1. */
  struct pf_hll h;
  pf_hll_reset(&h);
  pf_hll_add(&h, 0);
  pf_hll_add(&h, UINT64_MAX);
  pf_hll_add(&h, (uint64_t)5 << (64 - PF_HLL_BITS)); /* register 5, rest 0 */
  ck_assert_uint_eq(h.reg[0], 64 - PF_HLL_BITS + 1);
  ck_assert_uint_eq(h.reg[PF_HLL_REGISTERS - 1], 1);
  ck_assert_uint_eq(h.reg[5], 64 - PF_HLL_BITS + 1);
  double e = pf_hll_estimate(&h);
  ck_assert(isfinite(e));
  ck_assert(fabs(e - 3) <= 2);
}
END_TEST

START_TEST(test_feed_address_hash) {
  /* The feed's address hash (shard/feed_hash.h): an IPv4 address's is
   * base/hash.h's; 20,000 IPv6 addresses varying in their first 8 bytes
   * alone, or their last 8 alone, count within three standard errors
   * under fixed seeds (a word the hash ignored would count 1). */
  uint64_t seed[4];
  test_seed(7, seed);
  static const uint8_t v4[4] = {198, 18, 0, 1};
  ck_assert_uint_eq(pf_feed_hash_addr(seed, v4, 4),
                    pf_hash_inline(seed, v4, 4));
  static struct pf_hll h;
  for (int word = 0; word < 2; word++)
    for (uint64_t seed_no = 0; seed_no < 4; seed_no++) {
      test_seed(seed_no, seed);
      pf_hll_reset(&h);
      for (uint32_t i = 0; i < 20000; i++) {
        uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                         0,    0,    0,    0,    0, 0, 0, 1};
        memcpy(a + 8 * word + 4, &i, sizeof(i));
        pf_hll_add(&h, pf_feed_hash_addr(seed, a, 16));
      }
      double e = pf_hll_estimate(&h);
      ck_assert_msg(fabs(e - 20000) <= 3 * STD_ERROR * 20000,
                    "word %d, seed %llu: %f", word, (unsigned long long)seed_no,
                    e);
    }
}
END_TEST

Suite *pf_hll_suite(void) {
  Suite *s = suite_create("hll");
  TCase *tc = tcase_create("estimate");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_empty_estimate_is_zero);
  tcase_add_test(tc, test_small_cardinalities_near_exact);
  tcase_add_test(tc, test_estimate_within_three_standard_errors);
  tcase_add_test(tc, test_no_bias_where_linear_counting_hands_over);
  suite_add_tcase(s, tc);

  tc = tcase_create("sets");
  tcase_add_test(tc, test_duplicates_do_not_count);
  tcase_add_test(tc, test_merge_equals_the_union);
  tcase_add_test(tc, test_merge_with_empty_changes_nothing);
  tcase_add_test(tc, test_reset_forgets_everything);
  tcase_add_test(tc, test_extreme_hashes_stay_in_range);
  tcase_add_test(tc, test_feed_address_hash);
  suite_add_tcase(s, tc);
  return s;
}
