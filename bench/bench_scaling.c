/* bench_scaling.c - the engine's capacity with one capture worker and with
 * two, offline: does `Workers 2` give twice the packets per second on two
 * cores? (docs/PERFORMANCE.md, "Workers 2").
 *
 * Live, the sender (tcpreplay) takes one of this machine's two cores, so
 * the question cannot be answered on a veth. Here a capture is read into
 * memory once (the first SNAP bytes of each frame: every header the decoder
 * reads) and split in two by flow, with the engine's symmetric flow key and
 * keyed hash, as PACKET_FANOUT's hash mode splits by the kernel's symmetric
 * flow hash (a different function; the same property: both directions of a
 * flow go to one worker). Each half is copied into an array of its own, as
 * each fanout socket has a ring of its own: a worker reading every other
 * frame of one array would miss the hardware prefetcher's stride, which
 * made two shards on one thread cost 20-30% more a packet than one shard
 * (docs/PERFORMANCE.md, "Workers 2"). Then, interleaved run by run, after
 * one untimed round: the first flood run in a process spent 220-245 ms in
 * the kernel here, later ones under 12 ms, whichever mode ran first (memory
 * taken for the first time; in this VM most likely the hypervisor backing it):
 *   1 shard, 1 thread   every frame through one shard (MaxFlows M);
 *   2 shards, 2 threads each half through its own shard (M/2 each, as
 *                       capture.c shares MaxFlows out) on its own thread;
 *   2 shards, 1 thread  the same two halves one after the other: the work
 *                       of two shards without the parallelism.
 * Each thread runs the capture thread's per-packet path (capture.c):
 * decode, direction, the shard's spinlock taken at a batch's first packet,
 * pf_shard_enqueue, and at the batch's end the expiry step, the top-N batch
 * flush and the unlock. Reported: packets per wall-clock second and CPU
 * nanoseconds per packet (the process's CPU clock), median (min-max); the
 * share of that CPU time spent in the kernel, the page faults and the
 * involuntary context switches of a run (medians), which tell a run slowed
 * by memory first touched or by other processes on the cores from one
 * slowed by the engine.
 *
 * Usage: bench-scaling [-n FRAMES] [-r RUNS] [-b BATCH] [-o MODE]
 *                      [-m MAXFLOWS] [-l CIDR]... FILE
 * -o MODE runs one mode alone (1, 2 or 3, in the order above), for a
 * profiler. */
#include <getopt.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench_args.h"
#include "flow/flow.h"
#include "packet/decode.h"
#include "packet/direction.h"
#include "pcapflow/source.h"
#include "shard/shard.h"

#define SNAP 256 /* bytes kept of each frame */

struct frame {
  uint64_t ts_us;
  uint32_t caplen, len;
  uint8_t bytes[SNAP];
};

struct capture {
  int dlt;
  size_t n;
  struct frame *frames;
  struct frame *part[2]; /* the frames of each half, in capture order */
  size_t part_n[2];
};

struct worker {
  const struct capture *cap;
  const struct frame *frames;
  size_t n;
  unsigned batch;
  const struct pf_localnet *local;
  struct pf_shard shard;
  pthread_spinlock_t lock;
};

static double mono_seconds(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The capture thread's path for one list of frames, batch by batch. */
static void *worker_run(void *arg) {
  struct worker *w = arg;
  for (size_t i = 0; i < w->n;) {
    size_t end = i + w->batch < w->n ? i + w->batch : w->n;
    unsigned n = (unsigned)(end - i);
    bool locked = false;
    for (; i < end; i++) {
      const struct frame *f = &w->frames[i];
      struct pf_packet pkt;
      enum pf_locality locality;
      pf_decode(w->cap->dlt, f->bytes, f->caplen, f->len, &pkt);
      enum pf_dir dir = pf_direction(w->local, NULL, &pkt, &locality);
      if (!locked) {
        pthread_spin_lock(&w->lock);
        locked = true;
      }
      pf_shard_enqueue(&w->shard, &pkt, dir, locality, f->ts_us);
    }
    pf_shard_expire(&w->shard, w->shard.clock.now_us, 64 + 2 * n);
    pf_shard_batch_end(&w->shard);
    pthread_spin_unlock(&w->lock);
  }
  return NULL;
}

static int load(const char *path, size_t max_frames, struct capture *cap) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline(path, err);
  if (!p) {
    fprintf(stderr, "bench-scaling: %s\n", err);
    return -1;
  }
  cap->dlt = pcap_datalink(p);
  cap->frames = malloc(max_frames * sizeof(*cap->frames));
  for (int k = 0; k < 2; k++)
    cap->part[k] = malloc(max_frames * sizeof(*cap->part[k]));
  if (!cap->frames || !cap->part[0] || !cap->part[1]) {
    fprintf(stderr, "bench-scaling: out of memory\n");
    pcap_close(p);
    return -1;
  }
  uint64_t seed[4] = {0x9e3779b97f4a7c15u, 1, 2, 3}; /* fixed: repeatable */
  struct pcap_pkthdr *h;
  const u_char *bytes;
  while (cap->n < max_frames && pcap_next_ex(p, &h, &bytes) == 1) {
    struct frame *f = &cap->frames[cap->n++];
    f->ts_us = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
    f->caplen = h->caplen < SNAP ? h->caplen : SNAP;
    f->len = h->len;
    memcpy(f->bytes, bytes, f->caplen);
    struct pf_packet pkt;
    struct pf_flow_key key;
    uint8_t side;
    pf_decode(cap->dlt, f->bytes, f->caplen, f->len, &pkt);
    /* Frames without a flow key (not IP) alternate, as a hash of their
     * other fields would spread them. */
    unsigned k = pf_flow_key_of(&pkt, &key, &side)
                     ? (unsigned)(pf_hash_bytes(seed, &key, sizeof(key)) & 1)
                     : (unsigned)(cap->n & 1);
    cap->part[k][cap->part_n[k]++] = *f;
  }
  pcap_close(p);
  return 0;
}

/* What a run cost besides time: from getrusage before and after. */
struct run_cost {
  double sys_share; /* of the process's CPU time, in the kernel */
  double faults;    /* minor page faults */
  double preempted; /* involuntary context switches */
};

static double tv_seconds(struct timeval tv) {
  return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void run_cost_of(const struct rusage *a, const struct rusage *b,
                        struct run_cost *c) {
  double user = tv_seconds(b->ru_utime) - tv_seconds(a->ru_utime);
  double sys = tv_seconds(b->ru_stime) - tv_seconds(a->ru_stime);
  c->sys_share = user + sys > 0 ? sys / (user + sys) : 0;
  c->faults = (double)(b->ru_minflt - a->ru_minflt);
  c->preempted = (double)(b->ru_nivcsw - a->ru_nivcsw);
}

enum mode { ONE_SHARD, TWO_THREADS, TWO_SEQUENTIAL, MODE_COUNT };
static const char *mode_name[MODE_COUNT] = {
    "1 shard, 1 thread", "2 shards, 2 threads", "2 shards, 1 thread"};

/* One run of a mode: fills packets per wall second, CPU ns a packet and
 * what else it cost. */
static int run_mode(enum mode m, const struct capture *cap,
                    const struct pf_source_config *cfg, unsigned batch,
                    double *pps, double *cpu_ns, struct run_cost *cost) {
  unsigned shards = m == ONE_SHARD ? 1 : 2;
  struct worker w[2];
  char err[512];
  for (unsigned k = 0; k < shards; k++) {
    struct pf_shard_config sc = cfg->shard;
    sc.max_flows /= shards;
    w[k] = (struct worker){.cap = cap,
                           .frames = shards == 1 ? cap->frames : cap->part[k],
                           .n = shards == 1 ? cap->n : cap->part_n[k],
                           .batch = batch,
                           .local = &cfg->local};
    pthread_spin_init(&w[k].lock, PTHREAD_PROCESS_PRIVATE);
    if (pf_shard_init(&w[k].shard, &sc, err, sizeof(err)) != 0) {
      fprintf(stderr, "bench-scaling: %s\n", err);
      return -1;
    }
  }
  struct rusage ru0, ru1;
  getrusage(RUSAGE_SELF, &ru0);
  double wall0 = mono_seconds(CLOCK_MONOTONIC);
  double cpu0 = mono_seconds(CLOCK_PROCESS_CPUTIME_ID);
  if (m == TWO_THREADS) {
    pthread_t t[2];
    for (int k = 0; k < 2; k++)
      pthread_create(&t[k], NULL, worker_run, &w[k]);
    for (int k = 0; k < 2; k++)
      pthread_join(t[k], NULL);
  } else {
    for (unsigned k = 0; k < shards; k++)
      worker_run(&w[k]);
  }
  double wall = mono_seconds(CLOCK_MONOTONIC) - wall0;
  double cpu = mono_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
  getrusage(RUSAGE_SELF, &ru1);
  run_cost_of(&ru0, &ru1, cost);
  for (unsigned k = 0; k < shards; k++) {
    pf_shard_free(&w[k].shard);
    pthread_spin_destroy(&w[k].lock);
  }
  *pps = (double)cap->n / wall;
  *cpu_ns = cpu * 1e9 / (double)cap->n;
  return 0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof(*v), cmp_double);
  return v[(n - 1) / 2];
}

static void print_load(const char *when) {
  double l[3] = {0, 0, 0};
  FILE *f = fopen("/proc/loadavg", "r");
  if (f) {
    if (fscanf(f, "%lf %lf %lf", &l[0], &l[1], &l[2]) != 3)
      l[0] = l[1] = l[2] = 0;
    fclose(f);
  }
  printf("load average %s: %.2f %.2f %.2f\n", when, l[0], l[1], l[2]);
}

struct results {
  double pps[MODE_COUNT][99], cpu[MODE_COUNT][99];
  double sys[MODE_COUNT][99], faults[MODE_COUNT][99], preempted[MODE_COUNT][99];
};

/* One untimed round (every mode, or `only`), then `runs` timed rounds. */
static int measure(const struct capture *cap,
                   const struct pf_source_config *cfg, unsigned batch, int runs,
                   int only, struct results *res) {
  for (int r = -1; r < runs; r++) {
    for (int m = 0; m < MODE_COUNT; m++) {
      if (only >= 0 && m != only)
        continue;
      int k = r < 0 ? 0 : r; /* the warm-up's figures are overwritten */
      struct run_cost c;
      if (run_mode((enum mode)m, cap, cfg, batch, &res->pps[m][k],
                   &res->cpu[m][k], &c) != 0)
        return -1;
      res->sys[m][k] = c.sys_share;
      res->faults[m][k] = c.faults;
      res->preempted[m][k] = c.preempted;
    }
  }
  return 0;
}

static void report(struct results *res, int runs, int only) {
  printf("  %-20s %26s %24s %6s %8s %10s\n", "", "M packets/wall-s",
         "CPU ns/packet", "kernel", "faults", "preempted");
  double base = 0;
  for (int m = 0; m < MODE_COUNT; m++) {
    if (only >= 0 && m != only)
      continue;
    double p = median(res->pps[m], runs), c = median(res->cpu[m], runs);
    if (m == ONE_SHARD || base == 0)
      base = p;
    printf("  %-20s %7.2f (%5.2f-%5.2f) %5.2fx %9.0f (%4.0f-%4.0f) %5.1f%% "
           "%8.0f %10.0f\n",
           mode_name[m], p / 1e6, res->pps[m][0] / 1e6,
           res->pps[m][runs - 1] / 1e6, p / base, c, res->cpu[m][0],
           res->cpu[m][runs - 1], 100 * median(res->sys[m], runs),
           median(res->faults[m], runs), median(res->preempted[m], runs));
  }
}

int main(int argc, char **argv) {
  struct pf_source_config cfg;
  size_t max_frames = 500000;
  int runs = 5, only = -1, opt;
  unsigned batch = 4096;
  char err[512];

  pf_source_config_init(&cfg, PF_SOURCE_FILE);
  while ((opt = bench_getopt(argc, argv, "n:r:b:o:m:l:", "bench-scaling",
                             &cfg)) != -1) {
    switch (opt) {
    case 'n':
      max_frames = strtoul(optarg, NULL, 10);
      break;
    case 'r':
      runs = atoi(optarg);
      break;
    case 'b':
      batch = (unsigned)strtoul(optarg, NULL, 10);
      break;
    case 'o':
      only = atoi(optarg) - 1;
      break;
    default:
      fprintf(stderr, "usage: bench-scaling [-n FRAMES] [-r RUNS] [-b BATCH] "
                      "[-o MODE] [-m MAXFLOWS] [-l CIDR]... FILE\n");
      return 2;
    }
  }
  if (optind != argc - 1 || runs < 1 || runs > 99 || batch == 0 || only < -1 ||
      only >= MODE_COUNT || max_frames == 0) {
    fprintf(stderr, "bench-scaling: bad arguments\n");
    return 2;
  }
  cfg.device = strdup(argv[optind]); /* the check derives the sketch size */
  if (pf_source_config_check(&cfg, err, sizeof(err)) != 0) {
    fprintf(stderr, "bench-scaling: %s\n", err);
    return 2;
  }
  struct capture cap = {0};
  if (load(argv[optind], max_frames, &cap) != 0)
    return 1;
  printf("%zu frames (halves %zu and %zu), batches of %u, MaxFlows %u, "
         "%d interleaved runs\n",
         cap.n, cap.part_n[0], cap.part_n[1], batch, cfg.shard.max_flows, runs);
  print_load("at start");

  static struct results res;
  if (measure(&cap, &cfg, batch, runs, only, &res) != 0)
    return 1;
  print_load("at end");
  report(&res, runs, only);
  free(cap.frames);
  free(cap.part[0]);
  free(cap.part[1]);
  pf_source_config_free(&cfg);
  return 0;
}
