/* schema.h - validation: a loaded YAML document into a definition. */
#ifndef PCAPFLOW_RULES_SCHEMA_H
#define PCAPFLOW_RULES_SCHEMA_H

#include <yaml.h>

#include "rules/definition.h"
#include "rules/error.h"

/* Turns a loaded document into a definition, or fails with one message. */
int pf_rules_schema(yaml_document_t *doc, struct pf_rules_def *def,
                    struct pf_rules_err *e);

#endif
