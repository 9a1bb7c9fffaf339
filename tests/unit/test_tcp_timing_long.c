/* test_tcp_timing_long.c - TCP timing over times longer than 32 bits of
 * microseconds (71.6 minutes): a connection that lives past them with
 * ActiveTimeout 0 and the longest TcpTimeout, kept open by keep-alives or
 * by nothing at all. Each figure is exact or absent, never wrapped
 * (tcp_timing.h, "Times"). The local side is the client. */
#include <check.h>

#include "flow/tcp_timing.h"
#include "flow_packets.h"
#include "shard/shard.h"
#include "suites.h"
#include "tcp_segments.h"

#define MINUTES(m) SEC((uint64_t)(m)*60u)
#define HOURS(h) MINUTES((uint64_t)(h)*60u)

static struct pf_shard shard;

/* No active timeout and the longest idle one: a connection ends only
 * after a day without a packet. */
static void setup(void) {
  struct pf_shard_config cfg = test_shard_config(1024, 64, true);
  cfg.timeouts.active_s = 0;
  cfg.timeouts.tcp_s = 86400;
  cfg.tcp_timing = true;
  test_shard_start(&shard, &cfg);
}

static void teardown(void) { pf_shard_free(&shard); }

static const struct pf_hist *hist(enum pf_tcp_latency k) {
  return &shard.cur->tcp.latency[k];
}

static void data(int from, uint32_t seq, uint32_t len, uint32_t ack,
                 uint64_t ts) {
  seg_data(&shard, from, seq, len, ack, ts);
}

static void ack(int from, uint32_t seq, uint32_t ackno, uint64_t ts) {
  data(from, seq, 0, ackno, ts);
}

/* The client's keep-alive (the byte before its edge 1100) and the
 * server's ACK of it, every `every` from `from` up to before `until`. */
static void keep_alive(uint64_t from, uint64_t until, uint64_t every) {
  for (uint64_t t = from; t < until; t += every) {
    data(CLIENT, 1099, 1, 5000, t);
    ack(SERVER, 5000, 1100, t + MS(1));
  }
}

/* The handshake at t0 (client ISN 999, server 4999), then the client's
 * request of 100 bytes at t0 + 1 s, acked 40 ms later. */
static uint64_t request(uint64_t t0) {
  seg_handshake(&shard, 0, 999, 4999, t0, MS(1), MS(1));
  data(CLIENT, 1000, 100, 5000, t0 + SEC(1));
  ack(SERVER, 5000, 1100, t0 + SEC(1) + MS(40));
  return t0 + SEC(1);
}

START_TEST(test_an_answer_after_80_minutes_of_silence) {
  /* 4,800 s read 505 s when times were kept modulo 2^32 us. */
  uint64_t asked = request(SEC(1700000000));
  data(SERVER, 5000, 200, 1100, asked + MINUTES(80));
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RESPONSE)), 1);
  ck_assert_uint_eq(hist(PF_TCP_RESPONSE)->max_us, MINUTES(80));
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RTT_TX)), 1);
}
END_TEST

START_TEST(test_an_answer_after_two_days_of_keep_alives) {
  uint64_t asked = request(SEC(1700000000));
  keep_alive(asked + HOURS(2), asked + HOURS(48), HOURS(2));
  data(SERVER, 5000, 200, 1100, asked + HOURS(48));
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RESPONSE)), 1);
  ck_assert_uint_eq(hist(PF_TCP_RESPONSE)->max_us, HOURS(48));
}
END_TEST

START_TEST(test_no_answer_time_beyond_its_limit) {
  /* Four days: more than 2^38 us (3.18 days), the longest response time
   * a sample may have; its 40-bit stamp would wrap at 12.7 days. */
  uint64_t asked = request(SEC(1700000000));
  keep_alive(asked + HOURS(2), asked + HOURS(96), HOURS(2));
  data(SERVER, 5000, 200, 1100, asked + HOURS(96));
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RESPONSE)), 0);
  /* The next exchange is timed again. */
  data(CLIENT, 1100, 100, 5200, asked + HOURS(97));
  data(SERVER, 5200, 200, 1200, asked + HOURS(97) + MS(25));
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RESPONSE)), 1);
  ck_assert_uint_eq(hist(PF_TCP_RESPONSE)->max_us, MS(25));
}
END_TEST

START_TEST(test_no_answer_time_after_13_days) {
  /* Past 2^40 us (12.7 days) the turn's stamp would wrap to 6.6 hours: the
   * turn must have been dropped at a window's check before. */
  uint64_t asked = request(SEC(1700000000));
  keep_alive(asked + HOURS(2), asked + HOURS(13 * 24), HOURS(2));
  data(SERVER, 5000, 200, 1100, asked + HOURS(13 * 24));
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RESPONSE)), 0);
}
END_TEST

START_TEST(test_an_ack_after_80_minutes_is_no_round_trip) {
  seg_handshake(&shard, 0, 999, 4999, SEC(1700000000), MS(1), MS(1));
  data(CLIENT, 1000, 100, 5000, SEC(1700000001));
  ack(SERVER, 5000, 1100, SEC(1700000001) + MINUTES(80));
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RTT_TX)), 0);
}
END_TEST

START_TEST(test_a_timed_segment_goes_stale_between_packets) {
  /* The server's ACKs every 10 minutes do not cover the client's timed
   * segment; the one that does, 80 minutes on, is no round trip. */
  uint64_t t0 = SEC(1700000000);
  seg_handshake(&shard, 0, 999, 4999, t0, MS(1), MS(1));
  data(CLIENT, 1000, 100, 5000, t0 + SEC(1));
  for (unsigned m = 10; m < 80; m += 10)
    ack(SERVER, 5000, 1000, t0 + SEC(1) + MINUTES(m));
  ack(SERVER, 5000, 1100, t0 + SEC(1) + MINUTES(80));
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RTT_TX)), 0);
  /* A round trip of 17 minutes is still one. */
  data(CLIENT, 1100, 100, 5000, t0 + HOURS(2));
  ack(SERVER, 5000, 1200, t0 + HOURS(2) + MINUTES(17));
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RTT_TX)), 1);
  ck_assert_uint_eq(hist(PF_TCP_RTT_TX)->max_us, MINUTES(17));
}
END_TEST

Suite *pf_tcp_timing_long_suite(void) {
  Suite *s = suite_create("tcp_timing_long");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_an_answer_after_80_minutes_of_silence);
  tcase_add_test(tc, test_an_answer_after_two_days_of_keep_alives);
  tcase_add_test(tc, test_no_answer_time_beyond_its_limit);
  tcase_add_test(tc, test_no_answer_time_after_13_days);
  tcase_add_test(tc, test_an_ack_after_80_minutes_is_no_round_trip);
  tcase_add_test(tc, test_a_timed_segment_goes_stale_between_packets);
  suite_add_tcase(s, tc);
  return s;
}
