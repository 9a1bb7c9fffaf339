/* yaml.h - reading a rules file, bounded, and parsing it into one
 * libyaml document. */
#ifndef PCAPFLOW_RULES_YAML_H
#define PCAPFLOW_RULES_YAML_H

#include <stddef.h>
#include <yaml.h>

#include "rules/error.h"

/* Reads a document out of text (yaml.c). Exactly one document with a
 * root node, or one message. On success the caller deletes *doc. */
int pf_rules_yaml_load(const char *text, size_t len, yaml_document_t *doc,
                       struct pf_rules_err *e);

/* Reads a whole file (yaml.c). *text is NUL-terminated; free it. */
int pf_rules_read_file(const char *path, char **text, size_t *len,
                       struct pf_rules_err *e);

#endif
