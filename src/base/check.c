/* check.c - what a failed PF_ASSERT does (check.h). */
#include "base/check.h"

#include <stdio.h>
#include <stdlib.h>

#ifdef PF_DEBUG
void pf_assert_failed(const char *cond, const char *file, int line) {
  fprintf(stderr, "pcapflow: invariant broken at %s:%d: %s\n", file, line,
          cond);
  abort();
}
#endif
