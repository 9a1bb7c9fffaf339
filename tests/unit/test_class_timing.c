/* test_class_timing.c - TCP timing per traffic class in the shard
 * (ClassTiming): a connection's round trips, jitter and response times land
 * in its flow's class, the same samples as the source's; a reload carries
 * kept classes' histograms to their new index; off, nothing is kept. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "flow_packets.h"
#include "rules_helpers.h"
#include "shard/shard.h"
#include "suites.h"
#include "tcp_segments.h"

static struct pf_shard shard;
static struct pf_class_counters spare; /* what the last apply replaced */

static void setup(void) {
  test_shard_init_timing(&shard, 64, 16, true, true);
  memset(&spare, 0, sizeof(spare));
}

static void teardown(void) {
  pf_shard_free(&shard);
  pf_class_counters_free(&spare);
}

/* Prepares and applies `yaml`'s rules as pf_source_set_rules does. */
static void use_rules(const char *yaml, bool timing) {
  struct pf_rules *r = rules_from(yaml);
  char err[256];
  pf_class_counters_free(&spare);
  ck_assert_msg(pf_class_counters_prepare(&spare, r, err, sizeof(err)) == 0,
                "%s", err);
  ck_assert_msg(
      pf_class_counters_prepare_latency(&spare, timing, err, sizeof(err)) == 0,
      "%s", err);
  pf_rules_free(r);
  pf_class_counters_apply(&shard.classes, &spare, &shard.flows);
}

/* Data [seq, seq + len) from `from` acknowledging `ack`. */
static void data(int from, uint16_t cport, uint32_t seq, uint32_t len,
                 uint32_t ack, uint64_t ts) {
  seg_send(&shard,
           &(struct seg){.from = from,
                         .flags = PF_TCP_ACK,
                         .seq = seq,
                         .ack = ack,
                         .window = 65535,
                         .payload = len,
                         .cport = cport,
                         .tx = from == CLIENT},
           ts);
}

/* A handshake on client port cport (to port 80), then a request at t and
 * its answer `answer` later, acknowledged 80 us after. */
static void exchange(uint16_t cport, uint64_t t, uint64_t answer) {
  seg_handshake(&shard, cport, 999, 4999, t - SEC(1), 1000, 1000);
  data(CLIENT, cport, 1000, 100, 5000, t);
  data(SERVER, cport, 5000, 200, 1100, t + answer);
  data(CLIENT, cport, 1100, 0, 5200, t + answer + 80);
}

static const struct pf_hist *hist(const char *name, enum pf_tcp_latency k) {
  int i = pf_rules_class_index(shard.classes.rules, name);
  ck_assert_msg(i >= 0, "no class %s", name);
  return &pf_class_latency_of(&shard.classes.timing,
                              (unsigned)i)[k - PF_TCP_TIMING_FIRST];
}

static const char *const web_other =
    "classes:\n"
    "  - name: web\n    protocol: tcp\n    port: 80\n"
    "  - name: mail\n    protocol: tcp\n    port: 25\n";

START_TEST(test_samples_in_the_flows_class) {
  use_rules(web_other, true);
  exchange(40000, SEC(10), MS(30));
  ck_assert_uint_eq(pf_hist_samples(hist("web", PF_TCP_RESPONSE)), 1);
  ck_assert_uint_eq(hist("web", PF_TCP_RESPONSE)->max_us, 30000);
  ck_assert_uint_eq(hist("web", PF_TCP_RTT_TX)->max_us, 30000);
  ck_assert_uint_eq(hist("web", PF_TCP_RTT_RX)->max_us, 80);
  ck_assert_uint_eq(pf_hist_samples(hist("mail", PF_TCP_RESPONSE)), 0);
  ck_assert_uint_eq(pf_hist_samples(hist("unclassified", PF_TCP_RESPONSE)), 0);
  /* The same samples as the source's. */
  for (int k = PF_TCP_TIMING_FIRST; k < PF_TCP_LATENCY_COUNT; k++)
    ck_assert_uint_eq(pf_hist_samples(hist("web", k)),
                      pf_hist_samples(&shard.cur->tcp.latency[k]));
}
END_TEST

START_TEST(test_a_reload_carries_kept_classes) {
  use_rules(web_other, true);
  exchange(40000, SEC(10), MS(30));
  /* web moves to index 1, mail is dropped. */
  use_rules("classes:\n  - name: ssh\n    protocol: tcp\n    port: 22\n"
            "  - name: web\n    protocol: tcp\n    port: 80\n",
            true);
  ck_assert_uint_eq(pf_hist_samples(hist("web", PF_TCP_RESPONSE)), 1);
  ck_assert_uint_eq(pf_hist_samples(hist("ssh", PF_TCP_RESPONSE)), 0);
  /* The flow went with its class: its next exchange lands there too. */
  data(CLIENT, 40000, 1100, 100, 5200, SEC(20));
  data(SERVER, 40000, 5200, 100, 1200, SEC(20) + MS(7));
  ck_assert_uint_eq(pf_hist_samples(hist("web", PF_TCP_RESPONSE)), 2);
}
END_TEST

START_TEST(test_class_timing_off_keeps_nothing) {
  use_rules(web_other, false);
  ck_assert_ptr_null(shard.classes.timing.cur);
  ck_assert_ptr_nonnull(shard.classes.latency.cur);
  exchange(40000, SEC(10), MS(30));
  ck_assert_uint_eq(pf_hist_samples(&shard.cur->tcp.latency[PF_TCP_RESPONSE]),
                    1);
}
END_TEST

Suite *pf_class_timing_suite(void) {
  Suite *s = suite_create("class_timing");
  TCase *tc = tcase_create("class_timing");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_samples_in_the_flows_class);
  tcase_add_test(tc, test_a_reload_carries_kept_classes);
  tcase_add_test(tc, test_class_timing_off_keeps_nothing);
  suite_add_tcase(s, tc);
  return s;
}
