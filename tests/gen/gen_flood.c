/* gen_flood.c - the flood scenario: spoofed TCP SYNs from random sources for
 * cardinality and memory tests, with a little legitimate traffic as real heavy
 * hitters. */
#include "gen_flows.h"

#include <string.h>

#include "gen_model.h"

/* The whole capture spans this much packet time: no flow times out. */
#define FLOOD_SPAN_US 10000000ULL

static const uint8_t server4[3][4] = {
    {198, 18, 0, 10}, {198, 18, 0, 11}, {198, 18, 0, 12}};
static const uint8_t server6[2][16] = {
    {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10},
    {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11},
};

/* Established connections seen mid-way: remote clients and local servers;
 * the first ones carry the most traffic. */
struct legit {
  const char *name;
  int ver;
  uint8_t cli[16];
  const uint8_t *srv;
  uint16_t cport, sport;
  bool upload; /* the client sends the data */
  uint32_t cseq, sseq;
};

/* clang-format off */
static struct legit legit[] = {
  {"flood_legit_https", 4, {198, 19, 200, 1}, server4[0], 0, 443, false, 0, 0},
  {"flood_legit_http", 4, {198, 19, 200, 2}, server4[1], 0, 80, false, 0, 0},
  {"flood_legit_https_v6", 6, {0x20, 0x01, 0x0d, 0xb8, 0, 2, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 1}, server6[0], 0, 443, false, 0, 0},
  {"flood_legit_upload", 4, {198, 19, 200, 1}, server4[2], 0, 80, true, 0, 0},
};
/* clang-format on */
/* Shares of the legitimate packets, in thousandths: the flows differ. */
static const uint32_t legit_share[] = {400, 300, 200, 100};

static void legit_packet(struct gen *g, struct ipspec *s) {
  uint32_t r = gen_rng_below(&g->rng, 1000), acc = 0;
  size_t i = 0;

  while (r >= acc + legit_share[i]) {
    acc += legit_share[i];
    i++;
  }
  struct legit *l = &legit[i];
  /* two data segments for each acknowledgement */
  bool data = gen_rng_below(&g->rng, 3) != 0;
  bool from_cli = data == l->upload;
  uint32_t *mine = from_cli ? &l->cseq : &l->sseq,
           *theirs = from_cli ? &l->sseq : &l->cseq;

  s->ver = l->ver;
  s->proto = 6;
  s->addr = from_cli ? ADDR_RX : ADDR_TX;
  s->src = from_cli ? l->cli : l->srv;
  s->dst = from_cli ? l->srv : l->cli;
  s->sport = from_cli ? l->cport : l->sport;
  s->dport = from_cli ? l->sport : l->cport;
  s->tcp_flags = data ? TCP_ACK | TCP_PSH : TCP_ACK;
  s->tcp_opts = 12;
  s->payload = data ? (l->ver == 4 ? 1448 : 1428) : 0;
  s->seq = *mine;
  s->ack = *theirs;
  *mine += (uint32_t)s->payload;
  s->pkttype = from_cli ? PT_HOST : PT_OUTGOING;
}

void gen_scenario_flood(struct gen *g, uint64_t packets, bool counts) {
  uint64_t start = g->ts_us;
  struct model m;
  struct mpkt mp;
  uint8_t src[16];

  for (size_t i = 0; i < sizeof legit / sizeof legit[0]; i++) {
    legit[i].cport = (uint16_t)gen_rng_range(&g->rng, 49152, 65535);
    legit[i].cseq = (uint32_t)gen_rng_next(&g->rng) | 1;
    legit[i].sseq = (uint32_t)gen_rng_next(&g->rng) | 1;
  }
  gen_model_init(&m, false);
  for (uint64_t n = 0; n < packets; n++) {
    struct ipspec s;
    const char *what;

    memset(&s, 0, sizeof s);
    s.fixed_pkttype = true;
    if (gen_rng_below(&g->rng, 1000) < 20) {
      legit_packet(g, &s);
      what = "flood_legit";
    } else {
      uint64_t r = gen_rng_next(&g->rng);

      /* a spoofed SYN: 198.18.0.0/15 or 2001:db8:2::/48, to a server */
      s.proto = 6;
      s.tcp_flags = TCP_SYN;
      s.tcp_opts = (r & 1) ? 20 : 0;
      s.sport = (uint16_t)gen_rng_range(&g->rng, 1024, 65535);
      s.dport = (r & 2) ? 443 : 80;
      memset(src, 0, sizeof src);
      if (r & 4) {
        uint32_t a = (uint32_t)(r >> 32) & 0x1ffff;

        s.ver = 4;
        src[0] = 198;
        src[1] = (uint8_t)(18 + (a >> 16));
        src[2] = (uint8_t)(a >> 8);
        src[3] = (uint8_t)a;
        s.dst = server4[gen_rng_below(&g->rng, 3)];
        /* 198.18.0.0/16 is local too: such a SYN has both ends local */
        s.addr = src[1] == 18 ? ADDR_BOTH : ADDR_RX;
      } else {
        uint64_t low = gen_rng_next(&g->rng);

        s.ver = 6;
        src[0] = 0x20;
        src[1] = 0x01;
        src[2] = 0x0d;
        src[3] = 0xb8;
        src[5] = 2;
        src[6] = (uint8_t)(r >> 56);
        src[7] = (uint8_t)(r >> 48);
        for (int i = 0; i < 8; i++)
          src[8 + i] = (uint8_t)(low >> (56 - 8 * i));
        s.dst = server6[gen_rng_below(&g->rng, 2)];
        s.addr = ADDR_RX;
      }
      s.src = src;
      s.pkttype = PT_HOST;
      what = "flood_syn";
    }
    GEN_ASSERT(gen_build_ip(g, &gen_enc_plain, &s, what));
    g->ts_us = start + n * FLOOD_SPAN_US / packets;
    gen_model_mpkt(&s, &gen_enc_plain, g->ts_us, (uint32_t)g->f.n, -1, &mp);
    gen_model_packet(&m, &mp);
    gen_emit(g, CAP_ALL, R_NONE);
  }
  gen_model_finish(&m);
  GEN_ASSERT(m.expired == 0);
  gen_model_lines(&m, &g->truth, false, counts);
  gen_model_free(&m);
}
