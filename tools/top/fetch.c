/* fetch.c - one round of reading collectd's values (fetch.h). GETVAL answers
 * with the value collectd has now, without its time, while LISTVAL has the
 * times: a value is applied only when the LISTVALs before and after its
 * GETVAL agree on its time. */
#include <stdio.h>
#include <string.h>

#include "fetch.h"
#include "tally.h"

/* GETVALs sent before their answers are read: few enough that neither
 * side's socket buffer can fill. */
#define PFT_GETVAL_BATCH 64
/* Rounds of GETVAL for values collectd kept replacing while read. */
#define PFT_FETCH_ROUNDS 3

static int pft_listval(struct pft_store *st, struct pft_usock *u,
                       const struct pft_filter *f, bool first,
                       char err[PFT_ERR_MAX]) {
  long count;
  int rc = pft_usock_command(u, "LISTVAL\n", &count, err);
  for (size_t i = 0; first && rc == PFT_OK && i < st->n_series; i++)
    st->series[i].listed = false;
  for (long i = 0; rc == PFT_OK && i < count; i++) {
    char line[PFT_LINE_MAX];
    double t;
    const char *ident;
    rc = pft_usock_line(u, line, err);
    if (rc != PFT_OK || !pft_parse_listval(line, &t, &ident))
      continue;
    struct pft_series *s = first
                               ? pft_store_listed(st, ident, f->host, f->source)
                               : pft_store_get(st, ident);
    if (s == NULL)
      continue;
    s->listed |= first;
    s->listed_time = t;
  }
  return rc;
}

/* GETVAL's argument, quoted as the unixsock plugin parses strings. */
static size_t pft_getval_line(char *out, size_t room, const char *ident) {
  size_t n = 0;
  const char *head = "GETVAL \"";
  for (const char *p = head; *p && n < room; p++)
    out[n++] = *p;
  for (const char *p = ident; *p && n + 2 < room; p++) {
    if (*p == '"' || *p == '\\')
      out[n++] = '\\';
    out[n++] = *p;
  }
  if (n + 2 < room) {
    out[n++] = '"';
    out[n++] = '\n';
  }
  return n;
}

/* Reads the answer to one GETVAL into s (an unknown value: not fetched). */
static int pft_getval_answer(struct pft_usock *u, struct pft_series *s,
                             char err[PFT_ERR_MAX]) {
  char line[PFT_LINE_MAX];
  long count;
  int rc = pft_usock_status(u, &count, line, err);
  if (rc != PFT_OK)
    return rc;
  s->n_fetched = 0;
  for (long i = 0; i < count; i++) {
    double v;
    rc = pft_usock_line(u, line, err);
    if (rc != PFT_OK)
      return rc;
    if (s->n_fetched < PFT_MAX_VALUES && pft_parse_value(line, &v))
      s->fetched[s->n_fetched++] = v;
  }
  s->fetching = count > 0 && s->n_fetched > 0;
  return PFT_OK;
}

static bool pft_wants_fetch(const struct pft_series *s) {
  return s->fetching && s->fetched_time != s->listed_time;
}

/* One batch of GETVALs from series index *next on; *sent counts them. */
static int pft_fetch_batch(struct pft_store *st, struct pft_usock *u,
                           size_t *next, size_t *sent, char err[PFT_ERR_MAX]) {
  static char text[PFT_GETVAL_BATCH * (PFT_IDENT_MAX * 2 + 12)];
  size_t batch[PFT_GETVAL_BATCH], n = 0, len = 0;
  for (; *next < st->n_series && n < PFT_GETVAL_BATCH; (*next)++)
    if (pft_wants_fetch(&st->series[*next])) {
      batch[n++] = *next;
      len += pft_getval_line(text + len, sizeof text - len - 1,
                             st->series[*next].ident);
    }
  if (n == 0)
    return PFT_OK;
  text[len] = '\0';
  int rc = pft_usock_send(u, text, err);
  for (size_t i = 0; rc == PFT_OK && i < n; i++) {
    struct pft_series *s = &st->series[batch[i]];
    s->fetched_time = s->listed_time;
    rc = pft_getval_answer(u, s, err);
  }
  *sent += n;
  return rc;
}

static int pft_fetch(struct pft_store *st, struct pft_usock *u, size_t *sent,
                     char err[PFT_ERR_MAX]) {
  size_t next = 0;
  int rc = PFT_OK;
  *sent = 0;
  while (rc == PFT_OK && next < st->n_series)
    rc = pft_fetch_batch(st, u, &next, sent, err);
  return rc;
}

/* Applies every value whose time both LISTVALs agreed on, and moves each
 * source's clock to its newest series. */
static void pft_apply(struct pft_store *st) {
  for (size_t i = 0; i < st->n_series; i++) {
    struct pft_series *s = &st->series[i];
    struct pft_source *src = &st->sources[s->source];
    if (s->fetching && s->fetched_time == s->listed_time)
      pft_acc_update(&s->acc, s->fetched_time, s->fetched, s->n_fetched,
                     s->counter, pft_clock_interval(&src->clock));
    s->fetching = false;
  }
  for (size_t i = 0; i < st->n_series; i++) {
    const struct pft_series *s = &st->series[i];
    if (s->listed && s->family == PFT_OWN)
      pft_clock_advance(&st->sources[s->source].clock, s->listed_time);
  }
  pft_tally_lists(st);
}

static int pft_poll_open(struct pft_store *st, struct pft_usock *u,
                         const struct pft_filter *f, char err[PFT_ERR_MAX]) {
  int rc = pft_listval(st, u, f, true, err);
  for (size_t i = 0; i < st->n_series; i++) {
    struct pft_series *s = &st->series[i];
    s->fetching = s->listed && s->listed_time != s->acc.time;
    s->fetched_time = -1;
  }
  for (int round = 0; rc == PFT_OK && round < PFT_FETCH_ROUNDS; round++) {
    size_t sent;
    rc = pft_fetch(st, u, &sent, err);
    if (rc != PFT_OK || sent == 0)
      break;
    rc = pft_listval(st, u, f, false, err);
  }
  return rc;
}

int pft_poll(struct pft_store *st, struct pft_usock *u,
             const struct pft_filter *f, char err[PFT_ERR_MAX]) {
  int rc = pft_usock_open(u, err);
  if (rc == PFT_OK)
    rc = pft_poll_open(st, u, f, err);
  pft_usock_close(u);
  if (rc == PFT_OK)
    pft_apply(st);
  for (size_t i = 0; rc != PFT_OK && i < st->n_series; i++)
    st->series[i].fetching = false;
  return rc;
}
