/* err.h - writing an error message into a caller's buffer.
 *
 * The engine never logs from deep inside: a function that fails writes one
 * line into the caller's `err` (PF_ERR_MAX bytes hold any of them) and
 * returns -1, so the caller can `return pf_err(err, errlen, ...)`. */
#ifndef PCAPFLOW_BASE_ERR_H
#define PCAPFLOW_BASE_ERR_H

#include <stddef.h>

#include "pcapflow/error.h"

/* Writes the message (cut to errlen, always terminated) and returns -1. */
int pf_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The same, followed by ": " and the text of errno value `errnum` (pass
 * errno before any other call can change it). Returns -1. */
int pf_err_errno(char *err, size_t errlen, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
