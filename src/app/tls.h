/* tls.h - reading the first handshake message of a TLS connection's
 * direction, a ClientHello or a ServerHello, from bytes another host wrote:
 * the server name a client asks for (SNI), the versions it offers and the
 * one the server picks. No allocation, nothing read past the bytes given,
 * work bounded by them (each extension takes at least 4 bytes).
 *
 * A hello longer than the bytes given - the rest in the next TCP segment,
 * in a second record, or cut by the capture - is read as far as it goes:
 * every field and extension wholly inside is set, and the result says
 * PF_TLS_PARTIAL (split_records says whether a record boundary cut it; the
 * caller, who knows the segment's captured and wire lengths, tells the
 * rest apart). Lengths that contradict the one around them are malformed.
 * Reentrant. */
#ifndef PCAPFLOW_APP_TLS_H
#define PCAPFLOW_APP_TLS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/bytes.h"

#define PF_TLS_SNI_MAX 255 /* a host name longer than this is refused */

enum pf_tls_result {
  PF_TLS_OK,
  PF_TLS_PARTIAL,       /* the hello goes on past the bytes given */
  PF_TLS_NOT_HANDSHAKE, /* not a handshake record (type or version) */
  PF_TLS_SSL2,          /* an SSL 2.0-style ClientHello: not read */
  PF_TLS_NOT_HELLO,     /* a handshake message other than the two hellos */
  PF_TLS_E_RECORD,      /* a record length of 0 or over 2^14 + 2048 */
  PF_TLS_E_LENGTH,      /* a length past the one around it */
  PF_TLS_E_SESSION_ID,  /* a session id longer than 32 */
  PF_TLS_E_CIPHERS,     /* no cipher suite, or an odd length */
  PF_TLS_E_COMPRESSION, /* no compression method */
  PF_TLS_E_EXTENSIONS,  /* an extension past the list */
  PF_TLS_E_SNI,         /* a server_name that does not parse, or a host
                           name empty or over PF_TLS_SNI_MAX */
  PF_TLS_E_VERSIONS,    /* a supported_versions that does not parse */
};
#define PF_TLS_RESULT_COUNT (PF_TLS_E_VERSIONS + 1)

/* Versions as bits, for counting what clients offer. */
enum pf_tls_version_bit {
  PF_TLS_V_SSL3 = 1 << 0,  /* 0x0300 */
  PF_TLS_V_10 = 1 << 1,    /* 0x0301 */
  PF_TLS_V_11 = 1 << 2,    /* 0x0302 */
  PF_TLS_V_12 = 1 << 3,    /* 0x0303 */
  PF_TLS_V_13 = 1 << 4,    /* 0x0304, and the drafts 0x7fxx */
  PF_TLS_V_OTHER = 1 << 7, /* anything else but GREASE (RFC 8701) */
};

struct pf_tls_hello {
  uint8_t type;            /* 1 ClientHello, 2 ServerHello; 0 when none */
  bool split_records;      /* the message goes on in another record */
  bool hello_retry;        /* a ServerHello that is a HelloRetryRequest */
  bool has_versions;       /* supported_versions was read */
  uint16_t record_version; /* the record header's */
  uint16_t legacy_version; /* the hello's own version field */
  uint16_t version;        /* client: the highest offered; server: the one
                              chosen (supported_versions, else legacy) */
  uint8_t offered;         /* client: PF_TLS_V_* of every version offered */
  uint8_t session_id_len;
  uint16_t cipher_suites;       /* client: how many offered */
  uint16_t cipher;              /* server: the one chosen */
  uint16_t extensions;          /* how many were read */
  bool has_sni;                 /* a host_name was read */
  bool sni_hostname;            /* ... of letters, digits, '-', '_' and dots */
  uint8_t sni_len;              /* strlen(sni) */
  char sni[PF_TLS_SNI_MAX + 1]; /* lower case, printable ('?' for other
                                   bytes), a trailing dot dropped; last:
                                   a parse clears what is before it */
};

/* Reads the hello at the start of b (a TCP payload that begins a record).
 * Fields read before a failure stay set. */
enum pf_tls_result pf_tls_parse_hello(const struct pf_bytes *b,
                                      struct pf_tls_hello *out);

/* The PF_TLS_V_* bit of a version, 0 for GREASE. */
uint8_t pf_tls_version_bit(uint16_t version);

/* A short name for each result ("ok", "partial", "sni", ...); NULL
 * outside the enum. */
const char *pf_tls_result_name(enum pf_tls_result r);

#endif
