/* test_topn.c - weighted Space-Saving: exact while the keys fit, the
 * Space-Saving bounds beyond, merge, reset, and the heap and hash index
 * against a reference through a long churn of keys. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "flow/flow.h"
#include "frames.h"
#include "quick_check.h"
#include "sketch/topn.h"
#include "suites.h"

#define MAX_CAP 64

/* Sketches live on the heap and are freed by the fixture's teardown, so a
 * failed check (which leaves the test early) leaks nothing. */
static struct pf_topn *sketches[4];
static unsigned n_sketches;

static struct pf_topn *new_topn(uint32_t capacity, uint32_t key_len) {
  ck_assert_uint_lt(n_sketches, 4);
  struct pf_topn *t = calloc(1, sizeof(*t));
  ck_assert_ptr_nonnull(t);
  sketches[n_sketches++] = t;
  char err[128];
  ck_assert_msg(pf_topn_init(t, capacity, key_len, err, sizeof(err)) == 0, "%s",
                err);
  return t;
}

static void free_sketches(void) {
  while (n_sketches > 0) {
    struct pf_topn *t = sketches[--n_sketches];
    pf_topn_free(t);
    free(t);
  }
}

static void add(struct pf_topn *t, uint32_t key, int dir, uint64_t bytes) {
  pf_topn_add(t, &key, dir, bytes);
}

static uint32_t key_of(const struct pf_topn_item *it) {
  uint32_t k;
  memcpy(&k, it->key, sizeof(k));
  return k;
}

/* Every item, heaviest first by the bytes it shows; asserts the order. */
static uint32_t all_items(const struct pf_topn *t,
                          const struct pf_topn_item **out) {
  uint32_t n = pf_topn_top(t, out, t->capacity);
  QUICK_CHECK(n == t->used, "top gave %u of %u items", n, t->used);
  for (uint32_t i = 1; i < n; i++)
    QUICK_CHECK(pf_topn_shown(out[i - 1]) >= pf_topn_shown(out[i]),
                "top out of order at %u", i);
  return n;
}

static const struct pf_topn_item *item_of(const struct pf_topn *t,
                                          uint32_t key) {
  const struct pf_topn_item *items[MAX_CAP];
  uint32_t n = all_items(t, items);
  for (uint32_t i = 0; i < n; i++)
    if (key_of(items[i]) == key)
      return items[i];
  return NULL;
}

/* ---- a reference: exact weights, and Space-Saving done naively ---- */

struct ref_item {
  uint32_t key;
  uint64_t count, err, bytes[2];
};

struct ref {
  struct ref_item items[MAX_CAP];
  uint32_t n, cap;
};

static void ref_add(struct ref *r, uint32_t key, int dir, uint64_t bytes) {
  for (uint32_t i = 0; i < r->n; i++) {
    if (r->items[i].key == key) {
      r->items[i].count += bytes;
      r->items[i].bytes[dir] += bytes;
      return;
    }
  }
  struct ref_item *it;
  uint64_t inherited = 0;
  if (r->n < r->cap) {
    it = &r->items[r->n++];
  } else {
    it = &r->items[0];
    for (uint32_t i = 1; i < r->n; i++)
      if (r->items[i].count < it->count)
        it = &r->items[i];
    /* The reference needs a unique minimum; huge random weights make a
     * tie practically impossible. */
    for (uint32_t i = 0; i < r->n; i++)
      QUICK_CHECK(&r->items[i] == it || r->items[i].count != it->count,
                  "tie in the reference: pick other weights");
    inherited = it->count;
  }
  memset(it, 0, sizeof(*it));
  it->key = key;
  it->count = inherited + bytes;
  it->err = inherited;
  it->bytes[dir] = bytes;
}

/* The sketch holds exactly the reference's items. */
static void expect_matches_ref(const struct pf_topn *t, const struct ref *r) {
  const struct pf_topn_item *items[MAX_CAP];
  uint32_t n = all_items(t, items);
  QUICK_CHECK(n == r->n, "%u items, reference %u", n, r->n);
  for (uint32_t i = 0; i < r->n; i++) {
    const struct ref_item *want = &r->items[i];
    const struct pf_topn_item *got = NULL;
    for (uint32_t j = 0; j < n && !got; j++)
      if (key_of(items[j]) == want->key)
        got = items[j];
    QUICK_CHECK(got != NULL, "key %u missing", want->key);
    QUICK_CHECK(
        got->count == want->count && got->err == want->err &&
            got->bytes[0] == want->bytes[0] && got->bytes[1] == want->bytes[1],
        "key %u: count/err/rx/tx %llu/%llu/%llu/%llu, reference "
        "%llu/%llu/%llu/%llu",
        want->key, (unsigned long long)got->count, (unsigned long long)got->err,
        (unsigned long long)got->bytes[0], (unsigned long long)got->bytes[1],
        (unsigned long long)want->count, (unsigned long long)want->err,
        (unsigned long long)want->bytes[0], (unsigned long long)want->bytes[1]);
  }
}

/* The inside: every item is where the index says and at the home its
 * hash gives, the index holds nothing else, the heap holds every item once
 * and is a min-heap on count. */
static void expect_consistent_index(const struct pf_topn *t) {
  uint32_t filled = 0;
  for (uint32_t s = 0; s <= t->index_mask; s++)
    filled += t->index[s] != 0;
  QUICK_CHECK(filled == t->used, "%u index slots filled for %u items", filled,
              t->used);
  for (uint32_t i = 0; i < t->used; i++) {
    const struct pf_topn_item *it = &t->items[i];
    QUICK_CHECK(it->slot <= t->index_mask && t->index[it->slot] == i + 1,
                "item %u is not at its index slot", i);
    QUICK_CHECK(it->home == (pf_hash_bytes(t->seed, it->key, t->key_len) &
                             t->index_mask),
                "item %u has a wrong home", i);
    QUICK_CHECK(it->heap_pos < t->used && t->heap[it->heap_pos] == i,
                "item %u is not at its heap position", i);
    QUICK_CHECK(t->heap_count[it->heap_pos] == it->count,
                "item %u: the heap holds another count", i);
  }
  for (uint32_t pos = 1; pos < t->used; pos++)
    QUICK_CHECK(t->items[t->heap[(pos - 1) / 2]].count <=
                    t->items[t->heap[pos]].count,
                "heap order broken at %u", pos);
}

/* From the outside: offering 0 bytes for a present key must find it and
 * change nothing; a lost index entry would make it a newcomer. */
static void expect_every_item_findable(struct pf_topn *t, const struct ref *r) {
  for (uint32_t i = 0; i < r->n; i++)
    add(t, r->items[i].key, 0, 0);
  expect_matches_ref(t, r);
}

static uint64_t rnd64(uint64_t *s) {
  return (uint64_t)frame_rand(s) << 32 | frame_rand(s);
}

/* ---- set-up ---- */

START_TEST(test_init_rejects_bad_sizes) {
  struct pf_topn t;
  char err[128];
  ck_assert_int_eq(pf_topn_init(&t, 0, 4, err, sizeof(err)), -1);
  ck_assert_int_eq(pf_topn_init(&t, 8, 0, err, sizeof(err)), -1);
  ck_assert_int_eq(pf_topn_init(&t, 8, PF_TOPN_KEY_MAX + 1, err, sizeof(err)),
                   -1);
  ck_assert_int_eq(pf_topn_init(&t, 8, PF_TOPN_KEY_MAX, err, sizeof(err)), 0);
  pf_topn_free(&t);
}
END_TEST

/* ---- exact while the keys fit ---- */

START_TEST(test_counts_exact_within_capacity) {
  struct pf_topn *t = new_topn(16, 4);
  uint64_t want[2][16] = {{0}};
  uint64_t s = 1;
  for (int i = 0; i < 5000; i++) {
    uint32_t key = frame_rand(&s) % 16;
    int dir = (int)(frame_rand(&s) % 2);
    uint64_t bytes = 1 + frame_rand(&s) % 1500;
    add(t, key, dir, bytes);
    want[dir][key] += bytes;
  }
  ck_assert_uint_eq(t->used, 16);
  for (uint32_t k = 0; k < 16; k++) {
    const struct pf_topn_item *it = item_of(t, k);
    ck_assert_ptr_nonnull(it);
    ck_assert_uint_eq(it->bytes[0], want[0][k]);
    ck_assert_uint_eq(it->bytes[1], want[1][k]);
    ck_assert_uint_eq(it->count, want[0][k] + want[1][k]);
    ck_assert_uint_eq(it->err, 0);
  }
}
END_TEST

START_TEST(test_top_reports_heaviest_first) {
  struct pf_topn *t = new_topn(16, 4);
  /* Key k gets (k * 7 % 10 + 1) * 100 bytes, in pieces and out of order. */
  for (int round = 0; round < 4; round++)
    for (uint32_t k = 0; k < 10; k++)
      add(t, k, round % 2, (k * 7 % 10 + 1) * 25);
  const struct pf_topn_item *items[16];
  ck_assert_uint_eq(pf_topn_top(t, items, 16), 10);
  for (uint32_t i = 0; i < 10; i++)
    ck_assert_uint_eq(items[i]->count, (10 - i) * 100);
  /* Fewer asked than held: the heaviest ones, still in order. */
  ck_assert_uint_eq(pf_topn_top(t, items, 3), 3);
  ck_assert_uint_eq(items[0]->count, 1000);
  ck_assert_uint_eq(items[1]->count, 900);
  ck_assert_uint_eq(items[2]->count, 800);
  ck_assert_uint_eq(key_of(items[0]), 7); /* 7 * 7 % 10 + 1 = 10 */
}
END_TEST

START_TEST(test_totals_per_direction) {
  struct pf_topn *t = new_topn(4, 4);
  add(t, 1, 0, 100);
  add(t, 1, 1, 40);
  add(t, 2, 1, 7);
  for (uint32_t k = 10; k < 30; k++) /* beyond capacity: totals still exact */
    add(t, k, 0, 3);
  ck_assert_uint_eq(t->total[0], 160);
  ck_assert_uint_eq(t->total[1], 47);
}
END_TEST

START_TEST(test_long_keys_compare_every_byte) {
  struct pf_topn *t = new_topn(8, PF_TOPN_KEY_MAX);
  uint8_t a[PF_TOPN_KEY_MAX], b[PF_TOPN_KEY_MAX];
  memset(a, 0x11, sizeof(a));
  memcpy(b, a, sizeof(b));
  b[PF_TOPN_KEY_MAX - 1] ^= 1; /* differs in the last byte only */
  pf_topn_add(t, a, 0, 5);
  pf_topn_add(t, b, 0, 6);
  pf_topn_add(t, a, 1, 7);
  ck_assert_uint_eq(t->used, 2);
  const struct pf_topn_item *items[8];
  ck_assert_uint_eq(pf_topn_top(t, items, 8), 2);
  ck_assert_mem_eq(items[0]->key, a, sizeof(a));
  ck_assert_uint_eq(items[0]->count, 12);
  ck_assert_mem_eq(items[1]->key, b, sizeof(b));
}
END_TEST

/* ---- beyond capacity ---- */

START_TEST(test_space_saving_bounds_beyond_capacity) {
  enum { CAP = 16, KEYS = 400 };
  struct pf_topn *t = new_topn(CAP, 4);
  static uint64_t truth[KEYS];
  memset(truth, 0, sizeof(truth));
  uint64_t s = 7, total = 0;
  for (int i = 0; i < 40000; i++) {
    /* Skewed: a few heavy keys among many light ones. */
    uint32_t r = frame_rand(&s) % 100;
    uint32_t key = r < 40 ? frame_rand(&s) % 4 : frame_rand(&s) % KEYS;
    uint64_t bytes = 40 + frame_rand(&s) % 1460;
    add(t, key, (int)(frame_rand(&s) % 2), bytes);
    truth[key] += bytes;
    total += bytes;
  }
  ck_assert_uint_eq(t->total[0] + t->total[1], total);
  const struct pf_topn_item *items[CAP];
  uint32_t n = all_items(t, items);
  ck_assert_uint_eq(n, CAP);
  uint64_t reported = 0;
  for (uint32_t i = 0; i < n; i++) {
    const struct pf_topn_item *it = items[i];
    uint64_t w = truth[key_of(it)], since = it->bytes[0] + it->bytes[1];
    ck_assert_uint_le(it->count - it->err, w);
    ck_assert_uint_le(w, it->count);
    ck_assert_uint_eq(since + it->err, it->count);
    reported += since;
  }
  ck_assert_uint_le(reported, total);
  for (uint32_t k = 0; k < KEYS; k++)
    if (truth[k] > total / CAP)
      ck_assert_msg(item_of(t, k) != NULL, "heavy key %u (%llu of %llu) lost",
                    k, (unsigned long long)truth[k], (unsigned long long)total);
}
END_TEST

START_TEST(test_zero_byte_offers_keep_the_guarantee) {
  /* Keys offered with 0 bytes sit at the bottom with count 0; a newcomer
   * that replaces one must still sink to its place in the heap, or the
   * next newcomer replaces it instead of the light key. */
  struct pf_topn *t = new_topn(2, 4);
  add(t, 1, 0, 0);
  add(t, 2, 0, 0);
  add(t, 3, 0, 100);
  add(t, 4, 0, 1);
  /* Key 3 has 100 of 101 bytes, more than total / capacity. */
  ck_assert_ptr_nonnull(item_of(t, 3));
  ck_assert_uint_eq(item_of(t, 3)->count, 100);
  expect_consistent_index(t);
}
END_TEST

/* ---- merge and reset ---- */

START_TEST(test_merge_equals_adding_everything_into_one) {
  struct pf_topn *a = new_topn(32, 4), *b = new_topn(32, 4);
  struct pf_topn *one = new_topn(32, 4);
  uint64_t s = 99;
  for (int i = 0; i < 3000; i++) {
    uint32_t key = frame_rand(&s) % 32; /* shared key space, <= capacity */
    int dir = (int)(frame_rand(&s) % 2);
    uint64_t bytes = 1 + frame_rand(&s) % 9000;
    add(i % 3 ? a : b, key, dir, bytes);
    add(one, key, dir, bytes);
  }
  pf_topn_merge(a, b);
  ck_assert_uint_eq(a->total[0], one->total[0]);
  ck_assert_uint_eq(a->total[1], one->total[1]);
  ck_assert_uint_eq(a->used, one->used);
  const struct pf_topn_item *items[32];
  uint32_t n = all_items(one, items);
  for (uint32_t i = 0; i < n; i++) {
    const struct pf_topn_item *got = item_of(a, key_of(items[i]));
    ck_assert_ptr_nonnull(got);
    ck_assert_uint_eq(got->count, items[i]->count);
    ck_assert_uint_eq(got->err, 0);
    ck_assert_uint_eq(got->bytes[0], items[i]->bytes[0]);
    ck_assert_uint_eq(got->bytes[1], items[i]->bytes[1]);
  }
  expect_consistent_index(a);
}
END_TEST

START_TEST(test_merge_into_empty_copies) {
  struct pf_topn *src = new_topn(8, 4), *dst = new_topn(8, 4);
  add(src, 5, 0, 10);
  add(src, 6, 1, 20);
  pf_topn_merge(dst, src);
  ck_assert_uint_eq(dst->used, 2);
  ck_assert_uint_eq(item_of(dst, 5)->bytes[0], 10);
  ck_assert_uint_eq(item_of(dst, 6)->bytes[1], 20);
  ck_assert_uint_eq(dst->total[1], 20);
  /* The source is left as it was. */
  ck_assert_uint_eq(src->used, 2);
  ck_assert_uint_eq(src->total[0], 10);
}
END_TEST

START_TEST(test_merge_beyond_capacity_keeps_the_bounds) {
  /* Two shards with more keys than they hold, merged as the reader does:
   * the merged items keep count = bytes + err (topn.h), the Space-Saving
   * bounds count - err <= true weight <= count, and add up. */
  enum { KEYS = 50 };
  struct pf_topn *a = new_topn(8, 4), *b = new_topn(8, 4);
  uint64_t truth[KEYS] = {0}, s = 5;
  for (int i = 0; i < 2000; i++) {
    uint32_t key = frame_rand(&s) % KEYS;
    uint64_t bytes = 1 + frame_rand(&s) % 100;
    add(i % 2 ? a : b, key, 0, bytes);
    truth[key] += bytes;
  }
  pf_topn_merge(a, b);
  const struct pf_topn_item *items[8];
  uint32_t n = all_items(a, items);
  uint64_t reported = 0;
  for (uint32_t i = 0; i < n; i++) {
    const struct pf_topn_item *it = items[i];
    uint64_t w = truth[key_of(it)], since = it->bytes[0] + it->bytes[1];
    ck_assert_msg(since + it->err == it->count,
                  "key %u: bytes %llu + err %llu != count %llu", key_of(it),
                  (unsigned long long)since, (unsigned long long)it->err,
                  (unsigned long long)it->count);
    ck_assert_uint_ge(it->count, it->err);
    ck_assert_uint_le(it->count - it->err, w);
    ck_assert_uint_le(w, it->count);
    reported += since;
  }
  ck_assert_uint_le(reported, a->total[0] + a->total[1]);
  expect_consistent_index(a);
}
END_TEST

START_TEST(test_reset_empties_the_sketch) {
  struct pf_topn *t = new_topn(4, 4);
  for (uint32_t k = 0; k < 10; k++)
    add(t, k, 1, 100 + k);
  pf_topn_reset(t);
  const struct pf_topn_item *items[4];
  ck_assert_uint_eq(pf_topn_top(t, items, 4), 0);
  ck_assert_uint_eq(t->total[0] + t->total[1], 0);
  /* Exact again from scratch: no count or error carried over. */
  add(t, 9, 0, 5);
  add(t, 42, 0, 6);
  ck_assert_uint_eq(item_of(t, 9)->count, 5);
  ck_assert_uint_eq(item_of(t, 9)->err, 0);
  ck_assert_uint_eq(item_of(t, 9)->bytes[1], 0);
  ck_assert_uint_eq(t->used, 2);
  expect_consistent_index(t);
}
END_TEST

/* ---- churn ---- */

static void churn(uint32_t cap, uint32_t keys, unsigned ops, uint64_t seed) {
  struct pf_topn *t = new_topn(cap, 4);
  static struct ref r;
  memset(&r, 0, sizeof(r));
  r.cap = cap;
  uint64_t s = seed;
  for (unsigned i = 0; i < ops; i++) {
    uint32_t key = frame_rand(&s) % keys;
    int dir = (int)(frame_rand(&s) % 2);
    uint64_t bytes = 1 + (rnd64(&s) >> 24); /* up to 2^40 */
    add(t, key, dir, bytes);
    ref_add(&r, key, dir, bytes);
    QUICK_CHECK(item_of(t, key) != NULL,
                "op %u: key %u just offered is "
                "missing",
                i, key);
    expect_matches_ref(t, &r);
    expect_consistent_index(t);
    if (i % 8 == 0)
      expect_every_item_findable(t, &r);
    if (i % 2000 == 1999) { /* an interval ends now and then */
      pf_topn_reset(t);
      r.n = 0;
    }
  }
}

START_TEST(test_churn_matches_reference) { churn(32, 1000, 12000, 3); }
END_TEST

START_TEST(test_churn_small_sketch_matches_reference) {
  /* Capacity 3: an index of 8 slots, so probe chains wrap around. */
  churn(3, 40, 8000, 11);
}
END_TEST

START_TEST(test_churn_within_capacity_stays_exact) { churn(64, 64, 3000, 17); }
END_TEST

Suite *pf_topn_suite(void) {
  Suite *s = suite_create("topn");
  TCase *tc = tcase_create("exact");
  tcase_add_checked_fixture(tc, NULL, free_sketches);
  tcase_add_test(tc, test_init_rejects_bad_sizes);
  tcase_add_test(tc, test_counts_exact_within_capacity);
  tcase_add_test(tc, test_top_reports_heaviest_first);
  tcase_add_test(tc, test_totals_per_direction);
  tcase_add_test(tc, test_long_keys_compare_every_byte);
  suite_add_tcase(s, tc);

  tc = tcase_create("space_saving");
  tcase_add_checked_fixture(tc, NULL, free_sketches);
  tcase_add_test(tc, test_space_saving_bounds_beyond_capacity);
  tcase_add_test(tc, test_zero_byte_offers_keep_the_guarantee);
  suite_add_tcase(s, tc);

  tc = tcase_create("merge_reset");
  tcase_add_checked_fixture(tc, NULL, free_sketches);
  tcase_add_test(tc, test_merge_equals_adding_everything_into_one);
  tcase_add_test(tc, test_merge_into_empty_copies);
  tcase_add_test(tc, test_merge_beyond_capacity_keeps_the_bounds);
  tcase_add_test(tc, test_reset_empties_the_sketch);
  suite_add_tcase(s, tc);

  tc = tcase_create("churn");
  tcase_add_checked_fixture(tc, NULL, free_sketches);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_churn_matches_reference);
  tcase_add_test(tc, test_churn_small_sketch_matches_reference);
  tcase_add_test(tc, test_churn_within_capacity_stays_exact);
  suite_add_tcase(s, tc);
  return s;
}
