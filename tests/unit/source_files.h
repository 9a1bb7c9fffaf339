/* source_files.h - a capture file in a fresh directory of its own, and a
 * File source made from a checked configuration, for the suites that run
 * whole sources (or the file reader) over files they write. */
#ifndef PCAPFLOW_TESTS_UNIT_SOURCE_FILES_H
#define PCAPFLOW_TESTS_UNIT_SOURCE_FILES_H

#include <stdint.h>

#include "pcapflow/source.h"

/* The sizes of the suites' dir and path buffers. */
#define TEST_DIR_MAX 256
#define TEST_PATH_MAX 300

/* Makes a fresh directory $TMPDIR/pf_unit_<tag>_XXXXXX (under /tmp when
 * TMPDIR is not set), its name in dir, and puts the path of `name` in it
 * in path; the file itself is left to the test to write. */
void test_file_make(char dir[TEST_DIR_MAX], char path[TEST_PATH_MAX],
                    const char *tag, const char *name);
/* Removes the file, if the test wrote it, and the directory. */
void test_file_remove(const char *dir, const char *path);

/* Checks cfg (the test fails with the message when it does not pass),
 * makes the source from it with `hooks` (or fails the test the same way)
 * and frees cfg. */
struct pf_source *test_source_new(struct pf_source_config *cfg,
                                  const struct pf_hooks *hooks);

/* The packets the source counted so far, either way (a snapshot: it
 * closes an interval too). */
uint64_t test_source_counted(struct pf_source *src);

#endif
