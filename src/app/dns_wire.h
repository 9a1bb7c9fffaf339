/* dns_wire.h - the DNS message as it is on the wire (RFC 1035 4.1, RFC
 * 6891 6.1): the fixed header and the fixed part of a question and of a
 * resource record as structs of byte fields, read by name through
 * pf_get_hdr (base/bytes.h), and the numbers the parser needs. */
#ifndef PCAPFLOW_APP_DNS_WIRE_H
#define PCAPFLOW_APP_DNS_WIRE_H

#include <stdint.h>

#include "base/check.h"

struct pf_dns_wire_header {
  uint8_t id[2];
  uint8_t flags[2]; /* QR, opcode, AA, TC, RD | RA, Z, AD, CD, rcode */
  uint8_t qdcount[2];
  uint8_t ancount[2];
  uint8_t nscount[2];
  uint8_t arcount[2];
};
PF_STATIC_ASSERT(sizeof(struct pf_dns_wire_header) == 12, "DNS header");

/* What follows a question's name. */
struct pf_dns_wire_question {
  uint8_t qtype[2];
  uint8_t qclass[2];
};
PF_STATIC_ASSERT(sizeof(struct pf_dns_wire_question) == 4, "DNS question");

/* What follows a resource record's name; rdlength bytes of data follow. In
 * an OPT record (EDNS) class is the sender's UDP payload size and ttl holds
 * the extended rcode (upper 8 bits), the version and the flags. */
struct pf_dns_wire_rr {
  uint8_t type[2];
  uint8_t rclass[2];
  uint8_t ttl[4];
  uint8_t rdlength[2];
};
PF_STATIC_ASSERT(sizeof(struct pf_dns_wire_rr) == 10, "DNS record");

/* Name bytes: a label's length byte is 0..63; 0xc0 and above start a
 * two-byte compression pointer to an offset in the message; 0x40..0xbf
 * are the reserved and obsolete label types (RFC 6891 5). */
#define PF_DNS_WIRE_LABEL_MAX 63
#define PF_DNS_WIRE_POINTER 0xc0
#define PF_DNS_WIRE_OFFSET_MASK 0x3fff

#define PF_DNS_WIRE_TYPE_OPT 41

/* The header's second field: the flag bits are dns.h's PF_DNS_F_*. */
#define PF_DNS_WIRE_OPCODE_SHIFT 11
#define PF_DNS_WIRE_RCODE_MASK 0x000f

#endif
