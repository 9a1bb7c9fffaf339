/* test_dns_names.c - the names series are keyed by: collectd's dns
 * plugin's type_instances (src/app/dns_collectd.c) and the registered
 * domain of a queried name (src/app/domain.c). */
#include <string.h>

#include <check.h>

#include "app/dns_collectd.h"
#include "app/domain.h"
#include "suites.h"

START_TEST(test_collectd_qtype_names) {
  char buf[PF_COLLECTD_DNS_NAME_MAX];
  ck_assert_str_eq(pf_collectd_dns_qtype(1, buf), "A");
  ck_assert_str_eq(pf_collectd_dns_qtype(28, buf), "AAAA");
  ck_assert_str_eq(pf_collectd_dns_qtype(23, buf), "NSAP-PTR");
  ck_assert_str_eq(pf_collectd_dns_qtype(62, buf), "CSYNC");
  ck_assert_str_eq(pf_collectd_dns_qtype(255, buf), "ANY");
  ck_assert_str_eq(pf_collectd_dns_qtype(32769, buf), "DLV");
  ck_assert_str_eq(pf_collectd_dns_qtype(54, buf), "#54");
  ck_assert_str_eq(pf_collectd_dns_qtype(65, buf), "#65"); /* HTTPS */
  ck_assert_str_eq(pf_collectd_dns_qtype(0, buf), "#0");
  ck_assert_str_eq(pf_collectd_dns_qtype(65535, buf), "#65535");
}
END_TEST

/* 84 qtypes have names (collectd's qtype_str has 84 cases), each found:
 * the table is sorted. */
START_TEST(test_collectd_qtype_table_complete) {
  char buf[PF_COLLECTD_DNS_NAME_MAX];
  int named = 0;
  for (uint32_t t = 0; t <= 65535; t++)
    named += pf_collectd_dns_qtype((uint16_t)t, buf)[0] != '#';
  ck_assert_int_eq(named, 84);
}
END_TEST

START_TEST(test_collectd_opcode_and_rcode_names) {
  char buf[PF_COLLECTD_DNS_NAME_MAX];
  ck_assert_str_eq(pf_collectd_dns_opcode(0, buf), "Query");
  ck_assert_str_eq(pf_collectd_dns_opcode(4, buf), "Notify");
  ck_assert_str_eq(pf_collectd_dns_opcode(5, buf), "Update");
  ck_assert_str_eq(pf_collectd_dns_opcode(3, buf), "Opcode3");
  ck_assert_str_eq(pf_collectd_dns_opcode(15, buf), "Opcode15");
  ck_assert_str_eq(pf_collectd_dns_rcode(0, buf), "RCode0"); /* NOERROR */
  ck_assert_str_eq(pf_collectd_dns_rcode(3, buf), "NXDOMAIN");
  ck_assert_str_eq(pf_collectd_dns_rcode(5, buf), "REFUSED");
  ck_assert_str_eq(pf_collectd_dns_rcode(11, buf), "MAX");
  ck_assert_str_eq(pf_collectd_dns_rcode(12, buf), "RCode12");
  ck_assert_str_eq(pf_collectd_dns_rcode(16, buf), "BADSIG");
  ck_assert_str_eq(pf_collectd_dns_rcode(4095, buf), "RCode4095");
}
END_TEST

static const char *registered(const char *name) {
  return name + pf_domain_registered(name, (uint32_t)strlen(name));
}

START_TEST(test_registered_domains) {
  static const char *const cases[][2] = {
      {"www.example.com", "example.com"},
      {"a.b.c.example.org", "example.org"},
      {"example.com", "example.com"},
      {"com", "com"},
      {"", ""},
      {"www.bbc.co.uk", "bbc.co.uk"},
      {"co.uk", "co.uk"},
      {"shop.example.com.au", "example.com.au"},
      {"www.city.or.jp", "city.or.jp"},
      {"impots.gouv.fr", "impots.gouv.fr"},
      {"x.y.example.de", "example.de"},
      {"10.7.18.198.in-addr.arpa", "198.in-addr.arpa"},
      {"1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", "2.ip6.arpa"},
      {"_http._tcp.svc.test", "svc.test"},
      {"www.example.co", "example.co"},   /* .co itself is a TLD */
      {"foo.com.example", "com.example"}, /* com as SLD of a long TLD */
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    ck_assert_str_eq(registered(cases[i][0]), cases[i][1]);
}
END_TEST

Suite *pf_dns_names_suite(void) {
  Suite *s = suite_create("dns_names");
  TCase *tc = tcase_create("collectd");
  tcase_add_test(tc, test_collectd_qtype_names);
  tcase_add_test(tc, test_collectd_qtype_table_complete);
  tcase_add_test(tc, test_collectd_opcode_and_rcode_names);
  suite_add_tcase(s, tc);
  tc = tcase_create("domain");
  tcase_add_test(tc, test_registered_domains);
  suite_add_tcase(s, tc);
  return s;
}
