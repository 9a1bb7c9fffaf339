/* gen_truth.h - the counters the plugin must report for a generated capture,
 * their invariants and the truth file. */
#ifndef PCAPFLOW_GEN_TRUTH_H
#define PCAPFLOW_GEN_TRUTH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "gen_util.h"

enum dir { DIR_RX, DIR_TX };

enum pkt_class { CLS_IPV4, CLS_IPV6, CLS_NON_IP, CLS_MALFORMED };

enum l4_class {
  L4_NONE,
  L4_TCP,
  L4_UDP,
  L4_ICMP,
  L4_ICMPV6,
  L4_SCTP,
  L4_GRE,
  L4_OTHER
};

/* How the direction of a packet was decided (DECODING.md "Direction"). */
enum basis { BASIS_ADDR, BASIS_BOTH, BASIS_NEITHER, BASIS_UNKNOWN };

/* In DECODING.md's table order; R_NONE means well-formed. */
enum reason {
  R_NONE,
  R_SNAPLEN,
  R_TRUNCATED,
  R_TOO_DEEP,
  R_IP_VERSION,
  R_IPV4_HEADER,
  R_IP_LENGTH,
  R_IPV6_EXT,
  R_L4_HEADER,
  R_WIRE_LENGTH,
  R_COUNT
};

/* The names of the errors-malformed_<name> counters, by enum reason. */
extern const char *const gen_reason_names[R_COUNT];

/* The if_packets/if_octets series of METRICS.md. Those from S_OCTETS_END on
 * have no if_octets twin. */
enum series {
  S_ALL,
  S_IPV4,
  S_IPV6,
  S_NON_IP,
  S_MALFORMED,
  S_TCP,
  S_UDP,
  S_ICMP,
  S_ICMPV6,
  S_SCTP,
  S_GRE,
  S_OTHER,
  S_FRAGMENT,
  S_LOCAL_BOTH,
  S_LOCAL_NEITHER,
  S_LOCAL_UNKNOWN,
  S_OCTETS_END,
  S_SIZE_0_64 = S_OCTETS_END,
  S_SIZE_65_127,
  S_SIZE_128_255,
  S_SIZE_256_511,
  S_SIZE_512_1023,
  S_SIZE_1024_1518,
  S_SIZE_1519_MAX,
  S_TCP_SYN,
  S_TCP_SYNACK,
  S_TCP_FIN,
  S_TCP_RST,
  S_COUNT
};

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

/* What the plugin must conclude about one packet. */
struct verdict {
  enum pkt_class cls;
  enum l4_class l4; /* meaningful for CLS_IPV4/CLS_IPV6 */
  bool fragment;
  enum basis basis;
  enum dir dir;
  enum reason reason;
  bool tcp_hdr; /* a TCP header whose flags count */
  uint8_t tcp_flags;
  uint32_t len;
};

/* Longest truth line, flow names of 121 characters included. */
#define TRUTH_LINE_MAX 192

struct truth {
  uint64_t packets[S_COUNT][2];
  uint64_t octets[S_OCTETS_END][2];
  uint64_t reasons[R_COUNT];
  uint64_t captured;
  /* lines beyond the counters (flows, top-N, distinct counts), from
   * gen_truth_line() */
  char (*extra)[TRUTH_LINE_MAX];
  size_t n_extra, cap_extra;
};

/* Counts one packet as the verdict says. */
void gen_truth_add(struct truth *t, const struct verdict *v);
void gen_truth_check(const struct truth *t);
/* Adds one more line ("<type>-<type_instance> <values>") to the truth file. */
void gen_truth_line(struct truth *t, const char *fmt, ...) GEN_PRINTF(2, 3);
/* Writes the truth file to fp and closes it; path is for error messages. */
void gen_truth_write(const struct truth *t, FILE *fp, const char *path);

#endif
