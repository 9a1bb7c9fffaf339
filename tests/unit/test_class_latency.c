/* test_class_latency.c - handshake latency per traffic class in the shard:
 * each completed handshake lands in the class of its flow, once; a reload
 * carries the interval's histograms of kept classes to their new index and
 * drops those of dropped classes; the reader's swap hands over the interval
 * and leaves the capture side a clean one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "flow_packets.h"
#include "rules_helpers.h"
#include "shard/shard.h"
#include "suites.h"

static const uint8_t cli[4] = {198, 18, 0, 1};
static const uint8_t srv[4] = {198, 19, 0, 2};

static struct pf_shard shard;
static struct pf_class_counters spare; /* what the last apply replaced */

static void setup(void) {
  test_shard_init(&shard, 64, 16, true);
  memset(&spare, 0, sizeof(spare));
}

static void teardown(void) {
  pf_shard_free(&shard);
  pf_class_counters_free(&spare);
}

/* Prepares (with latency, as pf_source_set_rules does for a source with
 * TCP analysis) and applies `yaml`'s rules at a batch boundary. */
static void use_rules(const char *yaml, bool latency) {
  struct pf_rules *r = yaml ? rules_from(yaml) : NULL;
  char err[256];
  pf_class_counters_free(&spare);
  ck_assert_msg(pf_class_counters_prepare(&spare, r, err, sizeof(err)) == 0,
                "%s", err);
  if (latency)
    ck_assert_msg(
        pf_class_counters_prepare_latency(&spare, false, err, sizeof(err)) == 0,
        "%s", err);
  pf_rules_free(r);
  pf_class_counters_apply(&shard.classes, &spare, &shard.flows);
}

static void feed(const struct pkt *p, uint64_t ts) {
  shard_pkt(&shard, p,
            (struct shard_hand){
                .dir = PF_DIR_TX, .locality = PF_LOCALITY_SRC, .ts = ts});
}

static struct pkt seg(bool from_client, uint16_t cport, uint16_t sport,
                      uint8_t flags) {
  return (struct pkt){.proto = P_TCP,
                      .src = from_client ? cli : srv,
                      .sport = from_client ? cport : sport,
                      .dst = from_client ? srv : cli,
                      .dport = from_client ? sport : cport,
                      .flags = flags};
}

static void syn(uint16_t cport, uint16_t sport, uint64_t ts) {
  struct pkt p = seg(true, cport, sport, PF_TCP_SYN);
  feed(&p, ts);
}

/* SYN-ACK at ts, the client's ACK at ts + ack_us. */
static void answer(uint16_t cport, uint16_t sport, uint64_t ts,
                   uint64_t ack_us) {
  struct pkt sa = seg(false, cport, sport, PF_TCP_SYN | PF_TCP_ACK);
  struct pkt a = seg(true, cport, sport, PF_TCP_ACK);
  feed(&sa, ts);
  feed(&a, ts + ack_us);
}

static const struct pf_hist *hist(const char *name) {
  int i = pf_rules_class_index(shard.classes.rules, name);
  ck_assert_msg(i >= 0, "no class %s", name);
  return &shard.classes.latency.cur[i];
}

static const char *const web_ssh =
    "classes:\n"
    "  - name: web\n    protocol: tcp\n    port: 80\n"
    "  - name: ssh\n    protocol: tcp\n    port: 22\n";

START_TEST(test_each_handshake_in_its_flows_class_once) {
  use_rules(web_ssh, true);
  syn(1000, 80, SEC(1));
  answer(1000, 80, SEC(1) + 3000, 500); /* web: 3,500 us */
  syn(1001, 22, SEC(2));
  answer(1001, 22, SEC(2) + 40, 2);  /* ssh: 42 us */
  syn(1002, 25, SEC(3));             /* unclassified, */
  answer(1002, 25, SEC(3) + 10, 10); /* 20 us */
  syn(1003, 80, SEC(4));             /* web, unanswered: no sample */
  struct pkt again = seg(true, 1000, 80, PF_TCP_ACK);
  feed(&again, SEC(5)); /* a later ACK is no second handshake */

  ck_assert_uint_eq(pf_hist_samples(hist("web")), 1);
  ck_assert_uint_eq(hist("web")->max_us, 3500);
  ck_assert_uint_eq(pf_hist_samples(hist("ssh")), 1);
  ck_assert_uint_eq(hist("ssh")->max_us, 42);
  ck_assert_uint_eq(pf_hist_samples(hist("unclassified")), 1);
  ck_assert_uint_eq(hist("unclassified")->max_us, 20);
  /* The same samples as the source's own handshake histogram. */
  ck_assert_uint_eq(pf_hist_samples(&shard.cur->tcp.latency[PF_TCP_HANDSHAKE]),
                    3);
}
END_TEST

START_TEST(test_latency_goes_by_the_flow_not_the_packet) {
  /* The SYN falls in "a"; a reload before the ACK drops "a": the flow is
   * unclassified from then on, and so is its handshake, though the ACK
   * itself is classified "b". */
  use_rules("classes:\n  - name: a\n    protocol: tcp\n    port: 80\n", true);
  syn(1000, 80, SEC(1));
  use_rules("classes:\n  - name: b\n    protocol: tcp\n    port: 80\n", true);
  answer(1000, 80, SEC(1) + 100, 100);
  ck_assert_uint_eq(pf_hist_samples(hist("b")), 0);
  ck_assert_uint_eq(pf_hist_samples(hist("unclassified")), 1);
  ck_assert_uint_eq(hist("unclassified")->max_us, 200);
}
END_TEST

START_TEST(test_reload_carries_kept_classes_and_drops_the_rest) {
  use_rules(web_ssh, true);
  syn(1000, 80, SEC(1));
  answer(1000, 80, SEC(1) + 1000, 1000); /* web: 2,000 us */
  syn(1001, 22, SEC(2));
  answer(1001, 22, SEC(2) + 5, 5); /* ssh: 10 us */
  int web_before = pf_rules_class_index(shard.classes.rules, "web");

  /* ssh goes, mail comes, web moves to another index. */
  use_rules("classes:\n"
            "  - name: mail\n    protocol: tcp\n    port: 25\n"
            "  - name: web\n    protocol: tcp\n    port: 80\n",
            true);
  ck_assert_int_ne(pf_rules_class_index(shard.classes.rules, "web"),
                   web_before);
  ck_assert_uint_eq(pf_hist_samples(hist("web")), 1);
  ck_assert_uint_eq(hist("web")->max_us, 2000);
  ck_assert_uint_eq(pf_hist_samples(hist("mail")), 0);
  ck_assert_uint_eq(pf_hist_samples(hist("unclassified")),
                    0); /* ssh's is dropped */

  /* The replaced set still holds what it had, for the control thread to
   * free; nothing of it is reported again. */
  ck_assert_uint_eq(spare.latency.count, 3);
  syn(1002, 80, SEC(3));
  answer(1002, 80, SEC(3) + 10, 10);
  ck_assert_uint_eq(pf_hist_samples(hist("web")), 2);
}
END_TEST

START_TEST(test_swap_hands_the_interval_to_the_reader) {
  use_rules(web_ssh, true);
  syn(1000, 80, SEC(1));
  answer(1000, 80, SEC(1) + 7, 7);
  struct pf_class_latency *l = &shard.classes.latency;
  struct pf_hist *filled = l->cur;
  pf_class_latency_swap_locked(l);
  ck_assert_ptr_eq(l->spare, filled);
  ck_assert_uint_eq(pf_hist_samples(hist("web")),
                    0); /* the next interval: clean */
  ck_assert_uint_eq(pf_hist_samples(&l->spare[0]), 1);
  ck_assert_uint_eq(l->spare[0].max_us, 14);
  /* Clearing touches only what holds samples, and clears it all. */
  pf_class_latency_clear(l->spare, l->count);
  for (uint32_t k = 0; k < l->count; k++) {
    ck_assert_uint_eq(pf_hist_samples(&l->spare[k]), 0);
    ck_assert_uint_eq(l->spare[k].max_us, 0);
    for (unsigned b = 0; b < PF_HIST_BUCKETS; b++)
      ck_assert_uint_eq(l->spare[k].bucket[b], 0);
  }
}
END_TEST

START_TEST(test_without_latency_nothing_is_kept) {
  /* Rules prepared without latency (TcpAnalysis false), or no rules. */
  use_rules(web_ssh, false);
  syn(1000, 80, SEC(1));
  answer(1000, 80, SEC(1) + 7, 7);
  ck_assert_uint_eq(shard.classes.latency.count, 0);
  ck_assert_ptr_null(shard.classes.latency.cur);
  use_rules(NULL, true); /* no classes: nothing to allocate */
  ck_assert_uint_eq(shard.classes.latency.count, 0);
  syn(1001, 80, SEC(2));
  answer(1001, 80, SEC(2) + 7, 7);
}
END_TEST

Suite *pf_class_latency_suite(void) {
  Suite *s = suite_create("class_latency");
  TCase *tc = tcase_create("shard");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_each_handshake_in_its_flows_class_once);
  tcase_add_test(tc, test_latency_goes_by_the_flow_not_the_packet);
  tcase_add_test(tc, test_reload_carries_kept_classes_and_drops_the_rest);
  tcase_add_test(tc, test_swap_hands_the_interval_to_the_reader);
  tcase_add_test(tc, test_without_latency_nothing_is_kept);
  suite_add_tcase(s, tc);
  return s;
}
