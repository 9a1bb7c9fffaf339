/* dns_collectd.h - the identifiers collectd's own dns plugin (5.12,
 * src/dns.c and src/utils/dns/dns.c) dispatches, so that series we emit
 * under the same types and type_instances keep its dashboards working.
 *
 * Its types, all in the stock types.db: dns_octets (two DERIVE sources,
 * queries and responses: the bytes of DNS messages, UDP payloads), and
 * dns_qtype, dns_opcode, dns_rcode (one DERIVE each, a message count).
 * It counts a query's qtype, a response's rcode, and the opcode of both;
 * it reads UDP port 53 only, and a message whose question does not parse
 * is not counted at all. Its spellings, reproduced here exactly:
 *   - qtype: the names of glibc 2.29's nameser.h in upper case ("A",
 *     "AAAA", "NSAP-PTR", "TA", "DLV"), anything else "#N" ("#65" for
 *     HTTPS, "#64" for SVCB: its table predates them);
 *   - opcode: "Query", "Iquery", "Status", "Notify", "Update", else
 *     "OpcodeN";
 *   - rcode: the header's 4 bits (EDNS's extension is not read):
 *     "FORMERR" ... "NOTZONE", "MAX" for 11, else "RCodeN" - so NOERROR is
 *     "RCode0", and 12..15 are "RCode12".."RCode15". ("BADSIG", "BADKEY"
 *     and "BADTIME", for 16..18, are in its table but a 4-bit rcode never
 *     reaches them; they are kept for a caller that passes an extended
 *     rcode on purpose.) */
#ifndef PCAPFLOW_APP_DNS_COLLECTD_H
#define PCAPFLOW_APP_DNS_COLLECTD_H

#include <stdint.h>

#define PF_COLLECTD_DNS_TYPE_OCTETS "dns_octets"
#define PF_COLLECTD_DNS_TYPE_QTYPE "dns_qtype"
#define PF_COLLECTD_DNS_TYPE_OPCODE "dns_opcode"
#define PF_COLLECTD_DNS_TYPE_RCODE "dns_rcode"
#define PF_COLLECTD_DNS_OCTETS_QUERIES "queries" /* dns_octets' sources */
#define PF_COLLECTD_DNS_OCTETS_RESPONSES "responses"

/* Room for any name these write: "RCode65535", "Opcode15", "#65535". */
#define PF_COLLECTD_DNS_NAME_MAX 16

/* Each returns the type_instance collectd's plugin gives the value: a
 * name from its table, or the numbered form written into buf. */
const char *pf_collectd_dns_qtype(uint16_t qtype,
                                  char buf[PF_COLLECTD_DNS_NAME_MAX]);
const char *pf_collectd_dns_opcode(uint8_t opcode,
                                   char buf[PF_COLLECTD_DNS_NAME_MAX]);
const char *pf_collectd_dns_rcode(uint16_t rcode,
                                  char buf[PF_COLLECTD_DNS_NAME_MAX]);

#endif
