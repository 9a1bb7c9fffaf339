/* tally.c - the bytes of each top-N list's newest update with keys
 * (tally.h), taken while collectd's cache still has that update's `other`. */
#include <math.h>
#include <string.h>

#include "tally.h"

bool pft_list_member(const struct pft_series *s, size_t l, const char **key) {
  const char *prefix = pft_lists[l].prefix;
  size_t len = strlen(prefix);
  if (s->family != PFT_OWN || s->acc.time == 0 ||
      s->type_len != strlen(pft_list_type) ||
      strncmp(s->key, pft_list_type, s->type_len) != 0 ||
      strncmp(s->type_instance, prefix, len) != 0)
    return false;
  *key = s->type_instance + len;
  return true;
}

bool pft_same_update(double a, double b, double tol) {
  return a - b < tol && b - a < tol;
}

/* The newest time of list l's keys in every source. */
static void pft_tally_times(struct pft_store *st, size_t l, double *t) {
  for (size_t i = 0; i < st->n_series; i++) {
    const struct pft_series *s = &st->series[i];
    const char *key;
    if (pft_list_member(s, l, &key) && strcmp(key, pft_list_other) != 0 &&
        s->acc.time > t[s->source])
      t[s->source] = s->acc.time;
  }
}

/* The bytes of the update at newest[src] of list l: its keys and `other`;
 * NaN when `other` is of another update (the sum would leave it out). */
static void pft_tally_wholes(struct pft_store *st, size_t l,
                             const double *newest, double *whole) {
  static bool other[PFT_MAX_SOURCES];
  memset(other, 0, sizeof other);
  for (size_t i = 0; i < st->n_series; i++) {
    const struct pft_series *s = &st->series[i];
    const char *key;
    double tol = pft_clock_tol(&st->sources[s->source].clock);
    if (!pft_list_member(s, l, &key) ||
        !pft_same_update(s->acc.time, newest[s->source], tol))
      continue;
    whole[s->source] += s->acc.value[0];
    other[s->source] |= strcmp(key, pft_list_other) == 0;
  }
  for (size_t src = 0; src < st->n_sources; src++)
    whole[src] = other[src] ? whole[src] : NAN;
}

/* A newer update with keys takes the list's place. The update kept is
 * tallied again while its `other` is in collectd's cache: its keys reach
 * the cache in the order collectd's write threads take them, a read may
 * come between. Once `other` moved on, the tally stays as it was. */
static void pft_tally_keep(struct pft_source *so, size_t l, double newest,
                           double whole) {
  double tol = pft_clock_tol(&so->clock);
  bool same = pft_same_update(newest, so->list_time[l], tol);
  if (newest > so->list_time[l] && !same) {
    so->list_time[l] = newest;
    so->list_whole[l] = isnan(whole) ? 0 : whole;
  } else if (same && !isnan(whole)) {
    so->list_time[l] = newest;
    so->list_whole[l] = whole;
  }
}

void pft_tally_lists(struct pft_store *st) {
  static double newest[PFT_MAX_SOURCES], whole[PFT_MAX_SOURCES];
  for (size_t l = 0; l < PFT_N_LISTS; l++) {
    memset(newest, 0, sizeof newest);
    memset(whole, 0, sizeof whole);
    pft_tally_times(st, l, newest);
    pft_tally_wholes(st, l, newest, whole);
    for (size_t src = 0; src < st->n_sources; src++)
      if (newest[src] > 0)
        pft_tally_keep(&st->sources[src], l, newest[src], whole[src]);
  }
}
