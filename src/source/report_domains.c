/* report_domains.c - the top queried domains as series names: the
 * registered domain with every character but [a-z0-9] written as '_'
 * ("bbc.co.uk" -> "top_domain_bbc_co_uk"), so that every stock writer
 * passes it through unchanged; at most TopSeriesLimit names ever, then
 * "top_domain_other", as every top-N list. */
#include "source/worker.h"

#include <stdio.h>
#include <string.h>

static void pf_domain_name(const uint8_t *raw, char *buf, size_t size) {
  struct pf_dns_domain_key k;
  memcpy(&k, raw, sizeof(k));
  int n = snprintf(buf, size, "top_domain_");
  for (unsigned i = 0; i < k.len && (size_t)n + 1 < size; i++) {
    char c = k.text[i];
    bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    buf[n++] = keep ? c : '_';
  }
  buf[n] = '\0';
}

void pf_source_report_domains(struct pf_source *src, struct pf_snapshot *out) {
  const struct pf_topn *t = &src->report.dns_domains;
  const struct pf_topn_item *items[PF_MAX_TOP_N];
  uint32_t n = pf_topn_top(t, items, (uint32_t)src->cfg.top_n);
  struct pf_top_list *list = &out->top_domains;
  uint64_t named = 0;
  list->n = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (!pf_top_names_admit(&src->dns_names, items[i]->key, t->key_len))
      continue; /* the name budget is spent: it stays in "other" */
    struct pf_top_entry *e = &list->entry[list->n++];
    e->bytes = items[i]->bytes[0] + items[i]->bytes[1];
    named += e->bytes;
    pf_domain_name(items[i]->key, e->name, sizeof(e->name));
  }
  struct pf_top_entry *other = &list->entry[list->n++];
  snprintf(other->name, sizeof(other->name), "top_domain_other");
  other->bytes = t->total[0] + t->total[1] - named;
}
