/* epoch.c - flows into the interval's sketches, once per flow per interval
 * (epoch.h): the sending sides' addresses and service ports into the
 * distinct counts, their hosts, service and flow key with the bytes they
 * sent into the top-N sketches (summed per key first, top_batch.h); and
 * the two-step close of an interval (shard.h). */
#include "shard/epoch.h"

#include "base/err.h"
#include "base/hash.h"
#include "shard/feed_hash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- one flow ---- */

/* The host an address belongs to, aggregated to the configured prefix.
 * Returns true when the prefix is the whole address (key->addr == addr). */
static bool pf_host_key_of(const struct pf_shard *s, uint8_t family,
                           const uint8_t *addr, struct pf_host_key *key) {
  memset(key, 0, sizeof(*key));
  unsigned bytes = family == 4 ? 4 : 16;
  unsigned prefix = s->host_prefix[family == 4 ? 0 : 1];
  key->family = family;
  key->prefix = (uint8_t)prefix;
  if (prefix == bytes * 8) {
    /* Fixed sizes: inlined copies, not a call; __builtin_memcpy, as
     * _FORTIFY_SOURCE's check of a constant-size copy into a field of that
     * size cannot fail and holds back its folding (hardened build, the
     * flood +6 a frame: docs/PERFORMANCE.md "Compiler flags"). */
    if (family == 4)
      __builtin_memcpy(key->addr, addr, 4);
    else
      __builtin_memcpy(key->addr, addr, 16);
    return true;
  }
  for (unsigned i = 0; i < bytes && i * 8 < prefix; i++) {
    unsigned bits = prefix - i * 8;
    key->addr[i] =
        bits >= 8 ? addr[i] : (uint8_t)(addr[i] & (0xff << (8 - bits)));
  }
  return false;
}

/* The service a flow is about: its service port (flow.h). */
static inline void pf_service_key_of(const struct pf_flow *f,
                                     struct pf_service_key *key) {
  memset(key, 0, sizeof(*key));
  key->proto = pf_flow_proto(f);
  key->port = pf_flow_service_port(f);
  if (key->proto == PF_IPPROTO_ICMP || key->proto == PF_IPPROTO_ICMPV6)
    key->port = 0; /* ICMP echo ids are not services */
}

/* What the feed of one flow works out once and every side and list reads:
 * the addresses (alen bytes), their hashes, its service and the service's
 * hash. The hashes are the keyed hash of the bytes (base/hash.h), so one
 * serves every sketch the bytes go to. */
struct pf_feed_ctx {
  const uint8_t *addr[2];
  uint64_t hash[2];
  struct pf_service_key service;
  uint64_t service_hash;
};

#define PF_FEED_INLINE static inline __attribute__((always_inline))

/* The distinct destination ports: a (protocol, port) pair is hashed as a
 * service key's 4 bytes, so that the pair of a client's side, which is
 * its flow's service, takes the service's hash rather than a second one. */
PF_FEED_INLINE uint64_t pf_feed_port_hash(const struct pf_shard *s,
                                          const struct pf_feed_ctx *c,
                                          const struct pf_flow *f, int side) {
  uint16_t port = pf_flow_port(f, !side);
  if (port == c->service.port) /* the flow's protocol either way */
    return c->service_hash;
  struct pf_service_key pair = {.proto = c->service.proto, .port = port};
  return pf_hash_inline(s->seed, &pair, sizeof(pair));
}

/* Side `side`'s host, with the bytes it sent, into the top hosts. */
PF_FEED_INLINE void pf_feed_host(struct pf_shard *s, struct pf_feed *fd,
                                 const struct pf_feed_ctx *c, int side,
                                 const uint64_t bytes[2], unsigned alen) {
  uint8_t family = alen == 4 ? 4 : 6;
  struct pf_host_key host = {.family = family, .prefix = (uint8_t)(alen * 8)};
  uint64_t hash = c->hash[side];
  if (s->host_prefix[alen == 4 ? 0 : 1] == alen * 8)
    memcpy(host.addr, c->addr[side], alen); /* the whole address: its hash */
  else if (!pf_host_key_of(s, family, c->addr[side], &host))
    hash = pf_feed_hash_addr(s->seed, host.addr, alen);
  pf_top_batch_add_len(&fd->top_batch[PF_TOP_HOSTS], &fd->iv->top[PF_TOP_HOSTS],
                       hash, &host, bytes, sizeof(host));
}

/* What side `side` sent: its address is a source and its peer's a
 * destination, its peer's port a destination port when it had ports, and
 * its bytes are its host's. */
PF_FEED_INLINE void pf_feed_side(struct pf_shard *s, struct pf_feed *fd,
                                 const struct pf_flow *f,
                                 const struct pf_feed_ctx *c, int side,
                                 const uint64_t bytes[2], unsigned alen) {
  struct pf_interval *iv = fd->iv;
  if (!s->skip_distinct) {
    pf_hll_add(&iv->src_hosts, c->hash[side]);
    pf_hll_add(&iv->dst_hosts, c->hash[!side]);
    if (f->iv & PF_IV_PORTS(side))
      pf_hll_add(&iv->dst_ports, pf_feed_port_hash(s, c, f, side));
  }
  if (!s->skip_top[PF_TOP_HOSTS])
    pf_feed_host(s, fd, c, side, bytes, alen);
}

/* The flow's service and its key, with both directions' bytes, into the
 * lists that are reported. */
PF_FEED_INLINE void pf_feed_lists(struct pf_shard *s, struct pf_feed *fd,
                                  const struct pf_flow *f,
                                  const struct pf_feed_ctx *c,
                                  const uint64_t both[2]) {
  struct pf_interval *iv = fd->iv;
  if (!s->skip_top[PF_TOP_PORTS])
    pf_top_batch_add_len(&fd->top_batch[PF_TOP_PORTS], &iv->top[PF_TOP_PORTS],
                         c->service_hash, &c->service, both,
                         sizeof(c->service));
  if (!s->skip_top[PF_TOP_FLOWS]) {
    struct pf_flow_key key;
    pf_flow_wide_key(f, &key);
    pf_top_batch_add_len(&fd->top_batch[PF_TOP_FLOWS], &iv->top[PF_TOP_FLOWS],
                         pf_hash_inline(s->seed, &key, sizeof(key)), &key, both,
                         sizeof(key));
  }
}

PF_STATIC_ASSERT(sizeof(struct pf_service_key) == 4,
                 "a service key is hashed and remembered as one word");

/* The addresses' hashes, when a distinct count or the top hosts read
 * them; the service's, when the top services or the distinct ports do. */
PF_FEED_INLINE void pf_feed_ctx_of(struct pf_shard *s, const struct pf_flow *f,
                                   struct pf_feed_ctx *c, unsigned alen) {
  const uint8_t *k = (const uint8_t *)(f + 1);
  for (int side = 0; side < 2; side++)
    c->addr[side] = alen == 4 ? ((const struct pf_key4 *)k)->addr[side]
                              : ((const struct pf_key6 *)k)->addr[side];
  c->hash[0] = c->hash[1] = c->service_hash = 0;
  if (!s->skip_distinct || !s->skip_top[PF_TOP_HOSTS]) {
    c->hash[0] = pf_feed_hash_addr(s->seed, c->addr[0], alen);
    c->hash[1] = pf_feed_hash_addr(s->seed, c->addr[1], alen);
  }
  pf_service_key_of(f, &c->service);
  if (!s->skip_distinct || !s->skip_top[PF_TOP_PORTS])
    c->service_hash = pf_feed_hash_service(s->seed, &s->memo, &c->service);
}

/* Side `side` sent bytes: they go to its sketches, and into both[]. */
PF_FEED_INLINE void pf_feed_sent(struct pf_shard *s, struct pf_feed *fd,
                                 const struct pf_flow *f,
                                 const struct pf_feed_ctx *c, int side,
                                 uint64_t both[2], unsigned alen) {
  uint64_t bytes[2] = {0, 0};
  bytes[(f->iv & PF_IV_TX(side)) ? PF_DIR_TX : PF_DIR_RX] = f->iv_bytes[side];
  both[0] += bytes[0];
  both[1] += bytes[1];
  pf_feed_side(s, fd, f, c, side, bytes, alen);
}

/* Feeds flow f's bytes of slot fd's interval (addresses of alen bytes),
 * and clears its marks. */
PF_FEED_INLINE void pf_feed_flow_of(struct pf_shard *s, struct pf_feed *fd,
                                    struct pf_flow *f, unsigned alen) {
  struct pf_feed_ctx c;
  pf_feed_ctx_of(s, f, &c, alen);
  uint64_t both[2] = {0, 0};
  if (f->iv & PF_IV_SENT(0)) /* unrolled: each side's code its own */
    pf_feed_sent(s, fd, f, &c, 0, both, alen);
  if (f->iv & PF_IV_SENT(1))
    pf_feed_sent(s, fd, f, &c, 1, both, alen);
  pf_feed_lists(s, fd, f, &c, both);
  if (f->tcp_state & PF_TCPS_NAMED) /* a TLS server name (tls.h) */
    pf_tls_feed(&s->tls, &s->flows, f, &fd->tls_batch, &fd->iv->tls_names,
                both);
  f->iv = 0;
  f->iv_bytes[0] = f->iv_bytes[1] = 0;
}

/* One copy of the feed for each family: address sizes, host keys and
 * hashes are then of a constant length. */
static void pf_feed_flow(struct pf_shard *s, struct pf_feed *fd,
                         struct pf_flow *f) {
  if (pf_flow_is_v6(f))
    pf_feed_flow_of(s, fd, f, 16);
  else
    pf_feed_flow_of(s, fd, f, 4);
}

/* The slot whose flows the flow's bytes belong to, or NULL. */
static struct pf_feed *pf_feed_of(struct pf_shard *s, const struct pf_flow *f) {
  unsigned gen = f->iv & PF_IV_GEN;
  return gen ? &s->feed[gen - 1] : NULL; /* slot i tags its flows i + 1 */
}

/* ---- closing: the new entries and the list, or the pools ---- */

static void pf_feed_flush(struct pf_feed *fd) {
  for (int k = 0; k < PF_TOP_KIND_COUNT; k++)
    pf_top_batch_flush(&fd->top_batch[k], &fd->iv->top[k]);
  pf_top_batch_flush(&fd->dns_batch, &fd->iv->dns_domains);
  pf_top_batch_flush(&fd->tls_batch, &fd->iv->tls_names);
}

/* Entry i of pool v6 (its index: a ref without PF_FLOW_V6), at its
 * family's constant size (pf_flow_at reads the size from the pool). */
PF_FEED_INLINE struct pf_flow *pf_feed_entry(const struct pf_shard *s, int v6,
                                             uint32_t i) {
  size_t size = v6 ? sizeof(struct pf_flow6) : sizeof(struct pf_flow4);
  PF_ASSERT(s->flows.pool[v6].size == size);
  return (struct pf_flow *)(s->flows.pool[v6].entries + (size_t)i * size);
}

/* Feeds the flows of slot fd's list of a family (v6: IPv6) among the
 * next `budget` it has not gone through, its feed inlined at its family's
 * sizes; an entry whose tag is no longer fd's was fed already (the flow
 * ended, or sent again in the next interval, or is listed twice). The
 * entry PF_FEED_LIST_AHEAD places on is asked for meanwhile: the list is
 * in the order flows first sent, not the pool's. False when the budget
 * ran out first. */
PF_FEED_INLINE bool pf_feed_walk_list(struct pf_shard *s, struct pf_feed *fd,
                                      int v6, uint32_t *budget) {
  struct pf_feed_list *l = &s->lists[fd->gen - 1][v6];
  for (; l->read < l->next; l->read++) {
    if ((*budget)-- == 0)
      return false;
    const uint32_t *ref = l->read;
    /* Past the list's end, a ref of the pool all the same (feed_list.h). */
    __builtin_prefetch(
        pf_feed_entry(s, v6, ref[PF_FEED_LIST_AHEAD] & ~PF_FLOW_V6));
    struct pf_flow *f = pf_feed_entry(s, v6, *ref & ~PF_FLOW_V6);
    if ((f->iv & PF_IV_GEN) == fd->gen)
      pf_feed_flow_of(s, fd, f, v6 ? 16 : 4);
  }
  return true;
}

/* The sweep of one pool (v6: the IPv6 one) from pos to end, its feed
 * inlined at its family's sizes; false when the budget ran out first. */
PF_FEED_INLINE bool pf_feed_sweep_pool(struct pf_shard *s, struct pf_feed *fd,
                                       int v6, uint32_t *budget) {
  for (; fd->pos[v6] < fd->end[v6]; fd->pos[v6]++) {
    if ((*budget)-- == 0)
      return false;
    struct pf_flow *f = pf_feed_entry(s, v6, fd->pos[v6]);
    if ((f->iv & PF_IV_GEN) == fd->gen)
      pf_feed_flow_of(s, fd, f, v6 ? 16 : 4);
  }
  return true;
}

/* Feeds slot fd's flows among the next `budget` entries its close has not
 * gone through: first the pool entries handed out since it began (or,
 * when a list was full, every one), in pool order, free and other slots'
 * passed over; then the flows it listed. Returns true when all are fed. */
static bool pf_feed_step(struct pf_shard *s, struct pf_feed *fd,
                         uint32_t budget) {
  return pf_feed_sweep_pool(s, fd, 0, &budget) &&
         pf_feed_sweep_pool(s, fd, 1, &budget) &&
         (fd->sweep || (pf_feed_walk_list(s, fd, 0, &budget) &&
                        pf_feed_walk_list(s, fd, 1, &budget)));
}

/* Slot fd begins an interval: its lists empty, and the pool entries
 * handed out from now on swept at its close rather than listed. */
static void pf_feed_open(struct pf_shard *s, struct pf_feed *fd) {
  for (int v6 = 0; v6 < 2; v6++) {
    pf_feed_list_clear(&s->lists[fd->gen - 1][v6]);
    s->fresh[v6] = s->flows.pool[v6].next_unused | (v6 ? PF_FLOW_V6 : 0);
  }
}

/* Starts slot fd's close: its sweep ends at the pools' high-water marks,
 * and starts where its interval began, or at 0 when a list was full; it
 * is empty when flows are not fed (skip_feed: no flow was tagged). */
static void pf_feed_begin(struct pf_shard *s, struct pf_feed *fd) {
  struct pf_feed_list *lists = s->lists[fd->gen - 1];
  fd->sweep = lists[0].full || lists[1].full;
  s->feed_sweeps += fd->sweep;
  for (int v6 = 0; v6 < 2; v6++) {
    lists[v6].read = lists[v6].refs;
    fd->pos[v6] = fd->sweep ? 0 : s->fresh[v6] & ~PF_FLOW_V6;
    fd->end[v6] = s->skip_feed ? 0 : s->flows.pool[v6].next_unused;
  }
}

/* Feeds every flow of slot fd at once (the end of a file, tests); the
 * slot goes on with an empty interval. */
static void pf_feed_all(struct pf_shard *s, struct pf_feed *fd) {
  pf_feed_begin(s, fd);
  pf_feed_step(s, fd, UINT32_MAX);
  pf_feed_flush(fd);
  pf_feed_open(s, fd);
}

/* ---- the current interval ---- */

void pf_epoch_enter(struct pf_shard *s, struct pf_flow *f, uint32_t ref) {
  struct pf_feed *closing = pf_feed_of(s, f);
  if (closing) /* bytes of the interval being closed: there, now */
    pf_feed_flow(s, closing, f);
  f->iv = pf_epoch_gen(s);
  f->iv_bytes[0] = f->iv_bytes[1] = 0;
  if (ref < s->fresh[ref >> 31]) /* newer entries are swept (feed_list.h) */
    pf_feed_list_add(&s->lists[s->fcur][ref >> 31], ref);
}

void pf_epoch_overflow(struct pf_shard *s, struct pf_flow *f, uint32_t ref) {
  (void)ref;
  pf_feed_flow(s, &s->feed[s->fcur], f);
  f->iv = pf_epoch_gen(s); /* listed (or new) already, at its first packet */
}

void pf_epoch_flow_ended(void *ctx, struct pf_flow *f, uint32_t ref) {
  (void)ref;
  struct pf_shard *s = ctx;
  struct pf_feed *fd = pf_feed_of(s, f);
  if (fd)
    pf_feed_flow(s, fd, f);
}

void pf_shard_settle(struct pf_shard *s) { pf_feed_all(s, &s->feed[s->fcur]); }

/* ---- closing ---- */

void pf_epoch_close_step(struct pf_shard *s, uint32_t budget) {
  if (!s->closing_open)
    return;
  struct pf_feed *c = &s->feed[!s->fcur];
  if (pf_feed_step(s, c, budget)) {
    pf_feed_flush(c);
    s->closing_open = false;
  }
}

/* An interval neither slot holds nor `lent` is: clean, the one the reader
 * was lent at the previous swap and reset since, or one never used. */
static struct pf_interval *pf_free_interval(struct pf_shard *s,
                                            const struct pf_interval *lent) {
  for (int i = 0; i < 3; i++) {
    struct pf_interval *iv = s->ivs[i];
    if (iv != s->feed[0].iv && iv != s->feed[1].iv && iv != lent)
      return iv;
  }
  return NULL; /* cannot happen: three intervals, at most three in use */
}

/* The per-packet parts of an interval (handshake latency, anomaly
 * evidence) go to the reader at the read they belong to; only what flows
 * feed (top-N lists, distinct counts) waits for the close. */
static void pf_take_packet_parts(struct pf_interval *dst,
                                 const struct pf_interval *src) {
  dst->tcp = src->tcp;
  dst->anomaly = src->anomaly;
  dst->dns_latency = src->dns_latency;
}

static void pf_merge_flow_parts(struct pf_interval *dst,
                                const struct pf_interval *src) {
  for (int k = 0; k < PF_TOP_KIND_COUNT; k++)
    pf_topn_merge(&dst->top[k], &src->top[k]);
  pf_hll_merge(&dst->src_hosts, &src->src_hosts);
  pf_hll_merge(&dst->dst_hosts, &src->dst_hosts);
  pf_hll_merge(&dst->dst_ports, &src->dst_ports);
  pf_topn_merge(&dst->dns_domains, &src->dns_domains);
  pf_topn_merge(&dst->tls_names, &src->tls_names);
}

/* The reader feeds both slots itself (the capture thread has stopped); the
 * closing interval, if any, takes the current one's flows in, and the
 * current one's packet parts (its own were handed over already). */
static struct pf_interval *pf_swap_final(struct pf_shard *s) {
  struct pf_feed *cur = &s->feed[s->fcur], *c = &s->feed[!s->fcur];
  pf_feed_all(s, cur);
  if (!c->iv) {
    struct pf_interval *done = cur->iv;
    cur->iv = pf_free_interval(s, done);
    s->cur = cur->iv;
    return done;
  }
  pf_feed_step(s, c, UINT32_MAX); /* what its close has not reached */
  pf_feed_flush(c);
  s->closing_open = false;
  pf_merge_flow_parts(c->iv, cur->iv);
  pf_take_packet_parts(c->iv, cur->iv);
  pf_interval_reset(cur->iv);
  struct pf_interval *done = c->iv;
  c->iv = NULL;
  return done;
}

struct pf_interval *pf_shard_swap_interval(struct pf_shard *s, bool final) {
  pf_shard_drain(s);
  if (final)
    return pf_swap_final(s);
  struct pf_feed *c = &s->feed[!s->fcur];
  if (c->iv && s->closing_open)
    return NULL; /* the capture thread is still feeding it */
  /* The interval closed at the previous read, fed since; or, at the first
   * read, a clean one: with this read's packet parts either way. */
  struct pf_interval *done = c->iv ? c->iv : pf_free_interval(s, NULL);
  pf_take_packet_parts(done, s->cur);
  /* The current slot closes; the other one starts with a clean interval. */
  c->iv = pf_free_interval(s, done);
  pf_feed_begin(s, &s->feed[s->fcur]);
  pf_feed_open(s, c);
  s->fcur = !s->fcur;
  s->cur = c->iv;
  s->closing_open = true;
  return done;
}

/* ---- set-up ---- */

int pf_epoch_init(struct pf_shard *s, uint32_t max_flows, char *err,
                  size_t errlen) {
  s->memo.service = UINT32_MAX;
  s->fresh[1] = PF_FLOW_V6; /* the first interval: every entry is new */
  for (int i = 0; i < 4; i++) {
    s->feed[i / 2].gen = (uint8_t)(i / 2 + 1);
    if (pf_feed_list_init(&s->lists[i / 2][i % 2], max_flows) != 0)
      return pf_err_errno(err, errlen, errno,
                          "cannot reserve the lists of an interval's flows "
                          "for MaxFlows %u",
                          max_flows);
  }
  return 0;
}

void pf_epoch_free(struct pf_shard *s) {
  for (int i = 0; i < 4; i++)
    pf_feed_list_free(&s->lists[i / 2][i % 2]);
}
