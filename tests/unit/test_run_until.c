/* test_run_until.c - a file read in steps of packet time
 * (pf_source_run_until, for pcapflow-replay -i): it stops before the first
 * packet at or after the boundary, holds that packet and counts it at the
 * call whose boundary passes it, once; the file's end is reported as by
 * pf_source_run, again at every later call; what is no file, or cannot be
 * opened, fails with a message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "flow_packets.h"
#include "pcapflow/source.h"
#include "source/worker.h"
#include "source_files.h"
#include "suites.h"

#define T0 1700000000u /* the first packet's second */

static char dir[TEST_DIR_MAX], path[TEST_PATH_MAX];
static struct pf_source *source; /* freed by teardown */

/* Five UDP packets a second apart from T0 on, and an ARP frame at T0 + 5
 * (pkt_write_capture). */
static void setup(void) {
  test_file_make(dir, path, "until", "until.pcap");
  struct pkt p[5];
  for (int i = 0; i < 5; i++)
    p[i] = (struct pkt){.proto = P_UDP, .sport = 5000, .dport = 53};
  uint32_t ts = T0;
  pkt_write_capture(path, p, 5, &ts);
  source = NULL;
}

static void teardown(void) {
  pf_source_free(source);
  test_file_remove(dir, path);
}

static struct pf_source *new_source(enum pf_source_kind kind,
                                    const char *device) {
  struct pf_source_config cfg;
  char err[PF_ERR_MAX];
  pf_source_config_init(&cfg, kind);
  /* Checked with the capture written (a missing file fails the check),
   * then pointed at `device`. */
  cfg.device = strdup(kind == PF_SOURCE_FILE ? path : device);
  ck_assert_msg(pf_source_config_check(&cfg, err, sizeof(err)) == 0, "%s", err);
  free(cfg.device);
  cfg.device = strdup(device);
  struct pf_hooks hooks = {.log = NULL};
  ck_assert_msg(pf_source_new(&cfg, &hooks, &source, err, sizeof(err)) == 0,
                "%s", err);
  pf_source_config_free(&cfg);
  return source;
}

/* A call that must stop before the packet of second `at`. */
static void expect_pause(struct pf_source *src, uint64_t until_us,
                         uint32_t at) {
  char err[PF_ERR_MAX];
  uint64_t next = 0;
  ck_assert_int_eq(pf_source_run_until(src, until_us, &next, err, sizeof(err)),
                   PF_SOURCE_PAUSED);
  ck_assert_uint_eq(next, SEC(at));
}

/* A worker is aligned as its type says (its shard's queue slots are two
 * cache lines each, shard.h): calloc gave a block of this size at 16 bytes
 * past a 128-byte boundary, misaligned for the type (UBSan's alignment
 * check in a build without ASan, whose allocator aligns large blocks). */
START_TEST(test_workers_are_aligned_for_their_type) {
  struct pf_source *src = new_source(PF_SOURCE_FILE, path);
  for (unsigned i = 0; i < src->n_workers; i++)
    ck_assert_uint_eq((uintptr_t)&src->workers[i] % _Alignof(struct pf_worker),
                      0);
}
END_TEST

START_TEST(test_stops_before_the_boundary_and_counts_once) {
  struct pf_source *src = new_source(PF_SOURCE_FILE, path);
  expect_pause(src, 0, T0); /* the file's start */
  ck_assert_uint_eq(test_source_counted(src), 0);
  expect_pause(src, SEC(T0) + 2500000, T0 + 3);
  ck_assert_uint_eq(test_source_counted(src), 3);
  /* The same boundary again: the held packet stays held. */
  expect_pause(src, SEC(T0) + 2500000, T0 + 3);
  ck_assert_uint_eq(test_source_counted(src), 3);
  /* At the packet's own time it is still at the boundary. */
  expect_pause(src, SEC(T0 + 3), T0 + 3);
  ck_assert_uint_eq(test_source_counted(src), 3);
  expect_pause(src, SEC(T0 + 3) + 1, T0 + 4);
  ck_assert_uint_eq(test_source_counted(src), 4);
  char err[PF_ERR_MAX];
  uint64_t next = 0;
  ck_assert_int_eq(
      pf_source_run_until(src, UINT64_MAX, &next, err, sizeof(err)), 0);
  ck_assert_uint_eq(test_source_counted(src), 6); /* and the ARP frame */
  ck_assert_int_eq(
      pf_source_run_until(src, UINT64_MAX, &next, err, sizeof(err)), 0);
  ck_assert_uint_eq(test_source_counted(src), 6);
}
END_TEST

START_TEST(test_a_boundary_past_the_end_reads_it_all) {
  struct pf_source *src = new_source(PF_SOURCE_FILE, path);
  char err[PF_ERR_MAX];
  uint64_t next = 0;
  ck_assert_int_eq(
      pf_source_run_until(src, UINT64_MAX, &next, err, sizeof(err)), 0);
  ck_assert_uint_eq(next, 0); /* untouched: no pause */
  struct pf_snapshot snap;
  pf_source_snapshot(src, &snap);
  ck_assert_uint_eq(snap.health.finished, 1);
  pf_snapshot_release(&snap);
}
END_TEST

START_TEST(test_what_cannot_be_read_in_steps_fails) {
  char err[PF_ERR_MAX], missing[320];
  uint64_t next = 0;
  snprintf(missing, sizeof(missing), "%s/missing.pcap", dir);
  struct pf_source *src = new_source(PF_SOURCE_FILE, missing);
  ck_assert_int_eq(pf_source_run_until(src, 0, &next, err, sizeof(err)), -1);
  ck_assert_ptr_nonnull(strstr(err, "missing.pcap"));
  ck_assert_int_eq(pf_source_run_until(src, 0, &next, err, sizeof(err)), -1);
  ck_assert_ptr_nonnull(strstr(err, "could not be opened"));
  pf_source_free(src);
  source = NULL;
  src = new_source(PF_SOURCE_INTERFACE, "lo");
  ck_assert_int_eq(pf_source_run_until(src, 0, &next, err, sizeof(err)), -1);
  ck_assert_str_eq(err, "\"lo\" is no file: it cannot be read in steps");
}
END_TEST

Suite *pf_run_until_suite(void) {
  Suite *s = suite_create("run_until");
  TCase *tc = tcase_create("steps");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_stops_before_the_boundary_and_counts_once);
  tcase_add_test(tc, test_a_boundary_past_the_end_reads_it_all);
  tcase_add_test(tc, test_what_cannot_be_read_in_steps_fails);
  tcase_add_test(tc, test_workers_are_aligned_for_their_type);
  suite_add_tcase(s, tc);
  return s;
}
