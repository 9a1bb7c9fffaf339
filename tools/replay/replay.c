/* replay.c - pcapflow-replay: run a capture file through the engine, exactly
 * as the collectd plugin would, and print the metrics it would dispatch.
 * For operators trying a configuration on a capture, for tests and benches. */
#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#include "pcapflow/metrics.h"
#include "pcapflow/rules.h"
#include "pcapflow/source.h"

static void pf_replay_log(enum pf_log_level level, const char *message) {
  if (level <= PF_LOG_WARNING)
    fprintf(stderr, "%s\n", message);
}

/* -N: the anomaly windows are measured on the packet time of the reads
 * (seconds), and each notification prints where its read's series do, as
 * "# notification SEVERITY TIME MESSAGE": TIME is the read's packet time
 * with -i, or "end+S" for a read S seconds after the file's one read. */
static double pf_replay_now;
static char pf_replay_when[48];

static double pf_replay_clock(void) { return pf_replay_now; }

static void pf_replay_notify(enum pf_notify_severity severity,
                             const char *source, const char *message) {
  (void)source; /* the message names it */
  printf("# notification %s %s %s\n",
         severity == PF_NOTIFY_WARNING ? "WARNING" : "OKAY", pf_replay_when,
         message);
}

/* The next read's time: with -i, packet time t_us (t0_us: the first
 * packet's); without, t_us microseconds after the file's one read. */
static void pf_replay_at(bool packet_time, uint64_t t_us, uint64_t t0_us) {
  if (packet_time) {
    /* From the first packet, so that the clock's seconds are small and a
     * whole-second step adds up exactly. */
    pf_replay_now = (double)(t_us - t0_us) / 1e6;
    snprintf(pf_replay_when, sizeof(pf_replay_when), "%llu.%06llu",
             (unsigned long long)(t_us / 1000000),
             (unsigned long long)(t_us % 1000000));
  } else {
    pf_replay_now = (double)t_us / 1e6;
    snprintf(pf_replay_when, sizeof(pf_replay_when), "end+%llu",
             (unsigned long long)(t_us / 1000000));
  }
}

/* Where the detector's window began, kept as the engine keeps it
 * (src/anomaly/anomaly_detect.c, with the same arithmetic): the first read
 * begins it, and the first read at least a window later judges it and
 * begins the next. Tells which reads after the file would judge. */
struct pf_replay_window {
  double start; /* the clock at the read that began it; < 0: none yet */
  double length;
};

/* Whether a read at pf_replay_now judges the window (and begins a new
 * one). */
static bool pf_replay_judges(struct pf_replay_window *w) {
  if (w->start < 0)
    w->start = pf_replay_now;
  if (pf_replay_now - w->start < w->length)
    return false;
  w->start = pf_replay_now;
  return true;
}

/* The source's own series print as "type-type_instance"; the others (per
 * traffic class) are prefixed with their plugin and plugin_instance,
 * "pcapflow_class-NAME/" or "pcapflow_class-NAME-p90/", as collectd's
 * identifiers are. */
static void pf_replay_print(const struct pf_metric *m, void *ctx) {
  const char *source = ctx;
  if (m->no_instance) /* collectd's dns plugin's identifiers: PLUGIN/ */
    printf("%s/", m->plugin);
  else if (strcmp(m->plugin, PF_METRICS_PLUGIN) != 0)
    printf("%s-%s%s%s/", m->plugin, source, m->instance_suffix ? "-" : "",
           m->instance_suffix ? m->instance_suffix : "");
  if (m->type_instance[0])
    printf("%s-%s", m->type, m->type_instance);
  else /* collectd writes a type without its instance */
    printf("%s", m->type);
  for (unsigned i = 0; i < m->n_values; i++) {
    if (m->kind == PF_METRIC_GAUGE && m->gauge == (double)(uint64_t)m->gauge)
      printf(" %llu", (unsigned long long)m->gauge); /* whole: exactly */
    else if (m->kind == PF_METRIC_GAUGE)
      printf(" %.6f", m->gauge); /* latencies to the microsecond */
    else
      printf(" %llu", (unsigned long long)m->derive[i]);
  }
  printf("\n");
}

/* CPU seconds (user + system) this process has used so far. */
static double pf_replay_cpu_seconds(const struct rusage *ru) {
  return (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec / 1e6 +
         (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec / 1e6;
}

static void pf_replay_report_timing(const struct pf_snapshot *snap) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  const uint64_t *all = snap->counters.traffic[PF_TRAFFIC_ALL].packets;
  double packets = (double)(all[PF_DIR_RX] + all[PF_DIR_TX]);
  double cpu = pf_replay_cpu_seconds(&ru);
  fprintf(stderr,
          "packets %.0f cpu_seconds %.3f packets_per_cpu_second %.0f "
          "ns_per_packet %.1f max_rss_kib %ld\n",
          packets, cpu, cpu > 0 ? packets / cpu : 0.0,
          packets > 0 ? cpu * 1e9 / packets : 0.0, ru.ru_maxrss);
}

/* -o DnsPorts=P[,P]...: the ports, by the engine's rules. */
static int pf_replay_dns_ports(struct pf_source_config *cfg, const char *list) {
  uint32_t ports[PF_MAX_DNS_PORTS + 1];
  unsigned n = 0;
  char err[PF_ERR_MAX], *end;
  for (const char *at = list; n <= PF_MAX_DNS_PORTS; at = end + 1) {
    unsigned long v = strtoul(at, &end, 10);
    if (end == at || (*end != ',' && *end != '\0') || v > UINT32_MAX) {
      fprintf(stderr,
              "pcapflow-replay: -o DnsPorts=%s: expected port numbers "
              "separated by commas\n",
              list);
      return -1;
    }
    ports[n++] = (uint32_t)v;
    if (*end == '\0')
      break;
  }
  if (pf_dns_ports_set(&cfg->shard.dns, ports, n, err, sizeof(err)) != 0) {
    fprintf(stderr, "pcapflow-replay: -o DnsPorts=%s: %s\n", list, err);
    return -1;
  }
  return 0;
}

/* -o SynFloodThreshold=N and its kin: the anomaly options within the
 * plugin's ranges (docs/CONFIG.md). Returns 1 when name is none of them. */
static int pf_replay_anomaly(struct pf_anomaly_config *a, const char *name,
                             const char *value) {
  static const struct {
    const char *name;
    unsigned long min, max;
    size_t offset;
  } opt[] = {
      {"SynFloodThreshold", 1, 1000000000,
       offsetof(struct pf_anomaly_config, syn_flood_threshold)},
      {"PortScanThreshold", 1, 5000,
       offsetof(struct pf_anomaly_config, port_scan_threshold)},
      {"AnomalyWindow", 1, 3600, offsetof(struct pf_anomaly_config, window_s)},
      {"AnomalyCooldown", 0, 86400,
       offsetof(struct pf_anomaly_config, cooldown_s)},
  };
  for (size_t i = 0; i < sizeof(opt) / sizeof(opt[0]); i++) {
    if (strcasecmp(name, opt[i].name) != 0)
      continue;
    char *end;
    unsigned long v = strtoul(value, &end, 10);
    if (end == value || *end != '\0' || value[0] == '-' || v < opt[i].min ||
        v > opt[i].max) {
      fprintf(stderr, "pcapflow-replay: -o %s=%s: expected %lu to %lu\n", name,
              value, opt[i].min, opt[i].max);
      return -1;
    }
    *(uint32_t *)((char *)a + opt[i].offset) = (uint32_t)v;
    return 0;
  }
  return 1;
}

/* -o OPT=VALUE: a report switch (true or false), TopN=N, DnsPorts=P,... or
 * an anomaly option. */
static int pf_replay_switch(struct pf_source_config *cfg, const char *arg) {
  char name[64];
  const char *eq = strchr(arg, '=');
  size_t len = eq ? (size_t)(eq - arg) : 0;
  if (!eq || len >= sizeof(name)) {
    fprintf(stderr, "pcapflow-replay: -o %s: expected OPTION=VALUE\n", arg);
    return -1;
  }
  memcpy(name, arg, len);
  name[len] = '\0';
  if (strcasecmp(name, "TopN") == 0) {
    cfg->top_n = atoi(eq + 1);
    return 0;
  }
  if (strcasecmp(name, "DnsPorts") == 0)
    return pf_replay_dns_ports(cfg, eq + 1);
  int anomaly = pf_replay_anomaly(&cfg->anomaly, name, eq + 1);
  if (anomaly <= 0)
    return anomaly;
  bool *sw = pf_report_switch(&cfg->report, name);
  if (!sw)
    sw = pf_dns_switch(&cfg->shard.dns, name);
  if (!sw)
    sw = pf_timing_switch(&cfg->shard, name);
  if (!sw)
    sw = pf_tls_switch(&cfg->shard.tls, name);
  bool on = strcasecmp(eq + 1, "true") == 0;
  if (!sw || (!on && strcasecmp(eq + 1, "false") != 0)) {
    fprintf(stderr,
            "pcapflow-replay: -o %s: not a report switch set to "
            "true or false\n",
            arg);
    return -1;
  }
  *sw = on;
  return 0;
}

static void pf_replay_usage(FILE *out) {
  fprintf(out,
          "usage: pcapflow-replay [-l CIDR]... [-f FILTER] [-s SNAPLEN] "
          "[-n NAME] [-m MAXFLOWS] [-r RULES] [-T] [-o OPT=VALUE]...\n"
          "                       [-i SECONDS] [-N] FILE\n"
          "Reads FILE (pcap or pcapng) through the pcapflow engine and prints "
          "every metric\nthe collectd plugin would dispatch for it, one "
          "\"type-type_instance values\" a line.\n"
          "  -l CIDR     a local network (repeatable), as LocalNetwork\n"
          "  -f FILTER   a BPF filter, as Filter\n"
          "  -s SNAPLEN  as SnapLen (matters for live capture only)\n"
          "  -n NAME     as Instance\n"
          "  -m N        as MaxFlows\n"
          "  -r RULES    a traffic rules file, as RulesFile (docs/RULES.md): "
          "adds its\n"
          "              local_networks and prints the per-class series as\n"
          "              \"pcapflow_class-NAME/type-class values\"\n"
          "  -T          as TcpAnalysis false\n"
          "  -o OPT=BOOL a report switch, as OPT true|false "
          "(ReportByProtocol,\n"
          "              CollectTopFlows, DnsAnalysis, TlsAnalysis, "
          "TcpTiming, …;\n"
          "              docs/CONFIG.md); -o TopN=N, -o DnsPorts=P,P... and "
          "the anomaly\n"
          "              options too (-o SynFloodThreshold=N, "
          "PortScanThreshold,\n"
          "              AnomalyWindow, AnomalyCooldown)\n"
          "  -i SECONDS  read FILE as collectd reads a live source every "
          "SECONDS of\n"
          "              packet time: a snapshot at each multiple of SECONDS "
          "from the\n"
          "              first packet, taken before the packet that crosses "
          "it is\n"
          "              counted, printed after a line "
          "\"# interval N end=TIME\" (the\n"
          "              boundary, in seconds of packet time); after two "
          "intervals\n"
          "              without a packet, the reads up to the next packet's "
          "interval\n"
          "              are skipped; a file without a packet stamped from "
          "1970 on\n"
          "              prints one snapshot after \"# interval 1 end=none\". "
          "Without -i\n"
          "              the file is read at once, in one snapshot\n"
          "  -N          also print the SYN flood and port scan "
          "notifications, each\n"
          "              before the series of the read that raised it, as\n"
          "              \"# notification WARNING|OKAY TIME MESSAGE\" "
          "(collectd's message).\n"
          "              Their windows are measured on packet time: TIME is "
          "the read's\n"
          "              (as \"# interval\"'s end=); without -i the file is "
          "one read and\n"
          "              TIME is \"end+S\", S seconds after it. After the "
          "file, the reads\n"
          "              go on (every SECONDS; without -i, every window) "
          "until two have\n"
          "              judged a window, printing nothing else: what is "
          "left raises its\n"
          "              WARNINGs, then every alarm still open its OKAY\n"
          "  -t          also print CPU time, packets per CPU-second and peak "
          "memory to stderr\n"
          "Exit status: 0; 1 when FILE was not read to its end (the metrics "
          "printed are\nthose of the packets before; stderr says why) or on "
          "an error; 2 on a bad option.\n");
}

/* What the command line asks for. */
struct pf_replay {
  struct pf_source_config cfg;
  struct pf_rules *rules; /* -r; NULL: none */
  bool timing;            /* -t */
  bool notify;            /* -N */
  uint32_t window_s;      /* the anomaly window (the source takes cfg) */
  uint64_t interval_us;   /* -i; 0: the file in one read */
};

/* -i SECONDS: packet time between reads, from a millisecond to a day. */
static int pf_replay_interval(struct pf_replay *r, const char *arg) {
  char *end;
  double s = strtod(arg, &end);
  if (end == arg || *end != '\0' || !(s >= 0.001 && s <= 86400)) {
    fprintf(stderr,
            "pcapflow-replay: -i %s: expected seconds from 0.001 to 86400\n",
            arg);
    return 2;
  }
  r->interval_us = (uint64_t)(s * 1e6 + 0.5);
  return 0;
}

/* One option into r. Returns 0, or the exit status on an error. */
static int pf_replay_option(struct pf_replay *r, int opt) {
  char err[PF_ERR_MAX];
  struct pf_prefix p;
  switch (opt) {
  case 'l':
    if (pf_prefix_parse(optarg, &p, err, sizeof(err)) != 0 ||
        pf_localnet_add(&r->cfg.local, &p, err, sizeof(err)) != 0) {
      fprintf(stderr, "pcapflow-replay: -l: %s\n", err);
      return 2;
    }
    return 0;
  case 'f':
    free(r->cfg.filter);
    r->cfg.filter = strdup(optarg);
    return 0;
  case 's':
    r->cfg.snaplen = atoi(optarg);
    return 0;
  case 'n':
    snprintf(r->cfg.name, sizeof(r->cfg.name), "%s", optarg);
    return 0;
  case 'm':
    r->cfg.shard.max_flows = (uint32_t)strtoul(optarg, NULL, 10);
    return 0;
  case 'r':
    pf_rules_free(r->rules);
    r->rules = NULL;
    if (pf_rules_load(optarg, &r->rules, err, sizeof(err)) != 0 ||
        pf_rules_add_local(r->rules, &r->cfg.local, err, sizeof(err)) != 0) {
      fprintf(stderr, "pcapflow-replay: -r: %s\n", err);
      return 2;
    }
    return 0;
  case 'o':
    return pf_replay_switch(&r->cfg, optarg) != 0 ? 2 : 0;
  case 'i':
    return pf_replay_interval(r, optarg);
  case 't':
    r->timing = true;
    return 0;
  case 'N':
    r->notify = true;
    return 0;
  case 'T':
    r->cfg.shard.tcp_analysis = false;
    return 0;
  case 'h':
    pf_replay_usage(stdout);
    return 0;
  default:
    pf_replay_usage(stderr);
    return 2;
  }
}

/* The command line into r. Returns -1 to go on, or the exit status. */
static int pf_replay_options(struct pf_replay *r, int argc, char **argv) {
  int opt;
  while ((opt = getopt(argc, argv, "l:f:s:n:m:r:o:i:tNTh")) != -1) {
    int status = pf_replay_option(r, opt);
    if (status != 0 || opt == 'h')
      return status;
  }
  if (optind != argc - 1) {
    pf_replay_usage(stderr);
    return 2;
  }
  r->cfg.device = strdup(argv[optind]);
  if (!r->rules) /* nothing per class: no flow table for it */
    r->cfg.report.by_class = false;
  return -1;
}

static void pf_replay_report(struct pf_source *src, bool timing) {
  struct pf_snapshot snap;
  pf_source_snapshot(src, &snap);
  pf_metrics_walk(&snap, pf_replay_print, snap.name);
  if (timing)
    pf_replay_report_timing(&snap);
  pf_snapshot_release(&snap);
}

/* -N: collectd goes on reading a source after its file ends, every step
 * (-i; without it, a window); of those reads, the two that judge a window
 * are made here, the others would raise nothing (the intervals after the
 * file are empty): the first judges the window the file ended in, the
 * second an empty one, so every alarm still open says OKAY. Only their
 * notifications print. end_us: the file's last read. At most
 * 2 * (window / step + 1) steps. */
static void pf_replay_after_end(struct pf_source *src,
                                struct pf_replay_window *w, bool packet_time,
                                uint64_t end_us, uint64_t t0_us,
                                uint64_t step_us) {
  for (int judged = 0; judged < 2;) {
    end_us += step_us;
    pf_replay_at(packet_time, end_us, t0_us);
    if (!pf_replay_judges(w))
      continue;
    struct pf_snapshot snap;
    pf_source_snapshot(src, &snap);
    pf_snapshot_release(&snap);
    judged++;
  }
}

/* Where -i is in the file: the first packet's time, the intervals' length,
 * the interval to read next (from 1), the held packet's time, and how many
 * intervals in a row had no packet. */
struct pf_replay_steps {
  uint64_t t0, step, k, next;
  unsigned empty;
};

/* The end of interval k: t0 + k * step. After two intervals in a row
 * without a packet, k moves on to the held packet's interval: the reads
 * between would hand nothing new over (shard.h, "Intervals"), and a file
 * with a long pause or a time jump prints a bounded number of intervals
 * (their numbers then skip). */
static uint64_t pf_replay_end(struct pf_replay_steps *s) {
  uint64_t end = s->t0 + s->k * s->step;
  /* Times are two's complement, as the engine reads them (run_until.c). */
  s->empty = (int64_t)s->next >= (int64_t)end ? s->empty + 1 : 0;
  if (s->empty > 2) {
    s->k = (s->next - s->t0) / s->step + 1;
    s->empty = 0;
    end = s->t0 + s->k * s->step;
  }
  return end;
}

/* -i: reads the file in steps of packet time and prints a snapshot at the
 * end of each interval, taken before the packet that crosses it is
 * counted, as collectd's read of a live source would be; the last one at
 * the file's end. Returns pf_source_run_until's result. */
static int pf_replay_intervals(struct pf_replay *r, struct pf_source *src,
                               char *err, size_t errlen) {
  struct pf_replay_steps s = {.t0 = 0, .step = r->interval_us, .k = 1};
  struct pf_replay_window w = {.start = -1, .length = r->window_s};
  int rc = pf_source_run_until(src, 0, &s.t0, err, errlen); /* the start */
  bool timed = rc == PF_SOURCE_PAUSED; /* else read whole: one snapshot */
  for (s.next = s.t0; rc >= 0; s.k++) {
    uint64_t end = pf_replay_end(&s);
    if (rc == PF_SOURCE_PAUSED)
      rc = pf_source_run_until(src, end, &s.next, err, errlen);
    if (rc < 0)
      break;
    if (!timed) /* no packet stamped from 1970 on: no boundary to name */
      printf("# interval 1 end=none\n");
    else
      printf("# interval %llu end=%llu.%06llu\n", (unsigned long long)s.k,
             (unsigned long long)(end / 1000000),
             (unsigned long long)(end % 1000000));
    pf_replay_at(timed, timed ? end : 0, s.t0);
    pf_replay_judges(&w);
    pf_replay_report(src, r->timing && rc != PF_SOURCE_PAUSED);
    if (rc != PF_SOURCE_PAUSED) {
      if (r->notify)
        pf_replay_after_end(src, &w, timed, timed ? end : 0, s.t0,
                            timed ? s.step : r->window_s * 1000000ull);
      break;
    }
  }
  return rc;
}

/* Reads the file and prints its metrics. A file that libpcap stopped
 * reading before its end prints the metrics of the packets before, and
 * fails. Returns the exit status. */
static int pf_replay_run(struct pf_replay *r) {
  char err[PF_ERR_MAX];
  if (pf_source_config_check(&r->cfg, err, sizeof(err)) != 0) {
    fprintf(stderr, "pcapflow-replay: %s\n", err);
    return 2;
  }
  struct pf_hooks hooks = {.thread_create = NULL,
                           .log = pf_replay_log,
                           .notify = r->notify ? pf_replay_notify : NULL,
                           .clock = pf_replay_clock};
  struct pf_source *src = NULL;
  r->window_s = r->cfg.anomaly.window_s;
  if (pf_source_new(&r->cfg, &hooks, &src, err, sizeof(err)) != 0) {
    fprintf(stderr, "pcapflow-replay: %s\n", err);
    return 1;
  }
  /* The source takes its own reference to the rules. */
  int rc = r->rules ? pf_source_set_rules(src, r->rules, err, sizeof(err)) : 0;
  if (rc == 0 && r->interval_us) {
    rc = pf_replay_intervals(r, src, err, sizeof(err));
  } else if (rc == 0) {
    rc = pf_source_run(src, err, sizeof(err));
    struct pf_replay_window w = {.start = -1, .length = r->window_s};
    pf_replay_at(false, 0, 0);
    pf_replay_judges(&w);
    if (rc >= 0)
      pf_replay_report(src, r->timing);
    if (rc == 0 && r->notify)
      pf_replay_after_end(src, &w, false, 0, 0, r->window_s * 1000000ull);
  }
  if (rc != 0)
    fprintf(stderr, "pcapflow-replay: %s\n", err);
  pf_source_free(src);
  return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  struct pf_replay r = {.rules = NULL,
                        .timing = false,
                        .notify = false,
                        .window_s = 0,
                        .interval_us = 0};
  pf_source_config_init(&r.cfg, PF_SOURCE_FILE);
  int status = pf_replay_options(&r, argc, argv);
  if (status < 0)
    status = pf_replay_run(&r);
  /* Every way out frees what the options made (LeakSanitizer holds the
   * error paths to it). */
  pf_rules_free(r.rules);
  pf_source_config_free(&r.cfg);
  return status;
}
