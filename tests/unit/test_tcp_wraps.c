/* test_tcp_wraps.c - handshake latency where a flow's start, kept modulo
 * 2^32 units in first32, may read wrong (tcp.c, pf_tcp_answer): with
 * ActiveTimeout 0 a late answer keeps its sample unless its attempt lived
 * 35.8 min (2^31 us) or more by then (the flow is marked at its packets,
 * pf_tcp_syn_aged), or a TcpTimeout over 35.8 min lets one gap hide a
 * whole 71.6 min wrap; with an active timeout every age reads true; a
 * SYN-ACK 35.8 min or more after its SYN, which the record cannot time,
 * leaves the ACK the whole handshake's sample alone. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "flow/flow.h"
#include "flow_packets.h"
#include "rules_helpers.h"
#include "shard/class_counters.h"
#include "shard/shard.h"
#include "suites.h"

#define MS(ms) ((uint64_t)(ms)*1000u)
/* first32's wrap with ActiveTimeout 0, and the age that marks a waiting
 * SYN's flow too old to time. */
#define WRAP (1ull << 32)
#define OLD (1ull << 31)

static struct pf_shard shard;
static struct pf_class_counters spare;

static void teardown(void) {
  pf_shard_free(&shard);
  pf_class_counters_free(&spare);
}

/* TCP analysis on, SYN timeout 3 s, TcpTimeout `tcp_s` and its closed
 * timeout `closed_s`, ActiveTimeout `active_s`; handshake latency kept
 * for one class, "web" (the server's port 80, pkt_tcp_client's). */
static void init_with(uint32_t active_s, uint32_t tcp_s, uint32_t closed_s) {
  struct pf_shard_config cfg = test_shard_config(64, 16, true);
  cfg.timeouts.tcp_s = tcp_s;
  cfg.timeouts.tcp_closed_s = closed_s;
  cfg.timeouts.active_s = active_s;
  char err[256];
  ck_assert_msg(pf_shard_init(&shard, &cfg, err, sizeof(err)) == 0, "%s", err);
  memset(&spare, 0, sizeof(spare));
  struct pf_rules *r =
      rules_from("classes:\n  - name: web\n    protocol: tcp\n    port: 80\n");
  ck_assert_msg(pf_class_counters_prepare(&spare, r, err, sizeof(err)) == 0,
                "%s", err);
  ck_assert_msg(
      pf_class_counters_prepare_latency(&spare, false, err, sizeof(err)) == 0,
      "%s", err);
  pf_rules_free(r);
  pf_class_counters_apply(&shard.classes, &spare, &shard.flows);
}

/* The same with TcpTimeout `tcp_s` and the closed timeout 7 s. */
static void init(uint32_t active_s, uint32_t tcp_s) {
  init_with(active_s, tcp_s, 7);
}

static void send(const struct pkt *p, uint64_t ts) {
  struct pf_packet pkt;
  uint8_t *buf = pkt_decode(p, &pkt);
  pf_shard_packet(&shard, &pkt, PF_DIR_RX, PF_LOCALITY_DST, ts);
  free(buf);
}

/* Client n's SYN at `syn`, the server's SYN-ACK at `synack`, the client's
 * ACK at `ack`; a batch (and its tick) ends before the SYN-ACK when
 * `tick`. */
static void handshake(uint32_t n, uint64_t syn, uint64_t synack, uint64_t ack,
                      bool tick) {
  struct pkt s = pkt_tcp_client(n, PF_TCP_SYN);
  struct pkt sa = pkt_reply(pkt_tcp_client(n, PF_TCP_SYN | PF_TCP_ACK));
  struct pkt a = pkt_tcp_client(n, PF_TCP_ACK);
  send(&s, syn);
  if (tick) {
    pf_shard_batch_end(&shard);
    pf_shard_expire(&shard, synack, 0);
  }
  send(&sa, synack);
  send(&a, ack);
}

/* Client n's SYN sent again every 60 s after `from` while before `to`,
 * which keeps its flow (TcpTimeout 300 s) alive, unanswered. */
static void syn_every_minute(uint32_t n, uint64_t from, uint64_t to) {
  struct pkt s = pkt_tcp_client(n, PF_TCP_SYN);
  for (uint64_t t = from + SEC(60); t < to; t += SEC(60))
    send(&s, t);
}

/* Client n's SYN at `syn`, sent again every minute, the server's SYN-ACK
 * `after` it and the client's ACK 1 ms later. */
static void answered_after(uint32_t n, uint64_t syn, uint64_t after) {
  struct pkt s = pkt_tcp_client(n, PF_TCP_SYN);
  struct pkt sa = pkt_reply(pkt_tcp_client(n, PF_TCP_SYN | PF_TCP_ACK));
  struct pkt a = pkt_tcp_client(n, PF_TCP_ACK);
  send(&s, syn);
  syn_every_minute(n, syn, syn + after);
  send(&sa, syn + after);
  send(&a, syn + after + MS(1));
}

static const struct pf_hist *latency(enum pf_tcp_latency k) {
  return &shard.cur->tcp.latency[k];
}

static const struct pf_hist *web(void) {
  int i = pf_rules_class_index(shard.classes.rules, "web");
  ck_assert_int_ge(i, 0);
  return &shard.classes.latency.cur[i];
}

static const struct pf_tcp_stats *stats(void) { return &shard.flows.tcp.stats; }

/* The defect (main): with ActiveTimeout 0, a SYN-ACK 2^32 us + 0.5 s
 * after its SYN read the SYN's time 2^32 us late and gave a 0.5 s sample
 * (and an ACK 1 ms later a 0.501 s handshake). A SYN every minute keeps
 * each flow alive with TcpTimeout 300 s, so what takes the samples away
 * is the mark at 35.8 min (pf_tcp_syn_aged), not the TcpTimeout rule. The
 * first flow's wait ends at its second SYN (pf_tcp_wait_over), the
 * second's at a tick. */
START_TEST(test_an_answer_a_wrap_after_its_syn_gives_no_sample) {
  init(0, 300);
  answered_after(1, SEC(100), WRAP + MS(500));
  const uint64_t t2 = SEC(200) + WRAP;
  struct pkt s = pkt_tcp_client(2, PF_TCP_SYN);
  send(&s, t2);
  pf_shard_batch_end(&shard);
  pf_shard_expire(&shard, t2 + SEC(5), 0);
  ck_assert_uint_eq(stats()->unanswered, 2);
  syn_every_minute(2, t2, t2 + WRAP + MS(700));
  struct pkt sa = pkt_reply(pkt_tcp_client(2, PF_TCP_SYN | PF_TCP_ACK));
  struct pkt a = pkt_tcp_client(2, PF_TCP_ACK);
  send(&sa, t2 + WRAP + MS(700));
  send(&a, t2 + WRAP + MS(701));
  ck_assert_uint_eq(stats()->unanswered, 2);
  ck_assert_uint_eq(stats()->completed, 2);
  ck_assert_uint_eq(pf_hist_samples(latency(PF_TCP_SYN_SYNACK)), 0);
  ck_assert_uint_eq(pf_hist_samples(latency(PF_TCP_SYNACK_ACK)), 0);
  ck_assert_uint_eq(pf_hist_samples(latency(PF_TCP_HANDSHAKE)), 0);
  ck_assert_uint_eq(pf_hist_samples(web()), 0);
}
END_TEST

/* The defect (the branch's first rule): with ActiveTimeout 0, an attempt
 * whose first two SYNs were lost and whose third was answered after the
 * 3 s SYN timeout lost its samples, the SYN-loss tail the histograms
 * show. Its age reads true: 3.05 s and 3.051 s. */
START_TEST(test_a_retransmitted_syns_late_answer_keeps_its_samples) {
  init(0, 50);
  struct pkt s = pkt_tcp_client(1, PF_TCP_SYN);
  struct pkt sa = pkt_reply(pkt_tcp_client(1, PF_TCP_SYN | PF_TCP_ACK));
  struct pkt a = pkt_tcp_client(1, PF_TCP_ACK);
  send(&s, SEC(10));
  send(&s, SEC(11));
  send(&s, SEC(13));
  send(&sa, MS(13050));
  send(&a, MS(13051));
  ck_assert_uint_eq(stats()->unanswered, 1);
  ck_assert_uint_eq(stats()->completed, 1);
  ck_assert_uint_eq(pf_hist_samples(latency(PF_TCP_SYN_SYNACK)), 1);
  ck_assert_uint_eq(latency(PF_TCP_SYN_SYNACK)->max_us, MS(3050));
  ck_assert_uint_eq(pf_hist_samples(latency(PF_TCP_SYNACK_ACK)), 1);
  ck_assert_uint_eq(latency(PF_TCP_SYNACK_ACK)->max_us, MS(1));
  ck_assert_uint_eq(pf_hist_samples(latency(PF_TCP_HANDSHAKE)), 1);
  ck_assert_uint_eq(latency(PF_TCP_HANDSHAKE)->max_us, MS(3051));
  ck_assert_uint_eq(pf_hist_samples(web()), 1);
  ck_assert_uint_eq(web()->max_us, MS(3051));
}
END_TEST

/* The server's packets keep the flow too, and read its age the same: a
 * SYN sent once, a server that sends a bare ACK every minute and answers
 * 2^32 us + 0.5 s after the SYN gives no sample (read from first32 alone,
 * 0.5 s). */
START_TEST(test_a_servers_packets_mark_a_waiting_syn_too_old_to_time) {
  init(0, 300);
  struct pkt s = pkt_tcp_client(1, PF_TCP_SYN);
  struct pkt ack = pkt_reply(pkt_tcp_client(1, PF_TCP_ACK));
  struct pkt sa = pkt_reply(pkt_tcp_client(1, PF_TCP_SYN | PF_TCP_ACK));
  struct pkt a = pkt_tcp_client(1, PF_TCP_ACK);
  const uint64_t t = SEC(100);
  send(&s, t);
  for (uint64_t u = t + SEC(60); u < t + WRAP; u += SEC(60))
    send(&ack, u);
  send(&sa, t + WRAP + MS(500));
  send(&a, t + WRAP + MS(501));
  ck_assert_uint_eq(stats()->unanswered, 1);
  ck_assert_uint_eq(stats()->completed, 1);
  ck_assert_uint_eq(pf_hist_samples(latency(PF_TCP_SYN_SYNACK)), 0);
  ck_assert_uint_eq(pf_hist_samples(latency(PF_TCP_HANDSHAKE)), 0);
}
END_TEST

/* Pins the rule where the mark cannot decide: with ActiveTimeout 0 and a
 * TCP timeout (open or closed) over 2^31 us, one gap may hide a whole
 * wrap, and no packet tells an answer 4 s after its SYN from one 2^32 us
 * + 4 s after: neither gives a sample once the wait is over. With both
 * timeouts at most 2147 s, or with an active timeout, the same answer
 * gives its 4 s (the attempt still counts as unanswered: test_tcp.c,
 * test_unanswered_syn_timeout). */
START_TEST(test_a_late_answer_gives_no_sample_where_a_gap_may_hide_a_wrap) {
  static const struct {
    uint32_t active_s, tcp_s, closed_s;
    bool sample;
  } cases[] = {{0, 2148, 7, false},
               {0, 300, 2148, false},
               {0, 2147, 7, true},
               {0, 300, 2147, true},
               {600, 86400, 7, true}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    init_with(cases[i].active_s, cases[i].tcp_s, cases[i].closed_s);
    handshake(1, SEC(10), SEC(14), MS(14001), false);
    ck_assert_uint_eq(stats()->unanswered, 1);
    ck_assert_uint_eq(stats()->completed, 1);
    if (!cases[i].sample) {
      ck_assert_msg(pf_hist_samples(latency(PF_TCP_SYN_SYNACK)) == 0,
                    "case %zu", i);
      ck_assert_msg(pf_hist_samples(latency(PF_TCP_SYNACK_ACK)) == 0,
                    "case %zu", i);
      ck_assert_msg(pf_hist_samples(latency(PF_TCP_HANDSHAKE)) == 0, "case %zu",
                    i);
      ck_assert_msg(pf_hist_samples(web()) == 0, "case %zu", i);
    } else {
      ck_assert_msg(latency(PF_TCP_SYN_SYNACK)->max_us == SEC(4), "case %zu",
                    i);
      ck_assert_msg(latency(PF_TCP_SYNACK_ACK)->max_us == 1000, "case %zu", i);
      ck_assert_msg(latency(PF_TCP_HANDSHAKE)->max_us == MS(4001), "case %zu",
                    i);
      ck_assert_msg(web()->max_us == MS(4001), "case %zu", i);
    }
    teardown();
  }
  init(0, 300); /* for the fixture's teardown */
}
END_TEST

/* Pins the mark's edge, with ActiveTimeout 0: an answer 1 ms short of
 * 2^31 us after its SYN (35.8 min, the SYN sent every minute) gives its
 * samples, one at 2^31 us none. */
START_TEST(test_a_waiting_syn_is_too_old_to_time_at_35_8_minutes) {
  init(0, 300);
  answered_after(1, SEC(100), OLD - MS(1));
  answered_after(2, SEC(100) + OLD + SEC(100), OLD);
  ck_assert_uint_eq(stats()->unanswered, 2);
  ck_assert_uint_eq(stats()->completed, 2);
  ck_assert_uint_eq(pf_hist_samples(latency(PF_TCP_SYN_SYNACK)), 1);
  ck_assert_uint_eq(latency(PF_TCP_SYN_SYNACK)->max_us, OLD - MS(1));
  ck_assert_uint_eq(pf_hist_samples(latency(PF_TCP_SYNACK_ACK)), 1);
  ck_assert_uint_eq(latency(PF_TCP_SYNACK_ACK)->max_us, MS(1));
  ck_assert_uint_eq(pf_hist_samples(latency(PF_TCP_HANDSHAKE)), 1);
  ck_assert_uint_eq(latency(PF_TCP_HANDSHAKE)->max_us, OLD);
  ck_assert_uint_eq(pf_hist_samples(web()), 1);
}
END_TEST

/* An answer within the SYN's timeout reads true without an active
 * timeout, even in a flow whose neighbour's answer came a wrap late. */
START_TEST(test_an_answer_in_time_keeps_its_samples_without_active_timeout) {
  init(0, 86400);
  handshake(1, SEC(100), SEC(100) + WRAP + MS(500), SEC(100) + WRAP + MS(501),
            false);
  handshake(2, SEC(100) + WRAP, SEC(100) + WRAP + MS(10),
            SEC(100) + WRAP + MS(11), false);
  ck_assert_uint_eq(stats()->unanswered, 1);
  ck_assert_uint_eq(stats()->completed, 2);
  ck_assert_uint_eq(pf_hist_samples(latency(PF_TCP_SYN_SYNACK)), 1);
  ck_assert_uint_eq(latency(PF_TCP_SYN_SYNACK)->max_us, MS(10));
  ck_assert_uint_eq(latency(PF_TCP_SYNACK_ACK)->max_us, MS(1));
  ck_assert_uint_eq(pf_hist_samples(latency(PF_TCP_HANDSHAKE)), 1);
  ck_assert_uint_eq(latency(PF_TCP_HANDSHAKE)->max_us, MS(11));
  ck_assert_uint_eq(pf_hist_samples(web()), 1);
  ck_assert_uint_eq(web()->max_us, MS(11));
}
END_TEST

/* ActiveTimeout 2 h (first32 in units of 1,024 us; the times here are
 * whole units, so the clock reads them exactly): a SYN-ACK 40 min after
 * its SYN is a true 40 min sample, but no 32-bit microsecond time; the
 * record kept it saturated at 35.8 min, and the ACK 1,024 us later gave a
 * SYN-ACK to ACK sample of 4.2 min. Now the ACK gives the whole
 * handshake's sample alone. */
START_TEST(test_an_answer_past_35_minutes_leaves_the_whole_handshake) {
  init(7200, 86400);
  const uint64_t t0 = 1024u * 100000u, after = SEC(2400);
  handshake(1, t0, t0 + after, t0 + after + 1024, false);
  ck_assert_uint_eq(stats()->completed, 1);
  ck_assert_uint_eq(pf_hist_samples(latency(PF_TCP_SYN_SYNACK)), 1);
  ck_assert_uint_eq(latency(PF_TCP_SYN_SYNACK)->max_us, after);
  ck_assert_uint_eq(pf_hist_samples(latency(PF_TCP_SYNACK_ACK)), 0);
  ck_assert_uint_eq(pf_hist_samples(latency(PF_TCP_HANDSHAKE)), 1);
  ck_assert_uint_eq(latency(PF_TCP_HANDSHAKE)->max_us, after + 1024);
  ck_assert_uint_eq(web()->max_us, after + 1024);
}
END_TEST

/* Pins the record's clamp: a SYN-ACK stamped exactly 2^31 us before its
 * SYN (a clock stepped back: the shard's clock holds, the packets' own
 * stamps time the handshake) is kept one above the no-sample marker, so
 * the ACK 1 ms after it still gives its samples: SYN-ACK to ACK 1 ms less
 * the clamp's 1 us, the whole handshake stamped before its SYN, 0. */
START_TEST(
    test_a_synack_stamped_2_31_us_before_its_syn_keeps_the_acks_samples) {
  init(0, 300);
  const uint64_t t = SEC(3000);
  struct pkt s = pkt_tcp_client(1, PF_TCP_SYN);
  struct pkt sa = pkt_reply(pkt_tcp_client(1, PF_TCP_SYN | PF_TCP_ACK));
  struct pkt a = pkt_tcp_client(1, PF_TCP_ACK);
  send(&s, t);
  send(&sa, t - OLD);
  send(&a, t - OLD + MS(1));
  ck_assert_uint_eq(stats()->unanswered, 0);
  ck_assert_uint_eq(stats()->completed, 1);
  ck_assert_uint_eq(pf_hist_samples(latency(PF_TCP_SYN_SYNACK)), 1);
  ck_assert_uint_eq(latency(PF_TCP_SYN_SYNACK)->max_us, 0);
  ck_assert_uint_eq(pf_hist_samples(latency(PF_TCP_SYNACK_ACK)), 1);
  ck_assert_uint_eq(latency(PF_TCP_SYNACK_ACK)->max_us, MS(1) - 1);
  ck_assert_uint_eq(pf_hist_samples(latency(PF_TCP_HANDSHAKE)), 1);
  ck_assert_uint_eq(latency(PF_TCP_HANDSHAKE)->max_us, 0);
}
END_TEST

Suite *pf_tcp_wraps_suite(void) {
  Suite *s = suite_create("tcp_wraps");
  TCase *tc = tcase_create("tcp_wraps");
  tcase_add_checked_fixture(tc, NULL, teardown);
  tcase_add_test(tc, test_an_answer_a_wrap_after_its_syn_gives_no_sample);
  tcase_add_test(tc, test_a_retransmitted_syns_late_answer_keeps_its_samples);
  tcase_add_test(
      tc, test_a_late_answer_gives_no_sample_where_a_gap_may_hide_a_wrap);
  tcase_add_test(tc, test_a_waiting_syn_is_too_old_to_time_at_35_8_minutes);
  tcase_add_test(tc, test_a_servers_packets_mark_a_waiting_syn_too_old_to_time);
  tcase_add_test(
      tc, test_an_answer_in_time_keeps_its_samples_without_active_timeout);
  tcase_add_test(tc, test_an_answer_past_35_minutes_leaves_the_whole_handshake);
  tcase_add_test(
      tc, test_a_synack_stamped_2_31_us_before_its_syn_keeps_the_acks_samples);
  suite_add_tcase(s, tc);
  return s;
}
