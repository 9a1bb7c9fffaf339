/* test_slots.c - sizing and allocating open-addressed tables
 * (src/base/slots.h): a power of two, at least twice the limit and the
 * minimum, never a wrapped or endless size. */
#include <check.h>

#include "base/slots.h"
#include "suites.h"

START_TEST(twice_the_limit_a_power_of_two) {
  ck_assert_uint_eq(pf_slots_for_load_half(0, 4), 4);
  ck_assert_uint_eq(pf_slots_for_load_half(2, 4), 4);
  ck_assert_uint_eq(pf_slots_for_load_half(3, 4), 8);
  ck_assert_uint_eq(pf_slots_for_load_half(4096, 4), 8192);
  ck_assert_uint_eq(pf_slots_for_load_half(4097, 4), 16384);
  /* DNS's ring of 16,384 queries: an index of 32,768 slots. */
  ck_assert_uint_eq(pf_slots_for_load_half(16384, 32), 32768);
  ck_assert_uint_eq(pf_slots_for_load_half(1, 32), 32);
}
END_TEST

START_TEST(too_large_is_zero) {
  ck_assert_uint_eq(pf_slots_for_load_half(1u << 30, 4), PF_SLOTS_MAX);
  ck_assert_uint_eq(pf_slots_for_load_half((1u << 30) + 1, 4), 0);
  ck_assert_uint_eq(pf_slots_for_load_half(UINT32_MAX, 4), 0);
}
END_TEST

START_TEST(both_arrays_zeroed) {
  struct pf_slots_mem m;
  ck_assert(pf_slots_alloc(&m, 8, sizeof(uint32_t), 3, sizeof(uint64_t)));
  const uint32_t *s = m.slots;
  const uint64_t *i = m.items;
  for (int k = 0; k < 8; k++)
    ck_assert_uint_eq(s[k], 0);
  for (int k = 0; k < 3; k++)
    ck_assert_uint_eq(i[k], 0);
  pf_slots_free(m.slots, m.items);
  pf_slots_free(NULL, NULL);
}
END_TEST

Suite *pf_slots_suite(void) {
  Suite *s = suite_create("slots");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, twice_the_limit_a_power_of_two);
  tcase_add_test(tc, too_large_is_zero);
  tcase_add_test(tc, both_arrays_zeroed);
  suite_add_tcase(s, tc);
  return s;
}
