/* source_config.c - defaults and validation of a source's configuration.
 * Every error names the option and the value, so the adapter can pass it
 * on to the operator as it is. */
#include "source_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pf_source_config_init(struct pf_source_config *cfg,
                           enum pf_source_kind kind) {
  memset(cfg, 0, sizeof(*cfg));
  cfg->kind = kind;
  cfg->snaplen = PF_DEFAULT_SNAPLEN;
  cfg->promiscuous = false;
  cfg->buffer_mib = PF_DEFAULT_BUFFER_MIB;
  cfg->timeout_ms = PF_DEFAULT_TIMEOUT_MS;
  cfg->retry_max_s = PF_DEFAULT_RETRY_MAX_S;
  pf_localnet_init(&cfg->local);
}

void pf_source_config_free(struct pf_source_config *cfg) {
  free(cfg->device);
  free(cfg->filter);
  pf_localnet_free(&cfg->local);
  cfg->device = NULL;
  cfg->filter = NULL;
}

/* The file's base name without its extension: "/data/day1.pcapng" → "day1". */
static void pf_name_from_path(const char *path, char *name, size_t size) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t len = strlen(base);
  const char *dot = strrchr(base, '.');
  if (dot && dot != base)
    len = (size_t)(dot - base);
  if (len >= size)
    len = size - 1;
  memcpy(name, base, len);
  name[len] = '\0';
}

/* Names become collectd's plugin_instance and survive every writer: keep
 * to characters no writer rewrites or splits on. */
static int pf_name_check(const char *name, char *err, size_t errlen) {
  if (name[0] == '\0') {
    snprintf(err, errlen, "Instance \"\" is empty");
    return -1;
  }
  for (const char *c = name; *c; c++) {
    bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' || *c == '.';
    if (!ok) {
      snprintf(err, errlen,
               "Instance \"%s\": only letters, digits, '_', '-' and '.' are "
               "allowed (set Instance to rename the source)",
               name);
      return -1;
    }
  }
  return 0;
}

static int pf_filter_check(const struct pf_source_config *cfg, int dlt,
                           char *err, size_t errlen) {
  if (!cfg->filter)
    return 0;
  pcap_t *dead = pcap_open_dead(dlt, cfg->snaplen);
  if (!dead) {
    snprintf(err, errlen, "Filter \"%s\": cannot check it (out of memory)",
             cfg->filter);
    return -1;
  }
  struct bpf_program prog;
  int rc = pcap_compile(dead, &prog, cfg->filter, 1, PCAP_NETMASK_UNKNOWN);
  if (rc != 0)
    snprintf(err, errlen, "Filter \"%s\" is not a valid BPF expression: %s",
             cfg->filter, pcap_geterr(dead));
  else
    pcap_freecode(&prog);
  pcap_close(dead);
  return rc == 0 ? 0 : -1;
}

int pf_source_config_check(struct pf_source_config *cfg, char *err,
                           size_t errlen) {
  if (!cfg->device || cfg->device[0] == '\0') {
    snprintf(err, errlen, "%s \"\": a name is required",
             cfg->kind == PF_SOURCE_FILE ? "File" : "Interface");
    return -1;
  }
  if (cfg->name[0] == '\0') {
    if (cfg->kind == PF_SOURCE_FILE)
      pf_name_from_path(cfg->device, cfg->name, sizeof(cfg->name));
    else
      snprintf(cfg->name, sizeof(cfg->name), "%s", cfg->device);
  }
  if (pf_name_check(cfg->name, err, errlen) != 0)
    return -1;
  if (cfg->snaplen < PF_MIN_SNAPLEN || cfg->snaplen > PF_MAX_SNAPLEN) {
    snprintf(err, errlen, "SnapLen %d is out of range (%d to %d)", cfg->snaplen,
             PF_MIN_SNAPLEN, PF_MAX_SNAPLEN);
    return -1;
  }
  if (cfg->buffer_mib < 1 || cfg->buffer_mib > PF_MAX_BUFFER_MIB) {
    snprintf(err, errlen, "BufferSize %d is out of range (1 to %d MiB)",
             cfg->buffer_mib, PF_MAX_BUFFER_MIB);
    return -1;
  }

  if (cfg->kind == PF_SOURCE_FILE) {
    /* Open the file once now: a missing or unreadable file is a
     * configuration error, reported before anything starts. */
    bool perm_denied;
    char open_err[PF_ERR_MAX];
    pcap_t *p = pf_handle_open(cfg, &perm_denied, open_err, sizeof(open_err));
    if (!p) {
      snprintf(err, errlen, "%s", open_err);
      return -1;
    }
    pcap_close(p);
    return 0;
  }
  /* Interfaces may not exist yet, so check the filter against the link
   * type they most likely have. */
  int dlt = strcmp(cfg->device, "any") == 0 ? DLT_LINUX_SLL : DLT_EN10MB;
  return pf_filter_check(cfg, dlt, err, errlen);
}
