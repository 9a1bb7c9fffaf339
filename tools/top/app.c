/* app.c - what both ways of running share: the sources in the order they
 * are shown, and the view of one of them. */
#include <stdlib.h>
#include <string.h>

#include "app.h"

static const struct pft_store *pft_sort_store;

static int pft_by_name(const void *a, const void *b) {
  const struct pft_source *x = &pft_sort_store->sources[*(const size_t *)a];
  const struct pft_source *y = &pft_sort_store->sources[*(const size_t *)b];
  int c = strcmp(x->host, y->host);
  return c != 0 ? c : strcmp(x->name, y->name);
}

/* Sources with values of their own (not only of their classes). */
void pft_app_sources(struct pft_app *app) {
  app->n_order = 0;
  for (size_t i = 0; i < app->st.n_sources; i++)
    if (app->st.sources[i].clock.time > 0)
      app->order[app->n_order++] = i;
  pft_sort_store = &app->st;
  qsort(app->order, app->n_order, sizeof *app->order, pft_by_name);
  if (app->current >= app->n_order)
    app->current = 0;
}

void pft_app_view(const struct pft_app *app, size_t nth, struct pft_view *v) {
  pft_view_init(v, &app->st, app->order[nth]);
  v->n_sources = app->n_order;
  v->nth = nth;
  v->delay = app->o.delay;
  v->message = app->failed ? app->err : NULL;
  v->interactive = !app->o.batch;
}

double pft_app_clock(const struct pft_app *app) {
  double t = 0;
  for (size_t i = 0; i < app->n_order; i++)
    if (app->st.sources[app->order[i]].clock.time > t)
      t = app->st.sources[app->order[i]].clock.time;
  return t;
}
