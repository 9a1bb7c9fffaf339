/* source_files.c - a capture file in a fresh directory of its own, and a
 * File source made from a checked configuration (source_files.h). */
#include "source_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <check.h>

void test_file_make(char dir[TEST_DIR_MAX], char path[TEST_PATH_MAX],
                    const char *tag, const char *name) {
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, TEST_DIR_MAX, "%s/pf_unit_%s_XXXXXX", tmp ? tmp : "/tmp", tag);
  ck_assert_ptr_nonnull(mkdtemp(dir));
  snprintf(path, TEST_PATH_MAX, "%s/%s", dir, name);
}

void test_file_remove(const char *dir, const char *path) {
  unlink(path);
  rmdir(dir);
}

struct pf_source *test_source_new(struct pf_source_config *cfg,
                                  const struct pf_hooks *hooks) {
  char err[PF_ERR_MAX];
  ck_assert_msg(pf_source_config_check(cfg, err, sizeof(err)) == 0, "%s", err);
  struct pf_source *src;
  ck_assert_msg(pf_source_new(cfg, hooks, &src, err, sizeof(err)) == 0, "%s",
                err);
  pf_source_config_free(cfg);
  return src;
}

uint64_t test_source_counted(struct pf_source *src) {
  struct pf_snapshot snap;
  pf_source_snapshot(src, &snap);
  const uint64_t *all = snap.counters.traffic[PF_TRAFFIC_ALL].packets;
  uint64_t n = all[PF_DIR_RX] + all[PF_DIR_TX];
  pf_snapshot_release(&snap);
  return n;
}
