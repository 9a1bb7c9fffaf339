/* test_top_names.c - the budget of top-N series names: `limit` keys are
 * named, later newcomers refused, named keys always admitted again. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "sketch/top_names.h"
#include "suites.h"

/* A key as the report passes it: key_len bytes of a PF_TOPN_KEY_MAX buffer. */
static bool admit(struct pf_top_names *n, uint32_t id, uint32_t key_len) {
  uint8_t key[PF_TOPN_KEY_MAX];
  memset(key, 0xab, sizeof(key));
  memcpy(key + key_len - sizeof(id), &id, sizeof(id)); /* id at the end */
  return pf_top_names_admit(n, key, key_len);
}

START_TEST(test_limit_names_then_refuses) {
  struct pf_top_names n;
  ck_assert_int_eq(pf_top_names_init(&n, 3), 0);
  ck_assert(admit(&n, 1, 20));
  ck_assert(admit(&n, 2, 20));
  ck_assert(admit(&n, 3, 20));
  ck_assert(!admit(&n, 4, 20));
  ck_assert(!admit(&n, 5, 20));
  ck_assert_uint_eq(n.used, 3);
  pf_top_names_free(&n);
}
END_TEST

START_TEST(test_named_key_is_admitted_again) {
  struct pf_top_names n;
  ck_assert_int_eq(pf_top_names_init(&n, 2), 0);
  ck_assert(admit(&n, 10, 8));
  ck_assert(admit(&n, 11, 8));
  ck_assert(!admit(&n, 12, 8));
  /* Spent budget: the named ones still pass, every time; the refused one
   * does not sneak in later. */
  for (int i = 0; i < 5; i++) {
    ck_assert(admit(&n, 10, 8));
    ck_assert(admit(&n, 11, 8));
    ck_assert(!admit(&n, 12, 8));
  }
  ck_assert_uint_eq(n.used, 2);
  pf_top_names_free(&n);
}
END_TEST

START_TEST(test_readmission_does_not_spend_the_budget) {
  struct pf_top_names n;
  ck_assert_int_eq(pf_top_names_init(&n, 2), 0);
  for (int i = 0; i < 10; i++)
    ck_assert(admit(&n, 7, 4));
  ck_assert(admit(&n, 8, 4)); /* the second name is still free */
  ck_assert(!admit(&n, 9, 4));
  pf_top_names_free(&n);
}
END_TEST

START_TEST(test_keys_differing_in_last_byte_are_distinct) {
  struct pf_top_names n;
  ck_assert_int_eq(pf_top_names_init(&n, 1), 0);
  ck_assert(admit(&n, 0x01000000, PF_TOPN_KEY_MAX));
  ck_assert(!admit(&n, 0x02000000, PF_TOPN_KEY_MAX));
  pf_top_names_free(&n);
}
END_TEST

START_TEST(test_limit_zero_admits_everything) {
  struct pf_top_names n;
  ck_assert_int_eq(pf_top_names_init(&n, 0), 0);
  for (uint32_t id = 0; id < 20000; id++)
    ck_assert(admit(&n, id, 12));
  pf_top_names_free(&n);
}
END_TEST

START_TEST(test_large_budget_exactly_spent) {
  enum { LIMIT = 1000 };
  struct pf_top_names n;
  ck_assert_int_eq(pf_top_names_init(&n, LIMIT), 0);
  for (uint32_t id = 0; id < LIMIT; id++)
    ck_assert(admit(&n, id * 7919, 36));
  for (uint32_t id = LIMIT; id < 3 * LIMIT; id++)
    ck_assert(!admit(&n, id * 7919, 36));
  for (uint32_t id = 0; id < LIMIT; id++)
    ck_assert_msg(admit(&n, id * 7919, 36), "named key %u refused", id);
  ck_assert_uint_eq(n.used, LIMIT);
  pf_top_names_free(&n);
}
END_TEST

START_TEST(test_free_is_safe_twice) {
  struct pf_top_names n;
  ck_assert_int_eq(pf_top_names_init(&n, 4), 0);
  pf_top_names_free(&n);
  pf_top_names_free(&n);
  ck_assert_int_eq(pf_top_names_init(&n, 0), 0);
  pf_top_names_free(&n);
}
END_TEST

Suite *pf_top_names_suite(void) {
  Suite *s = suite_create("top_names");
  TCase *tc = tcase_create("budget");
  tcase_add_test(tc, test_limit_names_then_refuses);
  tcase_add_test(tc, test_named_key_is_admitted_again);
  tcase_add_test(tc, test_readmission_does_not_spend_the_budget);
  tcase_add_test(tc, test_keys_differing_in_last_byte_are_distinct);
  tcase_add_test(tc, test_limit_zero_admits_everything);
  tcase_add_test(tc, test_large_budget_exactly_spent);
  tcase_add_test(tc, test_free_is_safe_twice);
  suite_add_tcase(s, tc);
  return s;
}
