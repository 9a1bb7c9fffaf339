/* test_syn_wait_model.c - a randomized model of a file's final expiry:
 * two shards take the same random packets, batch ends and budgeted
 * expiries (IPv4 and IPv6; TCP with random flags either way, later
 * fragments of TCP, UDP, ICMP; eviction from 4-23 flows; clock steps
 * back, jumps, and with ActiveTimeout 0 gaps of one to several 2^32 us
 * wraps of first32), then one ends with pf_flow_table_expire_all (the
 * sweep skipped when the list tails say no flow can have expired), the
 * other with the full sweep. The expired sets (every entry's list), the
 * flow and TCP counters and the counts must be the same, and the full
 * sweep must expire what a flow-by-flow model says. After the final
 * tick, no flow may still wait past its SYN timeout (the tick's stall
 * at a waiting flow whose age had wrapped). Fixed seeds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "flow/flow.h"
#include "flow_packets.h"
#include "shard/shard.h"
#include "suites.h"

/* Two shards, the first to skip, the second to sweep. */
static struct pf_shard shard[2];
static uint64_t rng;

static uint64_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}
static uint64_t below(uint64_t n) { return n ? rnd() % n : 0; }

#define NFLOWS 24
static uint8_t addr4[NFLOWS][4], addr6[NFLOWS][16];
static const uint8_t srv4[4] = {198, 18, 0, 1};
static const uint8_t srv6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1};

static void init_addrs(void) {
  for (unsigned n = 0; n < NFLOWS; n++) {
    addr4[n][0] = 198;
    addr4[n][1] = 19;
    addr4[n][2] = 0;
    addr4[n][3] = (uint8_t)(n + 1);
    memcpy(addr6[n], srv6, 16);
    addr6[n][15] = (uint8_t)(n + 2);
  }
}

/* Flow n: odd ones IPv6; by n / 2 % 4, TCP (twice), UDP, ICMP echo. */
static struct pkt flow_pkt(unsigned n) {
  struct pkt p = {0};
  p.family = (n & 1) ? 6 : 4;
  p.src = p.family == 6 ? addr6[n] : addr4[n];
  p.dst = p.family == 6 ? srv6 : srv4;
  unsigned kind = (n / 2) % 4;
  if (kind <= 1) {
    p.proto = P_TCP;
    p.sport = 40000;
    p.dport = 80;
  } else if (kind == 2) {
    p.proto = P_UDP;
    p.sport = 5000;
    p.dport = 53;
  } else {
    p.proto = p.family == 6 ? P_ICMPV6 : P_ICMP;
    p.icmp_type = p.family == 6 ? 128 : 8;
    p.icmp_id = 7;
  }
  return p;
}

static const uint8_t tcp_flags[] = {
    PF_TCP_SYN, PF_TCP_SYN, PF_TCP_SYN | PF_TCP_ACK, PF_TCP_ACK,
    PF_TCP_ACK, PF_TCP_RST, PF_TCP_RST | PF_TCP_ACK, PF_TCP_FIN | PF_TCP_ACK};

/* By entry (pool, index): the clock at the flow's first packet, and
 * whether that packet was a later fragment (its flow may start to wait at
 * a later SYN, and its wait is timed from no sooner than its first
 * packet, no later than that SYN: not checked). */
static uint64_t first_us[2][64];
static bool from_fragment[2][64];

/* Every packet a trial can send, decoded once with its flow key (a check
 * assertion per packet, which writes to check's log, cost ten times the
 * trials themselves). By flow, flags, reply, later fragment. */
struct decoded {
  uint8_t *buf; /* NULL until decoded */
  struct pf_packet pkt;
  struct pf_flow_key key;
};
static struct decoded decoded[NFLOWS][8][2][2];

static struct decoded *decode(unsigned n, unsigned flags, bool reply,
                              bool fragment) {
  struct decoded *d = &decoded[n][flags][reply][fragment];
  if (d->buf)
    return d;
  struct pkt p = flow_pkt(n);
  if (p.proto == P_TCP) {
    p.flags = tcp_flags[flags];
    p.later_fragment = fragment;
  }
  if (reply)
    p = pkt_reply(p);
  d->buf = pkt_decode(&p, &d->pkt);
  uint8_t side;
  ck_assert(pf_flow_key_of(&d->pkt, &d->key, &side));
  return d;
}

/* Accounted at once, so that a new flow's first packet is known. */
static void send(const struct decoded *d, uint64_t ts) {
  uint64_t created = shard[0].flows.stats.created;
  for (int i = 0; i < 2; i++)
    pf_shard_packet(&shard[i], &d->pkt, PF_DIR_RX, PF_LOCALITY_DST, ts);
  if (shard[0].flows.stats.created == created)
    return;
  const struct pf_flow_table *t = &shard[0].flows;
  const struct pf_flow *f = pf_flow_table_find(t, &d->key);
  for (int v6 = 0; v6 < 2; v6++)
    for (uint32_t i = 0; i < t->pool[v6].next_unused && i < 64; i++)
      if (pf_flow_at(t, i | (v6 ? PF_FLOW_V6 : 0)) == f) {
        first_us[v6][i] = shard[0].clock.now_us;
        from_fragment[v6][i] = d->pkt.later_fragment;
      }
}

/* What a sweep must expire: each flow idle for its kind's timeout. */
static uint64_t model_count(const struct pf_flow_table *t, uint64_t now) {
  uint64_t n = 0;
  for (int v6 = 0; v6 < 2; v6++)
    for (uint32_t i = 0; i < t->pool[v6].next_unused; i++) {
      const struct pf_flow *f = pf_flow_at(t, i | (v6 ? PF_FLOW_V6 : 0));
      if (pf_flow_list(f) != PF_LIST_FREE && now >= f->last_us &&
          now - f->last_us >= t->timeout_us[pf_flow_kind(f)])
        n++;
    }
  return n;
}

/* Flows still waiting after a tick at now, past their SYN timeout from
 * their true first packet. */
static unsigned waiting_too_long(const struct pf_flow_table *t, uint64_t now) {
  unsigned n = 0;
  for (uint32_t ref = t->lru_tail[PF_LIST_SYN_WAIT]; ref != PF_FLOW_NONE;
       ref = pf_flow_at(t, ref)->lru_prev) {
    unsigned v6 = ref >> 31, i = ref & ~PF_FLOW_V6;
    n +=
        !from_fragment[v6][i] && now >= first_us[v6][i] + t->tcp.syn_timeout_us;
  }
  return n;
}

/* Whether the two tables hold the same entries, on the same lists. */
static bool same_entries(const struct pf_flow_table *a,
                         const struct pf_flow_table *b) {
  for (int v6 = 0; v6 < 2; v6++) {
    if (a->pool[v6].next_unused != b->pool[v6].next_unused)
      return false;
    for (uint32_t i = 0; i < a->pool[v6].next_unused; i++) {
      uint32_t ref = i | (v6 ? PF_FLOW_V6 : 0);
      if (pf_flow_at(a, ref)->list != pf_flow_at(b, ref)->list)
        return false;
    }
  }
  return true;
}

static uint32_t pick_s(void) {
  static const uint32_t s[] = {1,  2,  3,   5,    7,    10,
                               30, 60, 300, 3600, 4300, 86400};
  return s[below(sizeof(s) / sizeof(s[0]))];
}

/* The trial's configuration: `wrap` takes ActiveTimeout 0 and TcpTimeout
 * a day, so that gaps of 2^32 us neither restart a flow nor expire it. */
static struct pf_shard_config trial_config(bool wrap) {
  struct pf_shard_config cfg =
      test_shard_config(4 + (uint32_t)below(20), 64, true);
  cfg.timeouts.tcp_s = wrap ? 86400 : pick_s();
  cfg.timeouts.tcp_closed_s = pick_s();
  cfg.timeouts.udp_s = pick_s();
  cfg.timeouts.icmp_s = pick_s();
  cfg.timeouts.other_s = pick_s();
  static const uint32_t act[] = {0, 0, 30, 600, 1800, 2200, 604800};
  cfg.timeouts.active_s = wrap ? 0 : act[below(7)];
  cfg.tcp_syn_timeout_s = wrap ? 3 : (uint32_t)(1 + below(3600));
  if (below(3) == 0)
    cfg.tcp_syn_timeout_s = (uint32_t)(1 + below(5));
  return cfg;
}

/* The clock's next step. */
static uint64_t step(uint64_t ts, uint64_t scale, bool wrap) {
  unsigned s = (unsigned)below(100);
  if (s < 40)
    return ts + below(100000);
  if (s < 70)
    return ts + below(scale);
  if (s < 85)
    return ts + below(scale * 20);
  if (s < (wrap ? 95 : 90))
    return ts + (wrap ? ((1 + below(3)) << 32) - SEC(2) + below(SEC(6))
                      : below(SEC(5000)));
  if (s < 97)
    return ts - below(SEC(3)); /* the shard's clock holds */
  return ts + below(SEC(20));
}

/* One trial; returns a description of what differed, or NULL. */
static const char *one_trial(uint64_t seed, bool wrap) {
  rng = seed * 0x9E3779B97F4A7C15ull + 1;
  struct pf_shard_config cfg = trial_config(wrap);
  char err[256];
  for (int i = 0; i < 2; i++)
    if (pf_shard_init(&shard[i], &cfg, err, sizeof(err)) != 0)
      ck_abort_msg("%s", err);
  uint64_t ts = SEC(1000) + below(SEC(10));
  unsigned events = 20 + (unsigned)below(300);
  static const uint64_t scales[] = {1000, 100000, SEC(1), SEC(5), SEC(30)};
  uint64_t scale = scales[below(5)];
  unsigned nfl = 1 + (unsigned)below(below(2) ? 6 : NFLOWS);
  bool tcp_only = below(2);
  unsigned reply_pct = (unsigned)below(60);
  for (unsigned e = 0; e < events; e++) {
    unsigned r = (unsigned)below(100);
    if (r < 70) {
      unsigned n = (unsigned)below(nfl);
      if (tcp_only)
        n = (n / 4) * 4 + (n & 1);
      unsigned flags = (unsigned)below(sizeof(tcp_flags));
      bool fragment = below(20) == 0; /* TCP: a flow no segment starts */
      send(decode(n, flags, below(100) < reply_pct, fragment), ts);
    } else if (r < (wrap ? 74 : 80)) { /* fewer ticks where ages wrap */
      for (int i = 0; i < 2; i++) {
        pf_shard_batch_end(&shard[i]);
        expect_flow_identity(&shard[i].flows); /* the tick's splices */
      }
    } else if (r < (wrap ? 77 : 85)) {
      uint64_t at = shard[0].clock.now_us + below(SEC(5));
      unsigned budget = (unsigned)below(4);
      for (int i = 0; i < 2; i++) {
        pf_shard_expire(&shard[i], at, budget);
        expect_flow_identity(&shard[i].flows);
      }
    }
    ts = step(ts, scale, wrap);
  }
  for (int i = 0; i < 2; i++)
    pf_shard_batch_end(&shard[i]);
  uint64_t end = shard[0].clock.now_us + (below(2) ? 0 : below(SEC(400)));
  if (below(3)) { /* at a random flow's timeout, to hit the edges */
    const struct pf_flow_table *t = &shard[0].flows;
    uint32_t n4 = t->pool[0].next_unused, n6 = t->pool[1].next_unused;
    if (n4 + n6) {
      uint32_t i = (uint32_t)below(n4 + n6);
      const struct pf_flow *f =
          pf_flow_at(t, i < n4 ? i : ((i - n4) | PF_FLOW_V6));
      if (pf_flow_list(f) != PF_LIST_FREE) {
        uint64_t c = f->last_us + t->timeout_us[pf_flow_kind(f)] + below(3);
        if (c > end)
          end = c;
      }
    }
  }
  for (int i = 0; i < 2; i++) {
    pf_shard_expire(&shard[i], end, 0); /* drain, advance, tick */
    expect_flow_identity(&shard[i].flows);
  }
  uint64_t now = shard[0].clock.now_us;
  const char *bad = NULL;
  if (waiting_too_long(&shard[0].flows, now))
    bad = "a flow waits past its SYN timeout after the tick";
  uint64_t want = model_count(&shard[1].flows, now);
  unsigned skipped = pf_flow_table_expire_all(&shard[0].flows, now);
  unsigned swept = pf_flow_table_sweep(&shard[1].flows, now);
  if (swept != want)
    bad = "the sweep differs from the model";
  else if (skipped != swept)
    bad = "expire_all differs from the sweep";
  else if (memcmp(&shard[0].flows.stats, &shard[1].flows.stats,
                  sizeof(struct pf_flow_stats)) != 0)
    bad = "flow counters differ";
  else if (memcmp(&shard[0].flows.tcp.stats, &shard[1].flows.tcp.stats,
                  sizeof(struct pf_tcp_stats)) != 0)
    bad = "TCP counters differ";
  else if (!same_entries(&shard[0].flows, &shard[1].flows))
    bad = "the expired sets differ";
  for (int i = 0; i < 2; i++)
    pf_shard_free(&shard[i]);
  return bad;
}

/* How many seeds each configuration runs. */
#define TRIALS 5000

START_TEST(test_final_expiry_matches_the_full_sweep) {
  init_addrs();
  unsigned failed = 0;
  for (uint64_t seed = 1; seed <= TRIALS; seed++) {
    for (int wrap = 0; wrap < 2; wrap++) {
      const char *bad = one_trial(seed, wrap);
      if (bad && failed++ < 5)
        fprintf(stderr, "seed %llu%s: %s\n", (unsigned long long)seed,
                wrap ? " (wraps)" : "", bad);
    }
  }
  struct decoded *d = &decoded[0][0][0][0];
  for (size_t i = 0; i < sizeof(decoded) / sizeof(*d); i++)
    free(d[i].buf);
  memset(decoded, 0, sizeof(decoded));
  ck_assert_uint_eq(failed, 0);
}
END_TEST

Suite *pf_syn_wait_model_suite(void) {
  Suite *s = suite_create("syn_wait_model");
  TCase *tc = tcase_create("model");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_final_expiry_matches_the_full_sweep);
  suite_add_tcase(s, tc);
  return s;
}
