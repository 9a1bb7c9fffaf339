/* test_rules_hostile.c - rules files that must neither block nor cost more
 * than the caps allow: FIFOs (bare and behind a symlink), directories and
 * devices are refused without being read; a file growing while it is read
 * is never used half; aliases, long flat lists, long values and deep
 * nesting are refused at the event that passes a cap, with the position,
 * the cap and the value. */
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "base/ptrie.h"
#include "rules/load.h"
#include "rules_helpers.h"
#include "suites.h"

static char dir[32];

/* pf_rules_load's message for `path`, which it must refuse. */
static const char *load_error(const char *path) {
  static char err[1024];
  struct pf_rules *r = NULL;
  ck_assert_int_eq(pf_rules_load(path, &r, err, sizeof(err)), -1);
  ck_assert_ptr_null(r);
  return err;
}

static void expect_not_regular(const char *path, const char *what) {
  char want[1024];
  snprintf(want, sizeof(want),
           "%s: not a regular file but %s; a rules file must be a regular "
           "file",
           path, what);
  ck_assert_str_eq(load_error(path), want);
}

/* ---- files that are not regular ---- */

/* open(2) of a FIFO without a writer waits for one: before the fix this
 * test hung until check's timeout. */
START_TEST(test_fifo_is_refused_without_blocking) {
  rules_make_dir(dir);
  char fifo[256], link[256];
  snprintf(fifo, sizeof(fifo), "%s/rules.fifo", dir);
  snprintf(link, sizeof(link), "%s/rules.yaml", dir);
  ck_assert_int_eq(mkfifo(fifo, 0600), 0);
  ck_assert_int_eq(symlink(fifo, link), 0);
  expect_not_regular(fifo, "a FIFO");
  expect_not_regular(link, "a FIFO");
  rules_remove_dir(dir);
}
END_TEST

START_TEST(test_devices_and_directories_are_refused) {
  rules_make_dir(dir);
  expect_not_regular(dir, "a directory");
  expect_not_regular("/dev/zero", "a character device");
  expect_not_regular("/dev/null", "a character device");
  rules_remove_dir(dir);
}
END_TEST

/* ---- a file written while it is read ---- */

struct grower {
  char path[256];
  volatile int done;
};

#define GROW_HEADER "classes:\n"
#define GROW_CLASS "  - name: c%03d\n    protocol: tcp\n"
#define GROW_LINE_BYTES 33 /* one class, as GROW_CLASS prints it */

/* Appends classes one write at a time, and starts over, until done. */
static void *grow_main(void *arg) {
  struct grower *g = arg;
  for (int round = 0; round < 100000 && !g->done; round++) {
    int fd = open(g->path, O_WRONLY | O_TRUNC);
    if (fd < 0)
      break;
    if (write(fd, GROW_HEADER, strlen(GROW_HEADER)) < 0)
      break;
    for (int c = 0; c < 100 && !g->done; c++) {
      char line[64];
      int n = snprintf(line, sizeof(line), GROW_CLASS, c);
      if (write(fd, line, (size_t)n) != n)
        break;
    }
    close(fd);
  }
  return NULL;
}

/* Whatever the timing, a load either sees a version that held still while
 * it was read (its classes are exactly what its size says) or says that it
 * changed. */
START_TEST(test_file_growing_while_read) {
  rules_make_dir(dir);
  struct grower g = {.done = 0};
  snprintf(g.path, sizeof(g.path), "%s/rules.yaml", dir);
  FILE *f = fopen(g.path, "w");
  ck_assert_ptr_nonnull(f);
  fprintf(f, GROW_HEADER GROW_CLASS, 0);
  fclose(f);
  pthread_t th;
  ck_assert_int_eq(pthread_create(&th, NULL, grow_main, &g), 0);
  int loaded = 0, changed = 0;
  /* 300 loads, and more (bounded) while none has met a complete file: on
   * a busy machine the writer may be between its truncation and its next
   * write at every one of the first 300. */
  for (int i = 0; i < 300 || (loaded + changed == 0 && i < 30000); i++) {
    char err[1024];
    struct pf_rules_err e = {g.path, err, sizeof(err)};
    struct pf_rules *r = NULL;
    struct pf_rules_stamp stamp;
    int rc = pf_rules_load_file(g.path, NULL, &r, &stamp, &e);
    if (rc == 0) {
      size_t classes =
          (size_t)(stamp.size - strlen(GROW_HEADER)) / GROW_LINE_BYTES;
      ck_assert_uint_eq(pf_rules_class_count(r), classes + 1);
      pf_rules_free(r);
      loaded++;
    } else if (rc == PF_RULES_CHANGED) {
      changed++;
    } else {
      /* An empty file or a class cut in the middle: a version that held
       * still while read, refused for what it says. */
      ck_assert_ptr_null(r);
      ck_assert_msg(strstr(err, "changed") == NULL, "%s", err);
    }
  }
  g.done = 1;
  pthread_join(th, NULL);
  ck_assert_int_gt(loaded + changed, 0);
  rules_remove_dir(dir);
}
END_TEST

/* ---- caps ---- */

/* A growing text buffer. */
struct text {
  char *s;
  size_t n, cap;
};

static void put(struct text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void put(struct text *t, const char *fmt, ...) {
  va_list ap;
  for (;;) {
    va_start(ap, fmt);
    int n = vsnprintf(t->s + t->n, t->cap - t->n, fmt, ap);
    va_end(ap);
    if ((size_t)n < t->cap - t->n) {
      t->n += (size_t)n;
      return;
    }
    t->cap = t->cap ? t->cap * 2 : 4096;
    t->s = realloc(t->s, t->cap);
    ck_assert_ptr_nonnull(t->s);
  }
}

/* The text must be refused with exactly `want`; frees it. */
static void refused(struct text *t, const char *want) {
  ck_assert_str_eq(rules_error(t->s), want);
  free(t->s);
}

/* The bomb: one anchored list of 100,000 aliases reused by 127
 * classes, 400 KB. Before the node cap it loaded, as 12.7 million
 * networks, in 3.2 s and 720 MB. */
START_TEST(test_alias_bomb) {
  struct text t = {0};
  put(&t, "local_networks: [&n \"2001:db8::/32\"]\nclasses:\n  - name: c0\n"
          "    cidr: &big [*n");
  for (int i = 1; i < 100000; i++)
    put(&t, ", *n");
  put(&t, "]\n");
  for (int c = 1; c < 127; c++)
    put(&t, "  - name: c%d\n    cidr: *big\n", c);
  refused(&t, "test.yaml:8:11: alias *big stands for 100001 nodes, "
              "which makes more than 262144 YAML nodes with aliases "
              "expanded, the limit for a rules file");
}
END_TEST

/* Aliases of aliases: 9 levels of 9 would be 387 million nodes. */
START_TEST(test_nested_alias_bomb) {
  struct text t = {0};
  put(&t, "a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
  for (int l = 1; l < 9; l++) {
    put(&t, "a%d: &a%d [", l, l);
    for (int i = 0; i < 9; i++)
      put(&t, "%s*a%d", i ? ", " : "", l - 1);
    put(&t, "]\n");
  }
  refused(&t, "test.yaml:6:20: alias *a4 stands for 66430 nodes, which "
              "makes more than 262144 YAML nodes with aliases "
              "expanded, the limit for a rules file");
}
END_TEST

/* local_networks of n networks: 3 + n nodes. */
static char *networks(size_t n) {
  struct text t = {0};
  put(&t, "local_networks:\n");
  for (size_t i = 0; i < n; i++)
    put(&t, "- 10.%zu.%zu.0/24\n", i >> 8 & 255, i & 255);
  return t.s;
}

/* At the cap a file loads; one node more, and it is refused at that node,
 * before it is stored. */
START_TEST(test_node_cap_exactly) {
  char *at_cap = networks(PF_RULES_MAX_NODES - 3);
  struct pf_rules *r = rules_from(at_cap);
  ck_assert_uint_eq(pf_rules_local_count(r), PF_RULES_MAX_NODES - 3);
  pf_rules_free(r);
  free(at_cap);
  char *over = networks(PF_RULES_MAX_NODES - 2);
  ck_assert_str_eq(rules_error(over),
                   "test.yaml:262143:3: more than 262144 YAML nodes (keys, "
                   "values, lists and mappings), the limit for a rules file");
  free(over);
}
END_TEST

START_TEST(test_long_value) {
  struct text t = {0};
  put(&t, "classes:\n  - name: web\n    port: \"");
  for (int i = 0; i < 300; i++)
    put(&t, "8");
  put(&t, "\"\n");
  refused(&t, "test.yaml:3:11: \"8888888888888888888888888888888888888888"
              "888888888888888...\" is 300 bytes long; a key or "
              "value is at most 256");
}
END_TEST

START_TEST(test_anchors_twice_and_recursive) {
  ck_assert_str_eq(rules_error("a: &x 1\nb: &x 2\n"),
                   "test.yaml:2:4: anchor &x is defined twice (first on line "
                   "1, column 4)");
  ck_assert_str_eq(rules_error("classes: &c [*c]\n"),
                   "test.yaml:1:14: alias *c is inside the node its anchor "
                   "names (on line 1): a structure that contains itself");
}
END_TEST

/* 60,000 scattered IPv6 hosts, one a line after `dash`: more than the
 * prefix trie's 1,048,576 nodes hold (about 27 nodes each). */
static void put_scattered_v6(struct text *t, const char *dash) {
  uint64_t x = 88172645463325252ULL;
  for (int i = 0; i < 60000; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    put(t, "%s2001:db8:%x:%x:%x:%x:%x:%x\n", dash, (unsigned)(x & 0xffff),
        (unsigned)(x >> 16 & 0xffff), (unsigned)(x >> 32 & 0xffff),
        (unsigned)(x >> 48), (unsigned)(i & 0xffff), (unsigned)(i >> 16));
  }
}

/* The classes' networks past the trie's 64 MiB: refused at the network
 * that needed one node more, as where it stands in the file. */
START_TEST(test_class_trie_cap) {
  struct text t = {0};
  put(&t, "classes:\n  - name: hosts\n    cidr:\n");
  put_scattered_v6(&t, "    - ");
  const char *err = rules_error(t.s);
  ck_assert_msg(strncmp(err, "test.yaml:", 10) == 0 &&
                    strstr(err, ": cidr: \"2001:db8:") &&
                    strstr(err, "/128\": the classes' IPv6 networks need more "
                                "than 1048576 prefix trie nodes (64 MiB), "
                                "the limit"),
                "%s", err);
  free(t.s);
}
END_TEST

/* The same for local_networks: refused at the network, where it stands,
 * at start and at reload alike, rather than accepted and then refused by
 * every source when collectd next starts. */
START_TEST(test_local_trie_cap) {
  struct text t = {0};
  put(&t, "local_networks:\n");
  put_scattered_v6(&t, "  - ");
  const char *err = rules_error(t.s);
  unsigned line = 0, col = 0;
  ck_assert_msg(sscanf(err, "test.yaml:%u:%u: local_networks: \"2001:db8:",
                       &line, &col) == 2 &&
                    line > 30000 && line < 60002 && col == 5 &&
                    strstr(err, "/128\": the IPv6 local networks need more "
                                "than 1048576 prefix trie nodes (64 MiB), "
                                "the limit"),
                "%s", err);
  free(t.s);
}
END_TEST

START_TEST(test_stop_gives_up) {
  atomic_bool stop = true;
  char err[256];
  struct pf_rules_err e = {"test.yaml", err, sizeof(err)};
  struct pf_rules *r = NULL;
  ck_assert_int_eq(
      pf_rules_parse_text("test.yaml", "classes: []", 11, &stop, &r, &e), -1);
  ck_assert_str_eq(err, "test.yaml: reading stopped");
  ck_assert_ptr_null(r);
}
END_TEST

Suite *pf_rules_hostile_suite(void) {
  Suite *s = suite_create("rules_hostile");
  TCase *tc = tcase_create("files");
  tcase_set_timeout(tc, 20);
  tcase_add_test(tc, test_fifo_is_refused_without_blocking);
  tcase_add_test(tc, test_devices_and_directories_are_refused);
  tcase_add_test(tc, test_file_growing_while_read);
  suite_add_tcase(s, tc);
  tc = tcase_create("caps");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_alias_bomb);
  tcase_add_test(tc, test_nested_alias_bomb);
  tcase_add_test(tc, test_node_cap_exactly);
  tcase_add_test(tc, test_long_value);
  tcase_add_test(tc, test_anchors_twice_and_recursive);
  tcase_add_test(tc, test_class_trie_cap);
  tcase_add_test(tc, test_local_trie_cap);
  tcase_add_test(tc, test_stop_gives_up);
  suite_add_tcase(s, tc);
  return s;
}
