/* gen_model.h - the generator's own model of the flow table, the top-N lists
 * and the distinct counts of docs/METRICS.md, fed with the packets as they are
 * built. */
#ifndef PCAPFLOW_GEN_MODEL_H
#define PCAPFLOW_GEN_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gen_frame.h"
#include "gen_truth.h"

/* Timeout kinds (docs/CONFIG.md "Flows and top-N"). */
enum mkind { MK_TCP, MK_TCP_CLOSED, MK_UDP, MK_ICMP, MK_OTHER, MK_COUNT };

/* Defaults of docs/CONFIG.md. */
#define MODEL_MAX_FLOWS 262144
#define MODEL_TOP_N 10

/* A flow as METRICS.md defines it: both directions of a 5-tuple plus the
 * VLAN ids; ICMP echo by identifier; an address pair for everything else
 * (later fragments included). The endpoint that sorts lower (address bytes,
 * then port) is endpoint 0. Compared as bytes: no padding, zeroed. */
struct mkey {
  uint8_t addr[2][16]; /* IPv4 in the first 4 bytes */
  uint16_t port[2];    /* ports; ICMP echo: the identifier on both sides */
  uint16_t vlan_outer, vlan_inner;
  uint8_t family, proto;
  uint8_t echo; /* an ICMP/ICMPv6 echo flow */
  uint8_t pad;
};

/* One well-formed IPv4/IPv6 packet as the generator built it. */
struct mpkt {
  uint64_t ts_us;
  uint32_t len; /* wire length */
  int family;   /* 4 or 6 */
  uint8_t proto;
  const uint8_t *src, *dst;
  bool ports; /* a TCP/UDP/SCTP header, so ports (not a later fragment) */
  uint16_t sport, dport;
  bool later_frag;
  bool echo; /* ICMP echo request or reply, with its identifier */
  uint16_t echo_id;
  bool tcp_hdr; /* a TCP header whose flags count */
  uint8_t tcp_flags;
  int ntags; /* VLAN tags; the outermost and innermost ids */
  uint16_t vlan_outer, vlan_inner;
  int32_t tag; /* a number the caller may change the size of, or -1 */
};

/* A set (or map to a byte total) of fixed-size byte keys: open addressing. */
struct gen_map {
  uint8_t *keys, *used;
  uint64_t *vals;
  int32_t *tags;
  size_t key_len, cap, n;
  bool with_vals;
};

struct mrec;

struct model {
  uint32_t max_flows;
  uint64_t timeout_us[MK_COUNT], active_us;
  uint64_t now_us;
  /* the flow table: records chained in buckets, one LRU list of all */
  struct mrec *recs;
  uint32_t n_recs, cap_recs, free_head, in_table;
  uint32_t *buckets, bucket_mask;
  uint32_t lru_head, lru_tail; /* most and least recently seen */
  uint64_t created, expired, evicted;
  uint64_t active[MK_COUNT];
  /* this interval (the whole file): top-N byte totals and distinct sets */
  bool track_top;
  struct gen_map hosts, services, flows;
  uint64_t ip_bytes;
  struct gen_map src, dst, ports;
};

/* Default timeouts and MaxFlows; track_top keeps the top-N totals (which
 * costs a map entry per key). */
void gen_model_init(struct model *m, bool track_top);
void gen_model_free(struct model *m);

/* Any frame: packet time moves on to the largest timestamp seen. */
void gen_model_tick(struct model *m, uint64_t ts_us);
/* A well-formed IP packet: its flow, top-N keys and distinct values. */
void gen_model_packet(struct model *m, const struct mpkt *p);
/* End of the capture: expires every flow whose timeout has passed. */
void gen_model_finish(struct model *m);

/* A tie among the 11 heaviest keys of a top-N list makes the named 10
 * ambiguous. Returns the tag of a packet to grow by a byte to break one, or
 * -1 when there is no tie. */
int32_t gen_model_tie(const struct model *m);

/* Adds the flow lines, and the top-N and distinct count lines if wanted. */
void gen_model_lines(const struct model *m, struct truth *t, bool top,
                     bool counts);

/* The key of a packet's flow and the sender's endpoint (0 or 1). */
void gen_model_key(const struct mpkt *p, struct mkey *k, int *side);

/* Series names of METRICS.md ("top_flow_tcp_198_18_0_1_51234_..."). */
void gen_model_flow_name(const struct mkey *k, char *buf, size_t size);

void gen_model_mpkt(const struct ipspec *s, const struct encap *e, uint64_t ts,
                    uint32_t len, int32_t tag, struct mpkt *m);

#endif
