/* view_classes.c - traffic by class of the rules file (RulesFile): bit
 * rates now, active flows, the handshake p90 of the newest interval with
 * handshakes, and totals since the view started; the busiest classes
 * first. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "names.h"
#include "view.h"

#define PFT_CLASSES_MAX 160
#define PFT_CLASS_P90 1 /* pft_quantiles[1] */

struct pft_class_row {
  const char *name;
  double bps[2], pkts[2], bytes[2], flows, p90;
  const struct pft_acc *p90_acc;
};

static const struct pft_acc *pft_class_acc(const struct pft_view *v,
                                           enum pft_family family, int q,
                                           const char *type, const char *name) {
  char key[PFT_IDENT_MAX];
  snprintf(key, sizeof key, "%s-%s", type, name);
  const struct pft_series *s = pft_store_find(v->st, v->src, family, q, key);
  return s != NULL && s->acc.time > 0 ? &s->acc : NULL;
}

static double pft_acc_rate(const struct pft_acc *a, unsigned i) {
  return a != NULL && i < a->n ? a->value[i] : NAN;
}

static double pft_acc_total(const struct pft_acc *a, unsigned i) {
  return a != NULL && i < a->n && pft_acc_has_total(a) ? a->total[i] : NAN;
}

static void pft_class_read(const struct pft_view *v, const char *name,
                           struct pft_class_row *r) {
  const struct pft_acc *p =
      pft_class_acc(v, PFT_CLASS, 0, pft_class_packets, name);
  const struct pft_acc *o =
      pft_class_acc(v, PFT_CLASS, 0, pft_class_bytes, name);
  r->name = name;
  for (unsigned d = 0; d < 2; d++) {
    r->bps[d] = 8 * pft_acc_rate(o, d);
    r->pkts[d] = pft_acc_total(p, d);
    r->bytes[d] = pft_acc_total(o, d);
  }
  r->flows =
      pft_acc_rate(pft_class_acc(v, PFT_CLASS, 0, pft_class_flows, name), 0);
  r->p90_acc = pft_class_acc(v, PFT_CLASS_QUANTILE, PFT_CLASS_P90,
                             pft_class_handshake, name);
  r->p90 = pft_acc_rate(r->p90_acc, 0);
}

/* Busiest now first, then the most bytes since the start, then by name. */
static double pft_class_key(const struct pft_class_row *r, int k) {
  double v = k == 0 ? r->bps[0] + r->bps[1] : r->bytes[0] + r->bytes[1];
  return isnan(v) ? -1 : v;
}

static int pft_by_traffic(const void *a, const void *b) {
  const struct pft_class_row *x = a, *y = b;
  for (int k = 0; k < 2; k++)
    if (pft_class_key(x, k) != pft_class_key(y, k))
      return pft_class_key(x, k) < pft_class_key(y, k) ? 1 : -1;
  return strcmp(x->name, y->name);
}

static size_t pft_classes_read(const struct pft_view *v,
                               struct pft_class_row *rows) {
  size_t n = 0;
  for (size_t i = 0; i < v->st->n_series && n < PFT_CLASSES_MAX; i++) {
    const struct pft_series *s = &v->st->series[i];
    if (pft_series_is(s, v->src, PFT_CLASS, pft_class_packets))
      pft_class_read(v, s->type_instance, &rows[n++]);
  }
  qsort(rows, n, sizeof *rows, pft_by_traffic);
  return n;
}

/* The newest interval with class handshakes: p90s of older ones are not
 * shown beside it. */
static double pft_p90_time(const struct pft_class_row *rows, size_t n) {
  double t = 0;
  for (size_t i = 0; i < n; i++)
    if (rows[i].p90_acc != NULL && rows[i].p90_acc->time > t)
      t = rows[i].p90_acc->time;
  return t;
}

static void pft_class_line(const struct pft_view *v, struct pft_block *b,
                           int rank, const struct pft_class_row *r,
                           double p90_time) {
  char c[8][PFT_FIG_MAX];
  bool p90_now =
      r->p90_acc != NULL && fabs(r->p90_acc->time - p90_time) <= v->tol;
  for (int d = 0; d < 2; d++) {
    pft_fmt_si(c[d], r->bps[d]);
    pft_fmt_count(c[4 + d], r->pkts[d]);
    pft_fmt_si(c[6 + d], r->bytes[d]);
  }
  pft_fmt_count(c[2], r->flows);
  pft_fmt_duration(c[3], p90_now ? r->p90 : NAN);
  pft_block_add(b, rank, PFT_PLAIN, "%-12.12s%8s%8s%6s%9s |%8s%8s%9s%9s",
                r->name, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]);
}

void pft_block_classes(const struct pft_view *v, struct pft_block *b) {
  static struct pft_class_row rows[PFT_CLASSES_MAX];
  size_t n = pft_classes_read(v, rows);
  if (n == 0)
    return; /* no RulesFile */
  double p90_time = pft_p90_time(rows, n);
  char age[PFT_FIG_MAX] = "", note[PFT_COLS_MAX] = "";
  if (p90_time > 0 && !pft_fresh(v, p90_time)) {
    pft_fmt_age(age, v->clock - p90_time);
    snprintf(note, sizeof note, ", p90 %s ago", age);
  }
  pft_block_add(b, 0, PFT_HEAD, "CLASSES  per second now%-21s|%s", note,
                "total since pcapflow-top started");
  pft_block_add(b, 0, PFT_PLAIN, "%-12s%8s%8s%6s%9s |%8s%8s%9s%9s", "",
                "rx bit", "tx bit", "flows", "hs p90", "rx pkts", "tx pkts",
                "rx bytes", "tx bytes");
  for (size_t i = 0; i < n; i++)
    pft_class_line(v, b, (int)i, &rows[i], p90_time);
}
