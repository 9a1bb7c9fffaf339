/* test_ptop_fmt.c - pcapflow-top's figures: three significant digits with SI
 * prefixes that carry over at the rounding edge, exact short counts, rates
 * and durations with units, shares and ages; NaN as "-"; and top-N keys
 * back into addresses, services and flows. */
#include <math.h>
#include <string.h>

#include <check.h>

#include "fmt.h"
#include "label.h"
#include "suites.h"

static const char *si(double v) {
  static char out[PFT_FIG_MAX];
  pft_fmt_si(out, v);
  return out;
}

START_TEST(test_si) {
  ck_assert_str_eq(si(0), "0");
  ck_assert_str_eq(si(0.5), "0.50");
  ck_assert_str_eq(si(0.001), "<0.01");
  ck_assert_str_eq(si(27.5), "27.5");
  ck_assert_str_eq(si(999), "999");
  ck_assert_str_eq(si(999.4), "999");
  ck_assert_str_eq(si(999.6), "1.00k");
  ck_assert_str_eq(si(3928), "3.93k");
  ck_assert_str_eq(si(12345), "12.3k");
  ck_assert_str_eq(si(123456), "123k");
  ck_assert_str_eq(si(999999), "1.00M");
  ck_assert_str_eq(si(3.41e9), "3.41G");
  ck_assert_str_eq(si(NAN), "-");
  ck_assert_str_eq(si(-1), "-");
  ck_assert_str_eq(si(INFINITY), "-");
}
END_TEST

START_TEST(test_counts_rates_durations) {
  char out[PFT_FIG_MAX];
  pft_fmt_count(out, 171.0000004);
  ck_assert_str_eq(out, "171");
  pft_fmt_count(out, 99999.4);
  ck_assert_str_eq(out, "99999");
  pft_fmt_count(out, 123456);
  ck_assert_str_eq(out, "123k");
  pft_fmt_rate(out, 1200, "pps");
  ck_assert_str_eq(out, "1.20 kpps");
  pft_fmt_rate(out, 3.41e6, "bit/s");
  ck_assert_str_eq(out, "3.41 Mbit/s");
  pft_fmt_rate(out, NAN, "pps");
  ck_assert_str_eq(out, "- pps");
  pft_fmt_duration(out, 0.000850);
  ck_assert_str_eq(out, "850 us");
  pft_fmt_duration(out, 0.0159);
  ck_assert_str_eq(out, "15.9 ms");
  pft_fmt_duration(out, 0.00503);
  ck_assert_str_eq(out, "5.03 ms");
  pft_fmt_duration(out, 0.9996);
  ck_assert_str_eq(out, "1.00 s");
  pft_fmt_duration(out, NAN);
  ck_assert_str_eq(out, "-");
}
END_TEST

START_TEST(test_shares_and_ages) {
  char out[PFT_FIG_MAX];
  pft_fmt_share(out, 45, 100);
  ck_assert_str_eq(out, "45%");
  pft_fmt_share(out, 1, 200);
  ck_assert_str_eq(out, "0.5%");
  pft_fmt_share(out, 1, 10000);
  ck_assert_str_eq(out, "<0.1%");
  pft_fmt_share(out, 0, 10);
  ck_assert_str_eq(out, "0%");
  pft_fmt_share(out, 1, 0);
  ck_assert_str_eq(out, "-");
  pft_fmt_age(out, 12.4);
  ck_assert_str_eq(out, "12 s");
  pft_fmt_age(out, 600);
  ck_assert_str_eq(out, "10 min");
  pft_fmt_age(out, 7200);
  ck_assert_str_eq(out, "2 h");
}
END_TEST

static const char *label(enum pft_key_kind kind, const char *key) {
  static char out[200];
  pft_label(out, sizeof out, kind, key);
  return out;
}

START_TEST(test_host_labels) {
  ck_assert_str_eq(label(PFT_KEY_HOST, "198_18_0_1"), "198.18.0.1");
  ck_assert_str_eq(label(PFT_KEY_HOST, "198_18_0_0_24"), "198.18.0.0/24");
  ck_assert_str_eq(label(PFT_KEY_HOST, "2001_db8__1"), "2001:db8::1");
  ck_assert_str_eq(label(PFT_KEY_HOST, "2001_db8___64"), "2001:db8::/64");
  ck_assert_str_eq(label(PFT_KEY_HOST, "fe80__1_2"), "fe80::1:2");
  ck_assert_str_eq(label(PFT_KEY_HOST, "not_an_address"), "not_an_address");
}
END_TEST

START_TEST(test_service_and_flow_labels) {
  ck_assert_str_eq(label(PFT_KEY_SERVICE, "icmp"), "icmp");
  ck_assert_str_eq(label(PFT_KEY_SERVICE, "ip50"), "ip50");
  /* The services database may name the port: the number comes first. */
  ck_assert_ptr_nonnull(strstr(label(PFT_KEY_SERVICE, "tcp_443"), "tcp/443"));
  ck_assert_str_eq(label(PFT_KEY_SERVICE, "udp_65000"), "udp/65000");
  ck_assert_str_eq(label(PFT_KEY_FLOW, "tcp_198_18_0_1_51234_198_19_0_2_443"),
                   "tcp 198.18.0.1:51234 <> 198.19.0.2:443");
  ck_assert_str_eq(label(PFT_KEY_FLOW, "udp_2001_db8__1_53_2001_db8__2_5353"),
                   "udp [2001:db8::1]:53 <> [2001:db8::2]:5353");
  ck_assert_str_eq(label(PFT_KEY_FLOW, "icmp_198_18_0_1_198_19_0_2_id77"),
                   "icmp 198.18.0.1 <> 198.19.0.2 id77");
  ck_assert_str_eq(label(PFT_KEY_FLOW, "gre_198_18_0_1_198_19_0_2"),
                   "gre 198.18.0.1 <> 198.19.0.2");
  ck_assert_str_eq(
      label(PFT_KEY_FLOW, "tcp_198_18_0_1_1_198_19_0_2_80_vlan200_0"),
      "tcp 198.18.0.1:1 <> 198.19.0.2:80 vlan200_0");
  ck_assert_str_eq(label(PFT_KEY_FLOW, "tcp_garbage"), "tcp_garbage");
}
END_TEST

Suite *pf_ptop_fmt_suite(void) {
  Suite *s = suite_create("ptop_fmt");
  TCase *tc = tcase_create("figures");
  tcase_add_test(tc, test_si);
  tcase_add_test(tc, test_counts_rates_durations);
  tcase_add_test(tc, test_shares_and_ages);
  suite_add_tcase(s, tc);
  tc = tcase_create("labels");
  tcase_add_test(tc, test_host_labels);
  tcase_add_test(tc, test_service_and_flow_labels);
  suite_add_tcase(s, tc);
  return s;
}
