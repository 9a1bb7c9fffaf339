/* quick_check.h - an assertion for hot loops of the randomized tests. */
#ifndef PCAPFLOW_TESTS_UNIT_QUICK_CHECK_H
#define PCAPFLOW_TESTS_UNIT_QUICK_CHECK_H

#include <check.h>

/* check's ck_assert_* record every passing check (a write to the runner),
 * which dominates loops of millions of checks: test first, and call check
 * only to fail. The arguments after cond are ck_abort_msg's. */
#define QUICK_CHECK(cond, ...)                                                 \
  do {                                                                         \
    if (!(cond))                                                               \
      ck_abort_msg(__VA_ARGS__);                                               \
  } while (0)

#endif
