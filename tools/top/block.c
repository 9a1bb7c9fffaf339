/* block.c - blocks of ranked lines and their layout on a screen (block.h). */
#include <stdio.h>
#include <string.h>

#include "block.h"

void pft_block_add(struct pft_block *b, int rank, enum pft_style style,
                   const char *fmt, ...) {
  if (b->n == PFT_BLOCK_LINES)
    return;
  struct pft_line *l = &b->lines[b->n++];
  int width = b->width < PFT_COLS_MAX ? b->width : PFT_COLS_MAX;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(l->text, (size_t)width + 1, fmt, ap);
  va_end(ap);
  l->style = (unsigned char)style;
  l->rank = (unsigned char)(rank < 255 ? rank : 255);
}

/* Lines of block b with exactly this rank. */
static int pft_rank_lines(const struct pft_block *b, int rank) {
  int n = 0;
  for (int i = 0; i < b->n; i++)
    n += b->lines[i].rank == rank;
  return n;
}

static int pft_max_rank(const struct pft_block *b) {
  int r = -1;
  for (int i = 0; i < b->n; i++)
    if (b->lines[i].rank > r)
      r = b->lines[i].rank;
  return r;
}

/* The ranks each block shows (shown[i]: ranks 0 .. shown[i]-1), granted in
 * turns by importance while room is left; returns the rows used. */
static int pft_grant(const struct pft_block *const *blocks, int n,
                     const int *order, int room, int shown[]) {
  int used = 0;
  for (bool more = true; more;) {
    more = false;
    for (int k = 0; k < n; k++) {
      const struct pft_block *b = blocks[order[k]];
      int *s = &shown[order[k]];
      if (*s > pft_max_rank(b))
        continue;
      int rows = pft_rank_lines(b, *s);
      if (room >= 0 && used + rows > room)
        continue;
      used += rows;
      (*s)++;
      more = true;
    }
  }
  return used;
}

/* A blank line for the gaps between blocks. */
static const struct pft_line pft_blank = {"", PFT_PLAIN, 0};

void pft_layout(const struct pft_block *const *blocks, int n_blocks,
                const int *order, int height, struct pft_screen *out) {
  int shown[64] = {0};
  if (n_blocks > 64)
    n_blocks = 64;
  int used = pft_grant(blocks, n_blocks, order, height, shown);
  int visible = 0;
  for (int i = 0; i < n_blocks; i++)
    visible += shown[i] > 0;
  /* Gaps between the blocks after the title, before the status line. */
  bool gaps = height < 0 || used + visible - 3 <= height;
  out->n = 0;
  for (int i = 0; i < n_blocks; i++) {
    if (shown[i] == 0)
      continue;
    if (gaps && out->n > 1 && i < n_blocks - 1 && out->n < PFT_SCREEN_ROWS)
      out->rows[out->n++] = &pft_blank;
    for (int j = 0; j < blocks[i]->n && out->n < PFT_SCREEN_ROWS; j++)
      if (blocks[i]->lines[j].rank < shown[i])
        out->rows[out->n++] = &blocks[i]->lines[j];
  }
}
