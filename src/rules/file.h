/* file.h - reading a rules file, bounded and never blocking: a regular
 * file only, at most PF_RULES_MAX_FILE_BYTES, and only a version that did
 * not change while it was read. */
#ifndef PCAPFLOW_RULES_FILE_H
#define PCAPFLOW_RULES_FILE_H

#include <stdatomic.h>
#include <stddef.h>

#include "pcapflow/rules.h"
#include "rules/error.h"

/* pf_rules_read_file's answer when the file changed while it was read (its
 * size, modification or change time moved, or the path now names another
 * file): not an error of the file, a version not to use. */
#define PF_RULES_CHANGED (-2)

/* Reads the whole file at `path` into *text (NUL-terminated; free it) and
 * the version read into *stamp. The path must name a regular file (a FIFO,
 * directory or device is refused without being read, and opened at most
 * non-blocking). Returns 0, -1 with a message ("PATH: ..."), or
 * PF_RULES_CHANGED with one. `stop` (may be NULL) is looked at between
 * reads. */
int pf_rules_read_file(const char *path, const atomic_bool *stop, char **text,
                       size_t *len, struct pf_rules_stamp *stamp,
                       struct pf_rules_err *e);

#endif
