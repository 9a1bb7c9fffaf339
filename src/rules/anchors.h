/* anchors.h - the anchors of a YAML document being read (&name), found by
 * name in constant time, with the weight of the node each names: how many
 * nodes an alias to it (*name) stands for. */
#ifndef PCAPFLOW_RULES_ANCHORS_H
#define PCAPFLOW_RULES_ANCHORS_H

#include <stddef.h>
#include <stdint.h>

struct pf_yanchor {
  size_t name_at; /* the name: in the document's text, NUL-terminated */
  uint32_t name_len;
  uint32_t node;   /* the node it names */
  uint32_t weight; /* nodes, aliases expanded; 0 while the node is open */
  uint32_t line, col;
};

struct pf_yanchors {
  struct pf_yanchor *v;
  size_t n, cap;
  uint32_t *slots; /* open addressing: anchor index + 1, 0 when empty */
  uint32_t n_slots;
  uint64_t seed[4]; /* names are the file's: hashed with the secret seed */
};

void pf_yanchors_init(struct pf_yanchors *a);
void pf_yanchors_free(struct pf_yanchors *a);

/* The anchor called name[0 .. len) (`text` is the document's text), or
 * NULL. */
struct pf_yanchor *pf_yanchors_find(const struct pf_yanchors *a,
                                    const char *text, const char *name,
                                    size_t len);

/* Adds an anchor whose name is already in `text` at name_at; the new
 * anchor, or NULL when out of memory. */
struct pf_yanchor *pf_yanchors_add(struct pf_yanchors *a, const char *text,
                                   struct pf_yanchor anchor);

#endif
