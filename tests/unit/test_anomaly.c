/* test_anomaly.c - SYN flood and port scan evidence and alarms: one
 * WARNING per attack and one OKAY when it ends, cooldown, fixed-size
 * tables that keep the heavy keys under a spoofed flood, merging. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "anomaly/anomaly.h"
#include "base/hash.h"
#include "flow/flow.h"
#include "suites.h"

static uint64_t seed[4];
static struct pf_anomaly_table *iv;
static struct pf_anomaly_detector det;
static char said[16][320];
static int n_said;
static enum pf_notify_severity said_sev[16];

static void record(enum pf_notify_severity sev, const char *msg, void *ctx) {
  (void)ctx;
  ck_assert_int_lt(n_said, 16);
  said_sev[n_said] = sev;
  snprintf(said[n_said++], sizeof(said[0]), "%s", msg);
}

static void setup(void) {
  pf_hash_seed(seed);
  iv = calloc(1, sizeof(*iv));
  struct pf_anomaly_config cfg = {.syn_flood_threshold = 1000,
                                  .port_scan_threshold = 200,
                                  .window_s = 10,
                                  .cooldown_s = 60};
  char err[128];
  ck_assert_int_eq(pf_anomaly_detector_init(&det, &cfg, err, sizeof(err)), 0);
  n_said = 0;
}

static void teardown(void) {
  pf_anomaly_detector_free(&det);
  free(iv);
}

/* A TCP segment (or UDP packet) between two IPv4 addresses. */
static void packet(uint32_t src, uint32_t dst, uint16_t dport, uint8_t flags,
                   bool udp, bool completed) {
  uint8_t s[4] = {(uint8_t)(src >> 24), (uint8_t)(src >> 16),
                  (uint8_t)(src >> 8), (uint8_t)src};
  uint8_t d[4] = {(uint8_t)(dst >> 24), (uint8_t)(dst >> 16),
                  (uint8_t)(dst >> 8), (uint8_t)dst};
  bool syn =
      !udp && (flags & (PF_TCP_SYN | PF_TCP_ACK | PF_TCP_RST)) == PF_TCP_SYN;
  pf_anomaly_packet(iv, seed, 4, s, d, dport, syn, udp, completed);
}

#define VICTIM 0xc6120050u  /* 198.18.0.80 */
#define SCANNER 0xc6130909u /* 198.19.9.9 */

/* Ends the interval at time now: the detector takes it, it is reset. */
static void interval_at(double now) {
  pf_anomaly_detector_feed(&det, iv, now, "src", record, NULL);
  pf_anomaly_reset(iv);
}

static int count(enum pf_notify_severity sev, const char *text) {
  int n = 0;
  for (int i = 0; i < n_said; i++)
    n += said_sev[i] == sev && strstr(said[i], text) != NULL;
  return n;
}

START_TEST(test_flood_one_warning_one_okay) {
  interval_at(0); /* the window starts */
  for (int i = 0; i < 3000; i++)
    packet(0xc6130000u + (uint32_t)i, VICTIM, 80, PF_TCP_SYN, false, false);
  interval_at(5);
  ck_assert_int_eq(n_said, 0); /* the window is not over */
  for (int i = 0; i < 3000; i++)
    packet(0xc6140000u + (uint32_t)i, VICTIM, 80, PF_TCP_SYN, false, false);
  interval_at(10);
  ck_assert_int_eq(n_said, 1);
  ck_assert_int_eq(count(PF_NOTIFY_WARNING,
                         "SYN flood against 198.18.0.80 port 80 started: "
                         "6000 SYNs"),
                   1);
  /* Still flooding: no second WARNING. */
  for (int i = 0; i < 2000; i++)
    packet(0xc6150000u + (uint32_t)i, VICTIM, 80, PF_TCP_SYN, false, false);
  interval_at(20);
  ck_assert_int_eq(n_said, 1);
  interval_at(30); /* a quiet window: over */
  ck_assert_int_eq(n_said, 2);
  ck_assert_int_eq(count(PF_NOTIFY_OKAY, "198.18.0.80 port 80 is over"), 1);
  /* Again within the cooldown: silent; after it: a new WARNING. */
  for (int i = 0; i < 2000; i++)
    packet(0xc6150000u + (uint32_t)i, VICTIM, 80, PF_TCP_SYN, false, false);
  interval_at(40);
  ck_assert_int_eq(n_said, 2);
  interval_at(95);
  for (int i = 0; i < 2000; i++)
    packet(0xc6150000u + (uint32_t)i, VICTIM, 80, PF_TCP_SYN, false, false);
  interval_at(105);
  ck_assert_int_eq(count(PF_NOTIFY_WARNING, "198.18.0.80 port 80 started"), 2);
}
END_TEST

START_TEST(test_completed_handshakes_are_no_flood) {
  interval_at(0);
  for (int i = 0; i < 3000; i++) {
    packet(0xc6130000u + (uint32_t)i, VICTIM, 443, PF_TCP_SYN, false, false);
    packet(0xc6130000u + (uint32_t)i, VICTIM, 443, PF_TCP_ACK, false, true);
  }
  interval_at(10);
  ck_assert_int_eq(n_said, 0);
}
END_TEST

START_TEST(test_scan_under_spoofed_flood) {
  /* 200,000 one-SYN spoofed sources churn the fixed tables; the scanner's
   * 1000 probes interleaved with them keep its slot. The flood's target is
   * one key: one WARNING for it, one for the scan. */
  interval_at(0);
  for (int i = 0; i < 200000; i++) {
    packet(0x0a000000u + (uint32_t)i, VICTIM, 80, PF_TCP_SYN, false, false);
    if (i % 200 == 0)
      packet(SCANNER, 0xc612005au, (uint16_t)(1 + i / 200), PF_TCP_SYN, false,
             false);
  }
  interval_at(10);
  ck_assert_int_eq(n_said, 2);
  ck_assert_int_eq(
      count(PF_NOTIFY_WARNING, "port scan from 198.19.9.9 started"), 1);
  ck_assert_int_eq(count(PF_NOTIFY_WARNING, "SYN flood against 198.18.0.80"),
                   1);
  ck_assert_uint_le(sizeof(struct pf_anomaly_table), 64 * 1024);
}
END_TEST

START_TEST(test_scan_distinct_estimate_and_udp) {
  /* UDP to 500 ports: linear counting within 10 %, and the same
   * destinations again add nothing. */
  for (int round = 0; round < 2; round++)
    for (int p = 0; p < 500; p++)
      packet(SCANNER, 0xc6120001u, (uint16_t)(1000 + p), 0, true, false);
  const struct pf_scan_slot *slot = NULL;
  for (int i = 0; i < PF_ANOMALY_SLOTS; i++)
    if (iv->scan[i].key.family)
      slot = &iv->scan[i];
  ck_assert_ptr_nonnull(slot);
  double n = pf_scan_distinct(slot);
  /* standard error about 2.4 % at 500 of 1024 bits; 4 of them */
  ck_assert_msg(fabs(n - 500) <= 50, "estimate %f", n);
  /* Two workers' halves merge into the whole. */
  struct pf_anomaly_table *a = calloc(1, sizeof(*a)),
                          *b = calloc(1, sizeof(*b));
  struct pf_anomaly_table *keep = iv;
  iv = a;
  for (int p = 0; p < 250; p++)
    packet(SCANNER, 0xc6120001u, (uint16_t)(1000 + p), 0, true, false);
  iv = b;
  for (int p = 250; p < 500; p++)
    packet(SCANNER, 0xc6120001u, (uint16_t)(1000 + p), 0, true, false);
  pf_anomaly_merge(a, b);
  iv = keep;
  for (int i = 0; i < PF_ANOMALY_SLOTS; i++)
    if (a->scan[i].key.family)
      ck_assert_double_eq_tol(pf_scan_distinct(&a->scan[i]), n, 1e-9);
  free(a);
  free(b);
}
END_TEST

/* The SYN slot an IPv6 target's key takes in a table of its own. */
static int v6_slot_of(const uint8_t addr[16], uint16_t port) {
  static const uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                  0,    0,    0,    0,    0, 0, 0, 9};
  struct pf_anomaly_table *t = calloc(1, sizeof(*t));
  pf_anomaly_packet(t, seed, 6, src, addr, port, true, false, false);
  int slot = -1;
  for (int i = 0; i < PF_ANOMALY_SLOTS; i++)
    if (t->syn[i].key.family)
      slot = i;
  free(t);
  return slot;
}

/* IPv6 targets that differ only in one of the address's bytes (a /64's
 * hosts, a scan up a /120) must spread over the SYN table for every seed.
 * The key's last word joined the hash at its final multiply by a constant,
 * whose low bits (the slot) then depended on a few bits of that product:
 * with one seed in eight or so, 256 such targets fell into 7 to 100 of
 * the 256 slots. 64 fixed seeds; each byte of an IPv4 address, and each
 * of an IPv6 address's last 8. */
START_TEST(test_v6_targets_spread_for_every_seed) {
  static const uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                  0,    0,    0,    0,    0, 0, 0, 9};
  uint64_t x = 0x9e3779b97f4a7c15ULL;
  struct pf_anomaly_table *t = malloc(sizeof(*t));
  ck_assert_ptr_nonnull(t);
  for (int k = 0; k < 64; k++) {
    for (int i = 0; i < 4; i++) { /* xorshift: fixed, varied seeds */
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      seed[i] = x;
    }
    for (int byte = 0; byte < 12; byte++) { /* 0-3: IPv4, 4-11: IPv6 */
      uint8_t family = byte < 4 ? 4 : 6;
      memset(t, 0, sizeof(*t));
      for (unsigned v = 0; v < 256; v++) {
        uint8_t dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                           0,    0,    0,    0,    0, 0, 0, 0x50};
        if (family == 4)
          memcpy(dst, (const uint8_t[4]){198, 18, 0, 80}, 4);
        dst[family == 4 ? byte : byte + 4] = (uint8_t)v;
        pf_anomaly_packet(t, seed, family, src, dst, 80, true, false, false);
      }
      int slots = 0;
      for (int i = 0; i < PF_ANOMALY_SLOTS; i++)
        slots += t->syn[i].key.family != 0;
      if (slots < 128)
        ck_abort_msg("seed %d, IPv%d address byte %d: 256 targets in %d slots",
                     k, family, family == 4 ? byte : byte + 4, slots);
    }
  }
  free(t);
}
END_TEST

START_TEST(test_v6_keys_compared_word_by_word) {
  /* IPv6 keys are compared as three words (bytes 0-7: family, port and
   * the address's first 4 bytes; 8-15; 16-19). For each word, a target
   * differing from 2001:db8::50 port 80 in that word alone and sharing its
   * slot must lose a unit of the holder's weight, not count as it. */
  static const uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                  0,    0,    0,    0,    0, 0, 0, 9};
  uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                   0,    0,    0,    0,    0, 0, 0, 0x50};
  int home = v6_slot_of(a, 80);
  ck_assert_int_ge(home, 0);
  /* word 0 by the port, word 1 by address byte 9, word 2 by byte 13 */
  static const int byte_of[3] = {-1, 9, 13};
  for (int w = 0; w < 3; w++) {
    uint8_t b[16];
    uint16_t port = 80;
    bool found = false;
    for (unsigned v = 1; v < 65536 && !found; v++) { /* ~256 tries */
      memcpy(b, a, 16);
      if (byte_of[w] < 0)
        port = (uint16_t)(80 + v);
      else {
        b[byte_of[w]] = (uint8_t)v;
        b[byte_of[w] - 1] = (uint8_t)(v >> 8);
      }
      found = v6_slot_of(b, port) == home;
    }
    ck_assert(found);
    /* The hash reads the word: 256 keys differing in it alone spread over
     * the slots (about 162 of 256 taken; a hash blind to it takes 1). */
    bool taken[PF_ANOMALY_SLOTS] = {false};
    int slots = 0;
    for (unsigned v = 0; v < 256; v++) {
      uint8_t c[16];
      memcpy(c, a, 16);
      if (byte_of[w] >= 0)
        c[byte_of[w]] = (uint8_t)v;
      int at = v6_slot_of(c, byte_of[w] < 0 ? (uint16_t)(1000 + v) : 80);
      slots += !taken[at];
      taken[at] = true;
    }
    ck_assert_int_ge(slots, 100);
    pf_anomaly_reset(iv);
    for (int i = 0; i < 5; i++)
      pf_anomaly_packet(iv, seed, 6, src, a, 80, true, false, false);
    pf_anomaly_packet(iv, seed, 6, src, b, port, true, false, false);
    const struct pf_syn_slot *s = &iv->syn[home];
    ck_assert_int_eq(s->key.family, 6);
    ck_assert_int_eq(s->key.port, 80);
    ck_assert_mem_eq(s->key.addr, a, 16);
    ck_assert_uint_eq(s->syn, 5);
    ck_assert_uint_eq(s->weight, 4);
    /* Its completed handshake counts for it, the other's does not. */
    pf_anomaly_packet(iv, seed, 6, b, a, 80, false, false, true);
    pf_anomaly_packet(iv, seed, 6, a, b, port, false, false, true);
    ck_assert_uint_eq(s->done, 1);
  }
}
END_TEST

Suite *pf_anomaly_suite(void) {
  Suite *s = suite_create("anomaly");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_flood_one_warning_one_okay);
  tcase_add_test(tc, test_completed_handshakes_are_no_flood);
  tcase_add_test(tc, test_scan_under_spoofed_flood);
  tcase_add_test(tc, test_scan_distinct_estimate_and_udp);
  tcase_add_test(tc, test_v6_keys_compared_word_by_word);
  tcase_add_test(tc, test_v6_targets_spread_for_every_seed);
  suite_add_tcase(s, tc);
  return s;
}
