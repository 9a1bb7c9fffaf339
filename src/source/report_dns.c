/* report_dns.c - a source's DNS figures as a snapshot holds them: the
 * workers' counts summed, named as collectd's dns plugin names them
 * (app/dns_collectd.h), the interval's latency and the top queried
 * domains, named as top-N keys are (report.c). */
#include "source/worker.h"

#include "app/dns.h"
#include "app/dns_collectd.h"

#include <stdio.h>
#include <string.h>

void pf_dns_sum(struct pf_dns_sum *sum, const struct pf_dns_shard *d) {
  const struct pf_dns_stats *s = &d->stats;
  struct pf_dns_stats *t = &sum->stats;
  for (int i = 0; i < 2; i++) {
    t->messages[i] += s->messages[i];
    t->octets[i] += s->octets[i];
  }
  for (int i = 0; i < PF_DNS_QTYPE_SLOTS; i++)
    t->qtype[i] += s->qtype[i];
  for (int i = 0; i < 16; i++) {
    t->opcode[i] += s->opcode[i];
    t->rcode[i] += s->rcode[i];
  }
  for (int i = 0; i < PF_DNS_ERR_COUNT; i++)
    t->malformed[i] += s->malformed[i];
  t->truncated += s->truncated;
  t->tcp_unframed += s->tcp_unframed;
  sum->unanswered += d->pending.unanswered;
  sum->evicted += d->pending.evicted;
  sum->unmatched += d->pending.unmatched;
  sum->framing_evicted += d->framing.evicted;
}

/* ---- names ---- */

static void pf_dns_named(struct pf_named_count *list, uint32_t *n,
                         const char *name, uint64_t value) {
  struct pf_named_count *c = &list[(*n)++];
  snprintf(c->name, sizeof(c->name), "%s", name);
  c->value = value;
}

static uint16_t pf_dns_slot_qtype(int slot) {
  if (slot == PF_DNS_QTYPE_TA_SLOT)
    return 32768;
  return slot == PF_DNS_QTYPE_DLV_SLOT ? 32769 : (uint16_t)slot;
}

static void pf_dns_name_codes(const struct pf_dns_stats *s,
                              struct pf_dns_snapshot *out) {
  char buf[PF_COLLECTD_DNS_NAME_MAX];
  for (int i = 0; i < PF_DNS_QTYPE_SLOTS; i++) {
    if (!s->qtype[i])
      continue;
    const char *name = i == PF_DNS_QTYPE_OTHER_SLOT
                           ? "other"
                           : pf_collectd_dns_qtype(pf_dns_slot_qtype(i), buf);
    pf_dns_named(out->qtype, &out->n_qtype, name, s->qtype[i]);
  }
  for (int i = 0; i < 16; i++) {
    if (s->opcode[i])
      pf_dns_named(out->opcode, &out->n_opcode,
                   pf_collectd_dns_opcode((uint8_t)i, buf), s->opcode[i]);
    if (s->rcode[i])
      pf_dns_named(out->rcode, &out->n_rcode,
                   pf_collectd_dns_rcode((uint16_t)i, buf), s->rcode[i]);
  }
}

/* Every reason, zero or not: a fixed set of series. */
static void pf_dns_name_errors(const struct pf_dns_sum *sum,
                               struct pf_dns_snapshot *out) {
  const struct pf_dns_stats *s = &sum->stats;
  char name[PF_DNS_SERIES_NAME_MAX];
  for (int e = 0; e < PF_DNS_ERR_COUNT; e++) {
    const char *reason = e == 0 ? "snaplen" : pf_dns_err_name(e);
    snprintf(name, sizeof(name), "malformed_%s", reason);
    pf_dns_named(out->errors, &out->n_errors, name, s->malformed[e]);
  }
  pf_dns_named(out->errors, &out->n_errors, "tcp_unframed", s->tcp_unframed);
  pf_dns_named(out->errors, &out->n_errors, "tcp_framing_evicted",
               sum->framing_evicted);
}

void pf_source_report_dns(struct pf_source *src, const struct pf_dns_sum *sum,
                          struct pf_snapshot *out) {
  const struct pf_dns_config *cfg = &src->cfg.shard.dns;
  struct pf_dns_snapshot *d = &out->dns;
  d->enabled = cfg->analysis;
  d->latency = cfg->analysis && cfg->latency;
  d->top_domains = cfg->analysis && cfg->top_domains;
  d->compat = cfg->analysis && cfg->compat;
  if (!d->enabled)
    return;
  const struct pf_dns_stats *s = &sum->stats;
  d->octets[0] = s->octets[0];
  d->octets[1] = s->octets[1];
  pf_dns_name_codes(s, d);
  pf_dns_name_errors(sum, d);
  d->truncated = s->truncated;
  d->unmatched = sum->unmatched;
  d->unanswered = sum->unanswered;
  d->evicted = sum->evicted;
  pf_latency_figures(&src->report.dns_latency, d->latency_s);
  if (d->top_domains)
    pf_source_report_domains(src, out);
}
