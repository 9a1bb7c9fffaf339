/* schema.c - a rules document checked against the schema of
 * docs/RULES.md and turned into a definition. The first problem found ends
 * the check, with a message at its line and column that names the key and
 * the value. */
#include "rules/schema.h"

#include "packet/proto.h"
#include "pcapflow/error.h"
#include "pcapflow/localnet.h"
#include "rules/values.h"
#include "rules/ydoc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PF_WHY_MAX 256
#define PF_QUOTED_MAX 128

struct pf_schema {
  const struct pf_ydoc *doc;
  struct pf_rules_def *def;
  struct pf_rules_err *e;
  /* Prefix for messages about the current class: `class "web": ` or
   * `classes[3]: ` until its name is known; empty at the top level. */
  char where[PF_RULES_NAME_MAX + 32];
  /* Where each class's name was given, for messages about duplicates. */
  size_t name_line[PF_RULES_MAX_CLASSES];
};

/* ---- nodes ---- */

static int pf_fail_node(struct pf_schema *s, const struct pf_ynode *node,
                        const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int pf_fail_node(struct pf_schema *s, const struct pf_ynode *node,
                        const char *fmt, ...) {
  char msg[PF_ERR_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  return pf_rules_fail_at(s->e, node->line, node->col, "%s%s", s->where, msg);
}

static const char *pf_scalar(const struct pf_schema *s,
                             const struct pf_ynode *n) {
  return pf_ytext(s->doc, n);
}

/* YAML's plain null spellings, and an empty plain value ("key:"). */
static bool pf_is_null(const struct pf_schema *s, const struct pf_ynode *n) {
  if (n->type != PF_YSCALAR || !n->plain)
    return false;
  static const char *const spellings[] = {"", "~", "null", "Null", "NULL"};
  for (size_t i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++)
    if (pf_text_is(pf_scalar(s, n), n->n, spellings[i]))
      return true;
  return false;
}

/* "a list", "a mapping", "nothing", or the quoted text. */
static void pf_describe(const struct pf_schema *s, const struct pf_ynode *n,
                        char *out, size_t outlen) {
  if (n->type == PF_YSEQ)
    snprintf(out, outlen, "a list");
  else if (n->type == PF_YMAP)
    snprintf(out, outlen, "a mapping");
  else if (pf_is_null(s, n))
    snprintf(out, outlen, "nothing");
  else
    pf_quote(pf_scalar(s, n), n->n, out, outlen);
}

static int pf_fail_type(struct pf_schema *s, const struct pf_ynode *n,
                        const char *key, const char *expected) {
  char got[PF_QUOTED_MAX];
  pf_describe(s, n, got, sizeof(got));
  if (!key)
    return pf_fail_node(s, n, "expected %s, got %s", expected, got);
  return pf_fail_node(s, n, "%s: expected %s, got %s", key, expected, got);
}

static bool pf_is_text(const struct pf_schema *s, const struct pf_ynode *n) {
  return n->type == PF_YSCALAR && !pf_is_null(s, n);
}

/* Whether two scalars hold the same text. */
static bool pf_same_text(const struct pf_schema *s, const struct pf_ynode *a,
                         const struct pf_ynode *b) {
  return a->type == PF_YSCALAR && b->type == PF_YSCALAR && a->n == b->n &&
         memcmp(pf_scalar(s, a), pf_scalar(s, b), a->n) == 0;
}

/* Checks a mapping's key: plain text, not given before. Duplicate keys are
 * invalid YAML that libyaml lets through; the last would win silently. */
static int pf_check_key(struct pf_schema *s, const struct pf_ynode *map,
                        uint32_t pair) {
  const struct pf_ynode *key = pf_ykid(s->doc, map, 2 * pair);
  if (key->type != PF_YSCALAR) {
    char got[PF_QUOTED_MAX];
    pf_describe(s, key, got, sizeof(got));
    return pf_fail_node(s, key, "a key must be text, not %s", got);
  }
  for (uint32_t p = 0; p < pair; p++) {
    const struct pf_ynode *other = pf_ykid(s->doc, map, 2 * p);
    if (pf_same_text(s, other, key)) {
      char quoted[PF_QUOTED_MAX];
      pf_quote(pf_scalar(s, key), key->n, quoted, sizeof(quoted));
      return pf_fail_node(s, key, "key %s is given twice (first on line %u)",
                          quoted, other->line + 1);
    }
  }
  return 0;
}

static bool pf_key_is(const struct pf_schema *s, const struct pf_ynode *key,
                      const char *word) {
  return key->type == PF_YSCALAR && pf_text_is(pf_scalar(s, key), key->n, word);
}

/* ---- lists of values ---- */

/* A value or a list of values; calls one() for each, never with a list. */
typedef int (*pf_item_fn)(struct pf_schema *s, const struct pf_ynode *item,
                          void *ctx);

static int pf_each_item(struct pf_schema *s, const struct pf_ynode *value,
                        const char *key, const char *one_what,
                        const char *any_what, pf_item_fn one, void *ctx) {
  if (value->type == PF_YMAP || pf_is_null(s, value)) {
    char expected[PF_WHY_MAX];
    snprintf(expected, sizeof(expected), "%s or a list of them", one_what);
    return pf_fail_type(s, value, key, expected);
  }
  if (value->type == PF_YSCALAR)
    return one(s, value, ctx);
  if (value->n == 0)
    return pf_fail_node(s, value,
                        "%s: an empty list matches nothing; leave the key "
                        "out to match %s",
                        key, any_what);
  for (uint32_t i = 0; i < value->n; i++) {
    const struct pf_ynode *item = pf_ykid(s->doc, value, i);
    if (!pf_is_text(s, item))
      return pf_fail_type(s, item, key, one_what);
    if (one(s, item, ctx) != 0)
      return -1;
  }
  return 0;
}

/* ---- local networks ---- */

static int pf_parse_prefix(struct pf_schema *s, const struct pf_ynode *item,
                           const char *key, struct pf_prefix *p) {
  char why[PF_WHY_MAX];
  if (memchr(pf_scalar(s, item), '\0', item->n)) {
    char quoted[PF_QUOTED_MAX];
    pf_quote(pf_scalar(s, item), item->n, quoted, sizeof(quoted));
    return pf_fail_node(s, item, "%s: %s is not an IPv4 or IPv6 prefix", key,
                        quoted);
  }
  if (pf_prefix_parse(pf_scalar(s, item), p, why, sizeof(why)) != 0)
    return pf_fail_node(s, item, "%s: %s", key, why);
  return 0;
}

/* Each network goes into a set of the file's own as it is read, so that
 * one past the set's cap (localnet.h) is refused here, at its line and
 * column, at start and at reload alike, instead of by every source when
 * collectd next starts. */
static int pf_local_item(struct pf_schema *s, const struct pf_ynode *item,
                         struct pf_localnet *set) {
  struct pf_prefix p;
  char why[PF_WHY_MAX];
  if (pf_parse_prefix(s, item, "local_networks", &p) != 0)
    return -1;
  if (pf_localnet_add(set, &p, why, sizeof(why)) != 0)
    return pf_fail_node(s, item, "local_networks: %s", why);
  if (pf_rules_def_add_local(s->def, &p) != 0)
    return pf_rules_fail(s->e, "out of memory");
  return 0;
}

/* ---- one class ---- */

struct pf_field_ctx {
  const struct pf_field_info *info;
  struct pf_field_def *field;
};

static int pf_field_item(struct pf_schema *s, const struct pf_ynode *item,
                         void *arg) {
  struct pf_field_ctx *ctx = arg;
  if (ctx->info->is_cidr) {
    struct pf_prefix p;
    if (pf_parse_prefix(s, item, ctx->info->key, &p) != 0)
      return -1;
    if (pf_field_add_prefix(ctx->field, &p,
                            (struct pf_pos){item->line, item->col}) != 0)
      return pf_rules_fail(s->e, "out of memory");
    return 0;
  }
  struct pf_range r;
  char why[PF_WHY_MAX];
  if (pf_value_parse(ctx->info, pf_scalar(s, item), item->n, &r, why,
                     sizeof(why)) != 0) {
    char quoted[PF_QUOTED_MAX];
    pf_quote(pf_scalar(s, item), item->n, quoted, sizeof(quoted));
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
static int pf_class_name(struct pf_schema *s, const struct pf_ynode *map,
                         size_t index, struct pf_class_def *cls) {
  const struct pf_ynode *value = NULL;
  for (uint32_t p = 0; p < map->n && !value; p++)
    if (pf_key_is(s, pf_ykid(s->doc, map, 2 * p), "name"))
      value = pf_ykid(s->doc, map, 2 * p + 1);
  if (!value)
    return pf_fail_node(s, map, "missing key \"name\"");
  if (!pf_is_text(s, value))
    return pf_fail_type(s, value, "name", "a name");

  const char *text = pf_scalar(s, value);
  size_t len = value->n;
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
  s->name_line[index] = value->line + 1;
  snprintf(s->where, sizeof(s->where), "class \"%s\": ", cls->name);
  return 0;
}

/* A port field with protocols none of which carries ports could never
 * match: say so rather than count nothing forever. */
static int pf_check_protocol_ports(struct pf_schema *s,
                                   const struct pf_class_def *cls,
                                   const struct pf_ynode *protocol_node) {
  const struct pf_field_def *proto = &cls->field[PF_FIELD_PROTOCOL];
  if (!proto->given)
    return 0;
  const char *port_key = NULL;
  for (int f = PF_FIELD_PORT; f <= PF_FIELD_DST_PORT; f++)
    if (cls->field[f].given && !port_key)
      port_key = pf_fields[f].key;
  if (!port_key)
    return 0;
  static const uint32_t with_ports[] = {PF_IPPROTO_TCP, PF_IPPROTO_UDP,
                                        PF_IPPROTO_SCTP};
  for (size_t i = 0; i < proto->n; i++)
    for (size_t k = 0; k < sizeof(with_ports) / sizeof(with_ports[0]); k++)
      if (proto->ranges[i].lo <= with_ports[k] &&
          with_ports[k] <= proto->ranges[i].hi)
        return 0;
  return pf_fail_node(s, protocol_node,
                      "protocol: none of these protocols carries ports (tcp, "
                      "udp and sctp do), so with \"%s\" the class could "
                      "never match",
                      port_key);
}

static int pf_class(struct pf_schema *s, const struct pf_ynode *map,
                    size_t index) {
  snprintf(s->where, sizeof(s->where), "classes[%zu]: ", index);
  if (index >= PF_RULES_MAX_CLASSES)
    return pf_fail_node(s, map, "more than %d classes, the limit",
                        PF_RULES_MAX_CLASSES);
  if (map->type != PF_YMAP)
    return pf_fail_type(s, map, NULL, "a mapping with \"name\" and match keys");
  struct pf_class_def *cls = pf_rules_def_add_class(s->def);
  if (!cls)
    return pf_rules_fail(s->e, "out of memory");
  if (pf_class_name(s, map, index, cls) != 0)
    return -1;

  const struct pf_ynode *protocol_node = NULL;
  for (uint32_t p = 0; p < map->n; p++) {
    if (pf_check_key(s, map, p) != 0)
      return -1;
    const struct pf_ynode *key = pf_ykid(s->doc, map, 2 * p);
    const struct pf_ynode *value = pf_ykid(s->doc, map, 2 * p + 1);
    if (pf_key_is(s, key, "name"))
      continue;
    const struct pf_field_info *info = pf_field_find(pf_scalar(s, key), key->n);
    if (!info) {
      char quoted[PF_QUOTED_MAX];
      pf_quote(pf_scalar(s, key), key->n, quoted, sizeof(quoted));
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

static int pf_classes(struct pf_schema *s, const struct pf_ynode *value) {
  if (value->type != PF_YSEQ)
    return pf_fail_type(s, value, "classes", "a list of classes");
  for (uint32_t i = 0; i < value->n; i++)
    if (pf_class(s, pf_ykid(s->doc, value, i), i) != 0)
      return -1;
  s->where[0] = '\0';
  return 0;
}

static int pf_local_networks(struct pf_schema *s,
                             const struct pf_ynode *value) {
  if (value->type != PF_YSEQ)
    return pf_fail_type(s, value, "local_networks",
                        "a list of networks (\"198.18.0.0/15\")");
  struct pf_localnet set;
  pf_localnet_init(&set);
  int rc = 0;
  for (uint32_t i = 0; i < value->n && rc == 0; i++) {
    const struct pf_ynode *item = pf_ykid(s->doc, value, i);
    if (!pf_is_text(s, item))
      rc = pf_fail_type(s, item, "local_networks", "a network");
    else
      rc = pf_local_item(s, item, &set);
  }
  pf_localnet_free(&set);
  return rc;
}

int pf_rules_schema(const struct pf_ydoc *doc, struct pf_rules_def *def,
                    struct pf_rules_err *e) {
  struct pf_schema s = {.doc = doc, .def = def, .e = e};
  const struct pf_ynode *root = pf_ynode(doc, doc->root);
  if (root->type != PF_YMAP) {
    char got[PF_QUOTED_MAX];
    pf_describe(&s, root, got, sizeof(got));
    return pf_fail_node(&s, root,
                        "expected a mapping with \"local_networks\" and/or "
                        "\"classes\" at the top, got %s",
                        got);
  }
  bool any = false;
  for (uint32_t p = 0; p < root->n; p++) {
    if (pf_check_key(&s, root, p) != 0)
      return -1;
    const struct pf_ynode *key = pf_ykid(doc, root, 2 * p);
    const struct pf_ynode *value = pf_ykid(doc, root, 2 * p + 1);
    int rc;
    if (pf_key_is(&s, key, "local_networks"))
      rc = pf_local_networks(&s, value);
    else if (pf_key_is(&s, key, "classes"))
      rc = pf_classes(&s, value);
    else {
      char quoted[PF_QUOTED_MAX];
      pf_quote(pf_scalar(&s, key), key->n, quoted, sizeof(quoted));
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
