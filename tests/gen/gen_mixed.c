/* gen_mixed.c - the mixed scenario: a realistic traffic mix over thousands of
 * concurrent flows, for benchmarks. */
#include "gen_mixed.h"

#include <stdlib.h>
#include <string.h>

#define MIXED_FLOWS 7000

enum flow_kind { FK_TCP, FK_DNS, FK_PING };

struct flow {
  enum flow_kind kind;
  enum locality loc;
  int ver;
  uint8_t cli[16], srv[16];
  uint16_t cport, sport;
  uint32_t cseq, sseq;
  int step, data_left, pings;
  bool ends_with_rst, timestamps;
};

void gen_mixed_addr(struct gen *g, int ver, bool local, uint8_t *out) {
  struct frame *f = &g->f;

  /* reuse the frame builder's address rules, then copy the result out */
  f->n = 0;
  gen_put_addr(g, f, ver, local, NULL);
  memcpy(out, f->b, f->n);
}

static void flow_init(struct gen *g, struct flow *fl) {
  uint32_t k = gen_rng_below(&g->rng, 1000);
  uint32_t l = gen_rng_below(&g->rng, 1000);

  /* mostly TCP, then DNS, some ping; about 7% IPv6 */
  fl->kind = k < 830 ? FK_TCP : k < 965 ? FK_DNS : FK_PING;
  fl->ver = gen_rng_below(&g->rng, 100) < 7 ? 6 : 4;
  /* mostly clients of the watched host, some servers, a little east-west
   * and transit traffic */
  fl->loc = l < 850   ? LOC_OUT
            : l < 970 ? LOC_IN
            : l < 995 ? LOC_BOTH
                      : LOC_NEITHER;
  gen_mixed_addr(g, fl->ver, fl->loc == LOC_OUT || fl->loc == LOC_BOTH,
                 fl->cli);
  gen_mixed_addr(g, fl->ver, fl->loc == LOC_IN || fl->loc == LOC_BOTH, fl->srv);
  fl->cport = (uint16_t)gen_rng_range(&g->rng, 32768, 60999);
  if (fl->kind == FK_DNS) {
    fl->sport = 53;
  } else {
    static const uint16_t ports[] = {443, 443, 443, 443, 443,
                                     443, 80,  80,  22,  8080};

    fl->sport = ports[gen_rng_below(&g->rng, 10)];
  }
  fl->cseq = (uint32_t)gen_rng_next(&g->rng);
  fl->sseq = (uint32_t)gen_rng_next(&g->rng);
  fl->step = 0;
  /* most transfers are short, a few are bulk */
  fl->data_left = gen_rng_below(&g->rng, 50)
                      ? (int)gen_rng_range(&g->rng, 1, 30)
                      : (int)gen_rng_range(&g->rng, 100, 400);
  fl->pings = (int)gen_rng_range(&g->rng, 2, 8);
  fl->ends_with_rst = gen_rng_below(&g->rng, 100) < 3;
  /* without timestamps, pure ACKs are minimum-size frames (IMIX's small
   * packets); with them they are 66 bytes */
  fl->timestamps = gen_rng_below(&g->rng, 100) < 50;
}

static int addr_kind(enum locality loc, bool from_client) {
  switch (loc) {
  case LOC_OUT:
    return from_client ? ADDR_TX : ADDR_RX;
  case LOC_IN:
    return from_client ? ADDR_RX : ADDR_TX;
  case LOC_BOTH:
    return ADDR_BOTH;
  default:
    return ADDR_NEITHER;
  }
}

void gen_mixed_ends(struct ipspec *s, enum locality loc, bool from_client,
                    const uint8_t *cli, const uint8_t *srv, uint16_t cport,
                    uint16_t sport) {
  s->addr = addr_kind(loc, from_client);
  s->src = from_client ? cli : srv;
  s->dst = from_client ? srv : cli;
  s->sport = from_client ? cport : sport;
  s->dport = from_client ? sport : cport;
  /* a cooked capture on the watched host: its own packets are outgoing */
  s->fixed_pkttype = true;
  s->pkttype = s->addr == ADDR_TX || (s->addr == ADDR_BOTH && from_client)
                   ? PT_OUTGOING
               : s->addr == ADDR_NEITHER ? PT_OTHERHOST
                                         : PT_HOST;
}

/* Fills s for one packet of the flow; returns false once the flow is over. */
static bool flow_next(struct gen *g, struct flow *fl, struct ipspec *s) {
  bool from_client = true;
  int step = fl->step++;

  memset(s, 0, sizeof *s);
  s->ver = fl->ver;
  if (fl->kind == FK_DNS) {
    if (step > 1)
      return false;
    from_client = step == 0;
    s->proto = 17;
    s->payload = from_client ? (int)gen_rng_range(&g->rng, 20, 60)
                             : (int)gen_rng_range(&g->rng, 40, 450);
  } else if (fl->kind == FK_PING) {
    if (step >= 2 * fl->pings)
      return false;
    from_client = step % 2 == 0;
    s->proto = fl->ver == 4 ? 1 : 58;
    s->payload = 56;
  } else {
    /* segments that fill a 1514-byte frame */
    int mss = (fl->ver == 4 ? 1460 : 1440) - (fl->timestamps ? 12 : 0);
    int syn_opts = fl->timestamps ? 20 : 8;

    s->proto = 6;
    s->tcp_opts = fl->timestamps ? 12 : 0;
    if (step == 0) {
      s->tcp_flags = TCP_SYN;
      s->tcp_opts = syn_opts;
    } else if (step == 1) {
      from_client = false;
      s->tcp_flags = TCP_SYN | TCP_ACK;
      s->tcp_opts = syn_opts;
    } else if (step == 2) {
      s->tcp_flags = TCP_ACK;
    } else if (step == 3) {
      s->tcp_flags = TCP_PSH | TCP_ACK;
      s->payload = (int)gen_rng_range(&g->rng, 50, 700);
    } else if (fl->data_left > 0) {
      /* the server sends, the client acknowledges every other segment */
      if (step % 3 == 2) {
        s->tcp_flags = TCP_ACK;
      } else {
        from_client = false;
        fl->data_left--;
        s->tcp_flags = fl->data_left == 0 ? TCP_PSH | TCP_ACK : TCP_ACK;
        s->payload = gen_rng_below(&g->rng, 100) < 65
                         ? mss
                         : (int)gen_rng_range(&g->rng, 1, (uint32_t)mss);
      }
    } else if (fl->ends_with_rst) {
      if (fl->data_left < 0)
        return false;
      fl->data_left = -1;
      from_client = false;
      s->tcp_flags = TCP_RST | TCP_ACK;
      s->tcp_opts = 0;
    } else {
      int close_step = fl->data_left--; /* 0, -1, -2: FIN, FIN, ACK */

      if (close_step < -2)
        return false;
      from_client = close_step != -1;
      s->tcp_flags = close_step == -2 ? TCP_ACK : TCP_FIN | TCP_ACK;
    }
    if (from_client) {
      s->seq = fl->cseq;
      s->ack = fl->sseq;
      fl->cseq +=
          (uint32_t)s->payload + ((s->tcp_flags & (TCP_SYN | TCP_FIN)) ? 1 : 0);
    } else {
      s->seq = fl->sseq;
      s->ack = fl->cseq;
      fl->sseq +=
          (uint32_t)s->payload + ((s->tcp_flags & (TCP_SYN | TCP_FIN)) ? 1 : 0);
    }
  }
  gen_mixed_ends(s, fl->loc, from_client, fl->cli, fl->srv, fl->cport,
                 fl->sport);
  return true;
}

void gen_scenario_mixed(struct gen *g, uint64_t packets) {
  struct flow *flows = calloc(MIXED_FLOWS, sizeof *flows);
  struct ipspec s;

  if (flows == NULL)
    gen_die("out of memory");
  for (int i = 0; i < MIXED_FLOWS; i++)
    flow_init(g, &flows[i]);
  /* flows start part way through, so handshakes are spread over the file */
  for (int i = 0; i < MIXED_FLOWS; i++)
    flows[i].step = (int)gen_rng_below(&g->rng, 4);
  for (uint64_t done = 0; done < packets; done++) {
    uint32_t r = gen_rng_below(&g->rng, 1000);

    if (r == 0) {
      int addr = gen_rng_below(&g->rng, 2) ? ADDR_RX : ADDR_TX;

      gen_emit_malformed(g, gen_rng_below(&g->rng, 4), addr, "mixed_");
      continue;
    }
    if (r <= 2 && gen_link_has_ethertype(g)) {
      gen_begin_non_ip(g, &gen_enc_plain, ETH_ARP, "mixed_arp", NULL);
      gen_put_arp(g, 2);
      gen_emit_non_ip(g);
      continue;
    }
    struct flow *fl = &flows[gen_rng_below(&g->rng, MIXED_FLOWS)];

    while (!flow_next(g, fl, &s))
      flow_init(g, fl);
    gen_build_ip(g, &gen_enc_plain, &s,
                 fl->kind == FK_TCP   ? "mixed_tcp"
                 : fl->kind == FK_DNS ? "mixed_dns"
                                      : "mixed_ping");
    gen_emit(g, CAP_ALL, R_NONE);
  }
  free(flows);
}
