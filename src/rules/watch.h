/* watch.h - what the rules watch (watch.c) shows its tests beyond
 * pcapflow/rules.h: how long stopping waits, and a hook into its thread. */
#ifndef PCAPFLOW_RULES_WATCH_H
#define PCAPFLOW_RULES_WATCH_H

#include <stdatomic.h>

#include "pcapflow/rules.h"

/* How long stopping waits for the thread before leaving it alone. */
#define PF_WATCH_STOP_MS 1000

/* For tests: `hook` is called on the watch's thread as each load begins,
 * with the flag that stops it, so that a test can stop a watch that is in
 * the middle of a load, not about to start one. NULL: none. Set it
 * while no watch runs. */
void pf_rules_watch_test_hook(void (*hook)(const atomic_bool *stop));

#endif
