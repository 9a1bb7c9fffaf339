/* schema.c - a rules document checked against the schema of
 * docs/RULES.md and turned into a definition. The first problem found ends
 * the check, with a message at its line and column that names the key and
 * the value. */
#include "rules/schema.h"

#include "packet/proto.h"
#include "pcapflow/error.h"
#include "rules/values.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PF_WHY_MAX 256
#define PF_QUOTED_MAX 128

struct pf_schema {
  yaml_document_t *doc;
  struct pf_rules_def *def;
  struct pf_rules_err *e;
  /* Prefix for messages about the current class: `class "web": ` or
   * `classes[3]: ` until its name is known; empty at the top level. */
  char where[PF_RULES_NAME_MAX + 32];
  /* Where each class's name was given, for messages about duplicates. */
  size_t name_line[PF_RULES_MAX_CLASSES];
};

/* ---- nodes ---- */

static yaml_node_t *pf_node(struct pf_schema *s, int id) {
  return yaml_document_get_node(s->doc, id);
}

static int pf_fail_node(struct pf_schema *s, const yaml_node_t *node,
                        const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int pf_fail_node(struct pf_schema *s, const yaml_node_t *node,
                        const char *fmt, ...) {
  char msg[PF_ERR_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  return pf_rules_fail_at(s->e, node->start_mark.line, node->start_mark.column,
                          "%s%s", s->where, msg);
}

static const char *pf_scalar(const yaml_node_t *n) {
  return (const char *)n->data.scalar.value;
}

static size_t pf_scalar_len(const yaml_node_t *n) {
  return n->data.scalar.length;
}

/* YAML's plain null spellings, and an empty plain value ("key:"). */
static bool pf_is_null(const yaml_node_t *n) {
  if (n->type != YAML_SCALAR_NODE ||
      n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
    return false;
  static const char *const spellings[] = {"", "~", "null", "Null", "NULL"};
  for (size_t i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++)
    if (pf_text_is(pf_scalar(n), pf_scalar_len(n), spellings[i]))
      return true;
  return false;
}

/* "a list", "a mapping", "nothing", or the quoted text. */
static void pf_describe(const yaml_node_t *n, char *out, size_t outlen) {
  if (n->type == YAML_SEQUENCE_NODE)
    snprintf(out, outlen, "a list");
  else if (n->type == YAML_MAPPING_NODE)
    snprintf(out, outlen, "a mapping");
  else if (pf_is_null(n))
    snprintf(out, outlen, "nothing");
  else
    pf_quote(pf_scalar(n), pf_scalar_len(n), out, outlen);
}

static int pf_fail_type(struct pf_schema *s, const yaml_node_t *n,
                        const char *key, const char *expected) {
  char got[PF_QUOTED_MAX];
  pf_describe(n, got, sizeof(got));
  if (!key)
    return pf_fail_node(s, n, "expected %s, got %s", expected, got);
  return pf_fail_node(s, n, "%s: expected %s, got %s", key, expected, got);
}

static bool pf_is_text(const yaml_node_t *n) {
  return n->type == YAML_SCALAR_NODE && !pf_is_null(n);
}

/* Checks a mapping's key: plain text, not given before. Duplicate keys are
 * invalid YAML that libyaml lets through; the last would win silently. */
static int pf_check_key(struct pf_schema *s, const yaml_node_t *map,
                        const yaml_node_pair_t *pair) {
  yaml_node_t *key = pf_node(s, pair->key);
  if (key->type != YAML_SCALAR_NODE) {
    char got[PF_QUOTED_MAX];
    pf_describe(key, got, sizeof(got));
    return pf_fail_node(s, key, "a key must be text, not %s", got);
  }
  for (const yaml_node_pair_t *p = map->data.mapping.pairs.start; p < pair;
       p++) {
    yaml_node_t *other = pf_node(s, p->key);
    if (other->type == YAML_SCALAR_NODE &&
        pf_scalar_len(other) == pf_scalar_len(key) &&
        memcmp(pf_scalar(other), pf_scalar(key), pf_scalar_len(key)) == 0) {
      char quoted[PF_QUOTED_MAX];
      pf_quote(pf_scalar(key), pf_scalar_len(key), quoted, sizeof(quoted));
      return pf_fail_node(s, key, "key %s is given twice (first on line %zu)",
                          quoted, other->start_mark.line + 1);
    }
  }
  return 0;
}

static bool pf_key_is(const yaml_node_t *key, const char *word) {
  return key->type == YAML_SCALAR_NODE &&
         pf_text_is(pf_scalar(key), pf_scalar_len(key), word);
}

/* ---- lists of values ---- */

/* A value or a list of values; calls one() for each, never with a list. */
typedef int (*pf_item_fn)(struct pf_schema *s, const yaml_node_t *item,
                          void *ctx);

static int pf_each_item(struct pf_schema *s, const yaml_node_t *value,
                        const char *key, const char *one_what,
                        const char *any_what, pf_item_fn one, void *ctx) {
  if (value->type == YAML_MAPPING_NODE || pf_is_null(value)) {
    char expected[PF_WHY_MAX];
    snprintf(expected, sizeof(expected), "%s or a list of them", one_what);
    return pf_fail_type(s, value, key, expected);
  }
  if (value->type == YAML_SCALAR_NODE)
    return one(s, value, ctx);
  yaml_node_item_t *start = value->data.sequence.items.start;
  yaml_node_item_t *top = value->data.sequence.items.top;
  if (start == top)
    return pf_fail_node(s, value,
                        "%s: an empty list matches nothing; leave the key "
                        "out to match %s",
                        key, any_what);
  for (yaml_node_item_t *it = start; it < top; it++) {
    yaml_node_t *item = pf_node(s, *it);
    if (!pf_is_text(item))
      return pf_fail_type(s, item, key, one_what);
    if (one(s, item, ctx) != 0)
      return -1;
  }
  return 0;
}

/* ---- local networks ---- */

static int pf_parse_prefix(struct pf_schema *s, const yaml_node_t *item,
                           const char *key, struct pf_prefix *p) {
  char why[PF_WHY_MAX];
  if (memchr(pf_scalar(item), '\0', pf_scalar_len(item))) {
    char quoted[PF_QUOTED_MAX];
    pf_quote(pf_scalar(item), pf_scalar_len(item), quoted, sizeof(quoted));
    return pf_fail_node(s, item, "%s: %s is not an IPv4 or IPv6 prefix", key,
                        quoted);
  }
  if (pf_prefix_parse(pf_scalar(item), p, why, sizeof(why)) != 0)
    return pf_fail_node(s, item, "%s: %s", key, why);
  return 0;
}

static int pf_local_item(struct pf_schema *s, const yaml_node_t *item,
                         void *ctx) {
  (void)ctx;
  struct pf_prefix p;
  if (pf_parse_prefix(s, item, "local_networks", &p) != 0)
    return -1;
  if (pf_rules_def_add_local(s->def, &p) != 0)
    return pf_rules_fail(s->e, "out of memory");
  return 0;
}

/* ---- one class ---- */

struct pf_field_ctx {
  const struct pf_field_info *info;
  struct pf_field_def *field;
};

static int pf_field_item(struct pf_schema *s, const yaml_node_t *item,
                         void *arg) {
  struct pf_field_ctx *ctx = arg;
  if (ctx->info->is_cidr) {
    struct pf_prefix p;
    if (pf_parse_prefix(s, item, ctx->info->key, &p) != 0)
      return -1;
    if (pf_field_add_prefix(ctx->field, &p) != 0)
      return pf_rules_fail(s->e, "out of memory");
    return 0;
  }
  struct pf_range r;
  char why[PF_WHY_MAX];
  if (pf_value_parse(ctx->info, pf_scalar(item), pf_scalar_len(item), &r, why,
                     sizeof(why)) != 0) {
    char quoted[PF_QUOTED_MAX];
    pf_quote(pf_scalar(item), pf_scalar_len(item), quoted, sizeof(quoted));
    return pf_fail_node(s, item, "%s: %s %s", ctx->info->key, quoted, why);
  }
  if (pf_field_add_range(ctx->field, r) != 0)
    return pf_rules_fail(s->e, "out of memory");
  return 0;
}

static const char pf_class_keys[] =
    "name, protocol, dscp, vlan, inner_vlan, port, src_port, dst_port, cidr, "
    "src_cidr or dst_cidr";

/* The name first, so that messages about the other keys can say which
 * class they are about. */
static int pf_class_name(struct pf_schema *s, const yaml_node_t *map,
                         size_t index, struct pf_class_def *cls) {
  const yaml_node_t *value = NULL;
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
       p < map->data.mapping.pairs.top; p++)
    if (pf_key_is(pf_node(s, p->key), "name")) {
      value = pf_node(s, p->value);
      break;
    }
  if (!value)
    return pf_fail_node(s, map, "missing key \"name\"");
  if (!pf_is_text(value))
    return pf_fail_type(s, value, "name", "a name");

  const char *text = pf_scalar(value);
  size_t len = pf_scalar_len(value);
  char quoted[PF_QUOTED_MAX], why[PF_WHY_MAX];
  pf_quote(text, len, quoted, sizeof(quoted));
  if (len == 0 || len >= PF_RULES_NAME_MAX) {
    pf_name_check(text, len, why, sizeof(why));
    return pf_fail_node(s, value, "name %s %s", quoted, why);
  }

  /* Writers turn characters outside [a-z0-9_] into '_' and some stores
   * ignore case: two names that differ only there would share a series. */
  char folded[PF_RULES_NAME_MAX];
  pf_name_fold(text, len, folded, sizeof(folded));
  bool rewritten = strlen(folded) != len || memcmp(folded, text, len) != 0;
  for (size_t i = 0; i < index; i++) {
    if (strcmp(s->def->classes[i].name, folded) != 0)
      continue;
    if (rewritten)
      return pf_fail_node(s, value,
                          "name %s would be written as \"%s\", the name of "
                          "classes[%zu] (line %zu); names may use only "
                          "lowercase letters a-z, digits and _",
                          quoted, folded, i, s->name_line[i]);
    return pf_fail_node(s, value,
                        "name %s is already the name of classes[%zu] (line "
                        "%zu)",
                        quoted, i, s->name_line[i]);
  }
  if (strcmp(folded, PF_RULES_UNCLASSIFIED) == 0)
    return pf_fail_node(s, value,
                        "name %s is reserved for traffic that matches no "
                        "class",
                        quoted);
  if (pf_name_check(text, len, why, sizeof(why)) != 0)
    return pf_fail_node(s, value, "name %s %s", quoted, why);

  memcpy(cls->name, text, len);
  cls->name[len] = '\0';
  s->name_line[index] = value->start_mark.line + 1;
  snprintf(s->where, sizeof(s->where), "class \"%s\": ", cls->name);
  return 0;
}

/* A port field with protocols none of which carries ports could never
 * match: say so rather than count nothing forever. */
static int pf_check_protocol_ports(struct pf_schema *s,
                                   const struct pf_class_def *cls,
                                   const yaml_node_t *protocol_node) {
  const struct pf_field_def *proto = &cls->field[PF_FIELD_PROTOCOL];
  if (!proto->given)
    return 0;
  const char *port_key = NULL;
  for (int f = PF_FIELD_PORT; f <= PF_FIELD_DST_PORT; f++)
    if (cls->field[f].given && !port_key)
      port_key = pf_fields[f].key;
  if (!port_key)
    return 0;
  for (size_t i = 0; i < proto->n; i++)
    for (uint32_t v = proto->ranges[i].lo; v <= proto->ranges[i].hi; v++)
      if (v == PF_IPPROTO_TCP || v == PF_IPPROTO_UDP || v == PF_IPPROTO_SCTP)
        return 0;
  return pf_fail_node(s, protocol_node,
                      "protocol: none of these protocols carries ports (tcp, "
                      "udp and sctp do), so with \"%s\" the class could "
                      "never match",
                      port_key);
}

static int pf_class(struct pf_schema *s, const yaml_node_t *map, size_t index) {
  snprintf(s->where, sizeof(s->where), "classes[%zu]: ", index);
  if (index >= PF_RULES_MAX_CLASSES)
    return pf_fail_node(s, map, "more than %d classes, the limit",
                        PF_RULES_MAX_CLASSES);
  if (map->type != YAML_MAPPING_NODE)
    return pf_fail_type(s, map, NULL, "a mapping with \"name\" and match keys");
  struct pf_class_def *cls = pf_rules_def_add_class(s->def);
  if (!cls)
    return pf_rules_fail(s->e, "out of memory");
  if (pf_class_name(s, map, index, cls) != 0)
    return -1;

  const yaml_node_t *protocol_node = NULL;
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
       p < map->data.mapping.pairs.top; p++) {
    if (pf_check_key(s, map, p) != 0)
      return -1;
    yaml_node_t *key = pf_node(s, p->key), *value = pf_node(s, p->value);
    if (pf_key_is(key, "name"))
      continue;
    const struct pf_field_info *info =
        pf_field_find(pf_scalar(key), pf_scalar_len(key));
    if (!info) {
      char quoted[PF_QUOTED_MAX];
      pf_quote(pf_scalar(key), pf_scalar_len(key), quoted, sizeof(quoted));
      return pf_fail_node(s, key, "unknown key %s; expected %s", quoted,
                          pf_class_keys);
    }
    struct pf_field_ctx ctx = {info, &cls->field[info - pf_fields]};
    ctx.field->given = true;
    if (info == &pf_fields[PF_FIELD_PROTOCOL])
      protocol_node = value;
    /* "a port" -> "any port" */
    char any_what[64];
    snprintf(any_what, sizeof(any_what), "any %s", strchr(info->what, ' ') + 1);
    if (pf_each_item(s, value, info->key, info->what, any_what, pf_field_item,
                     &ctx) != 0)
      return -1;
  }
  return pf_check_protocol_ports(s, cls, protocol_node);
}

/* ---- the top level ---- */

static int pf_classes(struct pf_schema *s, const yaml_node_t *value) {
  if (value->type != YAML_SEQUENCE_NODE)
    return pf_fail_type(s, value, "classes", "a list of classes");
  size_t index = 0;
  for (yaml_node_item_t *it = value->data.sequence.items.start;
       it < value->data.sequence.items.top; it++, index++)
    if (pf_class(s, pf_node(s, *it), index) != 0)
      return -1;
  s->where[0] = '\0';
  return 0;
}

static int pf_local_networks(struct pf_schema *s, const yaml_node_t *value) {
  if (value->type != YAML_SEQUENCE_NODE)
    return pf_fail_type(s, value, "local_networks",
                        "a list of networks (\"198.18.0.0/15\")");
  for (yaml_node_item_t *it = value->data.sequence.items.start;
       it < value->data.sequence.items.top; it++) {
    yaml_node_t *item = pf_node(s, *it);
    if (!pf_is_text(item))
      return pf_fail_type(s, item, "local_networks", "a network");
    if (pf_local_item(s, item, NULL) != 0)
      return -1;
  }
  return 0;
}

int pf_rules_schema(yaml_document_t *doc, struct pf_rules_def *def,
                    struct pf_rules_err *e) {
  struct pf_schema s = {.doc = doc, .def = def, .e = e};
  const yaml_node_t *root = yaml_document_get_root_node(doc);
  if (root->type != YAML_MAPPING_NODE) {
    char got[PF_QUOTED_MAX];
    pf_describe(root, got, sizeof(got));
    return pf_fail_node(&s, root,
                        "expected a mapping with \"local_networks\" and/or "
                        "\"classes\" at the top, got %s",
                        got);
  }
  bool any = false;
  for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
       p < root->data.mapping.pairs.top; p++) {
    if (pf_check_key(&s, root, p) != 0)
      return -1;
    yaml_node_t *key = pf_node(&s, p->key), *value = pf_node(&s, p->value);
    int rc;
    if (pf_key_is(key, "local_networks"))
      rc = pf_local_networks(&s, value);
    else if (pf_key_is(key, "classes"))
      rc = pf_classes(&s, value);
    else {
      char quoted[PF_QUOTED_MAX];
      pf_quote(pf_scalar(key), pf_scalar_len(key), quoted, sizeof(quoted));
      return pf_fail_node(&s, key,
                          "unknown key %s; expected \"local_networks\" or "
                          "\"classes\"",
                          quoted);
    }
    if (rc != 0)
      return -1;
    any = true;
  }
  if (!any)
    return pf_fail_node(&s, root,
                        "neither \"local_networks\" nor \"classes\" is given");
  return 0;
}
