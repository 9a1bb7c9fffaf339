/* interactive.c - the terminal view: collectd read every delay, the screen
 * drawn after each read, on a resize and on a key; q (or Ctrl-C) quits and
 * gives the terminal back. Signals are let in only while waiting (ppoll),
 * so none is lost between a check and a wait. */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "app.h"

static volatile sig_atomic_t pft_quit_signal, pft_resized;

static void pft_on_signal(int sig) {
  if (sig == SIGWINCH)
    pft_resized = 1;
  else
    pft_quit_signal = 1;
}

/* Handlers for a resize and the signals that end the view, blocked but
 * while waiting: app->waitmask is the mask to wait with. */
static void pft_signals(struct pft_app *app) {
  static const int sigs[] = {SIGWINCH, SIGINT, SIGTERM, SIGHUP};
  struct sigaction sa = {.sa_handler = pft_on_signal};
  sigset_t block;
  sigemptyset(&sa.sa_mask);
  sigemptyset(&block);
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
    sigaction(sigs[i], &sa, NULL);
    sigaddset(&block, sigs[i]);
  }
  sigprocmask(SIG_BLOCK, &block, &app->waitmask);
}

static void pft_draw(struct pft_app *app) {
  int width, height;
  pft_term_size(&width, &height);
  if (app->n_order == 0) {
    const char *why = app->failed ? app->err
                                  : "no pcapflow values in collectd yet: is "
                                    "pcapflow loaded (its first interval?)";
    pft_view_draw_waiting(why, true, width, height, &app->screen);
  } else {
    struct pft_view v;
    pft_app_view(app, app->current, &v);
    pft_view_draw(&v, width, height, &app->screen);
  }
  pft_term_draw(&app->term, &app->screen, width, height);
}

/* The keys typed: true for q. */
static bool pft_keys(struct pft_app *app) {
  char keys[32];
  int n = pft_term_keys(keys, sizeof keys);
  for (int i = 0; i < n; i++) {
    if (keys[i] == 'q' || keys[i] == 'Q')
      return true;
    if (app->n_order > 0 && (keys[i] == 'n' || keys[i] == '\t'))
      app->current = (app->current + 1) % app->n_order;
    if (app->n_order > 0 && keys[i] == 'p')
      app->current = (app->current + app->n_order - 1) % app->n_order;
  }
  return false;
}

/* Waits `seconds` while answering keys and resizes; true to quit. */
static bool pft_wait(struct pft_app *app, double seconds) {
  double until = pft_now() + seconds;
  for (;;) {
    if (pft_quit_signal)
      return true;
    if (pft_resized) {
      pft_resized = 0;
      pft_draw(app);
    }
    double left = until - pft_now();
    left = left > 0 ? left : 0;
    struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
    struct timespec ts = {(time_t)left, (long)((left - (time_t)left) * 1e9)};
    int n = ppoll(&p, 1, &ts, &app->waitmask);
    if (n > 0) {
      if (pft_keys(app))
        return true;
      pft_draw(app);
    } else if (n == 0 || left == 0) {
      return pft_quit_signal;
    }
  }
}

int pft_interactive(struct pft_app *app) {
  pft_signals(app);
  if (pft_term_open(&app->term, app->o.color) != 0) {
    fprintf(stderr, "pcapflow-top: cannot set up the terminal (use -b)\n");
    return 1;
  }
  pft_usock_init(&app->u, app->o.socket, app->o.timeout, STDIN_FILENO,
                 &app->waitmask);
  for (bool quit = false; !quit;) {
    int rc = pft_poll(&app->st, &app->u, &app->filter, app->err);
    if (rc != PFT_INTERRUPTED)
      app->failed = rc != PFT_OK;
    pft_app_sources(app);
    pft_draw(app);
    quit = pft_wait(app, rc == PFT_INTERRUPTED ? 0 : app->o.delay);
  }
  pft_term_close(&app->term);
  return 0;
}
