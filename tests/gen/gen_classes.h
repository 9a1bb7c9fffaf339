/* gen_classes.h - the classes scenario: conversations whose traffic class
 * under a fixed rules file is known by construction, for the per-class
 * series (docs/RULES.md, docs/METRICS.md "Traffic rules"). */
#ifndef PCAPFLOW_GEN_CLASSES_H
#define PCAPFLOW_GEN_CLASSES_H

#include <stdio.h>

#include "gen_frame.h"

/* The rules file the scenario's classes are defined by. */
void gen_classes_write_rules(FILE *fp, const char *path);

/* Emits the scenario and writes the per-class truth ("type-class values",
 * the series of plugin pcapflow_class) to class_truth, which it
 * closes; path is for messages. */
void gen_scenario_classes(struct gen *g, FILE *class_truth, const char *path);

#endif
