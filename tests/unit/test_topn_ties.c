/* test_topn_ties.c - a top list is a function of the keys' bytes, not of
 * the order they were offered in: keys of equal bytes are listed, and cut
 * off at n, in the order of keys given (pf_topn_top_by; memcmp by
 * default), whether they came one by one, in rounds, or through merges. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "frames.h"
#include "quick_check.h"
#include "sketch/topn.h"
#include "suites.h"

enum { KEYS = 40, CAP = 64, ORDERS = 200 };

/* Key k: 4 bytes, big-endian, so that memcmp orders keys as numbers; its
 * bytes one of three values, so that most keys tie with others. */
static void key_bytes(uint32_t k, uint8_t key[4]) {
  uint32_t v = 7919u * k + 13u; /* distinct, not in numeric order of k */
  key[0] = (uint8_t)(v >> 24);
  key[1] = (uint8_t)(v >> 16);
  key[2] = (uint8_t)(v >> 8);
  key[3] = (uint8_t)v;
}

static uint64_t weight_of(uint32_t k) { return 100 * (1 + (k * 5 + 3) % 3); }

static struct pf_topn *sketches[3];

static void setup(void) {
  char err[128];
  for (int i = 0; i < 3; i++) {
    sketches[i] = calloc(1, sizeof(*sketches[i]));
    ck_assert_ptr_nonnull(sketches[i]);
    ck_assert_msg(pf_topn_init(sketches[i], CAP, 4, err, sizeof(err)) == 0,
                  "%s", err);
  }
}

static void teardown(void) {
  for (int i = 0; i < 3; i++) {
    pf_topn_free(sketches[i]);
    free(sketches[i]);
    sketches[i] = NULL;
  }
}

static void shuffle(uint32_t *order, uint32_t n, uint64_t *rng) {
  for (uint32_t i = 0; i < n; i++)
    order[i] = i;
  for (uint32_t i = n; i > 1; i--) {
    uint32_t j = frame_rand(rng) % i, t = order[i - 1];
    order[i - 1] = order[j];
    order[j] = t;
  }
}

/* The expected list: by weight, heaviest first, then by key, lowest
 * first; expected[i] is a key number. */
static void expected_list(uint32_t *expected) {
  for (uint32_t i = 0; i < KEYS; i++) {
    uint32_t at = i;
    uint8_t ki[4], ka[4];
    key_bytes(i, ki);
    for (; at > 0; at--) {
      uint32_t prev = expected[at - 1];
      key_bytes(prev, ka);
      bool before = weight_of(i) > weight_of(prev) ||
                    (weight_of(i) == weight_of(prev) && memcmp(ki, ka, 4) < 0);
      if (!before)
        break;
      expected[at] = prev;
    }
    expected[at] = i;
  }
}

/* The first n of t's list are exactly the first n of `expected`. */
static void expect_list(const struct pf_topn *t, const uint32_t *expected,
                        uint32_t n, uint32_t trial) {
  const struct pf_topn_item *items[KEYS];
  uint32_t got = pf_topn_top(t, items, n);
  QUICK_CHECK(got == n, "order %u: %u items listed of %u", trial, got, n);
  for (uint32_t i = 0; i < n; i++) {
    uint8_t want[4];
    key_bytes(expected[i], want);
    QUICK_CHECK(memcmp(items[i]->key, want, 4) == 0,
                "order %u, top %u: place %u holds another key", trial, n, i);
    QUICK_CHECK(pf_topn_shown(items[i]) == weight_of(expected[i]),
                "order %u, top %u: place %u shows %llu bytes", trial, n, i,
                (unsigned long long)pf_topn_shown(items[i]));
  }
}

/* Every n, so that every cutoff falls inside a tie once. */
static void expect_every_cutoff(const struct pf_topn *t,
                                const uint32_t *expected, uint32_t trial) {
  for (uint32_t n = 1; n <= KEYS; n++)
    expect_list(t, expected, n, trial);
}

START_TEST(test_ties_listed_by_key_whatever_the_order) {
  uint32_t expected[KEYS], order[KEYS];
  uint64_t rng = 2025;
  expected_list(expected);
  for (uint32_t trial = 0; trial < ORDERS; trial++) {
    struct pf_topn *t = sketches[0];
    pf_topn_reset(t);
    shuffle(order, KEYS, &rng);
    /* Each key's bytes in two offers, rx then tx, the keys interleaved. */
    for (int half = 0; half < 2; half++)
      for (uint32_t i = 0; i < KEYS; i++) {
        uint8_t key[4];
        key_bytes(order[i], key);
        pf_topn_add(t, key, half, weight_of(order[i]) / 2);
      }
    expect_every_cutoff(t, expected, trial);
  }
}
END_TEST

START_TEST(test_ties_listed_by_key_through_rounds) {
  uint32_t expected[KEYS], order[KEYS];
  static struct pf_topn_offer offers[KEYS];
  uint16_t refused[KEYS];
  uint64_t rng = 77;
  expected_list(expected);
  for (uint32_t trial = 0; trial < ORDERS; trial++) {
    struct pf_topn *t = sketches[0];
    pf_topn_reset(t);
    shuffle(order, KEYS, &rng);
    /* Two rounds, each offering every key a part of its weight: the ties
     * are sums across the rounds. */
    for (int round = 0; round < 2; round++) {
      for (uint32_t i = 0; i < KEYS; i++) {
        struct pf_topn_offer *o = &offers[i];
        memset(o, 0, sizeof(*o));
        key_bytes(order[i], o->key);
        o->hash = pf_topn_key_hash(t->seed, o->key, 4);
        uint64_t w = weight_of(order[i]), first = w / 3 + (order[i] % 5);
        o->bytes[i % 2] = round == 0 ? first : w - first;
      }
      pf_topn_add_round(t, offers, KEYS, refused);
      shuffle(order, KEYS, &rng);
    }
    expect_every_cutoff(t, expected, trial);
  }
}
END_TEST

START_TEST(test_ties_listed_by_key_after_merges) {
  uint32_t expected[KEYS], order[KEYS];
  uint64_t rng = 4242;
  expected_list(expected);
  for (uint32_t trial = 0; trial < ORDERS; trial++) {
    struct pf_topn *a = sketches[0], *b = sketches[1], *sum = sketches[2];
    pf_topn_reset(a);
    pf_topn_reset(b);
    pf_topn_reset(sum);
    shuffle(order, KEYS, &rng);
    /* Each key split between two workers at random, merged into an empty
     * sketch in either order, as the reader does. */
    for (uint32_t i = 0; i < KEYS; i++) {
      uint8_t key[4];
      key_bytes(order[i], key);
      uint64_t w = weight_of(order[i]), part = frame_rand(&rng) % (w + 1);
      if (part)
        pf_topn_add(a, key, 0, part);
      if (w - part)
        pf_topn_add(b, key, 1, w - part);
    }
    bool b_first = frame_rand(&rng) % 2;
    pf_topn_merge(sum, b_first ? b : a);
    pf_topn_merge(sum, b_first ? a : b);
    expect_every_cutoff(sum, expected, trial);
  }
}
END_TEST

/* An order given, here the keys' bytes backwards. */
static int reverse_order(const void *a, const void *b) {
  return memcmp(b, a, 4);
}

START_TEST(test_ties_follow_the_order_given) {
  struct pf_topn *t = sketches[0];
  const uint8_t low[4] = {0, 0, 0, 1}, high[4] = {0, 0, 1, 0};
  const uint8_t heavy[4] = {9, 9, 9, 9};
  pf_topn_add(t, low, 0, 50);
  pf_topn_add(t, heavy, 0, 60);
  pf_topn_add(t, high, 1, 50);
  const struct pf_topn_item *items[3];
  ck_assert_uint_eq(pf_topn_top_by(t, items, 3, reverse_order), 3);
  ck_assert_mem_eq(items[0]->key, heavy, 4);
  ck_assert_mem_eq(items[1]->key, high, 4);
  ck_assert_mem_eq(items[2]->key, low, 4);
  /* The cutoff keeps the tied key first in that order. */
  ck_assert_uint_eq(pf_topn_top_by(t, items, 2, reverse_order), 2);
  ck_assert_mem_eq(items[1]->key, high, 4);
  /* pf_topn_top: memcmp's order. */
  ck_assert_uint_eq(pf_topn_top(t, items, 2), 2);
  ck_assert_mem_eq(items[1]->key, low, 4);
}
END_TEST

Suite *pf_topn_ties_suite(void) {
  Suite *s = suite_create("topn_ties");
  TCase *tc = tcase_create("ties");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_ties_listed_by_key_whatever_the_order);
  tcase_add_test(tc, test_ties_listed_by_key_through_rounds);
  tcase_add_test(tc, test_ties_listed_by_key_after_merges);
  tcase_add_test(tc, test_ties_follow_the_order_given);
  suite_add_tcase(s, tc);
  return s;
}
