/* test_rules_watch.c - reloading the rules file off the caller's thread:
 * the settle rule on a clock of the test's own (a version is read once it
 * held still, and not while a process writes it), and the watch with real
 * files: replaced, broken, a FIFO, deleted, edited in place by a writer
 * that pauses, stopped in the middle of a load. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "base/clock.h"
#include "rules/load.h"
#include "rules/news.h"
#include "rules/settle.h"
#include "rules/watch.h"
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

/* A big file whose load the watch has begun when it is stopped: the load
 * gives up at its next step and the thread ends within the stop's wait
 * (pf_rules_watch_stop says whether it did), leaving nothing running. The
 * hook holds the load until stop is set, so it is stopped during the load
 * however the machine schedules the threads. */
static atomic_bool load_began;

static void hold_load_until_stopped(const atomic_bool *stop) {
  atomic_store(&load_began, true);
  for (int i = 0; i < 2000 && !atomic_load(stop); i++)
    sleep_ms(5);
}

static void write_big(void) {
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs("local_networks:\n", f);
  for (int i = 0; i < 200000; i++)
    fprintf(f, "- 10.%d.%d.0/24\n", i >> 8 & 255, i & 255);
  ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_watch_stops_during_a_load) {
  install(v1);
  struct pf_rules_watch *w = start();
  atomic_store(&load_began, false);
  pf_rules_watch_test_hook(hold_load_until_stopped);
  write_big();
  for (int i = 0; i < 2000 && !atomic_load(&load_began); i++)
    sleep_ms(5);
  ck_assert_msg(atomic_load(&load_began), "the watch never began the load");
  bool ended = pf_rules_watch_stop(w);
  pf_rules_watch_test_hook(NULL);
  ck_assert_msg(ended, "the watch's thread did not end within %d ms",
                PF_WATCH_STOP_MS);
}
END_TEST

/* The load itself, stopped from another thread while it reads and parses
 * a big file: "reading stopped", nothing loaded. */
struct stopper {
  atomic_bool stop;
  long after_ms;
};

static void *stop_later(void *arg) {
  struct stopper *s = arg;
  sleep_ms(s->after_ms);
  atomic_store(&s->stop, true);
  return NULL;
}

START_TEST(test_load_file_stopped_midway) {
  write_big();
  char err[PF_ERR_MAX], want[PF_ERR_MAX + 300];
  snprintf(want, sizeof(want), "%s: reading stopped", path);
  bool stopped = false;
  /* A few tries, in case a busy machine ran the whole load before the
   * stopper: once is enough, and every try is either whole or stopped. */
  for (int attempt = 0; attempt < 5 && !stopped; attempt++) {
    struct stopper s = {.after_ms = 20};
    struct pf_rules_err e = {path, err, sizeof(err)};
    struct pf_rules *r = NULL;
    struct pf_rules_stamp version;
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, stop_later, &s), 0);
    int rc = pf_rules_load_file(path, &s.stop, &r, &version, &e);
    pthread_join(t, NULL);
    if (rc == 0) {
      pf_rules_free(r);
      continue;
    }
    ck_assert_str_eq(err, want);
    ck_assert_ptr_null(r);
    stopped = true;
  }
  ck_assert_msg(stopped, "five loads of a big file all ended before 20 ms");
}
END_TEST

/* ---- the stop's bound on the monotonic clock ---- */

/* The watch waits for its thread on a condition variable of the monotonic
 * clock until a monotonic deadline, so a wall clock stepped back during
 * shutdown stretches nothing. Were the variable on the wall clock (the
 * default), a monotonic deadline would lie decades in its past and the
 * wait would end at once, before the deadline. */
START_TEST(test_stop_bound_is_monotonic) {
  pthread_cond_t cond;
  pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
  ck_assert_int_eq(pf_cond_init_monotonic(&cond), 0);
  struct timespec until = pf_mono_deadline(200), now;
  pthread_mutex_lock(&lock);
  int rc = 0;
  for (int i = 0; i < 100 && rc != ETIMEDOUT; i++)
    rc = pthread_cond_timedwait(&cond, &lock, &until);
  pthread_mutex_unlock(&lock);
  clock_gettime(CLOCK_MONOTONIC, &now);
  ck_assert_int_eq(rc, ETIMEDOUT);
  ck_assert_msg(now.tv_sec > until.tv_sec || (now.tv_sec == until.tv_sec &&
                                              now.tv_nsec >= until.tv_nsec),
                "the wait ended before its monotonic deadline");
  pthread_cond_destroy(&cond);
}
END_TEST

/* ---- the queue of news ---- */

/* A good version, then more messages than the queue holds: the good
 * version is still there to take, first, and the messages dropped are
 * counted on it. */
START_TEST(test_news_keeps_the_rule_set) {
  struct pf_news_queue q;
  memset(&q, 0, sizeof(q));
  struct pf_rules *good = NULL;
  char err[PF_ERR_MAX];
  ck_assert_int_eq(
      pf_rules_parse("t.yaml", v1, strlen(v1), &good, err, sizeof(err)), 0);
  pf_news_push(&q, PF_RULES_LOADED, good, "");
  char msg[32];
  for (int i = 0; i < PF_NEWS_QUEUE + 3; i++) {
    snprintf(msg, sizeof(msg), "refused %d", i);
    pf_news_push(&q, PF_RULES_REFUSED, NULL, msg);
  }
  struct pf_rules_news news;
  ck_assert(pf_news_pop(&q, &news));
  ck_assert_int_eq(news.kind, PF_RULES_LOADED);
  ck_assert_ptr_eq(news.rules, good);
  ck_assert_uint_eq(news.dropped, 4);
  pf_rules_free(news.rules);
  /* The newest 15 messages, in order, none counted twice. */
  for (int i = 4; i < PF_NEWS_QUEUE + 3; i++) {
    ck_assert(pf_news_pop(&q, &news));
    snprintf(msg, sizeof(msg), "refused %d", i);
    ck_assert_str_eq(news.message, msg);
    ck_assert_uint_eq(news.dropped, 0);
  }
  ck_assert(!pf_news_pop(&q, &news));
  pf_news_free(&q);
}
END_TEST

/* A newer rule set replaces one not taken; nothing is counted dropped. */
START_TEST(test_news_newer_rule_set_replaces) {
  struct pf_news_queue q;
  memset(&q, 0, sizeof(q));
  struct pf_rules *a = NULL, *b = NULL;
  char err[PF_ERR_MAX];
  ck_assert_int_eq(pf_rules_parse("a.yaml", v1, strlen(v1), &a, err, 64), 0);
  ck_assert_int_eq(pf_rules_parse("b.yaml", v2, strlen(v2), &b, err, 64), 0);
  pf_news_push(&q, PF_RULES_LOADED, a, "");
  pf_news_push(&q, PF_RULES_MISSING, NULL, "gone");
  pf_news_push(&q, PF_RULES_LOADED, b, "");
  struct pf_rules_news news;
  ck_assert(pf_news_pop(&q, &news));
  ck_assert_int_eq(news.kind, PF_RULES_MISSING);
  ck_assert(pf_news_pop(&q, &news));
  ck_assert_ptr_eq(news.rules, b);
  ck_assert_uint_eq(news.dropped, 0);
  pf_rules_free(b);
  pf_news_free(&q); /* LeakSanitizer: a was freed when b came */
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
  tcase_add_test(tc, test_stop_bound_is_monotonic);
  tcase_add_test(tc, test_news_keeps_the_rule_set);
  tcase_add_test(tc, test_news_newer_rule_set_replaces);
  suite_add_tcase(s, tc);
  tc = tcase_create("watch");
  tcase_set_timeout(tc, 60);
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_watch_replaced_broken_fifo_missing);
  tcase_add_test(tc, test_watch_edit_in_place);
  tcase_add_test(tc, test_watch_stop_with_news_pending);
  tcase_add_test(tc, test_watch_stops_during_a_load);
  tcase_add_test(tc, test_load_file_stopped_midway);
  tcase_add_test(tc, test_watch_start_refuses);
  suite_add_tcase(s, tc);
  return s;
}
