/* compiled.h - the compiled rule set the classifier reads, and its
 * build from a definition.
 *
 * The pipeline: file.c reads the file, ydoc.c parses it into a compact
 * tree under the caps of rules.h, schema.c
 * (with values.c for scalars) validates it into a struct pf_rules_def,
 * compile.c builds a struct pf_rules from that with value tables (table.c)
 * and prefix tries (trie.c), whose masks are interned by groups.c;
 * classify.c reads it. */
#ifndef PCAPFLOW_RULES_COMPILED_H
#define PCAPFLOW_RULES_COMPILED_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "pcapflow/rules.h"
#include "rules/definition.h"
#include "rules/error.h"
#include "rules/table.h"
#include "rules/trie.h"

struct pf_rules {
  atomic_size_t refs;
  char *path;
  size_t n_classes; /* the file's; `unclassified` is index n_classes */
  char (*names)[PF_RULES_NAME_MAX]; /* n_classes + 1 */
  struct pf_prefix *local;
  size_t n_local;

  struct pf_mask all;      /* every class */
  struct pf_mask non_ip;   /* classes without IP-level fields */
  struct pf_mask no_ports; /* classes without port fields */
  struct pf_mask untagged; /* classes without VLAN fields */
  bool used[PF_DIM_COUNT]; /* some class constrains the dimension */
  struct pf_table protocol, dscp, vlan, port;
  struct pf_trie v4, v6;
};

/* Builds the compiled set from a definition (which stays the caller's). */
int pf_rules_compile(const struct pf_rules_def *def, const char *path,
                     struct pf_rules **out, struct pf_rules_err *e);
/* Frees a set whatever its reference count. */
void pf_rules_destroy(struct pf_rules *r);

#endif
