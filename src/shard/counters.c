/* counters.c - how one decoded packet adds to the per-source counters.
 *
 * This is the hot path's accounting step: a handful of array increments,
 * no branches that depend on configuration, no allocation. */
#include "shard/packet_counters.h"

#include <stddef.h>

/* always_inline: inlined (link-time optimisation) into both of the
 * capture's per-packet paths (capture.c, pf_capture_frame); with two
 * callers it would be kept out of line. */
__attribute__((always_inline)) inline void
pf_counters_add(struct pf_counters *c, const struct pf_packet *pkt,
                enum pf_dir dir, enum pf_locality locality) {
  uint32_t len = pkt->wire_len;

  pf_traffic_add(&c->traffic[PF_TRAFFIC_ALL], dir, len);
  pf_traffic_add(&c->traffic[PF_TRAFFIC_IPV4 + pkt->l3], dir, len);
  c->size[pf_size_bucket_of(len)][dir]++;

  /* Both, neither and unknown have series of their own, in that order:
   * one compare (the asserts below). */
  if (locality >= PF_LOCALITY_BOTH)
    pf_traffic_add(
        &c->traffic[PF_TRAFFIC_LOCAL_BOTH + locality - PF_LOCALITY_BOTH], dir,
        len);

  if (pkt->l3 == PF_L3_MALFORMED) {
    c->malformed[pkt->malformed]++;
    return;
  }
  if (pkt->l4 == PF_L4_NONE)
    return; /* non-IP */

  pf_traffic_add(&c->traffic[PF_TRAFFIC_TCP + pkt->l4], dir, len);
  if (pkt->fragment)
    pf_traffic_add(&c->traffic[PF_TRAFFIC_FRAGMENT], dir, len);

  /* Most segments carry none of the flags counted: one test for them. */
  uint8_t flags = pkt->tcp_flags;
  if (!(flags & (PF_TCP_SYN | PF_TCP_FIN | PF_TCP_RST)))
    return;
  if (flags & PF_TCP_SYN)
    c->tcp_flag[(flags & PF_TCP_ACK) ? PF_TCPF_SYNACK : PF_TCPF_SYN][dir]++;
  if (flags & PF_TCP_FIN)
    c->tcp_flag[PF_TCPF_FIN][dir]++;
  if (flags & PF_TCP_RST)
    c->tcp_flag[PF_TCPF_RST][dir]++;
}

void pf_counters_merge(struct pf_counters *dst, const struct pf_counters *src) {
  /* The struct is nothing but uint64_t counters, so merge it as an array. */
  uint64_t *d = (uint64_t *)dst;
  const uint64_t *s = (const uint64_t *)src;
  for (size_t i = 0; i < sizeof(*dst) / sizeof(uint64_t); i++)
    d[i] += s[i];
}

static const char *const pf_traffic_names[PF_TRAFFIC_COUNT] = {
    [PF_TRAFFIC_ALL] = "all",
    [PF_TRAFFIC_IPV4] = "ipv4",
    [PF_TRAFFIC_IPV6] = "ipv6",
    [PF_TRAFFIC_NON_IP] = "non_ip",
    [PF_TRAFFIC_MALFORMED] = "malformed",
    [PF_TRAFFIC_TCP] = "tcp",
    [PF_TRAFFIC_UDP] = "udp",
    [PF_TRAFFIC_ICMP] = "icmp",
    [PF_TRAFFIC_ICMPV6] = "icmpv6",
    [PF_TRAFFIC_SCTP] = "sctp",
    [PF_TRAFFIC_GRE] = "gre",
    [PF_TRAFFIC_OTHER] = "other",
    [PF_TRAFFIC_FRAGMENT] = "fragment",
    [PF_TRAFFIC_LOCAL_BOTH] = "local_both",
    [PF_TRAFFIC_LOCAL_NEITHER] = "local_neither",
    [PF_TRAFFIC_LOCAL_UNKNOWN] = "local_unknown",
};

static const char *const pf_size_names[PF_SIZE_COUNT] = {
    [PF_SIZE_0_64] = "size_0_64",
    [PF_SIZE_65_127] = "size_65_127",
    [PF_SIZE_128_255] = "size_128_255",
    [PF_SIZE_256_511] = "size_256_511",
    [PF_SIZE_512_1023] = "size_512_1023",
    [PF_SIZE_1024_1518] = "size_1024_1518",
    [PF_SIZE_1519_MAX] = "size_1519_max",
};

static const char *const pf_tcp_flag_names[PF_TCPF_COUNT] = {
    [PF_TCPF_SYN] = "tcp_syn",
    [PF_TCPF_SYNACK] = "tcp_synack",
    [PF_TCPF_FIN] = "tcp_fin",
    [PF_TCPF_RST] = "tcp_rst",
};

const char *pf_traffic_name(enum pf_traffic_kind kind) {
  return pf_traffic_names[kind];
}

const char *pf_size_bucket_name(enum pf_size_bucket bucket) {
  return pf_size_names[bucket];
}

const char *pf_tcp_flag_name(enum pf_tcp_flag_kind kind) {
  return pf_tcp_flag_names[kind];
}

/* pf_counters_add maps decoder outcomes to series by addition. */
_Static_assert(PF_TRAFFIC_IPV4 + PF_L3_IPV6 == PF_TRAFFIC_IPV6, "l3 order");
_Static_assert(PF_TRAFFIC_IPV4 + PF_L3_NON_IP == PF_TRAFFIC_NON_IP, "l3 order");
_Static_assert(PF_TRAFFIC_IPV4 + PF_L3_MALFORMED == PF_TRAFFIC_MALFORMED,
               "l3 order");
_Static_assert(PF_TRAFFIC_TCP + PF_L4_OTHER == PF_TRAFFIC_OTHER, "l4 order");
_Static_assert(PF_TRAFFIC_TCP + PF_L4_GRE == PF_TRAFFIC_GRE, "l4 order");
_Static_assert(PF_LOCALITY_NEITHER - PF_LOCALITY_BOTH ==
                       PF_TRAFFIC_LOCAL_NEITHER - PF_TRAFFIC_LOCAL_BOTH &&
                   PF_LOCALITY_UNKNOWN - PF_LOCALITY_BOTH ==
                       PF_TRAFFIC_LOCAL_UNKNOWN - PF_TRAFFIC_LOCAL_BOTH &&
                   PF_LOCALITY_SRC < PF_LOCALITY_BOTH &&
                   PF_LOCALITY_DST < PF_LOCALITY_BOTH,
               "locality order");

static const char *const pf_malformed_names[PF_MAL_COUNT] = {
    [PF_MAL_SNAPLEN] = "snaplen",         [PF_MAL_TRUNCATED] = "truncated",
    [PF_MAL_TOO_DEEP] = "too_deep",       [PF_MAL_IP_VERSION] = "ip_version",
    [PF_MAL_IPV4_HEADER] = "ipv4_header", [PF_MAL_IP_LENGTH] = "ip_length",
    [PF_MAL_IPV6_EXT] = "ipv6_ext",       [PF_MAL_L4_HEADER] = "l4_header",
    [PF_MAL_WIRE_LENGTH] = "wire_length",
};

const char *pf_malformed_name(enum pf_malformed reason) {
  if (reason < 0 || reason >= PF_MAL_COUNT)
    return "none";
  return pf_malformed_names[reason];
}
