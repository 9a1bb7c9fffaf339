/* names.c - the one table of every collectd identifier pcapflow-top reads,
 * as docs/METRICS.md names them (2.0 names: docs/MIGRATION.md). A rename of
 * the plugin's series is a change of this file alone; `pcapflow-top --names`
 * prints the list, and tests/integration/test_live_view.sh holds it to
 * METRICS.md. */
#include <stdio.h>
#include <string.h>

#include "names.h"

const char pft_plugin[] = "pcapflow";
const char pft_class_plugin[] = "pcapflow_class";

const char *const pft_ids[PFT_ID_COUNT] = {
    [PFT_CAPTURED] = "packets-captured",
    [PFT_DROPPED_KERNEL] = "packets-dropped_kernel",
    [PFT_DROPPED_INTERFACE] = "packets-dropped_interface",
    [PFT_OPENED] = "operations-capture_opened",
    [PFT_OPEN_FAILED] = "operations-capture_failed",
    [PFT_CAPTURE_UP] = "gauge-capture_up",
    [PFT_FRAGMENTS] = "ipt_packets-fragment",
    [PFT_FLOWS_NEW] = "connections-flows_new",
    [PFT_FLOWS_EXPIRED] = "connections-flows_expired",
    [PFT_FLOWS_EVICTED] = "connections-flows_evicted",
    [PFT_TCP_COMPLETED] = "protocol_counter-tcp_completed",
    [PFT_TCP_UNANSWERED] = "protocol_counter-tcp_unanswered_syn",
    [PFT_TCP_RST] = "protocol_counter-tcp_rst",
    [PFT_TCP_RETRANSMITTED] = "protocol_counter-tcp_retransmitted",
    [PFT_TCP_OUT_OF_ORDER] = "protocol_counter-tcp_out_of_order",
    [PFT_TCP_ZERO_WINDOW] = "protocol_counter-tcp_zero_window",
    [PFT_TCP_LATE_START] = "protocol_counter-tcp_late_start",
    [PFT_DISTINCT_SRC] = "count-distinct_src_hosts",
    [PFT_DISTINCT_DST] = "count-distinct_dst_hosts",
    [PFT_DISTINCT_PORTS] = "count-distinct_dst_ports",
};

const struct pft_traffic_row pft_protocols[] = {
    {"tcp", "if_packets-tcp", "if_octets-tcp"},
    {"udp", "if_packets-udp", "if_octets-udp"},
    {"icmp", "if_packets-icmp", "if_octets-icmp"},
    {"icmpv6", "if_packets-icmpv6", "if_octets-icmpv6"},
    {"sctp", "if_packets-sctp", "if_octets-sctp"},
    {"gre", "if_packets-gre", "if_octets-gre"},
    {"other IP", "if_packets-other", "if_octets-other"},
    {"non-IP", "if_packets-non_ip", "if_octets-non_ip"},
    {"malformed", "if_packets-malformed", "if_octets-malformed"},
};
const size_t pft_n_protocols = sizeof pft_protocols / sizeof pft_protocols[0];

const struct pft_traffic_row pft_ip_versions[] = {
    {"IPv4", "io_packets-ipv4", "io_octets-ipv4"},
    {"IPv6", "io_packets-ipv6", "io_octets-ipv6"},
};
const size_t pft_n_ip_versions =
    sizeof pft_ip_versions / sizeof pft_ip_versions[0];

const struct pft_size_row pft_sizes[] = {
    {"<=64", "if_rx_packets-size_0_64", "if_tx_packets-size_0_64"},
    {"65-127", "if_rx_packets-size_65_127", "if_tx_packets-size_65_127"},
    {"128-255", "if_rx_packets-size_128_255", "if_tx_packets-size_128_255"},
    {"256-511", "if_rx_packets-size_256_511", "if_tx_packets-size_256_511"},
    {"512-1023", "if_rx_packets-size_512_1023", "if_tx_packets-size_512_1023"},
    {"1024-1518", "if_rx_packets-size_1024_1518",
     "if_tx_packets-size_1024_1518"},
    {">=1519", "if_rx_packets-size_1519_max", "if_tx_packets-size_1519_max"},
};
const size_t pft_n_sizes = sizeof pft_sizes / sizeof pft_sizes[0];

const struct pft_labelled pft_flows[] = {
    {"tcp", "current_connections-flows_tcp"},
    {"udp", "current_connections-flows_udp"},
    {"icmp", "current_connections-flows_icmp"},
    {"other", "current_connections-flows_other"},
};
const size_t pft_n_flows = sizeof pft_flows / sizeof pft_flows[0];

const char *const pft_quantiles[PFT_N_QUANTILES] = {"p50", "p90", "p99", "max"};

const struct pft_figure pft_handshake[] = {
    {"handshake",
     {"duration-tcp_handshake_p50", "duration-tcp_handshake_p90",
      "duration-tcp_handshake_p99", "duration-tcp_handshake_max"}},
    {"SYN>SYN-ACK",
     {"duration-tcp_syn_synack_p50", "duration-tcp_syn_synack_p90",
      "duration-tcp_syn_synack_p99", "duration-tcp_syn_synack_max"}},
    {"SYN-ACK>ACK",
     {"duration-tcp_synack_ack_p50", "duration-tcp_synack_ack_p90",
      "duration-tcp_synack_ack_p99", "duration-tcp_synack_ack_max"}},
};
const size_t pft_n_handshake = sizeof pft_handshake / sizeof pft_handshake[0];

const char pft_list_type[] = "bytes";
const char pft_list_other[] = "other";
const struct pft_list pft_lists[PFT_N_LISTS] = {
    {"TOP HOSTS (sent)", "top_host_", PFT_KEY_HOST},
    {"TOP SERVICES", "top_port_", PFT_KEY_SERVICE},
    {"TOP FLOWS", "top_flow_", PFT_KEY_FLOW},
};

const char pft_class_packets[] = "if_packets";
const char pft_class_bytes[] = "if_octets";
const char pft_class_flows[] = "current_connections";
const char pft_class_handshake[] = "duration";

/* The DERIVE types of docs/METRICS.md. */
static const char *const pft_counter_types[] = {
    "if_packets",    "if_octets",        "io_packets",  "io_octets",
    "if_rx_packets", "if_tx_packets",    "ipt_packets", "ipt_bytes",
    "derive",        "protocol_counter", "errors",      "packets",
    "operations",    "connections",
};

bool pft_type_is_counter(const char *type) {
  for (size_t i = 0; i < sizeof pft_counter_types / sizeof *pft_counter_types;
       i++)
    if (strcmp(type, pft_counter_types[i]) == 0)
      return true;
  return false;
}

static void pft_names_rows(void (*fn)(const char *, void *), void *ctx) {
  for (size_t i = 0; i < pft_n_protocols; i++) {
    fn(pft_protocols[i].packets, ctx);
    fn(pft_protocols[i].bytes, ctx);
  }
  for (size_t i = 0; i < pft_n_ip_versions; i++) {
    fn(pft_ip_versions[i].packets, ctx);
    fn(pft_ip_versions[i].bytes, ctx);
  }
  for (size_t i = 0; i < pft_n_sizes; i++) {
    fn(pft_sizes[i].rx, ctx);
    fn(pft_sizes[i].tx, ctx);
  }
  for (size_t i = 0; i < pft_n_flows; i++)
    fn(pft_flows[i].id, ctx);
  for (size_t i = 0; i < pft_n_handshake; i++)
    for (int q = 0; q < PFT_N_QUANTILES; q++)
      fn(pft_handshake[i].ids[q], ctx);
}

/* Families as METRICS.md's tables write them. */
static void pft_names_families(void (*fn)(const char *, void *), void *ctx) {
  char id[128];
  for (size_t i = 0; i < PFT_N_LISTS; i++) {
    snprintf(id, sizeof id, "%s-%s%s", pft_list_type, pft_lists[i].prefix,
             pft_list_other);
    fn(id, ctx);
  }
  const char *types[] = {pft_class_packets, pft_class_bytes, pft_class_flows};
  for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
    snprintf(id, sizeof id, "%s-<source>/%s-<class>", pft_class_plugin,
             types[i]);
    fn(id, ctx);
  }
  for (int q = 0; q < PFT_N_QUANTILES; q++) {
    snprintf(id, sizeof id, "%s-<source>-%s/%s-<class>", pft_class_plugin,
             pft_quantiles[q], pft_class_handshake);
    fn(id, ctx);
  }
}

void pft_names_each(void (*fn)(const char *id, void *ctx), void *ctx) {
  for (int i = 0; i < PFT_ID_COUNT; i++)
    fn(pft_ids[i], ctx);
  pft_names_rows(fn, ctx);
  pft_names_families(fn, ctx);
}
