/* fail.c - formatting pcapflow-top's errors (fail.h). */
#include <stdarg.h>
#include <stdio.h>

#include "fail.h"

int pft_err(char err[PFT_ERR_MAX], const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, PFT_ERR_MAX, fmt, ap);
  va_end(ap);
  return -1;
}
