/* rules.c - the rules API: load (read, check, compile), references, and
 * what a loaded set tells about its classes and local networks. */
#include "rules/compiled.h"
#include "rules/file.h"
#include "rules/load.h"
#include "rules/schema.h"
#include "rules/ydoc.h"

#include <stdlib.h>
#include <string.h>

/* ---- loading ---- */

static int pf_stopped(const atomic_bool *stop, struct pf_rules_err *e) {
  if (!stop || !atomic_load_explicit(stop, memory_order_relaxed))
    return 0;
  return pf_rules_fail(e, "reading stopped");
}

int pf_rules_parse_text(const char *path, const char *text, size_t len,
                        const atomic_bool *stop, struct pf_rules **out,
                        struct pf_rules_err *e) {
  struct pf_ydoc doc;
  if (pf_ydoc_load(text, len, stop, &doc, e) != 0)
    return -1;
  struct pf_rules_def def;
  memset(&def, 0, sizeof(def));
  int rc = pf_rules_schema(&doc, &def, e);
  pf_ydoc_free(&doc);
  if (rc == 0)
    rc = pf_stopped(stop, e);
  if (rc == 0)
    rc = pf_rules_compile(&def, path, out, e);
  pf_rules_def_free(&def);
  return rc;
}

int pf_rules_parse(const char *path, const char *text, size_t len,
                   struct pf_rules **out, char *err, size_t errlen) {
  struct pf_rules_err e = {path, err, errlen};
  return pf_rules_parse_text(path, text, len, NULL, out, &e);
}

int pf_rules_load_file(const char *path, const atomic_bool *stop,
                       struct pf_rules **out, struct pf_rules_stamp *stamp,
                       struct pf_rules_err *e) {
  char *text = NULL;
  size_t len = 0;
  int rc = pf_rules_read_file(path, stop, &text, &len, stamp, e);
  if (rc != 0)
    return rc;
  rc = pf_rules_parse_text(path, text, len, stop, out, e);
  free(text);
  return rc;
}

int pf_rules_load(const char *path, struct pf_rules **out, char *err,
                  size_t errlen) {
  struct pf_rules_err e = {path, err, errlen};
  struct pf_rules_stamp stamp;
  return pf_rules_load_file(path, NULL, out, &stamp, &e) == 0 ? 0 : -1;
}

struct pf_rules *pf_rules_ref(struct pf_rules *rules) {
  atomic_fetch_add_explicit(&rules->refs, 1, memory_order_relaxed);
  return rules;
}

void pf_rules_free(struct pf_rules *rules) {
  if (rules &&
      atomic_fetch_sub_explicit(&rules->refs, 1, memory_order_acq_rel) == 1)
    pf_rules_destroy(rules);
}

/* ---- classes ---- */

size_t pf_rules_class_count(const struct pf_rules *rules) {
  return rules->n_classes + 1;
}

size_t pf_rules_unclassified(const struct pf_rules *rules) {
  return rules->n_classes;
}

const char *pf_rules_class_name(const struct pf_rules *rules, size_t index) {
  return index <= rules->n_classes ? rules->names[index] : NULL;
}

int pf_rules_class_index(const struct pf_rules *rules, const char *name) {
  for (size_t i = 0; i <= rules->n_classes; i++)
    if (strcmp(rules->names[i], name) == 0)
      return (int)i;
  return -1;
}

void pf_rules_class_map(const struct pf_rules *from, const struct pf_rules *to,
                        int *map) {
  /* Names are unique within a set, so a set maps onto itself: the reader
   * asks this of the set in force at every read. */
  for (size_t i = 0; i <= from->n_classes; i++)
    map[i] = from == to ? (int)i : pf_rules_class_index(to, from->names[i]);
}

/* ---- local networks ---- */

size_t pf_rules_local_count(const struct pf_rules *rules) {
  return rules->n_local;
}

const struct pf_prefix *pf_rules_local_prefix(const struct pf_rules *rules,
                                              size_t index) {
  return index < rules->n_local ? &rules->local[index] : NULL;
}

int pf_rules_add_local(const struct pf_rules *rules, struct pf_localnet *set,
                       char *err, size_t errlen) {
  for (size_t i = 0; i < rules->n_local; i++)
    if (pf_localnet_add(set, &rules->local[i], err, errlen) != 0)
      return -1;
  return 0;
}

/* ---- about the set ---- */

const char *pf_rules_path(const struct pf_rules *rules) { return rules->path; }

size_t pf_rules_memory(const struct pf_rules *rules) {
  return sizeof(*rules) + strlen(rules->path) + 1 +
         (rules->n_classes + 1) * sizeof(*rules->names) +
         rules->n_local * sizeof(*rules->local) +
         pf_table_memory(&rules->protocol) + pf_table_memory(&rules->dscp) +
         pf_table_memory(&rules->vlan) + pf_table_memory(&rules->port) +
         pf_trie_memory(&rules->v4) + pf_trie_memory(&rules->v6);
}
