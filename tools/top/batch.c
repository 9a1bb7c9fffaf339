/* batch.c - the batch mode: screens of every source as plain text, the
 * first at once and one per collectd update after it (-n), for scripts,
 * logs and tests. A collectd that cannot be read, or has no pcapflow
 * values, is an error (exit status 1), never a wait without end; so is
 * output that cannot be written (a terminal gone). SIGHUP, SIGINT and
 * SIGTERM end any wait at once (sig.h). */
#include <stdio.h>

#include "app.h"
#include "sig.h"

/* Waiting for an update: three intervals, or a minute while the interval
 * is not known. */
static double pft_batch_patience(const struct pft_app *app) {
  double interval = 0;
  for (size_t i = 0; i < app->n_order; i++) {
    double t = pft_clock_interval(&app->st.sources[app->order[i]].clock);
    interval = t > interval ? t : interval;
  }
  return interval > 0 ? 3 * interval + 2 * app->o.timeout : 60;
}

/* 0, or 1 when stdout took no more (EIO, ENOSPC...). */
static int pft_batch_print(struct pft_app *app) {
  int width = app->o.width > 0 ? app->o.width : 80;
  for (size_t i = 0; i < app->n_order; i++) {
    struct pft_view v;
    pft_app_view(app, i, &v);
    pft_view_draw(&v, width, -1, &app->screen);
    if (i > 0)
      printf("\n");
    pft_print_plain(&app->screen, stdout);
  }
  return fflush(stdout) != 0 || ferror(stdout) ? 1 : 0;
}

static int pft_batch_read(struct pft_app *app) {
  int rc = pft_poll(&app->st, &app->u, &app->filter, app->err);
  if (rc == PFT_INTERRUPTED)
    return 1; /* a signal: pft_sig_quit() */
  if (rc != PFT_OK) {
    fprintf(stderr, "pcapflow-top: %s\n", app->err);
    return 1;
  }
  pft_app_sources(app);
  return 0;
}

/* Reads collectd every delay until a source has a newer update than
 * `after`. */
static int pft_batch_next(struct pft_app *app, double after) {
  double give_up = pft_now() + pft_batch_patience(app);
  while (pft_app_clock(app) <= after) {
    if (pft_now() > give_up) {
      fprintf(stderr,
              "pcapflow-top: %s: no new values from collectd in %.0f s\n",
              app->o.socket, pft_batch_patience(app));
      return 1;
    }
    pft_sig_sleep(app->o.delay);
    if (pft_sig_quit() != 0 || pft_batch_read(app) != 0)
      return 1;
  }
  return 0;
}

int pft_batch(struct pft_app *app) {
  if (pft_sig_init(false) != 0) {
    fprintf(stderr, "pcapflow-top: cannot make a pipe\n");
    return 1;
  }
  pft_usock_init(&app->u, app->o.socket, app->o.timeout,
                 (int[]){pft_sig_fd(), -1});
  if (pft_batch_read(app) != 0)
    return 1;
  if (app->n_order == 0) {
    fprintf(stderr,
            "pcapflow-top: %s: collectd has no pcapflow values%s (is "
            "pcapflow loaded, and has its first interval passed?)\n",
            app->o.socket,
            app->o.host || app->o.source ? " of that host and source" : "");
    return 1;
  }
  int rc = pft_batch_print(app);
  for (long n = 1; rc == 0 && n < app->o.count; n++) {
    if (pft_batch_next(app, pft_app_clock(app)) != 0)
      return 1;
    printf("\n");
    rc = pft_batch_print(app);
  }
  return rc;
}
