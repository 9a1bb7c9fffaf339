/* gen_classes.c - the classes scenario. Every conversation below states the
 * class its packets must land in, worked out by hand from the rules file
 * written by gen_classes_write_rules (first match wins; docs/RULES.md), not
 * by running a classifier: the truth is independent of the engine's. The
 * conversations exercise each match key, IPv4 and IPv6, both directions of
 * one-sided keys, and overlaps where the earlier class must win. */
#include "gen_classes.h"

#include <errno.h>
#include <string.h>

static const char rules_text[] =
    "# Written by pcapflow-gen --scenario classes; the truth is for this file.\n"
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
enum cls { C_DNS, C_WEB_V6, C_WEB, C_VOICE, C_STORAGE, C_BACKUP, C_PING, C_UNCL, C_COUNT };

static const char *const cls_name[C_COUNT] = {"dns",     "web_v6", "web",  "voice",
                                              "storage", "backup", "ping", "unclassified"};

void gen_classes_write_rules(FILE *fp, const char *path)
{
  if (fputs(rules_text, fp) == EOF || fclose(fp) != 0)
    gen_die("--rules %s: write failed: %s", path, strerror(errno));
}

/* Addresses: 198.18/16 and 2001:db8:1::/48 are local, the rest remote. */
static const uint8_t l4a[4] = {198, 18, 0, 10}, r4a[4] = {198, 19, 0, 53};
static const uint8_t r4b[4] = {198, 19, 200, 5}; /* in backup's 198.19.128.0/17 */
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

struct class_truth {
  uint64_t packets[C_COUNT][2], octets[C_COUNT][2], flows[C_COUNT];
};

/* Emits the built frame and books it to class c by what gen_emit counted. */
static void emit_as(struct gen *g, struct class_truth *ct, enum cls c, enum reason reason)
{
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
  g->ts_us += 1000;
}

static void set_dscp(struct frame *f, uint8_t dscp)
{
  uint8_t *ip = f->b + f->ip_off;

  if (f->ip_ver == 4) {
    ip[1] = (uint8_t)(dscp << 2);
    gen_fix_ipv4_csum(f);
  } else {
    ip[0] = (uint8_t)(0x60 | (dscp >> 2));
    ip[1] = (uint8_t)(((dscp & 3) << 6) | (ip[1] & 0x0f));
  }
}

static void packet(struct gen *g, struct class_truth *ct, const struct conv *c, bool reply)
{
  struct encap enc = {.name = "vlan", .ntags = 1, .tpid = {ETH_VLAN}, .vid = {c->vlan}};
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

void gen_scenario_classes(struct gen *g, FILE *fp, const char *path)
{
  struct class_truth ct;
  const struct encap vlan202 = {.name = "vlan", .ntags = 1, .tpid = {ETH_VLAN}, .vid = {202}};
  const struct encap vlan203 = {.name = "vlan", .ntags = 1, .tpid = {ETH_VLAN}, .vid = {203}};

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
    struct ipspec s = {.ver = 4, .addr = ADDR_TX, .proto = 6, .short_l4 = true, .l4_keep = 10};

    GEN_ASSERT(gen_build_ip(g, &vlan203, &s, "malformed_vlan203"));
    emit_as(g, &ct, C_UNCL, R_L4_HEADER);
  }

  for (int c = 0; c < C_COUNT; c++) {
    if (fprintf(fp, "if_packets-%s %llu %llu\n", cls_name[c], (unsigned long long)ct.packets[c][DIR_RX],
                (unsigned long long)ct.packets[c][DIR_TX]) < 0 ||
        fprintf(fp, "if_octets-%s %llu %llu\n", cls_name[c], (unsigned long long)ct.octets[c][DIR_RX],
                (unsigned long long)ct.octets[c][DIR_TX]) < 0 ||
        fprintf(fp, "current_connections-%s %llu\n", cls_name[c], (unsigned long long)ct.flows[c]) < 0)
      gen_die("--class-truth %s: write failed: %s", path, strerror(errno));
  }
  if (fclose(fp) != 0)
    gen_die("--class-truth %s: write failed: %s", path, strerror(errno));
}
