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

#define HOURS(h) SEC((uint64_t)(h)*3600u)

static struct pf_shard shard;

static void setup(void) {
  test_shard_init_timing(&shard, 1024, 64, true, true);
}
static void teardown(void) { pf_shard_free(&shard); }

static const struct pf_hist *hist(enum pf_tcp_latency k) {
  return &shard.cur->tcp.latency[k];
}

static void data(int from, uint32_t seq, uint32_t len, uint32_t ack,
                 uint64_t ts) {
  seg_data(&shard, from, seq, len, ack, ts);
}

/* A pure ACK of another connection (client port 41000) at ts. */
static void other(uint64_t ts) {
  struct seg g = {.from = CLIENT,
                  .flags = PF_TCP_ACK,
                  .seq = 7000,
                  .ack = 9000,
                  .window = 65535,
                  .cport = 41000,
                  .tx = true};
  seg_send(&shard, &g, ts);
}

/* The handshake at t0 (client ISN 999, server 4999), then the client's
 * request of 100 bytes 1 s later. Returns the request's time. */
static uint64_t request(uint64_t t0) {
  seg_handshake(&shard, 0, 999, 4999, t0, MS(1), MS(1));
  data(CLIENT, 1000, 100, 5000, t0 + SEC(1));
  return t0 + SEC(1);
}

START_TEST(test_a_request_stamped_two_hours_behind) {
  /* The clock steps 2 hours back just before the request and forward again
   * before its answer: the answer read 2 hours and 25 ms. */
  uint64_t t0 = SEC(1700000000);
  seg_handshake(&shard, 0, 999, 4999, t0, MS(1), MS(1));
  data(CLIENT, 1000, 100, 5000, t0 + SEC(1) - HOURS(2));
  data(SERVER, 5000, 200, 1100, t0 + SEC(1) + MS(25));
  ck_assert_uint_eq(hist(PF_TCP_RESPONSE)->count, 0);
  ck_assert_uint_eq(hist(PF_TCP_RTT_TX)->count, 0);
}
END_TEST

START_TEST(test_a_segment_stamped_five_minutes_behind) {
  /* The clock steps 5 minutes back just before the client's data and
   * forward again before the server's ACK of it: the round trip read 5
   * minutes and 40 ms (within 17.9 minutes, in the same 2^30 us window). */
  uint64_t t0 = SEC(1700000000);
  seg_handshake(&shard, 0, 999, 4999, t0, MS(1), MS(1));
  data(CLIENT, 1000, 100, 5000, t0 + SEC(1) - SEC(300));
  data(SERVER, 5000, 0, 1100, t0 + SEC(1) + MS(40));
  ck_assert_uint_eq(hist(PF_TCP_RTT_TX)->count, 0);
  /* The next segment, on the true time, is timed again. */
  data(CLIENT, 1100, 100, 5000, t0 + SEC(2));
  data(SERVER, 5000, 0, 1200, t0 + SEC(2) + MS(40));
  ck_assert_uint_eq(hist(PF_TCP_RTT_TX)->count, 1);
  ck_assert_uint_eq(hist(PF_TCP_RTT_TX)->max_us, MS(40));
}
END_TEST

START_TEST(test_reordering_keeps_the_timing) {
  /* Packets of other flows up to a second ahead (reordered captures, which
   * the clock follows) change nothing: the answer is timed. */
  uint64_t asked = request(SEC(1700000000));
  for (unsigned i = 0; i < 8; i++) {
    other(asked + MS(900) + MS(125) * i);
    data(SERVER, 5000, 0, 1000, asked + MS(125) * i);
  }
  data(SERVER, 5000, 200, 1100, asked + SEC(1) + MS(25));
  ck_assert_uint_eq(hist(PF_TCP_RESPONSE)->count, 1);
  ck_assert_uint_eq(hist(PF_TCP_RESPONSE)->max_us, SEC(1) + MS(25));
}
END_TEST

Suite *pf_tcp_timing_jumps_suite(void) {
  Suite *s = suite_create("tcp_timing_jumps");
  TCase *tc = tcase_create("jumps");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_a_request_stamped_two_hours_behind);
  tcase_add_test(tc, test_a_segment_stamped_five_minutes_behind);
  tcase_add_test(tc, test_reordering_keeps_the_timing);
  suite_add_tcase(s, tc);
  return s;
}
