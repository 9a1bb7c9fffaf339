/* rules_helpers.c - loading rules from text and building packets for the
 * rules tests. */
#include "rules_helpers.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

struct pf_rules *rules_from(const char *yaml) {
  struct pf_rules *r = NULL;
  char err[1024] = "";
  ck_assert_msg(pf_rules_parse("test.yaml", yaml, strlen(yaml), &r, err,
                               sizeof(err)) == 0,
                "rules refused: %s\n%s", err, yaml);
  ck_assert_ptr_nonnull(r);
  return r;
}

const char *rules_error(const char *yaml) {
  static char err[1024];
  struct pf_rules *r = NULL;
  err[0] = '\0';
  ck_assert_msg(pf_rules_parse("test.yaml", yaml, strlen(yaml), &r, err,
                               sizeof(err)) == -1,
                "rules accepted:\n%s", yaml);
  ck_assert_ptr_null(r);
  return err;
}

const char *rules_srcdir(void) {
  const char *dir = getenv("PCAPFLOW_SRCDIR");
  return dir && *dir ? dir : ".";
}

void rules_make_dir(char *dir) {
  strcpy(dir, "/tmp/pcapflow-rules-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(dir));
}

void rules_remove_dir(const char *dir) {
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  ck_assert_int_eq(system(cmd), 0);
}

static uint8_t rpkt_addr(const char *text, uint8_t out[16]) {
  memset(out, 0, 16);
  if (inet_pton(AF_INET, text, out) == 1)
    return PF_L3_IPV4;
  ck_assert_msg(inet_pton(AF_INET6, text, out) == 1, "bad address %s", text);
  return PF_L3_IPV6;
}

void rpkt_ip(struct rpkt *p, const char *src, const char *dst, uint8_t proto) {
  memset(p, 0, sizeof(*p));
  p->pkt.l3 = rpkt_addr(src, p->src);
  ck_assert_int_eq(rpkt_addr(dst, p->dst), p->pkt.l3);
  p->pkt.src_ip = p->src;
  p->pkt.dst_ip = p->dst;
  p->pkt.ip_proto = proto;
  p->pkt.l4 = PF_L4_OTHER;
  p->pkt.malformed = PF_MAL_NONE;
  p->pkt.wire_len = 100;
}

void rpkt_ports(struct rpkt *p, uint16_t sport, uint16_t dport) {
  p->pkt.has_ports = true;
  p->pkt.src_port = sport;
  p->pkt.dst_port = dport;
}

void rpkt_vlan(struct rpkt *p, uint16_t outer, int inner) {
  p->pkt.vlan_count = inner < 0 ? 1 : 2;
  p->pkt.vlan_outer = outer;
  p->pkt.vlan_inner = inner < 0 ? outer : (uint16_t)inner;
}

void rpkt_non_ip(struct rpkt *p) {
  memset(p, 0, sizeof(*p));
  p->pkt.l3 = PF_L3_NON_IP;
  p->pkt.l4 = PF_L4_NONE;
  p->pkt.malformed = PF_MAL_NONE;
  p->pkt.wire_len = 60;
}

unsigned rpkt_index(const struct pf_rules *r, const struct rpkt *p) {
  /* The addresses are always the rpkt's own, wherever it was copied. */
  struct pf_packet pkt = p->pkt;
  pkt.src_ip = p->src;
  pkt.dst_ip = p->dst;
  unsigned c = pf_rules_classify(r, &pkt);
  ck_assert_uint_lt(c, pf_rules_class_count(r));
  return c;
}

const char *rpkt_class(const struct pf_rules *r, const struct rpkt *p) {
  return pf_rules_class_name(r, rpkt_index(r, p));
}
