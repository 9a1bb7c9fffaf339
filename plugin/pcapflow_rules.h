/* pcapflow_rules.h - the RulesFile of the collectd adapter: loaded at init,
 * re-read when it changes, handed to every source. */
#ifndef PCAPFLOW_PLUGIN_PCAPFLOW_RULES_H
#define PCAPFLOW_PLUGIN_PCAPFLOW_RULES_H

#include <stddef.h>

#include "pcapflow/source.h"

/* Loads `path` for good. Returns 0, or -1 after logging the file's first
 * error "PATH:LINE:COLUMN: message". */
int pcapflow_rules_load(const char *path);

/* Adds the file's local_networks to a source's LocalNetwork set (read at
 * start only). Returns 0, or -1 after logging. */
int pcapflow_rules_add_local(struct pf_source_config *cfg);

/* Gives the loaded rules to a source. Returns 0, or -1 after logging. */
int pcapflow_rules_attach(struct pf_source *src);

/* Called every read: when the file changed since it was last looked at,
 * loads it completely and, if it is good, gives it to every source; a
 * broken or missing file is logged once per version and the rules in
 * force stay. No-op without RulesFile. */
void pcapflow_rules_check(struct pf_source **sources, size_t n_sources);

void pcapflow_rules_free(void);

#endif
