/* interactive.c - the terminal view: collectd read every delay, the screen
 * drawn after each read, on a resize and on a key; q quits and gives the
 * terminal back, and so does SIGHUP, SIGINT (Ctrl-C) or SIGTERM (sig.h).
 * A terminal that hung up ends the view: an orphan that outlived its tmux
 * or ssh session once spun on it, signals unseen. Every wait polls the
 * keys and the signal pipe. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "sig.h"

/* Why there is nothing to show yet. */
static const char *pft_why(const struct pft_app *app, char buf[PFT_ERR_MAX]) {
  if (app->failed)
    return app->err;
  if (app->read)
    return "no pcapflow values in collectd yet: is pcapflow loaded (its "
           "first interval?)";
  snprintf(buf, PFT_ERR_MAX, "reading collectd through %s...", app->o.socket);
  return buf;
}

static void pft_draw(struct pft_app *app) {
  int width, height;
  char buf[PFT_ERR_MAX];
  pft_term_size(&width, &height);
  if (app->n_order == 0) {
    pft_view_draw_waiting(pft_why(app, buf), true, width, height, &app->screen);
  } else {
    struct pft_view v;
    pft_app_view(app, app->current, &v);
    pft_view_draw(&v, width, height, &app->screen);
  }
  pft_term_draw(&app->term, &app->screen, width, height);
}

/* The keys typed: true for q, or a terminal that is gone. */
static bool pft_keys(struct pft_app *app) {
  char keys[32];
  int n = pft_term_keys(&app->term, keys, sizeof keys);
  for (int i = 0; i < n; i++) {
    if (keys[i] == 'q' || keys[i] == 'Q')
      return true;
    if (app->n_order > 0 && (keys[i] == 'n' || keys[i] == '\t'))
      app->current = (app->current + 1) % app->n_order;
    if (app->n_order > 0 && keys[i] == 'p')
      app->current = (app->current + app->n_order - 1) % app->n_order;
  }
  return n < 0;
}

/* After a wait: true to quit (a signal, q, the terminal gone); redraws
 * after a resize or a key. */
static bool pft_woken(struct pft_app *app, const struct pollfd p[2]) {
  if (p[1].revents != 0)
    pft_sig_drain();
  if (pft_sig_quit() != 0)
    return true;
  if (p[0].revents & (POLLHUP | POLLERR | POLLNVAL))
    return true; /* the terminal hung up */
  bool redraw = pft_sig_resized();
  if (p[0].revents & POLLIN) {
    if (pft_keys(app))
      return true;
    redraw = true;
  }
  if (redraw)
    pft_draw(app);
  return app->term.gone;
}

/* Waits `seconds` while answering keys and resizes; true to quit. */
static bool pft_wait(struct pft_app *app, double seconds) {
  double until = pft_now() + seconds;
  for (;;) {
    double left = until - pft_now();
    left = left > 0 ? left : 0;
    struct pollfd p[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
                          {.fd = pft_sig_fd(), .events = POLLIN}};
    struct timespec ts = {(time_t)left, (long)((left - (time_t)left) * 1e9)};
    int n = ppoll(p, 2, &ts, NULL);
    if ((n > 0 && pft_woken(app, p)) || (n < 0 && errno != EINTR))
      return true;
    if (n == 0 || left == 0)
      return pft_sig_quit() != 0;
  }
}

int pft_interactive(struct pft_app *app) {
  if (pft_sig_init(true) != 0 || pft_term_open(&app->term, app->o.color) != 0) {
    fprintf(stderr, "pcapflow-top: cannot set up the terminal (use -b)\n");
    return 1;
  }
  pft_usock_init(&app->u, app->o.socket, app->o.timeout,
                 (int[]){STDIN_FILENO, pft_sig_fd()});
  pft_draw(app); /* what it is doing while the first read waits */
  for (bool quit = app->term.gone; !quit;) {
    int rc = pft_poll(&app->st, &app->u, &app->filter, app->err);
    if (rc != PFT_INTERRUPTED)
      app->failed = rc != PFT_OK;
    app->read = app->read || rc != PFT_INTERRUPTED;
    pft_app_sources(app);
    pft_draw(app);
    quit = app->term.gone ||
           pft_wait(app, rc == PFT_INTERRUPTED ? 0 : app->o.delay);
  }
  pft_term_close(&app->term);
  return 0;
}
