/* test_shard_queue.c - packets queued in vectors before accounting
 * (src/shard/shard_packet.c) come out exactly as if accounted at once, never
 * read the frame after it is handed back, and are all accounted by the end of a
 * batch. */
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <pcap/dlt.h>

#include "flow_packets.h"
#include "shard/shard.h"
#include "suites.h"

static struct pf_shard direct, queued;

static void init(struct pf_shard *s, uint32_t max_flows) {
  test_shard_init(s, max_flows, 16, true);
}

static void teardown(void) {
  pf_shard_free(&direct);
  pf_shard_free(&queued);
}

/* Sent, from a local host, queued as the capture thread queues. */
static struct shard_hand queue_tx(uint64_t ts) {
  return (struct shard_hand){
      .dir = PF_DIR_TX, .locality = PF_LOCALITY_SRC, .ts = ts, .queue = true};
}

static const uint8_t hosts4[4][4] = {
    {198, 18, 0, 1}, {198, 18, 0, 2}, {198, 19, 0, 1}, {198, 19, 0, 2}};
static const uint8_t hosts6[2][16] = {{0x20, 0x01, 0x0d, 0xb8, [15] = 1},
                                      {0x20, 0x01, 0x0d, 0xb8, [15] = 2}};
static const uint8_t flag_mix[] = {PF_TCP_SYN,
                                   PF_TCP_SYN | PF_TCP_ACK,
                                   PF_TCP_ACK,
                                   PF_TCP_PSH | PF_TCP_ACK,
                                   PF_TCP_FIN | PF_TCP_ACK,
                                   PF_TCP_RST | PF_TCP_ACK};

/* A frame of the mix: mostly TCP, UDP and ICMP over a few hosts and ports
 * (so flows repeat, close and get evicted), some random bytes (non-IP and
 * malformed frames). Returns its length; the frame is in f->data. */
static uint32_t random_frame(uint64_t *st, struct frame *f) {
  uint32_t r = frame_rand(st) % 100;
  if (r < 15) {
    frame_random(f, st);
    return f->len;
  }
  struct pkt p = {0};
  bool v6 = frame_rand(st) % 5 == 0;
  p.family = v6 ? 6 : 4;
  p.src = v6 ? hosts6[frame_rand(st) % 2] : hosts4[frame_rand(st) % 4];
  p.dst = v6 ? hosts6[frame_rand(st) % 2] : hosts4[frame_rand(st) % 4];
  p.sport = (uint16_t)(1000 + frame_rand(st) % 4);
  p.dport = (uint16_t)(80 + frame_rand(st) % 2);
  if (r < 65) {
    p.proto = P_TCP;
    p.flags = flag_mix[frame_rand(st) % sizeof(flag_mix)];
  } else if (r < 85) {
    p.proto = P_UDP;
    p.later_fragment = frame_rand(st) % 10 == 0;
  } else {
    p.proto = v6 ? P_ICMPV6 : P_ICMP;
    p.icmp_type = v6 ? 128 : 8;
    p.icmp_id = (uint16_t)(1 + frame_rand(st) % 3);
  }
  p.payload = frame_rand(st) % 300;
  pkt_frame(f, &p);
  return f->len;
}

static void expect_same_top(const struct pf_topn *a, const struct pf_topn *b) {
  const struct pf_topn_item *x[64], *y[64];
  uint32_t n = pf_topn_top(a, x, 64);
  ck_assert_uint_eq(n, pf_topn_top(b, y, 64));
  for (uint32_t i = 0; i < n; i++) {
    ck_assert_mem_eq(x[i]->key, y[i]->key, a->key_len);
    ck_assert_mem_eq(x[i]->bytes, y[i]->bytes, sizeof(x[i]->bytes));
    ck_assert_uint_eq(x[i]->count, y[i]->count);
    ck_assert_uint_eq(x[i]->err, y[i]->err);
  }
}

/* Every counter, the flow table and TCP analysis, and the sketches of the
 * current interval are the same in both shards. */
static void expect_same(void) {
  ck_assert_mem_eq(&direct.counters, &queued.counters, sizeof(direct.counters));
  ck_assert_mem_eq(&direct.flows.stats, &queued.flows.stats,
                   sizeof(direct.flows.stats));
  ck_assert_mem_eq(&direct.flows.tcp.stats, &queued.flows.tcp.stats,
                   sizeof(direct.flows.tcp.stats));
  ck_assert_uint_eq(direct.clock.now_us, queued.clock.now_us);
  for (int k = 0; k < PF_TOP_KIND_COUNT; k++)
    expect_same_top(&direct.cur->top[k], &queued.cur->top[k]);
  ck_assert_mem_eq(&direct.cur->anomaly, &queued.cur->anomaly,
                   sizeof(direct.cur->anomaly));
  ck_assert_uint_eq(
      pf_hist_samples(&direct.cur->tcp.latency[PF_TCP_HANDSHAKE]),
      pf_hist_samples(&queued.cur->tcp.latency[PF_TCP_HANDSHAKE]));
}

START_TEST(test_queued_packets_count_as_direct_ones) {
  init(&direct, 48); /* small: flows are evicted too */
  init(&queued, 48);
  /* Odd rounds as a live source's vectors: entries and TCP records asked
   * for ahead, as packets are queued and by the vector, read from bucket
   * heads that may be other flows' (a hint that must change nothing, and
   * read nothing it should not). */
  queued.fetch_ahead = _i % 2 == 1;
  uint64_t st = 0x5eed0000u + (uint64_t)_i;
  uint64_t ts = SEC(1);
  struct frame *f = malloc(sizeof(*f));
  ck_assert_ptr_nonnull(f);
  for (int n = 1; n <= 4000; n++) {
    uint32_t len = random_frame(&st, f);
    uint32_t caplen = frame_rand(&st) % 8 ? len : len / 2; /* some cut */
    ts += frame_rand(&st) % 4 == 0 ? SEC(frame_rand(&st) % 9) : 1000;
    /* Exactly the captured bytes, so ASan sees a read past them, and a
     * buffer that is scribbled over and freed as soon as the call returns,
     * as libpcap reuses its own: a queued packet must hold copies. */
    uint8_t *bytes = malloc(caplen ? caplen : 1);
    ck_assert_ptr_nonnull(bytes);
    memcpy(bytes, f->data, caplen);
    struct pf_packet pkt;
    pf_decode(DLT_EN10MB, bytes, caplen, len, &pkt);
    enum pf_dir dir = (enum pf_dir)(frame_rand(&st) % PF_DIR_COUNT);
    pf_shard_packet(&direct, &pkt, dir, PF_LOCALITY_NEITHER, ts);
    pf_shard_enqueue(&queued, &pkt, dir, PF_LOCALITY_NEITHER, ts);
    if (queued.fetch_ahead) /* as the live path queues */
      pf_shard_fetch_behind(&queued);
    memset(bytes, 0xa5, caplen);
    free(bytes);
    if (n % 37 == 0) { /* a batch ends, as in the capture loop */
      pf_shard_expire(&direct, ts, 8);
      pf_shard_expire(&queued, ts, 8);
      pf_shard_batch_end(&direct);
      pf_shard_batch_end(&queued);
      expect_same();
    }
  }
  pf_shard_batch_end(&direct);
  pf_shard_batch_end(&queued);
  expect_same();
  ck_assert_uint_gt(queued.flows.stats.evicted, 0);
  ck_assert_uint_gt(queued.flows.stats.expired, 0);
  ck_assert_uint_gt(queued.flows.tcp.stats.resets, 0);
  ck_assert_uint_gt(queued.flows.tcp.stats.retransmitted, 0);
  ck_assert_uint_gt(queued.counters.malformed[PF_MAL_SNAPLEN], 0);
  free(f);
}
END_TEST

/* A queued packet is counted at once, but its flow is not accounted yet;
 * ending the batch, expiring or swapping the interval accounts it first. */
START_TEST(test_batch_end_expiry_and_swap_drain_the_queue) {
  init(&direct, 64);
  init(&queued, 64);
  struct pkt p = {.proto = P_UDP, .sport = 5353, .dport = 53, .payload = 10};
  for (int step = 0; step < 3; step++) {
    p.sport = (uint16_t)(5353 + step); /* a flow per step */
    for (int i = 0; i < 3; i++)
      shard_pkt(&queued, &p, queue_tx(SEC(1 + i)));
    ck_assert_uint_eq(
        queued.counters.traffic[PF_TRAFFIC_ALL].packets[PF_DIR_TX],
        (uint64_t)(step + 1) * 3);
    ck_assert_uint_eq(queued.flows.stats.created, (uint64_t)step);
    if (step == 0)
      pf_shard_batch_end(&queued);
    else if (step == 1)
      pf_shard_expire(&queued, SEC(2), 4);
    else
      pf_shard_swap_interval(&queued, true);
    ck_assert_uint_eq(queued.queue_len, 0);
    ck_assert_uint_eq(queued.flows.stats.created, (uint64_t)step + 1);
  }
  ck_assert_uint_eq(pf_flow_table_count(&queued.flows), 3);
}
END_TEST

/* More packets than the vector holds: a full vector is accounted when the
 * next packet comes, in order, and none is lost or counted twice. */
START_TEST(test_a_full_queue_accounts_the_oldest_in_order) {
  init(&direct, 256);
  init(&queued, 256);
  struct pkt p = {
      .proto = P_TCP, .sport = 40000, .dport = 443, .flags = PF_TCP_SYN};
  unsigned total = 3 * PF_SHARD_QUEUE_DEPTH + 1;
  for (unsigned i = 0; i < total; i++) {
    p.sport = (uint16_t)(40000 + i);
    shard_pkt(&queued, &p, queue_tx(SEC(1) + i));
    uint64_t accounted = i / PF_SHARD_QUEUE_DEPTH * PF_SHARD_QUEUE_DEPTH;
    ck_assert_uint_eq(
        queued.counters.traffic[PF_TRAFFIC_ALL].packets[PF_DIR_TX], i + 1);
    ck_assert_uint_eq(queued.flows.stats.created, accounted);
    /* The oldest flows first: the one accounted last is its packet's. */
    if (accounted) {
      struct pkt q = p;
      q.sport = (uint16_t)(40000 + accounted - 1);
      struct pf_flow_key k;
      uint8_t side;
      ck_assert(pkt_key(&q, &k, &side));
      ck_assert_ptr_nonnull(pf_flow_table_find(&queued.flows, &k));
      q.sport = (uint16_t)(40000 + accounted);
      ck_assert(pkt_key(&q, &k, &side));
      ck_assert_ptr_null(pf_flow_table_find(&queued.flows, &k));
    }
  }
  pf_shard_drain(&queued);
  ck_assert_uint_eq(queued.counters.traffic[PF_TRAFFIC_ALL].packets[PF_DIR_TX],
                    total);
  ck_assert_uint_eq(pf_flow_table_count(&queued.flows), total);
  ck_assert_uint_eq(queued.clock.now_us, SEC(1) + total - 1);
}
END_TEST

Suite *pf_shard_queue_suite(void) {
  Suite *s = suite_create("shard_queue");
  TCase *tc = tcase_create("queue");
  /* Pools mapped and zeroed: seconds of system time on a loaded VM. */
  tcase_set_timeout(tc, 60);
  tcase_add_checked_fixture(tc, NULL, teardown);
  tcase_add_loop_test(tc, test_queued_packets_count_as_direct_ones, 0, 4);
  tcase_add_test(tc, test_batch_end_expiry_and_swap_drain_the_queue);
  tcase_add_test(tc, test_a_full_queue_accounts_the_oldest_in_order);
  suite_add_tcase(s, tc);
  return s;
}
