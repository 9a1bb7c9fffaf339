/* gen_flows.c - the flows scenario: scripted conversations over two hours of
 * packet time, with the flow table, top-N and distinct counts they must
 * produce. */
#include "gen_flows.h"

#include <stdlib.h>
#include <string.h>

#include "gen_model.h"

#define SEC(x) ((uint64_t)(x)*1000000ULL)
#define MSEC(x) ((uint64_t)(x)*1000ULL)

/* The capture ends with a packet of the long-lived SSH session here. */
#define END SEC(7200)

#define MAX_CONV 64
#define MAX_HOSTS 32

enum fp_what { FP_IP, FP_ARP, FP_LLDP, FP_FAMILY, FP_BAD };

struct host {
  uint8_t a[16];
  int ver;
  bool local;
};

/* One conversation: the endpoints of one flow key. The client is the end
 * the script has start it (or that would have, for flows seen late). */
struct fconv {
  const char *name;
  int ver;
  uint8_t proto;
  const struct host *cli, *srv;
  uint16_t cport, sport;
  struct encap enc;
  bool ts_opts;        /* TCP timestamps: 12 bytes of options per segment */
  uint32_t rtt;        /* µs */
  uint32_t cseq, sseq; /* next TCP sequence numbers, while emitting */
};

/* One frame of the plan. */
struct fpkt {
  uint64_t ts; /* µs from the start of the capture */
  uint32_t order;
  int16_t conv;
  uint8_t what; /* enum fp_what */
  bool from_cli;
  uint8_t flags, frag, icmp_type, icmp_code;
  uint16_t icmp_id, icmp_seq;
  int tcp_opts, payload;
};

struct plan {
  struct gen *g;
  struct host hosts[MAX_HOSTS];
  int nhosts;
  struct fconv conv[MAX_CONV];
  int nconv;
  struct fpkt *p;
  size_t n, cap;
};

/* ---- hosts and conversations ---- */

/* A fresh address, never one already handed out (see gen_put_addr). */
static const struct host *new_host(struct plan *pl, int ver, bool local) {
  struct host *h;

  GEN_ASSERT(pl->nhosts < MAX_HOSTS);
  h = &pl->hosts[pl->nhosts];
  memset(h, 0, sizeof *h);
  h->ver = ver;
  h->local = local;
  for (;;) {
    struct rng *r = &pl->g->rng;
    bool dup = false;

    if (ver == 4) {
      h->a[0] = 198;
      h->a[1] = local ? 18 : 19;
      h->a[2] = (uint8_t)gen_rng_below(r, 256);
      h->a[3] = (uint8_t)gen_rng_range(r, 1, 254);
    } else {
      static const uint8_t pfx[4] = {0x20, 0x01, 0x0d, 0xb8};
      uint32_t low = gen_rng_range(r, 1, 0xffff);

      memcpy(h->a, pfx, 4);
      h->a[5] = local ? 1 : 2;
      h->a[7] = (uint8_t)gen_rng_below(r, 16);
      h->a[14] = (uint8_t)(low >> 8);
      h->a[15] = (uint8_t)low;
    }
    for (int i = 0; i < pl->nhosts; i++)
      dup |= pl->hosts[i].ver == ver && memcmp(pl->hosts[i].a, h->a, 16) == 0;
    if (!dup)
      break;
  }
  return &pl->hosts[pl->nhosts++];
}

static uint16_t eph_port(struct plan *pl) {
  return (uint16_t)gen_rng_range(&pl->g->rng, 49152, 65535);
}

/* A conversation; -1 (and its packets are left out) for VLAN tags on a link
 * type without EtherType. vlan_outer 0: untagged; vlan_inner 0: one tag. */
static int new_conv(struct plan *pl, const char *name, uint8_t proto,
                    const struct host *cli, uint16_t cport,
                    const struct host *srv, uint16_t sport, uint16_t vlan_outer,
                    uint16_t vlan_inner) {
  struct fconv *c;

  GEN_ASSERT(cli->ver == srv->ver && pl->nconv < MAX_CONV);
  if (vlan_outer && !gen_link_has_ethertype(pl->g))
    return -1;
  c = &pl->conv[pl->nconv];
  memset(c, 0, sizeof *c);
  c->name = name;
  c->ver = cli->ver;
  c->proto = proto;
  c->cli = cli;
  c->srv = srv;
  c->cport = cport;
  c->sport = sport;
  c->enc.name = "plain";
  if (vlan_outer && vlan_inner) {
    c->enc.name = "qinq";
    c->enc.ntags = 2;
    c->enc.tpid[0] = ETH_QINQ;
    c->enc.tpid[1] = ETH_VLAN;
    c->enc.vid[0] = vlan_outer;
    c->enc.vid[1] = vlan_inner;
  } else if (vlan_outer) {
    c->enc.name = "vlan";
    c->enc.ntags = 1;
    c->enc.tpid[0] = ETH_VLAN;
    c->enc.vid[0] = vlan_outer;
  }
  c->ts_opts = proto == 6 && gen_rng_below(&pl->g->rng, 2);
  c->rtt = gen_rng_range(&pl->g->rng, 8000, 90000);
  c->cseq = (uint32_t)gen_rng_next(&pl->g->rng) | 1;
  c->sseq = (uint32_t)gen_rng_next(&pl->g->rng) | 1;
  GEN_ASSERT((proto != 6 && proto != 17 && proto != 132) || (cport && sport));
  return pl->nconv++;
}

/* ---- the plan ---- */

static struct fpkt *add(struct plan *pl, int conv, uint64_t t, bool from_cli,
                        enum fp_what what) {
  struct fpkt *p;

  if (pl->n == pl->cap) {
    size_t cap = pl->cap ? 2 * pl->cap : 1024;
    struct fpkt *np = realloc(pl->p, cap * sizeof *np);

    if (np == NULL)
      gen_die("out of memory");
    pl->p = np;
    pl->cap = cap;
  }
  p = &pl->p[pl->n];
  memset(p, 0, sizeof *p);
  p->ts = t;
  p->order = (uint32_t)pl->n++;
  p->conv = (int16_t)conv;
  p->what = (uint8_t)what;
  p->from_cli = from_cli;
  return p;
}

static uint32_t rnd(struct plan *pl, uint32_t lo, uint32_t hi) {
  return gen_rng_range(&pl->g->rng, lo, hi);
}

static int mss(const struct fconv *c) {
  /* segments that fill a 1514-byte Ethernet frame */
  return (c->ver == 4 ? 1460 : 1440) - (c->ts_opts ? 12 : 0);
}

static void seg(struct plan *pl, int c, uint64_t t, bool from_cli,
                uint8_t flags, int payload) {
  struct fpkt *p;
  const struct fconv *cv;

  if (c < 0)
    return;
  cv = &pl->conv[c];
  p = add(pl, c, t, from_cli, FP_IP);
  p->flags = flags;
  p->payload = payload;
  if (flags & TCP_SYN)
    p->tcp_opts = cv->ts_opts ? 20 : 8;
  else
    p->tcp_opts = cv->ts_opts ? 12 : 0;
}

static uint64_t handshake(struct plan *pl, int c, uint64_t t) {
  uint32_t rtt = c < 0 ? 0 : pl->conv[c].rtt;

  seg(pl, c, t, true, TCP_SYN, 0);
  seg(pl, c, t + rtt, false, TCP_SYN | TCP_ACK, 0);
  seg(pl, c, t + rtt + 40, true, TCP_ACK, 0);
  return t + rtt + 40;
}

/* nseg data segments from one side (full-size, or from min_len up to the
 * MSS when min_len > 0), the other side acknowledging every second one. */
static uint64_t bulk(struct plan *pl, int c, uint64_t t, bool from_cli,
                     int nseg, int min_len) {
  uint32_t rtt;

  if (c < 0)
    return t;
  rtt = pl->conv[c].rtt;
  for (int i = 0; i < nseg; i++) {
    bool last = i + 1 == nseg;
    int len = min_len
                  ? (int)rnd(pl, (uint32_t)min_len, (uint32_t)mss(&pl->conv[c]))
                  : mss(&pl->conv[c]);

    t += rnd(pl, 40, 900);
    seg(pl, c, t, from_cli, last ? TCP_PSH | TCP_ACK : TCP_ACK, len);
    if (i % 2 == 1 || last)
      seg(pl, c, t + rtt / 2, !from_cli, TCP_ACK, 0);
  }
  return t + rtt / 2 + 100;
}

/* A request and its response (resp 0: just an acknowledgement, data follows).
 */
static uint64_t exchange(struct plan *pl, int c, uint64_t t, int req,
                         int resp) {
  uint32_t rtt = c < 0 ? 0 : pl->conv[c].rtt;

  seg(pl, c, t, true, TCP_PSH | TCP_ACK, req);
  seg(pl, c, t + rtt, false, resp ? TCP_PSH | TCP_ACK : TCP_ACK, resp);
  seg(pl, c, t + rtt + 200, true, TCP_ACK, 0);
  return t + rtt + 200;
}

/* FIN from one side, FIN from the other, the last ACK. */
static uint64_t fin_close(struct plan *pl, int c, uint64_t t, bool cli_first) {
  uint32_t rtt = c < 0 ? 0 : pl->conv[c].rtt;

  seg(pl, c, t, cli_first, TCP_FIN | TCP_ACK, 0);
  seg(pl, c, t + rtt / 2, !cli_first, TCP_FIN | TCP_ACK, 0);
  seg(pl, c, t + rtt / 2 + 60, cli_first, TCP_ACK, 0);
  return t + rtt / 2 + 60;
}

static void dgram(struct plan *pl, int c, uint64_t t, bool from_cli,
                  int payload, int frag) {
  struct fpkt *p;

  if (c < 0)
    return;
  p = add(pl, c, t, from_cli, FP_IP);
  p->payload = payload;
  p->frag = (uint8_t)frag;
}

static void icmp(struct plan *pl, int c, uint64_t t, bool from_cli,
                 uint8_t type, uint8_t code, uint16_t id, uint16_t seq,
                 int payload) {
  struct fpkt *p;

  if (c < 0)
    return;
  p = add(pl, c, t, from_cli, FP_IP);
  p->icmp_type = type;
  p->icmp_code = code;
  p->icmp_id = id;
  p->icmp_seq = seq;
  p->payload = payload;
}

/* n echo requests and their replies, one a second. */
static void pings(struct plan *pl, int c, uint64_t t, uint16_t id,
                  uint16_t seq0, int n) {
  bool v6;
  uint32_t rtt;

  if (c < 0)
    return;
  v6 = pl->conv[c].ver == 6;
  rtt = pl->conv[c].rtt;
  for (int i = 0; i < n; i++) {
    icmp(pl, c, t + SEC(i), true, v6 ? 128 : 8, 0, id, (uint16_t)(seq0 + i),
         56);
    icmp(pl, c, t + SEC(i) + rtt, false, v6 ? 129 : 0, 0, id,
         (uint16_t)(seq0 + i), 56);
  }
}

static void nonip(struct plan *pl, uint64_t t, enum fp_what what) {
  add(pl, -1, t, false, what);
}

/* ---- the script ---- */

/* Echo identifiers: distinct and never 0 (an identifier 0 would make the
 * name end in no "_id"). */
static uint16_t echo_id(struct plan *pl, uint16_t *used, int *nused) {
  for (;;) {
    uint16_t id = (uint16_t)rnd(pl, 1, 65535);
    bool dup = false;

    for (int i = 0; i < *nused; i++)
      dup |= used[i] == id;
    if (!dup) {
      used[(*nused)++] = id;
      return id;
    }
  }
}

static void script(struct plan *pl) {
  struct gen *g = pl->g;
  uint16_t ids[16];
  int nids = 0;
  uint64_t t;
  int c, c2, req;

  /* one draw from the PRNG per statement: the order in which a call's
   * arguments are evaluated is unspecified, and must not change the output */

  /* local (LocalNetwork) and remote hosts */
  const struct host *l1 = new_host(pl, 4, true), *l2 = new_host(pl, 4, true),
                    *l3 = new_host(pl, 4, true);
  const struct host *l4 = new_host(pl, 4, true), *l5 = new_host(pl, 4, true),
                    *l6 = new_host(pl, 4, true);
  const struct host *r1 = new_host(pl, 4, false), *r2 = new_host(pl, 4, false),
                    *r3 = new_host(pl, 4, false);
  const struct host *r4 = new_host(pl, 4, false), *r5 = new_host(pl, 4, false),
                    *r6 = new_host(pl, 4, false);
  const struct host *r7 = new_host(pl, 4, false), *r8 = new_host(pl, 4, false),
                    *r9 = new_host(pl, 4, false);
  const struct host *r10 = new_host(pl, 4, false), *rt = new_host(pl, 4, false);
  const struct host *l7 = new_host(pl, 6, true), *l8 = new_host(pl, 6, true);
  const struct host *r11 = new_host(pl, 6, false),
                    *r12 = new_host(pl, 6, false);
  const struct host *r13 = new_host(pl, 6, false),
                    *r14 = new_host(pl, 6, false);

  /* HTTPS download, FIN/FIN; a trailing ACK while closed (same flow); the
   * client reuses its port with a new SYN 4 s after the close (the closed
   * flow ends: expired, new); that one ends with RST; 15 s later a stray ACK
   * finds the closed flow past its 10 s and starts a flow seen mid-way */
  c = new_conv(pl, "https_v4", 6, l1, eph_port(pl), r1, 443, 0, 0);
  t = handshake(pl, c, SEC(2));
  t = exchange(pl, c, t + MSEC(1), (int)rnd(pl, 300, 700), 0);
  t = bulk(pl, c, t, false, 110, 0);
  t = fin_close(pl, c, t + MSEC(5), true);
  seg(pl, c, t + SEC(2), false, TCP_ACK, 0);
  t = handshake(pl, c, t + SEC(4));
  req = (int)rnd(pl, 300, 700);
  t = exchange(pl, c, t + MSEC(1), req, (int)rnd(pl, 100, 900));
  t = bulk(pl, c, t, false, 12, 0);
  seg(pl, c, t + MSEC(20), false, TCP_RST | TCP_ACK, 0);
  seg(pl, c, t + MSEC(20) + SEC(15), true, TCP_ACK, 0);

  /* HTTP, the server closes first; the same 5-tuple in VLAN 100: a
   * flow of its own */
  c = new_conv(pl, "http_v4", 6, l2, eph_port(pl), r2, 80, 0, 0);
  c2 = new_conv(pl, "http_v4_vlan", 6, l2, pl->conv[c].cport, r2, 80, 100, 0);
  t = handshake(pl, c, SEC(30));
  t = exchange(pl, c, t, (int)rnd(pl, 200, 500), 0);
  t = bulk(pl, c, t, false, 30, 200);
  fin_close(pl, c, t + MSEC(3), false);
  t = handshake(pl, c2, SEC(31));
  t = exchange(pl, c2, t, (int)rnd(pl, 200, 500), 0);
  t = bulk(pl, c2, t, false, 20, 200);
  fin_close(pl, c2, t + MSEC(3), true);

  /* HTTPS over IPv6 */
  c = new_conv(pl, "https_v6", 6, l7, eph_port(pl), r11, 443, 0, 0);
  t = handshake(pl, c, SEC(50));
  t = exchange(pl, c, t, (int)rnd(pl, 300, 700), 0);
  t = bulk(pl, c, t, false, 80, 0);
  fin_close(pl, c, t + MSEC(2), true);

  /* SSH, first seen mid-connection (a server segment), for the whole
   * capture: keystrokes and echoes at most 250 s apart (never idle 300 s),
   * so every 1800 s the active timeout ends the flow and the next packet
   * starts a new one; the last packet of the capture is one of it */
  c = new_conv(pl, "ssh_v4", 6, l3, eph_port(pl), r3, 22, 0, 0);
  seg(pl, c, SEC(1), false, TCP_PSH | TCP_ACK, (int)rnd(pl, 36, 120));
  for (t = SEC(1); t + SEC(250) < END - SEC(10);) {
    uint32_t rtt = pl->conv[c].rtt;
    int n = (int)rnd(pl, 1, 4);

    t += SEC(rnd(pl, 5, 250));
    t += rnd(pl, 0, 999999);
    for (int i = 0; i < n; i++) {
      bool cli = rnd(pl, 0, 4) != 0;

      seg(pl, c, t + MSEC(300 * i), cli, TCP_PSH | TCP_ACK,
          (int)rnd(pl, 36, 120));
      seg(pl, c, t + MSEC(300 * i) + rtt, !cli, TCP_PSH | TCP_ACK,
          (int)rnd(pl, 36, 200));
      seg(pl, c, t + MSEC(300 * i) + rtt + 150, cli, TCP_ACK, 0);
    }
  }
  seg(pl, c, END, false, TCP_PSH | TCP_ACK, (int)rnd(pl, 36, 120));

  /* seen mid-connection where the lower port is the client's: the
   * service is the lower port, 1023; then idle until it times out */
  c = new_conv(pl, "mid_lowport_v4", 6, l4, 1023, r4, 5001, 0, 0);
  t = SEC(200);
  for (int i = 0; i < 6; i++) {
    t += SEC(rnd(pl, 1, 4));
    req = (int)rnd(pl, 50, 400);
    t = exchange(pl, c, t, req, (int)rnd(pl, 100, 1200));
  }

  /* IPv6, seen mid-connection, closed by FIN/FIN; an ACK 5 s later
   * lingers in the closed flow */
  c = new_conv(pl, "mid_fin_v6", 6, l8, eph_port(pl), r12, 8443, 0, 0);
  t = SEC(400);
  for (int i = 0; i < 5; i++) {
    seg(pl, c, t, false, TCP_PSH | TCP_ACK, (int)rnd(pl, 100, 1300));
    seg(pl, c, t + MSEC(30), true, TCP_ACK, 0);
    t += SEC(rnd(pl, 1, 3));
  }
  t = fin_close(pl, c, t, false);
  seg(pl, c, t + SEC(5), true, TCP_ACK, 0);

  /* a remote client mails a local server and resets the connection;
   * the canonical order puts the (lower) local server first */
  c = new_conv(pl, "smtp_in_v4", 6, r5, eph_port(pl), l5, 25, 0, 0);
  t = handshake(pl, c, SEC(600));
  seg(pl, c, t + MSEC(2), false, TCP_PSH | TCP_ACK, (int)rnd(pl, 60, 100));
  req = (int)rnd(pl, 20, 40);
  t = exchange(pl, c, t + MSEC(100), req, (int)rnd(pl, 100, 200));
  t = bulk(pl, c, t, true, 15, 900);
  seg(pl, c, t + MSEC(10), true, TCP_RST | TCP_ACK, 0);

  /* first packet a SYN-ACK (the SYN was missed): the client started it */
  c = new_conv(pl, "synack_first_v4", 6, l1, eph_port(pl), r6, 993, 0, 0);
  t = SEC(700);
  seg(pl, c, t, false, TCP_SYN | TCP_ACK, 0);
  seg(pl, c, t + MSEC(1), true, TCP_ACK, 0);
  t = exchange(pl, c, t + MSEC(2), (int)rnd(pl, 100, 300), 0);
  t = bulk(pl, c, t, false, 8, 300);
  fin_close(pl, c, t + MSEC(5), true);

  /* idle 400 s (past the TCP timeout) and then a server segment: the
   * flow expired; the segment starts a new one seen mid-connection */
  c = new_conv(pl, "idle_gap_v4", 6, l1, eph_port(pl), r7, 8080, 0, 0);
  t = handshake(pl, c, SEC(900));
  t = exchange(pl, c, t, (int)rnd(pl, 100, 400), 0);
  t = bulk(pl, c, t, false, 5, 400);
  t += SEC(400);
  seg(pl, c, t, false, TCP_PSH | TCP_ACK, (int)rnd(pl, 100, 600));
  seg(pl, c, t + MSEC(20), true, TCP_ACK, 0);
  fin_close(pl, c, t + SEC(1), false);

  /* an unanswered SYN and its retransmissions */
  c = new_conv(pl, "syn_unanswered_v4", 6, l2, eph_port(pl), r8, 3389, 0, 0);
  seg(pl, c, SEC(1000), true, TCP_SYN, 0);
  seg(pl, c, SEC(1001), true, TCP_SYN, 0);
  seg(pl, c, SEC(1003), true, TCP_SYN, 0);
  seg(pl, c, SEC(1007), true, TCP_SYN, 0);

  /* DNS, a new source port each time (each expires after 60 s) */
  static const int dns4_at[] = {20, 1500, 3000}, dns6_at[] = {60, 2500};
  for (int i = 0; i < 3; i++) {
    c = new_conv(pl, "dns_v4", 17, l1, eph_port(pl), r9, 53, 0, 0);
    dgram(pl, c, SEC(dns4_at[i]), true, (int)rnd(pl, 30, 60), FR_NONE);
    dgram(pl, c, SEC(dns4_at[i]) + pl->conv[c].rtt, false,
          (int)rnd(pl, 60, 400), FR_NONE);
  }
  for (int i = 0; i < 2; i++) {
    c = new_conv(pl, "dns_v6", 17, l7, eph_port(pl), r13, 53, 0, 0);
    dgram(pl, c, SEC(dns6_at[i]), true, (int)rnd(pl, 30, 60), FR_NONE);
    dgram(pl, c, SEC(dns6_at[i]) + pl->conv[c].rtt, false,
          (int)rnd(pl, 60, 400), FR_NONE);
  }

  /* NTP polls of a local server; the gap from a reply to the next poll
   * decides: 64 s and exactly 60 s end the flow (idle >= UdpTimeout),
   * 59.999999 s does not */
  static const uint64_t ntp_gap[] = {SEC(64), SEC(60),   SEC(60) - 1,
                                     SEC(64), SEC(1000), SEC(64)};
  c = new_conv(pl, "ntp_in_v4", 17, r10, eph_port(pl), l6, 123, 0, 0);
  t = SEC(100);
  for (size_t i = 0; i <= sizeof ntp_gap / sizeof ntp_gap[0]; i++) {
    dgram(pl, c, t, true, 48, FR_NONE);
    dgram(pl, c, t + MSEC(5), false, 48, FR_NONE);
    if (i < sizeof ntp_gap / sizeof ntp_gap[0])
      t += MSEC(5) + ntp_gap[i];
  }

  /* QUIC, large datagrams both ways */
  c = new_conv(pl, "quic_v4", 17, l3, eph_port(pl), r1, 443, 0, 0);
  t = SEC(2000);
  dgram(pl, c, t, true, 1250, FR_NONE);
  for (int i = 0; i < 70; i++) {
    t += rnd(pl, 200, 3000);
    dgram(pl, c, t, false, (int)rnd(pl, 1000, 1350), FR_NONE);
    if (i % 3 == 2)
      dgram(pl, c, t + pl->conv[c].rtt / 2, true, (int)rnd(pl, 30, 80),
            FR_NONE);
  }

  /* a host talking to itself: the lower port is endpoint 0 */
  c = new_conv(pl, "same_addr_v4", 17, l5, 5000, l5, 4000, 0, 0);
  for (int i = 0; i < 3; i++) {
    dgram(pl, c, SEC(3500) + SEC(i), true, (int)rnd(pl, 100, 300), FR_NONE);
    dgram(pl, c, SEC(3500) + SEC(i) + MSEC(1), false, (int)rnd(pl, 100, 300),
          FR_NONE);
  }

  /* fragmented datagrams: first fragments belong to the 5-tuple,
   * later ones (no ports) to an address-pair flow of their own */
  c = new_conv(pl, "frag_v4", 17, l4, eph_port(pl), r2, 4789, 0, 0);
  for (int i = 0; i < 4; i++) {
    dgram(pl, c, SEC(4000) + MSEC(250 * i), true, 1472, FR_FIRST);
    dgram(pl, c, SEC(4000) + MSEC(250 * i) + 30, true, (int)rnd(pl, 200, 500),
          FR_LAST);
  }
  /* the far end answers two of them: port unreachable (an ICMP
   * error: an address-pair flow) */
  c2 = new_conv(pl, "icmp_unreach_v4", 1, l4, 0, r2, 0, 0, 0);
  icmp(pl, c2, SEC(4000) + MSEC(10), false, 3, 3, 0, 0, 28);
  icmp(pl, c2, SEC(4000) + MSEC(260), false, 3, 3, 0, 0, 28);
  c = new_conv(pl, "frag_v6", 17, l8, eph_port(pl), r13, 5353, 0, 0);
  for (int i = 0; i < 2; i++) {
    dgram(pl, c, SEC(4100) + MSEC(500 * i), true, 1444, FR_FIRST);
    dgram(pl, c, SEC(4100) + MSEC(500 * i) + 40, true, (int)rnd(pl, 100, 400),
          FR_LAST);
  }

  /* syslog in QinQ 200/300 */
  c = new_conv(pl, "syslog_qinq_v4", 17, l2, eph_port(pl), r9, 514, 200, 300);
  for (int i = 0; i < 10; i++)
    dgram(pl, c, SEC(3600) + MSEC(700 * i), true, (int)rnd(pl, 80, 400),
          FR_NONE);

  /* transit: neither end is local */
  c = new_conv(pl, "transit_dns_v4", 17, r2, eph_port(pl), r9, 53, 0, 0);
  dgram(pl, c, SEC(3700), true, (int)rnd(pl, 30, 60), FR_NONE);
  dgram(pl, c, SEC(3700) + pl->conv[c].rtt, false, (int)rnd(pl, 60, 300),
        FR_NONE);

  /* RTP: many small packets both ways for 20 s */
  c = new_conv(pl, "rtp_v4", 17, l3, 16384, r2, 20000, 0, 0);
  for (int i = 0; i < 1000; i++) {
    dgram(pl, c, SEC(1800) + MSEC(20 * i), true, 32, FR_NONE);
    dgram(pl, c, SEC(1800) + MSEC(20 * i) + 7000, false, 32, FR_NONE);
  }

  /* pings: two identifiers between the same hosts are two flows; the
   * first comes back after 41 s idle (past IcmpTimeout): a new flow */
  c = new_conv(pl, "ping_v4", 1, l1, 0, r1, 0, 0, 0);
  uint16_t id = echo_id(pl, ids, &nids);
  pings(pl, c, SEC(10), id, 1, 10);
  pings(pl, c, SEC(60), id, 11, 5);
  pings(pl, c, SEC(12), echo_id(pl, ids, &nids), 1, 4);
  c = new_conv(pl, "ping_v6", 58, l7, 0, r11, 0, 0, 0);
  pings(pl, c, SEC(55), echo_id(pl, ids, &nids), 1, 8);
  /* near the end, so still in the table at the end */
  pings(pl, c, END - SEC(2), echo_id(pl, ids, &nids), 1, 2);
  /* an unanswered inbound ping */
  c = new_conv(pl, "ping_in_v4", 1, r5, 0, l5, 0, 0, 0);
  id = echo_id(pl, ids, &nids);
  for (int i = 0; i < 3; i++)
    icmp(pl, c, SEC(650) + SEC(i), true, 8, 0, id, (uint16_t)(i + 1), 56);
  /* a ping inside VLAN 100 */
  c = new_conv(pl, "ping_vlan_v4", 1, l2, 0, r2, 0, 100, 0);
  pings(pl, c, SEC(35), echo_id(pl, ids, &nids), 1, 3);

  /* ICMP errors: time exceeded from a router, ICMPv6 unreachable */
  c = new_conv(pl, "icmp_ttl_v4", 1, l1, 0, rt, 0, 0, 0);
  icmp(pl, c, SEC(1200), false, 11, 0, 0, 0, 28);
  icmp(pl, c, SEC(1201), false, 11, 0, 0, 0, 28);
  c = new_conv(pl, "icmpv6_unreach", 58, l7, 0, r13, 0, 0, 0);
  icmp(pl, c, SEC(2501), false, 1, 4, 0, 0, 48);
  icmp(pl, c, SEC(2502), false, 1, 4, 0, 0, 48);

  /* GRE: a burst, 100 s idle (past OtherTimeout: a new flow), then a
   * keepalive pair every 30 s to the end (1800 s after it began, the
   * active timeout ends that flow once) */
  c = new_conv(pl, "gre_v4", 47, l6, 0, r10, 0, 0, 0);
  t = SEC(5000);
  for (int i = 0; i < 100; i++) {
    bool from_cli;

    t += rnd(pl, 100000, 900000);
    from_cli = rnd(pl, 0, 1) != 0;
    dgram(pl, c, t, from_cli, (int)rnd(pl, 40, 700), FR_NONE);
  }
  for (t += SEC(100); t < END - SEC(5); t += SEC(30)) {
    dgram(pl, c, t, true, 24, FR_NONE);
    dgram(pl, c, t + MSEC(20), false, 24, FR_NONE);
  }

  /* ESP over IPv6 with a 71.5 s pause (a new flow), ESP over IPv4 */
  c = new_conv(pl, "esp_v6", 50, l8, 0, r14, 0, 0, 0);
  for (int i = 0; i < 20; i++)
    dgram(pl, c, SEC(300) + MSEC(1500 * i), i % 2 == 0, (int)rnd(pl, 60, 1000),
          FR_NONE);
  for (int i = 0; i < 10; i++)
    dgram(pl, c, SEC(400) + MSEC(2000 * i), i % 2 == 0, (int)rnd(pl, 60, 1000),
          FR_NONE);
  c = new_conv(pl, "esp_v4", 50, l4, 0, r4, 0, 0, 0);
  for (int i = 0; i < 6; i++)
    dgram(pl, c, SEC(4500) + MSEC(800 * i), i % 2 == 0, (int)rnd(pl, 60, 600),
          FR_NONE);

  /* SCTP (M3UA) */
  c = new_conv(pl, "sctp_v4", 132, l2, eph_port(pl), r4, 2905, 0, 0);
  for (int i = 0; i < 12; i++)
    dgram(pl, c, SEC(4200) + MSEC(400 * i), i % 2 == 0, (int)rnd(pl, 16, 200),
          FR_NONE);

  /* at the end: a connection closed 6 s before the end (lingers),
   * a DNS query in its 60 s */
  c = new_conv(pl, "https_late_v4", 6, l2, eph_port(pl), r1, 443, 0, 0);
  t = handshake(pl, c, END - SEC(8));
  req = (int)rnd(pl, 200, 500);
  t = exchange(pl, c, t, req, (int)rnd(pl, 200, 1400));
  fin_close(pl, c, END - SEC(6), true);
  c = new_conv(pl, "dns_late_v4", 17, l1, eph_port(pl), r9, 53, 0, 0);
  dgram(pl, c, END - SEC(3), true, (int)rnd(pl, 30, 60), FR_NONE);
  dgram(pl, c, END - SEC(3) + pl->conv[c].rtt, false, (int)rnd(pl, 60, 400),
        FR_NONE);

  /* frames without a flow: ARP, LLDP (or non-IP address families), and
   * malformed ones */
  for (t = SEC(3); t < END - SEC(30); t += SEC(120)) {
    if (gen_link_has_ethertype(g)) {
      if ((t / SEC(120)) % 5 == 0) {
        nonip(pl, t, FP_ARP);
        nonip(pl, t + MSEC(1), FP_ARP);
      }
      nonip(pl, t + SEC(4), FP_LLDP);
    } else if (g->link == LK_NULL || g->link == LK_LOOP) {
      nonip(pl, t, FP_FAMILY);
    }
  }
  for (t = SEC(150); t < END - SEC(30); t += SEC(700))
    nonip(pl, t, FP_BAD);
}

static int fpkt_cmp(const void *a, const void *b) {
  const struct fpkt *x = a, *y = b;

  if (x->ts != y->ts)
    return x->ts < y->ts ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

/* ---- from the plan to packets ---- */

static int addr_kind(bool src_local, bool dst_local) {
  return src_local && dst_local ? ADDR_BOTH
         : src_local            ? ADDR_TX
         : dst_local            ? ADDR_RX
                                : ADDR_NEITHER;
}

/* What gen_build_ip() is asked to build for an IP frame of the plan. */
static void make_spec(const struct plan *pl, const struct fpkt *p,
                      struct ipspec *s) {
  const struct fconv *c = &pl->conv[p->conv];
  bool fc = p->from_cli;
  const struct host *src = fc ? c->cli : c->srv, *dst = fc ? c->srv : c->cli;

  memset(s, 0, sizeof *s);
  s->ver = c->ver;
  s->proto = c->proto;
  s->addr = addr_kind(src->local, dst->local);
  s->src = src->a;
  s->dst = dst->a;
  s->sport = fc ? c->cport : c->sport;
  s->dport = fc ? c->sport : c->cport;
  s->tcp_flags = p->flags;
  s->tcp_opts = p->tcp_opts;
  s->payload = p->payload;
  s->frag = p->frag;
  if (c->ver == 6 && p->frag != FR_NONE) {
    s->n_ext = 1;
    s->ext[0] = 44;
  }
  if (c->proto == 1 || c->proto == 58) {
    s->icmp_set = true;
    s->icmp_type = p->icmp_type;
    s->icmp_code = p->icmp_code;
    s->icmp_id = p->icmp_id;
    s->icmp_seq = p->icmp_seq;
  }
  /* a cooked capture on the watched host: its own packets are outgoing */
  s->fixed_pkttype = true;
  s->pkttype = s->addr == ADDR_TX || (s->addr == ADDR_BOTH && fc) ? PT_OUTGOING
               : s->addr == ADDR_NEITHER                          ? PT_OTHERHOST
                                                                  : PT_HOST;
}

static size_t l4_len(const struct ipspec *s) {
  switch (s->proto) {
  case 6:
    return 20 + (size_t)s->tcp_opts;
  case 17:
  case 1:
  case 58:
  case 50:
    return 8;
  case 132:
    return 12;
  case 47:
    return 4;
  default:
    return 0;
  }
}

/* The frame's length before Ethernet padding, as gen_build_ip() lays it out. */
static size_t raw_len(const struct gen *g, const struct encap *e,
                      const struct ipspec *s) {
  size_t n = gen_link_infos[g->link].hdr_len + 4 * (size_t)e->ntags;

  n += s->ver == 4 ? 20 : 40 + 8 * (size_t)s->n_ext;
  if (s->frag != FR_MIDDLE && s->frag != FR_LAST)
    n += l4_len(s);
  return n + (size_t)s->payload;
}

static size_t wire_len(const struct gen *g, const struct encap *e,
                       const struct ipspec *s) {
  size_t n = raw_len(g, e, s);

  return g->link == LK_ETHERNET && n < 60 ? 60 : n;
}

/* Runs the model over the plan, with the lengths the frames will have. */
static void model_plan(const struct plan *pl, uint64_t start, struct model *m) {
  gen_model_init(m, true);
  for (size_t i = 0; i < pl->n; i++) {
    const struct fpkt *p = &pl->p[i];

    if (p->what != FP_IP) {
      gen_model_tick(m, start + p->ts);
      continue;
    }
    const struct encap *e = &pl->conv[p->conv].enc;
    struct ipspec s;
    struct mpkt mp;
    size_t raw;

    make_spec(pl, p, &s);
    raw = raw_len(pl->g, e, &s);
    /* a byte more changes the length: not padded, not a full frame */
    gen_model_mpkt(&s, e, start + p->ts, (uint32_t)wire_len(pl->g, e, &s),
                   raw > 60 && raw < 1500 && p->payload > 0 ? (int32_t)i : -1,
                   &mp);
    gen_model_packet(m, &mp);
  }
  gen_model_finish(m);
}

/* ---- frames without a flow ---- */

static const uint8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t lldp_mac[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e};

static void emit_nonip(struct gen *g, const struct fpkt *p, unsigned *arp_no,
                       unsigned *bad_no) {
  struct frame *f = &g->f;

  switch (p->what) {
  case FP_ARP:
    if ((*arp_no)++ % 2 == 0) {
      gen_begin_non_ip(g, &gen_enc_plain, ETH_ARP, "flows_arp_request",
                       bcast_mac);
      gen_put_arp(g, 1);
    } else {
      gen_begin_non_ip(g, &gen_enc_plain, ETH_ARP, "flows_arp_reply", NULL);
      gen_put_arp(g, 2);
    }
    gen_emit_non_ip(g);
    return;
  case FP_LLDP:
    gen_begin_non_ip(g, &gen_enc_plain, ETH_LLDP, "flows_lldp", lldp_mac);
    gen_put16(f, 1 << 9 | 7); /* chassis ID: MAC */
    gen_put8(f, 4);
    gen_put_peer_mac(g, f);
    gen_put16(f, 2 << 9 | 5); /* port ID: local */
    gen_put8(f, 7);
    gen_put(f, "eth0", 4);
    gen_put16(f, 3 << 9 | 2); /* TTL */
    gen_put16(f, 120);
    gen_put16(f, 0); /* end */
    gen_emit_non_ip(g);
    return;
  case FP_FAMILY:
    gen_begin_non_ip(g, &gen_enc_plain, 0, "flows_family_non_ip", NULL);
    gen_put_random(g, f, gen_rng_range(&g->rng, 20, 200));
    gen_emit_non_ip(g);
    return;
  default:
    break;
  }
  gen_emit_malformed(g, *bad_no % 4, *bad_no % 4 == 2 ? ADDR_TX : ADDR_RX,
                     "flows_bad_");
  ++*bad_no;
}

/* ---- the scenario ---- */

void gen_scenario_flows(struct gen *g, bool top) {
  static struct plan plan;
  struct plan *pl = &plan;
  uint64_t start = g->ts_us;
  struct model m;
  unsigned arp_no = 0, bad_no = 0;
  int rounds = 0;

  memset(pl, 0, sizeof *pl);
  pl->g = g;
  script(pl);
  qsort(pl->p, pl->n, sizeof *pl->p, fpkt_cmp);
  /* packet time: the last frame is IP (see README: non-IP frames and
   * packet time) */
  GEN_ASSERT(pl->n > 0 && pl->p[pl->n - 1].what == FP_IP &&
             pl->p[pl->n - 1].ts == END);

  /* Ties among the 11 heaviest keys of a list would leave the named 10 to
   * the engine's whim: grow a packet of a tied key by a byte until none. */
  for (;;) {
    int32_t tag;

    model_plan(pl, start, &m);
    tag = gen_model_tie(&m);
    gen_model_free(&m);
    if (tag < 0)
      break;
    pl->p[tag].payload++;
    GEN_ASSERT(++rounds < 10000);
  }

  /* Emit, feeding the model with what is built. */
  gen_model_init(&m, true);
  for (size_t i = 0; i < pl->n; i++) {
    struct fpkt *p = &pl->p[i];

    g->ts_us = start + p->ts;
    if (p->what != FP_IP) {
      emit_nonip(g, p, &arp_no, &bad_no);
      gen_model_tick(&m, start + p->ts);
      continue;
    }

    struct fconv *c = &pl->conv[p->conv];
    struct ipspec s;
    struct mpkt mp;
    size_t len;

    make_spec(pl, p, &s);
    if (c->proto == 6) {
      uint32_t *mine = p->from_cli ? &c->cseq : &c->sseq,
               *theirs = p->from_cli ? &c->sseq : &c->cseq;

      s.seq = *mine;
      s.ack = *theirs;
      *mine +=
          (uint32_t)p->payload + ((p->flags & (TCP_SYN | TCP_FIN)) ? 1 : 0);
    }
    GEN_ASSERT(gen_build_ip(g, &c->enc, &s, c->name));
    len = g->f.n;
    GEN_ASSERT(len == wire_len(g, &c->enc, &s));
    gen_emit(g, CAP_ALL, R_NONE);
    gen_model_mpkt(&s, &c->enc, start + p->ts, (uint32_t)len, -1, &mp);
    gen_model_packet(&m, &mp);
  }
  gen_model_finish(&m);
  gen_model_lines(&m, &g->truth, top, top);
  gen_model_free(&m);
  free(pl->p);
}
