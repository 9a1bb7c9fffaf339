/* gen_classes.c - the classes scenario. Every conversation below states the
 * class its packets must land in, worked out by hand from the rules file
 * written by gen_classes_write_rules (first match wins; docs/RULES.md), not
 * by running a classifier: the truth is independent of the engine's. The
 * conversations exercise each match key, IPv4 and IPv6, both directions of
 * one-sided keys, and overlaps where the earlier class must win. */
#include "gen_classes.h"
#include "gen_tcp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char rules_text[] = "# Written by pcapflow-gen --scenario "
                                 "classes; the truth is for this file.\n"
                                 "local_networks:\n"
                                 "  - 198.18.0.0/16\n"
                                 "  - 2001:db8:1::/48\n"
                                 "classes:\n"
                                 "  - name: dns\n"
                                 "    protocol: [udp, tcp]\n"
                                 "    port: 53\n"
                                 "  - name: web_v6\n"
                                 "    protocol: tcp\n"
                                 "    dst_port: [80, 443]\n"
                                 "    cidr: \"2001:db8::/32\"\n"
                                 "  - name: web\n"
                                 "    protocol: tcp\n"
                                 "    port: [80, 443, 8000-8099]\n"
                                 "  - name: voice\n"
                                 "    dscp: ef\n"
                                 "  - name: storage\n"
                                 "    vlan: 200-209\n"
                                 "  - name: backup\n"
                                 "    protocol: tcp\n"
                                 "    src_cidr: 198.19.128.0/17\n"
                                 "  - name: ping\n"
                                 "    protocol: [icmp, icmpv6]\n";

/* In file order, then unclassified. */
enum cls {
  C_DNS,
  C_WEB_V6,
  C_WEB,
  C_VOICE,
  C_STORAGE,
  C_BACKUP,
  C_PING,
  C_UNCL,
  C_COUNT
};

static const char *const cls_name[C_COUNT] = {"dns",   "web_v6",      "web",
                                              "voice", "storage",     "backup",
                                              "ping",  "unclassified"};

void gen_classes_write_rules(FILE *fp, const char *path) {
  if (fputs(rules_text, fp) == EOF || fclose(fp) != 0)
    gen_die("--rules %s: write failed: %s", path, strerror(errno));
}

/* Addresses: 198.18/16 and 2001:db8:1::/48 are local, the rest remote. */
static const uint8_t l4a[4] = {198, 18, 0, 10}, r4a[4] = {198, 19, 0, 53};
static const uint8_t r4b[4] = {198, 19, 200,
                               5}; /* in backup's 198.19.128.0/17 */
static const uint8_t l6a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x10};
static const uint8_t r6a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 0x53};

/* One conversation: `n` exchanges of a request from the client and a reply
 * from the server (no reply when reply_cls is C_COUNT). */
struct conv {
  const char *what;
  int ver;
  uint8_t proto;
  const uint8_t *cli, *srv;
  bool cli_local; /* else the server is the local side */
  uint16_t cport, sport;
  uint8_t dscp;
  uint16_t vlan; /* 0: untagged */
  int n;
  enum cls req_cls, reply_cls;
};

/* clang-format off */
static const struct conv convs[] = {
    {"dns_v4_udp", 4, 17, l4a, r4a, true, 40000, 53, 0, 0, 3, C_DNS, C_DNS},
    {"dns_v6_tcp", 6, 6, l6a, r6a, true, 40001, 53, 0, 0, 2, C_DNS, C_DNS},
    /* the request matches web_v6 (dst_port), the reply only web */
    {"web_v6_https", 6, 6, l6a, r6a, true, 40002, 443, 0, 0, 3, C_WEB_V6, C_WEB},
    {"web_v4_8080", 4, 6, l4a, r4a, true, 40003, 8080, 0, 0, 2, C_WEB, C_WEB},
    {"voice_ef", 4, 17, l4a, r4a, true, 5004, 5006, 46, 0, 2, C_VOICE, C_VOICE},
    /* web comes before voice */
    {"web_with_ef", 4, 6, l4a, r4a, true, 40005, 80, 46, 0, 1, C_WEB, C_WEB},
    {"storage_vlan201", 4, 6, l4a, r4a, true, 40006, 3260, 0, 201, 2, C_STORAGE, C_STORAGE},
    /* dns comes before storage */
    {"dns_in_vlan201", 4, 17, l4a, r4a, true, 40007, 53, 0, 201, 1, C_DNS, C_DNS},
    /* vlan 210 is outside storage's range */
    {"vlan210", 4, 17, l4a, r4a, true, 40008, 9999, 0, 210, 1, C_UNCL, C_UNCL},
    /* only the backup client's packets have the source network */
    {"backup_rsync", 4, 6, r4b, l4a, false, 40009, 873, 0, 0, 2, C_BACKUP, C_UNCL},
    {"ping_v4", 4, 1, l4a, r4a, true, 0x1234, 0, 0, 0, 2, C_PING, C_PING},
    {"ping_v6", 6, 58, l6a, r6a, true, 0x1235, 0, 0, 0, 1, C_PING, C_PING},
    {"ntp", 4, 17, l4a, r4a, true, 40010, 123, 0, 0, 2, C_UNCL, C_UNCL},
    {"gre", 4, 47, l4a, r4a, true, 0, 0, 0, 0, 1, C_UNCL, C_COUNT},
};
/* clang-format on */

#define MAX_HS 8 /* handshakes of one class */

struct class_truth {
  uint64_t packets[C_COUNT][2], octets[C_COUNT][2], flows[C_COUNT];
  uint64_t handshake_us[C_COUNT][MAX_HS]; /* SYN to ACK, by flow class */
  size_t n_handshakes[C_COUNT];
};

/* Emits the built frame at the current time and books it to class c by
 * what gen_emit counted. */
static void book(struct gen *g, struct class_truth *ct, enum cls c,
                 enum reason reason) {
  uint64_t before[2], bytes[2];

  for (int d = 0; d < 2; d++) {
    before[d] = g->truth.packets[S_ALL][d];
    bytes[d] = g->truth.octets[S_ALL][d];
  }
  gen_emit(g, CAP_ALL, reason);
  for (int d = 0; d < 2; d++) {
    ct->packets[c][d] += g->truth.packets[S_ALL][d] - before[d];
    ct->octets[c][d] += g->truth.octets[S_ALL][d] - bytes[d];
  }
}

/* The same, then 1 ms later. */
static void emit_as(struct gen *g, struct class_truth *ct, enum cls c,
                    enum reason reason) {
  book(g, ct, c, reason);
  g->ts_us += 1000;
}

static void set_dscp(struct frame *f, uint8_t dscp) {
  uint8_t *ip = f->b + f->ip_off;

  if (f->ip_ver == 4) {
    ip[1] = (uint8_t)(dscp << 2);
    gen_fix_ipv4_csum(f);
  } else {
    ip[0] = (uint8_t)(0x60 | (dscp >> 2));
    ip[1] = (uint8_t)(((dscp & 3) << 6) | (ip[1] & 0x0f));
  }
}

static void packet(struct gen *g, struct class_truth *ct, const struct conv *c,
                   bool reply) {
  struct encap enc = {
      .name = "vlan", .ntags = 1, .tpid = {ETH_VLAN}, .vid = {c->vlan}};
  struct ipspec s;

  memset(&s, 0, sizeof s);
  s.ver = c->ver;
  s.proto = c->proto;
  s.src = reply ? c->srv : c->cli;
  s.dst = reply ? c->cli : c->srv;
  s.addr = c->cli_local != reply ? ADDR_TX : ADDR_RX;
  s.sport = reply ? c->sport : c->cport;
  s.dport = reply ? c->cport : c->sport;
  s.tcp_flags = TCP_ACK | TCP_PSH;
  s.seq = 1000;
  s.ack = 2000;
  s.payload = 40;
  if (c->proto == 1 || c->proto == 58) {
    s.icmp_set = true;
    s.icmp_type = c->proto == 1 ? (reply ? 0 : 8) : (reply ? 129 : 128);
    s.icmp_id = c->cport;
    s.icmp_seq = 1;
  }
  GEN_ASSERT(gen_build_ip(g, c->vlan ? &enc : &gen_enc_plain, &s, c->what));
  if (c->dscp)
    set_dscp(&g->f, c->dscp);
  emit_as(g, ct, reply ? c->reply_cls : c->req_cls, R_NONE);
}

/* Handshakes, for the handshake latency of each class: n connections of
 * which the i-th has its SYN-ACK syn_synack + i * step microseconds after the
 * SYN and the client's ACK synack_ack later. The latency goes to the class
 * of the flow, its SYN's (cls); the SYN-ACK falls in reply_cls and the ACK
 * in ack_cls, worked out by hand. Magnitudes differ by class, and samples
 * of a class by more than a test's tolerance (1/64 + 0.5 ms), so a sample
 * booked to the wrong class, or a percentile one rank off, fails. */
struct handshakes {
  const char *what;
  int ver;
  const uint8_t *cli, *srv;
  bool cli_local;
  uint16_t sport;
  uint8_t syn_dscp; /* on the SYN only */
  int n;
  uint32_t syn_synack, step, synack_ack;
  enum cls cls, reply_cls, ack_cls;
};

/* clang-format off */
static const struct handshakes hss[] = {
    {"hs_web_8080", 4, l4a, r4a, true, 8080, 0, 6, 8000, 1500, 400, C_WEB, C_WEB, C_WEB},
    /* the SYN (dst_port 443) makes a web_v6 flow; its SYN-ACK is web */
    {"hs_web_v6_443", 6, l6a, r6a, true, 443, 0, 4, 60000, 20000, 3000, C_WEB_V6, C_WEB, C_WEB_V6},
    {"hs_dns_tcp", 4, l4a, r4a, true, 53, 0, 3, 25000, 5000, 200, C_DNS, C_DNS, C_DNS},
    /* EF on the SYN alone: a voice flow whose SYN-ACK and completing ACK
     * are unclassified, and whose latency is voice's all the same */
    {"hs_voice_syn_ef", 4, l4a, r4a, true, 9000, 46, 2, 1200000, 300000, 5000, C_VOICE, C_UNCL, C_UNCL},
    /* only the backup client's packets have the source network */
    {"hs_backup", 4, r4b, l4a, false, 873, 0, 3, 300000, 40000, 1000, C_BACKUP, C_UNCL, C_BACKUP},
    {"hs_other_9999", 4, l4a, r4a, true, 9999, 0, 5, 2000, 1500, 30, C_UNCL, C_UNCL, C_UNCL},
};
/* clang-format on */

static void hs_segment(struct gen *g, struct class_truth *ct,
                       const struct handshakes *h, uint16_t cport,
                       bool from_cli, uint8_t flags, enum cls c, uint64_t ts) {
  struct ipspec s;

  memset(&s, 0, sizeof s);
  s.ver = h->ver;
  s.proto = 6;
  s.src = from_cli ? h->cli : h->srv;
  s.dst = from_cli ? h->srv : h->cli;
  s.addr = h->cli_local == from_cli ? ADDR_TX : ADDR_RX;
  s.sport = from_cli ? cport : h->sport;
  s.dport = from_cli ? h->sport : cport;
  s.tcp_flags = flags;
  s.seq = from_cli ? (flags & TCP_SYN ? 1000 : 1001) : 5000;
  s.ack = from_cli ? (flags & TCP_SYN ? 0 : 5001) : 1001;
  GEN_ASSERT(gen_build_ip(g, &gen_enc_plain, &s, h->what));
  if (flags == TCP_SYN && h->syn_dscp)
    set_dscp(&g->f, h->syn_dscp);
  GEN_ASSERT(ts >= g->ts_us);
  g->ts_us = ts;
  book(g, ct, c, R_NONE);
}

static void handshakes(struct gen *g, struct class_truth *ct) {
  uint16_t cport = 41000;

  for (size_t i = 0; i < sizeof hss / sizeof hss[0]; i++) {
    const struct handshakes *h = &hss[i];

    for (int k = 0; k < h->n; k++, cport++) {
      uint64_t t0 = g->ts_us + 1000,
               synack = t0 + h->syn_synack + (uint64_t)k * h->step;
      uint64_t ack = synack + h->synack_ack;

      hs_segment(g, ct, h, cport, true, TCP_SYN, h->cls, t0);
      hs_segment(g, ct, h, cport, false, TCP_SYN | TCP_ACK, h->reply_cls,
                 synack);
      hs_segment(g, ct, h, cport, true, TCP_ACK, h->ack_cls, ack);
      GEN_ASSERT(ct->n_handshakes[h->cls] < MAX_HS);
      ct->handshake_us[h->cls][ct->n_handshakes[h->cls]++] = ack - t0;
      ct->flows[h->cls]++;
    }
  }
}

/* The class's handshake figures, as "p50/duration-<class>" (the
 * percentile is the plugin_instance's suffix: pcapflow_class-SOURCE-p50). */
static int latency_lines(FILE *fp, struct class_truth *ct, int c) {
  static const char *const fig[3] = {"p50", "p90", "p99"};
  static const unsigned permille[3] = {500, 900, 990};
  uint64_t *v = ct->handshake_us[c];
  size_t n = ct->n_handshakes[c];

  if (n == 0)
    return 0; /* no handshake: no series */
  gen_sort_u64(v, n);
  for (int q = 0; q < 3; q++)
    if (fprintf(fp, "%s/duration-%s %.6f\n", fig[q], cls_name[c],
                gen_nearest_rank(v, n, permille[q]) / 1e6) < 0)
      return -1;
  return fprintf(fp, "max/duration-%s %.6f\n", cls_name[c], v[n - 1] / 1e6) < 0
             ? -1
             : 0;
}

void gen_scenario_classes(struct gen *g, FILE *fp, const char *path) {
  struct class_truth ct;
  const struct encap vlan202 = {
      .name = "vlan", .ntags = 1, .tpid = {ETH_VLAN}, .vid = {202}};
  const struct encap vlan203 = {
      .name = "vlan", .ntags = 1, .tpid = {ETH_VLAN}, .vid = {203}};

  memset(&ct, 0, sizeof ct);
  for (size_t i = 0; i < sizeof convs / sizeof convs[0]; i++) {
    const struct conv *c = &convs[i];

    for (int k = 0; k < c->n; k++) {
      packet(g, &ct, c, false);
      if (c->reply_cls != C_COUNT)
        packet(g, &ct, c, true);
    }
    ct.flows[c->req_cls]++; /* a flow belongs to its first packet's class */
  }

  handshakes(g, &ct);
  g->ts_us += 1000;

  /* non-IP: only a class of VLAN keys alone can take it */
  gen_begin_non_ip(g, &gen_enc_plain, ETH_ARP, "arp", NULL);
  gen_put_arp(g, 1);
  gen_frame_finish(g);
  emit_as(g, &ct, C_UNCL, R_NONE);
  gen_begin_non_ip(g, &vlan202, ETH_ARP, "arp_vlan202", NULL);
  gen_put_arp(g, 1);
  gen_frame_finish(g);
  emit_as(g, &ct, C_STORAGE, R_NONE);

  /* malformed (a TCP header cut short), even in a storage VLAN: always
   * unclassified */
  {
    struct ipspec s = {
        .ver = 4, .addr = ADDR_TX, .proto = 6, .short_l4 = true, .l4_keep = 10};

    GEN_ASSERT(gen_build_ip(g, &vlan203, &s, "malformed_vlan203"));
    emit_as(g, &ct, C_UNCL, R_L4_HEADER);
  }

  for (int c = 0; c < C_COUNT; c++) {
    if (fprintf(fp, "if_packets-%s %llu %llu\n", cls_name[c],
                (unsigned long long)ct.packets[c][DIR_RX],
                (unsigned long long)ct.packets[c][DIR_TX]) < 0 ||
        fprintf(fp, "if_octets-%s %llu %llu\n", cls_name[c],
                (unsigned long long)ct.octets[c][DIR_RX],
                (unsigned long long)ct.octets[c][DIR_TX]) < 0 ||
        fprintf(fp, "current_connections-%s %llu\n", cls_name[c],
                (unsigned long long)ct.flows[c]) < 0 ||
        latency_lines(fp, &ct, c) < 0)
      gen_die("--class-truth %s: write failed: %s", path, strerror(errno));
  }
  if (fclose(fp) != 0)
    gen_die("--class-truth %s: write failed: %s", path, strerror(errno));
}
