/* test_decode_fast.c - the decoder's fast path for common Ethernet frames
 * (packet/decode_fast.c) against its general path (pf_decode_general):
 * the same struct pf_packet, byte for byte, for every frame of the
 * generated captures and for every cut and every damaged header byte of
 * hand-made frames of each kind the fast path takes. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "frames.h"
#include "packet/decode.h"
#include "packet/decode_fast.h"
#include "suites.h"

/* How many frames the fast path took and left, over a test. */
static unsigned fast_taken, fast_left;

/* Decodes (caplen, len) of buf both ways and compares; buf holds at least
 * min(caplen, len) bytes. */
static void same_both_ways(const uint8_t *buf, uint32_t caplen, uint32_t len) {
  struct pf_packet fast, general;
  pf_decode(DLT_EN10MB, buf, caplen, len, &fast);
  pf_decode_general(DLT_EN10MB, buf, caplen, len, &general);
  ck_assert_msg(memcmp(&fast, &general, sizeof(fast)) == 0,
                "fast and general paths differ (caplen %u, len %u)", caplen,
                len);
  struct pf_packet scratch;
  if (pf_decode_fast(buf, caplen, len, &scratch))
    fast_taken++;
  else
    fast_left++;
}

/* ---- hand-made frames ---- */

enum kind {
  V4_TCP,
  V4_TCP_OPTIONS,
  V4_UDP,
  V6_TCP,
  V6_UDP,
  V4_PADDED,
  V4_TSO,        /* total length 0: the datagram runs to the frame's end */
  V4_TSO_OPTIONS /* the same with IP options: a short frame is not one */
};

static void build(struct frame *f, enum kind k) {
  frame_init(f, DLT_EN10MB);
  bool v6 = k == V6_TCP || k == V6_UDP;
  bool udp = k == V4_UDP || k == V6_UDP || k == V4_PADDED;
  bool options = k == V4_TCP_OPTIONS || k == V4_TSO_OPTIONS;
  frame_eth(f, mac_b, mac_a, v6 ? 0x86dd : 0x0800);
  if (v6)
    frame_ipv6(f, &(struct ip6){.next = udp ? 17 : 6, .tclass = 0xb8});
  else
    frame_ipv4(f, &(struct ip4){.proto = udp ? 17 : 6,
                                .tos = 0x28,
                                .ihl = options ? 7 : 0});
  if (udp)
    frame_udp(f, 5353, 53);
  else
    frame_tcp(f, &(struct tcp){.sport = 40000,
                               .dport = 443,
                               .flags = PF_TCP_SYN | PF_TCP_ACK,
                               .doff = options ? 9 : 0});
  frame_fill(f, 0x5a, k == V4_PADDED ? 4 : 24);
  frame_finish(f);
  if (k == V4_PADDED)
    frame_pad_to(f, 60); /* the IP datagram ends before the frame */
  if (k == V4_TSO || k == V4_TSO_OPTIONS)
    frame_set_u16(f, f->ip_off[0] + 2, 0);
}

/* Every cut of the frame, every shorter frame (cut on the wire too: a TSO
 * datagram then ends sooner), and wire lengths around its own. */
static void every_cut(const struct frame *f) {
  for (uint32_t cap = 0; cap <= f->len; cap++) {
    same_both_ways(f->data, cap, f->len);
    same_both_ways(f->data, cap, cap);
  }
  static const int32_t delta[] = {-20, -1, 1, 7, 1 << 20};
  for (size_t i = 0; i < sizeof(delta) / sizeof(delta[0]); i++) {
    int64_t len = (int64_t)f->len + delta[i];
    if (len >= 0)
      same_both_ways(f->data, f->len, (uint32_t)len);
  }
}

/* Every header byte given values that break a check the fast path makes
 * (or the general path does): versions, lengths, fragment bits, types. */
static void every_damaged_byte(const struct frame *f) {
  struct frame g;
  uint32_t headers = f->l4_off + 20 < f->len ? f->l4_off + 20 : f->len;
  for (uint32_t at = 0; at < headers; at++) {
    uint8_t was = f->data[at];
    /* 0x44, 0x4f, 0x50: the edges of IPv4's version and header length. */
    const uint8_t values[] = {0x00,
                              0xff,
                              was ^ 0x01,
                              was ^ 0x10,
                              was ^ 0x20,
                              was ^ 0x80,
                              (uint8_t)(was + 1),
                              (uint8_t)(was - 1),
                              0x45,
                              0x60,
                              0x44,
                              0x4f,
                              0x50};
    for (size_t v = 0; v < sizeof(values); v++) {
      g = *f;
      g.data[at] = values[v];
      same_both_ways(g.data, g.len, g.len);
    }
  }
}

START_TEST(test_fast_hand_made) {
  fast_taken = fast_left = 0;
  struct frame f;
  for (enum kind k = V4_TCP; k <= V4_TSO_OPTIONS; k++) {
    build(&f, k);
    struct pf_packet p;
    ck_assert_msg(pf_decode_fast(f.data, f.len, f.len, &p),
                  "kind %d: the fast path left a common frame", (int)k);
    every_cut(&f);
    every_damaged_byte(&f);
  }
  /* Both paths were exercised, the fallback far more (cuts, damage). */
  ck_assert_uint_gt(fast_taken, 100);
  ck_assert_uint_gt(fast_left, 500);
}
END_TEST

/* ---- generated captures ---- */

static const char *build_dir(void) {
  const char *dir = getenv("PCAPFLOW_BUILDDIR");
  return dir && *dir ? dir : "build";
}

/* Writes scenario `args` with the generator into dir/name; returns the
 * path (static). */
static const char *generate(const char *dir, const char *name,
                            const char *args) {
  static char path[512];
  char cmd[1024];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  snprintf(cmd, sizeof(cmd), "%s/pcapflow-gen %s --seed 7 --out %s",
           build_dir(), args, path);
  ck_assert_msg(system(cmd) == 0, "generator failed: %s", cmd);
  return path;
}

/* Every frame of the capture at path, both ways; returns how many. */
static unsigned same_over_capture(const char *path) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline(path, err);
  ck_assert_msg(p != NULL, "%s: %s", path, err);
  ck_assert_int_eq(pcap_datalink(p), DLT_EN10MB);
  struct pcap_pkthdr *h;
  const u_char *data;
  unsigned n = 0;
  while (pcap_next_ex(p, &h, &data) == 1 && n < 1000000) {
    same_both_ways(data, h->caplen, h->len);
    n++;
  }
  pcap_close(p);
  return n;
}

START_TEST(test_fast_generated_captures) {
  const char *tmp = getenv("TMPDIR");
  char dir[256];
  snprintf(dir, sizeof(dir), "%s/pf_unit_fast_XXXXXX", tmp ? tmp : "/tmp");
  ck_assert_ptr_nonnull(mkdtemp(dir));
  static const struct {
    const char *name, *args;
  } caps[] = {
      {"coverage.pcap", "--scenario coverage --packets 2"},
      {"mixed.pcap", "--scenario mixed --packets 20000"},
      {"flood.pcap", "--scenario flood --packets 5000"},
      {"tcp.pcap", "--scenario tcp"},
      {"attack.pcap", "--scenario attack"},
  };
  for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
    fast_taken = fast_left = 0;
    const char *path = generate(dir, caps[i].name, caps[i].args);
    unsigned n = same_over_capture(path);
    ck_assert_msg(n > 0 && fast_taken > 0, "%s: %u frames, %u fast",
                  caps[i].name, n, fast_taken);
    remove(path);
  }
  ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

Suite *pf_decode_fast_suite(void) {
  Suite *s = suite_create("decode_fast");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_fast_hand_made);
  tcase_add_test(tc, test_fast_generated_captures);
  suite_add_tcase(s, tc);
  return s;
}
