/* main.c - runs every unit test suite of the table in suites.h; exits
 * non-zero if any test fails. */
#include <stdlib.h>

#include "suites.h"

#define PF_SUITE_ENTRY(name) pf_##name##_suite,
static Suite *(*const suites[])(void) = {PF_UNIT_SUITES(PF_SUITE_ENTRY)};

int main(void) {
  SRunner *runner = srunner_create(NULL);
  for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
    srunner_add_suite(runner, suites[i]());

  /* CK_VERBOSITY and CK_FORK from the environment decide the rest. */
  srunner_run_all(runner, CK_ENV);
  int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
