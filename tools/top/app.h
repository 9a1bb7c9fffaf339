/* app.h - pcapflow-top's two ways to run: interactive (a terminal taken
 * over, refreshed until q) and batch (screens as plain text). */
#ifndef PCAPFLOW_TOP_APP_H
#define PCAPFLOW_TOP_APP_H

#include "fetch.h"
#include "opts.h"
#include "store.h"
#include "tty.h"
#include "view.h"

struct pft_app {
  struct pft_opts o;
  struct pft_filter filter;
  struct pft_store st;
  struct pft_usock u;
  struct pft_term term;
  size_t order[PFT_MAX_SOURCES]; /* sources by host and name */
  size_t n_order, current;       /* current: the shown one, in order */
  struct pft_screen screen;
  char err[PFT_ERR_MAX];
  bool failed; /* the last read of collectd failed: err says why */
  bool read;   /* a read of collectd has ended (not interrupted) */
};

/* Exit statuses: 0, or 1 when collectd could not be read; a signal that
 * ended them is pft_sig_quit(). */
int pft_batch(struct pft_app *app);
int pft_interactive(struct pft_app *app);

/* The sources in the order they are shown (app->order), and the view of
 * the nth. */
void pft_app_sources(struct pft_app *app);
void pft_app_view(const struct pft_app *app, size_t nth, struct pft_view *v);
/* The newest update of any source shown. */
double pft_app_clock(const struct pft_app *app);

#endif
