/* test_flow_final_sweep.c - a file's final expiry (flow_lru.c,
 * pf_flow_table_expire_all) expires every flow idle past its timeout,
 * where the lists are out of order: flows a tick moved from the SYN-wait
 * list to the head of the TCP list, seen before the flows there; the
 * SYN-wait list, whose tail may have been seen since the flows behind it;
 * a waiting flow whose age in first32 would have wrapped. The sweep is
 * skipped when the lists' tails say no flow can have expired
 * (docs/PERFORMANCE.md, "The flood's waits"): these are the cases where
 * a tail alone would skip a flow that must go; test_syn_wait_model.c
 * compares the skip with the full sweep at random. */
#include <stdlib.h>
#include <unistd.h>

#include <check.h>

#include "flow/flow.h"
#include "flow_packets.h"
#include "shard/shard.h"
#include "suites.h"

/* Packet time in microseconds from milliseconds. */
#define MS(ms) ((uint64_t)(ms)*1000u)

static struct pf_shard shard;

static void teardown(void) { pf_shard_free(&shard); }

/* TCP analysis on, with a SYN timeout of syn_s seconds. */
static void init(uint32_t syn_s) {
  struct pf_shard_config cfg = test_shard_config(4096, 64, true);
  cfg.tcp_syn_timeout_s = syn_s;
  test_shard_start(&shard, &cfg);
}

/* Flow n: client n to the server (pkt_tcp_client). */
static struct pkt tcp(uint32_t n, uint8_t flags) {
  return pkt_tcp_client(n, flags);
}

static void send(const struct pkt *p, uint64_t ts) {
  shard_pkt(&shard, p,
            (struct shard_hand){
                .dir = PF_DIR_RX, .locality = PF_LOCALITY_DST, .ts = ts});
}

/* Queued, not accounted: a batch's packets, accounted at its end. */
static void enqueue(const struct pkt *p, uint64_t ts) {
  shard_pkt(&shard, p,
            (struct shard_hand){.dir = PF_DIR_RX,
                                .locality = PF_LOCALITY_DST,
                                .ts = ts,
                                .queue = true});
}

static struct pf_flow *flow_of(const struct pkt *p) {
  return pkt_flow(&shard.flows, p);
}

/* A's SYN at 0 s goes unanswered; B, a connection seen mid-way at 1 s,
 * goes to the TCP list; the tick at 4 s moves A to that list's head,
 * ahead of B though seen before it. At 50.5 s A has been idle past TCP's
 * 50 s, B not: the tail (B) alone would say none can be. */
START_TEST(test_flow_moved_by_the_tick_is_expired) {
  init(3);
  struct pkt a = tcp(1, PF_TCP_SYN), b = tcp(2, PF_TCP_ACK);
  send(&a, SEC(0));
  send(&b, SEC(1));
  pf_shard_expire(&shard, SEC(4), 0);
  ck_assert_uint_eq(shard.flows.tcp.stats.unanswered, 1);
  const struct pf_flow_table *t = &shard.flows;
  ck_assert_ptr_eq(pf_flow_at(t, t->lru_head[PF_FLOW_TCP]), flow_of(&a));
  ck_assert_ptr_eq(pf_flow_at(t, t->lru_tail[PF_FLOW_TCP]), flow_of(&b));
  ck_assert_uint_eq(pf_flow_table_expire_all(&shard.flows, MS(50500)), 1);
  ck_assert_uint_eq(pf_flow_table_count(&shard.flows), 1);
  flow_of(&b);
}
END_TEST

/* With a SYN timeout of 60 s, longer than closed TCP's 7 s: T's SYN at
 * 0 s and again at 2 s; M's SYN at 1 s and its client's RST at 1.5 s
 * (closed, still waiting). Both wait, T at the tail, seen at 2 s, after
 * M. At 8.6 s M has been closed for 7.1 s: expired, though T, the tail,
 * was seen 6.6 s before; T stays. */
START_TEST(test_syn_wait_list_bounded_by_its_tail_first_packet) {
  init(60);
  struct pkt tsyn = tcp(1, PF_TCP_SYN), msyn = tcp(2, PF_TCP_SYN),
             mrst = tcp(2, PF_TCP_RST | PF_TCP_ACK);
  send(&tsyn, SEC(0));
  send(&msyn, SEC(1));
  send(&mrst, MS(1500));
  send(&tsyn, SEC(2));
  pf_shard_expire(&shard, MS(8600), 0);
  const struct pf_flow_table *t = &shard.flows;
  ck_assert_ptr_eq(pf_flow_at(t, t->lru_tail[PF_LIST_SYN_WAIT]),
                   flow_of(&tsyn));
  ck_assert_ptr_eq(pf_flow_at(t, t->lru_head[PF_LIST_SYN_WAIT]),
                   flow_of(&msyn));
  ck_assert_uint_eq(flow_of(&tsyn)->last_us, SEC(2));
  ck_assert_uint_eq(pf_flow_kind(flow_of(&msyn)), PF_FLOW_TCP_CLOSED);
  ck_assert_uint_eq(pf_flow_table_expire_all(&shard.flows, MS(8600)), 1);
  ck_assert_uint_eq(pf_flow_table_count(&shard.flows), 1);
  flow_of(&tsyn);
}
END_TEST

/* TcpTimeout 86400, ActiveTimeout 0 (first32 in microseconds: it wraps at
 * 2^32 us, 71.6 min). A's SYN at 100 s; Z's SYN at 100.5 s and its
 * client's RST at 101 s (closed, still waiting behind A). No tick runs
 * until A sends again 2^32 us + 1 s after its SYN (one batch: a quiet
 * capture), which would make A's first packet read 2^32 us late. Z,
 * closed and idle 71.6 min, must expire: a skip bounded by the SYN-wait
 * tail's first packet kept it while A stayed at that tail (review of
 * floodwaits). A's packet now ends its wait (test_syn_wait.c), the
 * tick counts Z behind it, and both are counted unanswered once. */
START_TEST(test_wrapped_first32_hides_no_closed_flow) {
  struct pf_shard_config cfg = test_shard_config(64, 64, true);
  cfg.timeouts.tcp_s = 86400;
  cfg.timeouts.active_s = 0;
  test_shard_start(&shard, &cfg);
  struct pkt a = tcp(1, PF_TCP_SYN), z = tcp(2, PF_TCP_SYN),
             zrst = tcp(2, PF_TCP_RST | PF_TCP_ACK);
  enqueue(&a, SEC(100));
  enqueue(&z, SEC(100) + 500000);
  enqueue(&zrst, SEC(101));
  enqueue(&a, SEC(100) + (1ull << 32) + SEC(1));
  pf_shard_batch_end(&shard);
  pf_shard_expire(&shard, shard.clock.now_us, 0);
  uint64_t now = shard.clock.now_us;
  ck_assert_uint_eq(pf_flow_list(flow_of(&a)), PF_FLOW_TCP);
  ck_assert_uint_eq(pf_flow_list(flow_of(&z)), PF_FLOW_TCP_CLOSED);
  ck_assert_uint_eq(pf_flow_table_expire_all(&shard.flows, now), 1);
  ck_assert_uint_eq(pf_flow_table_count(&shard.flows), 1);
  flow_of(&a);
  ck_assert_uint_eq(shard.flows.tcp.stats.unanswered, 2);
}
END_TEST

/* ActiveTimeout over 2^31 us: first32 counts 1,024 us units, and a
 * waiting tail that sent again reads its first packet up to 1,023 us
 * late; the bound takes one unit off. T's SYN at T0 (a multiple of 1,024
 * us); M's SYN 100 us later and its client's RST at 200 us (closed, still
 * waiting behind T); T's SYN again at T0 + 2.000872 s (its low ten bits
 * 1,000: T reads T0 + 1,000 us). At T0 + 200 us + 7 s M has been closed
 * its timeout and must go; without the unit taken off the skip kept it. */
START_TEST(test_rounded_first_packet_hides_no_closed_flow) {
  struct pf_shard_config cfg = test_shard_config(4096, 64, true);
  cfg.timeouts.active_s = 2200; /* age_shift 10 */
  cfg.tcp_syn_timeout_s = 10;
  test_shard_start(&shard, &cfg);
  uint64_t t0 = 1024ull * 1000000;
  struct pkt t = tcp(1, PF_TCP_SYN), m = tcp(2, PF_TCP_SYN),
             mr = tcp(2, PF_TCP_RST | PF_TCP_ACK);
  send(&t, t0);
  send(&m, t0 + 100);
  send(&mr, t0 + 200);
  send(&t, t0 + 2000872);
  uint64_t now = t0 + 200 + SEC(7);
  pf_shard_expire(&shard, now, 0);
  ck_assert_uint_eq(pf_flow_list(flow_of(&m)), PF_LIST_SYN_WAIT);
  ck_assert_uint_eq(pf_flow_table_expire_all(&shard.flows, now), 1);
}
END_TEST

Suite *pf_flow_final_sweep_suite(void) {
  Suite *s = suite_create("flow_final_sweep");
  TCase *tc = tcase_create("final_sweep");
  tcase_add_checked_fixture(tc, NULL, teardown);
  tcase_add_test(tc, test_flow_moved_by_the_tick_is_expired);
  tcase_add_test(tc, test_syn_wait_list_bounded_by_its_tail_first_packet);
  tcase_add_test(tc, test_wrapped_first32_hides_no_closed_flow);
  tcase_add_test(tc, test_rounded_first_packet_hides_no_closed_flow);
  suite_add_tcase(s, tc);
  return s;
}
