/* ydoc.h - a rules file's YAML as a compact tree, built one parser event
 * at a time with every cap of docs/RULES.md ("Limits and costs") checked
 * before the memory it guards is spent: nodes counted with every alias
 * expanded, nesting, and the length of each scalar.
 *
 * Why not libyaml's own document: it builds the whole tree before anything
 * can be checked (a 16 MiB list took 690 MB and 2.5 s to be refused), at
 * about 300 bytes a scalar; and it leaves aliases for the reader to
 * expand, so that 400 KB of aliases made the schema and compiler build
 * 12.7 million values. Here a node costs 20 bytes plus its text, and an
 * alias is weighed when it is read. */
#ifndef PCAPFLOW_RULES_YDOC_H
#define PCAPFLOW_RULES_YDOC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/error.h"

enum pf_ytype {
  PF_YSCALAR = 1,
  PF_YSEQ,
  PF_YMAP,
};

struct pf_ynode {
  uint8_t type;       /* enum pf_ytype */
  uint8_t plain;      /* a plain scalar: the null spellings apply */
  uint32_t line, col; /* where it starts, 0-based */
  /* A scalar: its text at doc->text + at, n bytes (and a NUL). A list: its
   * n items at doc->kids + at. A mapping: its n pairs at doc->kids + at,
   * key then value. An alias is its anchor's node. */
  uint32_t at, n;
};

struct pf_ydoc {
  struct pf_ynode *nodes;
  size_t n_nodes, cap_nodes;
  uint32_t *kids;
  size_t n_kids, cap_kids;
  char *text;
  size_t n_text, cap_text;
  uint32_t root;
};

/* Parses text[0 .. len) into *doc: exactly one document with a root, or
 * one message at its line and column. `stop` (may be NULL) is looked at
 * between events: once it is set the parse gives up. On success the caller
 * frees *doc. */
int pf_ydoc_load(const char *text, size_t len, const atomic_bool *stop,
                 struct pf_ydoc *doc, struct pf_rules_err *e);
void pf_ydoc_free(struct pf_ydoc *doc);

static inline const struct pf_ynode *pf_ynode(const struct pf_ydoc *d,
                                              uint32_t id) {
  return &d->nodes[id];
}

static inline const char *pf_ytext(const struct pf_ydoc *d,
                                   const struct pf_ynode *n) {
  return d->text + n->at;
}

/* Child i of a list, or key (2i) and value (2i + 1) of pair i. */
static inline const struct pf_ynode *
pf_ykid(const struct pf_ydoc *d, const struct pf_ynode *n, uint32_t i) {
  return &d->nodes[d->kids[n->at + i]];
}

#endif
