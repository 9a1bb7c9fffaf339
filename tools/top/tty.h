/* tty.h - the terminal of the interactive view: raw keys, the alternate
 * screen, its size, and whole frames drawn over the last one (no flicker);
 * and plain text for the batch mode. A terminal that hung up (EOF, EIO,
 * POLLHUP: its tmux or ssh session gone) is noted as gone, never waited
 * on; output waits for room only until a signal arrives (sig.h). */
#ifndef PCAPFLOW_TOP_TTY_H
#define PCAPFLOW_TOP_TTY_H

#include <stdbool.h>
#include <stdio.h>
#include <termios.h>

#include "block.h"

struct pft_term {
  bool active; /* raw keys and the alternate screen are on */
  bool color;  /* styles as SGR attributes */
  bool gone;   /* it hung up: the view has no one to show to */
  int flags;   /* stdout's file status flags before (O_NONBLOCK off) */
  struct termios saved;
};

/* Takes over the terminal of stdin and stdout. */
int pft_term_open(struct pft_term *t, bool color);
/* Gives it back as it was, without waiting on a terminal nobody reads;
 * safe to call twice. */
void pft_term_close(struct pft_term *t);
/* The size of stdout's terminal; 80x24 when it has none. */
void pft_term_size(int *width, int *height);
/* Draws the screen: every row but the last from the top, the last (the
 * status bar) on the terminal's bottom row. */
void pft_term_draw(struct pft_term *t, const struct pft_screen *s, int width,
                   int height);
/* The keys typed since the last call, at most size; 0 if none, -1 if the
 * terminal is gone. */
int pft_term_keys(struct pft_term *t, char *keys, int size);
/* The screen as plain text, trailing blanks removed. */
void pft_print_plain(const struct pft_screen *s, FILE *out);

#endif
