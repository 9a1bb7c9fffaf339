/* error.c - messages about a rules file, prefixed with its path, and with
 * the line and column where there is one. */
#include "rules/error.h"

#include <stdarg.h>
#include <stdio.h>

static int pf_rules_vfail(struct pf_rules_err *e, int n, const char *fmt,
                          va_list ap) {
  if (n < 0 || (size_t)n >= e->len)
    return -1;
  vsnprintf(e->buf + n, e->len - (size_t)n, fmt, ap);
  return -1;
}

int pf_rules_fail(struct pf_rules_err *e, const char *fmt, ...) {
  if (e->len == 0)
    return -1;
  int n = snprintf(e->buf, e->len, "%s: ", e->path);
  va_list ap;
  va_start(ap, fmt);
  pf_rules_vfail(e, n, fmt, ap);
  va_end(ap);
  return -1;
}

int pf_rules_fail_at(struct pf_rules_err *e, size_t line0, size_t col0,
                     const char *fmt, ...) {
  if (e->len == 0)
    return -1;
  int n =
      snprintf(e->buf, e->len, "%s:%zu:%zu: ", e->path, line0 + 1, col0 + 1);
  va_list ap;
  va_start(ap, fmt);
  pf_rules_vfail(e, n, fmt, ap);
  va_end(ap);
  return -1;
}
