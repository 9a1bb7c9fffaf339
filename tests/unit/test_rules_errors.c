/* test_rules_errors.c - the bad-rules corpus: every file under
 * tests/rules/bad/ must be refused with exactly the message its first line
 * gives ("# expect: NAME.yaml:LINE:COLUMN: ..."), and the corpus must be
 * complete. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_helpers.h"
#include "suites.h"

/* Files in the corpus: a file lost or added without its test changing is a
 * failure, so nothing leaves the corpus unnoticed. */
#define CORPUS_FILES 66

static const char expect_prefix[] = "# expect: ";

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The expected message: the first line after the prefix. */
static void read_expected(const char *path, char *out, size_t outlen) {
  FILE *f = fopen(path, "rb");
  ck_assert_msg(f != NULL, "cannot open %s", path);
  char line[1024];
  ck_assert_msg(fgets(line, sizeof(line), f) != NULL, "%s is empty", path);
  fclose(f);
  ck_assert_msg(strncmp(line, expect_prefix, strlen(expect_prefix)) == 0,
                "%s: the first line must start with \"%s\"", path,
                expect_prefix);
  line[strcspn(line, "\n")] = '\0';
  snprintf(out, outlen, "%s", line + strlen(expect_prefix));
}

START_TEST(test_bad_rules_corpus) {
  char dir[512];
  snprintf(dir, sizeof(dir), "%s/tests/rules/bad", rules_srcdir());
  DIR *d = opendir(dir);
  ck_assert_msg(d != NULL, "cannot open %s", dir);
  char *names[256];
  size_t n = 0;
  struct dirent *ent;
  while ((ent = readdir(d)) != NULL) {
    size_t len = strlen(ent->d_name);
    if (len > 5 && strcmp(ent->d_name + len - 5, ".yaml") == 0) {
      ck_assert_uint_lt(n, sizeof(names) / sizeof(names[0]));
      names[n++] = strdup(ent->d_name);
    }
  }
  closedir(d);
  qsort(names, n, sizeof(names[0]), cmp_names);
  ck_assert_uint_eq(n, CORPUS_FILES);

  for (size_t i = 0; i < n; i++) {
    char path[1024], expected[1024], want[2048], err[1024] = "";
    snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
    read_expected(path, expected, sizeof(expected));
    /* The message names the file as it was given: the corpus writes its
     * base name, so put the directory in front. */
    snprintf(want, sizeof(want), "%s/%s", dir, expected);
    struct pf_rules *r = NULL;
    int rc = pf_rules_load(path, &r, err, sizeof(err));
    ck_assert_msg(rc == -1, "%s was accepted", names[i]);
    ck_assert_ptr_null(r);
    ck_assert_msg(strcmp(err, want) == 0, "%s:\n  got      %s\n  expected %s",
                  names[i], err, want);
    free(names[i]);
  }
}
END_TEST

/* Errors whose input is better built than stored. */
START_TEST(test_more_classes_than_the_limit) {
  char *yaml = malloc(200 * 32);
  ck_assert_ptr_nonnull(yaml);
  size_t n = (size_t)sprintf(yaml, "classes:\n");
  for (int i = 0; i < 129; i++)
    n += (size_t)sprintf(yaml + n, "  - name: c%d\n", i);
  ck_assert_str_eq(rules_error(yaml),
                   "test.yaml:130:5: classes[128]: more than 128 classes, "
                   "the limit");
  free(yaml);
}
END_TEST

START_TEST(test_long_values_are_cut_in_messages) {
  char yaml[512];
  char port[201];
  memset(port, '9', 200);
  port[200] = '\0';
  snprintf(yaml, sizeof(yaml), "classes:\n  - name: a\n    port: %s\n", port);
  char want[512];
  snprintf(want, sizeof(want),
           "test.yaml:3:11: class \"a\": port: \"%.80s...\" is out of range "
           "0 to 65535",
           port);
  ck_assert_str_eq(rules_error(yaml), want);
}
END_TEST

Suite *pf_rules_errors_suite(void) {
  Suite *s = suite_create("rules_errors");
  TCase *tc = tcase_create("errors");
  tcase_add_test(tc, test_bad_rules_corpus);
  tcase_add_test(tc, test_more_classes_than_the_limit);
  tcase_add_test(tc, test_long_values_are_cut_in_messages);
  suite_add_tcase(s, tc);
  return s;
}
