/* test_flow_model.c - the flow table against a naive reference model (an
 * array of flows searched linearly, the documented rules written out
 * again), over thousands of random packets and expiry calls. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "flow_packets.h"
#include "quick_check.h"
#include "suites.h"

#define MODEL_MAX 512

/* Timeouts short enough that random time steps cross all of them. */
static const struct pf_flow_timeouts model_timeouts = {
    .tcp_s = 10,
    .tcp_closed_s = 2,
    .udp_s = 6,
    .icmp_s = 4,
    .other_s = 8,
    .active_s = 60,
};

struct mflow {
  struct pf_flow_key key; /* built by the model, field by field */
  uint64_t bytes[2];
  uint64_t first, last;
  int kind;
  int initiator;
  bool fin[2], rst;
};

struct model {
  struct mflow flows[MODEL_MAX];
  unsigned n, max;
  uint64_t timeout[PF_FLOW_KIND_COUNT], active;
  uint64_t created, expired, evicted;
};

/* ---- the model's own rules ---- */

static int model_kind_of(uint8_t proto) {
  return proto == P_TCP                         ? PF_FLOW_TCP
         : proto == P_UDP                       ? PF_FLOW_UDP
         : proto == P_ICMP || proto == P_ICMPV6 ? PF_FLOW_ICMP
                                                : PF_FLOW_OTHER;
}

/* The key of a generated packet and its sender's side, from the packet's
 * description (not from the decoder): the lower (address, port) endpoint
 * is side 0. */
static struct pf_flow_key model_key(const struct pkt *p, uint8_t *side) {
  struct pf_flow_key k;
  memset(&k, 0, sizeof(k));
  size_t alen = p->family == 6 ? 16 : 4;
  uint16_t sport = 0, dport = 0;
  bool echo =
      (p->proto == P_ICMP && (p->icmp_type == 8 || p->icmp_type == 0)) ||
      (p->proto == P_ICMPV6 && (p->icmp_type == 128 || p->icmp_type == 129));
  if (p->later_fragment) {
    /* no transport header: ports 0 */
  } else if (p->proto == P_TCP || p->proto == P_UDP) {
    sport = p->sport;
    dport = p->dport;
  } else if (echo) {
    sport = dport = p->icmp_id; /* the identifier pairs request and reply */
    k.echo = 1;
  }
  int order = memcmp(p->src, p->dst, alen);
  uint8_t s = order < 0 || (order == 0 && sport <= dport) ? 0 : 1;
  memcpy(k.addr[s], p->src, alen);
  memcpy(k.addr[1 - s], p->dst, alen);
  k.port[s] = sport;
  k.port[1 - s] = dport;
  k.proto = p->proto;
  k.family = (uint8_t)(p->family == 6 ? 6 : 4);
  *side = s;
  return k;
}

static struct mflow *model_find(struct model *m, const struct pf_flow_key *k) {
  for (unsigned i = 0; i < m->n; i++)
    if (memcmp(&m->flows[i].key, k, sizeof(*k)) == 0)
      return &m->flows[i];
  return NULL;
}

static void model_remove(struct model *m, struct mflow *f) {
  *f = m->flows[--m->n];
}

static bool model_due(const struct model *m, const struct mflow *f,
                      uint64_t now) {
  return now >= f->last && now - f->last >= m->timeout[f->kind];
}

/* One packet at time `now`; returns the flow and whether it was created. */
static struct mflow *model_packet(struct model *m, const struct pkt *p,
                                  uint32_t wire_len, uint64_t now,
                                  bool *created, uint8_t *side) {
  struct pf_flow_key k = model_key(p, side);
  bool tcp_header = p->proto == P_TCP && !p->later_fragment;
  bool syn_only =
      tcp_header && (p->flags & (PF_TCP_SYN | PF_TCP_ACK)) == PF_TCP_SYN;
  struct mflow *f = model_find(m, &k);
  /* A flow ends before this packet when it idled past its timeout (even
   * if expiry has not come round to it), ran past the active timeout, or
   * is a closed TCP connection that a new SYN reopens. */
  if (f &&
      (model_due(m, f, now) || (m->active && now - f->first >= m->active) ||
       (f->kind == PF_FLOW_TCP_CLOSED && syn_only))) {
    model_remove(m, f);
    m->expired++;
    f = NULL;
  }
  *created = f == NULL;
  if (!f) {
    if (m->n == m->max) {
      /* The least recently seen flow of all makes room. */
      struct mflow *oldest = &m->flows[0];
      for (unsigned i = 1; i < m->n; i++)
        if (m->flows[i].last < oldest->last)
          oldest = &m->flows[i];
      model_remove(m, oldest);
      m->evicted++;
    }
    f = &m->flows[m->n++];
    memset(f, 0, sizeof(*f));
    f->key = k;
    f->first = f->last = now;
    f->kind = model_kind_of(p->proto);
    uint8_t sa = p->flags & (PF_TCP_SYN | PF_TCP_ACK);
    if (!tcp_header || sa == PF_TCP_SYN)
      f->initiator = *side;
    else if (sa == (PF_TCP_SYN | PF_TCP_ACK))
      f->initiator = 1 - *side;
    else
      f->initiator = -1;
    m->created++;
  }
  f->bytes[*side] += wire_len;
  if (now > f->last)
    f->last = now;
  if (tcp_header) {
    if (p->flags & PF_TCP_FIN)
      f->fin[*side] = true;
    if (p->flags & PF_TCP_RST)
      f->rst = true;
    if (f->kind == PF_FLOW_TCP && (f->rst || (f->fin[0] && f->fin[1])))
      f->kind = PF_FLOW_TCP_CLOSED;
  }
  return f;
}

/* ---- comparing ---- */

/* The table keeps no per-packet counts: the driver adds each packet's
 * bytes to its flow's side as the shard does (shard/epoch.h). */
static void expect_same_flow(const struct pf_flow_table *t,
                             const struct mflow *want,
                             const struct pf_flow *got, unsigned step) {
  QUICK_CHECK(got != NULL, "step %u: a model flow is missing", step);
  for (int s = 0; s < 2; s++)
    QUICK_CHECK(got->iv_bytes[s] == want->bytes[s],
                "step %u: bytes[%d] %llu, model %llu", step, s,
                (unsigned long long)got->iv_bytes[s],
                (unsigned long long)want->bytes[s]);
  QUICK_CHECK(pf_flow_first_us(t, got) == want->first &&
                  got->last_us == want->last,
              "step %u: first/last seen differ", step);
  QUICK_CHECK((int)pf_flow_kind(got) == want->kind,
              "step %u: kind %d, model %d", step, (int)pf_flow_kind(got),
              want->kind);
  QUICK_CHECK(got->initiator == want->initiator,
              "step %u: initiator %d, model %d", step, got->initiator,
              want->initiator);
}

static void expect_same_table(const struct model *m,
                              const struct pf_flow_table *t, unsigned step) {
  uint64_t active[PF_FLOW_KIND_COUNT] = {0};
  for (unsigned i = 0; i < m->n; i++) {
    active[m->flows[i].kind]++;
    expect_same_flow(t, &m->flows[i], pf_flow_table_find(t, &m->flows[i].key),
                     step);
  }
  for (int k = 0; k < PF_FLOW_KIND_COUNT; k++)
    QUICK_CHECK(t->stats.active[k] == active[k],
                "step %u: active[%d] %llu, model %llu", step, k,
                (unsigned long long)t->stats.active[k],
                (unsigned long long)active[k]);
  QUICK_CHECK(
      t->stats.created == m->created && t->stats.expired == m->expired &&
          t->stats.evicted == m->evicted,
      "step %u: created/expired/evicted %llu/%llu/%llu, model "
      "%llu/%llu/%llu",
      step, (unsigned long long)t->stats.created,
      (unsigned long long)t->stats.expired,
      (unsigned long long)t->stats.evicted, (unsigned long long)m->created,
      (unsigned long long)m->expired, (unsigned long long)m->evicted);
  QUICK_CHECK(pf_flow_table_count(t) == m->n, "step %u: %llu flows, model %u",
              step, (unsigned long long)pf_flow_table_count(t), m->n);
  QUICK_CHECK(m->n <= t->max_flows, "step %u: over the bound", step);
  expect_flow_identity(t);
}

/* ---- random traffic over a small key space ---- */

static const uint8_t addr4[3][4] = {
    {10, 0, 0, 1}, {10, 0, 0, 2}, {10, 0, 1, 1}};
static const uint8_t addr6[2][16] = {{0x20, 0x01, 0x0d, 0xb8, [15] = 1},
                                     {0x20, 0x01, 0x0d, 0xb8, [15] = 2}};
static const uint16_t ports[] = {80, 1000, 2000};
static const uint8_t tcp_flags[] = {PF_TCP_SYN,
                                    PF_TCP_SYN | PF_TCP_ACK,
                                    PF_TCP_ACK,
                                    PF_TCP_ACK,
                                    PF_TCP_PSH | PF_TCP_ACK,
                                    PF_TCP_FIN | PF_TCP_ACK,
                                    PF_TCP_RST | PF_TCP_ACK};

static uint32_t pick(uint64_t *s, uint32_t n) { return frame_rand(s) % n; }

/* Header variants: each random packet is one of these, with a payload. */
enum {
  V_TCP = 0, /* + index into tcp_flags */
  V_UDP = 7,
  V_UDP_LATER_FRAGMENT,
  V_ICMP_ECHO_REQUEST,
  V_ICMP_ECHO_REPLY,
  V_ICMP_OTHER,
  V_GRE,
  V_COUNT,
};
#define CODES (2 * 3 * 3 * V_COUNT * 2 * 3 * 3)

/* A random packet description and the number of its header variant
 * (everything but the payload), below CODES. */
static struct pkt random_pkt(uint64_t *s, uint32_t *code) {
  struct pkt p = {0};
  uint32_t v6 = pick(s, 5) == 0, si = pick(s, 3), di = pick(s, 3);
  uint32_t r = pick(s, 100), variant;
  if (r < 45)
    variant = V_TCP + pick(s, sizeof(tcp_flags));
  else if (r < 75)
    variant = pick(s, 10) ? V_UDP : V_UDP_LATER_FRAGMENT;
  else if (r < 90)
    variant = V_ICMP_ECHO_REQUEST + pick(s, 3);
  else
    variant = V_GRE;
  uint32_t id = pick(s, 2), spi = pick(s, 3), dpi = pick(s, 3);
  *code = ((((v6 * 3 + si) * 3 + di) * V_COUNT + variant) * 2 + id) * 9 +
          spi * 3 + dpi;

  p.family = v6 ? 6 : 4;
  p.src = v6 ? addr6[si % 2] : addr4[si];
  p.dst = v6 ? addr6[di % 2] : addr4[di];
  p.sport = ports[spi];
  p.dport = ports[dpi];
  p.icmp_id = (uint16_t)(1 + id);
  if (variant < V_UDP) {
    p.proto = P_TCP;
    p.flags = tcp_flags[variant - V_TCP];
  } else if (variant <= V_UDP_LATER_FRAGMENT) {
    p.proto = P_UDP;
    p.later_fragment = variant == V_UDP_LATER_FRAGMENT;
  } else if (variant < V_GRE) {
    p.proto = v6 ? P_ICMPV6 : P_ICMP;
    static const uint8_t types[2][3] = {{8, 0, 3}, {128, 129, 1}};
    p.icmp_type = types[v6][variant - V_ICMP_ECHO_REQUEST];
  } else {
    p.proto = P_GRE;
  }
  p.payload = pick(s, 200);
  return p;
}

/* Decoded headers by variant, built once: frames are slow to build. */
struct decoded {
  uint8_t *buf;
  struct pf_packet pkt;
};

/* The decoded packet of p: its header variant's, with the payload added
 * to the wire length (the table counts nothing else of it). */
static struct pf_packet decoded_of(struct decoded *cache, uint32_t code,
                                   const struct pkt *p) {
  struct decoded *d = &cache[code];
  if (!d->buf) {
    struct pkt header = *p;
    header.payload = 0;
    d->buf = pkt_decode(&header, &d->pkt);
  }
  struct pf_packet pkt = d->pkt;
  pkt.wire_len += p->payload;
  return pkt;
}

static void run_model(uint64_t seed, uint32_t max_flows, unsigned steps) {
  struct pf_flow_table t;
  char err[256];
  ck_assert_int_eq(
      pf_flow_table_init(&t, max_flows, &model_timeouts, err, sizeof(err)), 0);
  static struct model m;
  memset(&m, 0, sizeof(m));
  ck_assert_uint_le(max_flows, MODEL_MAX);
  m.max = max_flows;
  m.timeout[PF_FLOW_TCP] = SEC(model_timeouts.tcp_s);
  m.timeout[PF_FLOW_TCP_CLOSED] = SEC(model_timeouts.tcp_closed_s);
  m.timeout[PF_FLOW_UDP] = SEC(model_timeouts.udp_s);
  m.timeout[PF_FLOW_ICMP] = SEC(model_timeouts.icmp_s);
  m.timeout[PF_FLOW_OTHER] = SEC(model_timeouts.other_s);
  m.active = SEC(model_timeouts.active_s);
  struct decoded *cache = calloc(CODES, sizeof(*cache));
  ck_assert_ptr_nonnull(cache);

  uint64_t s = seed, now = SEC(1000);
  for (unsigned step = 0; step < steps; step++) {
    /* Time always moves on, so "least recently seen" is never a tie. */
    uint32_t r = pick(&s, 100);
    now += 1 + (r < 70   ? pick(&s, 500000)
                : r < 97 ? pick(&s, 5000000)
                         : SEC(5) + pick(&s, 30000000));

    if (pick(&s, 5) == 0) {
      unsigned budget = pick(&s, 5), due = 0;
      bool was_due[MODEL_MAX];
      for (unsigned i = 0; i < m.n; i++)
        due += was_due[i] = model_due(&m, &m.flows[i], now);
      unsigned done = pf_flow_table_expire(&t, now, budget);
      QUICK_CHECK(done == (due < budget ? due : budget),
                  "step %u: expired %u of %u due, budget %u", step, done, due,
                  budget);
      /* Whichever went must have been due; the model follows the table. */
      unsigned gone = 0;
      for (unsigned i = m.n; i-- > 0;) {
        if (pf_flow_table_find(&t, &m.flows[i].key))
          continue;
        QUICK_CHECK(was_due[i], "step %u: a flow expired early", step);
        model_remove(&m, &m.flows[i]);
        was_due[i] = was_due[m.n];
        gone++;
      }
      QUICK_CHECK(gone == done, "step %u: %u gone, %u expired", step, gone,
                  done);
      m.expired += done;
    } else {
      uint32_t code;
      struct pkt p = random_pkt(&s, &code);
      struct pf_packet pkt = decoded_of(cache, code, &p);
      bool created;
      uint8_t side;
      const struct mflow *want =
          model_packet(&m, &p, pkt.wire_len, now, &created, &side);
      struct pf_flow_update up = pf_flow_table_packet(&t, &pkt, now);
      up.flow->iv_bytes[up.side] += pkt.wire_len;
      QUICK_CHECK(up.created == created, "step %u: created %d, model %d", step,
                  up.created, created);
      QUICK_CHECK(up.side == side, "step %u: side %u, model %u", step, up.side,
                  side);
      struct pf_flow_key key;
      pf_flow_wide_key(up.flow, &key);
      QUICK_CHECK(memcmp(&key, &want->key, sizeof(want->key)) == 0,
                  "step %u: the flow's key differs from the model's", step);
      expect_same_flow(&t, want, up.flow, step);
    }
    expect_same_table(&m, &t, step);
  }
  /* The run must have exercised every path. */
  ck_assert_uint_gt(m.expired, 0);
  if (max_flows < 50)
    ck_assert_uint_gt(m.evicted, 0);
  for (uint32_t c = 0; c < CODES; c++)
    free(cache[c].buf);
  free(cache);
  pf_flow_table_free(&t);
}

START_TEST(test_small_table_matches_model) {
  run_model(0x9e3779b97f4a7c15ULL, 12, 10000);
}
END_TEST

START_TEST(test_tiny_table_matches_model) { run_model(42, 2, 5000); }
END_TEST

START_TEST(test_roomy_table_matches_model) { run_model(0xabcdef, 256, 8000); }
END_TEST

Suite *pf_flow_model_suite(void) {
  Suite *s = suite_create("flow_model");
  TCase *tc = tcase_create("random");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_small_table_matches_model);
  tcase_add_test(tc, test_tiny_table_matches_model);
  tcase_add_test(tc, test_roomy_table_matches_model);
  suite_add_tcase(s, tc);
  return s;
}
