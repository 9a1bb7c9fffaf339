/* reserve.h - the engine's arrays sized for MaxFlows (the flow table's
 * entry pools and bucket array, the lists of an interval's flows) reserved
 * as address space at start and backed by memory only as they are
 * written, so that they take memory as flows come, never before.
 *
 * One mapping for all of them, so that they agree on how: anonymous,
 * private, MAP_NORESERVE (no commit charge for a table that may never
 * fill), and, for an array read at random, MADV_HUGEPAGE where the system
 * grants huge pages for the asking (transparent_hugepage "madvise"):
 * 2 MiB pages spare most TLB misses and 511 of every 512 page faults.
 * Untouched pages read as zeros. */
#ifndef PCAPFLOW_BASE_RESERVE_H
#define PCAPFLOW_BASE_RESERVE_H

#include <stdbool.h>
#include <stddef.h>

/* Reserves `len` bytes (more than 0), zero-filled as read, with huge
 * pages asked for when `huge_pages`. Returns NULL when the address space
 * is not there. */
void *pf_reserve_pages(size_t len, bool huge_pages);

/* Gives back what pf_reserve_pages returned for `len` bytes (NULL:
 * nothing). */
void pf_release_pages(void *p, size_t len);

#endif
