/* test_time.c - packet time that jumps (docs/RELIABILITY.md, "Time"): the
 * shard's clock alone (reordering, steps back and far forward, the
 * extremes of a 64-bit timestamp, a live batch's bound), and through the
 * shard: handshake latency from the packets' own timestamps, idle expiry
 * after a record years ahead or a clock stepped back, no overflow at
 * 0xFFFFFFFF seconds. */
#include <stdlib.h>

#include <check.h>

#include "flow_packets.h"
#include "shard/packet_clock.h"
#include "shard/shard.h"
#include "suites.h"
#include "tcp_segments.h"

#define YEAR SEC(365ull * 86400)

/* ---- the clock alone ---- */

static struct pf_packet_clock clk;

static void clock_setup(void) { pf_packet_clock_init(&clk, SEC(301)); }

START_TEST(test_clock_starts_at_the_first_timestamp) {
  ck_assert_uint_eq(pf_packet_clock_step(&clk, SEC(1000)), SEC(1000));
  ck_assert_uint_eq(pf_packet_clock_step(&clk, SEC(1001)), SEC(1001));
  /* A first timestamp before 1970 or past 2112: the clock starts at 0. */
  pf_packet_clock_init(&clk, SEC(301));
  ck_assert_uint_eq(pf_packet_clock_step(&clk, (uint64_t)-SEC(1)), 0);
  ck_assert_uint_eq(pf_packet_clock_step(&clk, (uint64_t)-SEC(1) + 5), 5);
}
END_TEST

START_TEST(test_clock_reordering_does_not_run_fast) {
  /* Timestamps 100 ms back and forth around a steady 1 ms a packet: the
   * clock follows the highest, and ends where the packets end. */
  uint64_t t = SEC(50);
  for (int i = 0; i < 1000; i++) {
    uint64_t ts = t + MS(i) + (i % 2 ? 0 : MS(100));
    pf_packet_clock_step(&clk, i % 2 ? ts : ts - MS(200));
  }
  ck_assert_uint_eq(clk.now_us, t + MS(999));
  ck_assert_uint_eq(clk.resyncs, 0);
}
END_TEST

START_TEST(test_clock_step_back_resynchronises) {
  pf_packet_clock_step(&clk, SEC(5000));
  /* Stepped back an hour: the clock holds, then moves with the packets. */
  ck_assert_uint_eq(pf_packet_clock_step(&clk, SEC(1400)), SEC(5000));
  ck_assert_uint_eq(clk.resyncs, 1);
  ck_assert_uint_eq(pf_packet_clock_step(&clk, SEC(1410)), SEC(5010));
  /* Less than the resync limit back: held, no new reference. */
  ck_assert_uint_eq(pf_packet_clock_step(&clk, SEC(1409) + 1), SEC(5010));
  ck_assert_uint_eq(pf_packet_clock_step(&clk, SEC(1411)), SEC(5011));
}
END_TEST

START_TEST(test_clock_forward_step_is_bounded) {
  pf_packet_clock_step(&clk, SEC(100));
  /* Ten years ahead moves the clock by one longest wait (301 s here). */
  ck_assert_uint_eq(pf_packet_clock_step(&clk, SEC(100) + 10 * YEAR), SEC(401));
  /* Back to the real time: a resync, and the clock goes on from there. */
  ck_assert_uint_eq(pf_packet_clock_step(&clk, SEC(101)), SEC(401));
  ck_assert_uint_eq(pf_packet_clock_step(&clk, SEC(102)), SEC(402));
}
END_TEST

START_TEST(test_clock_extremes_do_not_overflow) {
  uint64_t ts[] = {0,          (uint64_t)INT64_MAX, (uint64_t)INT64_MIN,
                   UINT64_MAX, (uint64_t)-SEC(1),   SEC(0xFFFFFFFFull),
                   1,          (uint64_t)INT64_MAX};
  uint64_t last = 0;
  for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
    uint64_t now = pf_packet_clock_step(&clk, ts[i]);
    ck_assert_uint_ge(now, last);
    ck_assert_uint_le(now, PF_CLOCK_MAX_US);
    last = now;
  }
  /* From one end to the other: the distance between two clamped stamps
   * must fit a signed difference (2^62 - -2^62 did not: UBSan). */
  pf_packet_clock_init(&clk, SEC(301));
  pf_packet_clock_step(&clk, (uint64_t)INT64_MIN);
  ck_assert_uint_eq(pf_packet_clock_step(&clk, (uint64_t)INT64_MAX), SEC(301));
  ck_assert_uint_eq(pf_packet_clock_step(&clk, (uint64_t)INT64_MIN), SEC(301));
  last = clk.now_us;
  /* Alternating ends: every step forward is bounded, none overflows. */
  for (int i = 0; i < 100000; i++)
    pf_packet_clock_step(&clk, i % 2 ? (uint64_t)INT64_MAX : 0);
  ck_assert_uint_le(clk.now_us, last + 50000 * SEC(301));
}
END_TEST

START_TEST(test_clock_record_in_the_past_is_harmless) {
  pf_packet_clock_step(&clk, SEC(100));
  pf_packet_clock_step(&clk, (uint64_t)-SEC(1)); /* one damaged record */
  /* Back on the real time: it moves on by what passed, 0.5 s. */
  ck_assert_uint_eq(pf_packet_clock_step(&clk, SEC(100) + MS(500)),
                    SEC(100) + MS(500));
}
END_TEST

START_TEST(test_clock_two_clocks_interleaved) {
  /* Two captures merged unsorted, one clock 5 s behind the other, a packet
   * of each every 10 ms for 10 s: the clock follows the later one, 10 s. */
  pf_packet_clock_step(&clk, SEC(1000));
  for (int i = 0; i < 1000; i++) {
    pf_packet_clock_step(&clk, SEC(1000) + MS(10 * i));
    pf_packet_clock_step(&clk, SEC(995) + MS(10 * i));
  }
  ck_assert_uint_eq(clk.now_us, SEC(1000) + MS(9990));
}
END_TEST

START_TEST(test_clock_live_batch_budget) {
  pf_packet_clock_step(&clk, SEC(10));
  pf_packet_clock_budget(&clk, SEC(1));
  /* The system clock stepped an hour forward: one second of it counts. */
  ck_assert_uint_eq(pf_packet_clock_step(&clk, SEC(3610)), SEC(11));
  ck_assert_uint_eq(pf_packet_clock_step(&clk, SEC(3611)), SEC(11));
  pf_packet_clock_budget(&clk, PF_CLOCK_UNBOUNDED);
  ck_assert_uint_eq(pf_packet_clock_step(&clk, SEC(3612)), SEC(12));
}
END_TEST

START_TEST(test_clock_idle_advance_moves_the_reference) {
  pf_packet_clock_step(&clk, SEC(10));
  pf_packet_clock_advance(&clk, SEC(12)); /* an idle link, 2 s */
  ck_assert_uint_eq(clk.now_us, SEC(12));
  /* The next packet, 2.5 s after the last: 0.5 s more, not 2.5. */
  ck_assert_uint_eq(pf_packet_clock_step(&clk, SEC(12) + MS(500)),
                    SEC(12) + MS(500));
  pf_packet_clock_advance(&clk, SEC(1)); /* earlier: nothing */
  ck_assert_uint_eq(clk.now_us, SEC(12) + MS(500));
}
END_TEST

/* ---- through the shard ---- */

static struct pf_shard shard;

static void shard_setup(void) { test_shard_init(&shard, 1024, 64, true); }
static void shard_teardown(void) { pf_shard_free(&shard); }

static const struct pf_hist *latency(enum pf_tcp_latency k) {
  return &shard.cur->tcp.latency[k];
}

/* A UDP datagram of another conversation, stamped ts. */
static void other(uint16_t sport, uint64_t ts) {
  struct pkt p = {.proto = P_UDP, .sport = sport, .dport = 53};
  shard_pkt(&shard, &p,
            (struct shard_hand){
                .dir = PF_DIR_RX, .locality = PF_LOCALITY_NEITHER, .ts = ts});
}

START_TEST(test_latency_from_the_packets_own_timestamps) {
  /* A packet stamped 50 ms later comes first (two NIC queues merged): the
   * handshake that follows still measures 40.3 ms and 4.7 ms. */
  other(1, SEC(100) + MS(50));
  seg_handshake(&shard, 0, 1, 100, SEC(100), 40300, 4700);
  ck_assert_uint_eq(shard.flows.tcp.stats.completed, 1);
  ck_assert_uint_eq(latency(PF_TCP_SYN_SYNACK)->max_us, 40300);
  ck_assert_uint_eq(latency(PF_TCP_SYNACK_ACK)->max_us, 4700);
  ck_assert_uint_eq(latency(PF_TCP_HANDSHAKE)->max_us, 45000);
}
END_TEST

START_TEST(test_latency_never_negative) {
  /* The SYN-ACK stamped before the SYN: 0, not a wrapped huge value. */
  seg_handshake(&shard, 0, 1, 100, SEC(100), (uint64_t)-MS(3), MS(5));
  ck_assert_uint_eq(latency(PF_TCP_SYN_SYNACK)->max_us, 0);
  ck_assert_uint_eq(latency(PF_TCP_SYNACK_ACK)->max_us, MS(5));
  ck_assert_uint_eq(latency(PF_TCP_HANDSHAKE)->max_us, MS(2));
}
END_TEST

START_TEST(test_record_a_year_ahead) {
  seg_handshake(&shard, 40001, 1, 100, SEC(100), MS(10), MS(1));
  other(1, SEC(101) + YEAR); /* one damaged record */
  seg_handshake(&shard, 40002, 1, 100, SEC(102), 30500, MS(1));
  ck_assert_uint_eq(shard.flows.tcp.stats.completed, 2);
  ck_assert_uint_eq(latency(PF_TCP_SYN_SYNACK)->max_us, 30500);
  ck_assert_uint_eq(shard.flows.tcp.stats.unanswered, 0);
}
END_TEST

START_TEST(test_idle_expiry_after_a_record_years_ahead) {
  other(1, SEC(100));
  other(2, SEC(101) + 10 * YEAR); /* ten years ahead */
  other(3, SEC(102));
  uint64_t udp_to = SEC(test_timeouts.udp_s);
  /* Flow 3 has been idle past its timeout by the packets' own time. */
  other(4, SEC(102) + udp_to + 1);
  pf_shard_expire(&shard, shard.clock.now_us, UINT32_MAX);
  struct pkt p3 = {.proto = P_UDP, .sport = 3, .dport = 53};
  struct pf_flow_key k;
  uint8_t side;
  ck_assert(pkt_key(&p3, &k, &side));
  ck_assert_ptr_null(pf_flow_table_find(&shard.flows, &k));
  ck_assert_uint_eq(pf_flow_table_count(&shard.flows), 1); /* flow 4 */
}
END_TEST

START_TEST(test_idle_expiry_after_the_clock_steps_back) {
  other(1, SEC(5000));
  other(2, SEC(1400)); /* the host's clock stepped back an hour */
  uint64_t udp_to = SEC(test_timeouts.udp_s);
  other(3, SEC(1400) + udp_to);
  pf_shard_expire(&shard, shard.clock.now_us, UINT32_MAX);
  ck_assert_uint_eq(pf_flow_table_count(&shard.flows), 1); /* flow 3 */
  ck_assert_uint_eq(shard.flows.stats.expired, 2);
}
END_TEST

START_TEST(test_timestamp_0xffffffff_seconds) {
  /* libpcap reads ts_sec 0xFFFFFFFF as -1 s; the capture thread passes
   * it on as a two's complement value. Handshakes around it complete and
   * are no unanswered SYNs. */
  seg_handshake(&shard, 40001, 1, 100, SEC(100), MS(10), MS(1));
  other(1, (uint64_t)-SEC(1) + 999999);
  seg_handshake(&shard, 40002, 1, 100, SEC(101), MS(20), MS(1));
  pf_shard_expire(&shard, shard.clock.now_us + SEC(10), UINT32_MAX);
  ck_assert_uint_eq(shard.flows.tcp.stats.completed, 2);
  ck_assert_uint_eq(shard.flows.tcp.stats.unanswered, 0);
  ck_assert_uint_eq(latency(PF_TCP_SYN_SYNACK)->max_us, MS(20));
}
END_TEST

Suite *pf_time_suite(void) {
  Suite *s = suite_create("time");
  TCase *tc = tcase_create("clock");
  tcase_add_checked_fixture(tc, clock_setup, NULL);
  tcase_add_test(tc, test_clock_starts_at_the_first_timestamp);
  tcase_add_test(tc, test_clock_reordering_does_not_run_fast);
  tcase_add_test(tc, test_clock_step_back_resynchronises);
  tcase_add_test(tc, test_clock_forward_step_is_bounded);
  tcase_add_test(tc, test_clock_extremes_do_not_overflow);
  tcase_add_test(tc, test_clock_record_in_the_past_is_harmless);
  tcase_add_test(tc, test_clock_two_clocks_interleaved);
  tcase_add_test(tc, test_clock_live_batch_budget);
  tcase_add_test(tc, test_clock_idle_advance_moves_the_reference);
  suite_add_tcase(s, tc);
  tc = tcase_create("shard");
  tcase_add_checked_fixture(tc, shard_setup, shard_teardown);
  tcase_add_test(tc, test_latency_from_the_packets_own_timestamps);
  tcase_add_test(tc, test_latency_never_negative);
  tcase_add_test(tc, test_record_a_year_ahead);
  tcase_add_test(tc, test_idle_expiry_after_a_record_years_ahead);
  tcase_add_test(tc, test_idle_expiry_after_the_clock_steps_back);
  tcase_add_test(tc, test_timestamp_0xffffffff_seconds);
  suite_add_tcase(s, tc);
  return s;
}
