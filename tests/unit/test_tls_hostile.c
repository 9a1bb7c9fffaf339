/* test_tls_hostile.c - the TLS hello parser on real hellos bent out of
 * shape: lengths that contradict each other, an empty or over-long server
 * name, odd version lists and GREASE, other records and messages, SSL 2.0,
 * a HelloRetryRequest, a hello without extensions. */
#include <string.h>

#include <check.h>

#include "app/tls.h"
#include "app_messages.h"
#include "suites.h"

static uint8_t b[2 * APP_MESSAGE_MAX];
static size_t n;
static struct pf_tls_hello h;

static uint32_t be16_at(uint32_t off) {
  return (uint32_t)b[off] << 8 | b[off + 1];
}

static void put16(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static enum pf_tls_result parse(void) {
  struct pf_bytes bytes = pf_bytes_of(b, (uint32_t)n);
  return pf_tls_parse_hello(&bytes, &h);
}

/* Offsets in a ClientHello: the session id's length byte is at 43. */
#define SID_AT 43
static uint32_t suites_at(void) { return SID_AT + 1 + b[SID_AT]; }
static uint32_t compression_at(void) {
  return suites_at() + 2 + be16_at(suites_at());
}
static uint32_t extensions_at(void) {
  return compression_at() + 1 + b[compression_at()];
}

/* The offset of extension `type`'s header. */
static uint32_t extension_at(uint16_t type) {
  uint32_t off = extensions_at() + 2;
  while (be16_at(off) != type) {
    off += 4 + be16_at(off + 2);
    ck_assert_uint_lt(off, n);
  }
  return off;
}

static void load(const char *hex) { n = app_bytes(hex, b); }

/* The record's and the handshake's lengths made to fit n again. */
static void fix_lengths(void) {
  put16(b + 3, (uint32_t)n - 5);
  b[6] = 0;
  put16(b + 7, (uint32_t)n - 9);
  put16(b + extensions_at(), (uint32_t)n - extensions_at() - 2);
}

/* openssl's 1.2 ClientHello with its server name (the first extension)
 * replaced by `name`, every length made right. */
static void with_sni(const char *name, uint32_t len) {
  uint8_t rest[APP_MESSAGE_MAX];
  load(APP_TLS_CLIENT_HELLO_12);
  uint32_t sni = extension_at(0), after = sni + 4 + be16_at(sni + 2);
  size_t rest_len = n - after;
  memcpy(rest, b + after, rest_len);
  put16(b + sni + 2, len + 5);
  put16(b + sni + 4, len + 3);
  b[sni + 6] = 0;
  put16(b + sni + 7, len);
  memcpy(b + sni + 9, name, len);
  memcpy(b + sni + 9 + len, rest, rest_len);
  n = sni + 9 + len + rest_len;
  fix_lengths();
}

START_TEST(test_session_id_over_32) {
  load(APP_TLS_CLIENT_HELLO_13);
  b[SID_AT] = 33;
  ck_assert_int_eq(parse(), PF_TLS_E_SESSION_ID);
}
END_TEST

START_TEST(test_cipher_suites_odd_or_empty) {
  load(APP_TLS_CLIENT_HELLO_12);
  put16(b + suites_at(), be16_at(suites_at()) - 1);
  ck_assert_int_eq(parse(), PF_TLS_E_CIPHERS);
  put16(b + suites_at(), 0);
  ck_assert_int_eq(parse(), PF_TLS_E_CIPHERS);
}
END_TEST

START_TEST(test_no_compression_method) {
  load(APP_TLS_CLIENT_HELLO_12);
  b[compression_at()] = 0;
  ck_assert_int_eq(parse(), PF_TLS_E_COMPRESSION);
}
END_TEST

/* An extension past the list; a list longer or shorter than the hello. */
START_TEST(test_extension_lengths) {
  load(APP_TLS_CLIENT_HELLO_13);
  put16(b + extension_at(43) + 2, 0x0fff);
  ck_assert_int_eq(parse(), PF_TLS_E_EXTENSIONS);
  load(APP_TLS_CLIENT_HELLO_13);
  put16(b + extensions_at(), be16_at(extensions_at()) + 1);
  ck_assert_int_eq(parse(), PF_TLS_E_LENGTH);
  load(APP_TLS_CLIENT_HELLO_13);
  put16(b + extensions_at(), be16_at(extensions_at()) - 1);
  ck_assert_int_eq(parse(), PF_TLS_E_LENGTH);
}
END_TEST

START_TEST(test_sni_lengths) {
  load(APP_TLS_CLIENT_HELLO_12);
  uint32_t sni = extension_at(0);
  put16(b + sni + 4, be16_at(sni + 4) + 1); /* the list's own length */
  ck_assert_int_eq(parse(), PF_TLS_E_SNI);
  load(APP_TLS_CLIENT_HELLO_12);
  put16(b + sni + 7, 0); /* an empty host name */
  ck_assert_int_eq(parse(), PF_TLS_E_SNI);
}
END_TEST

/* 255 characters are read, 256 refused. */
START_TEST(test_sni_of_255_and_256) {
  char name[256];
  memset(name, 'a', sizeof(name));
  with_sni(name, 255);
  ck_assert_int_eq(parse(), PF_TLS_OK);
  ck_assert_uint_eq(h.sni_len, 255);
  ck_assert_uint_eq(strlen(h.sni), 255);
  ck_assert_uint_eq(h.extensions, 7);
  with_sni(name, 256);
  ck_assert_int_eq(parse(), PF_TLS_E_SNI);
}
END_TEST

START_TEST(test_sni_case_dot_and_odd_bytes) {
  with_sni("Beta.SVC.test.", 14);
  ck_assert_int_eq(parse(), PF_TLS_OK);
  ck_assert_str_eq(h.sni, "beta.svc.test");
  ck_assert(h.sni_hostname);
  with_sni("a b\001c", 5);
  ck_assert_int_eq(parse(), PF_TLS_OK);
  ck_assert_str_eq(h.sni, "a?b?c");
  ck_assert(!h.sni_hostname);
}
END_TEST

/* s_client's list 1.3, 1.2, 1.1, 1.0 with 1.3 turned into GREASE; then a
 * list of odd length. */
START_TEST(test_supported_versions) {
  load(APP_TLS_CLIENT_HELLO_ANY);
  uint32_t sv = extension_at(43);
  ck_assert_uint_eq(be16_at(sv + 5), 0x0304);
  put16(b + sv + 5, 0x3a3a);
  ck_assert_int_eq(parse(), PF_TLS_OK);
  ck_assert_uint_eq(h.offered, PF_TLS_V_12 | PF_TLS_V_11 | PF_TLS_V_10);
  ck_assert_uint_eq(h.version, 0x0303);
  b[sv + 4] = 7;
  ck_assert_int_eq(parse(), PF_TLS_E_VERSIONS);
  ck_assert_uint_eq(pf_tls_version_bit(0xfafa), 0);
  ck_assert_uint_eq(pf_tls_version_bit(0x0300), PF_TLS_V_SSL3);
  ck_assert_uint_eq(pf_tls_version_bit(0x7f1c), PF_TLS_V_13);
  ck_assert_uint_eq(pf_tls_version_bit(0x0305), PF_TLS_V_OTHER);
}
END_TEST

START_TEST(test_other_records_and_messages) {
  load(APP_TLS_CLIENT_HELLO_13);
  b[0] = 23; /* application data */
  ck_assert_int_eq(parse(), PF_TLS_NOT_HANDSHAKE);
  load(APP_TLS_CLIENT_HELLO_13);
  b[1] = 2; /* version 2.1 */
  ck_assert_int_eq(parse(), PF_TLS_NOT_HANDSHAKE);
  load(APP_TLS_CLIENT_HELLO_13);
  b[5] = 11; /* Certificate */
  ck_assert_int_eq(parse(), PF_TLS_NOT_HELLO);
  static const uint8_t ssl2[] = {0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15};
  memcpy(b, ssl2, sizeof(ssl2));
  n = sizeof(ssl2);
  ck_assert_int_eq(parse(), PF_TLS_SSL2);
}
END_TEST

START_TEST(test_record_and_handshake_lengths) {
  load(APP_TLS_CLIENT_HELLO_13);
  put16(b + 3, 0);
  ck_assert_int_eq(parse(), PF_TLS_E_RECORD);
  put16(b + 3, 16384 + 2048 + 1);
  ck_assert_int_eq(parse(), PF_TLS_E_RECORD);
  load(APP_TLS_CLIENT_HELLO_13);
  b[6] = 3; /* 196,608 bytes: longer than any hello can be */
  ck_assert_int_eq(parse(), PF_TLS_E_LENGTH);
  load(APP_TLS_CLIENT_HELLO_13);
  b[8] -= 10; /* the handshake ends inside the extensions */
  ck_assert_int_eq(parse(), PF_TLS_E_LENGTH);
}
END_TEST

START_TEST(test_hello_retry_request) {
  static const uint8_t hrr[32] = {
      0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
      0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
      0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};
  load(APP_TLS_SERVER_HELLO_13);
  memcpy(b + 11, hrr, sizeof(hrr));
  ck_assert_int_eq(parse(), PF_TLS_OK);
  ck_assert(h.hello_retry);
  ck_assert_uint_eq(h.version, 0x0304);
}
END_TEST

/* A hello that ends after its compression methods (TLS 1.0 style). */
START_TEST(test_no_extensions) {
  load(APP_TLS_CLIENT_HELLO_12);
  n = extensions_at();
  put16(b + 3, (uint32_t)n - 5);
  put16(b + 7, (uint32_t)n - 9);
  ck_assert_int_eq(parse(), PF_TLS_OK);
  ck_assert_uint_eq(h.extensions, 0);
  ck_assert(!h.has_sni && !h.has_versions);
  ck_assert_uint_eq(h.offered, PF_TLS_V_12);
}
END_TEST

Suite *pf_tls_hostile_suite(void) {
  Suite *s = suite_create("tls_hostile");
  TCase *tc = tcase_create("lengths");
  tcase_add_test(tc, test_session_id_over_32);
  tcase_add_test(tc, test_cipher_suites_odd_or_empty);
  tcase_add_test(tc, test_no_compression_method);
  tcase_add_test(tc, test_extension_lengths);
  tcase_add_test(tc, test_sni_lengths);
  tcase_add_test(tc, test_record_and_handshake_lengths);
  suite_add_tcase(s, tc);
  tc = tcase_create("contents");
  tcase_add_test(tc, test_sni_of_255_and_256);
  tcase_add_test(tc, test_sni_case_dot_and_odd_bytes);
  tcase_add_test(tc, test_supported_versions);
  tcase_add_test(tc, test_other_records_and_messages);
  tcase_add_test(tc, test_hello_retry_request);
  tcase_add_test(tc, test_no_extensions);
  suite_add_tcase(s, tc);
  return s;
}
