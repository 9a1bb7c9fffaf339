/* test_rules_load.c - loading rules files: the shipped example, class names
 * and indexes, carrying classes across a reload, local networks, files
 * that cannot be read, references, and noticing a changed file. */
#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rules_helpers.h"
#include "suites.h"

static char tmp_dir[32];

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(fputs(text, f) >= 0, 1);
  ck_assert_int_eq(fclose(f), 0);
}

/* ---- the example ---- */

START_TEST(test_example_file_loads) {
  char path[512], err[1024] = "";
  snprintf(path, sizeof(path), "%s/collectd.conf.d/pcapflow.yaml",
           rules_srcdir());
  struct pf_rules *r = NULL;
  ck_assert_msg(pf_rules_load(path, &r, err, sizeof(err)) == 0, "%s", err);
  static const char *const names[] = {
      "dns",          "web",     "db_replication", "backup", "voice",
      "storage_vlan", "control", "scanner",        "other",  "unclassified"};
  ck_assert_uint_eq(pf_rules_class_count(r), 10);
  for (size_t i = 0; i < 10; i++)
    ck_assert_str_eq(pf_rules_class_name(r, i), names[i]);
  ck_assert_uint_eq(pf_rules_local_count(r), 2);
  char text[64];
  pf_prefix_format(pf_rules_local_prefix(r, 0), text, sizeof(text));
  ck_assert_str_eq(text, "198.18.0.0/15");
  pf_prefix_format(pf_rules_local_prefix(r, 1), text, sizeof(text));
  ck_assert_str_eq(text, "2001:db8::/32");
  ck_assert_str_eq(pf_rules_path(r), path);

  /* What its comments promise, one packet each. */
  struct rpkt p;
  rpkt_ip(&p, "198.18.0.1", "198.18.0.53", 17);
  rpkt_ports(&p, 40000, 53);
  ck_assert_str_eq(rpkt_class(r, &p), "dns");
  rpkt_ip(&p, "2001:db8::1", "2001:db8::2", 17);
  rpkt_ports(&p, 8099, 50000);
  ck_assert_str_eq(rpkt_class(r, &p), "web");
  rpkt_ip(&p, "198.18.0.1", "198.18.20.5", 6);
  rpkt_ports(&p, 40000, 5432);
  ck_assert_str_eq(rpkt_class(r, &p), "db_replication");
  rpkt_ports(&p, 5432, 40000); /* the reply is not by destination */
  ck_assert_str_eq(rpkt_class(r, &p), "other");
  rpkt_ip(&p, "198.19.200.1", "198.18.0.1", 6);
  rpkt_ports(&p, 9000, 40000);
  ck_assert_str_eq(rpkt_class(r, &p), "backup");
  rpkt_ip(&p, "198.18.0.1", "198.18.0.2", 17);
  p.pkt.dscp = 46;
  ck_assert_str_eq(rpkt_class(r, &p), "voice");
  rpkt_non_ip(&p);
  rpkt_vlan(&p, 205, -1);
  ck_assert_str_eq(rpkt_class(r, &p), "storage_vlan");
  rpkt_non_ip(&p);
  ck_assert_str_eq(rpkt_class(r, &p), "other");
  rpkt_ip(&p, "198.18.0.1", "198.18.0.2", 50);
  ck_assert_str_eq(rpkt_class(r, &p), "control");
  rpkt_ip(&p, "198.18.5.5", "198.18.0.2", 17);
  rpkt_ports(&p, 32768, 9);
  ck_assert_str_eq(rpkt_class(r, &p), "scanner");
  p.pkt.l3 = PF_L3_MALFORMED;
  ck_assert_str_eq(rpkt_class(r, &p), "unclassified");
  pf_rules_free(r);
}
END_TEST

/* ---- classes ---- */

START_TEST(test_class_names_and_indexes) {
  struct pf_rules *r = rules_from("classes:\n"
                                  "  - name: a\n"
                                  "  - name: z9_\n"
                                  "  - name: "
                                  "abcdefghijklmnopqrstuvwxyz_0123456789_"
                                  "abcdefghijklmnopqrstuvwxy\n");
  ck_assert_uint_eq(pf_rules_class_count(r), 4);
  ck_assert_uint_eq(pf_rules_unclassified(r), 3);
  ck_assert_str_eq(pf_rules_class_name(r, 0), "a");
  ck_assert_str_eq(pf_rules_class_name(r, 1), "z9_");
  ck_assert_uint_eq(strlen(pf_rules_class_name(r, 2)), 63);
  ck_assert_str_eq(pf_rules_class_name(r, 3), "unclassified");
  ck_assert_ptr_null(pf_rules_class_name(r, 4));
  ck_assert_int_eq(pf_rules_class_index(r, "a"), 0);
  ck_assert_int_eq(pf_rules_class_index(r, "z9_"), 1);
  ck_assert_int_eq(pf_rules_class_index(r, "unclassified"), 3);
  ck_assert_int_eq(pf_rules_class_index(r, "b"), -1);
  ck_assert_int_eq(pf_rules_class_index(r, "A"), -1);
  ck_assert_uint_gt(pf_rules_memory(r), sizeof(void *));
  pf_rules_free(r);
}
END_TEST

START_TEST(test_class_map_across_a_reload) {
  struct pf_rules *old = rules_from("classes:\n"
                                    "  - name: web\n"
                                    "  - name: dns\n"
                                    "  - name: gone\n");
  struct pf_rules *fresh = rules_from("classes:\n"
                                      "  - name: dns\n"
                                      "  - name: new\n"
                                      "  - name: web\n");
  int map[4];
  pf_rules_class_map(old, fresh, map);
  ck_assert_int_eq(map[0], 2);  /* web */
  ck_assert_int_eq(map[1], 0);  /* dns */
  ck_assert_int_eq(map[2], -1); /* gone */
  ck_assert_int_eq(map[3], 3);  /* unclassified */
  pf_rules_free(old);
  pf_rules_free(fresh);
}
END_TEST

/* Block and flow styles, quotes, comments and anchors all read the same. */
START_TEST(test_yaml_styles) {
  struct pf_rules *r = rules_from("# a comment\n"
                                  "---\n"
                                  "classes:\n"
                                  "  - {name: flow, port: [\"7\", 8-9]}\n"
                                  "  - name: 'block'   # trailing comment\n"
                                  "    dst_port: &ports\n"
                                  "      - 10\n"
                                  "      - \"11-12\"\n"
                                  "  - name: again\n"
                                  "    src_port: *ports\n"
                                  "    protocol: !!str udp\n"
                                  "...\n");
  static const struct {
    uint16_t sport, dport;
    const char *cls;
  } cases[] = {{1, 7, "flow"},         {9, 1, "flow"},   {1, 10, "block"},
               {1, 12, "block"},       {12, 1, "again"}, {10, 13, "again"},
               {13, 1, "unclassified"}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct rpkt p;
    rpkt_ip(&p, "198.18.0.1", "198.18.0.2", 17);
    rpkt_ports(&p, cases[i].sport, cases[i].dport);
    ck_assert_str_eq(rpkt_class(r, &p), cases[i].cls);
  }
  pf_rules_free(r);
}
END_TEST

/* ---- local networks ---- */

START_TEST(test_local_networks_extend_a_set) {
  struct pf_rules *r = rules_from("local_networks:\n"
                                  "  - 198.18.0.0/16\n"
                                  "  - 2001:db8:1::/48\n"
                                  "  - 198.19.0.7\n");
  ck_assert_uint_eq(pf_rules_local_count(r), 3);
  ck_assert_uint_eq(pf_rules_class_count(r), 1); /* no classes: fine */
  ck_assert_ptr_null(pf_rules_local_prefix(r, 3));

  /* The set keeps what it had (a LocalNetwork option) and gains these. */
  struct pf_localnet set;
  pf_localnet_init(&set);
  struct pf_prefix own;
  char err[256];
  ck_assert_int_eq(pf_prefix_parse("198.19.1.0/24", &own, err, sizeof(err)), 0);
  ck_assert_int_eq(pf_localnet_add(&set, &own, err, sizeof(err)), 0);
  ck_assert_int_eq(pf_rules_add_local(r, &set, err, sizeof(err)), 0);
  static const uint8_t in_own[4] = {198, 19, 1, 1},
                       in_file[4] = {198, 18, 200, 1},
                       host[4] = {198, 19, 0, 7}, outside[4] = {198, 19, 0, 8};
  static const uint8_t v6_in[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1},
                       v6_out[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 1};
  ck_assert(pf_localnet_has4(&set, in_own));
  ck_assert(pf_localnet_has4(&set, in_file));
  ck_assert(pf_localnet_has4(&set, host));
  ck_assert(!pf_localnet_has4(&set, outside));
  ck_assert(pf_localnet_has6(&set, v6_in));
  ck_assert(!pf_localnet_has6(&set, v6_out));
  pf_localnet_free(&set);
  pf_rules_free(r);
}
END_TEST

/* ---- files ---- */

START_TEST(test_unreadable_files) {
  rules_make_dir(tmp_dir);
  char path[256], err[512], want[512];
  struct pf_rules *r = NULL;

  snprintf(path, sizeof(path), "%s/missing.yaml", tmp_dir);
  ck_assert_int_eq(pf_rules_load(path, &r, err, sizeof(err)), -1);
  snprintf(want, sizeof(want), "%s: cannot open: No such file or directory",
           path);
  ck_assert_str_eq(err, want);

  ck_assert_int_eq(pf_rules_load(tmp_dir, &r, err, sizeof(err)), -1);
  snprintf(want, sizeof(want),
           "%s: not a regular file but a directory; a rules file must be a "
           "regular file",
           tmp_dir);
  ck_assert_str_eq(err, want);

  /* One byte over the limit is refused before it is parsed. */
  snprintf(path, sizeof(path), "%s/huge.yaml", tmp_dir);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(ftruncate(fd, PF_RULES_MAX_FILE_BYTES + 1), 0);
  close(fd);
  ck_assert_int_eq(pf_rules_load(path, &r, err, sizeof(err)), -1);
  snprintf(want, sizeof(want),
           "%s: 16777217 bytes, larger than 16 MiB, the limit for a rules "
           "file",
           path);
  ck_assert_str_eq(err, want);

  /* Exactly at the limit it is read, then refused as YAML (NUL bytes). */
  fd = open(path, O_WRONLY | O_TRUNC);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(ftruncate(fd, PF_RULES_MAX_FILE_BYTES), 0);
  close(fd);
  ck_assert_int_eq(pf_rules_load(path, &r, err, sizeof(err)), -1);
  snprintf(want, sizeof(want),
           "%s:1:1: malformed YAML: control characters are not allowed "
           "(byte 0x00)",
           path);
  ck_assert_str_eq(err, want);
  ck_assert_ptr_null(r);
  rules_remove_dir(tmp_dir);
}
END_TEST

/* Messages that do not fit are cut, never overrun. */
START_TEST(test_small_error_buffers) {
  char err[24];
  memset(err, 'x', sizeof(err));
  struct pf_rules *r = NULL;
  ck_assert_int_eq(pf_rules_parse("a-rather-long-file-name.yaml", "classes: 1",
                                  10, &r, err, sizeof(err)),
                   -1);
  ck_assert_str_eq(err, "a-rather-long-file-name");
  ck_assert_int_eq(pf_rules_parse("f", "classes: 1", 10, &r, err, 1), -1);
  ck_assert_str_eq(err, "");
  ck_assert_int_eq(pf_rules_parse("f", "classes: 1", 10, &r, err, 0), -1);
  ck_assert_ptr_null(r);
}
END_TEST

START_TEST(test_zero_length_and_nul_text) {
  ck_assert_str_eq(rules_error(""), "test.yaml:1:1: the file is empty; "
                                    "expected a mapping with "
                                    "\"local_networks\" and/or \"classes\"");
  /* A NUL byte inside is not the end of the text. */
  char err[512];
  struct pf_rules *r = NULL;
  ck_assert_int_eq(
      pf_rules_parse("nul.yaml", "classes: []\n\0x", 14, &r, err, sizeof(err)),
      -1);
  ck_assert_str_eq(err, "nul.yaml:2:1: malformed YAML: control characters "
                        "are not allowed (byte 0x00)");
}
END_TEST

/* ---- references ---- */

START_TEST(test_references) {
  struct pf_rules *r = rules_from("classes:\n  - name: web\n    port: 80\n");
  ck_assert_ptr_eq(pf_rules_ref(r), r);
  pf_rules_free(r);
  /* Still alive on the second reference (ASan would see a use after
   * free, and a leak if the last free did not free). */
  struct rpkt p;
  rpkt_ip(&p, "198.18.0.1", "198.18.0.2", 6);
  rpkt_ports(&p, 80, 1);
  ck_assert_str_eq(rpkt_class(r, &p), "web");
  pf_rules_free(r);
  pf_rules_free(NULL);
}
END_TEST

/* Capture threads share one set read-only, each holding a reference; the
 * last to let go frees it, after its loader has already moved on to
 * another set. Under ASan a use after free or a leak fails this. */
struct sharer {
  struct pf_rules *rules;
  unsigned wrong;
};

static void *share_main(void *arg) {
  struct sharer *sh = arg;
  for (unsigned i = 0; i < 20000; i++) {
    struct rpkt p;
    rpkt_ip(&p, "198.18.0.1", "198.18.0.2", 6);
    rpkt_ports(&p, 40000, (uint16_t)(i % 3 == 0 ? 443 : 22));
    unsigned want = i % 3 == 0 ? 0 : 1;
    sh->wrong += rpkt_index(sh->rules, &p) != want;
  }
  pf_rules_free(sh->rules);
  return NULL;
}

START_TEST(test_shared_across_threads) {
  struct pf_rules *first = rules_from("classes:\n  - name: web\n"
                                      "    dst_port: 443\n");
  struct sharer sh[4];
  pthread_t threads[4];
  for (int i = 0; i < 4; i++) {
    sh[i] = (struct sharer){pf_rules_ref(first), 0};
    ck_assert_int_eq(pthread_create(&threads[i], NULL, share_main, &sh[i]), 0);
  }
  /* The loader replaces its set while the threads still use the old one. */
  pf_rules_free(first);
  struct pf_rules *second = rules_from("classes:\n  - name: ssh\n"
                                       "    dst_port: 22\n");
  for (int i = 0; i < 4; i++) {
    ck_assert_int_eq(pthread_join(threads[i], NULL), 0);
    ck_assert_uint_eq(sh[i].wrong, 0);
  }
  struct rpkt p;
  rpkt_ip(&p, "198.18.0.1", "198.18.0.2", 6);
  rpkt_ports(&p, 40000, 22);
  ck_assert_str_eq(rpkt_class(second, &p), "ssh");
  pf_rules_free(second);
}
END_TEST

/* ---- a changed file ---- */

START_TEST(test_stamp_notices_changes) {
  rules_make_dir(tmp_dir);
  char path[256], other[256];
  snprintf(path, sizeof(path), "%s/rules.yaml", tmp_dir);
  snprintf(other, sizeof(other), "%s/rules.yaml.new", tmp_dir);

  struct pf_rules_stamp a, b;
  pf_rules_stamp_read(path, &a);
  ck_assert(!a.exists);
  pf_rules_stamp_read(path, &b);
  ck_assert(pf_rules_stamp_equal(&a, &b)); /* still missing */

  write_file(path, "classes: []\n");
  pf_rules_stamp_read(path, &b);
  ck_assert(b.exists);
  ck_assert(!pf_rules_stamp_equal(&a, &b)); /* appeared */
  pf_rules_stamp_read(path, &a);
  ck_assert(pf_rules_stamp_equal(&a, &b)); /* unchanged */

  /* Replaced by a rename, as deployment tools do: a new inode, even with
   * the same size and a copied mtime. */
  write_file(other, "classes: []\n");
  struct stat st;
  ck_assert_int_eq(stat(path, &st), 0);
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  ck_assert_int_eq(utimensat(AT_FDCWD, other, times, 0), 0);
  ck_assert_int_eq(rename(other, path), 0);
  pf_rules_stamp_read(path, &b);
  ck_assert(!pf_rules_stamp_equal(&a, &b));

  /* Edited in place to another size. */
  pf_rules_stamp_read(path, &a);
  write_file(path, "classes: [ ]\n");
  pf_rules_stamp_read(path, &b);
  ck_assert(!pf_rules_stamp_equal(&a, &b));

  /* Removed. */
  ck_assert_int_eq(unlink(path), 0);
  pf_rules_stamp_read(path, &a);
  ck_assert(!a.exists);
  ck_assert(!pf_rules_stamp_equal(&a, &b));
  rules_remove_dir(tmp_dir);
}
END_TEST

Suite *pf_rules_load_suite(void) {
  Suite *s = suite_create("rules_load");
  TCase *tc = tcase_create("load");
  tcase_add_test(tc, test_example_file_loads);
  tcase_add_test(tc, test_class_names_and_indexes);
  tcase_add_test(tc, test_class_map_across_a_reload);
  tcase_add_test(tc, test_yaml_styles);
  tcase_add_test(tc, test_local_networks_extend_a_set);
  tcase_add_test(tc, test_unreadable_files);
  tcase_add_test(tc, test_small_error_buffers);
  tcase_add_test(tc, test_zero_length_and_nul_text);
  tcase_add_test(tc, test_references);
  tcase_add_test(tc, test_shared_across_threads);
  tcase_add_test(tc, test_stamp_notices_changes);
  suite_add_tcase(s, tc);
  return s;
}
