/* pcapflow.c - the collectd adapter: configuration in, value lists out.
 *
 * No traffic logic lives here. init starts one engine source per configured
 * Interface/File, read copies each source's published counters and
 * dispatches them, shutdown stops and frees everything. */
#include "collectd.h"

#include "plugin.h"
#include "utils/common/common.h"

#include "pcapflow/metrics.h"
#include "pcapflow/source.h"
#include "pcapflow_config.h"
#include "pcapflow_rules.h"

static struct pcapflow_config pcapflow_conf;
static bool pcapflow_config_failed;
static struct pf_source **pcapflow_sources;
static size_t pcapflow_n_sources;

static void pcapflow_log(enum pf_log_level level, const char *message) {
  plugin_log((int)level, "%s", message);
}

/* Alarms become collectd notifications: WARNING when an attack starts,
 * OKAY when it is over. */
static void pcapflow_notify(enum pf_notify_severity severity,
                            const char *source, const char *message) {
  notification_t n = {
      .severity = severity == PF_NOTIFY_WARNING ? NOTIF_WARNING : NOTIF_OKAY,
      .time = cdtime(),
  };
  sstrncpy(n.message, message, sizeof(n.message));
  sstrncpy(n.host, hostname_g, sizeof(n.host));
  sstrncpy(n.plugin, "pcapflow", sizeof(n.plugin));
  sstrncpy(n.plugin_instance, source, sizeof(n.plugin_instance));
  plugin_dispatch_notification(&n);
}

static const struct pf_hooks pcapflow_hooks = {
    .thread_create = plugin_thread_create,
    .log = pcapflow_log,
    .notify = pcapflow_notify,
};

/* A bad block is reported at once, but failing here would stop collectd
 * from starting at all; failing init instead disables only this plugin and
 * lets collectd's other plugins run. */
static int pcapflow_config(oconfig_item_t *block) {
  if (pcapflow_config_parse(&pcapflow_conf, block) != 0)
    pcapflow_config_failed = true;
  return 0;
}

static int pcapflow_shutdown(void) {
  for (size_t i = 0; i < pcapflow_n_sources; i++)
    pf_source_free(pcapflow_sources[i]);
  free(pcapflow_sources);
  pcapflow_sources = NULL;
  pcapflow_n_sources = 0;
  pcapflow_config_free(&pcapflow_conf);
  pcapflow_rules_free();
  return 0;
}

/* Creates and starts source i. Returns 0, or -1 with the reason logged. */
static int pcapflow_start_source(size_t i) {
  char err[PF_ERR_MAX];
  struct pf_source *src;
  if (pcapflow_rules_add_local(&pcapflow_conf.sources[i]) != 0)
    return -1;
  if (!pcapflow_conf.rules_file) /* nothing per class: no flow table */
    pcapflow_conf.sources[i].report.by_class = false;
  if (pf_source_new(&pcapflow_conf.sources[i], &pcapflow_hooks, &src, err,
                    sizeof(err)) != 0) {
    ERROR("pcapflow: %s", err);
    return -1;
  }
  pcapflow_sources[pcapflow_n_sources++] = src;
  if (pcapflow_rules_attach(src) != 0)
    return -1;
  if (pf_source_start(src, err, sizeof(err)) != 0) {
    ERROR("pcapflow: source \"%s\": %s", pf_source_name(src), err);
    return -1;
  }
  return 0;
}

/* Loads the rules and starts every source. Returns 0, or -1 with the
 * reason logged, leaving what it started for the caller to release. */
static int pcapflow_start(void) {
  /* A rules file that does not load stops the plugin: running with no
   * rules, or half of them, would report wrong classes without a sign. */
  if (pcapflow_conf.rules_file &&
      pcapflow_rules_load(pcapflow_conf.rules_file) != 0) {
    ERROR("pcapflow: not starting: the rules file has an error (logged "
          "above)");
    return -1;
  }
  pcapflow_sources = calloc(pcapflow_conf.n_sources, sizeof(*pcapflow_sources));
  if (!pcapflow_sources) {
    ERROR("pcapflow: out of memory");
    return -1;
  }
  for (size_t i = 0; i < pcapflow_conf.n_sources; i++)
    if (pcapflow_start_source(i) != 0)
      return -1;
  return 0;
}

static int pcapflow_init(void) {
  if (pcapflow_config_failed) {
    ERROR("pcapflow: not starting: the configuration has errors (logged "
          "above)");
    return -1;
  }
  if (pcapflow_conf.n_sources == 0) {
    ERROR("pcapflow: no Interface or File configured in <Plugin pcapflow>");
    return -1;
  }
  if (pcapflow_start() != 0) {
    /* collectd calls shutdown only when it exits: the sources that did
     * start would capture until then, unread and unreported. */
    size_t created = pcapflow_n_sources;
    pcapflow_shutdown();
    if (created > 0)
      ERROR("pcapflow: not starting: released the %zu source%s it had "
            "created (capture threads stopped, handles closed)",
            created, created == 1 ? "" : "s");
    return -1;
  }
  return 0;
}

struct pcapflow_dispatch_ctx {
  value_list_t vl;
  const char *source; /* the source's name: plugin_instance */
};

static void pcapflow_dispatch_metric(const struct pf_metric *m, void *arg) {
  struct pcapflow_dispatch_ctx *ctx = arg;
  value_t values[2];

  for (unsigned i = 0; i < m->n_values; i++) {
    if (m->kind == PF_METRIC_GAUGE)
      values[i].gauge = m->gauge;
    else
      values[i].derive = (derive_t)m->derive[i];
  }
  sstrncpy(ctx->vl.plugin, m->plugin, sizeof(ctx->vl.plugin));
  if (m->no_instance)
    ctx->vl.plugin_instance[0] = '\0';
  else if (m->instance_suffix)
    ssnprintf(ctx->vl.plugin_instance, sizeof(ctx->vl.plugin_instance), "%s-%s",
              ctx->source, m->instance_suffix);
  else
    sstrncpy(ctx->vl.plugin_instance, ctx->source,
             sizeof(ctx->vl.plugin_instance));
  ctx->vl.values = values;
  ctx->vl.values_len = m->n_values;
  sstrncpy(ctx->vl.type, m->type, sizeof(ctx->vl.type));
  sstrncpy(ctx->vl.type_instance, m->type_instance,
           sizeof(ctx->vl.type_instance));
  plugin_dispatch_values(&ctx->vl);
}

static int pcapflow_read(void) {
  pcapflow_rules_check(pcapflow_sources, pcapflow_n_sources);
  /* One time for the whole read: left at 0, collectd stamps each value as
   * it is dispatched, so one update's series land milliseconds apart and a
   * consumer cannot tell which belong together (a top list's keys and its
   * `other`, a p50 and its p99). vl.interval stays 0: collectd fills it. */
  cdtime_t now = cdtime();
  for (size_t i = 0; i < pcapflow_n_sources; i++) {
    struct pf_snapshot snap;
    pf_source_snapshot(pcapflow_sources[i], &snap);

    struct pcapflow_dispatch_ctx ctx = {.vl = VALUE_LIST_INIT,
                                        .source = snap.name};
    ctx.vl.time = now;
    pf_metrics_walk(&snap, pcapflow_dispatch_metric, &ctx);
    pf_snapshot_release(&snap);
  }
  return 0;
}

void module_register(void) {
  plugin_register_complex_config("pcapflow", pcapflow_config);
  plugin_register_init("pcapflow", pcapflow_init);
  plugin_register_read("pcapflow", pcapflow_read);
  plugin_register_shutdown("pcapflow", pcapflow_shutdown);
}
