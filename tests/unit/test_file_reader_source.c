/* test_file_reader_source.c - a File source reading a classic pcap file
 * through its own reader (file_reader.c) end to end: the reader's error
 * text is what pf_source_run and pf_source_run_until report for a record
 * cut short, after counting every record before it; the source's Filter
 * reaches the reader, which hands over only what passes. */
#include <pthread.h>
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

static char dir[TEST_DIR_MAX], path[TEST_PATH_MAX];
static struct pf_source *source; /* freed by teardown */

static void setup(void) {
  test_file_make(dir, path, "rsrc", "src.pcap");
  source = NULL;
}

static void teardown(void) {
  pf_source_free(source);
  test_file_remove(dir, path);
}

/* Six packets, UDP and TCP in turn, then the ARP frame
 * (pkt_write_capture). */
static void write_six(void) {
  struct pkt p[6];
  for (int i = 0; i < 6; i++)
    p[i] = (struct pkt){.proto = i % 2 ? P_TCP : P_UDP,
                        .sport = (uint16_t)(5000 + i),
                        .dport = 53};
  uint32_t ts = 1700000000u;
  pkt_write_capture(path, p, 6, &ts);
}

/* Appends a record header claiming 300 captured bytes, and 10 of them. */
static void append_cut_record(void) {
  FILE *f = fopen(path, "ab");
  ck_assert_ptr_nonnull(f);
  uint32_t hdr[4] = {1700000100u, 0, 300, 300};
  ck_assert_uint_eq(fwrite(hdr, sizeof(hdr), 1, f), 1);
  static const uint8_t ten[10];
  ck_assert_uint_eq(fwrite(ten, 1, sizeof(ten), f), sizeof(ten));
  ck_assert_int_eq(fclose(f), 0);
}

static int start_thread(pthread_t *thread, void *(*start)(void *), void *arg,
                        const char *name) {
  (void)name;
  return pthread_create(thread, NULL, start, arg);
}

static struct pf_source *file_source(const char *filter) {
  struct pf_source_config cfg;
  pf_source_config_init(&cfg, PF_SOURCE_FILE);
  cfg.device = strdup(path);
  if (filter)
    cfg.filter = strdup(filter);
  source =
      test_source_new(&cfg, &(struct pf_hooks){.thread_create = start_thread});
  return source;
}

static const char *cut_message(void) {
  static char want[PF_ERR_MAX];
  snprintf(want, sizeof(want),
           "\"%s\" was not read to its end: truncated dump file; tried to "
           "read 300 captured bytes, only got 10",
           path);
  return want;
}

START_TEST(test_cut_record_is_reported_by_run) {
  write_six();
  append_cut_record();
  struct pf_source *src = file_source(NULL);
  ck_assert_ptr_null(src->workers[0].file.reader); /* opened by run */
  char err[PF_ERR_MAX];
  ck_assert_int_eq(pf_source_run(src, err, sizeof(err)), 1);
  ck_assert_str_eq(err, cut_message());
  ck_assert_uint_eq(test_source_counted(src), 7);
}
END_TEST

START_TEST(test_cut_record_is_reported_by_run_until) {
  write_six();
  append_cut_record();
  struct pf_source *src = file_source(NULL);
  char err[PF_ERR_MAX];
  uint64_t next = 0;
  ck_assert_int_eq(pf_source_run_until(src, 1700000003ull * 1000000u, &next,
                                       err, sizeof(err)),
                   PF_SOURCE_PAUSED);
  ck_assert_uint_eq(test_source_counted(src), 3);
  ck_assert_int_eq(
      pf_source_run_until(src, UINT64_MAX, &next, err, sizeof(err)), 1);
  ck_assert_str_eq(err, cut_message());
  ck_assert_uint_eq(test_source_counted(src), 7);
}
END_TEST

START_TEST(test_filter_reaches_the_reader) {
  write_six();
  struct pf_source *src = file_source("udp");
  char err[PF_ERR_MAX];
  ck_assert_int_eq(pf_capture_open_file(&src->workers[0], err, sizeof(err)), 0);
  ck_assert_ptr_nonnull(src->workers[0].file.reader);
  pf_capture_close(&src->workers[0]);
  ck_assert_ptr_null(src->workers[0].file.reader);
  pf_source_free(src);
  source = NULL;
  src = file_source("udp");
  ck_assert_int_eq(pf_source_run(src, err, sizeof(err)), 0);
  ck_assert_uint_eq(test_source_counted(src), 3);
}
END_TEST

/* A classic file of `n` records of 60 zero bytes (Ethernet type 0): a
 * filter on another type turns every one away. */
static void write_zero_frames(unsigned n) {
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  const uint32_t file_header[6] = {0xa1b2c3d4u, 2u | (4u << 16), 0,
                                   0,           65535,           1};
  ck_assert_uint_eq(fwrite(file_header, sizeof(file_header), 1, f), 1);
  enum { CHUNK = 4096, RECORD = 16 + 60 };
  static uint8_t chunk[CHUNK * RECORD];
  for (unsigned i = 0; i < CHUNK; i++) {
    const uint32_t hdr[4] = {1700000000u, i, 60, 60};
    memcpy(chunk + (size_t)i * RECORD, hdr, sizeof(hdr));
  }
  for (unsigned done = 0; done < n; done += CHUNK) {
    unsigned k = n - done < CHUNK ? n - done : CHUNK;
    ck_assert_uint_eq(fwrite(chunk, RECORD, k, f), k);
  }
  ck_assert_int_eq(fclose(f), 0);
}

/* A stop reaches the reader within a batch: with a Filter that passes
 * nothing, a batch (bounded in records handed over) would otherwise read
 * to the file's end before the stop is seen, holding up collectd's
 * shutdown for as long as the file takes to read (seconds a gigabyte from
 * disk). Reading 76 MB takes far longer than the 5 ms the stop waits, so
 * a source that finished the file did not see the stop. */
START_TEST(test_stop_ends_a_filtered_read) {
  write_zero_frames(1000000);
  struct pf_source *src = file_source("ether proto 0x1234");
  char err[PF_ERR_MAX];
  ck_assert_msg(pf_source_start(src, err, sizeof(err)) == 0, "%s", err);
  usleep(5000);
  pf_source_stop(src);
  struct pf_snapshot snap;
  pf_source_snapshot(src, &snap);
  uint32_t finished = snap.health.finished;
  uint64_t packets = snap.counters.traffic[PF_TRAFFIC_ALL].packets[PF_DIR_RX] +
                     snap.counters.traffic[PF_TRAFFIC_ALL].packets[PF_DIR_TX];
  pf_snapshot_release(&snap);
  ck_assert_uint_eq(packets, 0);
  ck_assert_uint_eq(finished, 0);
}
END_TEST

Suite *pf_file_reader_source_suite(void) {
  Suite *s = suite_create("file_reader_source");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_cut_record_is_reported_by_run);
  tcase_add_test(tc, test_cut_record_is_reported_by_run_until);
  tcase_add_test(tc, test_filter_reaches_the_reader);
  tcase_add_test(tc, test_stop_ends_a_filtered_read);
  suite_add_tcase(s, tc);
  return s;
}
