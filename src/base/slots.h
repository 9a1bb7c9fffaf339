/* slots.h - sizing and allocating the engine's open-addressed tables (TLS
 * server names, top-N names, DNS queries waiting for their response): a
 * power of two of slots, at least twice the entries the table may hold, so
 * that at most half are ever taken, a probe stays short and always ends at
 * a free slot; and the table's two zeroed arrays (the slots, and the
 * entries or marks that go with them), allocated and freed together. */
#ifndef PCAPFLOW_BASE_SLOTS_H
#define PCAPFLOW_BASE_SLOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most slots a table may have: its mask fits 32 bits. */
#define PF_SLOTS_MAX 0x80000000u

/* The slots for up to `limit` entries: the least power of two that is at
 * least 2 x limit and at least `min` (a power of two, at least 1); 0 when
 * that would pass PF_SLOTS_MAX. */
uint32_t pf_slots_for_load_half(uint64_t limit, uint32_t min);

/* A table's two arrays. */
struct pf_slots_mem {
  void *slots; /* `slots` entries of slot_size bytes, zeroed */
  void *items; /* `items` entries of item_size bytes, zeroed */
};

/* Allocates both arrays (calloc: the pages of a large table are mapped as
 * they are used). Returns false, with nothing allocated, when either does
 * not fit in memory. */
bool pf_slots_alloc(struct pf_slots_mem *m, uint32_t slots, size_t slot_size,
                    size_t items, size_t item_size);

/* Frees what pf_slots_alloc gave (either may be NULL). */
void pf_slots_free(void *slots, void *items);

#endif
