/* reserve.c - address space now, memory as written (reserve.h). */
#include "base/reserve.h"

#include <sys/mman.h>

void *pf_reserve_pages(size_t len, bool huge_pages) {
  void *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED)
    return NULL;
  /* Advice only: without huge pages the table works the same, 4 KiB a
   * fault. */
  if (huge_pages)
    (void)madvise(m, len, MADV_HUGEPAGE);
  return m;
}

void pf_release_pages(void *p, size_t len) {
  if (p)
    munmap(p, len);
}
