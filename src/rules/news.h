/* news.h - what the rules watch found, waiting for its owner (watch.c):
 * a bounded queue in which a good version is never lost to messages.
 *
 * At most PF_NEWS_QUEUE pieces wait. A new rule set replaces one not taken
 * yet (the owner would install it only to replace it), so at most one
 * LOADED piece waits; when the queue is full, the oldest piece that is not
 * LOADED goes, and is counted, so that a good version followed by many
 * refused, missing or writing ones is still installed, and the owner is
 * told how many messages it did not see. Not locked: the watch locks. */
#ifndef PCAPFLOW_RULES_NEWS_H
#define PCAPFLOW_RULES_NEWS_H

#include <stdbool.h>

#include "pcapflow/rules.h"

/* The owner takes news every interval; a version gives at most one piece,
 * a new version at most one a settle time. */
#define PF_NEWS_QUEUE 16

struct pf_news_queue {
  struct pf_rules_news item[PF_NEWS_QUEUE];
  unsigned head, count;
  unsigned dropped; /* since the last piece taken */
};

/* Queues a piece; `rules` (LOADED) becomes the queue's. */
void pf_news_push(struct pf_news_queue *q, enum pf_rules_news_kind kind,
                  struct pf_rules *rules, const char *message);

/* Takes the oldest piece: true with *news filled, its `dropped` the
 * pieces dropped since the last one taken. */
bool pf_news_pop(struct pf_news_queue *q, struct pf_rules_news *news);

/* Frees the rule sets of the pieces not taken. */
void pf_news_free(struct pf_news_queue *q);

#endif
