/* bench_rules.c - the rules engine's costs: load + compile time, memory of
 * the compiled set, and classify time per packet, for generated rule sets
 * (up to 100 classes and 10,000 CIDRs) and generated packets. Addresses
 * stay inside 198.18.0.0/15 and 2001:db8::/32. Prints one line per
 * scenario; bench/rules.sh runs it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "pcapflow/rules.h"
#include "rules/classify.h"

#define PACKETS (1u << 20)

/* ---- a seeded generator, so every run sees the same rules ---- */

static uint64_t rng_state;

static uint32_t rnd(uint32_t n) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32) % n;
}

/* CPU time, not wall time: on a busy machine the time the benchmark is
 * not running would otherwise count as its own. */
static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- rule sets ---- */

enum spread {
  SPREAD_CLUSTERED, /* IPv4 /20-/32 in 198.18.0.0/15, IPv6 /40-/64 */
  SPREAD_HOSTS_V6,  /* IPv6 /128 hosts anywhere in 2001:db8::/32 */
};

struct scenario {
  const char *name;
  int classes;
  int cidrs;
  enum spread spread;
};

/* One CIDR, host bits cleared. */
static void gen_cidr(enum spread spread, struct pf_prefix *p) {
  memset(p, 0, sizeof(*p));
  if (spread == SPREAD_HOSTS_V6 || rnd(10) < 3) {
    p->family = 6;
    p->length = (uint8_t)(spread == SPREAD_HOSTS_V6 ? 128 : 40 + rnd(25));
    static const uint8_t doc[4] = {0x20, 0x01, 0x0d, 0xb8};
    memcpy(p->addr, doc, 4);
    for (int i = 4; i < 16; i++)
      p->addr[i] = (uint8_t)rnd(256);
  } else {
    p->family = 4;
    p->length = (uint8_t)(20 + rnd(13));
    uint32_t a = (198u << 24 | 18u << 16) + rnd(1u << 17);
    p->addr[0] = (uint8_t)(a >> 24);
    p->addr[1] = (uint8_t)(a >> 16);
    p->addr[2] = (uint8_t)(a >> 8);
    p->addr[3] = (uint8_t)a;
  }
  for (int bit = p->length; bit < (p->family == 4 ? 32 : 128); bit++)
    p->addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
}

/* The prefixes of the current rule set, which packets are aimed at. */
static struct pf_prefix gen_prefixes[10000];
static size_t gen_n_prefixes;

static char *gen_rules(const struct scenario *sc, size_t *len) {
  static const char *const cidr_keys[] = {"cidr", "src_cidr", "dst_cidr"};
  gen_n_prefixes = 0;
  char *text = NULL;
  FILE *f = open_memstream(&text, len);
  fprintf(f, "local_networks:\n  - 198.18.0.0/15\n  - 2001:db8::/32\n");
  fprintf(f, "classes:\n");
  int per_class = sc->cidrs / sc->classes;
  for (int c = 0; c < sc->classes; c++) {
    fprintf(f, "  - name: class_%d\n", c);
    switch (c % 5) {
    case 0:
      fprintf(f, "    protocol: [tcp, udp]\n    port: [%u, %u-%u]\n", rnd(1024),
              1024 + c * 100, 1024 + c * 100 + rnd(100));
      break;
    case 1:
      fprintf(f, "    protocol: tcp\n    dst_port: %u\n", rnd(65536));
      break;
    case 2:
      fprintf(f, "    dscp: [%u, %u]\n", rnd(64), rnd(64));
      break;
    case 3:
      fprintf(f, "    vlan: %u-%u\n", c * 10, c * 10 + 9);
      break;
    default:
      break; /* CIDRs only */
    }
    if (per_class == 0)
      continue;
    fprintf(f, "    %s:\n", cidr_keys[c % 3]);
    for (int i = 0; i < per_class; i++) {
      struct pf_prefix *p = &gen_prefixes[gen_n_prefixes++];
      char cidr[96];
      gen_cidr(sc->spread, p);
      pf_prefix_format(p, cidr, sizeof(cidr));
      fprintf(f, "      - \"%s\"\n", cidr);
    }
  }
  fclose(f);
  return text;
}

/* ---- packets ---- */

struct bench_packet {
  struct pf_packet pkt;
  uint8_t src[16], dst[16];
};

/* Half the addresses inside a prefix of the rules (when the one picked is
 * of the family), the others anywhere in the documentation ranges. */
static void gen_address(int family, uint8_t out[16]) {
  memset(out, 0, 16);
  if (gen_n_prefixes && rnd(2)) {
    const struct pf_prefix *p = &gen_prefixes[rnd((uint32_t)gen_n_prefixes)];
    if (p->family == family) {
      memcpy(out, p->addr, 16);
      for (int bit = p->length; bit < (family == 4 ? 32 : 128); bit++)
        if (rnd(2))
          out[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
      return;
    }
  }
  if (family == 4) {
    uint32_t a = (198u << 24 | 18u << 16) + rnd(1u << 17);
    out[0] = (uint8_t)(a >> 24);
    out[1] = (uint8_t)(a >> 16);
    out[2] = (uint8_t)(a >> 8);
    out[3] = (uint8_t)a;
    return;
  }
  static const uint8_t doc[4] = {0x20, 0x01, 0x0d, 0xb8};
  memcpy(out, doc, 4);
  for (int i = 4; i < 16; i++)
    out[i] = (uint8_t)rnd(256);
}

/* Packets for the current rule set: TCP, UDP and others, a quarter of
 * them on a VLAN, addresses as gen_address gives them. */
static void gen_packets(struct bench_packet *p) {
  for (uint32_t i = 0; i < PACKETS; i++) {
    memset(&p[i], 0, sizeof(p[i]));
    struct pf_packet *k = &p[i].pkt;
    int family = rnd(10) < 7 ? 4 : 6;
    gen_address(family, p[i].src);
    gen_address(family, p[i].dst);
    k->l3 = family == 4 ? PF_L3_IPV4 : PF_L3_IPV6;
    k->malformed = PF_MAL_NONE;
    k->ip_proto = rnd(10) < 6 ? 6 : rnd(10) < 8 ? 17 : (uint8_t)rnd(256);
    k->has_ports = k->ip_proto == 6 || k->ip_proto == 17;
    k->src_port = (uint16_t)(rnd(2) ? rnd(1024) : rnd(65536));
    k->dst_port = (uint16_t)(rnd(2) ? rnd(1024) : rnd(65536));
    k->dscp = (uint8_t)rnd(64);
    if (rnd(4) == 0) {
      k->vlan_count = 1;
      k->vlan_outer = k->vlan_inner = (uint16_t)rnd(1000);
    }
    k->src_ip = p[i].src;
    k->dst_ip = p[i].dst;
  }
}

/* ---- measuring ---- */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static long max_rss_kib(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

static int run(const struct scenario *sc, struct bench_packet *pkts, int runs) {
  rng_state = 0x9e3779b97f4a7c15ull ^ (uint64_t)sc->cidrs;
  size_t len;
  char *yaml = gen_rules(sc, &len);
  gen_packets(pkts);
  char path[] = "/tmp/pcapflow-bench-rules-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0 || write(fd, yaml, len) != (ssize_t)len) {
    perror("bench_rules: temporary file");
    return -1;
  }
  close(fd);
  free(yaml);

  double load[16];
  struct pf_rules *r = NULL;
  char err[1024];
  for (int i = 0; i < runs; i++) {
    pf_rules_free(r);
    double t0 = now_s();
    if (pf_rules_load(path, &r, err, sizeof(err)) != 0) {
      fprintf(stderr, "bench_rules: %s\n", err);
      unlink(path);
      return -1;
    }
    load[i] = now_s() - t0;
  }
  unlink(path);
  qsort(load, (size_t)runs, sizeof(load[0]), cmp_double);

  double ns[16];
  uint64_t unclassified = 0;
  size_t unc = pf_rules_unclassified(r);
  for (int i = 0; i < runs; i++) {
    uint64_t sum = 0;
    double t0 = now_s();
    for (uint32_t k = 0; k < PACKETS; k++)
      sum += pf_rules_classify(r, &pkts[k].pkt) == unc;
    ns[i] = (now_s() - t0) * 1e9 / PACKETS;
    unclassified = sum;
  }
  qsort(ns, (size_t)runs, sizeof(ns[0]), cmp_double);

  printf("%-28s classes %3d  cidrs %5d  file %6.0f KiB  load+compile %7.2f "
         "ms  compiled %7.2f MiB  classify %5.1f ns/packet (min %.1f, max "
         "%.1f)  unclassified %4.1f%%\n",
         sc->name, sc->classes, sc->cidrs, (double)len / 1024,
         load[runs / 2] * 1e3, (double)pf_rules_memory(r) / (1 << 20),
         ns[runs / 2], ns[0], ns[runs - 1],
         100.0 * (double)unclassified / PACKETS);
  pf_rules_free(r);
  return 0;
}

int main(int argc, char **argv) {
  int runs = argc > 1 ? atoi(argv[1]) : 5;
  if (runs < 1 || runs > 16) {
    fprintf(stderr, "usage: bench-rules [RUNS 1..16]\n");
    return 2;
  }
  static const struct scenario scenarios[] = {
      {"no CIDRs", 100, 0, SPREAD_CLUSTERED},
      {"small", 10, 100, SPREAD_CLUSTERED},
      {"100 classes, 10k CIDRs", 100, 10000, SPREAD_CLUSTERED},
      {"100 classes, 10k v6 hosts", 100, 10000, SPREAD_HOSTS_V6},
  };
  struct bench_packet *pkts = malloc(PACKETS * sizeof(*pkts));
  if (!pkts) {
    fprintf(stderr, "bench_rules: out of memory\n");
    return 1;
  }
  printf("rules: %u packets a run (70%% IPv4, half the addresses inside a "
         "CIDR of the rules), CPU time, median of %d runs\n",
         PACKETS, runs);
  for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
    if (run(&scenarios[i], pkts, runs) != 0)
      return 1;
  printf("rules: peak RSS %.1f MiB (packets %.1f MiB of it)\n",
         (double)max_rss_kib() / 1024,
         (double)PACKETS * sizeof(*pkts) / (1 << 20));
  free(pkts);
  return 0;
}
