/* test_ptop_view.c - pcapflow-top's screen from a store filled by hand: it
 * fits 80x24 with a little of everything (title first, status last, no
 * line wider than the terminal), a taller terminal shows more classes and
 * top entries, batch shows them all; the "all" row adds up the protocols;
 * a first reading says "measuring" instead of showing totals. */
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "names.h"
#include "suites.h"
#include "tally.h"
#include "view.h"

#define T0 1000.0

/* A series read twice, 2 s apart: rate v0 (and v1) the second time. */
static void put(struct pft_store *st, const char *ident, unsigned n, double v0,
                double v1, bool twice) {
  struct pft_series *s = pft_store_listed(st, ident, NULL, NULL);
  ck_assert_msg(s != NULL, "%s", ident);
  const double v[2] = {v0, v1};
  pft_acc_update(&s->acc, twice ? T0 - 2 : T0, v, n, s->counter, 2);
  pft_acc_update(&s->acc, T0, v, n, s->counter, 2);
  pft_clock_advance(&st->sources[s->source].clock, T0 - 2);
  pft_clock_advance(&st->sources[s->source].clock, T0);
}

static void own(struct pft_store *st, const char *key, unsigned n, double v0,
                double v1, bool twice) {
  char ident[PFT_IDENT_MAX];
  snprintf(ident, sizeof ident, "h/pcapflow-lo/%s", key);
  put(st, ident, n, v0, v1, twice);
}

/* A busy source: tcp and udp, capture health, TCP, hosts and services,
 * `classes` classes. */
static void fill(struct pft_store *st, int classes, bool twice) {
  char ident[256];
  ck_assert_int_eq(pft_store_init(st), 0);
  own(st, "if_packets-tcp", 2, 100, 50, twice);
  own(st, "if_octets-tcp", 2, 150000, 5000, twice);
  own(st, "if_packets-udp", 2, 10, 10, twice);
  own(st, "if_octets-udp", 2, 1000, 1000, twice);
  for (size_t i = 2; i < pft_n_protocols; i++) {
    own(st, pft_protocols[i].packets, 2, 0, 0, twice);
    own(st, pft_protocols[i].bytes, 2, 0, 0, twice);
  }
  for (int i = 0; i < PFT_ID_COUNT; i++)
    own(st, pft_ids[i], 1, i == PFT_CAPTURE_UP ? 1 : 3, 0, twice);
  for (size_t i = 0; i < pft_n_sizes; i++) {
    own(st, pft_sizes[i].rx, 1, 5, 0, twice);
    own(st, pft_sizes[i].tx, 1, 5, 0, twice);
  }
  for (int q = 0; q < PFT_N_QUANTILES; q++)
    own(st, pft_handshake[0].ids[q], 1, 0.0114 * (q + 1), 0, twice);
  for (int i = 0; i < 20; i++) {
    snprintf(ident, sizeof ident, "bytes-top_host_198_18_0_%d", i);
    own(st, ident, 1, 1000 * (i + 1), 0, twice);
    snprintf(ident, sizeof ident, "bytes-top_port_tcp_%d", 8000 + i);
    own(st, ident, 1, 1000 * (i + 1), 0, twice);
  }
  own(st, "bytes-top_host_other", 1, 0, 0, twice);
  own(st, "bytes-top_port_other", 1, 0, 0, twice);
  for (int c = 0; c < classes; c++) {
    snprintf(ident, sizeof ident, "h/pcapflow_class-lo/if_packets-class%02d",
             c);
    put(st, ident, 2, c, c, twice);
    snprintf(ident, sizeof ident, "h/pcapflow_class-lo/if_octets-class%02d", c);
    put(st, ident, 2, 100.0 * c, 100.0 * c, twice);
    snprintf(ident, sizeof ident,
             "h/pcapflow_class-lo/current_connections-class%02d", c);
    put(st, ident, 1, c, 0, twice);
  }
  pft_tally_lists(st);
}

static int rows_starting(const struct pft_screen *scr, const char *prefix) {
  int n = 0;
  for (int i = 0; i < scr->n; i++)
    n += strncmp(scr->rows[i]->text, prefix, strlen(prefix)) == 0;
  return n;
}

static const char *row_of(const struct pft_screen *scr, const char *prefix) {
  for (int i = 0; i < scr->n; i++)
    if (strncmp(scr->rows[i]->text, prefix, strlen(prefix)) == 0)
      return scr->rows[i]->text;
  return "";
}

static void draw(const struct pft_store *st, int w, int h,
                 struct pft_screen *scr) {
  struct pft_view v;
  pft_view_init(&v, st, 0);
  pft_view_draw(&v, w, h, scr);
}

START_TEST(test_fits_80x24_with_everything) {
  static struct pft_store st;
  static struct pft_screen scr;
  fill(&st, 30, true);
  draw(&st, 80, 24, &scr);
  ck_assert_int_le(scr.n, 24);
  for (int i = 0; i < scr.n; i++)
    ck_assert_msg(strlen(scr.rows[i]->text) <= 80, "row %d: \"%s\"", i,
                  scr.rows[i]->text);
  ck_assert_ptr_nonnull(strstr(scr.rows[0]->text, "h/lo"));
  ck_assert_int_eq(scr.rows[scr.n - 1]->style, PFT_BAR);
  const char *wanted[] = {"CAPTURE", "TRAFFIC",   "all",       "tcp",    "udp",
                          "TCP",     "handshake", "TOP HOSTS", "CLASSES"};
  for (size_t i = 0; i < sizeof wanted / sizeof *wanted; i++)
    ck_assert_msg(rows_starting(&scr, wanted[i]) > 0, "no \"%s\" row",
                  wanted[i]);
  pft_store_free(&st);
}
END_TEST

START_TEST(test_more_rows_show_more) {
  static struct pft_store st;
  static struct pft_screen scr;
  fill(&st, 30, true);
  draw(&st, 80, 24, &scr);
  int short_classes = rows_starting(&scr, "class");
  draw(&st, 120, 60, &scr);
  ck_assert_int_le(scr.n, 60);
  ck_assert_int_gt(rows_starting(&scr, "class"), short_classes);
  draw(&st, 80, -1, &scr);
  ck_assert_int_eq(rows_starting(&scr, "class"), 30);
  ck_assert_int_eq(rows_starting(&scr, "198.18.0."), 20);
  /* The busiest class first. */
  ck_assert_ptr_nonnull(strstr(row_of(&scr, "class"), "class29"));
  pft_store_free(&st);
}
END_TEST

START_TEST(test_all_row_adds_up_the_protocols) {
  static struct pft_store st;
  static struct pft_screen scr;
  fill(&st, 0, true);
  draw(&st, 80, -1, &scr);
  /* rx: 110 pkt/s, 151 kB/s = 1.21 Mbit/s; tx 60 pkt/s, 6 kB/s = 48 kbit/s;
   * 2 s: 220 and 120 packets, 302 kB and 12 kB. */
  char want[128];
  snprintf(want, sizeof want, "%-9s%8s%8s%8s%8s  |%8s%9s%9s%9s", "all", "110",
           "1.21M", "60.0", "48.0k", "220", "120", "302k", "12.0k");
  ck_assert_str_eq(row_of(&scr, "all "), want);
  ck_assert_int_eq(rows_starting(&scr, "icmp "), 0); /* nothing: no row */
  pft_store_free(&st);
}
END_TEST

START_TEST(test_first_reading_is_measuring) {
  static struct pft_store st;
  static struct pft_screen scr;
  fill(&st, 2, false);
  draw(&st, 80, 24, &scr);
  ck_assert_ptr_nonnull(strstr(scr.rows[scr.n - 1]->text, "measuring"));
  const char *all = row_of(&scr, "all ");
  ck_assert_ptr_nonnull(strstr(all, "|       -        -        -        -"));
  pft_store_free(&st);
}
END_TEST

Suite *pf_ptop_view_suite(void) {
  Suite *s = suite_create("ptop_view");
  TCase *tc = tcase_create("screen");
  tcase_add_test(tc, test_fits_80x24_with_everything);
  tcase_add_test(tc, test_more_rows_show_more);
  tcase_add_test(tc, test_all_row_adds_up_the_protocols);
  tcase_add_test(tc, test_first_reading_is_measuring);
  suite_add_tcase(s, tc);
  return s;
}
