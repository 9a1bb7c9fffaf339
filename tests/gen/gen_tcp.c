/* gen_tcp.c - the tcp scenario: connections of known kinds (clean, with a
 * retransmitted or reordered segment, a zero window, a repeated SYN, an
 * unanswered or refused SYN, seen mid-connection, reset, sequence numbers
 * wrapping, keep-alive probes), with the truth counted as they are built. */
#include "gen_tcp.h"

#include <stdlib.h>
#include <string.h>

#define N_CONNS 110
#define MS 1000ULL

enum kind {
  K_CLEAN,
  K_RETRANS,    /* a response segment sent twice */
  K_REORDER,    /* two response segments swapped */
  K_ZERO_WIN,   /* the client advertises a zero window once */
  K_SYN_AGAIN,  /* the first SYN is repeated after 1 s */
  K_UNANSWERED, /* SYN at 0, 1 and 3 s, never answered */
  K_REFUSED,    /* SYN answered with RST */
  K_LATE,       /* first seen mid-connection, one retransmission */
  K_RST_MID,    /* the server resets after the request */
  K_WRAP,       /* the server's sequence numbers wrap, and one repeats */
  K_KEEPALIVE,  /* a zero-byte keep-alive probe before the close */
  K_COUNT,
};

static const char *const kind_name[K_COUNT] = {
    "tcp_clean",     "tcp_retrans",    "tcp_reorder",   "tcp_zero_window",
    "tcp_syn_again", "tcp_unanswered", "tcp_refused",   "tcp_late",
    "tcp_rst_mid",   "tcp_wrap",       "tcp_keepalive",
};

/* What the engine must count; the latency samples in microseconds. */
struct tcp_truth {
  uint64_t retrans, ooo, zero_win, resets, unanswered, completed, late;
  uint64_t lat[3][N_CONNS];
  size_t n_lat;
};

struct conn {
  uint8_t cli[4];
  const uint8_t *srv;
  uint16_t cport, sport;
  uint32_t cseq, sseq; /* next sequence numbers */
  enum kind kind;
};

static const uint8_t server[4] = {198, 18, 0, 80};

static void seg(struct gen *g, struct conn *c, bool from_cli, uint8_t flags,
                uint32_t seq, int payload, bool zero_win, uint64_t ts) {
  struct ipspec s;

  memset(&s, 0, sizeof s);
  s.ver = 4;
  s.proto = 6;
  s.addr = from_cli ? ADDR_RX : ADDR_TX;
  s.src = from_cli ? c->cli : c->srv;
  s.dst = from_cli ? c->srv : c->cli;
  s.sport = from_cli ? c->cport : c->sport;
  s.dport = from_cli ? c->sport : c->cport;
  s.tcp_flags = flags;
  /* 0 would mean "random" to the frame builder: the script never uses it */
  GEN_ASSERT(seq != 0);
  s.seq = seq;
  s.ack = from_cli ? c->sseq : c->cseq;
  s.payload = payload;
  s.zero_window = zero_win;
  s.fixed_pkttype = true;
  s.pkttype = from_cli ? PT_HOST : PT_OUTGOING;
  GEN_ASSERT(gen_build_ip(g, &gen_enc_plain, &s, kind_name[c->kind]));
  GEN_ASSERT(ts >= g->ts_us);
  g->ts_us = ts;
  gen_emit(g, CAP_ALL, R_NONE);
}

/* Client data [cseq, cseq + n). */
static void cli_data(struct gen *g, struct conn *c, int n, uint64_t ts) {
  seg(g, c, true, TCP_ACK | TCP_PSH, c->cseq, n, false, ts);
  c->cseq += (uint32_t)n;
}

/* The handshake: SYN (again after 1 s for K_SYN_AGAIN), SYN-ACK after d1,
 * ACK after d2. Returns the time of the ACK. */
static uint64_t handshake(struct gen *g, struct conn *c, struct tcp_truth *t,
                          uint64_t t0) {
  uint32_t d1 = gen_rng_range(&g->rng, 1000, 200000),
           d2 = gen_rng_range(&g->rng, 50, 20000);
  uint64_t syn_at = t0;

  seg(g, c, true, TCP_SYN, c->cseq, 0, false, t0);
  if (c->kind == K_SYN_AGAIN) {
    syn_at = t0 + 1000 * MS;
    seg(g, c, true, TCP_SYN, c->cseq, 0, false, syn_at);
    t->retrans++;
  }
  c->cseq++;
  seg(g, c, false, TCP_SYN | TCP_ACK, c->sseq, 0, false, syn_at + d1);
  c->sseq++;
  seg(g, c, true, TCP_ACK, c->cseq, 0, false, syn_at + d1 + d2);
  t->completed++;
  t->lat[0][t->n_lat] = syn_at + d1 - t0; /* from the first SYN */
  t->lat[1][t->n_lat] = d2;
  t->lat[2][t->n_lat] = syn_at + d1 + d2 - t0;
  t->n_lat++;
  return syn_at + d1 + d2;
}

/* The response: 4 segments of 1000 bytes, varied by kind. Returns the
 * time after it. */
static uint64_t response(struct gen *g, struct conn *c, struct tcp_truth *t,
                         uint64_t ts) {
  uint32_t base = c->sseq;
  int order[4] = {0, 1, 2, 3};

  if (c->kind == K_REORDER) {
    order[1] = 2; /* 2 opens a gap that 1 fills: out of order */
    order[2] = 1;
    t->ooo++;
  }
  for (int i = 0; i < 4; i++) {
    ts += 1 * MS;
    seg(g, c, false, TCP_ACK, base + (uint32_t)order[i] * 1000, 1000, false,
        ts);
    if (c->kind == K_CLEAN && i == 1) {
      /* the client acknowledges the first two: two round trips of the
       * server's data in one connection (tcp_rtt_tx, tcp_jitter) */
      c->sseq = base + 2000;
      seg(g, c, true, TCP_ACK, c->cseq, 0, false, ts + 300);
    }
  }
  c->sseq = base + 4000;
  if (c->kind == K_RETRANS || c->kind == K_LATE || c->kind == K_WRAP) {
    /* the segment across the wrap for K_WRAP (base is 2^32 - 1500) */
    ts += 200 * MS;
    seg(g, c, false, TCP_ACK, base + 1000, 1000, false, ts);
    t->retrans++;
  }
  ts += 1 * MS;
  if (c->kind == K_ZERO_WIN) {
    seg(g, c, true, TCP_ACK, c->cseq, 0, true, ts);
    t->zero_win++;
    ts += 50 * MS;
  }
  seg(g, c, true, TCP_ACK, c->cseq, 0, false, ts);
  return ts;
}

static uint64_t close_both(struct gen *g, struct conn *c, uint64_t ts) {
  seg(g, c, true, TCP_FIN | TCP_ACK, c->cseq, 0, false, ts + 1 * MS);
  c->cseq++;
  seg(g, c, false, TCP_FIN | TCP_ACK, c->sseq, 0, false, ts + 2 * MS);
  c->sseq++;
  seg(g, c, true, TCP_ACK, c->cseq, 0, false, ts + 3 * MS);
  return ts + 3 * MS;
}

/* One connection from t0; returns when it is over. */
static uint64_t connection(struct gen *g, struct conn *c, struct tcp_truth *t,
                           uint64_t t0) {
  uint64_t ts;

  switch (c->kind) {
  case K_UNANSWERED:
    seg(g, c, true, TCP_SYN, c->cseq, 0, false, t0);
    seg(g, c, true, TCP_SYN, c->cseq, 0, false, t0 + 1000 * MS);
    seg(g, c, true, TCP_SYN, c->cseq, 0, false, t0 + 3000 * MS);
    t->retrans += 2;
    t->unanswered++;
    return t0 + 3000 * MS;
  case K_REFUSED:
    seg(g, c, true, TCP_SYN, c->cseq, 0, false, t0);
    c->cseq++;
    seg(g, c, false, TCP_RST | TCP_ACK, 1, 0, false,
        t0 + gen_rng_range(&g->rng, 100, 5000));
    t->resets++;
    return g->ts_us;
  case K_LATE:
    t->late++;
    cli_data(g, c, 300, t0);
    ts = response(g, c, t, t0);
    return close_both(g, c, ts);
  default:
    break;
  }
  ts = handshake(g, c, t, t0);
  cli_data(g, c, 200, ts + 1 * MS);
  if (c->kind == K_RST_MID) {
    seg(g, c, false, TCP_RST | TCP_ACK, c->sseq, 0, false, ts + 5 * MS);
    t->resets++;
    return ts + 5 * MS;
  }
  ts = response(g, c, t, ts + 1 * MS);
  if (c->kind == K_KEEPALIVE) {
    ts += 10000 * MS; /* idle 10 s, then a probe at the byte before the edge */
    seg(g, c, true, TCP_ACK, c->cseq - 1, 0, false, ts);
  }
  return close_both(g, c, ts);
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

  return x < y ? -1 : x > y;
}

void gen_sort_u64(uint64_t *v, size_t n) { qsort(v, n, sizeof v[0], cmp_u64); }

/* Nearest rank: the ceil(p * n)-th smallest, p in thousandths. */
uint64_t gen_nearest_rank(const uint64_t *sorted, size_t n, unsigned p) {
  size_t k = (p * n + 999) / 1000;

  return sorted[(k ? k : 1) - 1];
}

static void latency_lines(struct gen *g, struct tcp_truth *t) {
  static const char *const name[3] = {"tcp_syn_synack", "tcp_synack_ack",
                                      "tcp_handshake"};

  for (int k = 0; k < 3; k++) {
    gen_sort_u64(t->lat[k], t->n_lat);
    gen_truth_line(&g->truth, "duration-%s_p50 %.6f", name[k],
                   gen_nearest_rank(t->lat[k], t->n_lat, 500) / 1e6);
    gen_truth_line(&g->truth, "duration-%s_p90 %.6f", name[k],
                   gen_nearest_rank(t->lat[k], t->n_lat, 900) / 1e6);
    gen_truth_line(&g->truth, "duration-%s_p99 %.6f", name[k],
                   gen_nearest_rank(t->lat[k], t->n_lat, 990) / 1e6);
    gen_truth_line(&g->truth, "duration-%s_max %.6f", name[k],
                   t->lat[k][t->n_lat - 1] / 1e6);
  }
}

void gen_scenario_tcp(struct gen *g) {
  static struct tcp_truth t;
  uint64_t ts = g->ts_us;

  memset(&t, 0, sizeof t);
  for (int i = 0; i < N_CONNS; i++) {
    struct conn c = {
        .cli = {198, 19, 6, (uint8_t)(1 + i)},
        .srv = server,
        .cport = (uint16_t)(40000 + i),
        .sport = (i % 2) ? 443 : 80,
        .kind = (enum kind)(i % K_COUNT),
    };
    /* nonzero, far from the wrap, so that only K_WRAP wraps */
    c.cseq = gen_rng_range(&g->rng, 1, 0x7fffffff);
    c.sseq = c.kind == K_WRAP ? 0xffffffffu - 1500
                              : gen_rng_range(&g->rng, 1, 0x7fffffff);
    ts = connection(g, &c, &t, ts) + 100 * MS;
  }
  gen_truth_line(&g->truth, "protocol_counter-tcp_retransmitted %llu",
                 (unsigned long long)t.retrans);
  gen_truth_line(&g->truth, "protocol_counter-tcp_out_of_order %llu",
                 (unsigned long long)t.ooo);
  gen_truth_line(&g->truth, "protocol_counter-tcp_zero_window %llu",
                 (unsigned long long)t.zero_win);
  /* Resets are protocol_counter-tcp_rst, which the base truth counts. */
  gen_truth_line(&g->truth, "protocol_counter-tcp_unanswered_syn %llu",
                 (unsigned long long)t.unanswered);
  gen_truth_line(&g->truth, "protocol_counter-tcp_completed %llu",
                 (unsigned long long)t.completed);
  gen_truth_line(&g->truth, "protocol_counter-tcp_late_start %llu",
                 (unsigned long long)t.late);
  latency_lines(g, &t);
}
