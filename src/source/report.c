/* report.c - top-N lists as series names: names that every stock
 * collectd writer passes through unchanged ([a-z0-9_] only) and that stay
 * unique, since '.' and ':' never occur in an address' other characters. */
#include "source/worker.h"

#include "shard/top_order.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static void pf_addr_name(uint8_t family, const uint8_t *addr, char *buf,
                         size_t size) {
  char text[INET6_ADDRSTRLEN];
  inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, text, sizeof(text));
  size_t i = 0;
  for (; text[i] && i + 1 < size; i++)
    buf[i] = (text[i] == '.' || text[i] == ':') ? '_' : text[i];
  buf[i] = '\0';
}

static const char *pf_proto_name(uint8_t proto, char *buf, size_t size) {
  switch (proto) {
  case 6:
    return "tcp";
  case 17:
    return "udp";
  case 132:
    return "sctp";
  case 1:
    return "icmp";
  case 58:
    return "icmpv6";
  case 47:
    return "gre";
  default:
    snprintf(buf, size, "ip%u", (unsigned)proto);
    return buf;
  }
}

static bool pf_proto_has_ports(uint8_t proto) {
  return proto == 6 || proto == 17 || proto == 132;
}

static void pf_host_name(const struct pf_host_key *k, char *buf, size_t size) {
  char addr[48];
  pf_addr_name(k->family, k->addr, addr, sizeof(addr));
  if (k->prefix < (k->family == 4 ? 32 : 128))
    snprintf(buf, size, "top_host_%s_%u", addr, (unsigned)k->prefix);
  else
    snprintf(buf, size, "top_host_%s", addr);
}

static void pf_port_name(const struct pf_service_key *k, char *buf,
                         size_t size) {
  char pbuf[8];
  const char *proto = pf_proto_name(k->proto, pbuf, sizeof(pbuf));
  if (pf_proto_has_ports(k->proto))
    snprintf(buf, size, "top_port_%s_%u", proto, (unsigned)k->port);
  else
    snprintf(buf, size, "top_port_%s", proto);
}

static void pf_flow_name(const struct pf_flow_key *k, char *buf, size_t size) {
  char a[48], b[48], pbuf[8], ends[128], vlan[24] = "";
  pf_addr_name(k->family, k->addr[0], a, sizeof(a));
  pf_addr_name(k->family, k->addr[1], b, sizeof(b));
  const char *proto = pf_proto_name(k->proto, pbuf, sizeof(pbuf));
  if (pf_proto_has_ports(k->proto))
    snprintf(ends, sizeof(ends), "%s_%u_%s_%u", a, (unsigned)k->port[0], b,
             (unsigned)k->port[1]);
  else if (k->echo) /* ICMP echo identifier */
    snprintf(ends, sizeof(ends), "%s_%s_id%u", a, b, (unsigned)k->port[0]);
  else
    snprintf(ends, sizeof(ends), "%s_%s", a, b);
  if (k->vlan_outer || k->vlan_inner)
    snprintf(vlan, sizeof(vlan), "_vlan%u_%u", (unsigned)k->vlan_outer,
             (unsigned)k->vlan_inner);
  /* At most 121 characters: collectd's type_instance holds 127. */
  if (snprintf(buf, size, "top_flow_%s_%s%s", proto, ends, vlan) >= (int)size)
    buf[size - 1] = '\0';
}

/* Keys are stored as bytes; copy them into their struct to read them. */
static void pf_entry_name(enum pf_top_kind kind, const uint8_t *key, char *buf,
                          size_t size) {
  if (kind == PF_TOP_HOSTS) {
    struct pf_host_key k;
    memcpy(&k, key, sizeof(k));
    pf_host_name(&k, buf, size);
  } else if (kind == PF_TOP_PORTS) {
    struct pf_service_key k;
    memcpy(&k, key, sizeof(k));
    pf_port_name(&k, buf, size);
  } else {
    struct pf_flow_key k;
    memcpy(&k, key, sizeof(k));
    pf_flow_name(&k, buf, size);
  }
}

static const char *const pf_other_names[PF_TOP_KIND_COUNT] = {
    [PF_TOP_HOSTS] = "top_host_other",
    [PF_TOP_PORTS] = "top_port_other",
    [PF_TOP_FLOWS] = "top_flow_other",
};

/* Once per list and source: the names are spent, so a key that is new to
 * the top N is reported in "other" from now on, which an operator should
 * hear of once rather than find out from a graph. */
static void pf_names_spent(struct pf_source *src, enum pf_top_kind kind) {
  static const char *const list[PF_TOP_KIND_COUNT] = {
      [PF_TOP_HOSTS] = "hosts",
      [PF_TOP_PORTS] = "services (ports)",
      [PF_TOP_FLOWS] = "flows",
  };
  if (src->names_spent_logged[kind] || !src->hooks.log)
    return;
  src->names_spent_logged[kind] = true;
  char msg[PF_ERR_MAX];
  snprintf(msg, sizeof(msg),
           "pcapflow: source \"%s\": the top %s list has used its %d "
           "series names (TopSeriesLimit); from now on a key new to the top "
           "%d is reported in %s",
           src->cfg.name, list[kind], src->cfg.top_series_limit, src->cfg.top_n,
           pf_other_names[kind]);
  src->hooks.log(PF_LOG_WARNING, msg);
}

/* One list: the top N keys that have (or still get) a name, then "other". */
static void pf_report_list(struct pf_source *src, enum pf_top_kind k,
                           struct pf_top_list *list) {
  const struct pf_topn *t = &src->report.top[k];
  const struct pf_topn_item *items[PF_MAX_TOP_N];
  /* Ties by key (top_order.h): the same list whatever the feed order. */
  uint32_t n =
      pf_topn_top_by(t, items, (uint32_t)src->cfg.top_n, pf_top_order(k));
  uint64_t named = 0;

  list->n = 0;
  for (uint32_t i = 0; i < n; i++) {
    const struct pf_topn_item *it = items[i];
    if (!pf_top_names_admit(&src->names[k], it->key, t->key_len)) {
      pf_names_spent(src, k); /* it stays in "other" */
      continue;
    }
    struct pf_top_entry *e = &list->entry[list->n++];
    e->bytes = it->bytes[0] + it->bytes[1];
    named += e->bytes;
    pf_entry_name(k, it->key, e->name, sizeof(e->name));
  }
  struct pf_top_entry *other = &list->entry[list->n++];
  snprintf(other->name, sizeof(other->name), "%s", pf_other_names[k]);
  other->bytes = t->total[0] + t->total[1] - named;
}

void pf_source_report_top(struct pf_source *src, struct pf_snapshot *out) {
  for (int k = 0; k < PF_TOP_KIND_COUNT; k++) {
    out->top[k].n = 0; /* a list not reported has no entry, not even other */
    if (!src->cfg.shard.skip_top[k])
      pf_report_list(src, (enum pf_top_kind)k, &out->top[k]);
  }
}
