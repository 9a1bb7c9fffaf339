/* news.c - the rules watch's queue of news (news.h). */
#include "rules/news.h"

#include <stdio.h>

static struct pf_rules_news *pf_at(struct pf_news_queue *q, unsigned i) {
  return &q->item[(q->head + i) % PF_NEWS_QUEUE];
}

/* Drops the i-th piece; the later ones move up. */
static void pf_drop(struct pf_news_queue *q, unsigned i) {
  pf_rules_free(pf_at(q, i)->rules);
  for (; i + 1 < q->count; i++)
    *pf_at(q, i) = *pf_at(q, i + 1);
  q->count--;
}

/* The waiting rule set, when a newer one comes; else, in a full queue, the
 * oldest message (there is always one: at most one piece is LOADED). */
static void pf_make_room(struct pf_news_queue *q, bool loaded) {
  for (unsigned i = 0; loaded && i < q->count; i++)
    if (pf_at(q, i)->kind == PF_RULES_LOADED) {
      pf_drop(q, i);
      return;
    }
  for (unsigned i = 0; q->count == PF_NEWS_QUEUE && i < q->count; i++)
    if (pf_at(q, i)->kind != PF_RULES_LOADED) {
      pf_drop(q, i);
      q->dropped++;
    }
}

void pf_news_push(struct pf_news_queue *q, enum pf_rules_news_kind kind,
                  struct pf_rules *rules, const char *message) {
  pf_make_room(q, kind == PF_RULES_LOADED);
  struct pf_rules_news *n = pf_at(q, q->count++);
  n->kind = kind;
  n->rules = rules;
  n->dropped = 0;
  snprintf(n->message, sizeof(n->message), "%s", message);
}

bool pf_news_pop(struct pf_news_queue *q, struct pf_rules_news *news) {
  if (q->count == 0)
    return false;
  *news = *pf_at(q, 0);
  news->dropped = q->dropped;
  q->dropped = 0;
  q->head = (q->head + 1) % PF_NEWS_QUEUE;
  q->count--;
  return true;
}

void pf_news_free(struct pf_news_queue *q) {
  while (q->count > 0)
    pf_drop(q, 0);
}
