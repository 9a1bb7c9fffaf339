/* view_top.c - the top talkers, services and flows of the newest interval
 * that had IP traffic (with its age when that is not the newest update),
 * as shares of the interval's bytes and as rates, and the distinct counts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "label.h"
#include "names.h"
#include "tally.h"
#include "view.h"

#define PFT_LIST_MAX 128

struct pft_list_view {
  const struct pft_series *entries[PFT_LIST_MAX];
  size_t n;
  double time;  /* of the interval shown; 0: the list has no keys */
  double whole; /* the interval's bytes: keys and other */
  bool reported;
};

static int pft_by_bytes(const void *a, const void *b) {
  const struct pft_series *x = *(const struct pft_series *const *)a;
  const struct pft_series *y = *(const struct pft_series *const *)b;
  if (x->acc.value[0] != y->acc.value[0])
    return x->acc.value[0] < y->acc.value[0] ? 1 : -1;
  return strcmp(x->type_instance, y->type_instance);
}

/* List l's keys of its newest update with keys, heaviest first. */
static void pft_list_read(const struct pft_view *v, size_t l,
                          struct pft_list_view *out) {
  const struct pft_store *st = v->st;
  const struct pft_source *so = &st->sources[v->src];
  *out = (struct pft_list_view){.time = so->list_time[l],
                                .whole = so->list_whole[l]};
  for (size_t i = 0; i < st->n_series; i++) {
    const struct pft_series *s = &st->series[i];
    const char *key;
    if (s->source != v->src || !pft_list_member(s, l, &key))
      continue;
    out->reported = true;
    if (strcmp(key, pft_list_other) != 0 && out->time > 0 &&
        pft_same_update(s->acc.time, out->time, v->tol) &&
        out->n < PFT_LIST_MAX)
      out->entries[out->n++] = s;
  }
  qsort(out->entries, out->n, sizeof *out->entries, pft_by_bytes);
}

/* "label share rate" in width columns. */
static int pft_entry_text(const struct pft_view *v, const struct pft_list *l,
                          const struct pft_list_view *lv, size_t i, char *out,
                          int width) {
  char label[PFT_COLS_MAX], share[PFT_FIG_MAX], rate[PFT_FIG_MAX];
  const struct pft_series *s = lv->entries[i];
  pft_label(label, sizeof label, l->kind, s->type_instance + strlen(l->prefix));
  pft_fmt_share(share, s->acc.value[0], lv->whole);
  pft_fmt_rate(rate, v->interval > 0 ? 8 * s->acc.value[0] / v->interval : NAN,
               "bit/s");
  int lw = width - 19 > 4 ? width - 19 : 4;
  return snprintf(out, (size_t)width + 1, "%-*.*s %5s %12s", lw, lw, label,
                  share, rate);
}

static void pft_list_title(const struct pft_view *v, const struct pft_list *l,
                           const struct pft_list_view *lv, char *out,
                           size_t room) {
  char age[PFT_FIG_MAX];
  if (lv->time == 0)
    snprintf(out, room, "%s: no traffic yet", l->title);
  else if (pft_fresh(v, lv->time))
    snprintf(out, room, "%s", l->title);
  else {
    pft_fmt_age(age, v->clock - lv->time);
    snprintf(out, room, "%s, %s ago", l->title, age);
  }
}

static void pft_distinct(const struct pft_view *v, struct pft_block *b,
                         int rank) {
  char f[3][PFT_FIG_MAX];
  const enum pft_id ids[3] = {PFT_DISTINCT_SRC, PFT_DISTINCT_DST,
                              PFT_DISTINCT_PORTS};
  for (int i = 0; i < 3; i++)
    pft_fmt_count(f[i], pft_gauge(v, pft_ids[ids[i]]));
  if (pft_own(v, pft_ids[PFT_DISTINCT_SRC]) != NULL)
    pft_block_add(b, rank, PFT_PLAIN,
                  "distinct in the newest interval: %s sources, %s "
                  "destinations, %s services",
                  f[0], f[1], f[2]);
}

/* Hosts and services side by side. */
void pft_block_top(const struct pft_view *v, struct pft_block *b) {
  static struct pft_list_view lv[2];
  char title[2][PFT_COLS_MAX], row[2][PFT_COLS_MAX];
  int half = (b->width - 1) / 2;
  for (int k = 0; k < 2; k++) {
    pft_list_read(v, (size_t)k, &lv[k]);
    pft_list_title(v, &pft_lists[k], &lv[k], title[k], sizeof title[k]);
  }
  if (!lv[0].reported && !lv[1].reported)
    return;
  pft_block_add(b, 0, PFT_HEAD, "%-*.*s %s", half, half, title[0], title[1]);
  size_t rows = lv[0].n > lv[1].n ? lv[0].n : lv[1].n;
  for (size_t i = 0; i < rows; i++) {
    for (int k = 0; k < 2; k++) {
      row[k][0] = '\0';
      if (i < lv[k].n)
        pft_entry_text(v, &pft_lists[k], &lv[k], i, row[k], half);
    }
    pft_block_add(b, (int)i, PFT_PLAIN, "%-*s %s", half, row[0], row[1]);
  }
  pft_distinct(v, b, 1 + (int)rows);
}

/* Top flows, one a line (CollectTopFlows). */
void pft_block_flow_list(const struct pft_view *v, struct pft_block *b) {
  static struct pft_list_view lv;
  char title[PFT_COLS_MAX], row[PFT_COLS_MAX];
  pft_list_read(v, 2, &lv);
  if (!lv.reported)
    return;
  pft_list_title(v, &pft_lists[2], &lv, title, sizeof title);
  pft_block_add(b, 0, PFT_HEAD, "%s", title);
  for (size_t i = 0; i < lv.n; i++) {
    pft_entry_text(v, &pft_lists[2], &lv, i, row, b->width);
    pft_block_add(b, 1 + (int)i, PFT_PLAIN, "%s", row);
  }
}
