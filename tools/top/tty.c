/* tty.c - the terminal (tty.h), with plain ANSI/VT100 sequences that every
 * terminal emulator and tmux understand; no terminfo needed. stdout is
 * non-blocking while the view runs: a write never sleeps where a signal
 * could be missed, and room is waited for in a poll that the signal pipe
 * ends. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "sig.h"
#include "tty.h"

static const char *const pft_sgr[] = {[PFT_PLAIN] = "",
                                      [PFT_BAR] = "\033[7m",
                                      [PFT_HEAD] = "\033[1m",
                                      [PFT_ALERT] = "\033[1;31m",
                                      [PFT_DIM] = "\033[2m"};

/* Waits for room to write, a hang-up or a signal. */
static void pft_wait_room(struct pft_term *t) {
  struct pollfd p[2] = {{.fd = STDOUT_FILENO, .events = POLLOUT},
                        {.fd = pft_sig_fd(), .events = POLLIN}};
  if (poll(p, 2, -1) < 0 && errno != EINTR)
    t->gone = true;
  else if (p[0].revents & (POLLERR | POLLHUP | POLLNVAL))
    t->gone = true;
  else if (p[1].revents != 0)
    pft_sig_drain(); /* the signal's note stays for the caller */
}

/* The whole buffer, unless the terminal is gone or a signal ends the
 * program first. */
static void pft_write_all(struct pft_term *t, const char *buf, size_t len) {
  while (len > 0 && !t->gone && pft_sig_quit() == 0) {
    ssize_t n = write(STDOUT_FILENO, buf, len);
    if (n > 0) {
      buf += n;
      len -= (size_t)n;
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      pft_wait_room(t);
    } else {
      t->gone = true; /* EIO: it hung up */
    }
  }
}

int pft_term_open(struct pft_term *t, bool color) {
  t->color = color;
  if (tcgetattr(STDIN_FILENO, &t->saved) != 0)
    return -1;
  struct termios raw = t->saved;
  raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO); /* ISIG stays: Ctrl-C quits */
  raw.c_cc[VMIN] = 0;
  raw.c_cc[VTIME] = 0;
  t->flags = fcntl(STDOUT_FILENO, F_GETFL);
  if (t->flags < 0 || tcsetattr(STDIN_FILENO, TCSANOW, &raw) != 0)
    return -1;
  fcntl(STDOUT_FILENO, F_SETFL, t->flags | O_NONBLOCK);
  t->active = true;
  static const char enter[] = "\033[?1049h\033[?25l\033[H\033[2J";
  pft_write_all(t, enter, sizeof enter - 1);
  return 0;
}

/* The buffer, waiting for room a second at most: a terminal nobody reads
 * must not keep the program from ending. */
static void pft_write_soon(struct pft_term *t, const char *buf, size_t len) {
  for (int tries = 0; len > 0 && !t->gone && tries < 20; tries++) {
    ssize_t n = write(STDOUT_FILENO, buf, len);
    struct pollfd out = {.fd = STDOUT_FILENO, .events = POLLOUT};
    if (n > 0) {
      buf += n;
      len -= (size_t)n;
    } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
      t->gone = true;
    } else {
      poll(&out, 1, 50);
    }
  }
}

void pft_term_close(struct pft_term *t) {
  static const char leave[] = "\033[0m\033[?25h\033[?1049l";
  if (!t->active)
    return;
  pft_write_soon(t, leave, sizeof leave - 1);
  tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
  fcntl(STDOUT_FILENO, F_SETFL, t->flags);
  t->active = false;
}

void pft_term_size(int *width, int *height) {
  struct winsize ws;
  *width = 80;
  *height = 24;
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 &&
      ws.ws_row > 0) {
    *width = ws.ws_col;
    *height = ws.ws_row;
  }
}

/* One row at the cursor: its style, its text padded to the width (so that
 * a bar spans it), attributes reset. */
static size_t pft_row(char *out, const struct pft_term *t,
                      const struct pft_line *l, int width) {
  const char *sgr = t->color ? pft_sgr[l->style] : "";
  int n = sprintf(out, "%s%-*.*s%s", sgr, width, width, l->text,
                  *sgr ? "\033[0m" : "");
  return (size_t)n;
}

void pft_term_draw(struct pft_term *t, const struct pft_screen *s, int width,
                   int height) {
  static const struct pft_line empty = {"", PFT_PLAIN, 0};
  if (width > PFT_COLS_MAX)
    width = PFT_COLS_MAX;
  size_t room = (size_t)(height + 1) * (size_t)(width + 32) + 64, len = 0;
  char *frame = malloc(room);
  if (frame == NULL || height < 1)
    goto out;
  /* The bottom row stops one column short: no terminal scrolls. */
  for (int r = 0; r < height; r++) {
    const struct pft_line *l = &empty;
    if (r == height - 1 && s->n > 0)
      l = s->rows[s->n - 1];
    else if (r < s->n - 1)
      l = s->rows[r];
    len += (size_t)sprintf(frame + len, "\033[%d;1H", r + 1);
    len += pft_row(frame + len, t, l, r == height - 1 ? width - 1 : width);
  }
  pft_write_all(t, frame, len);
out:
  free(frame);
}

/* read gives 0 both for no key (VMIN 0) and at the end of the input; the
 * end reads as ready at once again, and gives 0 again. */
int pft_term_keys(struct pft_term *t, char *keys, int size) {
  ssize_t n = read(STDIN_FILENO, keys, (size_t)size);
  if (n == 0) {
    struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
    if (poll(&p, 1, 0) != 1 || p.revents == 0)
      return 0;
    n = read(STDIN_FILENO, keys, (size_t)size);
  }
  if (n > 0)
    return (int)n;
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return 0;
  t->gone = true; /* EOF or EIO: it hung up */
  return -1;
}

void pft_print_plain(const struct pft_screen *s, FILE *out) {
  int n = s->n;
  while (n > 0 && s->rows[n - 1]->text[0] == '\0') /* an empty status */
    n--;
  for (int i = 0; i < n; i++) {
    const char *text = s->rows[i]->text;
    size_t len = strlen(text);
    while (len > 0 && text[len - 1] == ' ')
      len--;
    fprintf(out, "%.*s\n", (int)len, text);
  }
}
