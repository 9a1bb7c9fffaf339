/* view.h - one source's screen: what the blocks read from the store (rates
 * now, totals since the view started, the latest interval's figures) and
 * the blocks themselves, one file each (view_*.c). */
#ifndef PCAPFLOW_TOP_VIEW_H
#define PCAPFLOW_TOP_VIEW_H

#include <stdbool.h>

#include "block.h"
#include "store.h"

struct pft_view {
  const struct pft_store *st;
  size_t src;
  double clock;    /* collectd's time of the source's newest update */
  double interval; /* the source's interval; 0 while unknown */
  double tol;      /* series this close to clock are of the newest update */
  /* For the title and status bars: */
  size_t n_sources, nth; /* sources shown in turn, and which this is */
  double delay;          /* seconds between two reads of collectd */
  const char *message;   /* an error or a note for the status bar */
  bool interactive;
};

/* The view of source src at its newest update. */
void pft_view_init(struct pft_view *v, const struct pft_store *st, size_t src);

/* A series of the source (PFT_OWN) by "type-type_instance", or NULL. */
const struct pft_acc *pft_own(const struct pft_view *v, const char *key);
/* Its rate now (value i), NaN when unknown. */
double pft_rate(const struct pft_view *v, const char *key, unsigned i);
/* Its total since the view started, NaN when none yet. */
double pft_total(const struct pft_view *v, const char *key, unsigned i);
/* A gauge's latest value, NaN when unknown. */
double pft_gauge(const struct pft_view *v, const char *key);
/* Sums that stay NaN until a known value is added. */
void pft_sum(double *sum, double v);
/* Whether a time is of the source's newest update. */
bool pft_fresh(const struct pft_view *v, double time);

/* The blocks, top to bottom. */
void pft_block_title(const struct pft_view *v, struct pft_block *b);
void pft_block_capture(const struct pft_view *v, struct pft_block *b);
void pft_block_traffic(const struct pft_view *v, struct pft_block *b);
void pft_block_sizes(const struct pft_view *v, struct pft_block *b);
void pft_block_top(const struct pft_view *v, struct pft_block *b);
void pft_block_flow_list(const struct pft_view *v, struct pft_block *b);
void pft_block_tcp(const struct pft_view *v, struct pft_block *b);
void pft_block_flows(const struct pft_view *v, struct pft_block *b);
void pft_block_classes(const struct pft_view *v, struct pft_block *b);
void pft_block_status(const struct pft_view *v, struct pft_block *b);

/* The whole screen of the view, width x height (height < 0: all of it). */
void pft_view_draw(const struct pft_view *v, int width, int height,
                   struct pft_screen *out);
/* The screen while there is no source to show: why, in the status bar. */
void pft_view_draw_waiting(const char *message, bool interactive, int width,
                           int height, struct pft_screen *out);

#endif
