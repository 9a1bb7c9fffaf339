/* test_rules_watch.c - reloading the rules file off the caller's thread:
 * the settle rule on a clock of the test's own (a version is read once it
 * held still, and not while a process writes it), and the watch with real
 * files: replaced, broken, a FIFO, deleted, edited in place by a writer
 * that pauses, stopped in the middle of a load. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "rules/settle.h"
#include "rules_helpers.h"
#include "suites.h"

/* ---- the settle rule ---- */

static struct pf_rules_stamp stamp(off_t size, long mtime) {
  struct pf_rules_stamp s;
  memset(&s, 0, sizeof(s));
  s.exists = true;
  s.ino = 7;
  s.size = size;
  s.mtime.tv_sec = mtime;
  s.ctime.tv_sec = mtime;
  return s;
}

static struct pf_rules_stamp gone(void) {
  struct pf_rules_stamp s;
  memset(&s, 0, sizeof(s));
  s.error = 2; /* ENOENT */
  return s;
}

START_TEST(test_settle_reads_a_version_that_held_still) {
  struct pf_rules_settle s;
  struct pf_rules_stamp v1 = stamp(10, 1), v2 = stamp(20, 2), v3 = stamp(5, 3);
  pf_settle_init(&s, &v1, 1000);
  ck_assert_int_eq(pf_settle_look(&s, &v1, false, 0), PF_SETTLE_NOTHING);
  ck_assert_int_eq(pf_settle_look(&s, &v2, false, 100), PF_SETTLE_WAIT);
  ck_assert_int_eq(pf_settle_look(&s, &v2, false, 1099), PF_SETTLE_WAIT);
  /* It changed again: the wait starts over. */
  ck_assert_int_eq(pf_settle_look(&s, &v3, false, 1100), PF_SETTLE_WAIT);
  ck_assert_int_eq(pf_settle_look(&s, &v3, false, 2099), PF_SETTLE_WAIT);
  ck_assert_int_eq(pf_settle_look(&s, &v3, false, 2100), PF_SETTLE_READ);
  pf_settle_read(&s, &v3);
  ck_assert_int_eq(pf_settle_look(&s, &v3, false, 2600), PF_SETTLE_NOTHING);
  ck_assert_int_eq(pf_settle_look(&s, &v3, false, 9000), PF_SETTLE_NOTHING);
}
END_TEST

START_TEST(test_settle_waits_for_the_writer) {
  struct pf_rules_settle s;
  struct pf_rules_stamp v1 = stamp(10, 1), half = stamp(4, 2),
                        more = stamp(8, 3), whole = stamp(30, 5);
  pf_settle_init(&s, &v1, 1000);
  ck_assert_int_eq(pf_settle_look(&s, &half, true, 0), PF_SETTLE_WAIT);
  ck_assert_int_eq(pf_settle_look(&s, &half, true, 1000), PF_SETTLE_WRITING);
  /* However long the pause, said once, never read. */
  for (uint64_t t = 1500; t < 300000; t += 500)
    ck_assert_int_eq(pf_settle_look(&s, &half, true, t), PF_SETTLE_WAIT);
  /* More of it written, and another pause: not said again. */
  ck_assert_int_eq(pf_settle_look(&s, &more, true, 300000), PF_SETTLE_WAIT);
  for (uint64_t t = 300500; t < 600000; t += 500)
    ck_assert_int_eq(pf_settle_look(&s, &more, true, t), PF_SETTLE_WAIT);
  /* The writer finishes: the whole file settles, then is read. */
  ck_assert_int_eq(pf_settle_look(&s, &whole, false, 600000), PF_SETTLE_WAIT);
  ck_assert_int_eq(pf_settle_look(&s, &whole, false, 601000), PF_SETTLE_READ);
}
END_TEST

START_TEST(test_settle_missing_once) {
  struct pf_rules_settle s;
  struct pf_rules_stamp v1 = stamp(10, 1), none = gone(), back = stamp(10, 9);
  pf_settle_init(&s, &v1, 1000);
  ck_assert_int_eq(pf_settle_look(&s, &none, false, 0), PF_SETTLE_WAIT);
  /* Deleted and written again within the settle time: never missing. */
  ck_assert_int_eq(pf_settle_look(&s, &back, false, 500), PF_SETTLE_WAIT);
  ck_assert_int_eq(pf_settle_look(&s, &none, false, 600), PF_SETTLE_WAIT);
  ck_assert_int_eq(pf_settle_look(&s, &none, false, 1600), PF_SETTLE_MISSING);
  ck_assert_int_eq(pf_settle_look(&s, &none, false, 5000), PF_SETTLE_NOTHING);
  ck_assert_int_eq(pf_settle_look(&s, &back, false, 6000), PF_SETTLE_WAIT);
  ck_assert_int_eq(pf_settle_look(&s, &back, false, 7000), PF_SETTLE_READ);
}
END_TEST

START_TEST(test_settle_changed_while_read) {
  struct pf_rules_settle s;
  struct pf_rules_stamp v1 = stamp(10, 1), v2 = stamp(20, 2), v3 = stamp(25, 3);
  pf_settle_init(&s, &v1, 1000);
  ck_assert_int_eq(pf_settle_look(&s, &v2, false, 0), PF_SETTLE_WAIT);
  ck_assert_int_eq(pf_settle_look(&s, &v2, false, 1000), PF_SETTLE_READ);
  pf_settle_changed(&s); /* v3 was being written while v2 was read */
  ck_assert_int_eq(pf_settle_look(&s, &v3, false, 1100), PF_SETTLE_WAIT);
  ck_assert_int_eq(pf_settle_look(&s, &v3, false, 2100), PF_SETTLE_READ);
  /* Back to the version in force: nothing to do. */
  pf_settle_read(&s, &v3);
  ck_assert_int_eq(pf_settle_look(&s, &v3, false, 2200), PF_SETTLE_NOTHING);
}
END_TEST

/* ---- the watch ---- */

static char dir[32];
static char path[256];
static const struct pf_rules_watch_config fast = {.poll_ms = 10,
                                                  .settle_ms = 40};

static void write_text(const char *file, const char *text) {
  FILE *f = fopen(file, "w");
  ck_assert_ptr_nonnull(f);
  ck_assert_int_ge(fputs(text, f), 0);
  ck_assert_int_eq(fclose(f), 0);
}

/* Replaces the rules file at once, as deployment tools do. */
static void install(const char *text) {
  char tmp[300];
  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  write_text(tmp, text);
  ck_assert_int_eq(rename(tmp, path), 0);
}

static void setup(void) {
  rules_make_dir(dir);
  snprintf(path, sizeof(path), "%s/rules.yaml", dir);
}

static void teardown(void) { rules_remove_dir(dir); }

static const char v1[] = "classes:\n  - name: a\n    protocol: tcp\n";
static const char v2[] = "classes:\n  - name: a\n    protocol: tcp\n"
                         "  - name: b\n    protocol: udp\n";

static struct pf_rules_watch *start(void) {
  struct pf_rules *first = NULL;
  struct pf_rules_watch *w = NULL;
  char err[1024] = "";
  ck_assert_msg(
      pf_rules_watch_start(path, &fast, &first, &w, err, sizeof(err)) == 0,
      "%s", err);
  ck_assert_uint_eq(pf_rules_class_count(first), 2);
  pf_rules_free(first);
  return w;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
  nanosleep(&ts, NULL);
}

/* The next piece of news, waiting for it at most 10 s. */
static void next(struct pf_rules_watch *w, struct pf_rules_news *news) {
  for (int i = 0; i < 2000; i++) {
    if (pf_rules_watch_next(w, news))
      return;
    sleep_ms(5);
  }
  ck_abort_msg("no news from the watch in 10 s");
}

/* Nothing more comes during many looks. */
static void quiet(struct pf_rules_watch *w) {
  struct pf_rules_news news;
  sleep_ms(300);
  if (pf_rules_watch_next(w, &news))
    ck_abort_msg("unexpected news %d: %s", news.kind, news.message);
}

static void expect_loaded(struct pf_rules_watch *w, size_t classes) {
  struct pf_rules_news news;
  next(w, &news);
  ck_assert_msg(news.kind == PF_RULES_LOADED, "news %d: %s", news.kind,
                news.message);
  ck_assert_uint_eq(pf_rules_class_count(news.rules), classes + 1);
  pf_rules_free(news.rules);
}

static void expect_message(struct pf_rules_watch *w,
                           enum pf_rules_news_kind kind, const char *fmt) {
  struct pf_rules_news news;
  char want[1024];
  next(w, &news);
  snprintf(want, sizeof(want), fmt, path);
  ck_assert_int_eq(news.kind, kind);
  ck_assert_ptr_null(news.rules);
  ck_assert_str_eq(news.message, want);
}

START_TEST(test_watch_replaced_broken_fifo_missing) {
  install(v1);
  struct pf_rules_watch *w = start();
  quiet(w);
  install(v2);
  expect_loaded(w, 2);
  install("classes:\n  - name: Web\n");
  expect_message(w, PF_RULES_REFUSED,
                 "%s:2:11: classes[0]: name \"Web\" may use only lowercase "
                 "letters a-z, digits and _ (writers rewrite other "
                 "characters)");
  quiet(w);
  char fifo[300];
  snprintf(fifo, sizeof(fifo), "%s.fifo", path);
  ck_assert_int_eq(mkfifo(fifo, 0600), 0);
  ck_assert_int_eq(rename(fifo, path), 0);
  expect_message(w, PF_RULES_REFUSED,
                 "%s: not a regular file but a FIFO; a rules file must be a "
                 "regular file");
  quiet(w);
  ck_assert_int_eq(unlink(path), 0);
  expect_message(w, PF_RULES_MISSING, "No such file or directory");
  quiet(w);
  install(v1);
  expect_loaded(w, 1);
  pf_rules_watch_stop(w);
}
END_TEST

/* Truncated and half written by a writer that keeps it open: the half is
 * never loaded, however long the pause; the whole file is, once closed. */
START_TEST(test_watch_edit_in_place) {
  install(v1);
  struct pf_rules_watch *w = start();
  quiet(w); /* the watch has looked at the file, and follows its inode */
  int fd = open(path, O_WRONLY | O_TRUNC);
  ck_assert_int_ge(fd, 0);
  const char *half = v2 + strlen(v1); /* "  - name: b ..." follows */
  ck_assert_int_eq(write(fd, v2, (size_t)(half - v2)), half - v2);
  expect_message(w, PF_RULES_WRITING,
                 "%s: changed, and a process has it open for writing; it is "
                 "read once closed");
  quiet(w);
  ck_assert_int_eq(write(fd, half, strlen(half)), (ssize_t)strlen(half));
  quiet(w);
  ck_assert_int_eq(close(fd), 0);
  expect_loaded(w, 2);
  quiet(w);
  pf_rules_watch_stop(w);
}
END_TEST

/* News not taken is freed with the watch (LeakSanitizer holds this). */
START_TEST(test_watch_stop_with_news_pending) {
  install(v1);
  struct pf_rules_watch *w = start();
  install(v2);
  sleep_ms(300);
  pf_rules_watch_stop(w);
}
END_TEST

/* A file of the maximum size being loaded when the watch stops: the
 * load gives up at its next event. */
START_TEST(test_watch_stops_during_a_load) {
  install(v1);
  struct pf_rules_watch *w = start();
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs("local_networks:\n", f);
  for (int i = 0; i < 200000; i++)
    fprintf(f, "- 10.%d.%d.0/24\n", i >> 8 & 255, i & 255);
  ck_assert_int_eq(fclose(f), 0);
  sleep_ms(60); /* about when the watch starts reading it */
  pf_rules_watch_stop(w);
}
END_TEST

START_TEST(test_watch_start_refuses) {
  struct pf_rules *first = NULL;
  struct pf_rules_watch *w = NULL;
  char err[1024], want[1024];
  ck_assert_int_eq(mkfifo(path, 0600), 0);
  ck_assert_int_eq(
      pf_rules_watch_start(path, &fast, &first, &w, err, sizeof(err)), -1);
  snprintf(want, sizeof(want),
           "%s: not a regular file but a FIFO; a rules file must be a "
           "regular file",
           path);
  ck_assert_str_eq(err, want);
  ck_assert_ptr_null(first);
  ck_assert_ptr_null(w);
}
END_TEST

Suite *pf_rules_watch_suite(void) {
  Suite *s = suite_create("rules_watch");
  TCase *tc = tcase_create("settle");
  tcase_add_test(tc, test_settle_reads_a_version_that_held_still);
  tcase_add_test(tc, test_settle_waits_for_the_writer);
  tcase_add_test(tc, test_settle_missing_once);
  tcase_add_test(tc, test_settle_changed_while_read);
  suite_add_tcase(s, tc);
  tc = tcase_create("watch");
  tcase_set_timeout(tc, 60);
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_watch_replaced_broken_fifo_missing);
  tcase_add_test(tc, test_watch_edit_in_place);
  tcase_add_test(tc, test_watch_stop_with_news_pending);
  tcase_add_test(tc, test_watch_stops_during_a_load);
  tcase_add_test(tc, test_watch_start_refuses);
  suite_add_tcase(s, tc);
  return s;
}
