/* test_latency_hist.c - the log-linear histogram: bucket bounds and widths,
 * and percentiles against the exact nearest-rank values of sorted
 * samples. */
#include <math.h>
#include <stdlib.h>

#include <check.h>

#include "quick_check.h"
#include "sketch/latency_hist.h"
#include "suites.h"

static struct pf_hist hist, other;

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static uint64_t rng(uint64_t *state) {
  *state ^= *state << 13;
  *state ^= *state >> 7;
  *state ^= *state << 17;
  return *state;
}

START_TEST(test_buckets_hold_their_values) {
  /* Every bucket's range holds exactly the values mapped to it, and is at
   * most 1/32 of its lower bound wide. */
  uint64_t prev_hi = 0;
  for (unsigned b = 0; b < PF_HIST_BUCKETS; b++) {
    uint64_t lo, hi;
    pf_hist_bucket_range(b, &lo, &hi);
    QUICK_CHECK(b == 0 || lo == prev_hi + 1, "bucket %u starts at %llu", b,
                (unsigned long long)lo);
    QUICK_CHECK(pf_hist_bucket_of(lo) == b && pf_hist_bucket_of(hi) == b,
                "bucket %u: [%llu, %llu]", b, (unsigned long long)lo,
                (unsigned long long)hi);
    QUICK_CHECK(b == PF_HIST_BUCKETS - 1 || (hi - lo + 1) * 32 <= lo ||
                    lo == hi,
                "bucket %u too wide", b);
    prev_hi = hi;
  }
  ck_assert_uint_eq(prev_hi, UINT64_MAX);
  ck_assert_uint_eq(pf_hist_bucket_of(31), 31);
  ck_assert_uint_eq(pf_hist_bucket_of(32), 32);
  ck_assert_uint_eq(pf_hist_bucket_of(33), 33);
  ck_assert_uint_eq(pf_hist_bucket_of(64), 64);
  ck_assert_uint_eq(pf_hist_bucket_of(66), 65);
}
END_TEST

/* Percentiles of `n` samples from `gen` against the exact sorted values:
 * within 1/64 of the exact value (bucket midpoint), max exact. */
static void check_against_sorted(uint64_t *v, size_t n) {
  pf_hist_reset(&hist);
  for (size_t i = 0; i < n; i++)
    pf_hist_add(&hist, v[i]);
  qsort(v, n, sizeof(*v), cmp_u64);
  static const double ps[] = {0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0};
  for (size_t k = 0; k < sizeof(ps) / sizeof(ps[0]); k++) {
    size_t rank = (size_t)ceil(ps[k] * (double)n);
    double exact = (double)v[(rank ? rank : 1) - 1];
    double got = pf_hist_percentile(&hist, ps[k]);
    ck_assert_msg(fabs(got - exact) <= exact / 64, "p%g of %zu: %f, exact %f",
                  ps[k] * 100, n, got, exact);
  }
  ck_assert_uint_eq(hist.max_us, v[n - 1]);
  ck_assert_uint_eq(pf_hist_samples(&hist), n);
}

START_TEST(test_percentiles_log_uniform) {
  /* 1 us to about 100 s, log-uniform: every scale a handshake can have. */
  size_t n = 10007;
  uint64_t *v = malloc(n * sizeof(*v));
  uint64_t state = 88172645463325252ull;
  for (size_t i = 0; i < n; i++) {
    unsigned e = (unsigned)(rng(&state) % 27);
    v[i] = ((uint64_t)1 << e) + rng(&state) % ((uint64_t)1 << e);
  }
  check_against_sorted(v, n);
  free(v);
}
END_TEST

START_TEST(test_percentiles_small_sets) {
  /* Few samples (typical of one interval), and values below 32 us, which
   * are exact. */
  uint64_t a[] = {12000};
  check_against_sorted(a, 1);
  ck_assert(pf_hist_percentile(&hist, 0.5) == 12000 ||
            fabs(pf_hist_percentile(&hist, 0.5) - 12000) <= 12000 / 64.0);
  uint64_t b[] = {3, 1, 2, 31, 7};
  check_against_sorted(b, 5);
  ck_assert(pf_hist_percentile(&hist, 0.5) == 3);
  ck_assert(pf_hist_percentile(&hist, 1.0) == 31);
  uint64_t c[] = {100000, 100000, 100000, 250000, 5000000,
                  100000, 100000, 100000, 100000, 100000};
  check_against_sorted(c, 10);
  /* p90 of ten is the 9th smallest (100 ms), p99 the 10th (5 s) */
  ck_assert(fabs(pf_hist_percentile(&hist, 0.9) - 250000) <= 250000 / 64.0);
  ck_assert(fabs(pf_hist_percentile(&hist, 0.99) - 5000000) <= 5000000 / 64.0);
}
END_TEST

START_TEST(test_empty_and_merge) {
  pf_hist_reset(&hist);
  ck_assert(pf_hist_percentile(&hist, 0.5) < 0);
  pf_hist_reset(&other);
  uint64_t state = 7;
  uint64_t all[2000];
  for (int i = 0; i < 2000; i++) {
    all[i] = rng(&state) % 3000000;
    pf_hist_add(i % 2 ? &hist : &other, all[i]);
  }
  pf_hist_merge(&hist, &other);
  struct pf_hist *merged = malloc(sizeof(*merged));
  *merged = hist;
  check_against_sorted(all, 2000); /* rebuilds hist from all samples */
  ck_assert_mem_eq(merged, &hist, sizeof(hist));
  free(merged);
}
END_TEST

START_TEST(test_zero_samples_are_samples) {
  /* The emptiness test reads the maximum and the first bucket: samples of
   * 0 us leave the maximum at 0 and must still count, merge and report. */
  pf_hist_reset(&hist);
  pf_hist_reset(&other);
  ck_assert(pf_hist_empty(&hist));
  ck_assert_uint_eq(pf_hist_samples(&hist), 0);
  pf_hist_add(&other, 0);
  pf_hist_add(&other, 0);
  ck_assert(!pf_hist_empty(&other));
  ck_assert_uint_eq(other.max_us, 0);
  ck_assert_uint_eq(pf_hist_samples(&other), 2);
  ck_assert(pf_hist_percentile(&other, 0.5) == 0);
  pf_hist_merge(&hist, &other);
  ck_assert(!pf_hist_empty(&hist));
  ck_assert_uint_eq(pf_hist_samples(&hist), 2);
  ck_assert(pf_hist_percentile(&hist, 1.0) == 0);
}
END_TEST

START_TEST(test_percentiles_at_once) {
  /* Several fractions in one call give what one call each gives, in any
   * order; an empty histogram gives -1 for each and a count of 0. */
  static const double ps[] = {0.5, 0.9, 0.99, 0.9, 0.01, 1.0, 1.0};
  enum { N = sizeof(ps) / sizeof(ps[0]) };
  double got[N];
  pf_hist_reset(&hist);
  ck_assert_uint_eq(pf_hist_percentiles(&hist, ps, N, got), 0);
  for (int k = 0; k < N; k++)
    ck_assert(got[k] == -1);
  uint64_t state = 11;
  for (int i = 0; i < 777; i++)
    pf_hist_add(&hist, rng(&state) % 4000000);
  pf_hist_add(&hist, UINT64_MAX); /* the last bucket, summed apart */
  ck_assert_uint_eq(pf_hist_percentiles(&hist, ps, N, got), 778);
  ck_assert_uint_eq(pf_hist_samples(&hist), 778);
  for (int k = 0; k < N; k++)
    ck_assert_msg(got[k] == pf_hist_percentile(&hist, ps[k]), "p%g: %g",
                  ps[k] * 100, got[k]);
  ck_assert(got[5] == (double)UINT64_MAX / 2 + (double)(1ull << 35));
}
END_TEST

START_TEST(test_huge_values) {
  pf_hist_reset(&hist);
  pf_hist_add(&hist, UINT64_MAX);
  ck_assert_uint_eq(pf_hist_bucket_of(UINT64_MAX), PF_HIST_BUCKETS - 1);
  ck_assert_uint_eq(hist.max_us, UINT64_MAX);
  ck_assert(pf_hist_percentile(&hist, 0.5) >= (double)(1ull << 36));
}
END_TEST

Suite *pf_latency_hist_suite(void) {
  Suite *s = suite_create("latency_hist");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_buckets_hold_their_values);
  tcase_add_test(tc, test_percentiles_log_uniform);
  tcase_add_test(tc, test_percentiles_small_sets);
  tcase_add_test(tc, test_empty_and_merge);
  tcase_add_test(tc, test_zero_samples_are_samples);
  tcase_add_test(tc, test_percentiles_at_once);
  tcase_add_test(tc, test_huge_values);
  suite_add_tcase(s, tc);
  return s;
}
