/* dns.h - reading one DNS message (RFC 1035) that another host wrote: the
 * header, the first question and, when the message carries one, the EDNS
 * OPT record (RFC 6891), without allocating and without reading past the
 * bytes given.
 *
 * Every failure is a reason (enum pf_dns_err) that the caller counts; the
 * fields read before it stay set. Work is bounded by the message: a name
 * is at most 255 bytes with at most PF_DNS_POINTER_HOPS compression
 * pointers, each of which must point before the part of the name that
 * holds it (so no loop, no forward or self pointer), and the walk over the
 * records consumes at least 11 bytes a record. Reentrant. */
#ifndef PCAPFLOW_APP_DNS_H
#define PCAPFLOW_APP_DNS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/bytes.h"

#define PF_DNS_HEADER_LEN 12
#define PF_DNS_NAME_WIRE_MAX 255 /* length bytes and the root's 0 included */
#define PF_DNS_NAME_TEXT_MAX 253 /* dotted, without a trailing dot */
#define PF_DNS_POINTER_HOPS 16   /* compression pointers in one name */

/* Why a message (or the part of it after the question) was not read. */
enum pf_dns_err {
  PF_DNS_OK,
  PF_DNS_E_SHORT,       /* fewer than the header's 12 bytes */
  PF_DNS_E_TRUNCATED,   /* a name, question or record runs past the end */
  PF_DNS_E_LABEL,       /* a length byte of 64..191: over 63, or a
                           reserved or obsolete label type */
  PF_DNS_E_NAME_LONG,   /* a name of more than 255 bytes */
  PF_DNS_E_POINTER,     /* a pointer into the header, forward, to itself, or
                           into the part of the name that holds it (a loop) */
  PF_DNS_E_POINTER_HOPS /* more than PF_DNS_POINTER_HOPS pointers */
};
#define PF_DNS_ERR_COUNT (PF_DNS_E_POINTER_HOPS + 1)

/* Whether the message's OPT record was found (RFC 6891). */
enum pf_dns_edns {
  PF_DNS_EDNS_NONE,   /* every record read: there is none */
  PF_DNS_EDNS_OPT,    /* found: ext_rcode and edns_udp_size are set (a
                         fault in a record after it still shows in
                         records_err) */
  PF_DNS_EDNS_UNREAD, /* the records could not be read (records_err) */
};

/* Header flags, as on the wire. */
#define PF_DNS_F_QR 0x8000 /* a response */
#define PF_DNS_F_AA 0x0400
#define PF_DNS_F_TC 0x0200 /* truncated: the client should retry over TCP */
#define PF_DNS_F_RD 0x0100
#define PF_DNS_F_RA 0x0080
#define PF_DNS_F_AD 0x0020
#define PF_DNS_F_CD 0x0010

/* A name's text: lower-case ASCII, labels joined by dots, "" for the root.
 * Bytes outside 0x21..0x7e, and dots inside a label, become '?', so the
 * text is printable, holds no NUL and its dots separate labels. */
struct pf_dns_name {
  uint8_t len;    /* strlen(text) */
  uint8_t labels; /* 0 for the root */
  bool hostname;  /* every byte a letter, digit, '-' or '_' */
  char text[PF_DNS_NAME_TEXT_MAX + 1];
};

struct pf_dns_msg {
  uint32_t len; /* the message's bytes (what collectd's dns_octets adds) */
  uint16_t id;
  uint16_t flags;     /* PF_DNS_F_* */
  uint8_t opcode;     /* 4 bits */
  uint8_t rcode;      /* the header's 4 bits (what collectd's plugin counts) */
  uint16_t ext_rcode; /* 12 bits with EDNS's upper 8, else rcode */
  uint16_t qdcount, ancount, nscount, arcount;

  uint8_t edns;           /* enum pf_dns_edns */
  uint8_t edns_version;   /* with PF_DNS_EDNS_OPT */
  uint16_t edns_udp_size; /* with PF_DNS_EDNS_OPT */
  uint8_t records_err;    /* enum pf_dns_err: the walk past the question */

  bool has_question;        /* qdcount > 0 and the first question read */
  uint16_t qtype, qclass;   /* with has_question, else 0 */
  struct pf_dns_name qname; /* with has_question, else "" (last: a parse
                               clears what is before its text, not the
                               254 bytes of text) */
};

/* Reads the message in msg (a UDP payload, or one message of a TCP stream
 * without its length prefix; dns_tcp.h frames those). Returns PF_DNS_OK
 * when the header and the first question (if any) were read; the records
 * after it are walked only to find the OPT record, and their fault goes to
 * out->records_err, not to the result. Bytes cut by a snapshot length show
 * as PF_DNS_E_TRUNCATED: the caller, who knows the captured length, tells
 * a cut message from a short one. */
enum pf_dns_err pf_dns_parse(const struct pf_bytes *msg,
                             struct pf_dns_msg *out);

/* The name at off in msg, following compression pointers; *next is where
 * the bytes after the name start (after its first pointer, if any). */
enum pf_dns_err pf_dns_read_name(const struct pf_bytes *msg, uint32_t off,
                                 struct pf_dns_name *name, uint32_t *next);

/* The same without the text: where the name at off ends, pointers not
 * followed (a record's owner name, when only its length matters). */
enum pf_dns_err pf_dns_skip_name(const struct pf_bytes *msg, uint32_t off,
                                 uint32_t *next);

/* A short name for each reason ("truncated", "pointer", ...), for series
 * and messages; NULL outside the enum. */
const char *pf_dns_err_name(enum pf_dns_err err);

#endif
