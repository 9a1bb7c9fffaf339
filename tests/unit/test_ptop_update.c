/* test_ptop_update.c - one update of collectd as pcapflow-top sees it. The
 * plugin leaves vl.time 0, so collectd stamps each value as it is
 * dispatched: an update's series differ by milliseconds (by tens of them
 * on a loaded host), and reach collectd's cache in the order its write
 * threads take them. The view must take them as one update all the same:
 * the handshake's quantiles side by side, a top list's keys with the
 * interval's whole bytes, the clock's step not cut in two. */
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "names.h"
#include "suites.h"
#include "tally.h"
#include "view.h"

#define T0 1000.0

/* A gauge of source lo read at collectd's time t. */
static void at(struct pft_store *st, const char *key, double t, double v) {
  char ident[PFT_IDENT_MAX];
  snprintf(ident, sizeof ident, "h/pcapflow-lo/%s", key);
  struct pft_series *s = pft_store_listed(st, ident, NULL, NULL);
  ck_assert_msg(s != NULL, "%s", ident);
  pft_acc_update(&s->acc, t, &v, 1, s->counter, 2);
  pft_clock_advance(&st->sources[s->source].clock, t);
}

/* A source whose clock has seen two updates 2 s apart, the second at T0. */
static void source(struct pft_store *st) {
  ck_assert_int_eq(pft_store_init(st), 0);
  at(st, pft_ids[PFT_CAPTURE_UP], T0 - 2, 1);
  at(st, pft_ids[PFT_CAPTURE_UP], T0, 1);
}

/* The screen's row that starts with prefix ("" when none). */
static const char *row(const struct pft_store *st, const char *prefix) {
  static struct pft_screen scr;
  struct pft_view v;
  pft_view_init(&v, st, 0);
  pft_view_draw(&v, 120, -1, &scr);
  for (int i = 0; i < scr.n; i++)
    if (strncmp(scr.rows[i]->text, prefix, strlen(prefix)) == 0)
      return scr.rows[i]->text;
  return "";
}

static void has(const char *text, const char *want) {
  ck_assert_msg(strstr(text, want) != NULL, "\"%s\" lacks \"%s\"", text, want);
}

/* After a tally, hosts 198.18.0.1 and .2 have 3000 and 1000 bytes of the
 * interval's 4000. */
static void tallied_3_to_1(struct pft_store *st) {
  pft_tally_lists(st);
  has(row(st, "198.18.0.1 "), " 75% ");
  has(row(st, "198.18.0.2 "), " 25% ");
}

/* p50 and p90 dispatched at .001, p99 and max at .002 (a millisecond
 * boundary between them, as LISTVAL gives times): all four are shown. */
START_TEST(test_handshake_quantiles_across_a_millisecond) {
  static struct pft_store st;
  source(&st);
  at(&st, pft_ids[PFT_TCP_COMPLETED], T0, 0); /* TcpAnalysis on */
  const double us[PFT_N_QUANTILES] = {3e-6, 4e-6, 27e-6, 27e-6};
  for (int q = 0; q < PFT_N_QUANTILES; q++)
    at(&st, pft_handshake[0].ids[q], T0 + 0.001 * (1 + q / 2), us[q]);
  const char *hs = row(&st, "handshake ");
  has(hs, "p50 3.00 us");
  has(hs, "p90 4.00 us");
  has(hs, "p99 27.0 us");
  has(hs, "max 27.0 us");
  pft_store_free(&st);
}
END_TEST

/* A read of collectd on a loaded host: the list's keys dispatched 60 ms
 * apart, `other` after them. Both keys are of the update, with shares of
 * its 4000 bytes. */
START_TEST(test_top_list_spread_over_a_loaded_read) {
  static struct pft_store st;
  source(&st);
  at(&st, "bytes-top_host_198_18_0_1", T0 + 0.010, 3000);
  at(&st, "bytes-top_host_198_18_0_2", T0 + 0.070, 1000);
  at(&st, "bytes-top_host_other", T0 + 0.090, 0);
  tallied_3_to_1(&st);
  pft_store_free(&st);
}
END_TEST

/* collectd's write threads put `other` into its cache before the last key:
 * the read after that one counts the key into the interval's bytes. Once
 * `other` moves on (an update without keys), the list keeps its shares. */
START_TEST(test_key_cached_after_other_is_counted) {
  static struct pft_store st;
  source(&st);
  at(&st, "bytes-top_host_198_18_0_1", T0 + 0.001, 3000);
  at(&st, "bytes-top_host_other", T0 + 0.002, 0);
  pft_tally_lists(&st);
  has(row(&st, "198.18.0.1 "), " 100% ");
  at(&st, "bytes-top_host_198_18_0_2", T0 + 0.001, 1000);
  tallied_3_to_1(&st);
  at(&st, pft_ids[PFT_CAPTURE_UP], T0 + 2, 1);
  at(&st, "bytes-top_host_other", T0 + 2.001, 0);
  pft_tally_lists(&st);
  has(row(&st, "198.18.0.1 "), " 75% ");
  has(row(&st, "TOP HOSTS"), ", 2 s ago");
  pft_store_free(&st);
}
END_TEST

/* A read in the middle of an update dispatched over 80 ms is not a step:
 * the interval stays 2 s (less the spread: a step counts from the last
 * value of the update read). */
START_TEST(test_clock_read_mid_update) {
  struct pft_clock c = {0};
  ck_assert(pft_clock_advance(&c, 100));
  ck_assert(!pft_clock_advance(&c, 100.08));
  ck_assert(pft_clock_advance(&c, 102));
  ck_assert(!pft_clock_advance(&c, 102.08));
  ck_assert(pft_clock_advance(&c, 104));
  ck_assert_double_eq_tol(pft_clock_interval(&c), 1.92, 1e-9);
}
END_TEST

Suite *pf_ptop_update_suite(void) {
  Suite *s = suite_create("ptop_update");
  TCase *tc = tcase_create("one update");
  tcase_add_test(tc, test_handshake_quantiles_across_a_millisecond);
  tcase_add_test(tc, test_top_list_spread_over_a_loaded_read);
  tcase_add_test(tc, test_key_cached_after_other_is_counted);
  tcase_add_test(tc, test_clock_read_mid_update);
  suite_add_tcase(s, tc);
  return s;
}
