/* gen_svc_msg.c - DNS and TLS messages of the services scenario
 * (gen_svc_msg.h). */
#include "gen_svc_msg.h"

#include <string.h>

static size_t put16(uint8_t *p, size_t at, unsigned v) {
  p[at] = (uint8_t)(v >> 8);
  p[at + 1] = (uint8_t)v;
  return at + 2;
}

/* `name` as labels, ending with the root. */
static size_t put_name(uint8_t *p, size_t at, const char *name) {
  while (*name) {
    const char *dot = strchr(name, '.');
    size_t n = dot ? (size_t)(dot - name) : strlen(name);
    p[at++] = (uint8_t)n;
    memcpy(p + at, name, n);
    at += n;
    name += n + (dot != NULL);
  }
  p[at++] = 0;
  return at;
}

/* Header and question; `flags` as the header has them. */
static size_t dns_start(uint8_t *p, size_t at, uint16_t id, unsigned flags,
                        unsigned answers, const char *name, uint16_t qtype) {
  at = put16(p, at, id);
  at = put16(p, at, flags);
  at = put16(p, at, 1);
  at = put16(p, at, answers);
  at = put16(p, at, 0);
  at = put16(p, at, 0);
  at = put_name(p, at, name);
  at = put16(p, at, qtype);
  return put16(p, at, 1); /* IN */
}

static size_t dns_done(uint8_t *out, size_t len, bool tcp) {
  if (tcp)
    put16(out, 0, (unsigned)(len - 2));
  return len;
}

size_t svc_dns_query(uint8_t *out, uint16_t id, const char *name,
                     uint16_t qtype, bool tcp) {
  size_t at = dns_start(out, tcp ? 2 : 0, id, 0x0100, 0, name, qtype);
  return dns_done(out, at, tcp);
}

size_t svc_dns_response(uint8_t *out, uint16_t id, const char *name,
                        uint16_t qtype, int rcode, bool tcp) {
  unsigned answers = rcode == 0 ? 1 : 0;
  size_t at = dns_start(out, tcp ? 2 : 0, id, 0x8180 | (unsigned)rcode, answers,
                        name, qtype);
  if (answers) { /* the owner by a pointer to the question's name */
    at = put16(out, at, 0xc00c);
    at = put16(out, at, 1);
    at = put16(out, at, 1);
    at = put16(out, at, 0);
    at = put16(out, at, 300);
    at = put16(out, at, 4);
    static const uint8_t addr[4] = {198, 18, 9, 9};
    memcpy(out + at, addr, 4);
    at += 4;
  }
  return dns_done(out, at, tcp);
}

/* A record of type 22 around a handshake message of type `hs` whose body
 * is out[9 .. end). */
static size_t tls_wrap(uint8_t *out, size_t end, unsigned hs) {
  out[0] = 22;
  put16(out, 1, 0x0301);
  put16(out, 3, (unsigned)(end - 5));
  out[5] = (uint8_t)hs;
  out[6] = 0;
  put16(out, 7, (unsigned)(end - 9));
  return end;
}

static size_t put_ext(uint8_t *p, size_t at, unsigned type, const uint8_t *d,
                      size_t n) {
  at = put16(p, at, type);
  at = put16(p, at, (unsigned)n);
  if (n)
    memcpy(p + at, d, n);
  return at + n;
}

static size_t tls_sni(uint8_t *p, size_t at, const char *name) {
  uint8_t d[300];
  size_t n = strlen(name);
  put16(d, 0, (unsigned)(n + 3));
  d[2] = 0;
  put16(d, 3, (unsigned)n);
  memcpy(d + 5, name, n);
  return put_ext(p, at, 0, d, n + 5);
}

size_t svc_tls_client_hello(uint8_t *out, const char *name, bool browser) {
  static const uint8_t versions[] = {4, 0x03, 0x04, 0x03, 0x03};
  static const uint8_t groups[] = {0, 4, 0x11, 0xec, 0, 0x1d};
  static uint8_t share[4 + 2 + 2 + 1216];
  size_t at = put16(out, 9, 0x0303);
  memset(out + at, 0x5a, 32 + 1 + 32); /* random, session id */
  out[at + 32] = 32;
  at += 65;
  at = put16(out, at, 4);
  at = put16(out, at, 0x1301);
  at = put16(out, at, 0xc02f);
  out[at++] = 1, out[at++] = 0;
  size_t ext_len = at;
  at += 2;
  if (browser) { /* X25519MLKEM768's share: the name in the next segment */
    put16(share, 0, 1220);
    put16(share, 2, 0x11ec);
    put16(share, 4, 1216);
    memset(share + 6, 0x33, 1216);
    at = put_ext(out, at, 51, share, 6 + 1216);
  }
  at = tls_sni(out, at, name);
  at = put_ext(out, at, 10, groups, sizeof(groups));
  at = put_ext(out, at, 43, versions, sizeof(versions));
  if (browser) { /* an ECH-sized extension: about Chrome's 1,800 bytes */
    static const uint8_t ech[300];
    at = put_ext(out, at, 0xfe0d, ech, sizeof(ech));
  }
  put16(out, ext_len, (unsigned)(at - ext_len - 2));
  return tls_wrap(out, at, 1);
}

size_t svc_tls_server_hello(uint8_t *out) {
  static const uint8_t chosen[] = {0x03, 0x04};
  static const uint8_t share[36] = {0, 0x1d, 0, 32};
  size_t at = put16(out, 9, 0x0303);
  memset(out + at, 0x6b, 32);
  out[at + 32] = 32;
  memset(out + at + 33, 0x5a, 32);
  at += 65;
  at = put16(out, at, 0x1301);
  out[at++] = 0;
  size_t ext_len = at;
  at += 2;
  at = put_ext(out, at, 43, chosen, sizeof(chosen));
  at = put_ext(out, at, 51, share, sizeof(share));
  put16(out, ext_len, (unsigned)(at - ext_len - 2));
  return tls_wrap(out, at, 2);
}
