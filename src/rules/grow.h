/* grow.h - the growing arrays of a rules file being read (the YAML tree,
 * its anchors, the definition): room for `need` elements, doubling. Every
 * caller is under a cap of rules.h, so the arrays stay bounded. */
#ifndef PCAPFLOW_RULES_GROW_H
#define PCAPFLOW_RULES_GROW_H

#include <stddef.h>
#include <stdlib.h>

/* Makes room for `need` elements of `elem` bytes in *array, whose room is
 * *cap (the first allocation holds `first`). Returns 0 or -1 (out of
 * memory: the array stays as it was). */
static inline int pf_reserve(void **array, size_t *cap, size_t need,
                             size_t elem, size_t first) {
  if (need <= *cap)
    return 0;
  size_t n = *cap ? *cap : first;
  while (n < need)
    n *= 2;
  void *grown = realloc(*array, n * elem);
  if (!grown)
    return -1;
  *array = grown;
  *cap = n;
  return 0;
}

#endif
