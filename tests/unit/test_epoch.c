/* test_epoch.c - flows reach the interval's sketches once per interval
 * (shard/epoch.c): an interval closes in two steps (the reader swaps it
 * out, the capture thread feeds it, the reader gets it at its next swap),
 * a flow that sends across a close has each interval's bytes in that
 * interval, a flow that ends is fed first, what packets add alone (latency)
 * is not delayed; and against a model, over
 * random packets, closes, evictions and expiry, every interval handed over
 * holds exactly its own bytes per host, service and flow, whether its close
 * went by its lists or by a sweep. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "flow_packets.h"
#include "quick_check.h"
#include "shard/feed_hash.h"
#include "shard/shard.h"
#include "suites.h"
#include "tcp_segments.h"

static struct pf_shard shard;

static void init(uint32_t max_flows) {
  struct pf_shard_config cfg = {.max_flows = max_flows,
                                .timeouts = test_timeouts,
                                .top_capacity = 4096,
                                .host_prefix_v4 = 32,
                                .host_prefix_v6 = 128,
                                .tcp_analysis = true,
                                .tcp_syn_timeout_s = 3};
  test_shard_start(&shard, &cfg);
}

static void teardown(void) { pf_shard_free(&shard); }

/* Received, to a local host, at ts. */
static struct shard_hand rx(uint64_t ts) {
  return (struct shard_hand){
      .dir = PF_DIR_RX, .locality = PF_LOCALITY_DST, .ts = ts};
}

/* UDP from 198.19.0.<host>:<sport> to 198.18.0.1:<dport>, `payload` long. */
static struct pkt udp(uint8_t host, uint16_t sport, uint16_t dport,
                      uint32_t payload, uint8_t addr[4]) {
  addr[0] = 198, addr[1] = 19, addr[2] = 0, addr[3] = host;
  static const uint8_t server[4] = {198, 18, 0, 1};
  return (struct pkt){.proto = P_UDP,
                      .src = addr,
                      .dst = server,
                      .sport = sport,
                      .dport = dport,
                      .payload = payload};
}

static uint32_t send_udp(uint8_t host, uint16_t sport, uint32_t payload,
                         uint64_t ts) {
  uint8_t addr[4];
  struct pkt p = udp(host, sport, 53, payload, addr);
  shard_pkt(&shard, &p, rx(ts));
  return pkt_len(&p);
}

static uint64_t total(const struct pf_interval *iv, int k) {
  return iv->top[k].total[0] + iv->top[k].total[1];
}

START_TEST(test_interval_closes_in_two_steps) {
  init(64);
  uint32_t a = send_udp(1, 1000, 10, SEC(1));
  uint32_t b = send_udp(2, 2000, 20, SEC(1));
  /* The first read gets no flows yet: the interval is swapped out. */
  struct pf_interval *first = pf_shard_swap_interval(&shard, false);
  ck_assert_ptr_nonnull(first);
  ck_assert_uint_eq(first->top[PF_TOP_FLOWS].used, 0);
  pf_interval_reset(first);
  ck_assert(shard.closing_open);
  /* Before the capture thread fed it, the next read gets nothing and
   * swaps nothing: the current interval goes on. */
  struct pf_interval *cur = shard.cur;
  ck_assert_ptr_null(pf_shard_swap_interval(&shard, false));
  ck_assert_ptr_eq(shard.cur, cur);
  uint32_t c = send_udp(1, 1000, 30, SEC(2)); /* the new interval's */
  pf_shard_batch_end(&shard);                 /* the capture thread feeds */
  ck_assert(!shard.closing_open);
  struct pf_interval *done = pf_shard_swap_interval(&shard, false);
  ck_assert_ptr_nonnull(done);
  for (int k = 0; k < PF_TOP_KIND_COUNT; k++)
    ck_assert_uint_eq(total(done, k), a + b);
  ck_assert_uint_eq(done->top[PF_TOP_FLOWS].used, 2);
  /* The distinct sources are the two clients, register for register (an
   * estimate read 1 whenever their hashes shared one of the 4,096). */
  struct pf_hll want;
  memset(&want, 0, sizeof(want));
  for (uint8_t host = 1; host <= 2; host++) {
    const uint8_t client[4] = {198, 19, 0, host};
    pf_hll_add(&want, pf_feed_hash_addr(shard.seed, client, 4));
  }
  ck_assert_mem_eq(&want, &done->src_hosts, sizeof(want));
  pf_interval_reset(done);
  /* At the end (the capture thread stopped) the rest comes at once. */
  struct pf_interval *last = pf_shard_swap_interval(&shard, true);
  ck_assert_uint_eq(total(last, PF_TOP_HOSTS), c);
  ck_assert_uint_eq(last->top[PF_TOP_FLOWS].used, 1);
}
END_TEST

START_TEST(test_packet_parts_are_not_delayed) {
  init(64);
  seg_handshake(&shard, 40000, 1, 100, SEC(1), MS(3), MS(1));
  struct pf_interval *first = pf_shard_swap_interval(&shard, false);
  ck_assert_uint_eq(pf_hist_samples(&first->tcp.latency[PF_TCP_HANDSHAKE]), 1);
  ck_assert_uint_eq(first->top[PF_TOP_FLOWS].used, 0); /* flows: next read */
  pf_interval_reset(first);
  pf_shard_batch_end(&shard);
  struct pf_interval *second = pf_shard_swap_interval(&shard, false);
  ck_assert_uint_eq(pf_hist_samples(&second->tcp.latency[PF_TCP_HANDSHAKE]), 0);
  ck_assert_uint_eq(second->top[PF_TOP_FLOWS].used, 1);
}
END_TEST

START_TEST(test_flow_across_a_close_splits_its_bytes) {
  init(64);
  uint32_t a = send_udp(1, 1000, 10, SEC(1));
  pf_interval_reset(pf_shard_swap_interval(&shard, false));
  /* The same flow again before the capture thread fed the closing
   * interval: its first bytes go there, these to the current one. */
  uint32_t b = send_udp(1, 1000, 50, SEC(2));
  pf_shard_batch_end(&shard);
  struct pf_interval *first = pf_shard_swap_interval(&shard, false);
  ck_assert_uint_eq(total(first, PF_TOP_FLOWS), a);
  pf_interval_reset(first);
  struct pf_interval *second = pf_shard_swap_interval(&shard, true);
  ck_assert_uint_eq(total(second, PF_TOP_FLOWS), b);
}
END_TEST

START_TEST(test_flow_that_ends_is_fed_first) {
  init(64);
  uint32_t a = send_udp(1, 1000, 10, SEC(1));
  uint64_t udp_to = SEC(test_timeouts.udp_s);
  pf_shard_expire(&shard, SEC(1) + udp_to, UINT32_MAX);
  ck_assert_uint_eq(pf_flow_table_count(&shard.flows), 0);
  uint32_t b = send_udp(1, 1000, 20, SEC(2) + udp_to); /* a new flow */
  struct pf_interval *done = pf_shard_swap_interval(&shard, true);
  ck_assert_uint_eq(total(done, PF_TOP_FLOWS), a + b);
  ck_assert_uint_eq(total(done, PF_TOP_HOSTS), a + b);
}
END_TEST

/* ---- against a model ---- */

#define HOSTS 12
#define SPORTS 9
#define DPORTS 3
#define MAX_IV 64

/* Bytes per interval, by host, by flow (host, sport, dport) and by
 * service (dport); each packet in the interval current when it came. */
struct iv_model {
  uint64_t host[HOSTS], flow[HOSTS][SPORTS][DPORTS], service[DPORTS];
};

static uint64_t item_of(const struct pf_interval *iv, int kind,
                        const void *key) {
  const struct pf_topn *t = &iv->top[kind];
  for (uint32_t i = 0; i < t->used; i++)
    if (memcmp(t->items[i].key, key, t->key_len) == 0)
      return t->items[i].bytes[0] + t->items[i].bytes[1];
  return 0;
}

static void expect_interval(const struct pf_interval *iv,
                            const struct iv_model *m, unsigned n) {
  for (uint8_t h = 0; h < HOSTS; h++) {
    struct pf_host_key hk = {.family = 4, .prefix = 32};
    uint8_t addr[4] = {198, 19, 0, (uint8_t)(h + 1)};
    memcpy(hk.addr, addr, 4);
    QUICK_CHECK(item_of(iv, PF_TOP_HOSTS, &hk) == m->host[h],
                "interval %u, host %u: %llu, model %llu", n, h,
                (unsigned long long)item_of(iv, PF_TOP_HOSTS, &hk),
                (unsigned long long)m->host[h]);
    for (int sp = 0; sp < SPORTS; sp++)
      for (int dp = 0; dp < DPORTS; dp++) {
        uint8_t a[4];
        struct pkt p = udp((uint8_t)(h + 1), (uint16_t)(1000 + sp),
                           (uint16_t)(53 + dp), 0, a);
        struct pf_flow_key k;
        uint8_t side;
        ck_assert(pkt_key(&p, &k, &side));
        QUICK_CHECK(item_of(iv, PF_TOP_FLOWS, &k) == m->flow[h][sp][dp],
                    "interval %u: a flow's bytes differ", n);
      }
  }
  for (int dp = 0; dp < DPORTS; dp++) {
    struct pf_service_key sk = {.proto = P_UDP, .port = (uint16_t)(53 + dp)};
    QUICK_CHECK(item_of(iv, PF_TOP_PORTS, &sk) == m->service[dp],
                "interval %u, service %d differs", n, dp);
  }
}

START_TEST(test_intervals_against_a_model) {
  init(32); /* fewer than the flows: evictions end flows mid-interval */
  static struct iv_model model[MAX_IV];
  memset(model, 0, sizeof(model));
  unsigned cur = 0, closing = 0, checked = 0;
  bool open = false;         /* an interval is closing, not yet fed */
  bool have_closing = false; /* an interval was swapped out */
  uint64_t st = 0x5eed1234, ts = SEC(10);
  for (int step = 0; step < 20000 && cur + 1 < MAX_IV; step++) {
    uint32_t r = (uint32_t)(frame_rand(&st) % 100);
    if (r < 90) {
      uint8_t h = (uint8_t)(frame_rand(&st) % HOSTS);
      int sp = (int)(frame_rand(&st) % SPORTS),
          dp = (int)(frame_rand(&st) % DPORTS);
      uint32_t payload = (uint32_t)(frame_rand(&st) % 600);
      uint8_t addr[4];
      struct pkt p = udp((uint8_t)(h + 1), (uint16_t)(1000 + sp),
                         (uint16_t)(53 + dp), payload, addr);
      ts += SEC(frame_rand(&st) % 50 == 0 ? 40 : 0) + 1000;
      shard_pkt(&shard, &p, rx(ts));
      uint32_t len = pkt_len(&p);
      model[cur].host[h] += len;
      model[cur].flow[h][sp][dp] += len;
      model[cur].service[dp] += len;
    } else if (r < 95) {
      pf_shard_batch_end(&shard);
      open = open && shard.closing_open;
    } else if (r < 98) {
      struct pf_interval *done = pf_shard_swap_interval(&shard, false);
      if (open) {
        QUICK_CHECK(done == NULL, "step %d: handed over before fed", step);
        continue;
      }
      ck_assert_ptr_nonnull(done);
      if (have_closing) {
        expect_interval(done, &model[closing], closing);
        checked++;
      } else {
        ck_assert_uint_eq(done->top[PF_TOP_FLOWS].used, 0);
      }
      pf_interval_reset(done);
      closing = cur++;
      open = have_closing = true;
    } else {
      pf_shard_expire(&shard, ts + SEC(frame_rand(&st) % 60), 8);
    }
  }
  /* The last hand-over holds the closing interval, fed or not, and the
   * current one. */
  struct pf_interval *last = pf_shard_swap_interval(&shard, true);
  if (cur > 0) {
    for (uint8_t h = 0; h < HOSTS; h++) {
      model[closing].host[h] += model[cur].host[h];
      for (int sp = 0; sp < SPORTS; sp++)
        for (int dp = 0; dp < DPORTS; dp++)
          model[closing].flow[h][sp][dp] += model[cur].flow[h][sp][dp];
    }
    for (int dp = 0; dp < DPORTS; dp++)
      model[closing].service[dp] += model[cur].service[dp];
  }
  expect_interval(last, &model[cur > 0 ? closing : 0], cur);
  ck_assert_uint_gt(checked, 20);
  ck_assert_uint_gt(shard.flows.stats.evicted, 0);
  ck_assert_uint_gt(shard.flows.stats.expired, 0);
  /* Closes of both kinds were checked: by the lists of the flows that
   * sent (feed_list.h), and by the sweep of a list that filled. */
  ck_assert_uint_gt(shard.feed_sweeps, 0);
  ck_assert_uint_lt(shard.feed_sweeps, cur);
}
END_TEST

Suite *pf_epoch_suite(void) {
  Suite *s = suite_create("epoch");
  TCase *tc = tcase_create("intervals");
  /* Pools mapped and zeroed: seconds of system time on a loaded VM. */
  tcase_set_timeout(tc, 60);
  tcase_add_checked_fixture(tc, NULL, teardown);
  tcase_add_test(tc, test_interval_closes_in_two_steps);
  tcase_add_test(tc, test_packet_parts_are_not_delayed);
  tcase_add_test(tc, test_flow_across_a_close_splits_its_bytes);
  tcase_add_test(tc, test_flow_that_ends_is_fed_first);
  tcase_add_test(tc, test_intervals_against_a_model);
  suite_add_tcase(s, tc);
  return s;
}
