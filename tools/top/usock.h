/* usock.h - a client of collectd's unixsock plugin, the socket collectdctl
 * talks to: one command at a time, each answered within a timeout, never a
 * wait without end on a collectd that stopped answering. */
#ifndef PCAPFLOW_TOP_USOCK_H
#define PCAPFLOW_TOP_USOCK_H

#include <stddef.h>

#include "fail.h"
#include "reply.h"

#define PFT_DEFAULT_SOCKET "/var/run/collectd-unixsock"

enum pft_status {
  PFT_OK = 0,
  PFT_FAILED = -1,      /* err says why */
  PFT_INTERRUPTED = -2, /* a key or a signal arrived while waiting */
};

#define PFT_CANCEL_FDS 2

struct pft_usock {
  int fd;
  const char *path;
  double timeout;  /* seconds one command and its reply may take */
  double deadline; /* of the command being answered */
  /* While waiting: stop when one of these is readable or hung up (a key,
   * a signal's pipe, a terminal gone; -1: none), or a signal arrives. */
  int cancel[PFT_CANCEL_FDS];
  char buf[8192];
  size_t off, len;
};

/* A client of the socket at path (not connected yet). */
void pft_usock_init(struct pft_usock *u, const char *path, double timeout,
                    const int cancel[PFT_CANCEL_FDS]);
/* Connects (again); err names the path and what to do about it. */
int pft_usock_open(struct pft_usock *u, char err[PFT_ERR_MAX]);
void pft_usock_close(struct pft_usock *u);

/* Sends commands (each line ending in a newline), and starts the timeout
 * of their replies. */
int pft_usock_send(struct pft_usock *u, const char *commands,
                   char err[PFT_ERR_MAX]);
/* Reads a status line: *count is the number of lines that follow, or
 * negative with collectd's message. */
int pft_usock_status(struct pft_usock *u, long *count,
                     char message[PFT_LINE_MAX], char err[PFT_ERR_MAX]);
/* Sends one command line (ending in a newline) and reads its status line:
 * *count is the number of lines that follow. A negative status is collectd's
 * error, in err. */
int pft_usock_command(struct pft_usock *u, const char *command, long *count,
                      char err[PFT_ERR_MAX]);
/* The next line of the reply, without its newline. */
int pft_usock_line(struct pft_usock *u, char line[PFT_LINE_MAX],
                   char err[PFT_ERR_MAX]);

/* Seconds on the monotonic clock. */
double pft_now(void);

#endif
