/* settle.h - when a changed rules file is read: the rule that keeps a
 * half-written file from being applied (docs/RULES.md, "Reloading").
 *
 * A version (a stamp: inode, size, modification and change time) is read
 * once it has been seen unchanged for `settle_ms` and no process is
 * writing to it (as far as inotify tells: modified and not closed since);
 * the reader then checks that it did not change while it was read. Each
 * version is acted on once: read, or reported missing. Pure: the watcher
 * (watch.c) brings the looks and the clock, so tests can too. */
#ifndef PCAPFLOW_RULES_SETTLE_H
#define PCAPFLOW_RULES_SETTLE_H

#include <stdbool.h>
#include <stdint.h>

#include "pcapflow/rules.h"

enum pf_settle_verdict {
  PF_SETTLE_NOTHING, /* the version acted on last: nothing to do */
  PF_SETTLE_WAIT,    /* a new version, not settled yet */
  PF_SETTLE_WRITING, /* settled but held open for writing: said once a
                      * writer, however many pauses it makes */
  PF_SETTLE_MISSING, /* gone, and it stayed gone: say so, once */
  PF_SETTLE_READ,    /* read it now */
};

struct pf_rules_settle {
  struct pf_rules_stamp handled; /* the version last read or reported */
  struct pf_rules_stamp seen;    /* the version at the last look */
  uint64_t seen_since_ms;        /* when `seen` was first seen */
  bool writing_said;             /* WRITING given for the writer now */
  uint64_t settle_ms;
};

/* Starts from the version in force (read at start-up). */
void pf_settle_init(struct pf_rules_settle *s,
                    const struct pf_rules_stamp *in_force, uint64_t settle_ms);

/* A look at the file: its stamp now, whether a process is writing it, the
 * monotonic time. */
enum pf_settle_verdict pf_settle_look(struct pf_rules_settle *s,
                                      const struct pf_rules_stamp *now,
                                      bool being_written, uint64_t now_ms);

/* After PF_SETTLE_READ: `version` was read (loaded or refused), and is
 * not acted on again. */
void pf_settle_read(struct pf_rules_settle *s,
                    const struct pf_rules_stamp *version);

/* After PF_SETTLE_READ: the file changed while it was read; its new
 * version settles from the next look. */
void pf_settle_changed(struct pf_rules_settle *s);

#endif
