/* test_tls_names.c - a shard's bounded table of TLS server names
 * (src/shard/tls_names.c): a name interned once keeps its index, the table
 * holds TopSeriesLimit names and then answers `other` (counted), 0 means
 * its own bound, a name is kept as its top-N key (43 bytes), and the
 * report writes names as [a-z0-9_] series, bounded. */
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "shard/tls_names.h"
#include "source/worker.h"
#include "suites.h"

static struct pf_tls_names t;

static void init(uint32_t limit) {
  char err[256];
  ck_assert_msg(pf_tls_names_init(&t, limit, err, sizeof(err)) == 0, "%s", err);
}

static void teardown(void) { pf_tls_names_free(&t); }

static uint32_t intern(const char *name) {
  return pf_tls_names_intern(&t, name, (uint32_t)strlen(name));
}

START_TEST(a_name_keeps_its_index) {
  init(4);
  uint32_t a = intern("alpha.svc.test"), b = intern("beta.svc.test");
  ck_assert_uint_ne(a, b);
  ck_assert_uint_eq(intern("alpha.svc.test"), a);
  ck_assert_uint_eq(intern("beta.svc.test"), b);
  ck_assert_uint_eq(t.used, 2);
  const struct pf_tls_name_key *k = pf_tls_names_key(&t, a);
  ck_assert_uint_eq(k->len, 14);
  ck_assert(memcmp(k->text, "alpha.svc.test", 14) == 0);
}
END_TEST

/* An index intern never gave (a stray TCP record's bytes) reads as no
 * name, the empty key, whether or not it is below the table's size. */
START_TEST(an_unknown_index_is_no_name) {
  init(4);
  uint32_t a = intern("alpha.svc.test");
  static const struct pf_tls_name_key none;
  const uint32_t stray[] = {a + 1, 4, 1u << 20, PF_TLS_NAME_OTHER};
  for (size_t i = 0; i < sizeof(stray) / sizeof(stray[0]); i++) {
    const struct pf_tls_name_key *k = pf_tls_names_key(&t, stray[i]);
    ck_assert_msg(memcmp(k, &none, sizeof(none)) == 0, "index %u", stray[i]);
  }
  ck_assert_uint_eq(pf_tls_names_key(&t, a)->len, 14);
}
END_TEST

START_TEST(full_then_other) {
  init(3);
  char name[32];
  for (int i = 0; i < 3; i++) {
    snprintf(name, sizeof(name), "host%d.svc.test", i);
    ck_assert_uint_eq(intern(name), (uint32_t)i);
  }
  for (int i = 3; i < 1000; i++) {
    snprintf(name, sizeof(name), "host%d.svc.test", i);
    ck_assert_uint_eq(intern(name), PF_TLS_NAME_OTHER);
  }
  ck_assert_uint_eq(t.full, 997);
  ck_assert_uint_eq(intern("host1.svc.test"), 1); /* the kept still found */
  ck_assert_uint_eq(t.used, 3);
}
END_TEST

START_TEST(zero_is_bounded_too) {
  init(0);
  ck_assert_uint_eq(t.limit, PF_TLS_NAMES_UNLIMITED);
  char name[32];
  uint32_t kept = 0;
  for (int i = 0; i < PF_TLS_NAMES_UNLIMITED + 10; i++) {
    snprintf(name, sizeof(name), "n%d", i);
    kept += intern(name) != PF_TLS_NAME_OTHER;
  }
  ck_assert_uint_eq(kept, PF_TLS_NAMES_UNLIMITED);
}
END_TEST

START_TEST(a_long_name_is_its_key) {
  init(4);
  char a[256], b[256];
  memset(a, 'x', 255);
  a[255] = '\0';
  memcpy(b, a, sizeof(b));
  b[200] = 'y'; /* differs past the key's 43 bytes: the same key */
  uint32_t i = intern(a);
  ck_assert_uint_eq(intern(b), i);
  ck_assert_uint_eq(pf_tls_names_key(&t, i)->len, PF_TOPN_KEY_MAX - 1);
}
END_TEST

/* The report: names as [a-z0-9_] after "top_sni_", the empty key never
 * named, TopSeriesLimit names at most, then "other". */
START_TEST(names_in_the_report) {
  struct pf_source src;
  memset(&src, 0, sizeof(src));
  src.cfg.top_n = 10;
  struct pf_topn top;
  struct pf_top_names names;
  char err[256];
  ck_assert(pf_topn_init(&top, 16, sizeof(struct pf_tls_name_key), err,
                         sizeof(err)) == 0);
  ck_assert(pf_top_names_init(&names, 2) == 0);
  static const char *const text[] = {"www.example-1.test", "a_b.test", "",
                                     "?x.y", "third.test"};
  for (int i = 0; i < 5; i++) {
    struct pf_tls_name_key k = {.len = (uint8_t)strlen(text[i])};
    memcpy(k.text, text[i], k.len);
    pf_topn_add(&top, &k, 0, 1000u - (uint64_t)i);
  }
  struct pf_top_list list;
  pf_report_text_top(&src, &top, &names, "top_sni_", &list);
  ck_assert_uint_eq(list.n, 3);
  ck_assert_str_eq(list.entry[0].name, "top_sni_www_example_1_test");
  ck_assert_str_eq(list.entry[1].name, "top_sni_a_b_test");
  ck_assert_str_eq(list.entry[2].name, "top_sni_other");
  ck_assert_uint_eq(list.entry[2].bytes, 998 + 997 + 996);
  pf_topn_free(&top);
  pf_top_names_free(&names);
}
END_TEST

/* Names of equal bytes: by their text (shard/top_order.h), not by their
 * length byte, nor by which was offered first. */
START_TEST(tied_names_in_the_report_by_their_text) {
  struct pf_source src;
  memset(&src, 0, sizeof(src));
  src.cfg.top_n = 1;
  struct pf_topn top;
  struct pf_top_names names;
  char err[256];
  ck_assert(pf_topn_init(&top, 16, sizeof(struct pf_tls_name_key), err,
                         sizeof(err)) == 0);
  ck_assert(pf_top_names_init(&names, 0) == 0);
  static const char *const text[] = {"site4.example", "site12.example"};
  for (int i = 0; i < 2; i++) {
    struct pf_tls_name_key k = {.len = (uint8_t)strlen(text[i])};
    memcpy(k.text, text[i], k.len);
    pf_topn_add(&top, &k, 0, 500);
  }
  struct pf_top_list list;
  pf_report_text_top(&src, &top, &names, "top_sni_", &list);
  pf_topn_free(&top);
  pf_top_names_free(&names);
  ck_assert_uint_eq(list.n, 2);
  ck_assert_str_eq(list.entry[0].name, "top_sni_site12_example");
  ck_assert_uint_eq(list.entry[1].bytes, 500);
}
END_TEST

/* The empty key (names a worker could not keep) is never named, so it takes
 * none of the TopN places: not when it outweighs the names, and not at a
 * tie at the cutoff, where as the least key of all it would otherwise
 * always win the place. Its bytes are in "other". */
START_TEST(the_unkept_names_take_no_place) {
  struct pf_source src;
  memset(&src, 0, sizeof(src));
  src.cfg.top_n = 1;
  char err[256];
  for (uint64_t unkept = 500; unkept <= 900; unkept += 400) {
    struct pf_topn top;
    struct pf_top_names names;
    ck_assert(pf_topn_init(&top, 16, sizeof(struct pf_tls_name_key), err,
                           sizeof(err)) == 0);
    ck_assert(pf_top_names_init(&names, 0) == 0);
    struct pf_tls_name_key real = {.len = 13}, empty = {.len = 0};
    memcpy(real.text, "site4.example", 13);
    pf_topn_add(&top, &real, 0, 500);
    pf_topn_add(&top, &empty, 0, unkept);
    struct pf_top_list list;
    pf_report_text_top(&src, &top, &names, "top_sni_", &list);
    pf_topn_free(&top);
    pf_top_names_free(&names);
    ck_assert_uint_eq(list.n, 2);
    ck_assert_str_eq(list.entry[0].name, "top_sni_site4_example");
    ck_assert_uint_eq(list.entry[0].bytes, 500);
    ck_assert_str_eq(list.entry[1].name, "top_sni_other");
    ck_assert_uint_eq(list.entry[1].bytes, unkept);
  }
}
END_TEST

Suite *pf_tls_names_suite(void) {
  Suite *su = suite_create("tls_names");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, NULL, teardown);
  tcase_add_test(tc, a_name_keeps_its_index);
  tcase_add_test(tc, an_unknown_index_is_no_name);
  tcase_add_test(tc, full_then_other);
  tcase_add_test(tc, zero_is_bounded_too);
  tcase_add_test(tc, a_long_name_is_its_key);
  tcase_add_test(tc, names_in_the_report);
  tcase_add_test(tc, tied_names_in_the_report_by_their_text);
  tcase_add_test(tc, the_unkept_names_take_no_place);
  suite_add_tcase(su, tc);
  return su;
}
