/* reserve.h - the engine's largest arrays (the flow table's entry pools and
 * bucket array) reserved as address space at start and backed by memory
 * only as they are written, so that a table sized for MaxFlows takes
 * memory as flows come, never before.
 *
 * One mapping for all of them, so that they agree on how: anonymous,
 * private, MAP_NORESERVE (no commit charge for a table that may never
 * fill), and MADV_HUGEPAGE where the system grants huge pages for the
 * asking (transparent_hugepage "madvise"): a table is read at random, and
 * 2 MiB pages spare most TLB misses and 511 of every 512 page faults.
 * Untouched pages read as zeros. */
#ifndef PCAPFLOW_BASE_RESERVE_H
#define PCAPFLOW_BASE_RESERVE_H

#include <stddef.h>

/* Reserves `len` bytes (more than 0), zero-filled as read. Returns NULL
 * when the address space is not there. */
void *pf_reserve(size_t len);

/* Gives back what pf_reserve returned for `len` bytes (NULL: nothing). */
void pf_reserve_free(void *p, size_t len);

#endif
