/* config_tree.h - builds collectd configuration trees (oconfig_item_t)
 * from text in collectd.conf's syntax, for the configuration fuzzer.
 *
 * collectd's own parser lives inside the daemon and is not a library, so
 * this one reads the same shapes: `Key value...` lines, `<Key value...>`
 * blocks closed by `</Key>`, "quoted strings" with \" and \\, true/false
 * (yes/no, on/off) and numbers. It is lenient where collectd is strict
 * (any unquoted word is a string, numbers are whatever strtod reads, so
 * also 1e999), which only hands the plugin more kinds of trees. */
#ifndef PCAPFLOW_FUZZ_CONFIG_TREE_H
#define PCAPFLOW_FUZZ_CONFIG_TREE_H

#include <stddef.h>

#include "liboconfig/oconfig.h"

/* Parses `size` bytes (not NUL-terminated) into a root item whose children
 * are the top-level items. Never fails on bad input: what cannot be read is
 * skipped. Returns NULL only when out of memory. */
oconfig_item_t *fz_config_tree(const char *text, size_t size);

void fz_config_tree_free(oconfig_item_t *root);

#endif
