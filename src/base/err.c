/* err.c - error messages into caller-supplied buffers (err.h). */
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int pf_err(char *err, size_t errlen, const char *fmt, ...) {
  if (errlen == 0)
    return -1;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  return -1;
}

int pf_err_errno(char *err, size_t errlen, int errnum, const char *fmt, ...) {
  if (errlen == 0)
    return -1;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  if (n >= 0 && (size_t)n < errlen)
    snprintf(err + n, errlen - (size_t)n, ": %s", strerror(errnum));
  return -1;
}
