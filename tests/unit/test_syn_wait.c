/* test_syn_wait.c - a SYN's wait for its answer (tcp.c, the SYN-wait
 * list): a waiting flow that sends again past its SYN timeout is counted
 * unanswered at that packet, as a tick before it would have counted it,
 * and leaves the list; so no waiting flow's age in first32 can wrap (it
 * does every 2^32 us, 71.6 min, with ActiveTimeout 0), and the tick,
 * which walks the list from its tail and stops at the first flow still
 * inside its timeout, never stops at one it misreads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "flow/flow.h"
#include "flow_packets.h"
#include "pcapflow/source.h"
#include "shard/shard.h"
#include "suites.h"

/* Packet time in microseconds from milliseconds. */
#define MS(ms) ((uint64_t)(ms)*1000u)
/* first32's wrap with ActiveTimeout 0. */
#define WRAP (1ull << 32)

static struct pf_shard shard;

static void teardown(void) { pf_shard_free(&shard); }

/* TCP analysis on, SYN timeout 3 s; TcpTimeout a day and ActiveTimeout 0
 * when `long_lived` (first32 in microseconds), else test_timeouts. */
static void init(bool long_lived) {
  struct pf_shard_config cfg = test_shard_config(64, 64, true);
  if (long_lived) {
    cfg.timeouts.tcp_s = 86400;
    cfg.timeouts.active_s = 0;
  }
  test_shard_start(&shard, &cfg);
}

/* Flow n: client n to the server (pkt_tcp_client). */
static struct pkt tcp(uint32_t n, uint8_t flags) {
  return pkt_tcp_client(n, flags);
}

/* Accounted at once; no tick (ticks run at batch ends). */
static void send(const struct pkt *p, uint64_t ts) {
  shard_pkt(&shard, p,
            (struct shard_hand){
                .dir = PF_DIR_RX, .locality = PF_LOCALITY_DST, .ts = ts});
}

static unsigned list_of(const struct pkt *p) {
  return pf_flow_list(pkt_flow(&shard.flows, p));
}

static uint64_t unanswered(void) { return shard.flows.tcp.stats.unanswered; }

/* The defect: A's SYN at 100 s, B's at 100.5 s; no batch ends until A
 * sends again 2^32 us + 1 s after its SYN, when A's first packet would
 * read 2^32 us late, 1 s ago. The tick then must count both, B at the
 * first tick past its timeout: it stopped at A, inside its timeout as
 * misread, and left B waiting behind it. */
START_TEST(test_tick_passes_a_flow_that_sent_a_wrap_later) {
  init(true);
  struct pkt a = tcp(1, PF_TCP_SYN), b = tcp(2, PF_TCP_SYN);
  send(&a, SEC(100));
  send(&b, MS(100500));
  send(&a, SEC(101) + WRAP);
  pf_shard_batch_end(&shard);
  ck_assert_uint_eq(unanswered(), 2);
  ck_assert_uint_eq(list_of(&a), PF_FLOW_TCP);
  ck_assert_uint_eq(list_of(&b), PF_FLOW_TCP);
  ck_assert_uint_eq(shard.flows.lru_tail[PF_LIST_SYN_WAIT], PF_FLOW_NONE);
  /* Counted once: neither a later tick nor their ends count them again. */
  pf_shard_expire(&shard, SEC(110) + WRAP, 0);
  pf_shard_expire_all(&shard, SEC(200000) + WRAP);
  ck_assert_uint_eq(pf_flow_table_count(&shard.flows), 0);
  ck_assert_uint_eq(unanswered(), 2);
}
END_TEST

/* A SYN sent again 3.5 s after the first (timeout 3 s), no tick between:
 * counted at that packet, and the flow goes to the head of the TCP list,
 * where the tick would have put it. Its late SYN-ACK counts nothing more
 * and is still the handshake's answer. */
START_TEST(test_a_syn_sent_again_past_its_timeout_counts_at_once) {
  init(false);
  struct pkt a = tcp(1, PF_TCP_SYN), b = tcp(2, PF_TCP_ACK);
  send(&a, SEC(0));
  send(&b, SEC(1));
  send(&a, MS(3500));
  ck_assert_uint_eq(unanswered(), 1);
  const struct pf_flow_table *t = &shard.flows;
  ck_assert_ptr_eq(pf_flow_at(t, t->lru_head[PF_FLOW_TCP]), pkt_flow(t, &a));
  ck_assert_ptr_eq(pf_flow_at(t, t->lru_tail[PF_FLOW_TCP]), pkt_flow(t, &b));
  ck_assert_uint_eq(t->lru_tail[PF_LIST_SYN_WAIT], PF_FLOW_NONE);
  pf_shard_batch_end(&shard);
  ck_assert_uint_eq(unanswered(), 1);
}
END_TEST

/* The SYN's answer after the timeout: one count, and the handshake still
 * completes (the latency the client saw). */
START_TEST(test_a_late_answer_counts_once_and_completes) {
  init(false);
  struct pkt syn = tcp(1, PF_TCP_SYN);
  struct pkt synack = pkt_reply(tcp(1, PF_TCP_SYN | PF_TCP_ACK));
  struct pkt ack = tcp(1, PF_TCP_ACK);
  send(&syn, SEC(0));
  send(&synack, SEC(4));
  ck_assert_uint_eq(unanswered(), 1);
  send(&ack, MS(4001));
  pf_shard_batch_end(&shard);
  ck_assert_uint_eq(unanswered(), 1);
  ck_assert_uint_eq(shard.flows.tcp.stats.completed, 1);
  ck_assert_uint_eq(list_of(&syn), PF_FLOW_TCP);
}
END_TEST

/* The timeout's edge: a packet 1 us inside it keeps the wait; one at it
 * ends it, as the tick's own test does (now >= SYN + timeout). */
START_TEST(test_the_timeout_edge_is_the_ticks) {
  init(false);
  struct pkt a = tcp(1, PF_TCP_SYN), b = tcp(2, PF_TCP_SYN);
  send(&a, SEC(10));
  send(&b, SEC(10));
  send(&a, SEC(13) - 1);
  ck_assert_uint_eq(unanswered(), 0);
  ck_assert_uint_eq(list_of(&a), PF_LIST_SYN_WAIT);
  send(&b, SEC(13));
  ck_assert_uint_eq(unanswered(), 1);
  ck_assert_uint_eq(list_of(&b), PF_FLOW_TCP);
  ck_assert_uint_eq(list_of(&a), PF_LIST_SYN_WAIT);
  pf_shard_batch_end(&shard); /* at 13 s: A's timeout too */
  ck_assert_uint_eq(unanswered(), 2);
  ck_assert_uint_eq(list_of(&a), PF_FLOW_TCP);
}
END_TEST

/* A waiting connection its client reset (closed, still waiting) that
 * sends again past the timeout: counted, and to the closed list's head,
 * where the tick puts a closed one. */
START_TEST(test_a_closed_waiting_flow_goes_to_the_closed_list) {
  init(false);
  struct pkt syn = tcp(1, PF_TCP_SYN), rst = tcp(1, PF_TCP_RST | PF_TCP_ACK);
  struct pkt other = tcp(2, PF_TCP_SYN | PF_TCP_ACK);
  send(&syn, SEC(0));
  send(&rst, SEC(1));
  send(&other, SEC(2));
  ck_assert_uint_eq(list_of(&syn), PF_LIST_SYN_WAIT);
  ck_assert_uint_eq(pf_flow_kind(pkt_flow(&shard.flows, &syn)),
                    PF_FLOW_TCP_CLOSED);
  send(&rst, SEC(4));
  ck_assert_uint_eq(unanswered(), 1);
  const struct pf_flow_table *t = &shard.flows;
  ck_assert_ptr_eq(pf_flow_at(t, t->lru_head[PF_FLOW_TCP_CLOSED]),
                   pkt_flow(t, &syn));
  ck_assert_uint_eq(t->stats.active[PF_FLOW_TCP_CLOSED], 1);
  ck_assert_uint_eq(t->stats.active[PF_FLOW_TCP], 1);
  /* Closed 7 s after 4 s: expired then, counted no more. */
  pf_shard_expire(&shard, MS(10999), 8);
  ck_assert_uint_eq(pf_flow_table_count(&shard.flows), 2);
  pf_shard_expire(&shard, SEC(11), 8);
  ck_assert_uint_eq(pf_flow_table_count(&shard.flows), 1);
  ck_assert_uint_eq(unanswered(), 1);
}
END_TEST

/* A waiting flow's packets, however far apart, never let its age wrap:
 * SYNs again at 2 s, then a wrap later (past TcpSynTimeout: counted at
 * that packet, its wait over). A flow that never sent again is counted by
 * the tick at its own timeout, whatever waits ahead of it. */
START_TEST(test_each_wrap_of_a_quiet_file_counts_in_order) {
  init(true);
  struct pkt a = tcp(1, PF_TCP_SYN), b = tcp(2, PF_TCP_SYN),
             c = tcp(3, PF_TCP_SYN);
  send(&a, SEC(100));
  send(&a, SEC(102));
  send(&b, SEC(102));
  ck_assert_uint_eq(unanswered(), 0);
  send(&a, SEC(102) + WRAP);
  ck_assert_uint_eq(unanswered(), 1);
  send(&c, SEC(102) + WRAP);
  pf_shard_batch_end(&shard); /* B, 71.6 min past its timeout */
  ck_assert_uint_eq(unanswered(), 2);
  ck_assert_uint_eq(list_of(&c), PF_LIST_SYN_WAIT);
  pf_shard_expire(&shard, SEC(105) + WRAP - 1, 0);
  ck_assert_uint_eq(unanswered(), 2);
  pf_shard_expire(&shard, SEC(105) + WRAP, 0);
  ck_assert_uint_eq(unanswered(), 3);
}
END_TEST

/* The wait's age stays readable only while the SYN timeout is below
 * first32's wrap (71.6 min in microseconds): the engine refuses a longer
 * one itself, not only the plugin's option parser. */
START_TEST(test_syn_timeout_past_an_hour_is_refused) {
  const uint32_t values[] = {0, 3601, 4295, UINT32_MAX};
  for (unsigned i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
    struct pf_source_config cfg;
    pf_source_config_init(&cfg, PF_SOURCE_INTERFACE);
    cfg.device = strdup("lo");
    cfg.shard.tcp_syn_timeout_s = values[i];
    char err[PF_ERR_MAX], want[PF_ERR_MAX];
    ck_assert_int_eq(pf_source_config_check(&cfg, err, sizeof(err)), -1);
    snprintf(want, sizeof(want),
             "TcpSynTimeout %u is out of range (1 to 3600 s)", values[i]);
    ck_assert_str_eq(err, want);
    pf_source_config_free(&cfg);
  }
  struct pf_source_config cfg;
  pf_source_config_init(&cfg, PF_SOURCE_INTERFACE);
  cfg.device = strdup("lo");
  cfg.shard.tcp_syn_timeout_s = 3600;
  char err[PF_ERR_MAX] = "";
  ck_assert_msg(pf_source_config_check(&cfg, err, sizeof(err)) == 0, "%s", err);
  pf_source_config_free(&cfg);
}
END_TEST

Suite *pf_syn_wait_suite(void) {
  Suite *s = suite_create("syn_wait");
  TCase *tc = tcase_create("syn_wait");
  tcase_add_checked_fixture(tc, NULL, teardown);
  tcase_add_test(tc, test_tick_passes_a_flow_that_sent_a_wrap_later);
  tcase_add_test(tc, test_a_syn_sent_again_past_its_timeout_counts_at_once);
  tcase_add_test(tc, test_a_late_answer_counts_once_and_completes);
  tcase_add_test(tc, test_the_timeout_edge_is_the_ticks);
  tcase_add_test(tc, test_a_closed_waiting_flow_goes_to_the_closed_list);
  tcase_add_test(tc, test_each_wrap_of_a_quiet_file_counts_in_order);
  tcase_add_test(tc, test_syn_timeout_past_an_hour_is_refused);
  suite_add_tcase(s, tc);
  return s;
}
