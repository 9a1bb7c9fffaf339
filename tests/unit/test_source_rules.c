/* test_source_rules.c - a source's traffic rules through the public API: a
 * capture read with rules reports exact per-class counters and series, and
 * a new rule set given between two reads takes over without resetting the
 * classes it keeps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <math.h>

#include <check.h>
#include <pcap/dlt.h>
#include <pcap/pcap.h>

#include "flow_packets.h"
#include "pcapflow/metrics.h"
#include "pcapflow/source.h"
#include "rules_helpers.h"
#include "source_files.h"
#include "suites.h"

static const uint8_t a4[4] = {198, 18, 0, 1};
static const uint8_t b4[4] = {203, 0, 113, 9};

static char dir[TEST_DIR_MAX], path[TEST_PATH_MAX];
static uint32_t next_ts;
static struct pf_source *source;
static struct pf_snapshot snap;
static bool tcp_off; /* the next new_source has TcpAnalysis false */

static void setup(void) {
  test_file_make(dir, path, "rules", "rules.pcap");
  next_ts = 1700000000;
  source = NULL;
  tcp_off = false;
  memset(&snap, 0, sizeof(snap));
}

static void teardown(void) {
  pf_snapshot_release(&snap);
  pf_source_free(source);
  source = NULL;
  test_file_remove(dir, path);
}

static void new_source(void) {
  struct pf_source_config cfg;
  char err[512];
  pf_source_config_init(&cfg, PF_SOURCE_FILE);
  cfg.device = strdup(path);
  snprintf(cfg.name, sizeof(cfg.name), "cap");
  cfg.shard.tcp_analysis = !tcp_off;
  struct pf_prefix p;
  ck_assert(pf_prefix_parse("198.18.0.0/15", &p, err, sizeof(err)) == 0);
  ck_assert(pf_localnet_add(&cfg.local, &p, err, sizeof(err)) == 0);
  source = test_source_new(&cfg, &(struct pf_hooks){0});
}

static void set_rules(const char *yaml) {
  struct pf_rules *r = rules_from(yaml);
  char err[256];
  ck_assert_msg(pf_source_set_rules(source, r, err, sizeof(err)) == 0, "%s",
                err);
  pf_rules_free(r);
}

static void run(void) {
  char err[512];
  ck_assert_msg(pf_source_run(source, err, sizeof(err)) == 0, "%s", err);
  pf_snapshot_release(&snap);
  pf_source_snapshot(source, &snap);
}

/* The class's packets rx + tx; UINT64_MAX when the snapshot has no such
 * class. */
static uint64_t class_packets(const char *name) {
  int i =
      snap.classes.rules ? pf_rules_class_index(snap.classes.rules, name) : -1;
  if (i < 0)
    return UINT64_MAX;
  return snap.classes.traffic[i].packets[PF_DIR_RX] +
         snap.classes.traffic[i].packets[PF_DIR_TX];
}

static void expect_classes_add_up(void) {
  for (int d = 0; d < PF_DIR_COUNT; d++) {
    uint64_t p = 0, o = 0;
    for (uint32_t k = 0; k < snap.classes.count; k++) {
      p += snap.classes.traffic[k].packets[d];
      o += snap.classes.traffic[k].octets[d];
    }
    ck_assert_uint_eq(p, snap.counters.traffic[PF_TRAFFIC_ALL].packets[d]);
    ck_assert_uint_eq(o, snap.counters.traffic[PF_TRAFFIC_ALL].octets[d]);
  }
}

static struct pkt tcp(uint16_t sport, uint16_t dport) {
  return (struct pkt){.proto = P_TCP,
                      .src = a4,
                      .sport = sport,
                      .dst = b4,
                      .dport = dport,
                      .flags = PF_TCP_SYN};
}

/* Series of the class plugin, collected from a metrics walk; a latency
 * figure's line starts with its percentile ("p50/duration-web 5"). */
struct seen {
  char lines[64][96];
  int n;
};

static void collect(const struct pf_metric *m, void *ctx) {
  struct seen *s = ctx;
  if (strcmp(m->plugin, PF_METRICS_CLASS_PLUGIN) != 0)
    return;
  ck_assert_int_lt(s->n, 64);
  if (m->instance_suffix)
    snprintf(s->lines[s->n++], sizeof(s->lines[0]), "%s/%s-%s %.0f",
             m->instance_suffix, m->type, m->type_instance, m->gauge);
  else if (m->kind == PF_METRIC_GAUGE)
    snprintf(s->lines[s->n++], sizeof(s->lines[0]), "%s-%s %.0f", m->type,
             m->type_instance, m->gauge);
  else
    snprintf(s->lines[s->n++], sizeof(s->lines[0]), "%s-%s %llu %llu", m->type,
             m->type_instance, (unsigned long long)m->derive[0],
             (unsigned long long)m->derive[1]);
}

START_TEST(test_capture_with_rules_reports_exact_classes) {
  struct pkt pkts[] = {tcp(1000, 80), tcp(1001, 80), tcp(1002, 22)};
  pkt_write_capture(path, pkts, 3, &next_ts);
  new_source();
  set_rules("classes:\n  - name: web\n    protocol: tcp\n    port: 80\n");
  run();
  ck_assert_uint_eq(snap.classes.count, 2);
  ck_assert_uint_eq(class_packets("web"), 2);
  ck_assert_uint_eq(class_packets("unclassified"), 2); /* ssh + ARP */
  expect_classes_add_up();

  struct seen s = {0};
  pf_metrics_walk(&snap, collect, &s);
  ck_assert_int_eq(s.n, 6);
  char want[96];
  snprintf(want, sizeof(want), "if_packets-web 0 2");
  ck_assert_str_eq(s.lines[0], want); /* 198.18/15 is local: tx */
  snprintf(want, sizeof(want), "if_octets-web 0 %u",
           pkt_len(&pkts[0]) + pkt_len(&pkts[1]));
  ck_assert_str_eq(s.lines[1], want);
  ck_assert_str_eq(s.lines[2], "current_connections-web 2");
  ck_assert_str_eq(s.lines[3], "if_packets-unclassified 1 1");
  ck_assert_str_eq(s.lines[5], "current_connections-unclassified 1");
}
END_TEST

START_TEST(test_without_rules_no_class_series) {
  struct pkt pkts[] = {tcp(1000, 80)};
  pkt_write_capture(path, pkts, 1, &next_ts);
  new_source();
  run();
  ck_assert_ptr_null(snap.classes.rules);
  struct seen s = {0};
  pf_metrics_walk(&snap, collect, &s);
  ck_assert_int_eq(s.n, 0);
}
END_TEST

/* A capture with no packet at all (tcpdump's tests/empty.pcap is one):
 * the workers never adopt the rule set, and the classes read as zeros. */
START_TEST(test_empty_capture_with_rules) {
  pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
  ck_assert_ptr_nonnull(dead);
  pcap_dumper_t *d = pcap_dump_open(dead, path);
  ck_assert_ptr_nonnull(d);
  pcap_dump_close(d); /* the file header alone */
  pcap_close(dead);
  new_source();
  set_rules("classes:\n  - name: web\n    protocol: tcp\n    port: 80\n");
  run();
  ck_assert_uint_eq(snap.classes.count, 2);
  ck_assert_uint_eq(class_packets("web"), 0);
  ck_assert_uint_eq(class_packets("unclassified"), 0);
  expect_classes_add_up();
}
END_TEST

START_TEST(test_new_rules_between_reads_keep_counting) {
  struct pkt first[] = {tcp(1000, 80), tcp(1001, 22)};
  pkt_write_capture(path, first, 2, &next_ts);
  new_source();
  set_rules("classes:\n  - name: web\n    protocol: tcp\n    port: 80\n"
            "  - name: ssh\n    protocol: tcp\n    port: 22\n");
  run();
  ck_assert_uint_eq(class_packets("web"), 1);
  ck_assert_uint_eq(class_packets("ssh"), 1);
  ck_assert_uint_eq(class_packets("unclassified"), 1);

  /* ssh goes, mail comes, web stays (at another index). */
  set_rules("classes:\n  - name: mail\n    protocol: tcp\n    port: 25\n"
            "  - name: web\n    protocol: tcp\n    port: 80\n");
  /* Before the worker's next batch the snapshot already reports by the new
   * set's names: web kept, ssh gone, mail still zero. */
  pf_snapshot_release(&snap);
  pf_source_snapshot(source, &snap);
  ck_assert_uint_eq(class_packets("web"), 1);
  ck_assert_uint_eq(class_packets("ssh"), UINT64_MAX);
  ck_assert_uint_eq(class_packets("mail"), 0);

  struct pkt second[] = {tcp(1002, 80), tcp(1003, 25), tcp(1004, 22)};
  pkt_write_capture(path, second, 3, &next_ts);
  run();
  ck_assert_uint_eq(class_packets("web"), 2);
  ck_assert_uint_eq(class_packets("mail"), 1);
  ck_assert_uint_eq(class_packets("ssh"), UINT64_MAX);
  /* ARP twice, the old ssh packet is gone with its class, the new one is
   * unclassified now: 1 + 1 (before) + 1 + 1. */
  ck_assert_uint_eq(class_packets("unclassified"), 3);
  int mail = pf_rules_class_index(snap.classes.rules, "mail");
  ck_assert_uint_eq(snap.classes.active[mail], 1);
}
END_TEST

START_TEST(test_rules_replaced_twice_before_a_batch) {
  struct pkt pkts[] = {tcp(1000, 80)};
  pkt_write_capture(path, pkts, 1, &next_ts);
  new_source();
  set_rules("classes:\n  - name: a\n    protocol: tcp\n");
  set_rules("classes:\n  - name: b\n    protocol: tcp\n");
  run();
  ck_assert_uint_eq(class_packets("a"), UINT64_MAX);
  ck_assert_uint_eq(class_packets("b"), 1);
}
END_TEST

/* Two handshakes, frames one second apart: web (port 80) SYN at 0 s, its
 * ACK at 5 s; ssh (port 22) SYN at 1 s, its ACK at 4 s. */
static void write_handshakes(void) {
  struct pkt p[6];
  p[0] = tcp(1000, 80);
  p[1] = tcp(1001, 22);
  p[2] = pkt_reply(p[0]);
  p[2].flags = PF_TCP_SYN | PF_TCP_ACK;
  p[3] = pkt_reply(p[1]);
  p[3].flags = PF_TCP_SYN | PF_TCP_ACK;
  p[4] = tcp(1001, 22);
  p[4].flags = PF_TCP_ACK;
  p[5] = tcp(1000, 80);
  p[5].flags = PF_TCP_ACK;
  pkt_write_capture(path, p, 6, &next_ts);
}

/* The class's handshake figure q in seconds; NaN when there is none. */
static double class_latency(const char *name, int q) {
  int i = pf_rules_class_index(snap.classes.rules, name);
  ck_assert_msg(i >= 0, "no class %s", name);
  return snap.classes.latency[i][q];
}

static int latency_series(const struct seen *s) {
  int n = 0;
  for (int i = 0; i < s->n; i++)
    n += strstr(s->lines[i], "/duration-") != NULL;
  return n;
}

static const char *const web_ssh =
    "classes:\n  - name: web\n    protocol: tcp\n    port: 80\n"
    "  - name: ssh\n    protocol: tcp\n    port: 22\n";

START_TEST(test_class_latency_per_interval) {
  write_handshakes();
  new_source();
  set_rules(web_ssh);
  run();
  ck_assert_double_eq(class_latency("web", PF_TCP_MAX), 5.0);
  ck_assert_double_eq(class_latency("ssh", PF_TCP_MAX), 3.0);
  /* One sample: every percentile is its bucket, within 1/64. */
  ck_assert_double_eq_tol(class_latency("web", PF_TCP_P50), 5.0, 5.0 / 64);
  ck_assert_double_eq_tol(class_latency("ssh", PF_TCP_P99), 3.0, 3.0 / 64);
  ck_assert(isnan(class_latency("unclassified", PF_TCP_P50)));

  struct seen s = {0};
  pf_metrics_walk(&snap, collect, &s);
  ck_assert_int_eq(latency_series(&s), 8);
  ck_assert_str_eq(s.lines[9], "p50/duration-web 5");
  ck_assert_str_eq(s.lines[15], "max/duration-web 5");
  ck_assert_str_eq(s.lines[16], "max/duration-ssh 3");
  ck_assert_int_eq(s.n, 3 * 3 + 8);

  /* The next interval had no handshake: no figures, no series. */
  pf_snapshot_release(&snap);
  pf_source_snapshot(source, &snap);
  ck_assert(isnan(class_latency("web", PF_TCP_MAX)));
  struct seen again = {0};
  pf_metrics_walk(&snap, collect, &again);
  ck_assert_int_eq(latency_series(&again), 0);
  ck_assert_int_eq(again.n, 3 * 3);
}
END_TEST

START_TEST(test_class_latency_reported_by_the_newest_names) {
  write_handshakes();
  new_source();
  set_rules(web_ssh);
  char err[512];
  ck_assert_msg(pf_source_run(source, err, sizeof(err)) == 0, "%s", err);
  /* The worker has not adopted the new set when the interval is read: its
   * histograms are reported by name in the new set (web at another index,
   * ssh gone with its figures). */
  set_rules("classes:\n  - name: mail\n    protocol: tcp\n    port: 25\n"
            "  - name: web\n    protocol: tcp\n    port: 80\n");
  pf_source_snapshot(source, &snap);
  ck_assert_double_eq(class_latency("web", PF_TCP_MAX), 5.0);
  ck_assert(isnan(class_latency("mail", PF_TCP_MAX)));
  ck_assert(isnan(class_latency("unclassified", PF_TCP_MAX)));
}
END_TEST

START_TEST(test_no_class_latency_without_tcp_analysis) {
  write_handshakes();
  tcp_off = true;
  new_source();
  set_rules(web_ssh);
  run();
  ck_assert(isnan(class_latency("web", PF_TCP_MAX)));
  struct seen s = {0};
  pf_metrics_walk(&snap, collect, &s);
  ck_assert_int_eq(latency_series(&s), 0);
  ck_assert_int_eq(s.n, 3 * 3);
}
END_TEST

Suite *pf_source_rules_suite(void) {
  Suite *s = suite_create("source_rules");
  TCase *tc = tcase_create("source");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_capture_with_rules_reports_exact_classes);
  tcase_add_test(tc, test_without_rules_no_class_series);
  tcase_add_test(tc, test_empty_capture_with_rules);
  tcase_add_test(tc, test_new_rules_between_reads_keep_counting);
  tcase_add_test(tc, test_rules_replaced_twice_before_a_batch);
  tcase_add_test(tc, test_class_latency_per_interval);
  tcase_add_test(tc, test_class_latency_reported_by_the_newest_names);
  tcase_add_test(tc, test_no_class_latency_without_tcp_analysis);
  suite_add_tcase(s, tc);
  return s;
}
