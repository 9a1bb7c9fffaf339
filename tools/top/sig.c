/* sig.c - the signals (sig.h): handlers that note them and wake every wait
 * through a non-blocking pipe (the self-pipe), installed without
 * SA_RESTART so that a write blocked on the terminal returns EINTR. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "sig.h"
#include "usock.h"

static volatile sig_atomic_t pft_quit_sig, pft_resize;
static int pft_pipe[2] = {-1, -1};

static void pft_on_signal(int sig) {
  int saved = errno;
  if (sig == SIGWINCH)
    pft_resize = 1;
  else if (pft_quit_sig == 0)
    pft_quit_sig = sig;
  if (write(pft_pipe[1], "", 1) < 0) { /* full: it is readable already */
  }
  errno = saved;
}

/* A handler for sig, unless sig was ignored when the program started. */
static void pft_sig_handle(int sig) {
  struct sigaction sa = {.sa_handler = pft_on_signal}, old;
  sigset_t set;
  sigemptyset(&sa.sa_mask);
  if (sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
    return;
  sigaction(sig, &sa, NULL);
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, NULL); /* a mask inherited blocked */
}

int pft_sig_init(bool resize) {
  if (pipe2(pft_pipe, O_NONBLOCK | O_CLOEXEC) != 0)
    return -1;
  pft_sig_handle(SIGHUP);
  pft_sig_handle(SIGINT);
  pft_sig_handle(SIGTERM);
  if (resize)
    pft_sig_handle(SIGWINCH);
  return 0;
}

int pft_sig_fd(void) { return pft_pipe[0]; }

void pft_sig_drain(void) {
  char buf[64];
  while (pft_pipe[0] >= 0 && read(pft_pipe[0], buf, sizeof buf) > 0)
    ;
}

int pft_sig_quit(void) { return pft_quit_sig; }

bool pft_sig_resized(void) {
  bool r = pft_resize != 0;
  pft_resize = 0;
  return r;
}

void pft_sig_sleep(double seconds) {
  double until = pft_now() + seconds, left;
  while (pft_quit_sig == 0 && (left = until - pft_now()) > 0) {
    struct pollfd p = {.fd = pft_pipe[0], .events = POLLIN};
    struct timespec ts = {(time_t)left, (long)((left - (time_t)left) * 1e9)};
    if (ppoll(&p, 1, &ts, NULL) > 0)
      pft_sig_drain();
  }
}

void pft_sig_reraise(void) {
  int sig = pft_quit_sig;
  if (sig == 0)
    return;
  signal(sig, SIG_DFL);
  raise(sig);
}
