/* app_messages.h - real DNS and TLS messages for the tests of src/app/,
 * captured by tests/integration/services_lib.sh's rigs (dig, kdig and
 * dnsmasq; openssl s_client, s_server and curl) on its test link, as
 * hex. app_bytes() turns one into bytes. */
#ifndef PCAPFLOW_TESTS_UNIT_APP_MESSAGES_H
#define PCAPFLOW_TESTS_UNIT_APP_MESSAGES_H

#include <stddef.h>
#include <stdint.h>

#define APP_MESSAGE_MAX 1024

/* The bytes of a hex string into out (APP_MESSAGE_MAX); their count. */
size_t app_bytes(const char *hex, uint8_t out[APP_MESSAGE_MAX]);

/* dig: www.svc.test A, EDNS (1232) with a cookie (53 bytes) */
extern const char APP_DNS_QUERY_A[];
/* dnsmasq: its answer, 198.18.7.10, owner c00c (57 bytes) */
extern const char APP_DNS_RESPONSE_A[];
/* dnsmasq: svc.test MX 10 mail.svc.test, mail's A in the additional section
 * named by a pointer into the MX data (82 bytes) */
extern const char APP_DNS_RESPONSE_MX[];
/* dnsmasq: _http._tcp.svc.test SRV, with A, AAAA and OPT additional records
 * (124 bytes) */
extern const char APP_DNS_RESPONSE_SRV[];
/* dnsmasq: missing.svc.test A, NXDOMAIN (45 bytes) */
extern const char APP_DNS_RESPONSE_NXDOMAIN[];
/* dnsmasq: example.org A, REFUSED, an Extended DNS Error option in the OPT
 * record (46 bytes) */
extern const char APP_DNS_RESPONSE_REFUSED[];
/* dnsmasq: 10.7.18.198.in-addr.arpa PTR www.svc.test (79 bytes) */
extern const char APP_DNS_RESPONSE_PTR[];
/* dig +tcp: www.svc.test A, with its two-byte length prefix (55 bytes) */
extern const char APP_DNS_TCP_QUERY[];
/* dnsmasq over TCP: its answer, with the prefix (59 bytes) */
extern const char APP_DNS_TCP_RESPONSE[];
/* kdig: mail.svc.test A, no EDNS (31 bytes) */
extern const char APP_DNS_QUERY_NO_EDNS[];
/* openssl s_client -tls1_3 -servername alpha.svc.test (248 bytes) */
extern const char APP_TLS_CLIENT_HELLO_13[];
/* openssl s_server: its ServerHello (TLS 1.3 by supported_versions), then
 * ChangeCipherSpec and encrypted records (127 bytes) */
extern const char APP_TLS_SERVER_HELLO_13[];
/* openssl s_client -tls1_2 -servername beta.svc.test: no supported_versions
 * (210 bytes) */
extern const char APP_TLS_CLIENT_HELLO_12[];
/* openssl s_server: ServerHello 1.2, Certificate, ServerKeyExchange,
 * ServerHelloDone in one record (603 bytes) */
extern const char APP_TLS_SERVER_HELLO_12[];
/* openssl s_client -servername epsilon.svc.test: offers 1.3, 1.2, 1.1, 1.0 (322
 * bytes) */
extern const char APP_TLS_CLIENT_HELLO_ANY[];
/* curl https://beta.svc.test/: offers 1.3 to 1.0, padded to 512 bytes (517
 * bytes) */
extern const char APP_TLS_CLIENT_HELLO_CURL[];

#endif
