/* pcapflow_rules.c - RulesFile in the collectd adapter: the rules file is
 * loaded at init (a broken file keeps the plugin from starting: never half
 * a rule set) and then watched by the engine on a thread of its own
 * (pf_rules_watch_start), which reads each new version once it has
 * settled. The read callback only takes what the watch found (a new rule
 * set, or a message to log once) and hands new sets to the sources, which
 * swap them in at each capture thread's next batch boundary: however slow,
 * huge or hostile the file, the read callback never waits for it. */
#include "collectd.h"

#include "pcapflow_rules.h"

#include "plugin.h"
#include "utils/common/common.h"

#include "pcapflow/rules.h"

static struct pf_rules *pcapflow_rules; /* in force; it knows its path */
static struct pf_rules_watch *pcapflow_rules_watch;
/* The local_networks read at start-up, the ones in force for good. */
static struct pf_prefix *pcapflow_rules_local;
static size_t pcapflow_rules_n_local;

int pcapflow_rules_load(const char *path) {
  char err[PF_ERR_MAX];
  struct pf_rules *rules;
  pcapflow_rules_free();
  struct pf_rules_watch_config cfg = {.thread_create = plugin_thread_create};
  if (pf_rules_watch_start(path, &cfg, &rules, &pcapflow_rules_watch, err,
                           sizeof(err)) != 0) {
    ERROR("pcapflow: RulesFile: %s", err);
    return -1;
  }
  pcapflow_rules = rules;
  pcapflow_rules_n_local = pf_rules_local_count(rules);
  pcapflow_rules_local =
      calloc(pcapflow_rules_n_local + 1, sizeof(*pcapflow_rules_local));
  if (!pcapflow_rules_local) {
    pcapflow_rules_free();
    ERROR("pcapflow: out of memory");
    return -1;
  }
  for (size_t i = 0; i < pcapflow_rules_n_local; i++)
    pcapflow_rules_local[i] = *pf_rules_local_prefix(rules, i);
  INFO("pcapflow: RulesFile \"%s\": %zu classes and unclassified, %zu local "
       "networks",
       path, pf_rules_unclassified(rules), pf_rules_local_count(rules));
  return 0;
}

int pcapflow_rules_add_local(struct pf_source_config *cfg) {
  char err[PF_ERR_MAX];
  if (!pcapflow_rules)
    return 0;
  if (pf_rules_add_local(pcapflow_rules, &cfg->local, err, sizeof(err)) != 0) {
    ERROR("pcapflow: RulesFile \"%s\": local_networks: %s",
          pf_rules_path(pcapflow_rules), err);
    return -1;
  }
  return 0;
}

int pcapflow_rules_attach(struct pf_source *src) {
  char err[PF_ERR_MAX];
  if (!pcapflow_rules)
    return 0;
  if (pf_source_set_rules(src, pcapflow_rules, err, sizeof(err)) != 0) {
    ERROR("pcapflow: source \"%s\": %s", pf_source_name(src), err);
    return -1;
  }
  return 0;
}

/* local_networks decide direction, which every counter already used; they
 * are read at start only, and a change says so instead of passing
 * silently. */
static bool pcapflow_same_local(const struct pf_rules *r) {
  size_t n = pf_rules_local_count(r);
  if (n != pcapflow_rules_n_local)
    return false;
  for (size_t i = 0; i < n; i++) {
    const struct pf_prefix *p = pf_rules_local_prefix(r, i);
    const struct pf_prefix *q = &pcapflow_rules_local[i];
    if (p->family != q->family || p->length != q->length ||
        memcmp(p->addr, q->addr, sizeof(p->addr)) != 0)
      return false;
  }
  return true;
}

/* A new version, complete and checked: every source gets it. */
static void pcapflow_rules_install(struct pf_rules *fresh,
                                   struct pf_source **sources,
                                   size_t n_sources) {
  char err[PF_ERR_MAX];
  const char *path = pf_rules_path(fresh);
  for (size_t i = 0; i < n_sources; i++) {
    if (pf_source_set_rules(sources[i], fresh, err, sizeof(err)) != 0) {
      /* Sources already switched keep the new set: it is complete. */
      ERROR("pcapflow: RulesFile \"%s\": source \"%s\": %s", path,
            pf_source_name(sources[i]), err);
    }
  }
  if (!pcapflow_same_local(fresh))
    WARNING("pcapflow: RulesFile \"%s\": local_networks changed; they take "
            "effect when collectd restarts",
            path);
  pf_rules_free(pcapflow_rules);
  pcapflow_rules = fresh;
  INFO("pcapflow: RulesFile \"%s\" reloaded: %zu classes and unclassified",
       path, pf_rules_unclassified(fresh));
}

static void pcapflow_rules_news(struct pf_rules_news *news,
                                struct pf_source **sources, size_t n_sources) {
  const char *path = pf_rules_path(pcapflow_rules);
  if (news->dropped > 0)
    WARNING("pcapflow: RulesFile \"%s\": %u messages about it were dropped "
            "unseen (16 waited); what follows is newer",
            path, news->dropped);
  switch (news->kind) {
  case PF_RULES_LOADED:
    pcapflow_rules_install(news->rules, sources, n_sources);
    break;
  case PF_RULES_REFUSED:
    ERROR("pcapflow: RulesFile: %s; keeping the rules in force", news->message);
    break;
  case PF_RULES_MISSING:
    WARNING("pcapflow: RulesFile \"%s\": %s; keeping the rules in force", path,
            news->message);
    break;
  case PF_RULES_WRITING:
    NOTICE("pcapflow: RulesFile: %s", news->message);
    break;
  }
}

void pcapflow_rules_check(struct pf_source **sources, size_t n_sources) {
  struct pf_rules_news news;
  while (pcapflow_rules_watch &&
         pf_rules_watch_next(pcapflow_rules_watch, &news))
    pcapflow_rules_news(&news, sources, n_sources);
}

void pcapflow_rules_free(void) {
  if (!pf_rules_watch_stop(pcapflow_rules_watch))
    WARNING("pcapflow: RulesFile: the thread that watches it did not stop "
            "within a second (a hung file system?); left to end alone");
  pcapflow_rules_watch = NULL;
  pf_rules_free(pcapflow_rules);
  pcapflow_rules = NULL;
  free(pcapflow_rules_local);
  pcapflow_rules_local = NULL;
  pcapflow_rules_n_local = 0;
}
