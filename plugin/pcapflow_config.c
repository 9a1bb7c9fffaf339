/* pcapflow_config.c - parsing <Plugin pcapflow>: sources, their options,
 * defaults.
 *
 * Options given at the top of the block are defaults for every source of
 * that block; options inside <Interface>/<File> blocks override them for
 * that source. Values are checked here for type and by the engine for
 * meaning; every message names the option and the value given. */
#include "collectd.h"

#include "pcapflow_config.h"

#include "plugin.h"
#include "utils/common/common.h"

#include <math.h>

/* ---- values ---- */

/* A number as given: whole numbers in full, others in the fewest digits
 * that read back as the same double. 100000001 stays "100000001" and
 * 64.0000001 "64.0000001" (where %g said "1e+08" and "64", hiding what was
 * wrong with them). */
static void pcapflow_format_number(double v, char *buf, size_t size) {
  if (v == floor(v) && fabs(v) < 1e21) {
    ssnprintf(buf, size, "%.0f", v);
    return;
  }
  for (int digits = 1; digits <= 17; digits++) {
    ssnprintf(buf, size, "%.*g", digits, v);
    if (strtod(buf, NULL) == v)
      return;
  }
}

/* Describes a config item's values for messages: `SnapLen "abc"`. */
static void pcapflow_describe(const oconfig_item_t *ci, char *buf,
                              size_t size) {
  size_t used = (size_t)ssnprintf(buf, size, "%s", ci->key);
  for (int i = 0; i < ci->values_num && used < size; i++) {
    const oconfig_value_t *v = &ci->values[i];
    char number[32];
    if (v->type == OCONFIG_TYPE_STRING)
      used += (size_t)ssnprintf(buf + used, size - used, " \"%s\"",
                                v->value.string);
    else if (v->type == OCONFIG_TYPE_NUMBER) {
      pcapflow_format_number(v->value.number, number, sizeof(number));
      used += (size_t)ssnprintf(buf + used, size - used, " %s", number);
    } else
      used += (size_t)ssnprintf(buf + used, size - used, " %s",
                                v->value.boolean ? "true" : "false");
  }
}

static int pcapflow_bad(const oconfig_item_t *ci, const char *why) {
  char given[256];
  pcapflow_describe(ci, given, sizeof(given));
  ERROR("pcapflow: invalid option `%s': %s", given, why);
  return -1;
}

static int pcapflow_get_string(const oconfig_item_t *ci, char **out) {
  if (ci->values_num != 1 || ci->values[0].type != OCONFIG_TYPE_STRING)
    return pcapflow_bad(ci, "expected exactly one string in double quotes");
  char *copy = strdup(ci->values[0].value.string);
  if (!copy)
    return pcapflow_bad(ci, "out of memory");
  free(*out);
  *out = copy;
  return 0;
}

static int pcapflow_get_int(const oconfig_item_t *ci, int min, int max,
                            int *out) {
  if (ci->values_num != 1 || ci->values[0].type != OCONFIG_TYPE_NUMBER)
    return pcapflow_bad(ci, "expected exactly one number");
  double v = ci->values[0].value.number;
  /* The range first: converting a value outside the target type (1e300,
   * which collectd reads from "SnapLen 1e300") is undefined behaviour. */
  if (!(v >= min && v <= max) || v != (double)(int)v) {
    char why[96];
    ssnprintf(why, sizeof(why), "expected a whole number from %d to %d", min,
              max);
    return pcapflow_bad(ci, why);
  }
  *out = (int)v;
  return 0;
}

/* As collectd's cf_util_get_boolean: true or false, or (deprecated there
 * too, with the same warning) the strings "true", "yes", "on", "false",
 * "no" and "off" in any case. */
static int pcapflow_get_bool(const oconfig_item_t *ci, bool *out) {
  static const char *const yes[] = {"true", "yes", "on"};
  static const char *const no[] = {"false", "no", "off"};
  if (ci->values_num == 1 && ci->values[0].type == OCONFIG_TYPE_BOOLEAN) {
    *out = ci->values[0].value.boolean;
    return 0;
  }
  if (ci->values_num != 1 || ci->values[0].type != OCONFIG_TYPE_STRING)
    return pcapflow_bad(ci, "expected true or false");
  const char *text = ci->values[0].value.string;
  for (size_t i = 0; i < STATIC_ARRAY_SIZE(yes); i++) {
    if (strcasecmp(text, yes[i]) == 0 || strcasecmp(text, no[i]) == 0) {
      WARNING("pcapflow: option `%s \"%s\"': a boolean given as a string "
              "is deprecated in collectd; write true or false (lowercase, "
              "without quotes)",
              ci->key, text);
      *out = strcasecmp(text, yes[i]) == 0;
      return 0;
    }
  }
  return pcapflow_bad(ci, "expected true or false");
}

static int pcapflow_add_local_network(const oconfig_item_t *ci,
                                      struct pf_localnet *set) {
  char *text = NULL;
  if (pcapflow_get_string(ci, &text) != 0)
    return -1;
  struct pf_prefix p;
  char err[PF_ERR_MAX];
  int rc = pf_prefix_parse(text, &p, err, sizeof(err));
  if (rc == 0)
    rc = pf_localnet_add(set, &p, err, sizeof(err));
  free(text);
  return rc == 0 ? 0 : pcapflow_bad(ci, err);
}

/* ---- options shared by the block and its sources ---- */

/* Reads an unsigned option into a uint32_t / uint8_t field. */
static int pcapflow_get_u32(const oconfig_item_t *ci, int min, int max,
                            uint32_t *out) {
  int v = 0; /* set on success; some inlinings cannot tell */
  if (pcapflow_get_int(ci, min, max, &v) != 0)
    return -1;
  *out = (uint32_t)v;
  return 0;
}

static int pcapflow_get_u8(const oconfig_item_t *ci, int min, int max,
                           uint8_t *out) {
  int v;
  if (pcapflow_get_int(ci, min, max, &v) != 0)
    return -1;
  *out = (uint8_t)v;
  return 0;
}

/* DnsPorts P...: whole numbers here, ports by the engine's rules. */
static int pcapflow_get_dns_ports(const oconfig_item_t *ci,
                                  struct pf_dns_config *dns) {
  uint32_t ports[PF_MAX_DNS_PORTS];
  char err[PF_ERR_MAX];
  if (ci->values_num < 1 || ci->values_num > PF_MAX_DNS_PORTS) {
    ssnprintf(err, sizeof(err), "expected 1 to %d port numbers",
              PF_MAX_DNS_PORTS);
    return pcapflow_bad(ci, err);
  }
  for (int i = 0; i < ci->values_num; i++) {
    /* The range first, as in pcapflow_get_int; the engine names a number
     * that is not a port. */
    double v = ci->values[i].value.number;
    if (ci->values[i].type != OCONFIG_TYPE_NUMBER ||
        !(v >= 0 && v <= UINT32_MAX) || v != (double)(uint32_t)v)
      return pcapflow_bad(ci, "expected port numbers from 1 to 65535");
    ports[i] = (uint32_t)v;
  }
  if (pf_dns_ports_set(dns, ports, (unsigned)ci->values_num, err,
                       sizeof(err)) != 0)
    return pcapflow_bad(ci, err);
  return 0;
}

/* DNS and TLS options (docs/CONFIG.md, "DNS", "TLS"). Same contract as
 * pcapflow_source_option. */
static int pcapflow_dns_option(const oconfig_item_t *ci,
                               struct pf_dns_config *dns,
                               struct pf_tls_config *tls) {
  bool *sw = pf_dns_switch(dns, ci->key);
  if (sw)
    return pcapflow_get_bool(ci, sw);
  if ((sw = pf_tls_switch(tls, ci->key)))
    return pcapflow_get_bool(ci, sw);
  if (strcasecmp(ci->key, "DnsTimeout") == 0)
    return pcapflow_get_u32(ci, 1, 3600, &dns->timeout_s);
  if (strcasecmp(ci->key, "DnsPendingQueries") == 0)
    return pcapflow_get_u32(ci, 16, PF_MAX_DNS_PENDING, &dns->pending);
  if (strcasecmp(ci->key, "DnsPorts") == 0)
    return pcapflow_get_dns_ports(ci, dns);
  return 1;
}

/* Flow-table and top-N options. Same contract as pcapflow_source_option. */
static int pcapflow_flow_option(const oconfig_item_t *ci,
                                struct pf_shard_config *shard) {
  struct pf_flow_timeouts *to = &shard->timeouts;
  static const int day = 86400;
  if (strcasecmp(ci->key, "MaxFlows") == 0)
    return pcapflow_get_u32(ci, 1, 100000000, &shard->max_flows);
  if (strcasecmp(ci->key, "TcpTimeout") == 0)
    return pcapflow_get_u32(ci, 1, day, &to->tcp_s);
  if (strcasecmp(ci->key, "TcpClosedTimeout") == 0)
    return pcapflow_get_u32(ci, 1, day, &to->tcp_closed_s);
  if (strcasecmp(ci->key, "UdpTimeout") == 0)
    return pcapflow_get_u32(ci, 1, day, &to->udp_s);
  if (strcasecmp(ci->key, "IcmpTimeout") == 0)
    return pcapflow_get_u32(ci, 1, day, &to->icmp_s);
  if (strcasecmp(ci->key, "OtherTimeout") == 0)
    return pcapflow_get_u32(ci, 1, day, &to->other_s);
  if (strcasecmp(ci->key, "ActiveTimeout") == 0)
    return pcapflow_get_u32(ci, 0, 7 * day, &to->active_s);
  if (strcasecmp(ci->key, "TcpAnalysis") == 0)
    return pcapflow_get_bool(ci, &shard->tcp_analysis);
  if (strcasecmp(ci->key, "TcpSynTimeout") == 0)
    return pcapflow_get_u32(ci, 1, 3600, &shard->tcp_syn_timeout_s);
  bool *timing = pf_timing_switch(shard, ci->key);
  if (timing)
    return pcapflow_get_bool(ci, timing);
  if (strcasecmp(ci->key, "TopHostPrefixV4") == 0)
    return pcapflow_get_u8(ci, 1, 32, &shard->host_prefix_v4);
  if (strcasecmp(ci->key, "TopHostPrefixV6") == 0)
    return pcapflow_get_u8(ci, 1, 128, &shard->host_prefix_v6);
  return pcapflow_dns_option(ci, &shard->dns, &shard->tls);
}

/* Applies one per-source option to cfg. Returns 0, -1 on a bad value, or 1
 * when the key is not a per-source option. */
static int pcapflow_source_option(const oconfig_item_t *ci,
                                  struct pf_source_config *cfg) {
  if (strcasecmp(ci->key, "Filter") == 0)
    return pcapflow_get_string(ci, &cfg->filter);
  if (strcasecmp(ci->key, "SnapLen") == 0)
    return pcapflow_get_int(ci, PF_MIN_SNAPLEN, PF_MAX_SNAPLEN, &cfg->snaplen);
  if (strcasecmp(ci->key, "Promiscuous") == 0)
    return pcapflow_get_bool(ci, &cfg->promiscuous);
  if (strcasecmp(ci->key, "BufferSize") == 0)
    return pcapflow_get_int(ci, 1, PF_MAX_BUFFER_MIB, &cfg->buffer_mib);
  if (strcasecmp(ci->key, "RetryMax") == 0)
    return pcapflow_get_int(ci, 1, 3600, &cfg->retry_max_s);
  if (strcasecmp(ci->key, "LocalNetwork") == 0)
    return pcapflow_add_local_network(ci, &cfg->local);
  if (strcasecmp(ci->key, "Workers") == 0)
    return pcapflow_get_int(ci, 1, PF_MAX_WORKERS, &cfg->workers);
  if (strcasecmp(ci->key, "TopN") == 0)
    return pcapflow_get_int(ci, 0, PF_MAX_TOP_N, &cfg->top_n);
  bool *report = pf_report_switch(&cfg->report, ci->key);
  if (report)
    return pcapflow_get_bool(ci, report);
  if (strcasecmp(ci->key, "TopSeriesLimit") == 0)
    return pcapflow_get_int(ci, 0, 1000000, &cfg->top_series_limit);
  if (strcasecmp(ci->key, "SynFloodThreshold") == 0)
    return pcapflow_get_u32(ci, 1, 1000000000,
                            &cfg->anomaly.syn_flood_threshold);
  if (strcasecmp(ci->key, "PortScanThreshold") == 0)
    return pcapflow_get_u32(ci, 1, 5000, &cfg->anomaly.port_scan_threshold);
  if (strcasecmp(ci->key, "AnomalyWindow") == 0)
    return pcapflow_get_u32(ci, 1, 3600, &cfg->anomaly.window_s);
  if (strcasecmp(ci->key, "AnomalyCooldown") == 0)
    return pcapflow_get_u32(ci, 0, 86400, &cfg->anomaly.cooldown_s);
  return pcapflow_flow_option(ci, &cfg->shard);
}

/* `RulesFile "PATH"`: one traffic rules file for the whole plugin, since
 * its classes are the fleet's, not an interface's. Several blocks may name
 * it, but only the same file. */
static int pcapflow_rules_file(struct pcapflow_config *conf,
                               const oconfig_item_t *ci) {
  char *path = NULL;
  if (pcapflow_get_string(ci, &path) != 0)
    return -1;
  if (path[0] == '\0') {
    free(path);
    return pcapflow_bad(ci, "expected the path of a rules file");
  }
  if (conf->rules_file && strcmp(conf->rules_file, path) != 0) {
    char why[PF_ERR_MAX];
    ssnprintf(why, sizeof(why),
              "RulesFile \"%s\" was given already; the plugin uses one "
              "rules file",
              conf->rules_file);
    free(path);
    return pcapflow_bad(ci, why);
  }
  free(conf->rules_file);
  conf->rules_file = path;
  return 0;
}

/* A source starts as a copy of the block's defaults. */
static int pcapflow_copy_defaults(struct pf_source_config *dst,
                                  const struct pf_source_config *defaults,
                                  enum pf_source_kind kind) {
  char err[PF_ERR_MAX];
  *dst = *defaults;
  dst->kind = kind;
  dst->device = NULL;
  dst->filter = NULL;
  pf_localnet_init(&dst->local);
  if (defaults->filter && !(dst->filter = strdup(defaults->filter))) {
    ERROR("pcapflow: out of memory");
    return -1;
  }
  if (pf_localnet_copy(&dst->local, &defaults->local, err, sizeof(err)) != 0) {
    ERROR("pcapflow: %s", err);
    return -1;
  }
  return 0;
}

/* ---- sources ---- */

/* The engine's check of a whole source, and its name against the others:
 * two names that a writer would store as one (case, '.' and '_') would
 * mix two sources' series. Returns 0 or -1 (logged). */
static int pcapflow_check_source(const struct pcapflow_config *conf,
                                 struct pf_source_config *cfg) {
  char err[PF_ERR_MAX];
  if (pf_source_config_check(cfg, err, sizeof(err)) != 0) {
    ERROR("pcapflow: %s \"%s\": %s",
          cfg->kind == PF_SOURCE_FILE ? "File" : "Interface",
          cfg->device ? cfg->device : "", err);
    return -1;
  }
  for (size_t i = 0; i < conf->n_sources; i++) {
    if (cfg->shard.dns.compat && conf->sources[i].shard.dns.compat) {
      ERROR("pcapflow: DnsCompatIdentifiers true for \"%s\" and \"%s\": "
            "both would write plugin dns's series (it has no "
            "plugin_instance); keep it on one source",
            conf->sources[i].device, cfg->device);
      return -1;
    }
    if (!pf_source_names_collide(conf->sources[i].name, cfg->name))
      continue;
    ERROR("pcapflow: two sources are named \"%s\" and \"%s\" (\"%s\" and "
          "\"%s\"), which writers that ignore case or turn '.' into '_' "
          "store as one; give one of them another Instance",
          conf->sources[i].name, cfg->name, conf->sources[i].device,
          cfg->device);
    return -1;
  }
  return 0;
}

static int pcapflow_append(struct pcapflow_config *conf,
                           struct pf_source_config *cfg) {
  struct pf_source_config *grown =
      realloc(conf->sources, (conf->n_sources + 1) * sizeof(*grown));
  if (!grown) {
    ERROR("pcapflow: out of memory");
    return -1;
  }
  conf->sources = grown;
  conf->sources[conf->n_sources++] = *cfg;
  pf_source_config_init(cfg, cfg->kind); /* ownership moved */
  return 0;
}

/* `Instance "NAME"` inside a source block. */
static int pcapflow_instance(const oconfig_item_t *ci,
                             struct pf_source_config *cfg) {
  char *name = NULL;
  int rc = pcapflow_get_string(ci, &name);
  if (rc == 0 && strlen(name) >= sizeof(cfg->name))
    rc = pcapflow_bad(ci, "longer than 63 characters");
  if (rc == 0)
    sstrncpy(cfg->name, name, sizeof(cfg->name));
  free(name);
  return rc;
}

/* One option inside <Interface> or <File>. Returns 0 or -1 (logged). */
static int pcapflow_source_child(const oconfig_item_t *child,
                                 struct pf_source_config *cfg) {
  if (strcasecmp(child->key, "RulesFile") == 0)
    return pcapflow_bad(child, "RulesFile applies to the whole plugin; give "
                               "it in <Plugin pcapflow>, outside <Interface> "
                               "and <File>");
  if (strcasecmp(child->key, "Instance") == 0)
    return pcapflow_instance(child, cfg);
  int rc = pcapflow_source_option(child, cfg);
  if (rc == 1)
    return pcapflow_bad(child, cfg->kind == PF_SOURCE_FILE
                                   ? "unknown option inside <File>"
                                   : "unknown option inside <Interface>");
  return rc;
}

/* `Interface "eth0"`, `File "x.pcap"`, or the same as a block with
 * overrides inside. Every bad option is reported, not the first only; the
 * source is checked as a whole too, and kept only when all is well. */
static int pcapflow_parse_source(struct pcapflow_config *conf,
                                 const oconfig_item_t *ci,
                                 const struct pf_source_config *defaults,
                                 enum pf_source_kind kind) {
  struct pf_source_config cfg;
  if (pcapflow_copy_defaults(&cfg, defaults, kind) != 0 ||
      pcapflow_get_string(ci, &cfg.device) != 0) {
    pf_source_config_free(&cfg);
    return -1;
  }
  int rc = 0;
  for (int i = 0; i < ci->children_num; i++)
    if (pcapflow_source_child(&ci->children[i], &cfg) != 0)
      rc = -1;
  if (pcapflow_check_source(conf, &cfg) != 0)
    rc = -1;
  if (rc == 0)
    rc = pcapflow_append(conf, &cfg);
  pf_source_config_free(&cfg);
  return rc;
}

static bool pcapflow_is_source(const oconfig_item_t *ci,
                               enum pf_source_kind *kind) {
  if (strcasecmp(ci->key, "Interface") == 0) {
    *kind = PF_SOURCE_INTERFACE;
    return true;
  }
  if (strcasecmp(ci->key, "File") == 0) {
    *kind = PF_SOURCE_FILE;
    return true;
  }
  return false;
}

/* One option at the top of the block. Returns 0 or -1 (logged). */
static int pcapflow_default(struct pcapflow_config *conf,
                            const oconfig_item_t *ci,
                            struct pf_source_config *defaults) {
  if (strcasecmp(ci->key, "RulesFile") == 0)
    return pcapflow_rules_file(conf, ci);
  int rc = pcapflow_source_option(ci, defaults);
  if (rc == 1)
    return pcapflow_bad(ci, "unknown option (see collectd-pcapflow(5) or "
                            "docs/CONFIG.md)");
  return rc;
}

int pcapflow_config_parse(struct pcapflow_config *conf,
                          const oconfig_item_t *block) {
  struct pf_source_config defaults;
  enum pf_source_kind kind;
  int rc = 0;

  /* First the block's defaults, wherever they stand, then the sources;
   * every bad option of the block is reported in this one pass. */
  pf_source_config_init(&defaults, PF_SOURCE_INTERFACE);
  for (int i = 0; i < block->children_num; i++) {
    const oconfig_item_t *ci = &block->children[i];
    if (!pcapflow_is_source(ci, &kind) && pcapflow_default(conf, ci, &defaults))
      rc = -1;
  }
  size_t before = conf->n_sources;
  for (int i = 0; i < block->children_num; i++) {
    const oconfig_item_t *ci = &block->children[i];
    if (pcapflow_is_source(ci, &kind) &&
        pcapflow_parse_source(conf, ci, &defaults, kind) != 0)
      rc = -1;
  }
  if (rc == 0 && conf->n_sources == before)
    WARNING("pcapflow: a <Plugin pcapflow> block configures no Interface or "
            "File; it captures nothing");
  pf_source_config_free(&defaults);
  return rc;
}

void pcapflow_config_free(struct pcapflow_config *conf) {
  for (size_t i = 0; i < conf->n_sources; i++)
    pf_source_config_free(&conf->sources[i]);
  free(conf->sources);
  conf->sources = NULL;
  conf->n_sources = 0;
  free(conf->rules_file);
  conf->rules_file = NULL;
}
