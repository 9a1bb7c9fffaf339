/* test_fanout_hash.c - the fanout group's program gives every frame of one
 * engine flow, both directions and fragments included, one value: run in
 * user space over Ethernet frames (PF_FANOUT_AT_ETHERNET), by libpcap's
 * bpf_filter() and by a small interpreter of this file that records which
 * instructions and which ways of each jump ran, so that every branch is
 * shown to be reached. The kernel's form must load (SO_ATTACH_FILTER). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>
#include <pcap/bpf.h>
#include <pcap/dlt.h>

#include "flow/flow.h"
#include "frames.h"
#include "quick_check.h"
#include "source/fanout_hash.h"
#include "suites.h"

/* Any key: the tests hold for every one (and two keys apart below). */
#define TEST_KEY 0x5eed1234u

static struct sock_filter prog[PF_FANOUT_HASH_MAX];
static struct bpf_insn pcap_prog[PF_FANOUT_HASH_MAX];
static unsigned prog_len;

/* Which instructions ran; for a conditional jump, bit 1 its true way and
 * bit 2 its false way. */
static uint8_t seen[PF_FANOUT_HASH_MAX];

static uint64_t rng;

static void setup(void) {
  rng = 0x5eed; /* each test its own draws, forked or not */
  prog_len = pf_fanout_hash_program(PF_FANOUT_AT_ETHERNET, TEST_KEY, prog);
  ck_assert_uint_gt(prog_len, 0);
  for (unsigned i = 0; i < prog_len; i++)
    pcap_prog[i] =
        (struct bpf_insn){prog[i].code, prog[i].jt, prog[i].jf, prog[i].k};
}

/* ---- the interpreter: classic BPF as the kernel runs it ---- */

static bool load(const uint8_t *p, uint32_t len, uint32_t at, unsigned size,
                 uint32_t *out) {
  if (at >= len || size > len - at)
    return false;
  uint32_t v = 0;
  for (unsigned i = 0; i < size; i++)
    v = v << 8 | p[at + i];
  *out = v;
  return true;
}

static unsigned size_of(uint16_t code) {
  return BPF_SIZE(code) == BPF_W ? 4 : BPF_SIZE(code) == BPF_H ? 2 : 1;
}

static uint32_t alu(uint16_t op, uint32_t a, uint32_t v) {
  switch (op) {
  case BPF_ADD:
    return a + v;
  case BPF_SUB:
    return a - v;
  case BPF_MUL:
    return a * v;
  case BPF_AND:
    return a & v;
  case BPF_OR:
    return a | v;
  case BPF_XOR:
    return a ^ v;
  case BPF_LSH:
    return a << v;
  case BPF_RSH:
    return a >> v;
  default:
    ck_abort_msg("ALU op %#x is not interpreted", op);
    return 0;
  }
}

static bool cond(uint16_t op, uint32_t a, uint32_t k) {
  switch (op) {
  case BPF_JEQ:
    return a == k;
  case BPF_JSET:
    return (a & k) != 0;
  case BPF_JGT:
    return a > k;
  case BPF_JGE:
    return a >= k;
  default:
    ck_abort_msg("jump %#x is not interpreted", op);
    return false;
  }
}

static uint32_t interpret(const uint8_t *p, uint32_t len) {
  uint32_t A = 0, X = 0, M[BPF_MEMWORDS] = {0};
  for (unsigned pc = 0; pc < prog_len; pc++) {
    const struct sock_filter *i = &prog[pc];
    seen[pc] |= 1;
    uint32_t v;
    switch (BPF_CLASS(i->code)) {
    case BPF_LD:
      if (BPF_MODE(i->code) == BPF_IMM)
        A = i->k;
      else if (BPF_MODE(i->code) == BPF_MEM)
        A = M[i->k];
      else if (!load(p, len, BPF_MODE(i->code) == BPF_IND ? X + i->k : i->k,
                     size_of(i->code), &A))
        return 0;
      break;
    case BPF_LDX:
      if (BPF_MODE(i->code) == BPF_IMM)
        X = i->k;
      else if (BPF_MODE(i->code) == BPF_MEM)
        X = M[i->k];
      else if (load(p, len, i->k, 1, &v)) /* BPF_MSH */
        X = 4 * (v & 0xf);
      else
        return 0;
      break;
    case BPF_ST:
      M[i->k] = A;
      break;
    case BPF_STX:
      M[i->k] = X;
      break;
    case BPF_ALU:
      A = alu(BPF_OP(i->code), A, BPF_SRC(i->code) == BPF_X ? X : i->k);
      break;
    case BPF_JMP:
      if (BPF_OP(i->code) == BPF_JA) {
        pc += i->k;
      } else if (cond(BPF_OP(i->code), A, i->k)) {
        seen[pc] |= 2;
        pc += i->jt;
      } else {
        seen[pc] |= 4;
        pc += i->jf;
      }
      break;
    case BPF_RET:
      return BPF_RVAL(i->code) == BPF_A ? A : i->k;
    case BPF_MISC:
      if (BPF_MISCOP(i->code) == BPF_TAX)
        X = A;
      else
        A = X;
      break;
    }
  }
  ck_abort_msg("the program ran off its end");
  return 0;
}

/* The program's value for f: the interpreter's, which libpcap's must
 * equal. */
static uint32_t value_of(const struct frame *f) {
  uint32_t mine = interpret(f->data, f->len);
  uint32_t theirs = bpf_filter(pcap_prog, f->data, f->len, f->len);
  QUICK_CHECK(mine == theirs, "interpreter %u, bpf_filter %u", mine, theirs);
  return mine;
}

/* ---- frames of one flow in every form ---- */

/* A flow: what its key holds. */
struct flow {
  int family, tags;
  uint16_t vlan[2];
  uint8_t a[16], b[16]; /* the two addresses */
  uint8_t proto;
  uint16_t pa, pb; /* ports of a and b */
};

/* How one frame of it is sent. */
struct form {
  bool reply;      /* b to a */
  int frag;        /* 0 none, 1 first, 2 later */
  uint16_t offset; /* a later fragment's, in 8-byte units */
  uint8_t ext[20]; /* IPv6 extension headers before the transport */
  unsigned n_ext;  /* (a fragment header, when frag, comes last) */
  uint8_t ihl;     /* IPv4 header length in words (0: 5) */
  uint32_t payload;
};

static void flow_frame(struct frame *f, const struct flow *fl,
                       const struct form *m) {
  const uint8_t *src = m->reply ? fl->b : fl->a,
                *dst = m->reply ? fl->a : fl->b;
  uint16_t sport = m->reply ? fl->pb : fl->pa,
           dport = m->reply ? fl->pa : fl->pb;
  uint16_t ip_type = fl->family == 6 ? 0x86dd : 0x0800;
  frame_init(f, DLT_EN10MB);
  frame_eth(f, NULL, NULL,
            fl->tags ? (fl->tags == 2 ? 0x88a8 : 0x8100) : ip_type);
  for (int t = 0; t < fl->tags; t++)
    frame_vlan(f, fl->vlan[t], t + 1 < fl->tags ? 0x8100 : ip_type);
  if (fl->family == 6) {
    uint8_t chain[22];
    unsigned n = 0;
    for (unsigned i = 0; i < m->n_ext; i++)
      chain[n++] = m->ext[i];
    if (m->frag)
      chain[n++] = 44;
    frame_ipv6(f, &(struct ip6){.next = n ? chain[0] : fl->proto,
                                .src = src,
                                .dst = dst});
    for (unsigned i = 0; i < n; i++) {
      uint8_t next = i + 1 < n ? chain[i + 1] : fl->proto;
      if (chain[i] == 44)
        frame_ipv6_frag(f, next, m->frag == 2 ? m->offset : 0, true);
      else
        frame_ipv6_ext(f, chain[i], next, (uint8_t)(i % 3));
    }
  } else {
    uint16_t frag = m->frag == 2 ? m->offset : m->frag == 1 ? 0x2000 : 0;
    frame_ipv4(f, &(struct ip4){.proto = fl->proto,
                                .frag = frag,
                                .ihl = m->ihl,
                                .src = src,
                                .dst = dst});
  }
  if (m->frag != 2) {
    switch (fl->proto) {
    case 6:
      frame_tcp(f,
                &(struct tcp){.sport = sport, .dport = dport, .flags = 0x10});
      break;
    case 17:
      frame_udp(f, sport, dport);
      break;
    case 132:
      frame_sctp(f, sport, dport);
      break;
    case 1:
      frame_icmp(f, m->reply ? 0 : 8, 0);
      break;
    case 58:
      frame_icmp(f, m->reply ? 129 : 128, 0);
      break;
    default:
      break;
    }
  }
  frame_fill(f, 0x5a, m->payload);
  frame_finish(f);
}

/* The engine's key of a frame, false when it has none. */
static bool key_of(const struct frame *f, struct pf_flow_key *key) {
  struct pf_packet pkt;
  uint8_t side;
  uint8_t *buf = frame_decode_whole(f, &pkt);
  bool ok = pf_flow_key_of(&pkt, key, &side);
  free(buf);
  return ok;
}

static uint32_t rnd(uint32_t n) { return frame_rand(&rng) % n; }

static void random_flow(struct flow *fl) {
  static const uint8_t protos[] = {6, 17, 132, 1, 58, 47, 50, 6, 17};
  *fl = (struct flow){
      .family = rnd(2) ? 6 : 4,
      .tags = (int)rnd(3),
      .vlan = {(uint16_t)(1 + rnd(4000)), (uint16_t)(1 + rnd(4000))},
      .proto = protos[rnd(sizeof(protos))],
      .pa = (uint16_t)rnd(65536),
      .pb = (uint16_t)rnd(65536)};
  for (int i = 0; i < 16; i++) {
    fl->a[i] = (uint8_t)rnd(256);
    fl->b[i] = (uint8_t)rnd(256);
  }
  if (fl->family == 4 && rnd(8) == 0)
    memcpy(fl->b, fl->a, 4); /* a host to itself */
}

static void random_form(struct form *m, const struct flow *fl) {
  static const uint8_t exts[] = {0, 43, 60, 51};
  *m = (struct form){
      .reply = rnd(2),
      .frag = (int)rnd(3),
      .offset = (uint16_t)(1 + rnd(8000)),
      .ihl = fl->family == 4 && rnd(4) == 0 ? (uint8_t)(6 + rnd(10)) : 0,
      .payload = rnd(200)};
  if (fl->family == 6) {
    m->n_ext = rnd(5);
    for (unsigned i = 0; i < m->n_ext; i++)
      m->ext[i] = exts[rnd(sizeof(exts))];
  }
}

/* An ARP request between two MAC addresses (0a:fe + the 32 bits given),
 * from a to b, or b to a: a frame with no flow. */
static void no_flow_frame(struct frame *f, uint32_t a, uint32_t b,
                          bool reply) {
  uint8_t mac[2][6] = {{0x0a, 0xfe, (uint8_t)(a >> 24), (uint8_t)(a >> 16),
                        (uint8_t)(a >> 8), (uint8_t)a},
                       {0x0a, 0xfe, (uint8_t)(b >> 24), (uint8_t)(b >> 16),
                        (uint8_t)(b >> 8), (uint8_t)b}};
  frame_init(f, DLT_EN10MB);
  frame_bytes(f, mac[!reply], 6);
  frame_bytes(f, mac[reply], 6);
  frame_u16(f, 0x0806);
  frame_u32(f, 0x00010800); /* Ethernet, IPv4 */
  frame_u32(f, 0x06040001); /* lengths, request */
  frame_bytes(f, mac[reply], 6);
  frame_fill(f, 0, 14 + 4);
}

/* ---- the tests ---- */

START_TEST(test_kernel_takes_the_program) {
  struct sock_filter kprog[PF_FANOUT_HASH_MAX];
  unsigned n = pf_fanout_hash_program(PF_FANOUT_IN_KERNEL, TEST_KEY, kprog);
  ck_assert_uint_gt(n, 0);
  /* One body, two starts: the kernel's picks the base by packet type
   * and device type (20 instructions), the Ethernet one is 5. */
  ck_assert_uint_eq(n, prog_len + 15);
  ck_assert_uint_lt(n, PF_FANOUT_HASH_MAX);
  /* The kernel checks a socket filter as it checks a fanout program
   * (bpf_check_classic), and a UDP socket takes one without privileges. */
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ck_assert_int_ge(fd, 0);
  struct sock_fprog fp = {.len = (unsigned short)n, .filter = kprog};
  ck_assert_int_eq(
      setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)), 0);
  close(fd);
}
END_TEST

START_TEST(test_both_directions_one_value) {
  for (int i = 0; i < 2000; i++) {
    struct flow fl;
    random_flow(&fl);
    struct form m = {0};
    struct frame there, back;
    flow_frame(&there, &fl, &m);
    m.reply = true;
    flow_frame(&back, &fl, &m);
    QUICK_CHECK(value_of(&there) == value_of(&back),
                "flow %d (family %d, proto %u): %u there, %u back", i,
                fl.family, fl.proto, value_of(&there), value_of(&back));
  }
}
END_TEST

/* A first fragment (offset 0, ports present) goes where the unfragmented
 * packets of its 5-tuple go: a fragmented DNS answer to its query. */
START_TEST(test_first_fragment_with_its_flow) {
  for (int family = 4; family <= 6; family += 2) {
    struct flow fl = {.family = family,
                      .proto = 17,
                      .pa = 53,
                      .pb = 40001,
                      .a = {198, 18, 0, 53},
                      .b = {198, 18, 0, 1}};
    struct frame query, answer;
    flow_frame(&query, &fl, &(struct form){.reply = true, .payload = 40});
    flow_frame(&answer, &fl, &(struct form){.frag = 1, .payload = 1400});
    ck_assert_uint_eq(value_of(&query), value_of(&answer));
    struct pf_flow_key kq, ka;
    ck_assert(key_of(&query, &kq) && key_of(&answer, &ka));
    ck_assert_mem_eq(&kq, &ka, sizeof(kq)); /* one flow to the engine too */
  }
}
END_TEST

/* Later fragments of one address pair and protocol, whatever their offset,
 * length or direction, share one value (their key has no ports). */
START_TEST(test_later_fragments_share_a_value) {
  for (int i = 0; i < 500; i++) {
    struct flow fl;
    random_flow(&fl);
    struct frame f;
    flow_frame(&f, &fl, &(struct form){.frag = 2, .offset = 185});
    uint32_t v = value_of(&f);
    for (int j = 0; j < 8; j++) {
      struct form m;
      random_form(&m, &fl);
      m.frag = 2;
      fl.pa = (uint16_t)rnd(65536); /* not in a later fragment */
      flow_frame(&f, &fl, &m);
      QUICK_CHECK(value_of(&f) == v, "flow %d, fragment %d", i, j);
    }
  }
}
END_TEST

/* Frames in every form the engine keys alike get one value: each frame's
 * key (the decoder's and pf_flow_key_of's) is looked up among the keys
 * seen, and its value must be the one seen with it. */
#define KEYS 32768
static struct pf_flow_key keys[KEYS];
static uint32_t key_value[KEYS];
static bool key_used[KEYS];

static void expect_key_value(const struct frame *f, unsigned *checked) {
  struct pf_flow_key k;
  uint32_t v = value_of(f);
  if (!key_of(f, &k))
    return;
  unsigned h = 0;
  for (size_t i = 0; i < sizeof(k); i++)
    h = h * 31 + ((const uint8_t *)&k)[i];
  for (unsigned i = h % KEYS;; i = (i + 1) % KEYS) {
    if (!key_used[i]) {
      key_used[i] = true;
      keys[i] = k;
      key_value[i] = v;
      return;
    }
    if (memcmp(&keys[i], &k, sizeof(k)) == 0) {
      QUICK_CHECK(key_value[i] == v, "one key, values %u and %u", key_value[i],
                  v);
      ++*checked;
      return;
    }
  }
}

START_TEST(test_one_key_one_value) {
  memset(key_used, 0, sizeof(key_used));
  unsigned checked = 0;
  for (int i = 0; i < 3000; i++) {
    struct flow fl;
    random_flow(&fl);
    for (int j = 0; j < 6; j++) {
      struct form m;
      random_form(&m, &fl);
      struct frame f;
      flow_frame(&f, &fl, &m);
      expect_key_value(&f, &checked);
    }
  }
  /* Random frames of every kind (malformed ones have no key), through
   * both runners. */
  uint64_t s = 99;
  for (int i = 0; i < 20000; i++) {
    struct frame f;
    frame_random(&f, &s);
    if (f.dlt == DLT_EN10MB)
      expect_key_value(&f, &checked);
    else
      (void)value_of(&f);
  }
  ck_assert_uint_gt(checked, 10000); /* the lookups met keys seen before */
}
END_TEST

/* Frames of one flow that differ in extension headers, or in IPv4
 * options, are one flow: one value. */
START_TEST(test_extension_headers_change_nothing) {
  struct flow fl = {.family = 6,
                    .proto = 6,
                    .pa = 443,
                    .pb = 50000,
                    .a = {0x20, 0x01, 0x0d, 0xb8, [15] = 1},
                    .b = {0x20, 0x01, 0x0d, 0xb8, [15] = 2}};
  struct frame f;
  flow_frame(&f, &fl, &(struct form){0});
  uint32_t v = value_of(&f);
  static const uint8_t chains[][4] = {{0}, {0, 60}, {51}, {43, 51, 60}};
  static const unsigned lens[] = {1, 2, 1, 3};
  for (unsigned c = 0; c < 4; c++)
    for (int frag = 0; frag < 2; frag++) {
      struct form m = {.n_ext = lens[c], .frag = frag, .reply = c & 1};
      memcpy(m.ext, chains[c], lens[c]);
      flow_frame(&f, &fl, &m);
      ck_assert_uint_eq(value_of(&f), v);
    }
  fl = (struct flow){.family = 4,
                     .proto = 17,
                     .pa = 53,
                     .pb = 33333,
                     .a = {198, 18, 0, 1},
                     .b = {198, 19, 0, 2}};
  flow_frame(&f, &fl, &(struct form){0});
  v = value_of(&f);
  flow_frame(&f, &fl, &(struct form){.ihl = 15, .reply = true});
  ck_assert_uint_eq(value_of(&f), v);
}
END_TEST

/* Each worker of 2, 3 and 4 gets its share of `flows`, within four
 * standard deviations of a fair draw's (a share's is sqrt((workers - 1) /
 * flows): 1.5% for 4 workers of 200,000 flows). */
static void expect_even_spread(const uint32_t *values, unsigned flows,
                               const char *what) {
  double tol = 4 * sqrt(3.0 / flows);
  for (unsigned w = 2; w <= 4; w++) {
    unsigned n[4] = {0};
    for (unsigned i = 0; i < flows; i++)
      n[values[i] % w]++;
    for (unsigned i = 0; i < w; i++) {
      double share = (double)n[i] / flows * w;
      ck_assert_msg(fabs(share - 1) < tol,
                    "%s, worker %u of %u: %.3f of its share", what, i, w,
                    share);
    }
  }
}

enum { SPREAD_FLOWS = 200000 };
static uint32_t spread_values[SPREAD_FLOWS];

/* The kernel keeps value % workers: many hosts of a client network to a
 * few servers (addresses that differ in their low bytes, as on a link). */
START_TEST(test_spread_over_workers) {
  for (int family = 4; family <= 6; family += 2) {
    for (unsigned i = 0; i < SPREAD_FLOWS; i++) {
      struct flow fl = {.family = family,
                        .proto = rnd(2) ? 6 : 17,
                        .pa = (uint16_t)(1024 + rnd(60000)),
                        .pb = (uint16_t)(rnd(4) ? 443 : 53)};
      fl.a[0] = 198, fl.a[1] = 18, fl.a[14] = (uint8_t)rnd(4);
      fl.a[15] = (uint8_t)rnd(256);
      fl.b[0] = 198, fl.b[1] = 19, fl.b[15] = (uint8_t)rnd(8);
      if (family == 4) {
        fl.a[2] = fl.a[14], fl.a[3] = fl.a[15];
        fl.b[3] = fl.b[15];
      }
      struct frame f;
      flow_frame(&f, &fl, &(struct form){0});
      spread_values[i] = value_of(&f);
    }
    expect_even_spread(spread_values, SPREAD_FLOWS,
                       family == 4 ? "IPv4 hosts" : "IPv6 hosts");
  }
}
END_TEST

/* One Linux client to one server's port: connect() takes even ephemeral
 * ports, so the port sum's low bit never changes, nor the addresses': the
 * mix must spread what the low bits alone would not. */
START_TEST(test_spread_one_host_pair) {
  struct flow fl = {.family = 4,
                    .proto = 6,
                    .pb = 443,
                    .a = {198, 18, 0, 10},
                    .b = {198, 19, 0, 1}};
  for (unsigned i = 0; i < 32000; i++) {
    fl.pa = (uint16_t)(1024 + 2 * i);
    struct frame f;
    flow_frame(&f, &fl, &(struct form){0});
    spread_values[i] = value_of(&f);
  }
  expect_even_spread(spread_values, 32000, "one host pair, even ports");
}
END_TEST

/* The key: one key, one program (every worker of a group sets the same);
 * another key puts flows elsewhere, so a sender who does not know it
 * cannot aim its flows at one worker. */
START_TEST(test_one_key_one_program) {
  static struct sock_filter again[PF_FANOUT_HASH_MAX],
      other[PF_FANOUT_HASH_MAX];
  ck_assert_uint_eq(pf_fanout_hash_program(PF_FANOUT_AT_ETHERNET, TEST_KEY, again),
                    prog_len);
  ck_assert_mem_eq(again, prog, prog_len * sizeof(*prog));
  ck_assert_uint_eq(pf_fanout_hash_program(PF_FANOUT_AT_ETHERNET, TEST_KEY + 1, other),
                    prog_len);
  ck_assert_int_ne(memcmp(other, prog, prog_len * sizeof(*prog)), 0);
}
END_TEST

/* Two keys, 4,000 flows (and 4,000 frames with no flow): about half go to
 * another of 2 workers under the other key (a fair coin: 2,000 +- 4
 * standard deviations, 126), whichever part of the key differs. */
START_TEST(test_two_keys_two_member_maps) {
  static const uint32_t other_keys[] = {TEST_KEY ^ 1u, TEST_KEY ^ 0x80000000u,
                                        0};
  static struct sock_filter other[PF_FANOUT_HASH_MAX];
  static struct bpf_insn other_pcap[PF_FANOUT_HASH_MAX];
  for (unsigned k = 0; k < sizeof(other_keys) / sizeof(*other_keys); k++) {
    unsigned n = pf_fanout_hash_program(PF_FANOUT_AT_ETHERNET, other_keys[k], other);
    for (unsigned i = 0; i < n; i++)
      other_pcap[i] = (struct bpf_insn){other[i].code, other[i].jt,
                                        other[i].jf, other[i].k};
    unsigned moved = 0, moved_l2 = 0;
    for (unsigned i = 0; i < 4000; i++) {
      struct flow fl;
      random_flow(&fl);
      struct frame f;
      flow_frame(&f, &fl, &(struct form){0});
      moved += value_of(&f) % 2 !=
               bpf_filter(other_pcap, f.data, f.len, f.len) % 2;
      no_flow_frame(&f, rnd(1u << 31), rnd(1u << 31), false);
      moved_l2 += value_of(&f) % 2 !=
                  bpf_filter(other_pcap, f.data, f.len, f.len) % 2;
    }
    ck_assert_msg(moved > 2000 - 126 && moved < 2000 + 126,
                  "key %#x: %u of 4000 flows moved", other_keys[k], moved);
    ck_assert_msg(moved_l2 > 2000 - 126 && moved_l2 < 2000 + 126,
                  "key %#x: %u of 4000 frames with no flow moved",
                  other_keys[k], moved_l2);
  }
}
END_TEST

/* Frames with no flow (ARP here) go by their MAC pair: either direction
 * one value, and spread, not all on the first worker. */
START_TEST(test_no_flow_by_mac_pair) {
  for (unsigned i = 0; i < SPREAD_FLOWS; i++) {
    uint32_t a = (uint32_t)rnd(1u << 31), b = (uint32_t)rnd(1u << 31);
    struct frame there, back;
    no_flow_frame(&there, a, b, false);
    no_flow_frame(&back, a, b, true);
    spread_values[i] = value_of(&there);
    QUICK_CHECK(spread_values[i] == value_of(&back),
                "MAC pair %u: %u there, %u back", i, spread_values[i],
                value_of(&back));
  }
  expect_even_spread(spread_values, SPREAD_FLOWS, "ARP, MAC pairs");
}
END_TEST

/* At the decoder's limits (PF_MAX_IPV6_EXT extension headers,
 * PF_MAX_VLAN_TAGS tags, PF_MAX_MPLS_LABELS labels) the decoder still
 * reads the ports, so the program must too: one header, tag or label
 * fewer in the program's unrolling and the frame at the limit gets another
 * value than its flow's plain frames (checked: each mutant fails here). */
static void link_deep_frame(struct frame *f, unsigned tags, unsigned labels) {
  static const uint8_t a[4] = {198, 18, 0, 1}, b[4] = {198, 19, 0, 2};
  frame_init(f, DLT_EN10MB);
  uint16_t inner = labels ? 0x8847 : 0x0800;
  frame_eth(f, NULL, NULL, tags ? 0x8100 : inner);
  for (unsigned t = 0; t < tags; t++)
    frame_vlan(f, (uint16_t)(10 + t), t + 1 < tags ? 0x8100 : inner);
  for (unsigned l = 0; l < labels; l++)
    frame_mpls(f, 100 + l, l + 1 == labels);
  frame_ipv4(f, &(struct ip4){.proto = 17, .src = a, .dst = b});
  frame_udp(f, 40001, 53);
  frame_fill(f, 0x5a, 20);
  frame_finish(f);
}

START_TEST(test_decoder_limits) {
  struct flow fl = {.family = 6, .proto = 17, .pa = 53, .pb = 40001,
                    .a = {0x20, 0x01, 0x0d, 0xb8, [15] = 1},
                    .b = {0x20, 0x01, 0x0d, 0xb8, [15] = 2}};
  struct frame f;
  flow_frame(&f, &fl, &(struct form){0});
  uint32_t v = value_of(&f);
  struct pf_flow_key k0, k;
  ck_assert(key_of(&f, &k0));
  for (unsigned n = 1; n <= PF_MAX_IPV6_EXT; n++) {
    struct form m = {.n_ext = n};
    for (unsigned i = 0; i < n; i++)
      m.ext[i] = 60;
    flow_frame(&f, &fl, &m);
    ck_assert_msg(key_of(&f, &k) && memcmp(&k, &k0, sizeof(k)) == 0,
                  "%u extension headers: the engine's key differs", n);
    ck_assert_msg(value_of(&f) == v, "%u extension headers: value %u, flow's %u",
                  n, value_of(&f), v);
  }
  link_deep_frame(&f, 0, 0);
  uint32_t plain = value_of(&f);
  for (unsigned t = 1; t <= PF_MAX_VLAN_TAGS; t++) {
    link_deep_frame(&f, t, 0);
    ck_assert_msg(key_of(&f, &k), "%u tags: no flow", t);
    ck_assert_msg(value_of(&f) == plain, "%u tags: value %u, untagged %u", t,
                  value_of(&f), plain);
  }
  for (unsigned l = 1; l <= PF_MAX_MPLS_LABELS; l++) {
    link_deep_frame(&f, 0, l);
    ck_assert_msg(key_of(&f, &k), "%u labels: no flow", l);
    ck_assert_msg(value_of(&f) == plain, "%u labels: value %u, unlabelled %u",
                  l, value_of(&f), plain);
  }
}
END_TEST

/* Every instruction runs and every conditional jump goes both ways over a
 * corpus that has each kind of frame: none of the program is dead. */
START_TEST(test_every_branch_taken) {
  memset(seen, 0, sizeof(seen));
  struct frame f;
  /* Extension chains of every length up to one past the decoder's
   * limit, each ending in each kind of header. */
  static const uint8_t last[] = {0, 43, 60, 51, 44, 45, 6, 17, 132, 1, 58};
  for (unsigned n = 0; n <= PF_MAX_IPV6_EXT + 1; n++)
    for (unsigned k = 0; k < sizeof(last); k++)
      for (int later = 0; later < 2; later++) {
        struct flow fl = {.family = 6, .proto = 17, .pa = 1, .pb = 2};
        struct form m = {.n_ext = n};
        for (unsigned i = 0; i < n; i++)
          m.ext[i] = last[i % 4];
        if (last[k] == 44)
          m.frag = later ? 2 : 1, m.offset = 9;
        else if (k < 4)
          m.ext[m.n_ext++] = last[k];
        else
          fl.proto = last[k];
        flow_frame(&f, &fl, &m);
        (void)value_of(&f);
      }
  for (int i = 0; i < 3000; i++) {
    struct flow fl;
    random_flow(&fl);
    struct form m;
    random_form(&m, &fl);
    flow_frame(&f, &fl, &m);
    (void)value_of(&f);
  }
  /* Tags up to one past the decoder's limit, each kind at each depth,
   * over IPv4, IPv6, MPLS, PPPoE and types that are none of them. */
  static const uint16_t tags[] = {0x8100, 0x88a8, 0x9100};
  static const uint16_t types[] = {0x0800, 0x86dd, 0x8847,
                                   0x8848, 0x8864, 0x0806};
  for (unsigned t = 0; t < 6; t++)
    for (unsigned depth = 0; depth <= PF_MAX_VLAN_TAGS + 1; depth++)
      for (unsigned kind = 0; kind < 3; kind++) {
        frame_init(&f, DLT_EN10MB);
        frame_eth(&f, NULL, NULL, depth ? tags[kind] : types[t]);
        for (unsigned d = 0; d < depth; d++)
          frame_vlan(&f, 7,
                     d + 1 < depth ? tags[(kind + d + 1) % 3] : types[t]);
        frame_fill(&f, 0x45, 64);
        (void)value_of(&f);
      }
  /* MPLS stacks up to one label past the limit, over IPv4, IPv6 and an
   * Ethernet pseudowire; PPPoE over IPv4, IPv6 and LCP. */
  for (unsigned n = 1; n <= PF_MAX_MPLS_LABELS + 1; n++)
    for (unsigned v = 0; v < 3; v++) {
      frame_init(&f, DLT_EN10MB);
      frame_eth(&f, NULL, NULL, 0x8847);
      for (unsigned i = 1; i <= n; i++)
        frame_mpls(&f, 100 + i, i == n);
      if (v == 0)
        frame_ipv4(&f, &(struct ip4){.proto = 17});
      else if (v == 1)
        frame_ipv6(&f, &(struct ip6){.next = 17});
      else
        frame_fill(&f, 0x00, 40);
      if (v < 2)
        frame_udp(&f, 1000, 53);
      frame_finish(&f);
      (void)value_of(&f);
    }
  static const uint16_t ppp[] = {0x0021, 0x0057, 0xc021};
  for (unsigned v = 0; v < 3; v++) {
    frame_init(&f, DLT_EN10MB);
    frame_eth(&f, NULL, NULL, 0x8864);
    frame_pppoe(&f, ppp[v]);
    if (v == 0)
      frame_ipv4(&f, &(struct ip4){.proto = 6});
    else if (v == 1)
      frame_ipv6(&f, &(struct ip6){.next = 6});
    frame_tcp(&f, &(struct tcp){.sport = 1, .dport = 2});
    frame_finish(&f);
    (void)value_of(&f);
  }
  uint64_t s = 7;
  for (int i = 0; i < 20000; i++) {
    frame_random(&f, &s);
    (void)value_of(&f);
  }
  for (unsigned i = 0; i < prog_len; i++) {
    bool cond_jump =
        BPF_CLASS(prog[i].code) == BPF_JMP && BPF_OP(prog[i].code) != BPF_JA;
    uint8_t want = cond_jump ? 7 : 1;
    ck_assert_msg((seen[i] & want) == want,
                  "instruction %u (code %#x, k %#x) ran %s", i, prog[i].code,
                  prog[i].k,
                  !(seen[i] & 1)   ? "never"
                  : !(seen[i] & 2) ? "but never jumped its true way"
                                   : "but never its false way");
  }
}
END_TEST

Suite *pf_fanout_hash_suite(void) {
  Suite *s = suite_create("fanout_hash");
  TCase *tc = tcase_create("program");
  tcase_add_checked_fixture(tc, setup, NULL);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_kernel_takes_the_program);
  tcase_add_test(tc, test_both_directions_one_value);
  tcase_add_test(tc, test_first_fragment_with_its_flow);
  tcase_add_test(tc, test_later_fragments_share_a_value);
  tcase_add_test(tc, test_one_key_one_value);
  tcase_add_test(tc, test_extension_headers_change_nothing);
  tcase_add_test(tc, test_spread_over_workers);
  tcase_add_test(tc, test_spread_one_host_pair);
  tcase_add_test(tc, test_one_key_one_program);
  tcase_add_test(tc, test_two_keys_two_member_maps);
  tcase_add_test(tc, test_no_flow_by_mac_pair);
  tcase_add_test(tc, test_decoder_limits);
  tcase_add_test(tc, test_every_branch_taken);
  suite_add_tcase(s, tc);
  return s;
}
