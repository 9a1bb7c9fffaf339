/* usock.c - the unixsock client (usock.h). The socket is non-blocking and
 * every wait is a poll bounded by the command's deadline, so a collectd that
 * hangs, or a socket nobody answers, costs at most the timeout. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "usock.h"

double pft_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What to do about a socket that cannot be reached, by errno. */
static int pft_usock_connect_error(const char *path, int e,
                                   char err[PFT_ERR_MAX]) {
  switch (e) {
  case ENOENT:
  case ENOTDIR:
    return pft_err(err,
                   "%s: no such socket: is collectd running with "
                   "\"LoadPlugin unixsock\" and this SocketFile (-s names "
                   "another)?",
                   path);
  case ECONNREFUSED:
    return pft_err(err,
                   "%s: connection refused: nothing listens on it (collectd "
                   "stopped, or this is no socket)",
                   path);
  case EACCES:
  case EPERM:
    return pft_err(err,
                   "%s: permission denied: run as root or as a member of "
                   "the unixsock plugin's SocketGroup",
                   path);
  case EAGAIN:
    return pft_err(err, "%s: collectd accepts no more connections (busy)",
                   path);
  default:
    return pft_err(err, "%s: cannot connect: %s", path, strerror(e));
  }
}

/* Waits until fd is ready for events, the deadline passes, a cancel fd
 * is readable or hung up, or a signal arrives. */
static int pft_usock_wait(struct pft_usock *u, short events,
                          char err[PFT_ERR_MAX]) {
  struct pollfd p[1 + PFT_CANCEL_FDS] = {{.fd = u->fd, .events = events}};
  for (int i = 0; i < PFT_CANCEL_FDS; i++)
    p[1 + i] = (struct pollfd){.fd = u->cancel[i], .events = POLLIN};
  double left = u->deadline - pft_now();
  if (left <= 0)
    return pft_err(err, "%s: no answer from collectd within %g s", u->path,
                   u->timeout);
  struct timespec ts = {(time_t)left, (long)((left - (time_t)left) * 1e9)};
  int n = ppoll(p, 1 + PFT_CANCEL_FDS, &ts, NULL); /* fd -1: not polled */
  if (n < 0 && errno == EINTR)
    return PFT_INTERRUPTED;
  if (n < 0)
    return pft_err(err, "%s: poll: %s", u->path, strerror(errno));
  for (int i = 0; i < PFT_CANCEL_FDS; i++)
    if (p[1 + i].revents != 0)
      return PFT_INTERRUPTED;
  return PFT_OK; /* ready, or time to report the timeout */
}

/* A connection in progress: its result once the socket is writable. */
static int pft_usock_connected(struct pft_usock *u, char err[PFT_ERR_MAX]) {
  for (;;) {
    int st = pft_usock_wait(u, POLLOUT, err);
    if (st != PFT_OK)
      return st;
    struct pollfd p = {.fd = u->fd, .events = POLLOUT};
    if (poll(&p, 1, 0) == 1) {
      int e = 0;
      socklen_t len = sizeof e;
      getsockopt(u->fd, SOL_SOCKET, SO_ERROR, &e, &len);
      return e == 0 ? PFT_OK : pft_usock_connect_error(u->path, e, err);
    }
  }
}

void pft_usock_init(struct pft_usock *u, const char *path, double timeout,
                    const int cancel[PFT_CANCEL_FDS]) {
  *u = (struct pft_usock){.fd = -1, .path = path, .timeout = timeout};
  for (int i = 0; i < PFT_CANCEL_FDS; i++)
    u->cancel[i] = cancel[i];
}

int pft_usock_open(struct pft_usock *u, char err[PFT_ERR_MAX]) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  pft_usock_close(u);
  u->off = u->len = 0;
  if (strlen(u->path) >= sizeof sa.sun_path)
    return pft_err(err, "%s: socket path longer than %zu bytes", u->path,
                   sizeof sa.sun_path - 1);
  strcpy(sa.sun_path, u->path);
  u->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (u->fd < 0)
    return pft_err(err, "socket: %s", strerror(errno));
  u->deadline = pft_now() + u->timeout;
  int st = PFT_OK;
  if (connect(u->fd, (struct sockaddr *)&sa, sizeof sa) != 0)
    st = errno == EINPROGRESS ? pft_usock_connected(u, err)
                              : pft_usock_connect_error(u->path, errno, err);
  if (st != PFT_OK)
    pft_usock_close(u);
  return st;
}

void pft_usock_close(struct pft_usock *u) {
  if (u->fd >= 0)
    close(u->fd);
  u->fd = -1;
}

/* After a send or recv that failed: the error, or a wait until the socket
 * is ready within the deadline. */
static int pft_usock_retry(struct pft_usock *u, short events, const char *doing,
                           char err[PFT_ERR_MAX]) {
  if (errno != EAGAIN && errno != EINTR)
    return pft_err(err, "%s: %s collectd: %s", u->path, doing, strerror(errno));
  return pft_usock_wait(u, events, err);
}

int pft_usock_send(struct pft_usock *u, const char *command,
                   char err[PFT_ERR_MAX]) {
  u->deadline = pft_now() + u->timeout;
  size_t len = strlen(command), done = 0;
  while (done < len) {
    ssize_t n = send(u->fd, command + done, len - done, MSG_NOSIGNAL);
    int st = n >= 0 ? PFT_OK : pft_usock_retry(u, POLLOUT, "sending to", err);
    if (st != PFT_OK)
      return st;
    done += n > 0 ? (size_t)n : 0;
  }
  return PFT_OK;
}

/* More bytes into the buffer, waiting for them within the deadline. */
static int pft_usock_fill(struct pft_usock *u, char err[PFT_ERR_MAX]) {
  if (u->off > 0) {
    memmove(u->buf, u->buf + u->off, u->len - u->off);
    u->len -= u->off;
    u->off = 0;
  }
  for (;;) {
    ssize_t n = recv(u->fd, u->buf + u->len, sizeof u->buf - u->len, 0);
    if (n > 0) {
      u->len += (size_t)n;
      return PFT_OK;
    }
    if (n == 0)
      return pft_err(err, "%s: collectd closed the connection", u->path);
    int st = pft_usock_retry(u, POLLIN, "reading from", err);
    if (st != PFT_OK)
      return st;
  }
}

int pft_usock_line(struct pft_usock *u, char line[PFT_LINE_MAX],
                   char err[PFT_ERR_MAX]) {
  for (;;) {
    char *nl = memchr(u->buf + u->off, '\n', u->len - u->off);
    if (nl != NULL) {
      size_t len = (size_t)(nl - (u->buf + u->off));
      if (len >= PFT_LINE_MAX)
        return pft_err(err, "%s: a reply line longer than %d bytes", u->path,
                       PFT_LINE_MAX - 1);
      memcpy(line, u->buf + u->off, len);
      line[len] = '\0';
      u->off += len + 1;
      return PFT_OK;
    }
    if (u->len - u->off >= PFT_LINE_MAX)
      return pft_err(err, "%s: a reply line longer than %d bytes", u->path,
                     PFT_LINE_MAX - 1);
    int st = pft_usock_fill(u, err);
    if (st != PFT_OK)
      return st;
  }
}

int pft_usock_status(struct pft_usock *u, long *count,
                     char message[PFT_LINE_MAX], char err[PFT_ERR_MAX]) {
  char line[PFT_LINE_MAX];
  const char *m;
  int st = pft_usock_line(u, line, err);
  if (st != PFT_OK)
    return st;
  if (!pft_parse_status(line, count, &m))
    return pft_err(err, "%s: not a unixsock status line: \"%.80s\"", u->path,
                   line);
  memmove(message, m, strlen(m) + 1);
  return PFT_OK;
}

int pft_usock_command(struct pft_usock *u, const char *command, long *count,
                      char err[PFT_ERR_MAX]) {
  char message[PFT_LINE_MAX];
  int st = pft_usock_send(u, command, err);
  if (st == PFT_OK)
    st = pft_usock_status(u, count, message, err);
  if (st == PFT_OK && *count < 0)
    return pft_err(err, "%s: collectd: %.200s", u->path, message);
  return st;
}
