/* flow.h - the bidirectional flow table: one entry per conversation, both
 * directions of a conversation in the same entry.
 *
 * Entries come from a pool allocated once (MaxFlows); nothing is allocated
 * per packet or per flow. Lookups hash the canonical key with a per-process
 * random seed, so crafted traffic cannot line its keys up in one chain.
 * Expiry follows packet time, a bounded amount of work at a time; when the
 * table is full the least recently seen flow is evicted.
 *
 * Thread-safety: a table belongs to one capture thread. Readers never walk
 * it; they copy struct pf_flow_stats under the owner's lock. */
#ifndef PCAPFLOW_FLOW_H
#define PCAPFLOW_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow/buckets.h"
#include "flow/tcp.h"
#include "packet/decode.h"
#include "pcapflow/config.h"
#include "pcapflow/stats.h"

/* Canonical key: the endpoint that sorts lower (address, then port) is
 * side 0, so both directions of a conversation build the same key. */
struct pf_flow_key {
  uint8_t addr[2][16]; /* IPv4 in the first 4 bytes, the rest zero */
  uint16_t port[2];    /* ports; ICMP echo: the identifier; else 0 */
  uint16_t vlan_outer; /* 0 when untagged */
  uint16_t vlan_inner;
  uint8_t proto;  /* IP protocol number */
  uint8_t family; /* 4 or 6 */
  uint8_t echo;   /* 1: an ICMP echo flow, the ports hold its identifier */
  uint8_t pad;    /* always 0: keys are compared as bytes */
};

/* TCP close tracking, enough to tell open from closed. */
#define PF_FLOW_FIN_SIDE0 0x01
#define PF_FLOW_FIN_SIDE1 0x02
#define PF_FLOW_RST 0x04
#define PF_FLOW_SYN 0x08 /* a SYN without ACK was seen */

#define PF_FLOW_NONE UINT32_MAX

struct pf_flow {
  struct pf_flow_key key; /* 44 bytes: tcp_ext fills the gap to 48 */
  uint32_t tcp_ext;       /* TCP analysis entry (tcp.h), or PF_TCP_NONE */
  uint64_t packets[2];    /* sent by side 0, by side 1 */
  uint64_t bytes[2];
  uint64_t first_us, last_us; /* packet time */
  uint32_t hash_next;         /* bucket chain */
  uint32_t lru_prev, lru_next;
  uint8_t kind;       /* enum pf_flow_kind */
  uint8_t tcp;        /* PF_FLOW_* bits */
  int8_t initiator;   /* side that started it, -1 when capture began late */
  uint8_t rule_class; /* traffic class of its first packet (class_counters.h) */
};

struct pf_flow_table {
  struct pf_flow *flows;          /* the pool, max_flows entries */
  struct pf_flow_buckets buckets; /* chain heads, PF_FLOW_NONE when empty */
  uint32_t max_flows;
  uint32_t free_head;   /* free list through hash_next */
  uint32_t next_unused; /* entries from here on were never used */
  uint32_t lru_head[PF_FLOW_KIND_COUNT]; /* most recently seen */
  uint32_t lru_tail[PF_FLOW_KIND_COUNT]; /* least recently seen */
  uint64_t timeout_us[PF_FLOW_KIND_COUNT];
  uint64_t active_us;
  uint64_t seed[4];
  struct pf_flow_stats stats;
  struct pf_tcp_table tcp; /* TCP analysis, when enabled */
  /* Active flows by rule_class, counted down when a flow ends; NULL
   * without traffic rules (class_counters.h owns it). */
  uint64_t *class_active;
};

/* What one packet did to the table. */
struct pf_flow_update {
  struct pf_flow *flow; /* NULL for packets that have no flow */
  uint8_t side;         /* the sender's side in flow->key */
  bool created;
};

/* Builds the canonical key of a decoded IPv4/IPv6 packet. Returns false for
 * packets without a flow (non-IP, malformed). *side is the sender's side. */
bool pf_flow_key_of(const struct pf_packet *pkt, struct pf_flow_key *key,
                    uint8_t *side);

/* Reserves the pool and buckets; memory is taken as flows come
 * (buckets.h). Returns 0, or -1 with err. */
int pf_flow_table_init(struct pf_flow_table *t, uint32_t max_flows,
                       const struct pf_flow_timeouts *timeouts, char *err,
                       size_t errlen);
void pf_flow_table_free(struct pf_flow_table *t);

/* Turns TCP analysis on (tcp.h): an extension pool of max_flows entries.
 * Returns 0, or -1 with err. */
int pf_flow_table_enable_tcp(struct pf_flow_table *t, uint32_t syn_timeout_s,
                             char *err, size_t errlen);

/* Accounts one packet at packet time now_us: finds or creates its flow
 * (evicting the least recently seen one when full), adds it, tracks TCP
 * close and the active timeout. pf_flow_table_probe followed by
 * pf_flow_table_account. */
struct pf_flow_update pf_flow_table_packet(struct pf_flow_table *t,
                                           const struct pf_packet *pkt,
                                           uint64_t now_us);

/* A packet's flow key and hash, worked out before the packet is
 * accounted so that its bucket can be on its way from memory while earlier
 * packets are accounted (a table of a million flows fits in no cache). The
 * bucket itself is found at accounting: the table may grow meanwhile. */
struct pf_flow_probe {
  struct pf_flow_key key;
  uint64_t hash;
  uint8_t side;  /* the sender's side in key */
  bool has_flow; /* false for packets that have no flow */
};

/* Fills *p from the packet and asks for its bucket's cache line. */
void pf_flow_table_probe(const struct pf_flow_table *t,
                         const struct pf_packet *pkt, struct pf_flow_probe *p);

/* pf_flow_table_packet for a packet probed since the table last changed
 * its seed (never, while running). The update's flow is NULL when
 * p->has_flow is false. */
struct pf_flow_update pf_flow_table_account(struct pf_flow_table *t,
                                            const struct pf_flow_probe *p,
                                            const struct pf_packet *pkt,
                                            uint64_t now_us);

/* Expires up to `budget` flows whose timeout has passed at now_us. Returns
 * how many it expired. */
unsigned pf_flow_table_expire(struct pf_flow_table *t, uint64_t now_us,
                              unsigned budget);

/* Looks a key up without changing anything (tests, tools). */
const struct pf_flow *pf_flow_table_find(const struct pf_flow_table *t,
                                         const struct pf_flow_key *key);

uint64_t pf_flow_table_count(const struct pf_flow_table *t);

#endif
