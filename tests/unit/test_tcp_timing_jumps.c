/* test_tcp_timing_jumps.c - TCP timing across a jump of the packets' time
 * that the shard's clock does not follow (shard/packet_clock.h: a step
 * back past its resync limit, which the clock holds through, and the step
 * back to the time it left): a stamp taken on one side of it gives no
 * sample on the other (tcp_timing.h, "Times"), however well the jump fits
 * the samples' limits. (A step forward past the longest wait moves the
 * clock past every timeout: the connection's next packet starts a new
 * flow.) The local side is the client. */
#include <check.h>

#include "flow/tcp_timing.h"
#include "flow_packets.h"
#include "shard/shard.h"
#include "suites.h"
#include "tcp_segments.h"

static struct pf_shard shard;

static void setup(void) {
  test_shard_init_timing(&shard, 1024, 64, true, true);
}
static void teardown(void) { pf_shard_free(&shard); }

static uint64_t count(enum pf_tcp_latency k) {
  return pf_hist_samples(seg_latency(&shard, k));
}

/* A segment of another connection (client port 41000), to move the
 * shard's clock while the timed one waits. */
static const struct seg another = {.from = CLIENT,
                                   .flags = PF_TCP_ACK,
                                   .seq = 7000,
                                   .ack = 9000,
                                   .window = 65535,
                                   .cport = 41000,
                                   .tx = true};

/* The handshake at t0 (client ISN 999, server 4999), the client's request
 * of 100 bytes stamped `behind` before t0 + 1 s (a clock stepped back just
 * before it), and the server's segment of `answer` bytes acknowledging it
 * `after` t0 + 1 s (the clock forward again): before December 7 a round
 * trip or a response time of `behind` + `after`. */
static void across(uint64_t behind, uint32_t answer, uint64_t after) {
  uint64_t t0 = SEC(1700000000);
  seg_handshake(&shard, 0, 999, 4999, t0, MS(1), MS(1));
  seg_data(&shard, CLIENT, 1000, 100, 5000, t0 + SEC(1) - behind);
  seg_data(&shard, SERVER, 5000, answer, 1100, t0 + SEC(1) + after);
}

START_TEST(test_a_request_stamped_two_hours_behind) {
  /* A response time within 3.18 days, in another 2^30 us window. */
  across(SEC(7200), 200, MS(25));
  ck_assert_uint_eq(count(PF_TCP_RESPONSE), 0);
  ck_assert_uint_eq(count(PF_TCP_RTT_TX), 0);
}
END_TEST

START_TEST(test_a_segment_stamped_five_minutes_behind) {
  /* A round trip within 17.9 minutes, in the same 2^30 us window. */
  across(SEC(300), 0, MS(40));
  ck_assert_uint_eq(count(PF_TCP_RTT_TX), 0);
  /* The next segment, on the true time, is timed again. */
  uint64_t t0 = SEC(1700000000);
  seg_data(&shard, CLIENT, 1100, 100, 5000, t0 + SEC(2));
  seg_data(&shard, SERVER, 5000, 0, 1200, t0 + SEC(2) + MS(40));
  ck_assert_uint_eq(count(PF_TCP_RTT_TX), 1);
  ck_assert_uint_eq(seg_latency(&shard, PF_TCP_RTT_TX)->max_us, MS(40));
}
END_TEST

START_TEST(test_reordering_keeps_the_timing) {
  /* Packets of another connection up to 0.9 s ahead (a reordered capture:
   * the clock does not follow the ones behind back) change nothing. */
  across(0, 0, 0);
  uint64_t asked = SEC(1700000001);
  for (unsigned i = 0; i < 8; i++) {
    seg_send(&shard, &another, asked + MS(900) + MS(125) * i);
    seg_data(&shard, SERVER, 5000, 0, 1000, asked + MS(125) * i);
  }
  seg_data(&shard, SERVER, 5000, 200, 1100, asked + SEC(1) + MS(25));
  ck_assert_uint_eq(count(PF_TCP_RESPONSE), 1);
  ck_assert_uint_eq(seg_latency(&shard, PF_TCP_RESPONSE)->max_us,
                    SEC(1) + MS(25));
}
END_TEST

/* The handshake at t0 and the client's request of 100 bytes at t0 +
 * 100 ms, whose ACK the tests below time. */
static void request(uint64_t t0) {
  seg_handshake(&shard, 0, 999, 4999, t0, MS(1), MS(1));
  seg_data(&shard, CLIENT, 1000, 100, 5000, t0 + MS(100));
}

/* The same in a live source's batch: its clock gains at most 1 s a batch
 * (capture.c), this one's and the next's. */
static void live_request(uint64_t t0) {
  pf_packet_clock_budget(&shard.clock, MS(1000));
  request(t0);
  pf_packet_clock_budget(&shard.clock, MS(1000));
}

/* Review findings of December 7, both failing before their fix: stamps a
 * little behind the clock, or ahead of it, are no jump. */

START_TEST(test_an_ack_behind_another_connection_is_timed) {
  /* The ACK of a request lands 0.5 ms behind a segment of another
   * connection (a multi-queue capture): its round trip counts. It gave
   * none: a timeline moved by one unit dropped the timed segments. */
  uint64_t t0 = SEC(1700000000);
  request(t0);
  seg_send(&shard, &another, t0 + MS(102));
  seg_data(&shard, SERVER, 5000, 0, 1100, t0 + MS(101) + 500);
  ck_assert_uint_eq(count(PF_TCP_RTT_TX), 1);
  ck_assert_uint_eq(seg_latency(&shard, PF_TCP_RTT_TX)->max_us, 1500);
}
END_TEST

START_TEST(test_an_ack_after_an_idle_advance_is_timed) {
  /* A quiet live link: the request, an idle wake that moves the clock on
   * by the monotonic time (pf_after_batch), and the ACK captured just
   * before that wake but handed over after it. */
  uint64_t t0 = SEC(1700000000);
  request(t0);
  pf_shard_expire(&shard, shard.clock.now_us + MS(250), 64);
  seg_data(&shard, SERVER, 5000, 0, 1100, t0 + MS(340));
  ck_assert_uint_eq(count(PF_TCP_RTT_TX), 1);
  ck_assert_uint_eq(seg_latency(&shard, PF_TCP_RTT_TX)->max_us, MS(240));
}
END_TEST

START_TEST(test_a_backlog_ahead_of_a_held_clock_is_timed) {
  /* A live thread stalled 6 s on a quiet link drains its backlog in one
   * batch: the clock moves 1 s a batch (capture.c), the stamps are true
   * and ahead of it. The answer's round trip and response count. */
  uint64_t t0 = SEC(1700000000);
  live_request(t0);
  for (unsigned i = 1; i <= 11; i++)
    seg_send(&shard, &another, t0 + MS(100) + MS(500) * i);
  ck_assert_uint_lt(shard.clock.now_us, t0 + SEC(3)); /* held back */
  seg_data(&shard, SERVER, 5000, 200, 1100, t0 + MS(6000));
  seg_data(&shard, CLIENT, 1100, 0, 5200, t0 + MS(6020));
  ck_assert_uint_eq(count(PF_TCP_RESPONSE), 1);
  ck_assert_uint_eq(seg_latency(&shard, PF_TCP_RESPONSE)->max_us, MS(5900));
  ck_assert_uint_eq(count(PF_TCP_RTT_TX), 1);
  ck_assert_uint_eq(count(PF_TCP_RTT_RX), 1);
}
END_TEST

/* The second review's findings, failing before their fix: a clock left
 * behind by a step forward or a silence still tells a jump. */

START_TEST(test_a_live_step_forward_gives_no_sample) {
  /* A live source's clock stepped 5 minutes forward between a request
   * and its ACK: the held clock (1 s a batch) is far behind the ACK's
   * stamp, which is no backlog. */
  uint64_t t0 = SEC(1700000000);
  live_request(t0);
  seg_data(&shard, SERVER, 5000, 0, 1100, t0 + SEC(300) + MS(140));
  ck_assert_uint_lt(shard.clock.now_us, t0 + SEC(3)); /* held back */
  ck_assert_uint_eq(count(PF_TCP_RTT_TX), 0);
}
END_TEST

START_TEST(test_a_jump_after_a_long_silence_gives_no_sample) {
  /* 40 minutes without a packet (the clock steps at most 1801 s, so it
   * stays behind the stamps for good), then the 5-minute jump back of
   * test_a_segment_stamped_five_minutes_behind; and a connection without
   * a jump after the same silence keeps its round trip. */
  uint64_t t0 = SEC(1700000000);
  seg_send(&shard, &another, t0);
  uint64_t t1 = t0 + SEC(2400);
  seg_handshake(&shard, 0, 999, 4999, t1, MS(1), MS(1));
  seg_data(&shard, CLIENT, 1000, 100, 5000, t1 + SEC(1) - SEC(300));
  seg_data(&shard, SERVER, 5000, 0, 1100, t1 + SEC(1) + MS(40));
  ck_assert_uint_eq(count(PF_TCP_RTT_TX), 0);
  seg_data(&shard, CLIENT, 1100, 100, 5000, t1 + SEC(2));
  seg_data(&shard, SERVER, 5000, 0, 1200, t1 + SEC(2) + MS(40));
  ck_assert_uint_eq(count(PF_TCP_RTT_TX), 1);
  ck_assert_uint_eq(seg_latency(&shard, PF_TCP_RTT_TX)->max_us, MS(40));
}
END_TEST

Suite *pf_tcp_timing_jumps_suite(void) {
  Suite *s = suite_create("tcp_timing_jumps");
  TCase *tc = tcase_create("jumps");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_a_request_stamped_two_hours_behind);
  tcase_add_test(tc, test_a_segment_stamped_five_minutes_behind);
  tcase_add_test(tc, test_reordering_keeps_the_timing);
  tcase_add_test(tc, test_an_ack_behind_another_connection_is_timed);
  tcase_add_test(tc, test_an_ack_after_an_idle_advance_is_timed);
  tcase_add_test(tc, test_a_backlog_ahead_of_a_held_clock_is_timed);
  tcase_add_test(tc, test_a_live_step_forward_gives_no_sample);
  tcase_add_test(tc, test_a_jump_after_a_long_silence_gives_no_sample);
  suite_add_tcase(s, tc);
  return s;
}
