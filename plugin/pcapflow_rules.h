/* pcapflow_rules.h - the RulesFile of the collectd adapter: loaded at init,
 * watched by the engine on a thread of its own, handed to every source. */
#ifndef PCAPFLOW_PLUGIN_PCAPFLOW_RULES_H
#define PCAPFLOW_PLUGIN_PCAPFLOW_RULES_H

#include <stddef.h>

#include "pcapflow/source.h"

/* Loads `path` and starts watching it. Returns 0, or -1 after logging the
 * file's first error "PATH:LINE:COLUMN: message". */
int pcapflow_rules_load(const char *path);

/* Adds the file's local_networks to a source's LocalNetwork set (read at
 * start only). Returns 0, or -1 after logging. */
int pcapflow_rules_add_local(struct pf_source_config *cfg);

/* Gives the loaded rules to a source. Returns 0, or -1 after logging. */
int pcapflow_rules_attach(struct pf_source *src);

/* Called every read, and never waits for the file: takes what the watch
 * found since the last read. A new, complete rule set goes to every
 * source; a broken or missing file is logged once per version and the
 * rules in force stay. No-op without RulesFile. */
void pcapflow_rules_check(struct pf_source **sources, size_t n_sources);

/* Stops the watch and drops the rules. */
void pcapflow_rules_free(void);

#endif
