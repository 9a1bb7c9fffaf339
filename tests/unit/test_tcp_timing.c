/* test_tcp_timing.c - round-trip time, jitter and response time through
 * the shard (tcp_timing.h): both directions, Karn's rule, the 32-bit
 * microsecond clock's wrap, late starts, server-initiated exchanges,
 * retransmitted turns, probes, and the record a connection takes. The
 * local side is the client (its segments tx). */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "flow/tcp_timing.h"
#include "flow_packets.h"
#include "shard/shard.h"
#include "suites.h"
#include "tcp_segments.h"

static struct pf_shard shard;

static void init_timing(bool timing) {
  test_shard_init_timing(&shard, 1024, 64, true, timing);
}

static void setup(void) { init_timing(true); }
static void teardown(void) { pf_shard_free(&shard); }

static const struct pf_hist *hist(enum pf_tcp_latency k) {
  return &shard.cur->tcp.latency[k];
}

static void data(int from, uint32_t seq, uint32_t len, uint32_t ack,
                 uint64_t ts) {
  seg_data(&shard, from, seq, len, ack, ts);
}

/* A pure ACK from `from`. */
static void ack(int from, uint32_t seq, uint32_t ackno, uint64_t ts) {
  data(from, seq, 0, ackno, ts);
}

/* Handshake at t0 (client ISN 999, server 4999), 1 ms each step. */
static void open_conn(uint64_t t0) {
  seg_handshake(&shard, 0, 999, 4999, t0, MS(1), MS(1));
}

/* One exchange after the handshake: the client's request of 100 bytes at
 * t, the server's ACK rtt later, its answer of 200 bytes at t + answer,
 * the client's ACK 80 us after that. cseq/sseq: each side's next byte. */
static void exchange(uint32_t *cseq, uint32_t *sseq, uint64_t t, uint64_t rtt,
                     uint64_t answer) {
  data(CLIENT, *cseq, 100, *sseq, t);
  ack(SERVER, *sseq, *cseq + 100, t + rtt);
  data(SERVER, *sseq, 200, *cseq + 100, t + answer);
  ack(CLIENT, *cseq + 100, *sseq + 200, t + answer + 80);
  *cseq += 100;
  *sseq += 200;
}

START_TEST(test_both_directions_and_response) {
  open_conn(SEC(10));
  uint32_t c = 1000, s = 5000;
  exchange(&c, &s, SEC(11), MS(40), MS(190));
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RTT_TX)), 1);
  ck_assert_uint_eq(hist(PF_TCP_RTT_TX)->max_us, 40000);
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RTT_RX)), 1);
  ck_assert_uint_eq(hist(PF_TCP_RTT_RX)->max_us, 80);
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RESPONSE)), 1);
  ck_assert_uint_eq(hist(PF_TCP_RESPONSE)->max_us, 190000);
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_JITTER)),
                    0); /* one sample each way */
  /* The client's next request is its think time: not a sample. */
  exchange(&c, &s, SEC(12), MS(50), MS(150));
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RESPONSE)), 2);
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RTT_TX)), 2);
  /* Jitter: |50 - 40| ms tx, |80 - 80| us rx. */
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_JITTER)), 2);
  ck_assert_uint_eq(hist(PF_TCP_JITTER)->max_us, 10000);
  ck_assert_uint_eq(hist(PF_TCP_JITTER)->bucket[0], 1);
  /* The handshake's figures are where they were. */
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_HANDSHAKE)), 1);
}
END_TEST

START_TEST(test_one_timed_segment_a_direction) {
  open_conn(SEC(10));
  /* Three segments in a row: the first is timed; an ACK of the second
   * alone would not cover it, the ACK of all three does. */
  data(CLIENT, 1000, 100, 5000, SEC(11));
  data(CLIENT, 1100, 100, 5000, SEC(11) + 10);
  data(CLIENT, 1200, 100, 5000, SEC(11) + 20);
  ack(SERVER, 5000, 1050, SEC(11) + MS(30)); /* below its end: nothing */
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RTT_TX)), 0);
  ack(SERVER, 5000, 1300, SEC(11) + MS(40));
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RTT_TX)), 1);
  ck_assert_uint_eq(hist(PF_TCP_RTT_TX)->max_us, 40000);
  /* A duplicate ACK gives nothing more. */
  ack(SERVER, 5000, 1300, SEC(11) + MS(41));
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RTT_TX)), 1);
}
END_TEST

START_TEST(test_karn_drops_a_retransmitted_timing) {
  open_conn(SEC(10));
  data(CLIENT, 1000, 100, 5000, SEC(11));           /* timed */
  data(CLIENT, 1000, 100, 5000, SEC(11) + MS(200)); /* resent */
  ack(SERVER, 5000, 1100, SEC(11) + MS(240));
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RTT_TX)), 0);
  ck_assert_uint_eq(shard.flows.tcp.stats.retransmitted, 1);
  /* A segment filling a gap resends space below the highest seen too. */
  data(CLIENT, 1200, 100, 5000, SEC(12)); /* timed; [1100, 1200) missing */
  data(CLIENT, 1100, 100, 5000, SEC(12) + MS(1));
  ack(SERVER, 5000, 1300, SEC(12) + MS(41));
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RTT_TX)), 0);
  /* The next new segment is timed again. */
  data(CLIENT, 1300, 100, 5000, SEC(13));
  ack(SERVER, 5000, 1400, SEC(13) + MS(40));
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RTT_TX)), 1);
  ck_assert_uint_eq(hist(PF_TCP_RTT_TX)->max_us, 40000);
}
END_TEST

START_TEST(test_times_across_the_32_bit_wrap) {
  /* 2^32 us after the epoch (about 71.6 minutes in): the low 32 bits of
   * the timestamps wrap between the segment and its ACK. */
  uint64_t wrap = (uint64_t)1 << 32;
  uint64_t t0 = SEC(1700000000) / wrap * wrap + wrap; /* a real-time wrap */
  open_conn(t0 - SEC(1));
  uint32_t c = 1000, s = 5000;
  exchange(&c, &s, t0 - MS(20), MS(40), MS(190));
  ck_assert_uint_eq(hist(PF_TCP_RTT_TX)->max_us, 40000);
  ck_assert_uint_eq(hist(PF_TCP_RESPONSE)->max_us, 190000);
  /* And the sequence numbers' wrap too. */
  c = 0xffffffc0u;
  s = 0xfffffff0u;
  pf_shard_free(&shard);
  init_timing(true);
  seg_handshake(&shard, 0, c - 1, s - 1, SEC(20), MS(1), MS(1));
  exchange(&c, &s, SEC(21), MS(30), MS(60));
  ck_assert_uint_eq(hist(PF_TCP_RTT_TX)->max_us, 30000);
  ck_assert_uint_eq(hist(PF_TCP_RTT_RX)->max_us, 80);
  ck_assert_uint_eq(hist(PF_TCP_RESPONSE)->max_us, 60000);
}
END_TEST

START_TEST(test_a_timestamp_going_back_gives_no_sample) {
  open_conn(SEC(10));
  data(CLIENT, 1000, 100, 5000, SEC(11));
  ack(SERVER, 5000, 1100, SEC(11) - 5);
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RTT_TX)), 0);
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RESPONSE)), 0);
}
END_TEST

START_TEST(test_late_start) {
  /* No handshake: the server is the lower port (80 against 40000). The
   * first turn seen is the client's; the server's answer is a sample. */
  data(CLIENT, 7000, 100, 9000, SEC(11));
  data(SERVER, 9000, 300, 7100, SEC(11) + MS(25));
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RESPONSE)), 1);
  ck_assert_uint_eq(hist(PF_TCP_RESPONSE)->max_us, 25000);
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RTT_TX)),
                    1); /* its ACK covered it */
  ck_assert_uint_eq(hist(PF_TCP_RTT_TX)->max_us, 25000);
  ck_assert_uint_eq(shard.flows.tcp.stats.late_start, 1);
}
END_TEST

START_TEST(test_late_start_server_first) {
  /* Picked up at the server's data: the client's reply is think time, the
   * server's next data its response. */
  data(SERVER, 9000, 300, 7000, SEC(11));
  data(CLIENT, 7000, 100, 9300, SEC(11) + MS(5));
  data(SERVER, 9300, 300, 7100, SEC(11) + MS(35));
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RESPONSE)), 1);
  ck_assert_uint_eq(hist(PF_TCP_RESPONSE)->max_us, 30000);
}
END_TEST

START_TEST(test_server_initiated_exchange) {
  /* SMTP: the server's banner, the client's EHLO 10 ms later (think time),
   * the server's 250 30 ms after that, then QUIT and 221. */
  open_conn(SEC(10));
  data(SERVER, 5000, 40, 1000, SEC(11));
  data(CLIENT, 1000, 20, 5040, SEC(11) + MS(10));
  data(SERVER, 5040, 60, 1020, SEC(11) + MS(40));
  data(CLIENT, 1020, 6, 5100, SEC(11) + MS(45));
  data(SERVER, 5100, 10, 1026, SEC(11) + MS(65));
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RESPONSE)), 2);
  ck_assert_uint_eq(hist(PF_TCP_RESPONSE)->max_us, 30000);
  ck_assert_uint_eq(hist(PF_TCP_RESPONSE)->bucket[pf_hist_bucket_of(20000)], 1);
}
END_TEST

START_TEST(test_a_turn_of_several_segments) {
  /* A request in three segments: the response counts from the last. */
  open_conn(SEC(10));
  data(CLIENT, 1000, 1000, 5000, SEC(11));
  data(CLIENT, 2000, 1000, 5000, SEC(11) + MS(1));
  data(CLIENT, 3000, 500, 5000, SEC(11) + MS(2));
  data(SERVER, 5000, 100, 3500, SEC(11) + MS(52));
  data(SERVER, 5100, 100, 3500, SEC(11) + MS(53));
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RESPONSE)), 1);
  ck_assert_uint_eq(hist(PF_TCP_RESPONSE)->max_us, 50000);
}
END_TEST

START_TEST(test_retransmitted_turns_give_no_sample) {
  open_conn(SEC(10));
  /* The request resent: which copy was answered is unknown. */
  data(CLIENT, 1000, 100, 5000, SEC(11));
  data(CLIENT, 1000, 100, 5000, SEC(11) + MS(200));
  data(SERVER, 5000, 100, 1100, SEC(11) + MS(250));
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RESPONSE)), 0);
  /* The answer's first segment a resend: no sample either. */
  data(CLIENT, 1100, 100, 5100, SEC(12));
  data(SERVER, 5000, 100, 1200, SEC(12) + MS(30));
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RESPONSE)), 0);
  /* A clean exchange after them is measured. */
  data(CLIENT, 1200, 100, 5100, SEC(13));
  data(SERVER, 5100, 100, 1300, SEC(13) + MS(30));
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RESPONSE)), 1);
  ck_assert_uint_eq(hist(PF_TCP_RESPONSE)->max_us, 30000);
}
END_TEST

START_TEST(test_probes_and_pure_acks_are_not_turns) {
  open_conn(SEC(10));
  data(CLIENT, 1000, 100, 5000, SEC(11));
  ack(SERVER, 5000, 1100, SEC(11) + MS(40));
  /* A keep-alive from the client, acked: neither data nor a turn. */
  data(CLIENT, 1099, 1, 5000, SEC(20));
  ack(SERVER, 5000, 1100, SEC(20) + MS(40));
  data(SERVER, 5000, 100, 1100, SEC(21));
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RESPONSE)), 1);
  ck_assert_uint_eq(hist(PF_TCP_RESPONSE)->max_us, SEC(10));
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RTT_TX)), 1);
  ck_assert_uint_eq(shard.flows.tcp.stats.retransmitted, 0);
}
END_TEST

START_TEST(test_direction_is_the_timed_segments) {
  /* Both ends remote (or both local), every packet received: the
   * client's data is rx, so its round trip is tcp_rtt_rx whatever the
   * ACK's direction. */
  open_conn(SEC(10));
  seg_send(&shard,
           &(struct seg){.from = CLIENT,
                         .flags = PF_TCP_ACK,
                         .seq = 1000,
                         .ack = 5000,
                         .window = 65535,
                         .payload = 100},
           SEC(11));
  ack(SERVER, 5000, 1100, SEC(11) + MS(40));
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RTT_RX)), 1);
  ck_assert_uint_eq(hist(PF_TCP_RTT_RX)->max_us, 40000);
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RTT_TX)), 0);
}
END_TEST

START_TEST(test_records_with_timing) {
  /* A record is one cache line with timing; SYNs alone take none. */
  ck_assert_uint_eq(shard.flows.tcp.rec_shift, 6);
  ck_assert_uint_eq((uintptr_t)shard.flows.tcp.conns % 64, 0);
  for (uint16_t p = 1; p <= 10; p++)
    seg_send(&shard,
             &(struct seg){.from = CLIENT,
                           .flags = PF_TCP_SYN,
                           .seq = 1,
                           .window = 65535,
                           .cport = p},
             SEC(1));
  ck_assert_uint_eq(shard.flows.tcp.next_unused, 0);
  /* One-way data takes one: it is timed. (Without timing:
   * test_report_switches.c, test_shard_without_tcp_timing_times_nothing.) */
  data(CLIENT, 1000, 100, 5000, SEC(2));
  ck_assert_uint_eq(shard.flows.tcp.next_unused, 1);
}
END_TEST

START_TEST(test_a_reused_record_starts_clean) {
  /* A connection's timing state must not leak into the next one that
   * takes its record. */
  open_conn(SEC(10));
  data(CLIENT, 1000, 100, 5000, SEC(11)); /* timed, never acked */
  seg_send(&shard,
           &(struct seg){.from = CLIENT, .flags = PF_TCP_RST, .seq = 1100},
           SEC(12));
  pf_shard_expire_all(&shard, SEC(100));
  ck_assert_uint_eq(shard.flows.tcp.free_head, 0);
  /* The next connection, same ports: acks 1100 without having sent it. */
  data(SERVER, 5000, 100, 1100, SEC(101));
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RTT_TX)), 0);
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RESPONSE)), 0);
}
END_TEST

/* A FIN from `from` at seq with len data bytes, acknowledging `ackno`. */
static void fin(int from, uint32_t seq, uint32_t len, uint32_t ackno,
                uint64_t ts) {
  seg_flagged(&shard, from, PF_TCP_FIN | PF_TCP_ACK, seq, len, ackno, ts);
}

START_TEST(test_a_fin_in_order) {
  /* The server's answer carries its FIN: a response time, and a segment
   * timed to the ACK covering the FIN's sequence number too. */
  open_conn(SEC(10));
  data(CLIENT, 1000, 100, 5000, SEC(11));
  fin(SERVER, 5000, 200, 1100, SEC(11) + MS(190));
  ack(CLIENT, 1100, 5200, SEC(11) + MS(190) + 50); /* not the FIN: no */
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RESPONSE)), 1);
  ck_assert_uint_eq(hist(PF_TCP_RESPONSE)->max_us, MS(190));
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RTT_RX)), 0);
  ack(CLIENT, 1100, 5201, SEC(11) + MS(190) + 80);
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RTT_RX)), 1);
  ck_assert_uint_eq(hist(PF_TCP_RTT_RX)->max_us, 80);
  /* The client's FIN alone is no turn; sent again, it is retransmitted. */
  fin(CLIENT, 1100, 0, 5201, SEC(12));
  fin(CLIENT, 1100, 0, 5201, SEC(13));
  ck_assert_uint_eq(pf_hist_samples(hist(PF_TCP_RESPONSE)), 1);
  ck_assert_uint_eq(shard.flows.tcp.stats.retransmitted, 1);
}
END_TEST

Suite *pf_tcp_timing_suite(void) {
  Suite *s = suite_create("tcp_timing");
  TCase *tc = tcase_create("timing");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_both_directions_and_response);
  tcase_add_test(tc, test_one_timed_segment_a_direction);
  tcase_add_test(tc, test_karn_drops_a_retransmitted_timing);
  tcase_add_test(tc, test_times_across_the_32_bit_wrap);
  tcase_add_test(tc, test_a_timestamp_going_back_gives_no_sample);
  tcase_add_test(tc, test_late_start);
  tcase_add_test(tc, test_late_start_server_first);
  tcase_add_test(tc, test_server_initiated_exchange);
  tcase_add_test(tc, test_a_turn_of_several_segments);
  tcase_add_test(tc, test_retransmitted_turns_give_no_sample);
  tcase_add_test(tc, test_probes_and_pure_acks_are_not_turns);
  tcase_add_test(tc, test_direction_is_the_timed_segments);
  tcase_add_test(tc, test_records_with_timing);
  tcase_add_test(tc, test_a_reused_record_starts_clean);
  tcase_add_test(tc, test_a_fin_in_order);
  suite_add_tcase(s, tc);
  return s;
}
