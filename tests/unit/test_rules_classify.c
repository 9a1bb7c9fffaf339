/* test_rules_classify.c - which class a packet falls in: first match, AND
 * of fields, either/source/destination ports and CIDRs, IPv4 and IPv6,
 * port, VLAN and DSCP edges, protocol lists, non-IP and malformed packets,
 * and frames through the real decoder. */
#include <check.h>
#include <pcap/dlt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frames.h"
#include "rules_helpers.h"
#include "suites.h"

/* A TCP packet between two addresses. */
static struct rpkt tcp(const char *src, uint16_t sport, const char *dst,
                       uint16_t dport) {
  struct rpkt p;
  rpkt_ip(&p, src, dst, 6);
  rpkt_ports(&p, sport, dport);
  return p;
}

/* A TCP packet and the class it must fall in. */
struct tcp_case {
  const char *src;
  uint16_t sport;
  const char *dst;
  uint16_t dport;
  const char *cls;
};

#define N_CASES(a) (sizeof(a) / sizeof((a)[0]))

/* Each case's packet falls in its class; a failure names the packet. */
static void expect_tcp(const struct pf_rules *r, const struct tcp_case *c,
                       size_t n) {
  for (size_t i = 0; i < n; i++) {
    struct rpkt p = tcp(c[i].src, c[i].sport, c[i].dst, c[i].dport);
    const char *got = rpkt_class(r, &p);
    ck_assert_msg(strcmp(got, c[i].cls) == 0, "%s:%u > %s:%u: %s, expected %s",
                  c[i].src, c[i].sport, c[i].dst, c[i].dport, got, c[i].cls);
  }
}

/* The value a test varies in its packet, and the class it must fall in. */
struct value_case {
  unsigned value;
  const char *cls;
};

/* Builds a test's packet with its varied field set to a value. */
typedef void build_fn(struct rpkt *p, unsigned value);

/* Each case's packet falls in its class; a failure names FIELD's value. */
static void expect_values(const struct pf_rules *r, build_fn *build,
                          const char *field, const struct value_case *c,
                          size_t n) {
  for (size_t i = 0; i < n; i++) {
    struct rpkt p;
    build(&p, c[i].value);
    const char *got = rpkt_class(r, &p);
    ck_assert_msg(strcmp(got, c[i].cls) == 0, "%s %u: %s, expected %s", field,
                  c[i].value, got, c[i].cls);
  }
}

/* The same for rules loaded from YAML text, freed after. */
static void classify_tcp(const char *yaml, const struct tcp_case *c, size_t n) {
  struct pf_rules *r = rules_from(yaml);
  expect_tcp(r, c, n);
  pf_rules_free(r);
}

/* ---- order ---- */

START_TEST(test_first_match_wins_over_overlapping_rules) {
  static const struct tcp_case in_order[] = {
      {"198.18.0.1", 40000, "198.18.0.2", 80, "exact"},
      {"198.18.0.1", 40000, "198.18.0.2", 85, "range"},
      {"198.18.0.1", 40000, "198.18.0.2", 91, "rest"}};
  classify_tcp("classes:\n"
               "  - name: exact\n"
               "    port: 80\n"
               "  - name: range\n"
               "    port: 80-90\n"
               "  - name: rest\n",
               in_order, N_CASES(in_order));

  /* The same rules in the other order: the range now takes port 80 too. */
  static const struct tcp_case reversed[] = {
      {"198.18.0.1", 40000, "198.18.0.2", 80, "range"},
      {"198.18.0.1", 40000, "198.18.0.2", 91, "unclassified"}};
  classify_tcp("classes:\n"
               "  - name: range\n"
               "    port: 80-90\n"
               "  - name: exact\n"
               "    port: 80\n",
               reversed, N_CASES(reversed));
}
END_TEST

START_TEST(test_overlapping_cidrs_follow_file_order) {
  static const struct tcp_case narrow_first[] = {
      {"198.18.9.9", 1, "198.18.1.7", 2, "host"},
      {"198.18.9.9", 1, "198.18.1.8", 2, "subnet"},
      {"198.18.9.9", 1, "198.19.255.255", 2, "site"},
      {"198.18.9.9", 1, "198.20.0.0", 2, "unclassified"}};
  classify_tcp("classes:\n"
               "  - name: host\n"
               "    dst_cidr: 198.18.1.7\n"
               "  - name: subnet\n"
               "    dst_cidr: 198.18.1.0/24\n"
               "  - name: site\n"
               "    dst_cidr: 198.18.0.0/15\n",
               narrow_first, N_CASES(narrow_first));

  /* Widest first: it shadows the narrower ones completely. */
  static const struct tcp_case wide_first[] = {
      {"198.18.9.9", 1, "198.18.1.7", 2, "site"}};
  classify_tcp("classes:\n"
               "  - name: site\n"
               "    dst_cidr: 198.18.0.0/15\n"
               "  - name: host\n"
               "    dst_cidr: 198.18.1.7/32\n",
               wide_first, N_CASES(wide_first));
}
END_TEST

/* Fields of one class combine with AND; values of one field with OR. */
START_TEST(test_fields_and_values_or) {
  struct pf_rules *r = rules_from("classes:\n"
                                  "  - name: dns_out\n"
                                  "    protocol: [udp, tcp]\n"
                                  "    dst_port: 53\n"
                                  "    src_cidr: [198.18.0.0/24, "
                                  "\"2001:db8:1::/48\"]\n"
                                  "    dscp: [0, cs1]\n");
  struct rpkt p;
  rpkt_ip(&p, "198.18.0.9", "198.19.0.1", 17);
  rpkt_ports(&p, 5353, 53);
  ck_assert_str_eq(rpkt_class(r, &p), "dns_out");
  p.pkt.dscp = 8; /* cs1 */
  ck_assert_str_eq(rpkt_class(r, &p), "dns_out");
  p.pkt.dscp = 9;
  ck_assert_str_eq(rpkt_class(r, &p), "unclassified");
  p.pkt.dscp = 0;
  p.pkt.ip_proto = 132; /* sctp: not listed */
  ck_assert_str_eq(rpkt_class(r, &p), "unclassified");
  p.pkt.ip_proto = 6;
  ck_assert_str_eq(rpkt_class(r, &p), "dns_out");
  p.pkt.dst_port = 54;
  ck_assert_str_eq(rpkt_class(r, &p), "unclassified");
  rpkt_ip(&p, "198.18.1.9", "198.19.0.1", 17); /* source outside */
  rpkt_ports(&p, 5353, 53);
  ck_assert_str_eq(rpkt_class(r, &p), "unclassified");
  rpkt_ip(&p, "2001:db8:1:ffff::1", "2001:db8:9::1", 17);
  rpkt_ports(&p, 5353, 53);
  ck_assert_str_eq(rpkt_class(r, &p), "dns_out");
  pf_rules_free(r);
}
END_TEST

/* ---- ports ---- */

/* TCP from port 7 to the given port. */
static void to_port(struct rpkt *p, unsigned port) {
  *p = tcp("198.18.0.1", 7, "198.18.0.2", (uint16_t)port);
}

START_TEST(test_port_edges_0_and_65535) {
  struct pf_rules *r = rules_from("classes:\n"
                                  "  - name: zero\n"
                                  "    dst_port: 0\n"
                                  "  - name: top\n"
                                  "    dst_port: 65535-65535\n"
                                  "  - name: low\n"
                                  "    dst_port: 1-2\n"
                                  "  - name: high\n"
                                  "    dst_port: 65533-65534\n"
                                  "  - name: all_ports\n"
                                  "    dst_port: 0-65535\n");
  static const struct value_case cases[] = {
      {0, "zero"},          {1, "low"},      {2, "low"},      {3, "all_ports"},
      {65532, "all_ports"}, {65533, "high"}, {65534, "high"}, {65535, "top"}};
  expect_values(r, to_port, "port", cases, N_CASES(cases));
  pf_rules_free(r);

  /* A single range 0-65535 admits every port, but still needs ports. */
  r = rules_from("classes:\n  - name: any\n    port: 0-65535\n");
  struct rpkt p = tcp("198.18.0.1", 0, "198.18.0.2", 65535);
  ck_assert_str_eq(rpkt_class(r, &p), "any");
  rpkt_ip(&p, "198.18.0.1", "198.18.0.2", 1); /* ICMP: no ports */
  ck_assert_str_eq(rpkt_class(r, &p), "unclassified");
  pf_rules_free(r);
}
END_TEST

START_TEST(test_either_source_destination_ports) {
  static const struct tcp_case cases[] = {
      {"198.18.0.1", 50000, "198.18.0.2", 443, "client"},
      {"198.18.0.1", 1023, "198.18.0.2", 443, "unclassified"},
      {"198.18.0.2", 443, "198.18.0.1", 50000, "from_443"},
      {"198.18.0.2", 53, "198.18.0.1", 50000, "either_53"},
      {"198.18.0.1", 50000, "198.18.0.2", 53, "either_53"},
      {"198.18.0.1", 53, "198.18.0.2", 53, "either_53"},
      {"198.18.0.1", 54, "198.18.0.2", 52, "unclassified"}};
  classify_tcp("classes:\n"
               "  - name: client\n"
               "    src_port: 1024-65535\n"
               "    dst_port: 443\n"
               "  - name: from_443\n"
               "    src_port: 443\n"
               "  - name: either_53\n"
               "    port: 53\n",
               cases, N_CASES(cases));
}
END_TEST

/* ICMP and later fragments carry no ports: port classes never take them,
 * classes without ports still do. */
START_TEST(test_packets_without_ports) {
  struct pf_rules *r = rules_from("classes:\n"
                                  "  - name: web\n"
                                  "    protocol: tcp\n"
                                  "    port: [80, 443]\n"
                                  "  - name: tcp_rest\n"
                                  "    protocol: tcp\n");
  struct rpkt p = tcp("198.18.0.1", 40000, "198.18.0.2", 80);
  ck_assert_str_eq(rpkt_class(r, &p), "web");
  p.pkt.has_ports = false; /* a later fragment of the same datagram */
  p.pkt.fragment = p.pkt.later_fragment = true;
  ck_assert_str_eq(rpkt_class(r, &p), "tcp_rest");
  rpkt_ip(&p, "198.18.0.1", "198.18.0.2", 1);
  ck_assert_str_eq(rpkt_class(r, &p), "unclassified");
  pf_rules_free(r);
}
END_TEST

/* ---- addresses ---- */

START_TEST(test_ipv4_and_ipv6_are_separate) {
  static const struct tcp_case cases[] = {
      {"198.18.0.1", 1, "198.18.0.2", 2, "all_v4"},
      {"2001:db8::1", 1, "2001:db8::2", 2, "all_v6"},
      /* An IPv4-mapped IPv6 address is IPv6 traffic, matched by IPv6
       * prefixes only. */
      {"::ffff:198.18.0.1", 1, "2001:db8::2", 2, "mapped"}};
  classify_tcp("classes:\n"
               "  - name: mapped\n"
               "    cidr: \"::ffff:198.18.0.0/111\"\n"
               "  - name: all_v4\n"
               "    cidr: 0.0.0.0/0\n"
               "  - name: all_v6\n"
               "    cidr: \"::/0\"\n",
               cases, N_CASES(cases));
}
END_TEST

START_TEST(test_either_source_destination_cidrs) {
  static const struct tcp_case cases[] = {
      {"198.18.3.3", 1, "198.19.20.1", 2, "to_db"},
      {"198.19.20.1", 1, "198.18.3.3", 2, "unclassified"}, /* the reply */
      {"198.19.200.1", 1, "198.18.3.3", 2, "backup"},
      {"198.18.3.3", 1, "198.19.128.0", 2, "backup"},
      {"198.18.3.3", 1, "198.19.127.255", 2, "unclassified"},
      {"2001:db8:bac:ffff:ffff:ffff:ffff:ffff", 1, "2001:db8::9", 2, "backup"},
      {"2001:db8::9", 1, "2001:db8:bac::", 2, "backup"},
      {"2001:db8::5", 1, "2001:db8::9", 2, "from_v6_host"},
      {"2001:db8::9", 1, "2001:db8::5", 2, "unclassified"},
      {"2001:db8::4", 1, "2001:db8::9", 2, "unclassified"}};
  classify_tcp("classes:\n"
               "  - name: to_db\n"
               "    src_cidr: 198.18.0.0/16\n"
               "    dst_cidr: 198.19.20.0/24\n"
               "  - name: backup\n"
               "    cidr: [198.19.128.0/17, "
               "\"2001:db8:bac::/48\"]\n"
               "  - name: from_v6_host\n"
               "    src_cidr: 2001:db8::5\n",
               cases, N_CASES(cases));
}
END_TEST

/* Prefix lengths that do not end on a trie level boundary, and /0. */
START_TEST(test_prefix_lengths_between_levels) {
  struct pf_rules *r = rules_from("classes:\n"
                                  "  - name: p31\n"
                                  "    dst_cidr: 198.18.0.2/31\n"
                                  "  - name: p15\n"
                                  "    dst_cidr: 198.18.0.0/15\n"
                                  "  - name: p65\n"
                                  "    dst_cidr: \"2001:db8:0:1:8000::/65\"\n"
                                  "  - name: p1\n"
                                  "    dst_cidr: 128.0.0.0/1\n"
                                  "  - name: p0\n"
                                  "    dst_cidr: 0.0.0.0/0\n");
  static const struct {
    const char *dst, *cls;
  } cases[] = {
      {"198.18.0.2", "p31"},
      {"198.18.0.3", "p31"},
      {"198.18.0.1", "p15"},
      {"198.18.0.4", "p15"},
      {"198.19.255.255", "p15"},
      {"198.17.255.255", "p1"},
      {"198.20.0.0", "p1"},
      {"128.0.0.0", "p1"},
      {"127.255.255.255", "p0"},
      {"0.0.0.0", "p0"},
      {"2001:db8:0:1:8000::", "p65"},
      {"2001:db8:0:1:ffff:ffff:ffff:ffff", "p65"},
      {"2001:db8:0:1:7fff:ffff:ffff:ffff", "unclassified"},
  };
  for (size_t i = 0; i < N_CASES(cases); i++) {
    struct rpkt p;
    bool v6 = strchr(cases[i].dst, ':') != NULL;
    rpkt_ip(&p, v6 ? "2001:db8::1" : "198.18.9.9", cases[i].dst, 17);
    ck_assert_msg(strcmp(rpkt_class(r, &p), cases[i].cls) == 0,
                  "%s: %s, expected %s", cases[i].dst, rpkt_class(r, &p),
                  cases[i].cls);
  }
  pf_rules_free(r);
}
END_TEST

/* ---- VLAN, DSCP, protocol ---- */

START_TEST(test_vlan_outer_and_inner) {
  struct pf_rules *r = rules_from("classes:\n"
                                  "  - name: qinq\n"
                                  "    vlan: 100\n"
                                  "    inner_vlan: 4095\n"
                                  "  - name: outer_100\n"
                                  "    vlan: 100\n"
                                  "  - name: inner_0\n"
                                  "    inner_vlan: 0\n"
                                  "  - name: storage\n"
                                  "    vlan: 200-209\n");
  struct rpkt p = tcp("198.18.0.1", 1, "198.18.0.2", 2);
  ck_assert_str_eq(rpkt_class(r, &p), "unclassified"); /* untagged */
  rpkt_vlan(&p, 100, 4095);
  ck_assert_str_eq(rpkt_class(r, &p), "qinq");
  rpkt_vlan(&p, 100, 4094);
  ck_assert_str_eq(rpkt_class(r, &p), "outer_100");
  rpkt_vlan(&p, 100, -1); /* single tag: it is outer and inner at once */
  ck_assert_str_eq(rpkt_class(r, &p), "outer_100");
  rpkt_vlan(&p, 4095, 100); /* the tags the other way round */
  ck_assert_str_eq(rpkt_class(r, &p), "unclassified");
  rpkt_vlan(&p, 7, 0);
  ck_assert_str_eq(rpkt_class(r, &p), "inner_0");
  rpkt_vlan(&p, 0, -1);
  ck_assert_str_eq(rpkt_class(r, &p), "inner_0");
  rpkt_vlan(&p, 209, -1);
  ck_assert_str_eq(rpkt_class(r, &p), "storage");
  rpkt_vlan(&p, 210, -1);
  ck_assert_str_eq(rpkt_class(r, &p), "unclassified");

  /* VLAN is a link-layer field: a non-IP packet on VLAN 205 matches. */
  rpkt_non_ip(&p);
  rpkt_vlan(&p, 205, -1);
  ck_assert_str_eq(rpkt_class(r, &p), "storage");
  pf_rules_free(r);
}
END_TEST

/* UDP over IPv6 with the given DSCP. */
static void udp6_with_dscp(struct rpkt *p, unsigned dscp) {
  rpkt_ip(p, "2001:db8::1", "2001:db8::2", 17);
  p->pkt.dscp = (uint8_t)dscp;
}

START_TEST(test_dscp_names_numbers_and_ranges) {
  struct pf_rules *r = rules_from("classes:\n"
                                  "  - name: voice\n"
                                  "    dscp: [ef, va]\n"
                                  "  - name: video\n"
                                  "    dscp: [af41, af42, af43]\n"
                                  "  - name: scavenger\n"
                                  "    dscp: [le, cs1]\n"
                                  "  - name: top\n"
                                  "    dscp: 60-63\n"
                                  "  - name: best_effort\n"
                                  "    dscp: cs0\n");
  static const struct value_case cases[] = {
      {46, "voice"},    {44, "voice"},        {34, "video"},
      {36, "video"},    {38, "video"},        {35, "unclassified"},
      {1, "scavenger"}, {8, "scavenger"},     {63, "top"},
      {60, "top"},      {59, "unclassified"}, {0, "best_effort"}};
  expect_values(r, udp6_with_dscp, "dscp", cases, N_CASES(cases));
  pf_rules_free(r);
}
END_TEST

/* IPv4 carrying the given protocol, without ports. */
static void ipv4_carrying(struct rpkt *p, unsigned proto) {
  rpkt_ip(p, "198.18.0.1", "198.18.0.2", (uint8_t)proto);
}

START_TEST(test_protocol_lists) {
  struct pf_rules *r = rules_from("classes:\n"
                                  "  - name: control\n"
                                  "    protocol: [icmp, icmpv6]\n"
                                  "  - name: tunnels\n"
                                  "    protocol: [gre, 4, 41, 50-51]\n"
                                  "  - name: transport\n"
                                  "    protocol: [tcp, udp, sctp]\n"
                                  "  - name: edge\n"
                                  "    protocol: [0, 255]\n");
  static const struct value_case cases[] = {
      {1, "control"},    {58, "control"},      {47, "tunnels"},
      {4, "tunnels"},    {41, "tunnels"},      {50, "tunnels"},
      {51, "tunnels"},   {52, "unclassified"}, {6, "transport"},
      {17, "transport"}, {132, "transport"},   {0, "edge"},
      {255, "edge"},     {254, "unclassified"}};
  expect_values(r, ipv4_carrying, "protocol", cases, N_CASES(cases));
  pf_rules_free(r);
}
END_TEST

/* ---- packets without IP, broken packets ---- */

START_TEST(test_non_ip_and_malformed) {
  struct pf_rules *r = rules_from("classes:\n"
                                  "  - name: web\n"
                                  "    port: 80\n"
                                  "  - name: nets\n"
                                  "    cidr: 0.0.0.0/0\n"
                                  "  - name: everything\n");
  struct rpkt p;
  rpkt_non_ip(&p);
  ck_assert_str_eq(rpkt_class(r, &p), "everything");

  /* A malformed packet is unclassified even with a catch-all class, and
   * whatever fields decoding had filled in before it failed. */
  p = tcp("198.18.0.1", 1, "198.18.0.2", 80);
  p.pkt.l3 = PF_L3_MALFORMED;
  p.pkt.malformed = PF_MAL_L4_HEADER;
  ck_assert_str_eq(rpkt_class(r, &p), "unclassified");
  pf_rules_free(r);

  r = rules_from("classes:\n  - name: nets\n    cidr: \"::/0\"\n");
  rpkt_non_ip(&p);
  ck_assert_str_eq(rpkt_class(r, &p), "unclassified");
  pf_rules_free(r);
}
END_TEST

START_TEST(test_no_classes_everything_unclassified) {
  struct pf_rules *r = rules_from("classes: []\n");
  ck_assert_uint_eq(pf_rules_class_count(r), 1);
  struct rpkt p = tcp("198.18.0.1", 1, "198.18.0.2", 80);
  ck_assert_uint_eq(rpkt_index(r, &p), 0);
  rpkt_non_ip(&p);
  ck_assert_uint_eq(rpkt_index(r, &p), 0);
  pf_rules_free(r);
}
END_TEST

/* The limit: 128 classes, the last of which lives in the mask's second
 * word; unclassified is index 128. */
START_TEST(test_128_classes) {
  char *yaml = malloc(128 * 64 + 32);
  ck_assert_ptr_nonnull(yaml);
  size_t n = (size_t)sprintf(yaml, "classes:\n");
  for (int i = 0; i < 128; i++)
    n += (size_t)sprintf(yaml + n, "  - name: c%d\n    dst_port: %d\n", i,
                         1000 + i);
  struct pf_rules *r = rules_from(yaml);
  free(yaml);
  ck_assert_uint_eq(pf_rules_class_count(r), 129);
  ck_assert_uint_eq(pf_rules_unclassified(r), 128);
  for (int i = 0; i < 128; i++) {
    struct rpkt p = tcp("198.18.0.1", 1, "198.18.0.2", (uint16_t)(1000 + i));
    ck_assert_uint_eq(rpkt_index(r, &p), (unsigned)i);
  }
  struct rpkt p = tcp("198.18.0.1", 1, "198.18.0.2", 1128);
  ck_assert_uint_eq(rpkt_index(r, &p), 128);
  pf_rules_free(r);
}
END_TEST

/* ---- through the decoder ---- */

static const uint8_t net_a[4] = {198, 18, 0, 10};
static const uint8_t net_b[4] = {198, 19, 0, 20};
static const uint8_t net6_a[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x0a};
static const uint8_t net6_b[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x0b};

static const char *decoded_class(const struct pf_rules *r,
                                 const struct frame *f) {
  struct pf_packet pkt;
  uint8_t *buf = frame_decode_whole(f, &pkt);
  const char *name = pf_rules_class_name(r, pf_rules_classify(r, &pkt));
  free(buf);
  return name;
}

START_TEST(test_decoded_frames) {
  struct pf_rules *r = rules_from("classes:\n"
                                  "  - name: voice_qinq\n"
                                  "    vlan: 300\n"
                                  "    inner_vlan: 31\n"
                                  "    dscp: ef\n"
                                  "    protocol: udp\n"
                                  "    dst_port: 5060\n"
                                  "  - name: v6_web\n"
                                  "    src_cidr: \"2001:db8::/48\"\n"
                                  "    dst_cidr: \"2001:db8:1::/48\"\n"
                                  "    dst_port: 443\n"
                                  "  - name: arp_vlan\n"
                                  "    vlan: 300\n");
  struct frame f;

  /* Ethernet, 802.1ad 300, 802.1Q 31, IPv4 TOS 0xb8 (EF), UDP to 5060. */
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, mac_a, 0x88a8);
  frame_vlan(&f, 300, 0x8100);
  frame_vlan(&f, 31, 0x0800);
  frame_ipv4(
      &f, &(struct ip4){.proto = 17, .tos = 0xb8, .src = net_a, .dst = net_b});
  frame_udp(&f, 40000, 5060);
  frame_finish(&f);
  ck_assert_str_eq(decoded_class(r, &f), "voice_qinq");

  /* The same with DSCP 0: no longer voice; still tagged 300. */
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, mac_a, 0x88a8);
  frame_vlan(&f, 300, 0x8100);
  frame_vlan(&f, 31, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 17, .src = net_a, .dst = net_b});
  frame_udp(&f, 40000, 5060);
  frame_finish(&f);
  ck_assert_str_eq(decoded_class(r, &f), "arp_vlan");

  /* IPv6 with a hop-by-hop header before TCP to 443, cooked capture. */
  frame_init(&f, DLT_LINUX_SLL2);
  frame_sll2(&f, 0x86dd, 0);
  frame_ipv6(&f, &(struct ip6){.next = 0, .src = net6_a, .dst = net6_b});
  frame_ipv6_ext(&f, 0, 6, 0);
  frame_tcp(&f, &(struct tcp){.sport = 50000, .dport = 443, .flags = 0x02});
  frame_finish(&f);
  ck_assert_str_eq(decoded_class(r, &f), "v6_web");

  /* ARP on VLAN 300. */
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, mac_a, 0x8100);
  frame_vlan(&f, 300, 0x0806);
  frame_fill(&f, 0, 28);
  ck_assert_str_eq(decoded_class(r, &f), "arp_vlan");

  /* UDP announced, but the IP datagram ends before a UDP header would
   * (l4_header): malformed, so unclassified although it is on VLAN 300. */
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, mac_a, 0x8100);
  frame_vlan(&f, 300, 0x0800);
  frame_ipv4(&f, &(struct ip4){.proto = 17, .src = net_a, .dst = net_b});
  frame_finish(&f);
  frame_fill(&f, 0, 4);
  ck_assert_str_eq(decoded_class(r, &f), "unclassified");
  pf_rules_free(r);
}
END_TEST

Suite *pf_rules_classify_suite(void) {
  Suite *s = suite_create("rules_classify");
  TCase *tc = tcase_create("classify");
  tcase_add_test(tc, test_first_match_wins_over_overlapping_rules);
  tcase_add_test(tc, test_overlapping_cidrs_follow_file_order);
  tcase_add_test(tc, test_fields_and_values_or);
  tcase_add_test(tc, test_port_edges_0_and_65535);
  tcase_add_test(tc, test_either_source_destination_ports);
  tcase_add_test(tc, test_packets_without_ports);
  tcase_add_test(tc, test_ipv4_and_ipv6_are_separate);
  tcase_add_test(tc, test_either_source_destination_cidrs);
  tcase_add_test(tc, test_prefix_lengths_between_levels);
  tcase_add_test(tc, test_vlan_outer_and_inner);
  tcase_add_test(tc, test_dscp_names_numbers_and_ranges);
  tcase_add_test(tc, test_protocol_lists);
  tcase_add_test(tc, test_non_ip_and_malformed);
  tcase_add_test(tc, test_no_classes_everything_unclassified);
  tcase_add_test(tc, test_128_classes);
  tcase_add_test(tc, test_decoded_frames);
  suite_add_tcase(s, tc);
  return s;
}
