/* test_class_counters.c - per-class counters in the shard and the source:
 * every packet counted once in exactly one class, active flows by the class
 * of their first packet, and a reloaded rule set taking over without
 * resetting the classes it keeps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "flow_packets.h"
#include "rules_helpers.h"
#include "shard/shard.h"
#include "suites.h"

static const uint8_t a4[4] = {198, 18, 0, 1};
static const uint8_t b4[4] = {198, 19, 0, 2};

static struct pf_shard shard;
static struct pf_class_counters spare; /* what the last apply replaced */

static void shard_of(uint32_t max_flows) {
  struct pf_shard_config cfg = {.max_flows = max_flows,
                                .timeouts = test_timeouts,
                                .top_capacity = 16,
                                .host_prefix_v4 = 32,
                                .host_prefix_v6 = 128};
  test_shard_start(&shard, &cfg);
}

static void setup(void) {
  shard_of(64);
  memset(&spare, 0, sizeof(spare));
}

static void teardown(void) {
  pf_shard_free(&shard);
  pf_class_counters_free(&spare);
}

/* Prepares and applies `yaml`'s rules as the control and capture threads
 * would; the replaced counters are freed afterwards, as set_rules does. */
static void use_rules(const char *yaml) {
  struct pf_rules *r = yaml ? rules_from(yaml) : NULL;
  char err[256];
  pf_class_counters_free(&spare);
  ck_assert_msg(pf_class_counters_prepare(&spare, r, err, sizeof(err)) == 0,
                "%s", err);
  pf_rules_free(r); /* the counters hold their own reference */
  pf_class_counters_apply(&shard.classes, &spare, &shard.flows);
}

/* A TCP segment with ACK set. */
static struct pkt tcp(const uint8_t *src, uint16_t sport, const uint8_t *dst,
                      uint16_t dport, uint32_t payload) {
  return pkt_tcp(src, sport, dst, dport, PF_TCP_ACK, payload);
}

static void feed(const struct pkt *p, enum pf_dir dir, uint64_t ts) {
  shard_pkt(
      &shard, p,
      (struct shard_hand){.dir = dir, .locality = PF_LOCALITY_SRC, .ts = ts});
}

/* A packet without IP: non-IP or malformed, by l3. */
static void feed_no_ip(uint8_t l3, uint32_t len, enum pf_dir dir) {
  struct pf_packet pkt;
  memset(&pkt, 0, sizeof(pkt));
  pkt.l3 = l3;
  pkt.l4 = PF_L4_NONE;
  pkt.wire_len = len;
  pf_shard_packet(&shard, &pkt, dir, PF_LOCALITY_UNKNOWN, SEC(1));
}

static unsigned idx(const char *name) {
  int i = pf_rules_class_index(shard.classes.rules, name);
  ck_assert_msg(i >= 0, "no class %s", name);
  return (unsigned)i;
}

static uint64_t packets(const char *name, enum pf_dir d) {
  return shard.classes.traffic[idx(name)].packets[d];
}

static uint64_t octets(const char *name, enum pf_dir d) {
  return shard.classes.traffic[idx(name)].octets[d];
}

static uint64_t active(const char *name) {
  uint64_t by_class[PF_CLASS_SLOTS];
  pf_class_counters_active(&shard.classes, by_class);
  return by_class[idx(name)];
}

static void expect_flow_sum(void);

/* Classes add up to the totals, both directions, packets and bytes, and
 * active flows to the table's. */
static void expect_sums(void) {
  const struct pf_class_counters *c = &shard.classes;
  const struct pf_traffic *all = &shard.counters.traffic[PF_TRAFFIC_ALL];
  for (int d = 0; d < PF_DIR_COUNT; d++) {
    uint64_t p = 0, o = 0;
    for (uint32_t k = 0; k < c->count; k++) {
      p += c->traffic[k].packets[d];
      o += c->traffic[k].octets[d];
    }
    ck_assert_uint_eq(p, all->packets[d]);
    ck_assert_uint_eq(o, all->octets[d]);
  }
  expect_flow_sum();
}

/* Active flows by class add up to the table's (after a reload too). */
static void expect_flow_sum(void) {
  const struct pf_class_counters *c = &shard.classes;
  uint64_t flows = 0, by_class[PF_CLASS_SLOTS];
  pf_class_counters_active(c, by_class);
  for (uint32_t k = 0; k < c->count; k++)
    flows += by_class[k];
  ck_assert_uint_eq(flows, pf_flow_table_count(&shard.flows));
}

static const char *const web_dns =
    "classes:\n"
    "  - name: web\n    protocol: tcp\n    port: 80\n"
    "  - name: dns\n    protocol: udp\n    port: 53\n";

START_TEST(test_no_rules_counts_nothing) {
  struct pkt p = tcp(a4, 1000, b4, 80, 10);
  feed(&p, PF_DIR_TX, SEC(1));
  ck_assert_ptr_null(shard.classes.rules);
  ck_assert_uint_eq(shard.classes.count, 0);
  ck_assert_ptr_null(shard.flows.class_active);
}
END_TEST

START_TEST(test_every_packet_lands_in_one_class) {
  use_rules(web_dns);
  struct pkt w = tcp(a4, 1000, b4, 80, 100), d = pkt_udp(a4, 5000, b4, 53, 20);
  struct pkt x = pkt_udp(a4, 5000, b4, 123, 0);
  feed(&w, PF_DIR_TX, SEC(1));
  struct pkt wr = pkt_reply(w);
  feed(&wr, PF_DIR_RX, SEC(1));
  feed(&d, PF_DIR_TX, SEC(2));
  feed(&x, PF_DIR_TX, SEC(3));
  feed_no_ip(PF_L3_NON_IP, 60, PF_DIR_RX);
  feed_no_ip(PF_L3_MALFORMED, 70, PF_DIR_TX);

  ck_assert_uint_eq(packets("web", PF_DIR_TX), 1);
  ck_assert_uint_eq(packets("web", PF_DIR_RX), 1);
  ck_assert_uint_eq(octets("web", PF_DIR_TX), pkt_len(&w));
  ck_assert_uint_eq(octets("web", PF_DIR_RX), pkt_len(&wr));
  ck_assert_uint_eq(packets("dns", PF_DIR_TX), 1);
  ck_assert_uint_eq(octets("dns", PF_DIR_TX), pkt_len(&d));
  ck_assert_uint_eq(packets("unclassified", PF_DIR_TX), 2);
  ck_assert_uint_eq(octets("unclassified", PF_DIR_TX), pkt_len(&x) + 70);
  ck_assert_uint_eq(packets("unclassified", PF_DIR_RX), 1);
  ck_assert_uint_eq(octets("unclassified", PF_DIR_RX), 60);
  ck_assert_uint_eq(active("web"), 1);
  ck_assert_uint_eq(active("dns"), 1);
  ck_assert_uint_eq(active("unclassified"), 1);
  expect_sums();
}
END_TEST

START_TEST(test_flow_keeps_the_class_of_its_first_packet) {
  /* Only the client's packets match src_port: the reply's flow is the
   * client's, so it stays in the class. */
  use_rules("classes:\n  - name: client\n    protocol: tcp\n"
            "    src_port: 1000\n");
  struct pkt c = tcp(a4, 1000, b4, 80, 0);
  struct pkt s = pkt_reply(c);
  feed(&c, PF_DIR_TX, SEC(1));
  feed(&s, PF_DIR_RX, SEC(1));
  ck_assert_uint_eq(packets("client", PF_DIR_TX), 1);
  ck_assert_uint_eq(packets("unclassified", PF_DIR_RX), 1);
  ck_assert_uint_eq(active("client"), 1);
  ck_assert_uint_eq(active("unclassified"), 0);
  expect_sums();
}
END_TEST

START_TEST(test_expiry_and_eviction_count_flows_out) {
  use_rules(web_dns);
  for (uint16_t i = 0; i < 100; i++) { /* 64 flows at most: evictions */
    struct pkt p = i % 2 ? tcp(a4, (uint16_t)(2000 + i), b4, 80, 0)
                         : pkt_udp(a4, (uint16_t)(2000 + i), b4, 53, 0);
    feed(&p, PF_DIR_TX, SEC(1) + i);
  }
  ck_assert_uint_gt(shard.flows.stats.evicted, 0);
  ck_assert_uint_eq(active("web"), 32);
  ck_assert_uint_eq(active("dns"), 32);
  expect_sums();
  pf_shard_expire(&shard, SEC(1000), UINT32_MAX);
  ck_assert_uint_eq(active("web"), 0);
  ck_assert_uint_eq(active("dns"), 0);
  expect_sums();
}
END_TEST

START_TEST(test_reload_carries_kept_classes_on) {
  use_rules(web_dns);
  struct pkt w = tcp(a4, 1000, b4, 80, 100), d = pkt_udp(a4, 5000, b4, 53, 20);
  struct pkt m = tcp(a4, 1001, b4, 25, 5);
  feed(&w, PF_DIR_TX, SEC(1));
  feed(&d, PF_DIR_TX, SEC(1));
  feed(&m, PF_DIR_TX, SEC(1));
  unsigned dns_before = idx("dns");

  /* web goes, mail comes, dns moves to another index. */
  use_rules("classes:\n"
            "  - name: mail\n    protocol: tcp\n    port: 25\n"
            "  - name: ntp\n    protocol: udp\n    port: 123\n"
            "  - name: dns\n    protocol: udp\n    port: 53\n");
  ck_assert_uint_ne(idx("dns"), dns_before);
  ck_assert_int_eq(pf_rules_class_index(shard.classes.rules, "web"), -1);
  ck_assert_uint_eq(packets("dns", PF_DIR_TX), 1);
  ck_assert_uint_eq(octets("dns", PF_DIR_TX), pkt_len(&d));
  ck_assert_uint_eq(packets("mail", PF_DIR_TX), 0);         /* new: from zero */
  ck_assert_uint_eq(packets("unclassified", PF_DIR_TX), 1); /* m, before */
  /* Flows: dns's moved with it; web's (dropped class) is unclassified;
   * m's was unclassified and stays so (flows keep their first class). */
  ck_assert_uint_eq(active("dns"), 1);
  ck_assert_uint_eq(active("mail"), 0);
  ck_assert_uint_eq(active("unclassified"), 2);
  ck_assert_ptr_eq(shard.flows.class_active, shard.classes.active);

  feed(&d, PF_DIR_TX, SEC(2));
  feed(&m, PF_DIR_TX, SEC(2));
  ck_assert_uint_eq(packets("dns", PF_DIR_TX), 2);
  ck_assert_uint_eq(packets("mail", PF_DIR_TX), 1);
  /* Expiry counts the moved flows out where they are now: no underflow. */
  pf_shard_expire(&shard, SEC(1000), UINT32_MAX);
  ck_assert_uint_eq(active("dns"), 0);
  ck_assert_uint_eq(active("unclassified"), 0);
  ck_assert_uint_eq(pf_flow_table_count(&shard.flows), 0);
}
END_TEST

START_TEST(test_rules_arriving_later_take_every_flow_as_unclassified) {
  struct pkt w = tcp(a4, 1000, b4, 80, 100);
  feed(&w, PF_DIR_TX, SEC(1));
  use_rules(web_dns);
  ck_assert_uint_eq(active("unclassified"), 1);
  ck_assert_uint_eq(active("web"), 0);
  feed(&w, PF_DIR_TX, SEC(2));
  ck_assert_uint_eq(packets("web", PF_DIR_TX), 1);
  pf_shard_expire(&shard, SEC(1000), UINT32_MAX);
  ck_assert_uint_eq(active("unclassified"), 0);
  /* And back to none: nothing is counted, nothing counted out. */
  use_rules(NULL);
  ck_assert_ptr_null(shard.flows.class_active);
  feed(&w, PF_DIR_TX, SEC(1001));
  pf_shard_expire(&shard, SEC(5000), UINT32_MAX);
}
END_TEST

/* ---- codes: a reload rewrites no flow ---- */

static void record_code(struct pf_flow *f, void *ctx) {
  uint8_t **at = ctx;
  *(*at)++ = f->rule_class;
}

/* The rule_class byte of every pool entry used so far, in pool order. */
static size_t flow_codes(uint8_t *out, size_t max) {
  ck_assert_uint_le(
      shard.flows.pool[0].next_unused + shard.flows.pool[1].next_unused, max);
  uint8_t *at = out;
  pf_flow_table_each(&shard.flows, record_code, &at);
  return (size_t)(at - out);
}

START_TEST(test_reload_rewrites_no_flow) {
  use_rules(web_dns);
  struct pkt w = tcp(a4, 1000, b4, 80, 100), d = pkt_udp(a4, 5000, b4, 53, 20);
  feed(&w, PF_DIR_TX, SEC(1));
  feed(&d, PF_DIR_TX, SEC(1));
  uint8_t before[64], after[64];
  size_t n = flow_codes(before, sizeof(before));
  ck_assert_uint_eq(n, 2);

  /* dns moves from index 1 to 0, web goes: its flow counts as
   * unclassified at once, the entries stay as they were. */
  use_rules("classes:\n  - name: dns\n    protocol: udp\n    port: 53\n");
  ck_assert_uint_eq(idx("dns"), 0);
  ck_assert_uint_eq(flow_codes(after, sizeof(after)), n);
  ck_assert_mem_eq(before, after, n);
  ck_assert_uint_eq(active("dns"), 1);
  ck_assert_uint_eq(active("unclassified"), 1);
  expect_flow_sum();
}
END_TEST

START_TEST(test_dropped_class_comes_back_without_its_old_flows) {
  use_rules(web_dns);
  struct pkt w = tcp(a4, 1000, b4, 80, 100), w2 = tcp(a4, 1001, b4, 80, 1);
  feed(&w, PF_DIR_TX, SEC(1));
  use_rules("classes:\n  - name: dns\n    protocol: udp\n    port: 53\n");
  ck_assert_uint_eq(active("unclassified"), 1);
  /* web again: its code still belongs to w's flow, now unclassified, so
   * web takes another; w stays unclassified until it ends, w2 is web's. */
  use_rules(web_dns);
  feed(&w2, PF_DIR_TX, SEC(2));
  ck_assert_uint_eq(active("web"), 1);
  ck_assert_uint_eq(active("unclassified"), 1);
  expect_flow_sum();
  pf_shard_expire(&shard, SEC(1000), UINT32_MAX);
  ck_assert_uint_eq(active("web"), 0);
  ck_assert_uint_eq(active("unclassified"), 0);
  expect_flow_sum();
}
END_TEST

/* 128 classes (the most a file may have) called `prefix`0.. on UDP ports
 * from `port`. */
static const char *many_classes(char *buf, size_t len, const char *prefix,
                                unsigned port) {
  size_t at = (size_t)snprintf(buf, len, "classes:\n");
  for (unsigned i = 0; i < PF_RULES_MAX_CLASSES; i++)
    at += (size_t)snprintf(buf + at, len - at,
                           "  - {name: %s%u, protocol: udp, port: %u}\n",
                           prefix, i, port + i);
  ck_assert_uint_lt(at, len);
  return buf;
}

/* One flow in each of the 128 classes on ports from `port`, and one
 * unclassified, at second `t`. */
static void flow_per_class(unsigned port, uint64_t t) {
  for (unsigned i = 0; i <= PF_RULES_MAX_CLASSES; i++) {
    struct pkt p = pkt_udp(a4, 3000, b4, (uint16_t)(port + i), 0);
    feed(&p, PF_DIR_TX, SEC(t));
  }
}

START_TEST(test_too_few_free_codes_move_every_flow) {
  pf_shard_free(&shard);
  shard_of(1024);
  char yaml[8192];
  use_rules(many_classes(yaml, sizeof(yaml), "c", 1000));
  flow_per_class(1000, 1); /* port 1128: unclassified */
  ck_assert_uint_eq(active("c0"), 1);
  ck_assert_uint_eq(active("c127"), 1);
  ck_assert_uint_eq(active("unclassified"), 1);

  /* 128 new classes while 129 codes hold flows: 127 are free, so every
   * flow is rewritten, all of them unclassified now. */
  use_rules(many_classes(yaml, sizeof(yaml), "d", 2000));
  ck_assert_uint_eq(active("d0"), 0);
  ck_assert_uint_eq(active("unclassified"), 129);
  uint8_t codes[1024];
  size_t n = flow_codes(codes, sizeof(codes));
  for (size_t i = 0; i < n; i++)
    ck_assert_uint_eq(codes[i], idx("unclassified"));
  expect_flow_sum();

  flow_per_class(2000, 2);
  ck_assert_uint_eq(active("d5"), 1);
  ck_assert_uint_eq(active("unclassified"), 130);
  /* Once the flows are gone their codes are free again: no rewrite. */
  pf_shard_expire(&shard, SEC(1000), UINT32_MAX);
  use_rules(many_classes(yaml, sizeof(yaml), "c", 1000));
  flow_per_class(1000, 1001);
  ck_assert_uint_eq(active("c127"), 1);
  ck_assert_uint_eq(active("unclassified"), 1);
  expect_flow_sum();
}
END_TEST

START_TEST(test_flow_entry_has_room_for_its_class) {
  ck_assert_uint_eq(sizeof(struct pf_flow4), 64);
  ck_assert_uint_ge(UINT8_MAX, PF_CLASS_SLOTS - 1);
}
END_TEST

Suite *pf_class_counters_suite(void) {
  Suite *s = suite_create("class_counters");
  TCase *tc = tcase_create("shard");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_no_rules_counts_nothing);
  tcase_add_test(tc, test_every_packet_lands_in_one_class);
  tcase_add_test(tc, test_flow_keeps_the_class_of_its_first_packet);
  tcase_add_test(tc, test_expiry_and_eviction_count_flows_out);
  tcase_add_test(tc, test_flow_entry_has_room_for_its_class);
  suite_add_tcase(s, tc);

  tc = tcase_create("reload");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_reload_carries_kept_classes_on);
  tcase_add_test(tc, test_rules_arriving_later_take_every_flow_as_unclassified);
  tcase_add_test(tc, test_reload_rewrites_no_flow);
  tcase_add_test(tc, test_dropped_class_comes_back_without_its_old_flows);
  tcase_add_test(tc, test_too_few_free_codes_move_every_flow);
  suite_add_tcase(s, tc);
  return s;
}
