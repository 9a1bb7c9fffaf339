/* names.h - every collectd identifier pcapflow-top reads. They are spelled
 * out in names.c alone, so that a rename of the plugin's series (a contract
 * change, docs/METRICS.md) is a change of that one file here. */
#ifndef PCAPFLOW_TOP_NAMES_H
#define PCAPFLOW_TOP_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/* The plugin of a source's series, and the plugin of its traffic classes
 * (whose plugin_instance is the source's name, or "<source>-<quantile>"
 * for the handshake figures of the classes). */
extern const char pft_plugin[];
extern const char pft_class_plugin[];

/* The single series of a source that the view reads by name: the
 * "type-type_instance" of each is pft_ids[id]. */
enum pft_id {
  PFT_CAPTURED,
  PFT_DROPPED_KERNEL,
  PFT_DROPPED_INTERFACE,
  PFT_OPENED,
  PFT_OPEN_FAILED,
  PFT_CAPTURE_UP,
  PFT_FRAGMENTS,
  PFT_FLOWS_NEW,
  PFT_FLOWS_EXPIRED,
  PFT_FLOWS_EVICTED,
  PFT_TCP_COMPLETED,
  PFT_TCP_UNANSWERED,
  PFT_TCP_RST,
  PFT_TCP_RETRANSMITTED,
  PFT_TCP_OUT_OF_ORDER,
  PFT_TCP_ZERO_WINDOW,
  PFT_TCP_LATE_START,
  PFT_DISTINCT_SRC,
  PFT_DISTINCT_DST,
  PFT_DISTINCT_PORTS,
  PFT_ID_COUNT
};
extern const char *const pft_ids[PFT_ID_COUNT];

/* A row of traffic: its label, its packets and its bytes series (both with
 * rx and tx). */
struct pft_traffic_row {
  const char *label;
  const char *packets;
  const char *bytes;
};
/* Every packet is in exactly one protocol row: their sum is all traffic. */
extern const struct pft_traffic_row pft_protocols[];
extern const size_t pft_n_protocols;
extern const struct pft_traffic_row pft_ip_versions[];
extern const size_t pft_n_ip_versions;

/* A packet size bucket: its label, its received and its sent series. */
struct pft_size_row {
  const char *label;
  const char *rx;
  const char *tx;
};
extern const struct pft_size_row pft_sizes[];
extern const size_t pft_n_sizes;

/* Active flows by protocol (their sum is the flow table's fill). */
struct pft_labelled {
  const char *label;
  const char *id;
};
extern const struct pft_labelled pft_flows[];
extern const size_t pft_n_flows;

/* Handshake figures, each in four quantiles (pft_quantiles order). */
#define PFT_N_QUANTILES 4
extern const char *const pft_quantiles[PFT_N_QUANTILES];
struct pft_figure {
  const char *label;
  const char *ids[PFT_N_QUANTILES];
};
extern const struct pft_figure pft_handshake[];
extern const size_t pft_n_handshake;

/* The top-N lists: series "<type>-<prefix><key>", and the rest of the
 * interval's bytes under "<type>-<prefix><other>". */
enum pft_key_kind { PFT_KEY_HOST, PFT_KEY_SERVICE, PFT_KEY_FLOW };
struct pft_list {
  const char *title;
  const char *prefix;
  enum pft_key_kind kind;
};
#define PFT_N_LISTS 3
extern const char pft_list_type[];
extern const char pft_list_other[];
extern const struct pft_list pft_lists[PFT_N_LISTS];

/* The series types of a traffic class, whose type_instance is the class:
 * packets and bytes (rx, tx) and active flows under the class plugin with
 * the source as plugin_instance; the handshake figure under
 * "<source>-<quantile>". */
extern const char pft_class_packets[];
extern const char pft_class_bytes[];
extern const char pft_class_flows[];
extern const char pft_class_handshake[];

/* Whether a type is a counter (DERIVE): collectd's value cache turns its
 * values into rates per second, the view adds them up over time. */
bool pft_type_is_counter(const char *type);

/* Calls fn with every identifier above as docs/METRICS.md writes it, for
 * --names: families with their variable part as "<...>". */
void pft_names_each(void (*fn)(const char *id, void *ctx), void *ctx);

#endif
