/* gen_services.c - the services scenario (gen_services.h): 7,000 flows at
 * a time, interleaved like the mixed scenario's - 55% TLS on 443 (a
 * handshake, a ClientHello, a third of them browser-sized over two
 * segments sent back to back, a ServerHello, the server's data, FINs), 30% DNS
 * over UDP, 5% DNS over TCP (one query and its answer on a connection), 10%
 * plain TCP on 80 - over 500 names, the popular ones far more often. */
#include "gen_services.h"

#include "gen_mixed.h"
#include "gen_svc_msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SVC_FLOWS 7000
#define SVC_NAMES 500

enum svc_kind { SK_TLS, SK_DNS_UDP, SK_DNS_TCP, SK_TCP };

struct svc_flow {
  enum svc_kind kind;
  enum locality loc;
  int ver, step, data_left, closing;
  uint8_t cli[16], srv[16];
  uint16_t cport, sport, id, qtype;
  uint32_t cseq, sseq;
  unsigned name;
  int rcode;
  bool browser;
  bool more; /* the request goes on in the next packet */
};

static void svc_name(unsigned i, char *out, size_t n) {
  snprintf(out, n, "host%u.site%u.example", i % 7, i);
}

static void svc_init(struct gen *g, struct svc_flow *fl) {
  uint32_t k = gen_rng_below(&g->rng, 100), l = gen_rng_below(&g->rng, 100);
  static const uint16_t qtypes[] = {1, 1, 1, 28, 28, 5, 15, 16};
  fl->kind = k < 55   ? SK_TLS
             : k < 85 ? SK_DNS_UDP
             : k < 90 ? SK_DNS_TCP
                      : SK_TCP;
  fl->ver = gen_rng_below(&g->rng, 100) < 7 ? 6 : 4;
  fl->loc = l < 90 ? LOC_OUT : LOC_IN;
  gen_mixed_addr(g, fl->ver, fl->loc == LOC_OUT, fl->cli);
  gen_mixed_addr(g, fl->ver, fl->loc == LOC_IN, fl->srv);
  fl->cport = (uint16_t)gen_rng_range(&g->rng, 32768, 60999);
  fl->sport = fl->kind == SK_TLS ? 443 : fl->kind == SK_TCP ? 80 : 53;
  fl->cseq = (uint32_t)gen_rng_next(&g->rng);
  fl->sseq = (uint32_t)gen_rng_next(&g->rng);
  fl->step = fl->closing = 0;
  fl->data_left = (int)gen_rng_range(&g->rng, 1, 20);
  /* popular names far more often: a skewed pick */
  fl->name = gen_rng_below(&g->rng, gen_rng_below(&g->rng, SVC_NAMES) + 1);
  fl->browser = gen_rng_below(&g->rng, 3) == 0;
  fl->id = (uint16_t)gen_rng_next(&g->rng);
  fl->qtype = qtypes[gen_rng_below(&g->rng, 8)];
  fl->rcode = gen_rng_below(&g->rng, 10) == 0 ? 3 : 0;
}

/* The flow's message for this step: the client's (request, hello) or the
 * server's (answer, ServerHello). Returns its length. */
static size_t svc_message(const struct svc_flow *fl, bool from_client,
                          uint8_t *out) {
  char name[64];
  bool tcp = fl->kind == SK_DNS_TCP;
  svc_name(fl->name, name, sizeof(name));
  if (fl->kind == SK_TLS)
    return from_client ? svc_tls_client_hello(out, name, fl->browser)
                       : svc_tls_server_hello(out);
  return from_client
             ? svc_dns_query(out, fl->id, name, fl->qtype, tcp)
             : svc_dns_response(out, fl->id, name, fl->qtype, fl->rcode, tcp);
}

/* TCP's steps: handshake (0-2), the client's message in segments of at
 * most `mss` (from 3), the server's, then data and FINs. */
static bool svc_tcp_step(struct gen *g, struct svc_flow *fl, struct ipspec *s,
                         bool *from_client, uint8_t *msg) {
  int mss = (fl->ver == 4 ? 1460 : 1440) - 12, step = fl->step - 1;
  s->proto = 6;
  s->tcp_opts = 12;
  s->tcp_flags = TCP_ACK;
  if (step < 3) {
    static const uint8_t flags[3] = {TCP_SYN, TCP_SYN | TCP_ACK, TCP_ACK};
    s->tcp_flags = flags[step];
    s->tcp_opts = step < 2 ? 20 : 12;
    *from_client = step != 1;
    return true;
  }
  size_t req = fl->kind == SK_TCP ? 300 : svc_message(fl, true, msg);
  int req_segs = (int)((req + (size_t)mss - 1) / (size_t)mss);
  if (step < 3 + req_segs) { /* the request, a segment at a time */
    int at = (step - 3) * mss, n = (int)req - at < mss ? (int)req - at : mss;
    s->payload = n;
    s->data = fl->kind == SK_TCP ? NULL : msg + at;
    s->tcp_flags = TCP_PSH | TCP_ACK;
    fl->more = step < 2 + req_segs;
    return true;
  }
  step -= 3 + req_segs;
  if (step == 0 && fl->kind != SK_TCP) { /* the answer */
    s->payload = (int)svc_message(fl, false, msg);
    s->data = msg;
    s->tcp_flags = TCP_PSH | TCP_ACK;
    *from_client = false;
    return true;
  }
  if (fl->kind != SK_DNS_TCP && fl->data_left-- > 0) {
    *from_client = false;
    s->payload = (int)gen_rng_range(&g->rng, 100, (uint32_t)mss);
    return true;
  }
  int close = fl->closing++; /* FIN, FIN, ACK */
  if (close > 2)
    return false;
  *from_client = close != 1;
  s->tcp_flags = close == 2 ? TCP_ACK : TCP_FIN | TCP_ACK;
  return true;
}

/* Fills s for one packet of the flow; false once the flow is over. */
static bool svc_next(struct gen *g, struct svc_flow *fl, struct ipspec *s,
                     uint8_t *msg) {
  bool from_client = true;
  memset(s, 0, sizeof(*s));
  s->ver = fl->ver;
  fl->step++;
  if (fl->kind == SK_DNS_UDP) {
    if (fl->step > 2)
      return false;
    from_client = fl->step == 1;
    s->proto = 17;
    s->payload = (int)svc_message(fl, from_client, msg);
    s->data = msg;
  } else if (!svc_tcp_step(g, fl, s, &from_client, msg)) {
    return false;
  }
  if (s->proto == 6) {
    uint32_t *seq = from_client ? &fl->cseq : &fl->sseq;
    s->seq = *seq;
    s->ack = from_client ? fl->sseq : fl->cseq;
    *seq +=
        (uint32_t)s->payload + ((s->tcp_flags & (TCP_SYN | TCP_FIN)) ? 1 : 0);
  }
  gen_mixed_ends(s, fl->loc, from_client, fl->cli, fl->srv, fl->cport,
                 fl->sport);
  return true;
}

void gen_scenario_services(struct gen *g, uint64_t packets) {
  struct svc_flow *flows = calloc(SVC_FLOWS, sizeof(*flows));
  static uint8_t msg[SVC_MSG_MAX];
  static const char *const what[] = {"svc_tls", "svc_dns_udp", "svc_dns_tcp",
                                     "svc_tcp"};
  struct ipspec s;
  if (flows == NULL)
    gen_die("out of memory");
  for (int i = 0; i < SVC_FLOWS; i++)
    svc_init(g, &flows[i]);
  struct svc_flow *fl = NULL;
  for (uint64_t done = 0; done < packets; done++) {
    /* A client sends its request's segments back to back. */
    if (fl == NULL || !fl->more)
      fl = &flows[gen_rng_below(&g->rng, SVC_FLOWS)];
    fl->more = false;
    while (!svc_next(g, fl, &s, msg))
      svc_init(g, fl);
    gen_build_ip(g, &gen_enc_plain, &s, what[fl->kind]);
    gen_emit(g, CAP_ALL, R_NONE);
  }
  free(flows);
}
