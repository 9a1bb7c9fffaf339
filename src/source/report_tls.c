/* report_tls.c - a source's TLS figures as a snapshot holds them: the
 * workers' hello counts summed and named (versions as "tls1_3", failures
 * by the parser's reasons), and the top server names (report_domains.c). */
#include "source/worker.h"

#include "app/tls.h"

#include <stdio.h>

void pf_tls_sum(struct pf_tls_stats *sum, const struct pf_tls_shard *t) {
  const struct pf_tls_stats *s = &t->stats;
  for (int i = 0; i < PF_TLS_VERSION_SLOTS; i++) {
    sum->offered[i] += s->offered[i];
    sum->selected[i] += s->selected[i];
  }
  sum->partial += s->partial;
  sum->reassembled += s->reassembled;
  for (int w = 0; w < PF_TLS_LOST_COUNT; w++)
    sum->lost[w] += s->lost[w];
  for (int r = 0; r < PF_TLS_RESULT_COUNT; r++)
    sum->malformed[r] += s->malformed[r];
}

static void pf_tls_named(struct pf_tls_snapshot *d, const char *what,
                         const char *name, uint64_t value) {
  struct pf_tls_count *c = &d->count[d->n++];
  snprintf(c->name, sizeof(c->name), "%s%s", what, name);
  c->value = value;
}

/* Every series, zero or not: a fixed set. */
static void pf_tls_name_counts(const struct pf_tls_stats *s,
                               struct pf_tls_snapshot *d) {
  static const char *const version[PF_TLS_VERSION_SLOTS] = {
      "ssl3", "tls1_0", "tls1_1", "tls1_2", "tls1_3", "other"};
  for (int i = 0; i < PF_TLS_VERSION_SLOTS; i++)
    pf_tls_named(d, "offered_", version[i], s->offered[i]);
  for (int i = 0; i < PF_TLS_VERSION_SLOTS; i++)
    pf_tls_named(d, "selected_", version[i], s->selected[i]);
  static const char *const lost[PF_TLS_LOST_COUNT] = {
      [PF_TLS_LOST_SNAPLEN] = "snaplen",
      [PF_TLS_LOST_GAP] = "gap",
      [PF_TLS_LOST_EVICTED] = "evicted",
      [PF_TLS_LOST_LONG] = "long"};
  pf_tls_named(d, "hello_", "partial", s->partial);
  for (int w = 0; w < PF_TLS_LOST_COUNT; w++)
    pf_tls_named(d, "hello_partial_", lost[w], s->lost[w]);
  pf_tls_named(d, "hello_", "reassembled", s->reassembled);
  for (int r = PF_TLS_E_RECORD; r < PF_TLS_RESULT_COUNT; r++)
    pf_tls_named(d, "hello_malformed_",
                 pf_tls_result_name((enum pf_tls_result)r), s->malformed[r]);
}

_Static_assert(2 * PF_TLS_VERSION_SLOTS + 2 + PF_TLS_LOST_COUNT +
                       PF_TLS_RESULT_COUNT - PF_TLS_E_RECORD ==
                   PF_TLS_COUNT_SERIES,
               "the snapshot holds every TLS series");

void pf_source_report_tls(struct pf_source *src, const struct pf_tls_stats *sum,
                          struct pf_snapshot *out) {
  struct pf_tls_snapshot *d = &out->tls;
  d->enabled = src->cfg.shard.tls.analysis;
  d->top = d->enabled && src->cfg.shard.tcp_analysis;
  if (!d->enabled)
    return;
  pf_tls_name_counts(sum, d);
  if (d->top)
    pf_report_text_top(src, &src->report.tls_names, &src->sni_names, "top_sni_",
                       &out->top_sni);
}
