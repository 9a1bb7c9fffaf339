/* anomaly_detect.c - judges windows of SYN-flood and port-scan evidence:
 * one WARNING when a key crosses its threshold, one OKAY when a window
 * passes below it, a cooldown against flapping, and fixed-size alarm
 * tables so that nothing grows with the attack. */
#include "anomaly/anomaly.h"

#include "base/err.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PF_KIND_SYN_FLOOD, PF_KIND_PORT_SCAN };

int pf_anomaly_detector_init(struct pf_anomaly_detector *d,
                             const struct pf_anomaly_config *cfg, char *err,
                             size_t errlen) {
  memset(d, 0, sizeof(*d));
  d->cfg = *cfg;
  d->window_start = -1;
  d->window = calloc(1, sizeof(*d->window));
  if (!d->window) {
    return pf_err(err, errlen, "out of memory for anomaly detection");
  }
  return 0;
}

void pf_anomaly_detector_free(struct pf_anomaly_detector *d) {
  free(d->window);
  d->window = NULL;
}

static void pf_key_text(const struct pf_anomaly_key *k, bool port, char *buf,
                        size_t size) {
  char addr[INET6_ADDRSTRLEN];
  inet_ntop(k->family == 4 ? AF_INET : AF_INET6, k->addr, addr, sizeof(addr));
  if (port)
    snprintf(buf, size, "%s port %u", addr, (unsigned)k->port);
  else
    snprintf(buf, size, "%s", addr);
}

/* The window's measure of a key: half-open SYNs, or distinct
 * destinations; 0 when the key holds no slot. */
static double pf_measure(const struct pf_anomaly_table *t, int kind,
                         const struct pf_anomaly_key *k) {
  for (unsigned i = 0; i < PF_ANOMALY_SLOTS; i++) {
    if (kind == PF_KIND_SYN_FLOOD) {
      const struct pf_syn_slot *s = &t->syn[i];
      if (s->key.family && memcmp(&s->key, k, sizeof(*k)) == 0)
        return s->syn > s->done ? s->syn - s->done : 0;
    } else {
      const struct pf_scan_slot *s = &t->scan[i];
      if (s->key.family && memcmp(&s->key, k, sizeof(*k)) == 0)
        return pf_scan_distinct(s);
    }
  }
  return 0;
}

static struct pf_alarm *pf_find(struct pf_alarm *list,
                                const struct pf_anomaly_key *k) {
  for (unsigned i = 0; i < PF_ANOMALY_ACTIVE_MAX; i++)
    if (list[i].used && memcmp(&list[i].key, k, sizeof(*k)) == 0)
      return &list[i];
  return NULL;
}

/* A free entry, else (cooling lists only) the oldest one. */
static struct pf_alarm *pf_free_entry(struct pf_alarm *list, bool reuse) {
  struct pf_alarm *oldest = NULL;
  for (unsigned i = 0; i < PF_ANOMALY_ACTIVE_MAX; i++) {
    if (!list[i].used)
      return &list[i];
    if (!oldest || list[i].since < oldest->since)
      oldest = &list[i];
  }
  return reuse ? oldest : NULL;
}

static void pf_say(int kind, enum pf_notify_severity sev,
                   const struct pf_anomaly_key *k, double measure,
                   uint32_t threshold, uint32_t window_s, const char *source,
                   pf_notify_fn notify, void *ctx) {
  char who[80], msg[320];
  pf_key_text(k, kind == PF_KIND_SYN_FLOOD, who, sizeof(who));
  if (kind == PF_KIND_SYN_FLOOD)
    snprintf(msg, sizeof(msg),
             "pcapflow source \"%s\": SYN flood against %s %s: %.0f SYNs "
             "without a completed handshake in %u s (threshold %u)",
             source, who, sev == PF_NOTIFY_WARNING ? "started" : "is over",
             measure, window_s, threshold);
  else
    snprintf(msg, sizeof(msg),
             "pcapflow source \"%s\": port scan from %s %s: about %.0f "
             "destinations (host and port) in %u s (threshold %u)",
             source, who, sev == PF_NOTIFY_WARNING ? "started" : "is over",
             measure, window_s, threshold);
  notify(sev, msg, ctx);
}

static void pf_judge(struct pf_anomaly_detector *d, int kind, double now,
                     const char *source, pf_notify_fn notify, void *ctx) {
  const struct pf_anomaly_config *c = &d->cfg;
  uint32_t threshold = kind == PF_KIND_SYN_FLOOD ? c->syn_flood_threshold
                                                 : c->port_scan_threshold;
  struct pf_alarm *active = d->active[kind], *cooling = d->cooling[kind];

  /* Open alarms whose key fell below the threshold: OKAY, then cooling. */
  for (unsigned i = 0; i < PF_ANOMALY_ACTIVE_MAX; i++) {
    if (!active[i].used)
      continue;
    double m = pf_measure(d->window, kind, &active[i].key);
    if (m >= threshold)
      continue;
    pf_say(kind, PF_NOTIFY_OKAY, &active[i].key, m, threshold, c->window_s,
           source, notify, ctx);
    struct pf_alarm *cool = pf_find(cooling, &active[i].key);
    if (!cool)
      cool = pf_free_entry(cooling, true);
    *cool = (struct pf_alarm){.key = active[i].key, .since = now, .used = true};
    active[i].used = false;
  }
  for (unsigned i = 0; i < PF_ANOMALY_ACTIVE_MAX; i++)
    if (cooling[i].used && now - cooling[i].since >= c->cooldown_s)
      cooling[i].used = false;

  /* Keys over the threshold without an open alarm: WARNING. */
  for (unsigned i = 0; i < PF_ANOMALY_SLOTS; i++) {
    const struct pf_anomaly_key *k = kind == PF_KIND_SYN_FLOOD
                                         ? &d->window->syn[i].key
                                         : &d->window->scan[i].key;
    if (!k->family)
      continue;
    double m = pf_measure(d->window, kind, k);
    if (m < threshold || pf_find(active, k) || pf_find(cooling, k))
      continue;
    struct pf_alarm *a = pf_free_entry(active, false);
    if (!a)
      break; /* as many open alarms as can be tracked: say no more */
    *a = (struct pf_alarm){.key = *k, .since = now, .used = true};
    pf_say(kind, PF_NOTIFY_WARNING, k, m, threshold, c->window_s, source,
           notify, ctx);
  }
}

void pf_anomaly_detector_feed(struct pf_anomaly_detector *d,
                              const struct pf_anomaly_table *interval,
                              double now, const char *source,
                              pf_notify_fn notify, void *ctx) {
  if (d->window_start < 0)
    d->window_start = now;
  pf_anomaly_merge(d->window, interval);
  if (now - d->window_start < d->cfg.window_s)
    return;
  pf_judge(d, PF_KIND_SYN_FLOOD, now, source, notify, ctx);
  pf_judge(d, PF_KIND_PORT_SCAN, now, source, notify, ctx);
  pf_anomaly_reset(d->window);
  d->window_start = now;
}
