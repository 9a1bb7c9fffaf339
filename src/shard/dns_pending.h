/* dns_pending.h - the DNS queries of a shard waiting for their response,
 * so that a response is matched to its query by flow and transaction id
 * (over UDP, the socket pair; over TCP, the connection) and gives a
 * latency sample.
 *
 * A ring in the order the queries came (the shard's clock never goes
 * back), so that the oldest is at the head: queries past the timeout are
 * counted unanswered from there, and a full ring gives up its oldest
 * (counted as evicted: overload shows, never silence). A hash index over
 * (flow, flow generation, id) finds a response's query; the generation is
 * the flow's first32, so that a flow entry reused by another flow does not
 * match its predecessor's queries. The question's hash must match too:
 * an id collision or a spoofed answer is unmatched, not a sample.
 *
 * first32 is the flow's start modulo 2^32 units, so two flows of one entry
 * can share a generation: in either unit, when the later one starts in the
 * same unit as the earlier (the first ended that soon: evicted from a full
 * table, or restarted by a new SYN after a close), or a whole number of
 * wraps after it. In microseconds (ActiveTimeout 0, or up to 2^31 us) a
 * wrap is 2^32 us (71.6 min), and the later flow starts after the earlier
 * one's query, which is matched only until DnsTimeout (at most an hour)
 * has passed: so for a wrap or more the earlier flow lived
 * 71.6 min less DnsTimeout or more, which an ActiveTimeout of
 * up to 2^31 us (35.8 min) forbids unless DnsTimeout is as long. With
 * ActiveTimeout 0 it takes a flow that old whose entry goes, within
 * DnsTimeout of its query, to a flow starting at the same microsecond
 * modulo 2^32. In units of 2^10 us (a longer ActiveTimeout) a wrap is 50.9
 * days, longer than any flow lives, and the same unit is 1,024 us. Then a
 * response of the later flow still needs the query's 16-bit id and 32-bit
 * question hash: an unrelated one is that unlikely; one of the same
 * conversation (its socket pair, the entry reused by its own successor:
 * the free list hands the last freed entry out first) is that query's
 * answer, and its sample the true wait. A wrong match costs one sample
 * (at most DnsTimeout) instead of one unmatched response and
 * one unanswered query. No exact cheap test exists: a serial per flow
 * would take room the 64-byte entry does not have, and a query's clock
 * against the flow's first read modulo 2^32 us would also refuse true
 * answers on flows over 71.6 min old, DnsTimeout in every 71.6 min.
 *
 * Memory is fixed at start (DnsPendingQueries entries of 40 bytes and an
 * index of 8 bytes an entry); nothing is allocated per packet. Each query
 * enters and leaves the ring once, so the work is O(1) a message, with
 * short index chains (the index has twice the ring's slots). */
#ifndef PCAPFLOW_SHARD_DNS_PENDING_H
#define PCAPFLOW_SHARD_DNS_PENDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One query in flight: 40 bytes. */
struct pf_dns_query {
  uint64_t ts_us;  /* its own timestamp: latency is timestamp to timestamp */
  uint64_t now_us; /* the shard's clock when it came: its timeout */
  uint32_t flow;   /* its flow's entry */
  uint32_t gen;    /* its flow's first32 (the bound above) */
  uint32_t qhash;  /* its question (type and name) */
  uint32_t chain;  /* the next query of its index slot: position + 1 */
  uint16_t id;
  uint8_t live; /* 0 once answered, timed out or evicted */
  uint8_t pad;
};

/* Who a message is: its flow and transaction. */
struct pf_dns_txn {
  uint32_t flow, gen, qhash;
  uint16_t id;
};

struct pf_dns_pending {
  struct pf_dns_query *ring; /* cap entries, a power of two */
  uint32_t *index;           /* 2 * cap slots: position + 1, 0 empty */
  uint32_t mask, imask;
  uint32_t head, tail; /* queries [head, tail), positions modulo cap */
  uint64_t timeout_us;
  uint64_t seed[4];
  uint64_t unanswered, evicted, unmatched; /* cumulative */
};

/* At least `want` entries (rounded up to a power of two). Returns 0, or -1
 * with err. */
int pf_dns_pending_init(struct pf_dns_pending *p, uint32_t want,
                        uint32_t timeout_s, char *err, size_t errlen);
void pf_dns_pending_free(struct pf_dns_pending *p);

/* A query: waits for its response. The same query again (same flow, id and
 * question) keeps the first one's time: latency is what the asker waited.
 * The id reused for another question while a query waits: that one is
 * counted unanswered (a response to it can no longer match) and this one
 * waits; every query leaves answered, unanswered or evicted.
 * A waiting query of the same transaction past the timeout by now_us is
 * counted unanswered first, and this one waits anew, as if the tick had
 * come between them; so is a full ring's oldest, rather than evicted. */
void pf_dns_pending_query(struct pf_dns_pending *p, const struct pf_dns_txn *t,
                          uint64_t now_us, uint64_t ts_us);

/* A response: true and its latency in *us when its query was waiting
 * (which then stops waiting); false when none was (counted unmatched).
 * now_us is the shard's clock at the response: a query that has waited
 * the timeout or more by then (the tick's rule) is no longer waiting,
 * although no tick has come since (a file's batch is 4,096 packets,
 * seconds apart in a sparse capture): it is counted unanswered there,
 * once, and the response unmatched. */
bool pf_dns_pending_response(struct pf_dns_pending *p,
                             const struct pf_dns_txn *t, uint64_t now_us,
                             uint64_t ts_us, uint64_t *us);

/* Counts and drops the queries that have waited the timeout or more by
 * now_us. */
void pf_dns_pending_tick(struct pf_dns_pending *p, uint64_t now_us);

#endif
