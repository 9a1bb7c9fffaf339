/* test_tcp.c - passive TCP analysis through the shard: handshake latency,
 * sequence space (wrap-around, retransmitted vs out-of-order, keep-alives),
 * late starts, resets, zero windows, unanswered SYNs, the extension pool. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "flow_packets.h"
#include "shard/shard.h"
#include "suites.h"
#include "tcp_segments.h"

static struct pf_shard shard;

static void init_shard(uint32_t max_flows, bool analysis) {
  test_shard_init(&shard, max_flows, 64, analysis);
}

static void setup(void) { init_shard(1024, true); }
static void teardown(void) { pf_shard_free(&shard); }

static void send_seg(const struct seg *s, uint64_t ts) {
  seg_send(&shard, s, ts);
}

/* Sends data [seq, seq + len) from the client, window open. */
static void data(uint32_t seq, uint32_t len, uint64_t ts) {
  send_seg(&(struct seg){.from = CLIENT,
                         .flags = PF_TCP_ACK,
                         .seq = seq,
                         .window = 65535,
                         .payload = len},
           ts);
}

/* n unanswered SYNs from client ports 1000, 1001, ..., 1 us apart from
 * t0: a flood's attempts, one flow each. */
static void syns(uint16_t n, uint64_t t0) {
  for (uint16_t p = 0; p < n; p++)
    send_seg(&(struct seg){.from = CLIENT,
                           .flags = PF_TCP_SYN,
                           .seq = 1,
                           .window = 65535,
                           .cport = (uint16_t)(1000 + p)},
             t0 + p);
}

static const struct pf_tcp_stats *stats(void) { return &shard.flows.tcp.stats; }

static const struct pf_hist *latency(enum pf_tcp_latency k) {
  return &shard.cur->tcp.latency[k];
}

static void handshake(uint32_t cisn, uint32_t sisn, uint64_t t0,
                      uint64_t syn_synack, uint64_t synack_ack) {
  seg_handshake(&shard, 0, cisn, sisn, t0, syn_synack, synack_ack);
}

START_TEST(test_handshake_latency_split) {
  handshake(1000, 5000, SEC(100), MS(10), MS(2));
  ck_assert_uint_eq(stats()->completed, 1);
  ck_assert_uint_eq(pf_hist_samples(latency(PF_TCP_SYN_SYNACK)), 1);
  ck_assert_uint_eq(latency(PF_TCP_SYN_SYNACK)->max_us, 10000);
  ck_assert_uint_eq(latency(PF_TCP_SYNACK_ACK)->max_us, 2000);
  ck_assert_uint_eq(latency(PF_TCP_HANDSHAKE)->max_us, 12000);
  ck_assert_uint_eq(stats()->late_start, 0);
  ck_assert_uint_eq(stats()->retransmitted, 0);
  ck_assert_uint_eq(stats()->unanswered, 0);
  /* The handshake's ACK again (a pure ACK) is neither a sample nor data. */
  send_seg(&(struct seg){.from = CLIENT,
                         .flags = PF_TCP_ACK,
                         .seq = 1001,
                         .ack = 5001,
                         .window = 65535},
           SEC(101));
  ck_assert_uint_eq(stats()->completed, 1);
  ck_assert_uint_eq(pf_hist_samples(latency(PF_TCP_HANDSHAKE)), 1);
  ck_assert_uint_eq(stats()->retransmitted, 0);
}
END_TEST

START_TEST(test_syn_retransmitted) {
  /* The first SYN is lost beyond the capture point; the client repeats it
   * after 1 s: one retransmission, and the latency the client waited. */
  send_seg(
      &(struct seg){
          .from = CLIENT, .flags = PF_TCP_SYN, .seq = 7, .window = 65535},
      SEC(10));
  send_seg(
      &(struct seg){
          .from = CLIENT, .flags = PF_TCP_SYN, .seq = 7, .window = 65535},
      SEC(11));
  send_seg(&(struct seg){.from = SERVER,
                         .flags = PF_TCP_SYN | PF_TCP_ACK,
                         .seq = 70,
                         .ack = 8,
                         .window = 65535},
           SEC(11) + MS(5));
  ck_assert_uint_eq(stats()->retransmitted, 1);
  ck_assert_uint_eq(latency(PF_TCP_SYN_SYNACK)->max_us, 1005000);
  ck_assert_uint_eq(stats()->unanswered, 0);
}
END_TEST

START_TEST(test_retransmission_and_out_of_order) {
  handshake(999, 5000, SEC(1), MS(1), MS(1));
  data(1000, 100, SEC(2)); /* [1000, 1100) */
  data(1000, 100, SEC(3)); /* again: retransmitted */
  ck_assert_uint_eq(stats()->retransmitted, 1);
  data(1200, 100, SEC(4)); /* gap [1100, 1200) */
  data(1100, 100, SEC(5)); /* fills it: out of order */
  ck_assert_uint_eq(stats()->out_of_order, 1);
  ck_assert_uint_eq(stats()->retransmitted, 1);
  data(1100, 100, SEC(6)); /* seen now: retransmitted */
  ck_assert_uint_eq(stats()->retransmitted, 2);
  ck_assert_uint_eq(stats()->out_of_order, 1);
  /* A gap filled from above, then from below: two out-of-order segments. */
  data(1600, 100, SEC(7)); /* gap [1300, 1600) */
  data(1500, 100, SEC(8));
  data(1300, 100, SEC(9));
  ck_assert_uint_eq(stats()->out_of_order, 3);
  data(1400, 100, SEC(10)); /* the rest of the gap */
  ck_assert_uint_eq(stats()->out_of_order, 4);
  data(1400, 100, SEC(11));
  ck_assert_uint_eq(stats()->retransmitted, 3);
  /* A retransmission that also carries new data moves the edge. */
  data(1650, 100, SEC(12)); /* [1650, 1750): 50 bytes seen before */
  data(1750, 10, SEC(13));  /* in order after it */
  ck_assert_uint_eq(stats()->retransmitted, 4);
  ck_assert_uint_eq(stats()->out_of_order, 4);
}
END_TEST

START_TEST(test_tail_loss_after_a_pure_ack) {
  /* Seen at the receiver: [1101, 1201) was lost before this point, and the
   * client's pure ACK then showed seq 1201. The resent data fills that gap:
   * out of order, never seen before. */
  handshake(1000, 5000, SEC(1), MS(1), MS(1));
  data(1001, 100, SEC(2)); /* [1001, 1101) */
  send_seg(&(struct seg){.from = CLIENT,
                         .flags = PF_TCP_ACK,
                         .seq = 1201,
                         .ack = 5001,
                         .window = 65535},
           SEC(3));
  data(1101, 100, SEC(4)); /* the tail, resent */
  ck_assert_uint_eq(stats()->out_of_order, 1);
  ck_assert_uint_eq(stats()->retransmitted, 0);
  data(1101, 100, SEC(5)); /* again: now seen before */
  ck_assert_uint_eq(stats()->retransmitted, 1);
  /* A pure ACK at or below the edge (a keep-alive) changes nothing. */
  send_seg(&(struct seg){.from = CLIENT,
                         .flags = PF_TCP_ACK,
                         .seq = 1200,
                         .ack = 5001,
                         .window = 65535},
           SEC(6));
  data(1201, 10, SEC(7));
  ck_assert_uint_eq(stats()->out_of_order, 1);
  ck_assert_uint_eq(stats()->retransmitted, 1);
}
END_TEST

START_TEST(test_pure_ack_first_does_not_set_the_edge) {
  /* Capture began mid-connection at a pure ACK: data sent before that is
   * not "seen before" here. */
  send_seg(&(struct seg){.from = CLIENT,
                         .flags = PF_TCP_ACK,
                         .seq = 2000,
                         .ack = 9,
                         .window = 65535},
           SEC(1));
  data(1900, 100, SEC(2));
  ck_assert_uint_eq(stats()->retransmitted, 0);
  ck_assert_uint_eq(stats()->out_of_order, 0);
}
END_TEST

START_TEST(test_sequence_wraparound) {
  uint32_t isn = 0xffffff00u; /* data starts at 0xffffff01 and wraps */
  uint32_t s = 0xffffffc0u;   /* the server's data starts here, and wraps */
  handshake(isn, s - 1, SEC(1), MS(1), MS(1));
  uint32_t seq = isn + 1;
  for (int i = 0; i < 4; i++) /* 4 x 100 bytes, the third crosses 2^32 */
    data(seq + (uint32_t)i * 100, 100, SEC(2) + (uint64_t)i);
  ck_assert_uint_eq(stats()->retransmitted, 0);
  ck_assert_uint_eq(stats()->out_of_order, 0);
  data(seq + 200, 100, SEC(10)); /* the segment across the wrap, again */
  ck_assert_uint_eq(stats()->retransmitted, 1);
  data(seq + 100, 100, SEC(11)); /* one before the wrap, again */
  ck_assert_uint_eq(stats()->retransmitted, 2);
  /* A gap across the wrap of the server's space, filled late. */
  send_seg(&(struct seg){.from = SERVER,
                         .flags = PF_TCP_ACK,
                         .seq = s,
                         .window = 65535,
                         .payload = 32},
           SEC(20));
  send_seg(&(struct seg){.from = SERVER,
                         .flags = PF_TCP_ACK,
                         .seq = s + 96,
                         .window = 65535,
                         .payload = 32},
           SEC(21)); /* gap [s + 32, s + 96) holds 2^32 */
  send_seg(&(struct seg){.from = SERVER,
                         .flags = PF_TCP_ACK,
                         .seq = s + 64,
                         .window = 65535,
                         .payload = 32},
           SEC(22)); /* seq 0: after the wrap, inside the gap */
  ck_assert_uint_eq(stats()->out_of_order, 1);
  send_seg(&(struct seg){.from = SERVER,
                         .flags = PF_TCP_ACK,
                         .seq = s,
                         .window = 65535,
                         .payload = 32},
           SEC(23)); /* below the gap: seen before the wrap */
  ck_assert_uint_eq(stats()->retransmitted, 3);
  ck_assert(pf_seq_lt(0xfffffff0u, 0x10u));
  ck_assert(!pf_seq_lt(0x10u, 0xfffffff0u));
  ck_assert(pf_seq_le(5, 5));
}
END_TEST

START_TEST(test_keepalive_is_not_retransmission) {
  handshake(99, 5000, SEC(1), MS(1), MS(1));
  data(100, 100, SEC(2));
  data(199, 1, SEC(30)); /* the byte before the edge: a keep-alive */
  data(199, 0, SEC(60)); /* the zero-byte kind */
  ck_assert_uint_eq(stats()->retransmitted, 0);
  data(190, 10, SEC(61)); /* 10 bytes of data seen before */
  ck_assert_uint_eq(stats()->retransmitted, 1);
}
END_TEST

START_TEST(test_late_start) {
  /* Capture began mid-connection: no handshake, still analysed. */
  data(50000, 1000, SEC(1));
  ck_assert_uint_eq(stats()->late_start, 1);
  data(51000, 1000, SEC(2));
  data(51000, 1000, SEC(3));
  ck_assert_uint_eq(stats()->retransmitted, 1);
  ck_assert_uint_eq(stats()->late_start, 1);
  ck_assert_uint_eq(pf_hist_samples(latency(PF_TCP_HANDSHAKE)), 0);
  ck_assert_uint_eq(pf_hist_samples(latency(PF_TCP_SYN_SYNACK)), 0);
  ck_assert_uint_eq(stats()->completed, 0);
  /* First seen at the SYN-ACK: not late, but no sample either. */
  send_seg(&(struct seg){.from = SERVER,
                         .flags = PF_TCP_SYN | PF_TCP_ACK,
                         .seq = 1,
                         .ack = 2,
                         .window = 65535,
                         .cport = 40001},
           SEC(4));
  send_seg(&(struct seg){.from = CLIENT,
                         .flags = PF_TCP_ACK,
                         .seq = 2,
                         .ack = 2,
                         .window = 65535,
                         .cport = 40001},
           SEC(5));
  ck_assert_uint_eq(stats()->late_start, 1);
  ck_assert_uint_eq(stats()->completed, 0);
  ck_assert_uint_eq(pf_hist_samples(latency(PF_TCP_HANDSHAKE)), 0);
}
END_TEST

START_TEST(test_reset_paths) {
  /* Refused: a RST answers the SYN. An answer, so not unanswered. */
  send_seg(
      &(struct seg){
          .from = CLIENT, .flags = PF_TCP_SYN, .seq = 10, .window = 65535},
      SEC(1));
  send_seg(&(struct seg){.from = SERVER,
                         .flags = PF_TCP_RST | PF_TCP_ACK,
                         .seq = 0,
                         .ack = 11,
                         .window = 0},
           SEC(1) + MS(1));
  pf_shard_expire(&shard, SEC(10), 0);
  ck_assert_uint_eq(stats()->resets, 1);
  ck_assert_uint_eq(stats()->unanswered, 0);
  ck_assert_uint_eq(stats()->zero_window, 0); /* a RST's window is not one */
  ck_assert_uint_eq(pf_hist_samples(latency(PF_TCP_SYN_SYNACK)), 0);

  /* Aborted mid-connection: the RST's sequence number is not data, so a
   * second RST with the same number is no retransmission. */
  handshake(99, 5000, SEC(20), MS(1), MS(1)); /* reopens the closed flow */
  data(100, 100, SEC(21));
  send_seg(&(struct seg){.from = CLIENT, .flags = PF_TCP_RST, .seq = 200},
           SEC(22));
  send_seg(&(struct seg){.from = CLIENT, .flags = PF_TCP_RST, .seq = 200},
           SEC(22) + 1);
  ck_assert_uint_eq(stats()->resets, 3);
  ck_assert_uint_eq(stats()->retransmitted, 0);
  ck_assert_uint_eq(stats()->completed, 1);
}
END_TEST

START_TEST(test_zero_window) {
  handshake(99, 5000, SEC(1), MS(1), MS(1));
  send_seg(&(struct seg){.from = SERVER,
                         .flags = PF_TCP_ACK,
                         .seq = 5001,
                         .ack = 100,
                         .window = 0},
           SEC(2));
  send_seg(&(struct seg){.from = SERVER,
                         .flags = PF_TCP_ACK,
                         .seq = 5001,
                         .ack = 100,
                         .window = 0},
           SEC(3));
  send_seg(&(struct seg){.from = SERVER,
                         .flags = PF_TCP_ACK | PF_TCP_FIN,
                         .seq = 5001,
                         .ack = 100,
                         .window = 0},
           SEC(4)); /* FIN: not counted */
  ck_assert_uint_eq(stats()->zero_window, 2);
}
END_TEST

START_TEST(test_unanswered_syn_timeout) {
  send_seg(
      &(struct seg){
          .from = CLIENT, .flags = PF_TCP_SYN, .seq = 10, .window = 65535},
      SEC(100));
  send_seg(&(struct seg){.from = CLIENT,
                         .flags = PF_TCP_SYN,
                         .seq = 10,
                         .window = 65535,
                         .cport = 40001},
           SEC(101));
  pf_shard_expire(&shard, SEC(103) - 1, 0);
  expect_flow_identity(&shard.flows);
  ck_assert_uint_eq(stats()->unanswered, 0);
  pf_shard_expire(&shard, SEC(103), 0); /* the first is 3 s old */
  expect_flow_identity(&shard.flows);   /* the tick's splice */
  ck_assert_uint_eq(stats()->unanswered, 1);
  /* An answer after the timeout: still counted once, and still a sample. */
  send_seg(&(struct seg){.from = SERVER,
                         .flags = PF_TCP_SYN | PF_TCP_ACK,
                         .seq = 1,
                         .ack = 11,
                         .window = 65535},
           SEC(103) + MS(500));
  ck_assert_uint_eq(stats()->unanswered, 1);
  ck_assert_uint_eq(latency(PF_TCP_SYN_SYNACK)->max_us, 3500000);
  pf_shard_expire(&shard, SEC(200), 0);
  expect_flow_identity(&shard.flows);
  ck_assert_uint_eq(stats()->unanswered, 2); /* the second, once */
  pf_shard_expire(&shard, SEC(300), UINT32_MAX);
  expect_flow_identity(&shard.flows);
  ck_assert_uint_eq(stats()->unanswered, 2);
}
END_TEST

/* A list's flows from its head, checked against the links back from
 * its tail. */
static unsigned list_refs(unsigned list, uint32_t *out, unsigned max) {
  const struct pf_flow_table *t = &shard.flows;
  unsigned n = 0;
  for (uint32_t r = t->lru_head[list]; r != PF_FLOW_NONE && n < max;
       r = pf_flow_at(t, r)->lru_next)
    out[n++] = r;
  uint32_t back = t->lru_tail[list];
  for (unsigned i = n; i-- > 0; back = pf_flow_at(t, back)->lru_prev) {
    ck_assert_uint_eq(back, out[i]);
    ck_assert_uint_eq(pf_flow_list(pf_flow_at(t, back)), list);
  }
  ck_assert_uint_eq(back, PF_FLOW_NONE);
  return n;
}

START_TEST(test_timed_out_syns_join_their_lists_in_order) {
  /* One tick times out four SYNs: the open ones join the TCP flows at
   * their head, newest first, as one by one from the oldest would; the
   * one its client reset meanwhile joins the closed flows. */
  data(1, 10, SEC(1)); /* flow 0, on the TCP list */
  syns(4, SEC(2));     /* flows 1-4 */
  send_seg(&(struct seg){.from = CLIENT, .flags = PF_TCP_RST, .cport = 1002},
           SEC(2) + 10); /* flow 3 closed, still waiting */
  pf_shard_expire(&shard, SEC(10), 0);
  expect_flow_identity(&shard.flows); /* the splice kept each head entry */
  ck_assert_uint_eq(stats()->unanswered, 4);
  uint32_t refs[8];
  ck_assert_uint_eq(list_refs(PF_LIST_SYN_WAIT, refs, 8), 0);
  ck_assert_uint_eq(list_refs(PF_FLOW_TCP, refs, 8), 4);
  ck_assert_uint_eq(refs[0], 4);
  ck_assert_uint_eq(refs[1], 2);
  ck_assert_uint_eq(refs[2], 1);
  ck_assert_uint_eq(refs[3], 0);
  ck_assert_uint_eq(list_refs(PF_FLOW_TCP_CLOSED, refs, 8), 1);
  ck_assert_uint_eq(refs[0], 3);
}
END_TEST

START_TEST(test_timed_out_syn_expires_exactly_in_a_final_sweep) {
  /* An attempt times out and joins the TCP flows at their head, ahead of
   * a connection seen after its SYN: the final sweep still expires it at
   * its own idle timeout, the other not. */
  send_seg(
      &(struct seg){
          .from = CLIENT, .flags = PF_TCP_SYN, .seq = 10, .window = 65535},
      SEC(100));
  send_seg(&(struct seg){.from = CLIENT, /* another connection */
                         .flags = PF_TCP_ACK,
                         .seq = 5,
                         .window = 65535,
                         .payload = 10,
                         .cport = 40001},
           SEC(102));
  pf_shard_expire(&shard, SEC(104), 0); /* the SYN times out: a tick */
  ck_assert_uint_eq(stats()->unanswered, 1);
  uint64_t tcp_to = SEC(test_timeouts.tcp_s);
  /* The bounded walk from the list's tail stops at the other one... */
  pf_shard_expire(&shard, SEC(100) + tcp_to, UINT32_MAX);
  ck_assert_uint_eq(shard.flows.stats.expired, 0);
  /* ...the final sweep does not. */
  pf_shard_expire_all(&shard, SEC(100) + tcp_to);
  ck_assert_uint_eq(shard.flows.stats.expired, 1);
  ck_assert_uint_eq(pf_flow_table_count(&shard.flows), 1);
}
END_TEST

START_TEST(test_unanswered_on_eviction) {
  /* A one-flow table: a SYN flood's flows are evicted before their
   * timeout; each evicted attempt counts as unanswered, exactly once. */
  pf_shard_free(&shard);
  init_shard(1, true);
  syns(5, SEC(1));
  ck_assert_uint_eq(shard.flows.stats.evicted, 4);
  ck_assert_uint_eq(stats()->unanswered, 4);
  pf_shard_expire(&shard, SEC(10), UINT32_MAX);
  ck_assert_uint_eq(stats()->unanswered, 5);
  /* A connection that saw only its SYN keeps it in its flow: no record. */
  ck_assert_uint_eq(shard.flows.tcp.next_unused, 0);
}
END_TEST

START_TEST(test_extension_only_for_tcp) {
  struct pkt udp = {.proto = P_UDP, .sport = 5353, .dport = 53};
  shard_pkt(&shard, &udp,
            (struct shard_hand){.dir = PF_DIR_RX,
                                .locality = PF_LOCALITY_NEITHER,
                                .ts = SEC(1)});
  ck_assert_uint_eq(shard.flows.tcp.next_unused, 0);
  ck_assert_uint_eq(pf_flow_at(&shard.flows, 0)->tcp_ext, PF_TCP_NONE);
  /* Data one way, in order: the flow keeps its one edge, no record. */
  data(1, 10, SEC(2));
  data(11, 10, SEC(2));
  ck_assert_uint_eq(shard.flows.tcp.next_unused, 0);
  ck_assert_uint_eq(pf_flow_at(&shard.flows, 1)->tcp_ext, 21);
  /* The other side's first segment: a record, holding both edges. */
  send_seg(&(struct seg){.from = SERVER,
                         .flags = PF_TCP_ACK,
                         .seq = 500,
                         .window = 65535,
                         .payload = 5},
           SEC(3));
  ck_assert_uint_eq(shard.flows.tcp.next_unused, 1);
  ck_assert_uint_eq(pf_flow_at(&shard.flows, 1)->tcp_ext, 0);
  /* Expiry gives the record back; the next such flow takes it again. */
  pf_shard_expire(&shard, SEC(100), UINT32_MAX);
  ck_assert_uint_eq(shard.flows.tcp.free_head, 0);
  handshake(1, 100, SEC(101), MS(1), MS(1));
  ck_assert_uint_eq(shard.flows.tcp.next_unused, 1);
  ck_assert_uint_eq(shard.flows.tcp.free_head, PF_TCP_NONE);
  ck_assert_uint_eq(sizeof(struct pf_flow4), 64);
  ck_assert_uint_eq(sizeof(struct pf_tcp_conn), 32);
}
END_TEST

START_TEST(test_analysis_off) {
  pf_shard_free(&shard);
  init_shard(1024, false);
  handshake(1, 2, SEC(1), MS(1), MS(1));
  data(2, 10, SEC(2));
  data(2, 10, SEC(3));
  ck_assert_ptr_null(shard.flows.tcp.conns);
  ck_assert_uint_eq(stats()->completed, 0);
  ck_assert_uint_eq(stats()->retransmitted, 0);
  ck_assert_uint_eq(pf_hist_samples(latency(PF_TCP_HANDSHAKE)), 0);
  ck_assert_uint_eq(pf_flow_at(&shard.flows, 0)->tcp_ext, PF_TCP_NONE);
}
END_TEST

START_TEST(test_payload_from_ip_length) {
  /* Cut by the snapshot length, the payload still counts in full. */
  struct pkt p = {.proto = P_TCP,
                  .sport = 1,
                  .dport = 2,
                  .flags = PF_TCP_ACK,
                  .payload = 1000};
  struct frame f;
  pkt_frame(&f, &p);
  struct pf_packet pkt;
  uint8_t *buf = frame_decode(&f, 80, f.len, &pkt);
  ck_assert_int_eq(pkt.l4, PF_L4_TCP);
  ck_assert_uint_eq(pkt.l4_total_len, 20 + 1000);
  ck_assert_uint_eq(pkt.l4_len, 80 - 14 - 20);
  free(buf);
}
END_TEST

START_TEST(test_interval_swap_and_merge) {
  handshake(1, 100, SEC(1), MS(3), MS(1));
  struct pf_interval *done = pf_shard_swap_interval(&shard, true);
  ck_assert_uint_eq(pf_hist_samples(&done->tcp.latency[PF_TCP_HANDSHAKE]), 1);
  ck_assert_uint_eq(pf_hist_samples(latency(PF_TCP_HANDSHAKE)), 0);
  /* The same SYN on the open flow is a retransmission, not a new sample. */
  handshake(1, 100, SEC(10), MS(5), MS(1));
  ck_assert_uint_eq(pf_hist_samples(latency(PF_TCP_HANDSHAKE)), 0);
  struct pf_tcp_interval sum;
  pf_tcp_interval_reset(&sum);
  pf_tcp_interval_merge(&sum, &done->tcp);
  pf_tcp_interval_merge(&sum, &done->tcp);
  ck_assert_uint_eq(pf_hist_samples(&sum.latency[PF_TCP_SYN_SYNACK]), 2);
  ck_assert_uint_eq(sum.latency[PF_TCP_SYN_SYNACK].max_us, 3000);
  pf_interval_reset(done);
}
END_TEST

Suite *pf_tcp_suite(void) {
  Suite *s = suite_create("tcp");
  TCase *tc = tcase_create("analysis");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_handshake_latency_split);
  tcase_add_test(tc, test_syn_retransmitted);
  tcase_add_test(tc, test_retransmission_and_out_of_order);
  tcase_add_test(tc, test_tail_loss_after_a_pure_ack);
  tcase_add_test(tc, test_pure_ack_first_does_not_set_the_edge);
  tcase_add_test(tc, test_sequence_wraparound);
  tcase_add_test(tc, test_keepalive_is_not_retransmission);
  tcase_add_test(tc, test_late_start);
  tcase_add_test(tc, test_reset_paths);
  tcase_add_test(tc, test_zero_window);
  tcase_add_test(tc, test_unanswered_syn_timeout);
  tcase_add_test(tc, test_timed_out_syn_expires_exactly_in_a_final_sweep);
  tcase_add_test(tc, test_timed_out_syns_join_their_lists_in_order);
  tcase_add_test(tc, test_unanswered_on_eviction);
  tcase_add_test(tc, test_extension_only_for_tcp);
  tcase_add_test(tc, test_analysis_off);
  tcase_add_test(tc, test_payload_from_ip_length);
  tcase_add_test(tc, test_interval_swap_and_merge);
  suite_add_tcase(s, tc);
  return s;
}
