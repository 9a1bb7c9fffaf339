/* slots.c - sizing and allocating open-addressed tables (slots.h). */
#include "base/slots.h"

#include <stdlib.h>

uint32_t pf_slots_for_load_half(uint64_t limit, uint32_t min) {
  uint64_t slots = min ? min : 1;
  while (slots < 2 * limit && slots <= PF_SLOTS_MAX) /* limit < 2^63 */
    slots <<= 1;
  return slots > PF_SLOTS_MAX ? 0 : (uint32_t)slots;
}

bool pf_slots_alloc(struct pf_slots_mem *m, uint32_t slots, size_t slot_size,
                    size_t items, size_t item_size) {
  m->slots = calloc(slots, slot_size);
  m->items = calloc(items, item_size);
  if (m->slots && (m->items || !items))
    return true;
  pf_slots_free(m->slots, m->items);
  m->slots = m->items = NULL;
  return false;
}

void pf_slots_free(void *slots, void *items) {
  free(slots);
  free(items);
}
