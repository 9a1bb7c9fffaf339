/* writing.h - whether a process is writing the rules file right now, as
 * inotify tells it: the file was modified and not closed since. This is
 * what keeps an edit in place that pauses (truncate, write a part, write
 * the rest later) from being read half-written, however long the pause.
 * Without inotify (its per-user limits reached) nothing is known, and the
 * settle time alone decides (settle.h). */
#ifndef PCAPFLOW_RULES_WRITING_H
#define PCAPFLOW_RULES_WRITING_H

#include <stdbool.h>
#include <sys/types.h>

#include "pcapflow/rules.h"

struct pf_rules_writing {
  int fd; /* inotify, non-blocking; -1 without */
  int wd; /* the watch on the file's inode; -1 without */
  dev_t dev;
  ino_t ino;
  bool dirty; /* modified and not closed since */
};

void pf_writing_init(struct pf_rules_writing *w);
void pf_writing_free(struct pf_rules_writing *w);

/* Follows the file to the inode `now` names (a file replaced by a rename
 * is another inode), reads what inotify has to say, and tells whether a
 * process is writing the file. */
bool pf_writing_now(struct pf_rules_writing *w, const char *path,
                    const struct pf_rules_stamp *now);

#endif
