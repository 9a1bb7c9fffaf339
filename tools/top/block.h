/* block.h - a screen is made of blocks (title, capture, traffic, ...), each
 * a list of lines with a rank: rank 0 is what the block cannot go without,
 * higher ranks go first when rows are short. The layout gives every block
 * its rank 0 lines in the order of importance, then one rank more to each
 * in turn while rows are left, so that an 80x24 terminal shows a little of
 * everything and a taller one more of each. */
#ifndef PCAPFLOW_TOP_BLOCK_H
#define PCAPFLOW_TOP_BLOCK_H

#include <stdarg.h>
#include <stdbool.h>

#define PFT_COLS_MAX 320
#define PFT_BLOCK_LINES 200
#define PFT_SCREEN_ROWS 2048

enum pft_style {
  PFT_PLAIN,
  PFT_BAR,   /* the title and status bars */
  PFT_HEAD,  /* a block's first line */
  PFT_ALERT, /* drops, a capture down, errors */
  PFT_DIM,   /* nothing measured yet */
};

struct pft_line {
  char text[PFT_COLS_MAX + 1];
  unsigned char style;
  unsigned char rank;
};

struct pft_block {
  struct pft_line lines[PFT_BLOCK_LINES];
  int n;
  int width;
};

/* Appends a line (cut at the block's width; dropped when the block is
 * full). */
void pft_block_add(struct pft_block *b, int rank, enum pft_style style,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* What the layout produces: the lines in screen order. */
struct pft_screen {
  const struct pft_line *rows[PFT_SCREEN_ROWS];
  int n;
};

/* Lays out blocks (in screen order) in height rows; order lists the block
 * indexes by importance. Blank rows separate blocks where rows are left;
 * height < 0 shows everything. */
void pft_layout(const struct pft_block *const *blocks, int n_blocks,
                const int *order, int height, struct pft_screen *out);

#endif
