/* gen_svc_msg.h - the application messages of the services scenario, as
 * the wire has them: DNS queries and responses (RFC 1035; over TCP with
 * their two-byte length, RFC 7766) and TLS ClientHellos and ServerHellos
 * (RFC 8446), each from a name the scenario picks. */
#ifndef PCAPFLOW_GEN_SVC_MSG_H
#define PCAPFLOW_GEN_SVC_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SVC_MSG_MAX 2048

/* A query for `name` (dotted, lower case) of type qtype; `tcp`: with the
 * length prefix. Returns its length. */
size_t svc_dns_query(uint8_t *out, uint16_t id, const char *name,
                     uint16_t qtype, bool tcp);
/* The response: one A record (rcode 0) or none (rcode 3, NXDOMAIN). */
size_t svc_dns_response(uint8_t *out, uint16_t id, const char *name,
                        uint16_t qtype, int rcode, bool tcp);
/* A ClientHello naming `name`, offering TLS 1.3 and 1.2; `browser`: with
 * a 1,216-byte key share before the name (about 1,700 bytes: past one
 * segment), as post-quantum browsers send. */
size_t svc_tls_client_hello(uint8_t *out, const char *name, bool browser);
/* A TLS 1.3 ServerHello. */
size_t svc_tls_server_hello(uint8_t *out);

#endif
