/* pipeline.c - the per-packet path the fuzz harnesses drive (see
 * pipeline.h); keep it in step with pf_capture_packet in src/source/capture.c. */
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "packet/direction.h"
#include "pcapflow/rules.h"
#include "pcapflow/source.h"

/* The generator's local networks and watched host (tests/gen/README.md). */
static const char *const fz_local_networks[] = {"198.18.0.0/16",
                                                "2001:db8:1::/48"};
static const uint8_t fz_watched_mac[6] = {0x02, 0, 0, 0, 0, 0x01};

/* Every match key, overlaps, IPv4 and IPv6; the generator's networks. */
static const char fz_rules_first[] =
    "classes:\n"
    "  - name: dns\n    protocol: [udp, tcp]\n    port: 53\n"
    "  - name: web_v6\n    protocol: tcp\n    dst_port: [80, 443]\n"
    "    cidr: \"2001:db8::/32\"\n"
    "  - name: web\n    protocol: tcp\n    port: [80, 443, 8000-8099]\n"
    "  - name: voice\n    dscp: [ef, af41]\n"
    "  - name: storage\n    vlan: 200-209\n    inner_vlan: [0-4095]\n"
    "  - name: backup\n    protocol: tcp\n    src_cidr: 198.19.128.0/17\n"
    "    src_port: 1024-65535\n"
    "  - name: inbound\n    dst_cidr: [198.18.0.0/16, \"2001:db8:1::/48\"]\n"
    "  - name: ping\n    protocol: [icmp, icmpv6]\n"
    "  - name: tagged\n    vlan: 0-4095\n";
/* The same classes in another order, and one more in front. */
static const char fz_rules_second[] =
    "classes:\n"
    "  - name: sctp\n    protocol: sctp\n"
    "  - name: ping\n    protocol: [icmp, icmpv6]\n"
    "  - name: tagged\n    vlan: 0-4095\n"
    "  - name: web\n    protocol: tcp\n    port: [80, 443, 8000-8099]\n"
    "  - name: dns\n    protocol: [udp, tcp]\n    port: 53\n"
    "  - name: web_v6\n    protocol: tcp\n    dst_port: [80, 443]\n"
    "  - name: backup\n    protocol: tcp\n    src_cidr: 198.19.128.0/17\n"
    "  - name: voice\n    dscp: ef\n"
    "  - name: storage\n    vlan: 200-209\n"
    "  - name: inbound\n    dst_cidr: 198.18.0.0/16\n";

/* Parsed once for the whole run; each pipeline takes references. */
static struct pf_rules *fz_rules(int which) {
  static struct pf_rules *sets[2];
  if (!sets[which]) {
    const char *text = which ? fz_rules_second : fz_rules_first;
    char err[256];
    if (pf_rules_parse("fuzz.yaml", text, strlen(text), &sets[which], err,
                       sizeof(err)) != 0)
      abort(); /* the built-in rules are valid */
  }
  return sets[which];
}

/* A reload as pf_source_set_rules and the capture thread perform it. */
static int fz_use_rules(struct fz_pipeline *p, int which) {
  struct pf_class_counters next;
  char err[256];
  if (pf_class_counters_prepare(&next, fz_rules(which), err, sizeof(err)) !=
          0 ||
      pf_class_counters_prepare_latency(&next, true, err, sizeof(err)) != 0) {
    pf_class_counters_free(&next);
    return -1;
  }
  pf_class_counters_apply(&p->shard.classes, &next, &p->shard.flows);
  pf_class_counters_free(&next); /* what it replaced */
  return 0;
}

uint64_t fz_pipeline_class_samples_pending(const struct fz_pipeline *p) {
  const struct pf_class_latency *l = &p->shard.classes.latency;
  uint64_t n = 0;
  for (uint32_t k = 0; k < l->count; k++)
    n += pf_hist_samples(&l->cur[k]);
  return n;
}

/* The engine's defaults (what a source gets from pf_source_config_init,
 * so a new analysis with its options is fuzzed as it ships), with every
 * table made small enough to fill and evict, every top-N list fed, and the
 * generator's host prefixes. */
static void fz_shard_config(struct pf_shard_config *cfg) {
  struct pf_source_config defaults;
  pf_source_config_init(&defaults, PF_SOURCE_FILE);
  *cfg = defaults.shard;
  pf_source_config_free(&defaults);
  cfg->max_flows = 16; /* tiny: eviction on nearly every new flow */
  cfg->top_capacity = 8;
  cfg->host_prefix_v4 = 24;
  cfg->host_prefix_v6 = 64;
  cfg->dns.pending = 16; /* a ring that fills and evicts */
  cfg->tls.names = 4;    /* a name table that fills */
}

int fz_pipeline_init(struct fz_pipeline *p) {
  char err[256];
  memset(p, 0, sizeof(*p));
  pf_localnet_init(&p->local);
  for (size_t i = 0; i < sizeof(fz_local_networks) / sizeof(*fz_local_networks);
       i++) {
    struct pf_prefix prefix;
    if (pf_prefix_parse(fz_local_networks[i], &prefix, err, sizeof(err)) != 0 ||
        pf_localnet_add(&p->local, &prefix, err, sizeof(err)) != 0) {
      pf_localnet_free(&p->local);
      return -1;
    }
  }
  memcpy(p->if_mac, fz_watched_mac, sizeof(p->if_mac));
  p->if_mac_valid = true;
  struct pf_shard_config cfg;
  fz_shard_config(&cfg);
  if (pf_shard_init(&p->shard, &cfg, err, sizeof(err)) != 0 ||
      pf_interval_init(&p->report, 8, err, sizeof(err)) != 0 ||
      fz_use_rules(p, 0) != 0) {
    fz_pipeline_free(p);
    return -1;
  }
  return 0;
}

void fz_pipeline_free(struct fz_pipeline *p) {
  pf_localnet_free(&p->local);
  pf_shard_free(&p->shard);
  pf_interval_free(&p->report);
}

void fz_pipeline_finish(struct fz_pipeline *p) {
  pf_shard_batch_end(&p->shard); /* the last, unfinished batch */
  struct pf_interval *done = pf_shard_swap_interval(&p->shard, true);
  pf_interval_merge(&p->report, done);
  pf_interval_reset(done);
}

void fz_pipeline_packet(struct fz_pipeline *p, int dlt, const uint8_t *frame,
                        uint32_t caplen, uint32_t len, struct pf_packet *pkt) {
  enum pf_locality locality;
  pf_decode(dlt, frame, caplen, len, pkt);
  enum pf_dir dir = pf_direction(&p->local, p->if_mac_valid ? p->if_mac : NULL,
                                 pkt, &locality);
  uint64_t ts_us = ++p->packets * 7000000u;
  /* Queued, as the capture thread does: the harness frees the frame on
   * return, so ASan catches a queued packet that still points into it. */
  pf_shard_enqueue(&p->shard, pkt, dir, locality, ts_us);
  /* What the capture loop and the read callback do between batches. */
  if (p->packets % 4 == 0) {
    pf_shard_expire(&p->shard, ts_us, 2);
    pf_shard_batch_end(&p->shard); /* a batch's top-N sums, as capture does */
  }
  if (p->packets == FZ_RELOAD_AT) {
    /* The capture thread adopts new rules between batches, with nothing
     * queued. */
    pf_shard_drain(&p->shard);
    if (fz_use_rules(p, 1) != 0)
      abort(); /* out of memory */
  }
  if (p->packets % 8 == 0) {
    /* The read callback: the interval swapped out at its previous call,
     * once the capture side has fed it (batch ends above). */
    struct pf_interval *done = pf_shard_swap_interval(&p->shard, false);
    if (done) {
      pf_interval_merge(&p->report, done);
      pf_interval_reset(done);
    }
    struct pf_class_latency *l = &p->shard.classes.latency;
    pf_class_latency_swap_locked(l);
    for (uint32_t k = 0; k < l->count; k++)
      p->class_samples += pf_hist_samples(&l->spare[k]);
    pf_class_latency_clear(l->spare, l->count);
    struct pf_class_latency *t = &p->shard.classes.timing;
    pf_class_latency_swap_locked(t);
    pf_class_latency_clear(t->spare, t->count * t->per);
  }
}
