/* test_localnet.c - prefix parsing and formatting, local-set membership,
 * copies, interface addresses. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "pcapflow/localnet.h"
#include "suites.h"

static struct pf_prefix parse_ok(const char *text) {
  struct pf_prefix p;
  char err[256] = "";
  ck_assert_msg(pf_prefix_parse(text, &p, err, sizeof(err)) == 0,
                "\"%s\" refused: %s", text, err);
  return p;
}

static void add(struct pf_localnet *set, const char *text) {
  struct pf_prefix p = parse_ok(text);
  char err[256];
  ck_assert_int_eq(pf_localnet_add(set, &p, err, sizeof(err)), 0);
}

static bool has4(const struct pf_localnet *set, const char *addr) {
  uint8_t a[4];
  ck_assert_int_eq(inet_pton(AF_INET, addr, a), 1);
  return pf_localnet_has4(set, a);
}

static bool has6(const struct pf_localnet *set, const char *addr) {
  uint8_t a[16];
  ck_assert_int_eq(inet_pton(AF_INET6, addr, a), 1);
  return pf_localnet_has6(set, a);
}

/* A set holding just `prefix`. */
static struct pf_localnet set_of(const char *prefix) {
  struct pf_localnet set;
  pf_localnet_init(&set);
  add(&set, prefix);
  return set;
}

/* ---- parsing ---- */

START_TEST(test_parse_valid_prefixes) {
  static const struct {
    const char *text;
    uint8_t family, length;
    const char *addr;
  } cases[] = {
      {"198.18.0.0/15", 4, 15, "198.18.0.0"},
      {"10.1.2.3", 4, 32, "10.1.2.3"},
      {"10.1.2.3/32", 4, 32, "10.1.2.3"},
      {"0.0.0.0/0", 4, 0, "0.0.0.0"},
      {"192.0.2.128/25", 4, 25, "192.0.2.128"},
      {"255.255.255.255/32", 4, 32, "255.255.255.255"},
      {"2001:db8::/32", 6, 32, "2001:db8::"},
      {"::1", 6, 128, "::1"},
      {"::/0", 6, 0, "::"},
      {"fe80::/10", 6, 10, "fe80::"},
      {"2001:db8:0:1::/64", 6, 64, "2001:db8:0:1::"},
      {"2001:db8:0:1:8000::/65", 6, 65, "2001:db8:0:1:8000::"},
      {"2001:db8::1/128", 6, 128, "2001:db8::1"},
      {"::ffff:192.0.2.1/128", 6, 128, "::ffff:192.0.2.1"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct pf_prefix p = parse_ok(cases[i].text);
    uint8_t addr[16] = {0};
    ck_assert_int_eq(inet_pton(cases[i].family == 4 ? AF_INET : AF_INET6,
                               cases[i].addr, addr),
                     1);
    ck_assert_msg(p.family == cases[i].family && p.length == cases[i].length,
                  "\"%s\": family %u length %u", cases[i].text, p.family,
                  p.length);
    ck_assert_mem_eq(p.addr, addr, cases[i].family == 4 ? 4 : 16);
  }
}
END_TEST

START_TEST(test_parse_invalid_prefixes) {
  static const char *const bad[] = {
      "",                              /* empty */
      "/",                             /* nothing at all */
      "/24",                           /* no address */
      "10.0.0.0/",                     /* no length */
      "10.0.0.0/33",                   /* too long for IPv4 */
      "10.0.0.0/-1",                   /* negative */
      "10.0.0.0/8x",                   /* junk after the length */
      "10.0.0.0/8/8",                  /* two lengths */
      "10.0.0.0/99999999999999999999", /* overflows */
      "10.0.0.256/32",                 /* bad octet */
      "10.0.0/24",                     /* too few octets */
      "10.0.0.0.0",                    /* too many octets */
      "hello",                         /* not an address */
      "10.0.0.0 /8",                   /* space in the address */
      "2001:db8::/129",                /* too long for IPv6 */
      "2001:db8:::/32",                /* bad IPv6 */
      "2001:db8::g/64",                /* bad IPv6 digit */
      /* host bits set beyond the prefix */
      "10.0.0.1/24",
      "198.19.0.0/15", /* the last bit of the 2nd octet is host */
      "192.0.2.1/0",
      "2001:db8::1/64",
      "2001:db8:0:0:8000::/64", /* first bit past a /64 */
      "2001:db8:0:1::/63",      /* last bit before a /64 */
      "::1/127",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    struct pf_prefix p;
    char err[256] = "";
    ck_assert_msg(pf_prefix_parse(bad[i], &p, err, sizeof(err)) == -1,
                  "\"%s\" accepted", bad[i]);
    ck_assert_msg(err[0] != '\0', "\"%s\": no reason given", bad[i]);
  }
}
END_TEST

/* A long input must not overflow anything; the reason is still written. */
START_TEST(test_parse_overlong_input) {
  char text[600];
  memset(text, '1', sizeof(text) - 1);
  text[sizeof(text) - 1] = '\0';
  struct pf_prefix p;
  char err[16];
  ck_assert_int_eq(pf_prefix_parse(text, &p, err, sizeof(err)), -1);
  ck_assert_uint_lt(strlen(err), sizeof(err));
  text[100] = '/';
  ck_assert_int_eq(pf_prefix_parse(text, &p, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_format_round_trips) {
  static const char *const texts[] = {"198.18.0.0/15", "0.0.0.0/0",
                                      "10.1.2.3/32",   "2001:db8::/32",
                                      "::1/128",       "fe80::/10"};
  for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
    struct pf_prefix p = parse_ok(texts[i]);
    char buf[64];
    pf_prefix_format(&p, buf, sizeof(buf));
    ck_assert_str_eq(buf, texts[i]);
  }
  struct pf_prefix host = parse_ok("192.0.2.7");
  char buf[64];
  pf_prefix_format(&host, buf, sizeof(buf));
  ck_assert_str_eq(buf, "192.0.2.7/32");
}
END_TEST

/* ---- membership ---- */

START_TEST(test_ipv4_membership_at_prefix_edges) {
  struct pf_localnet set = set_of("192.0.2.0/24");
  ck_assert(has4(&set, "192.0.2.0"));
  ck_assert(has4(&set, "192.0.2.255"));
  ck_assert(!has4(&set, "192.0.1.255"));
  ck_assert(!has4(&set, "192.0.3.0"));
  ck_assert(!has4(&set, "64.0.2.1")); /* differs only in the first octet */
  pf_localnet_free(&set);

  set = set_of("198.18.0.0/15");
  ck_assert(has4(&set, "198.18.0.0"));
  ck_assert(has4(&set, "198.19.255.255"));
  ck_assert(!has4(&set, "198.17.255.255"));
  ck_assert(!has4(&set, "198.20.0.0"));
  pf_localnet_free(&set);

  set = set_of("192.0.2.128/25");
  ck_assert(has4(&set, "192.0.2.128"));
  ck_assert(!has4(&set, "192.0.2.127"));
  pf_localnet_free(&set);
}
END_TEST

START_TEST(test_ipv4_host_and_everything) {
  struct pf_localnet set = set_of("10.0.0.1/32");
  ck_assert(has4(&set, "10.0.0.1"));
  ck_assert(!has4(&set, "10.0.0.0"));
  ck_assert(!has4(&set, "10.0.0.2"));
  ck_assert(!has4(&set, "11.0.0.1"));
  pf_localnet_free(&set);

  set = set_of("0.0.0.0/0");
  ck_assert(has4(&set, "0.0.0.0"));
  ck_assert(has4(&set, "255.255.255.255"));
  ck_assert(has4(&set, "127.0.0.1"));
  ck_assert(!has6(&set, "::")); /* an IPv4 /0 is not an IPv6 one */
  pf_localnet_free(&set);

  set = set_of("128.0.0.0/1");
  ck_assert(has4(&set, "128.0.0.0"));
  ck_assert(has4(&set, "255.255.255.255"));
  ck_assert(!has4(&set, "127.255.255.255"));
  pf_localnet_free(&set);
}
END_TEST

/* The set keeps IPv6 as two 64-bit halves: test both sides of that seam. */
START_TEST(test_ipv6_membership_around_the_64_bit_boundary) {
  struct pf_localnet set = set_of("2001:db8:0:1::/64");
  ck_assert(has6(&set, "2001:db8:0:1::"));
  ck_assert(has6(&set, "2001:db8:0:1:ffff:ffff:ffff:ffff"));
  ck_assert(!has6(&set, "2001:db8:0:2::"));
  ck_assert(!has6(&set, "2001:db8:0:0:ffff:ffff:ffff:ffff"));
  pf_localnet_free(&set);

  set = set_of("2001:db8:0:1:8000::/65");
  ck_assert(has6(&set, "2001:db8:0:1:8000::"));
  ck_assert(has6(&set, "2001:db8:0:1:ffff:ffff:ffff:ffff"));
  ck_assert(!has6(&set, "2001:db8:0:1:7fff:ffff:ffff:ffff"));
  ck_assert(!has6(&set, "2001:db8:0:0:8000::"));
  pf_localnet_free(&set);

  set = set_of("2001:db8:0:2::/63");
  ck_assert(has6(&set, "2001:db8:0:2::"));
  ck_assert(has6(&set, "2001:db8:0:3:ffff:ffff:ffff:ffff"));
  ck_assert(!has6(&set, "2001:db8:0:4::"));
  ck_assert(!has6(&set, "2001:db8:0:1:ffff:ffff:ffff:ffff"));
  pf_localnet_free(&set);

  set = set_of("2001:db8::/33");
  ck_assert(has6(&set, "2001:db8:7fff::1"));
  ck_assert(!has6(&set, "2001:db8:8000::"));
  pf_localnet_free(&set);
}
END_TEST

START_TEST(test_ipv6_host_and_everything) {
  struct pf_localnet set = set_of("2001:db8::1/128");
  ck_assert(has6(&set, "2001:db8::1"));
  ck_assert(!has6(&set, "2001:db8::"));
  ck_assert(!has6(&set, "2001:db8::2"));
  ck_assert(!has6(&set, "2001:db8:0:0:8000::1")); /* the second half only */
  ck_assert(!has6(&set, "3001:db8::1"));          /* the first bit only */
  pf_localnet_free(&set);

  set = set_of("::/0");
  ck_assert(has6(&set, "::"));
  ck_assert(has6(&set, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
  ck_assert(!has4(&set, "10.0.0.1"));
  pf_localnet_free(&set);
}
END_TEST

/* Membership in any of many prefixes (more than one growth step). */
START_TEST(test_many_prefixes) {
  struct pf_localnet set;
  pf_localnet_init(&set);
  ck_assert(!has4(&set, "10.0.0.1"));
  ck_assert(!has6(&set, "::1"));
  char text[64];
  for (int i = 0; i < 40; i++) {
    snprintf(text, sizeof(text), "10.%d.0.0/16", i * 2);
    add(&set, text);
    snprintf(text, sizeof(text), "2001:db8:%x::/48", i * 2);
    add(&set, text);
  }
  for (int i = 0; i < 80; i++) {
    char addr[64];
    snprintf(addr, sizeof(addr), "10.%d.1.1", i);
    ck_assert_int_eq(has4(&set, addr), i % 2 == 0);
    snprintf(addr, sizeof(addr), "2001:db8:%x::1", i);
    ck_assert_int_eq(has6(&set, addr), i % 2 == 0);
  }
  pf_localnet_free(&set);
  ck_assert_uint_eq(set.n4 + set.n6, 0);
}
END_TEST

START_TEST(test_copy_is_independent) {
  struct pf_localnet src, dst;
  pf_localnet_init(&src);
  pf_localnet_init(&dst);
  add(&dst, "172.16.0.0/12"); /* replaced by the copy */
  add(&src, "192.0.2.0/24");
  add(&src, "2001:db8::/32");
  char err[256];
  ck_assert_int_eq(pf_localnet_copy(&dst, &src, err, sizeof(err)), 0);
  ck_assert(has4(&dst, "192.0.2.9"));
  ck_assert(has6(&dst, "2001:db8::9"));
  ck_assert(!has4(&dst, "172.16.0.1"));

  add(&src, "203.0.113.0/24");
  ck_assert(!has4(&dst, "203.0.113.1"));
  pf_localnet_free(&src);
  ck_assert(has4(&dst, "192.0.2.9")); /* still readable */
  pf_localnet_free(&dst);
}
END_TEST

/* A copy of an empty set (a source with no LocalNetwork and no addresses)
 * is empty, and can grow. Kept last in the run: it exposes undefined
 * behaviour (memcpy from NULL) that UBSan turns into an abort. */
START_TEST(test_copy_of_empty_set) {
  struct pf_localnet empty, dst;
  pf_localnet_init(&empty);
  pf_localnet_init(&dst);
  add(&dst, "192.0.2.0/24");
  char err[256];
  ck_assert_int_eq(pf_localnet_copy(&dst, &empty, err, sizeof(err)), 0);
  ck_assert(!has4(&dst, "192.0.2.9"));
  for (int i = 0; i < 10; i++)
    add(&dst, "198.51.100.0/24");
  ck_assert(has4(&dst, "198.51.100.1"));
  pf_localnet_free(&dst);
}
END_TEST

/* ---- interface addresses ---- */

START_TEST(test_add_interface_lo_finds_loopback) {
  struct pf_localnet set;
  pf_localnet_init(&set);
  char err[256] = "";
  int added = pf_localnet_add_interface(&set, "lo", err, sizeof(err));
  ck_assert_msg(added >= 1, "lo: %d (%s)", added, err);
  ck_assert(has4(&set, "127.0.0.1"));
  /* Loopback's whole network: the kernel delivers all of 127/8 on lo. */
  ck_assert(has4(&set, "127.0.0.53"));
  ck_assert(has4(&set, "127.255.255.254"));
  ck_assert(!has4(&set, "128.0.0.1"));
  ck_assert(!has4(&set, "126.255.255.255"));
  ck_assert(!has4(&set, "192.0.2.1"));
  pf_localnet_free(&set);
}
END_TEST

START_TEST(test_add_interface_any_includes_loopback) {
  struct pf_localnet set;
  pf_localnet_init(&set);
  char err[256] = "";
  int added = pf_localnet_add_interface(&set, "any", err, sizeof(err));
  ck_assert_msg(added >= 1, "any: %d (%s)", added, err);
  ck_assert(has4(&set, "127.0.0.1"));
  pf_localnet_free(&set);
}
END_TEST

START_TEST(test_add_interface_unknown_adds_nothing) {
  struct pf_localnet set;
  pf_localnet_init(&set);
  char err[256] = "";
  ck_assert_int_eq(
      pf_localnet_add_interface(&set, "pfnosuchif0", err, sizeof(err)), 0);
  ck_assert_uint_eq(set.n4 + set.n6, 0);
  pf_localnet_free(&set);
}
END_TEST

Suite *pf_localnet_suite(void) {
  Suite *s = suite_create("localnet");
  TCase *tc = tcase_create("prefix");
  tcase_add_test(tc, test_parse_valid_prefixes);
  tcase_add_test(tc, test_parse_invalid_prefixes);
  tcase_add_test(tc, test_parse_overlong_input);
  tcase_add_test(tc, test_format_round_trips);
  suite_add_tcase(s, tc);

  tc = tcase_create("membership");
  tcase_add_test(tc, test_ipv4_membership_at_prefix_edges);
  tcase_add_test(tc, test_ipv4_host_and_everything);
  tcase_add_test(tc, test_ipv6_membership_around_the_64_bit_boundary);
  tcase_add_test(tc, test_ipv6_host_and_everything);
  tcase_add_test(tc, test_many_prefixes);
  tcase_add_test(tc, test_copy_is_independent);
  suite_add_tcase(s, tc);

  tc = tcase_create("interfaces");
  tcase_add_test(tc, test_add_interface_lo_finds_loopback);
  tcase_add_test(tc, test_add_interface_any_includes_loopback);
  tcase_add_test(tc, test_add_interface_unknown_adds_nothing);
  suite_add_tcase(s, tc);

  tc = tcase_create("copy_empty");
  tcase_add_test(tc, test_copy_of_empty_set);
  suite_add_tcase(s, tc);
  return s;
}
