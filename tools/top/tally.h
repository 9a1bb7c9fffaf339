/* tally.h - what the store keeps of each source's top-N lists after every
 * read of collectd: the bytes of the newest update that had keys (see
 * struct pft_source). */
#ifndef PCAPFLOW_TOP_TALLY_H
#define PCAPFLOW_TOP_TALLY_H

#include "store.h"

/* Whether series s belongs to top-N list l of its source; its key after
 * the list's prefix in *key (pft_list_other for the rest). */
bool pft_list_member(const struct pft_series *s, size_t l, const char **key);
/* Whether two times are of one update of collectd: closer than tol
 * (pft_clock_tol). */
bool pft_same_update(double a, double b, double tol);
void pft_tally_lists(struct pft_store *st);

#endif
