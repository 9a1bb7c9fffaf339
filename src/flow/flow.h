/* flow.h - the bidirectional flow table: one entry per conversation, both
 * directions of a conversation in the same entry (docs/HOT_PATH.md).
 *
 * An IPv4 flow takes one 64-byte entry (one cache line) and 4 bytes of
 * bucket; an IPv6 flow an 88-byte entry. The two families have pools of
 * their own, reserved for MaxFlows each and mapped as they are used (the
 * entries are handed out in order), sharing one bucket array that grows
 * with the flows (buckets.h) and one set of LRU lists. Nothing is
 * allocated per packet or per flow. Lookups hash the key with a
 * per-process random seed, so crafted traffic cannot line its keys up in
 * one chain. Expiry follows the shard's clock, a bounded amount of work at
 * a time; when the table is full the least recently seen flow is evicted.
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
 * side 0, so both directions of a conversation build the same key. The
 * wide form, for the top-flows list, its names and the tests; the table
 * keeps the compact forms below. */
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

/* The compact keys the table stores and hashes, compared as bytes: the
 * same fields, the protocol first so that it sits at the same place in
 * both. */
struct pf_key4 {
  uint8_t proto, echo;
  uint16_t port[2];
  uint16_t vlan[2]; /* outer, inner */
  uint8_t addr[2][4];
};
struct pf_key6 {
  uint8_t proto, echo;
  uint16_t port[2];
  uint16_t vlan[2];
  uint8_t addr[2][16];
};

/* TCP close tracking, enough to tell open from closed. */
#define PF_FLOW_FIN_SIDE0 0x01
#define PF_FLOW_FIN_SIDE1 0x02
#define PF_FLOW_RST 0x04

/* An entry's reference: its index in the IPv4 pool, or with PF_FLOW_V6
 * set, in the IPv6 pool. */
#define PF_FLOW_V6 0x80000000u
#define PF_FLOW_NONE UINT32_MAX

/* The LRU lists: one per timeout kind (enum pf_flow_kind), and one for TCP
 * connections whose SYN waits for its answer, ordered by that SYN
 * (tcp.h). */
#define PF_LIST_SYN_WAIT PF_FLOW_KIND_COUNT
#define PF_LIST_COUNT (PF_FLOW_KIND_COUNT + 1)
/* pf_flow.list of an entry not in the table (freed). */
#define PF_LIST_FREE 0x7f

/* What both families' entries hold before their key: 46 bytes, packed so
 * that an IPv4 entry with its 18-byte key is one 64-byte cache line (the
 * fields fall on their natural alignment all the same; no code takes the
 * address of one). */
struct __attribute__((packed)) pf_flow {
  uint64_t last_us;            /* the shard's clock at its last packet */
  uint32_t next;               /* bucket chain */
  uint32_t lru_prev, lru_next; /* its LRU list, by last_us */
  uint32_t first32;            /* the clock at its first packet >> the
                                  table's age_shift, modulo 2^32 */
  uint32_t tcp_ext;            /* TCP record (tcp.h), or the SYN's edge */
  uint32_t tcp_syn32;          /* the first SYN's timestamp, low 32 bits */
  uint32_t iv_bytes[2];        /* this epoch's bytes, by side (shard.h) */
  uint8_t list;                /* which LRU list (PF_LIST_*), PF_FLOW_IS_V6 */
  uint8_t tcp_close;           /* PF_FLOW_* bits */
  int8_t initiator;   /* side that started it, -1 when capture began late */
  uint8_t rule_class; /* traffic class of its first packet */
  uint8_t iv;         /* the shard's epoch marks (shard.h) */
  uint8_t tcp_state;  /* TCP analysis state (tcp.h) */
};

/* pf_flow.list: the entry is in the IPv6 pool (its key a struct pf_key6). */
#define PF_FLOW_IS_V6 0x80
#define PF_FLOW_LIST_MASK 0x7f

struct pf_flow4 {
  struct pf_flow f;
  struct pf_key4 k;
} __attribute__((aligned(64)));
struct pf_flow6 {
  struct pf_flow f;
  struct pf_key6 k;
} __attribute__((aligned(8)));

struct pf_flow_pool {
  uint8_t *entries;     /* max entries of `size` bytes */
  uint32_t size, max;   /* entry size; entries reserved */
  uint32_t free_head;   /* free list through `next` */
  uint32_t next_unused; /* entries from here on were never used */
};

struct pf_flow_table {
  struct pf_flow_pool pool[2]; /* IPv4, IPv6 */
  /* The pools' entries and sizes again, as pf_flow_at reads them: an
   * array of each indexes by the family bit at no cost (pool[]'s 24-byte
   * stride took two instructions more a reference), and the IPv6 base
   * less PF_FLOW_V6 entries takes the reference whole, its family bit
   * left in. Set once, with the pools. The sizes are 64-bit so that the
   * multiply reads its operand from memory (a 32-bit one was loaded, then
   * multiplied: one instruction more a reference, five a mixed frame). */
  uintptr_t ref_base[2];
  uintptr_t ref_size[2];
  struct pf_flow_buckets buckets; /* chain heads, PF_FLOW_NONE when empty */
  uint32_t max_flows;
  uint32_t lru_head[PF_LIST_COUNT]; /* most recently seen */
  /* Each head's entry (NULL: the list is empty), kept with lru_head: a
   * touch links the flow in front of it, and working it out from the
   * reference cost five instructions a packet. */
  struct pf_flow *lru_head_at[PF_LIST_COUNT];
  uint32_t lru_tail[PF_LIST_COUNT]; /* least recently seen */
  uint64_t timeout_us[PF_LIST_COUNT];
  uint64_t min_timeout_us; /* the least of them */
  /* By kind: the earliest last packet of a flow a tick moved from the
   * SYN-wait list to the head of the kind's list out of its order
   * (UINT64_MAX: none), never raised. With the lists' tails it bounds
   * every flow's last packet (flow_lru.c, pf_flow_table_expire_all). */
  uint64_t unwaited_us[PF_FLOW_KIND_COUNT];
  uint64_t active_us;
  uint64_t active_units; /* active_us >> age_shift; UINT64_MAX: none */
  unsigned age_shift;    /* first32's unit: 2^age_shift us (flow_table.c) */
  uint64_t seed[4];
  struct pf_flow_stats stats;
  struct pf_tcp_table tcp; /* TCP analysis, when enabled */
  /* Active flows by rule_class, counted down when a flow ends; NULL
   * without traffic rules (class_counters.h owns it). */
  uint64_t *class_active;
  /* Called as a flow leaves the table (expired, evicted, restarted), its
   * entry still intact: the owner's per-flow hook (shard/epoch.c). */
  void (*ended)(void *ctx, struct pf_flow *f, uint32_t ref);
  void *ended_ctx;
  /* pf_proto_kind (flow_table.c), copied: a new flow's kind read at an
   * offset from the table, whose address the packet loop holds, rather
   * than from the static table, whose address cost a flood frame three
   * instructions (taken, spilled and reloaded). */
  uint8_t proto_kind[256];
};

/* A packet's flow key and hash, worked out before the packet is accounted
 * so that its bucket can be on its way from memory while earlier packets
 * are accounted (a table of a million flows fits in no cache). The bucket
 * itself is found at accounting: the table may grow meanwhile. */
struct pf_flow_probe {
  union {
    struct pf_key4 k4;
    struct pf_key6 k6;
  } key;
  uint64_t hash;
  uint8_t family; /* 4 or 6; 0: the packet has no flow */
  uint8_t side;   /* the sender's side in the key */
};

/* What one packet did to the table. */
struct pf_flow_update {
  struct pf_flow *flow; /* NULL for packets that have no flow */
  uint32_t ref;
  uint8_t side; /* the sender's side in its key */
  bool created;
};

/* What accounting reads of a packet once its key is made. */
struct pf_flow_packet {
  uint32_t wire_len;
  uint8_t tcp_flags; /* PF_TCP_*; 0 unless a TCP header was read */
  bool tcp;          /* a TCP header was read (not a later fragment) */
  bool syn_wait;     /* TCP analysis will make a new flow wait for the
                        answer to this SYN (tcp.h): it starts there */
};

/* ---- keys (flow_key.c) ---- */

/* Builds the canonical key of a decoded IPv4/IPv6 packet. Returns false for
 * packets without a flow (non-IP, malformed). *side is the sender's side. */
bool pf_flow_key_of(const struct pf_packet *pkt, struct pf_flow_key *key,
                    uint8_t *side);

/* Fills *p with the packet's compact key and hash (family 0 when it has
 * no flow) and asks for its bucket's cache line. */
void pf_flow_table_probe(const struct pf_flow_table *t,
                         const struct pf_packet *pkt, struct pf_flow_probe *p);

/* The compact key of a wide one, as a probe (no prefetch). */
void pf_flow_probe_of_key(const struct pf_flow_table *t,
                          const struct pf_flow_key *key,
                          struct pf_flow_probe *p);

/* Asks for the first entry of the chain a probed packet's bucket holds
 * (the bucket was asked for by the probe). A hint: the table may change
 * before the packet is accounted. Always inlined: GCC takes a function
 * whose only effect is a prefetch for one without effect and drops the
 * calls (the vector's prefetch loop was compiled to nothing). */
static inline __attribute__((always_inline)) void
pf_flow_table_prefetch_entry(const struct pf_flow_table *t,
                             const struct pf_flow_probe *p);

/* Whether the table has handed out so many entries that they no longer
 * stay in a core's cache (2-3 MiB of them, a core's L2 on current x86
 * servers), so that asking for entries ahead pays for its instructions:
 * below, the prefetches of pf_flow_table_prefetch_entry cost about 28
 * instructions a packet and save no miss. */
#define PF_FLOW_PREFETCH_MIN 32768
static inline bool pf_flow_table_beyond_cache(const struct pf_flow_table *t);

/* Asks for the TCP record of the flow in the first entry of a probed
 * packet's chain, which pf_flow_table_prefetch_entry asked for: the entry
 * is read (a wait, if it has not arrived), the record only asked for. A
 * hint, like the entry's: that entry may be another flow's. Always
 * inlined, for the same reason. */
static inline __attribute__((always_inline)) void
pf_flow_table_prefetch_record(const struct pf_flow_table *t,
                              const struct pf_flow_probe *p);

/* The wide key of an entry. */
void pf_flow_wide_key(const struct pf_flow *f, struct pf_flow_key *key);

/* The family-specific parts of an entry, after its common part. */
static inline bool pf_flow_is_v6(const struct pf_flow *f) {
  return f->list & PF_FLOW_IS_V6;
}
static inline unsigned pf_flow_list(const struct pf_flow *f) {
  return f->list & PF_FLOW_LIST_MASK;
}
static inline const uint8_t *pf_flow_addr(const struct pf_flow *f, int side) {
  const uint8_t *k = (const uint8_t *)(f + 1);
  return pf_flow_is_v6(f) ? ((const struct pf_key6 *)k)->addr[side]
                          : ((const struct pf_key4 *)k)->addr[side];
}
static inline uint8_t pf_flow_proto(const struct pf_flow *f) {
  return ((const struct pf_key4 *)(f + 1))->proto;
}
static inline uint16_t pf_flow_port(const struct pf_flow *f, int side) {
  return ((const struct pf_key4 *)(f + 1))->port[side];
}

/* The side a flow serves from: the one that did not start it, or, when
 * capture began mid-connection, the one with the lower port (either on a
 * tie). The top services list, the response time's service and the
 * per-port timing all take this one rule. */
static inline uint8_t pf_flow_service_side(const struct pf_flow *f) {
  if (f->initiator >= 0)
    return (uint8_t)(1 - f->initiator);
  return pf_flow_port(f, 0) <= pf_flow_port(f, 1) ? 0 : 1;
}
static inline uint16_t pf_flow_service_port(const struct pf_flow *f) {
  return pf_flow_port(f, pf_flow_service_side(f));
}

/* ---- the table (flow_table.c) ---- */

/* Reserves the pools and buckets; memory is taken as flows come. Returns
 * 0, or -1 with err. */
int pf_flow_table_init(struct pf_flow_table *t, uint32_t max_flows,
                       const struct pf_flow_timeouts *timeouts, char *err,
                       size_t errlen);
/* The same with at most `first_buckets` buckets in use at first (a power
 * of two; buckets.h): tests of the table's growth. */
int pf_flow_table_init_buckets(struct pf_flow_table *t, uint32_t max_flows,
                               uint32_t first_buckets,
                               const struct pf_flow_timeouts *timeouts,
                               char *err, size_t errlen);
void pf_flow_table_free(struct pf_flow_table *t);

/* Turns TCP analysis on (tcp.h), with round-trip and response times when
 * `timing` (tcp_timing.h). Returns 0, or -1 with err. */
int pf_flow_table_enable_tcp(struct pf_flow_table *t, uint32_t syn_timeout_s,
                             bool timing, char *err, size_t errlen);

/* Accounts one packet at clock now_us: finds or creates its flow (evicting
 * the least recently seen one when full), tracks TCP close and the active
 * timeout. The update's flow is NULL when p->family is 0. */
struct pf_flow_update pf_flow_table_account(struct pf_flow_table *t,
                                            const struct pf_flow_probe *p,
                                            const struct pf_flow_packet *pkt,
                                            uint64_t now_us);

/* The same for a caller whose clock never goes back, so that now_us is
 * never behind a flow's last packet (the shard's clock, packet_clock.h:
 * it starts once and only moves forward): pf_flow_table_account takes the
 * later of the two; this one takes now_us (asserted in a debug build). */
struct pf_flow_update pf_flow_table_account_monotonic(
    struct pf_flow_table *t, const struct pf_flow_probe *p,
    const struct pf_flow_packet *pkt, uint64_t now_us);

/* pf_flow_table_probe and pf_flow_table_account of a decoded packet
 * (tests, tools). */
struct pf_flow_update pf_flow_table_packet(struct pf_flow_table *t,
                                           const struct pf_packet *pkt,
                                           uint64_t now_us);

/* Expires up to `budget` flows whose timeout has passed at now_us. Returns
 * how many it expired. */
unsigned pf_flow_table_expire(struct pf_flow_table *t, uint64_t now_us,
                              unsigned budget);

/* Expires every flow whose timeout has passed at now_us, for a file's
 * final state: pf_flow_table_sweep, but no sweep when the lists' tails
 * (and unwaited_us) show that no flow can have been idle that long.
 * Returns how many it expired. */
unsigned pf_flow_table_expire_all(struct pf_flow_table *t, uint64_t now_us);

/* Expires every flow whose timeout has passed at now_us by a sweep of the
 * pools: exact whatever the order of the lists (a flow whose SYN timed out
 * joins its kind's list at its head, tcp.c). What expire_all must equal
 * (tests). Returns how many it expired. */
unsigned pf_flow_table_sweep(struct pf_flow_table *t, uint64_t now_us);

/* Looks a key up without changing anything (tests, tools). */
struct pf_flow *pf_flow_table_find(const struct pf_flow_table *t,
                                   const struct pf_flow_key *key);

/* The entry of a reference. */
static inline struct pf_flow *pf_flow_at(const struct pf_flow_table *t,
                                         uint32_t ref) {
  unsigned v6 = ref >> 31;
  return (struct pf_flow *)(t->ref_base[v6] + (uintptr_t)ref * t->ref_size[v6]);
}

uint64_t pf_flow_table_count(const struct pf_flow_table *t);

static inline __attribute__((always_inline)) void
pf_flow_table_prefetch_entry(const struct pf_flow_table *t,
                             const struct pf_flow_probe *p) {
  if (!p->family)
    return;
  uint32_t bucket = pf_buckets_of(&t->buckets, p->hash);
  uint32_t ref = pf_bucket_get(&t->buckets, bucket);
  /* A new flow's lookup reads no entry (buckets.h): none to ask for. */
  if (ref == PF_FLOW_NONE || !pf_bucket_may_hold(&t->buckets, bucket, p->hash))
    return;
  const uint8_t *f = (const uint8_t *)pf_flow_at(t, ref);
  __builtin_prefetch(f);
  /* An 88-byte IPv6 entry's key ends in the line after. One entry in four
   * (48 or 56 bytes into a line) spans three lines, the middle one not
   * asked for: asking for it too (+3.75 instructions a flood frame) gave
   * no measurable gain (a flood of a million flows, half IPv6: user time
   * 0.98x, 0.88-1.13, in 15 pairs). */
  if (ref & PF_FLOW_V6)
    __builtin_prefetch(f + sizeof(struct pf_flow6) - 1);
}

static inline __attribute__((always_inline)) void
pf_flow_table_prefetch_record(const struct pf_flow_table *t,
                              const struct pf_flow_probe *p) {
  uint32_t bucket = pf_buckets_of(&t->buckets, p->hash);
  uint32_t ref = pf_bucket_get(&t->buckets, bucket);
  if (ref == PF_FLOW_NONE || !pf_bucket_may_hold(&t->buckets, bucket, p->hash))
    return;
  const struct pf_flow *f = pf_flow_at(t, ref);
  if (f->tcp_state & PF_TCPS_RECORD)
    __builtin_prefetch(pf_tcp_conn_at(&t->tcp, f->tcp_ext));
}

static inline bool pf_flow_table_beyond_cache(const struct pf_flow_table *t) {
  return t->pool[0].next_unused + t->pool[1].next_unused > PF_FLOW_PREFETCH_MIN;
}

/* The timeout kind of a flow (stats.h), by its protocol and TCP close. */
enum pf_flow_kind pf_flow_kind(const struct pf_flow *f);

/* The clock at a flow's first packet, read from its last: in
 * microseconds with an ActiveTimeout up to 2^31 us, to 1,024 us with a
 * longer one; with ActiveTimeout 0 it is the first packet's clock only
 * while the flow's age at its last packet is below 2^32 us (71.6 min), and
 * reads later by a whole number of 2^32 us after (tcp.c: what the SYN's
 * wait and the handshake's samples make of that). */
uint64_t pf_flow_first_us(const struct pf_flow_table *t,
                          const struct pf_flow *f);

/* Moves a flow to the head of list `list` (tcp.c: a SYN's wait ends). */
void pf_flow_relist(struct pf_flow_table *t, uint32_t ref, uint8_t list);

/* Moves the flows of list `from` from its tail up to `last` (a flow of
 * it) to the head of list `to`, their order kept, as if each were
 * relisted from the tail on (tcp.c: the SYNs a tick finds timed out). The
 * caller sets their list bytes. */
void pf_flow_splice_tail(struct pf_flow_table *t, uint8_t from, uint32_t last,
                         uint8_t to);

/* Visits every flow in the table, in pool order (a rules reload). */
void pf_flow_table_each(struct pf_flow_table *t,
                        void (*fn)(struct pf_flow *f, void *ctx), void *ctx);

#endif
