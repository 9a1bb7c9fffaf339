/* values.h - the scalars of a rules file: field names, numbers,
 * ranges and value names, class names, and quoting them in messages. */
#ifndef PCAPFLOW_RULES_VALUES_H
#define PCAPFLOW_RULES_VALUES_H

#include <stdbool.h>
#include <stddef.h>

#include "rules/definition.h"

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

#endif
