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
 * flush and the unlock.
 *
 * Every mode runs on two kinds of tables, interleaved: fresh ones, built
 * before the run and freed after it, and kept ones, built once per mode and
 * emptied between runs (every flow expired; their pages stay mapped). A
 * running collectd keeps its tables for its life, so the kept figure is
 * what `Workers 2` sees; the fresh one adds the first touch of every page
 * the tables take, which in this VM is uneven and mostly the host's: the
 * kernel zeroes each new 2 MiB page, at memory speed when the host still
 * backs it and some 25 times slower when it must back it again (an exit a
 * 4 KiB page), which happened to one thread of two far more often than to
 * one thread alone: up to 40% of two threads' CPU time in the kernel on
 * the flood (docs/PERFORMANCE.md, "Workers 2").
 *
 * Reported, for each kind of tables: packets per wall-clock second and CPU
 * nanoseconds per packet (the process's CPU clock), median (min-max); the
 * cores the run used (CPU time over wall time: under 2 for two threads
 * when one waited for a core), the share of that CPU time spent in the
 * kernel, the page faults, the involuntary context switches and the
 * times the shards' threads were moved to another CPU ("moved") in a run
 * (medians), which tell a run slowed by memory first touched, by other
 * processes on the cores or by the scheduler from one slowed by the
 * engine; for two threads, why the wall ratio falls short of twice
 * (report_two_threads).
 *
 * Usage: bench-scaling [-n FRAMES] [-r RUNS] [-b BATCH] [-o MODE]
 *                      [-t fresh|kept] [-a] [-m MAXFLOWS] [-l CIDR]... FILE
 * -o MODE runs one mode alone (1, 2 or 3, in the order above), -t one kind
 * of tables alone, for a profiler; -a pins the threads (pinned, above). */
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
  /* Its last run: when it started and ended (monotonic seconds), the
   * CPU time its thread used and the times the scheduler moved the thread
   * to another CPU; written once a run, by its thread. */
  double started, ended, cpu, migrations;
  struct pf_shard shard;
  pthread_spinlock_t lock;
};

static double mono_seconds(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The times the scheduler moved the calling thread to another CPU since
 * it started (se.nr_migrations in /proc/thread-self/sched, which kernels
 * built with scheduler statistics have), or 0. */
static double thread_migrations(void) {
  FILE *f = fopen("/proc/thread-self/sched", "r");
  char line[256];
  double n = 0;
  while (f && fgets(line, sizeof(line), f))
    if (strncmp(line, "se.nr_migrations", 16) == 0) {
      const char *colon = strchr(line, ':');
      n = colon ? strtod(colon + 1, NULL) : 0;
      break;
    }
  if (f)
    fclose(f);
  return n;
}

/* The capture thread's path for one list of frames, batch by batch. */
static void *worker_run(void *arg) {
  struct worker *w = arg;
  double migrations = thread_migrations();
  double started = mono_seconds(CLOCK_MONOTONIC);
  double cpu0 = mono_seconds(CLOCK_THREAD_CPUTIME_ID);
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
  w->cpu = mono_seconds(CLOCK_THREAD_CPUTIME_ID) - cpu0;
  w->started = started;
  w->ended = mono_seconds(CLOCK_MONOTONIC);
  w->migrations = thread_migrations() - migrations;
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

/* How a run's shards are had: built for the run and freed after it, so
 * that every run first touches their memory; or built once per mode and
 * emptied between runs, their pages kept, as a running collectd keeps its
 * tables. */
enum tables { FRESH, KEPT, TABLES_COUNT };
static const char *tables_name[TABLES_COUNT] = {
    "fresh tables: built and freed around every run (first touch in each)",
    "kept tables: built once, emptied between runs (a running plugin)"};

static unsigned shards_of(enum mode m) { return m == ONE_SHARD ? 1 : 2; }

/* Builds mode m's shards over the capture's frames (the whole of it, or
 * one half each). */
static int workers_init(enum mode m, const struct capture *cap,
                        const struct pf_source_config *cfg, unsigned batch,
                        struct worker *w) {
  unsigned shards = shards_of(m);
  char err[512];
  for (unsigned k = 0; k < shards; k++) {
    struct pf_shard_config sc = cfg->shard;
    sc.max_flows /= shards; /* as capture.c shares MaxFlows out */
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
  return 0;
}

static void workers_free(enum mode m, struct worker *w) {
  for (unsigned k = 0; k < shards_of(m); k++) {
    pf_shard_free(&w[k].shard);
    pthread_spin_destroy(&w[k].lock);
  }
}

/* Expires every flow of mode m's shards (their clocks moved on by the
 * longest wait; the next run's first frame, far behind, resyncs them, as a
 * clock stepped back would), so the next run starts from empty tables
 * whose pages are already mapped. */
static int workers_empty(enum mode m, struct worker *w) {
  for (unsigned k = 0; k < shards_of(m); k++) {
    struct pf_shard *s = &w[k].shard;
    pf_shard_expire_all(s, s->clock.now_us + s->clock.max_step_us);
    if (pf_flow_table_count(&s->flows) != 0) {
      fprintf(stderr, "bench-scaling: %llu flows left after expiry\n",
              (unsigned long long)pf_flow_table_count(&s->flows));
      return -1;
    }
  }
  return 0;
}

/* What one run gave. */
struct run_figures {
  double pps, cpu_ns;
  double cores; /* CPU time over wall time: 2 when both threads ran */
  struct run_cost cost;
  /* Two threads: why the wall ratio is short of twice the CPU ratio. The
   * busier thread's share of the two threads' CPU time (0.5 when the
   * halves cost the same), the share of the wall it was on a core (1 when
   * it was never preempted and started at once), and each thread's CPU ns
   * a packet of its own half. */
  double busier, on_core, half_ns[2];
  double migrations; /* of the threads that ran the shards */
};

/* -a: each thread on a core of its own, the two threads on CPUs 0 and 1
 * and the one-thread modes (the main thread) on CPU 0, as a capture thread
 * pinned to a core would be. Unpinned, the scheduler places them, and
 * where it moves a thread, the thread's working set must come back from
 * the shared cache or memory into the new core's own caches. */
static bool pinned;

static void pin_attr(pthread_attr_t *attr, int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_attr_setaffinity_np(attr, sizeof(set), &set);
}

/* Runs mode m once over shards already built. */
static void timed_run(enum mode m, const struct capture *cap, struct worker *w,
                      struct run_figures *f) {
  struct rusage ru0, ru1;
  getrusage(RUSAGE_SELF, &ru0);
  double wall0 = mono_seconds(CLOCK_MONOTONIC);
  double cpu0 = mono_seconds(CLOCK_PROCESS_CPUTIME_ID);
  if (m == TWO_THREADS) {
    pthread_t t[2];
    for (int k = 0; k < 2; k++) {
      pthread_attr_t attr;
      pthread_attr_init(&attr);
      if (pinned)
        pin_attr(&attr, k);
      pthread_create(&t[k], &attr, worker_run, &w[k]);
      pthread_attr_destroy(&attr);
    }
    for (int k = 0; k < 2; k++)
      pthread_join(t[k], NULL);
  } else {
    for (unsigned k = 0; k < shards_of(m); k++)
      worker_run(&w[k]);
  }
  double wall = mono_seconds(CLOCK_MONOTONIC) - wall0;
  double cpu = mono_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
  getrusage(RUSAGE_SELF, &ru1);
  run_cost_of(&ru0, &ru1, &f->cost);
  f->pps = (double)cap->n / wall;
  f->cpu_ns = cpu * 1e9 / (double)cap->n;
  f->cores = cpu / wall;
  f->busier = f->on_core = f->half_ns[0] = f->half_ns[1] = 0;
  f->migrations = 0;
  for (unsigned k = 0; k < shards_of(m); k++)
    f->migrations += w[k].migrations;
  if (m == TWO_THREADS) {
    double busier = w[0].cpu > w[1].cpu ? w[0].cpu : w[1].cpu;
    f->busier = busier / (w[0].cpu + w[1].cpu);
    f->on_core = busier / wall;
    for (int k = 0; k < 2; k++)
      f->half_ns[k] = w[k].cpu * 1e9 / (double)w[k].n;
  }
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

/* Every run's figures, by tables and mode. */
struct series {
  double pps[99], cpu[99], cores[99], sys[99], faults[99], preempted[99];
  double busier[99], on_core[99], half_ns[2][99], migrations[99];
};
struct results {
  struct series s[TABLES_COUNT][MODE_COUNT];
};

static void record(struct series *s, int k, const struct run_figures *f) {
  s->pps[k] = f->pps;
  s->cpu[k] = f->cpu_ns;
  s->cores[k] = f->cores;
  s->sys[k] = f->cost.sys_share;
  s->faults[k] = f->cost.faults;
  s->preempted[k] = f->cost.preempted;
  s->busier[k] = f->busier;
  s->on_core[k] = f->on_core;
  s->half_ns[0][k] = f->half_ns[0];
  s->half_ns[1][k] = f->half_ns[1];
  s->migrations[k] = f->migrations;
}

/* What to measure: every mode or one (`mode` >= 0), with fresh tables,
 * kept ones, or both (`tables` < 0). */
struct plan {
  int runs, mode, tables;
};

static bool planned(const struct plan *p, int m, int t) {
  return (p->mode < 0 || p->mode == m) && (p->tables < 0 || p->tables == t);
}

/* One round: each mode in turn, on fresh tables then on its kept ones
 * (emptied after). Round -1 is the untimed one: its figures are
 * overwritten. */
static int round_of(const struct capture *cap,
                    const struct pf_source_config *cfg, unsigned batch,
                    const struct plan *p, struct worker (*kept)[2], int r,
                    struct results *res) {
  static struct worker fresh[2];
  int k = r < 0 ? 0 : r;
  struct run_figures f;
  for (int m = 0; m < MODE_COUNT; m++) {
    if (planned(p, m, FRESH)) {
      if (workers_init((enum mode)m, cap, cfg, batch, fresh) != 0)
        return -1;
      timed_run((enum mode)m, cap, fresh, &f);
      workers_free((enum mode)m, fresh);
      record(&res->s[FRESH][m], k, &f);
    }
    if (planned(p, m, KEPT)) {
      timed_run((enum mode)m, cap, kept[m], &f);
      record(&res->s[KEPT][m], k, &f);
      if (workers_empty((enum mode)m, kept[m]) != 0)
        return -1;
    }
  }
  return 0;
}

/* The kept tables built, one untimed round, then `runs` timed rounds. */
static int measure(const struct capture *cap,
                   const struct pf_source_config *cfg, unsigned batch,
                   const struct plan *p, struct results *res) {
  static struct worker kept[MODE_COUNT][2];
  int rc = 0, built = 0; /* modes [0, built) have their kept tables */
  while (built < MODE_COUNT && rc == 0) {
    if (planned(p, built, KEPT))
      rc = workers_init((enum mode)built, cap, cfg, batch, kept[built]);
    built += rc == 0;
  }
  for (int r = -1; r < p->runs && rc == 0; r++)
    rc = round_of(cap, cfg, batch, p, kept, r, res);
  for (int m = 0; m < built; m++)
    if (planned(p, m, KEPT))
      workers_free((enum mode)m, kept[m]);
  return rc;
}

/* The two-thread mode's wall ratio is the product of three factors: one
 * shard's CPU a packet over two threads', 1 / (2 x the busier thread's
 * share of the CPU), and the share of the wall the busier thread was on a
 * core; the last two are printed here (medians, min-max), with each
 * thread's CPU a packet of its half. */
static void report_two_threads(struct series *x, int runs) {
  /* median() sorts: every median first, then the min and max read. */
  double busier = median(x->busier, runs), on_core = median(x->on_core, runs);
  double half0 = median(x->half_ns[0], runs),
         half1 = median(x->half_ns[1], runs);
  printf("  2 threads: the busier had %.1f%% of their CPU (%.1f-%.1f; "
         "%.3fx), on a core %.1f%% of the wall (%.1f-%.1f); CPU ns a packet "
         "of each half %.0f (%.0f-%.0f) and %.0f (%.0f-%.0f)\n",
         100 * busier, 100 * x->busier[0], 100 * x->busier[runs - 1],
         1 / (2 * busier), 100 * on_core, 100 * x->on_core[0],
         100 * x->on_core[runs - 1], half0, x->half_ns[0][0],
         x->half_ns[0][runs - 1], half1, x->half_ns[1][0],
         x->half_ns[1][runs - 1]);
}

static void report_tables(struct series *s, int runs, const struct plan *p,
                          int t) {
  printf("%s\n", tables_name[t]);
  printf("  %-20s %26s %24s %6s %6s %7s %10s %6s\n", "", "M packets/wall-s",
         "CPU ns/packet", "cores", "kernel", "faults", "preempted", "moved");
  double base = 0;
  for (int m = 0; m < MODE_COUNT; m++) {
    if (!planned(p, m, t))
      continue;
    struct series *x = &s[m];
    double pps = median(x->pps, runs), c = median(x->cpu, runs);
    if (m == ONE_SHARD || base == 0)
      base = pps;
    printf("  %-20s %7.2f (%5.2f-%5.2f) %5.2fx %9.0f (%4.0f-%4.0f) %6.2f "
           "%5.1f%% %7.0f %10.0f %6.0f\n",
           mode_name[m], pps / 1e6, x->pps[0] / 1e6, x->pps[runs - 1] / 1e6,
           pps / base, c, x->cpu[0], x->cpu[runs - 1], median(x->cores, runs),
           100 * median(x->sys, runs), median(x->faults, runs),
           median(x->preempted, runs), median(x->migrations, runs));
  }
  if (planned(p, TWO_THREADS, t))
    report_two_threads(&s[TWO_THREADS], runs);
}

static void report(struct results *res, const struct plan *p) {
  for (int t = 0; t < TABLES_COUNT; t++)
    if (p->tables < 0 || p->tables == t)
      report_tables(res->s[t], p->runs, p, t);
}

/* -t's argument: "fresh" or "kept" (FRESH or KEPT), else -2 with a
 * message. */
static int tables_arg(const char *a) {
  if (strcmp(a, "fresh") == 0)
    return FRESH;
  if (strcmp(a, "kept") == 0)
    return KEPT;
  fprintf(stderr, "bench-scaling: -t: \"%s\": fresh or kept\n", a);
  return -2;
}

int main(int argc, char **argv) {
  struct pf_source_config cfg;
  size_t max_frames = 500000;
  struct plan plan = {.runs = 5, .mode = -1, .tables = -1};
  int opt;
  unsigned batch = 4096;
  char err[512];

  pf_source_config_init(&cfg, PF_SOURCE_FILE);
  while ((opt = bench_getopt(argc, argv, "n:r:b:o:t:am:l:", "bench-scaling",
                             &cfg)) != -1) {
    switch (opt) {
    case 'n':
      max_frames = strtoul(optarg, NULL, 10);
      break;
    case 'r':
      plan.runs = atoi(optarg);
      break;
    case 'b':
      batch = (unsigned)strtoul(optarg, NULL, 10);
      break;
    case 'o':
      plan.mode = atoi(optarg) - 1;
      break;
    case 't':
      plan.tables = tables_arg(optarg);
      break;
    case 'a':
      pinned = true;
      break;
    default:
      fprintf(stderr,
              "usage: bench-scaling [-n FRAMES] [-r RUNS] [-b BATCH] "
              "[-o MODE] [-t fresh|kept] [-a] [-m MAXFLOWS] [-l CIDR]... "
              "FILE\n");
      return 2;
    }
  }
  if (optind != argc - 1 || plan.runs < 1 || plan.runs > 99 || batch == 0 ||
      plan.mode < -1 || plan.mode >= MODE_COUNT || plan.tables < -1 ||
      max_frames == 0) {
    fprintf(stderr, "bench-scaling: bad arguments\n");
    return 2;
  }
  cfg.device = strdup(argv[optind]); /* the check derives the sketch size */
  if (pf_source_config_check(&cfg, err, sizeof(err)) != 0) {
    fprintf(stderr, "bench-scaling: %s\n", err);
    return 2;
  }
  if (pinned) { /* the main thread runs the one-thread modes */
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
  }
  struct capture cap = {0};
  if (load(argv[optind], max_frames, &cap) != 0)
    return 1;
  printf("%zu frames (halves %zu and %zu), batches of %u, MaxFlows %u, "
         "%d interleaved runs%s\n",
         cap.n, cap.part_n[0], cap.part_n[1], batch, cfg.shard.max_flows,
         plan.runs, pinned ? ", threads pinned" : "");
  print_load("at start");

  static struct results res;
  if (measure(&cap, &cfg, batch, &plan, &res) != 0)
    return 1;
  print_load("at end");
  report(&res, &plan);
  free(cap.frames);
  free(cap.part[0]);
  free(cap.part[1]);
  pf_source_config_free(&cfg);
  return 0;
}
