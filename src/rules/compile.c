/* compile.c - a validated definition compiled into the lookup
 * structures the classifier reads: per dimension, a table or a trie from a
 * value to the classes it admits, and the masks of classes that ask
 * nothing of a dimension. */
#include "rules/compiled.h"
#include "rules/groups.h"

#include <stdlib.h>
#include <string.h>

static const uint32_t pf_domain[PF_DIM_COUNT] = {
    [PF_DIM_PROTOCOL] = 256,
    [PF_DIM_DSCP] = 64,
    [PF_DIM_VLAN] = 4096,
    [PF_DIM_PORT] = 65536,
};

static bool pf_class_gives(const struct pf_class_def *c, enum pf_dim dim,
                           int role) {
  for (int f = 0; f < PF_FIELD_COUNT; f++)
    if (c->field[f].given && pf_fields[f].dim == dim &&
        (role < 0 || (int)pf_fields[f].role == role))
      return true;
  return false;
}

/* Per role of `dim`: the classes that leave that role open, which every
 * value of the dimension admits. */
static struct pf_group pf_base_group(const struct pf_rules_def *def,
                                     enum pf_dim dim) {
  struct pf_group base;
  memset(&base, 0, sizeof(base));
  for (int role = 0; role < PF_ROLE_COUNT; role++)
    for (size_t c = 0; c < def->n_classes; c++)
      if (!pf_class_gives(&def->classes[c], dim, role))
        pf_mask_set(&base.m[role], (unsigned)c);
  return base;
}

static size_t pf_count_values(const struct pf_rules_def *def, enum pf_dim dim) {
  size_t n = 0;
  for (size_t c = 0; c < def->n_classes; c++)
    for (int f = 0; f < PF_FIELD_COUNT; f++)
      if (pf_fields[f].dim == dim)
        n += def->classes[c].field[f].n;
  return n;
}

static int pf_compile_table(const struct pf_rules_def *def, enum pf_dim dim,
                            struct pf_table *t, struct pf_rules_err *e) {
  size_t n = pf_count_values(def, dim), k = 0;
  struct pf_table_item *items = malloc((n + 1) * sizeof(*items));
  if (!items)
    return pf_rules_fail(e, "out of memory compiling the rules");
  for (size_t c = 0; c < def->n_classes; c++)
    for (int f = 0; f < PF_FIELD_COUNT; f++) {
      if (pf_fields[f].dim != dim)
        continue;
      const struct pf_field_def *fd = &def->classes[c].field[f];
      for (size_t i = 0; i < fd->n; i++)
        items[k++] =
            (struct pf_table_item){fd->ranges[i].lo, fd->ranges[i].hi,
                                   (uint8_t)pf_fields[f].role, (uint8_t)c};
    }
  struct pf_group base = pf_base_group(def, dim);
  int rc = pf_table_build(t, pf_domain[dim], items, k, &base, e);
  free(items);
  return rc;
}

static int pf_compile_tries(const struct pf_rules_def *def, struct pf_rules *r,
                            struct pf_rules_err *e) {
  size_t n = pf_count_values(def, PF_DIM_ADDR), n4 = 0, n6 = 0;
  struct pf_trie_item *v4 = malloc((n + 1) * sizeof(*v4));
  struct pf_trie_item *v6 = malloc((n + 1) * sizeof(*v6));
  if (!v4 || !v6) {
    free(v4);
    free(v6);
    return pf_rules_fail(e, "out of memory compiling the rules");
  }
  for (size_t c = 0; c < def->n_classes; c++)
    for (int f = 0; f < PF_FIELD_COUNT; f++) {
      if (pf_fields[f].dim != PF_DIM_ADDR)
        continue;
      const struct pf_field_def *fd = &def->classes[c].field[f];
      for (size_t i = 0; i < fd->n; i++) {
        struct pf_trie_item it = {&fd->prefixes[i], &fd->pos[i], (uint8_t)f,
                                  (uint8_t)pf_fields[f].role, (uint8_t)c};
        if (fd->prefixes[i].family == 4)
          v4[n4++] = it;
        else
          v6[n6++] = it;
      }
    }
  struct pf_group base = pf_base_group(def, PF_DIM_ADDR);
  int rc = pf_trie_build(&r->v4, v4, n4, &base, e);
  if (rc == 0)
    rc = pf_trie_build(&r->v6, v6, n6, &base, e);
  free(v4);
  free(v6);
  return rc;
}

/* The masks of classes that a packet lacking a field can still match. */
static void pf_compile_masks(const struct pf_rules_def *def,
                             struct pf_rules *r) {
  for (size_t c = 0; c < def->n_classes; c++) {
    const struct pf_class_def *cls = &def->classes[c];
    bool ip_level = false;
    for (int f = 0; f < PF_FIELD_COUNT; f++)
      if (cls->field[f].given && pf_fields[f].ip_level)
        ip_level = true;
    pf_mask_set(&r->all, (unsigned)c);
    if (!ip_level)
      pf_mask_set(&r->non_ip, (unsigned)c);
    if (!pf_class_gives(cls, PF_DIM_PORT, -1))
      pf_mask_set(&r->no_ports, (unsigned)c);
    if (!pf_class_gives(cls, PF_DIM_VLAN, -1))
      pf_mask_set(&r->untagged, (unsigned)c);
    for (int d = 0; d < PF_DIM_COUNT; d++)
      if (pf_class_gives(cls, (enum pf_dim)d, -1))
        r->used[d] = true;
  }
}

void pf_rules_destroy(struct pf_rules *r) {
  pf_table_free(&r->protocol);
  pf_table_free(&r->dscp);
  pf_table_free(&r->vlan);
  pf_table_free(&r->port);
  pf_trie_free(&r->v4);
  pf_trie_free(&r->v6);
  free(r->local);
  free(r->names);
  free(r->path);
  free(r);
}

int pf_rules_compile(const struct pf_rules_def *def, const char *path,
                     struct pf_rules **out, struct pf_rules_err *e) {
  struct pf_rules *r = calloc(1, sizeof(*r));
  if (!r)
    return pf_rules_fail(e, "out of memory compiling the rules");
  atomic_init(&r->refs, 1);
  r->n_classes = def->n_classes;
  r->path = strdup(path);
  r->names = calloc(def->n_classes + 1, sizeof(*r->names));
  r->n_local = def->n_local;
  r->local = malloc((def->n_local + 1) * sizeof(*r->local));
  if (!r->path || !r->names || !r->local) {
    pf_rules_destroy(r);
    return pf_rules_fail(e, "out of memory compiling the rules");
  }
  for (size_t c = 0; c < def->n_classes; c++)
    memcpy(r->names[c], def->classes[c].name, sizeof(r->names[c]));
  memcpy(r->names[def->n_classes], PF_RULES_UNCLASSIFIED,
         sizeof(PF_RULES_UNCLASSIFIED));
  if (def->n_local)
    memcpy(r->local, def->local, def->n_local * sizeof(*r->local));

  pf_compile_masks(def, r);
  struct pf_table *tables[PF_DIM_COUNT] = {
      [PF_DIM_PROTOCOL] = &r->protocol,
      [PF_DIM_DSCP] = &r->dscp,
      [PF_DIM_VLAN] = &r->vlan,
      [PF_DIM_PORT] = &r->port,
  };
  for (int d = 0; d < PF_DIM_COUNT; d++) {
    if (!r->used[d])
      continue;
    int rc = d == PF_DIM_ADDR
                 ? pf_compile_tries(def, r, e)
                 : pf_compile_table(def, (enum pf_dim)d, tables[d], e);
    if (rc != 0) {
      pf_rules_destroy(r);
      return -1;
    }
  }
  *out = r;
  return 0;
}
