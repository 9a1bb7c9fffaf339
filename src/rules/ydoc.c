/* ydoc.c - a rules file's YAML read one libyaml event at a time into a
 * compact tree (ydoc.h), each cap checked at the event that would exceed
 * it, before anything of that event is stored; an alias is never copied. */
#include "rules/ydoc.h"

#include "pcapflow/rules.h"
#include "rules/anchors.h"
#include "rules/grow.h"
#include "rules/values.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* A list or mapping whose end has not been read yet. */
struct pf_yopen {
  uint32_t node;
  size_t kids_from; /* its children so far: pending[kids_from ..] */
  uint64_t weight;  /* itself and its children, aliases expanded */
  int64_t anchor;   /* the anchor naming it, or -1 */
};

struct pf_ybuild {
  struct pf_ydoc *doc;
  struct pf_rules_err *e;
  struct pf_yopen open[PF_RULES_MAX_DEPTH];
  int depth;
  uint32_t *pending; /* children of the open collections, in order */
  size_t n_pending, cap_pending;
  struct pf_yanchors anchors;
  uint64_t expanded; /* nodes read so far, every alias expanded */
  bool has_root;
};

static int pf_oom(struct pf_ybuild *b) {
  return pf_rules_fail(b->e, "out of memory reading YAML");
}

/* ---- nodes ---- */

/* Counts `weight` more nodes, refusing past the cap before anything is
 * stored; `alias` names the alias that brought them, or is NULL. */
static int pf_count(struct pf_ybuild *b, uint64_t weight, yaml_mark_t at,
                    const char *alias) {
  b->expanded += weight;
  if (b->expanded <= PF_RULES_MAX_NODES)
    return 0;
  if (alias)
    return pf_rules_fail_at(
        b->e, at.line, at.column,
        "alias *%s stands for %llu nodes, which makes more than %u YAML "
        "nodes with aliases expanded, the limit for a rules file",
        alias, (unsigned long long)weight, PF_RULES_MAX_NODES);
  return pf_rules_fail_at(b->e, at.line, at.column,
                          "more than %u YAML nodes (keys, values, lists and "
                          "mappings), the limit for a rules file",
                          PF_RULES_MAX_NODES);
}

static int64_t pf_new_node(struct pf_ybuild *b, enum pf_ytype type,
                           yaml_mark_t at) {
  struct pf_ydoc *d = b->doc;
  if (pf_reserve((void **)&d->nodes, &d->cap_nodes, d->n_nodes + 1,
                 sizeof(*d->nodes), 64) != 0)
    return pf_oom(b);
  d->nodes[d->n_nodes] = (struct pf_ynode){.type = (uint8_t)type,
                                           .line = (uint32_t)at.line,
                                           .col = (uint32_t)at.column};
  return (int64_t)d->n_nodes++;
}

/* Appends bytes and a NUL to the document's text; their offset, or -1. */
static int64_t pf_add_text(struct pf_ybuild *b, const void *bytes, size_t n) {
  struct pf_ydoc *d = b->doc;
  if (pf_reserve((void **)&d->text, &d->cap_text, d->n_text + n + 1, 1, 4096) !=
      0)
    return pf_oom(b);
  size_t at = d->n_text;
  if (n)
    memcpy(d->text + at, bytes, n);
  d->text[at + n] = '\0';
  d->n_text += n + 1;
  return (int64_t)at;
}

/* A finished node becomes the next child of the innermost open
 * collection, or the root. */
static int pf_attach(struct pf_ybuild *b, uint32_t node, uint64_t weight) {
  if (b->depth == 0) {
    b->doc->root = node;
    b->has_root = true;
    return 0;
  }
  if (pf_reserve((void **)&b->pending, &b->cap_pending, b->n_pending + 1,
                 sizeof(*b->pending), 64) != 0)
    return pf_oom(b);
  b->pending[b->n_pending++] = node;
  b->open[b->depth - 1].weight += weight;
  return 0;
}

/* ---- anchors and aliases ---- */

/* Anchor names are letters, digits, '-' and '_' (libyaml scans no
 * others): printed as they are, at most this much of them. */
#define PF_NAME_SHOWN 64

static int pf_check_name(struct pf_ybuild *b, const yaml_char_t *name,
                         yaml_mark_t at, size_t *len) {
  *len = strlen((const char *)name);
  if (*len <= PF_RULES_MAX_SCALAR)
    return 0;
  return pf_rules_fail_at(b->e, at.line, at.column,
                          "anchor or alias name %.*s... is %zu bytes long; a "
                          "name is at most %u",
                          PF_NAME_SHOWN, (const char *)name, *len,
                          PF_RULES_MAX_SCALAR);
}

/* Registers &name for `node`; its index, or -1 with the message. */
static int64_t pf_anchor(struct pf_ybuild *b, const yaml_char_t *name,
                         uint32_t node, uint32_t weight, yaml_mark_t at) {
  size_t len;
  if (pf_check_name(b, name, at, &len) != 0)
    return -1;
  const struct pf_yanchor *old =
      pf_yanchors_find(&b->anchors, b->doc->text, (const char *)name, len);
  if (old)
    return pf_rules_fail_at(b->e, at.line, at.column,
                            "anchor &%s is defined twice (first on line %u, "
                            "column %u)",
                            (const char *)name, old->line + 1, old->col + 1);
  int64_t name_at = pf_add_text(b, name, len);
  if (name_at < 0)
    return -1;
  struct pf_yanchor *x = pf_yanchors_add(
      &b->anchors, b->doc->text,
      (struct pf_yanchor){(size_t)name_at, (uint32_t)len, node, weight,
                          (uint32_t)at.line, (uint32_t)at.column});
  if (!x)
    return pf_oom(b);
  return x - b->anchors.v;
}

static int pf_alias(struct pf_ybuild *b, const yaml_event_t *ev) {
  const yaml_char_t *name = ev->data.alias.anchor;
  yaml_mark_t at = ev->start_mark;
  size_t len;
  if (pf_check_name(b, name, at, &len) != 0)
    return -1;
  const struct pf_yanchor *x =
      pf_yanchors_find(&b->anchors, b->doc->text, (const char *)name, len);
  if (!x)
    return pf_rules_fail_at(b->e, at.line, at.column,
                            "malformed YAML: found undefined alias");
  if (x->weight == 0)
    return pf_rules_fail_at(b->e, at.line, at.column,
                            "alias *%s is inside the node its anchor names "
                            "(on line %u): a structure that contains itself",
                            (const char *)name, x->line + 1);
  uint32_t node = x->node, weight = x->weight;
  if (pf_count(b, weight, at, (const char *)name) != 0)
    return -1;
  return pf_attach(b, node, weight);
}

/* ---- events ---- */

static int pf_scalar(struct pf_ybuild *b, const yaml_event_t *ev) {
  size_t len = ev->data.scalar.length;
  yaml_mark_t at = ev->start_mark;
  if (len > PF_RULES_MAX_SCALAR) {
    char quoted[64];
    pf_quote((const char *)ev->data.scalar.value, len, quoted, sizeof(quoted));
    return pf_rules_fail_at(b->e, at.line, at.column,
                            "%s is %zu bytes long; a key or value is at most "
                            "%u",
                            quoted, len, PF_RULES_MAX_SCALAR);
  }
  int64_t node, text;
  if (pf_count(b, 1, at, NULL) != 0 ||
      (node = pf_new_node(b, PF_YSCALAR, at)) < 0 ||
      (text = pf_add_text(b, ev->data.scalar.value, len)) < 0)
    return -1;
  struct pf_ynode *n = &b->doc->nodes[node];
  n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
  n->at = (uint32_t)text;
  n->n = (uint32_t)len;
  if (ev->data.scalar.anchor &&
      pf_anchor(b, ev->data.scalar.anchor, (uint32_t)node, 1, at) < 0)
    return -1;
  return pf_attach(b, (uint32_t)node, 1);
}

static int pf_start(struct pf_ybuild *b, const yaml_event_t *ev,
                    enum pf_ytype type, const yaml_char_t *anchor) {
  yaml_mark_t at = ev->start_mark;
  if (b->depth == PF_RULES_MAX_DEPTH)
    return pf_rules_fail_at(b->e, at.line, at.column,
                            "lists and mappings nested more than %d deep; a "
                            "rules file needs 4",
                            PF_RULES_MAX_DEPTH);
  int64_t node, index = -1;
  if (pf_count(b, 1, at, NULL) != 0 || (node = pf_new_node(b, type, at)) < 0)
    return -1;
  if (anchor && (index = pf_anchor(b, anchor, (uint32_t)node, 0, at)) < 0)
    return -1;
  b->open[b->depth++] =
      (struct pf_yopen){(uint32_t)node, b->n_pending, 1, index};
  return 0;
}

/* The children read since the start move, contiguous, to doc->kids. */
static int pf_end(struct pf_ybuild *b) {
  struct pf_yopen o = b->open[--b->depth];
  struct pf_ydoc *d = b->doc;
  size_t n = b->n_pending - o.kids_from;
  if (pf_reserve((void **)&d->kids, &d->cap_kids, d->n_kids + n,
                 sizeof(*d->kids), 64) != 0)
    return pf_oom(b);
  if (n)
    memcpy(d->kids + d->n_kids, b->pending + o.kids_from, n * sizeof(*d->kids));
  struct pf_ynode *node = &d->nodes[o.node];
  node->at = (uint32_t)d->n_kids;
  node->n = (uint32_t)(node->type == PF_YMAP ? n / 2 : n);
  d->n_kids += n;
  b->n_pending = o.kids_from;
  if (o.anchor >= 0)
    b->anchors.v[o.anchor].weight = (uint32_t)o.weight;
  return pf_attach(b, o.node, o.weight);
}

/* ---- libyaml's errors ---- */

/* libyaml's reader errors carry a byte offset, not a mark. */
static void pf_offset_position(const char *text, size_t len, size_t offset,
                               size_t *line0, size_t *col0) {
  *line0 = 0;
  *col0 = 0;
  for (size_t i = 0; i < offset && i < len; i++) {
    if (text[i] == '\n') {
      (*line0)++;
      *col0 = 0;
    } else {
      (*col0)++;
    }
  }
}

static int pf_yaml_error(const yaml_parser_t *p, const char *text, size_t len,
                         struct pf_rules_err *e) {
  const char *problem = p->problem ? p->problem : "unknown error";
  if (p->error == YAML_MEMORY_ERROR)
    return pf_rules_fail(e, "out of memory parsing YAML");
  if (p->error == YAML_READER_ERROR) {
    size_t line0, col0;
    pf_offset_position(text, len, p->problem_offset, &line0, &col0);
    if (p->problem_value != -1)
      return pf_rules_fail_at(e, line0, col0,
                              "malformed YAML: %s (byte 0x%02x)", problem,
                              (unsigned)p->problem_value & 0xff);
    return pf_rules_fail_at(e, line0, col0, "malformed YAML: %s", problem);
  }
  if (p->context)
    return pf_rules_fail_at(e, p->problem_mark.line, p->problem_mark.column,
                            "malformed YAML: %s (%s at line %zu, column %zu)",
                            problem, p->context, p->context_mark.line + 1,
                            p->context_mark.column + 1);
  return pf_rules_fail_at(e, p->problem_mark.line, p->problem_mark.column,
                          "malformed YAML: %s", problem);
}

/* ---- the event loop ---- */

/* One event into the tree; *done at the end of the stream. */
static int pf_event(struct pf_ybuild *b, const yaml_event_t *ev, bool *done) {
  switch (ev->type) {
  case YAML_DOCUMENT_START_EVENT:
    /* A second document would be ignored silently by a reader that stops
     * at the first; refuse it instead. */
    if (b->has_root)
      return pf_rules_fail_at(b->e, ev->start_mark.line, ev->start_mark.column,
                              "a second YAML document; a rules file holds "
                              "exactly one");
    return 0;
  case YAML_SCALAR_EVENT:
    return pf_scalar(b, ev);
  case YAML_ALIAS_EVENT:
    return pf_alias(b, ev);
  case YAML_SEQUENCE_START_EVENT:
    return pf_start(b, ev, PF_YSEQ, ev->data.sequence_start.anchor);
  case YAML_MAPPING_START_EVENT:
    return pf_start(b, ev, PF_YMAP, ev->data.mapping_start.anchor);
  case YAML_SEQUENCE_END_EVENT:
  case YAML_MAPPING_END_EVENT:
    return pf_end(b);
  case YAML_STREAM_END_EVENT:
    *done = true;
    return 0;
  default:
    return 0;
  }
}

static int pf_stopped(const atomic_bool *stop, struct pf_rules_err *e) {
  if (!stop || !atomic_load_explicit(stop, memory_order_relaxed))
    return 0;
  return pf_rules_fail(e, "reading stopped");
}

static int pf_events(yaml_parser_t *parser, struct pf_ybuild *b,
                     const char *text, size_t len, const atomic_bool *stop) {
  for (bool done = false; !done;) {
    yaml_event_t ev;
    if (pf_stopped(stop, b->e) != 0)
      return -1;
    if (!yaml_parser_parse(parser, &ev))
      return pf_yaml_error(parser, text, len, b->e);
    int rc = pf_event(b, &ev, &done);
    yaml_event_delete(&ev);
    if (rc != 0)
      return -1;
  }
  if (!b->has_root)
    return pf_rules_fail_at(b->e, 0, 0,
                            "the file is empty; expected a mapping with "
                            "\"local_networks\" and/or \"classes\"");
  return 0;
}

int pf_ydoc_load(const char *text, size_t len, const atomic_bool *stop,
                 struct pf_ydoc *doc, struct pf_rules_err *e) {
  memset(doc, 0, sizeof(*doc));
  struct pf_ybuild b = {.doc = doc, .e = e};
  pf_yanchors_init(&b.anchors);
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser))
    return pf_rules_fail(e, "out of memory parsing YAML");
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  int rc = pf_events(&parser, &b, text, len, stop);
  yaml_parser_delete(&parser);
  pf_yanchors_free(&b.anchors);
  free(b.pending);
  if (rc != 0)
    pf_ydoc_free(doc);
  return rc;
}

void pf_ydoc_free(struct pf_ydoc *doc) {
  free(doc->nodes);
  free(doc->kids);
  free(doc->text);
  memset(doc, 0, sizeof(*doc));
}
