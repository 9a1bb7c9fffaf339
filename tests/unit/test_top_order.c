/* test_top_order.c - the order of tied keys in the top lists
 * (shard/top_order.h): numbers as numbers whatever the byte order, each
 * field in its documented place, 0 only for equal keys; and each list's
 * kind has its order. */
#include <string.h>

#include <check.h>

#include "shard/top_order.h"
#include "suites.h"

static int sign(int c) { return (c > 0) - (c < 0); }

/* a before b, b after a. */
static void expect_before(int (*order)(const void *, const void *),
                          const void *a, const void *b) {
  ck_assert_int_eq(sign(order(a, b)), -1);
  ck_assert_int_eq(sign(order(b, a)), 1);
  ck_assert_int_eq(order(a, a), 0);
}

static int host_order(const void *a, const void *b) {
  return memcmp(a, b, sizeof(struct pf_host_key));
}

static struct pf_host_key host(uint8_t family, const uint8_t *addr,
                               unsigned len) {
  struct pf_host_key k;
  memset(&k, 0, sizeof(k));
  k.family = family;
  k.prefix = family == 4 ? 32 : 128;
  memcpy(k.addr, addr, len);
  return k;
}

START_TEST(test_hosts_v4_first_then_by_address) {
  const uint8_t a[4] = {198, 18, 0, 9}, b[4] = {198, 18, 1, 0};
  const uint8_t c[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
  struct pf_host_key x = host(4, a, 4), y = host(4, b, 4), z = host(6, c, 16);
  expect_before(host_order, &x, &y); /* .0.9 before .1.0 */
  expect_before(host_order, &y, &z); /* IPv4 before IPv6 */
}
END_TEST

static struct pf_service_key service(uint8_t proto, uint16_t port) {
  struct pf_service_key k;
  memset(&k, 0, sizeof(k));
  k.proto = proto;
  k.port = port;
  return k;
}

START_TEST(test_services_by_protocol_then_port_number) {
  struct pf_service_key tcp80 = service(6, 80), tcp256 = service(6, 256);
  struct pf_service_key tcp443 = service(6, 443), udp53 = service(17, 53);
  struct pf_service_key icmp = service(1, 0);
  /* 256 is 00 01 in memory on a little-endian machine, 80 is 50 00: the
   * bytes alone would list 256 first there. */
  expect_before(pf_service_key_order, &tcp80, &tcp256);
  expect_before(pf_service_key_order, &tcp256, &tcp443);
  expect_before(pf_service_key_order, &tcp443, &udp53);
  expect_before(pf_service_key_order, &icmp, &tcp80);
}
END_TEST

static struct pf_flow_key flow(uint8_t family, uint8_t proto, uint8_t a,
                               uint16_t pa, uint8_t b, uint16_t pb) {
  struct pf_flow_key k;
  memset(&k, 0, sizeof(k));
  k.family = family;
  k.proto = proto;
  k.addr[0][0] = a;
  k.addr[1][0] = b;
  k.port[0] = pa;
  k.port[1] = pb;
  return k;
}

START_TEST(test_flows_field_by_field) {
  struct pf_flow_key base = flow(4, 6, 10, 500, 20, 80);
  struct pf_flow_key v6 = flow(6, 6, 1, 1, 1, 1);
  struct pf_flow_key udp = flow(4, 17, 1, 1, 1, 1);
  struct pf_flow_key addr0 = flow(4, 6, 11, 1, 1, 1);
  struct pf_flow_key port0 = flow(4, 6, 10, 501, 1, 1);
  struct pf_flow_key port0_256 = flow(4, 6, 10, 256, 20, 80);
  struct pf_flow_key addr1 = flow(4, 6, 10, 500, 21, 1);
  struct pf_flow_key port1 = flow(4, 6, 10, 500, 20, 81);
  expect_before(pf_flow_key_order, &base, &v6);        /* family first */
  expect_before(pf_flow_key_order, &base, &udp);       /* then protocol */
  expect_before(pf_flow_key_order, &base, &addr0);     /* first address */
  expect_before(pf_flow_key_order, &base, &port0);     /* its port */
  expect_before(pf_flow_key_order, &port0_256, &base); /* as numbers */
  expect_before(pf_flow_key_order, &base, &addr1);     /* second address */
  expect_before(pf_flow_key_order, &base, &port1);     /* its port */
  struct pf_flow_key echo = base, outer = base, inner = base;
  echo.echo = 1;
  outer.vlan_outer = 1;
  inner.vlan_inner = 1;
  expect_before(pf_flow_key_order, &base, &echo);
  expect_before(pf_flow_key_order, &outer, &echo); /* echo, then tags */
  expect_before(pf_flow_key_order, &inner, &outer);
  expect_before(pf_flow_key_order, &base, &inner);
}
END_TEST

static struct pf_dns_domain_key name(const char *text, unsigned len) {
  struct pf_dns_domain_key k;
  memset(&k, 0, sizeof(k));
  k.len = (uint8_t)len;
  memcpy(k.text, text, len);
  return k;
}

START_TEST(test_names_by_bytes_shorter_first) {
  struct pf_dns_domain_key site12 = name("site12.example", 14);
  struct pf_dns_domain_key site4 = name("site4.example", 13);
  struct pf_dns_domain_key example = name("example", 7);
  struct pf_dns_domain_key example_org = name("example.org", 11);
  struct pf_dns_domain_key zero = name("example\0", 8);
  expect_before(pf_name_key_order, &site12, &site4); /* bytes, not length */
  expect_before(pf_name_key_order, &example, &example_org);
  expect_before(pf_name_key_order, &example, &zero); /* a zero byte too */
  expect_before(pf_name_key_order, &example_org, &site12);
}
END_TEST

START_TEST(test_each_list_has_its_order) {
  ck_assert_ptr_null(pf_top_order(PF_TOP_HOSTS)); /* memcmp */
  ck_assert_ptr_eq(pf_top_order(PF_TOP_PORTS), pf_service_key_order);
  ck_assert_ptr_eq(pf_top_order(PF_TOP_FLOWS), pf_flow_key_order);
  /* Through a sketch: tcp 80 and tcp 256 tie, 80 is listed first. */
  struct pf_topn t;
  char err[128];
  ck_assert_msg(
      pf_topn_init(&t, 8, sizeof(struct pf_service_key), err, sizeof(err)) == 0,
      "%s", err);
  struct pf_service_key k80 = service(6, 80), k256 = service(6, 256);
  uint64_t bytes[2] = {40, 0};
  pf_topn_add_both(&t, &k256, bytes);
  pf_topn_add_both(&t, &k80, bytes);
  const struct pf_topn_item *items[1];
  uint32_t n = pf_topn_top_by(&t, items, 1, pf_top_order(PF_TOP_PORTS));
  struct pf_service_key got;
  memcpy(&got, items[0]->key, sizeof(got));
  pf_topn_free(&t);
  ck_assert_uint_eq(n, 1);
  ck_assert_uint_eq(got.port, 80);
}
END_TEST

Suite *pf_top_order_suite(void) {
  Suite *s = suite_create("top_order");
  TCase *tc = tcase_create("keys");
  tcase_add_test(tc, test_hosts_v4_first_then_by_address);
  tcase_add_test(tc, test_services_by_protocol_then_port_number);
  tcase_add_test(tc, test_flows_field_by_field);
  tcase_add_test(tc, test_names_by_bytes_shorter_first);
  tcase_add_test(tc, test_each_list_has_its_order);
  suite_add_tcase(s, tc);
  return s;
}
