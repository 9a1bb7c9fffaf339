/* view_tcp.c - TCP health: connections completed and failed, resets,
 * retransmissions and the other counters (per second now and since the
 * start), and the handshake latency of the newest interval that had
 * handshakes, with its age when that is not the newest update. */
#include <math.h>
#include <stdio.h>

#include "fmt.h"
#include "names.h"
#include "tally.h"
#include "view.h"

static const struct {
  const char *label;
  enum pft_id id;
} pft_tcp_cols[] = {
    {"completed", PFT_TCP_COMPLETED},
    {"no answer", PFT_TCP_UNANSWERED},
    {"resets", PFT_TCP_RST},
    {"retrans", PFT_TCP_RETRANSMITTED},
    {"out/order", PFT_TCP_OUT_OF_ORDER},
    {"zero win", PFT_TCP_ZERO_WINDOW},
    {"late", PFT_TCP_LATE_START},
};
#define PFT_TCP_COLS (sizeof pft_tcp_cols / sizeof pft_tcp_cols[0])

static void pft_tcp_row(const struct pft_view *v, struct pft_block *b, int rank,
                        const char *label, bool total) {
  char line[PFT_COLS_MAX], fig[PFT_FIG_MAX];
  int len = snprintf(line, sizeof line, "%-9s", label);
  for (size_t i = 0; i < PFT_TCP_COLS; i++) {
    const char *id = pft_ids[pft_tcp_cols[i].id];
    if (total)
      pft_fmt_count(fig, pft_total(v, id, 0));
    else
      pft_fmt_si(fig, pft_rate(v, id, 0));
    len += snprintf(line + len, sizeof line - (size_t)len, "%10s", fig);
  }
  pft_block_add(b, rank, PFT_PLAIN, "%s", line);
}

/* One handshake figure's quantiles, from the interval they were sent in
 * (each stamped as it was dispatched: milliseconds apart). */
static void pft_figure_row(const struct pft_view *v, struct pft_block *b,
                           int rank, const struct pft_figure *f) {
  const struct pft_acc *first = pft_own(v, f->ids[0]);
  char line[PFT_COLS_MAX], fig[PFT_FIG_MAX];
  int len = snprintf(line, sizeof line, "%-12s", f->label);
  if (first == NULL) {
    pft_block_add(b, rank, PFT_DIM, "%sno handshake seen yet", line);
    return;
  }
  for (int q = 0; q < PFT_N_QUANTILES; q++) {
    const struct pft_acc *a = pft_own(v, f->ids[q]);
    bool same = a != NULL && pft_same_update(a->time, first->time, v->tol);
    pft_fmt_duration(fig, same ? a->value[0] : NAN);
    len += snprintf(line + len, sizeof line - (size_t)len, "%s %-9s",
                    pft_quantiles[q], fig);
  }
  if (!pft_fresh(v, first->time)) {
    pft_fmt_age(fig, v->clock - first->time);
    snprintf(line + len, sizeof line - (size_t)len, "%s ago", fig);
  }
  pft_block_add(b, rank, PFT_PLAIN, "%s", line);
}

void pft_block_tcp(const struct pft_view *v, struct pft_block *b) {
  if (pft_own(v, pft_ids[PFT_TCP_COMPLETED]) == NULL)
    return; /* TcpAnalysis false */
  char head[PFT_COLS_MAX];
  int len = snprintf(head, sizeof head, "%-9s", "TCP");
  for (size_t i = 0; i < PFT_TCP_COLS; i++)
    len += snprintf(head + len, sizeof head - (size_t)len, "%10s",
                    pft_tcp_cols[i].label);
  pft_block_add(b, 0, PFT_HEAD, "%s", head);
  pft_tcp_row(v, b, 1, "per s now", false);
  pft_tcp_row(v, b, 0, "total", true);
  for (size_t i = 0; i < pft_n_handshake; i++)
    pft_figure_row(v, b, i == 0 ? 0 : 5, &pft_handshake[i]);
}
