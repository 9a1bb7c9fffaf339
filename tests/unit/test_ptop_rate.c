/* test_ptop_rate.c - pcapflow-top's rates and totals: collectd's cache rate
 * times each step adds up to the counts exactly; the first reading (a rate
 * of a step before the view started), NaN (collectd's first value) and a
 * counter that went back add nothing and say so; a step the view missed
 * adds one interval and is counted; a source's interval is the mean of its
 * recent steps that missed nothing, and a half-read update is no step. */
#include <math.h>

#include <check.h>

#include "rate.h"
#include "suites.h"

static void update(struct pft_acc *a, double t, double rx, double tx,
                   double interval) {
  const double v[2] = {rx, tx};
  pft_acc_update(a, t, v, 2, true, interval);
}

START_TEST(test_first_reading_adds_nothing) {
  struct pft_acc a = {0};
  update(&a, 100, 27.5, 10, 0);
  ck_assert_double_eq(a.value[0], 27.5);
  ck_assert(!pft_acc_has_total(&a));
  ck_assert_double_eq(a.total[0], 0);
}
END_TEST

START_TEST(test_steps_add_rate_times_step) {
  struct pft_acc a = {0};
  update(&a, 100, 1, 1, 0);
  /* 55 packets rx and 38 tx in a step of 2.0005 s, as collectd's cache
   * computes their rates. */
  update(&a, 102.0005, 55 / 2.0005, 38 / 2.0005, 0);
  update(&a, 104.001, 0, 0, 2.0005);
  update(&a, 106, 3 / 1.999, 0, 2.0005);
  ck_assert(pft_acc_has_total(&a));
  ck_assert_uint_eq(a.steps, 3);
  ck_assert_double_eq_tol(a.total[0], 58, 1e-9);
  ck_assert_double_eq_tol(a.total[1], 38, 1e-9);
  ck_assert_uint_eq(a.missed, 0);
  ck_assert_uint_eq(a.unknown, 0);
}
END_TEST

START_TEST(test_same_time_is_no_news) {
  struct pft_acc a = {0};
  update(&a, 100, 1, 1, 0);
  update(&a, 102, 5, 5, 0);
  update(&a, 102, 5, 5, 0);
  ck_assert_uint_eq(a.steps, 1);
  ck_assert_double_eq(a.total[0], 10);
}
END_TEST

START_TEST(test_nan_and_negative_add_nothing) {
  struct pft_acc a = {0};
  update(&a, 100, NAN, NAN, 0); /* collectd's first value */
  ck_assert(isnan(a.value[0]));
  update(&a, 102, NAN, NAN, 2);
  update(&a, 104, -3, 1, 2); /* a counter went back */
  ck_assert(isnan(a.value[0]));
  ck_assert_uint_eq(a.unknown, 2);
  ck_assert(!pft_acc_has_total(&a));
  update(&a, 106, 1, 2, 2);
  ck_assert_double_eq(a.total[0], 2);
  ck_assert_double_eq(a.total[1], 4);
}
END_TEST

START_TEST(test_missed_step_adds_one_interval) {
  struct pft_acc a = {0};
  update(&a, 100, 0, 0, 2);
  update(&a, 106, 10, 0, 2); /* two updates of collectd not seen */
  ck_assert_uint_eq(a.missed, 1);
  ck_assert_double_eq(a.total[0], 20);
  update(&a, 108.9, 10, 0, 2); /* 1.45 intervals: jitter, no miss */
  ck_assert_uint_eq(a.missed, 1);
  ck_assert_double_eq_tol(a.total[0], 49, 1e-9);
}
END_TEST

START_TEST(test_clock_going_back_keeps_totals) {
  struct pft_acc a = {0};
  update(&a, 100, 0, 0, 0);
  update(&a, 102, 5, 5, 0);
  update(&a, 50, 7, 7, 0); /* collectd's clock was set back */
  ck_assert_double_eq(a.time, 50);
  ck_assert_double_eq(a.total[0], 10);
  update(&a, 52, 1, 1, 0);
  ck_assert_double_eq(a.total[0], 12);
}
END_TEST

START_TEST(test_gauges_have_no_totals) {
  struct pft_acc a = {0};
  const double v1[1] = {37}, v2[1] = {-1};
  pft_acc_update(&a, 100, v1, 1, false, 0);
  pft_acc_update(&a, 102, v2, 1, false, 0);
  ck_assert_double_eq(a.value[0], -1);
  ck_assert(!pft_acc_has_total(&a));
}
END_TEST

START_TEST(test_clock_interval) {
  struct pft_clock c = {0};
  ck_assert(pft_clock_advance(&c, 100.014));
  ck_assert_double_eq(pft_clock_interval(&c), 0);
  ck_assert(!pft_clock_advance(&c, 100.015)); /* the rest of the update */
  ck_assert(pft_clock_advance(&c, 102.016));
  ck_assert_double_eq_tol(pft_clock_interval(&c), 2.001, 1e-9);
  ck_assert(pft_clock_advance(&c, 106.02)); /* one update missed */
  ck_assert_double_eq_tol(pft_clock_interval(&c), 2.001, 1e-9);
  ck_assert(pft_clock_advance(&c, 108.0)); /* jitter: 1.98 s */
  ck_assert_double_eq_tol(pft_clock_interval(&c), (2.001 + 1.98) / 2, 1e-9);
  ck_assert(!pft_clock_advance(&c, 106.02));
  ck_assert(!pft_clock_advance(&c, 90));
  /* collectd restarted with Interval 10: eight steps later, 10 it is. */
  double t = 108.0;
  for (int i = 0; i < PFT_CLOCK_STEPS; i++)
    pft_clock_advance(&c, t += 10);
  ck_assert_double_eq_tol(pft_clock_interval(&c), 10, 1e-9);
}
END_TEST

Suite *pf_ptop_rate_suite(void) {
  Suite *s = suite_create("ptop_rate");
  TCase *tc = tcase_create("totals");
  tcase_add_test(tc, test_first_reading_adds_nothing);
  tcase_add_test(tc, test_steps_add_rate_times_step);
  tcase_add_test(tc, test_same_time_is_no_news);
  tcase_add_test(tc, test_nan_and_negative_add_nothing);
  tcase_add_test(tc, test_missed_step_adds_one_interval);
  tcase_add_test(tc, test_clock_going_back_keeps_totals);
  tcase_add_test(tc, test_gauges_have_no_totals);
  suite_add_tcase(s, tc);
  tc = tcase_create("clock");
  tcase_add_test(tc, test_clock_interval);
  suite_add_tcase(s, tc);
  return s;
}
