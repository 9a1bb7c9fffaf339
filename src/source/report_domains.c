/* report_domains.c - top lists whose keys are names (the top queried
 * domains, the top TLS server names) as series names: the name with every
 * character but [a-z0-9] written as '_' ("bbc.co.uk" ->
 * "top_domain_bbc_co_uk"), so that every stock writer passes it through
 * unchanged; at most TopSeriesLimit names ever, then PREFIX "other", as
 * every top-N list. */
#include "source/worker.h"

#include "shard/top_order.h"

#include <stdio.h>
#include <string.h>

/* The key layout both lists share: a length, then the text. */
struct pf_text_key {
  uint8_t len;
  char text[PF_TOPN_KEY_MAX - 1];
};

_Static_assert(sizeof(struct pf_text_key) == sizeof(struct pf_dns_domain_key) &&
                   sizeof(struct pf_text_key) == sizeof(struct pf_tls_name_key),
               "domains and server names are keyed alike");

static void pf_text_name(const char *prefix, const uint8_t *raw, char *buf,
                         size_t size) {
  struct pf_text_key k;
  memcpy(&k, raw, sizeof(k));
  int n = snprintf(buf, size, "%s", prefix);
  for (unsigned i = 0; i < k.len && i < sizeof(k.text) && (size_t)n + 1 < size;
       i++) {
    char c = k.text[i];
    bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    buf[n++] = keep ? c : '_';
  }
  buf[n] = '\0';
}

void pf_report_text_top(struct pf_source *src, const struct pf_topn *t,
                        struct pf_top_names *names, const char *prefix,
                        struct pf_top_list *list) {
  /* One more than TopN: the empty key stands for names that were never
   * kept (tls_names.h) and is never named, so it takes none of the TopN
   * places; were it to, it would take one at every tie at the cutoff, as
   * the least key of all. */
  const struct pf_topn_item *items[PF_MAX_TOP_N + 1];
  uint32_t top_n = (uint32_t)src->cfg.top_n,
           n = pf_topn_top_by(t, items, top_n + 1, pf_name_key_order),
           places = 0;
  uint64_t named = 0;
  list->n = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (items[i]->key[0] == 0)
      continue;
    if (places++ == top_n)
      break;
    /* A spent name budget leaves a new key in "other". */
    if (!pf_top_names_admit(names, items[i]->key, t->key_len))
      continue;
    struct pf_top_entry *e = &list->entry[list->n++];
    e->bytes = items[i]->bytes[0] + items[i]->bytes[1];
    named += e->bytes;
    pf_text_name(prefix, items[i]->key, e->name, sizeof(e->name));
  }
  struct pf_top_entry *other = &list->entry[list->n++];
  snprintf(other->name, sizeof(other->name), "%sother", prefix);
  other->bytes = t->total[0] + t->total[1] - named;
}

void pf_source_report_domains(struct pf_source *src, struct pf_snapshot *out) {
  pf_report_text_top(src, &src->report.dns_domains, &src->dns_names,
                     "top_domain_", &out->top_domains);
}
