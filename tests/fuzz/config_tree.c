/* config_tree.c - collectd.conf-like text into oconfig_item_t trees (see
 * config_tree.h). Bounded: blocks nest at most FZ_MAX_DEPTH deep and an
 * item keeps at most FZ_MAX_VALUES values. */
#include "config_tree.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FZ_MAX_DEPTH 8
#define FZ_MAX_VALUES 16

struct fz_reader {
  const char *p, *end;
};

static bool fz_at_line_end(const struct fz_reader *r) {
  return r->p >= r->end || *r->p == '\n';
}

static void fz_skip_blanks(struct fz_reader *r) {
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\r'))
    r->p++;
}

/* A quoted string (the opening quote already consumed) or a bare word. */
static char *fz_read_token(struct fz_reader *r, bool quoted) {
  size_t cap = 16, n = 0;
  char *s = malloc(cap);
  if (!s)
    return NULL;
  while (r->p < r->end && *r->p != '\n') {
    char c = *r->p;
    if (quoted && c == '"') {
      r->p++;
      break;
    }
    if (!quoted && (c == ' ' || c == '\t' || c == '\r' || c == '>' || c == '"'))
      break;
    if (quoted && c == '\\' && r->p + 1 < r->end && r->p[1] != '\n') {
      r->p++;
      c = *r->p;
    }
    if (n + 1 >= cap) {
      char *grown = realloc(s, cap *= 2);
      if (!grown) {
        free(s);
        return NULL;
      }
      s = grown;
    }
    s[n++] = c;
    r->p++;
  }
  s[n] = '\0';
  return s;
}

static bool fz_is_number(const char *word, double *out) {
  if (!*word || strspn(word, "0123456789+-.eExXabcdefABCDEF") != strlen(word))
    return false;
  char *end;
  *out = strtod(word, &end);
  return *end == '\0';
}

/* Reads one value; returns false at the end of the values. */
static bool fz_read_value(struct fz_reader *r, oconfig_value_t *v, bool *oom) {
  fz_skip_blanks(r);
  if (fz_at_line_end(r) || *r->p == '>')
    return false;
  bool quoted = *r->p == '"';
  if (quoted)
    r->p++;
  char *word = fz_read_token(r, quoted);
  if (!word) {
    *oom = true;
    return false;
  }
  double number;
  if (!quoted && (!strcasecmp(word, "true") || !strcasecmp(word, "yes") ||
                  !strcasecmp(word, "on"))) {
    v->type = OCONFIG_TYPE_BOOLEAN;
    v->value.boolean = 1;
  } else if (!quoted && (!strcasecmp(word, "false") ||
                         !strcasecmp(word, "no") || !strcasecmp(word, "off"))) {
    v->type = OCONFIG_TYPE_BOOLEAN;
    v->value.boolean = 0;
  } else if (!quoted && fz_is_number(word, &number)) {
    v->type = OCONFIG_TYPE_NUMBER;
    v->value.number = number;
  } else {
    v->type = OCONFIG_TYPE_STRING;
    v->value.string = word;
    return true;
  }
  free(word);
  return true;
}

static oconfig_item_t *fz_add_child(oconfig_item_t *parent) {
  oconfig_item_t *grown = realloc(
      parent->children, (size_t)(parent->children_num + 1) * sizeof(*grown));
  if (!grown)
    return NULL;
  parent->children = grown;
  oconfig_item_t *child = &grown[parent->children_num++];
  memset(child, 0, sizeof(*child));
  child->parent = parent;
  return child;
}

static void fz_item_free(oconfig_item_t *ci) {
  for (int i = 0; i < ci->values_num; i++)
    if (ci->values[i].type == OCONFIG_TYPE_STRING)
      free(ci->values[i].value.string);
  free(ci->values);
  for (int i = 0; i < ci->children_num; i++)
    fz_item_free(&ci->children[i]);
  free(ci->children);
  free(ci->key);
}

/* Reads the key and values of one line into a new child of `parent`. */
static int fz_read_item(struct fz_reader *r, oconfig_item_t *parent) {
  char *key = fz_read_token(r, false);
  if (!key)
    return -1;
  oconfig_item_t *ci = fz_add_child(parent);
  if (!ci) {
    free(key);
    return -1;
  }
  ci->key = key;
  ci->values = calloc(FZ_MAX_VALUES, sizeof(*ci->values));
  if (!ci->values)
    return -1;
  bool oom = false;
  while (ci->values_num < FZ_MAX_VALUES &&
         fz_read_value(r, &ci->values[ci->values_num], &oom))
    ci->values_num++;
  return oom ? -1 : 0;
}

/* Children are stored by value, so a block's pointers to its parent must
 * be set once the arrays have stopped moving. */
static void fz_fix_parents(oconfig_item_t *ci) {
  for (int i = 0; i < ci->children_num; i++) {
    ci->children[i].parent = ci;
    fz_fix_parents(&ci->children[i]);
  }
}

oconfig_item_t *fz_config_tree(const char *text, size_t size) {
  oconfig_item_t *root = calloc(1, sizeof(*root));
  if (!root || !(root->key = strdup("Plugin"))) {
    free(root);
    return NULL;
  }
  /* The open blocks, innermost last. A child's address changes when its
   * parent's array grows, so blocks are kept as index paths. */
  int path[FZ_MAX_DEPTH];
  int depth = 0;
  struct fz_reader r = {text, text + size};

  while (r.p < r.end) {
    fz_skip_blanks(&r);
    oconfig_item_t *block = root;
    for (int i = 0; i < depth; i++)
      block = &block->children[path[i]];
    if (r.p < r.end && *r.p == '<' && r.p + 1 < r.end && r.p[1] == '/') {
      if (depth > 0)
        depth--;
    } else if (r.p < r.end && *r.p == '<') {
      r.p++;
      if (fz_read_item(&r, block) != 0)
        goto oom;
      if (depth < FZ_MAX_DEPTH)
        path[depth++] = block->children_num - 1;
    } else if (r.p < r.end && *r.p != '#' && *r.p != '\n') {
      if (fz_read_item(&r, block) != 0)
        goto oom;
    }
    while (r.p < r.end && *r.p++ != '\n')
      ; /* the rest of the line */
  }
  fz_fix_parents(root);
  return root;
oom:
  fz_config_tree_free(root);
  return NULL;
}

void fz_config_tree_free(oconfig_item_t *root) {
  if (!root)
    return;
  fz_item_free(root);
  free(root);
}
