/* bench_engine.c - hot-path micro-benchmarks of the engine: ns per
 * operation for decode, direction, counters, flow lookup (hit and miss),
 * the whole per-packet pipeline (with and without TCP analysis), expiry,
 * and the read side's snapshot with a table of a million flows. Prints one
 * "name value unit" line each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "shard/packet_counters.h"
#include "packet/decode.h"
#include "packet/direction.h"
#include "flow/flow.h"
#include "pcapflow/rules.h"
#include "shard/shard.h"

#include <pcap/dlt.h>

#define FRAME_LEN 74 /* Ethernet + IPv4 + TCP with options: a typical SYN */

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A TCP/IPv4 frame from 198.19.x.y:port to 198.18.0.1:443, distinct per i. */
static void build_frame(uint8_t *f, uint32_t i, uint8_t tcp_flags) {
  memset(f, 0, FRAME_LEN);
  f[12] = 0x08; /* EtherType IPv4 */
  uint8_t *ip = f + 14;
  ip[0] = 0x45;
  ip[2] = 0;
  ip[3] = FRAME_LEN - 14;
  ip[8] = 64;
  ip[9] = 6;
  ip[12] = 198, ip[13] = 19, ip[14] = (uint8_t)(i >> 8), ip[15] = (uint8_t)i;
  ip[16] = 198, ip[17] = 18, ip[18] = 0, ip[19] = 1;
  uint8_t *tcp = ip + 20;
  uint16_t sport = (uint16_t)(1024 + (i >> 16));
  tcp[0] = (uint8_t)(sport >> 8), tcp[1] = (uint8_t)sport;
  tcp[2] = 0x01, tcp[3] = 0xbb;
  tcp[12] = 0xa0; /* 40-byte header */
  tcp[13] = tcp_flags;
}

static void report(const char *name, double seconds, double ops) {
  printf("%-34s %9.1f ns/op\n", name, seconds * 1e9 / ops);
}

/* An in-order data segment of 20 bytes (20-byte TCP header) of one of
 * 1024 connections: the sequence-space path of the TCP analysis. */
static void build_data_frame(uint8_t *f, uint32_t i) {
  build_frame(f, i % 1024, 0x18);
  uint8_t *tcp = f + 14 + 20;
  uint32_t seq = 1000 + (i / 1024) * 20;
  tcp[4] = (uint8_t)(seq >> 24), tcp[5] = (uint8_t)(seq >> 16);
  tcp[6] = (uint8_t)(seq >> 8), tcp[7] = (uint8_t)seq;
  tcp[12] = 0x50;
  tcp[14] = 0xff, tcp[15] = 0xff; /* window open */
}

/* The per-packet pipeline with TCP analysis off and on: new flows (SYN),
 * existing flows (pure ACKs), and in-order data segments. make_cost is the
 * build + decode time of n frames, subtracted. */
static void bench_tcp_cost(uint32_t n, const struct pf_flow_timeouts *to,
                           double make_cost) {
  uint8_t frame[FRAME_LEN];
  struct pf_packet pkt;
  char err[256], name[64];
  for (int on = 0; on <= 1; on++) {
    struct pf_shard_config cfg = {.max_flows = n, .timeouts = *to,
                                  .top_capacity = 80, .host_prefix_v4 = 32,
                                  .host_prefix_v6 = 128, .tcp_analysis = on,
                                  .tcp_syn_timeout_s = 3};
    static struct pf_shard shard;
    if (pf_shard_init(&shard, &cfg, err, sizeof(err)) != 0) {
      fprintf(stderr, "%s\n", err);
      exit(1);
    }
    const char *tag = on ? "TCP analysis on" : "TCP analysis off";
    double t0 = now_seconds();
    for (uint32_t i = 0; i < n; i++) {
      build_frame(frame, i, 0x02);
      pf_decode(DLT_EN10MB, frame, FRAME_LEN, FRAME_LEN, &pkt);
      pf_shard_packet(&shard, &pkt, PF_DIR_RX, PF_LOCALITY_DST, 1000000 + i);
    }
    snprintf(name, sizeof(name), "SYN, new flow (%s)", tag);
    report(name, now_seconds() - t0 - make_cost, n);
    t0 = now_seconds();
    for (uint32_t i = 0; i < n; i++) {
      build_frame(frame, (i * 7919u) % n, 0x10);
      pf_decode(DLT_EN10MB, frame, FRAME_LEN, FRAME_LEN, &pkt);
      pf_shard_packet(&shard, &pkt, PF_DIR_RX, PF_LOCALITY_DST, 2000000 + i);
    }
    snprintf(name, sizeof(name), "ACK, old flow (%s)", tag);
    report(name, now_seconds() - t0 - make_cost, n);
    t0 = now_seconds();
    for (uint32_t i = 0; i < n; i++) {
      build_data_frame(frame, i);
      pf_decode(DLT_EN10MB, frame, FRAME_LEN, FRAME_LEN, &pkt);
      pf_shard_packet(&shard, &pkt, PF_DIR_RX, PF_LOCALITY_DST, 3000000 + i);
    }
    snprintf(name, sizeof(name), "data, 1024 flows (%s)", tag);
    report(name, now_seconds() - t0 - make_cost, n);
    if (on)
      printf("%-34s %9llu retransmitted (0 expected)\n", "TCP analysis check",
             (unsigned long long)shard.flows.tcp.stats.retransmitted);
    pf_shard_free(&shard);
  }
}

/* A rule set taking over as the capture thread adopts it (between two
 * batches, holding the batch lock): the time it holds the lock. */
static void bench_apply(struct pf_shard *shard, const char *yaml,
                        const char *what) {
  char err[512];
  struct pf_rules *rules = NULL;
  struct pf_class_counters next;
  if (pf_rules_parse("bench.yaml", yaml, strlen(yaml), &rules, err,
                     sizeof(err)) != 0 ||
      pf_class_counters_prepare(&next, rules, err, sizeof(err)) != 0) {
    fprintf(stderr, "%s\n", err);
    exit(1);
  }
  double t0 = now_seconds();
  pf_class_counters_apply(&shard->classes, &next, &shard->flows);
  printf("%-34s %9.4f ms (with %llu active flows)\n", what,
         (now_seconds() - t0) * 1e3,
         (unsigned long long)pf_flow_table_count(&shard->flows));
  pf_class_counters_free(&next);
  pf_rules_free(rules);
}

/* Traffic rules in the pipeline: the same existing-flow packets as "shard
 * packet (existing flow)" with a rule set of 9 classes installed, its
 * adoption where none were in force (each of the shard's n active flows
 * walked), and a reload over it (no flow walked). */
static void bench_rules_cost(struct pf_shard *shard, uint32_t n,
                             double make_cost) {
  static const char yaml[] =
      "classes:\n"
      "  - {name: dns, protocol: [udp, tcp], port: 53}\n"
      "  - {name: web, protocol: [tcp, udp], port: [80, 443, 8000-8099]}\n"
      "  - {name: db, protocol: tcp, dst_port: 5432, dst_cidr: 198.18.20.0/24}\n"
      "  - {name: backup, protocol: tcp, cidr: 198.19.128.0/17}\n"
      "  - {name: voice, dscp: [ef, cs3, af41]}\n"
      "  - {name: storage, vlan: 200-209}\n"
      "  - {name: control, protocol: [icmp, icmpv6, 50]}\n"
      "  - {name: scanner, src_cidr: 198.18.5.5, src_port: 32768-60999}\n"
      "  - {name: other}\n";
  bench_apply(shard, yaml, "rules first set: apply");
  /* A reload: dns dropped (every other class moves up one), mail new. */
  char text[2048];
  snprintf(text, sizeof(text),
           "classes:\n%s  - {name: mail, protocol: tcp, port: 25}\n",
           strchr(strchr(yaml, '\n') + 1, '\n') + 1);
  bench_apply(shard, text, "rules reload: apply");

  uint8_t frame[FRAME_LEN];
  struct pf_packet pkt;
  double t0 = now_seconds();
  for (uint32_t i = 0; i < n; i++) {
    build_frame(frame, (i * 7919u) % n, 0x10);
    pf_decode(DLT_EN10MB, frame, FRAME_LEN, FRAME_LEN, &pkt);
    pf_shard_packet(shard, &pkt, PF_DIR_RX, PF_LOCALITY_DST, 4000000 + i);
  }
  report("shard packet (existing, 9 classes)", now_seconds() - t0 - make_cost,
         n);
}

static long max_rss_kib(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

int main(int argc, char **argv) {
  uint32_t n = argc > 1 ? (uint32_t)atoi(argv[1]) : 1000000;
  uint8_t (*frames)[FRAME_LEN] = malloc((size_t)n * FRAME_LEN);
  struct pf_packet *pkts = malloc((size_t)n * sizeof(*pkts));
  if (!frames || !pkts)
    return 1;
  for (uint32_t i = 0; i < n; i++)
    build_frame(frames[i], i, 0x02);

  /* decode: a small ring of frames, so this measures the decoder and not
   * memory; then every frame once, for the stages below */
  memset(pkts, 0, (size_t)n * sizeof(*pkts)); /* no page faults in timing */
  struct pf_packet one;
  double t0 = now_seconds();
  for (uint32_t i = 0; i < n; i++)
    pf_decode(DLT_EN10MB, frames[i & 4095], FRAME_LEN, FRAME_LEN, &one);
  report("decode (Ethernet/IPv4/TCP)", now_seconds() - t0, n);
  for (uint32_t i = 0; i < n; i++)
    pf_decode(DLT_EN10MB, frames[i], FRAME_LEN, FRAME_LEN, &pkts[i]);

  /* direction + counters */
  struct pf_localnet local;
  struct pf_prefix p;
  char err[256];
  pf_localnet_init(&local);
  pf_prefix_parse("198.18.0.0/16", &p, err, sizeof(err));
  pf_localnet_add(&local, &p, err, sizeof(err));
  static struct pf_counters counters;
  t0 = now_seconds();
  for (uint32_t i = 0; i < n; i++) {
    enum pf_locality loc;
    const struct pf_packet *pk = &pkts[i & 4095];
    enum pf_dir dir = pf_direction(&local, NULL, pk, &loc);
    pf_counters_add(&counters, pk, dir, loc);
  }
  report("direction + counters", now_seconds() - t0, n);

  /* flow table: insert (miss), then hit */
  struct pf_flow_timeouts to = {300, 10, 60, 30, 60, 1800};
  struct pf_flow_table table;
  long rss_before = max_rss_kib();
  if (pf_flow_table_init(&table, n, &to, err, sizeof(err)) != 0) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  /* Frames are built on the fly, as a capture hands them over hot in the
   * cache; that cost is measured alone and subtracted. */
  uint8_t frame[FRAME_LEN];
  struct pf_packet pkt;
  t0 = now_seconds();
  for (uint32_t i = 0; i < n; i++) {
    build_frame(frame, (i * 7919u) % n, 0x10);
    pf_decode(DLT_EN10MB, frame, FRAME_LEN, FRAME_LEN, &pkt);
    __asm__ volatile("" : : "r"(&pkt) : "memory");
  }
  double make_cost = now_seconds() - t0;
  report("(build + decode, subtracted)", make_cost, n);

  t0 = now_seconds();
  for (uint32_t i = 0; i < n; i++) {
    build_frame(frame, i, 0x02);
    pf_decode(DLT_EN10MB, frame, FRAME_LEN, FRAME_LEN, &pkt);
    pf_flow_table_packet(&table, &pkt, 1000000 + i);
  }
  double insert = now_seconds() - t0 - make_cost;
  report("flow insert (miss)", insert, n);
  printf("%-34s %9.2f M flows/s\n", "flow inserts", n / insert / 1e6);
  printf("%-34s %9zu bytes IPv4, %zu IPv6 (+ %zu per bucket)\n",
         "flow entry", sizeof(struct pf_flow4), sizeof(struct pf_flow6),
         sizeof(struct pf_bucket));
  printf("%-34s %9.1f bytes/flow\n", "resident per flow",
         (double)(max_rss_kib() - rss_before) * 1024.0 / n);
  t0 = now_seconds();
  for (uint32_t i = 0; i < n; i++) {
    build_frame(frame, (i * 7919u) % n, 0x10);
    pf_decode(DLT_EN10MB, frame, FRAME_LEN, FRAME_LEN, &pkt);
    pf_flow_table_packet(&table, &pkt, 2000000 + i);
  }
  report("flow lookup (hit, random order)", now_seconds() - t0 - make_cost, n);

  /* expiry: everything is idle after the timeout */
  t0 = now_seconds();
  unsigned expired = 0;
  while (pf_flow_table_count(&table) > 0)
    expired += pf_flow_table_expire(&table, 2000000 + n + 301000000ull, 4096);
  report("expiry step (per flow expired)", now_seconds() - t0, expired);
  pf_flow_table_free(&table);

  /* what TCP analysis costs per packet (TcpAnalysis false vs true) */
  bench_tcp_cost(n, &to, make_cost);

  /* the whole per-packet pipeline after decoding, with a table that fills
   * (the default configuration: TCP analysis on) */
  struct pf_shard_config cfg = {.max_flows = n, .timeouts = to,
                                .top_capacity = 80, .host_prefix_v4 = 32,
                                .host_prefix_v6 = 128, .tcp_analysis = true,
                                .tcp_syn_timeout_s = 3};
  static struct pf_shard shard;
  if (pf_shard_init(&shard, &cfg, err, sizeof(err)) != 0) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  t0 = now_seconds();
  for (uint32_t i = 0; i < n; i++) {
    build_frame(frame, i, 0x02);
    pf_decode(DLT_EN10MB, frame, FRAME_LEN, FRAME_LEN, &pkt);
    pf_shard_packet(&shard, &pkt, PF_DIR_RX, PF_LOCALITY_DST, 1000000 + i);
  }
  report("shard packet (new flow each)", now_seconds() - t0 - make_cost, n);
  t0 = now_seconds();
  for (uint32_t i = 0; i < n; i++) {
    build_frame(frame, (i * 7919u) % n, 0x10);
    pf_decode(DLT_EN10MB, frame, FRAME_LEN, FRAME_LEN, &pkt);
    pf_shard_packet(&shard, &pkt, PF_DIR_RX, PF_LOCALITY_DST, 2000000 + i);
  }
  report("shard packet (existing flow)", now_seconds() - t0 - make_cost, n);
  /* Real traffic comes in bursts: the same flow several packets running. */
  t0 = now_seconds();
  for (uint32_t i = 0; i < n; i++) {
    build_frame(frame, ((i / 8) * 7919u) % n, 0x10);
    pf_decode(DLT_EN10MB, frame, FRAME_LEN, FRAME_LEN, &pkt);
    pf_shard_packet(&shard, &pkt, PF_DIR_RX, PF_LOCALITY_DST, 3000000 + i);
  }
  report("shard packet (bursts of 8)", now_seconds() - t0 - make_cost, n);

  /* The interval's close, on the capture thread: every one of the n
   * flows the packets above touched fed to the sketches, in the bounded
   * steps the capture loop takes after its batches. */
  static struct pf_interval merged;
  pf_interval_init(&merged, 80, err, sizeof(err));
  pf_shard_swap_interval(&shard, false); /* the reader: nothing yet */
  t0 = now_seconds();
  while (shard.closing_open)
    pf_shard_batch_end(&shard);
  report("interval close (per flow fed)", now_seconds() - t0, n);

  /* the read side with n active flows: swap (O(1)), merge, reset */
  const int rounds = 100;
  double snap = 0;
  for (int r = 0; r < rounds; r++) {
    t0 = now_seconds();
    struct pf_counters copy = shard.counters;
    struct pf_interval *done = pf_shard_swap_interval(&shard, false);
    pf_interval_reset(&merged);
    if (done) {
      pf_interval_merge(&merged, done);
      pf_interval_reset(done);
    }
    (void)copy;
    snap += now_seconds() - t0;
    while (shard.closing_open) /* the capture thread, between reads */
      pf_shard_batch_end(&shard);
  }
  snap /= rounds;
  printf("%-34s %9.1f us (with %llu active flows)\n", "read: copy + swap + merge",
         snap * 1e6, (unsigned long long)pf_flow_table_count(&shard.flows));
  bench_rules_cost(&shard, n, make_cost);
  printf("%-34s %9ld MiB\n", "peak RSS", max_rss_kib() / 1024);
  pf_interval_free(&merged);
  pf_shard_free(&shard);
  pf_localnet_free(&local);
  free(frames);
  free(pkts);
  return 0;
}
