/* load.h - a rules file read, checked and compiled in one call that can be
 * stopped: what pf_rules_load does, for the watcher's thread (watch.c). */
#ifndef PCAPFLOW_RULES_LOAD_H
#define PCAPFLOW_RULES_LOAD_H

#include <stdatomic.h>
#include <stddef.h>

#include "pcapflow/rules.h"
#include "rules/error.h"
#include "rules/file.h"

/* pf_rules_parse with `stop` (may be NULL), looked at between events and
 * between the stages: once it is set, the load gives up. */
int pf_rules_parse_text(const char *path, const char *text, size_t len,
                        const atomic_bool *stop, struct pf_rules **out,
                        struct pf_rules_err *e);

/* Reads and parses the file; *stamp receives the version read. Returns 0,
 * -1, or PF_RULES_CHANGED (file.h) when the file changed while it was
 * read; a message in e either way. */
int pf_rules_load_file(const char *path, const atomic_bool *stop,
                       struct pf_rules **out, struct pf_rules_stamp *stamp,
                       struct pf_rules_err *e);

#endif
