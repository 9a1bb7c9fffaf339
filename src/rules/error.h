/* error.h - every message about a rules file, prefixed with the
 * file, line and column: the one thing the builders below need to report. */
#ifndef PCAPFLOW_RULES_ERROR_H
#define PCAPFLOW_RULES_ERROR_H

#include <stddef.h>

/* Where messages go: "PATH:LINE:COLUMN: message" into buf. */
struct pf_rules_err {
  const char *path;
  char *buf;
  size_t len;
};

/* Both write the message and return -1. Lines and columns are 1-based. */
int pf_rules_fail(struct pf_rules_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int pf_rules_fail_at(struct pf_rules_err *e, size_t line0, size_t col0,
                     const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
