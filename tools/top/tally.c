/* tally.c - the bytes of each top-N list's newest update with keys
 * (tally.h), taken while collectd's cache still has that update's `other`. */
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

bool pft_same_update(double a, double b) {
  return a - b < PFT_CLOCK_SAME && b - a < PFT_CLOCK_SAME;
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
 * 0 when `other` is of another update (the sum would leave it out). */
static void pft_tally_wholes(struct pft_store *st, size_t l,
                             const double *newest, double *whole) {
  static bool other[PFT_MAX_SOURCES];
  memset(other, 0, sizeof other);
  for (size_t i = 0; i < st->n_series; i++) {
    const struct pft_series *s = &st->series[i];
    const char *key;
    if (!pft_list_member(s, l, &key) ||
        !pft_same_update(s->acc.time, newest[s->source]))
      continue;
    whole[s->source] += s->acc.value[0];
    other[s->source] |= strcmp(key, pft_list_other) == 0;
  }
  for (size_t src = 0; src < st->n_sources; src++)
    whole[src] = other[src] ? whole[src] : 0;
}

void pft_tally_lists(struct pft_store *st) {
  static double newest[PFT_MAX_SOURCES], whole[PFT_MAX_SOURCES];
  for (size_t l = 0; l < PFT_N_LISTS; l++) {
    memset(newest, 0, sizeof newest);
    memset(whole, 0, sizeof whole);
    pft_tally_times(st, l, newest);
    pft_tally_wholes(st, l, newest, whole);
    /* Once `other` moved on, the tally of that update stays as it was. */
    for (size_t src = 0; src < st->n_sources; src++) {
      struct pft_source *so = &st->sources[src];
      if (newest[src] > so->list_time[l] || so->list_time[l] == 0) {
        so->list_time[l] = newest[src];
        so->list_whole[l] = whole[src];
      }
    }
  }
}
