/* view_head.c - the title bar, capture health, the flow table and the
 * status bar of a source's screen. */
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "fmt.h"
#include "names.h"
#include "view.h"

void pft_block_title(const struct pft_view *v, struct pft_block *b) {
  const struct pft_source *s = &v->st->sources[v->src];
  char when[32] = "no values yet", every[PFT_FIG_MAX] = "?", of[48] = "";
  if (v->clock > 0) {
    time_t t = (time_t)v->clock;
    struct tm tm;
    strftime(when, sizeof when, "updated %H:%M:%S", localtime_r(&t, &tm));
  }
  if (v->interval > 0) /* collectd's Interval, read off its times */
    snprintf(every, sizeof every, "%.2g s", v->interval);
  if (v->n_sources > 1)
    snprintf(of, sizeof of, "   source %zu of %zu", v->nth + 1, v->n_sources);
  pft_block_add(b, 0, PFT_BAR, "pcapflow-top  %s/%s   every %s   %s%s", s->host,
                s->name, every, when, of);
}

static bool pft_capture_alert(double up, double dk, double di) {
  return up == 0 || dk > 0 || di > 0;
}

void pft_block_capture(const struct pft_view *v, struct pft_block *b) {
  double up = pft_gauge(v, pft_ids[PFT_CAPTURE_UP]);
  double cap = pft_rate(v, pft_ids[PFT_CAPTURED], 0);
  double dk = pft_rate(v, pft_ids[PFT_DROPPED_KERNEL], 0);
  double di = pft_rate(v, pft_ids[PFT_DROPPED_INTERFACE], 0);
  char r[3][PFT_FIG_MAX], t[5][PFT_FIG_MAX];
  pft_fmt_rate(r[0], cap, "pps");
  pft_fmt_rate(r[1], dk, "pps");
  pft_fmt_rate(r[2], di, "pps");
  pft_block_add(b, 0, pft_capture_alert(up, dk, di) ? PFT_ALERT : PFT_HEAD,
                "CAPTURE  %-4s captured %s   dropped: kernel %s, interface %s",
                isnan(up) ? "?"
                : up > 0  ? "up"
                          : "DOWN",
                r[0], r[1], r[2]);
  const enum pft_id ids[5] = {PFT_CAPTURED, PFT_DROPPED_KERNEL,
                              PFT_DROPPED_INTERFACE, PFT_OPENED,
                              PFT_OPEN_FAILED};
  for (int i = 0; i < 5; i++)
    pft_fmt_count(t[i], pft_total(v, pft_ids[ids[i]], 0));
  pft_block_add(b, 1, PFT_PLAIN,
                "         since start: %s captured, dropped %s + %s, "
                "opened %s, failed opens %s",
                t[0], t[1], t[2], t[3], t[4]);
}

void pft_block_flows(const struct pft_view *v, struct pft_block *b) {
  char line[PFT_COLS_MAX] = "", fig[PFT_FIG_MAX];
  double all = NAN;
  int len = 0;
  for (size_t i = 0; i < pft_n_flows; i++) {
    double n = pft_gauge(v, pft_flows[i].id);
    pft_sum(&all, n);
    pft_fmt_count(fig, n);
    len += snprintf(line + len, sizeof line - (size_t)len, "%s%s %s",
                    i ? ", " : "", pft_flows[i].label, fig);
  }
  if (isnan(all))
    return; /* flows not reported */
  pft_fmt_count(fig, all);
  pft_block_add(b, 0, PFT_HEAD, "FLOWS    %s active: %s", fig, line);
  char r[3][PFT_FIG_MAX];
  const enum pft_id ids[3] = {PFT_FLOWS_NEW, PFT_FLOWS_EXPIRED,
                              PFT_FLOWS_EVICTED};
  for (int i = 0; i < 3; i++)
    pft_fmt_si(r[i], pft_rate(v, pft_ids[ids[i]], 0));
  bool full = pft_rate(v, pft_ids[PFT_FLOWS_EVICTED], 0) > 0;
  pft_block_add(b, 2, full ? PFT_ALERT : PFT_PLAIN,
                "         per second: %s new, %s expired, %s evicted%s", r[0],
                r[1], r[2], full ? " (the table is full: MaxFlows)" : "");
}

/* What the source's counters have so far: a rate, a total, and the most
 * updates any of them missed. */
struct pft_counters {
  bool rate, total;
  unsigned missed;
};

static struct pft_counters pft_counters_of(const struct pft_view *v) {
  struct pft_counters c = {false, false, 0};
  for (size_t i = 0; i < v->st->n_series; i++) {
    const struct pft_series *s = &v->st->series[i];
    if (s->source != v->src || !s->counter || s->acc.time == 0)
      continue;
    c.rate |= !isnan(s->acc.value[0]);
    c.total |= pft_acc_has_total(&s->acc);
    c.missed = s->acc.missed > c.missed ? s->acc.missed : c.missed;
  }
  return c;
}

static const char *pft_note(const struct pft_view *v, char *buf, size_t n) {
  struct pft_counters c = pft_counters_of(v);
  if (v->message != NULL)
    return v->message;
  if (v->st->refused > 0)
    return "more pcapflow series than the view keeps: choose a host or "
           "source (-H, -i)";
  if (!c.rate)
    return "measuring... collectd has one value of each counter so far";
  if (!c.total)
    return "measuring... totals count from collectd's next update";
  if (c.missed > 0) {
    snprintf(buf, n, "totals missed %u updates: read collectd more often (-d)",
             c.missed);
    return buf;
  }
  return "";
}

void pft_block_status(const struct pft_view *v, struct pft_block *b) {
  char buf[160];
  const char *note = pft_note(v, buf, sizeof buf);
  const char *keys = !v->interactive    ? ""
                     : v->n_sources > 1 ? "q quit  n/p source  "
                                        : "q quit  ";
  pft_block_add(b, 0, v->message ? PFT_ALERT : PFT_BAR, "%s%s", keys, note);
}

void pft_view_draw_waiting(const char *message, bool interactive, int width,
                           int height, struct pft_screen *out) {
  static struct pft_block title, status;
  const struct pft_block *list[2] = {&title, &status};
  static const int order[2] = {0, 1};
  title.n = status.n = 0;
  title.width = status.width = width;
  pft_block_add(&title, 0, PFT_BAR, "pcapflow-top");
  pft_block_add(&status, 0, PFT_ALERT, "%s%s", interactive ? "q quit  " : "",
                message);
  pft_layout(list, 2, order, height, out);
}
