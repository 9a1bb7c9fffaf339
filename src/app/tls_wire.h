/* tls_wire.h - the start of a TLS connection as it is on the wire (RFC
 * 8446 5.1 and 4.1.2-4.1.3, RFC 5246 7.4.1, RFC 6066 3): the record and
 * handshake headers and the fixed fields of the hellos as structs of byte
 * fields, read by name through pf_get_hdr (base/bytes.h), and the numbers
 * the parser needs. */
#ifndef PCAPFLOW_APP_TLS_WIRE_H
#define PCAPFLOW_APP_TLS_WIRE_H

#include <stdint.h>

#include "base/check.h"

struct pf_tls_wire_record {
  uint8_t type; /* PF_TLS_WIRE_HANDSHAKE for the hellos */
  uint8_t version[2];
  uint8_t length[2];
};
PF_STATIC_ASSERT(sizeof(struct pf_tls_wire_record) == 5, "TLS record");

struct pf_tls_wire_handshake {
  uint8_t type;
  uint8_t length[3];
};
PF_STATIC_ASSERT(sizeof(struct pf_tls_wire_handshake) == 4, "TLS handshake");

/* Both hellos start with these; a session id (length byte first) follows. */
struct pf_tls_wire_hello {
  uint8_t legacy_version[2];
  uint8_t random[32];
};
PF_STATIC_ASSERT(sizeof(struct pf_tls_wire_hello) == 34, "TLS hello");

struct pf_tls_wire_extension {
  uint8_t type[2];
  uint8_t length[2];
};
PF_STATIC_ASSERT(sizeof(struct pf_tls_wire_extension) == 4, "TLS extension");

#define PF_TLS_WIRE_HANDSHAKE 22
#define PF_TLS_WIRE_CLIENT_HELLO 1
#define PF_TLS_WIRE_SERVER_HELLO 2
#define PF_TLS_WIRE_RECORD_MAX (16384 + 2048) /* TLSCiphertext's bound */
#define PF_TLS_WIRE_SESSION_ID_MAX 32
/* The longest hello the length fields allow: version, random, session id,
 * cipher suites, compression methods, extensions, each with its length. */
#define PF_TLS_WIRE_HELLO_MAX                                                  \
  (2 + 32 + 1 + 32 + 2 + 65534 + 1 + 255 + 2 + 65535)
#define PF_TLS_WIRE_EXT_SERVER_NAME 0
#define PF_TLS_WIRE_EXT_SUPPORTED_VERSIONS 43
#define PF_TLS_WIRE_SNI_HOST_NAME 0
/* An SSL 2.0-style ClientHello starts with a two-byte length whose top bit
 * is set, then message type 1 (RFC 5246 E.2). */
#define PF_TLS_WIRE_SSL2_LENGTH_BIT 0x80

#endif
