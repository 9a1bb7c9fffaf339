/* config.c - defaults and validation of a source's configuration.
 * Every error names the option and the value, so the adapter can pass it
 * on to the operator as it is. */
#include "source/worker.h"

#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void pf_source_config_init(struct pf_source_config *cfg,
                           enum pf_source_kind kind) {
  memset(cfg, 0, sizeof(*cfg));
  cfg->kind = kind;
  cfg->snaplen = PF_DEFAULT_SNAPLEN;
  cfg->promiscuous = false;
  cfg->buffer_mib = PF_DEFAULT_BUFFER_MIB;
  cfg->timeout_ms = PF_DEFAULT_TIMEOUT_MS;
  cfg->retry_max_s = PF_DEFAULT_RETRY_MAX_S;
  pf_localnet_init(&cfg->local);
  cfg->workers = 1;
  cfg->top_n = PF_DEFAULT_TOP_N;
  cfg->top_series_limit = PF_DEFAULT_TOP_SERIES_LIMIT;
  cfg->anomaly = (struct pf_anomaly_config){
      .syn_flood_threshold = PF_DEFAULT_SYN_FLOOD_THRESHOLD,
      .port_scan_threshold = PF_DEFAULT_PORT_SCAN_THRESHOLD,
      .window_s = PF_DEFAULT_ANOMALY_WINDOW,
      .cooldown_s = PF_DEFAULT_ANOMALY_COOLDOWN,
  };
  cfg->shard = (struct pf_shard_config){
      .max_flows = PF_DEFAULT_MAX_FLOWS,
      .timeouts = {.tcp_s = PF_DEFAULT_TCP_TIMEOUT,
                   .tcp_closed_s = PF_DEFAULT_TCP_CLOSED_TIMEOUT,
                   .udp_s = PF_DEFAULT_UDP_TIMEOUT,
                   .icmp_s = PF_DEFAULT_ICMP_TIMEOUT,
                   .other_s = PF_DEFAULT_OTHER_TIMEOUT,
                   .active_s = PF_DEFAULT_ACTIVE_TIMEOUT},
      .top_capacity = 0, /* derived from top_n by the check */
      .host_prefix_v4 = 32,
      .host_prefix_v6 = 128,
      .tcp_analysis = true,
      .tcp_syn_timeout_s = PF_DEFAULT_TCP_SYN_TIMEOUT,
      .tcp_timing = true,
      .class_timing = true,
      .dns = {.analysis = true,
              .latency = true,
              .top_domains = true,
              .timeout_s = PF_DEFAULT_DNS_TIMEOUT,
              .pending = PF_DEFAULT_DNS_PENDING,
              .ports = {PF_DEFAULT_DNS_PORT},
              .n_ports = 1},
      .tls = {.analysis = true},
  };
  /* Everything but the top flows, whose names carry ephemeral ports: each
   * new flow would be a new series (an RRD file) until the name budget is
   * spent, and "other" after that. */
  cfg->report = (struct pf_report_config){
      .by_protocol = true,
      .by_direction_basis = true,
      .by_size = true,
      .by_class = true,
      .tcp_flags = true,
      .malformed = true,
      .capture_health = true,
      .flows = true,
      .top = {[PF_TOP_HOSTS] = true, [PF_TOP_PORTS] = true},
      .distinct = true,
      .tcp_health = true,
  };
}

bool *pf_dns_switch(struct pf_dns_config *dns, const char *option) {
  if (strcasecmp(option, "DnsAnalysis") == 0)
    return &dns->analysis;
  if (strcasecmp(option, "CollectDnsLatency") == 0)
    return &dns->latency;
  if (strcasecmp(option, "CollectDnsTopDomains") == 0)
    return &dns->top_domains;
  if (strcasecmp(option, "DnsCompatIdentifiers") == 0)
    return &dns->compat;
  return NULL;
}

bool *pf_timing_switch(struct pf_shard_config *shard, const char *option) {
  if (strcasecmp(option, "TcpTiming") == 0)
    return &shard->tcp_timing;
  if (strcasecmp(option, "ClassTiming") == 0)
    return &shard->class_timing;
  if (strcasecmp(option, "PortTiming") == 0)
    return &shard->port_timing;
  return NULL;
}

bool *pf_tls_switch(struct pf_tls_config *tls, const char *option) {
  return strcasecmp(option, "TlsAnalysis") == 0 ? &tls->analysis : NULL;
}

void pf_source_config_free(struct pf_source_config *cfg) {
  free(cfg->device);
  free(cfg->filter);
  pf_localnet_free(&cfg->local);
  cfg->device = NULL;
  cfg->filter = NULL;
}

/* The file's base name without its extension: "/data/day1.pcapng" → "day1". */
static void pf_name_from_path(const char *path, char *name, size_t size) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t len = strlen(base);
  const char *dot = strrchr(base, '.');
  if (dot && dot != base)
    len = (size_t)(dot - base);
  if (len >= size)
    len = size - 1;
  memcpy(name, base, len);
  name[len] = '\0';
}

/* Names become collectd's plugin_instance and survive every writer: keep
 * to characters no writer rewrites or splits on. */
static int pf_name_check(const char *name, char *err, size_t errlen) {
  if (name[0] == '\0') {
    return pf_err(err, errlen, "Instance \"\" is empty");
  }
  for (const char *c = name; *c; c++) {
    bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' || *c == '.';
    if (!ok) {
      return pf_err(
          err, errlen,
          "Instance \"%s\": only letters, digits, '_', '-' and '.' are "
          "allowed (set Instance to rename the source)",
          name);
    }
  }
  return 0;
}

/* The name as the most forgiving writer stores it: write_graphite turns
 * '.' into its escape character ('_'), and stores on case-insensitive
 * file systems or with case-insensitive lookups ignore case. */
static char pf_name_fold_char(char c) {
  if (c >= 'A' && c <= 'Z')
    return (char)(c - 'A' + 'a');
  return c == '.' ? '_' : c;
}

bool pf_source_names_collide(const char *a, const char *b) {
  for (; *a && *b; a++, b++)
    if (pf_name_fold_char(*a) != pf_name_fold_char(*b))
      return false;
  return *a == *b;
}

static int pf_filter_check(const struct pf_source_config *cfg, int dlt,
                           char *err, size_t errlen) {
  if (!cfg->filter)
    return 0;
  pcap_t *dead = pcap_open_dead(dlt, cfg->snaplen);
  if (!dead) {
    return pf_err(err, errlen, "Filter \"%s\": cannot check it (out of memory)",
                  cfg->filter);
  }
  struct bpf_program prog;
  int rc = pcap_compile(dead, &prog, cfg->filter, 1, PCAP_NETMASK_UNKNOWN);
  if (rc != 0)
    pf_err(err, errlen, "Filter \"%s\" is not a valid BPF expression: %s",
           cfg->filter, pcap_geterr(dead));
  else
    pcap_freecode(&prog);
  pcap_close(dead);
  return rc == 0 ? 0 : -1;
}

int pf_source_config_check(struct pf_source_config *cfg, char *err,
                           size_t errlen) {
  if (!cfg->device || cfg->device[0] == '\0') {
    return pf_err(err, errlen, "%s \"\": a name is required",
                  cfg->kind == PF_SOURCE_FILE ? "File" : "Interface");
  }
  if (cfg->name[0] == '\0') {
    if (cfg->kind == PF_SOURCE_FILE)
      pf_name_from_path(cfg->device, cfg->name, sizeof(cfg->name));
    else
      snprintf(cfg->name, sizeof(cfg->name), "%s", cfg->device);
    if (cfg->name[0] == '\0') /* "/dir/", ".pcap" */
      return pf_err(err, errlen,
                    "cannot name the source after \"%s\", which has no "
                    "base name (set Instance)",
                    cfg->device);
  }
  if (pf_name_check(cfg->name, err, errlen) != 0)
    return -1;
  if (cfg->snaplen < PF_MIN_SNAPLEN || cfg->snaplen > PF_MAX_SNAPLEN) {
    return pf_err(err, errlen, "SnapLen %d is out of range (%d to %d)",
                  cfg->snaplen, PF_MIN_SNAPLEN, PF_MAX_SNAPLEN);
  }
  if (cfg->buffer_mib < 1 || cfg->buffer_mib > PF_MAX_BUFFER_MIB) {
    return pf_err(err, errlen, "BufferSize %d is out of range (1 to %d MiB)",
                  cfg->buffer_mib, PF_MAX_BUFFER_MIB);
  }

  if (cfg->workers < 1 || cfg->workers > PF_MAX_WORKERS) {
    return pf_err(err, errlen, "Workers %d is out of range (1 to %d)",
                  cfg->workers, PF_MAX_WORKERS);
  }
  if (cfg->top_n < 0 || cfg->top_n > PF_MAX_TOP_N) {
    return pf_err(err, errlen, "TopN %d is out of range (0 to %d)", cfg->top_n,
                  PF_MAX_TOP_N);
  }
  if (cfg->top_series_limit != 0 && cfg->top_series_limit < cfg->top_n) {
    return pf_err(err, errlen,
                  "TopSeriesLimit %d is below TopN %d (0 means no limit)",
                  cfg->top_series_limit, cfg->top_n);
  }
  if (cfg->shard.max_flows < (uint32_t)cfg->workers) {
    return pf_err(err, errlen, "MaxFlows %u is below Workers %d",
                  cfg->shard.max_flows, cfg->workers);
  }
  /* A waiting flow's age is read in first32, which wraps at 2^32 units
   * (71.6 min in microseconds, ActiveTimeout 0): a SYN timeout of an hour
   * at most keeps every waiting flow's age readable (tcp.c,
   * pf_tcp_wait_over), which the file's final sweep relies on too. */
  if (cfg->shard.tcp_syn_timeout_s < 1 || cfg->shard.tcp_syn_timeout_s > 3600) {
    return pf_err(err, errlen, "TcpSynTimeout %u is out of range (1 to 3600 s)",
                  cfg->shard.tcp_syn_timeout_s);
  }
  const struct pf_dns_config *dns = &cfg->shard.dns;
  if (dns->timeout_s < 1 || dns->timeout_s > 3600) {
    return pf_err(err, errlen, "DnsTimeout %u is out of range (1 to 3600 s)",
                  dns->timeout_s);
  }
  if (dns->pending < 16 || dns->pending > PF_MAX_DNS_PENDING) {
    return pf_err(err, errlen,
                  "DnsPendingQueries %u is out of range (16 to %u)",
                  dns->pending, PF_MAX_DNS_PENDING);
  }
  /* Space-Saving keeps more keys than it reports, so that the reported
   * ones are exact unless the interval had very many heavy keys. */
  uint32_t capacity = (uint32_t)cfg->top_n * 8;
  cfg->shard.top_capacity = capacity < 64 ? 64 : capacity;
  pf_source_config_derive(cfg);

  if (cfg->kind == PF_SOURCE_FILE) {
    /* Open the file once now: a missing or unreadable file is a
     * configuration error, reported before anything starts. */
    char open_err[PF_ERR_MAX];
    pcap_t *p = pf_handle_open(cfg, -1, 0, NULL, open_err, sizeof(open_err));
    if (!p) {
      return pf_err(err, errlen, "%s", open_err);
    }
    pcap_close(p);
    return 0;
  }
  /* Interfaces may not exist yet, so check the filter against the link
   * type they most likely have. */
  int dlt = strcmp(cfg->device, "any") == 0 ? DLT_LINUX_SLL : DLT_EN10MB;
  return pf_filter_check(cfg, dlt, err, errlen);
}

void pf_source_config_derive(struct pf_source_config *cfg) {
  struct pf_report_config *r = &cfg->report;
  struct pf_shard_config *sh = &cfg->shard;
  r->tcp_health = sh->tcp_analysis;
  for (int k = 0; k < PF_TOP_KIND_COUNT; k++)
    sh->skip_top[k] = !r->top[k] || cfg->top_n == 0;
  sh->skip_distinct = !r->distinct;
  /* Per port only for the ports the top services list names. */
  bool ports = sh->port_timing && sh->tcp_timing && sh->tcp_analysis &&
               !sh->skip_top[PF_TOP_PORTS];
  sh->port_timing_ports = ports ? (uint32_t)cfg->top_n : 0;
  /* A shard interns no more server names than may be reported. */
  sh->tls.names = (uint32_t)cfg->top_series_limit;
  /* TCP analysis, the top-N lists, the distinct counts (fed once per flow
   * per interval), the per-class flows, DNS (its responses are matched
   * by flow) and TLS (a name is the flow's) are kept per flow: any of them
   * needs the table. */
  sh->skip_flows = !r->flows && !sh->tcp_analysis && !r->by_class &&
                   !sh->dns.analysis && !sh->tls.analysis &&
                   sh->skip_distinct && sh->skip_top[PF_TOP_HOSTS] &&
                   sh->skip_top[PF_TOP_PORTS] && sh->skip_top[PF_TOP_FLOWS];
  if (sh->skip_flows) /* the table is never looked at: keep it tiny */
    sh->max_flows = (uint32_t)cfg->workers;
}

bool *pf_report_switch(struct pf_report_config *r, const char *option) {
  const struct {
    const char *option;
    bool *value;
  } table[] = {
      {"ReportByProtocol", &r->by_protocol},
      {"ReportByDirectionBasis", &r->by_direction_basis},
      {"ReportBySize", &r->by_size},
      {"ReportByClass", &r->by_class},
      {"CollectTcpFlags", &r->tcp_flags},
      {"CollectMalformedReasons", &r->malformed},
      {"CollectCaptureHealth", &r->capture_health},
      {"CollectFlows", &r->flows},
      {"CollectTopHosts", &r->top[PF_TOP_HOSTS]},
      {"CollectTopPorts", &r->top[PF_TOP_PORTS]},
      {"CollectTopFlows", &r->top[PF_TOP_FLOWS]},
      {"CollectDistinctCounts", &r->distinct},
  };
  for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
    if (strcasecmp(table[i].option, option) == 0)
      return table[i].value;
  return NULL;
}
