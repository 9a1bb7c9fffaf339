/* test_rules_random.c - the compiled classifier against a naive reference
 * matcher written here from docs/RULES.md: random rule sets (written out
 * as YAML and loaded), random packets aimed at their edges, and random
 * frames through the real decoder. Seeded, so a failure reproduces. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frames.h"
#include "rules_helpers.h"
#include "suites.h"

#define RULE_SETS 400
#define PACKETS_PER_SET 2500
#define FRAMES_PER_SET 100
#define MAX_VALUES 5

/* The fields, in the order of the docs. */
enum {
  F_PROTOCOL,
  F_DSCP,
  F_VLAN,
  F_INNER_VLAN,
  F_PORT,
  F_SRC_PORT,
  F_DST_PORT,
  F_CIDR,
  F_SRC_CIDR,
  F_DST_CIDR,
  F_COUNT
};
static const char *const field_key[F_COUNT] = {
    "protocol", "dscp",     "vlan", "inner_vlan", "port",
    "src_port", "dst_port", "cidr", "src_cidr",   "dst_cidr"};
static const uint32_t field_max[F_COUNT] = {255,   63,    4095, 4095, 65535,
                                            65535, 65535, 0,    0,    0};

static bool is_cidr(int f) { return f >= F_CIDR; }

struct ref_prefix {
  int family, len;
  uint8_t addr[16];
};

struct ref_class {
  bool given[F_COUNT];
  int n[F_COUNT];
  uint32_t lo[F_COUNT][MAX_VALUES], hi[F_COUNT][MAX_VALUES];
  struct ref_prefix prefix[F_COUNT][MAX_VALUES];
};

struct ref_rules {
  int n;
  struct ref_class c[PF_RULES_MAX_CLASSES];
};

/* ---- the reference: one class at a time, field by field ---- */

static bool ref_in(const struct ref_class *c, int f, uint32_t v) {
  for (int i = 0; i < c->n[f]; i++)
    if (v >= c->lo[f][i] && v <= c->hi[f][i])
      return true;
  return false;
}

static bool ref_prefix_has(const struct ref_prefix *p, int family,
                           const uint8_t *addr) {
  if (p->family != family)
    return false;
  for (int bit = 0; bit < p->len; bit++) {
    int a = (addr[bit / 8] >> (7 - bit % 8)) & 1;
    int b = (p->addr[bit / 8] >> (7 - bit % 8)) & 1;
    if (a != b)
      return false;
  }
  return true;
}

static bool ref_in_prefixes(const struct ref_class *c, int f, int family,
                            const uint8_t *addr) {
  for (int i = 0; i < c->n[f]; i++)
    if (ref_prefix_has(&c->prefix[f][i], family, addr))
      return true;
  return false;
}

static bool ref_matches(const struct ref_class *c, const struct pf_packet *p) {
  bool ip = p->l3 == PF_L3_IPV4 || p->l3 == PF_L3_IPV6;
  int family = p->l3 == PF_L3_IPV4 ? 4 : 6;
  for (int f = 0; f < F_COUNT; f++) {
    if (!c->given[f])
      continue;
    if (f == F_VLAN || f == F_INNER_VLAN) {
      if (p->vlan_count == 0 ||
          !ref_in(c, f, f == F_VLAN ? p->vlan_outer : p->vlan_inner))
        return false;
      continue;
    }
    if (!ip)
      return false; /* every other field is IP-level */
    bool ok;
    switch (f) {
    case F_PROTOCOL:
      ok = ref_in(c, f, p->ip_proto);
      break;
    case F_DSCP:
      ok = ref_in(c, f, p->dscp);
      break;
    case F_PORT:
      ok = p->has_ports &&
           (ref_in(c, f, p->src_port) || ref_in(c, f, p->dst_port));
      break;
    case F_SRC_PORT:
      ok = p->has_ports && ref_in(c, f, p->src_port);
      break;
    case F_DST_PORT:
      ok = p->has_ports && ref_in(c, f, p->dst_port);
      break;
    case F_CIDR:
      ok = ref_in_prefixes(c, f, family, p->src_ip) ||
           ref_in_prefixes(c, f, family, p->dst_ip);
      break;
    case F_SRC_CIDR:
      ok = ref_in_prefixes(c, f, family, p->src_ip);
      break;
    default:
      ok = ref_in_prefixes(c, f, family, p->dst_ip);
      break;
    }
    if (!ok)
      return false;
  }
  return true;
}

static int ref_classify(const struct ref_rules *rr, const struct pf_packet *p) {
  if (p->l3 == PF_L3_MALFORMED)
    return rr->n;
  for (int i = 0; i < rr->n; i++)
    if (ref_matches(&rr->c[i], p))
      return i;
  return rr->n;
}

/* ---- random rule sets ---- */

static uint32_t rnd(uint64_t *s, uint32_t n) { return frame_rand(s) % n; }

/* Values packets are steered towards, so that edges get hit. */
static const uint32_t hot_ports[] = {0, 1, 53, 80, 443, 1024, 65534, 65535};

static uint32_t rnd_value(uint64_t *s, int f) {
  uint32_t max = field_max[f];
  switch (rnd(s, 4)) {
  case 0:
    return 0;
  case 1:
    return max;
  case 2:
    if (f >= F_PORT)
      return hot_ports[rnd(s, sizeof(hot_ports) / sizeof(hot_ports[0]))];
    return rnd(s, 8);
  default:
    return rnd(s, max + 1);
  }
}

/* A few base networks; prefixes are cut from them at random lengths. */
static void rnd_address(uint64_t *s, int family, uint8_t out[16]) {
  memset(out, 0, 16);
  if (family == 4) {
    static const uint8_t bases[][4] = {{198, 18, 0, 0},
                                       {198, 18, 1, 0},
                                       {198, 19, 255, 255},
                                       {0, 0, 0, 0},
                                       {255, 255, 255, 255}};
    memcpy(out, bases[rnd(s, 5)], 4);
    if (rnd(s, 2))
      out[3] = (uint8_t)rnd(s, 256);
    if (rnd(s, 3) == 0)
      out[2] = (uint8_t)rnd(s, 256);
    return;
  }
  static const uint8_t bases[][16] = {
      {0x20, 0x01, 0x0d, 0xb8},
      {0x20, 0x01, 0x0d, 0xb8, 0, 1},
      {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0x80},
      {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18}};
  memcpy(out, bases[rnd(s, 4)], 16);
  if (rnd(s, 2))
    out[15] = (uint8_t)rnd(s, 256);
  if (rnd(s, 3) == 0)
    out[7] = (uint8_t)rnd(s, 256);
}

static void rnd_prefix(uint64_t *s, struct ref_prefix *p) {
  static const int len4[] = {0, 1, 3, 4, 8, 12, 15, 16, 17, 23, 24, 28, 31, 32};
  static const int len6[] = {0,  1,  16, 31, 32,  33,  47, 48,
                             63, 64, 65, 96, 111, 127, 128};
  p->family = rnd(s, 3) ? 4 : 6;
  p->len = p->family == 4 ? len4[rnd(s, sizeof(len4) / sizeof(len4[0]))]
                          : len6[rnd(s, sizeof(len6) / sizeof(len6[0]))];
  rnd_address(s, p->family, p->addr);
  /* Clear host bits: the loader refuses them. */
  for (int bit = p->len; bit < (p->family == 4 ? 32 : 128); bit++)
    p->addr[bit / 8] &= (uint8_t) ~(0x80 >> (bit % 8));
}

/* Each field is given with `percent` chance, and at least `min_fields`. */
static void rnd_class(uint64_t *s, struct ref_class *c, uint32_t percent,
                      int min_fields) {
  memset(c, 0, sizeof(*c));
  int given = 0;
  for (int f = 0; f < F_COUNT; f++) {
    bool forced = F_COUNT - f <= min_fields - given;
    if (!forced && rnd(s, 100) >= percent)
      continue;
    given++;
    c->given[f] = true;
    c->n[f] = 1 + (int)rnd(s, MAX_VALUES);
    for (int i = 0; i < c->n[f]; i++) {
      if (is_cidr(f)) {
        rnd_prefix(s, &c->prefix[f][i]);
        continue;
      }
      uint32_t a = rnd_value(s, f), b = rnd(s, 3) ? a : rnd_value(s, f);
      c->lo[f][i] = a < b ? a : b;
      c->hi[f][i] = a < b ? b : a;
    }
  }
  /* Ports with protocols none of which has ports are refused (the class
   * could never match): give such a class TCP. */
  bool ports = c->given[F_PORT] || c->given[F_SRC_PORT] || c->given[F_DST_PORT];
  if (ports && c->given[F_PROTOCOL]) {
    c->lo[F_PROTOCOL][0] = 6;
    if (c->hi[F_PROTOCOL][0] < 6)
      c->hi[F_PROTOCOL][0] = 6;
  }
}

static void rnd_rules(uint64_t *s, struct ref_rules *rr) {
  uint32_t kind = rnd(s, 10);
  rr->n = kind < 7   ? 1 + (int)rnd(s, 8)
          : kind < 9 ? 9 + (int)rnd(s, 32)
                     : PF_RULES_MAX_CLASSES - (int)rnd(s, 28);
  /* In large sets, broad classes early on would take every packet before
   * the later ones (those past the mask's first word) get a chance. */
  bool large = rr->n > 64;
  for (int i = 0; i < rr->n; i++)
    rnd_class(s, &rr->c[i], large ? 45 : 22, large ? 3 : 0);
}

/* The rule set as a rules file. */
static char *ref_yaml(const struct ref_rules *rr) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  ck_assert_ptr_nonnull(f);
  fprintf(f, "classes:\n");
  for (int i = 0; i < rr->n; i++) {
    const struct ref_class *c = &rr->c[i];
    fprintf(f, "  - name: c%d\n", i);
    for (int k = 0; k < F_COUNT; k++) {
      if (!c->given[k])
        continue;
      fprintf(f, "    %s: [", field_key[k]);
      for (int v = 0; v < c->n[k]; v++) {
        if (v)
          fprintf(f, ", ");
        if (is_cidr(k)) {
          struct pf_prefix p = {.family = (uint8_t)c->prefix[k][v].family,
                                .length = (uint8_t)c->prefix[k][v].len};
          memcpy(p.addr, c->prefix[k][v].addr, 16);
          char buf[64];
          pf_prefix_format(&p, buf, sizeof(buf));
          fprintf(f, "\"%s\"", buf);
        } else if (c->lo[k][v] == c->hi[k][v]) {
          fprintf(f, "%u", c->lo[k][v]);
        } else {
          fprintf(f, "%u-%u", c->lo[k][v], c->hi[k][v]);
        }
      }
      fprintf(f, "]\n");
    }
  }
  fclose(f);
  return text;
}

/* ---- random packets ---- */

/* A value near one the rules name, or anything. */
static uint32_t aim_value(uint64_t *s, const struct ref_rules *rr, int f) {
  const struct ref_class *c = &rr->c[rnd(s, (uint32_t)rr->n)];
  if (!c->given[f] || rnd(s, 4) == 0)
    return rnd_value(s, f);
  int i = (int)rnd(s, (uint32_t)c->n[f]);
  uint32_t lo = c->lo[f][i], hi = c->hi[f][i], max = field_max[f];
  switch (rnd(s, 5)) {
  case 0:
    return lo;
  case 1:
    return hi;
  case 2:
    return lo > 0 ? lo - 1 : lo;
  case 3:
    return hi < max ? hi + 1 : hi;
  default:
    return lo + rnd(s, hi - lo + 1);
  }
}

/* An address inside, or just outside, a prefix the rules name. */
static void aim_address(uint64_t *s, const struct ref_rules *rr, int family,
                        uint8_t out[16]) {
  const struct ref_class *c = &rr->c[rnd(s, (uint32_t)rr->n)];
  int f = F_CIDR + (int)rnd(s, 3);
  if (!c->given[f] || rnd(s, 5) == 0) {
    rnd_address(s, family, out);
    return;
  }
  const struct ref_prefix *p = &c->prefix[f][rnd(s, (uint32_t)c->n[f])];
  if (p->family != family) {
    rnd_address(s, family, out);
    return;
  }
  memcpy(out, p->addr, 16);
  int bits = family == 4 ? 32 : 128;
  for (int bit = p->len; bit < bits; bit++)
    if (rnd(s, 2))
      out[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
  if (p->len > 0 && rnd(s, 4) == 0) /* just outside */
    out[(p->len - 1) / 8] ^= (uint8_t)(0x80 >> ((p->len - 1) % 8));
}

static void rnd_packet(uint64_t *s, const struct ref_rules *rr,
                       struct rpkt *p) {
  memset(p, 0, sizeof(*p));
  uint32_t kind = rnd(s, 100);
  p->pkt.l3 = kind < 60   ? PF_L3_IPV4
              : kind < 85 ? PF_L3_IPV6
              : kind < 93 ? PF_L3_NON_IP
                          : PF_L3_MALFORMED;
  int family = p->pkt.l3 == PF_L3_IPV6 ? 6 : 4;
  /* Malformed and non-IP packets get fields too: they must be ignored. */
  p->pkt.vlan_count = (uint8_t)(rnd(s, 2) ? 0 : 1 + rnd(s, 3));
  p->pkt.vlan_outer = (uint16_t)aim_value(s, rr, F_VLAN);
  p->pkt.vlan_inner = p->pkt.vlan_count == 1
                          ? p->pkt.vlan_outer
                          : (uint16_t)aim_value(s, rr, F_INNER_VLAN);
  if (p->pkt.vlan_count == 0)
    p->pkt.vlan_outer = p->pkt.vlan_inner = 0;
  p->pkt.ip_proto = (uint8_t)aim_value(s, rr, F_PROTOCOL);
  p->pkt.dscp = (uint8_t)aim_value(s, rr, F_DSCP);
  p->pkt.has_ports = rnd(s, 10) < 7;
  if (p->pkt.has_ports) {
    p->pkt.src_port = (uint16_t)aim_value(s, rr, F_PORT + (int)rnd(s, 3));
    p->pkt.dst_port = (uint16_t)aim_value(s, rr, F_PORT + (int)rnd(s, 3));
  }
  aim_address(s, rr, family, p->src);
  aim_address(s, rr, family, p->dst);
  p->pkt.src_ip = p->src;
  p->pkt.dst_ip = p->dst;
  p->pkt.malformed =
      p->pkt.l3 == PF_L3_MALFORMED ? PF_MAL_TRUNCATED : PF_MAL_NONE;
}

START_TEST(test_compiled_matches_reference) {
  uint64_t seed = 0x5eed0001;
  static struct ref_rules rr;
  uint64_t total = 0, classified = 0, in_second_word = 0;
  for (int set = 0; set < RULE_SETS; set++) {
    rnd_rules(&seed, &rr);
    char *yaml = ref_yaml(&rr);
    struct pf_rules *r = rules_from(yaml);
    ck_assert_uint_eq(pf_rules_class_count(r), (size_t)rr.n + 1);

    for (int i = 0; i < PACKETS_PER_SET; i++) {
      struct rpkt p;
      rnd_packet(&seed, &rr, &p);
      int want = ref_classify(&rr, &p.pkt);
      unsigned got = pf_rules_classify(r, &p.pkt);
      ck_assert_msg(got == (unsigned)want,
                    "rule set %d, packet %d: class %u, reference %d\n%s", set,
                    i, got, want, yaml);
      total++;
      classified += want < rr.n;
      in_second_word += want >= 64 && want < rr.n;
    }

    /* Real decoder output, damaged frames included. */
    for (int i = 0; i < FRAMES_PER_SET; i++) {
      struct frame f;
      struct pf_packet pkt;
      frame_random(&f, &seed);
      uint8_t *buf = frame_decode_whole(&f, &pkt);
      int want = ref_classify(&rr, &pkt);
      unsigned got = pf_rules_classify(r, &pkt);
      free(buf);
      ck_assert_msg(got == (unsigned)want,
                    "rule set %d, frame %d: class %u, reference %d", set, i,
                    got, want);
    }
    pf_rules_free(r);
    free(yaml);
  }
  /* The generator must exercise both outcomes, and the classes past the
   * mask's first word, or this test proves little. */
  ck_assert_uint_eq(total, (uint64_t)RULE_SETS * PACKETS_PER_SET);
  ck_assert_uint_gt(classified, total / 5);
  ck_assert_uint_lt(classified, total - total / 10);
  ck_assert_uint_gt(in_second_word, 1000);
}
END_TEST

Suite *pf_rules_random_suite(void) {
  Suite *s = suite_create("rules_random");
  TCase *tc = tcase_create("random");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_compiled_matches_reference);
  suite_add_tcase(s, tc);
  return s;
}
