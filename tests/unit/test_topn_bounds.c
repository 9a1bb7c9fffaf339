/* test_topn_bounds.c - what a top-N list guarantees (topn.h's head;
 * docs/METRICS.md, "What the lists guarantee"), held on exact inputs:
 * rounds of offers through the batch and the sketch's filter, and shards
 * merged as the reader merges them, each checked against the true bytes of
 * every key. A sketch that lost one of the bounds fails here: a count below
 * its key's true bytes, a key left out that outweighs the lightest count,
 * a list that leaves out a key heavier than its last entry allows. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "base/hash.h"
#include "frames.h"
#include "quick_check.h"
#include "sketch/top_batch.h"
#include "suites.h"

#define KEYS 6000 /* the randomized streams' key space */

static uint64_t seed[4];
static struct pf_topn *sketch[4];
static struct pf_top_batch *batch[2];

static struct pf_topn *new_topn(int i, uint32_t capacity) {
  sketch[i] = calloc(1, sizeof(*sketch[i]));
  ck_assert_ptr_nonnull(sketch[i]);
  char err[128];
  ck_assert_msg(pf_topn_init(sketch[i], capacity, 4, err, sizeof(err)) == 0,
                "%s", err);
  return sketch[i];
}

static void setup(void) {
  pf_hash_seed(seed);
  for (int i = 0; i < 2; i++) {
    batch[i] = malloc(sizeof(*batch[i]));
    ck_assert_ptr_nonnull(batch[i]);
    pf_top_batch_init(batch[i], 4);
  }
}

static void teardown(void) {
  for (int i = 0; i < 4; i++) {
    if (sketch[i])
      pf_topn_free(sketch[i]);
    free(sketch[i]);
    sketch[i] = NULL;
  }
  for (int i = 0; i < 2; i++) {
    free(batch[i]);
    batch[i] = NULL;
  }
}

static uint64_t hash_of(uint32_t key) {
  return pf_hash_inline(seed, &key, sizeof(key));
}

static uint32_t key_of(const struct pf_topn_item *it) {
  uint32_t k;
  memcpy(&k, it->key, sizeof(k));
  return k;
}

static const struct pf_topn_item *item_of(const struct pf_topn *t,
                                          uint32_t key) {
  for (uint32_t i = 0; i < t->used; i++)
    if (key_of(&t->items[i]) == key)
      return &t->items[i];
  return NULL;
}

/* ---- the guarantee, against the true bytes of keys 0..keys-1 ---- */

/* Every held key: shown <= true <= count = shown + err, err <= the
 * lightest count; the counts add up to at most the total; every key not
 * held: true <= the lightest count, which is at most total / capacity. */
static void expect_sketch_bounds(const struct pf_topn *t, const uint64_t *truth,
                                 uint32_t keys) {
  static bool held[KEYS];
  memset(held, 0, sizeof(held));
  uint64_t total = t->total[0] + t->total[1], floor = pf_topn_floor(t);
  uint64_t counts = 0, all = 0;
  for (uint32_t k = 0; k < keys; k++)
    all += truth[k];
  QUICK_CHECK(all == total, "total %llu, true %llu", (unsigned long long)total,
              (unsigned long long)all);
  QUICK_CHECK(floor <= total / t->capacity, "lightest %llu > total %llu / %u",
              (unsigned long long)floor, (unsigned long long)total,
              t->capacity);
  for (uint32_t i = 0; i < t->used; i++) {
    const struct pf_topn_item *it = &t->items[i];
    uint32_t k = key_of(it);
    QUICK_CHECK(k < keys && !held[k], "key %u held twice or unknown", k);
    held[k] = true;
    QUICK_CHECK(pf_topn_shown(it) <= truth[k] && truth[k] <= it->count,
                "key %u: shows %llu, count %llu, true %llu", k,
                (unsigned long long)pf_topn_shown(it),
                (unsigned long long)it->count, (unsigned long long)truth[k]);
    QUICK_CHECK(it->err <= floor, "key %u: err %llu > lightest %llu", k,
                (unsigned long long)it->err, (unsigned long long)floor);
    counts += it->count;
  }
  QUICK_CHECK(counts <= total, "counts %llu > total %llu",
              (unsigned long long)counts, (unsigned long long)total);
  for (uint32_t k = 0; k < keys; k++)
    QUICK_CHECK(held[k] || truth[k] <= floor,
                "key %u left out with %llu > lightest %llu", k,
                (unsigned long long)truth[k], (unsigned long long)floor);
}

/* The list of n (pf_topn_top): heaviest first, and a key it leaves out
 * sent at most its last entry's bytes plus the lightest count. */
static void expect_list_bound(const struct pf_topn *t, const uint64_t *truth,
                              uint32_t keys, uint32_t n) {
  static bool listed[KEYS];
  const struct pf_topn_item *out[64];
  ck_assert_uint_le(n, 64);
  memset(listed, 0, sizeof(listed));
  uint32_t got = pf_topn_top(t, out, n);
  for (uint32_t i = 0; i < got; i++) {
    listed[key_of(out[i])] = true;
    QUICK_CHECK(i == 0 || pf_topn_shown(out[i - 1]) >= pf_topn_shown(out[i]),
                "list out of order at %u", i);
  }
  if (got < n)
    return; /* every held key is listed: expect_sketch_bounds says it all */
  uint64_t last = pf_topn_shown(out[n - 1]), floor = pf_topn_floor(t);
  for (uint32_t k = 0; k < keys; k++)
    QUICK_CHECK(listed[k] || truth[k] <= last + floor,
                "key %u left out of the list with %llu > last %llu + %llu", k,
                (unsigned long long)truth[k], (unsigned long long)last,
                (unsigned long long)floor);
}

static void expect_guarantee(const struct pf_topn *t, const uint64_t *truth,
                             uint32_t keys, uint32_t n) {
  expect_sketch_bounds(t, truth, keys);
  expect_list_bound(t, truth, keys, n);
}

/* ---- exact: merging full sketches ---- */

START_TEST(test_merge_keeps_every_count_above_its_true_bytes) {
  /* Key 0 is the heaviest of all, but the source shard evicted it (its 50
   * bytes there are under that shard's lightest count, 60). Merged, its
   * count must still cover its 1,050 bytes: it counts 60 for the shard that
   * did not hold it. The naive merge (each item of the source offered as
   * one offer) left it at 1,000. */
  uint64_t truth[4] = {1050, 100, 60, 70};
  struct pf_topn *dst = new_topn(0, 2), *src = new_topn(1, 2);
  pf_topn_add(dst, &(uint32_t){0}, 0, 1000);
  pf_topn_add(dst, &(uint32_t){1}, 0, 100);
  pf_topn_add(src, &(uint32_t){0}, 0, 50);
  pf_topn_add(src, &(uint32_t){2}, 0, 60);
  pf_topn_add(src, &(uint32_t){3}, 1, 70); /* evicts key 0: 50 + 70 */
  ck_assert_ptr_null(item_of(src, 0));
  pf_topn_merge(dst, src);
  expect_guarantee(dst, truth, 4, 1);
  /* Key 0: 1,000 + src's floor 60. Key 2: dst's floor 100 + 60 does not
   * outweigh key 1's 100 + 60: out. Key 3: 100 + 120 does: in, key 1 out. */
  const struct pf_topn_item *k0 = item_of(dst, 0), *k3 = item_of(dst, 3);
  ck_assert_ptr_nonnull(k0);
  ck_assert_ptr_nonnull(k3);
  ck_assert_uint_eq(k0->count, 1060);
  ck_assert_uint_eq(k0->err, 60);
  ck_assert_uint_eq(k3->count, 220);
  ck_assert_uint_eq(k3->err, 150);
  ck_assert_uint_eq(k3->bytes[1], 70);
  ck_assert_uint_eq(dst->total[0] + dst->total[1], 1280);
}
END_TEST

/* ---- exact: the filter in rounds ---- */

/* Key k's filter slot (a 4-byte sketch reads 4 bytes of the buffer). */
static uint32_t *slot_of(const struct pf_topn *t, uint32_t k) {
  uint8_t key[PF_TOPN_KEY_MAX] = {0};
  memcpy(key, &k, sizeof(k));
  return pf_topn_filter_of(t, key);
}

/* n keys from `from` on whose filter slots differ from each other (the
 * test's expected values assume no two share a bound). */
static void distinct_slots(const struct pf_topn *t, uint32_t from, uint32_t *k,
                           uint32_t n) {
  uint32_t got = 0;
  for (uint32_t c = from; got < n && c < from + 100000; c++) {
    const uint32_t *slot = slot_of(t, c);
    bool clash = false;
    for (uint32_t j = 0; j < got; j++)
      clash |= slot_of(t, k[j]) == slot;
    if (!clash)
      k[got++] = c;
  }
  ck_assert_uint_eq(got, n);
}

static void round_of(struct pf_topn *t, const uint32_t *keys,
                     const uint64_t *bytes, uint32_t n, uint64_t *truth) {
  struct pf_topn_offer o[8];
  uint16_t refused[8];
  for (uint32_t i = 0; i < n; i++) {
    memset(&o[i], 0, sizeof(o[i]));
    o[i].hash = hash_of(keys[i]);
    o[i].bytes[0] = bytes[i];
    memcpy(o[i].key, &keys[i], 4);
    truth[keys[i]] += bytes[i];
  }
  pf_topn_add_round(t, o, n, refused);
}

START_TEST(test_rounds_turn_away_under_the_filter) {
  /* Keys 0..5 of the truth are k[0..5], six keys in six filter slots. */
  struct pf_topn *t = new_topn(0, 2);
  uint32_t k[6];
  distinct_slots(t, 1000, k, 6);
  ck_assert_uint_lt(k[5], KEYS);
  static uint64_t truth[KEYS];
  memset(truth, 0, sizeof(truth));
  uint64_t b1[] = {100, 50};
  round_of(t, k, b1, 2, truth); /* room: both enter, exact */
  /* Three newcomers whose slots hold 0: 30, 30 and 10 do not outweigh the
   * lightest count, 50; they stay out, each slot bounding its key. */
  uint64_t b2[] = {30, 30, 10};
  round_of(t, k + 2, b2, 3, truth);
  ck_assert_uint_eq(t->used, 2);
  ck_assert_ptr_null(item_of(t, k[2]));
  ck_assert_uint_eq(*slot_of(t, k[2]), 30);
  ck_assert_uint_eq(t->total[0], 220);
  /* k2 again with 25: 30 + 25 outweighs 50, so it enters with 30 as its
   * overestimate in place of k1, whose 50 now bounds k1's slot. */
  round_of(t, k + 2, (uint64_t[]){25}, 1, truth);
  const struct pf_topn_item *k2 = item_of(t, k[2]);
  ck_assert_ptr_nonnull(k2);
  ck_assert_uint_eq(k2->count, 55);
  ck_assert_uint_eq(k2->err, 30);
  ck_assert_ptr_null(item_of(t, k[1]));
  ck_assert_uint_eq(*slot_of(t, k[1]), 50);
  /* k1 sends 5 more, offered through a batch: 50 + 5 does not outweigh the
   * lightest count, 55, so the batch turns it away before summing it. */
  pf_top_batch_add(batch[0], t, hash_of(k[1]), &k[1], 0, 5);
  truth[k[1]] += 5;
  ck_assert_uint_eq(batch[0]->used, 0);
  ck_assert_uint_eq(*slot_of(t, k[1]), 55);
  /* k4, whose slot holds its 10, sends 46: 10 + 46 outweighs 55, so the
   * batch sums it and the flush lets it in over k2, whose 55 (its 30 turned
   * away, then its 25) its slot now holds. */
  pf_top_batch_add(batch[0], t, hash_of(k[4]), &k[4], 1, 46);
  truth[k[4]] += 46;
  ck_assert_uint_eq(batch[0]->used, 1);
  pf_top_batch_flush(batch[0], t);
  const struct pf_topn_item *k4 = item_of(t, k[4]);
  ck_assert_ptr_nonnull(k4);
  ck_assert_uint_eq(k4->count, 56);
  ck_assert_uint_eq(k4->err, 10);
  ck_assert_ptr_null(item_of(t, k[2]));
  ck_assert_uint_eq(*slot_of(t, k[2]), 55);
  ck_assert_uint_eq(t->total[0] + t->total[1], 296);
  expect_guarantee(t, truth, k[5] + 1, 1);
}
END_TEST

/* ---- randomized streams of exact inputs ---- */

/* A flood's shape: a few heavy hosts among many keys that send once or a
 * few times, in flows of 40 to 1,500 bytes, fed through shard i's batch
 * and flushed at random points. */
static void feed_stream(int i, struct pf_topn *t, uint64_t *truth,
                        uint64_t *state, unsigned offers) {
  for (unsigned n = 0; n < offers; n++) {
    uint32_t r = frame_rand(state) % 100, key;
    if (r < 20)
      key = frame_rand(state) % 8; /* heavy */
    else if (r < 45)
      key = 8 + frame_rand(state) % 200; /* middling */
    else
      key = 208 + frame_rand(state) % (KEYS - 208); /* the flood */
    uint64_t bytes = 40 + frame_rand(state) % 1461;
    int dir = (int)(frame_rand(state) % 2);
    pf_top_batch_add(batch[i], t, hash_of(key), &key, dir, bytes);
    truth[key] += bytes;
    if (frame_rand(state) % 700 == 0)
      pf_top_batch_flush(batch[i], t);
  }
  pf_top_batch_flush(batch[i], t);
}

START_TEST(test_flood_rounds_keep_the_guarantee) {
  static uint64_t truth[KEYS];
  memset(truth, 0, sizeof(truth));
  uint64_t state = 41;
  struct pf_topn *t = new_topn(0, 80);
  for (int step = 0; step < 10; step++) {
    feed_stream(0, t, truth, &state, 5000);
    expect_guarantee(t, truth, KEYS, 10);
  }
  /* The heavy keys sent far more than total / capacity: all held. */
  for (uint32_t k = 0; k < 8; k++)
    ck_assert_ptr_nonnull(item_of(t, k));
}
END_TEST

START_TEST(test_merged_shards_keep_the_guarantee) {
  /* Two shards of one interval, each fed its own stream, merged into the
   * reader's empty sketch one after the other (pf_interval_merge), and one
   * into the other (a file's last read): the guarantee over both streams. */
  static uint64_t truth[KEYS], part[2][KEYS];
  memset(part, 0, sizeof(part));
  uint64_t state = 43;
  struct pf_topn *a = new_topn(0, 64), *b = new_topn(1, 64);
  struct pf_topn *report = new_topn(2, 64);
  feed_stream(0, a, part[0], &state, 30000);
  feed_stream(1, b, part[1], &state, 30000);
  expect_guarantee(a, part[0], KEYS, 10);
  expect_guarantee(b, part[1], KEYS, 10);
  for (uint32_t k = 0; k < KEYS; k++)
    truth[k] = part[0][k] + part[1][k];
  pf_topn_merge(report, a);
  expect_guarantee(report, part[0], KEYS, 10);
  pf_topn_merge(report, b);
  expect_guarantee(report, truth, KEYS, 10);
  pf_topn_merge(a, b);
  expect_guarantee(a, truth, KEYS, 10);
}
END_TEST

Suite *pf_topn_bounds_suite(void) {
  Suite *s = suite_create("topn_bounds");
  TCase *tc = tcase_create("exact");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_merge_keeps_every_count_above_its_true_bytes);
  tcase_add_test(tc, test_rounds_turn_away_under_the_filter);
  suite_add_tcase(s, tc);
  tc = tcase_create("streams");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_flood_rounds_keep_the_guarantee);
  tcase_add_test(tc, test_merged_shards_keep_the_guarantee);
  suite_add_tcase(s, tc);
  return s;
}
