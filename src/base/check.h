/* check.h - assertions of the engine's invariants.
 *
 * PF_STATIC_ASSERT holds layouts and table sizes at compile time, where it
 * costs nothing. PF_ASSERT checks a cheap runtime invariant in debug builds
 * (-DPF_DEBUG, which the sanitizer and fuzz builds use) and compiles to
 * nothing otherwise, so the capture path pays for none of them in the
 * plugin. A failed assertion aborts with the file, line and condition:
 * an invariant that does not hold means the counts can no longer be
 * trusted, which is worse than stopping a test. */
#ifndef PCAPFLOW_BASE_CHECK_H
#define PCAPFLOW_BASE_CHECK_H

#define PF_STATIC_ASSERT(cond, why) _Static_assert(cond, why)

#ifdef PF_DEBUG
void pf_assert_failed(const char *cond, const char *file, int line)
    __attribute__((noreturn));
#define PF_ASSERT(cond)                                                        \
  ((cond) ? (void)0 : pf_assert_failed(#cond, __FILE__, __LINE__))
#else
#define PF_ASSERT(cond) ((void)0)
#endif

#endif
