/* rules_internal.h - what the rules files share: the definition a file
 * describes once validated, the compiled form the classifier reads, and the
 * pieces that turn one into the other.
 *
 * The pipeline: rules_yaml.c reads the file into a libyaml document,
 * rules_schema.c (with rules_values.c for scalars) validates it into a
 * struct pf_rules_def, rules_compile.c builds a struct pf_rules from that
 * with value tables (rules_table.c) and prefix tries (rules_trie.c), whose
 * masks are interned by rules_groups.c; rules_classify.c reads it. */
#ifndef PCAPFLOW_RULES_INTERNAL_H
#define PCAPFLOW_RULES_INTERNAL_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <yaml.h>

#include "pcapflow/rules.h"

/* ---- errors ---- */

/* Where messages go: "PATH:LINE:COLUMN: message" into buf. */
struct pf_rules_err {
  const char *path;
  char *buf;
  size_t len;
};

/* Both write the message and return -1. Lines and columns are 1-based. */
int pf_rules_fail(struct pf_rules_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int pf_rules_fail_at(struct pf_rules_err *e, size_t line0, size_t col0,
                     const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- the definition: a validated file ---- */

/* Match fields, in the order the docs list them. */
enum pf_field {
  PF_FIELD_PROTOCOL,
  PF_FIELD_DSCP,
  PF_FIELD_VLAN,
  PF_FIELD_INNER_VLAN,
  PF_FIELD_PORT,
  PF_FIELD_SRC_PORT,
  PF_FIELD_DST_PORT,
  PF_FIELD_CIDR,
  PF_FIELD_SRC_CIDR,
  PF_FIELD_DST_CIDR,
  PF_FIELD_COUNT,
};

/* A dimension is one lookup structure; its fields are its roles. Ports and
 * CIDRs have three roles (source, destination, either), VLANs two (outer,
 * inner), protocol and DSCP one. */
enum pf_dim {
  PF_DIM_PROTOCOL,
  PF_DIM_DSCP,
  PF_DIM_VLAN,
  PF_DIM_PORT,
  PF_DIM_ADDR,
  PF_DIM_COUNT,
};

enum pf_role {
  PF_ROLE_SRC,
  PF_ROLE_DST,
  PF_ROLE_EITHER,
  PF_ROLE_COUNT,
};
#define PF_ROLE_ONLY PF_ROLE_SRC  /* single-role dimensions */
#define PF_ROLE_OUTER PF_ROLE_SRC /* VLAN */
#define PF_ROLE_INNER PF_ROLE_DST

/* Named values a numeric field accepts besides numbers ("tcp", "ef"). */
struct pf_value_name {
  const char *name;
  uint32_t value;
};

struct pf_field_info {
  const char *key; /* as written in the file */
  bool is_cidr;    /* else numeric: numbers, ranges, names */
  uint32_t max;    /* numeric: largest value */
  enum pf_dim dim;
  enum pf_role role;
  bool ip_level;                     /* a non-IP packet has no such field */
  const char *what;                  /* "a port", for messages */
  const char *hint;                  /* what is accepted, for messages */
  const struct pf_value_name *names; /* NULL-terminated, or NULL */
};

extern const struct pf_field_info pf_fields[PF_FIELD_COUNT];

struct pf_range {
  uint32_t lo, hi;
};

struct pf_field_def {
  bool given;
  size_t n, cap;
  struct pf_range *ranges;    /* numeric fields */
  struct pf_prefix *prefixes; /* CIDR fields */
};

struct pf_class_def {
  char name[PF_RULES_NAME_MAX];
  struct pf_field_def field[PF_FIELD_COUNT];
};

struct pf_rules_def {
  struct pf_class_def *classes;
  size_t n_classes, cap_classes;
  struct pf_prefix *local;
  size_t n_local, cap_local;
};

void pf_rules_def_free(struct pf_rules_def *def);
/* Appending; each returns 0 or -1 (out of memory). */
struct pf_class_def *pf_rules_def_add_class(struct pf_rules_def *def);
int pf_rules_def_add_local(struct pf_rules_def *def, const struct pf_prefix *p);
int pf_field_add_range(struct pf_field_def *f, struct pf_range r);
int pf_field_add_prefix(struct pf_field_def *f, const struct pf_prefix *p);

/* ---- scalars (rules_values.c) ---- */

/* The field called key[0 .. len), or NULL. */
const struct pf_field_info *pf_field_find(const char *key, size_t len);

/* Whether the `len` bytes at `text` are exactly `word`. */
bool pf_text_is(const char *text, size_t len, const char *word);

/* Parses one value of numeric field `f`: a number, "LOW-HIGH" or a name.
 * Returns 0, or -1 with the problem in why ("is out of range 0 to 65535"),
 * written to follow the quoted value. */
int pf_value_parse(const struct pf_field_info *f, const char *text, size_t len,
                   struct pf_range *out, char *why, size_t wlen);

/* Checks a class name's own form (not its uniqueness). Returns 0 or -1 with
 * why, written to follow the quoted name. */
int pf_name_check(const char *text, size_t len, char *why, size_t wlen);

/* The name as writers that escape characters and ignore case would store
 * it: lowercase, anything outside [a-z0-9_] becomes '_'. */
void pf_name_fold(const char *text, size_t len, char *out, size_t outlen);

/* Writes text[0 .. len) in double quotes, with control characters, quotes
 * and backslashes escaped and long values cut, for messages. */
void pf_quote(const char *text, size_t len, char *out, size_t outlen);

/* ---- validation (rules_schema.c) ---- */

/* Turns a loaded document into a definition, or fails with one message. */
int pf_rules_schema(yaml_document_t *doc, struct pf_rules_def *def,
                    struct pf_rules_err *e);

/* Reads a document out of text (rules_yaml.c). Exactly one document with a
 * root node, or one message. On success the caller deletes *doc. */
int pf_rules_yaml_load(const char *text, size_t len, yaml_document_t *doc,
                       struct pf_rules_err *e);

/* Reads a whole file (rules_yaml.c). *text is NUL-terminated; free it. */
int pf_rules_read_file(const char *path, char **text, size_t *len,
                       struct pf_rules_err *e);

/* ---- masks and groups (rules_groups.c) ---- */

/* A bit per class: PF_RULES_MAX_CLASSES bits. */
#define PF_MASK_WORDS ((PF_RULES_MAX_CLASSES + 63) / 64)
struct pf_mask {
  uint64_t w[PF_MASK_WORDS];
};

/* What one value (a port, an address) admits, per role: for each role, the
 * classes that do not constrain that role plus those whose set holds it. */
struct pf_group {
  struct pf_mask m[PF_ROLE_COUNT];
};

static inline void pf_mask_set(struct pf_mask *m, unsigned bit) {
  m->w[bit / 64] |= (uint64_t)1 << (bit % 64);
}

static inline void pf_mask_clear(struct pf_mask *m, unsigned bit) {
  m->w[bit / 64] &= ~((uint64_t)1 << (bit % 64));
}

/* Interning: equal groups share one index, so tables hold small indexes
 * instead of 48-byte groups. */
struct pf_groups {
  struct pf_group *v;
  size_t n, cap;
  uint32_t *slots; /* open addressing: group index + 1, 0 when empty */
  size_t n_slots;
};

/* Starts with `first` as group 0. Returns 0 or -1 (out of memory). */
int pf_groups_init(struct pf_groups *g, const struct pf_group *first);
/* The index of a group equal to *grp, added if new; -1 if out of memory. */
int64_t pf_groups_intern(struct pf_groups *g, const struct pf_group *grp);
/* Drops the hash index and trims the array: the groups stay. */
void pf_groups_finish(struct pf_groups *g);
void pf_groups_free(struct pf_groups *g);

/* ---- value tables (rules_table.c) ---- */

/* One numeric dimension: value -> group index -> masks per role. */
struct pf_table {
  uint16_t *index; /* `domain` entries */
  uint32_t domain;
  struct pf_group *groups;
  size_t n_groups;
};

struct pf_table_item {
  uint32_t lo, hi;
  uint8_t role;
  uint8_t cls;
};

/* Builds the table over values 0 .. domain - 1 (at most 65536). `base`
 * holds, per role, the classes that do not constrain that role. */
int pf_table_build(struct pf_table *t, uint32_t domain,
                   const struct pf_table_item *items, size_t n,
                   const struct pf_group *base, struct pf_rules_err *e);
void pf_table_free(struct pf_table *t);
size_t pf_table_memory(const struct pf_table *t);

static inline const struct pf_group *pf_table_lookup(const struct pf_table *t,
                                                     uint32_t value) {
  return &t->groups[t->index[value]];
}

/* ---- prefix tries (rules_trie.c) ---- */

/* A multibit trie, PF_TRIE_STRIDE address bits per level (64-byte nodes).
 * An entry is a child node (PF_TRIE_CHILD set) or a group index. Masks are
 * pushed down when a node is created, so the last entry on an address's
 * path holds the OR of every prefix that covers it: a lookup reads one
 * entry per level and stops at the first that is not a child (at most 8
 * levels for IPv4, 32 for IPv6). The lookup is in rules_classify.c. */
#define PF_TRIE_STRIDE 4
#define PF_TRIE_FANOUT (1u << PF_TRIE_STRIDE)

/* The `level`-th chunk of PF_TRIE_STRIDE bits of an address. */
static inline unsigned pf_chunk(const uint8_t *addr, unsigned level) {
  unsigned bit = level * PF_TRIE_STRIDE;
  return (addr[bit / 8] >> (8 - PF_TRIE_STRIDE - bit % 8)) &
         (PF_TRIE_FANOUT - 1);
}
#define PF_TRIE_CHILD 0x80000000u

struct pf_trie {
  uint32_t *entries; /* n_nodes * PF_TRIE_FANOUT; node 0 is the root */
  size_t n_nodes, cap_nodes;
  struct pf_group *groups;
  size_t n_groups;
};

struct pf_trie_item {
  const struct pf_prefix *prefix;
  uint8_t role;
  uint8_t cls;
};

/* Builds the trie of one family from its items, all of that family. */
int pf_trie_build(struct pf_trie *t, const struct pf_trie_item *items, size_t n,
                  const struct pf_group *base, struct pf_rules_err *e);
void pf_trie_free(struct pf_trie *t);
size_t pf_trie_memory(const struct pf_trie *t);

/* ---- the compiled set ---- */

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
