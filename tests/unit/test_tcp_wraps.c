/* test_tcp_wraps.c - handshake latency where a flow's start, kept modulo
 * 2^32 units in first32, may read wrong (tcp.c, pf_tcp_answer): with
 * ActiveTimeout 0 an answer after the SYN's timeout gives no sample, as
 * one 71.6 min (2^32 us) after its SYN would read that much short; with an
 * active timeout every age reads true and a late answer keeps its sample;
 * a SYN-ACK 35.8 min or more after its SYN, which the record cannot time,
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
/* first32's wrap with ActiveTimeout 0. */
#define WRAP (1ull << 32)

static struct pf_shard shard;
static struct pf_class_counters spare;

static void teardown(void) {
  pf_shard_free(&shard);
  pf_class_counters_free(&spare);
}

/* TCP analysis on, SYN timeout 3 s, TcpTimeout a day (so that flows live
 * across the gaps), ActiveTimeout `active_s`; handshake latency kept for
 * one class, "web" (the server's port 80, pkt_tcp_client's). */
static void init(uint32_t active_s) {
  struct pf_shard_config cfg = test_shard_config(64, 16, true);
  cfg.timeouts.tcp_s = 86400;
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

static const struct pf_hist *latency(enum pf_tcp_latency k) {
  return &shard.cur->tcp.latency[k];
}

static const struct pf_hist *web(void) {
  int i = pf_rules_class_index(shard.classes.rules, "web");
  ck_assert_int_ge(i, 0);
  return &shard.classes.latency.cur[i];
}

static const struct pf_tcp_stats *stats(void) {
  return &shard.flows.tcp.stats;
}

/* The defect: with ActiveTimeout 0, a SYN-ACK 2^32 us + 0.5 s after its
 * SYN read the SYN's time 2^32 us late and gave a 0.5 s sample (and an
 * ACK 1 ms later a 0.501 s handshake). The first flow's answer ends its
 * wait itself (pf_tcp_wait_over), the second's after a tick did. */
START_TEST(test_an_answer_a_wrap_after_its_syn_gives_no_sample) {
  init(0);
  handshake(1, SEC(100), SEC(100) + WRAP + MS(500), SEC(100) + WRAP + MS(501),
            false);
  handshake(2, SEC(200), SEC(200) + WRAP + MS(700), SEC(200) + WRAP + MS(701),
            true);
  ck_assert_uint_eq(stats()->unanswered, 2);
  ck_assert_uint_eq(stats()->completed, 2);
  ck_assert_uint_eq(latency(PF_TCP_SYN_SYNACK)->count, 0);
  ck_assert_uint_eq(latency(PF_TCP_SYNACK_ACK)->count, 0);
  ck_assert_uint_eq(latency(PF_TCP_HANDSHAKE)->count, 0);
  ck_assert_uint_eq(web()->count, 0);
}
END_TEST

/* With ActiveTimeout 0 no packet tells an answer 4 s after its SYN from
 * one 2^32 us + 4 s after: neither gives a sample once the wait is over.
 * With an active timeout the same answer gives its 4 s (the attempt still
 * counts as unanswered: test_tcp.c, test_unanswered_syn_timeout). */
START_TEST(test_a_late_answer_gives_its_sample_only_with_an_active_timeout) {
  init(0);
  handshake(1, SEC(10), SEC(14), MS(14001), false);
  ck_assert_uint_eq(stats()->unanswered, 1);
  ck_assert_uint_eq(stats()->completed, 1);
  ck_assert_uint_eq(latency(PF_TCP_SYN_SYNACK)->count, 0);
  ck_assert_uint_eq(latency(PF_TCP_HANDSHAKE)->count, 0);
  ck_assert_uint_eq(web()->count, 0);
  teardown();

  init(600);
  handshake(1, SEC(10), SEC(14), MS(14001), false);
  ck_assert_uint_eq(stats()->unanswered, 1);
  ck_assert_uint_eq(stats()->completed, 1);
  ck_assert_uint_eq(latency(PF_TCP_SYN_SYNACK)->max_us, SEC(4));
  ck_assert_uint_eq(latency(PF_TCP_SYNACK_ACK)->max_us, 1000);
  ck_assert_uint_eq(latency(PF_TCP_HANDSHAKE)->max_us, MS(4001));
  ck_assert_uint_eq(web()->max_us, MS(4001));
}
END_TEST

/* An answer within the SYN's timeout reads true without an active
 * timeout, even in a flow whose neighbour's answer came a wrap late. */
START_TEST(test_an_answer_in_time_keeps_its_samples_without_active_timeout) {
  init(0);
  handshake(1, SEC(100), SEC(100) + WRAP + MS(500), SEC(100) + WRAP + MS(501),
            false);
  handshake(2, SEC(100) + WRAP, SEC(100) + WRAP + MS(10),
            SEC(100) + WRAP + MS(11), false);
  ck_assert_uint_eq(stats()->unanswered, 1);
  ck_assert_uint_eq(stats()->completed, 2);
  ck_assert_uint_eq(latency(PF_TCP_SYN_SYNACK)->count, 1);
  ck_assert_uint_eq(latency(PF_TCP_SYN_SYNACK)->max_us, MS(10));
  ck_assert_uint_eq(latency(PF_TCP_SYNACK_ACK)->max_us, MS(1));
  ck_assert_uint_eq(latency(PF_TCP_HANDSHAKE)->count, 1);
  ck_assert_uint_eq(latency(PF_TCP_HANDSHAKE)->max_us, MS(11));
  ck_assert_uint_eq(web()->count, 1);
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
  init(7200);
  const uint64_t t0 = 1024u * 100000u, after = SEC(2400);
  handshake(1, t0, t0 + after, t0 + after + 1024, false);
  ck_assert_uint_eq(stats()->completed, 1);
  ck_assert_uint_eq(latency(PF_TCP_SYN_SYNACK)->count, 1);
  ck_assert_uint_eq(latency(PF_TCP_SYN_SYNACK)->max_us, after);
  ck_assert_uint_eq(latency(PF_TCP_SYNACK_ACK)->count, 0);
  ck_assert_uint_eq(latency(PF_TCP_HANDSHAKE)->count, 1);
  ck_assert_uint_eq(latency(PF_TCP_HANDSHAKE)->max_us, after + 1024);
  ck_assert_uint_eq(web()->max_us, after + 1024);
}
END_TEST

Suite *pf_tcp_wraps_suite(void) {
  Suite *s = suite_create("tcp_wraps");
  TCase *tc = tcase_create("tcp_wraps");
  tcase_add_checked_fixture(tc, NULL, teardown);
  tcase_add_test(tc, test_an_answer_a_wrap_after_its_syn_gives_no_sample);
  tcase_add_test(tc,
                 test_a_late_answer_gives_its_sample_only_with_an_active_timeout);
  tcase_add_test(tc,
                 test_an_answer_in_time_keeps_its_samples_without_active_timeout);
  tcase_add_test(tc, test_an_answer_past_35_minutes_leaves_the_whole_handshake);
  suite_add_tcase(s, tc);
  return s;
}
