/* test_top_batch.c - per-batch sums of top-N offers: the same sketch as
 * offering packet by packet while the keys fit, the Space-Saving bounds
 * beyond, an early flush when the batch is full, and flows whose entry
 * number is reused within a batch kept apart. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "base/hash.h"
#include "frames.h"
#include "sketch/top_batch.h"
#include "suites.h"

/* The process's seed: a batch's callers hash with it, as the sketches do
 * (top_batch.h). */
static uint64_t seed[4];

/* Sketches and batches live on the heap (a batch is tens of KiB) and are
 * freed by the fixture's teardown, so a failed check leaks nothing. */
static struct pf_topn *sketch[2];
static struct pf_top_batch *batch;

static struct pf_topn *new_topn(int i, uint32_t capacity, uint32_t key_len) {
  sketch[i] = calloc(1, sizeof(*sketch[i]));
  ck_assert_ptr_nonnull(sketch[i]);
  char err[128];
  ck_assert_msg(pf_topn_init(sketch[i], capacity, key_len, err, sizeof(err)) ==
                    0,
                "%s", err);
  return sketch[i];
}

static void setup(void) {
  pf_hash_seed(seed);
  batch = malloc(sizeof(*batch));
  ck_assert_ptr_nonnull(batch);
  pf_top_batch_init(batch, 4);
}

static void teardown(void) {
  for (int i = 0; i < 2; i++) {
    if (sketch[i])
      pf_topn_free(sketch[i]);
    free(sketch[i]);
    sketch[i] = NULL;
  }
  free(batch);
  batch = NULL;
}

static void batch_add(struct pf_topn *t, uint32_t key, int dir,
                      uint64_t bytes) {
  pf_top_batch_add(batch, t, pf_hash_inline(seed, &key, sizeof(key)), &key, dir,
                   bytes);
}

static const struct pf_topn_item *item_of(const struct pf_topn *t,
                                          uint32_t key) {
  for (uint32_t i = 0; i < t->used; i++)
    if (memcmp(t->items[i].key, &key, sizeof(key)) == 0)
      return &t->items[i];
  return NULL;
}

START_TEST(test_batches_equal_packet_by_packet_within_capacity) {
  struct pf_topn *direct = new_topn(0, 64, 4), *batched = new_topn(1, 64, 4);
  uint64_t s = 11;
  for (int i = 0; i < 20000; i++) {
    uint32_t key = frame_rand(&s) % 60;
    int dir = (int)(frame_rand(&s) % 2);
    uint64_t bytes = frame_rand(&s) % 1500; /* 0 included */
    pf_topn_add(direct, &key, dir, bytes);
    batch_add(batched, key, dir, bytes);
    if (frame_rand(&s) % 300 == 0) /* batches of random length */
      pf_top_batch_flush(batch, batched);
  }
  pf_top_batch_flush(batch, batched);
  ck_assert_uint_eq(batch->used, 0);
  ck_assert_uint_eq(batched->total[0], direct->total[0]);
  ck_assert_uint_eq(batched->total[1], direct->total[1]);
  ck_assert_uint_eq(batched->used, direct->used);
  for (uint32_t i = 0; i < direct->used; i++) {
    const struct pf_topn_item *want = &direct->items[i];
    uint32_t key;
    memcpy(&key, want->key, sizeof(key));
    const struct pf_topn_item *got = item_of(batched, key);
    ck_assert_msg(got != NULL, "key %u missing", key);
    ck_assert_uint_eq(got->count, want->count);
    ck_assert_uint_eq(got->err, 0);
    ck_assert_uint_eq(got->bytes[0], want->bytes[0]);
    ck_assert_uint_eq(got->bytes[1], want->bytes[1]);
  }
}
END_TEST

START_TEST(test_a_full_batch_flushes_early) {
  struct pf_topn *t = new_topn(0, 2 * PF_TOP_BATCH_KEYS, 4);
  for (uint32_t k = 0; k < PF_TOP_BATCH_KEYS; k++)
    batch_add(t, k, 0, 10);
  ck_assert_uint_eq(t->used, 0); /* nothing offered yet */
  batch_add(t, 0, 1, 5);         /* a key already in the batch: no flush */
  ck_assert_uint_eq(t->used, 0);
  batch_add(t, PF_TOP_BATCH_KEYS, 0, 7); /* one too many: flush first */
  ck_assert_uint_eq(t->used, PF_TOP_BATCH_KEYS);
  ck_assert_uint_eq(batch->used, 1);
  batch_add(t, 0, 0, 1); /* key 0 again, now in a new batch */
  pf_top_batch_flush(batch, t);
  ck_assert_uint_eq(t->used, PF_TOP_BATCH_KEYS + 1);
  ck_assert_uint_eq(t->total[0], PF_TOP_BATCH_KEYS * 10 + 7 + 1);
  ck_assert_uint_eq(t->total[1], 5);
  const struct pf_topn_item *zero = item_of(t, 0);
  ck_assert_ptr_nonnull(zero);
  ck_assert_uint_eq(zero->bytes[0], 11);
  ck_assert_uint_eq(zero->bytes[1], 5);
}
END_TEST

START_TEST(test_a_reused_flow_number_keeps_flows_apart) {
  struct pf_topn *t = new_topn(0, 64, 8);
  pf_top_batch_init(batch, 8);
  uint64_t a = 0xaaaa, b = 0xbbbb, c = 0xcccc;
  uint32_t seven = 7, eight = 8;
  uint64_t h7 = pf_hash_inline(seed, &seven, 4),
           h8 = pf_hash_inline(seed, &eight, 4);
  pf_top_batch_add_flow(batch, t, h7, 7, true, &a, 0, 100);
  pf_top_batch_add_flow(batch, t, h8, 8, true, &c, 1, 1);
  pf_top_batch_add_flow(batch, t, h7, 7, false, &a, 1, 50);
  /* Flow a ended; a new flow b got entry 7 within the same batch. */
  pf_top_batch_add_flow(batch, t, h7, 7, true, &b, 0, 30);
  pf_top_batch_add_flow(batch, t, h7, 7, false, &b, 1, 5);
  pf_top_batch_add_flow(batch, t, h8, 8, false, &c, 1, 2);
  pf_top_batch_flush(batch, t);
  ck_assert_uint_eq(t->used, 3);
  const struct pf_topn_item *items[3];
  ck_assert_uint_eq(pf_topn_top(t, items, 3), 3);
  ck_assert_mem_eq(items[0]->key, &a, 8);
  ck_assert_uint_eq(items[0]->bytes[0], 100);
  ck_assert_uint_eq(items[0]->bytes[1], 50);
  ck_assert_mem_eq(items[1]->key, &b, 8);
  ck_assert_uint_eq(items[1]->bytes[0], 30);
  ck_assert_uint_eq(items[1]->bytes[1], 5);
  ck_assert_mem_eq(items[2]->key, &c, 8);
  ck_assert_uint_eq(items[2]->bytes[1], 3);
  ck_assert_uint_eq(t->total[0] + t->total[1], 188);
}
END_TEST

START_TEST(test_batches_keep_the_space_saving_bounds) {
  enum { CAP = 16, KEYS = 3000 };
  struct pf_topn *t = new_topn(0, CAP, 4);
  static uint64_t truth[KEYS];
  memset(truth, 0, sizeof(truth));
  uint64_t s = 5, total = 0;
  for (int i = 0; i < 60000; i++) {
    /* Skewed: a few heavy keys among many light ones, more distinct keys
     * per batch than a batch holds. */
    uint32_t r = frame_rand(&s) % 100;
    uint32_t key = r < 30 ? frame_rand(&s) % 4 : frame_rand(&s) % KEYS;
    uint64_t bytes = 40 + frame_rand(&s) % 1460;
    batch_add(t, key, (int)(frame_rand(&s) % 2), bytes);
    truth[key] += bytes;
    total += bytes;
    if (i % 4096 == 4095)
      pf_top_batch_flush(batch, t);
  }
  pf_top_batch_flush(batch, t);
  ck_assert_uint_eq(t->total[0] + t->total[1], total);
  ck_assert_uint_eq(t->used, CAP);
  uint64_t reported = 0;
  for (uint32_t i = 0; i < t->used; i++) {
    const struct pf_topn_item *it = &t->items[i];
    uint32_t key;
    memcpy(&key, it->key, sizeof(key));
    uint64_t w = truth[key], since = it->bytes[0] + it->bytes[1];
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

Suite *pf_top_batch_suite(void) {
  Suite *s = suite_create("top_batch");
  TCase *tc = tcase_create("batch");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_batches_equal_packet_by_packet_within_capacity);
  tcase_add_test(tc, test_a_full_batch_flushes_early);
  tcase_add_test(tc, test_a_reused_flow_number_keeps_flows_apart);
  tcase_add_test(tc, test_batches_keep_the_space_saving_bounds);
  suite_add_tcase(s, tc);
  return s;
}
