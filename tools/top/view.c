/* view.c - reading one source's figures from the store, and the screen of
 * its blocks (view.h). */
#include <math.h>
#include <stdlib.h>

#include "view.h"

void pft_view_init(struct pft_view *v, const struct pft_store *st, size_t src) {
  *v = (struct pft_view){.st = st, .src = src};
  const struct pft_clock *c = &st->sources[src].clock;
  v->clock = c->time;
  v->interval = pft_clock_interval(c);
  v->tol = pft_clock_tol(c);
}

const struct pft_acc *pft_own(const struct pft_view *v, const char *key) {
  const struct pft_series *s = pft_store_find(v->st, v->src, PFT_OWN, 0, key);
  return s != NULL && s->acc.time > 0 ? &s->acc : NULL;
}

double pft_rate(const struct pft_view *v, const char *key, unsigned i) {
  const struct pft_acc *a = pft_own(v, key);
  return a != NULL && i < a->n ? a->value[i] : NAN;
}

double pft_total(const struct pft_view *v, const char *key, unsigned i) {
  const struct pft_acc *a = pft_own(v, key);
  return a != NULL && i < a->n && pft_acc_has_total(a) ? a->total[i] : NAN;
}

double pft_gauge(const struct pft_view *v, const char *key) {
  return pft_rate(v, key, 0);
}

void pft_sum(double *sum, double v) {
  if (!isnan(v))
    *sum = isnan(*sum) ? v : *sum + v;
}

bool pft_fresh(const struct pft_view *v, double time) {
  return time >= v->clock - v->tol;
}

/* Blocks by importance when rows are short: title, status, capture,
 * traffic, TCP, top lists, classes, flows, sizes, flow list. */
enum {
  B_TITLE,
  B_CAPTURE,
  B_TRAFFIC,
  B_SIZES,
  B_TOP,
  B_FLOW_LIST,
  B_TCP,
  B_FLOWS,
  B_CLASSES,
  B_STATUS,
  B_COUNT
};
static const int pft_order[B_COUNT] = {
    B_TITLE, B_STATUS,  B_CAPTURE, B_TRAFFIC, B_TCP,
    B_TOP,   B_CLASSES, B_FLOWS,   B_SIZES,   B_FLOW_LIST};

void pft_view_draw(const struct pft_view *v, int width, int height,
                   struct pft_screen *out) {
  static struct pft_block blocks[B_COUNT];
  static void (*const fill[B_COUNT])(const struct pft_view *,
                                     struct pft_block *) = {
      pft_block_title, pft_block_capture, pft_block_traffic,
      pft_block_sizes, pft_block_top,     pft_block_flow_list,
      pft_block_tcp,   pft_block_flows,   pft_block_classes,
      pft_block_status};
  const struct pft_block *list[B_COUNT];
  for (int i = 0; i < B_COUNT; i++) {
    blocks[i].n = 0;
    blocks[i].width = width;
    fill[i](v, &blocks[i]);
    list[i] = &blocks[i];
  }
  pft_layout(list, B_COUNT, pft_order, height, out);
}
