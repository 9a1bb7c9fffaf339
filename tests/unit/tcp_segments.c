/* tcp_segments.c - TCP segments of one connection accounted by a shard
 * (tcp_segments.h). */
#include "tcp_segments.h"

#include <stdlib.h>

#include <check.h>

#include "flow_packets.h"

void seg_send(struct pf_shard *s, const struct seg *g, uint64_t ts) {
  struct pkt p = {.proto = P_TCP,
                  .sport = g->cport ? g->cport : 40000,
                  .dport = g->sport ? g->sport : 80,
                  .flags = g->flags,
                  .payload = g->payload};
  if (g->from == SERVER)
    p = pkt_reply(p);
  struct frame f;
  pkt_frame(&f, &p);
  uint8_t *h = f.data + f.l4_off;
  for (int i = 0; i < 4; i++) {
    h[4 + i] = (uint8_t)(g->seq >> (24 - 8 * i));
    h[8 + i] = (uint8_t)(g->ack >> (24 - 8 * i));
  }
  h[14] = (uint8_t)(g->window >> 8);
  h[15] = (uint8_t)g->window;
  struct pf_packet pkt =
      shard_frame(s, &f, f.len,
                  (struct shard_hand){.dir = g->tx ? PF_DIR_TX : PF_DIR_RX,
                                      .locality = PF_LOCALITY_NEITHER,
                                      .ts = ts});
  ck_assert_int_eq(pkt.l4, PF_L4_TCP);
}

void seg_handshake(struct pf_shard *s, uint16_t cport, uint32_t cisn,
                   uint32_t sisn, uint64_t t0, uint64_t syn_synack,
                   uint64_t synack_ack) {
  seg_send(s,
           &(struct seg){.from = CLIENT,
                         .flags = PF_TCP_SYN,
                         .seq = cisn,
                         .window = 65535,
                         .cport = cport},
           t0);
  seg_send(s,
           &(struct seg){.from = SERVER,
                         .flags = PF_TCP_SYN | PF_TCP_ACK,
                         .seq = sisn,
                         .ack = cisn + 1,
                         .window = 65535,
                         .cport = cport},
           t0 + syn_synack);
  seg_send(s,
           &(struct seg){.from = CLIENT,
                         .flags = PF_TCP_ACK,
                         .seq = cisn + 1,
                         .ack = sisn + 1,
                         .window = 65535,
                         .cport = cport},
           t0 + syn_synack + synack_ack);
}

void seg_data(struct pf_shard *s, int from, uint32_t seq, uint32_t len,
              uint32_t ack, uint64_t ts) {
  seg_flagged(s, from, PF_TCP_ACK | PF_TCP_PSH, seq, len, ack, ts);
}

void seg_flagged(struct pf_shard *s, int from, uint8_t flags, uint32_t seq,
                 uint32_t len, uint32_t ack, uint64_t ts) {
  seg_send(s,
           &(struct seg){.from = from,
                         .flags = flags,
                         .seq = seq,
                         .ack = ack,
                         .window = 65535,
                         .payload = len,
                         .tx = from == CLIENT},
           ts);
}

const struct pf_hist *seg_latency(const struct pf_shard *s, int k) {
  return &s->cur->tcp.latency[k];
}
