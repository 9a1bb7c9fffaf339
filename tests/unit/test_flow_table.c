/* test_flow_table.c - the flow table's lifecycle: creation, per-side
 * accounting, initiator, TCP close, timeouts, eviction and the pool. */
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <pcap/dlt.h>

#include "flow_packets.h"
#include "quick_check.h"
#include "suites.h"

/* Addresses in a known order: lo sorts below hi (so lo is side 0). */
static const uint8_t lo4[4] = {10, 0, 0, 1};
static const uint8_t hi4[4] = {10, 0, 0, 2};

static struct pf_flow_table table;

static void init_table(struct pf_flow_table *t, uint32_t max_flows,
                       const struct pf_flow_timeouts *to) {
  char err[256];
  ck_assert_msg(pf_flow_table_init(t, max_flows, to, err, sizeof(err)) == 0,
                "%s", err);
}

static void setup(void) { init_table(&table, 64, &test_timeouts); }
static void teardown(void) { pf_flow_table_free(&table); }

/* Without payload. */
static struct pkt tcp(const uint8_t *src, uint16_t sport, const uint8_t *dst,
                      uint16_t dport, uint8_t flags) {
  return pkt_tcp(src, sport, dst, dport, flags, 0);
}

static struct pkt udp(const uint8_t *src, uint16_t sport, const uint8_t *dst,
                      uint16_t dport) {
  return pkt_udp(src, sport, dst, dport, 0);
}

/* A client (hi4:40000) and a server (lo4:443), so the client is side 1. */
#define CLIENT_SIDE 1
static struct pkt from_client(uint8_t flags) {
  return tcp(hi4, 40000, lo4, 443, flags);
}
static struct pkt from_server(uint8_t flags) {
  return tcp(lo4, 443, hi4, 40000, flags);
}

static const struct pf_flow *find(const struct pkt *p) {
  struct pf_flow_key k;
  uint8_t side;
  ck_assert(pkt_key(p, &k, &side));
  return pf_flow_table_find(&table, &k);
}

/* ---- set-up ---- */

START_TEST(test_init_rejects_zero_and_none_sized_tables) {
  struct pf_flow_table t;
  char err[256] = "";
  ck_assert_int_eq(pf_flow_table_init(&t, 0, &test_timeouts, err, sizeof(err)),
                   -1);
  ck_assert_str_ne(err, "");
  pf_flow_table_free(&t); /* safe after a failed init */
  err[0] = '\0';
  ck_assert_int_eq(
      pf_flow_table_init(&t, PF_FLOW_NONE, &test_timeouts, err, sizeof(err)),
      -1);
  ck_assert_str_ne(err, "");
}
END_TEST

START_TEST(test_new_table_is_empty) {
  ck_assert_uint_eq(pf_flow_table_count(&table), 0);
  ck_assert_uint_eq(table.stats.created, 0);
  struct pkt p = udp(lo4, 1, hi4, 2);
  ck_assert_ptr_null(find(&p));
  ck_assert_uint_eq(pf_flow_table_expire(&table, SEC(1000000), 100), 0);
}
END_TEST

/* ---- accounting ---- */

START_TEST(test_first_packet_creates_a_flow) {
  struct pkt p = udp(hi4, 5000, lo4, 53);
  p.payload = 100;
  struct pf_flow_update up = pkt_feed(&table, &p, SEC(10));
  ck_assert(up.created);
  ck_assert_ptr_nonnull(up.flow);
  ck_assert_uint_eq(up.side, 1); /* hi4 sorts second */
  const struct pf_flow *f = up.flow;
  ck_assert_uint_eq(f->iv_bytes[1], pkt_len(&p));
  ck_assert_uint_eq(f->iv_bytes[0], 0);
  ck_assert_uint_eq(pf_flow_first_us(&table, f), SEC(10));
  ck_assert_uint_eq(f->last_us, SEC(10));
  ck_assert_uint_eq(pf_flow_kind(f), PF_FLOW_UDP);
  ck_assert_uint_eq(table.stats.created, 1);
  ck_assert_uint_eq(table.stats.active[PF_FLOW_UDP], 1);
  ck_assert_ptr_eq(find(&p), f);
  expect_flow_identity(&table);
}
END_TEST

START_TEST(test_packets_and_bytes_counted_per_side) {
  struct pkt q = udp(hi4, 5000, lo4, 53), a = pkt_reply(q);
  a.payload = 300;
  const struct pf_flow *f = pkt_feed(&table, &q, SEC(1)).flow;
  for (int i = 0; i < 2; i++)
    ck_assert_ptr_eq(pkt_feed(&table, &q, SEC(2 + i)).flow, f);
  for (int i = 0; i < 2; i++) {
    struct pf_flow_update up = pkt_feed(&table, &a, SEC(5 + i));
    ck_assert(!up.created);
    ck_assert_uint_eq(up.side, 0);
    ck_assert_ptr_eq(up.flow, f);
  }
  ck_assert_uint_eq(f->iv_bytes[1], 3 * pkt_len(&q));
  ck_assert_uint_eq(f->iv_bytes[0], 2 * pkt_len(&a));
  ck_assert_uint_eq(pf_flow_first_us(&table, f), SEC(1));
  ck_assert_uint_eq(f->last_us, SEC(6));
  ck_assert_uint_eq(table.stats.created, 1);
  ck_assert_uint_eq(pf_flow_table_count(&table), 1);
}
END_TEST

START_TEST(test_find_changes_nothing) {
  struct pkt p = udp(lo4, 7, hi4, 8);
  pkt_feed(&table, &p, SEC(3));
  struct pf_flow_stats before = table.stats;
  const struct pf_flow *f = find(&p);
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(f->last_us, SEC(3));
  ck_assert_uint_eq(f->iv_bytes[0], pkt_len(&p));
  ck_assert_mem_eq(&table.stats, &before, sizeof(before));
}
END_TEST

START_TEST(test_non_ip_packet_has_no_flow) {
  struct frame f;
  frame_init(&f, DLT_EN10MB);
  frame_eth(&f, NULL, NULL, 0x0806);
  frame_fill(&f, 0, 28);
  struct pf_packet pkt;
  uint8_t *buf = frame_decode_whole(&f, &pkt);
  struct pf_flow_update up = pf_flow_table_packet(&table, &pkt, SEC(1));
  free(buf);
  ck_assert_ptr_null(up.flow);
  ck_assert(!up.created);
  ck_assert_uint_eq(table.stats.created, 0);
}
END_TEST

START_TEST(test_icmp_echo_and_reply_share_a_flow) {
  struct pkt req = {
      .proto = P_ICMP, .src = hi4, .dst = lo4, .icmp_type = 8, .icmp_id = 9};
  struct pkt rep = pkt_reply(req);
  const struct pf_flow *f = pkt_feed(&table, &req, SEC(1)).flow;
  ck_assert_ptr_eq(pkt_feed(&table, &rep, SEC(2)).flow, f);
  ck_assert_uint_eq(f->iv_bytes[0], pkt_len(&rep));
  ck_assert_uint_eq(f->iv_bytes[1], pkt_len(&req));
  ck_assert_uint_eq(pf_flow_kind(f), PF_FLOW_ICMP);
  ck_assert_int_eq(f->initiator, 1); /* the requester, hi4 */
}
END_TEST

START_TEST(test_vlans_keep_flows_apart) {
  struct pkt a = udp(lo4, 1, hi4, 2), b = a;
  a.vlans = b.vlans = 1;
  a.vlan_outer = 10;
  b.vlan_outer = 20;
  ck_assert(pkt_feed(&table, &a, SEC(1)).created);
  ck_assert(pkt_feed(&table, &b, SEC(1)).created);
  ck_assert_uint_eq(pf_flow_table_count(&table), 2);
}
END_TEST

START_TEST(test_later_fragment_gets_its_own_flow) {
  struct pkt first = udp(lo4, 4000, hi4, 53), later;
  first.first_fragment = true;
  later = first;
  later.first_fragment = false;
  later.later_fragment = true;
  struct pkt whole = udp(lo4, 4000, hi4, 53);
  const struct pf_flow *f = pkt_feed(&table, &first, SEC(1)).flow;
  ck_assert_ptr_eq(pkt_feed(&table, &whole, SEC(1)).flow, f);
  struct pf_flow_update up = pkt_feed(&table, &later, SEC(1));
  ck_assert(up.created);
  ck_assert_uint_eq(pf_flow_port(up.flow, 0), 0);
  ck_assert_uint_eq(pf_flow_kind(up.flow), PF_FLOW_UDP);
  ck_assert_uint_eq(pf_flow_table_count(&table), 2);
}
END_TEST

/* ---- who started it ---- */

START_TEST(test_initiator_is_the_syn_sender) {
  struct pkt syn = from_client(PF_TCP_SYN);
  const struct pf_flow *f = pkt_feed(&table, &syn, SEC(1)).flow;
  ck_assert_int_eq(f->initiator, CLIENT_SIDE);
  struct pkt synack = from_server(PF_TCP_SYN | PF_TCP_ACK);
  pkt_feed(&table, &synack, SEC(2));
  ck_assert_int_eq(f->initiator, CLIENT_SIDE); /* decided once */

  /* The other orientation: the SYN sender is side 0. */
  struct pkt syn0 = tcp(lo4, 1234, hi4, 80, PF_TCP_SYN);
  ck_assert_int_eq(pkt_feed(&table, &syn0, SEC(3)).flow->initiator, 0);
}
END_TEST

START_TEST(test_initiator_is_the_peer_when_first_seen_syn_ack) {
  struct pkt synack = from_server(PF_TCP_SYN | PF_TCP_ACK);
  const struct pf_flow *f = pkt_feed(&table, &synack, SEC(1)).flow;
  ck_assert_int_eq(f->initiator, CLIENT_SIDE);
}
END_TEST

START_TEST(test_initiator_unknown_mid_connection) {
  static const uint8_t flags[] = {PF_TCP_ACK, PF_TCP_ACK | PF_TCP_PSH,
                                  PF_TCP_FIN | PF_TCP_ACK, 0};
  for (unsigned i = 0; i < sizeof(flags); i++) {
    struct pkt p = tcp(hi4, (uint16_t)(2000 + i), lo4, 22, flags[i]);
    ck_assert_int_eq(pkt_feed(&table, &p, SEC(1)).flow->initiator, -1);
  }
}
END_TEST

START_TEST(test_initiator_of_udp_is_the_first_sender) {
  struct pkt from_hi = udp(hi4, 5353, lo4, 53);
  ck_assert_int_eq(pkt_feed(&table, &from_hi, SEC(1)).flow->initiator, 1);
  struct pkt from_lo = udp(lo4, 6000, hi4, 123);
  const struct pf_flow *f = pkt_feed(&table, &from_lo, SEC(1)).flow;
  ck_assert_int_eq(f->initiator, 0);
  struct pkt back = pkt_reply(from_lo);
  pkt_feed(&table, &back, SEC(2));
  ck_assert_int_eq(f->initiator, 0);
}
END_TEST

/* ---- TCP close ---- */

START_TEST(test_fin_both_ways_closes) {
  struct pkt fin_c = from_client(PF_TCP_FIN | PF_TCP_ACK);
  struct pkt fin_s = from_server(PF_TCP_FIN | PF_TCP_ACK);
  const struct pf_flow *f = pkt_feed(&table, &fin_c, SEC(1)).flow;
  ck_assert_uint_eq(pf_flow_kind(f),
                    PF_FLOW_TCP); /* one side only: still open */
  pkt_feed(&table, &fin_s, SEC(2));
  ck_assert_uint_eq(pf_flow_kind(f), PF_FLOW_TCP_CLOSED);
  ck_assert_uint_eq(table.stats.active[PF_FLOW_TCP], 0);
  ck_assert_uint_eq(table.stats.active[PF_FLOW_TCP_CLOSED], 1);
  ck_assert_uint_eq(f->tcp_close & (PF_FLOW_FIN_SIDE0 | PF_FLOW_FIN_SIDE1),
                    PF_FLOW_FIN_SIDE0 | PF_FLOW_FIN_SIDE1);
  expect_flow_identity(&table);
}
END_TEST

/* Only FIN and RST move the close bits: a SYN records nothing (so a SYN
 * flood skips close tracking), and one that carries a FIN or RST too is
 * tracked by those. */
START_TEST(test_syn_leaves_the_close_bits_its_fin_or_rst_does_not) {
  struct pkt syn_c = from_client(PF_TCP_SYN);
  const struct pf_flow *f = pkt_feed(&table, &syn_c, SEC(1)).flow;
  ck_assert_uint_eq(f->tcp_close, 0);
  struct pkt syn_fin_c = from_client(PF_TCP_SYN | PF_TCP_FIN);
  pkt_feed(&table, &syn_fin_c, SEC(2));
  ck_assert_uint_eq(f->tcp_close,
                    CLIENT_SIDE == 0 ? PF_FLOW_FIN_SIDE0 : PF_FLOW_FIN_SIDE1);
  ck_assert_uint_eq(pf_flow_kind(f), PF_FLOW_TCP); /* one side only */
  struct pkt syn_rst_s = from_server(PF_TCP_SYN | PF_TCP_RST | PF_TCP_ACK);
  pkt_feed(&table, &syn_rst_s, SEC(3));
  ck_assert_uint_eq(
      f->tcp_close,
      PF_FLOW_RST | (CLIENT_SIDE == 0 ? PF_FLOW_FIN_SIDE0 : PF_FLOW_FIN_SIDE1));
  ck_assert_uint_eq(pf_flow_kind(f), PF_FLOW_TCP_CLOSED);
  ck_assert_uint_eq(table.stats.created, 1);
  ck_assert_uint_eq(table.stats.active[PF_FLOW_TCP_CLOSED], 1);
  expect_flow_identity(&table);
}
END_TEST

START_TEST(test_fin_twice_from_one_side_stays_open) {
  struct pkt fin_c = from_client(PF_TCP_FIN | PF_TCP_ACK);
  const struct pf_flow *f = pkt_feed(&table, &fin_c, SEC(1)).flow;
  pkt_feed(&table, &fin_c, SEC(2));
  struct pkt ack_s = from_server(PF_TCP_ACK);
  pkt_feed(&table, &ack_s, SEC(3));
  ck_assert_uint_eq(pf_flow_kind(f), PF_FLOW_TCP);
}
END_TEST

START_TEST(test_rst_from_either_side_closes) {
  struct pkt syn = from_client(PF_TCP_SYN), rst = from_server(PF_TCP_RST);
  const struct pf_flow *f = pkt_feed(&table, &syn, SEC(1)).flow;
  pkt_feed(&table, &rst, SEC(1));
  ck_assert_uint_eq(pf_flow_kind(f), PF_FLOW_TCP_CLOSED);

  struct pkt rst_lo = tcp(lo4, 5, hi4, 6, PF_TCP_RST | PF_TCP_ACK);
  ck_assert_uint_eq(pf_flow_kind(pkt_feed(&table, &rst_lo, SEC(2)).flow),
                    PF_FLOW_TCP_CLOSED);
  ck_assert_uint_eq(table.stats.active[PF_FLOW_TCP_CLOSED], 2);
}
END_TEST

START_TEST(test_trailing_ack_after_close_stays_in_the_flow) {
  struct pkt rst = from_client(PF_TCP_RST), ack = from_server(PF_TCP_ACK);
  const struct pf_flow *f = pkt_feed(&table, &rst, SEC(1)).flow;
  struct pf_flow_update up = pkt_feed(&table, &ack, SEC(2));
  ck_assert(!up.created);
  ck_assert_ptr_eq(up.flow, f);
  ck_assert_uint_eq(pf_flow_kind(f), PF_FLOW_TCP_CLOSED);
  ck_assert_uint_eq(f->iv_bytes[0] + f->iv_bytes[1],
                    pkt_len(&rst) + pkt_len(&ack));
  ck_assert_uint_eq(table.stats.created, 1);
  ck_assert_uint_eq(table.stats.expired, 0);
}
END_TEST

START_TEST(test_closed_flow_expires_after_closed_timeout) {
  struct pkt rst = from_client(PF_TCP_RST);
  pkt_feed(&table, &rst, SEC(100));
  uint64_t closed = SEC(test_timeouts.tcp_closed_s);
  ck_assert_uint_eq(pf_flow_table_expire(&table, SEC(100) + closed - 1, 100),
                    0);
  ck_assert_ptr_nonnull(find(&rst));
  ck_assert_uint_eq(pf_flow_table_expire(&table, SEC(100) + closed, 100), 1);
  ck_assert_ptr_null(find(&rst));
  ck_assert_uint_eq(table.stats.expired, 1);
  ck_assert_uint_eq(table.stats.active[PF_FLOW_TCP_CLOSED], 0);
  expect_flow_identity(&table);
}
END_TEST

START_TEST(test_new_syn_reopens_a_closed_flow) {
  struct pkt syn = from_client(PF_TCP_SYN), fin_c, fin_s;
  fin_c = from_client(PF_TCP_FIN | PF_TCP_ACK);
  fin_s = from_server(PF_TCP_FIN | PF_TCP_ACK);
  pkt_feed(&table, &syn, SEC(1));
  pkt_feed(&table, &fin_c, SEC(2));
  pkt_feed(&table, &fin_s, SEC(3));
  uint64_t created = table.stats.created;

  /* The port pair is reused before the linger ends: a new connection. */
  struct pf_flow_update up = pkt_feed(&table, &syn, SEC(4));
  ck_assert(up.created);
  ck_assert_uint_eq(table.stats.created, created + 1);
  ck_assert_uint_eq(table.stats.expired, 1);
  const struct pf_flow *f = up.flow;
  ck_assert_uint_eq(pf_flow_kind(f), PF_FLOW_TCP);
  ck_assert_uint_eq(pf_flow_first_us(&table, f), SEC(4));
  ck_assert_uint_eq(f->iv_bytes[CLIENT_SIDE], pkt_len(&syn));
  ck_assert_uint_eq(f->iv_bytes[1 - CLIENT_SIDE], 0);
  ck_assert_int_eq(f->initiator, CLIENT_SIDE);
  ck_assert_uint_eq(f->tcp_close & (PF_FLOW_FIN_SIDE0 | PF_FLOW_FIN_SIDE1), 0);
  ck_assert_uint_eq(table.stats.active[PF_FLOW_TCP_CLOSED], 0);
  expect_flow_identity(&table);
}
END_TEST

START_TEST(test_syn_from_the_server_side_also_reopens) {
  struct pkt rst = from_client(PF_TCP_RST), syn_s = from_server(PF_TCP_SYN);
  pkt_feed(&table, &rst, SEC(1));
  struct pf_flow_update up = pkt_feed(&table, &syn_s, SEC(2));
  ck_assert(up.created);
  ck_assert_int_eq(up.flow->initiator, 1 - CLIENT_SIDE);
}
END_TEST

START_TEST(test_syn_ack_or_open_flow_syn_does_not_restart) {
  struct pkt rst = from_client(PF_TCP_RST);
  struct pkt synack = from_server(PF_TCP_SYN | PF_TCP_ACK);
  pkt_feed(&table, &rst, SEC(1));
  ck_assert(!pkt_feed(&table, &synack, SEC(2)).created);

  /* A retransmitted SYN on an open connection is the same connection. */
  struct pkt syn = tcp(lo4, 7000, hi4, 80, PF_TCP_SYN);
  pkt_feed(&table, &syn, SEC(3));
  ck_assert(!pkt_feed(&table, &syn, SEC(4)).created);
  ck_assert_uint_eq(table.stats.created, 2);
  ck_assert_uint_eq(table.stats.expired, 0);
}
END_TEST

/* ---- idle and active timeouts ---- */

struct kind_case {
  const char *name;
  struct pkt p;
  int kind;
  uint32_t timeout_s;
};

START_TEST(test_idle_expiry_per_kind_at_exact_boundary) {
  const struct kind_case cases[] = {
      {"tcp", tcp(lo4, 1, hi4, 2, PF_TCP_ACK), PF_FLOW_TCP,
       test_timeouts.tcp_s},
      {"tcp closed", tcp(lo4, 1, hi4, 2, PF_TCP_RST), PF_FLOW_TCP_CLOSED,
       test_timeouts.tcp_closed_s},
      {"udp", udp(lo4, 1, hi4, 2), PF_FLOW_UDP, test_timeouts.udp_s},
      {"icmp",
       {.proto = P_ICMP, .icmp_type = 8, .icmp_id = 1},
       PF_FLOW_ICMP,
       test_timeouts.icmp_s},
      {"icmpv6",
       {.family = 6, .proto = P_ICMPV6, .icmp_type = 1},
       PF_FLOW_ICMP,
       test_timeouts.icmp_s},
      {"gre", {.proto = P_GRE}, PF_FLOW_OTHER, test_timeouts.other_s},
      {"sctp",
       {.proto = P_SCTP, .sport = 1, .dport = 2},
       PF_FLOW_OTHER,
       test_timeouts.other_s},
      {"esp",
       {.proto = P_ESP, .payload = 16},
       PF_FLOW_OTHER,
       test_timeouts.other_s},
  };
  for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const struct kind_case *c = &cases[i];
    pf_flow_table_free(&table);
    init_table(&table, 64, &test_timeouts);
    uint64_t t0 = SEC(1000);
    ck_assert_uint_eq(pf_flow_kind(pkt_feed(&table, &c->p, t0).flow), c->kind);
    ck_assert_uint_eq(table.stats.active[c->kind], 1);
    /* A flow expires when now - last_seen >= its timeout. */
    ck_assert_msg(
        pf_flow_table_expire(&table, t0 + SEC(c->timeout_s) - 1, 10) == 0,
        "%s expired before its timeout", c->name);
    ck_assert_msg(pf_flow_table_expire(&table, t0 + SEC(c->timeout_s), 10) == 1,
                  "%s did not expire at its timeout", c->name);
    ck_assert_uint_eq(table.stats.active[c->kind], 0);
    ck_assert_uint_eq(table.stats.expired, 1);
    expect_flow_identity(&table);
  }
}
END_TEST

START_TEST(test_idle_time_counts_from_the_last_packet) {
  struct pkt p = udp(lo4, 1, hi4, 2);
  pkt_feed(&table, &p, SEC(100));
  pkt_feed(&table, &p, SEC(120));
  uint64_t udp_to = SEC(test_timeouts.udp_s);
  ck_assert_uint_eq(pf_flow_table_expire(&table, SEC(100) + udp_to, 10), 0);
  ck_assert_uint_eq(pf_flow_table_expire(&table, SEC(120) + udp_to - 1, 10), 0);
  ck_assert_uint_eq(pf_flow_table_expire(&table, SEC(120) + udp_to, 10), 1);
}
END_TEST

START_TEST(test_expiry_takes_only_flows_past_their_timeout) {
  struct pkt old = udp(lo4, 1, hi4, 2), young = udp(lo4, 3, hi4, 4);
  struct pkt tcp_old = tcp(lo4, 5, hi4, 6, PF_TCP_ACK);
  pkt_feed(&table, &old, SEC(0));
  pkt_feed(&table, &tcp_old, SEC(0));
  pkt_feed(&table, &young, SEC(20));
  /* At 30 s the old UDP flow is due; the young one and TCP (50 s) not. */
  ck_assert_uint_eq(pf_flow_table_expire(&table, SEC(30), 100), 1);
  ck_assert_ptr_null(find(&old));
  ck_assert_ptr_nonnull(find(&young));
  ck_assert_ptr_nonnull(find(&tcp_old));
}
END_TEST

START_TEST(test_idle_flow_restarts_on_its_next_packet) {
  /* Expiry runs in bounded steps; a flow idle past its timeout that it has
   * not reached yet must still end when its next packet comes. */
  struct pkt p = udp(lo4, 1, hi4, 2);
  uint64_t udp_to = SEC(test_timeouts.udp_s);
  pkt_feed(&table, &p, SEC(100));
  ck_assert(!pkt_feed(&table, &p, SEC(100) + udp_to - 1).created);
  uint64_t last = SEC(100) + udp_to - 1;
  struct pf_flow_update up = pkt_feed(&table, &p, last + udp_to);
  ck_assert(up.created);
  ck_assert_uint_eq(pf_flow_first_us(&table, up.flow), last + udp_to);
  ck_assert_uint_eq(up.flow->iv_bytes[0], pkt_len(&p));
  ck_assert_uint_eq(table.stats.expired, 1);
  ck_assert_uint_eq(table.stats.created, 2);
  expect_flow_identity(&table);
}
END_TEST

START_TEST(test_active_timeout_restarts_the_flow) {
  struct pkt p = udp(lo4, 1, hi4, 2);
  uint64_t t0 = SEC(1000), active = SEC(test_timeouts.active_s);
  const struct pf_flow *f = pkt_feed(&table, &p, t0).flow;
  /* Packets every 10 s: never idle, only old. */
  for (uint64_t t = t0 + SEC(10); t < t0 + active; t += SEC(10))
    ck_assert(!pkt_feed(&table, &p, t).created);
  ck_assert(!pkt_feed(&table, &p, t0 + active - 1).created);
  uint64_t before = f->iv_bytes[0];
  ck_assert_uint_eq(before, 61 * pkt_len(&p));

  struct pf_flow_update up = pkt_feed(&table, &p, t0 + active);
  ck_assert(up.created);
  ck_assert_uint_eq(table.stats.expired, 1);
  ck_assert_uint_eq(table.stats.created, 2);
  ck_assert_uint_eq(pf_flow_first_us(&table, up.flow), t0 + active);
  ck_assert_uint_eq(up.flow->iv_bytes[0], pkt_len(&p));
  ck_assert_uint_eq(pf_flow_table_count(&table), 1);
  expect_flow_identity(&table);
}
END_TEST

START_TEST(test_active_timeout_zero_never_restarts) {
  struct pf_flow_timeouts to = test_timeouts;
  to.active_s = 0;
  pf_flow_table_free(&table);
  init_table(&table, 64, &to);
  /* One decoded packet, fed every 20 s for a day. */
  struct pkt p = udp(lo4, 1, hi4, 2);
  struct pf_packet pkt;
  uint8_t *buf = pkt_decode(&p, &pkt);
  for (uint64_t t = 0; t <= SEC(86400); t += SEC(20))
    pf_flow_table_packet(&table, &pkt, t);
  free(buf);
  ck_assert_uint_eq(table.stats.created, 1);
  ck_assert_uint_eq(table.stats.expired, 0);
}
END_TEST

/* An idle gap longer than the active timeout, within the kind's idle
 * timeout, ends the flow: its age passed the active timeout. */
START_TEST(test_gap_past_the_active_timeout_restarts_the_flow) {
  struct pf_flow_timeouts to = test_timeouts;
  to.tcp_s = 3600;
  to.active_s = 60;
  pf_flow_table_free(&table);
  init_table(&table, 64, &to);
  struct pkt p = tcp(lo4, 1, hi4, 2, PF_TCP_ACK);
  uint64_t t0 = SEC(1000);
  pkt_feed(&table, &p, t0);
  ck_assert(!pkt_feed(&table, &p, t0 + SEC(60) - 1).created);
  ck_assert_uint_eq(table.stats.expired, 0);
  struct pf_flow_update up = pkt_feed(&table, &p, t0 + SEC(60) - 1 + SEC(60));
  ck_assert(up.created);
  ck_assert_uint_eq(table.stats.expired, 1);
  ck_assert_uint_eq(pf_flow_first_us(&table, up.flow),
                    t0 + SEC(60) - 1 + SEC(60));
  expect_flow_identity(&table);
}
END_TEST

/* An active timeout past 2^31 us counts a flow's age in units of 1024 us
 * (flow_table.c): 3,000 s is 2,929,687 whole units, so a flow whose first
 * packet began a unit ends at the start of the unit 2,929,687 later, 512
 * us before 3,000 s have passed, and not a microsecond sooner. */
START_TEST(test_long_active_timeout_counts_in_its_unit) {
  struct pf_flow_timeouts to = test_timeouts;
  to.active_s = 3000;
  pf_flow_table_free(&table);
  init_table(&table, 64, &to);
  struct pkt p = udp(lo4, 1, hi4, 2);
  uint64_t t0 = 1024ull * 1000000; /* a unit's start */
  uint64_t end = t0 + 2929687ull * 1024;
  ck_assert_uint_eq(end, t0 + SEC(3000) - 512);
  pkt_feed(&table, &p, t0);
  for (uint64_t t = t0 + SEC(20); t < end; t += SEC(20))
    ck_assert(!pkt_feed(&table, &p, t).created);
  ck_assert(!pkt_feed(&table, &p, end - 1).created);
  ck_assert_uint_eq(table.stats.expired, 0);
  struct pf_flow_update up = pkt_feed(&table, &p, end);
  ck_assert(up.created);
  ck_assert_uint_eq(table.stats.expired, 1);
  ck_assert_uint_eq(pf_flow_table_count(&table), 1);
  expect_flow_identity(&table);
}
END_TEST

START_TEST(test_expire_never_goes_when_time_goes_backwards) {
  struct pkt p = udp(lo4, 1, hi4, 2);
  pkt_feed(&table, &p, SEC(5000));
  ck_assert_uint_eq(pf_flow_table_expire(&table, SEC(10), 100), 0);
  ck_assert_uint_eq(pf_flow_table_expire(&table, 0, 100), 0);
  ck_assert_uint_eq(pf_flow_table_count(&table), 1);
}
END_TEST

START_TEST(test_packet_stamped_before_the_flow_does_not_restart_it) {
  /* A timestamp earlier than the flow's first packet (clock stepped back,
   * reordered capture) must neither end the flow as "older than the active
   * timeout" nor move last seen back. */
  struct pkt p = udp(lo4, 1, hi4, 2);
  const struct pf_flow *f = pkt_feed(&table, &p, SEC(1000)).flow;
  struct pf_flow_update up = pkt_feed(&table, &p, SEC(999));
  ck_assert(!up.created);
  ck_assert_ptr_eq(up.flow, f);
  ck_assert_uint_eq(table.stats.expired, 0);
  ck_assert_uint_eq(f->last_us, SEC(1000));
  ck_assert_uint_eq(f->iv_bytes[0], 2 * pkt_len(&p));
}
END_TEST

START_TEST(test_expire_respects_its_budget) {
  for (uint16_t i = 0; i < 10; i++) {
    struct pkt p = udp(lo4, (uint16_t)(100 + i), hi4, 53);
    pkt_feed(&table, &p, SEC(1) + i);
  }
  ck_assert_uint_eq(pf_flow_table_expire(&table, SEC(100), 0), 0);
  static const unsigned want[] = {3, 3, 3, 1, 0};
  for (unsigned i = 0; i < 5; i++) {
    ck_assert_uint_eq(pf_flow_table_expire(&table, SEC(100), 3), want[i]);
    expect_flow_identity(&table);
  }
  ck_assert_uint_eq(pf_flow_table_count(&table), 0);
  ck_assert_uint_eq(table.stats.expired, 10);
}
END_TEST

START_TEST(test_expire_budget_spans_kinds) {
  /* Two due flows of each kind, budget 3 per call: never more. */
  struct pkt ps[] = {
      tcp(lo4, 1, hi4, 2, PF_TCP_ACK),
      tcp(lo4, 3, hi4, 4, PF_TCP_ACK),
      tcp(lo4, 5, hi4, 6, PF_TCP_RST),
      tcp(lo4, 7, hi4, 8, PF_TCP_RST),
      udp(lo4, 1, hi4, 2),
      udp(lo4, 3, hi4, 4),
      {.proto = P_ICMP, .icmp_type = 3},
      {.proto = P_ICMP, .src = hi4},
      {.proto = P_GRE},
      {.proto = P_GRE, .src = hi4},
  };
  unsigned n = sizeof(ps) / sizeof(ps[0]);
  for (unsigned i = 0; i < n; i++)
    pkt_feed(&table, &ps[i], SEC(1));
  ck_assert_uint_eq(pf_flow_table_count(&table), n);
  unsigned total = 0, got;
  while ((got = pf_flow_table_expire(&table, SEC(1000), 3)) > 0) {
    ck_assert_uint_le(got, 3);
    total += got;
    expect_flow_identity(&table);
  }
  ck_assert_uint_eq(total, n);
}
END_TEST

/* ---- eviction and the pool ---- */

START_TEST(test_full_table_evicts_least_recently_seen_across_kinds) {
  pf_flow_table_free(&table);
  init_table(&table, 3, &test_timeouts);
  struct pkt t = tcp(lo4, 1, hi4, 2, PF_TCP_ACK), u = udp(lo4, 1, hi4, 2);
  struct pkt i = {.proto = P_ICMP, .icmp_type = 8, .icmp_id = 3};
  struct pkt g = {.proto = P_GRE};
  pkt_feed(&table, &t, SEC(1));
  pkt_feed(&table, &u, SEC(2));
  pkt_feed(&table, &i, SEC(3));
  pkt_feed(&table, &t, SEC(4)); /* TCP is now the most recent */
  struct pf_flow_update up = pkt_feed(&table, &g, SEC(5));
  ck_assert(up.created);
  ck_assert_ptr_null(find(&u)); /* the oldest of the list tails */
  ck_assert_ptr_nonnull(find(&t));
  ck_assert_ptr_nonnull(find(&i));
  ck_assert_ptr_nonnull(find(&g));
  ck_assert_uint_eq(table.stats.evicted, 1);
  ck_assert_uint_eq(table.stats.expired, 0);
  ck_assert_uint_eq(table.stats.active[PF_FLOW_UDP], 0);
  ck_assert_uint_eq(table.stats.active[PF_FLOW_OTHER], 1);
  expect_flow_identity(&table);

  /* A closed flow is evicted like any other once it is the oldest. */
  struct pkt rst = tcp(lo4, 9, hi4, 9, PF_TCP_RST), u2 = udp(lo4, 5, hi4, 5);
  pkt_feed(&table, &rst, SEC(6)); /* evicts ICMP (3 s) */
  ck_assert_ptr_null(find(&i));
  pkt_feed(&table, &g, SEC(7));
  pkt_feed(&table, &t, SEC(8));
  pkt_feed(&table, &u2, SEC(9)); /* the closed flow (6 s) is the oldest */
  ck_assert_ptr_null(find(&rst));
  ck_assert_uint_eq(table.stats.evicted, 3);
  expect_flow_identity(&table);
}
END_TEST

START_TEST(test_pool_bound_holds_with_many_more_keys) {
  pf_flow_table_free(&table);
  init_table(&table, 8, &test_timeouts);
  /* One decoded packet whose source port makes 1000 keys. */
  struct pkt p = udp(lo4, 1, hi4, 53);
  struct pf_packet pkt;
  uint8_t *buf = pkt_decode(&p, &pkt);
  for (uint32_t i = 0; i < 1000; i++) {
    pkt.src_port = (uint16_t)(1000 + i);
    struct pf_flow_update up = pf_flow_table_packet(&table, &pkt, SEC(1) + i);
    QUICK_CHECK(up.created, "key %u not created", i);
    QUICK_CHECK(pf_flow_table_count(&table) <= 8 &&
                    table.pool[0].next_unused <= 8,
                "key %u: the table grew past 8", i);
    expect_flow_identity(&table);
  }
  ck_assert_uint_eq(table.stats.created, 1000);
  ck_assert_uint_eq(table.stats.evicted, 992);
  /* The survivors are the eight most recent keys. */
  for (uint32_t i = 0; i < 1000; i++) {
    struct pf_flow_key k;
    uint8_t side;
    pkt.src_port = (uint16_t)(1000 + i);
    ck_assert(pf_flow_key_of(&pkt, &k, &side));
    QUICK_CHECK((pf_flow_table_find(&table, &k) != NULL) == (i >= 992),
                "key %u: present %d", i,
                pf_flow_table_find(&table, &k) != NULL);
  }
  free(buf);
}
END_TEST

START_TEST(test_freed_entry_is_reused) {
  struct pkt a = udp(lo4, 1, hi4, 2), b = udp(lo4, 3, hi4, 4);
  struct pkt c = udp(lo4, 5, hi4, 6);
  const struct pf_flow *fa = pkt_feed(&table, &a, SEC(1)).flow;
  pkt_feed(&table, &b, SEC(20));
  ck_assert_uint_eq(table.pool[0].next_unused, 2);
  ck_assert_uint_eq(pf_flow_table_expire(&table, SEC(31), 10), 1);
  const struct pf_flow *fc = pkt_feed(&table, &c, SEC(32)).flow;
  ck_assert_ptr_eq(fc, fa); /* the freed entry, not a fresh one */
  ck_assert_uint_eq(table.pool[0].next_unused, 2);
  ck_assert_uint_eq(fc->iv_bytes[0], pkt_len(&c));
  ck_assert_uint_eq(pf_flow_first_us(&table, fc), SEC(32));
  ck_assert_ptr_null(find(&a));
  ck_assert_ptr_nonnull(find(&b));
}
END_TEST

START_TEST(test_full_table_of_distinct_keys_all_findable) {
  enum { N = 5000 };
  pf_flow_table_free(&table);
  init_table(&table, N, &test_timeouts);
  struct pkt p = udp(lo4, 1, hi4, 53);
  struct pf_packet pkt;
  uint8_t *buf = pkt_decode(&p, &pkt);
  for (uint32_t i = 0; i < N; i++) {
    pkt.src_port = (uint16_t)(i * 13);
    pkt.dst_port = (uint16_t)(i % 7);
    QUICK_CHECK(pf_flow_table_packet(&table, &pkt, SEC(1)).created,
                "key %u not created", i);
  }
  ck_assert_uint_eq(table.stats.evicted, 0);
  ck_assert_uint_eq(pf_flow_table_count(&table), N);
  for (uint32_t i = 0; i < N; i++) {
    struct pf_flow_key k;
    uint8_t side;
    pkt.src_port = (uint16_t)(i * 13);
    pkt.dst_port = (uint16_t)(i % 7);
    ck_assert(pf_flow_key_of(&pkt, &k, &side));
    const struct pf_flow *f = pf_flow_table_find(&table, &k);
    QUICK_CHECK(f != NULL, "key %u not found", i);
  }
  free(buf);
  ck_assert_uint_eq(pf_flow_table_expire(&table, SEC(100), N), N);
  ck_assert_uint_eq(pf_flow_table_count(&table), 0);
  expect_flow_identity(&table);
}
END_TEST

Suite *pf_flow_table_suite(void) {
  Suite *s = suite_create("flow_table");
  TCase *tc = tcase_create("accounting");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_init_rejects_zero_and_none_sized_tables);
  tcase_add_test(tc, test_new_table_is_empty);
  tcase_add_test(tc, test_first_packet_creates_a_flow);
  tcase_add_test(tc, test_packets_and_bytes_counted_per_side);
  tcase_add_test(tc, test_find_changes_nothing);
  tcase_add_test(tc, test_non_ip_packet_has_no_flow);
  tcase_add_test(tc, test_icmp_echo_and_reply_share_a_flow);
  tcase_add_test(tc, test_vlans_keep_flows_apart);
  tcase_add_test(tc, test_later_fragment_gets_its_own_flow);
  suite_add_tcase(s, tc);

  tc = tcase_create("initiator");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_initiator_is_the_syn_sender);
  tcase_add_test(tc, test_initiator_is_the_peer_when_first_seen_syn_ack);
  tcase_add_test(tc, test_initiator_unknown_mid_connection);
  tcase_add_test(tc, test_initiator_of_udp_is_the_first_sender);
  suite_add_tcase(s, tc);

  tc = tcase_create("tcp_close");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_fin_both_ways_closes);
  tcase_add_test(tc, test_syn_leaves_the_close_bits_its_fin_or_rst_does_not);
  tcase_add_test(tc, test_fin_twice_from_one_side_stays_open);
  tcase_add_test(tc, test_rst_from_either_side_closes);
  tcase_add_test(tc, test_trailing_ack_after_close_stays_in_the_flow);
  tcase_add_test(tc, test_closed_flow_expires_after_closed_timeout);
  tcase_add_test(tc, test_new_syn_reopens_a_closed_flow);
  tcase_add_test(tc, test_syn_from_the_server_side_also_reopens);
  tcase_add_test(tc, test_syn_ack_or_open_flow_syn_does_not_restart);
  suite_add_tcase(s, tc);

  tc = tcase_create("timeouts");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_idle_expiry_per_kind_at_exact_boundary);
  tcase_add_test(tc, test_idle_time_counts_from_the_last_packet);
  tcase_add_test(tc, test_expiry_takes_only_flows_past_their_timeout);
  tcase_add_test(tc, test_idle_flow_restarts_on_its_next_packet);
  tcase_add_test(tc, test_active_timeout_restarts_the_flow);
  tcase_add_test(tc, test_active_timeout_zero_never_restarts);
  tcase_add_test(tc, test_gap_past_the_active_timeout_restarts_the_flow);
  tcase_add_test(tc, test_long_active_timeout_counts_in_its_unit);
  tcase_add_test(tc, test_expire_never_goes_when_time_goes_backwards);
  tcase_add_test(tc, test_packet_stamped_before_the_flow_does_not_restart_it);
  tcase_add_test(tc, test_expire_respects_its_budget);
  tcase_add_test(tc, test_expire_budget_spans_kinds);
  suite_add_tcase(s, tc);

  tc = tcase_create("pool");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_full_table_evicts_least_recently_seen_across_kinds);
  tcase_add_test(tc, test_pool_bound_holds_with_many_more_keys);
  tcase_add_test(tc, test_freed_entry_is_reused);
  tcase_add_test(tc, test_full_table_of_distinct_keys_all_findable);
  suite_add_tcase(s, tc);
  return s;
}
