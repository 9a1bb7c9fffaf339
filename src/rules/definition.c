/* definition.c - the growing arrays of a rules definition while a file is
 * checked. */
#include "rules/definition.h"
#include "rules/grow.h"

#include <stdlib.h>
#include <string.h>

/* Makes room for one more element of `elem` bytes. */
static int pf_grow(void **array, size_t *cap, size_t n, size_t elem) {
  return pf_reserve(array, cap, n + 1, elem, 4);
}

struct pf_class_def *pf_rules_def_add_class(struct pf_rules_def *def) {
  if (pf_grow((void **)&def->classes, &def->cap_classes, def->n_classes,
              sizeof(*def->classes)) != 0)
    return NULL;
  struct pf_class_def *cls = &def->classes[def->n_classes++];
  memset(cls, 0, sizeof(*cls));
  return cls;
}

int pf_rules_def_add_local(struct pf_rules_def *def,
                           const struct pf_prefix *p) {
  if (pf_grow((void **)&def->local, &def->cap_local, def->n_local,
              sizeof(*def->local)) != 0)
    return -1;
  def->local[def->n_local++] = *p;
  return 0;
}

int pf_field_add_range(struct pf_field_def *f, struct pf_range r) {
  if (pf_grow((void **)&f->ranges, &f->cap, f->n, sizeof(*f->ranges)) != 0)
    return -1;
  f->ranges[f->n++] = r;
  return 0;
}

int pf_field_add_prefix(struct pf_field_def *f, const struct pf_prefix *p,
                        struct pf_pos pos) {
  size_t cap = f->cap;
  if (pf_grow((void **)&f->prefixes, &cap, f->n, sizeof(*f->prefixes)) != 0 ||
      pf_grow((void **)&f->pos, &f->cap, f->n, sizeof(*f->pos)) != 0)
    return -1;
  f->prefixes[f->n] = *p;
  f->pos[f->n++] = pos;
  return 0;
}

void pf_rules_def_free(struct pf_rules_def *def) {
  for (size_t i = 0; i < def->n_classes; i++)
    for (int f = 0; f < PF_FIELD_COUNT; f++) {
      free(def->classes[i].field[f].ranges);
      free(def->classes[i].field[f].prefixes);
      free(def->classes[i].field[f].pos);
    }
  free(def->classes);
  free(def->local);
  memset(def, 0, sizeof(*def));
}
