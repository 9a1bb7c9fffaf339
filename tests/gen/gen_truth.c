/* gen_truth.c - adds each packet's verdict to the counters, checks their
 * invariants and writes the truth file. */
#include "gen_truth.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "gen_util.h"

const char *const gen_reason_names[R_COUNT] = {
    "none",        "snaplen",   "truncated", "too_deep",  "ip_version",
    "ipv4_header", "ip_length", "ipv6_ext",  "l4_header", "wire_length",
};

/* clang-format off */
static const char *const series_names[S_COUNT] = {
  "all", "ipv4", "ipv6", "non_ip", "malformed",
  "tcp", "udp", "icmp", "icmpv6", "sctp", "gre", "other", "fragment",
  "local_both", "local_neither", "local_unknown",
  "size_0_64", "size_65_127", "size_128_255", "size_256_511",
  "size_512_1023", "size_1024_1518", "size_1519_max",
  "tcp_syn", "tcp_synack", "tcp_fin", "tcp_rst",
};
/* clang-format on */

static void truth_count(struct truth *t, enum series s, enum dir d,
                        uint32_t len) {
  t->packets[s][d]++;
  if (s < S_OCTETS_END)
    t->octets[s][d] += len;
}

static enum series size_series(uint32_t len) {
  if (len <= 64)
    return S_SIZE_0_64;
  if (len <= 127)
    return S_SIZE_65_127;
  if (len <= 255)
    return S_SIZE_128_255;
  if (len <= 511)
    return S_SIZE_256_511;
  if (len <= 1023)
    return S_SIZE_512_1023;
  if (len <= 1518)
    return S_SIZE_1024_1518;
  return S_SIZE_1519_MAX;
}

void gen_truth_add(struct truth *t, const struct verdict *v) {
  /* clang-format off */
  static const enum series l4_series[] = {
    [L4_TCP] = S_TCP, [L4_UDP] = S_UDP, [L4_ICMP] = S_ICMP, [L4_ICMPV6] = S_ICMPV6,
    [L4_SCTP] = S_SCTP, [L4_GRE] = S_GRE, [L4_OTHER] = S_OTHER,
  };
  enum dir d = v->dir;

  t->captured++;
  truth_count(t, S_ALL, d, v->len);
  truth_count(t, size_series(v->len), d, v->len);
  if (v->cls == CLS_MALFORMED || v->cls == CLS_NON_IP) {
    GEN_ASSERT(v->basis == BASIS_UNKNOWN);
    GEN_ASSERT((v->cls == CLS_MALFORMED) == (v->reason != R_NONE));
    truth_count(t, v->cls == CLS_MALFORMED ? S_MALFORMED : S_NON_IP, d, v->len);
    truth_count(t, S_LOCAL_UNKNOWN, d, v->len);
    t->reasons[v->reason]++;
    return;
  }
  GEN_ASSERT(v->reason == R_NONE && v->basis != BASIS_UNKNOWN);
  GEN_ASSERT(v->l4 != L4_NONE);
  truth_count(t, v->cls == CLS_IPV4 ? S_IPV4 : S_IPV6, d, v->len);
  truth_count(t, l4_series[v->l4], d, v->len);
  if (v->fragment)
    truth_count(t, S_FRAGMENT, d, v->len);
  if (v->basis == BASIS_BOTH)
    truth_count(t, S_LOCAL_BOTH, d, v->len);
  if (v->basis == BASIS_NEITHER)
    truth_count(t, S_LOCAL_NEITHER, d, v->len);
  if (v->l4 == L4_TCP && v->tcp_hdr) {
    if ((v->tcp_flags & TCP_SYN) && !(v->tcp_flags & TCP_ACK))
      truth_count(t, S_TCP_SYN, d, v->len);
    if ((v->tcp_flags & TCP_SYN) && (v->tcp_flags & TCP_ACK))
      truth_count(t, S_TCP_SYNACK, d, v->len);
    if (v->tcp_flags & TCP_FIN)
      truth_count(t, S_TCP_FIN, d, v->len);
    if (v->tcp_flags & TCP_RST)
      truth_count(t, S_TCP_RST, d, v->len);
  }
}

/* The invariants of METRICS.md, checked on the totals: a violation means the
 * generator itself is wrong, so it must not write a truth file. */
void gen_truth_check(const struct truth *t)
{
  uint64_t total = 0, malformed = 0, reasons = 0;

  for (int d = 0; d < 2; d++) {
    const uint64_t(*p)[2] = t->packets;
    const uint64_t(*o)[2] = t->octets;
    uint64_t sizes = 0;

    GEN_ASSERT(p[S_ALL][d] == p[S_IPV4][d] + p[S_IPV6][d] + p[S_NON_IP][d] + p[S_MALFORMED][d]);
    GEN_ASSERT(o[S_ALL][d] == o[S_IPV4][d] + o[S_IPV6][d] + o[S_NON_IP][d] + o[S_MALFORMED][d]);
    GEN_ASSERT(p[S_IPV4][d] + p[S_IPV6][d] == p[S_TCP][d] + p[S_UDP][d] + p[S_ICMP][d] +
               p[S_ICMPV6][d] + p[S_SCTP][d] + p[S_GRE][d] + p[S_OTHER][d]);
    GEN_ASSERT(o[S_IPV4][d] + o[S_IPV6][d] == o[S_TCP][d] + o[S_UDP][d] + o[S_ICMP][d] +
               o[S_ICMPV6][d] + o[S_SCTP][d] + o[S_GRE][d] + o[S_OTHER][d]);
    GEN_ASSERT(p[S_LOCAL_UNKNOWN][d] == p[S_NON_IP][d] + p[S_MALFORMED][d]);
    GEN_ASSERT(o[S_LOCAL_UNKNOWN][d] == o[S_NON_IP][d] + o[S_MALFORMED][d]);
    GEN_ASSERT(p[S_FRAGMENT][d] <= p[S_IPV4][d] + p[S_IPV6][d]);
    GEN_ASSERT(p[S_LOCAL_BOTH][d] + p[S_LOCAL_NEITHER][d] <= p[S_IPV4][d] + p[S_IPV6][d]);
    GEN_ASSERT(p[S_TCP_SYN][d] + p[S_TCP_SYNACK][d] <= p[S_TCP][d]);
    GEN_ASSERT(p[S_TCP_FIN][d] <= p[S_TCP][d] && p[S_TCP_RST][d] <= p[S_TCP][d]);
    for (int s = S_SIZE_0_64; s <= S_SIZE_1519_MAX; s++)
      sizes += p[s][d];
    GEN_ASSERT(sizes == p[S_ALL][d]);
    total += p[S_ALL][d];
    malformed += p[S_MALFORMED][d];
  }
  for (int r = R_SNAPLEN; r < R_COUNT; r++)
    reasons += t->reasons[r];
  GEN_ASSERT(reasons == malformed);
  GEN_ASSERT(total == t->captured);
}

static int truth_line_cmp(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Protocols and IP versions: 2 lines each (S_IPV4 to S_OTHER); fragments
 * 2; the direction basis 4; sizes 2 each; flags 1 each; reasons; 3 more. */
#define TRUTH_LINES                                                          \
  ((S_FRAGMENT - S_IPV4) * 2 + 2 + 4 + (S_TCP_SYN - S_SIZE_0_64) * 2 +       \
   (S_COUNT - S_TCP_SYN) + (R_COUNT - 1) + 3)

void gen_truth_line(struct truth *t, const char *fmt, ...)
{
  va_list ap;
  int n;

  if (t->n_extra == t->cap_extra) {
    size_t cap = t->cap_extra ? 2 * t->cap_extra : 64;
    char(*p)[TRUTH_LINE_MAX] = realloc(t->extra, cap * sizeof *p);

    if (p == NULL)
      gen_die("out of memory");
    t->extra = p;
    t->cap_extra = cap;
  }
  va_start(ap, fmt);
  n = vsnprintf(t->extra[t->n_extra], TRUTH_LINE_MAX, fmt, ap);
  va_end(ap);
  GEN_ASSERT(n > 0 && n < TRUTH_LINE_MAX);
  t->n_extra++;
}

/* The counters as the plugin names them (docs/METRICS.md): a protocol
 * family (if_*), IP versions (io_*), fragments (ipt_*, rx + tx), the
 * direction basis (derive-*, rx + tx, with local_one what the others leave),
 * sizes by direction (if_rx_packets, if_tx_packets) and TCP flags
 * (protocol_counter, rx + tx). */
static size_t truth_counter_lines(const struct truth *t,
                                  char lines[][96])
{
  size_t n = 0;
  uint64_t one = t->packets[S_ALL][DIR_RX] + t->packets[S_ALL][DIR_TX];

  for (int s = S_IPV4; s < S_OCTETS_END; s++) {
    const char *pk = "if_packets", *oc = "if_octets";
    uint64_t p2 = t->packets[s][DIR_RX] + t->packets[s][DIR_TX];

    if (s == S_IPV4 || s == S_IPV6)
      pk = "io_packets", oc = "io_octets";
    if (s == S_FRAGMENT) {
      snprintf(lines[n++], 96, "ipt_packets-fragment %" PRIu64, p2);
      snprintf(lines[n++], 96, "ipt_bytes-fragment %" PRIu64,
               t->octets[s][DIR_RX] + t->octets[s][DIR_TX]);
      continue;
    }
    if (s >= S_LOCAL_BOTH) {
      snprintf(lines[n++], 96, "derive-%s %" PRIu64, series_names[s], p2);
      one -= p2;
      continue;
    }
    snprintf(lines[n++], 96, "%s-%s %" PRIu64 " %" PRIu64, pk,
             series_names[s], t->packets[s][DIR_RX], t->packets[s][DIR_TX]);
    snprintf(lines[n++], 96, "%s-%s %" PRIu64 " %" PRIu64, oc,
             series_names[s], t->octets[s][DIR_RX], t->octets[s][DIR_TX]);
  }
  snprintf(lines[n++], 96, "derive-local_one %" PRIu64, one);
  for (int s = S_SIZE_0_64; s <= S_SIZE_1519_MAX; s++) {
    snprintf(lines[n++], 96, "if_rx_packets-%s %" PRIu64, series_names[s],
             t->packets[s][DIR_RX]);
    snprintf(lines[n++], 96, "if_tx_packets-%s %" PRIu64, series_names[s],
             t->packets[s][DIR_TX]);
  }
  for (int s = S_TCP_SYN; s < S_COUNT; s++)
    snprintf(lines[n++], 96, "protocol_counter-%s %" PRIu64, series_names[s],
             t->packets[s][DIR_RX] + t->packets[s][DIR_TX]);
  return n;
}

void gen_truth_write(const struct truth *t, FILE *fp, const char *path)
{
  char lines[TRUTH_LINES][96];
  const char **order = malloc((TRUTH_LINES + t->n_extra) * sizeof *order);
  size_t n;

  if (order == NULL)
    gen_die("out of memory");
  n = truth_counter_lines(t, lines);
  for (int r = R_SNAPLEN; r < R_COUNT; r++)
    snprintf(lines[n++], sizeof lines[0], "errors-malformed_%s %" PRIu64,
             gen_reason_names[r], t->reasons[r]);
  snprintf(lines[n++], sizeof lines[0], "packets-captured %" PRIu64, t->captured);
  /* A file cannot drop packets. */
  snprintf(lines[n++], sizeof lines[0], "packets-dropped_kernel 0");
  snprintf(lines[n++], sizeof lines[0], "packets-dropped_interface 0");
  GEN_ASSERT(n == TRUTH_LINES);
  for (size_t i = 0; i < n; i++)
    order[i] = lines[i];
  for (size_t i = 0; i < t->n_extra; i++)
    order[n++] = t->extra[i];
  /* Byte order, like LC_ALL=C sort, so tests can diff without sorting. */
  qsort(order, n, sizeof order[0], truth_line_cmp);
  for (size_t i = 0; i < n; i++) {
    /* one line per series: a duplicate would be a bug of the generator */
    if (i > 0) {
      size_t a = strcspn(order[i - 1], " "), b = strcspn(order[i], " ");

      GEN_ASSERT(a != b || memcmp(order[i - 1], order[i], a) != 0);
    }
    fprintf(fp, "%s\n", order[i]);
  }
  free(order);
  if (fflush(fp) != 0 || ferror(fp) || fclose(fp) != 0)
    gen_die("--truth %s: write failed: %s", path, strerror(errno));
}

/* clang-format on */