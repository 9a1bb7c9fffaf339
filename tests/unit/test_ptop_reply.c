/* test_ptop_reply.c - pcapflow-top reads collectd's unixsock lines: status
 * lines, LISTVAL lines, GETVAL values (NaN included) and identifiers, and
 * refuses what collectd 5 does not send. */
#include <math.h>
#include <string.h>

#include <check.h>

#include "reply.h"
#include "suites.h"

START_TEST(test_status_lines) {
  long st;
  const char *msg;
  ck_assert(pft_parse_status("104 Values found", &st, &msg));
  ck_assert_int_eq(st, 104);
  ck_assert_str_eq(msg, "Values found");
  ck_assert(pft_parse_status("-1 No such value", &st, &msg));
  ck_assert_int_eq(st, -1);
  ck_assert_str_eq(msg, "No such value");
  ck_assert(pft_parse_status("0", &st, &msg));
  ck_assert(!pft_parse_status("Values found", &st, &msg));
  ck_assert(!pft_parse_status("12x found", &st, &msg));
  ck_assert(!pft_parse_status("", &st, &msg));
}
END_TEST

START_TEST(test_listval_lines) {
  double t;
  const char *id;
  ck_assert(pft_parse_listval(
      "1796562155.014 pcapflow-test/pcapflow-lo/if_packets-tcp", &t, &id));
  ck_assert_double_eq_tol(t, 1796562155.014, 1e-6);
  ck_assert_str_eq(id, "pcapflow-test/pcapflow-lo/if_packets-tcp");
  ck_assert(pft_parse_listval("1182204284 myhost/cpu-0/cpu-idle", &t, &id));
  ck_assert(!pft_parse_listval("1182204284", &t, &id));
  ck_assert(!pft_parse_listval("1182204284 ", &t, &id));
  ck_assert(!pft_parse_listval("nan host/p/t", &t, &id));
  ck_assert(!pft_parse_listval("-5 host/p/t", &t, &id));
  ck_assert(!pft_parse_listval("host/p/t", &t, &id));
}
END_TEST

START_TEST(test_values) {
  double v;
  ck_assert(pft_parse_value("rx=2.750000e+01", &v));
  ck_assert_double_eq(v, 27.5);
  ck_assert(pft_parse_value("value=0.000000e+00", &v));
  ck_assert_double_eq(v, 0);
  ck_assert(pft_parse_value("value=NaN", &v));
  ck_assert(isnan(v));
  ck_assert(pft_parse_value("seconds=-1.5e-03", &v));
  ck_assert_double_eq_tol(v, -0.0015, 1e-12);
  ck_assert(!pft_parse_value("value=", &v));
  ck_assert(!pft_parse_value("=1", &v));
  ck_assert(!pft_parse_value("value=1.0 x", &v));
  ck_assert(!pft_parse_value("value 1.0", &v));
}
END_TEST

START_TEST(test_identifiers) {
  struct pft_ident id;
  ck_assert(
      pft_parse_ident("h.example/pcapflow_class-lo-p90/duration-web_v6", &id));
  ck_assert_str_eq(id.host, "h.example");
  ck_assert_str_eq(id.plugin, "pcapflow_class");
  ck_assert_str_eq(id.plugin_instance, "lo-p90");
  ck_assert_str_eq(id.type, "duration");
  ck_assert_str_eq(id.type_instance, "web_v6");
  ck_assert(pft_parse_ident("h/load/load", &id));
  ck_assert_str_eq(id.plugin_instance, "");
  ck_assert_str_eq(id.type_instance, "");
  ck_assert(!pft_parse_ident("h/load", &id));
  ck_assert(!pft_parse_ident("h/a/b/c", &id));
  ck_assert(!pft_parse_ident("/a/b", &id));
  ck_assert(!pft_parse_ident("h//b", &id));
  ck_assert(!pft_parse_ident("h/-x/b", &id));
  char longest[PFT_IDENT_MAX + 8];
  memset(longest, 'a', sizeof longest - 1);
  longest[sizeof longest - 1] = '\0';
  longest[3] = longest[6] = '/';
  ck_assert(!pft_parse_ident(longest, &id));
}
END_TEST

Suite *pf_ptop_reply_suite(void) {
  Suite *s = suite_create("ptop_reply");
  TCase *tc = tcase_create("lines");
  tcase_add_test(tc, test_status_lines);
  tcase_add_test(tc, test_listval_lines);
  tcase_add_test(tc, test_values);
  tcase_add_test(tc, test_identifiers);
  suite_add_tcase(s, tc);
  return s;
}
