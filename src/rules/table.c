/* table.c - a numeric dimension (protocol, DSCP, VLAN, port) compiled
 * into a table from each value to the group of classes it admits.
 *
 * Built by a sweep over the range ends in order, so compiling costs
 * O(ranges log ranges + domain) whatever the ranges cover. */
#include "rules/table.h"

#include <stdlib.h>
#include <string.h>

struct pf_table_event {
  uint32_t at; /* first value the change applies to */
  int8_t delta;
  uint8_t role;
  uint8_t cls;
};

static int pf_event_cmp(const void *a, const void *b) {
  const struct pf_table_event *x = a, *y = b;
  return x->at < y->at ? -1 : x->at > y->at;
}

int pf_table_build(struct pf_table *t, uint32_t domain,
                   const struct pf_table_item *items, size_t n,
                   const struct pf_group *base, struct pf_rules_err *e) {
  memset(t, 0, sizeof(*t));
  t->domain = domain;
  t->index = malloc(domain * sizeof(*t->index));
  struct pf_table_event *events = malloc((2 * n + 1) * sizeof(*events));
  /* How many of a class's ranges cover the current value, per role:
   * ranges of one class may overlap. */
  uint32_t(*cover)[PF_ROLE_COUNT] =
      calloc(PF_RULES_MAX_CLASSES, sizeof(*cover));
  struct pf_groups groups;
  bool groups_ok = pf_groups_init(&groups, base) == 0;
  if (!t->index || !events || !cover || !groups_ok)
    goto oom;

  size_t n_events = 0;
  for (size_t i = 0; i < n; i++) {
    events[n_events++] =
        (struct pf_table_event){items[i].lo, +1, items[i].role, items[i].cls};
    if (items[i].hi + 1 < domain)
      events[n_events++] = (struct pf_table_event){items[i].hi + 1, -1,
                                                   items[i].role, items[i].cls};
  }
  qsort(events, n_events, sizeof(*events), pf_event_cmp);

  struct pf_group current = *base;
  size_t ev = 0;
  for (uint32_t at = 0; at < domain;) {
    for (; ev < n_events && events[ev].at == at; ev++) {
      struct pf_table_event *x = &events[ev];
      uint32_t *count = &cover[x->cls][x->role];
      if (x->delta > 0 && (*count)++ == 0)
        pf_mask_set(&current.m[x->role], x->cls);
      else if (x->delta < 0 && --(*count) == 0)
        pf_mask_clear(&current.m[x->role], x->cls);
    }
    int64_t idx = pf_groups_intern(&groups, &current);
    if (idx < 0)
      goto oom;
    /* At most one group per distinct value: always fits 16 bits. */
    uint32_t next = ev < n_events ? events[ev].at : domain;
    for (uint32_t v = at; v < next; v++)
      t->index[v] = (uint16_t)idx;
    at = next;
  }

  pf_groups_finish(&groups);
  t->groups = groups.v;
  t->n_groups = groups.n;
  free(events);
  free(cover);
  return 0;

oom:
  if (groups_ok)
    pf_groups_free(&groups);
  free(events);
  free(cover);
  free(t->index);
  t->index = NULL;
  return pf_rules_fail(e, "out of memory compiling the rules");
}

void pf_table_free(struct pf_table *t) {
  free(t->index);
  free(t->groups);
  memset(t, 0, sizeof(*t));
}

size_t pf_table_memory(const struct pf_table *t) {
  if (!t->index)
    return 0;
  return t->domain * sizeof(*t->index) + t->n_groups * sizeof(*t->groups);
}
