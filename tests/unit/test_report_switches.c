/* test_report_switches.c - the report switches (docs/CONFIG.md, "Choosing
 * what to report"): the series each configuration sends, and that a group
 * that is off does no work on the packet path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <pcap/dlt.h>

#include "app_messages.h"
#include "flow_packets.h"
#include "pcapflow/metrics.h"
#include "pcapflow/source.h"
#include "shard/feed_hash.h"
#include "shard/shard.h"
#include "source/worker.h"
#include "source_files.h"
#include "suites.h"
#include "tcp_segments.h"

static char dir[TEST_DIR_MAX], path[TEST_PATH_MAX];
static uint32_t next_ts;
static struct pf_source *source;
static struct pf_snapshot snap;
static bool have_snap;

static void setup(void) {
  test_file_make(dir, path, "switch", "switch.pcap");
  next_ts = 1700000000;
  /* A handshake to a web server and one DNS query (plus the ARP frame
   * pkt_write_capture adds): TCP, UDP and non-IP traffic. */
  static const uint8_t client[4] = {198, 18, 0, 1}, server[4] = {198, 19, 0, 2};
  const struct pkt pkts[] = {
      {.proto = P_TCP,
       .sport = 40000,
       .dport = 80,
       .flags = PF_TCP_SYN,
       .src = client,
       .dst = server},
      {.proto = P_TCP,
       .sport = 80,
       .dport = 40000,
       .flags = PF_TCP_SYN | PF_TCP_ACK,
       .src = server,
       .dst = client},
      {.proto = P_TCP,
       .sport = 40000,
       .dport = 80,
       .flags = PF_TCP_ACK,
       .src = client,
       .dst = server},
      {.proto = P_UDP,
       .sport = 5353,
       .dport = 53,
       .payload = 30,
       .src = client,
       .dst = server},
  };
  pkt_write_capture(path, pkts, 4, &next_ts);
}

static void teardown(void) {
  if (have_snap)
    pf_snapshot_release(&snap);
  have_snap = false;
  pf_source_free(source);
  source = NULL;
  test_file_remove(dir, path);
}

/* Options as collectd.conf gives them: "Switch=false", "TopN=0",
 * "TcpAnalysis=false". */
static void configure(struct pf_source_config *cfg, const char *const *opts) {
  for (; opts && *opts; opts++) {
    char name[64];
    const char *eq = strchr(*opts, '=');
    snprintf(name, sizeof(name), "%.*s", (int)(eq - *opts), *opts);
    if (strcmp(name, "TopN") == 0)
      cfg->top_n = atoi(eq + 1);
    else if (strcmp(name, "TcpAnalysis") == 0)
      cfg->shard.tcp_analysis = strcmp(eq + 1, "true") == 0;
    else {
      bool *sw = pf_report_switch(&cfg->report, name);
      if (!sw)
        sw = pf_dns_switch(&cfg->shard.dns, name);
      if (!sw)
        sw = pf_timing_switch(&cfg->shard, name);
      if (!sw)
        sw = pf_tls_switch(&cfg->shard.tls, name);
      ck_assert_msg(sw != NULL, "no switch %s", name);
      *sw = strcmp(eq + 1, "true") == 0;
    }
  }
}

/* Reads the capture with the options and closes the interval. */
static void run(const char *const *opts) {
  struct pf_source_config cfg;
  char err[512];
  pf_source_config_init(&cfg, PF_SOURCE_FILE);
  cfg.device = strdup(path);
  cfg.report.by_class = false; /* no rules file */
  configure(&cfg, opts);
  source = test_source_new(&cfg, &(struct pf_hooks){0});
  ck_assert_msg(pf_source_run(source, err, sizeof(err)) == 0, "%s", err);
  pf_source_snapshot(source, &snap);
  have_snap = true;
}

struct tally {
  int n;
  int of_type; /* series of `type` */
  const char *type;
};

static void count(const struct pf_metric *m, void *ctx) {
  struct tally *t = ctx;
  t->n++;
  if (t->type && strcmp(m->type, t->type) == 0)
    t->of_type++;
}

static struct tally walk(const char *type) {
  struct tally t = {.type = type};
  pf_metrics_walk(&snap, count, &t);
  return t;
}

/* The series count of every group, as docs/METRICS.md states it. */
enum {
  N_PROTOCOL = 24, /* 9 protocols and 2 IP versions, rx/tx pairs
                      of packets and bytes, and fragments' 2 */
  N_BASIS = 4,
  N_SIZE = 14,
  N_FLAGS = 4,
  N_MALFORMED = 9,
  N_CAPTURE = 6,
  N_FLOWS = 7,
  N_DISTINCT = 3,
  N_TCP_COUNTERS = 6,
  N_TCP_LATENCY = 12, /* the interval had a handshake */
  /* The capture's hosts (2) and services (tcp_80, udp_53), each list with
   * its `other`. */
  N_TOP_HOSTS = 3,
  N_TOP_PORTS = 3,
  /* DNS (plugin pcapflow_dns): dns_octets, the 9 errors (the datagram to
   * port 53 is not DNS), truncated, unmatched, unanswered, evicted, and
   * the top domains' other. */
  N_DNS = 15,
  N_DNS_LATENCY = 3,
  N_DNS_DOMAINS = 1,
  /* TLS (plugin pcapflow_tls): the versions offered and selected (6 each),
   * hello_partial and its 4 causes, hello_reassembled, the 8 malformed
   * reasons, and the top names' other, which needs the TCP records
   * (TcpAnalysis). */
  N_TLS = 27,
  N_TLS_TOP = 1,
};

START_TEST(test_defaults) {
  run(NULL);
  ck_assert_int_eq(walk(NULL).n, N_PROTOCOL + N_BASIS + N_SIZE + N_FLAGS +
                                     N_MALFORMED + N_CAPTURE + N_FLOWS +
                                     N_DISTINCT + N_TCP_COUNTERS +
                                     N_TCP_LATENCY + N_TOP_HOSTS + N_TOP_PORTS +
                                     N_DNS + N_TLS);
  ck_assert_uint_eq(snap.top[PF_TOP_FLOWS].n, 0); /* off by default */
}
END_TEST

/* Each switch, alone off, takes away exactly its group. */
static const struct {
  const char *option;
  int series;
} groups[] = {
    {"ReportByProtocol=false", N_PROTOCOL},
    {"ReportByDirectionBasis=false", N_BASIS},
    {"ReportBySize=false", N_SIZE},
    {"CollectTcpFlags=false", N_FLAGS},
    {"CollectMalformedReasons=false", N_MALFORMED},
    {"CollectCaptureHealth=false", N_CAPTURE},
    {"CollectFlows=false", N_FLOWS},
    {"CollectDistinctCounts=false", N_DISTINCT},
    {"CollectTopHosts=false", N_TOP_HOSTS},
    {"CollectTopPorts=false", N_TOP_PORTS},
    {"CollectTopFlows=true", -3}, /* its two flows and other */
    {"TopN=0", N_TOP_HOSTS + N_TOP_PORTS},
    {"TcpAnalysis=false", N_TCP_COUNTERS + N_TCP_LATENCY + N_TLS_TOP},
    {"TlsAnalysis=false", N_TLS},
    {"DnsAnalysis=false", N_DNS},
    {"CollectDnsLatency=false", N_DNS_LATENCY},
    {"CollectDnsTopDomains=false", N_DNS_DOMAINS},
};

START_TEST(test_each_switch_takes_away_its_group) {
  run(NULL);
  int all = walk(NULL).n;
  pf_snapshot_release(&snap);
  have_snap = false;
  pf_source_free(source);
  source = NULL;

  const char *opts[] = {groups[_i].option, NULL};
  run(opts);
  ck_assert_msg(walk(NULL).n == all - groups[_i].series,
                "%s: %d series, expected %d", groups[_i].option, walk(NULL).n,
                all - groups[_i].series);
}
END_TEST

/* Per-protocol totals alone: the protocols group, and no work for the
 * flow table, the top-N lists or the distinct counts. */
static const char *const totals_only[] = {"ReportByDirectionBasis=false",
                                          "ReportBySize=false",
                                          "CollectTcpFlags=false",
                                          "CollectMalformedReasons=false",
                                          "CollectCaptureHealth=false",
                                          "CollectFlows=false",
                                          "CollectDistinctCounts=false",
                                          "TopN=0",
                                          "TcpAnalysis=false",
                                          "DnsAnalysis=false",
                                          "TlsAnalysis=false",
                                          NULL};

START_TEST(test_totals_only_sends_the_protocols_and_does_nothing_else) {
  run(totals_only);
  ck_assert_int_eq(walk(NULL).n, N_PROTOCOL);
  ck_assert_int_eq(walk("if_packets").of_type, 9);
  /* What was skipped on the packet path left no trace. */
  ck_assert_uint_eq(snap.flows.created, 0);
  ck_assert_uint_eq(snap.top[PF_TOP_HOSTS].n, 0);
  ck_assert(snap.distinct_src_hosts == 0);
  /* The counters are whole: 3 TCP, 1 UDP, 1 ARP. */
  const struct pf_traffic *t = snap.counters.traffic;
  ck_assert_uint_eq(t[PF_TRAFFIC_ALL].packets[0] + t[PF_TRAFFIC_ALL].packets[1],
                    5);
  ck_assert_uint_eq(t[PF_TRAFFIC_TCP].packets[0] + t[PF_TRAFFIC_TCP].packets[1],
                    3);
}
END_TEST

START_TEST(test_no_tcp_analysis_sends_no_tcp_health) {
  const char *opts[] = {"TcpAnalysis=false", NULL};
  run(opts);
  ck_assert_int_eq(walk("duration").of_type, 0);
  /* protocol_counter keeps the TCP flags group's four, nothing more. */
  ck_assert_int_eq(walk("protocol_counter").of_type, N_FLAGS);
}
END_TEST

/* Every family adds up to a whole once: the protocols' packets are every
 * packet, the IP versions' the IP packets, the sizes' each direction's. */
struct sums {
  uint64_t protocols, versions, sizes_rx, basis;
};

static void add_up(const struct pf_metric *m, void *ctx) {
  struct sums *s = ctx;
  if (strcmp(m->type, "if_packets") == 0)
    s->protocols += m->derive[0] + m->derive[1];
  else if (strcmp(m->type, "io_packets") == 0)
    s->versions += m->derive[0] + m->derive[1];
  else if (strcmp(m->type, "if_rx_packets") == 0)
    s->sizes_rx += m->derive[0];
  else if (strcmp(m->type, "derive") == 0)
    s->basis += m->derive[0];
}

START_TEST(test_families_add_up) {
  run(NULL);
  struct sums s = {0};
  pf_metrics_walk(&snap, add_up, &s);
  const struct pf_traffic *t = snap.counters.traffic;
  ck_assert_uint_eq(s.protocols, 5);
  ck_assert_uint_eq(s.basis, 5);
  ck_assert_uint_eq(s.versions, 4);
  ck_assert_uint_eq(s.sizes_rx, t[PF_TRAFFIC_ALL].packets[PF_DIR_RX]);
}
END_TEST

/* ---- the shard skips what is not reported ---- */

static struct pf_shard shard;

/* A shard skipping what `skip` says, fed 4 UDP flows of 100-byte
 * payloads from 198.19.0.1..4 to 198.18.0.1:53; returns their interval,
 * closed (the file's end). */
static struct pf_interval *shard_run(struct pf_shard_config skip) {
  struct pf_shard_config cfg = skip;
  cfg.max_flows = 64;
  cfg.timeouts = test_timeouts;
  cfg.top_capacity = 64;
  cfg.host_prefix_v4 = 32;
  cfg.host_prefix_v6 = 128;
  test_shard_start(&shard, &cfg);
  static const uint8_t server[4] = {198, 18, 0, 1};
  for (uint8_t h = 1; h <= 4; h++) {
    const uint8_t client[4] = {198, 19, 0, h};
    struct pkt p = {.proto = P_UDP,
                    .src = client,
                    .dst = server,
                    .sport = 1000,
                    .dport = 53,
                    .payload = 100};
    shard_pkt(&shard, &p,
              (struct shard_hand){
                  .dir = PF_DIR_RX, .locality = PF_LOCALITY_DST, .ts = SEC(1)});
  }
  return pf_shard_swap_interval(&shard, true);
}

static uint64_t list_bytes(const struct pf_interval *iv, int k) {
  return iv->top[k].total[0] + iv->top[k].total[1];
}

START_TEST(test_shard_without_flow_table_makes_no_flow) {
  struct pf_interval *iv =
      shard_run((struct pf_shard_config){.skip_flows = true,
                                         .skip_distinct = true,
                                         .skip_top = {true, true, true}});
  ck_assert_uint_eq(shard.counters.traffic[PF_TRAFFIC_UDP].packets[PF_DIR_RX],
                    4);
  ck_assert_uint_eq(shard.flows.pool[0].next_unused, 0); /* no entry made */
  ck_assert_uint_eq(list_bytes(iv, PF_TOP_HOSTS), 0);
  pf_shard_free(&shard);
}
END_TEST

/* The flow table kept (flows reported) but no list and no distinct count:
 * no flow is ever tagged for the interval, so none is fed. */
START_TEST(test_shard_without_lists_feeds_no_flow) {
  struct pf_interval *iv = shard_run((struct pf_shard_config){
      .skip_distinct = true, .skip_top = {true, true, true}});
  ck_assert_uint_eq(shard.flows.pool[0].next_unused, 4);
  for (uint32_t i = 0; i < 4; i++)
    ck_assert_uint_eq(pf_flow_at(&shard.flows, i)->iv, 0);
  for (int k = 0; k < PF_TOP_KIND_COUNT; k++)
    ck_assert_uint_eq(list_bytes(iv, k), 0);
  ck_assert(pf_hll_estimate(&iv->src_hosts) == 0);
  pf_shard_free(&shard);
}
END_TEST

/* Whether the interval's distinct sources hold exactly the 4 clients of
 * shard_run: their registers those of the clients' address hashes by the
 * shard's seed. (An estimate above 3.5 read 3.0 whenever two of the 4
 * hashes shared one of the 4,096 registers: about one seed in 700.) */
static bool distinct_sources_are_the_clients(const struct pf_interval *iv) {
  struct pf_hll want;
  memset(&want, 0, sizeof(want));
  for (uint8_t h = 1; h <= 4; h++) {
    const uint8_t client[4] = {198, 19, 0, h};
    pf_hll_add(&want, pf_feed_hash_addr(shard.seed, client, 4));
  }
  return memcmp(&want, &iv->src_hosts, sizeof(want)) == 0;
}

/* One list off: that list gets nothing, the others and the distinct
 * counts get every flow. */
START_TEST(test_shard_feeds_only_what_is_reported) {
  struct pf_interval *iv =
      shard_run((struct pf_shard_config){.skip_top = {[PF_TOP_HOSTS] = true}});
  ck_assert_uint_eq(list_bytes(iv, PF_TOP_HOSTS), 0);
  ck_assert_uint_gt(list_bytes(iv, PF_TOP_PORTS), 4 * 100);
  ck_assert_uint_eq(list_bytes(iv, PF_TOP_FLOWS), list_bytes(iv, PF_TOP_PORTS));
  ck_assert(distinct_sources_are_the_clients(iv));
  iv = NULL;
  pf_shard_free(&shard);
  /* ...and with the distinct counts off alone, the lists are whole. */
  iv = shard_run((struct pf_shard_config){.skip_distinct = true});
  ck_assert(pf_hll_estimate(&iv->src_hosts) == 0);
  ck_assert_uint_eq(list_bytes(iv, PF_TOP_HOSTS), list_bytes(iv, PF_TOP_PORTS));
  pf_shard_free(&shard);
}
END_TEST

/* TCP timing on, off, or TCP analysis off: one request and its answer
 * over an open connection, with one-way data on another. Returns the
 * response-time samples. */
static uint64_t timing_run(bool analysis, bool timing) {
  test_shard_init_timing(&shard, 64, 64, analysis, timing);
  seg_handshake(&shard, 0, 999, 4999, SEC(1), 1000, 1000);
  const struct seg segs[] = {
      {.from = CLIENT,
       .flags = PF_TCP_ACK,
       .seq = 1000,
       .ack = 5000,
       .window = 65535,
       .payload = 100,
       .tx = true},
      {.from = SERVER,
       .flags = PF_TCP_ACK,
       .seq = 5000,
       .ack = 1100,
       .window = 65535,
       .payload = 100},
      {.from = CLIENT,
       .flags = PF_TCP_ACK,
       .seq = 7,
       .window = 65535,
       .payload = 100,
       .cport = 40001,
       .tx = true},
  };
  for (unsigned i = 0; i < 3; i++)
    seg_send(&shard, &segs[i], SEC(2) + i * 1000);
  return pf_hist_samples(&shard.cur->tcp.latency[PF_TCP_RESPONSE]);
}

/* TcpTiming off costs nothing: records stay 32 bytes, one-way data takes
 * none, and no sample is taken; TcpAnalysis off turns it off too. */
START_TEST(test_shard_without_tcp_timing_times_nothing) {
  ck_assert_uint_eq(timing_run(true, true), 1);
  ck_assert_uint_eq(shard.flows.tcp.rec_shift, 6);
  ck_assert_uint_eq(shard.flows.tcp.next_unused, 2);
  pf_shard_free(&shard);
  ck_assert_uint_eq(timing_run(true, false), 0);
  ck_assert_uint_eq(shard.flows.tcp.rec_shift, 5);
  ck_assert_uint_eq(shard.flows.tcp.next_unused, 1); /* the handshake's */
  for (int k = PF_TCP_TIMING_FIRST; k < PF_TCP_LATENCY_COUNT; k++)
    ck_assert_uint_eq(pf_hist_samples(&shard.cur->tcp.latency[k]), 0);
  pf_shard_free(&shard);
  ck_assert_uint_eq(timing_run(false, true), 0);
  ck_assert_ptr_null(shard.flows.tcp.conns);
  pf_shard_free(&shard);
}
END_TEST

/* A shard with TCP analysis and TLS on or off, fed one ClientHello in a
 * segment of a connection picked up mid-way. */
static void tls_run(bool tls) {
  struct pf_shard_config cfg = test_shard_config(64, 64, true);
  cfg.tls = (struct pf_tls_config){.analysis = tls, .names = 8};
  test_shard_start(&shard, &cfg);
  uint8_t hello[APP_MESSAGE_MAX];
  size_t n = app_bytes(APP_TLS_CLIENT_HELLO_13, hello);
  struct frame f;
  frame_conversation(&f, true, true, 40000, 443, 0);
  frame_bytes(&f, hello, (uint32_t)n);
  frame_finish(&f);
  shard_frame(&shard, &f, f.len,
              (struct shard_hand){
                  .dir = PF_DIR_RX, .locality = PF_LOCALITY_DST, .ts = SEC(1)});
}

/* TlsAnalysis false: no hello is read, no name table is made and no flow
 * takes a TCP record for a name; on, the same segment does all three. */
START_TEST(test_shard_without_tls_reads_no_hello) {
  tls_run(false);
  struct pf_tls_stats zero = {0};
  ck_assert(memcmp(&shard.tls.stats, &zero, sizeof(zero)) == 0);
  ck_assert_ptr_null(shard.tls.names.slot);
  ck_assert_uint_eq(shard.flows.tcp.next_unused, 0);
  ck_assert_uint_eq(shard.tls.want_l4, PF_TLS_NO_L4);
  pf_shard_free(&shard);
  tls_run(true);
  ck_assert_uint_eq(shard.tls.stats.offered[4], 1);
  ck_assert_uint_eq(shard.tls.names.used, 1);
  ck_assert_uint_eq(shard.flows.tcp.next_unused, 1);
  pf_shard_free(&shard);
}
END_TEST

/* PortTiming is off by default, and off with TcpTiming, TcpAnalysis or the
 * top services list off: no histogram in the shard nor at the reader, and
 * the sink's port is NULL (one test a TCP segment); on, both exist. */
static const struct {
  const char *opts[3];
  bool on;
} port_timing_cases[] = {
    {{NULL}, false},
    {{"PortTiming=true"}, true},
    {{"PortTiming=true", "TcpTiming=false"}, false},
    {{"PortTiming=true", "TcpAnalysis=false"}, false},
    {{"PortTiming=true", "CollectTopPorts=false"}, false},
    {{"PortTiming=true", "TopN=0"}, false},
};

START_TEST(test_port_timing_off_costs_nothing) {
  run(port_timing_cases[_i].opts);
  const struct pf_port_latency *p = &source->workers[0].shard.ports;
  bool on = port_timing_cases[_i].on;
  ck_assert_int_eq(p->cur != NULL, on);
  ck_assert_int_eq(p->spare != NULL, on);
  ck_assert_uint_eq(p->slots, on ? PF_DEFAULT_TOP_N + 1 : 0);
  ck_assert_int_eq(source->port_timing != NULL, on);
  ck_assert_int_eq(snap.port_timing.enabled, on);
}
END_TEST

Suite *pf_report_switches_suite(void) {
  Suite *s = suite_create("report_switches");
  TCase *tc = tcase_create("switches");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_defaults);
  tcase_add_loop_test(tc, test_each_switch_takes_away_its_group, 0,
                      (int)(sizeof(groups) / sizeof(groups[0])));
  tcase_add_test(tc,
                 test_totals_only_sends_the_protocols_and_does_nothing_else);
  tcase_add_test(tc, test_no_tcp_analysis_sends_no_tcp_health);
  tcase_add_test(tc, test_families_add_up);
  tcase_add_loop_test(
      tc, test_port_timing_off_costs_nothing, 0,
      (int)(sizeof(port_timing_cases) / sizeof(port_timing_cases[0])));
  suite_add_tcase(s, tc);
  TCase *shard_tc = tcase_create("shard");
  tcase_add_test(shard_tc, test_shard_without_flow_table_makes_no_flow);
  tcase_add_test(shard_tc, test_shard_without_tcp_timing_times_nothing);
  tcase_add_test(shard_tc, test_shard_without_lists_feeds_no_flow);
  tcase_add_test(shard_tc, test_shard_feeds_only_what_is_reported);
  tcase_add_test(shard_tc, test_shard_without_tls_reads_no_hello);
  suite_add_tcase(s, shard_tc);
  return s;
}
