/* test_port_timing.c - TCP timing per top service port (PortTiming): the
 * slot a port takes in the list the reader hands over (binary search,
 * `other`), samples landing in their service port's slot from the swap
 * that lists it on, a list that shrinks or grows, and through a source's
 * reads: a port the top services list names gets figures from the next
 * interval on, every other port's are `other`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <math.h>

#include "flow_packets.h"
#include "shard/shard.h"
#include "source/worker.h"
#include "source_files.h"
#include "suites.h"
#include "tcp_segments.h"

/* ---- the slot of a port ---- */

START_TEST(test_slot_by_binary_search) {
  struct pf_port_latency p = {.slots = PF_MAX_TOP_N + 1};
  ck_assert_uint_eq(pf_port_latency_slot(&p, 80), PF_MAX_TOP_N); /* empty */
  for (uint32_t n = 1; n <= PF_MAX_TOP_N; n++) {
    p.n = n;
    for (uint32_t i = 0; i < n; i++)
      p.port[i] = (uint16_t)(10 + 7 * i); /* 10, 17, 24, … */
    for (uint32_t i = 0; i < n; i++) {
      ck_assert_uint_eq(pf_port_latency_slot(&p, p.port[i]), i);
      ck_assert_uint_eq(pf_port_latency_slot(&p, (uint16_t)(p.port[i] + 1)),
                        PF_MAX_TOP_N);
    }
    ck_assert_uint_eq(pf_port_latency_slot(&p, 0), PF_MAX_TOP_N);
    ck_assert_uint_eq(pf_port_latency_slot(&p, 9), PF_MAX_TOP_N);
    ck_assert_uint_eq(pf_port_latency_slot(&p, 65535), PF_MAX_TOP_N);
  }
}
END_TEST

/* ---- in the shard ---- */

static struct pf_shard shard;

static void shard_init(uint32_t ports) {
  struct pf_shard_config cfg = test_shard_config(64, 64, true);
  cfg.tcp_timing = true;
  cfg.port_timing = ports > 0;
  cfg.port_timing_ports = ports;
  test_shard_start(&shard, &cfg);
}

static void teardown(void) { pf_shard_free(&shard); }

/* A handshake from client port cport to server port sport at t - 1 s, a
 * request at t, its answer `answer` later, the client's ACK 80 us after. */
static void exchange(struct pf_shard *s, uint16_t cport, uint16_t sport,
                     uint64_t t, uint64_t answer) {
  const struct seg g[] = {
      {.from = CLIENT, .flags = PF_TCP_SYN, .seq = 999},
      {.from = SERVER,
       .flags = PF_TCP_SYN | PF_TCP_ACK,
       .seq = 4999,
       .ack = 1000},
      {.from = CLIENT, .flags = PF_TCP_ACK, .seq = 1000, .ack = 5000},
      {.from = CLIENT,
       .flags = PF_TCP_ACK,
       .seq = 1000,
       .ack = 5000,
       .payload = 100},
      {.from = SERVER,
       .flags = PF_TCP_ACK,
       .seq = 5000,
       .ack = 1100,
       .payload = 2000},
      {.from = CLIENT, .flags = PF_TCP_ACK, .seq = 1100, .ack = 7000},
  };
  const uint64_t at[] = {t - SEC(1), t - SEC(1) + 100, t - SEC(1) + 200,
                         t,          t + answer,       t + answer + 80};
  for (unsigned i = 0; i < 6; i++) {
    struct seg one = g[i];
    one.window = 65535;
    one.cport = cport;
    one.sport = sport;
    one.tx = one.from == CLIENT;
    seg_send(s, &one, at[i]);
  }
}

/* Slot `slot`'s histogram of figure k in the current interval. */
static const struct pf_hist *cur(uint32_t slot, enum pf_tcp_latency k) {
  return &shard.ports.cur[(size_t)slot * PF_TCP_TIMING_COUNT + k -
                          PF_TCP_TIMING_FIRST];
}

/* The reader's swap with the next list, and its cleaning of the spare. */
static void swap(const uint16_t *ports, uint32_t n) {
  pf_port_latency_swap_locked(&shard.ports, ports, n);
  pf_class_latency_clear(shard.ports.spare,
                         shard.ports.slots * PF_TCP_TIMING_COUNT);
}

static const struct pf_hist *spare(uint32_t slot, enum pf_tcp_latency k) {
  return &shard.ports.spare[(size_t)slot * PF_TCP_TIMING_COUNT + k -
                            PF_TCP_TIMING_FIRST];
}

START_TEST(test_listed_from_the_swap_on) {
  shard_init(4); /* slots 0..3 and other, 4 */
  exchange(&shard, 40000, 80, SEC(10), MS(30));
  /* No list yet: other. */
  ck_assert_uint_eq(pf_hist_samples(cur(4, PF_TCP_RESPONSE)), 1);
  ck_assert_uint_eq(cur(4, PF_TCP_RESPONSE)->max_us, 30000);
  ck_assert_uint_eq(cur(4, PF_TCP_RTT_TX)->max_us, 30000);
  ck_assert_uint_eq(cur(4, PF_TCP_RTT_RX)->max_us, 80);
  ck_assert_uint_eq(pf_hist_samples(cur(4, PF_TCP_JITTER)),
                    0); /* not per port */
  const uint16_t list[] = {25, 80};
  pf_port_latency_swap_locked(&shard.ports, list, 2);
  ck_assert_uint_eq(pf_hist_samples(spare(4, PF_TCP_RESPONSE)), 1);
  ck_assert_uint_eq(spare(4, PF_TCP_RESPONSE)->max_us, 30000);
  ck_assert_uint_eq(pf_hist_samples(cur(4, PF_TCP_RESPONSE)), 0);
  exchange(&shard, 40001, 80, SEC(20), MS(7));
  exchange(&shard, 40002, 25, SEC(30), MS(50));
  exchange(&shard, 40003, 443, SEC(40), MS(90));
  ck_assert_uint_eq(cur(1, PF_TCP_RESPONSE)->max_us, 7000);
  ck_assert_uint_eq(cur(0, PF_TCP_RESPONSE)->max_us, 50000);
  ck_assert_uint_eq(cur(4, PF_TCP_RESPONSE)->max_us, 90000);
  /* Each sample in one slot: the ports add up to the source. */
  for (int k = PF_TCP_TIMING_FIRST; k < PF_TCP_LATENCY_COUNT; k++) {
    uint64_t sum = 0;
    for (uint32_t slot = 0; slot < 5; slot++)
      sum += pf_hist_samples(cur(slot, k));
    ck_assert_uint_eq(sum, k == PF_TCP_JITTER
                               ? 0
                               : pf_hist_samples(&shard.cur->tcp.latency[k]) -
                                     pf_hist_samples(spare(4, k)));
  }
}
END_TEST

START_TEST(test_list_shrinks_and_grows) {
  shard_init(2);
  const uint16_t three[] = {25, 80, 443};
  swap(three, 3); /* 2 kept */
  ck_assert_uint_eq(shard.ports.n, 2);
  exchange(&shard, 40000, 443, SEC(10), MS(30));
  ck_assert_uint_eq(pf_hist_samples(cur(2, PF_TCP_RESPONSE)), 1); /* other */
  exchange(&shard, 40001, 80, SEC(20), MS(30));
  ck_assert_uint_eq(pf_hist_samples(cur(1, PF_TCP_RESPONSE)), 1);
  const uint16_t one[] = {443};
  swap(one, 1);
  exchange(&shard, 40002, 80, SEC(30), MS(5));
  exchange(&shard, 40003, 443, SEC(40), MS(6));
  ck_assert_uint_eq(cur(2, PF_TCP_RESPONSE)->max_us, 5000); /* 80: other */
  ck_assert_uint_eq(cur(0, PF_TCP_RESPONSE)->max_us, 6000);
  ck_assert_uint_eq(pf_hist_samples(cur(1, PF_TCP_RESPONSE)), 0);
  swap(NULL, 0);
  exchange(&shard, 40004, 443, SEC(50), MS(6));
  ck_assert_uint_eq(pf_hist_samples(cur(2, PF_TCP_RESPONSE)), 1);
  ck_assert_uint_eq(pf_hist_samples(cur(0, PF_TCP_RESPONSE)), 0);
}
END_TEST

START_TEST(test_off_keeps_nothing) {
  shard_init(0);
  ck_assert_ptr_null(shard.ports.cur);
  ck_assert_uint_eq(shard.ports.slots, 0);
  exchange(&shard, 40000, 80, SEC(10), MS(30));
  ck_assert_uint_eq(pf_hist_samples(&shard.cur->tcp.latency[PF_TCP_RESPONSE]),
                    1);
}
END_TEST

/* ---- through a source's reads ---- */

static char dir[TEST_DIR_MAX], path[TEST_PATH_MAX];
static struct pf_source *source;

static void source_setup(void) {
  test_file_make(dir, path, "ports", "one.pcap");
  uint32_t ts = 1700000000;
  const struct pkt one = {.proto = P_UDP, .sport = 1, .dport = 2};
  pkt_write_capture(path, &one, 1, &ts); /* the source's file: never read */
  struct pf_source_config cfg;
  pf_source_config_init(&cfg, PF_SOURCE_FILE);
  cfg.device = strdup(path);
  cfg.report.by_class = false;
  cfg.shard.port_timing = true;
  source = test_source_new(&cfg, &(struct pf_hooks){0});
}

static void source_teardown(void) {
  pf_source_free(source);
  source = NULL;
  test_file_remove(dir, path);
}

/* A read, then the capture thread's end of batch, which feeds the
 * interval the read closed (shard.h). */
static void read_into(struct pf_snapshot *snap) {
  pf_source_snapshot(source, snap);
  pf_shard_batch_end(&source->workers[0].shard);
}

static double response_max(const struct pf_snapshot *snap, uint32_t i) {
  return snap->port_timing
      .figure[i][PF_TCP_RESPONSE - PF_TCP_TIMING_FIRST][PF_TCP_MAX];
}

START_TEST(test_named_ports_from_the_next_interval) {
  struct pf_shard *s = &source->workers[0].shard;
  static struct pf_snapshot snap;
  exchange(s, 40000, 80, SEC(10), MS(30));
  exchange(s, 40001, 25, SEC(11), MS(40));
  read_into(&snap); /* interval 1: no list yet */
  ck_assert(snap.port_timing.enabled);
  ck_assert_uint_eq(snap.port_timing.n, 0);
  ck_assert_double_eq_tol(response_max(&snap, 0), 0.040, 1e-9);
  pf_snapshot_release(&snap);
  exchange(s, 40002, 80, SEC(20), MS(31));
  read_into(&snap); /* names interval 1's top ports: 25, 80 */
  ck_assert_uint_eq(snap.port_timing.n, 0);
  ck_assert_double_eq_tol(response_max(&snap, 0), 0.031, 1e-9);
  ck_assert_uint_eq(source->timed_ports, 2);
  pf_snapshot_release(&snap);
  exchange(s, 40003, 80, SEC(30), MS(32));
  exchange(s, 40004, 25, SEC(31), MS(42));
  exchange(s, 40005, 8080, SEC(32), MS(52));
  read_into(&snap);
  const struct pf_port_snapshot *ps = &snap.port_timing;
  ck_assert_uint_eq(ps->n, 2);
  ck_assert_uint_eq(ps->port[0], 25);
  ck_assert_uint_eq(ps->port[1], 80);
  ck_assert_double_eq_tol(response_max(&snap, 0), 0.042, 1e-9);
  ck_assert_double_eq_tol(response_max(&snap, 1), 0.032, 1e-9);
  ck_assert_double_eq_tol(response_max(&snap, 2), 0.052, 1e-9); /* other */
  pf_snapshot_release(&snap);
  /* The last busy interval names 25, 80 and 8080; idle intervals after
   * it, whose lists name no port, keep them. */
  for (int i = 0; i < 3; i++) {
    read_into(&snap);
    ck_assert_uint_eq(source->timed_ports, 3);
    pf_snapshot_release(&snap);
  }
  exchange(s, 40006, 25, SEC(60), MS(43));
  read_into(&snap);
  ck_assert_uint_eq(snap.port_timing.n, 3);
  ck_assert_double_eq_tol(response_max(&snap, 0), 0.043, 1e-9);
  ck_assert(isnan(response_max(&snap, 3)));
  pf_snapshot_release(&snap);
  /* Busy again, 443 alone: the list follows the top services. */
  exchange(s, 40007, 443, SEC(70), MS(44));
  read_into(&snap);
  pf_snapshot_release(&snap);
  read_into(&snap);
  ck_assert_uint_eq(source->timed_ports, 1);
  ck_assert_uint_eq(source->timed_port[0], 443);
  pf_snapshot_release(&snap);
}
END_TEST

/* Four TCP ports of equal bytes and TopN 2: the ports timed are the two
 * the top services list names (its own order: tcp 80 before 256, as
 * numbers), never a port the list leaves in "other". */
START_TEST(test_tied_ports_timed_as_listed) {
  struct pf_shard *s = &source->workers[0].shard;
  static struct pf_snapshot snap;
  source->cfg.top_n = 2;
  exchange(s, 40000, 1024, SEC(10), MS(30));
  exchange(s, 40001, 443, SEC(11), MS(30));
  exchange(s, 40002, 256, SEC(12), MS(30));
  exchange(s, 40003, 80, SEC(13), MS(30));
  read_into(&snap);
  pf_snapshot_release(&snap);
  exchange(s, 40004, 9, SEC(20), MS(30));
  read_into(&snap);
  const struct pf_top_list *l = &snap.top[PF_TOP_PORTS];
  ck_assert_uint_eq(l->n, 3);
  ck_assert_str_eq(l->entry[0].name, "top_port_tcp_80");
  ck_assert_str_eq(l->entry[1].name, "top_port_tcp_256");
  ck_assert_uint_eq(source->timed_ports, 2);
  ck_assert_uint_eq(source->timed_port[0], 80);
  ck_assert_uint_eq(source->timed_port[1], 256);
  pf_snapshot_release(&snap);
}
END_TEST

Suite *pf_port_timing_suite(void) {
  Suite *s = suite_create("port_timing");
  TCase *tc = tcase_create("slots");
  tcase_add_test(tc, test_slot_by_binary_search);
  suite_add_tcase(s, tc);
  tc = tcase_create("shard");
  tcase_add_checked_fixture(tc, NULL, teardown);
  tcase_add_test(tc, test_listed_from_the_swap_on);
  tcase_add_test(tc, test_list_shrinks_and_grows);
  tcase_add_test(tc, test_off_keeps_nothing);
  suite_add_tcase(s, tc);
  tc = tcase_create("source");
  tcase_add_checked_fixture(tc, source_setup, source_teardown);
  tcase_add_test(tc, test_named_ports_from_the_next_interval);
  tcase_add_test(tc, test_tied_ports_timed_as_listed);
  suite_add_tcase(s, tc);
  return s;
}
