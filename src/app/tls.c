/* tls.c - the first hello of a TLS connection's direction: the record and
 * handshake headers, the hello's fixed fields, then its extensions
 * (tls_ext.c). tls.h says what is read and what each result means. */
#include "app/tls.h"

#include <stddef.h>
#include <string.h>

#include "app/tls_cursor.h"
#include "app/tls_ext.h"
#include "app/tls_wire.h"
#include "base/check.h"

/* A ServerHello with this random is a HelloRetryRequest (RFC 8446 4.1.3):
 * SHA-256 of "HelloRetryRequest". */
static const uint8_t pf_tls_hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
    0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
    0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

PF_STATIC_ASSERT(sizeof(struct pf_tls_hello) -
                         offsetof(struct pf_tls_hello, sni) -
                         (PF_TLS_SNI_MAX + 1) <
                     _Alignof(struct pf_tls_hello),
                 "the server name ends the hello");

uint8_t pf_tls_version_bit(uint16_t v) {
  if ((v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff))
    return 0; /* GREASE: 0x0a0a, 0x1a1a, ... 0xfafa */
  if (v >= 0x0300 && v <= 0x0304)
    return (uint8_t)(1u << (v - 0x0300));
  return (v >> 8) == 0x7f ? PF_TLS_V_13 : PF_TLS_V_OTHER;
}

/* Skips a field of `n` bytes whose length the caller read. */
static enum pf_tls_result pf_tls_skip(struct pf_tls_cursor *c, uint32_t n,
                                      enum pf_tls_result bad) {
  enum pf_tls_result r = pf_tls_need(c, n, bad);
  if (r == PF_TLS_OK)
    c->off += n;
  return r;
}

/* The fixed start of both hellos and the session id. */
static enum pf_tls_result pf_tls_read_start(struct pf_tls_cursor *c,
                                            struct pf_tls_hello *out) {
  const struct pf_tls_wire_hello *h;
  uint32_t sid;
  enum pf_tls_result r = pf_tls_need(c, (uint32_t)sizeof(*h), PF_TLS_E_LENGTH);
  if (r != PF_TLS_OK || !pf_get_hdr(&c->at_hand, c->off, &h))
    return r != PF_TLS_OK ? r : PF_TLS_PARTIAL;
  c->off += (uint32_t)sizeof(*h);
  out->legacy_version = out->version = pf_be16(h->legacy_version);
  out->hello_retry = out->type == PF_TLS_WIRE_SERVER_HELLO &&
                     memcmp(h->random, pf_tls_hrr_random, 32) == 0;
  if ((r = pf_tls_take_len(c, 1, &sid, PF_TLS_E_LENGTH)) != PF_TLS_OK)
    return r;
  if (sid > PF_TLS_WIRE_SESSION_ID_MAX)
    return PF_TLS_E_SESSION_ID;
  out->session_id_len = (uint8_t)sid;
  return pf_tls_skip(c, sid, PF_TLS_E_LENGTH);
}

/* ClientHello: the cipher suites and compression methods offered. */
static enum pf_tls_result pf_tls_read_client(struct pf_tls_cursor *c,
                                             struct pf_tls_hello *out) {
  uint32_t n;
  enum pf_tls_result r = pf_tls_take_len(c, 2, &n, PF_TLS_E_LENGTH);
  if (r != PF_TLS_OK)
    return r;
  if (n == 0 || n % 2)
    return PF_TLS_E_CIPHERS;
  out->cipher_suites = (uint16_t)(n / 2);
  if ((r = pf_tls_skip(c, n, PF_TLS_E_LENGTH)) != PF_TLS_OK ||
      (r = pf_tls_take_len(c, 1, &n, PF_TLS_E_LENGTH)) != PF_TLS_OK)
    return r;
  if (n == 0)
    return PF_TLS_E_COMPRESSION;
  return pf_tls_skip(c, n, PF_TLS_E_LENGTH);
}

/* ServerHello: the cipher suite and compression method chosen. */
static enum pf_tls_result pf_tls_read_server(struct pf_tls_cursor *c,
                                             struct pf_tls_hello *out) {
  uint32_t cipher;
  enum pf_tls_result r = pf_tls_take_len(c, 2, &cipher, PF_TLS_E_LENGTH);
  if (r != PF_TLS_OK)
    return r;
  out->cipher = (uint16_t)cipher;
  return pf_tls_skip(c, 1, PF_TLS_E_LENGTH);
}

static enum pf_tls_result pf_tls_read_body(struct pf_tls_cursor *c,
                                           struct pf_tls_hello *out) {
  enum pf_tls_result r = pf_tls_read_start(c, out);
  if (r == PF_TLS_OK)
    r = out->type == PF_TLS_WIRE_CLIENT_HELLO ? pf_tls_read_client(c, out)
                                              : pf_tls_read_server(c, out);
  if (r == PF_TLS_OK && c->off < c->end) /* extensions are optional */
    r = pf_tls_read_extensions(c, out);
  if (out->type == PF_TLS_WIRE_CLIENT_HELLO && !out->has_versions)
    out->offered = pf_tls_version_bit(out->legacy_version);
  return r;
}

/* The record header, SSL 2.0 told apart; *rec_end is where the record's
 * body ends. */
static enum pf_tls_result pf_tls_read_record(const struct pf_bytes *b,
                                             struct pf_tls_hello *out,
                                             uint32_t *rec_end) {
  const struct pf_tls_wire_record *rec;
  uint8_t first, third;
  if (pf_get_u8(b, 0, &first) && (first & PF_TLS_WIRE_SSL2_LENGTH_BIT) &&
      pf_get_u8(b, 2, &third) && third == PF_TLS_WIRE_CLIENT_HELLO)
    return PF_TLS_SSL2;
  if (pf_get_u8(b, 0, &first) && first != PF_TLS_WIRE_HANDSHAKE)
    return PF_TLS_NOT_HANDSHAKE;
  if (!pf_get_hdr(b, 0, &rec))
    return PF_TLS_PARTIAL;
  out->record_version = pf_be16(rec->version);
  if (rec->version[0] != 3)
    return PF_TLS_NOT_HANDSHAKE;
  uint32_t len = pf_be16(rec->length);
  if (len == 0 || len > PF_TLS_WIRE_RECORD_MAX)
    return PF_TLS_E_RECORD;
  *rec_end = (uint32_t)sizeof(*rec) + len;
  return PF_TLS_OK;
}

enum pf_tls_result pf_tls_parse_hello(const struct pf_bytes *b,
                                      struct pf_tls_hello *out) {
  const struct pf_tls_wire_handshake *hs;
  uint32_t rec_end = 0, at = (uint32_t)sizeof(struct pf_tls_wire_record);
  memset(out, 0, offsetof(struct pf_tls_hello, sni)); /* not the text */
  out->sni[0] = '\0';
  enum pf_tls_result r = pf_tls_read_record(b, out, &rec_end);
  if (r != PF_TLS_OK)
    return r;
  struct pf_bytes rec =
      pf_bytes_of(b->data, b->len < rec_end ? b->len : rec_end);
  if (!pf_get_hdr(&rec, at, &hs)) { /* split before its type: rare */
    out->split_records = rec_end < at + (uint32_t)sizeof(*hs);
    return PF_TLS_PARTIAL;
  }
  if (hs->type != PF_TLS_WIRE_CLIENT_HELLO &&
      hs->type != PF_TLS_WIRE_SERVER_HELLO)
    return PF_TLS_NOT_HELLO;
  out->type = hs->type;
  uint32_t len = (uint32_t)hs->length[0] << 16 | pf_be16(hs->length + 1);
  if (len > PF_TLS_WIRE_HELLO_MAX)
    return PF_TLS_E_LENGTH;
  uint32_t end = at + (uint32_t)sizeof(*hs) + len;
  out->split_records = end > rec_end;
  struct pf_tls_cursor c = {
      .at_hand = pf_bytes_of(rec.data, rec.len < end ? rec.len : end),
      .off = at + (uint32_t)sizeof(*hs),
      .end = end};
  return pf_tls_read_body(&c, out);
}

const char *pf_tls_result_name(enum pf_tls_result r) {
  static const char *const names[PF_TLS_RESULT_COUNT] = {
      [PF_TLS_OK] = "ok",
      [PF_TLS_PARTIAL] = "partial",
      [PF_TLS_NOT_HANDSHAKE] = "not_handshake",
      [PF_TLS_SSL2] = "ssl2",
      [PF_TLS_NOT_HELLO] = "not_hello",
      [PF_TLS_E_RECORD] = "record",
      [PF_TLS_E_LENGTH] = "length",
      [PF_TLS_E_SESSION_ID] = "session_id",
      [PF_TLS_E_CIPHERS] = "ciphers",
      [PF_TLS_E_COMPRESSION] = "compression",
      [PF_TLS_E_EXTENSIONS] = "extensions",
      [PF_TLS_E_SNI] = "sni",
      [PF_TLS_E_VERSIONS] = "versions",
  };
  return (unsigned)r < PF_TLS_RESULT_COUNT ? names[r] : NULL;
}
