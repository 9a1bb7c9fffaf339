/* test_epoch_list.c - an interval's close goes through the flows it listed
 * and the pool entries handed out during it (shard/feed_list.h), not every
 * entry ever handed out: among many idle flows it ends within a budget of
 * its few active ones; an entry that one flow ends and another takes within
 * the interval is listed twice and fed once; a list that fills makes the
 * close sweep the pools, counted, with the same bytes; a listed flow that
 * sends again before the close reaches it, and the final swap. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "flow_packets.h"
#include "shard/epoch.h"
#include "shard/shard.h"
#include "suites.h"

static struct pf_shard shard;

static void init(uint32_t max_flows) {
  test_shard_init(&shard, max_flows, 4096, false);
}

static void teardown(void) { pf_shard_free(&shard); }

/* UDP from 198.19.0.1:<sport> to 198.18.0.1:53: one flow a source port. */
static struct pkt udp(uint16_t sport, uint32_t payload) {
  static const uint8_t client[4] = {198, 19, 0, 1}, server[4] = {198, 18, 0, 1};
  return (struct pkt){.proto = P_UDP,
                      .src = client,
                      .dst = server,
                      .sport = sport,
                      .dport = 53,
                      .payload = payload};
}

static uint32_t send_udp(uint16_t sport, uint32_t payload, uint64_t ts) {
  struct pkt p = udp(sport, payload);
  shard_pkt(&shard, &p,
            (struct shard_hand){
                .dir = PF_DIR_RX, .locality = PF_LOCALITY_DST, .ts = ts});
  return pkt_len(&p);
}

/* The reader's swap, the interval it hands over (reset) set aside. */
static void swap(void) {
  struct pf_interval *done = pf_shard_swap_interval(&shard, false);
  ck_assert_ptr_nonnull(done);
  pf_interval_reset(done);
}

/* The bytes the top flows list of `iv` holds for the flow of `sport`. */
static uint64_t flow_bytes(const struct pf_interval *iv, uint16_t sport) {
  struct pkt p = udp(sport, 0);
  struct pf_flow_key key;
  uint8_t side;
  ck_assert(pkt_key(&p, &key, &side));
  const struct pf_topn *t = &iv->top[PF_TOP_FLOWS];
  for (uint32_t i = 0; i < t->used; i++)
    if (memcmp(t->items[i].key, &key, t->key_len) == 0)
      return t->items[i].bytes[0] + t->items[i].bytes[1];
  return 0;
}

static uint64_t total(const struct pf_interval *iv, int k) {
  return iv->top[k].total[0] + iv->top[k].total[1];
}

/* Interval 1 makes `n` flows (source ports 1000 on) and is closed and fed:
 * from interval 2 on, they are old entries. */
static void idle_flows(uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    send_udp((uint16_t)(1000 + i), 10, SEC(1));
  swap();
  pf_shard_batch_end(&shard);
  ck_assert(!shard.closing_open);
}

START_TEST(test_close_goes_through_the_active_flows_only) {
  init(4096);
  idle_flows(1000);
  uint32_t a = send_udp(1000, 20, SEC(2)), b = send_udp(1500, 30, SEC(2)),
           c = send_udp(1999, 40, SEC(2));
  swap();
  /* Three flows sent among 1,000: three steps of work close it (a sweep
   * of the pools would have passed over the 997 idle ones too). */
  pf_epoch_close_step(&shard, 3);
  ck_assert(!shard.closing_open);
  struct pf_interval *done = pf_shard_swap_interval(&shard, false);
  ck_assert_uint_eq(total(done, PF_TOP_FLOWS), a + b + c);
  ck_assert_uint_eq(done->top[PF_TOP_FLOWS].used, 3);
  ck_assert_uint_eq(flow_bytes(done, 1500), b);
  ck_assert_uint_eq(shard.feed_sweeps, 0);
}
END_TEST

START_TEST(test_entry_taken_again_is_fed_once) {
  init(64);
  idle_flows(1);
  uint32_t a = send_udp(1000, 20, SEC(2)); /* the old entry 0, listed */
  uint64_t udp_to = SEC(test_timeouts.udp_s);
  pf_shard_expire(&shard, SEC(2) + udp_to, UINT32_MAX); /* fed as it ends */
  ck_assert_uint_eq(pf_flow_table_count(&shard.flows), 0);
  uint32_t b = send_udp(2000, 30, SEC(3) + udp_to); /* entry 0 again */
  const struct pf_feed_list *l = &shard.lists[shard.fcur][0];
  ck_assert_uint_eq(pf_feed_list_len(l), 2);
  ck_assert_uint_eq(l->refs[0], 0);
  ck_assert_uint_eq(l->refs[1], 0);
  swap();
  pf_shard_batch_end(&shard);
  struct pf_interval *done = pf_shard_swap_interval(&shard, false);
  ck_assert_uint_eq(total(done, PF_TOP_FLOWS), a + b);
  ck_assert_uint_eq(total(done, PF_TOP_HOSTS), a + b);
  ck_assert_uint_eq(flow_bytes(done, 1000), a);
  ck_assert_uint_eq(flow_bytes(done, 2000), b);
}
END_TEST

START_TEST(test_full_list_sweeps_the_pools) {
  init(4); /* lists of 4 references a family */
  idle_flows(4);
  /* Nine new flows, each taking the entry of the least recently seen
   * (evicted, fed as it goes): nine listings of old entries. */
  uint32_t len[9];
  uint64_t sum = 0;
  for (uint16_t i = 0; i < 9; i++)
    sum += len[i] = send_udp((uint16_t)(2000 + i), i, SEC(2) + i);
  ck_assert(shard.lists[shard.fcur][0].full);
  swap();
  ck_assert_uint_eq(shard.feed_sweeps, 1);
  pf_shard_batch_end(&shard);
  struct pf_interval *done = pf_shard_swap_interval(&shard, false);
  ck_assert_uint_eq(total(done, PF_TOP_FLOWS), sum);
  ck_assert_uint_eq(total(done, PF_TOP_HOSTS), sum);
  ck_assert_uint_eq(done->top[PF_TOP_FLOWS].used, 9);
  for (uint16_t i = 0; i < 9; i++)
    ck_assert_uint_eq(flow_bytes(done, (uint16_t)(2000 + i)), len[i]);
  pf_interval_reset(done);
  /* The next interval starts with an empty list, and closes by it. */
  ck_assert(!shard.lists[shard.fcur][0].full);
  send_udp(2008, 5, SEC(3)); /* an old entry again: listed */
  ck_assert_uint_eq(pf_feed_list_len(&shard.lists[shard.fcur][0]), 1);
  pf_shard_batch_end(&shard);
  swap();
  ck_assert_uint_eq(shard.feed_sweeps, 1);
}
END_TEST

/* Listed flows across a close: one sends again before the close reaches
 * it (fed there first, then listed for the new interval), and the final
 * swap feeds both intervals, each flow's bytes once. */
START_TEST(test_listed_flows_across_a_close_and_the_end) {
  init(64);
  idle_flows(3);
  uint32_t a2 = send_udp(1000, 20, SEC(2)), b2 = send_udp(1001, 30, SEC(2));
  swap(); /* interval 2 closes, not fed yet */
  uint32_t a3 = send_udp(1000, 40, SEC(3)), c3 = send_udp(1002, 50, SEC(3));
  ck_assert_uint_eq(pf_feed_list_len(&shard.lists[shard.fcur][0]), 2);
  pf_epoch_close_step(&shard, 1); /* part of interval 2's close */
  struct pf_interval *last = pf_shard_swap_interval(&shard, true);
  ck_assert_uint_eq(total(last, PF_TOP_FLOWS), a2 + b2 + a3 + c3);
  ck_assert_uint_eq(total(last, PF_TOP_HOSTS), a2 + b2 + a3 + c3);
  ck_assert_uint_eq(flow_bytes(last, 1000), a2 + a3);
  ck_assert_uint_eq(flow_bytes(last, 1001), b2);
  ck_assert_uint_eq(flow_bytes(last, 1002), c3);
  ck_assert_uint_eq(last->top[PF_TOP_FLOWS].used, 3);
}
END_TEST

Suite *pf_epoch_list_suite(void) {
  Suite *s = suite_create("epoch_list");
  TCase *tc = tcase_create("lists");
  /* Pools mapped and zeroed: seconds of system time on a loaded VM. */
  tcase_set_timeout(tc, 60);
  tcase_add_checked_fixture(tc, NULL, teardown);
  tcase_add_test(tc, test_close_goes_through_the_active_flows_only);
  tcase_add_test(tc, test_entry_taken_again_is_fed_once);
  tcase_add_test(tc, test_full_list_sweeps_the_pools);
  tcase_add_test(tc, test_listed_flows_across_a_close_and_the_end);
  suite_add_tcase(s, tc);
  return s;
}
