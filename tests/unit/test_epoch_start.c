/* test_epoch_start.c - a new flow's first packet enters the interval as
 * an old flow's first packet of an interval does (epoch.h,
 * pf_epoch_touch): the entry tagged with the interval, its sender's marks
 * and its bytes; a never-used entry is not listed (the close sweeps it),
 * one a flow left before the interval began is. What a new flow's entry
 * holds, whoever sets it: creating it already tagged, without the
 * touch's read of the entry just written, was measured and left out
 * (docs/PERFORMANCE.md, "The flood's waits"), and must give the same. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "flow_packets.h"
#include "shard/epoch.h"
#include "shard/shard.h"
#include "suites.h"

static struct pf_shard shard;

static void teardown(void) { pf_shard_free(&shard); }

/* Flow n's two addresses (n below 16): the low one on its side 0. */
static uint8_t addrs[16][2][4];

/* A packet of flow n from `from` (0: the low address) to the other; UDP
 * (ports) or GRE, whose flows only their addresses tell apart. */
static struct pkt packet(unsigned n, int from, bool udp, uint32_t payload) {
  for (int i = 0; i < 2; i++)
    memcpy(addrs[n][i], (uint8_t[4]){198, (uint8_t)(18 + i), 0, (uint8_t)n}, 4);
  return (struct pkt){.proto = udp ? P_UDP : P_GRE,
                      .src = addrs[n][from],
                      .dst = addrs[n][!from],
                      .sport = 4000,
                      .dport = 53,
                      .payload = payload};
}

/* Sends p in direction dir at time ts; its flow's entry. */
static struct pf_flow *send(const struct pkt *p, enum pf_dir dir, uint64_t ts) {
  shard_pkt(
      &shard, p,
      (struct shard_hand){.dir = dir, .locality = PF_LOCALITY_DST, .ts = ts});
  return pkt_flow(&shard.flows, p);
}

static uint8_t side_of(const struct pkt *p) {
  struct pf_flow_key key;
  uint8_t side;
  ck_assert(pkt_key(p, &key, &side));
  return side;
}

/* The marks pf_epoch_touch gives a flow's first packet of the interval. */
static uint8_t marks(uint8_t side, bool ports, enum pf_dir dir) {
  return (uint8_t)(pf_epoch_gen(&shard) | PF_IV_SENT(side) |
                   (ports ? PF_IV_PORTS(side) : 0) |
                   (dir == PF_DIR_TX ? PF_IV_TX(side) : 0));
}

/* Each sender side, with and without ports, each direction, a full-size
 * frame: the new flow's marks and bytes; then its peer's packet adds its
 * own. Then a second interval, where the same flows are old: their first
 * packet in it leaves the same marks and bytes through pf_epoch_touch. */
START_TEST(test_new_flow_tagged_as_a_first_packet) {
  test_shard_init(&shard, 64, 4096, false);
  for (int round = 0; round < 2; round++) {
    for (int from = 0; from < 2; from++)
      for (int udp = 0; udp < 2; udp++)
        for (int dir = 0; dir < 2; dir++) {
          /* One flow per combination: its own addresses. */
          struct pkt p =
              packet((unsigned)(from * 4 + udp * 2 + dir), from, udp, 1400);
          uint8_t side = side_of(&p);
          struct pf_flow *f = send(&p, (enum pf_dir)dir, SEC(1 + round));
          ck_assert_uint_eq(f->iv, marks(side, udp, (enum pf_dir)dir));
          ck_assert_uint_eq(f->iv_bytes[side], pkt_len(&p));
          ck_assert_uint_eq(f->iv_bytes[!side], 0);
          struct pkt r = pkt_reply(p);
          r.payload = 100;
          send(&r, (enum pf_dir) !dir, SEC(1 + round));
          ck_assert_uint_eq(f->iv, marks(side, udp, (enum pf_dir)dir) |
                                       marks(!side, udp, (enum pf_dir) !dir));
          ck_assert_uint_eq(f->iv_bytes[side], pkt_len(&p));
          ck_assert_uint_eq(f->iv_bytes[!side], pkt_len(&r));
        }
    /* Round 0's flows were new: none listed, the close sweeps them. */
    if (round == 0)
      ck_assert_uint_eq(pf_feed_list_len(&shard.lists[shard.fcur][0]), 0);
    else /* old in round 1: each listed at its first packet */
      ck_assert_uint_eq(pf_feed_list_len(&shard.lists[shard.fcur][0]), 8);
    struct pf_interval *done = pf_shard_swap_interval(&shard, false);
    ck_assert_ptr_nonnull(done);
    pf_interval_reset(done);
    pf_shard_batch_end(&shard);
    ck_assert(!shard.closing_open);
  }
}
END_TEST

/* A new flow that takes the entry a flow left before the interval began
 * is listed; one that takes a never-used entry is not. */
START_TEST(test_new_flow_listed_by_its_entry) {
  test_shard_init(&shard, 64, 4096, false);
  struct pkt a = packet(0, 0, true, 10);
  send(&a, PF_DIR_RX, SEC(1));
  struct pf_interval *done = pf_shard_swap_interval(&shard, false);
  pf_interval_reset(done);
  pf_shard_batch_end(&shard);
  /* a's entry (0) freed in the new interval; b takes it, c a new one. */
  pf_shard_expire(&shard, SEC(2 + test_timeouts.udp_s), UINT32_MAX);
  ck_assert_uint_eq(pf_flow_table_count(&shard.flows), 0);
  struct pkt b = a, c = a;
  b.sport = 5000;
  c.sport = 5001;
  struct pf_flow *fb = send(&b, PF_DIR_RX, SEC(3 + test_timeouts.udp_s));
  const struct pf_feed_list *l = &shard.lists[shard.fcur][0];
  ck_assert_uint_eq(pf_feed_list_len(l), 1);
  ck_assert_uint_eq(l->refs[0], 0);
  ck_assert_ptr_eq(fb, pf_flow_at(&shard.flows, 0));
  struct pf_flow *fc = send(&c, PF_DIR_RX, SEC(3 + test_timeouts.udp_s));
  ck_assert_ptr_eq(fc, pf_flow_at(&shard.flows, 1));
  ck_assert_uint_eq(pf_feed_list_len(l), 1);
  ck_assert_uint_eq(fb->iv, marks(side_of(&b), true, PF_DIR_RX));
  ck_assert_uint_eq(fc->iv, marks(side_of(&c), true, PF_DIR_RX));
}
END_TEST

Suite *pf_epoch_start_suite(void) {
  Suite *s = suite_create("epoch_start");
  TCase *tc = tcase_create("creation");
  tcase_add_checked_fixture(tc, NULL, teardown);
  tcase_add_test(tc, test_new_flow_tagged_as_a_first_packet);
  tcase_add_test(tc, test_new_flow_listed_by_its_entry);
  suite_add_tcase(s, tc);
  return s;
}
