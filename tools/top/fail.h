/* fail.h - pcapflow-top's errors: a message into the caller's buffer of
 * PFT_ERR_MAX bytes, as the engine's pf_err does for its callers. */
#ifndef PCAPFLOW_TOP_FAIL_H
#define PCAPFLOW_TOP_FAIL_H

#define PFT_ERR_MAX 320

/* Formats into err and returns -1, so that `return pft_err(...)` fails. */
int pft_err(char err[PFT_ERR_MAX], const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
