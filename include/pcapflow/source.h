/* source.h - one capture source: a live interface or a capture file, its
 * capture thread, and the counters that thread keeps.
 *
 * Lifecycle, libpcap-style: fill a struct pf_source_config (defaults from
 * pf_source_config_init), check it with pf_source_config_check, create the
 * source, start it, take snapshots, stop, free.
 *
 * Thread-safety: each capture worker alone decodes and counts into its
 * shard, holding the worker's spinlock from the first packet of a batch
 * (pcap_dispatch's, or the file reader's) to its end (never while libpcap
 * waits).
 * pf_source_snapshot takes each worker's spinlock only for a fixed-size
 * copy and a pointer swap, whatever the number of flows.
 * pf_source_start, pf_source_stop and pf_source_free are called from one
 * controlling thread. */
#ifndef PCAPFLOW_SOURCE_H
#define PCAPFLOW_SOURCE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pcapflow/config.h"
#include "pcapflow/counters.h"
#include "pcapflow/dns_stats.h"
#include "pcapflow/error.h"
#include "pcapflow/localnet.h"
#include "pcapflow/rules.h"
#include "pcapflow/stats.h"
#include "pcapflow/tls_stats.h"

enum pf_source_kind {
  PF_SOURCE_INTERFACE,
  PF_SOURCE_FILE,
};

#define PF_NAME_MAX 64

/* Defaults, documented in docs/CONFIG.md. The snapshot length covers the
 * deepest header stack the decoder reads in practice: SLL2 or Ethernet with
 * two VLAN tags, four MPLS labels and PPPoE (at most 54 bytes), IPv6 (40),
 * 166 bytes of extension headers and TCP with full options (60). */
#define PF_DEFAULT_SNAPLEN 320
#define PF_MIN_SNAPLEN 64
#define PF_MAX_SNAPLEN 262144
#define PF_DEFAULT_BUFFER_MIB 16
#define PF_MAX_BUFFER_MIB 4096
/* The read timeout (TPACKET_V3 block retire timeout) is no option; a build
 * may set another for bench/libpcap_sweep.sh (docs/PERFORMANCE.md). */
#ifndef PF_DEFAULT_TIMEOUT_MS
#define PF_DEFAULT_TIMEOUT_MS 100
#endif
#define PF_DEFAULT_RETRY_MAX_S 10
#define PF_DEFAULT_TOP_N 10
#define PF_MAX_TOP_N 100
/* Names per top-N list over a source's life. With collectd's rrdtool
 * plugin every name is a file of about 148 KB that stays: 100 names a list
 * keep a source's files in the low hundreds (docs/CONFIG.md, "Sizing"). */
#define PF_DEFAULT_TOP_SERIES_LIMIT 100
#define PF_MAX_WORKERS 64

/* Which groups of docs/METRICS.md a source reports (docs/CONFIG.md,
 * "Choosing what to report"). pf_source_new derives from them what the
 * packet path must do (struct pf_shard_config): a group that is off costs
 * no work per packet beyond a few counter increments. */
struct pf_report_config {
  bool by_protocol;            /* ReportByProtocol: protocols, IP versions,
                                  fragments */
  bool by_direction_basis;     /* ReportByDirectionBasis */
  bool by_size;                /* ReportBySize */
  bool by_class;               /* ReportByClass: per traffic class (rules) */
  bool tcp_flags;              /* CollectTcpFlags */
  bool malformed;              /* CollectMalformedReasons */
  bool capture_health;         /* CollectCaptureHealth */
  bool flows;                  /* CollectFlows */
  bool top[PF_TOP_KIND_COUNT]; /* CollectTopHosts, …Ports, …Flows */
  bool distinct;               /* CollectDistinctCounts */
  bool tcp_health; /* TcpAnalysis (copied from shard.tcp_analysis) */
};

struct pf_source_config {
  enum pf_source_kind kind;
  char name[PF_NAME_MAX]; /* plugin_instance; derived when left empty */
  char *device;           /* interface name or file path (owned) */
  char *filter;           /* BPF expression, or NULL (owned) */
  int snaplen;
  bool promiscuous;
  int buffer_mib;
  int timeout_ms;
  int retry_max_s;          /* longest wait between attempts to reopen */
  struct pf_localnet local; /* LocalNetwork prefixes (owned) */
  int workers;              /* capture threads (PACKET_FANOUT); files use one */
  struct pf_shard_config shard; /* max_flows counts for the whole source */
  int top_n;                    /* items reported per top-N list */
  int top_series_limit;         /* names per top-N list, ever; 0: no limit */
  struct pf_anomaly_config anomaly;
  struct pf_report_config report;
};

enum pf_log_level {
  PF_LOG_ERR = 3,
  PF_LOG_WARNING = 4,
  PF_LOG_NOTICE = 5,
  PF_LOG_INFO = 6,
};

/* What the host program lends the engine: how to start a thread (collectd
 * wants plugin_thread_create) and where log lines go. Messages are logged
 * on state changes only, never per packet. */
struct pf_hooks {
  int (*thread_create)(pthread_t *thread, void *(*start)(void *), void *arg,
                       const char *name);
  void (*log)(enum pf_log_level level, const char *message);
  /* SYN flood and port scan alarms (anomaly.h), from the thread that calls
   * pf_source_snapshot; NULL: none are raised. */
  void (*notify)(enum pf_notify_severity severity, const char *source,
                 const char *message);
  /* The clock anomaly windows are measured on, in seconds, read once by
   * each pf_source_snapshot that judges evidence; NULL: the monotonic
   * clock of the reads (collectd's). pcapflow-replay passes the packet
   * time of its reads, whose wall-clock time is too short to end a
   * window. */
  double (*clock)(void);
};

/* Capture health, summed over a source's workers. */
struct pf_health {
  uint64_t dropped_kernel;    /* ps_drop, summed across reopens */
  uint64_t dropped_interface; /* ps_ifdrop, summed across reopens */
  uint64_t opened;            /* successful opens */
  uint64_t open_failed;       /* failed attempts to open */
  uint32_t up;                /* workers open and capturing now */
  uint32_t finished;          /* workers that read a file to its end */
};

/* One reported top-N entry: a name fit for a type_instance, and the bytes
 * of the interval. */
struct pf_top_entry {
  char name[128];
  uint64_t bytes;
};

struct pf_top_list {
  uint32_t n; /* entries, the last of which is "other" */
  struct pf_top_entry entry[PF_MAX_TOP_N + 1];
};

/* Per traffic class counters of a source (docs/RULES.md), indexed as the
 * classes of `rules`. */
struct pf_class_snapshot {
  struct pf_rules *rules; /* a reference (pf_snapshot_release); NULL: none */
  uint32_t count;         /* classes, unclassified included; 0 without rules */
  struct pf_traffic traffic[PF_CLASS_SLOTS];
  uint64_t
      active[PF_CLASS_SLOTS]; /* flows, by the class of their first packet */
  /* This interval's handshake latency (SYN to ACK) of the flows of each
   * class, in seconds: p50, p90, p99, max; NaN without a sample. */
  double latency[PF_CLASS_SLOTS][PF_TCP_QUANTILE_COUNT];
  /* This interval's TCP timing figures (ClassTiming) of each class, by
   * enum pf_tcp_latency from PF_TCP_TIMING_FIRST; NaN without a sample. */
  double timing[PF_CLASS_SLOTS][PF_TCP_TIMING_COUNT][PF_TCP_QUANTILE_COUNT];
};

/* TCP timing per top service port (PortTiming): the figures of the
 * interval ending at this read, for the TCP ports of the top services list
 * named at the read before, and for every other port. */
struct pf_port_snapshot {
  bool enabled; /* PortTiming in effect: the series are walked */
  uint32_t n;   /* ports; figure[n] is every other port's */
  uint16_t port[PF_MAX_TOP_N];
  /* By enum pf_tcp_latency from PF_TCP_TIMING_FIRST (jitter is not kept
   * per port: NaN); NaN without a sample. */
  double figure[PF_MAX_TOP_N + 1][PF_TCP_TIMING_COUNT][PF_TCP_QUANTILE_COUNT];
};

struct pf_snapshot {
  char name[PF_NAME_MAX];
  struct pf_report_config report; /* what to dispatch of the rest */
  struct pf_counters counters;
  struct pf_health health;
  struct pf_flow_stats flows;
  struct pf_top_list top[PF_TOP_KIND_COUNT];
  double distinct_src_hosts, distinct_dst_hosts, distinct_dst_ports;
  struct pf_tcp_stats tcp;
  /* This interval's handshake latency in seconds, by enum pf_tcp_latency:
   * p50, p90, p99, max; NaN when the interval had no sample. */
  double tcp_latency[PF_TCP_LATENCY_COUNT][PF_TCP_QUANTILE_COUNT];
  struct pf_class_snapshot classes;
  struct pf_dns_snapshot dns;
  struct pf_top_list top_domains; /* queries by registered domain */
  struct pf_tls_snapshot tls;
  struct pf_top_list top_sni; /* bytes of flows by TLS server name */
  struct pf_port_snapshot port_timing;
};

struct pf_source;

/* The switch of `r` that the option named `option` sets (ReportByProtocol,
 * CollectTopHosts, …; docs/CONFIG.md, "Choosing what to report"; case is
 * ignored, as collectd does), or NULL when it names none. TcpAnalysis is
 * shard.tcp_analysis, and TopN 0 turns every top-N list off. */
bool *pf_report_switch(struct pf_report_config *r, const char *option);

void pf_source_config_init(struct pf_source_config *cfg,
                           enum pf_source_kind kind);
void pf_source_config_free(struct pf_source_config *cfg);

/* Fills in the derived name and checks every value (snapshot length, buffer,
 * name, the filter compiles; a file opens and has a supported link type).
 * Returns 0, or -1 with a message naming the offending value in err. */
int pf_source_config_check(struct pf_source_config *cfg, char *err,
                           size_t errlen);

/* Whether two source names would name the same series in a writer that
 * ignores case or turns '.' into '_' (write_graphite). */
bool pf_source_names_collide(const char *a, const char *b);
/* The DNS analysis' switch named `option` (DnsAnalysis,
 * CollectDnsLatency, CollectDnsTopDomains, DnsCompatIdentifiers;
 * case-insensitive), or NULL. */
bool *pf_dns_switch(struct pf_dns_config *dns, const char *option);
/* TlsAnalysis (case-insensitive) or NULL. */
bool *pf_tls_switch(struct pf_tls_config *tls, const char *option);
/* DnsPorts: the n ports given (1 to PF_MAX_DNS_PORTS of them, each 1 to
 * 65535, none twice) become dns's. Returns 0, or -1 with err naming the
 * option and the value, dns unchanged. */
int pf_dns_ports_set(struct pf_dns_config *dns, const uint32_t *ports,
                     unsigned n, char *err, size_t errlen);

/* The TCP timing switch named `option` (TcpTiming, ClassTiming,
 * PortTiming; case-insensitive), or NULL. */
bool *pf_timing_switch(struct pf_shard_config *shard, const char *option);

/* Takes ownership of *cfg (leaving it empty). Returns 0, or -1 with err. */
int pf_source_new(struct pf_source_config *cfg, const struct pf_hooks *hooks,
                  struct pf_source **out, char *err, size_t errlen);

/* Opens a file source now (so a bad file fails start-up) and starts the
 * capture thread. An interface that is missing is not an error here: the
 * thread retries it. Returns 0, or -1 with err. */
int pf_source_start(struct pf_source *src, char *err, size_t errlen);

/* Runs the capture loop in the calling thread until a file source reaches
 * its end or pf_source_stop is called; for tools without threads. Returns
 * 0; -1 with err when the file cannot be opened; 1 with err when the
 * file's reader (the source's own for a classic pcap file, libpcap's for
 * the rest) stopped before its end (a damaged record, an unsupported
 * pcapng block), with libpcap's words for it: the packets before are
 * counted. */
int pf_source_run(struct pf_source *src, char *err, size_t errlen);

/* pf_source_run_until stopped at its boundary of packet time. */
#define PF_SOURCE_PAUSED 2

/* pf_source_run in steps of packet time, for tools that read a file as
 * collectd reads a live source (pcapflow-replay -i): reads a file source
 * in the calling thread up to the first packet stamped at or after
 * until_us (microseconds since the epoch, two's complement as the
 * engine's clock reads them: a record stamped 0xFFFFFFFF seconds is
 * before 1970; UINT64_MAX: the end), and returns PF_SOURCE_PAUSED
 * with that packet's time in *next_us. The packet is held, not counted:
 * the next call counts it first, or stops before it again while it is at
 * or after that call's until_us. So a snapshot taken between two calls
 * holds exactly the packets stamped before the boundary, and every packet
 * is counted once. Each pause ends a packet-less batch too, as an idle
 * live link does, so the interval the last snapshot swapped out is ready
 * for the next one. until_us 0 stops before the first packet (its time is
 * the file's start). The first call opens the file; call on until 0 (the
 * end: the last packets are counted and the flows expired, as by
 * pf_source_run), -1 or 1 (as pf_source_run's); a later call returns the
 * same again. Never mix with pf_source_run or pf_source_start. Holds one
 * packet's copy (256 KiB, allocated at the first call). */
int pf_source_run_until(struct pf_source *src, uint64_t until_us,
                        uint64_t *next_us, char *err, size_t errlen);

/* Stops the capture thread and closes the handle. Safe to call twice, and
 * on a source that never started. */
void pf_source_stop(struct pf_source *src);
void pf_source_free(struct pf_source *src);

const char *pf_source_name(const struct pf_source *src);

/* Gives the source a rule set (rules.h; NULL: none), taking a reference;
 * a source whose report.by_class is off ignores it.
 * Each worker adopts it at its next batch boundary: the counters of the
 * classes it keeps (same name) carry on, dropped classes stop, active flows
 * of dropped classes count as unclassified. Call before start, or from the
 * thread that takes snapshots. Allocates here, never in the capture thread.
 * Returns 0, or -1 with err (the old rules stay). */
int pf_source_set_rules(struct pf_source *src, struct pf_rules *rules,
                        char *err, size_t errlen);

/* Copies the counters and health, and closes the current interval: its
 * top-N lists and distinct counts are computed into *out, its anomaly
 * evidence is judged (notifications through hooks.notify), and the next
 * interval starts. One reader at a time (collectd's read callback).
 * Release it with pf_snapshot_release before reusing or dropping it. */
void pf_source_snapshot(struct pf_source *src, struct pf_snapshot *out);

/* Drops what a snapshot holds (its rules reference). */
void pf_snapshot_release(struct pf_snapshot *snap);

#endif
