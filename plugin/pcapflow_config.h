/* pcapflow_config.h - the <Plugin pcapflow> block turned into engine source
 * configs. */
#ifndef PCAPFLOW_PLUGIN_PCAPFLOW_CONFIG_H
#define PCAPFLOW_PLUGIN_PCAPFLOW_CONFIG_H

#include "collectd.h"

#include "liboconfig/oconfig.h"

#include "pcapflow/source.h"

/* Every source configured so far, across all <Plugin pcapflow> blocks. */
struct pcapflow_config {
  struct pf_source_config *sources;
  size_t n_sources;
  char *rules_file; /* RulesFile, plugin-wide; NULL: no traffic rules */
};

/* Parses one <Plugin pcapflow> block and appends its sources. Every error
 * is logged with the option's name and value; returns 0 or -1. */
int pcapflow_config_parse(struct pcapflow_config *conf,
                          const oconfig_item_t *block);

void pcapflow_config_free(struct pcapflow_config *conf);

#endif
