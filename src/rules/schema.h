/* schema.h - validation: a rules file's YAML tree into a definition. */
#ifndef PCAPFLOW_RULES_SCHEMA_H
#define PCAPFLOW_RULES_SCHEMA_H

#include "rules/definition.h"
#include "rules/error.h"
#include "rules/ydoc.h"

/* Turns a document into a definition, or fails with one message. Its work
 * is bounded by the document's nodes with aliases expanded, which
 * pf_ydoc_load caps. */
int pf_rules_schema(const struct pf_ydoc *doc, struct pf_rules_def *def,
                    struct pf_rules_err *e);

#endif
