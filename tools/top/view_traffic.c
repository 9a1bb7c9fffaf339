/* view_traffic.c - traffic by protocol and direction (rates now, totals
 * since the view started), by IP version, and packet sizes. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "names.h"
#include "view.h"

/* One row's figures: rx and tx packet and bit rates, rx and tx totals of
 * packets and bytes. */
struct pft_figs {
  double pps[2], bps[2], pkts[2], bytes[2];
};

static void pft_figs_add(struct pft_figs *f, const struct pft_view *v,
                         const struct pft_traffic_row *row) {
  for (unsigned d = 0; d < 2; d++) {
    pft_sum(&f->pps[d], pft_rate(v, row->packets, d));
    pft_sum(&f->bps[d], 8 * pft_rate(v, row->bytes, d));
    pft_sum(&f->pkts[d], pft_total(v, row->packets, d));
    pft_sum(&f->bytes[d], pft_total(v, row->bytes, d));
  }
}

static const struct pft_figs pft_no_figs = {
    {NAN, NAN}, {NAN, NAN}, {NAN, NAN}, {NAN, NAN}};

static bool pft_figs_active(const struct pft_figs *f) {
  return f->pps[0] > 0 || f->pps[1] > 0 || f->pkts[0] > 0 || f->pkts[1] > 0;
}

static void pft_figs_row(struct pft_block *b, int rank, const char *label,
                         const struct pft_figs *f) {
  char c[8][PFT_FIG_MAX];
  for (int d = 0; d < 2; d++) {
    pft_fmt_si(c[2 * d], f->pps[d]);
    pft_fmt_si(c[2 * d + 1], f->bps[d]);
    pft_fmt_count(c[4 + d], f->pkts[d]);
    pft_fmt_si(c[6 + d], f->bytes[d]);
  }
  pft_block_add(b, rank, PFT_PLAIN, "%-9.9s%8s%8s%8s%8s  |%8s%9s%9s%9s", label,
                c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]);
}

/* IPv4, IPv6 and fragments since the start, in one line. */
static void pft_ip_line(const struct pft_view *v, struct pft_block *b,
                        int rank) {
  char line[PFT_COLS_MAX] = "", fig[PFT_FIG_MAX];
  int len = 0;
  for (size_t i = 0; i < pft_n_ip_versions; i++) {
    struct pft_figs f = pft_no_figs;
    pft_figs_add(&f, v, &pft_ip_versions[i]);
    pft_fmt_count(fig, f.pkts[0] + f.pkts[1]);
    len += snprintf(line + len, sizeof line - (size_t)len, "%s %s pkts, ",
                    pft_ip_versions[i].label, fig);
  }
  pft_fmt_count(fig, pft_total(v, pft_ids[PFT_FRAGMENTS], 0));
  pft_block_add(b, rank, PFT_PLAIN, "         since start: %sfragments %s",
                line, fig);
}

void pft_block_traffic(const struct pft_view *v, struct pft_block *b) {
  struct pft_figs all = pft_no_figs;
  pft_block_add(b, 0, PFT_HEAD, "%-43s|%s", "TRAFFIC  per second, now",
                "total since pcapflow-top started");
  pft_block_add(b, 0, PFT_PLAIN, "%-9s%8s%8s%8s%8s  |%8s%9s%9s%9s", "",
                "rx pkt", "rx bit", "tx pkt", "tx bit", "rx pkts", "tx pkts",
                "rx bytes", "tx bytes");
  int active = 0; /* the rows of protocols seen, one rank each */
  for (size_t i = 0; i < pft_n_protocols; i++) {
    struct pft_figs f = pft_no_figs;
    pft_figs_add(&f, v, &pft_protocols[i]);
    pft_figs_add(&all, v, &pft_protocols[i]);
    if (pft_figs_active(&f))
      pft_figs_row(b, 1 + active++, pft_protocols[i].label, &f);
  }
  pft_figs_row(b, 0, "all", &all);
  pft_ip_line(v, b, 1 + active);
}

/* A size column: its label and a space, at least 8 wide. */
static int pft_size_width(size_t i) {
  int w = (int)strlen(pft_sizes[i].label) + 1;
  return w > 8 ? w : 8;
}

static void pft_sizes_row(const struct pft_view *v, struct pft_block *b,
                          int rank, const char *label, bool tx, bool total) {
  char line[PFT_COLS_MAX], fig[PFT_FIG_MAX];
  int len = snprintf(line, sizeof line, "%-14s", label);
  for (size_t i = 0; i < pft_n_sizes; i++) {
    const char *id = tx ? pft_sizes[i].tx : pft_sizes[i].rx;
    if (total)
      pft_fmt_count(fig, pft_total(v, id, 0));
    else
      pft_fmt_si(fig, pft_rate(v, id, 0));
    len += snprintf(line + len, sizeof line - (size_t)len, "%*s",
                    pft_size_width(i), fig);
  }
  pft_block_add(b, rank, PFT_PLAIN, "%s", line);
}

/* Sizes come after a row more of every other block; their totals later. */
void pft_block_sizes(const struct pft_view *v, struct pft_block *b) {
  if (pft_own(v, pft_sizes[0].rx) == NULL)
    return; /* sizes not reported */
  char line[PFT_COLS_MAX];
  int len = snprintf(line, sizeof line, "%-14s", "SIZES (bytes)");
  for (size_t i = 0; i < pft_n_sizes; i++)
    len += snprintf(line + len, sizeof line - (size_t)len, "%*s",
                    pft_size_width(i), pft_sizes[i].label);
  pft_block_add(b, 1, PFT_HEAD, "%s", line);
  pft_sizes_row(v, b, 1, "rx pkt/s", false, false);
  pft_sizes_row(v, b, 1, "tx pkt/s", true, false);
  pft_sizes_row(v, b, 4, "rx since start", false, true);
  pft_sizes_row(v, b, 4, "tx since start", true, true);
}
