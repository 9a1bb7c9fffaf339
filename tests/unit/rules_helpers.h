/* rules_helpers.h - loading rules from text and building packets for the
 * rules tests. */
#ifndef PCAPFLOW_TESTS_UNIT_RULES_HELPERS_H
#define PCAPFLOW_TESTS_UNIT_RULES_HELPERS_H

#include <stdbool.h>
#include <stdint.h>

#include "packet/decode.h"
#include "pcapflow/rules.h"
#include "rules/classify.h"

/* Rules from YAML text, which must load (the test fails with the message
 * if not). Messages name the file "test.yaml". */
struct pf_rules *rules_from(const char *yaml);

/* The message of YAML text that must not load. Valid until the next call. */
const char *rules_error(const char *yaml);

/* The directory the tests' data files are found under: $PCAPFLOW_SRCDIR,
 * else the current directory (make runs the tests from the top). */
const char *rules_srcdir(void);

/* A fresh directory for files of a test: dir holds at least 32 bytes and
 * gets its name. rules_remove_dir deletes it and what it holds. */
void rules_make_dir(char *dir);
void rules_remove_dir(const char *dir);

/* A packet with room for its addresses, so tests need no frame. It may be
 * copied: rpkt_class points the packet at the copy's addresses. */
struct rpkt {
  struct pf_packet pkt;
  uint8_t src[16], dst[16];
};

/* An IPv4 or IPv6 packet (by the address syntax) carrying `proto`, without
 * ports, untagged, DSCP 0. */
void rpkt_ip(struct rpkt *p, const char *src, const char *dst, uint8_t proto);
/* Gives it ports (and has_ports). */
void rpkt_ports(struct rpkt *p, uint16_t sport, uint16_t dport);
/* Tags it: one tag when inner < 0, else two. */
void rpkt_vlan(struct rpkt *p, uint16_t outer, int inner);
/* A non-IP packet (ARP), untagged. */
void rpkt_non_ip(struct rpkt *p);

/* The class the packet falls in: its index, its name. */
unsigned rpkt_index(const struct pf_rules *r, const struct rpkt *p);
const char *rpkt_class(const struct pf_rules *r, const struct rpkt *p);

#endif
