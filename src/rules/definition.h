/* definition.h - a validated rules file: its classes, their match
 * fields and values, and its local networks, before compilation. */
#ifndef PCAPFLOW_RULES_DEFINITION_H
#define PCAPFLOW_RULES_DEFINITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pcapflow/localnet.h"
#include "pcapflow/rules.h"

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

/* Where a value stands in the file: 0-based line and column. */
struct pf_pos {
  uint32_t line, col;
};

struct pf_range {
  uint32_t lo, hi;
};

struct pf_field_def {
  bool given;
  size_t n, cap;
  struct pf_range *ranges;    /* numeric fields */
  struct pf_prefix *prefixes; /* CIDR fields */
  struct pf_pos *pos;         /* CIDR fields: where each prefix stands */
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
int pf_field_add_prefix(struct pf_field_def *f, const struct pf_prefix *p,
                        struct pf_pos pos);

#endif
